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
    /* TODO: Reject bad input first: when !pl_shared_args_ok(n, workers) or total is NULL,
     * return PL_EINVAL. Then run `#pragma omp parallel for num_threads(workers)` over
     * n * workers iterations, each doing counter = counter + 1 on ONE counter declared before
     * the loop (so every thread shares it). Declare it `volatile long`; the handout explains
     * why. */
    (void)n; (void)workers; (void)total; return PL_ENOTIMPL;
}

int pl_counter_omp_atomic(long n, int workers, long *total)
{
    /* TODO: Write the racy version's loop again, with `#pragma omp atomic` on the increment
     * (and no volatile). */
    (void)n; (void)workers; (void)total; return PL_ENOTIMPL;
}

int pl_counter_omp_critical(long n, int workers, long *total)
{
    /* TODO: Write the racy version's loop again, with the increment inside
     * `#pragma omp critical`. */
    (void)n; (void)workers; (void)total; return PL_ENOTIMPL;
}

int pl_counter_omp_reduction(long n, int workers, long *total)
{
    /* TODO: Use `#pragma omp parallel for num_threads(workers) reduction(+:counter)` with a
     * plain counter++ in the loop: each thread gets a private copy, and the copies are added
     * up at the end. */
    (void)n; (void)workers; (void)total; return PL_ENOTIMPL;
}
