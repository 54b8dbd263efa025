/*
 * perf.h - performance points: timing runs of the reference and the
 * submission, compared so that noise cannot take points away.
 *
 * What is compared: the figure each timing run reports on its verdict
 * channel (tests/support/timing.h), i.e. the time of the student's calls
 * measured inside the test process, never the process's wall clock
 * (mpiexec alone is 0.4-0.8 s and varies by more than the work). Whole-
 * process time stays a LIMIT (the test's timeout), never the score.
 *
 * How (grader/README.md, "How time is measured"):
 *   - a round = `runs` timing runs of each side, interleaved (the order
 *     alternates), best of each side; ratio = submission / reference;
 *   - linear credit: full points at ratio <= full, none at >= zero;
 *   - re-measure rule: a round that would deduct points is repeated;
 *     points are deducted only when two rounds agree (their credits within
 *     10% of the points), at most 3 rounds, and the credit of the BEST
 *     round counts. Every round's ratio is in the note;
 *   - a test that needs more CPUs than the machine lets the grader use is
 *     informational: measured once, full points, and a note that says why;
 *   - the reference's timed work must reach `floor_s`, or the comparison is
 *     not trusted (full points, a note): tiny timings are mostly noise;
 *   - no time left in the grading budget: not measured, full points and a
 *     note (a deduction needs evidence; the test itself passed).
 * Kept apart from run.c (which starts the runs) so that a trusted checker
 * process (issue 14) can take it over as it is.
 */
#ifndef GR_PERF_H
#define GR_PERF_H

#include "machine.h"

/* One timing run's figure ("NS wall=NS share=F per=N calls=N", timing.h). */
typedef struct gr_figure {
    double s;      /* the figure, seconds; 0: none */
    double wall_s; /* the wall-clock time it comes from (0: not given) */
    double share;  /* CPU share it was corrected by (0: not corrected) */
    long per;      /* it is the time of one call of this many items (0: not per call) */
    long calls;    /* best of this many calls (0 or 1: a single one) */
} gr_figure;

/* Parse the part of a TIME line after the test name; s == 0 when malformed. */
gr_figure gr_parse_figure(const char *text);

/* Text for a figure: "0.405 s" or "12.3 us per item (best of 40 calls of 1000)". */
char *gr_figure_text(const gr_figure *f);

/*
 * One timing run of the reference (reference = 1) or the submission.
 * Returns 1 when the test passed in that run and reported its figure, 0
 * when it failed, timed out or reported none.
 */
typedef int (*gr_timed_run_fn)(void *ctx, int reference, int seq, gr_figure *out);

typedef struct gr_perf_setup {
    int runs;              /* per side and round */
    int max_rounds;        /* 3 */
    double full_ratio, zero_ratio;
    double floor_s;        /* the reference must have timed at least this */
    double cpus_needed;    /* the rule's cpus= (0: 1) */
    const gr_machine *machine;
    double stop_at;        /* gr_now() after which no round may start */
    int same_code;         /* the "submission" is the reference build itself (grading the
                            * reference): one round, for the figures; any difference is
                            * noise by definition, so it never costs a point */
} gr_perf_setup;

typedef struct gr_perf_outcome {
    double fraction;       /* of the perf points, 0..1 */
    int informational;     /* full points because the machine is too small */
    int rounds;
    double ref_s, sub_s;   /* best costs of the round that counted (s; per item for per-call figures) */
    char *note;            /* what a student reads (new string) */
} gr_perf_outcome;

/* Credit for a ratio: 1 at or below full, 0 at or above zero, linear in between. */
double gr_perf_credit(double ratio, double full_ratio, double zero_ratio);

/* Run the rounds through run(ctx, ...) and judge them. */
void gr_perf_measure(const gr_perf_setup *ps, gr_timed_run_fn run, void *ctx, gr_perf_outcome *out);

#endif
