/*
 * runtime/mpi.c - the MPI backend's run scope (trusted harness code).
 *
 * `mpiexec -n K prog` starts K processes that share nothing. pl_run makes
 * them one team:
 *
 *   MPI_Init_thread
 *   rank 0        runs body(ctx): the tests, the demo, the student's main;
 *                 its map/futures/groups send requests to the workers
 *   ranks 1..K-1  serve requests (runtime/mpi_worker.c) until rank 0 says stop
 *   rank 0, once body returned: STOP to every worker, wait for each one's
 *                 STOPPED, throwing away replies nobody waits for any more
 *   MPI_Finalize
 *
 * pl_run returns body's return value on rank 0 and PL_OK on the workers, so
 * a program that returns pl_run's value from main exits with body's verdict
 * on rank 0 - and mpiexec's exit status is non-zero when any rank's is.
 *
 * Rank 0 also keeps the worker table (pl_mpi.h, runtime/mpi_table.c): map,
 * futures and groups share the workers, so one place must know which are
 * free, which are busy, and which still owe a late reply to be drained.
 *
 * This file is the top floor of the backend: it uses the others (see the
 * map in runtime/mpi_comm.c) and none of them calls back into it.
 *
 * When body returns while a task still runs (a future never freed, a task
 * that ignores pl_should_stop), the STOP message makes pl_should_stop()
 * true on that worker. A task that never polls cannot be stopped: after a
 * grace period (PARALAB_MPI_STOP_GRACE_MS, default 10 s) pl_run says which
 * ranks are stuck and aborts the job, the only way MPI has to end a rank.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "pl_backend_common.h"
#include "pl_mpi.h"
#include "pl_tasks.h"

static const pl_backend_info info = {
    .name = "mpi", .parallel = 1, .isolates_crashes = 0, .can_kill = 0};

#define DEFAULT_STOP_GRACE_MS 10000

/*
 * in_body is atomic and body_thread is written before it: another thread of
 * the program may ask pl_mpi_in_scope() while body runs.
 */
static struct {
    int used;           /* pl_run was called: MPI can be initialised once per process */
    atomic_int in_body; /* rank 0 while body runs */
    pthread_t body_thread; /* the thread running body: the only one that may talk to MPI */
} scope;

const pl_backend_info *pl_backend(void)
{
    return &info;
}

int pl_is_root(void)
{
    return pl_mpi_rank() == 0;
}

int pl_workers(void)
{
    return atomic_load(&scope.in_body) ? pl_mpi_size() - 1 : 0;
}

/*
 * MPI runs FUNNELED (runtime/mpi_comm.c): only the thread that called pl_run
 * may make MPI calls. A map, future or group started from another thread of
 * rank 0 would call MPI concurrently with it - wrong statuses, corrupt
 * messages, a crash in MPI_Finalize now and then - so for that thread the
 * scope is closed and those calls are refused with PL_ESTATE.
 */
int pl_mpi_in_scope(void)
{
    return atomic_load(&scope.in_body) && pthread_equal(pthread_self(), scope.body_thread);
}

/* ---------------------------------------------------------------- shutdown */

static int64_t stop_grace_ms(void)
{
    const char *s = getenv("PARALAB_MPI_STOP_GRACE_MS");
    char *end = NULL;
    long v = s != NULL ? strtol(s, &end, 10) : -1;
    return (s != NULL && *s != '\0' && *end == '\0' && v >= 0) ? v : DEFAULT_STOP_GRACE_MS;
}

/*
 * Look once at what rank r sent: a reply nobody waits for (thrown away) or
 * its STOPPED. 1 when r has stopped.
 */
static int check_stopped(int r)
{
    int waiting = 0;
    MPI_Status st;
    MPI_Iprobe(r, MPI_ANY_TAG, pl_mpi_comm(), &waiting, &st);
    if (!waiting) {
        return 0;
    }
    if (st.MPI_TAG == PL_MPI_TAG_STOPPED) {
        MPI_Recv(NULL, 0, MPI_BYTE, r, PL_MPI_TAG_STOPPED, pl_mpi_comm(), MPI_STATUS_IGNORE);
        return 1;
    }
    uint32_t id;
    pl_mpi_drain_one(r, &id);
    return 0;
}

/* Names the workers that did not stop, then ends the whole job: MPI cannot end one rank. */
static _Noreturn void abort_stuck(const int *stopped, int rc)
{
    fprintf(stderr, "paralab mpi: worker rank(s)");
    for (int r = 1; r < pl_mpi_size(); r++) {
        if (!stopped[r]) {
            fprintf(stderr, " %d", r);
        }
    }
    fprintf(stderr, " did not stop within %lld ms of the end of pl_run (a task that never calls "
                    "pl_should_stop() cannot be stopped); aborting the job\n",
            (long long)stop_grace_ms());
    pl_mpi_abort_job(rc);
}

/* STOP every worker and wait for each to confirm, draining whatever else it still sends. */
static void stop_workers(int rc)
{
    int size = pl_mpi_size();
    int *stopped = calloc((size_t)size, sizeof *stopped);
    if (stopped == NULL) {
        fprintf(stderr, "paralab mpi: out of memory while stopping the workers; aborting the job\n");
        pl_mpi_abort_job(rc);
    }
    for (int r = 1; r < size; r++) {
        MPI_Send(NULL, 0, MPI_BYTE, r, PL_MPI_TAG_STOP, pl_mpi_comm());
    }
    int left = size - 1;
    int64_t deadline = pl_deadline_after_ms(stop_grace_ms());
    int round = 0;
    while (left > 0) {
        for (int r = 1; r < size; r++) {
            if (!stopped[r] && check_stopped(r)) {
                stopped[r] = 1;
                left--;
            }
        }
        if (left > 0 && pl_now_ns() >= deadline) {
            abort_stuck(stopped, rc);
        }
        pl_mpi_backoff(&round);
    }
    pl_mpi_sends_finish(); /* every worker took every message before its STOPPED: no wait */
    free(stopped);
}

/* ---------------------------------------------------------------- the run scope */

/*
 * Greet every worker once and wait for each answer before body runs. Open
 * MPI connects two ranks lazily, at their first message: on a cluster
 * (TCP) that opens a socket in the middle of whatever body is doing, and a
 * test counting its open descriptors would see it as a leak. After the
 * greeting every connection body will use exists, and every worker is known
 * to be up and serving.
 */
static void greet_workers(void)
{
    for (int r = 1; r < pl_mpi_size(); r++) {
        MPI_Send(NULL, 0, MPI_BYTE, r, PL_MPI_TAG_HELLO, pl_mpi_comm());
    }
    for (int r = 1; r < pl_mpi_size(); r++) {
        MPI_Recv(NULL, 0, MPI_BYTE, r, PL_MPI_TAG_HELLO, pl_mpi_comm(), MPI_STATUS_IGNORE);
    }
}

static int run_root(int (*body)(void *ctx), void *ctx)
{
    if (pl_mpi_size() < 2) {
        fprintf(stderr, "paralab mpi: only one rank, so no workers: map, futures and groups will refuse "
                        "to run (start it with mpiexec -n 2 or more)\n");
    }
    if (pl_mpi_table_open() != PL_OK) {
        return PL_ENOMEM;
    }
    greet_workers();
    scope.body_thread = pthread_self();
    atomic_store(&scope.in_body, 1);
    int rc = body(ctx);
    atomic_store(&scope.in_body, 0);
    pl_mpi_table_close(); /* late replies still on their way are drained by stop_workers */
    stop_workers(rc);
    return rc;
}

int pl_run(const pl_opts *opts, int (*body)(void *ctx), void *ctx)
{
    (void)opts; /* the workers come from mpiexec -n, not from opts */
    if (body == NULL) {
        return PL_EINVAL;
    }
    if (scope.used) {
        return PL_ESTATE; /* MPI cannot be initialised again after MPI_Finalize */
    }
    scope.used = 1;
    int rc = pl_mpi_comm_open();
    if (rc != PL_OK) {
        return rc;
    }
    pl_tasks_register_builtins(); /* on every rank: a worker finds a task by its name */
    rc = pl_mpi_rank() == 0 ? run_root(body, ctx) : pl_mpi_serve();
    pl_mpi_comm_close();
    return rc;
}

/* The ranks exist already (mpiexec -n): asking for more only means queueing. */
int pl_backend_worker_limit(int wanted)
{
    return wanted;
}
