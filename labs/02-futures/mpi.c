/*
 * 02-futures/mpi.c - futures as MPI non-blocking requests.
 *
 * MPI already has futures. MPI_Isend and MPI_Irecv return at once with an
 * MPI_Request: a handle to a transfer that goes on in the background.
 * MPI_Test(&req) asks "done yet?" without blocking (our pl_future_done),
 * MPI_Wait(&req) blocks until it is (our pl_future_wait with no timeout),
 * MPI_Cancel withdraws a receive nobody wants any more. So a paralab future
 * on rank 0 is just:
 *
 *   start   pick a free worker, MPI_Irecv its reply (posted FIRST, so the
 *           reply lands in our buffer and never waits in MPI's queue of
 *           unexpected messages), MPI_Isend the request. Return at once.
 *   wait    MPI_Test the receive; sleep a little; test again; until it
 *           completes or the timeout passes. (MPI_Wait has no timeout, and
 *           Open MPI spins on the CPU inside it.)
 *   cancel  a CANCEL message to the worker; its task stops at its next
 *           pl_should_stop() and answers CANCELLED.
 *   free    while it runs: MPI_Cancel our receive. If the reply had
 *           already arrived, the cancel fails harmlessly and the worker is
 *           free; otherwise the worker still owes a reply that nobody
 *           receives - the runtime's worker table drains it before the
 *           worker is used again (pl_mpi_abandon_worker).
 *
 * When every worker is busy, a future waits in OUR queue (oldest first)
 * and starts when one frees up. There is no background thread on rank 0 to
 * notice that: every call into this file first makes progress - it tests
 * the running futures, frees their workers and starts queued ones. So
 * queued futures advance whenever the program waits, polls or starts (and
 * when a map looks for a free worker: see pl_mpi_add_progress).
 *
 * The reply buffer has a fixed size (PL_MPI_REPLY_MAX): an MPI_Irecv posted
 * before the reply exists cannot know how long it will be. Workers never
 * send more (see runtime/pl_mpi.h).
 */
#include <stdlib.h>

#include "paralab.h"
#include "pl_backend_common.h"
#include "pl_mpi.h"

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
    /* Only rank 0, inside pl_run, has workers. */
    if (!pl_mpi_in_scope() || pl_workers() < 1) {
        return PL_ESTATE;
    }
    /* TODO: Copy the task name and argument into a new future (pl_task_call_new), put it at
     * the end of your queue, and make progress: if a worker is free it gets the task now
     * (post the MPI_Irecv for its reply first, then MPI_Isend the request). */
    (void)arg; return PL_ENOTIMPL;
}

int pl_future_wait(pl_future *f, int64_t timeout_ms, const pl_result **out)
{
    if (f == NULL || out == NULL) {
        return PL_EINVAL;
    }
    /* TODO: Make progress (MPI_Test the running futures, start queued ones) until this one is
     * done or the timeout passes, sleeping a little between looks (pl_mpi_backoff). */
    (void)timeout_ms; return PL_ENOTIMPL;
}

int pl_future_done(pl_future *f)
{
    if (f == NULL) {
        return PL_EINVAL;
    }
    /* TODO: Make progress once without waiting (MPI_Test never blocks), then return 1 if f has
     * its result and 0 if not. */
    return PL_ENOTIMPL;
}

int pl_future_cancel(pl_future *f)
{
    if (f == NULL) {
        return PL_EINVAL;
    }
    /* TODO: A future that is done already cannot be cancelled: PL_ESTATE. A queued one must
     * never run, so it is CANCELLED now. A running one's worker gets a cancel message
     * (pl_mpi_send_cancel); its task then answers CANCELLED unless it finished first. */
    return PL_ENOTIMPL;
}

void pl_future_free(pl_future **fp)
{
    if (fp == NULL || *fp == NULL) {
        return;
    }
    /* TODO: Set *fp to NULL first. A running future's worker will still answer, so withdraw
     * your MPI_Irecv (MPI_Cancel, then MPI_Wait) and let the runtime drain the late reply
     * (pl_mpi_abandon_worker). Then free the future. */
    *fp = NULL;
}
