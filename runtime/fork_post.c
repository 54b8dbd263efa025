/*
 * runtime/fork_post.c - the parent's non-blocking side of a fork pool, the
 * fork twin of MPI_Isend and of MPI's progress engine: a chunk is POSTED
 * (framed into its pipe's outbox here) and moves when the parent waits for
 * replies in pl_fork_poll - what the pipe takes at once first thing, the
 * rest as room comes - which also reports replies already read ahead.
 *
 * Why the lab needs none of this to be right, and the runtime does it:
 *   - A blocking send to a busy worker can deadlock: the parent waits for
 *     room in the worker's task pipe while the worker waits for room in its
 *     result pipe to send the answer the parent is not reading. With the
 *     rest of the frame queued here, the parent never waits on one pipe,
 *     so a worker may hold chunks queued behind the one it runs
 *     (the lab's optional last step) and never idle for a round trip.
 *   - Read-ahead (pl_frame_in_read_ahead): one read() takes every reply a
 *     result pipe holds, where each reply cost two (length, then body).
 *     The catch is that a reply already in the reader's buffer no longer
 *     makes poll() report the pipe; pl_fork_poll marks the pipes it
 *     watches for read-ahead, remembers which readers may hold a reply
 *     (pl_fork_recv_reply_until tells it) and reports them itself, so the
 *     lab's loop stays "poll, then collect each ready worker once".
 * Like the rest of the fork backend: one thread at a time (pl_fork.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paralab.h"
#include "pl_call.h"
#include "pl_fork.h"
#include "pl_wire.h"

/*
 * What is still to be written to one descriptor: bytes [sent, len) of
 * out. Frames posted to one descriptor go out whole and in order, so the
 * worker reads exactly the stream a blocking writer would have sent.
 */
typedef struct outbox {
    pl_buf *out;
    size_t sent;
} outbox;

static outbox boxes[PL_FORK_FD_MAX];
static int queued;         /* descriptors with bytes waiting: pl_fork_poll's cheap "none" test */
static int box_top;        /* 1 + the highest descriptor that ever had an outbox */
static unsigned char maybe_more[PL_FORK_FD_MAX]; /* its reader may hold a whole reply read ahead */
static unsigned char watched[PL_FORK_FD_MAX];    /* pl_fork_poll waits on it: its reader reads ahead */
static pl_buf *scratch;    /* a chunk is encoded here, then framed into its outbox */

static int pending(int fd)
{
    return fd >= 0 && fd < PL_FORK_FD_MAX && boxes[fd].out != NULL && boxes[fd].sent < pl_buf_len(boxes[fd].out);
}

static void outbox_empty(int fd)
{
    if (pending(fd)) {
        queued--;
    }
    if (fd >= 0 && fd < PL_FORK_FD_MAX && boxes[fd].out != NULL) {
        pl_buf_reset(boxes[fd].out);
        boxes[fd].sent = 0;
    }
}

void pl_fork_forget(int fd)
{
    outbox_empty(fd);
    if (fd >= 0 && fd < PL_FORK_FD_MAX) {
        pl_buf_free(boxes[fd].out);
        boxes[fd].out = NULL;
        maybe_more[fd] = 0;
        watched[fd] = 0;
    }
}

/*
 * Write what the pipe takes now (fd is non-blocking). PL_OK (all of it
 * or some: the rest waits for room), PL_EIO (the worker is gone: its
 * queue is dropped, and its result pipe's end-of-file tells the caller).
 */
static int flush(int fd)
{
    outbox *b = &boxes[fd];
    while (pending(fd)) {
        ssize_t n = write(fd, pl_buf_data(b->out) + b->sent, pl_buf_len(b->out) - b->sent);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return PL_OK;
            }
            outbox_empty(fd);
            return PL_EIO;
        }
        if ((size_t)n == pl_buf_len(b->out) - b->sent) {
            outbox_empty(fd); /* all of it went: the box is empty, and counted out of `queued` */
            return PL_OK;
        }
        b->sent += (size_t)n;
    }
    return PL_OK;
}

/* Append [u32 length][call] for the chunk to fd's outbox; on failure the outbox is as it was. */
static int frame_into_outbox(int fd, uint64_t tag, const char *task, pl_value *const args[], size_t count)
{
    outbox *b = &boxes[fd];
    if ((scratch == NULL && (scratch = pl_buf_new()) == NULL) || (b->out == NULL && (b->out = pl_buf_new()) == NULL)) {
        return PL_ENOMEM;
    }
    pl_buf_reset(scratch);
    int rc = pl_call_encode_chunk(scratch, tag, task, args, count);
    size_t len = pl_buf_len(scratch);
    if (rc == PL_OK && len > PL_FRAME_MAX) {
        rc = PL_EINVAL; /* callers check sizes first (pl_value_fits_wire) */
    }
    size_t mark = pl_buf_len(b->out);
    if (rc == PL_OK && (rc = pl_buf_put_u32(b->out, (uint32_t)len)) == PL_OK) { /* the frame's length */
        rc = pl_buf_put(b->out, pl_buf_data(scratch), len);
    }
    if (rc != PL_OK) {
        pl_buf_truncate(b->out, mark); /* never half a frame in the queue */
    }
    return rc;
}

int pl_fork_post_chunk(int fd, uint64_t tag, const char *task, pl_value *const args[], size_t count)
{
    if (fd < 0 || fd >= PL_FORK_FD_MAX || args == NULL) {
        return PL_EINVAL;
    }
    /* A fresh outbox: its pipe is made non-blocking once, so a write that finds it full returns. */
    if (boxes[fd].out == NULL && pl_wire_set_nonblocking(fd) != PL_OK) {
        return PL_EINVAL;
    }
    int was_pending = pending(fd);
    int rc = frame_into_outbox(fd, tag, task, args, count);
    if (rc == PL_OK) {
        queued += !was_pending;
        box_top = fd >= box_top ? fd + 1 : box_top;
    }
    /*
     * Not written yet: pl_fork_poll writes each outbox first thing, so the
     * chunks a round of collecting posted to one worker (replies come read
     * ahead, several at once) go out in one write() instead of one each.
     */
    return rc;
}

/*
 * For pl_fork_recv_reply_until (fork_chunks.c): does pl_fork_poll watch
 * fd (so its reader may read ahead), and did the last "what has come"
 * read of fd get a reply (so more may wait in the reader's buffer)?
 */
int pl_fork_watched(int fd)
{
    return fd >= 0 && fd < PL_FORK_FD_MAX && watched[fd];
}

void pl_fork_note_reply(int fd, int got)
{
    if (fd >= 0 && fd < PL_FORK_FD_MAX) {
        maybe_more[fd] = got != 0;
    }
}

/*
 * Ready entries of fds without waiting: a reply read ahead counts as
 * POLLIN. The pipes this poll watches are marked for read-ahead: a lab
 * that waits with plain poll() never gets it (a reply hidden in a buffer
 * would then hang it).
 */
static int already_ready(struct pollfd fds[], nfds_t nfds)
{
    int ready = 0;
    for (nfds_t i = 0; i < nfds; i++) {
        int fd = fds[i].fd, ours = fd >= 0 && fd < PL_FORK_FD_MAX;
        if (ours) {
            watched[fd] = 1;
        }
        fds[i].revents = ours && maybe_more[fd] ? POLLIN : 0;
        ready += fds[i].revents != 0;
    }
    return ready;
}

/* The poll() list: the caller's entries, then every descriptor with bytes waiting (POLLOUT). */
static struct pollfd *watch_list(const struct pollfd fds[], nfds_t nfds, nfds_t *total)
{
    static struct pollfd *all;
    static size_t cap;
    size_t need = nfds + (size_t)queued;
    if (need > cap) {
        struct pollfd *grown = realloc(all, need * sizeof *grown);
        if (grown == NULL) {
            return NULL;
        }
        all = grown;
        cap = need;
    }
    memcpy(all, fds, nfds * sizeof *fds);
    *total = nfds;
    for (int fd = 0; fd < box_top && *total < need; fd++) {
        if (pending(fd)) {
            all[(*total)++] = (struct pollfd){.fd = fd, .events = POLLOUT};
        }
    }
    return all;
}

int pl_fork_poll(struct pollfd fds[], nfds_t nfds, int64_t deadline_ns)
{
    for (int fd = 0; fd < box_top && queued > 0; fd++) {
        if (pending(fd)) {
            flush(fd); /* PL_EIO: the worker is gone, its result pipe says so */
        }
    }
    for (;;) {
        int ready = already_ready(fds, nfds);
        nfds_t total = 0;
        struct pollfd *all = watch_list(fds, nfds, &total);
        if (all == NULL) {
            errno = ENOMEM;
            return -1;
        }
        int n = poll(all, total, ready > 0 ? 0 : pl_ms_until(deadline_ns));
        if (n < 0 && errno != EINTR) {
            return -1;
        }
        for (nfds_t i = nfds; n > 0 && i < total; i++) {
            if (all[i].revents != 0) {
                flush(all[i].fd); /* PL_EIO: the worker is gone, its result pipe says so */
            }
        }
        ready = 0;
        for (nfds_t i = 0; i < nfds; i++) {
            fds[i].revents |= n > 0 ? all[i].revents : 0;
            ready += fds[i].revents != 0;
        }
        if (ready > 0 || pl_now_ns() >= deadline_ns) {
            return ready;
        }
    }
}
