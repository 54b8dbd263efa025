/*
 * suite_tasks.h - the tasks the suites define for themselves.
 *
 * Linked into both processes of a checker pair (issue 14): the suites
 * name these tasks in their maps, and the subject process, which runs
 * them, must know them by the same names (tasks travel by name). The
 * in-process test binaries link them too. pl_suite_tasks_register puts
 * every one in the registry (the subject's main calls it before pl_run).
 */
#ifndef PL_SUITE_TASKS_H
#define PL_SUITE_TASKS_H

#include <stdint.h>

#include "paralab.h"

/* The same 64-bit LCG step as the built-in spin; a dependency chain, so it cannot be vectorised away. */
static inline uint64_t pl_suite_lcg(uint64_t x)
{
    return x * 6364136223846793005ULL + 1442695040888963407ULL;
}

/*
 * perf_spin: int n -> "CHECKSUM CPU_NS": n rounds of the LCG from 1, and the
 * CPU time this thread spent on them. The checksum depends on n, so every
 * item has its own answer (an item skipped or copied shows); the CPU time
 * is what the share correction needs (suite_map_perf.c). It runs wherever
 * the backend runs tasks: a thread, a forked child, another MPI rank.
 */
int pl_suite_task_perf_spin(const pl_value *arg, pl_value *out, pl_error *err);

/*
 * crash_if_negative: a negative int crashes its process (SIGSEGV, through
 * the built-in `crash`), any other int n sleeps n ms and answers n. For
 * crashes inside a chunk (suite_map.c).
 */
int pl_suite_task_crash_if_negative(const pl_value *arg, pl_value *out, pl_error *err);

/* Registers both; PL_OK or the first error. */
int pl_suite_tasks_register(void);

#endif
