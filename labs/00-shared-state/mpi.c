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

int pl_counter_mpi_naive(MPI_Comm comm, long n, long *mine)
{
    /* TODO: Return PL_EINVAL when n < 0 or mine is NULL. Add 1 to a global counter n times,
     * then set *mine to the counter. There is no communication at all: that is the point. */
    (void)comm; (void)n; (void)mine; return PL_ENOTIMPL;
}

int pl_counter_mpi_reduce(MPI_Comm comm, long n, long *total)
{
    /* TODO: Check the arguments and count privately as in the naive version, then call
     * MPI_Reduce(&counter, &sum, 1, MPI_LONG, MPI_SUM, 0, comm). On rank 0 *total is the sum;
     * on the other ranks it is their own count. When MPI fails, return PL_ESYS. */
    (void)comm; (void)n; (void)total; return PL_ENOTIMPL;
}
