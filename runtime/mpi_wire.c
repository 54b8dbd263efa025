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
#include <string.h>

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
    uint8_t msg[4];
    pl_be_put(msg, id, 4); /* big-endian, as every integer on the wire */
    /* Four bytes go out "eagerly": the send returns without waiting for the worker. */
    int err = MPI_Send(msg, 4, MPI_BYTE, rank, PL_MPI_TAG_CANCEL, pl_mpi_comm());
    return err == MPI_SUCCESS ? PL_OK : PL_ESYS;
}

/*
 * A big reply's header: 'B', the request id, the reply's size, the rank
 * that sends it. 'B' is not a kind of the call codec ('C', 'R'), so the
 * header cannot be mistaken for a reply.
 */
#define BIG_MARK ((uint8_t)'B')
#define BIG_HEADER_LEN (1 + 8 + 8 + 4)

void pl_mpi_send_reply(uint64_t tag, const void *reply, size_t len)
{
    MPI_Request req[2] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL};
    uint8_t header[BIG_HEADER_LEN];
    MPI_Comm comm = pl_mpi_comm();
    int err;
    if (len <= PL_MPI_REPLY_MAX) {
        err = MPI_Isend(reply, (int)len, MPI_BYTE, 0, PL_MPI_TAG_RESULT, comm, &req[0]);
    } else {
        pl_buf *h = pl_buf_new();
        int rc = h == NULL ? PL_ENOMEM : pl_buf_put_u8(h, BIG_MARK);
        rc = rc == PL_OK ? pl_buf_put_u64(h, tag) : rc;
        rc = rc == PL_OK ? pl_buf_put_u64(h, (uint64_t)len) : rc;
        rc = rc == PL_OK ? pl_buf_put_u32(h, (uint32_t)pl_mpi_rank()) : rc;
        if (rc == PL_OK) {
            memcpy(header, pl_buf_data(h), BIG_HEADER_LEN);
        }
        pl_buf_free(h);
        if (rc != PL_OK) {
            return;
        }
        /* Header first: rank 0 receives the body only once it has read the header. */
        err = MPI_Isend(header, BIG_HEADER_LEN, MPI_BYTE, 0, PL_MPI_TAG_RESULT, comm, &req[0]);
        if (err == MPI_SUCCESS) {
            err = MPI_Isend(reply, (int)len, MPI_BYTE, 0, PL_MPI_TAG_BODY, comm, &req[1]);
        }
    }
    if (err != MPI_SUCCESS) {
        return;
    }
    /* Without spinning: a large reply only leaves when rank 0 receives it, maybe a while later. */
    int done = 0;
    int round = 0;
    while (MPI_Testall(2, req, &done, MPI_STATUSES_IGNORE) == MPI_SUCCESS && !done) {
        pl_mpi_backoff(&round);
    }
}

int pl_mpi_reply_body(const void *buf, size_t len, uint8_t **body, size_t *body_len)
{
    pl_reader r;
    uint8_t mark;
    uint64_t tag, size;
    uint32_t rank;
    pl_reader_init(&r, buf, len);
    if (len != BIG_HEADER_LEN || pl_reader_u8(&r, &mark) != PL_OK || mark != BIG_MARK) {
        return 0;
    }
    pl_reader_u64(&r, &tag);
    pl_reader_u64(&r, &size);
    pl_reader_u32(&r, &rank);
    if (size <= PL_MPI_REPLY_MAX || size > (uint64_t)INT_MAX || rank == 0 || rank >= (uint32_t)pl_mpi_size()) {
        return PL_EWIRE;
    }
    uint8_t *p = malloc((size_t)size);
    if (p == NULL) {
        /* Take the body out of MPI anyway (a 1-byte receive truncates it): its worker must not wait for ever. */
        uint8_t one;
        MPI_Recv(&one, 1, MPI_BYTE, (int)rank, PL_MPI_TAG_BODY, pl_mpi_comm(), MPI_STATUS_IGNORE);
        return PL_ENOMEM;
    }
    if (MPI_Recv(p, (int)size, MPI_BYTE, (int)rank, PL_MPI_TAG_BODY, pl_mpi_comm(), MPI_STATUS_IGNORE) !=
        MPI_SUCCESS) {
        free(p);
        return PL_ESYS;
    }
    *body = p;
    *body_len = (size_t)size;
    return 1;
}

int pl_mpi_unpack_reply(const void *buf, size_t len, uint32_t *id, pl_result **out)
{
    if (buf == NULL || id == NULL || out == NULL) {
        return PL_EINVAL;
    }
    *id = 0;
    *out = NULL;
    uint8_t *body = NULL;
    size_t body_len = 0;
    int big = pl_mpi_reply_body(buf, len, &body, &body_len);
    if (big < 0) {
        return big;
    }
    if (big == 1) {
        int rc = pl_mpi_unpack_reply(body, body_len, id, out);
        free(body);
        return rc;
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
 * The size of a message is only known once it has arrived: MPI_Iprobe says
 * it is there, MPI_Get_count says how big it is, and then MPI_Recv takes it
 * out of MPI's hands.
 */
int pl_mpi_take_result(int rank, uint8_t **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
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
    uint8_t *b = malloc(count > 0 ? (size_t)count : 1);
    if (b == NULL) {
        return PL_ENOMEM; /* still waiting in MPI: a later look may have the memory */
    }
    if (MPI_Recv(b, count, MPI_BYTE, rank, PL_MPI_TAG_RESULT, pl_mpi_comm(), MPI_STATUS_IGNORE) != MPI_SUCCESS) {
        free(b);
        return PL_ESYS;
    }
    *buf = b;
    *len = (size_t)count;
    return 1;
}

/* The next RESULT message from rank, decoded: 1 with *id and *out, 0 when none, or a negative pl_rc. */
static int receive_reply(int rank, uint32_t *id, pl_result **out)
{
    uint8_t *buf;
    size_t len;
    int got = pl_mpi_take_result(rank, &buf, &len);
    if (got <= 0) {
        return got;
    }
    int rc = pl_mpi_unpack_reply(buf, len, id, out);
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
