/*
 * test_value.c - the owned tagged value: constructors, getters, setters,
 * copy/move/equal, printing, and the wire encoding (round trips of every
 * kind, truncation at every cut point, corrupt bytes).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common_suites.h"
#include "pl_value.h"
#include "pl_wire.h"
#include "testkit.h"

/* ---------------------------------------------------------------- basics */

static void test_constructors_and_getters(void)
{
    int64_t i = 0;
    double d = 0;
    pl_value *n = pl_value_new();
    pl_value *vi = pl_value_new_int(-7);
    pl_value *vd = pl_value_new_double(2.5);
    pl_value *vs = pl_value_new_str("hola");
    pl_value *vb = pl_value_new_bytes("a\0b", 3);
    CU_ASSERT_FATAL(n && vi && vd && vs && vb);
    CU_ASSERT_EQUAL(pl_value_type_of(n), PL_VAL_NONE);
    CU_ASSERT_EQUAL(pl_value_type_of(vi), PL_VAL_INT);
    CU_ASSERT_EQUAL(pl_value_type_of(vd), PL_VAL_DOUBLE);
    CU_ASSERT_EQUAL(pl_value_type_of(vs), PL_VAL_STR);
    CU_ASSERT_EQUAL(pl_value_type_of(vb), PL_VAL_BYTES);
    PL_EXPECT_RC(pl_value_get_int(vi, &i), PL_OK);
    CU_ASSERT_EQUAL(i, -7);
    PL_EXPECT_RC(pl_value_get_double(vd, &d), PL_OK);
    CU_ASSERT_EQUAL(d, 2.5);
    CU_ASSERT_STRING_EQUAL(pl_value_str(vs), "hola");
    size_t len = 99;
    const unsigned char *b = pl_value_bytes(vb, &len);
    CU_ASSERT_EQUAL(len, 3);
    CU_ASSERT(b != NULL && memcmp(b, "a\0b", 3) == 0);
    /* Getters of another type refuse instead of reinterpreting. */
    PL_EXPECT_RC(pl_value_get_int(vd, &i), PL_EINVAL);
    PL_EXPECT_RC(pl_value_get_double(vi, &d), PL_EINVAL);
    PL_EXPECT_RC(pl_value_get_int(n, &i), PL_EINVAL);
    CU_ASSERT_PTR_NULL(pl_value_str(vb));
    CU_ASSERT_PTR_NULL(pl_value_bytes(vs, &len));
    CU_ASSERT_PTR_NULL(pl_value_str(vi));
    pl_value_free(n);
    pl_value_free(vi);
    pl_value_free(vd);
    pl_value_free(vs);
    pl_value_free(vb);
}

static void test_null_arguments(void)
{
    int64_t i;
    double d;
    size_t len;
    pl_value *v = pl_value_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    CU_ASSERT_PTR_NULL(pl_value_new_str(NULL));
    CU_ASSERT_PTR_NULL(pl_value_new_bytes(NULL, 3));
    CU_ASSERT_PTR_NULL(pl_value_copy(NULL));
    pl_value_free(NULL);
    CU_ASSERT_EQUAL(pl_value_type_of(NULL), PL_VAL_NONE);
    PL_EXPECT_RC(pl_value_get_int(NULL, &i), PL_EINVAL);
    PL_EXPECT_RC(pl_value_get_double(NULL, &d), PL_EINVAL);
    pl_value_set_int(v, 1);
    PL_EXPECT_RC(pl_value_get_int(v, NULL), PL_EINVAL);
    CU_ASSERT_PTR_NULL(pl_value_str(NULL));
    CU_ASSERT_PTR_NULL(pl_value_bytes(NULL, &len));
    CU_ASSERT_PTR_NULL(pl_value_bytes(NULL, NULL));
    PL_EXPECT_RC(pl_value_set_none(NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_value_set_int(NULL, 1), PL_EINVAL);
    PL_EXPECT_RC(pl_value_set_double(NULL, 1), PL_EINVAL);
    PL_EXPECT_RC(pl_value_set_str(NULL, "x"), PL_EINVAL);
    PL_EXPECT_RC(pl_value_set_str(v, NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_value_set_bytes(NULL, "x", 1), PL_EINVAL);
    PL_EXPECT_RC(pl_value_set_bytes(v, NULL, 1), PL_EINVAL);
    PL_EXPECT_RC(pl_value_move(NULL, v), PL_EINVAL);
    PL_EXPECT_RC(pl_value_move(v, NULL), PL_EINVAL);
    /* A refused setter leaves the old content alone. */
    CU_ASSERT(pl_value_get_int(v, &i) == PL_OK && i == 1);
    CU_ASSERT_EQUAL(pl_value_equal(NULL, NULL), 1);
    CU_ASSERT_EQUAL(pl_value_equal(v, NULL), 0);
    CU_ASSERT_EQUAL(pl_value_equal(NULL, v), 0);
    char buf[8];
    PL_EXPECT_RC(pl_value_format(NULL, buf, sizeof buf), PL_EINVAL);
    PL_EXPECT_RC(pl_value_format(v, NULL, 8), PL_EINVAL);
    PL_EXPECT_RC(pl_value_encode(NULL, NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_value_encode(v, NULL), PL_EINVAL);
    pl_value *out = v;
    PL_EXPECT_RC(pl_value_decode(NULL, 5, &out, NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_value_decode((const uint8_t *)"\0", 1, NULL, NULL), PL_EINVAL);
    pl_value_free(v);
}

static void test_empty_bytes_and_str(void)
{
    pl_value *s = pl_value_new_str("");
    pl_value *b = pl_value_new_bytes(NULL, 0);
    CU_ASSERT_FATAL(s && b);
    CU_ASSERT_STRING_EQUAL(pl_value_str(s), "");
    size_t len = 7;
    CU_ASSERT_PTR_NOT_NULL(pl_value_bytes(b, &len)); /* valid pointer, zero length */
    CU_ASSERT_EQUAL(len, 0);
    CU_ASSERT_FALSE(pl_value_equal(s, b)); /* same bytes, different type */
    pl_value_free(s);
    pl_value_free(b);
}

static void test_setters_replace(void)
{
    pl_value *v = pl_value_new_str("first");
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    PL_EXPECT_RC(pl_value_set_int(v, 5), PL_OK); /* frees the string (valgrind checks) */
    PL_EXPECT_RC(pl_value_set_bytes(v, "xyz", 3), PL_OK);
    PL_EXPECT_RC(pl_value_set_double(v, -1.0), PL_OK);
    PL_EXPECT_RC(pl_value_set_str(v, "second"), PL_OK);
    /* Setting a value from its own content must not read freed memory. */
    PL_EXPECT_RC(pl_value_set_str(v, pl_value_str(v)), PL_OK);
    CU_ASSERT_STRING_EQUAL(pl_value_str(v), "second");
    PL_EXPECT_RC(pl_value_set_none(v), PL_OK);
    CU_ASSERT_EQUAL(pl_value_type_of(v), PL_VAL_NONE);
    pl_value_free(v);
}

static void test_copy_is_deep(void)
{
    pl_value *a = pl_value_new_str("abc");
    pl_value *c = pl_value_copy(a);
    CU_ASSERT_FATAL(a && c);
    CU_ASSERT_TRUE(pl_value_equal(a, c));
    CU_ASSERT_PTR_NOT_EQUAL(pl_value_str(a), pl_value_str(c));
    pl_value_set_str(a, "changed");
    CU_ASSERT_STRING_EQUAL(pl_value_str(c), "abc");
    pl_value_free(a);
    pl_value_free(c);
}

static void test_move(void)
{
    pl_value *src = pl_value_new_bytes("\x01\x02", 2);
    pl_value *dst = pl_value_new_str("old");
    CU_ASSERT_FATAL(src && dst);
    PL_EXPECT_RC(pl_value_move(dst, src), PL_OK);
    CU_ASSERT_EQUAL(pl_value_type_of(src), PL_VAL_NONE);
    CU_ASSERT_EQUAL(pl_value_type_of(dst), PL_VAL_BYTES);
    PL_EXPECT_RC(pl_value_move(dst, dst), PL_OK); /* moving onto itself keeps it */
    CU_ASSERT_EQUAL(pl_value_type_of(dst), PL_VAL_BYTES);
    pl_value_free(src);
    pl_value_free(dst);
}

static void test_equal(void)
{
    pl_value *a = pl_value_new_int(3), *b = pl_value_new_int(3), *c = pl_value_new_double(3.0);
    pl_value *n1 = pl_value_new_double(NAN), *n2 = pl_value_new_double(NAN);
    pl_value *s1 = pl_value_new_bytes("ab", 2), *s2 = pl_value_new_bytes("ac", 2);
    pl_value *none1 = pl_value_new(), *none2 = pl_value_new();
    CU_ASSERT_FATAL(a && b && c && n1 && n2 && s1 && s2 && none1 && none2);
    CU_ASSERT_TRUE(pl_value_equal(a, b));
    CU_ASSERT_FALSE(pl_value_equal(a, c)); /* int 3 is not double 3.0 */
    CU_ASSERT_TRUE(pl_value_equal(n1, n2));
    CU_ASSERT_FALSE(pl_value_equal(s1, s2));
    CU_ASSERT_TRUE(pl_value_equal(none1, none2));
    pl_value *vs[] = {a, b, c, n1, n2, s1, s2, none1, none2};
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++) {
        pl_value_free(vs[i]);
    }
}

static void expect_format(pl_value *v, const char *want)
{
    char buf[64];
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    int n = pl_value_format(v, buf, sizeof buf);
    CU_ASSERT_EQUAL(n, (int)strlen(want));
    CU_ASSERT_STRING_EQUAL(buf, want);
    pl_value_free(v);
}

static void test_format(void)
{
    expect_format(pl_value_new_int(42), "42");
    expect_format(pl_value_new_int(INT64_MIN), "-9223372036854775808");
    expect_format(pl_value_new_double(3.5), "3.5");
    expect_format(pl_value_new_double(0.1), "0.1");
    expect_format(pl_value_new_double(INFINITY), "inf");
    expect_format(pl_value_new_double(-INFINITY), "-inf");
    expect_format(pl_value_new_double(NAN), "nan");
    expect_format(pl_value_new_str("text"), "\"text\"");
    expect_format(pl_value_new_bytes("\0\0\0\0\0", 5), "<5 bytes>");
    expect_format(pl_value_new(), "None");
}

static void test_format_truncates(void)
{
    pl_value *v = pl_value_new_str("a long piece of text");
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    char buf[6] = "XXXXX";
    int n = pl_value_format(v, buf, sizeof buf);
    CU_ASSERT_EQUAL(n, 22); /* the length it wanted */
    CU_ASSERT_STRING_EQUAL(buf, "\"a lo");
    CU_ASSERT_EQUAL(pl_value_format(v, NULL, 0), 22); /* measuring only */
    buf[0] = 'X';
    CU_ASSERT_EQUAL(pl_value_format(v, buf, 1), 22);
    CU_ASSERT_EQUAL(buf[0], '\0');
    pl_value_free(v);
}

static void test_type_names(void)
{
    CU_ASSERT_STRING_EQUAL(pl_value_type_name(PL_VAL_NONE), "none");
    CU_ASSERT_STRING_EQUAL(pl_value_type_name(PL_VAL_INT), "int");
    CU_ASSERT_STRING_EQUAL(pl_value_type_name(PL_VAL_DOUBLE), "double");
    CU_ASSERT_STRING_EQUAL(pl_value_type_name(PL_VAL_STR), "str");
    CU_ASSERT_STRING_EQUAL(pl_value_type_name(PL_VAL_BYTES), "bytes");
    CU_ASSERT_STRING_EQUAL(pl_value_type_name((pl_value_type)99), "?");
}

static const pl_test_case value_cases[] = {
    {"constructors_and_getters", test_constructors_and_getters},
    {"null_arguments", test_null_arguments},
    {"empty_bytes_and_str", test_empty_bytes_and_str},
    {"setters_replace", test_setters_replace},
    {"copy_is_deep", test_copy_is_deep},
    {"move", test_move},
    {"equal", test_equal},
    {"format", test_format},
    {"format_truncates", test_format_truncates},
    {"type_names", test_type_names},
    {NULL, NULL},
};

const pl_test_suite pl_suite_value = {"common_value", NULL, NULL, value_cases};

/* ---------------------------------------------------------------- wire */

/* Encode v, check the size, decode it back and compare. */
static void round_trip(pl_value *v, size_t expected_size)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    pl_buf *b = pl_buf_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    PL_EXPECT_RC(pl_value_encode(v, b), PL_OK);
    PL_EXPECT_EQ(pl_buf_len(b), expected_size);
    pl_value *back = NULL;
    size_t used = 0;
    PL_EXPECT_RC(pl_value_decode(pl_buf_data(b), pl_buf_len(b), &back, &used), PL_OK);
    PL_EXPECT_EQ(used, expected_size);
    CU_ASSERT_TRUE(pl_value_equal(v, back));
    pl_value_free(back);
    pl_buf_free(b);
    pl_value_free(v);
}

static void test_round_trip_every_kind(void)
{
    round_trip(pl_value_new(), 1);
    round_trip(pl_value_new_int(0), 9);
    round_trip(pl_value_new_int(-1), 9);
    round_trip(pl_value_new_int(INT64_MAX), 9);
    round_trip(pl_value_new_int(INT64_MIN), 9);
    round_trip(pl_value_new_double(0.0), 9);
    round_trip(pl_value_new_double(-0.0), 9);
    round_trip(pl_value_new_double(3.141592653589793), 9);
    round_trip(pl_value_new_double(1e-310), 9); /* subnormal */
    round_trip(pl_value_new_double(NAN), 9);
    round_trip(pl_value_new_double(INFINITY), 9);
    round_trip(pl_value_new_double(-INFINITY), 9);
    round_trip(pl_value_new_str(""), 5);
    round_trip(pl_value_new_str("planta: helecho, roble, cactus"), 5 + 30);
    round_trip(pl_value_new_str("ñandú – UTF-8"), 5 + strlen("ñandú – UTF-8"));
    round_trip(pl_value_new_bytes(NULL, 0), 5);
    round_trip(pl_value_new_bytes("\0\xff\0\x01", 4), 9);
}

static void test_round_trip_long(void)
{
    enum { N = 300000 };
    char *s = malloc(N + 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    for (size_t i = 0; i < N; i++) {
        s[i] = (char)('a' + i % 26);
    }
    s[N] = '\0';
    round_trip(pl_value_new_str(s), 5 + N);
    for (size_t i = 0; i < N; i += 3) {
        s[i] = '\0'; /* bytes may hold NULs anywhere */
    }
    round_trip(pl_value_new_bytes(s, N), 5 + N);
    free(s);
}

static void test_exact_bytes(void)
{
    /* The format is fixed (big-endian), whatever this machine's byte order. */
    pl_buf *b = pl_buf_new();
    pl_value *i = pl_value_new_int(0x0102030405060708LL);
    pl_value *d = pl_value_new_double(1.0);
    pl_value *s = pl_value_new_str("hi");
    CU_ASSERT_FATAL(b && i && d && s);
    pl_value_encode(i, b);
    pl_value_encode(d, b);
    pl_value_encode(s, b);
    static const uint8_t want[] = {
        PL_VAL_INT, 1, 2, 3, 4, 5, 6, 7, 8,
        PL_VAL_DOUBLE, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0,
        PL_VAL_STR, 0, 0, 0, 2, 'h', 'i',
    };
    PL_EXPECT_EQ(pl_buf_len(b), sizeof want);
    CU_ASSERT(pl_buf_len(b) == sizeof want && memcmp(pl_buf_data(b), want, sizeof want) == 0);
    pl_value_free(i);
    pl_value_free(d);
    pl_value_free(s);
    pl_buf_free(b);
}

static void test_decode_sequence(void)
{
    /* Several values one after another: "used" says where the next begins. */
    pl_buf *b = pl_buf_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    pl_value *vals[3] = {pl_value_new_str("one"), pl_value_new_int(2), pl_value_new()};
    for (int k = 0; k < 3; k++) {
        PL_EXPECT_RC(pl_value_encode(vals[k], b), PL_OK);
    }
    const uint8_t *p = pl_buf_data(b);
    size_t left = pl_buf_len(b);
    for (int k = 0; k < 3; k++) {
        pl_value *v = NULL;
        size_t used = 0;
        PL_EXPECT_RC(pl_value_decode(p, left, &v, &used), PL_OK);
        CU_ASSERT_TRUE(pl_value_equal(v, vals[k]));
        CU_ASSERT_FATAL(used > 0 && used <= left);
        p += used;
        left -= used;
        pl_value_free(v);
        pl_value_free(vals[k]);
    }
    CU_ASSERT_EQUAL(left, 0);
    pl_buf_free(b);
}

/* Every proper prefix of a valid encoding is a clear PL_EWIRE, with *out NULL. */
static void expect_every_cut_fails(pl_value *v)
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    pl_buf *b = pl_buf_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    pl_value_encode(v, b);
    size_t n = pl_buf_len(b);
    for (size_t cut = 0; cut < n; cut++) {
        /* A copy of exactly `cut` bytes, so valgrind sees any read past it. */
        uint8_t *prefix = malloc(cut > 0 ? cut : 1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(prefix);
        memcpy(prefix, pl_buf_data(b), cut);
        pl_value *out = (pl_value *)prefix; /* garbage: must be overwritten */
        size_t used = 77;
        PL_EXPECT_RC(pl_value_decode(prefix, cut, &out, &used), PL_EWIRE);
        CU_ASSERT_PTR_NULL(out);
        free(prefix);
    }
    pl_buf_free(b);
    pl_value_free(v);
}

static void test_truncated_at_every_cut(void)
{
    expect_every_cut_fails(pl_value_new());
    expect_every_cut_fails(pl_value_new_int(INT64_MIN));
    expect_every_cut_fails(pl_value_new_double(-2.5));
    expect_every_cut_fails(pl_value_new_str("a string of some length"));
    expect_every_cut_fails(pl_value_new_str(""));
    expect_every_cut_fails(pl_value_new_bytes("\0\1\2\3\0", 5));
}

static void expect_corrupt(const uint8_t *buf, size_t len)
{
    pl_value *out = NULL;
    PL_EXPECT_RC(pl_value_decode(buf, len, &out, NULL), PL_EWIRE);
    CU_ASSERT_PTR_NULL(out);
}

static void test_corrupt_buffers(void)
{
    static const uint8_t unknown_type[] = {5, 0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t huge_type[] = {0xff};
    static const uint8_t nul_in_str[] = {PL_VAL_STR, 0, 0, 0, 3, 'a', 0, 'b'};
    static const uint8_t len_past_end[] = {PL_VAL_BYTES, 0, 0, 0, 9, 1, 2};
    static const uint8_t len_absurd[] = {PL_VAL_STR, 0xff, 0xff, 0xff, 0xff, 'x'};
    static const uint8_t len_above_max[] = {PL_VAL_BYTES, 0x04, 0x00, 0x00, 0x01};
    expect_corrupt(unknown_type, sizeof unknown_type);
    expect_corrupt(huge_type, sizeof huge_type);
    expect_corrupt(nul_in_str, sizeof nul_in_str);
    expect_corrupt(len_past_end, sizeof len_past_end);
    expect_corrupt(len_absurd, sizeof len_absurd);
    expect_corrupt(len_above_max, sizeof len_above_max);
    expect_corrupt(NULL, 0);
    /* Bytes (unlike strings) may contain NUL: the same payload decodes. */
    static const uint8_t nul_in_bytes[] = {PL_VAL_BYTES, 0, 0, 0, 3, 'a', 0, 'b'};
    pl_value *out = NULL;
    PL_EXPECT_RC(pl_value_decode(nul_in_bytes, sizeof nul_in_bytes, &out, NULL), PL_OK);
    pl_value_free(out);
}

/* Random garbage never crashes the decoder (valgrind sees the reads). */
static void test_random_garbage(void)
{
    unsigned seed = 12345;
    for (int round = 0; round < 2000; round++) {
        uint8_t buf[24];
        size_t len = (size_t)(round % 24);
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = (uint8_t)(seed >> 16);
        }
        if (len > 0) {
            buf[0] %= 6; /* mostly valid type bytes, to get past the first check */
        }
        pl_value *out = NULL;
        size_t used = 0;
        int rc = pl_value_decode(buf, len, &out, &used);
        CU_ASSERT(rc == PL_OK || rc == PL_EWIRE);
        CU_ASSERT(rc != PL_OK || (out != NULL && used <= len));
        CU_ASSERT(rc == PL_OK || out == NULL);
        pl_value_free(out);
    }
}

static void test_encode_appends(void)
{
    pl_buf *b = pl_buf_new();
    pl_value *v = pl_value_new_int(1);
    CU_ASSERT_FATAL(b && v);
    pl_buf_put(b, "ab", 2);
    PL_EXPECT_RC(pl_value_encode(v, b), PL_OK);
    CU_ASSERT_EQUAL(pl_buf_len(b), 2 + 9);
    CU_ASSERT(memcmp(pl_buf_data(b), "ab", 2) == 0);
    pl_buf_free(b);
    pl_value_free(v);
}

static const pl_test_case wire_cases[] = {
    {"round_trip_every_kind", test_round_trip_every_kind},
    {"round_trip_long", test_round_trip_long},
    {"exact_bytes", test_exact_bytes},
    {"decode_sequence", test_decode_sequence},
    {"truncated_at_every_cut", test_truncated_at_every_cut},
    {"corrupt_buffers", test_corrupt_buffers},
    {"random_garbage", test_random_garbage},
    {"encode_appends", test_encode_appends},
    {NULL, NULL},
};

const pl_test_suite pl_suite_value_wire = {"common_value_wire", NULL, NULL, wire_cases};
