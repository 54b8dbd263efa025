/*
 * pl_wire.c - growable buffer, bounds-checked reader, frames over fds.
 *
 * Integers are written big-endian byte by byte (shifts, not memcpy of a
 * host integer), so the encoding is the same on every machine whatever its
 * own byte order.
 */
#include "pl_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pl_clock.h"
#include "pl_status.h"

struct pl_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
};

pl_buf *pl_buf_new(void)
{
    return calloc(1, sizeof(pl_buf));
}

void pl_buf_free(pl_buf *b)
{
    if (b != NULL) {
        free(b->data);
        free(b);
    }
}

const uint8_t *pl_buf_data(const pl_buf *b)
{
    return b != NULL ? b->data : NULL;
}

size_t pl_buf_len(const pl_buf *b)
{
    return b != NULL ? b->len : 0;
}

void pl_buf_reset(pl_buf *b)
{
    if (b != NULL) {
        b->len = 0;
    }
}

void pl_buf_truncate(pl_buf *b, size_t len)
{
    if (b != NULL && len < b->len) {
        b->len = len;
    }
}

/* Make room for `more` bytes; doubling keeps appends amortised O(1). */
static int buf_reserve(pl_buf *b, size_t more)
{
    if (more > SIZE_MAX - b->len) {
        return PL_ENOMEM;
    }
    size_t need = b->len + more;
    if (need <= b->cap) {
        return PL_OK;
    }
    size_t cap = b->cap != 0 ? b->cap : 64;
    while (cap < need) {
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    }
    uint8_t *p = realloc(b->data, cap);
    if (p == NULL) {
        return PL_ENOMEM;
    }
    b->data = p;
    b->cap = cap;
    return PL_OK;
}

int pl_buf_put(pl_buf *b, const void *data, size_t len)
{
    if (b == NULL || (data == NULL && len > 0)) {
        return PL_EINVAL;
    }
    if (len == 0) {
        return PL_OK;
    }
    int rc = buf_reserve(b, len);
    if (rc != PL_OK) {
        return rc;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return PL_OK;
}

int pl_buf_put_u8(pl_buf *b, uint8_t v)
{
    return pl_buf_put(b, &v, 1);
}

int pl_buf_put_u32(pl_buf *b, uint32_t v)
{
    uint8_t be[4];
    pl_be_put(be, v, 4);
    return pl_buf_put(b, be, sizeof be);
}

int pl_buf_put_u64(pl_buf *b, uint64_t v)
{
    uint8_t be[8];
    pl_be_put(be, v, 8);
    return pl_buf_put(b, be, sizeof be);
}

/* ---------------------------------------------------------------- reader */

void pl_reader_init(pl_reader *r, const uint8_t *buf, size_t len)
{
    if (r == NULL) {
        return;
    }
    r->p = buf;
    r->left = buf != NULL ? len : 0; /* no bytes behind a NULL pointer */
}

int pl_reader_bytes(pl_reader *r, size_t len, const uint8_t **out)
{
    if (r == NULL) {
        return PL_EINVAL;
    }
    /* The one check every get relies on: never step past the end. */
    if (len > r->left) {
        return PL_EWIRE;
    }
    if (out != NULL) {
        *out = r->p;
    }
    if (len > 0) {
        r->p += len;
        r->left -= len;
    }
    return PL_OK;
}

/*
 * Every integer on the wire is big-endian, whatever the host's order: the
 * fork parent and child share one, but MPI ranks on a cluster may not.
 * pl_be_get and pl_be_put (pl_wire.h) write that rule once; this file's
 * readers, writers and frame headers all go through them.
 */
static int read_be(pl_reader *r, size_t len, uint64_t *out)
{
    const uint8_t *p;
    int rc = pl_reader_bytes(r, len, &p);
    if (rc == PL_OK) {
        *out = pl_be_get(p, (int)len);
    }
    return rc;
}

int pl_reader_u8(pl_reader *r, uint8_t *out)
{
    uint64_t v;
    if (out == NULL) {
        return PL_EINVAL;
    }
    int rc = read_be(r, 1, &v);
    if (rc == PL_OK) {
        *out = (uint8_t)v;
    }
    return rc;
}

int pl_reader_u32(pl_reader *r, uint32_t *out)
{
    uint64_t v;
    if (out == NULL) {
        return PL_EINVAL;
    }
    int rc = read_be(r, 4, &v);
    if (rc == PL_OK) {
        *out = (uint32_t)v;
    }
    return rc;
}

int pl_reader_u64(pl_reader *r, uint64_t *out)
{
    if (out == NULL) {
        return PL_EINVAL;
    }
    return read_be(r, 8, out);
}

/* ---------------------------------------------------------------- frames */

/* Make fd non-blocking (once: F_GETFL first). PL_OK or PL_EINVAL (a bad fd). */
int pl_wire_set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) {
        return PL_EINVAL;
    }
    if ((flags & O_NONBLOCK) == 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        return PL_EINVAL;
    }
    return PL_OK;
}

/*
 * Wait until fd is ready or deadline_ns passes: 1 ready (or in an error
 * state, which the next read or write reports), 0 the deadline came. A
 * signal (EINTR) just waits again for the time that is left: the deadline
 * is an instant, so no number of signals can stretch it.
 */
static int wait_until(int fd, short events, int64_t deadline_ns)
{
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = events, .revents = 0};
        int n = poll(&pfd, 1, pl_ms_until(deadline_ns));
        if (n >= 0) {
            return n > 0;
        }
        if (errno != EINTR) {
            return 1;
        }
    }
}

static int write_all_until(int fd, const uint8_t *p, size_t len, int64_t deadline_ns)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (!wait_until(fd, POLLOUT, deadline_ns)) {
                    return PL_ETIMEDOUT;
                }
                continue;
            }
            return errno == EBADF ? PL_EINVAL : PL_EIO;
        }
        p += n;
        len -= (size_t)n;
    }
    return PL_OK;
}

/*
 * The header and the body of one frame, whoever sends it. POSIX makes a
 * write() of at most PIPE_BUF bytes to a pipe atomic: it is never
 * interleaved with another process's write, and on a non-blocking pipe it
 * goes all at once or not at all (EAGAIN). Sending header and body in ONE
 * write keeps small frames whole even when several children share one
 * result pipe. Bigger frames need one writer per pipe.
 */
static int send_frame(int fd, const void *data, size_t len, int64_t deadline_ns)
{
    uint8_t head[4];
    pl_be_put(head, len, 4);
    if (len <= PIPE_BUF - sizeof head) {
        uint8_t small[PIPE_BUF];
        memcpy(small, head, sizeof head);
        if (len > 0) {
            memcpy(small + sizeof head, data, len);
        }
        return write_all_until(fd, small, sizeof head + len, deadline_ns);
    }
    int rc = write_all_until(fd, head, sizeof head, deadline_ns);
    return rc != PL_OK ? rc : write_all_until(fd, data, len, deadline_ns);
}

/*
 * read() exactly len bytes. *got says how many arrived before an end of
 * file, so the caller can tell "nothing came" from "the writer died halfway".
 */
static int read_all(int fd, uint8_t *p, size_t len, size_t *got)
{
    *got = 0;
    while (*got < len) {
        ssize_t n = read(fd, p + *got, len - *got);
        if (n == 0) {
            return PL_EIO;
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                wait_until(fd, POLLIN, PL_NEVER);
                continue;
            }
            return errno == EBADF ? PL_EINVAL : PL_EIO;
        }
        *got += (size_t)n;
    }
    return PL_OK;
}

int pl_wire_write_frame(int fd, const void *data, size_t len)
{
    if (fd < 0 || (data == NULL && len > 0) || len > PL_FRAME_MAX) {
        return PL_EINVAL;
    }
    return send_frame(fd, data, len, PL_NEVER);
}

int pl_wire_read_frame(int fd, uint8_t **out, size_t *len)
{
    if (out == NULL || len == NULL) {
        return PL_EINVAL;
    }
    *out = NULL;
    *len = 0;
    if (fd < 0) {
        return PL_EINVAL;
    }
    uint8_t head[4];
    size_t got;
    int rc = read_all(fd, head, sizeof head, &got);
    if (rc != PL_OK) {
        return rc;
    }
    size_t n = (size_t)pl_be_get(head, 4);
    if (n > PL_FRAME_MAX) {
        return PL_EWIRE; /* a corrupt length must not make us allocate gigabytes */
    }
    uint8_t *body = malloc(n > 0 ? n : 1);
    if (body == NULL) {
        return PL_ENOMEM;
    }
    rc = read_all(fd, body, n, &got);
    if (rc != PL_OK) {
        free(body);
        return rc;
    }
    *out = body;
    *len = n;
    return PL_OK;
}

/* ---------------------------------------------------------------- frames under a deadline */

int pl_wire_write_frame_until(int fd, const void *data, size_t len, int64_t deadline_ns)
{
    if (fd < 0 || (data == NULL && len > 0) || len > PL_FRAME_MAX) {
        return PL_EINVAL;
    }
    if (pl_wire_set_nonblocking(fd) != PL_OK) {
        return PL_EINVAL;
    }
    return send_frame(fd, data, len, deadline_ns);
}

/*
 * The reader's buffer holds [0, have) bytes of the stream; the first frame
 * starts at 0. `done` is the size of a frame handed out by the last call,
 * dropped at the start of the next one.
 */
struct pl_frame_in {
    uint8_t *data;
    size_t have;
    size_t cap;
    size_t done;
    int nonblocking_fd; /* 1 + the fd already made non-blocking; 0: none yet */
    int read_ahead;     /* pl_frame_in_read_ahead: non-blocking reads take all the pipe holds */
    int drained;        /* read-ahead: the last read() emptied the pipe */
};

void pl_frame_in_read_ahead(pl_frame_in *in)
{
    if (in != NULL) {
        in->read_ahead = 1;
    }
}

/* What a fresh reader makes room for: a small frame in one read(). */
#define FRAME_IN_SMALL 4096
/*
 * The biggest buffer an idle reader keeps for the next frame. A map's
 * chunks bring a frame of several hundred KiB per reply: giving the buffer
 * back after each one and growing a new one cost ~120 page faults (and a
 * munmap) per frame, a fifth of the parent's time. Only a frame bigger
 * than this (a huge value) makes the reader shrink back once it is done.
 */
#define FRAME_IN_KEEP ((size_t)4 * 1024 * 1024)

pl_frame_in *pl_frame_in_new(void)
{
    return calloc(1, sizeof(pl_frame_in));
}

void pl_frame_in_free(pl_frame_in *in)
{
    if (in != NULL) {
        free(in->data);
        free(in);
    }
}

/* Forget the frame handed out last time; give back a huge buffer once it is empty. */
static void frame_in_drop_done(pl_frame_in *in)
{
    if (in->done > 0) {
        memmove(in->data, in->data + in->done, in->have - in->done);
        in->have -= in->done;
        in->done = 0;
    }
    if (in->have == 0 && in->cap > FRAME_IN_KEEP) {
        free(in->data);
        in->data = NULL;
        in->cap = 0;
    }
}

static int frame_in_reserve(pl_frame_in *in, size_t need)
{
    if (need <= in->cap) {
        return PL_OK;
    }
    uint8_t *p = realloc(in->data, need);
    if (p == NULL) {
        return PL_ENOMEM;
    }
    in->data = p;
    in->cap = need;
    return PL_OK;
}

/* The size of the whole first frame (header included) once its header is in; 0 before. */
static size_t frame_in_wanted(const pl_frame_in *in, int *bad)
{
    *bad = 0;
    if (in->have < 4) {
        return 0;
    }
    size_t n = (size_t)pl_be_get(in->data, 4);
    *bad = n > PL_FRAME_MAX; /* a corrupt length must not make us allocate gigabytes */
    return 4 + n;
}

/*
 * One read() into the buffer. Blocking (a child waiting for its next task):
 * as much as fits, at least a small frame's worth - one read per frame.
 * Non-blocking (a parent that poll()s many pipes): never past the end of
 * the current frame. A second frame read ahead would sit in this buffer
 * while poll() says the pipe is empty, and the caller would wait for an
 * answer it already has (a fork worker sends several replies per chunk).
 */
static ssize_t frame_in_fill(pl_frame_in *in, int fd, size_t want, int exact)
{
    size_t target = want > 0 ? want : 4;
    if (!exact && target < FRAME_IN_SMALL) {
        target = FRAME_IN_SMALL;
    }
    if (frame_in_reserve(in, target) != PL_OK) {
        errno = ENOMEM;
        return -1;
    }
    size_t room = exact ? target - in->have : in->cap - in->have;
    ssize_t n;
    do {
        n = read(fd, in->data + in->have, room);
    } while (n < 0 && errno == EINTR);
    if (n > 0) {
        in->have += (size_t)n;
    }
    in->drained = n >= 0 && (size_t)n < room; /* the pipe held less than we had room for */
    return n;
}

int pl_frame_in_read(pl_frame_in *in, int fd, int64_t deadline_ns, const uint8_t **frame, size_t *len,
                     int *partial)
{
    if (in == NULL || fd < 0 || frame == NULL || len == NULL) {
        return PL_EINVAL;
    }
    /* No deadline: a blocking read is what we want (a child waiting for work). */
    if (deadline_ns != PL_NEVER && in->nonblocking_fd != fd + 1) {
        if (pl_wire_set_nonblocking(fd) != PL_OK) {
            return PL_EINVAL;
        }
        in->nonblocking_fd = fd + 1;
    }
    frame_in_drop_done(in);
    for (;;) {
        int bad;
        size_t want = frame_in_wanted(in, &bad);
        if (bad) {
            return PL_EWIRE;
        }
        if (want > 0 && in->have >= want) {
            *frame = in->data + 4;
            *len = want - 4;
            in->done = want;
            return PL_OK;
        }
        int nonblocking = deadline_ns != PL_NEVER;
        if (nonblocking && in->read_ahead && in->drained) {
            in->drained = 0; /* the pipe was empty at our last read: poll() reports what came since */
            return PL_ETIMEDOUT;
        }
        ssize_t n = frame_in_fill(in, fd, want, nonblocking && !in->read_ahead);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
            if (partial != NULL) {
                *partial = in->have > 0;
            }
            return n < 0 && errno == ENOMEM ? PL_ENOMEM : PL_EIO;
        }
        if (n < 0 && !wait_until(fd, POLLIN, deadline_ns)) {
            return PL_ETIMEDOUT; /* what came stays here for the next call */
        }
    }
}

void pl_wire_ignore_sigpipe(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGPIPE, &sa, NULL);
}
