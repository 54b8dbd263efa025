/*
 * suite_futures.c - pl_future_*, judged the same way on every backend.
 *
 * A parallel backend starts the task at once; the serial backend defers it
 * to the first pl_future_wait that may block (see solutions/02-futures/
 * serial.c). The tests are written so that both are right where paralab.h
 * allows both, and check the parallel-only promises ("it is already running
 * while you wait with a short timeout") only where pl_backend()->parallel.
 *
 * What holds everywhere: start never waits for the task, done never blocks,
 * a poll (timeout 0) of an unfinished future says PL_ETIMEDOUT and can be
 * repeated, a task cancelled before it started never runs, and a freed
 * future leaves no child, descriptor or dangling pointer behind.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "paralab.h"
#include "testkit.h"

/* "At once" for a call that must not wait for its task (the machine is shared: be generous). */
#define AT_ONCE_MS 400
/* How long a cancelled or stopped task may take to be reported. */
#define PROMPTLY_MS 2000

/*
 * An int drawn from the run's seed (harness.h), for square: a submission
 * cannot answer from a table of the suite's arguments.
 */
static int64_t draw_int(void)
{
    return pl_test_rand_range(-100000, 100000);
}

/* Waits without a limit and returns the result (NULL when the wait failed). */
static const pl_result *wait_result(pl_future *f)
{
    const pl_result *r = NULL;
    PL_EXPECT_RC(pl_future_wait(f, PL_NO_TIMEOUT, &r), PL_OK);
    return r;
}

/* Waits up to ms and returns the result (NULL when not done or refused). */
static const pl_result *wait_result_within(pl_future *f, int64_t ms)
{
    const pl_result *r = NULL;
    PL_EXPECT_RC(pl_future_wait(f, ms, &r), PL_OK);
    return r;
}

/* Starts square(x) and waits for it, which must answer x * x: the future, done, for the caller to free. */
static pl_future *finished_square(int64_t x)
{
    pl_future *f = pl_test_start_int("square", x);
    CU_ASSERT(pl_test_is_ok_int(wait_result(f), x * x));
    return f;
}

/* Start an extra future per worker that never ends by itself, to keep every worker busy. */
static pl_future **occupy_workers(int count)
{
    pl_future **hogs = calloc((size_t)count, sizeof *hogs);
    for (int i = 0; hogs != NULL && i < count; i++) {
        hogs[i] = pl_test_start_int("hang", 0);
    }
    return hogs;
}

/* Cancel and free the hogs; a hang task only ends when cancelled. */
static void release_workers(pl_future **hogs, int count)
{
    for (int i = 0; hogs != NULL && i < count; i++) {
        if (hogs[i] != NULL) {
            pl_future_cancel(hogs[i]);
            const pl_result *r = wait_result_within(hogs[i], PROMPTLY_MS);
            PL_EXPECT_STATUS(r, PL_TASK_CANCELLED);
            pl_future_free(&hogs[i]);
        }
    }
    free(hogs);
}

/* ---------------------------------------------------------------- start, done, wait */

/*
 * start returns before the task is done; polling says "not yet" as often as
 * asked; a blocking wait then delivers the value. On a parallel backend the
 * task is already running, so a short timed wait also says "not yet".
 */
static void test_start_returns_at_once(void)
{
    pl_test_hint("start must return at once; a wait with timeout 0 says PL_ETIMEDOUT until the task is done");
    int64_t ms = pl_test_rand_range(800, 900); /* drawn */
    int64_t t0 = pl_now_ns();
    pl_future *f = pl_test_start_int("sleep_ms", ms);
    CU_ASSERT(pl_test_ms_since(t0) < AT_ONCE_MS);
    PL_EXPECT_EQ(pl_future_done(f), 0);

    const pl_result *r = NULL;
    PL_EXPECT_RC(pl_future_wait(f, 0, &r), PL_ETIMEDOUT);
    PL_EXPECT_RC(pl_future_wait(f, 0, &r), PL_ETIMEDOUT); /* again: the future is still usable */
    if (pl_backend()->parallel) {
        PL_EXPECT_RC(pl_future_wait(f, 50, &r), PL_ETIMEDOUT);
        PL_EXPECT_EQ(pl_future_done(f), 0);
    }
    r = wait_result(f);
    CU_ASSERT(pl_test_is_ok_int(r, ms));
    PL_EXPECT_EQ(pl_future_done(f), 1);

    /* Once done, every wait (even a poll) hands back the same result. */
    const pl_result *again = NULL;
    PL_EXPECT_RC(pl_future_wait(f, 0, &again), PL_OK);
    CU_ASSERT_PTR_EQUAL(again, r);
    pl_future_free(&f);
}

/* done answers at once, also while the task runs for ever. */
static void test_done_never_blocks(void)
{
    pl_test_hint("pl_future_done only looks: it never waits for the task");
    pl_future *f = pl_test_start_int("hang", 0);
    int64_t t0 = pl_now_ns();
    int not_done = 0;
    for (int i = 0; i < 100; i++) {
        not_done += pl_future_done(f) == 0;
    }
    CU_ASSERT(pl_test_ms_since(t0) < AT_ONCE_MS);
    PL_EXPECT_EQ(not_done, 100);
    PL_EXPECT_RC(pl_future_cancel(f), PL_OK);
    PL_EXPECT_STATUS(wait_result_within(f, PROMPTLY_MS), PL_TASK_CANCELLED);
    pl_future_free(&f);
}

static void test_wait_gives_value(void)
{
    pl_test_hint("wait hands out the task's result (value, worker, start time)");
    int64_t x = draw_int();
    pl_future *f = pl_test_start_int("square", x);
    const pl_result *r = wait_result(f);
    CU_ASSERT(pl_test_is_ok_int(r, x * x));
    CU_ASSERT(pl_result_worker(r) != -1);
    CU_ASSERT(pl_result_start_ns(r) > 0);
    PL_EXPECT_EQ(pl_future_done(f), 1);
    pl_future_free(&f);
}

/* The argument is copied at start: the caller may free its own at once. */
static void test_argument_is_copied(void)
{
    pl_test_hint("copy the argument at start: the caller may change or free its own right after");
    int64_t x = draw_int();
    pl_value *v = pl_value_new_int(x);
    pl_future *f = NULL;
    PL_EXPECT_RC(pl_future_start("square", v, &f), PL_OK);
    pl_value_set_int(v, x + 1000); /* changing it must not change the task's argument... */
    pl_value_free(v);              /* ...and neither may freeing it */
    CU_ASSERT(pl_test_is_ok_int(wait_result(f), x * x));
    pl_future_free(&f);
}

/* ---------------------------------------------------------------- many in flight */

enum { MANY = 120 };

/* 120 futures at once (more than any backend has workers), each waited for in the given order. */
static void run_many(const size_t order[MANY])
{
    pl_future *fs[MANY];
    int64_t want_of[MANY];
    for (size_t i = 0; i < MANY; i++) {
        /* A few sleep so some are still running while others are waited for. Arguments drawn. */
        int64_t x = i % 10 == 0 ? pl_test_rand_range(25, 35) : draw_int();
        want_of[i] = i % 10 == 0 ? x : x * x;
        fs[i] = pl_test_start_int(i % 10 == 0 ? "sleep_ms" : "square", x);
    }
    size_t wrong = 0;
    for (size_t k = 0; k < MANY; k++) {
        size_t i = order[k];
        const pl_result *r = NULL;
        int rc = fs[i] != NULL ? pl_future_wait(fs[i], PL_NO_TIMEOUT, &r) : PL_EINVAL;
        int64_t want = want_of[i];
        if (rc != PL_OK || !pl_test_is_ok_int(r, want)) {
            char line[PL_ERROR_MAX + 64];
            pl_result_format(r, line, sizeof line);
            fprintf(stderr, "\n  future %zu: rc %s, %s\n", i, pl_strerror(rc), line);
            wrong++;
        }
    }
    PL_EXPECT_EQ(wrong, 0);
    for (size_t i = 0; i < MANY; i++) {
        pl_future_free(&fs[i]);
    }
}

static void test_many_in_flight_reverse_order(void)
{
    pl_test_hint("many futures at once, waited for in any order: each gets its own result");
    size_t order[MANY];
    for (size_t k = 0; k < MANY; k++) {
        order[k] = MANY - 1 - k;
    }
    run_many(order);
}

static void test_many_in_flight_shuffled_order(void)
{
    pl_test_hint("many futures at once, waited for in any order: each gets its own result");
    size_t order[MANY];
    for (size_t k = 0; k < MANY; k++) {
        order[k] = k;
    }
    /* Fisher-Yates from the run's seed: a different order each run, replayed by --seed. */
    for (size_t k = MANY - 1; k > 0; k--) {
        size_t j = (size_t)pl_test_rand_range(0, (long)k);
        size_t tmp = order[k];
        order[k] = order[j];
        order[j] = tmp;
    }
    run_many(order);
}

/* ---------------------------------------------------------------- failures */

static void test_failing_task_is_failed(void)
{
    pl_test_hint("a task that fails gives a FAILED result with its error text; the future still works");
    pl_future *f = pl_test_start_int("fail", pl_test_rand_range(1, 999999));
    const pl_result *r = wait_result(f);
    PL_EXPECT_STATUS(r, PL_TASK_FAILED);
    CU_ASSERT_PTR_NOT_NULL(strstr(pl_result_error(r), "fail"));
    pl_future_free(&f);

    /* Wrong argument type: square of a string. */
    pl_value *s = pl_value_new_str("five");
    PL_EXPECT_RC(pl_future_start("square", s, &f), PL_OK);
    pl_value_free(s);
    r = wait_result(f);
    PL_EXPECT_STATUS(r, PL_TASK_FAILED);
    CU_ASSERT(pl_result_error(r)[0] != '\0');
    pl_future_free(&f);
}

/* Where crashes are isolated, a crashing future is CRASHED and its neighbour is unharmed. */
static void test_crash_is_isolated(void)
{
    pl_test_hint("fork: a crashing task's future is CRASHED; the other futures are unharmed");
    int64_t x = draw_int();
    if (!pl_backend()->isolates_crashes) {
        /* A crash would end the process here; a working future is still asked for. */
        pl_future *fine = finished_square(x);
        pl_future_free(&fine);
        return;
    }
    pl_future *crash = pl_test_start_int("crash", 0);
    pl_future *fine = pl_test_start_int("square", x);
    PL_EXPECT_STATUS(wait_result(crash), PL_TASK_CRASHED);
    CU_ASSERT(pl_test_is_ok_int(wait_result(fine), x * x));
    pl_future_free(&crash);
    pl_future_free(&fine);
    /* (The crashed child must also be reaped: see the leftovers tests below.) */
}

/* ---------------------------------------------------------------- cancel */

/*
 * Cancel before start: make every worker busy with a hang, start one more
 * future (it must queue), cancel it. It never runs, so its result carries no
 * start time (a result that never ran has start 0, like pl_results_settle's). A backend with very many workers starts everything at once and
 * has no "before start" to test; there the cancel must still win over a
 * 10-second sleep.
 */
static void test_cancel_before_start(void)
{
    pl_test_hint("a future cancelled before it started must never run (CANCELLED, no start time)");
    int workers = pl_workers();
    if (workers > 16) {
        pl_future *f = pl_test_start_int("sleep_ms", 10000);
        PL_EXPECT_RC(pl_future_cancel(f), PL_OK);
        PL_EXPECT_STATUS(wait_result_within(f, PROMPTLY_MS), PL_TASK_CANCELLED);
        pl_future_free(&f);
        return;
    }
    pl_future **hogs = occupy_workers(workers);
    pl_sleep_ms(300); /* let each worker pick up its hog, so the next future has to queue */
    pl_future *f = pl_test_start_int("sleep_ms", 10);
    PL_EXPECT_RC(pl_future_cancel(f), PL_OK);
    /*
     * Free the workers before waiting: a backend may record the cancellation
     * only when a worker dequeues the task (an OpenMP task checks its flag
     * first thing). Either way the task must not run.
     */
    release_workers(hogs, workers);
    const pl_result *r = wait_result_within(f, PROMPTLY_MS);
    PL_EXPECT_STATUS(r, PL_TASK_CANCELLED);
    PL_EXPECT_EQ(pl_result_start_ns(r), 0); /* it never ran */
    pl_future_free(&f);
}

/* A running hang is stopped (kill, token or message) and reported CANCELLED promptly. */
static void test_cancel_while_running(void)
{
    pl_test_hint("cancel stops a running task promptly (kill, token or message): CANCELLED");
    pl_future *f = pl_test_start_int("hang", 0);
    pl_sleep_ms(200); /* parallel backends: it is running now */
    PL_EXPECT_RC(pl_future_cancel(f), PL_OK);
    int64_t t0 = pl_now_ns();
    PL_EXPECT_STATUS(wait_result_within(f, PROMPTLY_MS + 3000), PL_TASK_CANCELLED);
    CU_ASSERT(pl_test_ms_since(t0) < PROMPTLY_MS);
    PL_EXPECT_EQ(pl_future_done(f), 1);
    pl_future_free(&f);
}

static void test_cancel_after_done_is_refused(void)
{
    pl_test_hint("cancel after the task finished is PL_ESTATE and keeps the result");
    int64_t x = draw_int();
    pl_future *f = finished_square(x);
    PL_EXPECT_RC(pl_future_cancel(f), PL_ESTATE);
    /* The result it already had stands. */
    const pl_result *r = wait_result(f);
    CU_ASSERT(pl_test_is_ok_int(r, x * x));
    pl_future_free(&f);
}

/* Cancelling twice: the first request is made, the second finds it already done. */
static void test_cancel_twice(void)
{
    pl_test_hint("the second cancel finds the future already settled: PL_ESTATE");
    pl_future *f = pl_test_start_int("hang", 0);
    PL_EXPECT_RC(pl_future_cancel(f), PL_OK);
    PL_EXPECT_STATUS(wait_result_within(f, PROMPTLY_MS), PL_TASK_CANCELLED);
    PL_EXPECT_RC(pl_future_cancel(f), PL_ESTATE);
    pl_future_free(&f);
}

/* ---------------------------------------------------------------- free */

/*
 * Freeing a running future stops it, sets the handle to NULL, and the
 * backend still works afterwards. (That it leaves no child, zombie or
 * descriptor behind is checked by the leftovers tests below.)
 */
static void test_free_while_running_is_safe(void)
{
    pl_test_hint("free while the task runs: stop it and never touch the freed handle again");
    pl_future *hang = pl_test_start_int("hang", 0);
    pl_future *sleeper = pl_test_start_int("sleep_ms", 5000);
    pl_sleep_ms(100);
    pl_future_free(&hang);
    pl_future_free(&sleeper);
    CU_ASSERT_PTR_NULL(hang);
    CU_ASSERT_PTR_NULL(sleeper);
    /* The backend still works afterwards. */
    pl_future *f = finished_square(draw_int());
    pl_future_free(&f);
}

/* free sets the handle to NULL, so reuse is caught instead of touching freed memory. */
static void test_free_sets_null_and_catches_reuse(void)
{
    pl_test_hint("free sets the handle to NULL; calls on a NULL handle are PL_EINVAL");
    pl_future *f = finished_square(draw_int());
    pl_future_free(&f);
    CU_ASSERT_PTR_NULL(f);
    pl_future_free(&f); /* second free: harmless */
    pl_future_free(NULL);
    const pl_result *r = NULL;
    PL_EXPECT_RC(pl_future_wait(f, 0, &r), PL_EINVAL);
    PL_EXPECT_RC(pl_future_wait(f, PL_NO_TIMEOUT, &r), PL_EINVAL);
    PL_EXPECT_RC(pl_future_done(f), PL_EINVAL);
    PL_EXPECT_RC(pl_future_cancel(f), PL_EINVAL);
}

/* ---------------------------------------------------------------- each once, and where */

/*
 * Every future runs its task exactly once, in a worker of the model (see
 * map's each_item_runs_exactly_once for the tally). Many tiny futures at
 * once: a queue of started tasks shared by threads without a lock hands
 * the same one out twice (or loses one: it then never finishes, and the
 * wait with a deadline says so).
 */
static void check_each_future_runs_exactly_once(void)
{
    size_t n = pl_test_tasks_run_in() == PL_TEST_IN_CALLER ? 400 : 40;
    pl_test_tally t;
    pl_value **args = pl_test_tally_items(&t, n, 0);
    pl_future **fs = calloc(n, sizeof *fs);
    CU_ASSERT_FATAL(args != NULL && fs != NULL);
    for (size_t i = 0; i < n; i++) {
        PL_EXPECT_RC(pl_future_start("tally", args[i], &fs[i]), PL_OK);
    }
    size_t wrong = 0;
    for (size_t i = 0; i < n; i++) {
        const pl_result *r = NULL;
        int rc = fs[i] != NULL ? pl_future_wait(fs[i], 20000, &r) : PL_EINVAL;
        wrong += rc != PL_OK || !pl_test_is_ok_int(r, (int64_t)i);
    }
    PL_EXPECT_EQ(wrong, 0); /* futures whose wait failed or whose value is not their index */
    PL_EXPECT_EQ(pl_test_tally_read(&t), 0);
    char which[256];
    size_t bad = pl_test_tally_not_once(&t, which, sizeof which);
    pl_test_check(bad == 0, __FILE__, __LINE__, "%zu of %zu futures did not run exactly once: %s", bad, n, which);
    for (size_t i = 0; i < n; i++) {
        pl_future_free(&fs[i]);
    }
    free(fs);
    pl_test_items_free(args, n);
    pl_test_tally_free(&t);
}

/*
 * Futures run where the model says (pl_test_expect_ran_in_workers): fork in
 * children of the caller, at least two at a time; MPI in worker ranks.
 */
static void check_futures_run_in_the_models_workers(void)
{
    enum { N = 4, MS = 150 };
    pl_test_tally t;
    pl_value **args = pl_test_tally_items(&t, N, MS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(args);
    pl_future *fs[N] = {NULL};
    const pl_result *rs[N] = {NULL};
    for (size_t i = 0; i < N; i++) {
        PL_EXPECT_RC(pl_future_start("tally", args[i], &fs[i]), PL_OK);
    }
    for (size_t i = 0; i < N; i++) {
        if (fs[i] != NULL) {
            PL_EXPECT_RC(pl_future_wait(fs[i], 20000, &rs[i]), PL_OK);
        }
    }
    PL_EXPECT_EQ(pl_test_tally_read(&t), 0);
    int workers = pl_workers() > 0 ? pl_workers() : 1;
    pl_test_expect_ran_in_workers(&t, rs, workers < N ? workers : N);
    for (size_t i = 0; i < N; i++) {
        pl_future_free(&fs[i]);
    }
    pl_test_items_free(args, N);
    pl_test_tally_free(&t);
}

/* One test for both (each runs once; in a worker): one process start less per model. */
static void test_each_future_runs_once_in_a_worker(void)
{
    pl_test_hint("run each started future exactly once (a queue shared by threads needs a lock), in a "
                 "worker: fork a child per future, several at once; MPI a worker rank, not rank 0");
    check_each_future_runs_exactly_once();
    check_futures_run_in_the_models_workers();
}

/* ---------------------------------------------------------------- leftovers */

/* One of each way a future can end; pl_test_calls_leave_nothing checks each (testkit.h). */
static void call_wait(void)
{
    pl_future *f = finished_square(5); /* leaving nothing is worth nothing without a result */
    pl_future_free(&f);
}

static void call_many(void)
{
    enum { N = 12 };
    pl_future *fs[N];
    for (size_t i = 0; i < N; i++) {
        fs[i] = pl_test_start_int("square", (int64_t)i);
    }
    for (size_t i = 0; i < N; i++) {
        CU_ASSERT(pl_test_is_ok_int(wait_result(fs[i]), (int64_t)(i * i)));
        pl_future_free(&fs[i]);
    }
}

static void call_failing(void)
{
    pl_future *f = pl_test_start_int("fail", 1);
    PL_EXPECT_STATUS(wait_result(f), PL_TASK_FAILED);
    pl_future_free(&f);
}

static void call_cancel_running(void)
{
    pl_future *f = pl_test_start_int("hang", 0);
    pl_sleep_ms(50);
    pl_future_cancel(f);
    wait_result_within(f, PROMPTLY_MS);
    pl_future_free(&f);
}

static void call_free_running(void)
{
    pl_future *hang = pl_test_start_int("hang", 0);
    pl_future *sleeper = pl_test_start_int("sleep_ms", 5000);
    pl_sleep_ms(50);
    pl_future_free(&hang);
    pl_future_free(&sleeper);
}

static void call_never_waited(void)
{
    pl_future *f = pl_test_start_int("square", 7);
    pl_sleep_ms(50); /* it has finished by now on a parallel backend, nobody asked */
    pl_future_free(&f);
}

static void call_crash(void)
{
    pl_future *f = pl_test_start_int("crash", 0);
    wait_result(f);
    pl_future_free(&f);
}

static const pl_test_call future_calls[] = {
    {"a future waited for", call_wait, 0},
    {"12 futures at once", call_many, 0},
    {"a future whose task failed", call_failing, 0},
    {"a future cancelled while running", call_cancel_running, 0},
    {"freeing running futures", call_free_running, 0},
    {"a future freed without a wait", call_never_waited, 0},
    {"a future whose task crashed", call_crash, 1},
};

static void test_no_zombies_after_each_call(void)
{
    pl_test_hint("fork: reap every future's child (waitpid), also after cancel, free or a crash");
    pl_test_calls_leave_nothing(future_calls, sizeof future_calls / sizeof future_calls[0], PL_TEST_CHECK_CHILDREN);
}

static void test_no_descriptors_left_after_each_call(void)
{
    pl_test_hint("fork: close both ends of every future's pipe (in the parent when the future is freed)");
    pl_test_calls_leave_nothing(future_calls, sizeof future_calls / sizeof future_calls[0], PL_TEST_CHECK_FDS);
}

/* ---------------------------------------------------------------- rejected calls */

static void test_rejects_invalid_arguments(void)
{
    pl_test_hint("check the arguments first: NULLs are PL_EINVAL, an unknown task PL_ENOTASK");
    pl_value *v = pl_value_new_int(1);
    pl_future *f = NULL;
    PL_EXPECT_RC(pl_future_start(NULL, v, &f), PL_EINVAL);
    CU_ASSERT_PTR_NULL(f);
    PL_EXPECT_RC(pl_future_start("square", v, NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_future_start("no_such_task", v, &f), PL_ENOTASK);
    CU_ASSERT_PTR_NULL(f);
    pl_future_free(&f); /* in case a backend handed one out anyway */
    pl_value_free(v);
}

static const pl_test_case futures_cases[] = {
    {"start_returns_at_once", test_start_returns_at_once},
    {"done_never_blocks", test_done_never_blocks},
    {"wait_gives_value", test_wait_gives_value},
    {"argument_is_copied", test_argument_is_copied},
    {"many_in_flight_reverse_order", test_many_in_flight_reverse_order},
    {"many_in_flight_shuffled_order", test_many_in_flight_shuffled_order},
    {"failing_task_is_failed", test_failing_task_is_failed},
    {"crash_is_isolated", test_crash_is_isolated},
    {"cancel_before_start", test_cancel_before_start},
    {"cancel_while_running", test_cancel_while_running},
    {"cancel_after_done_is_refused", test_cancel_after_done_is_refused},
    {"cancel_twice", test_cancel_twice},
    {"free_while_running_is_safe", test_free_while_running_is_safe},
    {"free_sets_null_and_catches_reuse", test_free_sets_null_and_catches_reuse},
    {"rejects_invalid_arguments", test_rejects_invalid_arguments},
    {"each_future_runs_once_in_a_worker", test_each_future_runs_once_in_a_worker},
    {"no_zombies_after_each_call", test_no_zombies_after_each_call},
    {"no_descriptors_left_after_each_call", test_no_descriptors_left_after_each_call},
    {NULL, NULL},
};

static const pl_test_suite futures_suite = {"futures", NULL, NULL, futures_cases};

const pl_test_suite *const pl_suites[] = {&futures_suite, NULL};
