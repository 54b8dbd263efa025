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
    /* BEGIN SOLUTION */
    /* TODO: (Optional last step) Add what a worker needs to hold chunks queued ahead. */
    size_t next_first; /* the optional step: items queued behind the chunk, */
    size_t next_count; /* [next_first, next_first + next_count); 0: none */
    int quick;         /* its last reply's items ran for under a millisecond */
    /* END SOLUTION */
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
    /* BEGIN SOLUTION */
    /* TODO: Add the fields your steps share that are not above. */
    int may_queue;      /* no deadline: a quick worker may hold chunks queued ahead (decision 7) */
    struct pollfd *fds; /* scratch for poll(): one entry per busy worker */
    int *who;           /* the worker slot of each fds entry */
    /* END SOLUTION */
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
    /* BEGIN SOLUTION */
    /* TODO: Make the task pipe and the result pipe with pl_fork_pipe, then call pl_fork. The
     * child calls pl_fork_serve_chunks with its two ends, the progress page and k (it never
     * returns). The parent closes those two ends with pl_fork_close and keeps the other two
     * and the pid in slot k (the slot's chunk is the caller's business). If anything fails,
     * close whatever was opened and return PL_ESYS. */
    /* SKELETON: (void)p; (void)k; return PL_ENOTIMPL; */
    int task_pipe[2], result_pipe[2];
    if (pl_fork_pipe(task_pipe) != PL_OK) {
        return PL_ESYS;
    }
    if (pl_fork_pipe(result_pipe) != PL_OK) {
        pl_fork_close(&task_pipe[0]);
        pl_fork_close(&task_pipe[1]);
        return PL_ESYS;
    }
    pid_t pid = pl_fork();
    if (pid == 0) {
        pl_fork_serve_chunks(task_pipe[0], result_pipe[1], p->progress, k); /* never returns */
    }
    /* Parent (or a failed fork): the child's ends are not ours to keep. */
    pl_fork_close(&task_pipe[0]);
    pl_fork_close(&result_pipe[1]);
    if (pid < 0) {
        pl_fork_close(&task_pipe[1]);
        pl_fork_close(&result_pipe[0]);
        return PL_ESYS;
    }
    worker *w = &p->workers[k];
    w->pid = pid;
    w->task_fd = task_pipe[1];
    w->result_fd = result_pipe[0];
    return PL_OK;
    /* END SOLUTION */
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
    /* BEGIN SOLUTION */
    /* TODO: Close the worker's task pipe. Unless force is set, wait up to IDLE_EXIT_MS with
     * poll() for end-of-file on its result pipe, and force it anyway if none comes. Close the
     * result pipe, reap the child with pl_fork_reap (killing it first when forced), and mark
     * the slot empty (pid 0, no chunk). */
    /* SKELETON: (void)w; (void)force; (void)wstatus; return PL_ENOTIMPL; */
    pl_fork_close(&w->task_fd);
    if (!force) {
        struct pollfd gone = {.fd = w->result_fd, .events = POLLIN};
        force = poll(&gone, 1, IDLE_EXIT_MS) <= 0;
    }
    pl_fork_close(&w->result_fd);
    int rc = pl_fork_reap(w->pid, force, wstatus);
    *w = (worker){.pid = 0, .task_fd = -1, .result_fd = -1};
    return rc;
    /* END SOLUTION */
}
/* BEGIN SOLUTION */

/* Item i's result: a new one with this status and text, run (or not) by pid. */
static void settle_item(pool *p, size_t i, pl_task_status status, pid_t pid, const char *why)
{
    pl_result *res = pl_result_new();
    if (res != NULL) {
        pl_result_set_status(res, status, "%s", why);
        pl_result_set_worker(res, (int64_t)pid);
    }
    p->results[i] = res != NULL ? res : pl_result_out_of_memory(); /* the shared, read-only one */
    p->finished++;
}

/* END SOLUTION */

/*
 * Step: worker k died without answering its whole chunk. Settle what it
 * had (answered items keep their results; the item it was running is
 * CRASHED, with the signal's name; items it finished but had not sent are
 * FAILED, saying why) and put the range of items it never STARTED in
 * *rest_first / *rest_count: they go to the worker that replaces it.
 */
static PL_LAB_STEP int bury_worker(pool *p, int k, size_t *rest_first, size_t *rest_count)
{
    /* BEGIN SOLUTION */
    /* TODO: Retire the worker by force. pl_fork_progress_last says which item it started
     * last (1 + its index; 0: none): that one crashed it - if it is not one of the chunk's
     * unanswered items (it started none of them), blame the first unanswered one, so that
     * every burial settles at least one item and a worker that keeps dying cannot loop for
     * ever. Items between its answers and that one ran but lost their answers (FAILED);
     * pl_fork_explain_end fills in the crashed item's result from the wait status. Count
     * every settled item as finished. (Optional step: items queued behind never started;
     * they go to the replacement too.) */
    /* SKELETON: (void)p; (void)k; (void)rest_first; (void)rest_count; return PL_ENOTIMPL; */
    worker w = p->workers[k];
    int wstatus = 0;
    retire_worker(&p->workers[k], 1, &wstatus);
    size_t last = pl_fork_progress_last(p->progress, k);
    size_t from = w.first + w.answered, end = w.first + w.count;
    size_t crashed = last > from && last <= end ? last - 1 : from;
    for (size_t i = from; i < crashed; i++) {
        settle_item(p, i, PL_TASK_FAILED, w.pid,
                    "it ran, but its answer was lost: its worker crashed later in the same chunk");
    }
    pl_result *res = pl_result_new();
    pl_fork_explain_end(w.pid, wstatus, res);
    p->results[crashed] = res != NULL ? res : pl_result_out_of_memory();
    p->finished++;
    *rest_first = crashed + 1;
    *rest_count = end - crashed - 1;
    /* Items queued behind never started (the chunk before them was unanswered): they follow the rest. */
    if (*rest_count == 0) {
        *rest_first = w.next_first;
        *rest_count = w.next_count;
    } else {
        p->workers[k].next_first = w.next_first;
        p->workers[k].next_count = w.next_count;
    }
    return PL_OK;
    /* END SOLUTION */
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
    /* BEGIN SOLUTION */
    /* TODO: Record the chunk in the slot (nothing answered yet). Fork a worker into an empty
     * slot; if that fails, return PL_OK: the chunk waits in the slot with pid 0 and is tried
     * again later. Send it with pl_fork_post_chunk, tagged with its first item's index: it
     * returns at once, and the runtime moves the rest of a big frame while you wait in
     * pl_fork_poll (a dead worker is found by collect, at its result pipe's end). */
    /* SKELETON: (void)p; (void)k; (void)first; (void)count; return PL_ENOTIMPL; */
    worker *w = &p->workers[k];
    w->first = first;
    w->count = count;
    w->answered = 0;
    if (count == 0 || (w->pid == 0 && spawn_worker(p, k) != PL_OK)) {
        return PL_OK; /* nothing to send, or no process now (EAGAIN?): run_pool fails if nobody is left */
    }
    int rc = pl_fork_post_chunk(w->task_fd, (uint64_t)first, p->task, &p->items[first], count);
    if (rc == PL_OK && w->next_count > 0) { /* items queued on a dead worker */
        rc = pl_fork_post_chunk(w->task_fd, (uint64_t)w->next_first, p->task, &p->items[w->next_first],
                                w->next_count);
    }
    return rc;
    /* END SOLUTION */
}

/* BEGIN SOLUTION */
/* A live worker with no chunk (its slot index), or -1. */
static int idle_worker(const pool *p)
{
    for (int k = 0; k < p->size; k++) {
        if (p->workers[k].pid != 0 && p->workers[k].count == 0) {
            return k;
        }
    }
    return -1;
}

/* The next p->chunk items to hand out (fewer at the end). */
static void take_items(pool *p, size_t *first, size_t *count)
{
    *first = p->next_item;
    *count = p->n - *first < p->chunk ? p->n - *first : p->chunk;
    p->next_item += *count;
}

/* END SOLUTION */

/* Step: give every idle worker the next chunk, forking workers for empty slots as needed. */
static PL_LAB_STEP int hand_out_items(pool *p)
{
    /* BEGIN SOLUTION */
    /* TODO: Walk the worker slots. A slot whose chunk is still waiting for a process (pid 0,
     * count > 0) tries send_chunk with it again, and if still no process can be forked, hands
     * the chunk to a live idle worker (idle_worker) instead: waiting for a fork that keeps
     * failing while a worker sits idle would never end. While items are left, an empty or
     * idle slot gets the next p->chunk items (fewer at the end) with send_chunk. Optional last
     * step (the handout says when it pays): in a call without a deadline, a busy worker whose
     * last reply was quick (pl_fork_worth_ahead) gets the next PL_FORK_AHEAD chunks queued. */
    /* SKELETON: (void)p; return PL_ENOTIMPL; */
    for (int k = 0; k < p->size; k++) {
        worker *w = &p->workers[k];
        int rc = PL_OK;
        if (w->pid == 0 && w->count > 0) {
            rc = send_chunk(p, k, w->first, w->count); /* a chunk still waiting for a process */
            int j = rc == PL_OK && w->pid == 0 ? idle_worker(p) : -1;
            if (j >= 0) {
                size_t first = w->first, count = w->count;
                p->workers[j].next_first = w->next_first; /* and the chunk queued behind it, if any */
                p->workers[j].next_count = w->next_count;
                w->count = w->next_count = 0; /* the slot is empty again; worker j takes its chunks */
                rc = send_chunk(p, j, first, count);
            }
        } else if (w->count == 0 && p->next_item < p->n) {
            size_t first, count;
            take_items(p, &first, &count);
            rc = send_chunk(p, k, first, count);
        } else if (p->may_queue && w->quick && w->next_count == 0 && p->next_item < p->n) {
            w->next_first = p->next_item; /* the optional step: it is busy, and quick */
            for (int a = 0; a < PL_FORK_AHEAD && p->next_item < p->n && rc == PL_OK; a++) {
                size_t first, count; /* one frame per chunk: each is answered on its own */
                take_items(p, &first, &count);
                w->next_count += count;
                rc = pl_fork_post_chunk(w->task_fd, (uint64_t)first, p->task, &p->items[first], count);
            }
        }
        if (rc != PL_OK) {
            return rc;
        }
    }
    return PL_OK;
    /* END SOLUTION */
}

/*
 * Step: busy worker k's result pipe is readable. A reply with the next
 * results of its chunk, or end-of-file because it died.
 */
static PL_LAB_STEP int collect(pool *p, int k)
{
    /* BEGIN SOLUTION */
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
    /* SKELETON: (void)p; (void)k; return PL_ENOTIMPL; */
    worker *w = &p->workers[k];
    pl_reply_msg reply;
    int rc = pl_fork_recv_reply_until(w->result_fd, 0, &reply);
    if (rc == PL_ETIMEDOUT) {
        return PL_OK; /* half a frame so far: the rest comes, or the deadline kills the worker */
    }
    /* It must answer the next reply.count unanswered items of the chunk, in order; else it is broken. */
    if (rc == PL_OK && reply.tag == (uint64_t)(w->first + w->answered) && reply.count <= w->count - w->answered) {
        w->quick = pl_fork_worth_ahead(&reply); /* before the results move out */
        for (size_t j = 0; j < reply.count; j++) {
            p->results[w->first + w->answered + j] = reply.results[j];
            reply.results[j] = NULL; /* the slot owns it now */
        }
        w->answered += reply.count;
        p->finished += reply.count;
        if (w->answered == w->count) { /* idle, or on to the chunk queued behind */
            *w = (worker){.pid = w->pid, .task_fd = w->task_fd, .result_fd = w->result_fd, .quick = w->quick,
                          .first = w->next_first, .count = w->next_count};
        }
        pl_reply_msg_clear(&reply);
        return PL_OK;
    }
    pl_reply_msg_clear(&reply);
    if (rc == PL_ENOMEM) {
        return rc;
    }
    size_t first = 0, count = 0;
    rc = bury_worker(p, k, &first, &count);
    return rc == PL_OK ? send_chunk(p, k, first, count) : rc;
    /* END SOLUTION */
}
/* BEGIN SOLUTION */

/* Number of busy workers, with their result pipes listed in p->fds (and their slots in p->who). */
static int busy_workers(pool *p)
{
    int count = 0;
    for (int k = 0; k < p->size; k++) {
        if (p->workers[k].pid != 0 && p->workers[k].count > 0) {
            p->fds[count] = (struct pollfd){.fd = p->workers[k].result_fd, .events = POLLIN};
            p->who[count++] = k;
        }
    }
    return count;
}
/* END SOLUTION */

/*
 * Step: the loop. Hand out items, wait (pl_fork_poll) until some worker
 * answers or the deadline passes, collect, repeat. PL_OK at the end of the
 * work or at the deadline; an error if the system refused something.
 */
static PL_LAB_STEP int run_pool(pool *p)
{
    /* BEGIN SOLUTION */
    /* TODO: While some item has no result and the deadline has not passed: hand out items,
     * then wait with pl_fork_poll (poll() that also moves the chunks still queued in the
     * runtime) on the busy workers' result pipes until the deadline, and collect every worker
     * whose pipe is ready. With work left but no busy worker (none could be forked), return
     * PL_ESYS. */
    /* SKELETON: (void)p; return PL_ENOTIMPL; */
    while (p->finished < p->n && pl_now_ns() < p->deadline) {
        int rc = hand_out_items(p);
        if (rc != PL_OK) {
            return rc;
        }
        int busy = busy_workers(p);
        if (busy == 0) {
            return PL_ESYS; /* work left but no worker could be forked */
        }
        int ready = pl_fork_poll(p->fds, (nfds_t)busy, p->deadline);
        if (ready < 0) {
            return PL_ESYS;
        }
        for (int j = 0; j < busy && ready > 0; j++) {
            if (p->fds[j].revents != 0 && (rc = collect(p, p->who[j])) != PL_OK) {
                return rc;
            }
        }
    }
    return PL_OK;
    /* END SOLUTION */
}

/*
 * Step: every worker goes, whatever happened. A straggler (still busy: past
 * the deadline, or the call failed) is killed, and each unanswered item of
 * its chunk gets `status` with the text `why`; an idle one is told to exit
 * by closing its task pipe. All are reaped.
 */
static PL_LAB_STEP void close_pool(pool *p, pl_task_status status, const char *why)
{
    /* BEGIN SOLUTION */
    /* TODO: First close the task pipe of every idle worker, so that they all exit at the same
     * time instead of one after another. Then retire every worker: a busy one by force, after
     * giving each unanswered item of its chunk a result with `status`, `why` and the worker's
     * pid; an idle one politely. */
    /* SKELETON: (void)p; (void)status; (void)why; */
    /* All idle ones told first, so they exit at once: one by one, 16 cost ~8 ms per call. */
    for (int k = 0; k < p->size; k++) {
        if (p->workers[k].pid != 0 && p->workers[k].count == 0) {
            pl_fork_close(&p->workers[k].task_fd);
        }
    }
    for (int k = 0; k < p->size; k++) {
        worker *w = &p->workers[k];
        if (w->pid == 0) {
            continue; /* no process (a chunk still waiting for one is settled by pl_map) */
        }
        worker was = *w; /* items queued behind never started: pl_map settles them, FAILED */
        retire_worker(w, was.count > 0, NULL);
        /* Reaped: its progress is final, and says what each unanswered item was doing. */
        size_t last = pl_fork_progress_last(p->progress, k);
        for (size_t i = was.first + was.answered; i < was.first + was.count; i++) {
            settle_item(p, i, status, was.pid,
                        i + 1 < last    ? "it finished, but its answer was still in its worker when that was killed"
                        : i + 1 == last ? why
                                        : "it never started: its worker was killed first");
        }
    }
    /* END SOLUTION */
}
/* BEGIN SOLUTION */

/*
 * Make the pool's slots: one per worker, at most max_workers as
 * pl_map_check_args worked it out (default pl_workers(), at most n), and
 * never more than PL_FORK_MAX_CHILDREN (each one is a process and two
 * pipes). Every slot starts empty. The progress page must exist before the
 * first fork: a mapping made later would not be shared with the child.
 */
static int open_pool(pool *p, int max_workers)
{
    p->size = max_workers < PL_FORK_MAX_CHILDREN ? max_workers : PL_FORK_MAX_CHILDREN;
    p->workers = calloc((size_t)p->size, sizeof *p->workers);
    p->fds = calloc((size_t)p->size, sizeof *p->fds);
    p->who = calloc((size_t)p->size, sizeof *p->who);
    p->progress = pl_fork_progress_new(p->size);
    if (p->workers == NULL || p->fds == NULL || p->who == NULL || p->progress == NULL) {
        return PL_ENOMEM;
    }
    for (int k = 0; k < p->size; k++) {
        p->workers[k] = (worker){.pid = 0, .task_fd = -1, .result_fd = -1};
    }
    return PL_OK;
}

static void free_pool(pool *p)
{
    pl_fork_progress_free(p->progress);
    free(p->who);
    free(p->fds);
    free(p->workers);
}
/* END SOLUTION */

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
    /* BEGIN SOLUTION */
    /* TODO: Start with every result slot empty (NULL) and a pool of at most max_workers
     * worker slots (never more than PL_FORK_MAX_CHILDREN), none of them running yet, with a
     * progress page for them (pl_fork_progress_new) and p.chunk = pl_map_chunksize(opts, n,
     * slots). Run the pool until the work is done or the deadline passes, then close it:
     * stragglers are TIMEOUT when the run ended normally, FAILED when it failed. Finally call
     * pl_results_settle, so that every item has exactly one result (items never handed out
     * ran out of time), and return the run's error if it had one. */
    /* SKELETON: (void)deadline; (void)max_workers; return PL_ENOTIMPL; */
    for (size_t i = 0; i < n; i++) {
        results[i] = NULL;
    }
    pool p = {.task = task, .items = items, .results = results, .n = n, .deadline = deadline};
    rc = open_pool(&p, max_workers);
    if (rc == PL_OK) {
        p.chunk = pl_map_chunksize(opts, n, p.size);
        p.may_queue = deadline == PL_NEVER; /* no timeout, or one so long it saturates to never */
        rc = run_pool(&p);
        if (rc == PL_OK) {
            close_pool(&p, PL_TASK_TIMEOUT, "killed at the deadline of the map call");
        } else {
            close_pool(&p, PL_TASK_FAILED, "killed: the map call failed");
        }
    }
    free_pool(&p);
    /* Items never handed out: they ran out of time (or the call failed before them). */
    int settled = rc == PL_OK ? pl_results_settle(results, n, PL_TASK_TIMEOUT, "the deadline passed before it started")
                              : pl_results_settle(results, n, PL_TASK_FAILED, "not run: the map call failed");
    return rc != PL_OK ? rc : settled;
    /* END SOLUTION */
}
