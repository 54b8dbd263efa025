/*
 * runtime/common_group.c - a group's bookkeeping, the same on every backend
 * (runtime/pl_backend_common.h): the up-front checks, new -> started, adding
 * members, settling, and the accessors of paralab.h.
 *
 * Trusted code, compiled into every paralab_<model>. A backend's struct
 * pl_group starts with a pl_group_core (checked by PL_GROUP_CORE_FIRST), so
 * a pl_group * handed to us points at its core. The backend's lab writes
 * how members run (labs/03-group/<model>.c).
 *
 * Locking: on OpenMP, runner threads finish members while the caller's
 * thread reads the roster, so every roster access here is bracketed by the
 * core's lock when the backend installed one. Adding needs no lock: members
 * are only added before start, when no runner exists.
 */
#include <stdlib.h>

#include "pl_backend_common.h"
#include "pl_tasks.h"

static pl_group_core *core_of(pl_group *g)
{
    return (pl_group_core *)(void *)g;
}

/* Locking does not change what a group IS, so read-only accessors lock too (C has no `mutable`). */
static pl_group_core *core_of_const(const pl_group *g)
{
    return (pl_group_core *)(void *)(pl_group *)g;
}

static void lock(pl_group_core *c)
{
    if (c->lock != NULL) {
        c->lock(c->lock_ctx);
    }
}

static void unlock(pl_group_core *c)
{
    if (c->unlock != NULL) {
        c->unlock(c->lock_ctx);
    }
}

/*
 * What the read-only accessors read: g's roster, under the core's lock
 * (runners may be finishing members meanwhile). Every hold(g) is followed by one release(g).
 * A NULL g holds nothing and reads a NULL roster, which every pl_roster_*
 * read answers with its "nothing" (0, NULL or -1): the accessors' answer for
 * a NULL group.
 */
static const pl_roster *hold(const pl_group *g)
{
    if (g == NULL) {
        return NULL;
    }
    pl_group_core *c = core_of_const(g);
    lock(c);
    return c->roster;
}

static void release(const pl_group *g)
{
    if (g != NULL) {
        unlock(core_of_const(g));
    }
}

/* ---------------------------------------------------------------- life cycle */

int pl_group_check_new(int max_workers, pl_group **out)
{
    if (out == NULL) {
        return PL_EINVAL;
    }
    *out = NULL;
    pl_tasks_register_builtins(); /* members are checked by name from pl_group_add on */
    return max_workers > 0 ? PL_OK : PL_EINVAL;
}

void *pl_group_alloc(size_t size, int max_workers)
{
    if (size < sizeof(pl_group_core)) {
        return NULL; /* not a struct that starts with a core */
    }
    pl_group_core *c = calloc(1, size);
    if (c == NULL) {
        return NULL;
    }
    c->max_workers = max_workers;
    c->roster = pl_roster_new();
    if (c->roster == NULL) {
        free(c);
        return NULL;
    }
    return c;
}

void pl_group_set_lock(pl_group *g, pl_group_lock_fn *lock_fn, pl_group_lock_fn *unlock_fn, void *ctx)
{
    pl_group_core *c = core_of(g);
    c->lock = lock_fn;
    c->unlock = unlock_fn;
    c->lock_ctx = ctx;
}

void pl_group_dealloc(pl_group *g)
{
    if (g == NULL) {
        return;
    }
    pl_roster_free(core_of(g)->roster);
    free(g);
}

int pl_group_add(pl_group *g, const char *name, const char *task, const pl_value *arg)
{
    if (g == NULL) {
        return PL_EINVAL;
    }
    pl_group_core *c = core_of(g);
    if (c->started) {
        return PL_ESTATE; /* the set of members is fixed once they may be running */
    }
    if (arg != NULL && !pl_value_fits_wire(arg)) {
        return PL_EINVAL; /* too big to travel: refused now, not when the member starts */
    }
    /* The roster checks the name (PL_EINVAL, PL_EEXIST) and the task (PL_ENOTASK). */
    return pl_roster_add(c->roster, name, task, arg);
}

int pl_group_check_start(const pl_group *g)
{
    if (g == NULL) {
        return PL_EINVAL;
    }
    return core_of_const(g)->started ? PL_ESTATE : PL_OK;
}

void pl_group_mark_started(pl_group *g)
{
    core_of(g)->started = 1;
}

int pl_group_check_wait(const pl_group *g, const char **name)
{
    if (g == NULL || name == NULL) {
        return PL_EINVAL;
    }
    return core_of_const(g)->started ? PL_OK : PL_ESTATE;
}

int pl_group_check_results(const pl_group *g)
{
    if (g == NULL) {
        return PL_EINVAL;
    }
    return core_of_const(g)->started ? PL_OK : PL_ESTATE;
}

/* ---------------------------------------------------------------- members finishing */

int pl_group_finish_member(pl_group *g, size_t i, pl_result *res)
{
    pl_group_core *c = core_of(g);
    lock(c);
    int rc = pl_roster_finish(c->roster, i, res);
    unlock(c);
    return rc;
}

int pl_group_next_unreported(pl_group *g, const char **name)
{
    pl_group_core *c = core_of(g);
    size_t idx;
    lock(c);
    int rc = pl_roster_next_unreported(c->roster, &idx);
    if (rc == PL_OK) {
        *name = pl_roster_name(c->roster, idx);
    }
    unlock(c);
    return rc;
}

int pl_group_all_finished(const pl_group *g)
{
    const pl_roster *r = hold(g);
    int done = pl_roster_finished_count(r) == pl_roster_size(r);
    release(g);
    return done;
}

int pl_group_settle_as(pl_group *g, pl_task_status st, const char *why)
{
    pl_group_core *c = core_of(g);
    lock(c);
    int settled = pl_roster_settle(c->roster, st, why);
    unlock(c);
    return settled;
}

int pl_group_settle(pl_group *g, int rc)
{
    return rc == PL_OK ? pl_group_settle_as(g, PL_TASK_TIMEOUT, "the deadline passed before it started")
                       : pl_group_settle_as(g, PL_TASK_FAILED, "not run: results() failed");
}

/* ---------------------------------------------------------------- what a lab reads */

int pl_group_max_workers(const pl_group *g)
{
    return core_of_const(g)->max_workers;
}

int pl_group_is_started(const pl_group *g)
{
    return core_of_const(g)->started;
}

const char *pl_group_member_task(const pl_group *g, size_t i)
{
    return pl_roster_task(core_of_const(g)->roster, i);
}

const pl_value *pl_group_member_arg(const pl_group *g, size_t i)
{
    return pl_roster_arg(core_of_const(g)->roster, i);
}

int pl_group_member_finished(const pl_group *g, size_t i)
{
    int done = pl_roster_is_finished(hold(g), i);
    release(g);
    return done;
}

/* ---------------------------------------------------------------- accessors (paralab.h) */

size_t pl_group_size(const pl_group *g)
{
    size_t n = pl_roster_size(hold(g));
    release(g);
    return n;
}

const char *pl_group_name(const pl_group *g, size_t i)
{
    const char *name = pl_roster_name(hold(g), i);
    release(g);
    return name;
}

const pl_result *pl_group_result(const pl_group *g, const char *name)
{
    const pl_roster *r = hold(g);
    long i = pl_roster_find(r, name); /* -1 for a NULL name */
    const pl_result *res = i >= 0 ? pl_roster_result(r, (size_t)i) : NULL;
    release(g);
    return res;
}

size_t pl_group_finished(const pl_group *g)
{
    size_t n = pl_roster_finished_count(hold(g));
    release(g);
    return n;
}

const char *pl_group_finished_name(const pl_group *g, size_t k)
{
    const pl_roster *r = hold(g);
    /* A k past the end gives (size_t)-1, which has no name: NULL. */
    const char *name = pl_roster_name(r, pl_roster_finished_at(r, k));
    release(g);
    return name;
}
