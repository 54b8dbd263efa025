/*
 * runtime/common_map.c - what every backend's pl_map shares: the up-front
 * checks and the deadline rule (runtime/pl_backend_common.h); and how the
 * serial backend runs one task under a deadline.
 *
 * Trusted code, compiled into every paralab_<model>: the labs write how the
 * items are run (labs/01-map/<model>.c), not which calls are rejected.
 */
#include "pl_backend_common.h"
#include "pl_tasks.h"

int pl_map_check_args(const char *task, pl_value *const items[], size_t n, const pl_map_opts *opts,
                      pl_result *results[], int *max_workers)
{
    pl_tasks_register_builtins(); /* serial and fork also map outside pl_run */
    if (n > 0 && (task == NULL || items == NULL || results == NULL)) {
        return PL_EINVAL;
    }
    if (opts != NULL && (opts->max_workers <= 0 || opts->chunksize < 0)) {
        return PL_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        /* Too big to travel (fork, MPI): refused before any item runs, on every backend alike. */
        if (items[i] == NULL || !pl_value_fits_wire(items[i])) {
            return PL_EINVAL;
        }
    }
    if (task != NULL && pl_task_lookup(task) == NULL) {
        return PL_ENOTASK;
    }
    if (max_workers != NULL) {
        int wanted = opts != NULL ? opts->max_workers : pl_workers();
        *max_workers = (size_t)wanted < n ? wanted : (int)n;
        if (*max_workers > 0) {
            *max_workers = pl_backend_worker_limit(*max_workers);
        }
    }
    return PL_OK;
}

size_t pl_map_chunksize(const pl_map_opts *opts, size_t n, int workers)
{
    if (opts != NULL && opts->chunksize > 0) {
        return (size_t)opts->chunksize < n ? (size_t)opts->chunksize : (n > 0 ? n : 1);
    }
    size_t quarters = 4 * (size_t)(workers > 0 ? workers : 1);
    size_t c = (n + quarters - 1) / quarters;
    return c > 0 ? c : 1;
}

void pl_map_blame_deadline(pl_result *res, int64_t deadline_ns)
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

int pl_run_here_until(const char *task, const pl_value *arg, int64_t deadline_ns, pl_result **out,
                      int *deadline_hit)
{
    pl_result *res = pl_result_new();
    pl_cancel *token = pl_cancel_new();
    if (res == NULL || token == NULL) {
        pl_result_free(res);
        pl_cancel_free(token);
        return PL_ENOMEM;
    }
    pl_cancel_set_deadline(token, deadline_ns);
    pl_cancel *previous = pl_cancel_swap_current(token);
    pl_task_run(task, arg, res);
    pl_cancel_swap_current(previous);
    if (deadline_hit != NULL) {
        *deadline_hit = pl_cancel_is_set(token);
    }
    pl_cancel_free(token);
    pl_result_set_worker(res, 0);
    *out = res;
    return PL_OK;
}
