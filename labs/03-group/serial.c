/*
 * 03-group/serial.c - a group of named tasks, one after another.
 *
 * The bookkeeping (unique names, each member's result, who finished first,
 * "report each finished member once", the calls rejected up front, adding
 * members, the accessors) is the same for every backend and lives in
 * runtime/pl_backend_common.h, the group's one door. What is left
 * for a backend is only the question "who runs which member, and when?".
 * Serial's answer:
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
#include "paralab.h"
#include "pl_backend_common.h"

/* Only the shared core: serial runs members inside our own calls, so it tracks nothing else. */
struct pl_group {
    pl_group_core core; /* FIRST: the shared group code finds it there (max_workers unused) */
};
PL_GROUP_CORE_FIRST(struct pl_group);

int pl_group_new(int max_workers, pl_group **out)
{
    int rc = pl_group_check_new(max_workers, out);
    if (rc != PL_OK) {
        return rc;
    }
    *out = pl_group_alloc(sizeof **out, max_workers);
    return *out != NULL ? PL_OK : PL_ENOMEM;
}

int pl_group_start(pl_group *g)
{
    int rc = pl_group_check_start(g);
    if (rc == PL_OK) {
        pl_group_mark_started(g); /* nothing runs yet: members run inside our waits */
    }
    return rc;
}

/*
 * Run member i now, stopping it when deadline_ns passes, and record its
 * result in the roster (which also appends it to the completion order).
 */
static int run_member(pl_group *g, size_t i, int64_t deadline_ns)
{
    pl_result *res = NULL;
    int rc = pl_run_here_until(pl_group_member_task(g, i), pl_group_member_arg(g, i), deadline_ns, &res, NULL);
    if (rc != PL_OK) {
        return rc;
    }
    /*
     * Past our deadline the member is TIMEOUT: if it saw the stop (CANCELLED)
     * it ran out of time, nobody cancelled it; if it never polled and ended
     * late, its answer came too late to count (as on the parallel backends).
     */
    if (pl_result_end_ns(res) >= deadline_ns) {
        int saw_stop = pl_result_status(res) == PL_TASK_CANCELLED;
        pl_result_set_status(res, PL_TASK_TIMEOUT, "%s the deadline", saw_stop ? "stopped at" : "finished after");
    }
    return pl_group_finish_member(g, i, res);
}

/* The first member (in the order added) that has no result yet; the size when none. */
static size_t next_unfinished(const pl_group *g)
{
    size_t n = pl_group_size(g);
    size_t i = 0;
    while (i < n && pl_group_member_finished(g, i)) {
        i++;
    }
    return i;
}

int pl_group_wait_first(pl_group *g, int64_t timeout_ms, const char **name)
{
    int rc = pl_group_check_wait(g, name);
    if (rc != PL_OK) {
        return rc;
    }
    int64_t deadline = pl_deadline_after_ms(timeout_ms);
    rc = pl_group_next_unreported(g, name);
    if (rc == PL_ETIMEDOUT && timeout_ms != 0) {
        /* Nothing finished is waiting for us: finish the next member ourselves. */
        rc = run_member(g, next_unfinished(g), deadline);
        if (rc == PL_OK) {
            rc = pl_group_next_unreported(g, name);
        }
    }
    return rc;
}

int pl_group_results(pl_group *g, int64_t timeout_ms)
{
    int rc = pl_group_check_results(g);
    if (rc != PL_OK) {
        return rc;
    }
    int64_t deadline = pl_deadline_after_ms(timeout_ms);
    size_t n = pl_group_size(g);
    for (size_t i = next_unfinished(g); i < n && rc == PL_OK; i = next_unfinished(g)) {
        if (pl_now_ns() >= deadline) {
            break; /* the rest never start: settled as TIMEOUT below */
        }
        rc = run_member(g, i, deadline);
    }
    /* Every member ends with exactly one result, also when we stopped early. */
    int settled = pl_group_settle(g, PL_OK);
    return rc != PL_OK ? rc : settled;
}

void pl_group_free(pl_group **gp)
{
    if (gp == NULL || *gp == NULL) {
        return;
    }
    /* No member can be running: serial members only run inside our own calls. */
    pl_group_dealloc(*gp);
    *gp = NULL;
}
