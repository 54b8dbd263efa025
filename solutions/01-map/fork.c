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
 * 2. Why chunks. Every hand-off is a round trip: a write, the child wakes
 *    up, decodes, runs, encodes, writes, the parent wakes up and decodes -
 *    several microseconds, against a few nanoseconds of work for square.
 *    One frame of c items and one frame of c results pay it once per
 *    chunk. The price is balance: a worker holding a chunk of slow items
 *    cannot share them, so c = 1 is still the right choice for long,
 *    uneven tasks (opts->chunksize; 0 picks Pool.map's ceil(n / 4W)).
 *
 * 3. poll(), not read(). A read() on one worker's pipe blocks until THAT
 *    worker answers, while the others may already be idle. poll() waits for
 *    the first of all busy workers to answer, and its timeout is how the
 *    call's deadline is kept.
 *
 * 4. Values cross as bytes. After fork the child has a COPY of our memory:
 *    a pointer to a result it wrote would be meaningless to us, so results
 *    come back encoded in frames (pl_wire.h) and are decoded here.
 *
 * 5. A crash costs only what it must, even inside a chunk. A worker killed
 *    by SIGSEGV closes its end of the result pipe; poll() reports it, the
 *    read gets end-of-file, and waitpid() says which signal. Which item
 *    was it? The worker counts the items it STARTS in a page of memory it
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
    struct pollfd *fds; /* scratch for poll(): one entry per busy worker */
    int *who;           /* the worker slot of each fds entry */
    /* END SOLUTION */
} pool;

/*
 * Step: fork one pool worker into slot k. Two pipes, then fork. The child
 * keeps the read end of the task pipe and the write end of the result
 * pipe, and serves chunks until we close its task pipe, counting what it
 * starts in slot k of the progress page; we keep the other two ends.
 * PL_OK, or PL_ESYS (with nothing left open).
 */
static PL_LAB_STEP int spawn_worker(pool *p, int k)
{
    /* BEGIN SOLUTION */
    /* TODO: Make the task pipe and the result pipe with pl_fork_pipe, then call pl_fork. The
     * child calls pl_fork_serve_chunks with its two ends, the progress page and k (it never
     * returns). The parent closes those two ends with pl_fork_close, keeps the other two and
     * the pid in slot k, and marks the worker idle. If anything fails, close whatever was
     * opened and return PL_ESYS. */
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
    p->workers[k] = (worker){.pid = pid, .task_fd = task_pipe[1], .result_fd = result_pipe[0]};
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

/*
 * What the unanswered items [from, to) of a dead worker's chunk get: the
 * ones it finished lost their answers with it (FAILED: they ran, and must
 * not run twice), the one it was running is `crashed` (CRASHED from the
 * wait status). `crashed` is the chunk position of that item.
 */
static void settle_dead_chunk(pool *p, size_t first, size_t from, size_t crashed, pid_t pid, int wstatus)
{
    for (size_t j = from; j < crashed; j++) {
        settle_item(p, first + j, PL_TASK_FAILED, pid,
                    "it ran, but its answer was lost: its worker crashed later in the same chunk");
    }
    pl_result *res = pl_result_new();
    pl_fork_explain_end(pid, wstatus, res);
    p->results[first + crashed] = res != NULL ? res : pl_result_out_of_memory();
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
    /* TODO: Retire the worker by force. Read how many items of its chunk it started
     * (pl_fork_progress_started): the last one started crashed it - if it started none
     * beyond those it answered, blame the first unanswered one, so that every burial settles
     * at least one item and a worker that keeps dying cannot loop for ever. Items between its
     * answers and that one ran but lost their answers (FAILED); pl_fork_explain_end fills in
     * the crashed item's result from the wait status. Count every settled item as finished. */
    /* SKELETON: (void)p; (void)k; (void)rest_first; (void)rest_count; return PL_ENOTIMPL; */
    worker w = p->workers[k];
    int wstatus = 0;
    retire_worker(&p->workers[k], 1, &wstatus);
    size_t started = pl_fork_progress_started(p->progress, k);
    size_t crashed = started > w.answered ? started - 1 : w.answered;
    if (crashed >= w.count) {
        crashed = w.count - 1; /* a corrupt count cannot point past the chunk */
    }
    settle_dead_chunk(p, w.first, w.answered, crashed, w.pid, wstatus);
    *rest_first = w.first + crashed + 1;
    *rest_count = w.count - crashed - 1;
    return PL_OK;
    /* END SOLUTION */
}

/*
 * Step: give worker slot k the items [first, first + count), forking a
 * worker into it first if it is empty. If no process can be forked now,
 * the chunk waits in the slot (pid 0) and hand_out_items tries again. If
 * the worker turns out to be dead (the send fails with PL_EIO), bury it and
 * hand what it never started to a fresh one.
 */
static PL_LAB_STEP int send_chunk(pool *p, int k, size_t first, size_t count)
{
    /* BEGIN SOLUTION */
    /* TODO: While count > 0: fork a worker into an empty slot; if that fails, leave the chunk
     * recorded in the slot with pid 0 and return PL_OK (it is tried again later). Reset the
     * progress slot to 0 (pl_fork_progress_set), record the chunk in the worker, and send it
     * with pl_fork_send_chunk_until (the call's deadline bounds the write) tagged with its first
     * item's index. PL_OK: done. PL_ETIMEDOUT: the deadline came mid-frame; the worker keeps the
     * chunk until the pool is closed. PL_EIO: the worker is dead; bury it and go round again
     * with the items it never started. */
    /* SKELETON: (void)p; (void)k; (void)first; (void)count; return PL_ENOTIMPL; */
    while (count > 0) {
        worker *w = &p->workers[k];
        if (w->pid == 0 && spawn_worker(p, k) != PL_OK) {
            /* No process now (EAGAIN?): the chunk waits here; run_pool fails if nobody is left. */
            *w = (worker){.pid = 0, .task_fd = -1, .result_fd = -1, .first = first, .count = count};
            return PL_OK;
        }
        pl_fork_progress_set(p->progress, k, 0); /* only while idle: the child is not counting now */
        w->first = first;
        w->count = count;
        w->answered = 0;
        int rc = pl_fork_send_chunk_until(w->task_fd, p->deadline, (uint64_t)first, p->task, &p->items[first],
                                          count);
        if (rc == PL_ETIMEDOUT) {
            return PL_OK; /* a stuck reader: killed with the stragglers when the pool closes */
        }
        if (rc != PL_EIO) {
            return rc;
        }
        rc = bury_worker(p, k, &first, &count); /* dead before it read the chunk */
        if (rc != PL_OK) {
            return rc;
        }
    }
    return PL_OK;
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
/* END SOLUTION */

/* Step: give every idle worker the next chunk, forking workers for empty slots as needed. */
static PL_LAB_STEP int hand_out_items(pool *p)
{
    /* BEGIN SOLUTION */
    /* TODO: Walk the worker slots. A slot whose chunk is still waiting for a process (pid 0,
     * count > 0) tries send_chunk with it again, and if still no process can be forked, hands
     * the chunk to a live idle worker (idle_worker) instead: waiting for a fork that keeps
     * failing while a worker sits idle would never end. While items are left, an empty or
     * idle slot gets the next p->chunk items (fewer at the end) with send_chunk. */
    /* SKELETON: (void)p; return PL_ENOTIMPL; */
    for (int k = 0; k < p->size; k++) {
        worker *w = &p->workers[k];
        int rc = PL_OK;
        if (w->pid == 0 && w->count > 0) {
            rc = send_chunk(p, k, w->first, w->count); /* a chunk still waiting for a process */
            int j = rc == PL_OK && w->pid == 0 ? idle_worker(p) : -1;
            if (j >= 0) {
                size_t first = w->first, count = w->count;
                w->count = 0; /* the slot is empty again; worker j takes its chunk */
                rc = send_chunk(p, j, first, count);
            }
        } else if (w->count == 0 && p->next_item < p->n) {
            size_t first = p->next_item;
            size_t count = p->n - first < p->chunk ? p->n - first : p->chunk;
            p->next_item += count;
            rc = send_chunk(p, k, first, count);
        }
        if (rc != PL_OK) {
            return rc;
        }
    }
    return PL_OK;
    /* END SOLUTION */
}
/* BEGIN SOLUTION */

/* A reply answers the next `count` unanswered items of w's chunk, in order; anything else is broken. */
static int reply_fits(const worker *w, const pl_reply_msg *reply)
{
    return reply->tag == (uint64_t)(w->first + w->answered) && reply->count <= w->count - w->answered;
}
/* END SOLUTION */

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
     * free it). When the whole chunk is answered the worker is idle again. Anything else
     * (end-of-file, a corrupt frame, a wrong tag) means the worker is dead or broken: bury it
     * and send what it never started to its replacement (send_chunk). */
    /* SKELETON: (void)p; (void)k; return PL_ENOTIMPL; */
    worker *w = &p->workers[k];
    pl_reply_msg reply;
    int rc = pl_fork_recv_reply_until(w->result_fd, 0, &reply);
    if (rc == PL_ETIMEDOUT) {
        return PL_OK; /* half a frame so far: the rest comes, or the deadline kills the worker */
    }
    if (rc == PL_OK && reply_fits(w, &reply)) {
        for (size_t j = 0; j < reply.count; j++) {
            p->results[w->first + w->answered + j] = reply.results[j];
            reply.results[j] = NULL; /* the slot owns it now */
        }
        w->answered += reply.count;
        p->finished += reply.count;
        if (w->answered == w->count) {
            w->count = 0; /* idle */
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
 * Step: the loop. Hand out items, wait (poll) until some worker answers or
 * the deadline passes, collect, repeat. PL_OK at the end of the work or at
 * the deadline; an error if the system refused something.
 */
static PL_LAB_STEP int run_pool(pool *p)
{
    /* BEGIN SOLUTION */
    /* TODO: While some item has no result and the deadline has not passed: hand out items,
     * then poll() the busy workers' result pipes with pl_ms_until(deadline) as the timeout,
     * and collect every worker whose pipe is ready. With work left but no busy worker (none
     * could be forked), return PL_ESYS; a poll() interrupted by a signal (EINTR) just goes
     * round again. */
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
        int ready = poll(p->fds, (nfds_t)busy, pl_ms_until(p->deadline));
        if (ready < 0 && errno != EINTR) {
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
    /*
     * Tell every idle worker to go (end-of-file on its task pipe) before
     * waiting for any of them: they then exit at the same time, instead of
     * one after another (16 workers one by one cost ~8 ms at the end of
     * every call).
     */
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
        worker was = *w;
        retire_worker(w, was.count > 0, NULL);
        /* Reaped: its progress count is final, and says what each unanswered item was doing. */
        size_t started = pl_fork_progress_started(p->progress, k);
        for (size_t j = was.answered; j < was.count; j++) {
            settle_item(p, was.first + j, status, was.pid,
                        j + 1 < started    ? "it finished, but its answer was still in its worker when that was killed"
                        : j + 1 == started ? why
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
