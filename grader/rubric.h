/*
 * rubric.h - how many points each test is worth, and the limits tests run
 * under. Parsed from a line-based text file an instructor edits (format and
 * examples: grader/rubric.txt); every mistake is reported as file:line.
 */
#ifndef GR_RUBRIC_H
#define GR_RUBRIC_H

#include <stddef.h>

#define GR_MAX_MODELS 8

typedef enum { GR_RULE_TEST, GR_RULE_PERF } gr_rule_kind;

typedef struct gr_rule {
    gr_rule_kind kind;
    char *pattern;         /* fnmatch pattern on "suite/test" */
    char *models[GR_MAX_MODELS]; /* NULL-terminated; {"*"} = every graded model */
    double points;
    int hidden;
    char *visibility;      /* hidden=WHEN: Gradescope visibility of this rule's tests (NULL: hidden-visibility) */
    double timeout_s;      /* 0: the rubric's default */
    /* perf only */
    double full_ratio;     /* full points at or below this time ratio */
    double zero_ratio;     /* no points at or above this ratio */
    int runs;              /* best of this many runs each */
    double cpus;           /* CPUs the measurement needs; fewer usable: informational (0: 1) */
    int ranks;             /* MPI ranks for this test (0: the rubric's mpi-ranks) */
    int line;              /* where it was written, for messages */
    int used;              /* matched at least one test */
} gr_rule;

typedef struct gr_lab_map {
    char *lab;    /* "01-map": a directory of labs/ */
    char *suite;  /* "map": the suite name inside test_<suite>_<model> binaries */
} gr_lab_map;

typedef struct gr_rubric {
    char *path;
    /* settings ("set NAME VALUE") */
    double timeout_s;        /* wall clock per test */
    double short_timeout_s;  /* after 2 timeouts in one binary, the rest get this */
    double budget_s;         /* all test and timing runs together; later ones are skipped */
    double default_points;   /* tests no rule matches */
    char *models[GR_MAX_MODELS]; /* models whose tests are graded */
    int mpi_ranks;
    int procs;               /* RLIMIT_NPROC budget (threads count) */
    int memory_mb;           /* RLIMIT_AS per process */
    int cpu_s;               /* RLIMIT_CPU per process */
    int file_mb;             /* RLIMIT_FSIZE */
    int open_files;          /* RLIMIT_NOFILE */
    int output_mb;           /* a test printing more than this is killed */
    double perf_floor_ms;    /* reference times below this are raised to it */
    char *hidden_visibility; /* Gradescope visibility of hidden tests */
    gr_lab_map *labs;
    size_t n_labs;
    gr_rule *rules;
    size_t n_rules;
} gr_rubric;

/*
 * Parse path into r (defaults first, then the file's lines). On error
 * returns -1 and writes "file:line: message" lines into err (size errlen).
 */
int gr_rubric_load(const char *path, gr_rubric *r, char *err, size_t errlen);

/* Defaults only (no file): used when the rubric cannot be read. */
void gr_rubric_defaults(gr_rubric *r);

int gr_rubric_graded_model(const gr_rubric *r, const char *model);

/* First test rule (or perf rule) matching "suite/test" on model; NULL if none. */
gr_rule *gr_rubric_match(gr_rubric *r, gr_rule_kind kind, const char *name, const char *model);

/* The lab a suite belongs to ("01-map"), or NULL when the rubric does not say. */
const char *gr_rubric_lab_of(const gr_rubric *r, const char *suite);

/* Is name one of the rubric's labs ("01-map") or suites ("map")? */
int gr_rubric_names_lab(const gr_rubric *r, const char *name);

/* The labs with their suites, for messages: "01-map (map, fetchmap), 02-futures (futures)". */
char *gr_rubric_lab_list(const gr_rubric *r);

void gr_rubric_free(gr_rubric *r);

#endif
