/*
 * run.h - find the tests (from the trusted reference build), run each in
 * its own sandboxed process, judge it from the private verdict channel, and
 * time the performance tests against the reference.
 */
#ifndef GR_RUN_H
#define GR_RUN_H

#include "grade.h"

/* List every test of the reference binaries and attach its rubric rule. 0, or -1 if none. */
int gr_catalog(gr_run *r);

/* Run every catalogued test against the submission's binaries. */
void gr_run_tests(gr_run *r);

/* Timed runs, reference and submission interleaved, for tests with a perf rule. */
void gr_run_perf(gr_run *r);

/*
 * Does the verdict channel's text say that test `name` passed? Only lines
 * starting with this run's nonce count; exactly one "PASS name", no FAIL,
 * and "END 1 0" are required.
 */
int gr_verdict_says_passed(const char *text, const char *nonce, const char *name);

/* Score every test whose binary is missing (build failures) without running it. */
void gr_mark_unbuilt(gr_run *r);

#endif
