/*
 * solutions/01-map/openmp.c - pl_map with a team of OpenMP threads.
 *
 * Start from solutions/01-map/serial.c: this file keeps its four steps
 * (validate first, results in input order, one deadline for the whole call,
 * one result per item) and changes only WHO runs the items: a team of at
 * most max_workers threads, created for this call by `#pragma omp parallel`.
 *
 * Three decisions worth understanding:
 *
 * 1. Dynamic scheduling. `schedule(static)` would cut the items into equal
 *    blocks up front; if one block holds the slow items, its thread works
 *    alone at the end while the others idle. `schedule(dynamic, 1)` hands
 *    out the next item to whichever thread is free, like Pool.map with
 *    chunksize 1, and starts items in input order.
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
    /* TODO: start from empty slots, put the deadline in a pl_cancel token, then run the items */
    /* TODO: with `#pragma omp parallel for` (max_workers threads, dynamic schedule); each thread */
    /* TODO: makes the token current (pl_cancel_swap_current) and records omp_get_thread_num(). */
    /* TODO: An item still running at the deadline is TIMEOUT, whatever its task returned */
    /* TODO: (pl_map_blame_deadline applies that rule to a result). */
    /* TODO: Finally pl_results_settle, so every item has exactly one result whatever happened. */
    (void)deadline; (void)max_workers; return PL_ENOTIMPL;
}
