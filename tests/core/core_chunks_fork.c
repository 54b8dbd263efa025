/*
 * core_chunks_fork.c - a fork pool worker answers a CHUNK: one task frame
 * carrying k calls of one task gets its k results back in the order of the
 * arguments (common/pl_call.h), in one reply frame - or a few, tagged with
 * the position of their first result, when the chunk took long
 * (runtime/pl_fork.h, "Chunks").
 *
 * Exit status 0 when the reply is right, 1 otherwise (the reason on stderr).
 */
#include <stdio.h>
#include <stdlib.h>

#include "paralab.h"
#include "pl_call.h"
#include "pl_fork.h"
#include "pl_wire.h"

#define K 5

static int fail(const char *why)
{
    fprintf(stderr, "core_chunks_fork: %s\n", why);
    return 1;
}

/* Send squares of 1..K in one frame, tag 40, and check the one reply. */
static int exchange(int task_fd, int result_fd)
{
    pl_value *args[K];
    for (int j = 0; j < K; j++) {
        args[j] = pl_value_new_int(j + 1);
    }
    pl_buf *b = pl_buf_new();
    int rc = b != NULL ? pl_call_encode_chunk(b, 40, "square", args, K) : PL_ENOMEM;
    if (rc == PL_OK) {
        rc = pl_wire_write_frame(task_fd, pl_buf_data(b), pl_buf_len(b));
    }
    for (int j = 0; j < K; j++) {
        pl_value_free(args[j]);
    }
    pl_buf_free(b);
    if (rc != PL_OK) {
        return fail("could not send the chunk");
    }
    /*
     * One reply, or a few when the worker spent more than PL_FORK_FLUSH_NS
     * on the chunk (a loaded machine can preempt it that long): together
     * they carry the K results in order, each tagged 40 + the position of
     * its first result.
     */
    size_t got = 0;
    int bad = 0;
    while (!bad && got < K) {
        uint8_t *frame = NULL;
        size_t len = 0;
        if (pl_wire_read_frame(result_fd, &frame, &len) != PL_OK) {
            return fail("could not read a reply");
        }
        pl_reply_msg reply = {0};
        rc = pl_reply_decode(frame, len, &reply);
        free(frame);
        bad = rc != PL_OK || reply.tag != 40 + got || reply.count > K - got;
        for (size_t j = 0; !bad && j < reply.count; j++) {
            int64_t x = 0;
            size_t item = got + j + 1;
            bad = pl_result_status(reply.results[j]) != PL_TASK_OK ||
                  pl_value_get_int(pl_result_value(reply.results[j]), &x) != PL_OK || x != (int64_t)(item * item);
        }
        got += bad ? 0 : reply.count;
        pl_reply_msg_clear(&reply);
    }
    return bad ? fail("the replies are not K squares in order under tags 40, 40 + answered so far") : 0;
}

static int body(void *ctx)
{
    (void)ctx;
    int task_pipe[2], result_pipe[2];
    if (pl_fork_pipe(task_pipe) != PL_OK || pl_fork_pipe(result_pipe) != PL_OK) {
        return fail("pipe");
    }
    pid_t pid = pl_fork();
    if (pid == 0) {
        pl_fork_serve(task_pipe[0], result_pipe[1]);
    }
    pl_fork_close(&task_pipe[0]);
    pl_fork_close(&result_pipe[1]);
    if (pid < 0) {
        return fail("fork");
    }
    int rc = exchange(task_pipe[1], result_pipe[0]);
    pl_fork_close(&task_pipe[1]); /* end-of-file: the worker leaves */
    int wstatus = 0;
    if (pl_fork_reap(pid, 0, &wstatus) != PL_OK || wstatus != 0) {
        rc = fail("the worker did not exit cleanly");
    }
    pl_fork_close(&result_pipe[0]);
    if (rc == 0) {
        printf("core_chunks_fork: a chunk of %d calls got one reply of %d results, in order\n", K, K);
    }
    return rc;
}

int main(void)
{
    return pl_run(NULL, body, NULL) == 0 ? 0 : 1;
}
