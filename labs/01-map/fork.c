/*
 * solutions/01-map/fork.c - pl_map with a pool of forked worker processes.
 *
 * Start from solutions/01-map/serial.c: this file keeps its four steps
 * (validate first, results in input order, one deadline for the whole call,
 * one result per item) and changes WHO runs the items: up to max_workers
 * child processes, forked for this call and fed over pipes, like Python's
 * multiprocessing.Pool.
 *
 *              task pipe: [index][task][item]  ->
 *     parent                                        worker child (x max_workers)
 *              <-  result pipe: [index][result]
 *
 * Decisions worth understanding:
 *
 * 1. A pool, not one fork per item. fork() copies the page tables of the
 *    whole parent; for 200 tiny items that would cost more than the work.
 *    Each worker serves items one after another (runtime: pl_fork_serve), so
 *    the fork is paid once per worker. Items go out one at a time to
 *    whichever worker is idle: dynamic scheduling, in input order.
 *
 * 2. poll(), not read(). A read() on one worker's pipe blocks until THAT
 *    worker answers, while the others may already be idle. poll() waits for
 *    the first of all busy workers to answer, and its timeout is how the
 *    call's deadline is kept.
 *
 * 3. Values cross as bytes. After fork the child has a COPY of our memory:
 *    a pointer to a result it wrote would be meaningless to us, so results
 *    come back encoded in frames (pl_wire.h) and are decoded here.
 *
 * 4. A crash only costs one item. A worker killed by SIGSEGV closes its end
 *    of the result pipe; poll() reports it, the read gets end-of-file, and
 *    waitpid() says which signal: that item is CRASHED, a new worker is
 *    forked in its place, and the map goes on.
 *
 * 5. The deadline is enforced, not requested. A process can be killed: at
 *    the deadline every busy worker gets SIGKILL and is reaped (waitpid), so
 *    the call returns on time even if a task never polls pl_should_stop(),
 *    and leaves no zombie and no open pipe behind.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "paralab.h"
#include "pl_backend_common.h"
#include "pl_fork.h"


int pl_map(const char *task, pl_value *const items[], size_t n, const pl_map_opts *opts,
           pl_result *results[])
{
    /* The deadline counts from the call, not from the first task. */
    int64_t deadline = pl_deadline_after_ms(opts != NULL ? opts->timeout_ms : PL_NO_TIMEOUT);
    int max_workers = 0;
    int rc = pl_map_check_args(task, items, n, opts, results, &max_workers);
    if (rc != PL_OK || n == 0) {
        return rc; /* rejected, or nothing to do */
    }
    /* TODO: start from empty slots; fork max_workers workers (pl_fork_pipe, pl_fork, */
    /* TODO: pl_fork_serve in the child); hand each idle worker the next item (pl_fork_send_task); */
    /* TODO: poll() the busy workers' result pipes until the deadline (pl_ms_until); read each */
    /* TODO: answer (pl_fork_recv_result). End-of-file means the worker died: reap it */
    /* TODO: (pl_fork_reap), mark its item CRASHED (pl_fork_explain_end) and fork a new one. */
    /* TODO: At the end kill the stragglers (TIMEOUT), reap every worker, close every pipe, */
    /* TODO: and pl_results_settle so every item has exactly one result. */
    (void)deadline; (void)max_workers; return PL_ENOTIMPL;
}
