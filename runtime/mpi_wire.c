/*
 * runtime/mpi_wire.c - paralab's MPI messages as bytes (see pl_mpi.h).
 *
 * Why bytes and not MPI datatypes? A pl_value is a tagged union whose size
 * depends on its content (a string, a blob). Describing that with MPI
 * derived datatypes is possible but long; the task-call codec of common/
 * (pl_call.h) already turns a call and its reply into a fixed-endian byte
 * string - the same bytes the fork backend sends down its pipes - so every
 * paralab message is just MPI_BYTEs. Fixed endianness also means a cluster
 * mixing machine types still understands itself.
 *
 * A TASK message is a call whose tag is the request id; a RESULT message
 * is its reply, carrying the same id back.
 */
#include <limits.h>
#include <stdlib.h>

#include "pl_call.h"
#include "pl_mpi.h"

static uint32_t last_id;

uint32_t pl_mpi_new_id(void)
{
    last_id++;
    if (last_id == 0) {
        last_id = 1; /* after 4 billion requests: 0 stays reserved */
    }
    return last_id;
}

int pl_mpi_pack_task(pl_buf *out, uint32_t id, const char *task, const pl_value *arg)
{
    if (out == NULL) {
        return PL_EINVAL;
    }
    pl_buf_reset(out);
    int rc = pl_call_encode(out, id, task, arg); /* PL_EINVAL for an empty or too long name */
    /* MPI counts are ints: a message must fit in one. */
    if (rc == PL_OK && pl_buf_len(out) > (size_t)INT_MAX) {
        pl_buf_reset(out);
        rc = PL_EINVAL;
    }
    return rc;
}

int pl_mpi_send_task(int rank, uint32_t id, const char *task, const pl_value *arg)
{
    pl_buf *buf = pl_buf_new();
    if (buf == NULL) {
        return PL_ENOMEM;
    }
    int rc = pl_mpi_pack_task(buf, id, task, arg);
    if (rc == PL_OK) {
        /* MPI_Send of a NULL pointer with count 0 is legal, but our messages are never empty. */
        int err = MPI_Send(pl_buf_data(buf), (int)pl_buf_len(buf), MPI_BYTE, rank, PL_MPI_TAG_TASK,
                           pl_mpi_comm());
        rc = err == MPI_SUCCESS ? PL_OK : PL_ESYS;
    }
    pl_buf_free(buf);
    return rc;
}

int pl_mpi_send_cancel(int rank, uint32_t id)
{
    uint8_t msg[4] = {(uint8_t)(id >> 24), (uint8_t)(id >> 16), (uint8_t)(id >> 8), (uint8_t)id};
    /* Four bytes go out "eagerly": the send returns without waiting for the worker. */
    int err = MPI_Send(msg, 4, MPI_BYTE, rank, PL_MPI_TAG_CANCEL, pl_mpi_comm());
    return err == MPI_SUCCESS ? PL_OK : PL_ESYS;
}

int pl_mpi_unpack_reply(const void *buf, size_t len, uint32_t *id, pl_result **out)
{
    if (buf == NULL || id == NULL || out == NULL) {
        return PL_EINVAL;
    }
    uint64_t tag = 0;
    int rc = pl_reply_decode_one(buf, len, &tag, out);
    if (rc == PL_OK && tag > UINT32_MAX) {
        /* Not an id we ever sent: request ids are 32 bits. */
        pl_result_free(*out);
        *out = NULL;
        rc = PL_EWIRE;
    }
    *id = rc == PL_OK ? (uint32_t)tag : 0;
    return rc;
}

/*
 * Receive the next RESULT message from rank if one is waiting: 1 with *id
 * and *out, 0 when none, or a negative pl_rc. The size of a message is only
 * known once it has arrived: MPI_Iprobe says it is there, MPI_Get_count
 * says how big it is, and then MPI_Recv takes it out of MPI's hands.
 */
static int receive_reply(int rank, uint32_t *id, pl_result **out)
{
    int arrived = 0;
    MPI_Status st;
    if (MPI_Iprobe(rank, PL_MPI_TAG_RESULT, pl_mpi_comm(), &arrived, &st) != MPI_SUCCESS) {
        return PL_ESYS;
    }
    if (!arrived) {
        return 0;
    }
    int count = 0;
    MPI_Get_count(&st, MPI_BYTE, &count);
    uint8_t *buf = malloc(count > 0 ? (size_t)count : 1);
    if (buf == NULL) {
        return PL_ENOMEM;
    }
    int rc = PL_OK;
    if (MPI_Recv(buf, count, MPI_BYTE, rank, PL_MPI_TAG_RESULT, pl_mpi_comm(), MPI_STATUS_IGNORE) !=
        MPI_SUCCESS) {
        rc = PL_ESYS;
    } else {
        rc = pl_mpi_unpack_reply(buf, (size_t)count, id, out);
    }
    free(buf);
    return rc == PL_OK ? 1 : rc;
}

int pl_mpi_poll_reply(int rank, uint32_t id, pl_result **out)
{
    if (out == NULL) {
        return PL_EINVAL;
    }
    *out = NULL;
    for (;;) {
        uint32_t got = 0;
        pl_result *res = NULL;
        int rc = receive_reply(rank, &got, &res);
        if (rc <= 0) {
            return rc; /* nothing yet, or an error */
        }
        if (got == id) {
            *out = res;
            return 1;
        }
        /* Someone else's late reply: it answers a request nobody waits for any more. */
        pl_result_free(res);
    }
}
