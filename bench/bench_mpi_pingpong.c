/*
 * bench/bench_mpi_pingpong.c - the MPI floor: one small message to another
 * rank and back.
 *
 *   mpiexec -n 2 bench_mpi_pingpong [--reps R] [--quick]
 *
 * Two ways of waiting, because the MPI backend does not use the first:
 *
 *   mpi_rtt_blocking  MPI_Send + MPI_Recv. Open MPI's blocking receive
 *                     busy-polls shared memory: the fastest round trip,
 *                     but a waiting rank burns a whole core - on a 2-core
 *                     machine with 3 ranks that core is taken from a worker.
 *   mpi_rtt_polled    the receiver looks with MPI_Iprobe and, when nothing
 *                     is there, sleeps 50 us before looking again (what
 *                     runtime/mpi.c's pl_mpi_backoff does at its shortest
 *                     step). Idle ranks then leave the cores to the work;
 *                     the price is the sleep (plus the kernel's timer
 *                     slack) added to many round trips.
 *
 * Prints `floor,NAME,median_us,min_us,max_us,iters` on rank 0.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_REPS 50

/* Receive one byte from `from`, either blocking or by polling with short sleeps. */
static void recv_byte(char *b, int from, int polled)
{
    if (polled) {
        int arrived = 0;
        MPI_Iprobe(from, 0, MPI_COMM_WORLD, &arrived, MPI_STATUS_IGNORE);
        while (!arrived) {
            struct timespec ts = {0, 50 * 1000L};
            nanosleep(&ts, NULL);
            MPI_Iprobe(from, 0, MPI_COMM_WORLD, &arrived, MPI_STATUS_IGNORE);
        }
    }
    MPI_Recv(b, 1, MPI_CHAR, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

/* Round trips between ranks 0 and 1; returns ns per round trip on rank 0. */
static double rtt(long iters, int polled, int rank)
{
    char b = 'x';
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (long i = 0; i < iters; i++) {
        if (rank == 0) {
            MPI_Send(&b, 1, MPI_CHAR, 1, 0, MPI_COMM_WORLD);
            recv_byte(&b, 1, polled);
        } else if (rank == 1) {
            recv_byte(&b, 0, polled);
            MPI_Send(&b, 1, MPI_CHAR, 0, 0, MPI_COMM_WORLD);
        }
    }
    return (MPI_Wtime() - t0) * 1e9 / (double)iters;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

static void measure(const char *name, long iters, int polled, int reps, int rank)
{
    double ns[MAX_REPS];
    rtt(iters / 10 + 1, polled, rank); /* warm-up: connections are set up lazily */
    for (int r = 0; r < reps; r++) {
        ns[r] = rtt(iters, polled, rank);
    }
    if (rank != 0) {
        return;
    }
    qsort(ns, (size_t)reps, sizeof ns[0], cmp_double);
    double med = (reps % 2) ? ns[reps / 2] : (ns[reps / 2 - 1] + ns[reps / 2]) / 2;
    printf("floor,%s,%.3f,%.3f,%.3f,%ld\n", name, med / 1e3, ns[0] / 1e3, ns[reps - 1] / 1e3, iters);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank = 0, size = 0, reps = 5;
    long scale = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            scale = 10;
        } else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
            reps = (int)strtol(argv[++i], NULL, 10);
        }
    }
    if (reps < 1 || reps > MAX_REPS) {
        reps = 5;
    }
    if (size < 2) {
        if (rank == 0) {
            fprintf(stderr, "bench_mpi_pingpong: run with mpiexec -n 2\n");
        }
        MPI_Finalize();
        return 2;
    }
    measure("mpi_rtt_blocking", 20000 / scale, 0, reps, rank);
    measure("mpi_rtt_polled", 5000 / scale, 1, reps, rank);
    MPI_Finalize();
    return 0;
}
