/*
 * test_proto.c - the checker <-> subject protocol's fields (checker/pl_proto.h).
 *
 * The checker decodes what a process running submitted code sent it, so
 * every field must come back as it went, and every short or lying field
 * must be PL_EWIRE - never a crash, never a half-filled value.
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "pl_proto.h"

static void test_fields_round_trip(void)
{
    pl_buf *b = pl_buf_new();
    pl_value *v = pl_value_new_str("planta roja");
    pl_result *r = pl_result_new();
    CU_ASSERT_FATAL(b && v && r);
    pl_result_set_status(r, PL_TASK_FAILED, "boom %d", 7);
    CU_ASSERT(pl_proto_put_i64(b, -42) == PL_OK);
    CU_ASSERT(pl_proto_put_str_opt(b, "square") == PL_OK);
    CU_ASSERT(pl_proto_put_str_opt(b, NULL) == PL_OK);
    CU_ASSERT(pl_proto_put_value_opt(b, v) == PL_OK);
    CU_ASSERT(pl_proto_put_value_opt(b, NULL) == PL_OK);
    CU_ASSERT(pl_proto_put_result_opt(b, r) == PL_OK);
    CU_ASSERT(pl_proto_put_result_opt(b, NULL) == PL_OK);
    pl_reader in;
    pl_reader_init(&in, pl_buf_data(b), pl_buf_len(b));
    int64_t i = 0;
    char *s1 = NULL, *s2 = (char *)"x";
    pl_value *v1 = NULL, *v2 = (pl_value *)1;
    pl_result *r1 = NULL, *r2 = (pl_result *)1;
    CU_ASSERT(pl_proto_get_i64(&in, &i) == PL_OK && i == -42);
    CU_ASSERT(pl_proto_get_str_opt(&in, &s1) == PL_OK && s1 && strcmp(s1, "square") == 0);
    CU_ASSERT(pl_proto_get_str_opt(&in, &s2) == PL_OK && s2 == NULL);
    CU_ASSERT(pl_proto_get_value_opt(&in, &v1) == PL_OK && pl_value_equal(v1, v));
    CU_ASSERT(pl_proto_get_value_opt(&in, &v2) == PL_OK && v2 == NULL);
    CU_ASSERT(pl_proto_get_result_opt(&in, &r1) == PL_OK && r1 && pl_result_status(r1) == PL_TASK_FAILED);
    CU_ASSERT(r1 && strcmp(pl_result_error(r1), "boom 7") == 0);
    CU_ASSERT(pl_proto_get_result_opt(&in, &r2) == PL_OK && r2 == NULL);
    CU_ASSERT(in.left == 0);
    free(s1);
    pl_value_free(v1);
    pl_result_free(r1);
    pl_result_free(r);
    pl_value_free(v);
    pl_buf_free(b);
}

/* Reads one of each field from buf[0..len): the first error, or PL_OK. */
static int read_all(const uint8_t *buf, size_t len)
{
    pl_reader in;
    pl_reader_init(&in, buf, len);
    int64_t i;
    char *s = NULL;
    pl_value *v = NULL;
    pl_result *r = NULL;
    int rc = pl_proto_get_i64(&in, &i);
    rc = rc ? rc : pl_proto_get_str_opt(&in, &s);
    rc = rc ? rc : pl_proto_get_value_opt(&in, &v);
    rc = rc ? rc : pl_proto_get_result_opt(&in, &r);
    free(s);
    pl_value_free(v);
    pl_result_free(r);
    return rc;
}

/* A frame cut anywhere is PL_EWIRE, never a crash or a value read past the end. */
static void test_every_truncation_point(void)
{
    pl_buf *b = pl_buf_new();
    pl_value *v = pl_value_new_int(9);
    pl_result *r = pl_result_new();
    CU_ASSERT_FATAL(b && v && r);
    pl_proto_put_i64(b, 1);
    pl_proto_put_str_opt(b, "fetch");
    pl_proto_put_value_opt(b, v);
    pl_proto_put_result_opt(b, r);
    size_t len = pl_buf_len(b);
    CU_ASSERT(read_all(pl_buf_data(b), len) == PL_OK);
    size_t bad = 0;
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc(cut ? cut : 1); /* exactly cut bytes, so a read past them is valgrind's */
        memcpy(copy, pl_buf_data(b), cut);
        bad += read_all(copy, cut) != PL_EWIRE;
        free(copy);
    }
    CU_ASSERT_EQUAL(bad, 0);
    pl_result_free(r);
    pl_value_free(v);
    pl_buf_free(b);
}

/* Lies a subject could tell: a presence byte of 2, a string with a NUL in it, a string too long. */
static void test_corrupt_fields(void)
{
    static const uint8_t presence[] = {2};
    static const uint8_t nul_inside[] = {0, 0, 0, 3, 'a', 0, 'b'};
    static const uint8_t too_long[] = {0, 0, 0x10, 0x01, 'a'};
    pl_reader in;
    pl_value *v = NULL;
    pl_result *r = NULL;
    char *s = NULL;
    pl_reader_init(&in, presence, sizeof presence);
    CU_ASSERT(pl_proto_get_value_opt(&in, &v) == PL_EWIRE && v == NULL);
    pl_reader_init(&in, presence, sizeof presence);
    CU_ASSERT(pl_proto_get_result_opt(&in, &r) == PL_EWIRE && r == NULL);
    pl_reader_init(&in, nul_inside, sizeof nul_inside);
    CU_ASSERT(pl_proto_get_str_opt(&in, &s) == PL_EWIRE && s == NULL);
    pl_reader_init(&in, too_long, sizeof too_long);
    CU_ASSERT(pl_proto_get_str_opt(&in, &s) == PL_EWIRE && s == NULL);
}

static void test_op_names(void)
{
    CU_ASSERT_STRING_EQUAL(pl_proto_op_name(PL_OP_MAP), "pl_map");
    CU_ASSERT_STRING_EQUAL(pl_proto_op_name(PL_OP_MAP_CHECK), "pl_map (its results compared)");
    CU_ASSERT_STRING_EQUAL(pl_proto_op_name(0), "?");
    CU_ASSERT_STRING_EQUAL(pl_proto_op_name(1000), "?");
}

static const pl_test_case proto_cases[] = {
    {"fields_round_trip", test_fields_round_trip},
    {"every_truncation_point", test_every_truncation_point},
    {"corrupt_fields", test_corrupt_fields},
    {"op_names", test_op_names},
    {NULL, NULL},
};

static const pl_test_suite proto_suite = {"proto", NULL, NULL, proto_cases};

const pl_test_suite *const pl_suites[] = {&proto_suite, NULL};
