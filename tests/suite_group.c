/*
 * suite_group.c - pl_group_*, judged the same way on every backend.
 *
 * The lesson's last example, in C:
 *     ex = async_par({'planta': ..., 'animal': ..., 'insecto': ...}, max_workers=5)
 *     ex.results(timeout=4)
 * A group runs named members with at most max_workers at once and reports
 * each member's result and who finished first.
 *
 * Backends differ in how many members really run at once: min(max_workers,
 * pl_workers(), members) on a parallel backend, one on serial (which runs
 * members inside results()/wait_first(), see solutions/03-group/serial.c).
 * So "the fastest finishes first" is asserted when every member can run at
 * once; otherwise the completion order is checked against the members' own
 * end stamps.
 *
 * One assumption beyond paralab.h, stated where it is used: when members
 * outnumber workers, they start in the order they were added. The hanging
 * member test adds the hang last so the others finish even on one worker.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "paralab.h"
#include "testkit.h"

#define PROMPTLY_MS 2000
#define DEADLINE_SLACK_MS 1500

/* Adds a member running task(int arg); the test fails when the add is refused. */
static void add_int(pl_group *g, const char *name, const char *task, int64_t arg)
{
    pl_value *v = pl_value_new_int(arg);
    PL_EXPECT_RC(pl_group_add(g, name, task, v), PL_OK);
    pl_value_free(v);
}

/*
 * An int drawn from the run's seed (harness.h), for square: a submission
 * cannot answer from a table of the suite's arguments.
 */
static int64_t draw_int(void)
{
    return pl_test_rand_range(-100000, 100000);
}

/* A sleep of about ms: ms plus up to a tenth more, drawn (keeps every test's order of events). */
static int64_t draw_ms(int64_t ms)
{
    return ms + pl_test_rand_range(0, ms / 10);
}

/* A new group; NULL (and a failed test) if refused. */
static pl_group *new_group(int max_workers)
{
    pl_group *g = NULL;
    PL_EXPECT_RC(pl_group_new(max_workers, &g), PL_OK);
    return g;
}

/* The members' results in the order they were added (pointers owned by the group). */
static size_t collect_results(const pl_group *g, pl_result **out, size_t cap)
{
    size_t n = pl_group_size(g);
    for (size_t i = 0; i < n && i < cap; i++) {
        /* pl_results_max_overlap takes non-const pointers but only reads them. */
        out[i] = (pl_result *)pl_group_result(g, pl_group_name(g, i));
    }
    return n < cap ? n : cap;
}

static void dump_group(const char *label, const pl_group *g)
{
    pl_result *rs[32];
    size_t n = collect_results(g, rs, 32);
    pl_test_dump_results(label, rs, n);
    for (size_t k = 0; k < pl_group_finished(g); k++) {
        fprintf(stderr, "    finished #%zu: %s\n", k, pl_group_finished_name(g, k));
    }
}

/* Every member has a final result, and the completion order lists each member once. */
static void expect_all_finished(const pl_group *g, const char *label)
{
    pl_result *rs[32];
    size_t n = collect_results(g, rs, 32);
    size_t not_final = pl_test_count_not_final(rs, n);
    PL_EXPECT_EQ(not_final, 0);
    PL_EXPECT_EQ(pl_group_finished(g), n);
    size_t listed_once = 0;
    for (size_t i = 0; i < n; i++) {
        size_t times = 0;
        for (size_t k = 0; k < pl_group_finished(g); k++) {
            const char *name = pl_group_finished_name(g, k);
            times += pl_test_str_eq(name, pl_group_name(g, i));
        }
        listed_once += times == 1;
    }
    PL_EXPECT_EQ(listed_once, n);
    if (not_final != 0 || listed_once != n) {
        dump_group(label, g);
    }
}

/*
 * The completion order agrees with the members' end stamps: whoever is
 * listed earlier did not end later. Only members that ran (end stamp set)
 * and ended well apart are compared, since the stamps and the order are
 * taken in different places.
 */
static void expect_order_matches_stamps(const pl_group *g, const char *label)
{
    const int64_t apart_ns = 40 * 1000000LL;
    size_t inversions = 0;
    size_t done = pl_group_finished(g);
    for (size_t a = 0; a < done; a++) {
        for (size_t b = a + 1; b < done; b++) {
            int64_t ea = pl_result_end_ns(pl_group_result(g, pl_group_finished_name(g, a)));
            int64_t eb = pl_result_end_ns(pl_group_result(g, pl_group_finished_name(g, b)));
            inversions += ea > 0 && eb > 0 && ea > eb + apart_ns;
        }
    }
    PL_EXPECT_EQ(inversions, 0);
    if (inversions != 0) {
        dump_group(label, g);
    }
}

/* 1 when the member's value is a string starting with prefix. */
static int str_value_starts_with(const pl_group *g, const char *name, const char *prefix)
{
    const char *s = pl_value_str(pl_result_value(pl_group_result(g, name)));
    return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---------------------------------------------------------------- the lesson */

/*
 * planta, animal and insecto with different delays, max_workers 5,
 * results(4000). Added slowest-first, so on a parallel backend the
 * completion order (animal, insecto, planta) differs from the order added.
 */
static void test_lesson_species(void)
{
    pl_test_hint("planta, animal, insecto with max_workers 5: every result OK, completion order by their delays");
    pl_group *g = new_group(5);
    add_int(g, "planta", "planta", draw_ms(500)); /* drawn, and still 100 ms apart at least */
    add_int(g, "animal", "animal", draw_ms(100));
    add_int(g, "insecto", "insecto", draw_ms(300));
    PL_EXPECT_EQ(pl_group_size(g), 3);
    PL_EXPECT_RC(pl_group_start(g), PL_OK);
    PL_EXPECT_RC(pl_group_results(g, 4000), PL_OK);
    expect_all_finished(g, "species");
    static const char *const names[3] = {"planta", "animal", "insecto"};
    for (size_t i = 0; i < 3; i++) {
        char prefix[32];
        snprintf(prefix, sizeof prefix, "%s:", names[i]);
        PL_EXPECT_STATUS(pl_group_result(g, names[i]), PL_TASK_OK);
        CU_ASSERT(str_value_starts_with(g, names[i], prefix));
    }
    expect_order_matches_stamps(g, "species");
    if (pl_test_min_overlap(5, 3) >= 3) {
        /* All three ran at once, so they finish in order of their delays. */
        PL_EXPECT_STR(pl_group_finished_name(g, 0), "animal");
        PL_EXPECT_STR(pl_group_finished_name(g, 1), "insecto");
        PL_EXPECT_STR(pl_group_finished_name(g, 2), "planta");
    }
    pl_group_free(&g);
    CU_ASSERT_PTR_NULL(g);
}

/*
 * As many members as can run at once (at most 4), added slowest first: the
 * fastest must be finished_name(0), and the order is the reverse of the
 * order added. (On serial that is one member: it cannot show more.)
 */
static void test_fastest_finishes_first(void)
{
    pl_test_hint("finished_name(0) is the member that finished first, not the first added");
    int n = pl_test_min_overlap(8, 4);
    pl_group *g = new_group(8);
    char names[4][32];
    for (int i = 0; i < n; i++) {
        int64_t ms = (n - i) * 150 + pl_test_rand_range(0, 20); /* drawn, still 130 ms apart at least */
        snprintf(names[i], sizeof names[i], "delay%lld", (long long)ms);
        add_int(g, names[i], "sleep_ms", ms);
    }
    PL_EXPECT_RC(pl_group_start(g), PL_OK);
    PL_EXPECT_RC(pl_group_results(g, 10000), PL_OK);
    expect_all_finished(g, "fastest first");
    for (int k = 0; k < n; k++) {
        const char *name = pl_group_finished_name(g, (size_t)k);
        PL_EXPECT_STR(name, names[n - 1 - k]);
    }
    pl_group_free(&g);
}

/* ---------------------------------------------------------------- wait_first */

/* wait_first reports every member exactly once, in completion order, then PL_ESTATE. */
static void test_wait_first_reports_each_once(void)
{
    pl_test_hint("wait_first reports each finished member exactly once, in completion order, then PL_ESTATE");
    pl_group *g = new_group(5);
    int64_t quick = draw_ms(30);
    add_int(g, "slow", "sleep_ms", draw_ms(250));
    add_int(g, "quick", "sleep_ms", quick);
    add_int(g, "middle", "sleep_ms", draw_ms(140));
    add_int(g, "broken", "fail", pl_test_rand_range(1, 999999));
    PL_EXPECT_RC(pl_group_start(g), PL_OK);
    const char *reported[8] = {NULL};
    size_t count = 0;
    const char *name = NULL;
    int rc = PL_OK;
    while (count < 8 && (rc = pl_group_wait_first(g, 5000, &name)) == PL_OK) {
        reported[count++] = name;
        /* Reported means finished: its result is there and final. */
        const pl_result *r = pl_group_result(g, name);
        CU_ASSERT(r != NULL && pl_result_status(r) != PL_TASK_PENDING);
    }
    PL_EXPECT_RC(rc, PL_ESTATE);
    PL_EXPECT_EQ(count, 4);
    for (size_t i = 0; i < pl_group_size(g); i++) {
        size_t times = 0;
        for (size_t k = 0; k < count; k++) {
            times += pl_test_str_eq(reported[k], pl_group_name(g, i));
        }
        PL_EXPECT_EQ(times, 1);
    }
    for (size_t k = 0; k < count; k++) {
        const char *kth = pl_group_finished_name(g, k);
        PL_EXPECT_STR(kth, reported[k]);
    }
    PL_EXPECT_RC(pl_group_wait_first(g, 0, &name), PL_ESTATE); /* still: nothing left to report */
    PL_EXPECT_RC(pl_group_results(g, 0), PL_OK);
    CU_ASSERT(pl_test_is_ok_int(pl_group_result(g, "quick"), quick));
    PL_EXPECT_STATUS(pl_group_result(g, "broken"), PL_TASK_FAILED);
    pl_group_free(&g);
}

/* Nothing finished yet: a poll says PL_ETIMEDOUT (and on a parallel backend, so does a short wait). */
static void test_wait_first_timeout(void)
{
    pl_test_hint("wait_first with nothing finished yet: PL_ETIMEDOUT after its timeout, not before");
    pl_group *g = new_group(2);
    add_int(g, "forever", "hang", 0);
    add_int(g, "long", "sleep_ms", 5000);
    PL_EXPECT_RC(pl_group_start(g), PL_OK);
    const char *name = NULL;
    PL_EXPECT_RC(pl_group_wait_first(g, 0, &name), PL_ETIMEDOUT);
    if (pl_backend()->parallel) {
        int64_t t0 = pl_now_ns();
        PL_EXPECT_RC(pl_group_wait_first(g, 200, &name), PL_ETIMEDOUT);
        PL_EXPECT_BETWEEN(pl_test_ms_since(t0), 150, 200 + DEADLINE_SLACK_MS);
    }
    PL_EXPECT_RC(pl_group_results(g, 100), PL_OK);
    PL_EXPECT_STATUS(pl_group_result(g, "forever"), PL_TASK_TIMEOUT);
    PL_EXPECT_STATUS(pl_group_result(g, "long"), PL_TASK_TIMEOUT);
    pl_group_free(&g);
}

/* ---------------------------------------------------------------- max_workers */

/* Runs `members` sleeps of ms each in a group of max_workers and checks the overlap. */
static void run_sleepers(int max_workers, size_t members, int64_t ms)
{
    pl_group *g = new_group(max_workers);
    for (size_t i = 0; i < members; i++) {
        char name[32];
        snprintf(name, sizeof name, "m%zu", i);
        add_int(g, name, "sleep_ms", draw_ms(ms));
    }
    PL_EXPECT_RC(pl_group_start(g), PL_OK);
    PL_EXPECT_RC(pl_group_results(g, PL_NO_TIMEOUT), PL_OK);
    expect_all_finished(g, "sleepers");
    pl_result *rs[32];
    size_t n = collect_results(g, rs, 32);
    PL_EXPECT_EQ(pl_test_count_status(rs, n, PL_TASK_OK), members);
    int overlap = pl_results_max_overlap(rs, n);
    int lo = pl_test_min_overlap(max_workers, members);
    int hi = pl_test_max_overlap(max_workers, members);
    PL_EXPECT_BETWEEN(overlap, lo, hi);
    PL_EXPECT_EQ(pl_test_same_worker_overlaps(rs, n), 0);
    if (overlap < lo || overlap > hi) {
        dump_group("sleepers", g);
    }
    pl_group_free(&g);
}

static void test_max_workers_respected(void)
{
    pl_test_hint("never more members running than max_workers, and as many as allowed");
    run_sleepers(2, 6, 200);
}

static void test_max_workers_one(void)
{
    pl_test_hint("max_workers 1: members run one at a time");
    run_sleepers(1, 3, 100);
}

/* ---------------------------------------------------------------- rejected calls */

static void test_add_errors(void)
{
    pl_test_hint("check add's arguments: duplicate name PL_EEXIST, bad name PL_EINVAL, unknown task PL_ENOTASK");
    pl_group *g = new_group(3);
    int64_t a = draw_int();
    add_int(g, "a", "square", a);
    pl_value *v = pl_value_new_int(1);
    PL_EXPECT_RC(pl_group_add(g, "a", "square", v), PL_EEXIST);
    PL_EXPECT_RC(pl_group_add(g, "", "square", v), PL_EINVAL);
    PL_EXPECT_RC(pl_group_add(g, NULL, "square", v), PL_EINVAL);
    PL_EXPECT_RC(pl_group_add(g, "b", "no_such_task", v), PL_ENOTASK);
    PL_EXPECT_RC(pl_group_add(NULL, "c", "square", v), PL_EINVAL);
    PL_EXPECT_EQ(pl_group_size(g), 1); /* rejected adds left nothing behind */
    PL_EXPECT_STR(pl_group_name(g, 0), "a");
    CU_ASSERT_PTR_NULL(pl_group_name(g, 1));
    CU_ASSERT_PTR_NULL(pl_group_result(g, "a")); /* not started: no result yet */
    CU_ASSERT_PTR_NULL(pl_group_result(g, "zzz"));
    PL_EXPECT_EQ(pl_group_finished(g), 0);

    PL_EXPECT_RC(pl_group_start(g), PL_OK);
    PL_EXPECT_RC(pl_group_add(g, "late", "square", v), PL_ESTATE);
    PL_EXPECT_RC(pl_group_results(g, PL_NO_TIMEOUT), PL_OK);
    PL_EXPECT_EQ(pl_group_size(g), 1);
    CU_ASSERT(pl_test_is_ok_int(pl_group_result(g, "a"), a * a));
    pl_value_free(v);
    pl_group_free(&g);
}

static void test_state_errors(void)
{
    pl_test_hint("results/wait_first before start, or start twice, is PL_ESTATE");
    pl_group *g = NULL;
    PL_EXPECT_RC(pl_group_new(0, &g), PL_EINVAL);
    PL_EXPECT_RC(pl_group_new(-2, &g), PL_EINVAL);
    CU_ASSERT_PTR_NULL(g);
    PL_EXPECT_RC(pl_group_new(2, NULL), PL_EINVAL);

    g = new_group(2);
    int64_t x = draw_int();
    add_int(g, "x", "square", x);
    const char *name = NULL;
    PL_EXPECT_RC(pl_group_results(g, 0), PL_ESTATE);
    PL_EXPECT_RC(pl_group_wait_first(g, 0, &name), PL_ESTATE);
    PL_EXPECT_RC(pl_group_start(g), PL_OK);
    PL_EXPECT_RC(pl_group_start(g), PL_ESTATE);
    PL_EXPECT_RC(pl_group_results(g, PL_NO_TIMEOUT), PL_OK);
    CU_ASSERT(pl_test_is_ok_int(pl_group_result(g, "x"), x * x));

    PL_EXPECT_RC(pl_group_start(NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_group_results(NULL, 0), PL_EINVAL);
    PL_EXPECT_RC(pl_group_wait_first(NULL, 0, &name), PL_EINVAL);
    pl_group_free(&g);
    CU_ASSERT_PTR_NULL(g);
    pl_group_free(&g); /* second free: harmless */
    pl_group_free(NULL);
}

/* ---------------------------------------------------------------- bad members */

static void test_failing_member_keeps_others(void)
{
    pl_test_hint("a FAILED member keeps its error text; the others keep their results");
    pl_group *g = new_group(3);
    int64_t three = draw_int(), four = draw_int(); /* the names are the lesson's; the values drawn */
    add_int(g, "three", "square", three);
    add_int(g, "broken", "fail", pl_test_rand_range(1, 999999));
    add_int(g, "four", "square", four);
    PL_EXPECT_RC(pl_group_start(g), PL_OK);
    PL_EXPECT_RC(pl_group_results(g, 5000), PL_OK);
    expect_all_finished(g, "one failing member");
    CU_ASSERT(pl_test_is_ok_int(pl_group_result(g, "three"), three * three));
    CU_ASSERT(pl_test_is_ok_int(pl_group_result(g, "four"), four * four));
    PL_EXPECT_STATUS(pl_group_result(g, "broken"), PL_TASK_FAILED);
    CU_ASSERT_PTR_NOT_NULL(strstr(pl_result_error(pl_group_result(g, "broken")), "fail"));
    pl_group_free(&g);
}

static void test_crashing_member_keeps_others(void)
{
    pl_test_hint("fork: a crashing member is CRASHED; the others finish");
    pl_group *g = new_group(3);
    int64_t ms = draw_ms(100), x = draw_int();
    if (!pl_backend()->isolates_crashes) {
        /* A crash would end the process here; a working group is still asked for. */
        add_int(g, "ok2", "square", x);
        PL_EXPECT_RC(pl_group_start(g), PL_OK);
        PL_EXPECT_RC(pl_group_results(g, 5000), PL_OK);
        CU_ASSERT(pl_test_is_ok_int(pl_group_result(g, "ok2"), x * x));
        pl_group_free(&g);
        return;
    }
    add_int(g, "ok1", "sleep_ms", ms);
    add_int(g, "boom", "crash", 0);
    add_int(g, "ok2", "square", x);
    PL_EXPECT_RC(pl_group_start(g), PL_OK);
    PL_EXPECT_RC(pl_group_results(g, 5000), PL_OK);
    expect_all_finished(g, "one crashing member");
    CU_ASSERT(pl_test_is_ok_int(pl_group_result(g, "ok1"), ms));
    CU_ASSERT(pl_test_is_ok_int(pl_group_result(g, "ok2"), x * x));
    PL_EXPECT_STATUS(pl_group_result(g, "boom"), PL_TASK_CRASHED);
    pl_group_free(&g);
    /* (The crashed member's child must also be reaped: see the leftovers tests below.) */
}

/*
 * A member still running when results' timeout passes is stopped and gets
 * TIMEOUT; the others keep their results. The hang is added last (see the
 * header comment), and results returns near its deadline.
 */
static void test_hanging_member_times_out(void)
{
    pl_test_hint("members still running at results' deadline are stopped and TIMEOUT; results returns then");
    pl_group *g = new_group(3);
    int64_t five = draw_int(), nap = draw_ms(50);
    add_int(g, "five", "square", five);
    add_int(g, "nap", "sleep_ms", nap);
    add_int(g, "stuck", "hang", 0);
    PL_EXPECT_RC(pl_group_start(g), PL_OK);
    int64_t t0 = pl_now_ns();
    PL_EXPECT_RC(pl_group_results(g, 400), PL_OK);
    PL_EXPECT_BETWEEN(pl_test_ms_since(t0), 370, 400 + DEADLINE_SLACK_MS);
    expect_all_finished(g, "one hanging member");
    CU_ASSERT(pl_test_is_ok_int(pl_group_result(g, "five"), five * five));
    CU_ASSERT(pl_test_is_ok_int(pl_group_result(g, "nap"), nap));
    PL_EXPECT_STATUS(pl_group_result(g, "stuck"), PL_TASK_TIMEOUT);
    pl_group_free(&g);
}

/* A second results() returns PL_OK at once and changes nothing. */
static void test_results_twice(void)
{
    pl_test_hint("a second results() returns at once and changes nothing");
    pl_group *g = new_group(2);
    int64_t x = draw_int(), ms = draw_ms(60);
    add_int(g, "p", "square", x);
    add_int(g, "q", "sleep_ms", ms);
    PL_EXPECT_RC(pl_group_start(g), PL_OK);
    PL_EXPECT_RC(pl_group_results(g, PL_NO_TIMEOUT), PL_OK);
    const pl_result *p = pl_group_result(g, "p");
    const char *first = pl_group_finished_name(g, 0);
    int64_t t0 = pl_now_ns();
    PL_EXPECT_RC(pl_group_results(g, PL_NO_TIMEOUT), PL_OK);
    CU_ASSERT(pl_test_ms_since(t0) < 400);
    CU_ASSERT_PTR_EQUAL(pl_group_result(g, "p"), p);
    CU_ASSERT(pl_test_is_ok_int(p, x * x));
    CU_ASSERT(pl_test_is_ok_int(pl_group_result(g, "q"), ms));
    PL_EXPECT_EQ(pl_group_finished(g), 2);
    CU_ASSERT_PTR_EQUAL(pl_group_finished_name(g, 0), first);
    pl_group_free(&g);
}

/* ---------------------------------------------------------------- free, empty */

/* Free while members run: they are stopped, the handle is NULL. (Leftovers: see the tests below.) */
static void test_free_while_running_is_safe(void)
{
    pl_test_hint("free while members run: stop them and never touch the freed group again");
    pl_group *g = new_group(3);
    add_int(g, "h1", "hang", 0);
    add_int(g, "h2", "hang", 0);
    add_int(g, "s", "sleep_ms", 5000);
    PL_EXPECT_RC(pl_group_start(g), PL_OK);
    pl_sleep_ms(100);
    pl_group_free(&g);
    CU_ASSERT_PTR_NULL(g);
}

static void test_empty_group(void)
{
    pl_test_hint("an empty group is valid: start and results return PL_OK at once");
    pl_group *g = new_group(3);
    PL_EXPECT_EQ(pl_group_size(g), 0);
    PL_EXPECT_RC(pl_group_start(g), PL_OK);
    PL_EXPECT_RC(pl_group_results(g, 0), PL_OK);
    PL_EXPECT_EQ(pl_group_finished(g), 0);
    CU_ASSERT_PTR_NULL(pl_group_finished_name(g, 0));
    CU_ASSERT_PTR_NULL(pl_group_name(g, 0));
    const char *name = NULL;
    PL_EXPECT_RC(pl_group_wait_first(g, 0, &name), PL_ESTATE); /* every (zero) member reported */
    pl_group_free(&g);
}

/* ---------------------------------------------------------------- each once, and where */

/* A started group of n tally members "m0", "m1", ... (items from pl_test_tally_items). */
static pl_group *start_tally_group(int max_workers, pl_value **args, size_t n)
{
    pl_group *g = new_group(max_workers);
    for (size_t i = 0; g != NULL && i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "m%zu", i);
        PL_EXPECT_RC(pl_group_add(g, name, "tally", args[i]), PL_OK);
    }
    if (g != NULL) {
        PL_EXPECT_RC(pl_group_start(g), PL_OK);
    }
    return g;
}

/*
 * Every member runs exactly once (see map's each_item_runs_exactly_once for
 * the tally): many tiny members on more workers than cores, so that a
 * member list handed out by threads without a lock shows it.
 */
static void check_each_member_runs_exactly_once(void)
{
    size_t n = pl_test_tasks_run_in() == PL_TEST_IN_CALLER ? 300 : 30;
    pl_test_tally t;
    pl_value **args = pl_test_tally_items(&t, n, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(args);
    pl_group *g = start_tally_group(8, args, n);
    PL_EXPECT_RC(pl_group_results(g, 20000), PL_OK);
    size_t wrong = 0;
    for (size_t i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "m%zu", i);
        wrong += !pl_test_is_ok_int(pl_group_result(g, name), (int64_t)i);
    }
    PL_EXPECT_EQ(wrong, 0); /* members without their index as an OK result */
    PL_EXPECT_EQ(pl_group_finished(g), n);
    PL_EXPECT_EQ(pl_test_tally_read(&t), 0);
    char which[256];
    size_t bad = pl_test_tally_not_once(&t, which, sizeof which);
    pl_test_check(bad == 0, __FILE__, __LINE__, "%zu of %zu members did not run exactly once: %s", bad, n, which);
    pl_group_free(&g);
    pl_test_items_free(args, n);
    pl_test_tally_free(&t);
}

/* Members run where the model says (pl_test_expect_ran_in_workers), several at once. */
static void check_members_run_in_the_models_workers(void)
{
    enum { N = 4, MAX_WORKERS = 4, MS = 150 };
    pl_test_tally t;
    pl_value **args = pl_test_tally_items(&t, N, MS);
    CU_ASSERT_PTR_NOT_NULL_FATAL(args);
    pl_group *g = start_tally_group(MAX_WORKERS, args, N);
    PL_EXPECT_RC(pl_group_results(g, 20000), PL_OK);
    const pl_result *rs[N];
    for (size_t i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "m%zu", i);
        rs[i] = pl_group_result(g, name);
    }
    PL_EXPECT_EQ(pl_test_tally_read(&t), 0);
    pl_test_expect_ran_in_workers(&t, rs, MAX_WORKERS);
    pl_group_free(&g);
    pl_test_items_free(args, N);
    pl_test_tally_free(&t);
}

/* One test for both (each runs once; in a worker): one process start less per model. */
static void test_each_member_runs_once_in_a_worker(void)
{
    pl_test_hint("run each member exactly once (the next member to start, shared by threads, needs a "
                 "lock), in a worker: fork a child per member, several at once; MPI a worker rank, not rank 0");
    check_each_member_runs_exactly_once();
    check_members_run_in_the_models_workers();
}

/* ---------------------------------------------------------------- leftovers */

/* One of each way a group can end; pl_test_calls_leave_nothing checks each (testkit.h). */
static void call_results(void)
{
    pl_group *g = new_group(3);
    add_int(g, "a", "square", 2);
    add_int(g, "b", "square", 3);
    add_int(g, "c", "fail", 4);
    PL_EXPECT_RC(pl_group_start(g), PL_OK);
    PL_EXPECT_RC(pl_group_results(g, 10000), PL_OK);
    /* Leaving nothing behind is worth nothing from a group that ran nothing. */
    CU_ASSERT(pl_test_is_ok_int(pl_group_result(g, "a"), 4));
    CU_ASSERT(pl_test_is_ok_int(pl_group_result(g, "b"), 9));
    PL_EXPECT_STATUS(pl_group_result(g, "c"), PL_TASK_FAILED);
    pl_group_free(&g);
}

static void call_wait_first(void)
{
    pl_group *g = new_group(2);
    add_int(g, "a", "sleep_ms", 20);
    add_int(g, "b", "square", 3);
    pl_group_start(g);
    const char *name = NULL;
    while (pl_group_wait_first(g, 10000, &name) == PL_OK) {
    }
    pl_group_free(&g);
}

static void call_deadline(void)
{
    pl_group *g = new_group(3);
    add_int(g, "quick", "square", 2);
    add_int(g, "stuck", "hang", 0);
    add_int(g, "slow", "sleep_ms", 5000);
    PL_EXPECT_RC(pl_group_start(g), PL_OK);
    pl_group_results(g, 200);
    /* "quick" usually finishes, but on a loaded machine starting the workers can
     * take the whole 200 ms: TIMEOUT is honest then (the calls beside this one
     * check that real work was done). A wrong value never is. */
    const pl_result *quick = pl_group_result(g, "quick");
    pl_test_check(pl_test_is_ok_int(quick, 4) || pl_result_status(quick) == PL_TASK_TIMEOUT, __FILE__,
                  __LINE__, "quick's status is %s, expected OK with 4 (or TIMEOUT on a loaded machine)",
                  pl_task_status_name(pl_result_status(quick)));
    PL_EXPECT_STATUS(pl_group_result(g, "stuck"), PL_TASK_TIMEOUT);
    pl_group_free(&g);
}

static void call_free_running(void)
{
    pl_group *g = new_group(2);
    add_int(g, "h", "hang", 0);
    add_int(g, "s", "sleep_ms", 5000);
    pl_group_start(g);
    pl_sleep_ms(50);
    pl_group_free(&g);
}

static void call_crash(void)
{
    pl_group *g = new_group(2);
    add_int(g, "boom", "crash", 0);
    add_int(g, "fine", "square", 3);
    pl_group_start(g);
    pl_group_results(g, 10000);
    pl_group_free(&g);
}

static const pl_test_call group_calls[] = {
    {"a group's results", call_results, 0},
    {"wait_first until every member was reported", call_wait_first, 0},
    {"a group whose members were stopped at results' deadline", call_deadline, 0},
    {"freeing a group whose members run", call_free_running, 0},
    {"a group with a crashing member", call_crash, 1},
};

static void test_no_zombies_after_each_call(void)
{
    pl_test_hint("fork: reap every member's child (waitpid), also after a deadline, a free or a crash");
    pl_test_calls_leave_nothing(group_calls, sizeof group_calls / sizeof group_calls[0], PL_TEST_CHECK_CHILDREN);
}

static void test_no_descriptors_left_after_each_call(void)
{
    pl_test_hint("fork: close both ends of every member's pipe");
    pl_test_calls_leave_nothing(group_calls, sizeof group_calls / sizeof group_calls[0], PL_TEST_CHECK_FDS);
}

static const pl_test_case group_cases[] = {
    {"lesson_species", test_lesson_species},
    {"fastest_finishes_first", test_fastest_finishes_first},
    {"wait_first_reports_each_once", test_wait_first_reports_each_once},
    {"wait_first_timeout", test_wait_first_timeout},
    {"max_workers_respected", test_max_workers_respected},
    {"max_workers_one", test_max_workers_one},
    {"add_errors", test_add_errors},
    {"state_errors", test_state_errors},
    {"failing_member_keeps_others", test_failing_member_keeps_others},
    {"crashing_member_keeps_others", test_crashing_member_keeps_others},
    {"hanging_member_times_out", test_hanging_member_times_out},
    {"results_twice", test_results_twice},
    {"free_while_running_is_safe", test_free_while_running_is_safe},
    {"empty_group", test_empty_group},
    {"each_member_runs_once_in_a_worker", test_each_member_runs_once_in_a_worker},
    {"no_zombies_after_each_call", test_no_zombies_after_each_call},
    {"no_descriptors_left_after_each_call", test_no_descriptors_left_after_each_call},
    {NULL, NULL},
};

static const pl_test_suite group_suite = {"group", NULL, NULL, group_cases};

const pl_test_suite *const pl_suites[] = {&group_suite, NULL};
