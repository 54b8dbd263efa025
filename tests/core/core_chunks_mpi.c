/*
 * core_chunks_mpi.c - an MPI worker rank answers a CHUNK (one TASK message
 * with k calls of one task gets one RESULT message with k results, in
 * order: common/pl_call.h), and answers a message it cannot decode with a
 * FAILED result under the request's id, so rank 0 is never left waiting.
 *
 * Run with mpiexec -n 2 (or more). Exit status 0 when both answers are
 * right, 1 otherwise (the reason on stderr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paralab.h"
#include "pl_call.h"
#include "pl_mpi.h"

#define K 5

static int fail(const char *why)
{
    fprintf(stderr, "core_chunks_mpi: %s\n", why);
    return 1;
}

/* Send buf as a TASK message to rank and receive its RESULT message, decoded. */
static int round_trip(int rank, const pl_buf *buf, pl_reply_msg *reply)
{
    MPI_Comm comm = pl_mpi_comm();
    if (MPI_Send(pl_buf_data(buf), (int)pl_buf_len(buf), MPI_BYTE, rank, PL_MPI_TAG_TASK, comm) != MPI_SUCCESS) {
        return PL_ESYS;
    }
    MPI_Status st;
    int count = 0;
    MPI_Probe(rank, PL_MPI_TAG_RESULT, comm, &st);
    MPI_Get_count(&st, MPI_BYTE, &count);
    uint8_t *in = malloc(count > 0 ? (size_t)count : 1);
    if (in == NULL) {
        return PL_ENOMEM;
    }
    MPI_Recv(in, count, MPI_BYTE, rank, PL_MPI_TAG_RESULT, comm, MPI_STATUS_IGNORE);
    int rc = pl_reply_decode(in, (size_t)count, reply);
    free(in);
    return rc;
}

/* Squares of 1..K in one message: K results back, in order, under the request id. */
static int check_chunk(int rank, pl_buf *b)
{
    pl_value *args[K];
    for (int j = 0; j < K; j++) {
        args[j] = pl_value_new_int(j + 1);
    }
    uint32_t id = pl_mpi_new_id();
    pl_buf_reset(b);
    pl_reply_msg reply = {0};
    int rc = pl_call_encode_chunk(b, id, "square", args, K);
    if (rc == PL_OK) {
        rc = round_trip(rank, b, &reply);
    }
    int bad = rc != PL_OK || reply.tag != id || reply.count != K;
    for (size_t j = 0; !bad && j < reply.count; j++) {
        int64_t x = 0;
        bad = pl_result_status(reply.results[j]) != PL_TASK_OK ||
              pl_value_get_int(pl_result_value(reply.results[j]), &x) != PL_OK || x != (int64_t)((j + 1) * (j + 1));
    }
    for (int j = 0; j < K; j++) {
        pl_value_free(args[j]);
    }
    pl_reply_msg_clear(&reply);
    return bad ? fail("a chunk did not come back as K squares in order under its id") : 0;
}

/* A call whose name length is 0 cannot be decoded: still one FAILED answer, under its id. */
static int check_corrupt(int rank, pl_buf *b)
{
    uint32_t id = pl_mpi_new_id();
    pl_buf_reset(b);
    pl_reply_msg reply = {0};
    int rc = pl_call_encode(b, id, "square", NULL);
    if (rc == PL_OK) {
        pl_buf *bad_copy = pl_buf_new();
        /* kind, tag, count take 13 bytes; then the name's length, which we set to 0 */
        rc = bad_copy == NULL ? PL_ENOMEM : pl_buf_put(bad_copy, pl_buf_data(b), 13);
        if (rc == PL_OK && (rc = pl_buf_put_u8(bad_copy, 0)) == PL_OK) {
            rc = pl_buf_put(bad_copy, pl_buf_data(b) + 14, pl_buf_len(b) - 14);
        }
        if (rc == PL_OK) {
            rc = round_trip(rank, bad_copy, &reply);
        }
        pl_buf_free(bad_copy);
    }
    int bad = rc != PL_OK || reply.tag != id || reply.count != 1 ||
              pl_result_status(reply.results[0]) != PL_TASK_FAILED ||
              strstr(pl_result_error(reply.results[0]), "corrupt") == NULL;
    pl_reply_msg_clear(&reply);
    return bad ? fail("a corrupt call was not answered FAILED under its id") : 0;
}

static int body(void *ctx)
{
    (void)ctx;
    int rank = pl_mpi_claim_worker();
    pl_buf *b = pl_buf_new();
    if (rank < 0 || b == NULL) {
        pl_buf_free(b);
        return fail("no worker (run with mpiexec -n 2 or more)");
    }
    int rc = check_chunk(rank, b);
    if (rc == 0) {
        rc = check_corrupt(rank, b);
    }
    pl_mpi_release_worker(rank);
    pl_buf_free(b);
    if (rc == 0) {
        printf("core_chunks_mpi: rank %d answered a chunk of %d, and a corrupt call under its id\n", rank, K);
    }
    return rc;
}

int main(void)
{
    return pl_run(NULL, body, NULL) == 0 ? 0 : 1;
}
