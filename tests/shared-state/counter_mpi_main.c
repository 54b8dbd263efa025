/*
 * counter_mpi_main.c - shared_counter_mpi: lab 00's MPI counters as a
 * program, printing the rows of the handout's table.
 *
 *   mpiexec -n 4 shared_counter_mpi [N]      (N default 100000)
 *
 * Every rank calls pl_counter_mpi_naive and pl_counter_mpi_reduce (they are
 * collective: all ranks or none). What each rank saw is then collected on
 * rank 0 with MPI_Gather, only to print it in rank order: left to mpiexec,
 * the ranks' lines would arrive in any order. Exit 0 when every call
 * returned PL_OK, 3 otherwise (the skeleton's PL_ENOTIMPL), 2 on a usage
 * error.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pl_shared.h"

#define MAX_RANKS 64

int main(int argc, char **argv)
{
    long n = 100000;
    char *end = NULL;
    int bad_args = argc > 2 || (argc == 2 && ((n = strtol(argv[1], &end, 10)) < 0 || *end != '\0'));
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (bad_args || size > MAX_RANKS) {
        /* Every rank got the same arguments, so every rank stops here: no one waits in a collective. */
        if (rank == 0) {
            fprintf(stderr, "usage: mpiexec -n K %s [N]   (N >= 0 increments per rank; K <= %d)\n", argv[0],
                    MAX_RANKS);
        }
        MPI_Finalize();
        return 2;
    }
    long mine = -1, total = -1;
    int rc_naive = pl_counter_mpi_naive(MPI_COMM_WORLD, n, &mine);
    int rc_reduce = pl_counter_mpi_reduce(MPI_COMM_WORLD, n, &total);
    long seen[MAX_RANKS];
    MPI_Gather(&mine, 1, MPI_LONG, seen, 1, MPI_LONG, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        if (rc_naive == PL_OK) {
            printf("MPI naive, -n %d, %ld increments per rank:", size, n);
            for (int r = 0; r < size; r++) {
                printf(" rank %d sees %ld%s", r, seen[r], r + 1 < size ? "," : "\n");
            }
        } else {
            printf("pl_counter_mpi_naive: error %d%s\n", rc_naive, rc_naive == PL_ENOTIMPL ? " (not implemented yet)" : "");
        }
        if (rc_reduce == PL_OK) {
            printf("MPI reduce, -n %d: rank 0 receives %ld (= %ld x %d ranks)\n", size, total, n, size);
        } else {
            printf("pl_counter_mpi_reduce: error %d%s\n", rc_reduce,
                   rc_reduce == PL_ENOTIMPL ? " (not implemented yet)" : "");
        }
    }
    MPI_Finalize();
    return rc_naive == PL_OK && rc_reduce == PL_OK ? 0 : 3;
}
