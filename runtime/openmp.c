/*
 * runtime/openmp.c - the OpenMP backend's run scope (trusted harness code).
 *
 * Futures and groups run "in the background". With OpenMP the background
 * is a team of threads, and a team only exists inside a parallel region.
 * So pl_run opens ONE region for the whole program:
 *
 *   #pragma omp parallel num_threads(workers + 1)
 *     thread 0     runs body(ctx): the tests, the demo, the student's main;
 *     the others   go straight to the region's closing barrier. A thread
 *                  waiting at a barrier executes the team's pending tasks,
 *                  so every `#pragma omp task` that body creates (a
 *                  future, a group member) runs on one of them.
 *
 * Why thread 0 and not `#pragma omp single`? single may pick any thread;
 * thread 0 is the one that called pl_run, so body runs in the program's own
 * thread (thread-local state, signal masks and body's return value stay
 * where the caller expects them).
 *
 * pl_map does not need this region: it opens its own team per call. Inside
 * pl_run that team is NESTED (a region inside a region), which OpenMP
 * serializes to one thread unless max-active-levels allows two levels;
 * pl_run raises it for the run and restores it afterwards.
 *
 * When body returns, tasks may still be running (a future the program never
 * freed, a `hang` task). The region's closing barrier waits for all of
 * them, so pl_run first tells them to stop: a process-wide stop hook (see
 * pl_cancel.h) makes pl_should_stop() true in every task. A task that never
 * polls cannot be stopped, and pl_run then waits for it: the price of
 * threads, which cannot be killed safely.
 */
#include <omp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "paralab.h"
#include "pl_tasks.h"
#include "pl_backend_common.h"
#include "pl_openmp.h"

/* More threads than this is a typo, not a plan (and workers + 1 must not overflow). */
#define PL_OMP_MAX_WORKERS 1024

static const pl_backend_info info = {
    .name = "openmp", .parallel = 1, .isolates_crashes = 0, .can_kill = 0};

/*
 * The one run scope. Atomics, because task threads read these while the
 * body thread writes them: a plain int would be a data race.
 */
static atomic_int scope_busy;    /* 1 from pl_run's entry to its return (not re-entrant) */
static atomic_int scope_open;    /* 1 while body runs: futures and groups may start */
static atomic_int scope_closing; /* 1 after body returned: leftover tasks are asked to stop */
static atomic_int scope_workers; /* team size - 1 while body runs, else 0 */
static atomic_int scope_level;   /* omp_get_level() inside pl_run's region */

const pl_backend_info *pl_backend(void)
{
    return &info;
}

/* The stop hook: once body has returned, every task still running should stop. */
static bool scope_is_closing(void)
{
    return atomic_load_explicit(&scope_closing, memory_order_relaxed) != 0;
}

int pl_omp_in_scope(void)
{
    return atomic_load(&scope_open) && !atomic_load(&scope_closing) &&
           omp_get_level() == atomic_load(&scope_level);
}

/*
 * Thread 0's part of the region. A team of one thread (OMP_THREAD_LIMIT=1,
 * or the system refused threads) has nobody to run background tasks: a
 * future started there would never finish, so refuse to start instead.
 */
static int run_body(int (*body)(void *ctx), void *ctx)
{
    int team = omp_get_num_threads();
    if (team < 2) {
        return PL_ESYS;
    }
    atomic_store(&scope_level, omp_get_level());
    atomic_store(&scope_workers, team - 1);
    atomic_store(&scope_open, 1);
    int rc = body(ctx);
    atomic_store(&scope_open, 0);
    atomic_store(&scope_workers, 0);
    atomic_store(&scope_closing, 1);
    return rc;
}

/*
 * Team settings for the run, saved so pl_run leaves OpenMP as it found it:
 * two active levels (pl_map's team inside ours), and no dynamic adjustment,
 * which could otherwise hand us fewer threads than asked for.
 */
typedef struct omp_settings {
    int max_active_levels;
    int dynamic;
} omp_settings;

static omp_settings enter_settings(void)
{
    omp_settings saved = {omp_get_max_active_levels(), omp_get_dynamic()};
    int needed = omp_get_active_level() + 2;
    if (saved.max_active_levels < needed) {
        omp_set_max_active_levels(needed);
    }
    omp_set_dynamic(0);
    return saved;
}

static void leave_settings(omp_settings saved)
{
    omp_set_max_active_levels(saved.max_active_levels);
    omp_set_dynamic(saved.dynamic);
}

int pl_run(const pl_opts *opts, int (*body)(void *ctx), void *ctx)
{
    if (body == NULL) {
        return PL_EINVAL;
    }
    int workers = (opts != NULL && opts->workers > 0) ? opts->workers : omp_get_num_procs();
    if ((opts != NULL && opts->workers < 0) || workers > PL_OMP_MAX_WORKERS) {
        return PL_EINVAL;
    }
    int expected = 0;
    if (!atomic_compare_exchange_strong(&scope_busy, &expected, 1)) {
        return PL_ESTATE; /* one run scope per process, and not nested */
    }
    pl_tasks_register_builtins(); /* before any thread of the team can look a task up */
    atomic_store(&scope_closing, 0);
    pl_cancel_set_hook(scope_is_closing); /* before any task of ours can run */
    /* libgomp exits the process when it cannot create a thread: ask only for what exists. */
    int team = pl_omp_team_limit(workers + 1);
    omp_settings saved = enter_settings();

    int rc = PL_OK;
#pragma omp parallel num_threads(team) shared(rc)
    {
        if (omp_get_thread_num() == 0) {
            rc = run_body(body, ctx);
        }
        /* Implicit barrier: the other threads execute tasks here until none are left. */
    }

    leave_settings(saved);
    pl_cancel_set_hook(NULL);
    atomic_store(&scope_closing, 0);
    atomic_store(&scope_busy, 0);
    return rc;
}

int pl_is_root(void)
{
    return 1;
}

int pl_workers(void)
{
    return atomic_load(&scope_workers);
}

/* A team as big as the system allows right now, at most PL_OMP_MAX_TEAM (pl_openmp.h). */
int pl_backend_worker_limit(int wanted)
{
    return pl_omp_team_limit(wanted < PL_OMP_MAX_TEAM ? wanted : PL_OMP_MAX_TEAM);
}
