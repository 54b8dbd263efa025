/*
 * report_model.h - the one description of a graded run that every output
 * format is written from (report.h). Internal to the report writers.
 *
 * A test with performance points becomes two items: its correctness and its
 * speed ("... (performance)"), because every platform shows one score per
 * line. Texts in the model are valid UTF-8 without control characters other
 * than tab and newline: a submission's output may hold any bytes, and a JSON
 * library (jansson refuses invalid UTF-8) or an XML file (XML 1.0 forbids
 * most control characters) must never be handed something it rejects, or the
 * platform would get no result at all.
 */
#ifndef GR_REPORT_MODEL_H
#define GR_REPORT_MODEL_H

#include <stddef.h>

#include "grade.h"

typedef struct gr_item {
    const gr_test *t;
    int perf;                /* the performance half of t */
    char *name;              /* "01-map [fork] map/a", "... (performance)" */
    char *public_name;       /* what students see: a hidden test's name is withheld */
    char number[80];         /* "1.2.3": lab, model, test (Gradescope sorts by it) */
    double score, max;
    int passed;
    int hidden;
    const char *visibility;  /* Gradescope's: visible, hidden, after_due_date, after_published */
    char *reason;            /* one line (clean), "" when passed */
    char *output;            /* everything we have to say (clean, uncapped), "" when passed */
    double seconds;
} gr_item;

typedef struct gr_model {
    gr_item *items;
    size_t n;
    double score, max;
    int gradable;            /* 0: nothing could be graded (build failure, grader error) */
    int grader_error;        /* ... and it was our fault, not the submission's */
    char *message;           /* one line: the score, or why nothing was graded */
    char *text;              /* the students' summary (clean) */
    double elapsed;          /* seconds since the run started */
} gr_model;

/* Distinct labs in catalog order (sorted by their number prefix); how many. */
size_t gr_model_labs(const gr_run *r, const char **out, size_t max);
/* The models in the order reports show them, NULL-terminated. */
const char *const *gr_model_order(void);

void gr_model_build(const gr_run *r, gr_model *m);
void gr_model_free(gr_model *m);

/* A clean copy of s (NULL: ""): invalid UTF-8 and control bytes become U+FFFD. */
char *gr_clean_text(const char *s);
/*
 * At most about head + tail bytes of clean text s: the start and the end,
 * with a line saying how much was left out (cut on character boundaries).
 */
char *gr_capped_text(const char *s, size_t head, size_t tail);
/* Scores as platforms show them: 4 decimals, no binary noise (0.30000000000000004). */
double gr_round4(double x);

#endif
