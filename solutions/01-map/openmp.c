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

/*
 * Everything paralab.h says a call may be rejected for, checked before any
 * slot is written (the same rules as serial.c). With n == 0 there is nothing
 * to read, so NULL arrays are allowed; a task name that IS given must exist.
 */
static int check_args(const char *task, pl_value *const items[], size_t n, const pl_map_opts *opts,
                      pl_result *results[])
{
    if (n > 0 && (task == NULL || items == NULL || results == NULL)) {
        return PL_EINVAL;
    }
    if (opts != NULL && opts->max_workers <= 0) {
        return PL_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        if (items[i] == NULL) {
            return PL_EINVAL;
        }
    }
    if (task != NULL && pl_task_lookup(task) == NULL) {
        return PL_ENOTASK;
    }
    return PL_OK;
}

/* BEGIN SOLUTION */
/*
 * How many threads this call gets: max_workers (default: the run scope's
 * workers, or the cores outside pl_run), and never more than there are
 * items - an extra thread would only be created to find nothing to do.
 */
static int team_size(const pl_map_opts *opts, size_t n)
{
    int wanted = opts != NULL ? opts->max_workers : pl_workers();
    if (wanted <= 0) {
        wanted = omp_get_num_procs();
    }
    return (size_t)wanted < n ? wanted : (int)n;
}

/*
 * Past the call's deadline an item that was still running is TIMEOUT,
 * whatever the task returned: CANCELLED means it saw pl_should_stop() and
 * gave up (it ran out of time, nobody cancelled it); OK or FAILED after the
 * deadline means it never polled, we had to wait for it, and its answer is
 * too late to count - as on fork (killed) and MPI (late answer discarded).
 */
static void blame_the_deadline(pl_result *res, int64_t deadline_ns)
{
    if (pl_result_status(res) == PL_TASK_CANCELLED && pl_result_end_ns(res) >= deadline_ns) {
        pl_result_set_status(res, PL_TASK_TIMEOUT, "stopped at the deadline of the map call");
    } else if (pl_result_end_ns(res) > deadline_ns) {
        int64_t late_ms = (pl_result_end_ns(res) - deadline_ns) / 1000000;
        pl_value *none = pl_value_new();
        if (none != NULL) {
            pl_result_take_value(res, none); /* a late answer does not count: drop it */
            pl_value_free(none);
        }
        pl_result_set_status(res, PL_TASK_TIMEOUT,
                             "finished %lld ms after the deadline (it never polled pl_should_stop)",
                             (long long)late_ms);
    }
}

/*
 * Run item into *slot on the calling thread. The token must be current for
 * THIS thread: "current" is thread-local, so making it current once in the
 * caller would not reach the team's other threads.
 */
static int run_item(const char *task, const pl_value *item, pl_cancel *token, int64_t deadline_ns,
                    pl_result **slot)
{
    pl_result *res = pl_result_new();
    if (res == NULL) {
        return PL_ENOMEM;
    }
    *slot = res;
    if (pl_cancel_is_set(token)) {
        /* Starting now would only make the caller wait longer for nothing. */
        pl_result_set_status(res, PL_TASK_TIMEOUT, "the deadline passed before it started");
        return PL_OK;
    }
    pl_cancel *previous = pl_cancel_swap_current(token);
    int rc = pl_task_run(task, item, res);
    pl_cancel_swap_current(previous);
    pl_result_set_worker(res, omp_get_thread_num());
    blame_the_deadline(res, deadline_ns);
    return rc;
}

/*
 * The parallel loop. A shared rc written by several threads would be a data
 * race; reduction(min: rc) gives each thread its own private rc instead and
 * combines them with ours (PL_OK) when the loop ends. pl_rc errors are
 * negative, so the minimum is an error if any thread had one.
 */
static int run_items(const char *task, pl_value *const items[], size_t n, int threads, pl_cancel *token,
                     int64_t deadline_ns, pl_result *results[])
{
    int rc = PL_OK;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1) reduction(min : rc)
    for (size_t i = 0; i < n; i++) {
        int item_rc = run_item(task, items[i], token, deadline_ns, &results[i]);
        if (item_rc < rc) {
            rc = item_rc;
        }
    }
    return rc;
}
/* END SOLUTION */

int pl_map(const char *task, pl_value *const items[], size_t n, const pl_map_opts *opts,
           pl_result *results[])
{
    /* The deadline counts from the call, not from the first task. */
    int64_t deadline = pl_deadline_after_ms(opts != NULL ? opts->timeout_ms : PL_NO_TIMEOUT);
    int rc = check_args(task, items, n, opts, results);
    if (rc != PL_OK) {
        return rc;
    }
    /* BEGIN SOLUTION */
    /* TODO: start from empty slots, put the deadline in a pl_cancel token, then run the items */
    /* TODO: with `#pragma omp parallel for` (max_workers threads, dynamic schedule); each thread */
    /* TODO: makes the token current (pl_cancel_swap_current) and records omp_get_thread_num(). */
    /* TODO: An item still running at the deadline is TIMEOUT, whatever its task returned. */
    /* TODO: Finally pl_results_settle, so every item has exactly one result whatever happened. */
    /* SKELETON: (void)deadline; return PL_ENOTIMPL; */
    for (size_t i = 0; i < n; i++) {
        results[i] = NULL;
    }
    pl_cancel *token = pl_cancel_new();
    if (token == NULL) {
        rc = PL_ENOMEM;
    } else if (n > 0) {
        pl_cancel_set_deadline(token, deadline);
        rc = run_items(task, items, n, team_size(opts, n), token, deadline, results);
    }
    pl_cancel_free(token);
    /* Every item gets exactly one result, even if a thread ran out of memory half-way. */
    int settled = pl_results_settle(results, n, PL_TASK_FAILED, "not run: the map call failed");
    return rc != PL_OK ? rc : settled;
    /* END SOLUTION */
}
