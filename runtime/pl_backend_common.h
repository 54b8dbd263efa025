/*
 * pl_backend_common.h - the parts of map, futures and groups that are the
 * same on every backend, written once (runtime/common_*.c) and compiled
 * into every paralab_<model> library.
 *
 * What is here is the contract's paperwork: which calls paralab.h rejects
 * up front, copying a task's name and argument, and a group's bookkeeping
 * (members, results, completion order, new -> started). None of it depends
 * on threads, processes or ranks, so four copies of it could only drift
 * apart - and a student would be graded on string tables instead of on
 * scheduling. What is NOT here is the lab: who runs a task, how the caller
 * waits for it, and how it is stopped, cancelled or killed.
 */
#ifndef PL_BACKEND_COMMON_H
#define PL_BACKEND_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "paralab.h"
#include "pl_roster.h"

/* ---------------------------------------------------------------- lab skeletons */

/*
 * Marks a static function of a lab file that the skeleton offers as a
 * STEP to fill in: its job, its signature and a TODO, returning
 * PL_ENOTIMPL until it is written. Such a step may stay unused while the
 * student works on others without breaking a -Werror build (a static
 * function that nothing calls is otherwise an error). The reference
 * solution calls every one of them.
 */
#define PL_LAB_STEP __attribute__((unused))

/* ---------------------------------------------------------------- map */

/*
 * Everything paralab.h says pl_map may be rejected for, checked before any
 * slot is written: task/items/results NULL with n > 0, a NULL item, an
 * item too big to travel (over PL_VALUE_MAX_LEN, pl_value_fits_wire: on
 * every backend, so a program does not work on one and fail on another),
 * max_workers <= 0, chunksize < 0 (PL_EINVAL), an unknown task (PL_ENOTASK). With n == 0
 * there is nothing to read, so NULL arrays (and a NULL task) are allowed; a
 * task name that IS given must exist.
 *
 * On PL_OK, *max_workers (may be NULL) is how many tasks the call may run at
 * once: opts->max_workers, or pl_workers() when opts is NULL, and never more
 * than n - a worker beyond the n-th would only be started to find nothing to
 * do. It can be 0 (n == 0, or a backend with no workers outside pl_run).
 */
int pl_map_check_args(const char *task, pl_value *const items[], size_t n, const pl_map_opts *opts,
                      pl_result *results[], int *max_workers);

/*
 * How many items one hand-off carries (paralab.h, "Chunks"):
 * opts->chunksize when it is > 0, else Pool.map's automatic rule
 * ceil(n / (4 * workers)) - four chunks per worker, so that a worker that
 * drew slow items still leaves three quarters of the work to share out at
 * the end. workers is what the call really uses (at least 1 is assumed);
 * the answer is between 1 and max(n, 1).
 */
size_t pl_map_chunksize(const pl_map_opts *opts, size_t n, int workers);

/*
 * 1 when the items of a chunk's reply ran for less than below_ns on their
 * worker, from the first start to the last end (the results' stamps; an
 * item that never started does not count): the test behind "may this
 * worker hold a chunk queued ahead" (pl_mpi_worth_ahead,
 * pl_fork_worth_ahead). Call it before moving the results out.
 */
struct pl_reply_msg;
int pl_map_reply_ran_under(const struct pl_reply_msg *reply, int64_t below_ns);

/*
 * How many tasks this backend can really run at once for a call that wants
 * `wanted` (>= 1): never more than wanted, never less than 1. Each
 * runtime/<model>.c defines it: OpenMP caps its team (PL_OMP_MAX_TEAM) and
 * probes the process limit (pl_openmp.h), fork caps its children
 * (PL_FORK_MAX_CHILDREN); serial and MPI take wanted as it is.
 * pl_map_check_args applies it to *max_workers, so a lab's map never asks
 * the system for what it cannot give - a status instead of a dead process.
 */
int pl_backend_worker_limit(int wanted);

/*
 * One deadline rule for every backend (docs/ARCHITECTURE.md): an item that
 * was still running when the map call's deadline passed is TIMEOUT, whatever
 * the task itself returned.
 *   - CANCELLED and ended at or after the deadline: it saw pl_should_stop()
 *     and gave up. Nobody cancelled it; it ran out of time.
 *   - OK or FAILED, but ended after the deadline: a task that never polls
 *     could not be stopped, so the backend had to wait for it. Its answer
 *     came too late to count (its value is dropped), exactly as on fork
 *     (killed) or MPI (late answer discarded).
 * For backends that run tasks in the caller's process (serial, OpenMP).
 */
void pl_map_blame_deadline(pl_result *res, int64_t deadline_ns);

/* ---------------------------------------------------------------- serial */

/*
 * For the serial backend (trusted, not a lab: the reference students read),
 * whose futures and groups both run a task in the caller's thread: run
 * task(arg) right here, with a fresh cancel token whose deadline is
 * deadline_ns made current, so a task that polls pl_should_stop() gives up
 * when the deadline passes. *out gets the new result (worker 0: the
 * caller); *deadline_hit (may be NULL) says whether the token had fired by
 * the time the task returned. PL_ENOMEM.
 */
int pl_run_here_until(const char *task, const pl_value *arg, int64_t deadline_ns, pl_result **out,
                      int *deadline_hit);

/* ---------------------------------------------------------------- futures */

/*
 * pl_future_start's rejections: out NULL, task NULL (PL_EINVAL), unknown
 * task (PL_ENOTASK). Sets *out = NULL first (when out is not NULL), so a
 * rejected start never leaves a stale handle behind. arg may be NULL.
 */
int pl_future_check_start(const char *task, pl_future **out);

/*
 * A task to run later: its name and OUR copy of its argument (the caller
 * may free theirs as soon as start returns). The name is stored inline:
 * after fork() or in a message it must not point into the caller's memory.
 */
typedef struct pl_task_call {
    char task[PL_TASK_NAME_MAX];
    pl_value *arg; /* never NULL: "no argument" is a NONE value */
} pl_task_call;

/*
 * A new call with copies of task and arg (NULL: a NONE value, which every
 * task accepts). NULL when out of memory (or for a name longer than any
 * registered task's, which pl_future_check_start has already refused).
 */
pl_task_call *pl_task_call_new(const char *task, const pl_value *arg);
/* Free the call and its argument copy; accepts NULL. */
void pl_task_call_free(pl_task_call *call);

/* ---------------------------------------------------------------- groups */

/*
 * A lock the shared group code takes around every roster access (NULL: the
 * backend has one thread touching the group, nothing to lock). OpenMP sets
 * it because its runner threads finish members while the caller's thread
 * reads results; serial, fork and MPI only ever touch a group from the
 * caller's thread. The lock is NOT recursive on OpenMP: while holding it,
 * call neither a helper marked "locks" below nor an accessor of paralab.h.
 */
typedef void pl_group_lock_fn(void *ctx);

/*
 * What every backend's group has, whatever runs its members. A backend
 * defines `struct pl_group` with a pl_group_core named `core` as its FIRST
 * member (PL_GROUP_CORE_FIRST checks it at compile time): the shared code
 * below is handed a pl_group * and finds the core at that address, which
 * C guarantees for a struct's first member.
 *
 * The fields are visible only because C needs them to embed the core; a
 * lab never reads them. Everything a lab needs to know about its group
 * comes through the functions below (one door, the same on every model).
 */
typedef struct pl_group_core {
    pl_roster *roster; /* names, tasks, args, results, completion order */
    int max_workers;   /* the backend's limit on members running at once */
    int started;       /* 0: members may be added; 1: pl_group_start succeeded */
    pl_group_lock_fn *lock, *unlock;
    void *lock_ctx;
} pl_group_core;

#define PL_GROUP_CORE_FIRST(type)                                                                  \
    _Static_assert(offsetof(type, core) == 0, "the shared group code expects pl_group_core core " \
                                              "as the first member of struct pl_group")

/* pl_group_new's rejections: out NULL, max_workers <= 0 (PL_EINVAL). Sets *out = NULL first. */
int pl_group_check_new(int max_workers, pl_group **out);
/*
 * A new group block: `size` zeroed bytes (the backend's sizeof(struct
 * pl_group)) whose core is ready - an empty roster, max_workers, no lock.
 * NULL when out of memory. The backend fills in the rest of its struct.
 */
void *pl_group_alloc(size_t size, int max_workers);
/* Install the lock (before start: no other thread may see the group yet). */
void pl_group_set_lock(pl_group *g, pl_group_lock_fn *lock, pl_group_lock_fn *unlock, void *ctx);
/* Free the roster, every result in it, and the block; accepts NULL. The backend frees its own parts first. */
void pl_group_dealloc(pl_group *g);

/* pl_group_start's rejections: g NULL (PL_EINVAL), already started (PL_ESTATE). */
int pl_group_check_start(const pl_group *g);
/* The backend's start succeeded: members can no longer be added, waits may begin. */
void pl_group_mark_started(pl_group *g);
/* pl_group_wait_first's rejections: g or name NULL (PL_EINVAL), not started (PL_ESTATE). */
int pl_group_check_wait(const pl_group *g, const char **name);
/* pl_group_results' rejections: g NULL (PL_EINVAL), not started (PL_ESTATE). */
int pl_group_check_results(const pl_group *g);

/*
 * What a lab reads about its group. None of these lock: a group's limit
 * never changes, `started` is written only by the caller's thread (in
 * pl_group_start), and a member's task and argument never change once
 * added - and members are only added before start, by the caller.
 */
int pl_group_max_workers(const pl_group *g);
int pl_group_is_started(const pl_group *g);
/* Member i's task name and argument (never NULL for a member); NULL when i is out of range. */
const char *pl_group_member_task(const pl_group *g, size_t i);
const pl_value *pl_group_member_arg(const pl_group *g, size_t i);
/* 1 when member i has its result. Locks. */
int pl_group_member_finished(const pl_group *g, size_t i);

/*
 * Member i finished with res (the roster takes it, also on error) and goes
 * to the end of the completion order. Locks. See pl_roster_finish.
 */
int pl_group_finish_member(pl_group *g, size_t i, pl_result *res);
/*
 * wait_first's bookkeeping: the next finished member not reported yet.
 * PL_OK with *name; PL_ETIMEDOUT when none is waiting (keep waiting);
 * PL_ESTATE when every member was reported already. Locks.
 */
int pl_group_next_unreported(pl_group *g, const char **name);
/* 1 when every member has its result. Locks. */
int pl_group_all_finished(const pl_group *g);
/*
 * The end of pl_group_results: every member that still has no result gets
 * one - TIMEOUT ("the deadline passed before it started") when rc is PL_OK,
 * FAILED ("not run: results() failed") when the call failed with rc. Returns
 * the settling's own status. Locks.
 */
int pl_group_settle(pl_group *g, int rc);
/* The same with a status and text of the caller's (e.g. when pl_group_start fails half-way). Locks. */
int pl_group_settle_as(pl_group *g, pl_task_status st, const char *why);

/*
 * pl_group_add and the accessors (pl_group_size, _name, _result, _finished,
 * _finished_name) of paralab.h are implemented once, in runtime/common_group.c,
 * on top of the core: adding is allowed until start, the accessors lock.
 */

#endif
