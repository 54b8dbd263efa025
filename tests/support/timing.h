/*
 * timing.h - the figure a test reports for the grader's performance points.
 *
 * Why in-process? Timing a whole test process measures what the student did
 * not write: exec, the dynamic loader, MPI_Init and mpiexec (0.4-0.8 s on a
 * 2-core machine, varying by more than a few milliseconds of work). So the
 * harness times each test function itself (CLOCK_MONOTONIC, from just
 * before the function to just after it) and, when the test passed, reports
 * the figure on the private verdict channel (harness.h):
 *
 *     NONCE TIME suite/test NS [wall=NS] [share=F] [per=N] [calls=N]
 *
 *   NS       the figure the grader compares with the reference's: always >= 1
 *   wall=    the wall-clock time it was derived from
 *   share=   the fraction of their time the workers really had a CPU (0..1];
 *            NS = wall x share ("what the call would have taken on CPUs
 *            nobody else was using"), see suite_map_perf.c
 *   per=     NS is the time of one call of this many items
 *   calls=   best of this many calls
 *
 * A test that wants less than its whole body timed marks sections, or
 * reports a figure of its own. This module is self-contained on purpose: a
 * trusted checker process (issue 14) will time the calls itself, and then
 * this moves there unchanged.
 */
#ifndef PL_TEST_TIMING_H
#define PL_TEST_TIMING_H

#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- for tests */

/*
 * 1 when this run is a timing run (the harness got --timing): perf tests
 * then do their full work (>= 0.3 s); otherwise a light version that checks
 * the same behaviour quickly (ctest, the grader's correctness run).
 */
int pl_test_timing_wanted(void);

/* Time only what lies between these (sections add up); without them the whole test is timed. */
void pl_test_time_section_begin(void);
void pl_test_time_section_end(void);

/*
 * Report a figure of the test's own instead: ns (clamped to >= 1), the
 * wall-clock time it comes from, the CPU share (0: not measured), the items
 * per call (0: not per call) and how many calls it is the best of (0: one).
 */
void pl_test_time_report(int64_t ns, int64_t wall_ns, double cpu_share, long per_items, long calls);

/* ---------------------------------------------------------------- for the harness */

void pl_test_timing_enable(int on);   /* --timing */
void pl_test_time_test_started(void); /* just before a test function */
void pl_test_time_test_ended(void);   /* just after it */

/*
 * "NS[ wall=..][ share=..][ per=..][ calls=..]" for the test that just
 * ended; the figure is never below 1 ns (a clock that did not move still
 * measured something). Returns the length written, or -1 if it did not fit.
 */
int pl_test_time_format(char *buf, size_t len);

#endif
