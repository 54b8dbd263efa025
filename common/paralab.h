/*
 * paralab.h - the exercise API: map, futures and groups.
 *
 * Declared once, here; implemented once per backend (serial, OpenMP threads,
 * MPI ranks, fork()ed processes). A program links exactly one backend, so the
 * same test or demo runs unchanged on all four. It is the C cousin of the
 * lesson's Python tools:
 *
 *   Python                                   paralab
 *   Pool(5).map(square, items)               pl_map("square", items, n, &{5, -1}, res)
 *   f = task.future(x); f.result(timeout)    pl_future_start / pl_future_wait
 *   async_par({...}, max_workers=5)          pl_group_new / _add / _start
 *   ex.results(timeout=4)                    pl_group_results(g, 4000)
 *
 * Every call returns a pl_rc (pl_status.h). A call is either rejected up
 * front (PL_EINVAL, PL_ENOTASK, PL_ENOTIMPL, PL_ESTATE: nothing started,
 * nothing allocated) or it runs, and then EVERY task submitted gets EXACTLY
 * ONE result with a final status (never PENDING), even if the call ends in
 * PL_ESYS because the system refused something half-way.
 *
 * Timeouts are in milliseconds; PL_NO_TIMEOUT (-1) waits for ever; 0 does
 * not wait (a poll).
 *
 * Under faults (the suite tests/faults, docs/ARCHITECTURE.md has the table):
 *   - limits are statuses, never a dead process: an item or group argument
 *     over PL_VALUE_MAX_LEN is PL_EINVAL before anything runs; max_workers
 *     is lowered to what the backend can run; a result too big to travel
 *     (over PL_VALUE_MAX_LEN, 64 MiB; smaller ones travel on every
 *     backend) is FAILED "result too large: N bytes, limit M";
 *   - out of memory is a status too: every item still gets exactly one
 *     result - its own, or the shared read-only FAILED
 *     pl_result_out_of_memory() - and the call returns PL_ENOMEM;
 *   - deadlines are instants (pl_clock.h): signals cannot stretch them, and
 *     on fork a child stopped or stuck halfway through a message cannot
 *     either (frames are read and written without blocking past them);
 *   - fork's children die with their parent, even a task that never polls;
 *   - MPI runs FUNNELED: map, futures and groups started from a thread other
 *     than pl_run's are refused with PL_ESTATE.
 * Only fork survives a crashing task (CRASHED, the others go on) and ends a
 * task that never polls pl_should_stop() at the deadline; OpenMP's threads
 * share the process (a crash ends it all) and MPI's ranks die with the job.
 */
#ifndef PARALAB_H
#define PARALAB_H

#include <stddef.h>
#include <stdint.h>

#include "pl_cancel.h"
#include "pl_clock.h"
#include "pl_result.h"
#include "pl_status.h"
#include "pl_task.h"
#include "pl_value.h"

/* ---------------------------------------------------------------- backend */

typedef struct pl_backend_info {
    const char *name;     /* "serial", "openmp", "fork" or "mpi" */
    int parallel;         /* 1: tasks really run at the same time */
    int isolates_crashes; /* 1: a crashing task loses only its own result (fork) */
    int can_kill;         /* 1: a task that ignores pl_should_stop() still ends at a deadline (fork) */
} pl_backend_info;

/* Facts about the linked backend; never NULL. */
const pl_backend_info *pl_backend(void);

/* ---------------------------------------------------------------- run scope */

typedef struct pl_opts {
    /*
     * Worker threads the OpenMP backend keeps for futures and groups
     * (0: one per core). Ignored by serial and fork; MPI takes its workers
     * from `mpiexec -n` (every rank but 0 is a worker).
     */
    int workers;
} pl_opts;

/*
 * Run body(ctx) inside the backend's run scope and return what it returned.
 * Every program using map/futures/groups wraps its work in pl_run, because
 * some models need a scope around the work:
 *   - MPI: MPI_Init; rank 0 runs body while every other rank serves tasks
 *     until rank 0 is done; MPI_Finalize. On ranks > 0 pl_run returns PL_OK
 *     without calling body.
 *   - OpenMP: a parallel region whose threads execute futures and groups.
 *   - serial, fork: nothing, body just runs.
 * opts may be NULL (defaults). Not re-entrant on any backend: a pl_run
 * inside body (or from another thread meanwhile) is PL_ESTATE.
 * Returns PL_EINVAL for a NULL body (or workers < 0; OpenMP: > 1024),
 * PL_ESYS if the backend cannot start - e.g. OpenMP under a process limit
 * (ulimit -u) that leaves no room for a single worker thread: its team is
 * sized to what the system lets start, never left to libgomp, which would
 * exit the process.
 */
int pl_run(const pl_opts *opts, int (*body)(void *ctx), void *ctx);

/* 1 inside body on the process that runs it (MPI rank 0; always, elsewhere). */
int pl_is_root(void);

/*
 * How many tasks can run at the same time right now: OpenMP's worker
 * threads, MPI's ranks - 1, fork's limit on children, 1 for serial.
 * 0 outside pl_run for backends that need the run scope.
 */
int pl_workers(void);

/* ---------------------------------------------------------------- map */

typedef struct pl_map_opts {
    int max_workers;    /* > 0: never more than this many tasks running at once */
    int64_t timeout_ms; /* deadline for the WHOLE call, counted from the moment
                           pl_map is called (like concurrent.futures' map, unlike
                           the `parallel` library whose timeout bounds each wait);
                           PL_NO_TIMEOUT: none */
    int chunksize;      /* items handed to a worker at once, run there one after
                           another in input order: 0 = automatic, Pool.map's rule
                           ceil(n / (4 * workers)); 1 = one at a time (best
                           balance, one hand-off per item); > 1 = fewer hand-offs,
                           coarser balance. Every item still gets its own result,
                           deadline and cancellation (see "Chunks" below) */
} pl_map_opts;

/*
 * Apply task to items[0..n) and put the i-th item's result in results[i]
 * (input order, whatever order the tasks finish in). results[] is the
 * caller's array of n pointers; pl_map stores a new pl_result in each slot
 * and the caller frees each one with pl_result_free (in any order; a slot
 * may hold pl_result_out_of_memory(), which pl_result_free ignores).
 *
 * At most opts->max_workers tasks run at once (a backend may run fewer if it
 * has fewer workers). When the deadline passes, unfinished and unstarted
 * items get PL_TASK_TIMEOUT: the fork backend kills its children and returns
 * at the deadline; OpenMP asks running tasks to stop (pl_should_stop) and
 * waits for them; MPI stops waiting, tells the workers, and discards their
 * late answers.
 *
 * Chunks. Handing an item to a worker costs something (an OpenMP
 * scheduler step, a pipe round trip, an MPI message pair); for tiny tasks
 * that cost is the whole bill. A chunk of c consecutive items goes to one
 * worker in one hand-off and runs there in input order (OpenMP
 * schedule(dynamic, c); fork: one frame out, one frame back; MPI: one
 * message each way). What a chunk does NOT change: results[i] is still
 * item i's own result, the deadline still stops each item (a chunk's items
 * not started by then are TIMEOUT), and a fork worker that crashes in the
 * middle of a chunk costs only what it really had (docs/ARCHITECTURE.md,
 * "A crash inside a chunk"): items it had already answered keep their
 * results, the crashing item is CRASHED, items that ran but whose answers
 * died with the worker are FAILED saying so (never run twice), and items
 * it had not started go to the worker that replaces it.
 *
 * opts NULL: max_workers = pl_workers(), no timeout, automatic chunks.
 * n == 0 is fine (items and results may then be NULL). Rejected up front:
 * task/items/results NULL with n > 0, a NULL item, an item over
 * PL_VALUE_MAX_LEN (64 MiB: it could not travel to a process or rank;
 * refused on every backend alike), max_workers <= 0, chunksize < 0
 * (PL_EINVAL); unknown task (PL_ENOTASK). A max_workers above what the
 * backend can run is lowered, never an error: OpenMP runs at most
 * PL_OMP_MAX_TEAM (256) threads and, under a process limit (ulimit -u), no
 * more than the system lets it start; fork at most 128 children.
 *
 * A result too big to travel back (fork and MPI: over PL_VALUE_MAX_LEN,
 * 64 MiB; MPI sends a reply over 64 KiB as two messages) is FAILED "result
 * too large: N bytes, limit M", and the worker goes on serving.
 */
int pl_map(const char *task, pl_value *const items[], size_t n, const pl_map_opts *opts,
           pl_result *results[]);

/* ---------------------------------------------------------------- futures */

typedef struct pl_future pl_future;

/*
 * Start task(arg) in the background and return its handle at once (arg is
 * copied; the caller keeps its own). If every worker is busy the task waits
 * in a queue and starts when one frees up. PL_EINVAL, PL_ENOTASK, PL_ESTATE
 * (outside the run scope where one is needed), PL_ESYS.
 */
int pl_future_start(const char *task, const pl_value *arg, pl_future **out);

/*
 * Wait up to timeout_ms for the result. PL_OK: *out points at the result,
 * owned by the future (valid until pl_future_free; do not free it).
 * PL_ETIMEDOUT: not done yet; the task keeps running and wait may be called
 * again. The timeout bounds this wait only; it does not stop the task.
 */
int pl_future_wait(pl_future *f, int64_t timeout_ms, const pl_result **out);

/* 1 if the result is ready, 0 if not; never blocks. PL_EINVAL for NULL. */
int pl_future_done(pl_future *f);

/*
 * Ask the task to stop. Not started yet: it never runs and its result is
 * CANCELLED. Running: fork kills the child, OpenMP sets its cancel token,
 * MPI sends a cancel message; the result is CANCELLED unless the task
 * finished first. PL_OK if the request was made, PL_ESTATE if already done.
 */
int pl_future_cancel(pl_future *f);

/*
 * Release the future and set *fp to NULL, so a second free or a wait on the
 * same variable is caught (PL_EINVAL) instead of touching freed memory.
 * Safe while the task runs: it is cancelled, and nothing it does later
 * touches the freed future (no leak, no zombie). Accepts NULL and *fp NULL.
 */
void pl_future_free(pl_future **fp);

/* ---------------------------------------------------------------- groups */

typedef struct pl_group pl_group;

/* A new, empty group that will run at most max_workers members at once. */
int pl_group_new(int max_workers, pl_group **out);

/*
 * Add a member: a unique non-empty name, a task and its argument (copied).
 * PL_EINVAL (NULL/empty name, an argument over PL_VALUE_MAX_LEN), PL_EEXIST
 * (duplicate name), PL_ENOTASK, PL_ESTATE (the group already started).
 */
int pl_group_add(pl_group *g, const char *name, const char *task, const pl_value *arg);

/* Start every member (at most max_workers running). PL_ESTATE if already started. */
int pl_group_start(pl_group *g);

/*
 * Wait up to timeout_ms for the next member to finish that this function has
 * not reported yet, and set *name to it (the as_completed /
 * wait(FIRST_COMPLETED) idea). PL_OK; PL_ETIMEDOUT; PL_ESTATE before start
 * or when every member has already been reported.
 */
int pl_group_wait_first(pl_group *g, int64_t timeout_ms, const char **name);

/*
 * Wait up to timeout_ms (counted from this call, like the lesson's
 * ex.results(timeout=4)) for every member; members still running then are
 * stopped (killed / cancelled) and get PL_TASK_TIMEOUT. After PL_OK every
 * member has its one result. A second call returns PL_OK at once.
 * PL_ESTATE before start.
 */
int pl_group_results(pl_group *g, int64_t timeout_ms);

size_t pl_group_size(const pl_group *g);
/* The i-th member's name in the order they were added; NULL out of range. */
const char *pl_group_name(const pl_group *g, size_t i);
/* A member's result, or NULL while it has none (or no such member). Owned by the group. */
const pl_result *pl_group_result(const pl_group *g, const char *name);
/* How many members have finished so far, and the name of the k-th to finish (0 = first). */
size_t pl_group_finished(const pl_group *g);
const char *pl_group_finished_name(const pl_group *g, size_t k);

/* Free the group and set *gp to NULL; running members are stopped first. */
void pl_group_free(pl_group **gp);

#endif
