/*
 * pl_openmp.h - what the OpenMP run scope (runtime/openmp.c) offers the
 * OpenMP labs (labs/NN-name/openmp.c), beyond paralab.h.
 *
 * pl_run opens ONE parallel region for the whole program: the thread that
 * called pl_run runs body(), the other threads of the team wait at the end
 * of the region and execute the OpenMP tasks that futures and groups create
 * meanwhile. A `#pragma omp task` only has somebody to run it when it is
 * created inside that region, so futures and groups ask pl_omp_in_scope()
 * before creating any.
 */
#ifndef PL_OPENMP_H
#define PL_OPENMP_H

/*
 * 1 when the calling thread may create OpenMP tasks that run in the
 * background on pl_run's worker threads: pl_run's body is running and the
 * caller is at the nesting level of pl_run's region (the body itself, or a
 * task of that team). 0 outside pl_run, after body returned, and inside a
 * map's own (nested) team, whose tasks would make that map wait for them.
 */
int pl_omp_in_scope(void);

/*
 * How long a waiting caller sleeps between two looks at a flag (futures'
 * wait, groups' waits). Short enough that a wait returns about 1 ms after
 * the task finished, long enough that waiting costs no CPU worth measuring.
 */
#define PL_OMP_POLL_MS 1

/*
 * The most threads one pl_map team may have: a max_workers above it runs at
 * most this many at once ("at most", paralab.h). pl_run rejects more than
 * 1024 workers (PL_EINVAL) instead: its team is the program's. Like fork's PL_FORK_MAX_CHILDREN (128): a ceiling that a
 * real program never meets, so that a typo (max_workers = 100000) is not a
 * dead process - libgomp exits or crashes when it cannot create a thread.
 */
#define PL_OMP_MAX_TEAM 256

/*
 * How many threads (the caller included) a new team of `wanted` may have:
 * under a finite process limit (RLIMIT_NPROC, `ulimit -u`) no more than the
 * system lets start right now, found out by a probe
 * (runtime/openmp_threads.c); otherwise wanted. Always >= 1: a team of one
 * thread is the caller alone, which needs no new thread. The ceilings are
 * the caller's to apply first.
 */
int pl_omp_team_limit(int wanted);

#endif
