/*
 * test_task.c - the task registry and every built-in task.
 *
 * `crash` is never run in this process: it would end the test runner. It
 * runs in a forked child and the test asserts the child died of SIGSEGV.
 * `fetch` is tested by the fetch suite (tests/fetch/); here only the
 * argument check of its task wrapper, which needs no network.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common_suites.h"
#include "pl_cancel.h"
#include "pl_clock.h"
#include "pl_task.h"
#include "pl_tasks.h"
#include "testkit.h"

/* ---------------------------------------------------------------- helpers */

/* Run task with arg (consumed) and return the result (free it). */
static pl_result *run(const char *task, pl_value *arg, int expect_rc)
{
    pl_result *r = pl_result_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    PL_EXPECT_RC(pl_task_run(task, arg, r), expect_rc);
    pl_value_free(arg);
    return r;
}

/* Run under a token that stops after deadline_ms (or at once when requested). */
static pl_result *run_with_deadline(const char *task, pl_value *arg, int64_t deadline_ms)
{
    pl_cancel *token = pl_cancel_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(token);
    pl_cancel_set_deadline(token, pl_deadline_after_ms(deadline_ms));
    pl_cancel *prev = pl_cancel_swap_current(token);
    pl_result *r = run(task, arg, PL_OK);
    pl_cancel_swap_current(prev);
    pl_cancel_free(token);
    return r;
}

static int64_t ms_of(const pl_result *r)
{
    return (pl_result_end_ns(r) - pl_result_start_ns(r)) / 1000000;
}

/* The task refuses arg (taken, like run's): the call works, the task is FAILED. */
static void expect_refused(const char *task, pl_value *arg)
{
    pl_result *r = run(task, arg, PL_OK);
    PL_EXPECT_STATUS(r, PL_TASK_FAILED);
    pl_result_free(r);
}

/*
 * Run under a token with a deadline_ms deadline, the task is CANCELLED after
 * lo_ms to hi_ms: near the deadline, long before it would have ended.
 */
static void expect_stopped(const char *task, pl_value *arg, int64_t deadline_ms, int64_t lo_ms, int64_t hi_ms)
{
    pl_result *r = run_with_deadline(task, arg, deadline_ms);
    PL_EXPECT_STATUS(r, PL_TASK_CANCELLED);
    PL_EXPECT_BETWEEN(ms_of(r), lo_ms, hi_ms);
    pl_result_free(r);
}

/* ---------------------------------------------------------------- registry */

static const char *const builtin_names[] = {
    "square", "noop", "sleep_ms", "spin", "fail", "crash", "hang", "fetch", "planta", "animal", "insecto",
};
#define N_BUILTINS (sizeof builtin_names / sizeof builtin_names[0])

static void test_builtins_registered(void)
{
    for (size_t i = 0; i < N_BUILTINS; i++) {
        CU_ASSERT_PTR_NOT_NULL(pl_task_lookup(builtin_names[i]));
    }
    CU_ASSERT(pl_task_count() >= N_BUILTINS);
    /* The listing holds every built-in exactly once. */
    for (size_t i = 0; i < N_BUILTINS; i++) {
        int seen = 0;
        for (size_t k = 0; k < pl_task_count(); k++) {
            seen += strcmp(pl_task_name_at(k), builtin_names[i]) == 0;
        }
        CU_ASSERT_EQUAL(seen, 1);
    }
    CU_ASSERT_PTR_NULL(pl_task_name_at(pl_task_count()));
    CU_ASSERT_PTR_NULL(pl_task_name_at((size_t)-1));
}

static void test_unknown_names(void)
{
    CU_ASSERT_PTR_NULL(pl_task_lookup(NULL));
    CU_ASSERT_PTR_NULL(pl_task_lookup(""));
    CU_ASSERT_PTR_NULL(pl_task_lookup("no_such_task"));
    CU_ASSERT_PTR_NULL(pl_task_lookup("Square")); /* names are case-sensitive */
    CU_ASSERT_PTR_NULL(pl_task_lookup("square "));
    pl_result *r = run("no_such_task", pl_value_new_int(1), PL_ENOTASK);
    PL_EXPECT_STATUS(r, PL_TASK_FAILED);
    CU_ASSERT_PTR_NOT_NULL(strstr(pl_result_error(r), "no_such_task"));
    pl_result_free(r);
}

static int my_task(const pl_value *arg, pl_value *out, pl_error *err)
{
    (void)err;
    int64_t x = 0;
    pl_value_get_int(arg, &x);
    pl_value_set_int(out, x + 1000);
    return PL_TASK_OK;
}

static int bad_status_task(const pl_value *arg, pl_value *out, pl_error *err)
{
    (void)arg;
    (void)err;
    pl_value_set_int(out, 1); /* must be discarded: the status is invalid */
    return 77;
}

static int silent_fail_task(const pl_value *arg, pl_value *out, pl_error *err)
{
    (void)arg;
    (void)out;
    (void)err;
    return PL_TASK_FAILED; /* no text: pl_task_run supplies one */
}

static int silent_cancel_task(const pl_value *arg, pl_value *out, pl_error *err)
{
    (void)arg;
    (void)out;
    (void)err;
    return PL_TASK_CANCELLED;
}

static void test_register(void)
{
    size_t before = pl_task_count();
    PL_EXPECT_RC(pl_task_register("test.my-task_1", my_task), PL_OK);
    CU_ASSERT_EQUAL(pl_task_count(), before + 1);
    CU_ASSERT(pl_task_lookup("test.my-task_1") == my_task);
    pl_result *r = run("test.my-task_1", pl_value_new_int(5), PL_OK);
    CU_ASSERT(pl_test_is_ok_int(r, 1005));
    pl_result_free(r);
    /* Taken names, built-ins included, stay what they were. */
    PL_EXPECT_RC(pl_task_register("test.my-task_1", my_task), PL_EEXIST);
    PL_EXPECT_RC(pl_task_register("square", my_task), PL_EEXIST);
    CU_ASSERT(pl_task_lookup("square") != my_task);
    CU_ASSERT_EQUAL(pl_task_count(), before + 1);
}

static void test_register_bad_arguments(void)
{
    char too_long[PL_TASK_NAME_MAX + 1];
    memset(too_long, 'a', sizeof too_long - 1);
    too_long[sizeof too_long - 1] = '\0';
    size_t before = pl_task_count();
    PL_EXPECT_RC(pl_task_register(NULL, my_task), PL_EINVAL);
    PL_EXPECT_RC(pl_task_register("ok_name", NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_task_register("", my_task), PL_EINVAL);
    PL_EXPECT_RC(pl_task_register("has space", my_task), PL_EINVAL);
    PL_EXPECT_RC(pl_task_register("slash/name", my_task), PL_EINVAL);
    PL_EXPECT_RC(pl_task_register("ñ", my_task), PL_EINVAL);
    PL_EXPECT_RC(pl_task_register(too_long, my_task), PL_EINVAL);
    too_long[PL_TASK_NAME_MAX - 1] = '\0'; /* 63 chars + NUL: the longest allowed */
    PL_EXPECT_RC(pl_task_register(too_long, my_task), PL_OK);
    CU_ASSERT_EQUAL(pl_task_count(), before + 1);
}

static void test_run_bad_arguments(void)
{
    PL_EXPECT_RC(pl_task_run("square", NULL, NULL), PL_EINVAL);
    pl_result *r = run(NULL, pl_value_new_int(1), PL_EINVAL);
    PL_EXPECT_STATUS(r, PL_TASK_FAILED);
    pl_result_free(r);
    /* A NULL argument reaches the task as a NONE value. */
    r = run("noop", NULL, PL_OK);
    PL_EXPECT_STATUS(r, PL_TASK_OK);
    CU_ASSERT_EQUAL(pl_value_type_of(pl_result_value(r)), PL_VAL_NONE);
    pl_result_free(r);
}

static void test_run_stamps_and_resets(void)
{
    pl_result *r = pl_result_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    pl_value *arg = pl_value_new_int(3);
    pl_result_set_worker(r, 7);
    int64_t t0 = pl_now_ns();
    PL_EXPECT_RC(pl_task_run("square", arg, r), PL_OK);
    int64_t t1 = pl_now_ns();
    CU_ASSERT(pl_test_is_ok_int(r, 9));
    PL_EXPECT_BETWEEN(pl_result_start_ns(r), t0, t1);
    PL_EXPECT_BETWEEN(pl_result_end_ns(r), pl_result_start_ns(r), t1);
    CU_ASSERT_EQUAL(pl_result_worker(r), 7); /* the worker id is the caller's business */
    /* Reusing the result: the old value and text do not survive. */
    PL_EXPECT_RC(pl_task_run("fail", arg, r), PL_OK);
    PL_EXPECT_STATUS(r, PL_TASK_FAILED);
    CU_ASSERT_EQUAL(pl_value_type_of(pl_result_value(r)), PL_VAL_NONE);
    PL_EXPECT_RC(pl_task_run("noop", arg, r), PL_OK);
    CU_ASSERT_STRING_EQUAL(pl_result_error(r), "");
    CU_ASSERT(pl_test_is_ok_int(r, 3));
    PL_EXPECT_RC(pl_task_run("nonexistent", arg, r), PL_ENOTASK);
    CU_ASSERT_EQUAL(pl_value_type_of(pl_result_value(r)), PL_VAL_NONE);
    pl_value_free(arg);
    pl_result_free(r);
}

/* Items run back to back share their clock readings: each starts where the one before ended. */
static void test_run_next_chains_times(void)
{
    pl_result *a = pl_result_new(), *b = pl_result_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    pl_value *arg = pl_value_new_int(20);
    int64_t clock = 0, t0 = pl_now_ns();
    PL_EXPECT_RC(pl_task_run_next("sleep_ms", arg, a, &clock), PL_OK); /* 0: reads the clock itself */
    PL_EXPECT_BETWEEN(pl_result_start_ns(a), t0, pl_result_end_ns(a));
    CU_ASSERT_EQUAL(clock, pl_result_end_ns(a));
    CU_ASSERT(ms_of(a) >= 20);
    PL_EXPECT_RC(pl_task_run_next("square", arg, b, &clock), PL_OK);
    CU_ASSERT(pl_test_is_ok_int(b, 400));
    CU_ASSERT_EQUAL(pl_result_start_ns(b), pl_result_end_ns(a)); /* the chain: no second reading */
    CU_ASSERT_EQUAL(clock, pl_result_end_ns(b));
    /* A task that did not run leaves 0, so the next one reads the clock afresh. */
    PL_EXPECT_RC(pl_task_run_next("nonexistent", arg, b, &clock), PL_ENOTASK);
    CU_ASSERT_EQUAL(clock, 0);
    PL_EXPECT_RC(pl_task_run_next("square", arg, b, &clock), PL_OK);
    CU_ASSERT(pl_result_start_ns(b) > pl_result_end_ns(a));
    PL_EXPECT_RC(pl_task_run_next("square", arg, NULL, &clock), PL_EINVAL);
    CU_ASSERT_EQUAL(clock, 0);
    PL_EXPECT_RC(pl_task_run_next("square", arg, b, NULL), PL_OK); /* NULL clock: pl_task_run */
    CU_ASSERT(pl_test_is_ok_int(b, 400));
    pl_value_free(arg);
    pl_result_free(a);
    pl_result_free(b);
}

static void test_task_return_values(void)
{
    PL_EXPECT_RC(pl_task_register("test.bad_status", bad_status_task), PL_OK);
    PL_EXPECT_RC(pl_task_register("test.silent_fail", silent_fail_task), PL_OK);
    PL_EXPECT_RC(pl_task_register("test.silent_cancel", silent_cancel_task), PL_OK);
    pl_result *r = run("test.bad_status", NULL, PL_OK);
    PL_EXPECT_STATUS(r, PL_TASK_FAILED);
    CU_ASSERT_PTR_NOT_NULL(strstr(pl_result_error(r), "77"));
    CU_ASSERT_EQUAL(pl_value_type_of(pl_result_value(r)), PL_VAL_NONE);
    pl_result_free(r);
    r = run("test.silent_fail", NULL, PL_OK);
    PL_EXPECT_STATUS(r, PL_TASK_FAILED);
    CU_ASSERT(pl_result_error(r)[0] != '\0'); /* a failure always says something */
    pl_result_free(r);
    r = run("test.silent_cancel", NULL, PL_OK);
    PL_EXPECT_STATUS(r, PL_TASK_CANCELLED);
    CU_ASSERT(pl_result_error(r)[0] != '\0');
    pl_result_free(r);
    pl_error_set(NULL, "ignored %d", 1); /* NULL err: no crash */
}

/* Many threads run tasks at once (as the OpenMP backend does), each with its own token. */
typedef struct runner {
    int64_t x;
    pl_result *res;
    pl_cancel *token;
} runner;

static void *run_in_thread(void *p)
{
    runner *w = p;
    pl_cancel *prev = pl_cancel_swap_current(w->token);
    pl_value *arg = pl_value_new_int(w->x);
    /* Odd threads hang until their token is cancelled; even ones square. */
    pl_task_run(w->x % 2 ? "hang" : "square", arg, w->res);
    pl_value_free(arg);
    pl_cancel_swap_current(prev);
    return NULL;
}

static void test_concurrent_runs(void)
{
    enum { T = 8 };
    runner w[T];
    pthread_t th[T];
    for (int i = 0; i < T; i++) {
        w[i] = (runner){.x = i, .res = pl_result_new(), .token = pl_cancel_new()};
        CU_ASSERT_FATAL(w[i].res && w[i].token);
        CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, run_in_thread, &w[i]), 0);
    }
    pl_sleep_ms(50);
    for (int i = 1; i < T; i += 2) {
        pl_cancel_request(w[i].token);
    }
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        if (i % 2) {
            PL_EXPECT_STATUS(w[i].res, PL_TASK_CANCELLED);
        } else {
            CU_ASSERT(pl_test_is_ok_int(w[i].res, (int64_t)i * i));
        }
        pl_result_free(w[i].res);
        pl_cancel_free(w[i].token);
    }
}

static const pl_test_case registry_cases[] = {
    {"builtins_registered", test_builtins_registered},
    {"unknown_names", test_unknown_names},
    {"register", test_register},
    {"register_bad_arguments", test_register_bad_arguments},
    {"run_bad_arguments", test_run_bad_arguments},
    {"run_stamps_and_resets", test_run_stamps_and_resets},
    {"run_next_chains_times", test_run_next_chains_times},
    {"task_return_values", test_task_return_values},
    {"concurrent_runs", test_concurrent_runs},
    {NULL, NULL},
};

const pl_test_suite pl_suite_task_registry = {"common_task_registry", NULL, NULL, registry_cases};

/* ---------------------------------------------------------------- built-ins */

static void test_square(void)
{
    pl_result *r = run("square", pl_value_new_int(-12), PL_OK);
    CU_ASSERT(pl_test_is_ok_int(r, 144));
    pl_result_free(r);
    r = run("square", pl_value_new_int(3037000499LL), PL_OK);
    CU_ASSERT(pl_test_is_ok_int(r, 3037000499LL * 3037000499LL));
    pl_result_free(r);
    expect_refused("square", pl_value_new_int(3037000500LL)); /* would overflow int64 */
    expect_refused("square", pl_value_new_int(INT64_MIN));
    r = run("square", pl_value_new_double(1.5), PL_OK);
    double d = 0;
    PL_EXPECT_STATUS(r, PL_TASK_OK);
    CU_ASSERT(pl_value_get_double(pl_result_value(r), &d) == PL_OK && d == 2.25);
    pl_result_free(r);
    pl_value *bad[] = {pl_value_new_str("three"), pl_value_new(), pl_value_new_bytes("x", 1)};
    for (int i = 0; i < 3; i++) {
        r = run("square", bad[i], PL_OK);
        PL_EXPECT_STATUS(r, PL_TASK_FAILED);
        CU_ASSERT(pl_result_error(r)[0] != '\0');
        pl_result_free(r);
    }
}

static void test_noop(void)
{
    pl_result *r = run("noop", pl_value_new_bytes("\0ab", 3), PL_OK);
    PL_EXPECT_STATUS(r, PL_TASK_OK);
    size_t len = 0;
    const void *p = pl_value_bytes(pl_result_value(r), &len);
    CU_ASSERT(p != NULL && len == 3 && memcmp(p, "\0ab", 3) == 0);
    pl_result_free(r);
}

static void test_fail(void)
{
    pl_result *r = run("fail", pl_value_new_int(22), PL_OK);
    PL_EXPECT_STATUS(r, PL_TASK_FAILED);
    CU_ASSERT_STRING_EQUAL(pl_result_error(r), "fail: 22");
    pl_result_free(r);
    r = run("fail", pl_value_new_str("why"), PL_OK);
    CU_ASSERT_STRING_EQUAL(pl_result_error(r), "fail: \"why\"");
    pl_result_free(r);
    r = run("fail", NULL, PL_OK);
    CU_ASSERT_STRING_EQUAL(pl_result_error(r), "fail: None");
    pl_result_free(r);
}

static void test_sleep_ms(void)
{
    pl_result *r = run("sleep_ms", pl_value_new_int(40), PL_OK);
    CU_ASSERT(pl_test_is_ok_int(r, 40));
    PL_EXPECT_BETWEEN(ms_of(r), 40, 2000);
    pl_result_free(r);
    r = run("sleep_ms", pl_value_new_int(0), PL_OK);
    CU_ASSERT(pl_test_is_ok_int(r, 0));
    pl_result_free(r);
    expect_refused("sleep_ms", pl_value_new_int(-1));
    expect_refused("sleep_ms", pl_value_new_str("10"));
    expect_refused("sleep_ms", pl_value_new());
}

static void test_sleep_ms_honours_cancellation(void)
{
    expect_stopped("sleep_ms", pl_value_new_int(5000), 50, 40, 1500); /* near the deadline, not after 5 s */
    /* Already cancelled before it starts: stops at once. */
    expect_stopped("sleep_ms", pl_value_new_int(5000), 0, 0, 500);
}

static void test_hang_honours_cancellation(void)
{
    expect_stopped("hang", NULL, 60, 50, 1500);
}

static atomic_int hook_on;

static bool stop_hook(void)
{
    return atomic_load(&hook_on) != 0;
}

static void test_hang_stopped_by_hook(void)
{
    /* The MPI backend stops tasks through the process-wide hook, without a token. */
    atomic_store(&hook_on, 1);
    pl_cancel_set_hook(stop_hook);
    pl_result *r = run("hang", pl_value_new_int(0), PL_OK);
    pl_cancel_set_hook(NULL);
    PL_EXPECT_STATUS(r, PL_TASK_CANCELLED);
    pl_result_free(r);
}

static void test_spin(void)
{
    CU_ASSERT_EQUAL(pl_spin_expected(-1), -1);
    CU_ASSERT(pl_spin_expected(0) != pl_spin_expected(1));
    CU_ASSERT_EQUAL(pl_spin_expected(1000), pl_spin_expected(1000)); /* depends only on n */
    const int64_t ns[] = {0, 1, 4095, 4096, 4097, 200000};
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        pl_result *r = run("spin", pl_value_new_int(ns[i]), PL_OK);
        CU_ASSERT(pl_test_is_ok_int(r, pl_spin_expected(ns[i])));
        pl_result_free(r);
    }
    expect_refused("spin", pl_value_new_int(-5));
    expect_refused("spin", pl_value_new_double(5));
}

static void test_spin_honours_cancellation(void)
{
    /* Far more rounds than could finish in the test: only polling ends it. */
    expect_stopped("spin", pl_value_new_int(INT64_MAX), 50, 40, 3000);
}

static void expect_species(const char *task, pl_value *arg, int64_t min_ms, const char *want)
{
    pl_result *r = run(task, arg, PL_OK);
    PL_EXPECT_STATUS(r, PL_TASK_OK);
    CU_ASSERT(pl_test_str_eq(pl_value_str(pl_result_value(r)), want));
    PL_EXPECT_BETWEEN(ms_of(r), min_ms, min_ms + 2000);
    pl_result_free(r);
}

static void test_species(void)
{
    expect_species("planta", pl_value_new_int(10), 10, "planta: helecho, roble, cactus");
    expect_species("animal", pl_value_new_int(0), 0, "animal: perro, gato, loro");
    expect_species("insecto", NULL, 100, "insecto: hormiga, abeja, mariposa"); /* NONE = 100 ms */
    expect_refused("planta", pl_value_new_int(-3));
    /* The lesson's arguments: a color (and optionally how long to take). */
    expect_species("planta", pl_value_new_str("roja"), 100, "planta roja");
    expect_species("animal", pl_value_new_str("amarillo 5"), 5, "animal amarillo");
    expect_species("insecto", pl_value_new_str("caf\xc3\xa9 0"), 0, "insecto caf\xc3\xa9");
    static const char *const bad[] = {"", "roja -5", "roja 5 6", "roja cinco"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_refused("animal", pl_value_new_str(bad[i]));
    }
    expect_refused("animal", pl_value_new_double(1.5));
    expect_stopped("insecto", pl_value_new_int(5000), 30, 20, 1500);
}

static void test_fetch_bad_argument(void)
{
    /* Only the wrapper's argument check: downloads are the fetch suite's job. */
    pl_result *r = run("fetch", pl_value_new_int(1), PL_OK);
    PL_EXPECT_STATUS(r, PL_TASK_FAILED);
    CU_ASSERT_PTR_NOT_NULL(strstr(pl_result_error(r), "fetch"));
    pl_result_free(r);
}

/* crash must kill its process with SIGSEGV: run it in a child. */
static void test_crash_in_child(void)
{
    fflush(NULL); /* the child must not print our buffered output twice */
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        /* Even a handler installed by someone else must not save it. */
        signal(SIGSEGV, SIG_IGN);
        pl_result *r = pl_result_new();
        pl_task_run("crash", NULL, r);
        _exit(0); /* reached only if crash did not crash */
    }
    int status = 0;
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT_TRUE(WIFSIGNALED(status));
    if (WIFSIGNALED(status)) {
        CU_ASSERT_EQUAL(WTERMSIG(status), SIGSEGV);
    }
}

static const pl_test_case builtin_cases[] = {
    {"square", test_square},
    {"noop", test_noop},
    {"fail", test_fail},
    {"sleep_ms", test_sleep_ms},
    {"sleep_ms_honours_cancellation", test_sleep_ms_honours_cancellation},
    {"hang_honours_cancellation", test_hang_honours_cancellation},
    {"hang_stopped_by_hook", test_hang_stopped_by_hook},
    {"spin", test_spin},
    {"spin_honours_cancellation", test_spin_honours_cancellation},
    {"species", test_species},
    {"fetch_bad_argument", test_fetch_bad_argument},
    {"crash_in_child", test_crash_in_child},
    {NULL, NULL},
};

const pl_test_suite pl_suite_task_builtins = {"common_task_builtins", NULL, NULL, builtin_cases};
