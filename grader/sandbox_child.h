/*
 * sandbox_child.h - the child's side of a sandboxed job: what happens
 * between fork() and execve() (grader-internal; used by sandbox_jobs.c).
 */
#ifndef GR_SANDBOX_CHILD_H
#define GR_SANDBOX_CHILD_H

#include "sandbox_types.h"

/*
 * In a freshly forked child: stdio (stdout and stderr to out_w, or to
 * job->out_path), the verdict channel as fd 3, no other descriptor, the
 * job's cgroup, limits, the runner user, then exec (through bubblewrap when
 * sb->use_bwrap). Never returns: on any failure it says why on stderr and
 * exits with 126.
 */
void gr_sandbox_child_exec(const gr_sandbox *sb, const gr_job *job, int out_w) __attribute__((noreturn));

#endif
