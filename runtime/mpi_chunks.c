/*
 * runtime/mpi_chunks.c - a map's CHUNK as MPI messages (pl_mpi.h,
 * "Chunks"): one TASK message with count calls out, one RESULT message
 * with count results back, both in the task-call codec (common/pl_call.h)
 * under the request id.
 *
 * Beside mpi_wire.c, not in it: that file is the one-call protocol futures
 * and groups share (and receive into fixed buffers); a chunk's reply can
 * be large, so it is only ever received after MPI_Iprobe has told its
 * size. Draining a late reply lives here too, because a late reply may be
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
 * Receive the RESULT message st describes and decode it into *out. When
 * the message was received but could not be decoded (out of memory, or
 * corrupt), *lost gets its request id: the worker HAS answered, and must
 * not be waited for as if it still owed the reply (it would be lost for
 * the rest of the run, and every later map would wait for it until its
 * deadline). 0 when nothing was received.
 */
static int receive(int rank, const MPI_Status *st, pl_reply_msg *out, uint64_t *lost)
{
    *lost = 0;
    int count = 0;
    MPI_Get_count(st, MPI_BYTE, &count);
    uint8_t *buf = malloc(count > 0 ? (size_t)count : 1);
    if (buf == NULL) {
        return PL_ENOMEM; /* still waiting in MPI: a later look may have the memory */
    }
    int rc = PL_ESYS;
    if (MPI_Recv(buf, count, MPI_BYTE, rank, PL_MPI_TAG_RESULT, pl_mpi_comm(), MPI_STATUS_IGNORE) == MPI_SUCCESS) {
        size_t len = (size_t)count;
        uint8_t *body = NULL;
        int big = pl_mpi_reply_body(buf, len, &body, &len); /* a reply too big for one message */
        if (big == 1) {
            free(buf);
            buf = body;
        }
        rc = big < 0 ? big : pl_reply_decode(buf, len, out);
        if (rc != PL_OK) {
            *lost = peek_tag(buf, len); /* a big reply's header carries the id at the same place */
        }
    }
    free(buf);
    return rc;
}

int pl_mpi_poll_chunk(int rank, uint32_t id, pl_reply_msg *out)
{
    if (out == NULL) {
        return PL_EINVAL;
    }
    *out = (pl_reply_msg){0};
    for (;;) {
        int arrived = 0;
        MPI_Status st;
        if (MPI_Iprobe(rank, PL_MPI_TAG_RESULT, pl_mpi_comm(), &arrived, &st) != MPI_SUCCESS) {
            return PL_ESYS;
        }
        if (!arrived) {
            return 0;
        }
        uint64_t lost = 0;
        int rc = receive(rank, &st, out, &lost);
        if (rc != PL_OK && lost == id) {
            *out = (pl_reply_msg){.tag = id}; /* answered, but its results are lost: count 0 */
            return 1;
        }
        if (rc != PL_OK && lost == 0) {
            return rc;
        }
        if (rc == PL_OK && out->tag == id) {
            return 1;
        }
        pl_reply_msg_clear(out); /* someone else's late reply: nobody waits for it any more */
    }
}

int pl_mpi_drain_one(int rank, uint32_t *id)
{
    int arrived = 0;
    MPI_Status st;
    if (MPI_Iprobe(rank, PL_MPI_TAG_RESULT, pl_mpi_comm(), &arrived, &st) != MPI_SUCCESS) {
        return PL_ESYS;
    }
    if (!arrived) {
        return 0;
    }
    pl_reply_msg reply = {0};
    uint64_t lost = 0;
    int rc = receive(rank, &st, &reply, &lost);
    uint64_t tag = rc == PL_OK ? reply.tag : lost;
    *id = tag <= UINT32_MAX ? (uint32_t)tag : 0;
    pl_reply_msg_clear(&reply);
    return rc == PL_OK || lost != 0 ? 1 : rc; /* a reply received is drained, readable or not */
}
