/*
 * runtime/fork_child.c - the children's side of the fork backend: a pool
 * worker serving task frames until end-of-file, and a one-shot child that
 * runs one task. Both end in _exit and never return (see pl_fork.h).
 *
 * A frame's content is a task call or its reply in the codec every backend
 * shares (common/pl_call.h). A pool worker answers a call of any count - a
 * chunk of several items gets one reply with as many results - so the
 * parent decides how many items travel per round trip.
 */
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

/* One task frame: decode it, run every call in it, send the reply. PL_OK or why not. */
static int serve_frame(const uint8_t *frame, size_t len, int result_fd, pl_buf *out)
{
    pl_call_msg call;
    pl_reply_msg reply = {0};
    int rc = pl_call_decode(frame, len, &call);
    if (rc == PL_OK) {
        rc = pl_call_run(&call, (int64_t)getpid(), &reply);
    }
    pl_buf_reset(out);
    if (rc == PL_OK) {
        /* A result too big for a frame goes back FAILED with its size, not as a dead worker. */
        rc = pl_reply_encode_bounded(out, &reply, PL_FRAME_MAX);
    }
    if (rc == PL_OK) {
        rc = pl_wire_write_frame(result_fd, pl_buf_data(out), pl_buf_len(out));
    }
    pl_reply_msg_clear(&reply);
    pl_call_msg_clear(&call);
    return rc;
}

_Noreturn void pl_fork_serve(int task_fd, int result_fd)
{
    pl_fork_close_registered_except(task_fd, result_fd);
    pl_buf *out = pl_buf_new();
    /* A buffered reader: a small task frame (header and body) comes in one read(). */
    pl_frame_in *in = pl_frame_in_new();
    if (out == NULL || in == NULL) {
        leave(2);
    }
    for (;;) {
        const uint8_t *frame = NULL;
        size_t len = 0;
        if (pl_frame_in_read(in, task_fd, PL_NEVER, &frame, &len, NULL) != PL_OK) {
            break; /* end-of-file: the parent has no more work for us */
        }
        if (serve_frame(frame, len, result_fd, out) != PL_OK) {
            /* A corrupt frame or a dead parent: the parent sees our pipe close. */
            leave(3);
        }
    }
    pl_frame_in_free(in);
    pl_buf_free(out);
    leave(0);
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
