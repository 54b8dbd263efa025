/*
 * 01-map/serial.c - pl_map without parallelism: the reference.
 *
 * Read this before the OpenMP, MPI and fork versions. It does everything
 * they do except run tasks at the same time:
 *   1. validate the whole call before touching anything (a rejected call
 *      leaves results[] exactly as it was);
 *   2. run the items in input order, so results[i] is item i's result;
 *   3. honour ONE deadline for the whole call, counted from the moment
 *      pl_map was called (like concurrent.futures' map);
 *   4. give every item exactly one final result, whatever happens.
 * The parallel versions change step 2 (who runs which item, and when) and
 * keep the other three.
 *
 * opts->chunksize needs nothing here: serial is one worker that runs every
 * item in input order, which is one chunk of n - the most any chunking can
 * give, with no hand-off at all.
 *
 * How the deadline reaches a running task: a task cannot be interrupted
 * from outside (there is no "outside" here: it runs in our own thread), so
 * we hand it a cancel token whose deadline is the call's deadline. Long
 * tasks (sleep_ms, spin, hang, fetch) poll pl_should_stop() and give up
 * when it turns true. A task that never polls cannot be stopped; serial
 * simply waits for it.
 */
#include <stddef.h>

#include "paralab.h"
#include "pl_backend_common.h"

/*
 * Run one item into *slot. The token is already the thread's current one,
 * so the task's pl_should_stop() sees the call's deadline. *clock carries
 * the previous item's end into this one's start (pl_task_run_next): one
 * clock reading per item instead of two, and nothing waits in between.
 */
static int run_item(const char *task, const pl_value *item, const pl_cancel *token, int64_t deadline_ns,
                    pl_result **slot, int64_t *clock)
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
    int rc = pl_task_run_next(task, item, res, clock);
    if (rc != PL_OK) {
        return rc;
    }
    pl_result_set_worker(res, 0); /* serial has exactly one worker: us */
    pl_map_blame_deadline(res, deadline_ns); /* late is TIMEOUT, as on every backend */
    return PL_OK;
}

int pl_map(const char *task, pl_value *const items[], size_t n, const pl_map_opts *opts,
           pl_result *results[])
{
    /* The deadline counts from the call, not from the first task. */
    int64_t deadline = pl_deadline_after_ms(opts != NULL ? opts->timeout_ms : PL_NO_TIMEOUT);
    /* Rejected calls (runtime/pl_backend_common.h) leave results[] untouched. */
    int rc = pl_map_check_args(task, items, n, opts, results, NULL);
    if (rc != PL_OK || n == 0) {
        return rc; /* rejected, or nothing to do */
    }
    /* From here on the call runs: start from empty slots (the caller need not clear them). */
    for (size_t i = 0; i < n; i++) {
        results[i] = NULL;
    }
    /* max_workers only limits concurrency, and serial never has more than one task running. */
    pl_cancel *token = pl_cancel_new();
    if (token == NULL) {
        rc = PL_ENOMEM;
    } else {
        pl_cancel_set_deadline(token, deadline);
        pl_cancel *previous = pl_cancel_swap_current(token);
        int64_t clock = 0; /* 0: the first item reads the clock */
        for (size_t i = 0; i < n && rc == PL_OK; i++) {
            rc = run_item(task, items[i], token, deadline, &results[i], &clock);
        }
        pl_cancel_swap_current(previous);
        pl_cancel_free(token);
    }
    /*
     * Every item gets exactly one result, even if we stopped early (out of
     * memory): settle fills whatever is still empty or PENDING.
     */
    int settled = pl_results_settle(results, n, PL_TASK_FAILED, "not run: the map call failed");
    return rc != PL_OK ? rc : settled;
}
