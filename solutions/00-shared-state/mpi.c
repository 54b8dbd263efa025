/*
 * 00-shared-state/mpi.c - one counter, many ranks.
 *
 * `mpiexec -n 4 ./program` starts four separate processes (ranks), maybe
 * on four different machines. Each has its own memory, so a global counter
 * exists four times: a rank that adds 1 to it n times sees n, whatever the
 * others do. There is no race to lose updates to - and no way to see the
 * others' work except by a MESSAGE.
 *
 * MPI_Reduce is that message, already written: every rank contributes its
 * private count and the root (rank 0) receives their sum. It is a
 * COLLECTIVE: every rank of the communicator must call it, with the same
 * root, or the ranks that did call it wait forever. So an error found on
 * one rank must be found on all of them, before anyone communicates: here
 * the arguments are checked first, and the tests pass the same arguments
 * on every rank.
 */
#include <mpi.h>
#include <stddef.h>

#include "pl_shared.h"

/*
 * Your code: types and static helper functions of your own go here, above
 * the functions below that call them. (A static function that nothing
 * calls is an error under -Werror: add each one when you first call it.)
 */
/* BEGIN SOLUTION */
/* "The" counter: one per process, i.e. one per rank. */
static long counter;

static void count_privately(long n)
{
    counter = 0;
    for (long i = 0; i < n; i++) {
        counter++;
    }
}
/* END SOLUTION */

int pl_counter_mpi_naive(MPI_Comm comm, long n, long *mine)
{
    /* BEGIN SOLUTION */
    /* TODO: Return PL_EINVAL when n < 0 or mine is NULL. Add 1 to a global counter n times,
     * then set *mine to the counter. There is no communication at all: that is the point. */
    /* SKELETON: (void)comm; (void)n; (void)mine; return PL_ENOTIMPL; */
    (void)comm; /* the naive version never talks to the other ranks */
    if (n < 0 || mine == NULL) {
        return PL_EINVAL;
    }
    count_privately(n);
    *mine = counter;
    return PL_OK;
    /* END SOLUTION */
}

int pl_counter_mpi_reduce(MPI_Comm comm, long n, long *total)
{
    /* BEGIN SOLUTION */
    /* TODO: Check the arguments and count privately as in the naive version, then call
     * MPI_Reduce(&counter, &sum, 1, MPI_LONG, MPI_SUM, 0, comm). On rank 0 *total is the sum;
     * on the other ranks it is their own count. When MPI fails, return PL_ESYS. */
    /* SKELETON: (void)comm; (void)n; (void)total; return PL_ENOTIMPL; */
    if (n < 0 || total == NULL) {
        return PL_EINVAL;
    }
    count_privately(n);
    int rank;
    long sum = 0;
    if (MPI_Comm_rank(comm, &rank) != MPI_SUCCESS ||
        MPI_Reduce(&counter, &sum, 1, MPI_LONG, MPI_SUM, 0, comm) != MPI_SUCCESS) {
        return PL_ESYS;
    }
    /* Only the root's receive buffer is written; every other rank keeps its own count. */
    *total = rank == 0 ? sum : counter;
    return PL_OK;
    /* END SOLUTION */
}
