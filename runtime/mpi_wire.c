/*
 * runtime/mpi_wire.c - paralab's MPI messages as bytes (see pl_mpi.h).
 *
 * Why bytes and not MPI datatypes? A pl_value is a tagged union whose size
 * depends on its content (a string, a blob). Describing that with MPI
 * derived datatypes is possible but long; the wire encoding of common/
 * already turns a value or a result into a fixed-endian byte string, so
 * every paralab message is just MPI_BYTEs. Fixed endianness also means a
 * cluster mixing machine types still understands itself.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "pl_mpi.h"

int pl_mpi_pack_task(pl_buf *out, uint32_t id, const char *task, const pl_value *arg)
{
    if (out == NULL || task == NULL) {
        return PL_EINVAL;
    }
    size_t len = strlen(task);
    if (len == 0 || len >= PL_TASK_NAME_MAX) {
        return PL_EINVAL;
    }
    pl_buf_reset(out);
    int rc = pl_buf_put_u32(out, id);
    if (rc == PL_OK) {
        rc = pl_buf_put_u8(out, (uint8_t)len);
    }
    if (rc == PL_OK) {
        rc = pl_buf_put(out, task, len);
    }
    if (rc == PL_OK && arg != NULL) {
        rc = pl_value_encode(arg, out);
    } else if (rc == PL_OK) {
        /* No argument travels as the NONE value, which every task accepts. */
        pl_value *none = pl_value_new();
        rc = none != NULL ? pl_value_encode(none, out) : PL_ENOMEM;
        pl_value_free(none);
    }
    /* MPI counts are ints: a message must fit in one. */
    if (rc == PL_OK && pl_buf_len(out) > (size_t)INT_MAX) {
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
    *out = NULL;
    pl_reader r;
    pl_reader_init(&r, buf, len);
    int rc = pl_reader_u32(&r, id);
    if (rc != PL_OK) {
        return PL_EWIRE;
    }
    size_t used = 0;
    rc = pl_result_decode(r.p, r.left, out, &used);
    if (rc == PL_OK && used != r.left) {
        /* Trailing bytes: not a message we wrote. */
        pl_result_free(*out);
        *out = NULL;
        rc = PL_EWIRE;
    }
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

/* Used by the worker table (runtime/mpi.c) to drain late replies. */
int pl_mpi_drain_one(int rank, uint32_t *id)
{
    pl_result *res = NULL;
    int rc = receive_reply(rank, id, &res);
    pl_result_free(res);
    return rc;
}
