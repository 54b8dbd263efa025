/*
 * solutions/03-group/mpi.c - a group of named tasks on MPI worker ranks.
 *
 * The bookkeeping (names, results, who finished first, "report each
 * finished member once") lives in common/pl_roster.h, the same for every
 * backend. This file decides how members RUN, with the machinery of the
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
#include "pl_mpi.h"
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
    /* TODO: a group = a pl_roster + where each member runs (worker rank, request id) + counters. */
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
    /* TODO: send the first members to free workers (at most max_workers out at once); the */
    /* TODO: others start later, whenever wait_first or results collect a reply. */
    return PL_ENOTIMPL;
}

int pl_group_wait_first(pl_group *g, int64_t timeout_ms, const char **name)
{
    if (g == NULL || name == NULL) {
        return PL_EINVAL;
    }
    /* TODO: make progress and ask pl_roster_next_unreported, sleeping a little between looks. */
    (void)timeout_ms; return PL_ENOTIMPL;
}

int pl_group_results(pl_group *g, int64_t timeout_ms)
{
    if (g == NULL) {
        return PL_EINVAL;
    }
    /* TODO: make progress until every member finished or the timeout passed; then abandon the */
    /* TODO: members still out (pl_mpi_abandon_worker) and settle the rest as TIMEOUT. */
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
    /* TODO: members still out must not be waited for: abandon their workers, then free. */
    *gp = NULL;
}
