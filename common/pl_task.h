/*
 * pl_task.h - tasks are named functions, found by name in a registry.
 *
 * Why names and not function pointers? A function pointer is an address in
 * *this* process. A forked child happens to share the parent's layout, but an
 * MPI rank on another node of a cluster does not: there the same function may
 * live at another address. A name means the same thing everywhere, as long as
 * every process registers the same tasks (all ranks run the same program and
 * call pl_task_register the same way before pl_run).
 *
 * Which tasks exist is not this module's business: the built-in ones
 * (square, sleep_ms, spin, the lesson's species, ...) are listed and
 * registered one floor up, in tasks/pl_tasks.h (every backend registers
 * them), and the lesson's "fetch" in tasks/pl_fetch.h.
 */
#ifndef PL_TASK_H
#define PL_TASK_H

#include <stddef.h>
#include <stdint.h>

#include "pl_result.h"
#include "pl_status.h"
#include "pl_value.h"

/* Where a task writes why it failed; only used through pl_error_set. */
typedef struct pl_error pl_error;
void pl_error_set(pl_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A task reads arg (may be a NONE value, never NULL), writes its answer into
 * out (a NONE value, never NULL) and returns PL_TASK_OK, PL_TASK_FAILED (with
 * pl_error_set) or PL_TASK_CANCELLED (it saw pl_should_stop()).
 * Any other return is treated as FAILED.
 */
typedef int (*pl_task_fn)(const pl_value *arg, pl_value *out, pl_error *err);

#define PL_TASK_NAME_MAX 64 /* including the NUL */

/*
 * Register fn under name (1..PL_TASK_NAME_MAX-1 chars of [A-Za-z0-9_.-]).
 * PL_OK, PL_EINVAL (bad name or NULL fn), PL_EEXIST (taken: the backend
 * registers the built-ins from pl_run on, so pick names of your own),
 * PL_ENOMEM (also: the table of 256 tasks is full). Register
 * before pl_run and before creating threads, so every process (every MPI
 * rank) has the same table. (Lookups take no lock; registering is
 * serialised and publishes each entry whole, so a late registration is
 * still safe, just bad practice.)
 */
int pl_task_register(const char *name, pl_task_fn fn);

/* The function for name, or NULL when unknown (or name is NULL). */
pl_task_fn pl_task_lookup(const char *name);

/*
 * Run task `name` here, in the calling thread, and fill res: start/end
 * times, status, value, error text. The worker id is left to the caller
 * (only the backend knows whether it is a thread, a pid or a rank).
 * Returns PL_OK when the task ran (whatever its status), PL_ENOTASK for an
 * unknown name (res is then FAILED with a clear text), PL_EINVAL for a NULL
 * res or name. A NULL arg is run as a NONE value. The task sees the calling
 * thread's current cancel token (pl_cancel_swap_current); pl_task_run does
 * not install one of its own. Safe to call from many threads at once.
 */
int pl_task_run(const char *name, const pl_value *arg, pl_result *res);

/*
 * pl_task_run for the items of a chunk, run back to back by one worker:
 * one clock reading per item instead of two. *clock_ns is when the item
 * before ended (0: read the clock now) and comes back as when this one
 * ended (0 when it did not run), so item i+1 starts where item i ended.
 * Why: a clock reading costs 20-40 ns here, as much as the rest of a
 * no-op item's bookkeeping (docs/bench.md). The price: whatever the
 * caller does between two items (allocating the next result, say) is
 * counted in the second item's time. So set *clock_ns to 0 after anything
 * that may wait - a write to a pipe, a message - or the next item would
 * seem to start before it did. A NULL clock_ns is pl_task_run.
 */
int pl_task_run_next(const char *name, const pl_value *arg, pl_result *res, int64_t *clock_ns);

/* Number of tasks registered (built-ins included), and the i-th name, for listings. */
size_t pl_task_count(void);
const char *pl_task_name_at(size_t i);

#endif
