/*
 * solutions/03-group/openmp.c - a group of named tasks on OpenMP threads.
 *
 * The bookkeeping (names, results, who finished first, "report each
 * finished member once") lives in common/pl_roster.h, the same for every
 * backend. This file decides how members RUN, and that is the part where
 * threads need care.
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
 * call happens with the group's omp_lock_t held, and so do `next` and
 * `active`. (A named `#pragma omp critical` would also work, but it is one
 * lock for ALL groups; a lock per group lets two groups proceed
 * independently.) The lock is never held while a task runs: a member that
 * takes seconds must not block the caller's waits.
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
 * itself and miss its own timeout (see solutions/02-futures/openmp.c).
 */
#include <omp.h>
#include <stdlib.h>

#include "paralab.h"
#include "pl_openmp.h"
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
    /* TODO: a group = a pl_roster + an OpenMP lock guarding it + a cancel token + counters. */
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
    /* TODO: create min(max_workers, members, pl_workers()) `#pragma omp task` runners; each */
    /* TODO: takes the next member not started yet (under the lock) until none is left. */
    return PL_ENOTIMPL;
}

int pl_group_wait_first(pl_group *g, int64_t timeout_ms, const char **name)
{
    if (g == NULL || name == NULL) {
        return PL_EINVAL;
    }
    /* TODO: poll pl_roster_next_unreported (under the lock) with short sleeps until the timeout. */
    (void)timeout_ms; return PL_ENOTIMPL;
}

int pl_group_results(pl_group *g, int64_t timeout_ms)
{
    if (g == NULL) {
        return PL_EINVAL;
    }
    /* TODO: wait (polling) until every member finished or the timeout passed; then stop the */
    /* TODO: stragglers cooperatively, wait for the runners, and settle the rest as TIMEOUT. */
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
    /* TODO: runners write the roster while you read it: every roster call needs the lock. */
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
    /* TODO: runners still use the group: stop them and wait for them before freeing it. */
    *gp = NULL;
}
