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
/* BEGIN SOLUTION */
/* Where one member is: not sent yet, out on a worker, or finished (in the roster). */
typedef struct member_run {
    int rank;    /* > 0 while out on that worker */
    uint32_t id; /* its request id while out */
} member_run;
/* END SOLUTION */

struct pl_group {
    pl_group_core core; /* FIRST: members, results, limit, started (the shared group code) */
    /* BEGIN SOLUTION */
    /* TODO: Add the fields your group needs below the core, such as where each member runs
     * (its worker's rank and the request id) and your counters. */
    member_run *runs;  /* one per member, allocated at start */
    int running;       /* members out on workers */
    size_t next;       /* the next member to send */
    pl_group *next_live; /* the list of started groups (see progress_live_groups) */
    /* END SOLUTION */
};
PL_GROUP_CORE_FIRST(struct pl_group);
/* BEGIN SOLUTION */

/* Record member i's result (the roster owns it from now on, and appends i to the completion order). */
static void finish_member(pl_group *g, size_t i, pl_result *res)
{
    g->runs[i].rank = 0;
    if (res != NULL) {
        pl_group_finish_member(g, i, res);
    } /* else out of memory: it stays unfinished, and settle gives it a result */
}

/* A result made here, for a member that gets none from a worker. */
static pl_result *local_result(pl_task_status st, const char *why, int rank)
{
    pl_result *res = pl_result_new();
    if (res != NULL) {
        pl_result_set_status(res, st, "%s", why);
        pl_result_set_worker(res, rank > 0 ? rank : -1);
    }
    return res;
}

/* Pick up the replies that arrived; each frees its worker. */
static void collect(pl_group *g)
{
    for (size_t i = 0; i < g->next; i++) {
        member_run *m = &g->runs[i];
        if (m->rank <= 0) {
            continue;
        }
        pl_result *res = NULL;
        int rc = pl_mpi_poll_reply(m->rank, m->id, &res);
        if (rc == 0) {
            continue;
        }
        if (rc < 0) {
            res = local_result(PL_TASK_FAILED, "could not receive the worker's reply", m->rank);
        }
        pl_mpi_release_worker(m->rank);
        g->running--;
        finish_member(g, i, res);
    }
}

/* Send waiting members, in the order added, while max_workers allows and workers are free. */
static void launch(pl_group *g)
{
    size_t size = pl_group_size(g);
    while (g->next < size && g->running < pl_group_max_workers(g)) {
        int rank = pl_mpi_claim_worker();
        if (rank < 0) {
            return;
        }
        size_t i = g->next++;
        uint32_t id = pl_mpi_new_id();
        if (pl_mpi_send_task(rank, id, pl_group_member_task(g, i), pl_group_member_arg(g, i)) != PL_OK) {
            pl_mpi_release_worker(rank);
            finish_member(g, i, local_result(PL_TASK_FAILED, "could not send the task to a worker", rank));
            continue;
        }
        g->runs[i] = (member_run){.rank = rank, .id = id};
        g->running++;
    }
}

static void progress(pl_group *g)
{
    collect(g);
    launch(g);
}

/*
 * A member that finished keeps its worker CLAIMED until the group looks at
 * the reply. Without this, a map called while a group holds every worker
 * would wait for workers that are long idle (until its deadline, or for
 * ever). The runtime calls this when it finds no free worker
 * (pl_mpi_add_progress); collecting only frees workers, it never claims one.
 */
static pl_group *live_groups;

static void progress_live_groups(void)
{
    for (pl_group *g = live_groups; g != NULL; g = g->next_live) {
        collect(g);
    }
}

static void forget_live_group(pl_group *g)
{
    for (pl_group **p = &live_groups; *p != NULL; p = &(*p)->next_live) {
        if (*p == g) {
            *p = g->next_live;
            return;
        }
    }
}

/* Stop waiting for the members still out (their workers owe a late reply); start no more. */
static void stop_members(pl_group *g, const char *why)
{
    for (size_t i = 0; i < g->next; i++) {
        member_run *m = &g->runs[i];
        if (m->rank > 0) {
            pl_mpi_abandon_worker(m->rank, m->id);
            int rank = m->rank;
            finish_member(g, i, local_result(PL_TASK_TIMEOUT, why, rank));
        }
    }
    g->running = 0;
    g->next = pl_group_size(g);
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
     * sets up its core, then set up your own fields. *out is the new group. */
    /* SKELETON: return PL_ENOTIMPL; */
    *out = pl_group_alloc(sizeof **out, max_workers);
    return *out != NULL ? PL_OK : PL_ENOMEM; /* the runs are allocated at start: members may still come */
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
     * waits may begin. Send the first members to free workers, at most max_workers out at
     * once; the others start later, whenever wait_first or results collect a reply. Between
     * two calls, finished members keep their workers claimed, so register a progress function
     * (pl_mpi_add_progress) that collects replies: a map can then still find free workers. */
    /* SKELETON: return PL_ENOTIMPL; */
    /* Only rank 0, inside pl_run, has workers. */
    if (!pl_mpi_in_scope() || pl_workers() < 1) {
        return PL_ESTATE;
    }
    size_t size = pl_group_size(g);
    g->runs = calloc(size > 0 ? size : 1, sizeof *g->runs);
    if (g->runs == NULL) {
        return PL_ENOMEM;
    }
    pl_group_mark_started(g);
    g->next_live = live_groups;
    live_groups = g;
    pl_mpi_add_progress(progress_live_groups);
    launch(g);
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
    /* TODO: Make progress (collect replies, send waiting members) and ask
     * pl_group_next_unreported for a finished member, sleeping a little between looks, until
     * it has one or the timeout passes. */
    /* SKELETON: (void)timeout_ms; return PL_ENOTIMPL; */
    int64_t deadline = pl_deadline_after_ms(timeout_ms);
    int round = 0;
    for (;;) {
        progress(g);
        rc = pl_group_next_unreported(g, name);
        if (rc != PL_ETIMEDOUT || pl_now_ns() >= deadline) {
            return rc;
        }
        pl_mpi_backoff(&round);
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
    /* TODO: Make progress until every member finished or the timeout passed. Then abandon the
     * members still out (pl_mpi_abandon_worker): they are TIMEOUT. Settle the members that
     * never started (pl_group_settle). */
    /* SKELETON: (void)timeout_ms; return PL_ENOTIMPL; */
    int64_t deadline = pl_deadline_after_ms(timeout_ms);
    int round = 0;
    for (;;) {
        progress(g);
        if (pl_group_all_finished(g)) {
            return PL_OK;
        }
        if (pl_now_ns() >= deadline) {
            break;
        }
        pl_mpi_backoff(&round);
    }
    stop_members(g, "still running at the deadline of pl_group_results");
    return pl_group_settle(g, PL_OK);
    /* END SOLUTION */
}

void pl_group_free(pl_group **gp)
{
    if (gp == NULL || *gp == NULL) {
        return;
    }
    /* BEGIN SOLUTION */
    /* TODO: Set *gp to NULL first. Members still out must not be waited for: abandon their
     * workers. Make sure your progress function will never see this group again, then free
     * your fields and the group (pl_group_dealloc). */
    /* SKELETON: *gp = NULL; */
    pl_group *g = *gp;
    *gp = NULL;
    if (pl_group_is_started(g)) {
        stop_members(g, "the group was freed while it ran");
        forget_live_group(g);
    }
    free(g->runs);
    pl_group_dealloc(g);
    /* END SOLUTION */
}
