/*
 * runtime/mpi_comm.c - the bottom floor of the MPI backend: starting and
 * ending MPI, paralab's own communicator, this process's rank, and how to
 * wait politely between two looks at it.
 *
 * Everything else of the backend is built on this file and nothing here
 * calls up (runtime/mpi.c's run scope opens and closes the communicator;
 * mpi_wire.c, mpi_worker.c and mpi_table.c only use it):
 *
 *     mpi.c          the run scope: pl_run, greeting, shutdown
 *       mpi_table.c  rank 0's worker table
 *       mpi_worker.c the worker ranks' serve loop
 *         mpi_wire.c paralab's messages as bytes (common/pl_call.h)
 *           mpi_comm.c   (this file)
 */
#include <sched.h>
#include <time.h>

#include "pl_mpi.h"

static struct {
    int rank, size;
    int we_initialized; /* we called MPI_Init, so we call MPI_Finalize */
    MPI_Comm comm;      /* our duplicate of MPI_COMM_WORLD */
} world = {.comm = MPI_COMM_NULL};

int pl_mpi_comm_open(void)
{
    int initialized = 0;
    MPI_Initialized(&initialized);
    world.we_initialized = 0;
    if (!initialized) {
        int provided = 0;
        /* FUNNELED: only the thread that called pl_run talks to MPI, tasks may use threads. */
        if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
            return PL_ESYS;
        }
        world.we_initialized = 1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &world.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world.size);
    /* Our own communicator, as libraries do: a program's messages on MPI_COMM_WORLD never mix with ours. */
    if (MPI_Comm_dup(MPI_COMM_WORLD, &world.comm) != MPI_SUCCESS) {
        return PL_ESYS;
    }
    MPI_Comm_set_errhandler(world.comm, MPI_ERRORS_RETURN);
    return PL_OK;
}

void pl_mpi_comm_close(void)
{
    if (world.comm != MPI_COMM_NULL) {
        MPI_Comm_free(&world.comm);
        world.comm = MPI_COMM_NULL;
    }
    if (world.we_initialized) {
        MPI_Finalize();
        world.we_initialized = 0;
    }
}

MPI_Comm pl_mpi_comm(void)
{
    return world.comm;
}

int pl_mpi_rank(void)
{
    return world.rank;
}

int pl_mpi_size(void)
{
    return world.size;
}

/* When the current wait began (round 0): the spin window is timed from it. One MPI thread per process. */
static _Thread_local int64_t wait_began_ns;

void pl_mpi_backoff(int *round)
{
    /*
     * First PL_MPI_SPIN_NS of plain polling: the caller looks again at
     * once. A reply to a small request usually arrives within a few
     * microseconds (a blocking round trip costs ~2 us here); a yield or a
     * sleep before looking again costs more than the wait itself.
     */
    if (*round == 0) {
        wait_began_ns = pl_now_ns();
        *round = -1;
        return;
    }
    if (*round < 0) {
        if (pl_now_ns() - wait_began_ns < PL_MPI_SPIN_NS) {
            return;
        }
        *round = 1;
    }
    /*
     * First a few sched_yield()s: an answer usually arrives within
     * microseconds, and a sleep (with the kernel's timer slack) would add a
     * millisecond to every round trip. Yielding still hands the core to any
     * other runnable rank, which matters when ranks outnumber cores.
     */
    if (*round < PL_MPI_YIELD_ROUNDS) {
        (*round)++;
        sched_yield();
        return;
    }
    int step = *round - PL_MPI_YIELD_ROUNDS;
    long us = 50L << (step < 5 ? step : 5);
    if (us > 1000) {
        us = 1000;
    }
    if (step < 5) {
        (*round)++;
    }
    struct timespec ts = {0, us * 1000L};
    nanosleep(&ts, NULL);
}
