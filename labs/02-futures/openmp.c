/*
 * 02-futures/openmp.c - futures run by OpenMP tasks.
 *
 * pl_run (runtime/openmp.c) keeps a team of worker threads waiting at the
 * end of its parallel region; a thread waiting there executes the team's
 * OpenMP tasks. So "run this in the background" is `#pragma omp task`.
 *
 * Why not simply one `#pragma omp task` per future? Because the OpenMP
 * runtime decides when a task runs, and GCC's libgomp has a rule that bites
 * futures: when a team already has more than 64 tasks per thread queued,
 * the next `#pragma omp task` is executed AT ONCE, by the thread that
 * created it. (Measured here: with 3 threads, the 193rd task ran inside
 * the creating thread.) For a future that would mean pl_future_start not
 * returning until the task is done - for ever, if it is `hang`. So:
 *
 *   - pending futures wait in OUR queue (a linked list guarded by a named
 *     critical section), not in OpenMP's;
 *   - at most pl_workers() "runner" tasks exist; a runner takes futures
 *     from the queue one by one until it is empty, then ends. Starting a
 *     future creates a new runner only when fewer than pl_workers() run.
 * The queue also makes "cancel before start" simple: a queued future is
 * just a record whose state we can flip before any runner claims it.
 *
 * Who owns what. The caller holds the handle; the queue (and then the
 * runner) holds the same block. Either side may be done first: the caller
 * may free a future whose task is still running, and the task must then
 * not touch freed memory. So the block has a reference count (2: caller +
 * queue); each side drops its reference when done, and whoever drops the
 * last one frees the block.
 *
 * The state moves QUEUED -> CLAIMED -> DONE, once. Exactly one party claims
 * a queued future - a runner (to run it) or pl_future_cancel (to cancel
 * it) - with an atomic compare-and-swap, and the claimer alone writes the
 * result. DONE is stored with release order and read with acquire order,
 * which guarantees that a waiter who sees DONE also sees the whole result.
 *
 * Waiting polls the state with short sleeps. `#pragma omp taskyield` looks
 * tempting ("run other tasks while I wait") but lets the WAITING thread
 * pick up a queued task itself: if that is a 10-second sleep, or `hang`,
 * a wait with a 50 ms timeout would return 10 s later, or never. A waiter
 * that only sleeps can always honour its timeout.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include <omp.h>

#include "paralab.h"
#include "pl_backend_common.h"
#include "pl_openmp.h"

/*
 * Your code: types and static helper functions of your own go here, above
 * the functions below that call them. (A static function that nothing
 * calls is an error under -Werror: add each one when you first call it.)
 */

int pl_future_start(const char *task, const pl_value *arg, pl_future **out)
{
    int rc = pl_future_check_start(task, out);
    if (rc != PL_OK) {
        return rc;
    }
    /* Background tasks need pl_run's team of worker threads (see runtime/pl_openmp.h). */
    if (!pl_omp_in_scope()) {
        return PL_ESTATE;
    }
    /* TODO: Copy the task name and argument into a new future (pl_task_call_new) and queue
     * it. Create a `#pragma omp task` runner when fewer than pl_workers() runners exist. (Why
     * not simply one OpenMP task per future? See the comment at the top of this file.) */
    (void)arg; return PL_ENOTIMPL;
}

int pl_future_wait(pl_future *f, int64_t timeout_ms, const pl_result **out)
{
    if (f == NULL || out == NULL) {
        return PL_EINVAL;
    }
    /* TODO: Look at the future's "done" flag until it is set or the timeout passes, sleeping
     * between looks. (Why not taskyield? See the comment at the top of this file.) */
    (void)timeout_ms; return PL_ENOTIMPL;
}

int pl_future_done(pl_future *f)
{
    if (f == NULL) {
        return PL_EINVAL;
    }
    /* TODO: Return 1 if f's "done" flag is set and 0 if not, without waiting. */
    return PL_ENOTIMPL;
}

int pl_future_cancel(pl_future *f)
{
    if (f == NULL) {
        return PL_EINVAL;
    }
    /* TODO: A future that is done already cannot be cancelled: PL_ESTATE. A queued one must
     * never run, so it is CANCELLED now; a running one has its cancel token set, and its task
     * stops when it next polls pl_should_stop(). */
    return PL_ENOTIMPL;
}

void pl_future_free(pl_future **fp)
{
    if (fp == NULL || *fp == NULL) {
        return;
    }
    /* TODO: Set *fp to NULL first and cancel the future. A running task may outlive its
     * handle and must never touch freed memory, so whichever of the caller and the runner
     * lets go of the future last frees it (a reference count). */
    *fp = NULL;
}
