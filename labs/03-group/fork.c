/*
 * solutions/03-group/fork.c - a group of named tasks, one child process each.
 *
 * The bookkeeping (unique names, results, completion order, "report each
 * finished member once") is common/pl_roster.h, the same for every backend.
 * This file only decides how members run, and that is the futures lab
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
#include "pl_fork.h"
#include "pl_roster.h"


int pl_group_new(int max_workers, pl_group **out)
{
    if (out == NULL) {
        return PL_EINVAL;
    }
    *out = NULL;
    if (max_workers <= 0) {
        return PL_EINVAL;
    }
    /* TODO: a group = a pl_roster + max_workers + what you need to track running children. */
    return PL_ENOTIMPL;
}

int pl_group_add(pl_group *g, const char *name, const char *task, const pl_value *arg)
{
    if (g == NULL) {
        return PL_EINVAL;
    }
    (void)name; (void)task; (void)arg; return PL_ENOTIMPL;
}

int pl_group_start(pl_group *g)
{
    if (g == NULL) {
        return PL_EINVAL;
    }
    /* TODO: fork the first min(max_workers, members) members (pl_fork_pipe, pl_fork, and */
    /* TODO: pl_fork_run_one in the child); the rest start as slots free up. */
    return PL_ENOTIMPL;
}

int pl_group_wait_first(pl_group *g, int64_t timeout_ms, const char **name)
{
    if (g == NULL || name == NULL) {
        return PL_EINVAL;
    }
    /* TODO: until pl_roster_next_unreported has a member for you or the timeout passes, */
    /* TODO: poll() the running members' pipes, collect who answered (or died), start the next. */
    (void)timeout_ms; return PL_ENOTIMPL;
}

int pl_group_results(pl_group *g, int64_t timeout_ms)
{
    if (g == NULL) {
        return PL_EINVAL;
    }
    /* TODO: poll() and collect as in wait_first until every member finished or the timeout */
    /* TODO: passed; then kill and reap the stragglers (TIMEOUT) and pl_roster_settle the */
    /* TODO: members that never started (TIMEOUT). */
    (void)timeout_ms; return PL_ENOTIMPL;
}

size_t pl_group_size(const pl_group *g)
{
    (void)g; return 0;
}

const char *pl_group_name(const pl_group *g, size_t i)
{
    (void)g; (void)i; return NULL;
}

const pl_result *pl_group_result(const pl_group *g, const char *name)
{
    (void)g; (void)name; return NULL;
}

size_t pl_group_finished(const pl_group *g)
{
    (void)g; return 0;
}

const char *pl_group_finished_name(const pl_group *g, size_t k)
{
    (void)g; (void)k; return NULL;
}

void pl_group_free(pl_group **gp)
{
    if (gp == NULL || *gp == NULL) {
        return;
    }
    /* TODO: running members must not outlive the group: kill and reap them, close their pipes. */
    *gp = NULL;
}
