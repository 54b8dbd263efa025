/*
 * test_seed.c - the suites' seeded generator (harness.h, tests/support/seed.c):
 * a failure printed with its seed must replay, so the draws of a test depend
 * on the seed and the test's name only, and stay inside the asked range.
 */
#include "common_suites.h"
#include "testkit.h"

#include <limits.h>

/* The first 8 draws for (seed, name), into out; restores the running test's seed after. */
static void draws(uint64_t seed, const char *name, uint64_t out[8])
{
    uint64_t saved = pl_test_seed();
    pl_test_seed_set(seed);
    pl_test_seed_for(name);
    for (int i = 0; i < 8; i++) {
        out[i] = pl_test_rand();
    }
    pl_test_seed_set(saved);
}

static int same(const uint64_t a[8], const uint64_t b[8])
{
    for (int i = 0; i < 8; i++) {
        if (a[i] != b[i]) {
            return 0;
        }
    }
    return 1;
}

static void test_same_seed_and_name_replay(void)
{
    uint64_t a[8], b[8];
    draws(42, "map/n_one", a);
    draws(7, "map/other", b); /* something in between must not matter */
    draws(42, "map/n_one", b);
    CU_ASSERT(same(a, b));
}

static void test_seed_or_name_changes_the_draws(void)
{
    uint64_t a[8], b[8], c[8];
    draws(42, "map/n_one", a);
    draws(43, "map/n_one", b);
    draws(42, "map/n_two", c);
    CU_ASSERT(!same(a, b));
    CU_ASSERT(!same(a, c));
}

static void test_range_is_inclusive_and_bounded(void)
{
    pl_test_seed_for("common_seed/range");
    int seen_lo = 0, seen_hi = 0;
    size_t outside = 0;
    for (int i = 0; i < 2000; i++) {
        long v = pl_test_rand_range(-3, 3);
        outside += v < -3 || v > 3;
        seen_lo |= v == -3;
        seen_hi |= v == 3;
    }
    PL_EXPECT_EQ(outside, 0);
    CU_ASSERT(seen_lo && seen_hi);
    PL_EXPECT_EQ(pl_test_rand_range(5, 5), 5);
    PL_EXPECT_EQ(pl_test_rand_range(9, 2), 9); /* an empty range gives lo, never garbage */
    long wide = pl_test_rand_range(LONG_MIN, LONG_MAX); /* the whole range: no division by zero */
    (void)wide;
}

static void test_seed_parse(void)
{
    uint64_t v = 0;
    PL_EXPECT_EQ(pl_test_seed_parse("0", &v), 0);
    PL_EXPECT_EQ(v, 0);
    PL_EXPECT_EQ(pl_test_seed_parse("18446744073709551615", &v), 0);
    CU_ASSERT(v == UINT64_MAX);
    PL_EXPECT_EQ(pl_test_seed_parse("18446744073709551616", &v), -1);
    PL_EXPECT_EQ(pl_test_seed_parse("-1", &v), -1);
    PL_EXPECT_EQ(pl_test_seed_parse(" 1", &v), -1);
    PL_EXPECT_EQ(pl_test_seed_parse("12x", &v), -1);
    PL_EXPECT_EQ(pl_test_seed_parse("", &v), -1);
    PL_EXPECT_EQ(pl_test_seed_parse(NULL, &v), -1);
}

static const pl_test_case cases[] = {
    {"same_seed_and_name_replay", test_same_seed_and_name_replay},
    {"seed_or_name_changes_the_draws", test_seed_or_name_changes_the_draws},
    {"range_is_inclusive_and_bounded", test_range_is_inclusive_and_bounded},
    {"seed_parse", test_seed_parse},
    {NULL, NULL},
};

const pl_test_suite pl_suite_seed = {"common_seed", NULL, NULL, cases};
