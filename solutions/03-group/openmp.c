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
    /* BEGIN SOLUTION */
    /* TODO: Add the fields your group needs below the core, such as a lock (which the shared
     * group code will take too), a cancel token for its members, and your counters. */
    omp_lock_t lock;  /* guards next and active; the shared group code takes it too */
    pl_cancel *token; /* set at results' deadline or by free: stop starting, stop running */
    size_t next;      /* the next member to start */
    int active;       /* runner tasks that have not finished yet */
    /* END SOLUTION */
};
PL_GROUP_CORE_FIRST(struct pl_group);
/* BEGIN SOLUTION */

/* Locking does not change what a group IS, so const accessors may lock too (C has no `mutable`). */
static void lock_group(const pl_group *g)
{
    omp_set_lock((omp_lock_t *)&g->lock);
}

static void unlock_group(const pl_group *g)
{
    omp_unset_lock((omp_lock_t *)&g->lock);
}

/* The same lock, as the shared group code calls it (pl_group_set_lock). */
static void lock_hook(void *lock)
{
    omp_set_lock(lock);
}

static void unlock_hook(void *lock)
{
    omp_unset_lock(lock);
}

/*
 * Reserve the next member for the calling runner: 0 when none is left to
 * start, or when the group was told to stop. Only `next` needs the lock.
 * The member count, a member's task and its argument never change after
 * start, so they are read without it (pl_group_size takes the same
 * lock, which is not recursive: it must not be called while holding it).
 */
static int take_next(pl_group *g, size_t *i, const char **task, const pl_value **arg)
{
    size_t members = pl_group_size(g);
    int found = 0;
    lock_group(g);
    if (!pl_cancel_is_set(g->token) && g->next < members) {
        *i = g->next++;
        found = 1;
    }
    unlock_group(g);
    if (found) {
        *task = pl_group_member_task(g, *i);
        *arg = pl_group_member_arg(g, *i);
    }
    return found;
}

/* Run one member here, outside the lock; NULL only when out of memory. */
static pl_result *run_member(pl_group *g, const char *task, const pl_value *arg)
{
    pl_result *res = pl_result_new();
    if (res == NULL) {
        return NULL; /* the member stays unfinished; results() settles it */
    }
    pl_cancel *previous = pl_cancel_swap_current(g->token);
    pl_task_run(task, arg, res);
    pl_cancel_swap_current(previous);
    pl_result_set_worker(res, omp_get_thread_num());
    /*
     * Still running when results' deadline stopped the group: TIMEOUT. If it
     * saw the stop it says CANCELLED, but it ran out of time, nobody
     * cancelled it; if it never polled and finished late anyway, its answer
     * came too late to count (fork would have killed it).
     */
    if (pl_cancel_is_set(g->token)) {
        int saw_stop = pl_result_status(res) == PL_TASK_CANCELLED;
        pl_result_set_status(res, PL_TASK_TIMEOUT, "%s the deadline of pl_group_results",
                             saw_stop ? "stopped at" : "finished after");
    }
    return res;
}

/* The body of one runner task. */
static void run_members(pl_group *g)
{
    size_t i;
    const char *task;
    const pl_value *arg;
    while (take_next(g, &i, &task, &arg)) {
        pl_result *res = run_member(g, task, arg);
        if (res != NULL) {
            pl_group_finish_member(g, i, res); /* locks; also appends i to the completion order */
        }
    }
    lock_group(g);
    g->active--; /* the last thing a runner does with g: after this, g may be freed */
    unlock_group(g);
}

static int runners_active(pl_group *g)
{
    lock_group(g);
    int active = g->active;
    unlock_group(g);
    return active;
}

/* Stop the group: no new members start, running ones are asked to stop; wait for the runners. */
static void stop_runners(pl_group *g)
{
    pl_cancel_request(g->token);
    while (runners_active(g) > 0) {
        pl_sleep_ms(PL_OMP_POLL_MS);
    }
}
/* END SOLUTION */

int pl_group_new(int max_workers, pl_group **out)
{
    int rc = pl_group_check_new(max_workers, out);
    if (rc != PL_OK) {
        return rc;
    }
    /* BEGIN SOLUTION */
    /* TODO: Get the group's memory from pl_group_alloc(sizeof *g, max_workers), which also
     * sets up its core. Then set up your fields: initialise the lock and hand it to the shared
     * code (pl_group_set_lock), and make a cancel token. *out is the new group. */
    /* SKELETON: return PL_ENOTIMPL; */
    pl_group *g = pl_group_alloc(sizeof *g, max_workers);
    if (g == NULL) {
        return PL_ENOMEM;
    }
    g->token = pl_cancel_new();
    if (g->token == NULL) {
        pl_group_dealloc(g);
        return PL_ENOMEM;
    }
    omp_init_lock(&g->lock);
    pl_group_set_lock(g, lock_hook, unlock_hook, &g->lock);
    *out = g;
    return PL_OK;
    /* END SOLUTION */
}

int pl_group_start(pl_group *g)
{
    int rc = pl_group_check_start(g);
    if (rc != PL_OK) {
        return rc;
    }
    /* BEGIN SOLUTION */
    /* TODO: Mark the group started (pl_group_mark_started): no more members may be added, and
     * waits may begin. Then create min(max_workers, members, pl_workers()) `#pragma omp task`
     * runners; each one takes the next member not started yet (under the lock) and runs it,
     * until none is left. */
    /* SKELETON: return PL_ENOTIMPL; */
    /* Background tasks need pl_run's team of worker threads (see runtime/pl_openmp.h). */
    if (!pl_omp_in_scope()) {
        return PL_ESTATE;
    }
    pl_group_mark_started(g);
    size_t members = pl_group_size(g);
    int runners = pl_group_max_workers(g) < pl_workers() ? pl_group_max_workers(g) : pl_workers();
    if ((size_t)runners > members) {
        runners = (int)members;
    }
    /* Counted before they exist, so a free() right after start waits for every one of them. */
    lock_group(g);
    g->active = runners;
    unlock_group(g);
    for (int k = 0; k < runners; k++) {
#pragma omp task firstprivate(g)
        run_members(g);
    }
    return PL_OK;
    /* END SOLUTION */
}

int pl_group_wait_first(pl_group *g, int64_t timeout_ms, const char **name)
{
    int rc = pl_group_check_wait(g, name);
    if (rc != PL_OK) {
        return rc;
    }
    /* BEGIN SOLUTION */
    /* TODO: Ask pl_group_next_unreported for a finished member not reported yet, sleeping a
     * little between looks, until it has one or the timeout passes. */
    /* SKELETON: (void)timeout_ms; return PL_ENOTIMPL; */
    int64_t deadline = pl_deadline_after_ms(timeout_ms);
    for (;;) {
        rc = pl_group_next_unreported(g, name); /* locks */
        if (rc != PL_ETIMEDOUT || pl_now_ns() >= deadline) {
            return rc;
        }
        pl_sleep_ms(PL_OMP_POLL_MS);
    }
    /* END SOLUTION */
}

int pl_group_results(pl_group *g, int64_t timeout_ms)
{
    int rc = pl_group_check_results(g);
    if (rc != PL_OK) {
        return rc;
    }
    /* BEGIN SOLUTION */
    /* TODO: Wait, looking now and then, until every member finished or the timeout passed.
     * Then stop the stragglers cooperatively (the cancel token), wait for the runners, and
     * settle the members that never finished (pl_group_settle). */
    /* SKELETON: (void)timeout_ms; return PL_ENOTIMPL; */
    int64_t deadline = pl_deadline_after_ms(timeout_ms);
    /* No runner left means nothing more can finish (a member lost to out-of-memory): stop waiting. */
    while (!pl_group_all_finished(g) && runners_active(g) > 0) {
        if (pl_now_ns() >= deadline) {
            stop_runners(g);
            break;
        }
        pl_sleep_ms(PL_OMP_POLL_MS);
    }
    /* Members that never started (or ran out of memory) get their one result now. */
    return pl_group_settle(g, PL_OK); /* locks */
    /* END SOLUTION */
}

void pl_group_free(pl_group **gp)
{
    if (gp == NULL || *gp == NULL) {
        return;
    }
    /* BEGIN SOLUTION */
    /* TODO: Set *gp to NULL first. Runners may still use the group: stop them and wait for
     * them before you free your fields and the group (pl_group_dealloc). */
    /* SKELETON: *gp = NULL; */
    pl_group *g = *gp;
    *gp = NULL;
    if (pl_group_is_started(g)) {
        stop_runners(g); /* cooperative: a member that never polls keeps us waiting */
    }
    omp_destroy_lock(&g->lock);
    pl_cancel_free(g->token);
    pl_group_dealloc(g); /* no runner is left to take the lock */
    /* END SOLUTION */
}
