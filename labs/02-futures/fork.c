/*
 * solutions/02-futures/fork.c - futures as child processes.
 *
 * A future is "a task running in the background". Here the background is
 * a child process of its own: fork() copies our memory, so the child
 * already has the task's name and argument and simply runs them
 * (runtime: pl_fork_run_one); nothing has to be sent to it. Only the answer
 * must come back, through a pipe, as an encoded result frame.
 *
 *     parent: pipe -> fork -> keep the read end ... poll ... read ... waitpid
 *     child:                  run the task, write [result], _exit
 *
 * Decisions worth understanding:
 *
 * 1. Nobody works in the background for the parent. There is no thread
 *    here that watches the children; the parent only notices that a child
 *    finished when one of OUR calls looks (wait, done, cancel, start, free).
 *    poll() on the result pipes is that look: with a timeout in wait, with
 *    timeout 0 in done (which therefore never blocks).
 *
 * 2. A limit and a queue. 120 futures would be 120 processes fighting over
 *    2 cores (and 120 pipes). At most pl_workers() children run at once; the
 *    other futures wait in a FIFO queue and are forked, oldest first,
 *    whenever one of our calls finds a free slot. A queued future has no
 *    process yet, so cancelling it is just taking it out of the queue: it
 *    never runs (CANCELLED, no start time).
 *
 * 3. Waiting for one future may mean finishing others. If the awaited
 *    future is still queued, it only starts when a running one ends, so
 *    wait polls the pipes of ALL running futures and files every answer it
 *    reads under the future it belongs to.
 *
 * 4. Cancel and free kill. A running child is stopped with SIGKILL and
 *    reaped at once: no zombie, and nothing outlives the handle. If the
 *    child had already written its answer, the answer wins ("the result is
 *    CANCELLED unless the task finished first").
 *
 * 5. A crash is a result. A child killed by SIGSEGV closes its pipe: the
 *    read gets end-of-file, waitpid says which signal, the future is
 *    CRASHED, and every other future is unharmed.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "paralab.h"
#include "pl_backend_common.h"
#include "pl_fork.h"


int pl_future_start(const char *task, const pl_value *arg, pl_future **out)
{
    int rc = pl_future_check_start(task, out);
    if (rc != PL_OK) {
        return rc;
    }
    /* TODO: copy the task name and argument into a new future (pl_task_call_new) and queue */
    /* TODO: it; start queued futures (one child each: pl_fork_pipe, pl_fork, pl_fork_run_one */
    /* TODO: in the child) while fewer than pl_workers() children run. */
    (void)arg; return PL_ENOTIMPL;
}

int pl_future_wait(pl_future *f, int64_t timeout_ms, const pl_result **out)
{
    if (f == NULL || out == NULL) {
        return PL_EINVAL;
    }
    /* TODO: until f has its result or the timeout passes: poll() the result pipes of the */
    /* TODO: running futures (f may still be queued behind them), collect what is ready */
    /* TODO: (pl_fork_recv_result; end-of-file -> pl_fork_reap + pl_fork_explain_end), start */
    /* TODO: queued futures in the freed slots. Timeout: PL_ETIMEDOUT, the child keeps running. */
    (void)timeout_ms; return PL_ENOTIMPL;
}

int pl_future_done(pl_future *f)
{
    if (f == NULL) {
        return PL_EINVAL;
    }
    /* TODO: look (poll with timeout 0: never block) and collect whatever is ready. */
    return PL_ENOTIMPL;
}

int pl_future_cancel(pl_future *f)
{
    if (f == NULL) {
        return PL_EINVAL;
    }
    /* TODO: done -> PL_ESTATE. Queued -> it must never run: CANCELLED now. Running -> kill */
    /* TODO: and reap its child; CANCELLED unless its answer was already in the pipe. */
    return PL_ENOTIMPL;
}

void pl_future_free(pl_future **fp)
{
    if (fp == NULL || *fp == NULL) {
        return;
    }
    /* TODO: a running child must not outlive the handle: kill and reap it (no zombie), */
    /* TODO: close its pipe, take the future out of the queue, then free everything. */
    *fp = NULL;
}
