/*
 * pl_wire.h - bytes on the wire: a growable buffer, fixed-endian integers,
 * and length-prefixed frames over file descriptors (pipes).
 *
 * A pipe is a byte stream, not a message queue: one write() of 10 kB may
 * arrive as three read()s, and two messages may arrive in one. A frame (a
 * 4-byte big-endian length, then that many bytes) restores message
 * boundaries; the reader loops until it has the whole frame.
 */
#ifndef PL_WIRE_H
#define PL_WIRE_H

#include <stddef.h>
#include <stdint.h>

typedef struct pl_buf pl_buf;

pl_buf *pl_buf_new(void);
void pl_buf_free(pl_buf *b);
/*
 * Big-endian store / load of the low `bytes` (1..8) bytes of an integer at
 * p, with no bounds check: for encoders that lay out a fixed-size header on
 * the stack and append it with ONE pl_buf_put, and decoders that took the
 * bytes with ONE pl_reader_bytes. A map moves ~100 000 results per call,
 * and a function call per field (status, worker, two stamps, lengths) was
 * a measurable share of its cost. 8 and 4 bytes, the sizes of nearly every
 * field, are spelled out: the compiler turns that form into one byte swap
 * and one store (or load), while at -O2 it kept the loop. 12 500 results
 * of a no-op: decoding went from ~70 to ~27 ns a result, encoding from ~50
 * to ~29 (docs/bench.md).
 */
static inline void pl_be_put(uint8_t *p, uint64_t v, int bytes)
{
    if (bytes == 8) {
        p[0] = (uint8_t)(v >> 56), p[1] = (uint8_t)(v >> 48), p[2] = (uint8_t)(v >> 40), p[3] = (uint8_t)(v >> 32);
        p[4] = (uint8_t)(v >> 24), p[5] = (uint8_t)(v >> 16), p[6] = (uint8_t)(v >> 8), p[7] = (uint8_t)v;
        return;
    }
    if (bytes == 4) {
        p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
        return;
    }
    for (int i = 0; i < bytes; i++) {
        p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
    }
}

static inline uint64_t pl_be_get(const uint8_t *p, int bytes)
{
    if (bytes == 8) {
        return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32 |
               (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 | (uint64_t)p[6] << 8 | (uint64_t)p[7];
    }
    if (bytes == 4) {
        return (uint64_t)p[0] << 24 | (uint64_t)p[1] << 16 | (uint64_t)p[2] << 8 | (uint64_t)p[3];
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) {
        v = v << 8 | p[i];
    }
    return v;
}

/* Pointer to the bytes written so far (may be NULL when empty) and their count. */
const uint8_t *pl_buf_data(const pl_buf *b);
size_t pl_buf_len(const pl_buf *b);
/* Forget the content, keep the memory. */
void pl_buf_reset(pl_buf *b);
/* Drop everything after the first len bytes (no-op when len >= length):
 * lets an encoder undo a half-written value after an error. */
void pl_buf_truncate(pl_buf *b, size_t len);
/* PL_OK or PL_ENOMEM / PL_EINVAL. */
int pl_buf_put(pl_buf *b, const void *data, size_t len);
int pl_buf_put_u8(pl_buf *b, uint8_t v);
int pl_buf_put_u32(pl_buf *b, uint32_t v); /* big-endian */
int pl_buf_put_u64(pl_buf *b, uint64_t v); /* big-endian */

/*
 * A bounds-checked reader over a byte range. Every get returns PL_EWIRE
 * instead of reading past the end, so a truncated message is an error.
 */
typedef struct pl_reader {
    const uint8_t *p;
    size_t left;
} pl_reader;

void pl_reader_init(pl_reader *r, const uint8_t *buf, size_t len);
int pl_reader_u8(pl_reader *r, uint8_t *out);
int pl_reader_u32(pl_reader *r, uint32_t *out);
int pl_reader_u64(pl_reader *r, uint64_t *out);
/* Points *out at the next len bytes (no copy) and skips them (out may be NULL: just skip). */
int pl_reader_bytes(pl_reader *r, size_t len, const uint8_t **out);

/* Frames larger than this are refused on read: a corrupt length must not
 * make us allocate gigabytes. */
#define PL_FRAME_MAX ((size_t)128 * 1024 * 1024)

/*
 * Write one frame, retrying on EINTR and short writes. A frame of at most
 * PIPE_BUF - 4 bytes goes out in one write(), which POSIX keeps atomic on a
 * pipe, so several writers may share one pipe for such frames.
 * PL_OK, PL_EINVAL (also len > PL_FRAME_MAX),
 * or PL_EIO (the reader went away: EPIPE; the caller should ignore SIGPIPE
 * or block it in the writer, see pl_wire_ignore_sigpipe).
 */
int pl_wire_write_frame(int fd, const void *data, size_t len);

/*
 * Read one whole frame into a new malloc'd buffer (*out, freed by the
 * caller; *len its size). Blocks until the frame is complete.
 * PL_OK; PL_EIO on end-of-file (clean or mid-frame: the writer died) or a
 * read error; PL_EWIRE on a length above PL_FRAME_MAX; PL_ENOMEM.
 */
int pl_wire_read_frame(int fd, uint8_t **out, size_t *len);

/*
 * The same, but never past deadline_ns (pl_clock.h; PL_NEVER: no bound).
 * The descriptor is switched to non-blocking (O_NONBLOCK: give it only
 * descriptors whose open file nobody else blocks on, such as the parent's
 * end of a pipe) and poll() waits for room until the deadline. A reader
 * that stopped (SIGSTOP) or stopped reading can then no longer hold the
 * writer past its deadline. PL_ETIMEDOUT: the deadline came first; part of
 * the frame may have been written, so the stream is unusable from here on
 * (kill the reader). Otherwise as pl_wire_write_frame.
 */
int pl_wire_write_frame_until(int fd, const void *data, size_t len, int64_t deadline_ns);

/*
 * Make fd non-blocking (O_NONBLOCK), as the *_until calls do: for a caller
 * that writes to a pipe on its own terms and must never wait for room (the
 * fork pool's outboxes, runtime/fork_post.c). PL_OK or PL_EINVAL.
 */
int pl_wire_set_nonblocking(int fd);

/*
 * A resumable frame reader: it keeps the part of a frame that has arrived,
 * so a caller that must not block (a poll() loop with a deadline) can read
 * what a pipe holds now and come back for the rest later. One reader per
 * stream. Without a deadline (a child waiting for work) it reads a small
 * frame's header and body in one read(); with one (a poll() loop) it never
 * reads past the frame it returns, so poll() still sees the next one.
 */
typedef struct pl_frame_in pl_frame_in;

pl_frame_in *pl_frame_in_new(void);
void pl_frame_in_free(pl_frame_in *in); /* accepts NULL */

/*
 * Read from fd until one whole frame is in or deadline_ns passes (0, or any
 * instant already past: take only what fd holds now, never wait;
 * PL_NEVER: no bound). With a deadline, fd is switched to non-blocking, as
 * for pl_wire_write_frame_until.
 * PL_OK: *frame points at the frame's bytes (*len of them), valid until the
 * next call on this reader or its free. PL_ETIMEDOUT: not whole yet; what
 * came is kept, call again when poll() says fd is readable. PL_EIO: end of
 * file (*partial, when not NULL, says whether it came mid-frame) or a read
 * error; PL_EWIRE: a length above PL_FRAME_MAX; PL_ENOMEM.
 */
int pl_frame_in_read(pl_frame_in *in, int fd, int64_t deadline_ns, const uint8_t **frame, size_t *len,
                     int *partial);

/*
 * Read-ahead, for a caller that drains: from now on a read with a deadline
 * takes everything the pipe holds (several frames in one read(), instead
 * of a header then a body per frame) and hands the frames out one per
 * call. The caller MUST then call pl_frame_in_read again, each time poll()
 * says fd is readable, until it returns PL_ETIMEDOUT: a frame already in
 * this buffer no longer makes poll() report the pipe readable. That last
 * PL_ETIMEDOUT costs no system call when the last read() found the pipe
 * empty (whatever comes later makes poll() report it).
 */
void pl_frame_in_read_ahead(pl_frame_in *in);

/* Set SIGPIPE to ignored, so writing to a closed pipe gives EPIPE, not death. */
void pl_wire_ignore_sigpipe(void);

#endif
