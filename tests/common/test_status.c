/*
 * test_status.c - names of return codes and task statuses.
 */
#include <string.h>

#include "common_suites.h"
#include "testkit.h"

static void test_strerror_never_null(void)
{
    for (int rc = -20; rc <= 5; rc++) {
        const char *s = pl_strerror(rc);
        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        CU_ASSERT(s[0] != '\0');
    }
    CU_ASSERT_PTR_NOT_NULL(pl_strerror(-1000000));
    CU_ASSERT_PTR_NOT_NULL(pl_strerror(1000000));
}

static void test_strerror_distinct(void)
{
    /* Every defined code has its own text, different from "unknown". */
    for (int a = PL_EIO; a <= PL_OK; a++) {
        for (int b = a + 1; b <= PL_OK; b++) {
            CU_ASSERT(strcmp(pl_strerror(a), pl_strerror(b)) != 0);
        }
        CU_ASSERT(strcmp(pl_strerror(a), pl_strerror(-99)) != 0);
    }
}

static void test_task_status_names(void)
{
    CU_ASSERT_STRING_EQUAL(pl_task_status_name(PL_TASK_PENDING), "PENDING");
    CU_ASSERT_STRING_EQUAL(pl_task_status_name(PL_TASK_OK), "OK");
    CU_ASSERT_STRING_EQUAL(pl_task_status_name(PL_TASK_FAILED), "FAILED");
    CU_ASSERT_STRING_EQUAL(pl_task_status_name(PL_TASK_TIMEOUT), "TIMEOUT");
    CU_ASSERT_STRING_EQUAL(pl_task_status_name(PL_TASK_CRASHED), "CRASHED");
    CU_ASSERT_STRING_EQUAL(pl_task_status_name(PL_TASK_CANCELLED), "CANCELLED");
    CU_ASSERT_STRING_EQUAL(pl_task_status_name(-1), "?");
    CU_ASSERT_STRING_EQUAL(pl_task_status_name(PL_TASK_STATUS_COUNT), "?");
}

static const pl_test_case cases[] = {
    {"strerror_never_null", test_strerror_never_null},
    {"strerror_distinct", test_strerror_distinct},
    {"task_status_names", test_task_status_names},
    {NULL, NULL},
};

const pl_test_suite pl_suite_status = {"common_status", NULL, NULL, cases};
