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

/* BEGIN SOLUTION */
#define IDLE ((size_t)-1)

/* One worker process as the parent sees it. pid 0: no process in this slot (yet, or any more). */
typedef struct worker {
    pid_t pid;
    int task_fd;   /* we write task frames here */
    int result_fd; /* we read result frames here */
    size_t item;   /* the item it is running, or IDLE */
} worker;

/* Everything one pl_map call shares between its helpers. */
typedef struct pool {
    const char *task;
    pl_value *const *items;
    pl_result **results;
    size_t n;
    size_t next_item; /* the next item to hand out (input order) */
    size_t finished;  /* items that have their result */
    int64_t deadline;
    worker *workers;
    int size;
} pool;

/*
 * Fork one pool worker: two pipes, then fork. The child keeps the read end
 * of the task pipe and the write end of the result pipe, and serves tasks
 * until we close its task pipe; we keep the other two ends.
 */
static int spawn_worker(worker *w)
{
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
}

/*
 * End a worker and free its slot, and return its wait status. force: SIGKILL
 * at once (a straggler, or a worker that is already dead). Otherwise the
 * polite way: closing its task pipe tells an idle worker "no more work",
 * and it exits; its result pipe then reports end-of-file. A worker that
 * does not go within IDLE_EXIT_MS is killed anyway - never trust a child
 * to exit, or one bug in it would hang the parent here. Either way
 * waitpid() reaps it: no zombie.
 */
#define IDLE_EXIT_MS 1000

static int retire_worker(worker *w, int force)
{
    int wstatus = 0;
    pl_fork_close(&w->task_fd);
    if (!force) {
        struct pollfd gone = {.fd = w->result_fd, .events = POLLIN};
        force = poll(&gone, 1, IDLE_EXIT_MS) <= 0;
    }
    pl_fork_close(&w->result_fd);
    pl_fork_reap(w->pid, force, &wstatus);
    w->pid = 0;
    w->item = IDLE;
    return wstatus;
}

/* The worker died without answering: its item is CRASHED (with the signal's name). */
static int bury_worker(pool *p, worker *w)
{
    size_t item = w->item;
    pid_t pid = w->pid;
    int wstatus = retire_worker(w, 1);
    pl_result *res = pl_result_new();
    if (res == NULL) {
        return PL_ENOMEM;
    }
    pl_fork_explain_end(pid, wstatus, res);
    p->results[item] = res;
    p->finished++;
    return PL_OK;
}

/* Give every idle worker the next item, forking workers for empty slots as needed. */
static int hand_out_items(pool *p)
{
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
        int rc = pl_fork_send_task(w->task_fd, (uint64_t)i, p->task, p->items[i]);
        if (rc == PL_EIO) {
            rc = bury_worker(p, w); /* it died between two items: the item never ran */
        }
        if (rc != PL_OK) {
            return rc;
        }
    }
    return PL_OK;
}

/* A busy worker's pipe is readable: its result, or end-of-file because it died. */
static int collect(pool *p, worker *w)
{
    uint64_t tag;
    pl_result *res = NULL;
    int rc = pl_fork_recv_result(w->result_fd, &tag, &res);
    if (rc == PL_OK && tag == (uint64_t)w->item) {
        p->results[w->item] = res;
        p->finished++;
        w->item = IDLE;
        return PL_OK;
    }
    pl_result_free(res); /* a wrong tag would be a protocol error: treat the worker as broken */
    return rc == PL_ENOMEM ? rc : bury_worker(p, w);
}

/* Number of busy workers, with their result pipes listed in fds (and their slots in who). */
static int busy_workers(const pool *p, struct pollfd *fds, int *who)
{
    int count = 0;
    for (int k = 0; k < p->size; k++) {
        if (p->workers[k].pid != 0 && p->workers[k].item != IDLE) {
            fds[count] = (struct pollfd){.fd = p->workers[k].result_fd, .events = POLLIN};
            who[count++] = k;
        }
    }
    return count;
}

/*
 * The loop: hand out items, wait (poll) until some worker answers or the
 * deadline passes, collect, repeat. Returns PL_OK at the end of the work or
 * at the deadline, an error if the system refused something.
 */
static int run_pool(pool *p, struct pollfd *fds, int *who)
{
    while (p->finished < p->n && pl_now_ns() < p->deadline) {
        int rc = hand_out_items(p);
        if (rc != PL_OK) {
            return rc;
        }
        int busy = busy_workers(p, fds, who);
        if (busy == 0) {
            return PL_ESYS; /* work left but no worker could be forked */
        }
        int ready = poll(fds, (nfds_t)busy, pl_ms_until(p->deadline));
        if (ready < 0 && errno != EINTR) {
            return PL_ESYS;
        }
        for (int j = 0; j < busy && ready > 0; j++) {
            if (fds[j].revents != 0 && (rc = collect(p, &p->workers[who[j]])) != PL_OK) {
                return rc;
            }
        }
    }
    return PL_OK;
}

/*
 * Every worker goes, whatever happened: a straggler (still busy: past the
 * deadline, or the call failed) is killed and its item gets `status`; an
 * idle one is told to exit by closing its task pipe. All are reaped.
 */
static void close_pool(pool *p, pl_task_status status, const char *why)
{
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
            retire_worker(w, 1);
        } else {
            retire_worker(w, 0);
        }
    }
}

/*
 * How many workers this call gets: max_workers as pl_map_check_args worked
 * it out (default pl_workers(), at most n), and never more than
 * PL_FORK_MAX_CHILDREN (each one is a process and two pipes).
 */
static int pool_size(int max_workers)
{
    return max_workers < PL_FORK_MAX_CHILDREN ? max_workers : PL_FORK_MAX_CHILDREN;
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
    /* TODO: start from empty slots; fork max_workers workers (pl_fork_pipe, pl_fork, */
    /* TODO: pl_fork_serve in the child); hand each idle worker the next item (pl_fork_send_task); */
    /* TODO: poll() the busy workers' result pipes until the deadline (pl_ms_until); read each */
    /* TODO: answer (pl_fork_recv_result). End-of-file means the worker died: reap it */
    /* TODO: (pl_fork_reap), mark its item CRASHED (pl_fork_explain_end) and fork a new one. */
    /* TODO: At the end kill the stragglers (TIMEOUT), reap every worker, close every pipe, */
    /* TODO: and pl_results_settle so every item has exactly one result. */
    /* SKELETON: (void)deadline; (void)max_workers; return PL_ENOTIMPL; */
    for (size_t i = 0; i < n; i++) {
        results[i] = NULL;
    }
    int size = pool_size(max_workers);
    pool p = {.task = task, .items = items, .results = results, .n = n, .deadline = deadline, .size = size};
    p.workers = calloc((size_t)size, sizeof *p.workers);
    struct pollfd *fds = calloc((size_t)size, sizeof *fds);
    int *who = calloc((size_t)size, sizeof *who);
    if (p.workers == NULL || fds == NULL || who == NULL) {
        rc = PL_ENOMEM;
    } else {
        for (int k = 0; k < size; k++) {
            p.workers[k] = (worker){.pid = 0, .task_fd = -1, .result_fd = -1, .item = IDLE};
        }
        rc = run_pool(&p, fds, who);
        if (rc == PL_OK) {
            close_pool(&p, PL_TASK_TIMEOUT, "killed at the deadline of the map call");
        } else {
            close_pool(&p, PL_TASK_FAILED, "killed: the map call failed");
        }
    }
    free(who);
    free(fds);
    free(p.workers);
    /* Items never handed out: they ran out of time (or the call failed before them). */
    int settled = rc == PL_OK ? pl_results_settle(results, n, PL_TASK_TIMEOUT, "the deadline passed before it started")
                              : pl_results_settle(results, n, PL_TASK_FAILED, "not run: the map call failed");
    return rc != PL_OK ? rc : settled;
    /* END SOLUTION */
}
