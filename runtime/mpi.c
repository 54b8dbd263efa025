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
 * Rank 0 also keeps the worker table (pl_mpi.h): map, futures and groups
 * share the workers, so one place must know which are free, which are
 * busy, and which still owe a late reply that has to be drained.
 *
 * When body returns while a task still runs (a future never freed, a task
 * that ignores pl_should_stop), the STOP message makes pl_should_stop()
 * true on that worker. A task that never polls cannot be stopped: after a
 * grace period (PARALAB_MPI_STOP_GRACE_MS, default 10 s) pl_run says which
 * ranks are stuck and aborts the job, the only way MPI has to end a rank.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <time.h>

#include "pl_mpi.h"

static const pl_backend_info info = {
    .name = "mpi", .parallel = 1, .isolates_crashes = 0, .can_kill = 0};

#define DEFAULT_STOP_GRACE_MS 10000
#define MAX_PROGRESS 4

static void (*progress_fns[MAX_PROGRESS])(void);

enum worker_state { WORKER_FREE, WORKER_CLAIMED, WORKER_OWING };

typedef struct worker_slot {
    enum worker_state state;
    uint32_t owed_id; /* OWING: the request whose late reply must be drained */
} worker_slot;

static struct {
    int used;         /* pl_run was called: MPI can be initialised once per process */
    int rank, size;
    int in_body;      /* rank 0 while body runs */
    MPI_Comm comm;    /* our duplicate of MPI_COMM_WORLD */
    worker_slot *workers; /* indexed by rank; [0] unused */
    uint32_t last_id;
} scope = {.comm = MPI_COMM_NULL};

const pl_backend_info *pl_backend(void)
{
    return &info;
}

int pl_is_root(void)
{
    return scope.rank == 0;
}

int pl_workers(void)
{
    return scope.in_body ? scope.size - 1 : 0;
}

int pl_mpi_in_scope(void)
{
    return scope.in_body;
}

int pl_mpi_rank(void)
{
    return scope.rank;
}

MPI_Comm pl_mpi_comm(void)
{
    return scope.comm;
}

uint32_t pl_mpi_new_id(void)
{
    scope.last_id++;
    if (scope.last_id == 0) {
        scope.last_id = 1; /* after 4 billion requests: 0 stays reserved */
    }
    return scope.last_id;
}

void pl_mpi_backoff(int *round)
{
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

/* ---------------------------------------------------------------- worker table */

static int valid_worker(int rank)
{
    return scope.in_body && scope.workers != NULL && rank >= 1 && rank < scope.size;
}

/* Take in the late replies that have arrived; an OWING worker whose debt is paid is FREE again. */
static void drain_late_replies(void)
{
    for (int r = 1; r < scope.size; r++) {
        worker_slot *w = &scope.workers[r];
        while (w->state == WORKER_OWING) {
            uint32_t id = 0;
            if (pl_mpi_drain_one(r, &id) <= 0) {
                break; /* not arrived yet */
            }
            if (id == w->owed_id) {
                w->state = WORKER_FREE;
            }
        }
    }
}

void pl_mpi_add_progress(void (*fn)(void))
{
    for (int k = 0; k < MAX_PROGRESS; k++) {
        if (progress_fns[k] == fn) {
            return;
        }
        if (progress_fns[k] == NULL) {
            progress_fns[k] = fn;
            return;
        }
    }
}

/* Let the owners of claimed workers notice finished requests (see pl_mpi_add_progress). */
static void run_progress(void)
{
    static int running; /* a progress function that claims a worker must not loop back here */
    if (running) {
        return;
    }
    running = 1;
    for (int k = 0; k < MAX_PROGRESS && progress_fns[k] != NULL; k++) {
        progress_fns[k]();
    }
    running = 0;
}

static int first_free(void)
{
    drain_late_replies();
    for (int r = 1; r < scope.size; r++) {
        if (scope.workers[r].state == WORKER_FREE) {
            scope.workers[r].state = WORKER_CLAIMED;
            return r;
        }
    }
    return -1;
}

int pl_mpi_claim_worker(void)
{
    if (!scope.in_body || scope.workers == NULL) {
        return -1;
    }
    int rank = first_free();
    if (rank < 0) {
        run_progress();
        rank = first_free();
    }
    return rank;
}

void pl_mpi_release_worker(int rank)
{
    if (valid_worker(rank)) {
        scope.workers[rank].state = WORKER_FREE;
    }
}

void pl_mpi_abandon_worker(int rank, uint32_t id)
{
    if (!valid_worker(rank)) {
        return;
    }
    pl_mpi_send_cancel(rank, id);
    scope.workers[rank].state = WORKER_OWING;
    scope.workers[rank].owed_id = id;
}

int pl_mpi_free_workers(void)
{
    if (!scope.in_body || scope.workers == NULL) {
        return 0;
    }
    drain_late_replies();
    int n = 0;
    for (int r = 1; r < scope.size; r++) {
        n += scope.workers[r].state == WORKER_FREE;
    }
    return n;
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
    MPI_Iprobe(r, MPI_ANY_TAG, scope.comm, &waiting, &st);
    if (!waiting) {
        return 0;
    }
    if (st.MPI_TAG == PL_MPI_TAG_STOPPED) {
        MPI_Recv(NULL, 0, MPI_BYTE, r, PL_MPI_TAG_STOPPED, scope.comm, MPI_STATUS_IGNORE);
        return 1;
    }
    uint32_t id;
    pl_mpi_drain_one(r, &id);
    return 0;
}

/* Names the workers that did not stop, then ends the whole job: MPI cannot end one rank. */
static void abort_stuck(const int *stopped, int rc)
{
    fprintf(stderr, "paralab mpi: worker rank(s)");
    for (int r = 1; r < scope.size; r++) {
        if (!stopped[r]) {
            fprintf(stderr, " %d", r);
        }
    }
    fprintf(stderr, " did not stop within %lld ms of the end of pl_run (a task that never calls "
                    "pl_should_stop() cannot be stopped); aborting the job\n",
            (long long)stop_grace_ms());
    MPI_Abort(MPI_COMM_WORLD, rc != 0 ? rc : 1);
}

/* STOP every worker and wait for each to confirm, draining whatever else it still sends. */
static void stop_workers(int rc)
{
    int *stopped = calloc((size_t)scope.size, sizeof *stopped);
    if (stopped == NULL) {
        MPI_Abort(MPI_COMM_WORLD, rc != 0 ? rc : 1);
    }
    for (int r = 1; r < scope.size; r++) {
        MPI_Send(NULL, 0, MPI_BYTE, r, PL_MPI_TAG_STOP, scope.comm);
    }
    int left = scope.size - 1;
    int64_t deadline = pl_deadline_after_ms(stop_grace_ms());
    int round = 0;
    while (left > 0) {
        for (int r = 1; r < scope.size; r++) {
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
    for (int r = 1; r < scope.size; r++) {
        MPI_Send(NULL, 0, MPI_BYTE, r, PL_MPI_TAG_HELLO, scope.comm);
    }
    for (int r = 1; r < scope.size; r++) {
        MPI_Recv(NULL, 0, MPI_BYTE, r, PL_MPI_TAG_HELLO, scope.comm, MPI_STATUS_IGNORE);
    }
}

static int run_root(int (*body)(void *ctx), void *ctx)
{
    if (scope.size < 2) {
        fprintf(stderr, "paralab mpi: only one rank, so no workers: map, futures and groups will refuse "
                        "to run (start it with mpiexec -n 2 or more)\n");
    }
    scope.workers = calloc((size_t)scope.size, sizeof *scope.workers);
    if (scope.workers == NULL) {
        return PL_ENOMEM;
    }
    greet_workers();
    scope.in_body = 1;
    int rc = body(ctx);
    scope.in_body = 0;
    stop_workers(rc);
    free(scope.workers);
    scope.workers = NULL;
    return rc;
}

/* MPI_Init unless the program did it already; *we_did says who must finalize. */
static int init_mpi(int *we_did)
{
    int initialized = 0;
    MPI_Initialized(&initialized);
    *we_did = 0;
    if (!initialized) {
        int provided = 0;
        /* FUNNELED: only the thread that called pl_run talks to MPI, tasks may use threads. */
        if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
            return PL_ESYS;
        }
        *we_did = 1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, &scope.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &scope.size);
    if (MPI_Comm_dup(MPI_COMM_WORLD, &scope.comm) != MPI_SUCCESS) {
        return PL_ESYS;
    }
    MPI_Comm_set_errhandler(scope.comm, MPI_ERRORS_RETURN);
    return PL_OK;
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
    int we_did = 0;
    int rc = init_mpi(&we_did);
    if (rc != PL_OK) {
        return rc;
    }
    rc = scope.rank == 0 ? run_root(body, ctx) : pl_mpi_serve();
    MPI_Comm_free(&scope.comm);
    scope.comm = MPI_COMM_NULL;
    if (we_did) {
        MPI_Finalize();
    }
    return rc;
}
