/*
 * solutions/03-group/fork.c - a group of named tasks, one child process each.
 *
 * The bookkeeping (unique names, results, completion order, "report each
 * finished member once", rejected calls, adding, the accessors) is the same
 * for every backend: runtime/pl_backend_common.h, the group's "core". This
 * file only decides how members run, and that is the futures lab
 * again (solutions/02-futures/fork.c), with the group's own limit:
 *
 *   pl_group_start       forks the first min(max_workers, members) members,
 *                        in the order they were added. Each child runs its
 *                        task and writes the result down its pipe
 *                        (runtime: pl_fork_run_one).
 *   pl_group_wait_first  poll()s the running members' pipes until one
 *                        answers (or dies) or the timeout passes; every
 *                        member that ends frees a slot for the next one.
 *   pl_group_results     the same until every member has finished or the
 *                        timeout (counted from this call) passes; then the
 *                        stragglers are killed and reaped, and they and the
 *                        members never started get TIMEOUT.
 *
 * The completion order is the order in which the parent READ the answers,
 * which is the order the children finished in up to a poll() round: two
 * answers found in the same poll() are filed in member order.
 *
 * As with futures there is no background helper: members that finish are
 * noticed, and waiting members started, only inside wait_first and
 * results. A crashing member is CRASHED (with the signal's name), a member
 * killed at the deadline TIMEOUT; neither touches the others' results.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "paralab.h"
#include "pl_backend_common.h"
#include "pl_fork.h"


struct pl_group {
    pl_group_core core; /* FIRST: members, results, limit, started (the shared group code) */
    /* TODO: what you need to track running children (one per member?) and to poll() them. */
};
PL_GROUP_CORE_FIRST(struct pl_group);


int pl_group_new(int max_workers, pl_group **out)
{
    int rc = pl_group_check_new(max_workers, out);
    if (rc != PL_OK) {
        return rc;
    }
    /* TODO: pl_group_alloc gives you the block with its core; then set up your own fields. */
    return PL_ENOTIMPL;
}

int pl_group_start(pl_group *g)
{
    int rc = pl_group_check_start(g);
    if (rc != PL_OK) {
        return rc;
    }
    /* TODO: fork the first min(max_workers, members) members (pl_fork_pipe, pl_fork, and */
    /* TODO: pl_fork_run_one in the child); the rest start as slots free up. */
    /* TODO: Mark the group started (pl_group_mark_started): no more adds, waits may begin. */
    return PL_ENOTIMPL;
}

int pl_group_wait_first(pl_group *g, int64_t timeout_ms, const char **name)
{
    int rc = pl_group_check_wait(g, name);
    if (rc != PL_OK) {
        return rc;
    }
    /* TODO: until pl_group_next_unreported has a member for you or the timeout passes, */
    /* TODO: poll() the running members' pipes, collect who answered (or died), start the next. */
    (void)timeout_ms; return PL_ENOTIMPL;
}

int pl_group_results(pl_group *g, int64_t timeout_ms)
{
    int rc = pl_group_check_results(g);
    if (rc != PL_OK) {
        return rc;
    }
    /* TODO: poll() and collect as in wait_first until every member finished or the timeout */
    /* TODO: passed; then kill and reap the stragglers (TIMEOUT) and pl_group_settle the */
    /* TODO: members that never started. */
    (void)timeout_ms; return PL_ENOTIMPL;
}

void pl_group_free(pl_group **gp)
{
    if (gp == NULL || *gp == NULL) {
        return;
    }
    /* TODO: running members must not outlive the group: kill and reap them, close their pipes. */
    *gp = NULL;
}
