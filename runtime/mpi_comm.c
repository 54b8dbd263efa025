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
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
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

/* When the current wait began (round 0): the polling windows are timed from it. One MPI thread per process. */
static _Thread_local int64_t wait_began_ns;

void pl_mpi_backoff(int *round)
{
    if (*round == 0) {
        wait_began_ns = pl_now_ns();
        *round = -1;
        return;
    }
    if (*round < 0) {
        /*
         * First PL_MPI_SPIN_NS of plain polling: the caller looks again at
         * once. A reply to a small request usually arrives within a few
         * microseconds (a blocking round trip costs ~2 us here); a yield or
         * a sleep before looking again costs more than the wait itself.
         */
        int64_t waited = pl_now_ns() - wait_began_ns;
        if (waited < PL_MPI_SPIN_NS) {
            return;
        }
        /*
         * Then sched_yield()s until PL_MPI_YIELD_NS: still looking at
         * once when no other program wants the core, and handing it to
         * one that does (ranks can outnumber cores). The window must be
         * longer than the longest sleep below: when one rank answers
         * late, out of a sleep, the other must still be polling, and the
         * pair is back to answering in microseconds. With a window
         * shorter than a sleep (it was 64 yields, ~50 us), a pair that
         * once fell asleep stayed asleep: each late answer made the
         * other rank sleep too, and every round trip took 1.5-3 ms
         * instead of 2 us, for the rest of the run (one MPI start in six
         * here, and most of those of faults.mpi.out-of-memory).
         */
        if (waited < PL_MPI_YIELD_NS) {
            sched_yield();
            return;
        }
        *round = 1;
    }
    /* Sleep 50 us, doubling up to 1 ms: a long wait costs (almost) no CPU. */
    int step = *round - 1;
    long us = 50L << (step < 5 ? step : 5);
    if (us > PL_MPI_SLEEP_MAX_US) {
        us = PL_MPI_SLEEP_MAX_US;
    }
    if (step < 5) {
        (*round)++;
    }
    struct timespec ts = {0, us * 1000L};
    nanosleep(&ts, NULL);
}

/* ---------------------------------------------------------------- ending the job */

/* How long pl_mpi_abort_job waits at most for mpiexec to take a rank's last output. */
#define ABORT_DRAIN_MS 2000

/*
 * Under mpiexec a rank's stdout and stderr are pipes, and mpiexec (or its
 * daemon on that node) reads them and copies the bytes to the job's own
 * output whenever it gets round to it. MPI_Abort travels another way: a
 * message to the same mpiexec, which then kills every rank. Nothing orders
 * the two, so a line written just before MPI_Abort can still sit unread in
 * the pipe when mpiexec acts on the abort, and Open MPI 5 (PRRTE) then
 * throws it away: the student would see "MPI_ABORT was invoked" without
 * the line that says why. So wait - bounded, in case nobody reads the pipe
 * - until the pipe is empty, i.e. mpiexec has the bytes. FIONREAD on a
 * pipe counts the bytes not yet read, from either end. A file or a
 * terminal (a program started without mpiexec) has nothing in between.
 */
static void wait_until_read(int fd, int64_t deadline)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode)) {
        return;
    }
    int unread = 0;
    while (ioctl(fd, FIONREAD, &unread) == 0 && unread > 0 && pl_now_ns() < deadline) {
        pl_sleep_ms(1);
    }
}

_Noreturn void pl_mpi_abort_job(int code)
{
    /* stdout may be fully buffered (a pipe): what the program printed is still in this process. */
    fflush(stdout);
    fflush(stderr);
    int64_t deadline = pl_deadline_after_ms(ABORT_DRAIN_MS);
    wait_until_read(1, deadline);
    wait_until_read(2, deadline);
    MPI_Abort(MPI_COMM_WORLD, code != 0 ? code : 1);
    abort(); /* MPI_Abort does not return; this tells the compiler so */
}
