/*
 * runtime/mpi_chunks.c - a map's CHUNK as MPI messages (pl_mpi.h,
 * "Chunks"): one TASK message with count calls out, one RESULT message
 * with count results back, both in the task-call codec (common/pl_call.h)
 * under the request id.
 *
 * Beside mpi_wire.c, not in it: that file is the one-call protocol futures
 * and groups share. Both receive through pl_mpi_take_result (a reply is
 * only ever received after MPI_Iprobe has told its size); a chunk's reply
 * is then decoded whole, whatever its count. Draining a late reply lives here too, because a late reply may be
 * a chunk's: the worker table must learn its id whatever its count, or the
 * worker would stay "owing" for ever.
 */
#include <limits.h>
#include <stdlib.h>

#include "pl_backend_common.h"
#include "pl_call.h"
#include "pl_mpi.h"
#include "pl_wire.h"

/*
 * The chunk messages sent and maybe not yet taken by their worker, with
 * the bytes each one sends (MPI reads them until then). A map keeps at
 * most PL_MPI_AHEAD out per worker, so the list stays short.
 */
static struct {
    MPI_Request *req;
    pl_buf **buf;
    int n, cap;
} pending;

/* Free the messages their worker has taken. */
static void forget_sent(void)
{
    for (int k = 0; k < pending.n;) {
        int done = 0;
        MPI_Test(&pending.req[k], &done, MPI_STATUS_IGNORE);
        if (!done) {
            k++;
            continue;
        }
        pl_buf_free(pending.buf[k]);
        pending.n--;
        pending.req[k] = pending.req[pending.n]; /* unordered removal */
        pending.buf[k] = pending.buf[pending.n];
    }
}

/* Room for one more pending message. PL_OK or PL_ENOMEM. */
static int make_room(void)
{
    if (pending.n < pending.cap) {
        return PL_OK;
    }
    int cap = pending.cap > 0 ? 2 * pending.cap : 8;
    MPI_Request *req = realloc(pending.req, (size_t)cap * sizeof *req);
    if (req != NULL) {
        pending.req = req;
    }
    pl_buf **buf = req != NULL ? realloc(pending.buf, (size_t)cap * sizeof *buf) : NULL;
    if (buf == NULL) {
        return PL_ENOMEM;
    }
    pending.buf = buf;
    pending.cap = cap;
    return PL_OK;
}

/*
 * Why MPI_Isend and not MPI_Send: a message over Open MPI's eager limit
 * (4 KiB on one machine: a chunk of ~450 integers) is only sent once the
 * worker posts its receive. Sent ahead (PL_MPI_AHEAD) to a worker busy
 * with the previous chunk, a blocking send would hold rank 0 until that
 * chunk ends - no other reply collected, no deadline kept.
 */
int pl_mpi_send_chunk(int rank, uint32_t id, const char *task, pl_value *const args[], size_t count)
{
    forget_sent();
    pl_buf *buf = pl_buf_new();
    int rc = buf != NULL ? make_room() : PL_ENOMEM;
    rc = rc == PL_OK ? pl_call_encode_chunk(buf, id, task, args, count) : rc;
    if (rc == PL_OK && pl_buf_len(buf) > (size_t)INT_MAX) {
        rc = PL_EINVAL; /* MPI counts are ints: a message must fit in one */
    }
    if (rc == PL_OK) {
        MPI_Request *req = &pending.req[pending.n];
        int err = MPI_Isend(pl_buf_data(buf), (int)pl_buf_len(buf), MPI_BYTE, rank, PL_MPI_TAG_TASK, pl_mpi_comm(), req);
        rc = err == MPI_SUCCESS ? PL_OK : PL_ESYS;
    }
    if (rc != PL_OK) {
        pl_buf_free(buf);
        return rc;
    }
    pending.buf[pending.n++] = buf;
    return PL_OK;
}

void pl_mpi_sends_finish(void)
{
    MPI_Waitall(pending.n, pending.req, MPI_STATUSES_IGNORE);
    for (int k = 0; k < pending.n; k++) {
        pl_buf_free(pending.buf[k]);
    }
    free(pending.req);
    free(pending.buf);
    pending.req = NULL;
    pending.buf = NULL;
    pending.n = pending.cap = 0;
}

int pl_mpi_worth_ahead(const pl_reply_msg *reply)
{
    return pl_map_reply_ran_under(reply, PL_MPI_AHEAD_BELOW_NS);
}

/* The request id a RESULT message carries ([kind][tag]...), read without decoding the rest; 0 if none. */
static uint64_t peek_tag(const uint8_t *buf, size_t len)
{
    pl_reader r;
    uint8_t kind;
    uint64_t tag;
    pl_reader_init(&r, buf, len);
    return pl_reader_u8(&r, &kind) == PL_OK && pl_reader_u64(&r, &tag) == PL_OK ? tag : 0;
}

/*
 * Receive the next RESULT message from rank, if one is waiting, and decode
 * it into *out: 1 when it decoded, 0 when none was waiting, or a negative
 * pl_rc. When the message was received but could not be decoded (out of
 * memory, or corrupt), *lost gets its request id: the worker HAS answered,
 * and must not be waited for as if it still owed the reply (it would be
 * lost for the rest of the run, and every later map would wait for it
 * until its deadline). 0 when nothing was received.
 */
static int receive(int rank, pl_reply_msg *out, uint64_t *lost)
{
    *lost = 0;
    uint8_t *buf;
    size_t len;
    int got = pl_mpi_take_result(rank, &buf, &len);
    if (got <= 0) {
        return got;
    }
    uint8_t *body = NULL;
    int big = pl_mpi_reply_body(buf, len, &body, &len); /* a reply too big for one message */
    if (big == 1) {
        free(buf);
        buf = body;
    }
    int rc = big < 0 ? big : pl_reply_decode(buf, len, out);
    if (rc != PL_OK) {
        *lost = peek_tag(buf, len); /* a big reply's header carries the id at the same place */
    }
    free(buf);
    return rc == PL_OK ? 1 : rc;
}

int pl_mpi_poll_chunk(int rank, uint32_t id, pl_reply_msg *out)
{
    if (out == NULL) {
        return PL_EINVAL;
    }
    *out = (pl_reply_msg){0};
    for (;;) {
        uint64_t lost = 0;
        int rc = receive(rank, out, &lost);
        if (rc == 0) {
            return 0; /* nothing yet */
        }
        if (rc < 0 && lost == id) {
            *out = (pl_reply_msg){.tag = id}; /* answered, but its results are lost: count 0 */
            return 1;
        }
        if (rc < 0 && lost == 0) {
            return rc; /* an error before anything was received */
        }
        if (rc == 1 && out->tag == id) {
            return 1;
        }
        pl_reply_msg_clear(out); /* someone else's late reply: nobody waits for it any more */
    }
}

int pl_mpi_drain_one(int rank, uint32_t *id)
{
    pl_reply_msg reply = {0};
    uint64_t lost = 0;
    int rc = receive(rank, &reply, &lost);
    if (rc == 0) {
        return 0;
    }
    uint64_t tag = rc == 1 ? reply.tag : lost;
    *id = tag <= UINT32_MAX ? (uint32_t)tag : 0;
    pl_reply_msg_clear(&reply);
    return rc == 1 || lost != 0 ? 1 : rc; /* a reply received is drained, readable or not */
}
