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

#include "pl_call.h"
#include "pl_mpi.h"
#include "pl_wire.h"

int pl_mpi_send_chunk(int rank, uint32_t id, const char *task, pl_value *const args[], size_t count)
{
    pl_buf *buf = pl_buf_new();
    if (buf == NULL) {
        return PL_ENOMEM;
    }
    int rc = pl_call_encode_chunk(buf, id, task, args, count);
    if (rc == PL_OK && pl_buf_len(buf) > (size_t)INT_MAX) {
        rc = PL_EINVAL; /* MPI counts are ints: a message must fit in one */
    }
    if (rc == PL_OK) {
        int err = MPI_Send(pl_buf_data(buf), (int)pl_buf_len(buf), MPI_BYTE, rank, PL_MPI_TAG_TASK, pl_mpi_comm());
        rc = err == MPI_SUCCESS ? PL_OK : PL_ESYS;
    }
    pl_buf_free(buf);
    return rc;
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
