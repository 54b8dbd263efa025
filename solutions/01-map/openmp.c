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
/* BEGIN SOLUTION */
/*
 * How many threads this call gets: max_workers as pl_map_check_args worked
 * it out (at most n). It is 0 when opts is NULL outside pl_run, where there
 * is no run scope to ask: then one thread per core, again at most n.
 */
static int team_size(int max_workers, size_t n)
{
    if (max_workers > 0) {
        return max_workers;
    }
    int cores = omp_get_num_procs();
    return (size_t)cores < n ? cores : (int)n;
}

/*
 * Run item into *slot on the calling thread, whose current cancel token is
 * the call's (see run_items).
 */
static int run_item(const char *task, const pl_value *item, const pl_cancel *token, int64_t deadline_ns,
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
    int rc = pl_task_run(task, item, res);
    pl_result_set_worker(res, omp_get_thread_num());
    pl_map_blame_deadline(res, deadline_ns); /* late is TIMEOUT, as on every backend */
    return rc;
}

/*
 * The parallel loop. A shared rc written by several threads would be a data
 * race; reduction(min: rc) gives each thread its own private rc instead and
 * combines them with ours (PL_OK) when the loop ends. pl_rc errors are
 * negative, so the minimum is an error if any thread had one.
 *
 * The token must be current for EVERY thread of the team: "current" is
 * thread-local, so making it current once in the caller would not reach
 * the others. Each thread does it once, around its share of the loop, not
 * once per item (that would be two more calls per item for nothing).
 */
static int run_items(const char *task, pl_value *const items[], size_t n, int threads, size_t chunk,
                     pl_cancel *token, int64_t deadline_ns, pl_result *results[])
{
    int rc = PL_OK;
#pragma omp parallel num_threads(threads) reduction(min : rc)
    {
        pl_cancel *previous = pl_cancel_swap_current(token);
#pragma omp for schedule(monotonic : dynamic, chunk)
        for (size_t i = 0; i < n; i++) {
            int item_rc = run_item(task, items[i], token, deadline_ns, &results[i]);
            if (item_rc < rc) {
                rc = item_rc;
            }
        }
        pl_cancel_swap_current(previous);
    }
    return rc;
}
/* END SOLUTION */

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
    /* BEGIN SOLUTION */
    /* TODO: Start with every result slot empty (NULL) and put the deadline in a pl_cancel
     * token. Run the items with `#pragma omp parallel for` (max_workers threads, a dynamic
     * schedule whose chunk is pl_map_chunksize(opts, n, threads)); each thread makes the token
     * its current one (pl_cancel_swap_current) and records omp_get_thread_num() as the worker. An item still running at the deadline is
     * TIMEOUT whatever its task returned (pl_map_blame_deadline applies that rule to a
     * result). Finally call pl_results_settle, so that every item has exactly one result
     * whatever happened. */
    /* SKELETON: (void)deadline; (void)max_workers; return PL_ENOTIMPL; */
    for (size_t i = 0; i < n; i++) {
        results[i] = NULL;
    }
    pl_cancel *token = pl_cancel_new();
    if (token == NULL) {
        rc = PL_ENOMEM;
    } else if (n > 0) {
        pl_cancel_set_deadline(token, deadline);
        int threads = team_size(max_workers, n);
        rc = run_items(task, items, n, threads, pl_map_chunksize(opts, n, threads), token, deadline, results);
    }
    pl_cancel_free(token);
    /* Every item gets exactly one result, even if a thread ran out of memory half-way. */
    int settled = pl_results_settle(results, n, PL_TASK_FAILED, "not run: the map call failed");
    return rc != PL_OK ? rc : settled;
    /* END SOLUTION */
}
