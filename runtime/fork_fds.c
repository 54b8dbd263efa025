/*
 * runtime/fork_child.c - the children's side of the fork backend, and the
 * descriptor registry that keeps each child from holding other children's
 * pipes open.
 *
 * Why the registry: after fork() a child holds a copy of EVERY descriptor
 * the parent had, including the parent's ends of the pipes to the other
 * children. A copy of a pipe's write end keeps the pipe open: if child B
 * holds the write end of child A's task pipe, A never reads end-of-file
 * when the parent closes its own copy, and never exits. Marking the pipes
 * close-on-exec does not help (nobody calls exec here), so every child
 * closes all registered descriptors except its own first thing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paralab.h"
#include "pl_fork.h"
#include "pl_wire.h"

/*
 * Registered descriptors: a flag per descriptor number. A fixed array, so a
 * child can walk it without malloc. Descriptors at or above the limit work
 * but are not registered (a child then keeps them: a delay, not an error).
 */
#define REGISTRY_MAX 4096
static unsigned char registered[REGISTRY_MAX];
static int registry_top; /* 1 + highest number ever registered */

static void register_fd(int fd)
{
    if (fd >= 0 && fd < REGISTRY_MAX) {
        registered[fd] = 1;
        if (fd >= registry_top) {
            registry_top = fd + 1;
        }
    }
}

int pl_fork_pipe(int fds[2])
{
    if (fds == NULL) {
        errno = EINVAL;
        return PL_ESYS;
    }
    int p[2];
    if (pipe(p) != 0) {
        return PL_ESYS;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(p[i], F_SETFD, FD_CLOEXEC); /* and a program that DOES exec will not leak them */
        register_fd(p[i]);
    }
    fds[0] = p[0];
    fds[1] = p[1];
    return PL_OK;
}

void pl_fork_close(int *fd)
{
    if (fd == NULL || *fd < 0) {
        return;
    }
    if (*fd < REGISTRY_MAX) {
        registered[*fd] = 0;
    }
    close(*fd); /* even on EINTR Linux has closed it: never retry a close */
    *fd = -1;
}

/* In a fresh child: close the parent's pipe ends (ours and our siblings') but keep a and b. */
static void close_registered_except(int a, int b)
{
    for (int fd = 0; fd < registry_top; fd++) {
        if (registered[fd] && fd != a && fd != b) {
            close(fd);
            registered[fd] = 0;
        }
    }
}

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

/* Runs task(arg) here and sends [tag][result] down result_fd. PL_OK or why not. */
static int run_and_answer(uint64_t tag, const char *task, const pl_value *arg, int result_fd, pl_buf *out)
{
    pl_result *res = pl_result_new();
    if (res == NULL) {
        return PL_ENOMEM;
    }
    pl_task_run(task, arg, res); /* an unknown name is a FAILED result, not an error here */
    pl_result_set_worker(res, (int64_t)getpid());
    pl_buf_reset(out);
    int rc = pl_buf_put_u64(out, tag);
    if (rc == PL_OK) {
        rc = pl_result_encode(res, out);
    }
    if (rc == PL_OK) {
        rc = pl_wire_write_frame(result_fd, pl_buf_data(out), pl_buf_len(out));
    }
    pl_result_free(res);
    return rc;
}

/* Splits a task frame into its tag, task name (copied into name) and a new argument value. */
static int decode_task(const uint8_t *frame, size_t len, uint64_t *tag, char name[PL_TASK_NAME_MAX],
                       pl_value **arg)
{
    pl_reader r;
    uint32_t name_len;
    const uint8_t *name_bytes;
    pl_reader_init(&r, frame, len);
    if (pl_reader_u64(&r, tag) != PL_OK || pl_reader_u32(&r, &name_len) != PL_OK ||
        name_len >= PL_TASK_NAME_MAX || pl_reader_bytes(&r, name_len, &name_bytes) != PL_OK) {
        return PL_EWIRE;
    }
    memcpy(name, name_bytes, name_len);
    name[name_len] = '\0';
    size_t used;
    return pl_value_decode(r.p, r.left, arg, &used);
}

_Noreturn void pl_fork_serve(int task_fd, int result_fd)
{
    close_registered_except(task_fd, result_fd);
    pl_buf *out = pl_buf_new();
    if (out == NULL) {
        leave(2);
    }
    for (;;) {
        uint8_t *frame = NULL;
        size_t len = 0;
        if (pl_wire_read_frame(task_fd, &frame, &len) != PL_OK) {
            break; /* end-of-file: the parent has no more work for us */
        }
        uint64_t tag;
        char name[PL_TASK_NAME_MAX];
        pl_value *arg = NULL;
        int rc = decode_task(frame, len, &tag, name, &arg);
        free(frame);
        if (rc == PL_OK) {
            rc = run_and_answer(tag, name, arg, result_fd, out);
        }
        pl_value_free(arg);
        if (rc != PL_OK) {
            /* A corrupt frame or a dead parent: the parent sees our pipe close. */
            pl_buf_free(out);
            leave(3);
        }
    }
    pl_buf_free(out);
    leave(0);
}

_Noreturn void pl_fork_run_one(const char *task, const pl_value *arg, int result_fd)
{
    close_registered_except(result_fd, result_fd);
    pl_buf *out = pl_buf_new();
    pl_value *none = arg == NULL ? pl_value_new() : NULL;
    int rc = out == NULL ? PL_ENOMEM : run_and_answer(0, task, arg != NULL ? arg : none, result_fd, out);
    pl_value_free(none);
    pl_buf_free(out);
    leave(rc == PL_OK ? 0 : 3);
}
