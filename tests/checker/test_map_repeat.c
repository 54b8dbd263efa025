/*
 * test_map_repeat.c - a map call kept and made again (tests/map_repeat.h),
 * what the subject's MAP_AGAIN and MAP_CHECK run. In-process, serial
 * backend: the module is plain code around pl_map.
 *
 * The perf test trusts this comparison for every timed call, so it must
 * count every result that is not the checked call's, refuse to run or
 * check what was never kept, and never check the same run twice.
 */
#include <CUnit/CUnit.h>

#include "harness.h"
#include "map_repeat.h"
#include "testkit.h"

#define N 64

static void test_nothing_kept(void)
{
    pl_map_repeat_clear();
    pl_map_repeat_outcome o;
    CU_ASSERT(pl_map_repeat_run() == PL_EINVAL);
    CU_ASSERT(pl_map_repeat_check(&o) == PL_EINVAL);
    pl_value **items = pl_test_items_int(N, 0, 1);
    pl_result **results = pl_test_results_new(N);
    CU_ASSERT_FATAL(items && results);
    CU_ASSERT(pl_map_repeat_keep(NULL, items, N, NULL, results) == PL_EINVAL);
    CU_ASSERT(pl_map_repeat_keep("noop", NULL, N, NULL, results) == PL_EINVAL);
    CU_ASSERT(pl_map_repeat_keep("noop", items, 0, NULL, results) == PL_EINVAL);
    CU_ASSERT(pl_map_repeat_run() == PL_EINVAL); /* a refused keep keeps nothing */
    pl_test_results_free(results, N);
    pl_test_items_free(items, N);
}

static void test_same_call_again(void)
{
    pl_value **items = pl_test_items_int(N, 5, 3);
    pl_result **results = pl_test_results_new(N);
    CU_ASSERT_FATAL(items && results);
    pl_map_opts opts = {.max_workers = 1, .timeout_ms = PL_NO_TIMEOUT};
    PL_EXPECT_RC(pl_test_map_kept("square", items, N, &opts, results), PL_OK);
    CU_ASSERT(pl_test_is_ok_int(results[2], 11 * 11));
    /* The caller's items and results may go at once: the module kept copies. */
    pl_test_results_free(results, N);
    pl_test_items_free(items, N);
    for (int round = 0; round < 3; round++) {
        pl_map_repeat_outcome o = {.rc = -1, .differ = 99, .overlap = -1};
        int64_t wall = -1;
        PL_EXPECT_RC(pl_test_map_again(&o, &wall), PL_OK);
        PL_EXPECT_RC(o.rc, PL_OK);
        PL_EXPECT_EQ(o.differ, 0);
        PL_EXPECT_EQ(o.overlap, 1); /* serial: one at a time */
        CU_ASSERT(wall > 0);
    }
    pl_map_repeat_outcome o;
    CU_ASSERT(pl_map_repeat_check(&o) == PL_EINVAL); /* that run was checked already */
    pl_map_repeat_clear();
}

/* Kept results that are not what the map gives: every one of them counts as differing. */
static void test_differences_counted(void)
{
    pl_value **items = pl_test_items_int(N, 0, 1);
    pl_result **results = pl_test_results_new(N);
    CU_ASSERT_FATAL(items && results);
    PL_EXPECT_RC(pl_map("square", items, N, NULL, results), PL_OK);
    pl_value *wrong = pl_value_new_int(-1);
    pl_result_take_value(results[3], wrong); /* a wrong value (moved: wrong is left NONE) */
    pl_value_free(wrong);
    pl_result_set_status(results[7], PL_TASK_FAILED, "made up"); /* a wrong status */
    pl_result_free(results[9]);                                  /* no result at all */
    results[9] = NULL;
    PL_EXPECT_RC(pl_map_repeat_keep("square", items, N, NULL, results), PL_OK);
    PL_EXPECT_RC(pl_map_repeat_run(), PL_OK);
    pl_map_repeat_outcome o;
    PL_EXPECT_RC(pl_map_repeat_check(&o), PL_OK);
    PL_EXPECT_EQ(o.differ, 3);
    pl_map_repeat_clear();
    CU_ASSERT(pl_map_repeat_run() == PL_EINVAL);
    pl_test_results_free(results, N);
    pl_test_items_free(items, N);
}

static const pl_test_case repeat_cases[] = {
    {"nothing_kept", test_nothing_kept},
    {"same_call_again", test_same_call_again},
    {"differences_counted", test_differences_counted},
    {NULL, NULL},
};

static const pl_test_suite repeat_suite = {"map_repeat", NULL, NULL, repeat_cases};

const pl_test_suite *const pl_suites[] = {&repeat_suite, NULL};
