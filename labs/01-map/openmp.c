/*
 * 01-map/openmp.c - pl_map with a team of OpenMP threads.
 *
 * Start from serial.c, next to this file: this one keeps its four steps
 * (validate first, results in input order, one deadline for the whole call,
 * one result per item) and changes only WHO runs the items: a team of at
 * most max_workers threads, created for this call by `#pragma omp parallel`.
 *
 * Three decisions worth understanding:
 *
 * 1. Dynamic scheduling, in chunks. `schedule(static)` would cut the items
 *    into equal blocks up front; if one block holds the slow items, its
 *    thread works alone at the end while the others idle.
 *    `schedule(dynamic, c)` hands the next c items to whichever thread is
 *    free, like Pool.map's chunksize. `monotonic:` asks for them in input
 *    order: since OpenMP 5.0 a plain `dynamic` may hand them out in any
 *    order, and LLVM's libomp does (each thread starts on its own share and
 *    steals from the others). That is still a correct map, but a slow item
 *    early in the list may then start last and run alone at the end.
 *    GCC's libgomp hands them out in order either way. c = 1 balances best
 *    but pays the scheduler (a shared counter every thread fights over)
 *    once per item; for a task of a few nanoseconds that is most of the
 *    cost. A bigger c pays it once per chunk, and risks one thread still
 *    busy with its last chunk while the others idle: the granularity
 *    trade-off (handout, "Experimento").
 *
 * 2. No locks for the results. Every item i writes only results[i], and no
 *    two threads ever get the same i, so the threads share the array but
 *    never the same slot: no data race, nothing to protect. The closing
 *    barrier of the parallel region makes every slot visible to the caller.
 *
 * 3. The deadline cannot be forced on a thread. Killing a thread would
 *    leave whatever it was doing (a lock it held, a half-written slot,
 *    malloc's internal state) broken for the whole process. So the call's
 *    deadline goes into a cancel token that each thread makes current, and
 *    long tasks poll pl_should_stop(). A task that never polls runs to its
 *    end, and pl_map waits for it: threads can only be ASKED to stop.
 *    Likewise, a task that crashes (SIGSEGV) kills the whole process: the
 *    threads share one address space, so there is nothing left to report
 *    to. (The fork version survives both; that is the lesson's table.)
 *
 * Inside pl_run this parallel region is nested in pl_run's own region;
 * runtime/openmp.c enables two active levels so that it still gets its
 * threads. Outside pl_run it is an ordinary top-level region.
 */
#include <omp.h>
#include <stddef.h>

#include "paralab.h"
#include "pl_backend_common.h"

/*
 * Your code: types and static helper functions of your own go here, above
 * the functions below that call them. (A static function that nothing
 * calls is an error under -Werror: add each one when you first call it.)
 */

int pl_map(const char *task, pl_value *const items[], size_t n, const pl_map_opts *opts,
           pl_result *results[])
{
    /* The deadline counts from the call, not from the first task. */
    int64_t deadline = pl_deadline_after_ms(opts != NULL ? opts->timeout_ms : PL_NO_TIMEOUT);
    int max_workers = 0;
    int rc = pl_map_check_args(task, items, n, opts, results, &max_workers);
    if (rc != PL_OK) {
        return rc;
    }
    /* TODO: Start with every result slot empty (NULL) and put the deadline in a pl_cancel
     * token. Run the items with `#pragma omp parallel for` (max_workers threads, a dynamic
     * schedule whose chunk is pl_map_chunksize(opts, n, threads)); each thread makes the token
     * its current one (pl_cancel_swap_current) and records omp_get_thread_num() as the worker. An item still running at the deadline is
     * TIMEOUT whatever its task returned (pl_map_blame_deadline applies that rule to a
     * result). Finally call pl_results_settle, so that every item has exactly one result
     * whatever happened. */
    (void)deadline; (void)max_workers; return PL_ENOTIMPL;
}
