/*
 * tests/faults/oom.c - out of memory in the middle of a map (CTest
 * faults.<model>.out-of-memory, label "faults"; linked into
 * paralab_faults_<model>, whose faults.c calls fault_out_of_memory).
 *
 * The promise under test (paralab.h): a call is rejected up front (results[]
 * untouched) or it runs, and then EVERY item gets exactly one final result -
 * never a NULL slot, never PENDING - even when malloc starts failing halfway.
 *
 * How memory "runs out": this program defines malloc, calloc and realloc
 * itself (they win over glibc's for the whole process, shared libraries
 * included) and forwards to glibc's __libc_* functions - unarmed (every
 * other fault of the program) that costs one atomic load. Once armed, it
 * fails the K-th allocation made directly by code linked into this program
 * (paralab and its backend are static libraries; the caller's return
 * address tells), and in the "persistent" mode every one after it too.
 * Allocations made inside libc, libgomp or Open MPI are never failed: what
 * is tested is paralab's handling of NULL, not Open MPI's. RLIMIT_AS would
 * fail those too, at an address-space size nobody can aim at reliably.
 * A forked child inherits the armed counter: its allocations fail too.
 *
 * K runs over every allocation a healthy map makes (counted first), in both
 * modes. Not under AddressSanitizer (it owns malloc): exit 77, skipped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "faults.h"
#include "paralab.h"

#define SKIP 77
#define N_ITEMS 300 /* more than a slab of results (pl_result.c): the map must allocate some */
#define SLACK_MS 5000

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PL_OOM_INJECT 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PL_OOM_INJECT 0
#endif
#endif
#ifndef PL_OOM_INJECT
#define PL_OOM_INJECT 1
#endif

#if PL_OOM_INJECT
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern char __executable_start[], etext[];

static atomic_int armed;
static atomic_long countdown;  /* allocations left before the failing one */
static atomic_long counted;    /* allocations seen from our code while armed */
static int persistent;         /* fail every allocation after the K-th too */

static int should_fail(const void *caller)
{
    if (!atomic_load_explicit(&armed, memory_order_relaxed) || (const char *)caller < __executable_start ||
        (const char *)caller >= etext) {
        return 0;
    }
    atomic_fetch_add_explicit(&counted, 1, memory_order_relaxed);
    long k = atomic_fetch_sub_explicit(&countdown, 1, memory_order_relaxed);
    return k == 0 || (k < 0 && persistent);
}

void *malloc(size_t n)
{
    if (should_fail(__builtin_return_address(0))) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    if (should_fail(__builtin_return_address(0))) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    if (should_fail(__builtin_return_address(0))) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_realloc(p, n);
}

static void arm(long k, int every_after)
{
    persistent = every_after;
    atomic_store(&counted, 0);
    atomic_store(&countdown, k);
    atomic_store(&armed, 1);
}

static long disarm(void)
{
    atomic_store(&armed, 0);
    return atomic_load(&counted);
}
#endif

#if PL_OOM_INJECT
static int fds_before;
static long shared_oom; /* slots that got pl_result_out_of_memory() */
static int expect_ok;   /* the map after the faults: every worker must still serve */

/*
 * One map with the K-th allocation failing. Returns how many allocations
 * our code made while armed (the healthy run's count tells how far K goes).
 */
static long one_map(pl_value *const items[], long k, int every_after)
{
    static int sentinel;
    pl_result *rs[N_ITEMS];
    for (size_t i = 0; i < N_ITEMS; i++) {
        rs[i] = (pl_result *)&sentinel; /* untouched only if the call is rejected */
    }
    int64_t t0 = pl_now_ns();
    arm(k, every_after);
    int rc = pl_map("square", items, N_ITEMS, &(pl_map_opts){.max_workers = 2, .timeout_ms = 20000, .chunksize = 2},
                    rs);
    long made = disarm();
    int64_t ms = (pl_now_ns() - t0) / 1000000;
    const char *how = every_after ? "every allocation from" : "only";
    EXPECT(ms < 20000 + SLACK_MS, "K=%ld (%s): the map took %lld ms", k, how, (long long)ms);
    EXPECT(rc == PL_OK || rc == PL_ENOMEM || rc == PL_ESYS, "K=%ld (%s): map gave %s", k, how, pl_strerror(rc));
    int untouched = rs[0] == (pl_result *)&sentinel;
    for (size_t i = 0; i < N_ITEMS; i++) {
        if (untouched) {
            EXPECT(rs[i] == (pl_result *)&sentinel && rc == PL_ENOMEM,
                   "K=%ld (%s): slot %zu written by a call that gave %s", k, how, i, pl_strerror(rc));
            continue;
        }
        pl_task_status st = pl_result_status(rs[i]);
        EXPECT(rs[i] != NULL && rs[i] != (pl_result *)&sentinel && st != PL_TASK_PENDING,
               "K=%ld (%s): item %zu has %s", k, how, i,
               rs[i] == NULL ? "no result" : rs[i] == (pl_result *)&sentinel ? "its slot untouched" : "PENDING");
        EXPECT(!expect_ok || st == PL_TASK_OK, "after the faults, item %zu is %s: %s", i, pl_task_status_name(st),
               pl_result_error(rs[i]));
        int64_t sq = -1;
        pl_value_get_int(pl_result_value(rs[i]), &sq);
        EXPECT(st != PL_TASK_OK || sq == (int64_t)(i * i), "K=%ld (%s): item %zu OK with %lld", k, how, i,
               (long long)sq);
        EXPECT(st == PL_TASK_OK || pl_result_error(rs[i])[0] != '\0', "K=%ld (%s): item %zu %s without a reason",
               k, how, i, pl_task_status_name(st));
        shared_oom += rs[i] == pl_result_out_of_memory();
        if (rs[i] != (pl_result *)&sentinel) {
            pl_result_free(rs[i]);
        }
    }
    if (strcmp(pl_backend()->name, "mpi") != 0) { /* MPI keeps its own descriptors open */
        int status;
        pid_t got = waitpid(-1, &status, WNOHANG);
        EXPECT(got == -1 && errno == ECHILD, "K=%ld (%s): a child is left behind", k, how);
        EXPECT(fault_count_fds() == fds_before, "K=%ld (%s): %d descriptors open, %d before", k, how, fault_count_fds(),
               fds_before);
    }
    return made;
}

int fault_out_of_memory(void)
{
    pl_value *items[N_ITEMS];
    for (size_t i = 0; i < N_ITEMS; i++) {
        items[i] = pl_value_new_int((int64_t)i);
    }
    fds_before = fault_count_fds();
    long healthy = one_map(items, -1, 0); /* never fails: counts the allocations */
    EXPECT(healthy > 0, "the map made no allocation this program could see");
    int before = fault_failures;
    long runs = 0;
    for (int every_after = 0; every_after <= 1; every_after++) {
        for (long k = 0; k <= healthy + 2 && fault_failures - before < 20; k++) {
            one_map(items, k, every_after);
            runs++;
        }
    }
    /* And the backend still works: no worker was lost to a reply that could not be read. */
    expect_ok = 1;
    one_map(items, -1, 0);
    for (size_t i = 0; i < N_ITEMS; i++) {
        pl_value_free(items[i]);
    }
    printf("out-of-memory on %s: %ld allocations per map, %ld maps with one failing, %ld slots given the "
           "shared out-of-memory result: %s\n",
           pl_backend()->name, healthy, runs, shared_oom, fault_failures ? "BROKEN" : "held");
    return fault_failures ? 1 : 0;
}
#endif

#if !PL_OOM_INJECT
int fault_out_of_memory(void)
{
    puts("out-of-memory: skipped under a sanitizer (it owns malloc)");
    return SKIP;
}
#endif
