/*
 * bench/bench_floors.c - the floors under the per-task figures.
 *
 * A map cannot hand out a task faster than its model can move one message
 * there and back. These micro-benchmarks time those moves alone, with no
 * paralab code in the way, so the per-task overhead of each backend can be
 * read as "floor + what the backend adds on top":
 *
 *   pipe_rtt       1 byte parent -> child -> parent over two pipes: what
 *                  the fork backend pays at least per task (it sends the
 *                  task down one pipe and reads the result from another)
 *   fork_wait      fork() + _exit(0) in the child + waitpid(): what a
 *                  process-per-task design would pay, and what the fork
 *                  pool pays once per worker per map call
 *   thread_start   pthread_create + pthread_join of a thread that does
 *                  nothing: what starting a thread per task would cost
 *   thread_wake    one thread signals a sleeping thread (condition
 *                  variable) and waits to be signalled back; half of this
 *                  round trip is one wake-up
 *   omp_region     an empty `#pragma omp parallel num_threads(2)`: the
 *                  OpenMP backend opens one such team per map call
 *   clock_read     one pl_now_ns() (clock_gettime, CLOCK_MONOTONIC): every
 *                  item's result carries one or two of them
 *   codec_item     ONE item's trip through the codec fork and MPI share,
 *                  per item of chunks of 12 500 (Pool.map's automatic chunk
 *                  for 100 000 items on 2 workers): its argument encoded
 *                  into a call and decoded, its result (an int, no error
 *                  text) encoded into a reply and decoded. No pipe and no
 *                  MPI: the CPU each item costs before any transport, split
 *                  between the caller (encode the call, decode the reply)
 *                  and a worker (the other two)
 *
 *   bench_floors [--reps R] [--quick] [--ceiling]
 *
 * Prints CSV lines `floor,name,median_us,min_us,max_us,iters`; each rep times
 * `iters` operations and reports the time per operation.
 *
 * --ceiling measures something else, the SPEEDUP CEILING of the machine at
 * this moment: a fixed amount of spin work on one plain thread, then the same
 * work split over two plain threads, back to back, R times. The ratio is the
 * best any backend could do now. On an idle 2-core machine it is ~2; on a
 * shared one it can be ~1, because Linux's autogroup scheduler gives every
 * session (login, job, container task) an equal share of the CPUs: when
 * another session keeps both cores busy, ours gets about one core in total,
 * however many threads it runs. Prints `ceiling,cpu_2threads,median,min,max,iters`. (The MPI ping-pong
 * lives in bench_mpi_pingpong.c: it needs mpiexec.)
 */
#include <omp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pl_call.h"
#include "pl_clock.h"
#include "pl_result.h"
#include "pl_value.h"
#include "pl_wire.h"

#define MAX_REPS 50

typedef double (*floor_fn)(long iters); /* returns ns per operation, < 0 on error */

/* ---------------------------------------------------------------- pipes */

static double pipe_rtt(long iters)
{
    int down[2], up[2];
    if (pipe(down) != 0 || pipe(up) != 0) {
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        return -1;
    }
    char b = 'x';
    if (pid == 0) {
        /*
         * The echo child: every byte that comes down goes straight back up.
         * It must close the ends it does not use: holding its own copy of
         * the write end of `down`, it would never see end-of-file.
         */
        close(down[1]);
        close(up[0]);
        while (read(down[0], &b, 1) == 1 && write(up[1], &b, 1) == 1) {
        }
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    int64_t t0 = pl_now_ns();
    for (long i = 0; i < iters; i++) {
        if (write(down[1], &b, 1) != 1 || read(up[0], &b, 1) != 1) {
            break;
        }
    }
    int64_t t = pl_now_ns() - t0;
    close(down[1]); /* end-of-file: the child leaves its loop */
    waitpid(pid, NULL, 0);
    close(up[0]);
    return (double)t / (double)iters;
}

/* ---------------------------------------------------------------- fork */

static double fork_wait(long iters)
{
    int64_t t0 = pl_now_ns();
    for (long i = 0; i < iters; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            return -1;
        }
        if (pid == 0) {
            _exit(0);
        }
        waitpid(pid, NULL, 0);
    }
    return (double)(pl_now_ns() - t0) / (double)iters;
}

/* ---------------------------------------------------------------- threads */

static void *nothing(void *p)
{
    return p;
}

static double thread_start(long iters)
{
    int64_t t0 = pl_now_ns();
    for (long i = 0; i < iters; i++) {
        pthread_t th;
        if (pthread_create(&th, NULL, nothing, NULL) != 0 || pthread_join(th, NULL) != 0) {
            return -1;
        }
    }
    return (double)(pl_now_ns() - t0) / (double)iters;
}

typedef struct pingpong {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    long turn; /* even: main's turn, odd: the partner's; -1: stop */
} pingpong;

static void *partner(void *p)
{
    pingpong *pp = p;
    pthread_mutex_lock(&pp->mu);
    for (;;) {
        while (pp->turn >= 0 && pp->turn % 2 == 0) {
            pthread_cond_wait(&pp->cv, &pp->mu);
        }
        if (pp->turn < 0) {
            break;
        }
        pp->turn++;
        pthread_cond_broadcast(&pp->cv);
    }
    pthread_mutex_unlock(&pp->mu);
    return NULL;
}

static double thread_wake(long iters)
{
    pingpong pp = {.turn = 0};
    pthread_mutex_init(&pp.mu, NULL);
    pthread_cond_init(&pp.cv, NULL);
    pthread_t th;
    if (pthread_create(&th, NULL, partner, &pp) != 0) {
        return -1;
    }
    int64_t t0 = pl_now_ns();
    pthread_mutex_lock(&pp.mu);
    for (long i = 0; i < iters; i++) {
        pp.turn++; /* now odd: the partner's turn */
        pthread_cond_broadcast(&pp.cv);
        while (pp.turn % 2 == 1) {
            pthread_cond_wait(&pp.cv, &pp.mu);
        }
    }
    int64_t t = pl_now_ns() - t0;
    pp.turn = -1;
    pthread_cond_broadcast(&pp.cv);
    pthread_mutex_unlock(&pp.mu);
    pthread_join(th, NULL);
    pthread_cond_destroy(&pp.cv);
    pthread_mutex_destroy(&pp.mu);
    return (double)t / (double)iters;
}

/* ---------------------------------------------------------------- OpenMP */

static double omp_region(long iters)
{
    volatile int sink = 0;
    int64_t t0 = pl_now_ns();
    for (long i = 0; i < iters; i++) {
#pragma omp parallel num_threads(2)
        {
            if (omp_get_thread_num() == 1) {
                sink = 1;
            }
        }
    }
    (void)sink;
    return (double)(pl_now_ns() - t0) / (double)iters;
}

/* ---------------------------------------------------------------- clock and codec */

static double clock_read(long iters)
{
    int64_t t0 = pl_now_ns(), last = t0;
    for (long i = 0; i < iters; i++) {
        last = pl_now_ns();
    }
    return (double)(last - t0) / (double)iters;
}

#define CODEC_CHUNK 12500

static pl_value *codec_args[CODEC_CHUNK];
static pl_result *codec_results[CODEC_CHUNK];

/* A chunk's arguments and what a worker would answer for them: OK, an int, two stamps, a worker. */
static int codec_setup(void)
{
    for (int i = 0; i < CODEC_CHUNK; i++) {
        if (codec_args[i] != NULL) {
            continue;
        }
        codec_args[i] = pl_value_new_int(i);
        codec_results[i] = pl_result_new();
        pl_value *out = pl_value_new_int(i);
        int ok = codec_args[i] != NULL && codec_results[i] != NULL && out != NULL &&
                 pl_result_take_value(codec_results[i], out) == PL_OK;
        pl_value_free(out); /* taken: its content moved into the result */
        if (!ok) {
            return -1;
        }
        pl_result_set_status(codec_results[i], PL_TASK_OK, NULL);
        pl_result_set_times(codec_results[i], 1000000 + i, 1000001 + i);
        pl_result_set_worker(codec_results[i], 4242);
    }
    return 0;
}

static void codec_teardown(void)
{
    for (int i = 0; i < CODEC_CHUNK; i++) {
        pl_value_free(codec_args[i]);
        pl_result_free(codec_results[i]);
        codec_args[i] = NULL;
        codec_results[i] = NULL;
    }
}

/* Whole chunks through all four steps; ns per item. */
static double codec_item(long iters)
{
    pl_buf *call = pl_buf_new(), *reply = pl_buf_new();
    long chunks = (iters + CODEC_CHUNK - 1) / CODEC_CHUNK;
    int bad = call == NULL || reply == NULL || codec_setup() != 0;
    int64_t t0 = pl_now_ns();
    for (long k = 0; k < chunks && !bad; k++) {
        pl_call_msg c = {0};
        pl_reply_msg r = {0};
        pl_buf_reset(call);
        pl_buf_reset(reply);
        bad = pl_call_encode_chunk(call, k, "noop", codec_args, CODEC_CHUNK) != PL_OK ||
              pl_call_decode(pl_buf_data(call), pl_buf_len(call), &c) != PL_OK ||
              pl_reply_encode_chunk(reply, k, codec_results, CODEC_CHUNK) != PL_OK ||
              pl_reply_decode(pl_buf_data(reply), pl_buf_len(reply), &r) != PL_OK || r.count != CODEC_CHUNK;
        pl_call_msg_clear(&c);
        pl_reply_msg_clear(&r);
    }
    int64_t t1 = pl_now_ns();
    pl_buf_free(call);
    pl_buf_free(reply);
    return bad ? -1 : (double)(t1 - t0) / (double)(chunks * CODEC_CHUNK);
}

/* ---------------------------------------------------------------- ceiling */

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

#define CEILING_ROUNDS 40000000L /* ~40 ms of spin on a free core */

static void *spin_half(void *p)
{
    uint64_t x = 1, n = *(const uint64_t *)p;
    for (uint64_t k = 0; k < n; k++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    }
    *(volatile uint64_t *)p = x; /* a volatile store: the loop cannot be optimised away */
    return NULL;
}

/*
 * Every call goes through this pointer: once the compiler cannot see which
 * function it calls, it cannot specialise the loop for the constant round
 * count of the one-thread run. (Without it, that run came out about 2x
 * faster per round than the same loop in the helper, and the ceiling read
 * 0.5 on an idle machine.)
 */
static void *(*volatile spin_call)(void *) = spin_half;

/*
 * The second thread lives for the whole measurement and waits at a barrier
 * between pairs: a freshly created thread would be started late by the
 * scheduler on a busy machine and measure that instead of the CPUs.
 */
typedef struct ceiling_team {
    pthread_barrier_t start, end;
    uint64_t half; /* the helper's work; 0 = leave */
} ceiling_team;

static void *ceiling_helper(void *p)
{
    ceiling_team *t = p;
    for (;;) {
        pthread_barrier_wait(&t->start);
        if (t->half == 0) {
            return NULL;
        }
        uint64_t n = t->half;
        spin_call(&n);
        pthread_barrier_wait(&t->end);
    }
}

/* One pair: the work on one thread, then split over two. Returns one-thread time / two-thread time. */
static double ceiling_pair(ceiling_team *t)
{
    uint64_t whole = 2 * CEILING_ROUNDS, mine = CEILING_ROUNDS;
    int64_t t0 = pl_now_ns();
    spin_call(&whole);
    int64_t t1 = pl_now_ns();
    t->half = CEILING_ROUNDS;
    pthread_barrier_wait(&t->start);
    spin_call(&mine);
    pthread_barrier_wait(&t->end);
    int64_t t2 = pl_now_ns();
    return (double)(t1 - t0) / (double)(t2 - t1);
}

static int measure_ceiling(int reps)
{
    double r[MAX_REPS];
    ceiling_team t = {.half = 0};
    pthread_barrier_init(&t.start, NULL, 2);
    pthread_barrier_init(&t.end, NULL, 2);
    pthread_t th;
    if (pthread_create(&th, NULL, ceiling_helper, &t) != 0) {
        return 1;
    }
    ceiling_pair(&t); /* warm-up */
    for (int i = 0; i < reps; i++) {
        r[i] = ceiling_pair(&t);
    }
    t.half = 0; /* written before the barrier, read after it: the barrier orders the two */
    pthread_barrier_wait(&t.start);
    pthread_join(th, NULL);
    pthread_barrier_destroy(&t.start);
    pthread_barrier_destroy(&t.end);
    qsort(r, (size_t)reps, sizeof r[0], cmp_double);
    double med = (reps % 2) ? r[reps / 2] : (r[reps / 2 - 1] + r[reps / 2]) / 2;
    printf("ceiling,cpu_2threads,%.4f,%.4f,%.4f,%ld\n", med, r[0], r[reps - 1], CEILING_ROUNDS);
    fflush(stdout);
    return 0;
}

/* ---------------------------------------------------------------- driver */

static int measure(const char *name, floor_fn fn, long iters, int reps)
{
    double ns[MAX_REPS];
    fn(iters / 10 + 1); /* warm-up */
    for (int r = 0; r < reps; r++) {
        if ((ns[r] = fn(iters)) < 0) {
            fprintf(stderr, "bench_floors: %s failed\n", name);
            return 1;
        }
    }
    qsort(ns, (size_t)reps, sizeof ns[0], cmp_double);
    double med = (reps % 2) ? ns[reps / 2] : (ns[reps / 2 - 1] + ns[reps / 2]) / 2;
    printf("floor,%s,%.3f,%.3f,%.3f,%ld\n", name, med / 1e3, ns[0] / 1e3, ns[reps - 1] / 1e3, iters);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    int reps = 5, quick = 0, ceiling = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = 1;
        } else if (strcmp(argv[i], "--ceiling") == 0) {
            ceiling = 1;
        } else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc) {
            reps = (int)strtol(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "usage: bench_floors [--reps R] [--quick] [--ceiling]\n");
            return 2;
        }
    }
    if (reps < 1 || reps > MAX_REPS) {
        reps = 5;
    }
    if (ceiling) {
        return measure_ceiling(reps);
    }
    long scale = quick ? 10 : 1;
    int bad = 0;
    bad |= measure("pipe_rtt", pipe_rtt, 20000 / scale, reps);
    bad |= measure("fork_wait", fork_wait, 1000 / scale, reps);
    bad |= measure("thread_start", thread_start, 5000 / scale, reps);
    bad |= measure("thread_wake", thread_wake, 20000 / scale, reps);
    bad |= measure("omp_region", omp_region, 20000 / scale, reps);
    bad |= measure("clock_read", clock_read, 1000000 / scale, reps);
    bad |= measure("codec_item", codec_item, 100000 / scale, reps);
    codec_teardown();
    return bad;
}
