/*
 * runtime/fork.c - the fork backend's run scope and its fork() wrapper.
 *
 * Processes need no run scope: pl_run only sets the signal policy (see
 * pl_fork.h) and runs body. What makes this backend different lives in the
 * children: each task runs in a process of its own (a pooled worker for a
 * map, one child per future or group member), so a task that crashes
 * takes only its own process down, and a task that never stops can be
 * killed. The price is a fork() per worker and a pipe round trip per task.
 *
 * The rest of the runtime, one side per file: runtime/fork_fds.c (the
 * descriptor registry: pipes every child closes), runtime/fork_child.c
 * (what a child does: serve task frames, or run one task) and
 * runtime/fork_parent.c (the parent's side of the protocol, reaping,
 * post-mortems).
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "paralab.h"
#include "pl_backend_common.h"
#include "pl_tasks.h"
#include "pl_fork.h"
#include "pl_wire.h"

static const pl_backend_info info = {
    .name = "fork", .parallel = 1, .isolates_crashes = 1, .can_kill = 1};

/* Set in a child by pl_fork(): a child runs tasks, it is not the program's root. */
static int in_child;
/* Inside pl_run's body (pl_run is not re-entrant). */
static int in_run;

/* Futures and groups never run more children than this at once; a map's default. */
#define MIN_WORKERS 2
#define MAX_WORKERS 64

const pl_backend_info *pl_backend(void)
{
    return &info;
}

/*
 * Ignore SIGPIPE (a write to a dead child's pipe must return EPIPE, not kill
 * us) and make sure SIGCHLD is not ignored (with SIG_IGN the kernel reaps
 * children itself and waitpid() can no longer say how one died). A handler
 * the program installed for SIGCHLD is left alone.
 */
static void set_signal_policy(void)
{
    pl_wire_ignore_sigpipe();
    struct sigaction old;
    if (sigaction(SIGCHLD, NULL, &old) == 0 && old.sa_handler == SIG_IGN) {
        struct sigaction dfl = {0};
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        sigaction(SIGCHLD, &dfl, NULL);
    }
}

int pl_run(const pl_opts *opts, int (*body)(void *ctx), void *ctx)
{
    (void)opts; /* workers is an OpenMP setting; fork sizes its pools per call */
    if (body == NULL) {
        return PL_EINVAL;
    }
    if (in_run) {
        return PL_ESTATE;
    }
    set_signal_policy();
    pl_tasks_register_builtins(); /* before any child is forked: children inherit the table */
    in_run = 1;
    int rc = body(ctx);
    in_run = 0;
    return rc;
}

int pl_is_root(void)
{
    return !in_child;
}

/*
 * One child per core: more CPU-bound children than cores only take turns.
 * At least 2, so that concurrency can be seen even on a one-core machine
 * (sleeping tasks overlap there too), and a cap so that a big machine does
 * not get hundreds of children from one pl_map(NULL opts).
 */
int pl_workers(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < MIN_WORKERS) {
        return MIN_WORKERS;
    }
    return cores > MAX_WORKERS ? MAX_WORKERS : (int)cores;
}

/* The pid of the process that forked us (in a child), to notice when it is gone. */
static pid_t forked_from;

/*
 * A child's pl_should_stop() also says "stop" once its parent is gone
 * (killed by a test timeout, say): the child is then re-parented, getppid()
 * changes, and nobody will ever read its answer. Tasks that poll (hang,
 * sleep_ms, spin) end instead of living on as orphans; a task that never
 * polls cannot notice - that one only a kill stops.
 */
static bool parent_gone(void)
{
    return getppid() != forked_from;
}

/*
 * A task that never polls pl_should_stop() would otherwise outlive a parent
 * killed by a test timeout or a Ctrl-C, for ever: the kernel sends SIGKILL
 * to the child when its parent goes (Linux's PR_SET_PDEATHSIG). The parent
 * may already be gone by the time the child asks for that; then the child
 * has been re-parented and leaves at once. Caveat: "parent" is the THREAD
 * that forked: a child forked by a thread that ends before the child does is
 * killed then too - one more reason to call the fork backend from the
 * thread that also waits for its children.
 */
static void die_with_parent(pid_t parent)
{
#ifdef __linux__
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
        return; /* the pl_should_stop() hook still covers polling tasks */
    }
#endif
    if (getppid() != parent) {
        _exit(1);
    }
}

pid_t pl_fork(void)
{
    set_signal_policy();
    /*
     * Text the parent printed but has not flushed yet sits in stdio's buffer,
     * which fork() copies: flushed by both processes, it would appear twice.
     * Only stdout and stderr: they are the only streams a child flushes (in
     * pl_fork_serve/run_one; _exit drops every other buffer unwritten), and
     * fflush(NULL) would also lock stdin - and wait for ever if another
     * thread sits in fgets(stdin).
     */
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        in_child = 1;
        forked_from = parent;
        pl_cancel_set_hook(parent_gone);
        die_with_parent(parent);
    }
    return pid;
}

/* Each child is a process and two pipes: PL_FORK_MAX_CHILDREN at most per call. */
int pl_backend_worker_limit(int wanted)
{
    return wanted < PL_FORK_MAX_CHILDREN ? wanted : PL_FORK_MAX_CHILDREN;
}
