/*
 * 03-group/openmp.c - a group of named tasks on OpenMP threads.
 *
 * The bookkeeping (names, results, who finished first, "report each
 * finished member once", rejected calls, adding, the accessors) is the same
 * for every backend: runtime/pl_backend_common.h, the group's "core". This
 * file decides how members RUN, and that is the part where threads need
 * care.
 *
 * How members run. pl_group_start creates a few OpenMP tasks ("runners")
 * in pl_run's team; each runner takes the next member that has not
 * started, runs it, records its result, and takes the next, until none is
 * left. With k runners at most k members run at once, so k =
 * min(max_workers, members, pl_workers()) bounds the concurrency without
 * any extra counting; more runners than worker threads would only wait in
 * OpenMP's queue. Members start in the order they were added.
 *
 * Why a lock. The roster is plain memory shared by the caller's thread
 * (wait_first, results, the accessors) and every runner (finishing a
 * member appends to the completion order). Two threads changing it at once
 * is a data race: a lost completion, a corrupted list. So every roster
 * access happens with the group's omp_lock_t held, and so do `next` and
 * `active`. The shared group code cannot know about OpenMP, so the group
 * hands it the lock (pl_group_set_lock) and it takes the lock around its
 * own roster calls; our runners take it around theirs. (A named `#pragma
 * omp critical` would also work, but it is one lock for ALL groups; a lock
 * per group lets two groups proceed independently.) An OpenMP lock is not
 * recursive: while holding it, use the roster directly, never a
 * pl_group_* helper that locks. The lock is never held while a task runs:
 * a member that takes seconds must not block the caller's waits.
 *
 * The deadline of pl_group_results. A thread cannot be killed, so at the
 * deadline the group's cancel token is set: runners start no more members,
 * running members that poll pl_should_stop() stop (their result becomes
 * TIMEOUT), and results() waits for the runners to finish before giving
 * every member that never started a TIMEOUT of its own. A member that
 * never polls keeps results() waiting - the price of threads.
 *
 * Waiting (wait_first, results) polls the roster with short sleeps rather
 * than `taskyield`, which could make the waiting thread run a long member
 * itself and miss its own timeout (see 02-futures/openmp.c).
 */
#include <omp.h>

#include "paralab.h"
#include "pl_backend_common.h"
#include "pl_openmp.h"

/*
 * Your code: types and static helper functions of your own go here, above
 * the functions below that call them. (A static function that nothing
 * calls is an error under -Werror: add each one when you first call it.)
 */
struct pl_group {
    pl_group_core core; /* FIRST: members, results, limit, started (the shared group code) */
    /* TODO: Add the fields your group needs below the core, such as a lock (which the shared
     * group code will take too), a cancel token for its members, and your counters. */
};
PL_GROUP_CORE_FIRST(struct pl_group);

int pl_group_new(int max_workers, pl_group **out)
{
    int rc = pl_group_check_new(max_workers, out);
    if (rc != PL_OK) {
        return rc;
    }
    /* TODO: Get the group's memory from pl_group_alloc(sizeof *g, max_workers), which also
     * sets up its core. Then set up your fields: initialise the lock and hand it to the shared
     * code (pl_group_set_lock), and make a cancel token. *out is the new group. */
    return PL_ENOTIMPL;
}

int pl_group_start(pl_group *g)
{
    int rc = pl_group_check_start(g);
    if (rc != PL_OK) {
        return rc;
    }
    /* TODO: Mark the group started (pl_group_mark_started): no more members may be added, and
     * waits may begin. Then create min(max_workers, members, pl_workers()) `#pragma omp task`
     * runners; each one takes the next member not started yet (under the lock) and runs it,
     * until none is left. */
    return PL_ENOTIMPL;
}

int pl_group_wait_first(pl_group *g, int64_t timeout_ms, const char **name)
{
    int rc = pl_group_check_wait(g, name);
    if (rc != PL_OK) {
        return rc;
    }
    /* TODO: Ask pl_group_next_unreported for a finished member not reported yet, sleeping a
     * little between looks, until it has one or the timeout passes. */
    (void)timeout_ms; return PL_ENOTIMPL;
}

int pl_group_results(pl_group *g, int64_t timeout_ms)
{
    int rc = pl_group_check_results(g);
    if (rc != PL_OK) {
        return rc;
    }
    /* TODO: Wait, looking now and then, until every member finished or the timeout passed.
     * Then stop the stragglers cooperatively (the cancel token), wait for the runners, and
     * settle the members that never finished (pl_group_settle). */
    (void)timeout_ms; return PL_ENOTIMPL;
}

void pl_group_free(pl_group **gp)
{
    if (gp == NULL || *gp == NULL) {
        return;
    }
    /* TODO: Set *gp to NULL first. Runners may still use the group: stop them and wait for
     * them before you free your fields and the group (pl_group_dealloc). */
    *gp = NULL;
}
