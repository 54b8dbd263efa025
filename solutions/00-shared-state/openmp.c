/*
 * 00-shared-state/openmp.c - one counter, many threads.
 *
 * A team of `workers` threads adds 1 to ONE counter n * workers times.
 * Threads share the process's memory, so they really do touch the same
 * counter - which is what makes the first version wrong:
 *
 *   counter++  is three steps: load counter, add 1, store it back.
 *   Two threads that load the same value both store value + 1: one of the
 *   two increments is LOST. The result is never too high, only too low,
 *   and by a different amount on every run.
 *
 * Then three fixes, from most to least expensive:
 *   atomic     the hardware does load-add-store as one indivisible step,
 *              but every increment still fights over one cache line;
 *   critical   a lock around counter++: correct, and each increment pays
 *              for taking and releasing a lock other threads wait on;
 *   reduction  each thread counts in its OWN private copy and OpenMP adds
 *              the copies together once at the end: nothing shared in the
 *              loop, so nothing to fight over. Usually the clear winner.
 * `shared_counter_omp bench` (tests/shared-state) measures the three.
 *
 * A loop of n * workers iterations split by `parallel for` gives the same
 * total whatever team size OpenMP really grants.
 */
#include <omp.h>
#include <stddef.h>

#include "pl_shared.h"

/*
 * Your code: types and static helper functions of your own go here, above
 * the functions below that call them. (A static function that nothing
 * calls is an error under -Werror: add each one when you first call it.)
 */

int pl_counter_omp_racy(long n, int workers, long *total)
{
    /* BEGIN SOLUTION */
    /* TODO: Reject bad input first: when !pl_shared_args_ok(n, workers) or total is NULL,
     * return PL_EINVAL. Then run `#pragma omp parallel for num_threads(workers)` over
     * n * workers iterations, each doing counter = counter + 1 on ONE counter declared before
     * the loop (so every thread shares it). Declare it `volatile long`; the handout explains
     * why. */
    /* SKELETON: (void)n; (void)workers; (void)total; return PL_ENOTIMPL; */
    if (!pl_shared_args_ok(n, workers) || total == NULL) {
        return PL_EINVAL;
    }
    /*
     * A data race on purpose. `volatile` does NOT make it safe; it only
     * stops the optimiser from keeping the counter in a register and
     * storing it once at the end, which would hide the lost updates.
     * With it, every iteration really loads and stores memory, and a
     * store from one thread can overwrite the increments of another.
     */
    volatile long counter = 0;
    long iterations = n * workers;
#pragma omp parallel for num_threads(workers)
    for (long i = 0; i < iterations; i++) {
        counter = counter + 1;
    }
    *total = counter;
    return PL_OK;
    /* END SOLUTION */
}

int pl_counter_omp_atomic(long n, int workers, long *total)
{
    /* BEGIN SOLUTION */
    /* TODO: Write the racy version's loop again, with `#pragma omp atomic` on the increment
     * (and no volatile). */
    /* SKELETON: (void)n; (void)workers; (void)total; return PL_ENOTIMPL; */
    if (!pl_shared_args_ok(n, workers) || total == NULL) {
        return PL_EINVAL;
    }
    long counter = 0;
    long iterations = n * workers;
#pragma omp parallel for num_threads(workers)
    for (long i = 0; i < iterations; i++) {
        /* One indivisible read-modify-write: no increment can be lost. */
#pragma omp atomic
        counter++;
    }
    /* The end of the parallel region is a barrier: every increment is visible here. */
    *total = counter;
    return PL_OK;
    /* END SOLUTION */
}

int pl_counter_omp_critical(long n, int workers, long *total)
{
    /* BEGIN SOLUTION */
    /* TODO: Write the racy version's loop again, with the increment inside
     * `#pragma omp critical`. */
    /* SKELETON: (void)n; (void)workers; (void)total; return PL_ENOTIMPL; */
    if (!pl_shared_args_ok(n, workers) || total == NULL) {
        return PL_EINVAL;
    }
    long counter = 0;
    long iterations = n * workers;
#pragma omp parallel for num_threads(workers)
    for (long i = 0; i < iterations; i++) {
        /* Only one thread at a time runs this block: a lock per increment. */
#pragma omp critical
        counter++;
    }
    *total = counter;
    return PL_OK;
    /* END SOLUTION */
}

int pl_counter_omp_reduction(long n, int workers, long *total)
{
    /* BEGIN SOLUTION */
    /* TODO: Use `#pragma omp parallel for num_threads(workers) reduction(+:counter)` with a
     * plain counter++ in the loop: each thread gets a private copy, and the copies are added
     * up at the end. */
    /* SKELETON: (void)n; (void)workers; (void)total; return PL_ENOTIMPL; */
    if (!pl_shared_args_ok(n, workers) || total == NULL) {
        return PL_EINVAL;
    }
    long counter = 0;
    long iterations = n * workers;
    /*
     * Inside the loop `counter` names each thread's private copy (starting
     * at 0); OpenMP adds the copies into the real counter once, at the end.
     */
#pragma omp parallel for num_threads(workers) reduction(+ : counter)
    for (long i = 0; i < iterations; i++) {
        counter++;
    }
    *total = counter;
    return PL_OK;
    /* END SOLUTION */
}
