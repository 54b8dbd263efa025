/*
 * sandbox_jobs.h - running sandboxed jobs and cleaning up after them
 * (sandbox_jobs.c); how they are contained is decided by gr_sandbox_init
 * (sandbox.h).
 */
#ifndef GR_SANDBOX_JOBS_H
#define GR_SANDBOX_JOBS_H

#include "sandbox_types.h"

/*
 * Run the jobs, at most `parallel` at a time. started(job) is called just
 * before each starts (it may change job->lim, or set job->skipped) and
 * done(job) as each finishes (either may be NULL). Returns when
 * all have finished; never leaves a process behind.
 */
void gr_run_jobs(gr_sandbox *sb, gr_job **jobs, size_t n, int parallel, gr_job_cb started,
                 gr_job_cb done, void *ctx);

/* The captured output as one string: head, a "[... N bytes skipped ...]" mark, tail. */
char *gr_capture_text(const gr_capture *c);

/* Kill every process left over by jobs (strays re-parented to us, runner user's processes). */
void gr_sandbox_sweep(gr_sandbox *sb);

void gr_job_free(gr_job *job);

#endif
