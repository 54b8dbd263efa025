/*
 * runtime/fork_chunks.c - what a fork pool needs to hand out CHUNKS of
 * items (pl_fork.h, "Chunks"): the progress page its workers share with
 * it, reading a reply of several results, when a worker may hold chunks
 * queued ahead, and the earlier blocking sends. (Posting chunks and the
 * pool's poll: fork_post.c.)
 *
 * The progress page is the one piece of memory parent and children share.
 * Everything else a child writes stays in its own copy of the memory
 * (copy-on-write); a page mapped MAP_SHARED before the fork is the
 * exception, and the cheapest way for a child to say "I am on item 7"
 * without a message per item. Its counters are C11 atomics: two processes
 * touch them, and a plain int would be a data race the compiler may
 * "optimise" (tear, cache in a register) - lock-free atomics on a shared
 * mapping are what POSIX processes use for this.
 */
/* MAP_ANONYMOUS is not in POSIX 2008 (it is in POSIX 2024, and in every libc we meet). */
#define _DEFAULT_SOURCE
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "paralab.h"
#include "pl_backend_common.h"
#include "pl_call.h"
#include "pl_fork.h"
#include "pl_wire.h"

/* One worker slot: both ways of saying which item it started last (pl_fork.h). */
typedef struct progress_slot {
    atomic_size_t started; /* items of its current call started (reset by the parent while idle) */
    atomic_size_t last;    /* 1 + the tag of the item it started last */
} progress_slot;

struct pl_fork_progress {
    size_t bytes; /* of the whole mapping, this header included */
    int slots;
    progress_slot slot[];
};

pl_fork_progress *pl_fork_progress_new(int slots)
{
    if (slots < 0) {
        slots = 0;
    }
    size_t bytes = sizeof(pl_fork_progress) + (size_t)slots * sizeof(progress_slot);
    void *page = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
        return NULL;
    }
    pl_fork_progress *p = page; /* anonymous pages come zeroed */
    p->bytes = bytes;
    p->slots = slots;
    for (int k = 0; k < slots; k++) {
        atomic_init(&p->slot[k].started, 0);
        atomic_init(&p->slot[k].last, 0);
    }
    return p;
}

void pl_fork_progress_free(pl_fork_progress *p)
{
    if (p != NULL) {
        munmap(p, p->bytes);
    }
}

size_t pl_fork_progress_last(const pl_fork_progress *p, int k)
{
    if (p == NULL || k < 0 || k >= p->slots) {
        return 0;
    }
    return atomic_load_explicit(&((pl_fork_progress *)p)->slot[k].last, memory_order_acquire);
}

size_t pl_fork_progress_started(const pl_fork_progress *p, int k)
{
    if (p == NULL || k < 0 || k >= p->slots) {
        return 0;
    }
    return atomic_load_explicit(&((pl_fork_progress *)p)->slot[k].started, memory_order_acquire);
}

void pl_fork_progress_set(pl_fork_progress *p, int k, size_t started)
{
    if (p != NULL && k >= 0 && k < p->slots) {
        atomic_store_explicit(&p->slot[k].started, started, memory_order_release);
    }
}

void pl_fork_progress_start(pl_fork_progress *p, int k, size_t j, uint64_t tag)
{
    if (p != NULL && k >= 0 && k < p->slots) {
        atomic_store_explicit(&p->slot[k].started, j + 1, memory_order_release);
        atomic_store_explicit(&p->slot[k].last, (size_t)(tag + j + 1), memory_order_release);
    }
}

/*
 * The calls a pool used before pl_fork_post_chunk, kept so that a lab
 * written against them still builds and runs: a send that waits for room
 * until deadline_ns (pl_fork.h says why a pool that queues chunks on a busy
 * worker must not use it), and the blocking forms.
 */
int pl_fork_send_chunk_until(int fd, int64_t deadline_ns, uint64_t tag, const char *task, pl_value *const args[],
                             size_t count)
{
    if (fd < 0) {
        return PL_EINVAL;
    }
    pl_buf *b = pl_buf_new();
    if (b == NULL) {
        return PL_ENOMEM;
    }
    int rc = pl_call_encode_chunk(b, tag, task, args, count);
    if (rc == PL_OK) {
        rc = pl_wire_write_frame_until(fd, pl_buf_data(b), pl_buf_len(b), deadline_ns);
    }
    pl_buf_free(b);
    return rc;
}

int pl_fork_send_chunk(int fd, uint64_t tag, const char *task, pl_value *const args[], size_t count)
{
    return pl_fork_send_chunk_until(fd, PL_NEVER, tag, task, args, count);
}

int pl_fork_recv_reply_until(int fd, int64_t deadline_ns, pl_reply_msg *out)
{
    if (fd < 0 || out == NULL) {
        return PL_EINVAL;
    }
    *out = (pl_reply_msg){0};
    /* The registry's reader keeps half a frame until the next call; a
     * descriptor it does not know gets a reader for this call only. */
    pl_frame_in *own = NULL;
    pl_frame_in *in = pl_fork_reader(fd);
    if (in == NULL && (in = own = pl_frame_in_new()) == NULL) {
        return PL_ENOMEM;
    }
    /* "What has come", on a pipe pl_fork_poll watches: read ahead, and tell it when more may wait. */
    int ahead = own == NULL && deadline_ns != PL_NEVER && deadline_ns <= pl_now_ns() && pl_fork_watched(fd);
    if (ahead) {
        pl_frame_in_read_ahead(in);
    }
    const uint8_t *frame = NULL;
    size_t len = 0;
    int rc = pl_frame_in_read(in, fd, deadline_ns, &frame, &len, NULL);
    if (rc == PL_OK) {
        rc = pl_reply_decode(frame, len, out);
    } else if (rc == PL_ETIMEDOUT && own != NULL) {
        rc = PL_EIO; /* nowhere to keep half a frame: this stream is lost */
    }
    if (ahead) {
        pl_fork_note_reply(fd, rc == PL_OK);
    }
    pl_frame_in_free(own);
    return rc; /* PL_EIO: end-of-file, the child is gone */
}

int pl_fork_recv_reply(int fd, pl_reply_msg *out)
{
    return pl_fork_recv_reply_until(fd, PL_NEVER, out);
}

int pl_fork_worth_ahead(const pl_reply_msg *reply)
{
    return pl_map_reply_ran_under(reply, PL_FORK_AHEAD_BELOW_NS);
}
