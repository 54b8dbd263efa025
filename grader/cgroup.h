/*
 * cgroup.h - a memory cgroup (v1) per sandboxed job, when the grader runs
 * as root on a machine that has one.
 *
 * Why a cgroup on top of the /proc walk: a process cannot leave its cgroup
 * without privileges, so the cgroup lists every process of a job, even one
 * forked between two /proc scans; and its peak memory counts all of them,
 * where wait4's ru_maxrss sees one process and cannot see through
 * bubblewrap's PID namespace. Without one, the sandbox still works; it
 * only measures and catches less.
 */
#ifndef GR_CGROUP_H
#define GR_CGROUP_H

/*
 * The run's own cgroup, paralab-grade-PID, made INSIDE the memory cgroup
 * the grader runs in (so a container's limit also binds the jobs), after
 * removing those of graders that died without cleaning up. A new string,
 * or NULL when there is no memory cgroup we may write.
 */
char *gr_cgroup_make_root(void);

/* A new job-N cgroup under root (made again if a sweep removed root), or NULL. */
char *gr_cgroup_new_job(const char *root);

/* SIGKILL everything in cg until it is empty (bounded: see cgroup.c). */
void gr_cgroup_kill(const char *cg);

/*
 * The end of a job's cgroup: kill what is left, read its peak memory, and
 * remove it. Returns the peak in KiB, or -1 when it could not be read.
 */
long gr_cgroup_end_job(const char *cg);

/* rmdir a run's cgroup and its job-N children; 0, or -1 with errno (EBUSY: not empty yet). */
int gr_cgroup_remove(const char *dir);

#endif
