/*
 * runtime/fork_child.c - the children's side of the fork backend: a pool
 * worker serving task frames until end-of-file, and a one-shot child that
 * runs one task. Both end in _exit and never return (see pl_fork.h).
 *
 * A frame's content is a task call or its reply in the codec every backend
 * shares (common/pl_call.h). A pool worker answers a call of any count - a
 * chunk of several items gets its results back in one reply, or in a few
 * when its items are slow (pl_fork.h) - so the parent decides how many
 * items travel per round trip.
 */
/* SCHED_BATCH is Linux's (sched(7)); elsewhere a worker keeps the default policy. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "paralab.h"
#include "pl_call.h"
#include "pl_fork.h"
#include "pl_wire.h"

/*
 * Leave the child. _exit, not exit: exit() would run the parent's atexit
 * handlers (CUnit's, the sanitizers' leak check) in the child. Our own
 * stdout is flushed first, so a task's printf is not lost; it holds only
 * what the child printed, because pl_fork() flushed before forking.
 */
static _Noreturn void leave(int status)
{
    fflush(stdout);
    fflush(stderr);
    _exit(status);
}

/*
 * A call's results, kept from one frame to the next: pl_task_run resets a
 * result it is given, so after the first chunks a worker allocates no
 * result at all.
 */
typedef struct answers {
    pl_result **res;
    size_t cap;
} answers;

static int answers_reserve(answers *a, size_t count)
{
    if (count <= a->cap) {
        return PL_OK;
    }
    pl_result **grown = realloc(a->res, count * sizeof *grown);
    if (grown == NULL) {
        return PL_ENOMEM;
    }
    a->res = grown;
    while (a->cap < count) {
        if ((a->res[a->cap] = pl_result_new()) == NULL) {
            return PL_ENOMEM;
        }
        a->cap++;
    }
    return PL_OK;
}

static void answers_free(answers *a)
{
    for (size_t j = 0; j < a->cap; j++) {
        pl_result_free(a->res[j]);
    }
    free(a->res);
}

/* Send results [from, to) of the call as one reply, tagged call tag + from (pl_fork.h). */
static int flush(const pl_call_msg *call, answers *a, size_t from, size_t to, int result_fd, pl_buf *out)
{
    pl_buf_reset(out);
    pl_reply_msg reply = {.tag = call->tag + from, .count = to - from, .results = &a->res[from]};
    /* A result too big for a frame goes back FAILED with its size, not as a dead worker. */
    int rc = pl_reply_encode_bounded(out, &reply, PL_FRAME_MAX);
    if (rc == PL_OK) {
        rc = pl_wire_write_frame(result_fd, pl_buf_data(out), pl_buf_len(out));
    }
    return rc;
}

/*
 * Run a decoded call's items in order. Before item j starts, the shared
 * progress slot says so (j + 1 started of this call; 1 + its tag), so if
 * this process dies the parent knows which item killed it (pl_fork.h) -
 * even with calls already waiting in the pipe behind this one. Answers go back when
 * the call is done, or earlier once PL_FORK_FLUSH_NS have passed since the
 * last reply: tiny items travel a whole chunk per frame, while a slow
 * item's answer is not held back behind its chunk (a deadline or a crash
 * later in the chunk must not take it with them).
 */
static pid_t self_pid; /* asked once per worker: a getpid() per item was a system call per item */

static int serve_call(const pl_call_msg *call, answers *a, int result_fd, pl_buf *out, pl_fork_progress *progress,
                      int slot)
{
    int rc = answers_reserve(a, call->count);
    size_t from = 0;
    int64_t last_reply = pl_now_ns();
    int64_t clock = last_reply; /* one clock reading per item (pl_task_run_next) */
    for (size_t j = 0; j < call->count && rc == PL_OK; j++) {
        pl_fork_progress_start(progress, slot, j, call->tag);
        pl_task_run_next(call->task, call->args[j], a->res[j], &clock); /* unknown name: FAILED */
        pl_result_set_worker(a->res[j], (int64_t)self_pid);
        int64_t now = pl_result_end_ns(a->res[j]);
        if (j + 1 == call->count || now - last_reply >= PL_FORK_FLUSH_NS) {
            rc = flush(call, a, from, j + 1, result_fd, out);
            from = j + 1;
            last_reply = now;
            clock = 0; /* the write may have waited on a full pipe: the next item reads the clock */
        }
    }
    return rc;
}

/* One task frame: decode it, run every call in it, send the replies. PL_OK or why not. */
static int serve_frame(const uint8_t *frame, size_t len, int result_fd, pl_buf *out, answers *a,
                       pl_fork_progress *progress, int slot)
{
    pl_call_msg call;
    int rc = pl_call_decode(frame, len, &call);
    if (rc == PL_OK) {
        rc = serve_call(&call, a, result_fd, out, progress, slot);
    }
    pl_call_msg_clear(&call);
    return rc;
}

_Noreturn void pl_fork_serve_chunks(int task_fd, int result_fd, pl_fork_progress *progress, int slot)
{
    pl_fork_close_registered_except(task_fd, result_fd);
    self_pid = getpid();
#ifdef SCHED_BATCH
    /*
     * A batch process does not preempt the one that woke it (sched(7)).
     * Without this, each chunk the parent posts to a sleeping worker can
     * switch the parent's core to that worker mid-hand-out, and the other
     * workers are fed late. Same share of the CPU as before.
     */
    struct sched_param batch = {.sched_priority = 0};
    sched_setscheduler(0, SCHED_BATCH, &batch); /* refused: the default policy stays */
#endif
    pl_buf *out = pl_buf_new();
    /* A buffered reader: a small task frame (header and body) comes in one read(). */
    pl_frame_in *in = pl_frame_in_new();
    answers a = {0};
    int status = out != NULL && in != NULL ? 0 : 2;
    while (status == 0) {
        const uint8_t *frame = NULL; /* the reader's: valid until its next read */
        size_t len = 0;
        if (pl_frame_in_read(in, task_fd, PL_NEVER, &frame, &len, NULL) != PL_OK) {
            break; /* end-of-file: the parent has no more work for us */
        }
        if (serve_frame(frame, len, result_fd, out, &a, progress, slot) != PL_OK) {
            status = 3; /* a corrupt frame or a dead parent: the parent sees our pipe close */
        }
    }
    answers_free(&a);
    pl_frame_in_free(in);
    pl_buf_free(out);
    leave(status);
}

_Noreturn void pl_fork_serve(int task_fd, int result_fd)
{
    pl_fork_serve_chunks(task_fd, result_fd, NULL, 0);
}

/* Runs task(arg) here and sends its reply, tag 0, down result_fd. */
static int run_and_answer(const char *task, const pl_value *arg, int result_fd)
{
    pl_result *res = pl_result_new();
    pl_buf *out = pl_buf_new();
    int rc = res != NULL && out != NULL ? PL_OK : PL_ENOMEM;
    if (rc == PL_OK) {
        pl_task_run(task, arg, res); /* an unknown name is a FAILED result, not an error here */
        pl_result_set_worker(res, (int64_t)getpid());
        pl_reply_msg reply = {.tag = 0, .count = 1, .results = &res};
        rc = pl_reply_encode_bounded(out, &reply, PL_FRAME_MAX);
    }
    if (rc == PL_OK) {
        rc = pl_wire_write_frame(result_fd, pl_buf_data(out), pl_buf_len(out));
    }
    pl_buf_free(out);
    pl_result_free(res);
    return rc;
}

_Noreturn void pl_fork_run_one(const char *task, const pl_value *arg, int result_fd)
{
    pl_fork_close_registered_except(result_fd, result_fd);
    leave(run_and_answer(task, arg, result_fd) == PL_OK ? 0 : 3);
}
