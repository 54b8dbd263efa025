/*
 * judge.h - a test's score from one run, and when it failed, why
 * (judge.c; grader-internal, used by run.c).
 */
#ifndef GR_JUDGE_H
#define GR_JUDGE_H

#include "test_job.h"

/* t's score from its job and verdict and, when it failed, why (t->reason, t->output). */
void gr_judge(gr_run *r, gr_test *t, gr_job *job, const gr_test_run *c);

#endif
