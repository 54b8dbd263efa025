/*
 * test_roster.c - group bookkeeping: member rules (unique, non-empty names,
 * known tasks), completion order, "report each finished member once", and
 * settle (every member ends with exactly one result).
 */
#include <string.h>

#include "common_suites.h"
#include "pl_roster.h"
#include "testkit.h"

static pl_result *result_with(pl_task_status st, const char *why)
{
    pl_result *r = pl_result_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    pl_result_set_status(r, st, "%s", why);
    return r;
}

/* A roster with members a, b, c running square on 1, 2, 3. */
static pl_roster *abc(void)
{
    pl_roster *r = pl_roster_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    const char *names[3] = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) {
        pl_value *v = pl_value_new_int(i + 1);
        PL_EXPECT_RC(pl_roster_add(r, names[i], "square", v), PL_OK);
        pl_value_free(v);
    }
    return r;
}

static void test_add_and_access(void)
{
    pl_roster *r = abc();
    CU_ASSERT_EQUAL(pl_roster_size(r), 3);
    CU_ASSERT_STRING_EQUAL(pl_roster_name(r, 1), "b");
    CU_ASSERT_STRING_EQUAL(pl_roster_task(r, 1), "square");
    int64_t x = 0;
    CU_ASSERT(pl_value_get_int(pl_roster_arg(r, 2), &x) == PL_OK && x == 3);
    CU_ASSERT_EQUAL(pl_roster_find(r, "c"), 2);
    CU_ASSERT_EQUAL(pl_roster_find(r, "zz"), -1);
    CU_ASSERT_PTR_NULL(pl_roster_name(r, 3));
    CU_ASSERT_PTR_NULL(pl_roster_task(r, 3));
    CU_ASSERT_PTR_NULL(pl_roster_arg(r, (size_t)-1));
    CU_ASSERT_PTR_NULL(pl_roster_result(r, 0));
    CU_ASSERT_FALSE(pl_roster_is_finished(r, 0));
    CU_ASSERT_EQUAL(pl_roster_finished_count(r), 0);
    CU_ASSERT_EQUAL(pl_roster_finished_at(r, 0), (size_t)-1);
    pl_roster_free(r);
}

static void test_add_rules(void)
{
    pl_roster *r = abc();
    pl_value *v = pl_value_new_int(1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    PL_EXPECT_RC(pl_roster_add(r, "a", "square", v), PL_EEXIST);
    PL_EXPECT_RC(pl_roster_add(r, "", "square", v), PL_EINVAL);
    PL_EXPECT_RC(pl_roster_add(r, NULL, "square", v), PL_EINVAL);
    PL_EXPECT_RC(pl_roster_add(r, "d", NULL, v), PL_EINVAL);
    PL_EXPECT_RC(pl_roster_add(NULL, "d", "square", v), PL_EINVAL);
    PL_EXPECT_RC(pl_roster_add(r, "d", "no_such_task", v), PL_ENOTASK);
    CU_ASSERT_EQUAL(pl_roster_size(r), 3); /* refused adds change nothing */
    /* NULL arg means a NONE value; names are copied, not borrowed. */
    char name[8] = "dyn";
    PL_EXPECT_RC(pl_roster_add(r, name, "noop", NULL), PL_OK);
    strcpy(name, "xxx");
    CU_ASSERT_STRING_EQUAL(pl_roster_name(r, 3), "dyn");
    CU_ASSERT_PTR_NOT_NULL(pl_roster_arg(r, 3));
    CU_ASSERT_EQUAL(pl_value_type_of(pl_roster_arg(r, 3)), PL_VAL_NONE);
    /* The arg is copied: changing the caller's value changes nothing. */
    PL_EXPECT_RC(pl_roster_add(r, "e", "square", v), PL_OK);
    pl_value_set_int(v, 99);
    int64_t x = 0;
    CU_ASSERT(pl_value_get_int(pl_roster_arg(r, 4), &x) == PL_OK && x == 1);
    pl_value_free(v);
    pl_roster_free(r);
}

static void test_many_members(void)
{
    pl_roster *r = pl_roster_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    for (int i = 0; i < 500; i++) {
        char name[16];
        snprintf(name, sizeof name, "m%d", i);
        CU_ASSERT_EQUAL_FATAL(pl_roster_add(r, name, "noop", NULL), PL_OK);
    }
    CU_ASSERT_EQUAL(pl_roster_find(r, "m499"), 499);
    for (size_t i = 500; i-- > 0;) {
        CU_ASSERT_EQUAL_FATAL(pl_roster_finish(r, i, result_with(PL_TASK_OK, "")), PL_OK);
    }
    CU_ASSERT_EQUAL(pl_roster_finished_at(r, 0), 499);
    CU_ASSERT_EQUAL(pl_roster_finished_at(r, 499), 0);
    pl_roster_free(r);
}

static void test_completion_order(void)
{
    pl_roster *r = abc();
    PL_EXPECT_RC(pl_roster_finish(r, 1, result_with(PL_TASK_OK, "")), PL_OK);
    PL_EXPECT_RC(pl_roster_finish(r, 2, result_with(PL_TASK_FAILED, "broken")), PL_OK);
    PL_EXPECT_RC(pl_roster_finish(r, 0, result_with(PL_TASK_OK, "")), PL_OK);
    CU_ASSERT_EQUAL(pl_roster_finished_count(r), 3);
    CU_ASSERT_EQUAL(pl_roster_finished_at(r, 0), 1);
    CU_ASSERT_EQUAL(pl_roster_finished_at(r, 1), 2);
    CU_ASSERT_EQUAL(pl_roster_finished_at(r, 2), 0);
    CU_ASSERT_EQUAL(pl_roster_finished_at(r, 3), (size_t)-1);
    CU_ASSERT_TRUE(pl_roster_is_finished(r, 2));
    PL_EXPECT_STATUS(pl_roster_result(r, 2), PL_TASK_FAILED);
    pl_roster_free(r);
}

static void test_duplicate_finish_refused(void)
{
    pl_roster *r = abc();
    PL_EXPECT_RC(pl_roster_finish(r, 0, result_with(PL_TASK_OK, "first")), PL_OK);
    /* A late second answer is freed (valgrind checks) and never replaces the first. */
    PL_EXPECT_RC(pl_roster_finish(r, 0, result_with(PL_TASK_FAILED, "late")), PL_ESTATE);
    PL_EXPECT_STATUS(pl_roster_result(r, 0), PL_TASK_OK);
    CU_ASSERT_STRING_EQUAL(pl_result_error(pl_roster_result(r, 0)), "first");
    CU_ASSERT_EQUAL(pl_roster_finished_count(r), 1);
    /* Bad calls consume res too, so the caller cannot leak it. */
    PL_EXPECT_RC(pl_roster_finish(r, 3, result_with(PL_TASK_OK, "")), PL_EINVAL);
    PL_EXPECT_RC(pl_roster_finish(NULL, 0, result_with(PL_TASK_OK, "")), PL_EINVAL);
    PL_EXPECT_RC(pl_roster_finish(r, 1, NULL), PL_EINVAL);
    CU_ASSERT_EQUAL(pl_roster_finished_count(r), 1);
    pl_roster_free(r);
}

static void test_next_unreported(void)
{
    pl_roster *r = abc();
    size_t idx = 99;
    PL_EXPECT_RC(pl_roster_next_unreported(r, &idx), PL_ETIMEDOUT); /* none finished yet */
    pl_roster_finish(r, 2, result_with(PL_TASK_OK, ""));
    pl_roster_finish(r, 0, result_with(PL_TASK_OK, ""));
    PL_EXPECT_RC(pl_roster_next_unreported(r, &idx), PL_OK);
    CU_ASSERT_EQUAL(idx, 2);
    PL_EXPECT_RC(pl_roster_next_unreported(r, &idx), PL_OK);
    CU_ASSERT_EQUAL(idx, 0);
    PL_EXPECT_RC(pl_roster_next_unreported(r, &idx), PL_ETIMEDOUT); /* b still running */
    pl_roster_finish(r, 1, result_with(PL_TASK_OK, ""));
    PL_EXPECT_RC(pl_roster_next_unreported(r, &idx), PL_OK);
    CU_ASSERT_EQUAL(idx, 1);
    PL_EXPECT_RC(pl_roster_next_unreported(r, &idx), PL_ESTATE); /* all reported */
    PL_EXPECT_RC(pl_roster_next_unreported(r, &idx), PL_ESTATE);
    PL_EXPECT_RC(pl_roster_next_unreported(r, NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_roster_next_unreported(NULL, &idx), PL_EINVAL);
    pl_roster_free(r);
    pl_roster *empty = pl_roster_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(empty);
    PL_EXPECT_RC(pl_roster_next_unreported(empty, &idx), PL_ESTATE);
    pl_roster_free(empty);
}

static void test_settle(void)
{
    pl_roster *r = abc();
    pl_roster_finish(r, 1, result_with(PL_TASK_OK, ""));
    PL_EXPECT_RC(pl_roster_settle(r, PL_TASK_TIMEOUT, "too late"), PL_OK);
    CU_ASSERT_EQUAL(pl_roster_finished_count(r), 3);
    PL_EXPECT_STATUS(pl_roster_result(r, 1), PL_TASK_OK);
    PL_EXPECT_STATUS(pl_roster_result(r, 0), PL_TASK_TIMEOUT);
    PL_EXPECT_STATUS(pl_roster_result(r, 2), PL_TASK_TIMEOUT);
    CU_ASSERT_STRING_EQUAL(pl_result_error(pl_roster_result(r, 2)), "too late");
    /* Settled members are appended in index order, after the real finisher. */
    CU_ASSERT_EQUAL(pl_roster_finished_at(r, 0), 1);
    CU_ASSERT_EQUAL(pl_roster_finished_at(r, 1), 0);
    CU_ASSERT_EQUAL(pl_roster_finished_at(r, 2), 2);
    PL_EXPECT_RC(pl_roster_settle(r, PL_TASK_FAILED, "again"), PL_OK); /* nothing left to settle */
    PL_EXPECT_STATUS(pl_roster_result(r, 0), PL_TASK_TIMEOUT);
    PL_EXPECT_RC(pl_roster_settle(r, PL_TASK_PENDING, "x"), PL_EINVAL);
    PL_EXPECT_RC(pl_roster_settle(r, (pl_task_status)9, "x"), PL_EINVAL);
    PL_EXPECT_RC(pl_roster_settle(NULL, PL_TASK_FAILED, "x"), PL_EINVAL);
    pl_roster_free(r);
}

static void test_null_roster(void)
{
    pl_roster_free(NULL);
    CU_ASSERT_EQUAL(pl_roster_size(NULL), 0);
    CU_ASSERT_PTR_NULL(pl_roster_name(NULL, 0));
    CU_ASSERT_PTR_NULL(pl_roster_task(NULL, 0));
    CU_ASSERT_PTR_NULL(pl_roster_arg(NULL, 0));
    CU_ASSERT_EQUAL(pl_roster_find(NULL, "a"), -1);
    pl_roster *r = abc();
    CU_ASSERT_EQUAL(pl_roster_find(r, NULL), -1);
    pl_roster_free(r);
    CU_ASSERT_PTR_NULL(pl_roster_result(NULL, 0));
    CU_ASSERT_FALSE(pl_roster_is_finished(NULL, 0));
    CU_ASSERT_EQUAL(pl_roster_finished_count(NULL), 0);
    CU_ASSERT_EQUAL(pl_roster_finished_at(NULL, 0), (size_t)-1);
}

static const pl_test_case cases[] = {
    {"add_and_access", test_add_and_access},
    {"add_rules", test_add_rules},
    {"many_members", test_many_members},
    {"completion_order", test_completion_order},
    {"duplicate_finish_refused", test_duplicate_finish_refused},
    {"next_unreported", test_next_unreported},
    {"settle", test_settle},
    {"null_roster", test_null_roster},
    {NULL, NULL},
};

const pl_test_suite pl_suite_roster = {"common_roster", NULL, NULL, cases};
