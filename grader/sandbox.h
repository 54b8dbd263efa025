/*
 * sandbox.h - run untrusted code (a submission's build, or one test case)
 * as a contained process tree, and find out how it ended.
 *
 * Layers, each kept when the machine allows it (what is active is reported
 * by gr_sandbox_describe):
 *   - its own session and process group, killed as a whole at the wall-clock
 *     limit, and every descendant found in /proc killed too (the grader is a
 *     child subreaper, so processes that setsid() away still come back to it);
 *   - resource limits: processes/threads, address space, CPU, file size,
 *     open files, no core files;
 *   - as root: a dedicated unprivileged user (it cannot signal the grader,
 *     write its results or read the reference sources; and RLIMIT_NPROC,
 *     which root ignores, applies to it); as root with cgroup v1, a memory
 *     cgroup per job, which also lists every process to kill;
 *   - bubblewrap when it works here: read-only view of the file system, a
 *     private /tmp, only the job's own directory writable, private PID
 *     namespace (dies with the job), and no network but loopback.
 */
#ifndef GR_SANDBOX_H
#define GR_SANDBOX_H

#include "sandbox_jobs.h" /* the jobs, and the types (sandbox_types.h) */

/*
 * Decide how jobs will be contained. want_user: the runner user's name,
 * created (as a system user) when missing and we are root; when another
 * grader holds it, want_user-1 ... -7 (each grader gets its own process
 * budget and never signals another's jobs). no_bwrap: do not
 * use bubblewrap even if it works. Never fails: what is missing is written
 * to sb->notes.
 */
void gr_sandbox_init(gr_sandbox *sb, const char *want_user, int no_bwrap, int sanitize);

/* One line per layer, for the report. */
void gr_sandbox_describe(const gr_sandbox *sb, char *out, size_t len);

/* Mask a directory (e.g. the instructor's sources) from jobs run in bwrap. */
void gr_sandbox_hide(gr_sandbox *sb, const char *dir);
/* Show a directory read-only to jobs in bwrap, even inside a masked one or /tmp. */
void gr_sandbox_show(gr_sandbox *sb, const char *dir);
/*
 * 1 when jobs can reach dir: they run as the grader's own user, or every
 * directory on the way (dir included) lets the runner user through. A tree
 * cloned under a private directory (/root, mktemp -d) is out of its reach.
 */
int gr_sandbox_reaches(const gr_sandbox *sb, const char *dir);

#endif
