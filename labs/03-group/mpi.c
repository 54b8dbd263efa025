/*
 * 03-group/mpi.c - a group of named tasks on MPI worker ranks.
 *
 * The bookkeeping (names, results, who finished first, "report each
 * finished member once", rejected calls, adding, the accessors) is the same
 * for every backend: runtime/pl_backend_common.h, the group's "core". This
 * file decides how members RUN, with the machinery of the
 * map lab: rank 0 sends a member's task to a free worker (its name and
 * encoded argument in one message), and later picks up the reply.
 *
 * At most max_workers members are out at once; the others wait in the
 * group, in the order they were added, and start as soon as a worker
 * answers. As with futures there is no background thread on rank 0: the
 * group moves forward (collects replies, starts waiting members) whenever
 * the program calls into it - start, wait_first, results. Between those
 * calls, members already sent keep running on their workers; they just
 * are not replaced until the program looks again.
 *
 * No locks, unlike the OpenMP version: only rank 0's one thread touches the
 * roster. The concurrency is in the other processes, and they only ever
 * see the bytes we send them.
 *
 * The deadline of pl_group_results. Rank 0 stops waiting: each member
 * still out gets TIMEOUT, its worker a CANCEL, and the runtime drains the
 * late reply before that worker is used again (pl_mpi_abandon_worker).
 * Members that never started get TIMEOUT too.
 */
#include <stdlib.h>

#include "paralab.h"
#include "pl_backend_common.h"
#include "pl_mpi.h"

/*
 * Your code: types and static helper functions of your own go here, above
 * the functions below that call them. (A static function that nothing
 * calls is an error under -Werror: add each one when you first call it.)
 */

struct pl_group {
    pl_group_core core; /* FIRST: members, results, limit, started (the shared group code) */
    /* TODO: Add the fields your group needs below the core, such as where each member runs
     * (its worker's rank and the request id) and your counters. */
};
PL_GROUP_CORE_FIRST(struct pl_group);

int pl_group_new(int max_workers, pl_group **out)
{
    int rc = pl_group_check_new(max_workers, out);
    if (rc != PL_OK) {
        return rc;
    }
    /* TODO: Get the group's memory from pl_group_alloc(sizeof *g, max_workers), which also
     * sets up its core, then set up your own fields. *out is the new group. */
    return PL_ENOTIMPL;
}

int pl_group_start(pl_group *g)
{
    int rc = pl_group_check_start(g);
    if (rc != PL_OK) {
        return rc;
    }
    /* TODO: Mark the group started (pl_group_mark_started): no more members may be added, and
     * waits may begin. Send the first members to free workers, at most max_workers out at
     * once; the others start later, whenever wait_first or results collect a reply. Between
     * two calls, finished members keep their workers claimed, so register a progress function
     * (pl_mpi_add_progress) that collects replies: a map can then still find free workers. */
    return PL_ENOTIMPL;
}

int pl_group_wait_first(pl_group *g, int64_t timeout_ms, const char **name)
{
    int rc = pl_group_check_wait(g, name);
    if (rc != PL_OK) {
        return rc;
    }
    /* TODO: Make progress (collect replies, send waiting members) and ask
     * pl_group_next_unreported for a finished member, sleeping a little between looks, until
     * it has one or the timeout passes. */
    (void)timeout_ms; return PL_ENOTIMPL;
}

int pl_group_results(pl_group *g, int64_t timeout_ms)
{
    int rc = pl_group_check_results(g);
    if (rc != PL_OK) {
        return rc;
    }
    /* TODO: Make progress until every member finished or the timeout passed. Then abandon the
     * members still out (pl_mpi_abandon_worker): they are TIMEOUT. Settle the members that
     * never started (pl_group_settle). */
    (void)timeout_ms; return PL_ENOTIMPL;
}

void pl_group_free(pl_group **gp)
{
    if (gp == NULL || *gp == NULL) {
        return;
    }
    /* TODO: Set *gp to NULL first. Members still out must not be waited for: abandon their
     * workers. Make sure your progress function will never see this group again, then free
     * your fields and the group (pl_group_dealloc). */
    *gp = NULL;
}
