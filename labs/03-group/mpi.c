/*
 * solutions/03-group/mpi.c - a group of named tasks on MPI worker ranks.
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


struct pl_group {
    pl_group_core core; /* FIRST: members, results, limit, started (the shared group code) */
    /* TODO: where each member runs (worker rank, request id), and counters. */
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
    /* TODO: send the first members to free workers (at most max_workers out at once); the */
    /* TODO: others start later, whenever wait_first or results collect a reply. */
    /* TODO: Mark the group started (pl_group_mark_started): no more adds, waits may begin. */
    /* TODO: Between calls finished members keep their workers claimed: register a progress */
    /* TODO: function (pl_mpi_add_progress) that collects replies, so a map can still run. */
    return PL_ENOTIMPL;
}

int pl_group_wait_first(pl_group *g, int64_t timeout_ms, const char **name)
{
    int rc = pl_group_check_wait(g, name);
    if (rc != PL_OK) {
        return rc;
    }
    /* TODO: make progress and ask pl_group_next_unreported, sleeping a little between looks. */
    (void)timeout_ms; return PL_ENOTIMPL;
}

int pl_group_results(pl_group *g, int64_t timeout_ms)
{
    int rc = pl_group_check_results(g);
    if (rc != PL_OK) {
        return rc;
    }
    /* TODO: make progress until every member finished or the timeout passed; then abandon the */
    /* TODO: members still out (pl_mpi_abandon_worker) and settle the rest (pl_group_settle). */
    (void)timeout_ms; return PL_ENOTIMPL;
}

void pl_group_free(pl_group **gp)
{
    if (gp == NULL || *gp == NULL) {
        return;
    }
    /* TODO: members still out must not be waited for: abandon their workers, then free */
    /* TODO: (and make sure your progress function will not see this group again). */
    *gp = NULL;
}
