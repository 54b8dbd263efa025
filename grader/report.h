/*
 * report.h - what the grader tells people: a score table per lab x model and
 * one line per failed test (terminal, Markdown), and one file per grading
 * platform, all from the same run:
 *
 *   gradescope    results.json (Gradescope's autograder contract)
 *   prairielearn  results.json for an external grader (/grade/results)
 *   classroom50   result.json (classroom50/result/v1)
 *   github        the base64 `result` of GitHub Classroom's
 *                 autograding-grading-reporter
 *   junit         JUnit XML (CI servers, IDEs)
 *
 * Every writer reads one model of the run (report_model.h), so a test has
 * the same name, points and verdict on every platform. Grading scripts ask
 * for formats with `--format NAME[=PATH]` (grader/README.md).
 */
#ifndef GR_REPORT_H
#define GR_REPORT_H

#include "grade.h"
#include "report_text.h"


typedef enum {
    GR_FMT_GRADESCOPE,
    GR_FMT_PRAIRIELEARN,
    GR_FMT_CLASSROOM50,
    GR_FMT_GITHUB,
    GR_FMT_JUNIT,
    GR_FMT_COUNT
} gr_format;

/* The formats asked for, each with the file it goes to (NULL: its default name in --out). */
typedef struct gr_outputs {
    int wanted[GR_FMT_COUNT];
    char *path[GR_FMT_COUNT];
    int explicit_formats; /* --format was given: no implied gradescope */
} gr_outputs;

/*
 * One --format argument: "NAME", "NAME=PATH" or "NAME,NAME,...". 0, or -1
 * with a one-line reason in err (unknown name, a format given twice, an
 * empty path).
 */
int gr_outputs_add(gr_outputs *o, const char *spec, char *err, size_t errlen);
/* What --junit FILE means: the junit format, to FILE. */
void gr_outputs_set(gr_outputs *o, gr_format f, const char *path);
/*
 * Fill in defaults (no --format: gradescope) and the paths inside out_dir,
 * create out_dir if a default path needs it, and try every file for writing.
 * 0, or -1 with *why set (a new string: which file, and why).
 */
int gr_outputs_prepare(gr_outputs *o, const char *out_dir, char **why);
/* Write every wanted format (a valid file even with no tests). Failures are said on stderr; their count. */
int gr_outputs_write(const gr_run *r, const gr_outputs *o);
void gr_outputs_free(gr_outputs *o);
/* "results.json", ... : the name a format gets inside --out. */
const char *gr_format_default_name(gr_format f);
const char *gr_format_name(gr_format f);

#endif
