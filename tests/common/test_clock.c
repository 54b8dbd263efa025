/*
 * test_clock.c - the monotonic clock and deadlines. Margins are generous:
 * the machine is shared, a sleep may oversleep by a lot, never undersleep.
 */
#include "common_suites.h"
#include "pl_clock.h"
#include "testkit.h"

static void test_now_is_monotonic(void)
{
    int64_t prev = pl_now_ns();
    CU_ASSERT(prev > 0);
    for (int i = 0; i < 1000; i++) {
        int64_t now = pl_now_ns();
        CU_ASSERT_FATAL(now >= prev);
        prev = now;
    }
}

static void test_deadline_after_ms(void)
{
    CU_ASSERT_EQUAL(pl_deadline_after_ms(-1), PL_NEVER);
    CU_ASSERT_EQUAL(pl_deadline_after_ms(PL_NO_TIMEOUT), PL_NEVER);
    CU_ASSERT_EQUAL(pl_deadline_after_ms(INT64_MIN), PL_NEVER);
    /* Huge timeouts saturate instead of overflowing into the past. */
    CU_ASSERT_EQUAL(pl_deadline_after_ms(INT64_MAX), PL_NEVER);
    CU_ASSERT_EQUAL(pl_deadline_after_ms(INT64_MAX / 1000), PL_NEVER);
    int64_t before = pl_now_ns();
    int64_t d0 = pl_deadline_after_ms(0);
    int64_t d100 = pl_deadline_after_ms(100);
    int64_t after = pl_now_ns();
    PL_EXPECT_BETWEEN(d0, before, after);
    PL_EXPECT_BETWEEN(d100, before + 100000000, after + 100000000);
}

static void test_ms_until(void)
{
    CU_ASSERT_EQUAL(pl_ms_until(PL_NEVER), -1);
    CU_ASSERT_EQUAL(pl_ms_until(0), 0);
    CU_ASSERT_EQUAL(pl_ms_until(pl_now_ns() - 1000000000), 0);
    CU_ASSERT_EQUAL(pl_ms_until(INT64_MIN), 0);
    /* Rounded up: 1.5 ms left is 2 ms, so poll() does not wake up early. */
    int ms = pl_ms_until(pl_now_ns() + 1500000);
    PL_EXPECT_BETWEEN(ms, 1, 2);
    ms = pl_ms_until(pl_now_ns() + 1000000000);
    PL_EXPECT_BETWEEN(ms, 900, 1000);
    /* Far but not never: clamped for poll()'s int. */
    CU_ASSERT_EQUAL(pl_ms_until(PL_NEVER - 1), INT32_MAX);
}

static void test_sleep_ms(void)
{
    int64_t t0 = pl_now_ns();
    pl_sleep_ms(30);
    int64_t took = pl_now_ns() - t0;
    CU_ASSERT(took >= 30000000);
    CU_ASSERT(took < 2000000000);
    t0 = pl_now_ns();
    pl_sleep_ms(0);
    pl_sleep_ms(-5);
    pl_sleep_ms(INT64_MIN);
    CU_ASSERT(pl_now_ns() - t0 < 100000000);
}

static const pl_test_case cases[] = {
    {"now_is_monotonic", test_now_is_monotonic},
    {"deadline_after_ms", test_deadline_after_ms},
    {"ms_until", test_ms_until},
    {"sleep_ms", test_sleep_ms},
    {NULL, NULL},
};

const pl_test_suite pl_suite_clock = {"common_clock", NULL, NULL, cases};
