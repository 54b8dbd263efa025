/*
 * suite_mpi.c - lab 00 with MPI ranks: test_shared_mpi (under mpiexec).
 *
 * The lab's functions are COLLECTIVE: every rank must call them. But only
 * rank 0 runs the CUnit suite (only its verdicts count, and it alone
 * prints). So this file brings its own run scope: rank 0 runs the tests
 * while the other ranks follow - for each step, rank 0 broadcasts which
 * function to call with which n, every rank calls it on a communicator of
 * its own, and rank 0 gathers every rank's return code and value to
 * assert on. The same shape as the exercise labs' pl_run (rank 0 leads,
 * the others serve), with a protocol of two collectives.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness.h"
#include "paralab.h"
#include "pl_shared.h"
#include "testkit.h"

/*
 * Open MPI does not free everything it allocates (MPI_Init's plugins,
 * MPI_Reduce's operator tables), so an AddressSanitizer build would fail
 * this binary on leaks that are not the lab's. The lab code allocates
 * nothing; leak checking is off here, the rest of ASan stays on.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "detect_leaks=0";
}

enum { OP_STOP, OP_NAIVE, OP_REDUCE };

static MPI_Comm ctl = MPI_COMM_NULL; /* the test driver's own messages */
static MPI_Comm lab = MPI_COMM_NULL; /* the communicator the lab functions get */
static int my_rank, n_ranks = 1;

#define MAX_RANKS 64

/* One rank's step: out[0] = the pl_rc, out[1] = the value it wrote. */
static void run_op(const long cmd[3], long out[2])
{
    long value = -12345; /* stays so if the function writes nothing */
    long *dst = cmd[2] ? NULL : &value;
    int rc = cmd[0] == OP_NAIVE ? pl_counter_mpi_naive(lab, cmd[1], dst) : pl_counter_mpi_reduce(lab, cmd[1], dst);
    out[0] = rc;
    out[1] = value;
}

/* Rank 0: every rank runs op(n); all[2r], all[2r+1] = rank r's rc and value. */
static void collective(long op, long n, int null_out, long all[2 * MAX_RANKS])
{
    long cmd[3] = {op, n, null_out};
    long mine[2];
    MPI_Bcast(cmd, 3, MPI_LONG, 0, ctl);
    run_op(cmd, mine);
    MPI_Gather(mine, 2, MPI_LONG, all, 2, MPI_LONG, 0, ctl);
}

/* Ranks > 0: do what rank 0 says until it says stop. */
static void follow(void)
{
    for (;;) {
        long cmd[3], mine[2];
        MPI_Bcast(cmd, 3, MPI_LONG, 0, ctl);
        if (cmd[0] == OP_STOP) {
            return;
        }
        run_op(cmd, mine);
        MPI_Gather(mine, 2, MPI_LONG, NULL, 0, MPI_LONG, 0, ctl);
    }
}

/* ---------------------------------------------------------------- run scope */

const pl_backend_info *pl_backend(void)
{
    static const pl_backend_info info = {"mpi", 1, 0, 0};
    return &info;
}

int pl_is_root(void)
{
    return my_rank == 0;
}

int pl_workers(void)
{
    return n_ranks;
}

int pl_run(const pl_opts *opts, int (*body)(void *ctx), void *ctx)
{
    (void)opts;
    if (body == NULL) {
        return PL_EINVAL;
    }
    if (MPI_Init(NULL, NULL) != MPI_SUCCESS) {
        return PL_ESYS;
    }
    MPI_Comm_dup(MPI_COMM_WORLD, &ctl);
    MPI_Comm_dup(MPI_COMM_WORLD, &lab);
    MPI_Comm_rank(ctl, &my_rank);
    MPI_Comm_size(ctl, &n_ranks);
    int rc = PL_OK;
    if (n_ranks > MAX_RANKS) {
        if (my_rank == 0) {
            fprintf(stderr, "test_shared_mpi: at most %d ranks\n", MAX_RANKS);
        }
        rc = PL_EINVAL;
    } else if (my_rank == 0) {
        rc = body(ctx);
        long stop[3] = {OP_STOP, 0, 0};
        MPI_Bcast(stop, 3, MPI_LONG, 0, ctl);
    } else {
        follow();
    }
    MPI_Comm_free(&lab);
    MPI_Comm_free(&ctl);
    MPI_Finalize();
    return rc;
}

/* ---------------------------------------------------------------- tests */

#define N 100000L

static void test_naive_each_rank_sees_its_own(void)
{
    long all[2 * MAX_RANKS];
    collective(OP_NAIVE, N, 0, all);
    for (int r = 0; r < n_ranks; r++) {
        PL_EXPECT_RC((int)all[2 * r], PL_OK);
        /* n, not n * ranks: nobody else's increments reach this rank's memory. */
        PL_EXPECT_EQ(all[2 * r + 1], N);
    }
}

static void test_reduce_sums_on_root(void)
{
    long all[2 * MAX_RANKS];
    static const long ns[] = {N, 0, 7};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        collective(OP_REDUCE, ns[i], 0, all);
        PL_EXPECT_RC((int)all[0], PL_OK);
        PL_EXPECT_EQ(all[1], ns[i] * n_ranks);
        for (int r = 1; r < n_ranks; r++) {
            PL_EXPECT_RC((int)all[2 * r], PL_OK);
            PL_EXPECT_EQ(all[2 * r + 1], ns[i]); /* its own count, untouched by the reduce */
        }
    }
}

static void test_bad_input_everywhere(void)
{
    long all[2 * MAX_RANKS];
    const long bad[][3] = {{OP_NAIVE, -1, 0}, {OP_NAIVE, N, 1}, {OP_REDUCE, -1, 0}, {OP_REDUCE, N, 1}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        collective(bad[i][0], bad[i][1], (int)bad[i][2], all);
        for (int r = 0; r < n_ranks; r++) {
            PL_EXPECT_RC((int)all[2 * r], PL_EINVAL);
            PL_EXPECT_EQ(all[2 * r + 1], -12345); /* nothing written */
        }
    }
    /* Refused before any message: no stray message upsets the next reduce. */
    collective(OP_REDUCE, 3, 0, all);
    PL_EXPECT_RC((int)all[0], PL_OK);
    PL_EXPECT_EQ(all[1], 3L * n_ranks);
}

static const pl_test_case cases[] = {
    {"naive_each_rank_sees_its_own", test_naive_each_rank_sees_its_own},
    {"reduce_sums_on_root", test_reduce_sums_on_root},
    {"bad_input_everywhere", test_bad_input_everywhere},
    {NULL, NULL},
};

static const pl_test_suite suite = {"shared", NULL, NULL, cases};

const pl_test_suite *const pl_suites[] = {&suite, NULL};
