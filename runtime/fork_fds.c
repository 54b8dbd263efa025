/*
 * runtime/fork_fds.c - the fork backend's descriptor registry: the pipes
 * the parent made (pl_fork_pipe), which every child closes first thing
 * (pl_fork_close_registered_except), keeping only its own.
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
#include <unistd.h>

#include "paralab.h"
#include "pl_fork.h"
#include "pl_wire.h"

/*
 * Registered descriptors: a flag per descriptor number. A fixed array, so a
 * child can walk it without malloc. Descriptors at or above the limit work
 * but are not registered (a child then keeps them: a delay, not an error).
 */
static unsigned char registered[PL_FORK_FD_MAX];
static int registry_top; /* 1 + highest number ever registered */

/*
 * The parent's frame reader of each registered descriptor it reads results
 * from (made on first use by pl_fork_reader): a result frame that arrives
 * in pieces is kept here between two poll() rounds, so the parent never
 * waits for the rest of a frame with a blocking read - a child stopped
 * mid-frame cannot hold a deadline. Freed by pl_fork_close.
 */
static pl_frame_in *readers[PL_FORK_FD_MAX];

pl_frame_in *pl_fork_reader(int fd)
{
    if (fd < 0 || fd >= PL_FORK_FD_MAX || !registered[fd]) {
        return NULL;
    }
    if (readers[fd] == NULL) {
        readers[fd] = pl_frame_in_new();
    }
    return readers[fd];
}

static void register_fd(int fd)
{
    if (fd >= 0 && fd < PL_FORK_FD_MAX) {
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
    if (*fd < PL_FORK_FD_MAX) {
        registered[*fd] = 0;
        pl_frame_in_free(readers[*fd]);
        readers[*fd] = NULL;
    }
    pl_fork_forget(*fd); /* what was still queued for it, and its read-ahead mark (fork_post.c) */
    close(*fd); /* even on EINTR Linux has closed it: never retry a close */
    *fd = -1;
}

void pl_fork_close_registered_except(int a, int b)
{
    for (int fd = 0; fd < registry_top; fd++) {
        if (registered[fd] && fd != a && fd != b) {
            close(fd);
            registered[fd] = 0;
        }
    }
}
