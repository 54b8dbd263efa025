/*
 * model_openmp.c - what only the OpenMP backend shows (test_model_openmp).
 *
 * The shared suites (suite_*.c) judge every backend by the same rules. This
 * file checks the OpenMP-specific facts behind them:
 *   - the run scope: body runs on thread 0 of pl_run's team, the other
 *     threads run futures and groups; pl_run is not re-entrant;
 *   - map opens its own (nested) team, and its threads share memory with
 *     the caller;
 *   - futures survive what a naive "one omp task per future" would not:
 *     more pending futures than libgomp queues before it runs a task
 *     inline, a waiter that must not run a task itself, and free() of a
 *     running future;
 *   - the lesson's table, by experiment in a separate process (see
 *     tests/openmp-experiments/experiment.c): a crash kills the whole
 *     process, a task that never polls cannot be stopped, futures need the
 *     run scope, and leftover tasks are stopped when the scope closes.
 */
#include <omp.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "harness.h"
#include "paralab.h"
#include "testkit.h"
#include "testkit_map.h"

extern char **environ;

#define PROMPTLY_MS 2000

/* ---------------------------------------------------------------- test tasks */

/* Shared by the map threads and the test: atomic, so adding from many threads is no race. */
static atomic_llong shared_sum;

/* int x -> adds x to shared_sum, returns x. Only threads sharing our memory can change it. */
static int task_shared_add(const pl_value *arg, pl_value *out, pl_error *err)
{
    int64_t x;
    if (pl_value_get_int(arg, &x) != PL_OK) {
        pl_error_set(err, "omp_shared_add: int expected");
        return PL_TASK_FAILED;
    }
    atomic_fetch_add(&shared_sum, x);
    pl_value_set_int(out, x);
    return PL_TASK_OK;
}

/* What the watcher task did; reset by each test that uses it. */
static atomic_int watch_started, watch_saw_stop, watch_exited;

/* Runs until pl_should_stop() (at most 10 s), recording that it started, saw the stop and exited. */
static int task_watch_stop(const pl_value *arg, pl_value *out, pl_error *err)
{
    (void)arg;
    (void)out;
    (void)err;
    atomic_store(&watch_started, 1);
    int64_t give_up = pl_deadline_after_ms(10000);
    int stopped = 0;
    while (!(stopped = pl_should_stop()) && pl_now_ns() < give_up) {
        pl_sleep_ms(1);
    }
    atomic_store(&watch_saw_stop, stopped);
    atomic_store(&watch_exited, 1);
    return stopped ? PL_TASK_CANCELLED : PL_TASK_OK;
}

/* Polls flag until it is set or ms pass; returns its last value. */
static int wait_flag(atomic_int *flag, int64_t ms)
{
    int64_t deadline = pl_deadline_after_ms(ms);
    while (!atomic_load(flag) && pl_now_ns() < deadline) {
        pl_sleep_ms(1);
    }
    return atomic_load(flag);
}

/* Clears the watch's flags, starts task_watch_stop as a future and returns it once it runs. */
static pl_future *start_watched_task(void)
{
    atomic_store(&watch_started, 0);
    atomic_store(&watch_saw_stop, 0);
    atomic_store(&watch_exited, 0);
    pl_future *f = pl_test_start_int("omp_watch_stop", 0);
    CU_ASSERT_FATAL(wait_flag(&watch_started, PROMPTLY_MS));
    return f;
}

/*
 * The registry is not locked, so tasks are registered while no task can be
 * looking them up: suite setup runs on the body thread while the team's
 * other threads are idle, and every later task creation happens after it.
 */
static int register_tasks(void)
{
    if (pl_task_register("omp_shared_add", task_shared_add) != PL_OK ||
        pl_task_register("omp_watch_stop", task_watch_stop) != PL_OK) {
        return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- run scope */

static void test_backend_info(void)
{
    const pl_backend_info *b = pl_backend();
    PL_EXPECT_STR(b->name, "openmp");
    PL_EXPECT_EQ(b->parallel, 1);
    PL_EXPECT_EQ(b->isolates_crashes, 0); /* one address space: a crash takes everyone */
    PL_EXPECT_EQ(b->can_kill, 0);         /* threads can only be asked to stop */
    PL_EXPECT_EQ(pl_is_root(), 1);
}

/* body runs on thread 0 of a team of pl_workers() + 1 threads. */
static void test_body_runs_on_thread_zero(void)
{
    CU_ASSERT(pl_workers() >= 1);
    PL_EXPECT_EQ(omp_get_thread_num(), 0);
    PL_EXPECT_EQ(omp_get_num_threads(), pl_workers() + 1);
    CU_ASSERT(omp_get_level() >= 1);
}

static int never_called(void *ctx)
{
    *(int *)ctx = 1;
    return 0;
}

/* One run scope per process: a nested pl_run is refused and runs nothing. */
static void test_pl_run_not_reentrant(void)
{
    int called = 0;
    PL_EXPECT_RC(pl_run(NULL, never_called, &called), PL_ESTATE);
    PL_EXPECT_EQ(called, 0);
    PL_EXPECT_RC(pl_run(NULL, NULL, NULL), PL_EINVAL);
}

/* ---------------------------------------------------------------- map */

/*
 * map does not borrow pl_run's workers: it opens its own nested team of
 * max_workers threads, so 4 sleeps overlap 4 at a time even when pl_run
 * has fewer workers. Worker ids are that team's thread numbers.
 */
static void test_map_opens_its_own_team(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP)) {
        return;
    }
    enum { N = 4 };
    pl_test_map m;
    pl_test_map_range(&m, "sleep_ms", N, 250, 0, N, PL_NO_TIMEOUT);
    PL_EXPECT_RC(m.rc, PL_OK);
    PL_EXPECT_EQ(pl_test_count_status(m.results, N, PL_TASK_OK), N);
    PL_EXPECT_EQ(pl_results_max_overlap(m.results, N), N);
    PL_EXPECT_EQ(pl_test_same_worker_overlaps(m.results, N), 0);
    for (size_t i = 0; i < N; i++) {
        PL_EXPECT_BETWEEN(pl_result_worker(m.results[i]), 0, N - 1);
    }
    pl_test_map_free(&m);
}

/* The map's threads write the caller's own memory: shared, unlike fork's copy-on-write children. */
static void test_map_threads_share_memory(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP)) {
        return;
    }
    enum { N = 10 };
    atomic_store(&shared_sum, 0);
    pl_test_map m;
    pl_test_map_range(&m, "omp_shared_add", N, 1, 1, 3, PL_NO_TIMEOUT);
    PL_EXPECT_RC(m.rc, PL_OK);
    PL_EXPECT_EQ(pl_test_count_status(m.results, N, PL_TASK_OK), N);
    PL_EXPECT_EQ(atomic_load(&shared_sum), 55);
    pl_test_map_free(&m);
}

/* ---------------------------------------------------------------- futures */

/* Futures run on the team's worker threads (1..workers), never on body's thread 0. */
static void test_futures_run_on_worker_threads(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_FUTURES)) {
        return;
    }
    pl_future *f = pl_test_start_int("square", 5);
    const pl_result *r = NULL;
    PL_EXPECT_RC(pl_future_wait(f, PL_NO_TIMEOUT, &r), PL_OK);
    CU_ASSERT(pl_test_is_ok_int(r, 25));
    PL_EXPECT_BETWEEN(pl_result_worker(r), 1, pl_workers());
    pl_future_free(&f);
}

/*
 * libgomp runs a new task inline, in the creating thread, once a team has
 * more than 64 tasks per thread queued. One omp task per future would then
 * make pl_future_start run a `hang` itself and never return. Start well
 * past that limit: every start must still return at once.
 */
static void test_futures_beyond_libgomp_queue_limit(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_FUTURES)) {
        return;
    }
    size_t n = (size_t)64 * (size_t)(pl_workers() + 1) + 64;
    pl_future **fs = calloc(n, sizeof *fs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fs);
    int64_t slowest_ms = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t t0 = pl_now_ns();
        fs[i] = pl_test_start_int("hang", 0);
        int64_t ms = pl_test_ms_since(t0);
        slowest_ms = ms > slowest_ms ? ms : slowest_ms;
    }
    PL_EXPECT_BETWEEN(slowest_ms, 0, 1000); /* inline, a `hang` would never return at all */
    for (size_t i = 0; i < n; i++) {
        pl_future_free(&fs[i]); /* cancels: queued ones never run, running ones stop */
    }
    free(fs);
    /* The workers got through the cancelled backlog and are free again. */
    pl_future *f = pl_test_start_int("square", 3);
    const pl_result *r = NULL;
    PL_EXPECT_RC(pl_future_wait(f, PROMPTLY_MS + 3000, &r), PL_OK);
    CU_ASSERT(pl_test_is_ok_int(r, 9));
    pl_future_free(&f);
}

/*
 * Every worker busy, one more future queued: a timed wait on it must come
 * back at its timeout. (A waiter using taskyield could pick up a queued
 * task and run it itself, missing its own timeout.)
 */
static void test_wait_keeps_its_timeout_when_workers_are_busy(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_FUTURES)) {
        return;
    }
    int workers = pl_workers();
    pl_future **hogs = calloc((size_t)workers, sizeof *hogs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(hogs);
    for (int i = 0; i < workers; i++) {
        hogs[i] = pl_test_start_int("hang", 0);
    }
    pl_sleep_ms(200);
    pl_future *queued = pl_test_start_int("sleep_ms", 5000);
    const pl_result *r = NULL;
    int64_t t0 = pl_now_ns();
    PL_EXPECT_RC(pl_future_wait(queued, 100, &r), PL_ETIMEDOUT);
    PL_EXPECT_BETWEEN(pl_test_ms_since(t0), 90, 1000);
    PL_EXPECT_EQ(pl_future_done(queued), 0);
    pl_future_free(&queued);
    for (int i = 0; i < workers; i++) {
        pl_future_free(&hogs[i]);
    }
    free(hogs);
}

/* Cancelling a running future sets the token its task polls: the task itself sees the stop. */
static void test_cancel_sets_the_running_tasks_token(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_FUTURES)) {
        return;
    }
    pl_future *f = start_watched_task();
    PL_EXPECT_EQ(atomic_load(&watch_saw_stop), 0);
    PL_EXPECT_RC(pl_future_cancel(f), PL_OK);
    const pl_result *r = NULL;
    PL_EXPECT_RC(pl_future_wait(f, PROMPTLY_MS, &r), PL_OK);
    PL_EXPECT_STATUS(r, PL_TASK_CANCELLED);
    PL_EXPECT_EQ(atomic_load(&watch_saw_stop), 1);
    pl_future_free(&f);
}

/*
 * free() while the task runs: the task is asked to stop, ends on its own
 * thread AFTER the handle is gone, and (checked by ASan/valgrind runs of
 * this test) touches no freed memory on its way out.
 */
static void test_free_running_future_stops_it(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_FUTURES)) {
        return;
    }
    pl_future *f = start_watched_task();
    pl_future_free(&f);
    CU_ASSERT_PTR_NULL(f);
    CU_ASSERT(wait_flag(&watch_exited, PROMPTLY_MS));
    PL_EXPECT_EQ(atomic_load(&watch_saw_stop), 1);
    /* Give the runner a moment to drop its reference and free the block. */
    pl_sleep_ms(50);
}

/* ---------------------------------------------------------------- groups */

/* Group members run on pl_run's worker threads: at most pl_workers() at once, whatever max_workers. */
static void test_group_members_on_worker_threads(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_GROUP)) {
        return;
    }
    pl_group *g = NULL;
    PL_EXPECT_RC(pl_group_new(16, &g), PL_OK);
    enum { M = 6 };
    for (int i = 0; i < M; i++) {
        char name[8];
        snprintf(name, sizeof name, "m%d", i);
        pl_value *v = pl_value_new_int(120);
        PL_EXPECT_RC(pl_group_add(g, name, "sleep_ms", v), PL_OK);
        pl_value_free(v);
    }
    PL_EXPECT_RC(pl_group_start(g), PL_OK);
    PL_EXPECT_RC(pl_group_results(g, PL_NO_TIMEOUT), PL_OK);
    pl_result *rs[M];
    for (size_t i = 0; i < M; i++) {
        rs[i] = (pl_result *)pl_group_result(g, pl_group_name(g, i));
        PL_EXPECT_STATUS(rs[i], PL_TASK_OK);
        PL_EXPECT_BETWEEN(pl_result_worker(rs[i]), 1, pl_workers());
    }
    int most = pl_workers() < M ? pl_workers() : M;
    PL_EXPECT_BETWEEN(pl_results_max_overlap(rs, M), most > 1 ? 2 : 1, most);
    pl_group_free(&g);
}

/* ---------------------------------------------------------------- experiments */

/*
 * Run `experiment MODE` and wait at most limit_ms for it. posix_spawn, not
 * fork(): a forked copy of this process would inherit libgomp's thread pool
 * half-alive (fork copies only the calling thread) and may deadlock; an
 * exec'ed program starts OpenMP from scratch. Returns the wait status, or
 * -1 when it could not be started or had to be killed.
 */
static int run_experiment(const char *mode, int64_t limit_ms)
{
#ifdef PL_OMP_EXPERIMENT
    const char *path = PL_OMP_EXPERIMENT;
    char *argv[] = {(char *)path, (char *)mode, NULL};
    pid_t pid;
    if (posix_spawn(&pid, path, NULL, NULL, argv, environ) != 0) {
        fprintf(stderr, "\n  cannot start %s\n", path);
        return -1;
    }
    int64_t deadline = pl_deadline_after_ms(limit_ms);
    int status;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (pl_now_ns() >= deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fprintf(stderr, "\n  experiment %s still running after %lld ms: killed\n", mode,
                    (long long)limit_ms);
            return -1;
        }
        pl_sleep_ms(10);
    }
    return status;
#else
    (void)mode;
    (void)limit_ms;
    fprintf(stderr, "\n  built without PL_OMP_EXPERIMENT (tests/openmp-experiments)\n");
    return -1;
#endif
}

static void expect_exit_zero(const char *mode)
{
    int status = run_experiment(mode, 30000);
    CU_ASSERT(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (status != -1 && WIFSIGNALED(status)) {
        fprintf(stderr, "\n  experiment %s died of signal %d\n", mode, WTERMSIG(status));
    }
}

/* A task that crashes (SIGSEGV) in an OpenMP map takes the whole process with it. */
static void test_experiment_crash_kills_the_process(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP)) {
        return;
    }
    int status = run_experiment("crash", 30000);
    CU_ASSERT(status != -1 && WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    if (status != -1 && WIFEXITED(status)) {
        fprintf(stderr, "\n  experiment crash exited with %d instead of dying\n", WEXITSTATUS(status));
    }
}

/* A task that never polls pl_should_stop() runs past the map's deadline, and the map waits. */
static void test_experiment_non_polling_task_cannot_be_stopped(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP)) {
        return;
    }
    expect_exit_zero("no-poll");
}

/* Outside pl_run: map works with a team of its own; futures and groups are refused. */
static void test_experiment_outside_run_scope(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP)) {
        return;
    }
    expect_exit_zero("outside");
}

/* A future left running when body returns is stopped, so pl_run can return. */
static void test_experiment_leftover_future_is_stopped(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_FUTURES)) {
        return;
    }
    expect_exit_zero("leftover");
}

static const pl_test_case openmp_cases[] = {
    {"backend_info", test_backend_info},
    {"body_runs_on_thread_zero", test_body_runs_on_thread_zero},
    {"pl_run_not_reentrant", test_pl_run_not_reentrant},
    {"map_opens_its_own_team", test_map_opens_its_own_team},
    {"map_threads_share_memory", test_map_threads_share_memory},
    {"futures_run_on_worker_threads", test_futures_run_on_worker_threads},
    {"futures_beyond_libgomp_queue_limit", test_futures_beyond_libgomp_queue_limit},
    {"wait_keeps_its_timeout_when_workers_are_busy", test_wait_keeps_its_timeout_when_workers_are_busy},
    {"cancel_sets_the_running_tasks_token", test_cancel_sets_the_running_tasks_token},
    {"free_running_future_stops_it", test_free_running_future_stops_it},
    {"group_members_on_worker_threads", test_group_members_on_worker_threads},
    {"experiment_crash_kills_the_process", test_experiment_crash_kills_the_process},
    {"experiment_non_polling_task_cannot_be_stopped", test_experiment_non_polling_task_cannot_be_stopped},
    {"experiment_outside_run_scope", test_experiment_outside_run_scope},
    {"experiment_leftover_future_is_stopped", test_experiment_leftover_future_is_stopped},
    {NULL, NULL},
};

static const pl_test_suite openmp_suite = {"openmp", register_tasks, NULL, openmp_cases};

const pl_test_suite *const pl_suites[] = {&openmp_suite, NULL};
