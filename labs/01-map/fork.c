/*
 * 01-map/fork.c - pl_map with a pool of forked worker processes.
 *
 * Start from serial.c, next to this file: this one keeps its four steps
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

/*
 * Your code goes here, above pl_map (at the bottom), which uses it. The
 * types and STEPS below are the shape of one solution: each step says its
 * job and has a TODO, and returns PL_ENOTIMPL until you write it. Fill
 * them in and call them from pl_map, or replace them with a design of your
 * own. Add your own types and static helpers here too, above the functions
 * that call them. (A step is marked PL_LAB_STEP so that it may stay unused
 * while you work; any other static function that nothing calls is an
 * error under -Werror.)
 */

/* A worker's item when it runs none. */
#define IDLE ((size_t)-1)

/* One worker process as the parent sees it. pid 0: no process in this slot (yet, or any more). */
typedef struct worker {
    pid_t pid;
    int task_fd;   /* the parent writes task frames here */
    int result_fd; /* the parent reads result frames here */
    size_t item;   /* the item it is running, or IDLE */
} worker;

/* Everything one pl_map call shares between its steps. */
typedef struct pool {
    const char *task;
    pl_value *const *items;
    pl_result **results;
    size_t n;
    size_t next_item; /* the next item to hand out (input order) */
    size_t finished;  /* items that have their result */
    int64_t deadline;
    worker *workers;  /* `size` slots */
    int size;
    /* TODO: Add the fields your steps share that are not above. */
} pool;

/*
 * Step: fork one pool worker into slot w. Two pipes, then fork. The child
 * keeps the read end of the task pipe and the write end of the result
 * pipe, and serves tasks until we close its task pipe; we keep the other
 * two ends. PL_OK, or PL_ESYS (with nothing left open).
 */
static PL_LAB_STEP int spawn_worker(worker *w)
{
    /* TODO: Make the task pipe and the result pipe with pl_fork_pipe, then call pl_fork. The
     * child calls pl_fork_serve with its two ends (it never returns). The parent closes those
     * two ends with pl_fork_close, keeps the other two and the pid in *w, and marks the worker
     * IDLE. If anything fails, close whatever was opened and return PL_ESYS. */
    (void)w; return PL_ENOTIMPL;
}

/*
 * Step: end worker w, free its slot, and put its wait status in *wstatus.
 * force: SIGKILL at once (a straggler, or a worker that is already dead).
 * Otherwise the polite way: closing its task pipe tells an idle worker "no
 * more work", and it exits; its result pipe then reports end-of-file. A
 * worker that does not go within IDLE_EXIT_MS is killed anyway - never
 * trust a child to exit, or one bug in it would hang the parent here.
 * Either way waitpid() reaps it (pl_fork_reap): no zombie.
 */
#define IDLE_EXIT_MS 1000

static PL_LAB_STEP int retire_worker(worker *w, int force, int *wstatus)
{
    /* TODO: Close the worker's task pipe. Unless force is set, wait up to IDLE_EXIT_MS with
     * poll() for end-of-file on its result pipe, and force it anyway if none comes. Close the
     * result pipe, reap the child with pl_fork_reap (killing it first when forced), and mark
     * the slot empty (pid 0, IDLE). */
    (void)w; (void)force; (void)wstatus; return PL_ENOTIMPL;
}

/* Step: worker w died without answering. Its item is CRASHED, with the signal's name. */
static PL_LAB_STEP int bury_worker(pool *p, worker *w)
{
    /* TODO: Retire the worker by force, then give its item a new result that
     * pl_fork_explain_end fills in from the wait status, and count the item as finished. */
    (void)p; (void)w; return PL_ENOTIMPL;
}

/* Step: give every idle worker the next item, forking workers for empty slots as needed. */
static PL_LAB_STEP int hand_out_items(pool *p)
{
    /* TODO: Walk the worker slots while items are left. Fork a worker into an empty slot; if
     * fork fails, go on with the others. Send an idle worker the next item with
     * pl_fork_send_task_until (the call's deadline bounds the write), tagged with the item's
     * index. PL_EIO means the worker died between two items: its item never ran, so bury the
     * worker. PL_ETIMEDOUT means the deadline came mid-frame: stop handing out, the worker is
     * busy with that item until the pool is closed. */
    (void)p; return PL_ENOTIMPL;
}

/* Step: a busy worker's result pipe is readable. Its answer, or end-of-file because it died. */
static PL_LAB_STEP int collect(pool *p, worker *w)
{
    /* TODO: Read what the pipe holds with pl_fork_recv_result_until and a deadline of 0 (never
     * wait: a worker that has sent half a frame must not hold the others or the deadline);
     * PL_ETIMEDOUT means the rest of the frame has not come yet: nothing to do until the next
     * poll. A result whose tag is the worker's item goes into that item's slot, and the worker
     * is idle again. Anything else (end-of-file, a corrupt frame, a wrong tag) means the worker
     * is dead or broken: bury it. */
    (void)p; (void)w; return PL_ENOTIMPL;
}

/*
 * Step: the loop. Hand out items, wait (poll) until some worker answers or
 * the deadline passes, collect, repeat. PL_OK at the end of the work or at
 * the deadline; an error if the system refused something.
 */
static PL_LAB_STEP int run_pool(pool *p)
{
    /* TODO: While some item has no result and the deadline has not passed: hand out items,
     * then poll() the busy workers' result pipes with pl_ms_until(deadline) as the timeout,
     * and collect every worker whose pipe is ready. With work left but no busy worker (none
     * could be forked), return PL_ESYS; a poll() interrupted by a signal (EINTR) just goes
     * round again. */
    (void)p; return PL_ENOTIMPL;
}

/*
 * Step: every worker goes, whatever happened. A straggler (still busy: past
 * the deadline, or the call failed) is killed and its item gets `status`
 * with the text `why`; an idle one is told to exit by closing its task
 * pipe. All are reaped.
 */
static PL_LAB_STEP void close_pool(pool *p, pl_task_status status, const char *why)
{
    /* TODO: First close the task pipe of every idle worker, so that they all exit at the same
     * time instead of one after another. Then retire every worker: a busy one by force, after
     * giving its item a result with `status`, `why` and the worker's pid; an idle one politely. */
    (void)p; (void)status; (void)why;
}

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
    /* TODO: Start with every result slot empty (NULL) and a pool of at most max_workers
     * worker slots (never more than PL_FORK_MAX_CHILDREN), none of them running yet. Run the
     * pool until the work is done or the deadline passes, then close it: stragglers are
     * TIMEOUT when the run ended normally, FAILED when it failed. Finally call
     * pl_results_settle, so that every item has exactly one result (items never handed out
     * ran out of time), and return the run's error if it had one. */
    (void)deadline; (void)max_workers; return PL_ENOTIMPL;
}
