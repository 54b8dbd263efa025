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

/* BEGIN SOLUTION */
struct pl_future {
    pl_task_call *call; /* the task's name and our own copy of its argument */
    pl_result *result; /* NULL until final; owned by the future */
    pid_t pid;         /* > 0 while its child runs */
    int result_fd;     /* read end of its result pipe while it runs, else -1 */
    pl_future *next;   /* link in the list of unfinished futures */
};

/*
 * Every unfinished future (queued or running), oldest first: the queue is
 * the part of it with pid == 0. One list for the process, because the
 * limit on children is one too. Not locked: see pl_fork.h (one thread).
 */
static struct {
    pl_future *head, *tail;
    int running;
} unfinished;

static void list_append(pl_future *f)
{
    f->next = NULL;
    if (unfinished.tail != NULL) {
        unfinished.tail->next = f;
    } else {
        unfinished.head = f;
    }
    unfinished.tail = f;
}

static void list_remove(pl_future *f)
{
    pl_future *prev = NULL;
    for (pl_future *it = unfinished.head; it != NULL; prev = it, it = it->next) {
        if (it == f) {
            if (prev != NULL) {
                prev->next = f->next;
            } else {
                unfinished.head = f->next;
            }
            if (unfinished.tail == f) {
                unfinished.tail = prev;
            }
            f->next = NULL;
            return;
        }
    }
}

/* f gets its one final result and leaves the list (and its child slot). */
static void finish(pl_future *f, pl_result *res)
{
    f->result = res;
    list_remove(f);
    if (f->pid > 0) {
        unfinished.running--;
        f->pid = 0;
    }
    pl_fork_close(&f->result_fd);
}

/* A result with just a status and a text; NULL when out of memory. */
static pl_result *result_with(pl_task_status st, const char *why)
{
    pl_result *res = pl_result_new();
    if (res != NULL) {
        pl_result_set_status(res, st, "%s", why);
    }
    return res;
}

/* Fork f's child: it runs the task and writes the result down the pipe. */
static int launch(pl_future *f)
{
    int p[2];
    if (pl_fork_pipe(p) != PL_OK) {
        return PL_ESYS;
    }
    pid_t pid = pl_fork();
    if (pid == 0) {
        pl_fork_run_one(f->call->task, f->call->arg, p[1]); /* never returns */
    }
    pl_fork_close(&p[1]); /* the child's end: holding it, we would never see end-of-file */
    if (pid < 0) {
        pl_fork_close(&p[0]);
        return PL_ESYS;
    }
    f->pid = pid;
    f->result_fd = p[0];
    unfinished.running++;
    return PL_OK;
}

/* How many futures' children may run at once: one per worker, within the runtime's ceiling. */
static int running_limit(void)
{
    int limit = pl_workers();
    return limit < PL_FORK_MAX_CHILDREN ? limit : PL_FORK_MAX_CHILDREN;
}

/*
 * Start queued futures, oldest first, while fewer than running_limit() run. If
 * fork fails while others run, the rest wait for a slot; if it fails with
 * nothing running, waiting would never end: that future FAILS instead.
 */
static void start_queued(void)
{
    pl_future *f = unfinished.head;
    while (f != NULL && unfinished.running < running_limit()) {
        pl_future *next = f->next;
        if (f->pid == 0 && launch(f) != PL_OK) {
            if (unfinished.running > 0) {
                return;
            }
            pl_result *res = result_with(PL_TASK_FAILED, "could not fork a process for it");
            if (res == NULL) {
                return; /* out of memory: stays queued, a later call retries */
            }
            finish(f, res);
        }
        f = next;
    }
}

/*
 * f's child is done with (kill_it: killed now): reap it and file its answer,
 * or - when it died without one - CANCELLED with cancelled_why if we killed
 * it, else the post-mortem (CRASHED, with the signal's name).
 */
static void end_child(pl_future *f, int kill_it, const char *cancelled_why)
{
    pid_t pid = f->pid;
    int wstatus = 0;
    uint64_t tag;
    pl_result *res = NULL;
    int rc;
    if (kill_it) {
        /* Dead first, then read: the pipe then holds a whole frame, or it ends mid-frame. */
        pl_fork_reap(pid, 1, &wstatus);
        rc = pl_fork_recv_result(f->result_fd, &tag, &res);
    } else {
        /* Read first: a child writing a big answer blocks until we read it, so waiting */
        /* for it to exit before reading would wait for ever. */
        rc = pl_fork_recv_result(f->result_fd, &tag, &res);
        pl_fork_reap(pid, rc != PL_OK && rc != PL_EIO, &wstatus); /* EIO: it is dying already */
    }
    if (rc != PL_OK) {
        pl_result_free(res);
        res = pl_result_new();
        if (res != NULL && kill_it) {
            pl_result_set_status(res, PL_TASK_CANCELLED, "%s", cancelled_why);
            pl_result_set_worker(res, (int64_t)pid);
        } else {
            pl_fork_explain_end(pid, wstatus, res);
        }
    }
    finish(f, res);
}

/* f's pipe is readable: the answer (then the child exits by itself), or end-of-file (it died). */
static void collect(pl_future *f)
{
    end_child(f, 0, NULL);
}

/*
 * Look at every running child's pipe for up to timeout_ms (0: just look)
 * and collect those that answered or died; then refill the free slots.
 * Returns how many finished.
 */
static int poll_running(int timeout_ms)
{
    struct pollfd fds[PL_FORK_MAX_CHILDREN];
    pl_future *who[PL_FORK_MAX_CHILDREN];
    int count = 0;
    for (pl_future *f = unfinished.head; f != NULL && count < PL_FORK_MAX_CHILDREN; f = f->next) {
        if (f->pid > 0) {
            fds[count] = (struct pollfd){.fd = f->result_fd, .events = POLLIN};
            who[count++] = f;
        }
    }
    int ready = count > 0 ? poll(fds, (nfds_t)count, timeout_ms) : 0;
    int finished = 0;
    for (int j = 0; j < count && ready > 0; j++) {
        if (fds[j].revents != 0) {
            collect(who[j]);
            finished++;
        }
    }
    start_queued();
    return finished;
}
/* END SOLUTION */

int pl_future_start(const char *task, const pl_value *arg, pl_future **out)
{
    int rc = pl_future_check_start(task, out);
    if (rc != PL_OK) {
        return rc;
    }
    /* BEGIN SOLUTION */
    /* TODO: copy the task name and argument into a new future (pl_task_call_new) and queue */
    /* TODO: it; start queued futures (one child each: pl_fork_pipe, pl_fork, pl_fork_run_one */
    /* TODO: in the child) while fewer than pl_workers() children run. */
    /* SKELETON: (void)arg; return PL_ENOTIMPL; */
    pl_future *f = calloc(1, sizeof *f);
    if (f == NULL || (f->call = pl_task_call_new(task, arg)) == NULL) {
        free(f);
        return PL_ENOMEM;
    }
    f->result_fd = -1;
    list_append(f);
    start_queued();
    *out = f;
    return PL_OK;
    /* END SOLUTION */
}

int pl_future_wait(pl_future *f, int64_t timeout_ms, const pl_result **out)
{
    if (f == NULL || out == NULL) {
        return PL_EINVAL;
    }
    /* BEGIN SOLUTION */
    /* TODO: until f has its result or the timeout passes: poll() the result pipes of the */
    /* TODO: running futures (f may still be queued behind them), collect what is ready */
    /* TODO: (pl_fork_recv_result; end-of-file -> pl_fork_reap + pl_fork_explain_end), start */
    /* TODO: queued futures in the freed slots. Timeout: PL_ETIMEDOUT, the child keeps running. */
    /* SKELETON: (void)timeout_ms; return PL_ENOTIMPL; */
    int64_t deadline = pl_deadline_after_ms(timeout_ms);
    start_queued();
    while (f->result == NULL) {
        if (f->pid == 0 && unfinished.running == 0) {
            return PL_ESYS; /* queued, yet no child runs and none could be forked */
        }
        int ms = pl_ms_until(deadline);
        if (poll_running(ms) == 0 && ms == 0) {
            return PL_ETIMEDOUT; /* the task keeps running; the caller may wait again */
        }
    }
    *out = f->result;
    return PL_OK;
    /* END SOLUTION */
}

int pl_future_done(pl_future *f)
{
    if (f == NULL) {
        return PL_EINVAL;
    }
    /* BEGIN SOLUTION */
    /* TODO: look (poll with timeout 0: never block) and collect whatever is ready. */
    /* SKELETON: return PL_ENOTIMPL; */
    if (f->result == NULL) {
        poll_running(0);
    }
    return f->result != NULL;
    /* END SOLUTION */
}

int pl_future_cancel(pl_future *f)
{
    if (f == NULL) {
        return PL_EINVAL;
    }
    /* BEGIN SOLUTION */
    /* TODO: done -> PL_ESTATE. Queued -> it must never run: CANCELLED now. Running -> kill */
    /* TODO: and reap its child; CANCELLED unless its answer was already in the pipe. */
    /* SKELETON: return PL_ENOTIMPL; */
    if (f->result != NULL) {
        return PL_ESTATE; /* it already has its one result */
    }
    if (f->pid == 0) {
        /* No process yet: no times, no worker - the result shows that it never ran. */
        pl_result *res = result_with(PL_TASK_CANCELLED, "cancelled before it started");
        if (res == NULL) {
            return PL_ENOMEM;
        }
        finish(f, res);
        return PL_OK;
    }
    end_child(f, 1, "cancelled while running: its process was killed");
    start_queued();
    return PL_OK;
    /* END SOLUTION */
}

void pl_future_free(pl_future **fp)
{
    if (fp == NULL || *fp == NULL) {
        return;
    }
    /* BEGIN SOLUTION */
    /* TODO: a running child must not outlive the handle: kill and reap it (no zombie), */
    /* TODO: close its pipe, take the future out of the queue, then free everything. */
    /* SKELETON: *fp = NULL; */
    pl_future *f = *fp;
    *fp = NULL;
    if (f->result == NULL) {
        if (f->pid > 0) {
            end_child(f, 1, "cancelled: its future was freed");
        } else {
            list_remove(f);
        }
        start_queued();
    }
    pl_task_call_free(f->call);
    pl_result_free(f->result);
    free(f);
    /* END SOLUTION */
}
