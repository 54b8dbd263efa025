/*
 * tsan_gomp.c - a tiny stand-in for GCC's OpenMP runtime, so that
 * ThreadSanitizer can judge lab 00's OpenMP counters.
 *
 * The problem: GCC turns `#pragma omp ...` into calls to libgomp
 * (GOMP_parallel, GOMP_critical_start, ...). libgomp is not built with
 * ThreadSanitizer and synchronises with raw futexes and atomics that TSan
 * never sees, so under `gcc -fsanitize=thread -fopenmp` EVERY variant is
 * reported as a race - atomic, critical and reduction too (checked with
 * gcc 12 on Debian 12). Those reports are false: TSan just cannot see the
 * barrier at the end of the region or the lock of `critical`.
 *
 * The fix used here: compile the student's openmp.c with -fopenmp as
 * usual, but link it against THIS file instead of libgomp. It implements
 * the few entry points the lab's pragmas compile to with plain pthreads
 * (pthread_create/join, mutexes, barriers), which TSan intercepts and
 * understands. Then TSan sees exactly the synchronisation OpenMP
 * promises, and reports exactly the races the code really has.
 *
 * Covered: parallel regions (num_threads, nested regions run on one
 * thread), static `for` loops (GCC inlines their split), barrier,
 * critical (named and unnamed), atomic fall-backs, single, and the omp_*
 * queries below. Not covered: dynamic/guided schedules, tasks, locks
 * (omp_set_lock) - a program using them fails to LINK, which the TSan
 * test reports as such. The other way is clang with LLVM's libomp and its
 * Archer tool (tests/openmp-experiments/README.md).
 *
 * Test-only code: it aborts on a failure of pthreads, which a real runtime
 * must not do.
 */
#include <omp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define MAX_TEAM 256

/* GCC's calls into the runtime (libgomp's ABI), declared for -Wmissing-prototypes. */
void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags);
void GOMP_barrier(void);
void GOMP_critical_start(void);
void GOMP_critical_end(void);
void GOMP_critical_name_start(void **name);
void GOMP_critical_name_end(void **name);
void GOMP_atomic_start(void);
void GOMP_atomic_end(void);
bool GOMP_single_start(void);
void GOMP_loop_end(void);
void GOMP_loop_end_nowait(void);

typedef struct team {
    void (*fn)(void *);
    void *data;
    unsigned size;
    pthread_barrier_t barrier;
} team;

typedef struct member {
    team *team;
    unsigned num;
} member;

static _Thread_local team *cur_team;
static _Thread_local unsigned cur_num;
static int nthreads_var; /* 0: not decided yet */

static void die(const char *what)
{
    fprintf(stderr, "tsan_gomp: %s failed\n", what);
    abort();
}

static void *member_main(void *arg)
{
    member *m = arg;
    cur_team = m->team;
    cur_num = m->num;
    m->team->fn(m->team->data);
    return NULL;
}

void GOMP_parallel(void (*fn)(void *), void *data, unsigned num_threads, unsigned flags)
{
    (void)flags;
    unsigned n = num_threads ? num_threads : (unsigned)omp_get_max_threads();
    if (cur_team != NULL) {
        n = 1; /* nested regions are inactive by default in libgomp too */
    }
    n = n > MAX_TEAM ? MAX_TEAM : n;
    team t = {fn, data, n, {{0}}};
    if (pthread_barrier_init(&t.barrier, NULL, n) != 0) {
        die("pthread_barrier_init");
    }
    pthread_t tids[MAX_TEAM];
    member members[MAX_TEAM];
    for (unsigned i = 1; i < n; i++) {
        members[i] = (member){&t, i};
        if (pthread_create(&tids[i], NULL, member_main, &members[i]) != 0) {
            die("pthread_create");
        }
    }
    team *outer = cur_team;
    unsigned outer_num = cur_num;
    cur_team = &t;
    cur_num = 0;
    fn(data);
    /* The region's closing barrier: join makes every member's writes visible (and TSan knows it). */
    for (unsigned i = 1; i < n; i++) {
        pthread_join(tids[i], NULL);
    }
    cur_team = outer;
    cur_num = outer_num;
    pthread_barrier_destroy(&t.barrier);
}

void GOMP_barrier(void)
{
    if (cur_team != NULL && cur_team->size > 1) {
        pthread_barrier_wait(&cur_team->barrier);
    }
}

void GOMP_loop_end(void)
{
    GOMP_barrier();
}

void GOMP_loop_end_nowait(void)
{
}

static pthread_mutex_t critical_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t atomic_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t named_lock;
static pthread_once_t named_once = PTHREAD_ONCE_INIT;

/* Every named critical shares one recursive lock: coarser than libgomp, never wrong. */
static void init_named_lock(void)
{
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    if (pthread_mutex_init(&named_lock, &attr) != 0) {
        die("pthread_mutex_init");
    }
    pthread_mutexattr_destroy(&attr);
}

void GOMP_critical_start(void)
{
    pthread_mutex_lock(&critical_lock);
}

void GOMP_critical_end(void)
{
    pthread_mutex_unlock(&critical_lock);
}

void GOMP_critical_name_start(void **name)
{
    (void)name;
    pthread_once(&named_once, init_named_lock);
    pthread_mutex_lock(&named_lock);
}

void GOMP_critical_name_end(void **name)
{
    (void)name;
    pthread_mutex_unlock(&named_lock);
}

void GOMP_atomic_start(void)
{
    pthread_mutex_lock(&atomic_lock);
}

void GOMP_atomic_end(void)
{
    pthread_mutex_unlock(&atomic_lock);
}

/* Exactly one thread of the team runs a `single` block: here, thread 0. */
bool GOMP_single_start(void)
{
    return cur_num == 0;
}

int omp_get_thread_num(void)
{
    return (int)cur_num;
}

int omp_get_num_threads(void)
{
    return cur_team ? (int)cur_team->size : 1;
}

int omp_in_parallel(void)
{
    return cur_team != NULL && cur_team->size > 1;
}

int omp_get_num_procs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

int omp_get_max_threads(void)
{
    if (nthreads_var == 0) {
        const char *env = getenv("OMP_NUM_THREADS");
        int n = env ? atoi(env) : 0;
        nthreads_var = n > 0 ? n : omp_get_num_procs();
    }
    return nthreads_var;
}

void omp_set_num_threads(int n)
{
    if (n > 0) {
        nthreads_var = n;
    }
}

double omp_get_wtime(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}
