/*
 * test_result.c - the result type: defaults, setters, copy, wire form
 * (round trip, every cut point, corrupt fields), printing, and the two
 * guarantees: settle (exactly one final status) and max_overlap.
 */
#include <stdlib.h>
#include <string.h>

#include "common_suites.h"
#include "pl_result.h"
#include "pl_wire.h"
#include "testkit.h"

static void test_new_defaults(void)
{
    pl_result *r = pl_result_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_EQUAL(pl_result_status(r), PL_TASK_PENDING);
    CU_ASSERT_PTR_NOT_NULL(pl_result_value(r));
    CU_ASSERT_EQUAL(pl_value_type_of(pl_result_value(r)), PL_VAL_NONE);
    CU_ASSERT_STRING_EQUAL(pl_result_error(r), "");
    CU_ASSERT_EQUAL(pl_result_worker(r), -1);
    CU_ASSERT_EQUAL(pl_result_start_ns(r), 0);
    CU_ASSERT_EQUAL(pl_result_end_ns(r), 0);
    pl_result_free(r);
}

static void test_null_arguments(void)
{
    pl_result *r = pl_result_new();
    pl_value *v = pl_value_new_int(1);
    pl_buf *b = pl_buf_new();
    CU_ASSERT_FATAL(r && v && b);
    pl_result_free(NULL);
    CU_ASSERT_PTR_NULL(pl_result_copy(NULL));
    CU_ASSERT_EQUAL(pl_result_status(NULL), PL_TASK_PENDING);
    CU_ASSERT_PTR_NULL(pl_result_value(NULL));
    CU_ASSERT_STRING_EQUAL(pl_result_error(NULL), "");
    CU_ASSERT_EQUAL(pl_result_worker(NULL), -1);
    CU_ASSERT_EQUAL(pl_result_start_ns(NULL), 0);
    CU_ASSERT_EQUAL(pl_result_end_ns(NULL), 0);
    PL_EXPECT_RC(pl_result_set_status(NULL, PL_TASK_OK, NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_result_set_worker(NULL, 1), PL_EINVAL);
    PL_EXPECT_RC(pl_result_set_times(NULL, 1, 2), PL_EINVAL);
    PL_EXPECT_RC(pl_result_take_value(NULL, v), PL_EINVAL);
    PL_EXPECT_RC(pl_result_take_value(r, NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_result_assign(NULL, r), PL_EINVAL);
    PL_EXPECT_RC(pl_result_assign(r, NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_result_encode(NULL, b), PL_EINVAL);
    PL_EXPECT_RC(pl_result_encode(r, NULL), PL_EINVAL);
    pl_result *out = NULL;
    PL_EXPECT_RC(pl_result_decode(NULL, 3, &out, NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_result_decode(pl_buf_data(b), 0, NULL, NULL), PL_EINVAL);
    char line[16];
    PL_EXPECT_RC(pl_result_format(NULL, line, sizeof line), PL_EINVAL);
    PL_EXPECT_RC(pl_result_format(r, NULL, 5), PL_EINVAL);
    PL_EXPECT_RC(pl_results_settle(NULL, 3, PL_TASK_FAILED, "x"), PL_EINVAL);
    PL_EXPECT_RC(pl_results_settle(NULL, 0, PL_TASK_FAILED, "x"), PL_OK);
    CU_ASSERT_EQUAL(pl_results_max_overlap(NULL, 5), 0);
    pl_result_free(r);
    pl_value_free(v);
    pl_buf_free(b);
}

static void test_set_status(void)
{
    pl_result *r = pl_result_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    PL_EXPECT_RC(pl_result_set_status(r, PL_TASK_FAILED, "item %d: %s", 3, "bad"), PL_OK);
    CU_ASSERT_EQUAL(pl_result_status(r), PL_TASK_FAILED);
    CU_ASSERT_STRING_EQUAL(pl_result_error(r), "item 3: bad");
    /* Its own text as an argument: formatted from a copy, not overlapping memory. */
    PL_EXPECT_RC(pl_result_set_status(r, PL_TASK_TIMEOUT, "late; was %s", pl_result_error(r)), PL_OK);
    CU_ASSERT_STRING_EQUAL(pl_result_error(r), "late; was item 3: bad");
    PL_EXPECT_RC(pl_result_set_status(r, PL_TASK_OK, NULL), PL_OK);
    CU_ASSERT_STRING_EQUAL(pl_result_error(r), "");
    PL_EXPECT_RC(pl_result_set_status(r, (pl_task_status)PL_TASK_STATUS_COUNT, "x"), PL_EINVAL);
    PL_EXPECT_RC(pl_result_set_status(r, (pl_task_status)-1, "x"), PL_EINVAL);
    CU_ASSERT_EQUAL(pl_result_status(r), PL_TASK_OK); /* unchanged by the refused calls */
    pl_result_free(r);
}

static void test_error_truncated(void)
{
    char long_text[1000];
    memset(long_text, 'e', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    pl_result *r = pl_result_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    pl_result_set_status(r, PL_TASK_FAILED, "%s", long_text);
    CU_ASSERT_EQUAL(strlen(pl_result_error(r)), PL_ERROR_MAX - 1);
    pl_result_free(r);
}

static void test_times_and_worker(void)
{
    pl_result *r = pl_result_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    PL_EXPECT_RC(pl_result_set_times(r, 100, 250), PL_OK);
    CU_ASSERT_EQUAL(pl_result_start_ns(r), 100);
    CU_ASSERT_EQUAL(pl_result_end_ns(r), 250);
    PL_EXPECT_RC(pl_result_set_times(r, 300, 200), PL_EINVAL); /* time does not run backwards */
    PL_EXPECT_RC(pl_result_set_times(r, -1, 5), PL_EINVAL);
    PL_EXPECT_RC(pl_result_set_times(r, 5, -1), PL_EINVAL);
    CU_ASSERT_EQUAL(pl_result_start_ns(r), 100);
    PL_EXPECT_RC(pl_result_set_times(r, 500, 0), PL_OK); /* started, not ended */
    PL_EXPECT_RC(pl_result_set_worker(r, 12345), PL_OK);
    CU_ASSERT_EQUAL(pl_result_worker(r), 12345);
    pl_result_free(r);
}

static pl_result *make_result(pl_task_status st, pl_value *v, const char *why, int64_t worker, int64_t s,
                              int64_t e)
{
    pl_result *r = pl_result_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    if (v != NULL) {
        pl_result_take_value(r, v);
        pl_value_free(v);
    }
    pl_result_set_status(r, st, "%s", why);
    pl_result_set_worker(r, worker);
    pl_result_set_times(r, s, e);
    return r;
}

static int results_equal(const pl_result *a, const pl_result *b)
{
    return pl_result_status(a) == pl_result_status(b) && pl_value_equal(pl_result_value(a), pl_result_value(b)) &&
           strcmp(pl_result_error(a), pl_result_error(b)) == 0 && pl_result_worker(a) == pl_result_worker(b) &&
           pl_result_start_ns(a) == pl_result_start_ns(b) && pl_result_end_ns(a) == pl_result_end_ns(b);
}

static void test_take_value_copy_assign(void)
{
    pl_value *v = pl_value_new_str("answer");
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    pl_result *r = make_result(PL_TASK_OK, v, "", 3, 10, 20);
    CU_ASSERT_STRING_EQUAL(pl_value_str(pl_result_value(r)), "answer");
    pl_result *c = pl_result_copy(r);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_TRUE(results_equal(r, c));
    CU_ASSERT_PTR_NOT_EQUAL(pl_result_value(r), pl_result_value(c));
    pl_result *d = make_result(PL_TASK_FAILED, pl_value_new_int(1), "old", 9, 1, 2);
    PL_EXPECT_RC(pl_result_assign(d, r), PL_OK);
    CU_ASSERT_TRUE(results_equal(d, r));
    PL_EXPECT_RC(pl_result_assign(d, d), PL_OK);
    CU_ASSERT_TRUE(results_equal(d, r));
    pl_result_free(r);
    pl_result_free(c);
    pl_result_free(d);
}

static void test_wire_round_trip(void)
{
    pl_result *rs[] = {
        make_result(PL_TASK_OK, pl_value_new_int(INT64_MIN), "", 0, 1, 2),
        make_result(PL_TASK_FAILED, NULL, "fail: 7", 4242, 1000, 5000),
        make_result(PL_TASK_CRASHED, NULL, "killed by SIGSEGV", -1, 0, 0),
        make_result(PL_TASK_OK, pl_value_new_bytes("\0\0", 2), "", INT32_MAX, INT64_MAX - 1, INT64_MAX),
        pl_result_new(),
    };
    pl_buf *b = pl_buf_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    for (size_t k = 0; k < sizeof rs / sizeof rs[0]; k++) {
        PL_EXPECT_RC(pl_result_encode(rs[k], b), PL_OK);
    }
    const uint8_t *p = pl_buf_data(b);
    size_t left = pl_buf_len(b);
    for (size_t k = 0; k < sizeof rs / sizeof rs[0]; k++) {
        pl_result *back = NULL;
        size_t used = 0;
        PL_EXPECT_RC(pl_result_decode(p, left, &back, &used), PL_OK);
        CU_ASSERT_TRUE(results_equal(back, rs[k]));
        CU_ASSERT_FATAL(used > 0 && used <= left);
        p += used;
        left -= used;
        pl_result_free(back);
        pl_result_free(rs[k]);
    }
    CU_ASSERT_EQUAL(left, 0);
    pl_buf_free(b);
}

static void test_truncated_at_every_cut(void)
{
    pl_result *r = make_result(PL_TASK_OK, pl_value_new_str("value"), "", 2, 3, 4);
    pl_result *f = make_result(PL_TASK_FAILED, NULL, "why it failed", 2, 3, 4);
    pl_result *both[2] = {r, f};
    for (int k = 0; k < 2; k++) {
        pl_buf *b = pl_buf_new();
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        pl_result_encode(both[k], b);
        for (size_t cut = 0; cut < pl_buf_len(b); cut++) {
            uint8_t *prefix = malloc(cut > 0 ? cut : 1);
            CU_ASSERT_PTR_NOT_NULL_FATAL(prefix);
            memcpy(prefix, pl_buf_data(b), cut);
            pl_result *out = (pl_result *)prefix;
            PL_EXPECT_RC(pl_result_decode(prefix, cut, &out, NULL), PL_EWIRE);
            CU_ASSERT_PTR_NULL(out);
            free(prefix);
        }
        pl_buf_free(b);
    }
    pl_result_free(r);
    pl_result_free(f);
}

/* Encode a result, change one byte at offset `at` to `byte`, expect PL_EWIRE. */
static void expect_corrupt_at(size_t at, uint8_t byte)
{
    pl_result *r = make_result(PL_TASK_FAILED, NULL, "abc", 1, 2, 3);
    pl_buf *b = pl_buf_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    pl_result_encode(r, b);
    uint8_t *copy = malloc(pl_buf_len(b));
    CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
    memcpy(copy, pl_buf_data(b), pl_buf_len(b));
    copy[at] = byte;
    pl_result *out = NULL;
    PL_EXPECT_RC(pl_result_decode(copy, pl_buf_len(b), &out, NULL), PL_EWIRE);
    CU_ASSERT_PTR_NULL(out);
    free(copy);
    pl_buf_free(b);
    pl_result_free(r);
}

static void test_corrupt_fields(void)
{
    /* Layout: status@0, worker@1, start@9, end@17, error length@25..28, text@29, value@32. */
    expect_corrupt_at(0, PL_TASK_STATUS_COUNT); /* unknown status */
    expect_corrupt_at(0, 0xff);
    expect_corrupt_at(25, 0xff);  /* error length absurd */
    expect_corrupt_at(28, 0xff);  /* error length 255 + past the end */
    expect_corrupt_at(30, '\0');  /* a NUL inside the error text */
    expect_corrupt_at(32, 0x7f);  /* unknown value type */
}

static void test_error_length_limit(void)
{
    /* Even if the bytes are there, an error longer than PL_ERROR_MAX-1 is refused. */
    pl_buf *b = pl_buf_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    pl_buf_put_u8(b, PL_TASK_FAILED);
    pl_buf_put_u64(b, 0);
    pl_buf_put_u64(b, 0);
    pl_buf_put_u64(b, 0);
    pl_buf_put_u32(b, PL_ERROR_MAX);
    for (int i = 0; i < PL_ERROR_MAX; i++) {
        pl_buf_put_u8(b, 'x');
    }
    pl_buf_put_u8(b, PL_VAL_NONE);
    pl_result *out = NULL;
    PL_EXPECT_RC(pl_result_decode(pl_buf_data(b), pl_buf_len(b), &out, NULL), PL_EWIRE);
    CU_ASSERT_PTR_NULL(out);
    pl_buf_free(b);
}

static void test_format(void)
{
    char line[128];
    pl_result *ok = make_result(PL_TASK_OK, pl_value_new_int(42), "", 3, 1000000, 2200000);
    pl_result_format(ok, line, sizeof line);
    CU_ASSERT_STRING_EQUAL(line, "OK 42 (worker 3, 1.2 ms)");
    pl_result *bare = make_result(PL_TASK_OK, pl_value_new_str("x"), "", -1, 0, 0);
    pl_result_format(bare, line, sizeof line);
    CU_ASSERT_STRING_EQUAL(line, "OK \"x\"");
    pl_result *failed = make_result(PL_TASK_FAILED, NULL, "why", 1, 5, 6);
    int n = pl_result_format(failed, line, sizeof line);
    CU_ASSERT_STRING_EQUAL(line, "FAILED: why");
    CU_ASSERT_EQUAL(n, 11);
    pl_result *pending = pl_result_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(pending);
    pl_result_format(pending, line, sizeof line);
    CU_ASSERT_STRING_EQUAL(line, "PENDING");
    char tiny[4];
    CU_ASSERT_EQUAL(pl_result_format(failed, tiny, sizeof tiny), 11);
    CU_ASSERT_STRING_EQUAL(tiny, "FAI");
    pl_result_free(ok);
    pl_result_free(bare);
    pl_result_free(failed);
    pl_result_free(pending);
}

static void test_settle(void)
{
    pl_result *slots[4] = {NULL, NULL, NULL, NULL};
    slots[1] = make_result(PL_TASK_OK, pl_value_new_int(1), "", 0, 1, 2);
    slots[2] = pl_result_new(); /* PENDING */
    PL_EXPECT_RC(pl_results_settle(slots, 4, PL_TASK_TIMEOUT, "too late"), PL_OK);
    CU_ASSERT_EQUAL(pl_test_count_not_final(slots, 4), 0);
    CU_ASSERT_EQUAL(pl_test_count_filled(slots, 4), 4);
    PL_EXPECT_STATUS(slots[0], PL_TASK_TIMEOUT);
    PL_EXPECT_STATUS(slots[1], PL_TASK_OK); /* a final status is never replaced */
    PL_EXPECT_STATUS(slots[2], PL_TASK_TIMEOUT);
    PL_EXPECT_STATUS(slots[3], PL_TASK_TIMEOUT);
    CU_ASSERT_STRING_EQUAL(pl_result_error(slots[0]), "too late");
    /* Settling twice changes nothing: exactly one final status each. */
    pl_result *before = slots[0];
    PL_EXPECT_RC(pl_results_settle(slots, 4, PL_TASK_FAILED, "again"), PL_OK);
    CU_ASSERT_PTR_EQUAL(slots[0], before);
    PL_EXPECT_STATUS(slots[0], PL_TASK_TIMEOUT);
    /* PENDING is not a final status; NULL why is an empty text. */
    PL_EXPECT_RC(pl_results_settle(slots, 4, PL_TASK_PENDING, "x"), PL_EINVAL);
    PL_EXPECT_RC(pl_results_settle(slots, 4, (pl_task_status)42, "x"), PL_EINVAL);
    pl_result *one[1] = {NULL};
    PL_EXPECT_RC(pl_results_settle(one, 1, PL_TASK_CANCELLED, NULL), PL_OK);
    PL_EXPECT_STATUS(one[0], PL_TASK_CANCELLED);
    CU_ASSERT_STRING_EQUAL(pl_result_error(one[0]), "");
    pl_result_free(one[0]);
    for (int i = 0; i < 4; i++) {
        pl_result_free(slots[i]);
    }
}

/* n results with the given [start, end) pairs (ns). */
static int overlap_of(const int64_t (*iv)[2], size_t n)
{
    pl_result *rs[16] = {NULL};
    for (size_t i = 0; i < n; i++) {
        rs[i] = make_result(PL_TASK_OK, NULL, "", (int64_t)i, iv[i][0], iv[i][1]);
    }
    int m = pl_results_max_overlap(rs, n);
    for (size_t i = 0; i < n; i++) {
        pl_result_free(rs[i]);
    }
    return m;
}

static void test_max_overlap(void)
{
    static const int64_t disjoint[3][2] = {{10, 20}, {30, 40}, {50, 60}};
    static const int64_t touching[3][2] = {{10, 20}, {20, 30}, {30, 40}}; /* [start, end): no overlap */
    static const int64_t nested[4][2] = {{10, 100}, {20, 30}, {25, 90}, {95, 99}};
    static const int64_t all_at_once[5][2] = {{10, 50}, {11, 50}, {12, 50}, {13, 50}, {14, 50}};
    static const int64_t untimed[3][2] = {{0, 0}, {0, 0}, {10, 20}};
    static const int64_t instant[2][2] = {{10, 10}, {10, 10}}; /* zero length still ran */
    CU_ASSERT_EQUAL(overlap_of(disjoint, 3), 1);
    CU_ASSERT_EQUAL(overlap_of(touching, 3), 1);
    CU_ASSERT_EQUAL(overlap_of(nested, 4), 3);
    CU_ASSERT_EQUAL(overlap_of(all_at_once, 5), 5);
    CU_ASSERT_EQUAL(overlap_of(untimed, 3), 1);
    CU_ASSERT_EQUAL(overlap_of(untimed, 2), 0);
    CU_ASSERT_EQUAL(overlap_of(instant, 2), 2);
    CU_ASSERT_EQUAL(overlap_of(disjoint, 0), 0);
    pl_result *with_null[3] = {NULL, NULL, NULL};
    CU_ASSERT_EQUAL(pl_results_max_overlap(with_null, 3), 0);
}

/* The error text belongs to the result, is copied by assign and survives encode/decode; "" is no text. */
static void test_error_text_owned(void)
{
    pl_result *r = pl_result_new();
    pl_result *c = pl_result_new();
    CU_ASSERT_FATAL(r != NULL && c != NULL);
    PL_EXPECT_STR(pl_result_error(r), "");
    pl_result_set_status(r, PL_TASK_FAILED, "first %d", 1);
    /* Its own text as an argument: formatted before the old text goes. */
    pl_result_set_status(r, PL_TASK_FAILED, "%s, then %s", pl_result_error(r), "second");
    PL_EXPECT_STR(pl_result_error(r), "first 1, then second");
    PL_EXPECT_RC(pl_result_assign(c, r), PL_OK);
    pl_result_set_status(r, PL_TASK_OK, NULL);
    PL_EXPECT_STR(pl_result_error(r), "");
    PL_EXPECT_STR(pl_result_error(c), "first 1, then second");
    pl_buf *b = pl_buf_new();
    pl_result *back = NULL;
    PL_EXPECT_RC(pl_result_encode(c, b), PL_OK);
    PL_EXPECT_RC(pl_result_decode(pl_buf_data(b), pl_buf_len(b), &back, NULL), PL_OK);
    PL_EXPECT_STR(pl_result_error(back), "first 1, then second");
    pl_buf_reset(b);
    PL_EXPECT_RC(pl_result_encode(r, b), PL_OK);
    pl_result_free(back);
    back = NULL;
    PL_EXPECT_RC(pl_result_decode(pl_buf_data(b), pl_buf_len(b), &back, NULL), PL_OK);
    PL_EXPECT_STR(pl_result_error(back), "");
    pl_result_free(back);
    pl_buf_free(b);
    pl_result_free(c);
    pl_result_free(r);
}

/* The shared out-of-memory result: FAILED with a reason, read-only, never freed. */
static void test_out_of_memory_result(void)
{
    pl_result *oom = pl_result_out_of_memory();
    CU_ASSERT_PTR_NOT_NULL_FATAL(oom);
    PL_EXPECT_STATUS(oom, PL_TASK_FAILED);
    CU_ASSERT_PTR_NOT_NULL(strstr(pl_result_error(oom), "out of memory"));
    PL_EXPECT_EQ(pl_result_worker(oom), -1);
    PL_EXPECT_RC(pl_result_set_status(oom, PL_TASK_OK, NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_result_set_worker(oom, 3), PL_EINVAL);
    PL_EXPECT_RC(pl_result_set_times(oom, 1, 2), PL_EINVAL);
    pl_value *v = pl_value_new_int(5);
    PL_EXPECT_RC(pl_result_take_value(oom, v), PL_EINVAL);
    pl_value_free(v);
    pl_result_free(oom); /* ignored */
    PL_EXPECT_STATUS(pl_result_out_of_memory(), PL_TASK_FAILED);
    pl_result *c = pl_result_copy(oom); /* a copy is an ordinary result */
    PL_EXPECT_STATUS(c, PL_TASK_FAILED);
    PL_EXPECT_RC(pl_result_set_worker(c, 3), PL_OK);
    pl_result_free(c);
    /* A worker must fit 32 bits. */
    pl_result *r = pl_result_new();
    PL_EXPECT_RC(pl_result_set_worker(r, (int64_t)INT32_MAX + 1), PL_EINVAL);
    PL_EXPECT_RC(pl_result_set_worker(r, INT32_MIN), PL_OK);
    pl_result_free(r);
}

/*
 * Results come from slabs but are freed one by one, in any order: free
 * every other one, then the rest backwards, with values and error texts
 * in them (under ASan each is its own block; elsewhere this walks slabs).
 */
static void test_slab_free_any_order(void)
{
    enum { N = 1000 };
    pl_result **rs = calloc(N, sizeof *rs);
    CU_ASSERT_PTR_NOT_NULL_FATAL(rs);
    for (size_t i = 0; i < N; i++) {
        rs[i] = pl_result_new();
        CU_ASSERT_PTR_NOT_NULL_FATAL(rs[i]);
        PL_EXPECT_STATUS(rs[i], PL_TASK_PENDING);
        pl_value *v = i % 3 == 0 ? pl_value_new_str("text") : pl_value_new_int((int64_t)i);
        pl_result_take_value(rs[i], v);
        pl_value_free(v);
        pl_result_set_status(rs[i], i % 2 ? PL_TASK_OK : PL_TASK_FAILED, i % 2 ? NULL : "why %zu", i);
    }
    for (size_t i = 0; i < N; i += 2) {
        pl_result_free(rs[i]);
        rs[i] = NULL;
    }
    for (size_t i = N; i-- > 0;) {
        if (rs[i] != NULL) {
            int64_t x = -1;
            if (i % 3 != 0) {
                pl_value_get_int(pl_result_value(rs[i]), &x);
                PL_EXPECT_EQ(x, (int64_t)i);
            }
            pl_result_free(rs[i]);
        }
    }
    free(rs);
}

static const pl_test_case cases[] = {
    {"new_defaults", test_new_defaults},
    {"null_arguments", test_null_arguments},
    {"set_status", test_set_status},
    {"error_truncated", test_error_truncated},
    {"times_and_worker", test_times_and_worker},
    {"take_value_copy_assign", test_take_value_copy_assign},
    {"wire_round_trip", test_wire_round_trip},
    {"truncated_at_every_cut", test_truncated_at_every_cut},
    {"corrupt_fields", test_corrupt_fields},
    {"error_length_limit", test_error_length_limit},
    {"format", test_format},
    {"settle", test_settle},
    {"max_overlap", test_max_overlap},
    {"error_text_owned", test_error_text_owned},
    {"out_of_memory_result", test_out_of_memory_result},
    {"slab_free_any_order", test_slab_free_any_order},
    {NULL, NULL},
};

const pl_test_suite pl_suite_result = {"common_result", NULL, NULL, cases};
