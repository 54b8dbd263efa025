/*
 * 03-group/fork.c - a group of named tasks, one child process each.
 *
 * The bookkeeping (unique names, results, completion order, "report each
 * finished member once", rejected calls, adding, the accessors) is the same
 * for every backend: runtime/pl_backend_common.h, the group's "core". This
 * file only decides how members run, and that is the futures lab again
 * (02-futures/fork.c), with the group's own limit:
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

/*
 * Your code goes here, above the functions of paralab.h (at the bottom),
 * which use it. The types and STEPS below are the shape of one solution:
 * each step says its job and has a TODO, and returns PL_ENOTIMPL until you
 * write it. Fill them in and call them from the functions below, or
 * replace them with a design of your own. Add your own types and static
 * helpers here too, above the functions that call them. (A step is marked
 * PL_LAB_STEP so that it may stay unused while you work; any other static
 * function that nothing calls is an error under -Werror.) Read your group
 * through pl_backend_common.h (pl_group_size, pl_group_member_task, ...),
 * never through its core's fields.
 */

/* A member's child as the parent sees it; pid 0 when none runs. */
typedef struct child {
    pid_t pid;
    int result_fd; /* read end of its result pipe while it runs, else -1 */
} child;

struct pl_group {
    pl_group_core core; /* FIRST: members, results, limit, started (the shared group code) */
    size_t next;        /* the next member to start (in the order added) */
    int running;        /* children alive now (<= max_workers) */
    child *children;    /* one per member, allocated by start */
    /* BEGIN SOLUTION */
    /* TODO: Add the other fields your group needs, such as room for one poll() call over the
     * running children's pipes. */
    struct pollfd *fds; /* scratch for poll(): max_workers entries */
    size_t *who;        /* member index of each fds entry */
    /* END SOLUTION */
};
PL_GROUP_CORE_FIRST(struct pl_group);
/* BEGIN SOLUTION */

/* Member i ends with res (the roster takes it); its child slot is free again. */
static int finish(pl_group *g, size_t i, pl_result *res)
{
    if (g->children[i].pid > 0) {
        g->running--;
        g->children[i].pid = 0;
    }
    pl_fork_close(&g->children[i].result_fd);
    if (res == NULL) {
        return PL_ENOMEM;
    }
    return pl_group_finish_member(g, i, res);
}

/* A result with just a status and a text, for members that never answered. */
static pl_result *result_with(pl_task_status st, const char *why, pid_t pid)
{
    pl_result *res = pl_result_new();
    if (res != NULL) {
        pl_result_set_status(res, st, "%s", why);
        if (pid > 0) {
            pl_result_set_worker(res, (int64_t)pid);
        }
    }
    return res;
}
/* END SOLUTION */

/* Step: fork member i's child. It runs the member's task and writes its result down a pipe. */
static PL_LAB_STEP int launch(pl_group *g, size_t i)
{
    /* BEGIN SOLUTION */
    /* TODO: Make a pipe with pl_fork_pipe and call pl_fork. The child calls pl_fork_run_one
     * with the member's task and argument (pl_group_member_task, pl_group_member_arg) and the
     * pipe's write end. The parent closes the write end, keeps the pid and the read end in
     * children[i], and counts one more running child. PL_ESYS when something fails. */
    /* SKELETON: (void)g; (void)i; return PL_ENOTIMPL; */
    int p[2];
    if (pl_fork_pipe(p) != PL_OK) {
        return PL_ESYS;
    }
    pid_t pid = pl_fork();
    if (pid == 0) {
        pl_fork_run_one(pl_group_member_task(g, i), pl_group_member_arg(g, i), p[1]);
    }
    pl_fork_close(&p[1]); /* the child's end: holding it, we would never see end-of-file */
    if (pid < 0) {
        pl_fork_close(&p[0]);
        return PL_ESYS;
    }
    g->children[i] = (child){.pid = pid, .result_fd = p[0]};
    g->running++;
    return PL_OK;
    /* END SOLUTION */
}

/*
 * Step: start members in the order added while fewer than max_workers run
 * (pl_group_max_workers). A member whose fork fails waits for a slot if
 * others run; with nothing running it would wait for ever, so it FAILS
 * instead.
 */
static PL_LAB_STEP int fill_slots(pl_group *g)
{
    /* BEGIN SOLUTION */
    /* TODO: Launch the next member while members are left and a slot is free. When a launch
     * fails and no child runs, give that member a FAILED result (pl_group_finish_member) and go
     * on with the next one; when others run, stop and let it wait for a slot. */
    /* SKELETON: (void)g; return PL_ENOTIMPL; */
    size_t n = pl_group_size(g);
    while (g->next < n && g->running < pl_group_max_workers(g)) {
        size_t i = g->next;
        if (launch(g, i) != PL_OK) {
            if (g->running > 0) {
                return PL_OK;
            }
            int rc = finish(g, i, result_with(PL_TASK_FAILED, "could not fork a process for it", 0));
            if (rc != PL_OK) {
                return rc;
            }
        }
        g->next++;
    }
    return PL_OK;
    /* END SOLUTION */
}

/* Step: member i's pipe is readable. Its answer (the child then exits), or end-of-file (it died). */
static PL_LAB_STEP int collect(pl_group *g, size_t i)
{
    /* BEGIN SOLUTION */
    /* TODO: Read the result with pl_fork_recv_result_until and a deadline of 0 before reaping
     * the child with pl_fork_reap: a child writing a big answer blocks until it is read.
     * PL_ETIMEDOUT means only part of the answer has come: return it, the member keeps
     * running (never wait for the rest: a child stopped mid-frame would hold the deadline). A
     * child that died without an answer gets the post-mortem of pl_fork_explain_end. Then the
     * member is finished (pl_group_finish_member) and its child slot is free. */
    /* SKELETON: (void)g; (void)i; return PL_ENOTIMPL; */
    child *c = &g->children[i];
    uint64_t tag;
    pl_result *res = NULL;
    int wstatus = 0;
    int rc = pl_fork_recv_result_until(c->result_fd, 0, &tag, &res);
    if (rc == PL_ETIMEDOUT) {
        return rc; /* half an answer so far: the rest comes with a later poll */
    }
    /* Read before reaping: a child writing a big answer blocks until we read it. */
    pl_fork_reap(c->pid, rc != PL_OK && rc != PL_EIO, &wstatus);
    if (rc != PL_OK) {
        pl_result_free(res);
        res = pl_result_new();
        pl_fork_explain_end(c->pid, wstatus, res);
    }
    return finish(g, i, res);
    /* END SOLUTION */
}

/*
 * Step: one look at the running members' pipes, waiting up to deadline_ns:
 * collect every member that answered or died, then start waiting members
 * in the freed slots. *finished counts the members collected (0: timeout).
 */
static PL_LAB_STEP int poll_members(pl_group *g, int64_t deadline_ns, int *finished)
{
    /* BEGIN SOLUTION */
    /* TODO: List the running children's pipes for one poll() call with pl_ms_until(deadline_ns)
     * as its timeout, collect every member whose pipe is ready, and fill the freed slots. With
     * no child running there is nothing to wait for: just fill the slots. A poll() interrupted
     * by a signal (EINTR) is not an error, nor is a member whose answer is only half in
     * (collect says PL_ETIMEDOUT): it is not finished yet. */
    /* SKELETON: (void)g; (void)deadline_ns; (void)finished; return PL_ENOTIMPL; */
    int count = 0;
    size_t n = pl_group_size(g);
    *finished = 0;
    for (size_t i = 0; i < n; i++) {
        if (g->children[i].pid > 0) {
            g->fds[count] = (struct pollfd){.fd = g->children[i].result_fd, .events = POLLIN};
            g->who[count++] = i;
        }
    }
    if (count == 0) {
        return fill_slots(g);
    }
    int ready = poll(g->fds, (nfds_t)count, pl_ms_until(deadline_ns));
    if (ready < 0 && errno != EINTR) {
        return PL_ESYS;
    }
    for (int j = 0; j < count && ready > 0; j++) {
        if (g->fds[j].revents != 0) {
            int rc = collect(g, g->who[j]);
            if (rc == PL_ETIMEDOUT) {
                continue; /* part of an answer: not finished yet */
            }
            if (rc != PL_OK) {
                return rc;
            }
            (*finished)++;
        }
    }
    return fill_slots(g);
    /* END SOLUTION */
}

/* Step: kill and reap every running child; its member gets status st with the text why. */
static PL_LAB_STEP int stop_running(pl_group *g, pl_task_status st, const char *why)
{
    /* BEGIN SOLUTION */
    /* TODO: For every member with a running child: kill and reap it (pl_fork_reap with
     * kill_first set), close its pipe, and finish the member with a result of status st, text
     * why and the child's pid as its worker. Nothing may be left running. */
    /* SKELETON: (void)g; (void)st; (void)why; return PL_ENOTIMPL; */
    int rc = PL_OK;
    size_t n = g->children != NULL ? pl_group_size(g) : 0;
    for (size_t i = 0; i < n; i++) {
        pid_t pid = g->children[i].pid;
        if (pid > 0) {
            pl_fork_reap(pid, 1, NULL);
            int frc = finish(g, i, result_with(st, why, pid));
            rc = rc != PL_OK ? rc : frc;
        }
    }
    return rc;
    /* END SOLUTION */
}

int pl_group_new(int max_workers, pl_group **out)
{
    int rc = pl_group_check_new(max_workers, out);
    if (rc != PL_OK) {
        return rc;
    }
    /* BEGIN SOLUTION */
    /* TODO: Get the group's memory from pl_group_alloc(sizeof *g, max_workers), which also
     * sets up its core, then set up your own fields; *out is the new group. A max_workers
     * above PL_FORK_MAX_CHILDREN may be capped to it: each member running is a process and a
     * pipe. */
    /* SKELETON: return PL_ENOTIMPL; */
    /* "At most max_workers" at once: a huge value is capped (a process and a pipe each). */
    if (max_workers > PL_FORK_MAX_CHILDREN) {
        max_workers = PL_FORK_MAX_CHILDREN;
    }
    pl_group *g = pl_group_alloc(sizeof *g, max_workers);
    if (g == NULL) {
        return PL_ENOMEM;
    }
    g->fds = calloc((size_t)max_workers, sizeof *g->fds);
    g->who = calloc((size_t)max_workers, sizeof *g->who);
    if (g->fds == NULL || g->who == NULL) {
        free(g->fds);
        free(g->who);
        pl_group_dealloc(g);
        return PL_ENOMEM;
    }
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
    /* TODO: Mark the group started (pl_group_mark_started): no more members may be added,
     * and waits may begin. Then fork the first min(max_workers, members) members in the order
     * they were added; the others start as slots free up. If starting fails, leave no child
     * running, and settle the members (pl_group_settle_as) before returning the error. */
    /* SKELETON: return PL_ENOTIMPL; */
    size_t n = pl_group_size(g);
    g->children = calloc(n > 0 ? n : 1, sizeof *g->children);
    if (g->children == NULL) {
        return PL_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        g->children[i] = (child){.pid = 0, .result_fd = -1};
    }
    pl_group_mark_started(g);
    rc = fill_slots(g);
    if (rc != PL_OK) {
        /* Never leave a child running behind an error. */
        stop_running(g, PL_TASK_FAILED, "killed: starting the group failed");
        pl_group_settle_as(g, PL_TASK_FAILED, "not run: starting the group failed");
    }
    return rc;
    /* END SOLUTION */
}

int pl_group_wait_first(pl_group *g, int64_t timeout_ms, const char **name)
{
    int rc = pl_group_check_wait(g, name);
    if (rc != PL_OK) {
        return rc;
    }
    /* BEGIN SOLUTION */
    /* TODO: Ask pl_group_next_unreported for a finished member not reported yet; while it has
     * none and the timeout has not passed, look at the running members' pipes (poll), collect
     * those that answered or died, and start the next members. Look once more when the time is
     * up, then return PL_ETIMEDOUT if still nothing finished. */
    /* SKELETON: (void)timeout_ms; return PL_ENOTIMPL; */
    int64_t deadline = pl_deadline_after_ms(timeout_ms);
    for (;;) {
        rc = pl_group_next_unreported(g, name);
        if (rc != PL_ETIMEDOUT) {
            return rc; /* a member to report, or PL_ESTATE: every one reported already */
        }
        int finished = 0;
        int timed_out = pl_now_ns() >= deadline;
        rc = poll_members(g, timed_out ? pl_now_ns() : deadline, &finished);
        if (rc != PL_OK) {
            return rc;
        }
        if (timed_out && finished == 0) {
            return PL_ETIMEDOUT; /* (looked once more at time 0, so a poll still sees the news) */
        }
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
    /* TODO: Look and collect as in wait_first until every member finished or the timeout
     * passed. Then kill and reap the stragglers, which are TIMEOUT, and settle the members that
     * never started (pl_group_settle): every member ends with exactly one result. */
    /* SKELETON: (void)timeout_ms; return PL_ENOTIMPL; */
    int64_t deadline = pl_deadline_after_ms(timeout_ms);
    size_t n = pl_group_size(g);
    while (rc == PL_OK && !pl_group_all_finished(g) && pl_now_ns() < deadline) {
        int finished;
        rc = poll_members(g, deadline, &finished);
    }
    int stopped = stop_running(g, rc == PL_OK ? PL_TASK_TIMEOUT : PL_TASK_FAILED,
                               rc == PL_OK ? "killed at the deadline of results()" : "killed: results() failed");
    int settled = pl_group_settle(g, rc);
    g->next = n; /* nothing left to start */
    return rc != PL_OK ? rc : stopped != PL_OK ? stopped : settled;
    /* END SOLUTION */
}

void pl_group_free(pl_group **gp)
{
    if (gp == NULL || *gp == NULL) {
        return;
    }
    /* BEGIN SOLUTION */
    /* TODO: Set *gp to NULL first. Running members must not outlive their group: kill and reap
     * their children and close their pipes, then free your fields and the group
     * (pl_group_dealloc). */
    /* SKELETON: *gp = NULL; */
    pl_group *g = *gp;
    *gp = NULL;
    stop_running(g, PL_TASK_CANCELLED, "cancelled: its group was freed");
    free(g->children);
    free(g->fds);
    free(g->who);
    pl_group_dealloc(g);
    /* END SOLUTION */
}
