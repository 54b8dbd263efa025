/*
 * test_job.h - one run of one test as a sandboxed job, and the verdict it
 * wrote (grader-internal: run.c runs them, judge.c explains them).
 *
 * Every run gets its own directory, its own verdict file and a fresh
 * random nonce: a verdict line counts only if it carries this run's nonce,
 * so nothing printed, and nothing left by another run, can pass a test.
 */
#ifndef GR_TEST_JOB_H
#define GR_TEST_JOB_H

#include "grade.h"
#include "perf.h"
#include "util.h"

#define GR_NONCE_BYTES 16
/* The harness's --test-timeout sits this far above the grader's own limit (see test_job.c). */
#define GR_HARNESS_BACKSTOP_S 15

typedef struct gr_test_run {
    gr_run *r;
    gr_test *t;
    char *dir;     /* the job's own directory: cwd, HOME; TMPDIR below it */
    char *verdict; /* the verdict file (fd 3) */
    char nonce[2 * GR_NONCE_BYTES + 1];
    int reference; /* a run of the reference binary */
    gr_argv argv;
    gr_argv env;
} gr_test_run;

/* What the verdict channel said about one test. */
typedef struct gr_verdict {
    int pass, pass_any, fail, end, end_passed, end_failed;
    int times;      /* "TIME name ..." lines for the selected test */
    gr_figure time; /* the last one's figure */
} gr_verdict;

/*
 * The job of one run of test t (job->user is its gr_test_run): of the
 * reference binary or the submission's; timing: with `--timing`, so a perf
 * test does its full work and reports its in-process time on the verdict
 * channel (tests/support/timing.h). seq numbers its directory.
 */
gr_job *gr_test_job_new(gr_run *r, gr_test *t, int reference, int seq, int timing);
/*
 * The subject binary of checker test t in build (a new string), found as the
 * checker finds it (checker/pl_proxy.c: beside the checker, or one directory
 * up); NULL when that build has none.
 */
char *gr_test_subject(const gr_test *t, const char *build);
/* Frees the job and removes its directory. */
void gr_test_job_free(gr_job *job);

/* What the lines of text that carry nonce say about test name. */
gr_verdict gr_parse_verdict(const char *text, const char *nonce, const char *name);
/* The verdict lines of this run (its nonce) about its test. */
gr_verdict gr_read_verdict(const gr_test_run *c);
/* Exactly one PASS, for our test, no FAIL, and "END 1 0". */
int gr_verdict_passed(const gr_verdict *v);

#endif
