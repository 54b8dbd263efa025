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
    /* BEGIN SOLUTION */
    /* TODO: Add the fields your steps share that are not above. */
    struct pollfd *fds; /* scratch for poll(): one entry per busy worker */
    int *who;           /* the worker slot of each fds entry */
    /* END SOLUTION */
} pool;

/*
 * Step: fork one pool worker into slot w. Two pipes, then fork. The child
 * keeps the read end of the task pipe and the write end of the result
 * pipe, and serves tasks until we close its task pipe; we keep the other
 * two ends. PL_OK, or PL_ESYS (with nothing left open).
 */
static PL_LAB_STEP int spawn_worker(worker *w)
{
    /* BEGIN SOLUTION */
    /* TODO: Make the task pipe and the result pipe with pl_fork_pipe, then call pl_fork. The
     * child calls pl_fork_serve with its two ends (it never returns). The parent closes those
     * two ends with pl_fork_close, keeps the other two and the pid in *w, and marks the worker
     * IDLE. If anything fails, close whatever was opened and return PL_ESYS. */
    /* SKELETON: (void)w; return PL_ENOTIMPL; */
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
        pl_fork_serve(task_pipe[0], result_pipe[1]); /* never returns */
    }
    /* Parent (or a failed fork): the child's ends are not ours to keep. */
    pl_fork_close(&task_pipe[0]);
    pl_fork_close(&result_pipe[1]);
    if (pid < 0) {
        pl_fork_close(&task_pipe[1]);
        pl_fork_close(&result_pipe[0]);
        return PL_ESYS;
    }
    *w = (worker){.pid = pid, .task_fd = task_pipe[1], .result_fd = result_pipe[0], .item = IDLE};
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
     * the slot empty (pid 0, IDLE). */
    /* SKELETON: (void)w; (void)force; (void)wstatus; return PL_ENOTIMPL; */
    pl_fork_close(&w->task_fd);
    if (!force) {
        struct pollfd gone = {.fd = w->result_fd, .events = POLLIN};
        force = poll(&gone, 1, IDLE_EXIT_MS) <= 0;
    }
    pl_fork_close(&w->result_fd);
    int rc = pl_fork_reap(w->pid, force, wstatus);
    w->pid = 0;
    w->item = IDLE;
    return rc;
    /* END SOLUTION */
}

/* Step: worker w died without answering. Its item is CRASHED, with the signal's name. */
static PL_LAB_STEP int bury_worker(pool *p, worker *w)
{
    /* BEGIN SOLUTION */
    /* TODO: Retire the worker by force, then give its item a new result that
     * pl_fork_explain_end fills in from the wait status, and count the item as finished. */
    /* SKELETON: (void)p; (void)w; return PL_ENOTIMPL; */
    size_t item = w->item;
    pid_t pid = w->pid;
    int wstatus = 0;
    retire_worker(w, 1, &wstatus);
    pl_result *res = pl_result_new();
    if (res == NULL) {
        return PL_ENOMEM;
    }
    pl_fork_explain_end(pid, wstatus, res);
    p->results[item] = res;
    p->finished++;
    return PL_OK;
    /* END SOLUTION */
}

/* Step: give every idle worker the next item, forking workers for empty slots as needed. */
static PL_LAB_STEP int hand_out_items(pool *p)
{
    /* BEGIN SOLUTION */
    /* TODO: Walk the worker slots while items are left. Fork a worker into an empty slot; if
     * fork fails, go on with the others. Send an idle worker the next item with
     * pl_fork_send_task_until (the call's deadline bounds the write), tagged with the item's
     * index. PL_EIO means the worker died between two items: its item never ran, so bury the
     * worker. PL_ETIMEDOUT means the deadline came mid-frame: stop handing out, the worker is
     * busy with that item until the pool is closed. */
    /* SKELETON: (void)p; return PL_ENOTIMPL; */
    for (int k = 0; k < p->size && p->next_item < p->n; k++) {
        worker *w = &p->workers[k];
        if (w->pid == 0 && spawn_worker(w) != PL_OK) {
            continue; /* no process now (EAGAIN?): the others carry on; checked by the caller */
        }
        if (w->item != IDLE) {
            continue;
        }
        size_t i = p->next_item++;
        w->item = i;
        int rc = pl_fork_send_task_until(w->task_fd, p->deadline, (uint64_t)i, p->task, p->items[i]);
        if (rc == PL_ETIMEDOUT) {
            return PL_OK; /* a stuck reader: killed with the stragglers when the pool closes */
        }
        if (rc == PL_EIO) {
            rc = bury_worker(p, w); /* it died between two items: the item never ran */
        }
        if (rc != PL_OK) {
            return rc;
        }
    }
    return PL_OK;
    /* END SOLUTION */
}

/* Step: a busy worker's result pipe is readable. Its answer, or end-of-file because it died. */
static PL_LAB_STEP int collect(pool *p, worker *w)
{
    /* BEGIN SOLUTION */
    /* TODO: Read what the pipe holds with pl_fork_recv_result_until and a deadline of 0 (never
     * wait: a worker that has sent half a frame must not hold the others or the deadline);
     * PL_ETIMEDOUT means the rest of the frame has not come yet: nothing to do until the next
     * poll. A result whose tag is the worker's item goes into that item's slot, and the worker
     * is idle again. Anything else (end-of-file, a corrupt frame, a wrong tag) means the worker
     * is dead or broken: bury it. */
    /* SKELETON: (void)p; (void)w; return PL_ENOTIMPL; */
    uint64_t tag;
    pl_result *res = NULL;
    int rc = pl_fork_recv_result_until(w->result_fd, 0, &tag, &res);
    if (rc == PL_ETIMEDOUT) {
        return PL_OK; /* half a frame so far: the rest comes, or the deadline kills the worker */
    }
    if (rc == PL_OK && tag == (uint64_t)w->item) {
        p->results[w->item] = res;
        p->finished++;
        w->item = IDLE;
        return PL_OK;
    }
    pl_result_free(res); /* a wrong tag would be a protocol error: treat the worker as broken */
    return rc == PL_ENOMEM ? rc : bury_worker(p, w);
    /* END SOLUTION */
}
/* BEGIN SOLUTION */

/* Number of busy workers, with their result pipes listed in p->fds (and their slots in p->who). */
static int busy_workers(pool *p)
{
    int count = 0;
    for (int k = 0; k < p->size; k++) {
        if (p->workers[k].pid != 0 && p->workers[k].item != IDLE) {
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
            if (p->fds[j].revents != 0 && (rc = collect(p, &p->workers[p->who[j]])) != PL_OK) {
                return rc;
            }
        }
    }
    return PL_OK;
    /* END SOLUTION */
}

/*
 * Step: every worker goes, whatever happened. A straggler (still busy: past
 * the deadline, or the call failed) is killed and its item gets `status`
 * with the text `why`; an idle one is told to exit by closing its task
 * pipe. All are reaped.
 */
static PL_LAB_STEP void close_pool(pool *p, pl_task_status status, const char *why)
{
    /* BEGIN SOLUTION */
    /* TODO: First close the task pipe of every idle worker, so that they all exit at the same
     * time instead of one after another. Then retire every worker: a busy one by force, after
     * giving its item a result with `status`, `why` and the worker's pid; an idle one politely. */
    /* SKELETON: (void)p; (void)status; (void)why; */
    /*
     * Tell every idle worker to go (end-of-file on its task pipe) before
     * waiting for any of them: they then exit at the same time, instead of
     * one after another (16 workers one by one cost ~8 ms at the end of
     * every call).
     */
    for (int k = 0; k < p->size; k++) {
        if (p->workers[k].pid != 0 && p->workers[k].item == IDLE) {
            pl_fork_close(&p->workers[k].task_fd);
        }
    }
    for (int k = 0; k < p->size; k++) {
        worker *w = &p->workers[k];
        if (w->pid == 0) {
            continue;
        }
        if (w->item != IDLE) {
            pl_result *res = pl_result_new();
            if (res != NULL) {
                pl_result_set_status(res, status, "%s", why);
                pl_result_set_worker(res, (int64_t)w->pid);
            }
            p->results[w->item] = res;
        }
        retire_worker(w, w->item != IDLE, NULL);
    }
    /* END SOLUTION */
}
/* BEGIN SOLUTION */

/*
 * Make the pool's slots: one per worker, at most max_workers as
 * pl_map_check_args worked it out (default pl_workers(), at most n), and
 * never more than PL_FORK_MAX_CHILDREN (each one is a process and two
 * pipes). Every slot starts empty.
 */
static int open_pool(pool *p, int max_workers)
{
    p->size = max_workers < PL_FORK_MAX_CHILDREN ? max_workers : PL_FORK_MAX_CHILDREN;
    p->workers = calloc((size_t)p->size, sizeof *p->workers);
    p->fds = calloc((size_t)p->size, sizeof *p->fds);
    p->who = calloc((size_t)p->size, sizeof *p->who);
    if (p->workers == NULL || p->fds == NULL || p->who == NULL) {
        return PL_ENOMEM;
    }
    for (int k = 0; k < p->size; k++) {
        p->workers[k] = (worker){.pid = 0, .task_fd = -1, .result_fd = -1, .item = IDLE};
    }
    return PL_OK;
}

static void free_pool(pool *p)
{
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
     * worker slots (never more than PL_FORK_MAX_CHILDREN), none of them running yet. Run the
     * pool until the work is done or the deadline passes, then close it: stragglers are
     * TIMEOUT when the run ended normally, FAILED when it failed. Finally call
     * pl_results_settle, so that every item has exactly one result (items never handed out
     * ran out of time), and return the run's error if it had one. */
    /* SKELETON: (void)deadline; (void)max_workers; return PL_ENOTIMPL; */
    for (size_t i = 0; i < n; i++) {
        results[i] = NULL;
    }
    pool p = {.task = task, .items = items, .results = results, .n = n, .deadline = deadline};
    rc = open_pool(&p, max_workers);
    if (rc == PL_OK) {
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
