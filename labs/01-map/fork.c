/*
 * 01-map/fork.c - pl_map with a pool of forked worker processes.
 *
 * Start from serial.c, next to this file: this one keeps its four steps
 * (validate first, results in input order, one deadline for the whole call,
 * one result per item) and changes WHO runs the items: up to max_workers
 * child processes, forked for this call and fed over pipes, like Python's
 * multiprocessing.Pool.
 *
 *              task pipe: [first index][task][c items]  ->
 *     parent                                                  worker child (x max_workers)
 *              <-  result pipe: [first index][c results]
 *
 * Decisions worth understanding:
 *
 * 1. A pool, not one fork per item. fork() copies the page tables of the
 *    whole parent; for 200 tiny items that would cost more than the work.
 *    Each worker serves items one after another (runtime:
 *    pl_fork_serve_chunks), so the fork is paid once per worker. Items go
 *    out in CHUNKS of c consecutive items to whichever worker is idle:
 *    dynamic scheduling, in input order, like Pool.map's chunksize.
 *
 * 2. Why chunks. Every hand-off is a round trip of several microseconds
 *    (write, wake the child, decode, run, encode, write, wake us, decode)
 *    against nanoseconds of work for square; one frame of c items and one
 *    of c results pay it once per chunk. The price is balance: a worker
 *    holding a chunk of slow items cannot share them, so c = 1 is still the
 *    right choice for long, uneven tasks (opts->chunksize; 0 picks
 *    Pool.map's ceil(n / 4W)).
 *
 * 3. poll(), not read(). A read() on one worker's pipe blocks until THAT
 *    worker answers, while the others may already be idle. poll() waits for
 *    the first of all busy workers to answer, and its timeout is how the
 *    call's deadline is kept. The runtime's pl_fork_poll is poll() that
 *    also moves what pl_fork_post_chunk could not write at once: sending
 *    never waits for one worker either (MPI_Isend, for pipes).
 *
 * 4. Values cross as bytes. After fork the child has a COPY of our memory:
 *    a pointer to a result it wrote would be meaningless to us, so results
 *    come back encoded in frames (pl_wire.h) and are decoded here.
 *
 * 5. A crash costs only what it must, even inside a chunk. A worker killed
 *    by SIGSEGV closes its end of the result pipe; poll() reports it, the
 *    read gets end-of-file, and waitpid() says which signal. Which item
 *    was it? The worker notes each item it STARTS in a page of memory it
 *    shares with us (pl_fork_progress: mmap'ed shared before the fork, the
 *    one place where a child's writes reach its parent). So: items it
 *    already answered keep their results; the last one it started is
 *    CRASHED; ones it finished whose answers died with it are FAILED,
 *    saying so - running them again could do their work twice (a file
 *    written, a counter bumped); and ones it never started go to a new
 *    worker forked in its place. Pool.map loses the whole chunk (and
 *    waits for ever); we lose only the crash.
 *
 * 6. The deadline is enforced, not requested. A process can be killed: at
 *    the deadline every busy worker gets SIGKILL and is reaped (waitpid), so
 *    the call returns on time even if a task never polls pl_should_stop(),
 *    and leaves no zombie and no open pipe behind. Chunks do not blur it: a
 *    worker answers an item that took long as soon as it ends (pl_fork.h,
 *    "Chunks"), so only items really unfinished at the deadline are
 *    TIMEOUT.
 *
 * 7. Chunks queued ahead on a quick worker (optional: the handout's last
 *    step; no test needs it). With one chunk each, a worker that answers
 *    idles a whole round trip while we read, file and send again: for tiny
 *    items, most of the cost. So a worker whose last reply ran under a
 *    millisecond (pl_fork_worth_ahead) holds the next PL_FORK_AHEAD chunks
 *    queued behind the ones it runs - never with a deadline, which a queued
 *    item could then miss. They start only after the items ahead are all
 *    answered, so a crash leaves them unstarted: they go to the replacement.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "paralab.h"
#include "pl_backend_common.h"
#include "pl_call.h"
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

/*
 * One worker process as the parent sees it. pid 0: no process in this slot
 * (yet, or any more). Its chunk is items [first, first + count), of which
 * the first `answered` have their results; count 0: idle. pid 0 with a
 * chunk: the chunk is waiting for a process (fork failed; tried again).
 */
typedef struct worker {
    pid_t pid;
    int task_fd;   /* the parent writes task frames here */
    int result_fd; /* the parent reads result frames here */
    size_t first;
    size_t count;
    size_t answered;
    /* TODO: (Optional last step) Add what a worker needs to hold chunks queued ahead. */
} worker;

/* Everything one pl_map call shares between its steps. */
typedef struct pool {
    const char *task;
    pl_value *const *items;
    pl_result **results;
    size_t n;
    size_t chunk;     /* items per hand-off (pl_map_chunksize) */
    size_t next_item; /* the next item to hand out (input order) */
    size_t finished;  /* items that have their result */
    int64_t deadline;
    worker *workers;  /* `size` slots */
    int size;
    pl_fork_progress *progress; /* slot k: items worker k started of its chunk */
    /* TODO: Add the fields your steps share that are not above. */
} pool;

/*
 * Step: fork one pool worker into slot k. Two pipes, then fork. The child
 * keeps the read end of the task pipe and the write end of the result
 * pipe, and serves chunks until we close its task pipe, saying which item
 * it starts in slot k of the progress page; we keep the other two ends.
 * PL_OK, or PL_ESYS (with nothing left open).
 */
static PL_LAB_STEP int spawn_worker(pool *p, int k)
{
    /* TODO: Make the task pipe and the result pipe with pl_fork_pipe, then call pl_fork. The
     * child calls pl_fork_serve_chunks with its two ends, the progress page and k (it never
     * returns). The parent closes those two ends with pl_fork_close and keeps the other two
     * and the pid in slot k (the slot's chunk is the caller's business). If anything fails,
     * close whatever was opened and return PL_ESYS. */
    (void)p; (void)k; return PL_ENOTIMPL;
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
     * the slot empty (pid 0, no chunk). */
    (void)w; (void)force; (void)wstatus; return PL_ENOTIMPL;
}

/*
 * Step: worker k died without answering its whole chunk. Settle what it
 * had (answered items keep their results; the item it was running is
 * CRASHED, with the signal's name; items it finished but had not sent are
 * FAILED, saying why) and put the range of items it never STARTED in
 * *rest_first / *rest_count: they go to the worker that replaces it.
 */
static PL_LAB_STEP int bury_worker(pool *p, int k, size_t *rest_first, size_t *rest_count)
{
    /* TODO: Retire the worker by force. pl_fork_progress_last says which item it started
     * last (1 + its index; 0: none): that one crashed it - if it is not one of the chunk's
     * unanswered items (it started none of them), blame the first unanswered one, so that
     * every burial settles at least one item and a worker that keeps dying cannot loop for
     * ever. Items between its answers and that one ran but lost their answers (FAILED);
     * pl_fork_explain_end fills in the crashed item's result from the wait status. Count
     * every settled item as finished. (Optional step: items queued behind never started;
     * they go to the replacement too.) */
    (void)p; (void)k; (void)rest_first; (void)rest_count; return PL_ENOTIMPL;
}

/*
 * Step: give worker slot k the items [first, first + count), forking a
 * worker into it first if it is empty. If no process can be forked now,
 * the chunk waits in the slot (pid 0) and hand_out_items tries again. The
 * send never waits (pl_fork_post_chunk); a worker that turns out to be
 * dead is found by collect, at the end-of-file of its result pipe.
 */
static PL_LAB_STEP int send_chunk(pool *p, int k, size_t first, size_t count)
{
    /* TODO: Record the chunk in the slot (nothing answered yet). Fork a worker into an empty
     * slot; if that fails, return PL_OK: the chunk waits in the slot with pid 0 and is tried
     * again later. Send it with pl_fork_post_chunk, tagged with its first item's index: it
     * returns at once, and the runtime moves the rest of a big frame while you wait in
     * pl_fork_poll (a dead worker is found by collect, at its result pipe's end). */
    (void)p; (void)k; (void)first; (void)count; return PL_ENOTIMPL;
}


/* Step: give every idle worker the next chunk, forking workers for empty slots as needed. */
static PL_LAB_STEP int hand_out_items(pool *p)
{
    /* TODO: Walk the worker slots. A slot whose chunk is still waiting for a process (pid 0,
     * count > 0) tries send_chunk with it again, and if still no process can be forked, hands
     * the chunk to a live idle worker (idle_worker) instead: waiting for a fork that keeps
     * failing while a worker sits idle would never end. While items are left, an empty or
     * idle slot gets the next p->chunk items (fewer at the end) with send_chunk. Optional last
     * step (the handout says when it pays): in a call without a deadline, a busy worker whose
     * last reply was quick (pl_fork_worth_ahead) gets the next PL_FORK_AHEAD chunks queued. */
    (void)p; return PL_ENOTIMPL;
}

/*
 * Step: busy worker k's result pipe is readable. A reply with the next
 * results of its chunk, or end-of-file because it died.
 */
static PL_LAB_STEP int collect(pool *p, int k)
{
    /* TODO: Read what the pipe holds with pl_fork_recv_reply_until and a deadline of 0 (never
     * wait: a worker that has sent half a frame must not hold the others or the deadline);
     * PL_ETIMEDOUT means the rest of the frame has not come yet: nothing to do until the next
     * poll. A reply whose tag is the index of the
     * worker's first unanswered item carries the results of that item and the next ones:
     * move each into its item's slot (take it out of the reply, so clearing the reply does not
     * free it). When the whole chunk is answered the worker is idle again (with the optional
     * step: the items queued behind, if any, become its chunk). Anything else
     * (end-of-file, a corrupt frame, a wrong tag) means the worker is dead or broken: bury it
     * and send what it never started to its replacement (send_chunk). */
    (void)p; (void)k; return PL_ENOTIMPL;
}

/*
 * Step: the loop. Hand out items, wait (pl_fork_poll) until some worker
 * answers or the deadline passes, collect, repeat. PL_OK at the end of the
 * work or at the deadline; an error if the system refused something.
 */
static PL_LAB_STEP int run_pool(pool *p)
{
    /* TODO: While some item has no result and the deadline has not passed: hand out items,
     * then wait with pl_fork_poll (poll() that also moves the chunks still queued in the
     * runtime) on the busy workers' result pipes until the deadline, and collect every worker
     * whose pipe is ready. With work left but no busy worker (none could be forked), return
     * PL_ESYS. */
    (void)p; return PL_ENOTIMPL;
}

/*
 * Step: every worker goes, whatever happened. A straggler (still busy: past
 * the deadline, or the call failed) is killed, and each unanswered item of
 * its chunk gets `status` with the text `why`; an idle one is told to exit
 * by closing its task pipe. All are reaped.
 */
static PL_LAB_STEP void close_pool(pool *p, pl_task_status status, const char *why)
{
    /* TODO: First close the task pipe of every idle worker, so that they all exit at the same
     * time instead of one after another. Then retire every worker: a busy one by force, after
     * giving each unanswered item of its chunk a result with `status`, `why` and the worker's
     * pid; an idle one politely. */
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
     * worker slots (never more than PL_FORK_MAX_CHILDREN), none of them running yet, with a
     * progress page for them (pl_fork_progress_new) and p.chunk = pl_map_chunksize(opts, n,
     * slots). Run the pool until the work is done or the deadline passes, then close it:
     * stragglers are TIMEOUT when the run ended normally, FAILED when it failed. Finally call
     * pl_results_settle, so that every item has exactly one result (items never handed out
     * ran out of time), and return the run's error if it had one. */
    (void)deadline; (void)max_workers; return PL_ENOTIMPL;
}
