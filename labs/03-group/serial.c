/*
 * solutions/03-group/serial.c - a group of named tasks, one after another.
 *
 * The bookkeeping (unique names, each member's result, who finished first,
 * "report each finished member once") is the same for every backend and
 * lives in common/pl_roster.h. What is left for a backend is only the
 * question "who runs which member, and when?". Serial's answer:
 *
 *   pl_group_start       marks the group started. Nothing runs yet: with one
 *                        thread there is no background to run members in.
 *   pl_group_wait_first  if no finished member is waiting to be reported,
 *                        runs the next member (in the order they were added)
 *                        with the wait's timeout as its deadline, then
 *                        reports it. A wait with timeout 0 is a poll and
 *                        never runs anything.
 *   pl_group_results     runs every member not run yet, in the order they
 *                        were added, all under one deadline counted from the
 *                        call. A member stopped by it, or not started before
 *                        it, gets TIMEOUT.
 *
 * So with serial the completion order is always the order of pl_group_add,
 * whatever the members' delays: compare that with the parallel backends,
 * where the fastest member finishes first (the lesson's species example).
 */
#include <stdlib.h>

#include "paralab.h"
#include "pl_roster.h"

struct pl_group {
    pl_roster *roster; /* names, tasks, args, results, completion order */
    int max_workers;   /* kept for the API: serial never runs more than one anyway */
    int started;
};

int pl_group_new(int max_workers, pl_group **out)
{
    if (out == NULL) {
        return PL_EINVAL;
    }
    *out = NULL;
    if (max_workers <= 0) {
        return PL_EINVAL;
    }
    pl_group *g = calloc(1, sizeof *g);
    if (g == NULL) {
        return PL_ENOMEM;
    }
    g->roster = pl_roster_new();
    if (g->roster == NULL) {
        free(g);
        return PL_ENOMEM;
    }
    g->max_workers = max_workers;
    *out = g;
    return PL_OK;
}

int pl_group_add(pl_group *g, const char *name, const char *task, const pl_value *arg)
{
    if (g == NULL) {
        return PL_EINVAL;
    }
    if (g->started) {
        return PL_ESTATE; /* the set of members is fixed once they may be running */
    }
    /* The roster checks the name (PL_EINVAL, PL_EEXIST) and the task (PL_ENOTASK). */
    return pl_roster_add(g->roster, name, task, arg);
}

int pl_group_start(pl_group *g)
{
    if (g == NULL) {
        return PL_EINVAL;
    }
    if (g->started) {
        return PL_ESTATE;
    }
    g->started = 1;
    return PL_OK;
}

/*
 * Run member i now, stopping it when deadline_ns passes, and record its
 * result in the roster (which also appends it to the completion order).
 */
static int run_member(pl_group *g, size_t i, int64_t deadline_ns)
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
    pl_task_run(pl_roster_task(g->roster, i), pl_roster_arg(g->roster, i), res);
    pl_cancel_swap_current(previous);
    /*
     * Past our deadline the member is TIMEOUT: if it saw the stop (CANCELLED)
     * it ran out of time, nobody cancelled it; if it never polled and ended
     * late, its answer came too late to count (as on the parallel backends).
     */
    if (pl_result_end_ns(res) >= deadline_ns) {
        int saw_stop = pl_result_status(res) == PL_TASK_CANCELLED;
        pl_result_set_status(res, PL_TASK_TIMEOUT, "%s the deadline", saw_stop ? "stopped at" : "finished after");
    }
    pl_cancel_free(token);
    pl_result_set_worker(res, 0);
    return pl_roster_finish(g->roster, i, res);
}

/* The first member (in the order added) that has no result yet; the size when none. */
static size_t next_unfinished(const pl_group *g)
{
    size_t n = pl_roster_size(g->roster);
    size_t i = 0;
    while (i < n && pl_roster_is_finished(g->roster, i)) {
        i++;
    }
    return i;
}

int pl_group_wait_first(pl_group *g, int64_t timeout_ms, const char **name)
{
    if (g == NULL || name == NULL) {
        return PL_EINVAL;
    }
    if (!g->started) {
        return PL_ESTATE;
    }
    int64_t deadline = pl_deadline_after_ms(timeout_ms);
    size_t idx;
    int rc = pl_roster_next_unreported(g->roster, &idx);
    if (rc == PL_ETIMEDOUT && timeout_ms != 0) {
        /* Nothing finished is waiting for us: finish the next member ourselves. */
        rc = run_member(g, next_unfinished(g), deadline);
        if (rc == PL_OK) {
            rc = pl_roster_next_unreported(g->roster, &idx);
        }
    }
    if (rc == PL_OK) {
        *name = pl_roster_name(g->roster, idx);
    }
    return rc;
}

int pl_group_results(pl_group *g, int64_t timeout_ms)
{
    if (g == NULL) {
        return PL_EINVAL;
    }
    if (!g->started) {
        return PL_ESTATE;
    }
    int64_t deadline = pl_deadline_after_ms(timeout_ms);
    size_t n = pl_roster_size(g->roster);
    int rc = PL_OK;
    for (size_t i = next_unfinished(g); i < n && rc == PL_OK; i = next_unfinished(g)) {
        if (pl_now_ns() >= deadline) {
            break; /* the rest never start: settled as TIMEOUT below */
        }
        rc = run_member(g, i, deadline);
    }
    /* Every member ends with exactly one result, also when we stopped early. */
    int settled = pl_roster_settle(g->roster, PL_TASK_TIMEOUT, "the deadline passed before it started");
    return rc != PL_OK ? rc : settled;
}

size_t pl_group_size(const pl_group *g)
{
    return g != NULL ? pl_roster_size(g->roster) : 0;
}

const char *pl_group_name(const pl_group *g, size_t i)
{
    return g != NULL ? pl_roster_name(g->roster, i) : NULL;
}

const pl_result *pl_group_result(const pl_group *g, const char *name)
{
    if (g == NULL || name == NULL) {
        return NULL;
    }
    long i = pl_roster_find(g->roster, name);
    return i >= 0 ? pl_roster_result(g->roster, (size_t)i) : NULL;
}

size_t pl_group_finished(const pl_group *g)
{
    return g != NULL ? pl_roster_finished_count(g->roster) : 0;
}

const char *pl_group_finished_name(const pl_group *g, size_t k)
{
    if (g == NULL) {
        return NULL;
    }
    size_t i = pl_roster_finished_at(g->roster, k);
    return i == (size_t)-1 ? NULL : pl_roster_name(g->roster, i);
}

void pl_group_free(pl_group **gp)
{
    if (gp == NULL || *gp == NULL) {
        return;
    }
    /* No member can be running: serial members only run inside our own calls. */
    pl_roster_free((*gp)->roster);
    free(*gp);
    *gp = NULL;
}
