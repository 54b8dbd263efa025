/*
 * 02-futures/fork.c - futures as child processes.
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

/*
 * Your code goes here, above the functions of paralab.h (at the bottom),
 * which use it. The type and STEPS below are the shape of one solution:
 * each step says its job and has a TODO, and returns PL_ENOTIMPL (or does
 * nothing) until you write it. Fill them in and call them from the
 * functions below, or replace them with a design of your own. Add your own
 * types and static helpers here too, above the functions that call them.
 * (A step is marked PL_LAB_STEP so that it may stay unused while you work;
 * any other static function that nothing calls is an error under -Werror.)
 */

struct pl_future {
    pl_task_call *call; /* the task's name and our own copy of its argument */
    pl_result *result;  /* NULL until final; owned by the future */
    pid_t pid;          /* > 0 while its child runs; 0 while queued or done */
    int result_fd;      /* read end of its result pipe while it runs, else -1 */
    /* TODO: Add what your queue of unfinished futures needs, such as a link to the next one. */
};

/*
 * Step: fork f's child. It runs the task (fork copied the call into it)
 * and writes the result down a pipe; we keep the pipe's read end.
 * PL_OK, or PL_ESYS with nothing left open.
 */
static PL_LAB_STEP int launch(pl_future *f)
{
    /* TODO: Make a pipe with pl_fork_pipe and call pl_fork. The child calls pl_fork_run_one
     * with f's task, its argument and the pipe's write end (it never returns). The parent
     * closes the write end at once (holding it, it would never see end-of-file), and keeps
     * the child's pid and the read end in f. */
    (void)f; return PL_ENOTIMPL;
}

/*
 * Step: start queued futures, oldest first, while fewer than pl_workers()
 * children run. If fork fails while others run, the rest wait for a slot;
 * if it fails with nothing running, waiting would never end: that future
 * FAILS instead.
 */
static PL_LAB_STEP void start_queued(void)
{
    /* TODO: Walk your queue from the oldest future and launch each one that has no child yet,
     * as long as fewer than pl_workers() children run (and never more than
     * PL_FORK_MAX_CHILDREN). */
}

/*
 * Step: f's child is done with (kill_it: we kill it now). Reap it and file
 * its answer in f; when it died without one, f is CANCELLED with the text
 * cancelled_why if we killed it, else gets the post-mortem (CRASHED, with
 * the signal's name: pl_fork_explain_end). Returns 1 when f got its
 * result, 0 when (not killing) only part of the answer has come so far:
 * the child keeps running and f waits for the rest.
 */
static PL_LAB_STEP int end_child(pl_future *f, int kill_it, const char *cancelled_why)
{
    /* TODO: To kill: reap with pl_fork_reap(pid, 1, ...) first, then read the pipe with
     * pl_fork_recv_result_until and a deadline of 0 (it holds a whole answer, or ends
     * mid-frame). Otherwise read first, with a deadline of 0 too: PL_ETIMEDOUT means only part
     * of the answer is in, so return 0 and let a later poll bring the rest (never wait for it:
     * a child stopped mid-frame would hold every wait). Reap after reading: a child writing a
     * big answer blocks until we read it, so waiting for it to exit first would wait for ever.
     * Then give f its one result, take it out of your queue, free its child slot and close its
     * pipe. */
    (void)f; (void)kill_it; (void)cancelled_why; return PL_ENOTIMPL;
}

/*
 * Step: look at every running child's pipe for up to timeout_ms (0: just
 * look, never block) and collect those that answered or died; then start
 * queued futures in the freed slots. Returns how many finished (or a
 * negative pl_rc).
 */
static PL_LAB_STEP int poll_running(int timeout_ms)
{
    /* TODO: List the result pipes of the running futures for one poll() call with timeout_ms.
     * A pipe that is ready holds an answer, part of one, or end-of-file (the child died): end
     * that child without killing it. Then start queued futures, and return how many ended. */
    (void)timeout_ms; return PL_ENOTIMPL;
}

int pl_future_start(const char *task, const pl_value *arg, pl_future **out)
{
    int rc = pl_future_check_start(task, out);
    if (rc != PL_OK) {
        return rc;
    }
    /* TODO: Copy the task name and argument into a new future (pl_task_call_new), put it at
     * the end of your queue, and start queued futures: it gets its child at once if fewer
     * than pl_workers() children run. Then *out is the new future. */
    (void)arg; return PL_ENOTIMPL;
}

int pl_future_wait(pl_future *f, int64_t timeout_ms, const pl_result **out)
{
    if (f == NULL || out == NULL) {
        return PL_EINVAL;
    }
    /* TODO: Until f has its result or the timeout passes, look at the running children with
     * the time left as poll()'s timeout (pl_ms_until): f may still be queued behind them, and
     * it starts when one of them ends. When f has its result, point *out at it and return
     * PL_OK. When the time is up, return PL_ETIMEDOUT: the child keeps running, and wait may
     * be called again. */
    (void)timeout_ms; return PL_ENOTIMPL;
}

int pl_future_done(pl_future *f)
{
    if (f == NULL) {
        return PL_EINVAL;
    }
    /* TODO: Look at the running children without blocking (a poll() timeout of 0), then
     * return 1 if f has its result and 0 if not. */
    return PL_ENOTIMPL;
}

int pl_future_cancel(pl_future *f)
{
    if (f == NULL) {
        return PL_EINVAL;
    }
    /* TODO: A future that already has its result cannot be cancelled: PL_ESTATE. A queued
     * one must never run, so it gets a CANCELLED result now (no start time, no worker). A
     * running one has its child killed and reaped; it is CANCELLED unless its answer was
     * already in the pipe. Then start queued futures in the freed slot. */
    return PL_ENOTIMPL;
}

void pl_future_free(pl_future **fp)
{
    if (fp == NULL || *fp == NULL) {
        return;
    }
    /* TODO: Set *fp to NULL first. A running child must not outlive its handle: kill and reap
     * it (no zombie) and close its pipe; a queued future just leaves the queue. Then start
     * queued futures in the freed slot, and free the call, the result and the future. */
    *fp = NULL;
}
