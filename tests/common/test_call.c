/*
 * test_call.c - the task-call codec (common/pl_call.h): round trips of
 * single calls and chunks, every truncation point, empty and oversized
 * names, trailing bytes, corrupt lengths and counts, and running a call.
 *
 * The byte offsets below follow the layout in pl_call.h:
 *   call   kind@0 tag@1..8 count@9..12 name length@13 name@14.. values
 *   reply  kind@0 tag@1..8 count@9..12 results@13..
 */
#include <stdlib.h>
#include <string.h>

#include "common_suites.h"
#include "pl_call.h"
#include "testkit.h"

/* ---------------------------------------------------------------- helpers */

/* A malloc'd copy of the buffer's bytes (so a test can cut or change them). */
static uint8_t *copy_of(const pl_buf *b)
{
    size_t len = pl_buf_len(b);
    uint8_t *copy = malloc(len > 0 ? len : 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(copy);
    memcpy(copy, pl_buf_data(b), len);
    return copy;
}

/* Decoding these bytes as a call must fail with PL_EWIRE and leave the msg empty. */
static void expect_bad_call(const uint8_t *buf, size_t len)
{
    pl_call_msg m = {.count = 99};
    PL_EXPECT_RC(pl_call_decode(buf, len, &m), PL_EWIRE);
    CU_ASSERT_EQUAL(m.count, 0);
    CU_ASSERT_PTR_NULL(m.args);
}

static void expect_bad_reply(const uint8_t *buf, size_t len)
{
    pl_reply_msg m = {.count = 99};
    PL_EXPECT_RC(pl_reply_decode(buf, len, &m), PL_EWIRE);
    CU_ASSERT_EQUAL(m.count, 0);
    CU_ASSERT_PTR_NULL(m.results);
}

/* The call "square"(7) with tag 5, its bytes in a new buffer. */
static pl_buf *square_call(void)
{
    pl_buf *b = pl_buf_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    pl_value *seven = pl_value_new_int(7);
    PL_EXPECT_RC(pl_call_encode(b, 5, "square", seven), PL_OK);
    pl_value_free(seven);
    return b;
}

/* A reply with two results (OK 49 and FAILED "no"), tag 9. */
static pl_buf *two_results_reply(void)
{
    pl_result *r[2] = {pl_result_new(), pl_result_new()};
    CU_ASSERT_FATAL(r[0] != NULL && r[1] != NULL);
    pl_value *v = pl_value_new_int(49);
    pl_result_take_value(r[0], v);
    pl_value_free(v);
    pl_result_set_status(r[0], PL_TASK_OK, NULL);
    pl_result_set_status(r[1], PL_TASK_FAILED, "no");
    pl_buf *b = pl_buf_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    PL_EXPECT_RC(pl_reply_encode_chunk(b, 9, r, 2), PL_OK);
    pl_result_free(r[0]);
    pl_result_free(r[1]);
    return b;
}

/* ---------------------------------------------------------------- round trips */

static void test_call_round_trip(void)
{
    pl_buf *b = square_call();
    pl_call_msg m = {0};
    PL_EXPECT_RC(pl_call_decode(pl_buf_data(b), pl_buf_len(b), &m), PL_OK);
    CU_ASSERT_EQUAL(m.tag, 5);
    PL_EXPECT_STR(m.task, "square");
    CU_ASSERT_EQUAL_FATAL(m.count, 1);
    int64_t x = 0;
    CU_ASSERT(pl_value_get_int(m.args[0], &x) == PL_OK && x == 7);
    pl_call_msg_clear(&m);
    CU_ASSERT_EQUAL(m.count, 0);
    CU_ASSERT_PTR_NULL(m.args);
    pl_call_msg_clear(&m); /* twice is harmless */
    pl_call_msg_clear(NULL);
    pl_buf_free(b);
}

static void test_call_without_argument_is_none(void)
{
    pl_buf *b = pl_buf_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    PL_EXPECT_RC(pl_call_encode(b, UINT64_MAX, "noop", NULL), PL_OK);
    pl_call_msg m = {0};
    PL_EXPECT_RC(pl_call_decode(pl_buf_data(b), pl_buf_len(b), &m), PL_OK);
    CU_ASSERT_EQUAL(m.tag, UINT64_MAX);
    CU_ASSERT_EQUAL_FATAL(m.count, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m.args[0]);
    CU_ASSERT_EQUAL(pl_value_type_of(m.args[0]), PL_VAL_NONE);
    pl_call_msg_clear(&m);
    pl_buf_free(b);
}

static void test_chunk_round_trip(void)
{
    pl_value *args[] = {pl_value_new_int(-3), pl_value_new_double(2.5), pl_value_new_str("text"),
                        pl_value_new_bytes("\0\1", 2), pl_value_new()};
    size_t n = sizeof args / sizeof args[0];
    pl_buf *b = pl_buf_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    PL_EXPECT_RC(pl_call_encode_chunk(b, 100, "noop", args, n), PL_OK);
    pl_call_msg m = {0};
    PL_EXPECT_RC(pl_call_decode(pl_buf_data(b), pl_buf_len(b), &m), PL_OK);
    CU_ASSERT_EQUAL(m.tag, 100);
    CU_ASSERT_EQUAL_FATAL(m.count, n);
    for (size_t j = 0; j < n; j++) {
        CU_ASSERT(pl_value_equal(m.args[j], args[j])); /* same order, same content */
        pl_value_free(args[j]);
    }
    pl_call_msg_clear(&m);
    pl_buf_free(b);
}

static void test_reply_round_trip(void)
{
    pl_buf *b = two_results_reply();
    pl_reply_msg m = {0};
    PL_EXPECT_RC(pl_reply_decode(pl_buf_data(b), pl_buf_len(b), &m), PL_OK);
    CU_ASSERT_EQUAL(m.tag, 9);
    CU_ASSERT_EQUAL_FATAL(m.count, 2);
    CU_ASSERT(pl_test_is_ok_int(m.results[0], 49));
    PL_EXPECT_STATUS(m.results[1], PL_TASK_FAILED);
    PL_EXPECT_STR(pl_result_error(m.results[1]), "no");
    pl_reply_msg_clear(&m);
    pl_reply_msg_clear(NULL);
    pl_buf_free(b);

    /* A single reply, read back with decode_one. */
    pl_result *r = pl_result_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    pl_result_set_status(r, PL_TASK_CRASHED, "killed by SIGSEGV");
    pl_result_set_worker(r, 4242);
    b = pl_buf_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    PL_EXPECT_RC(pl_reply_encode(b, 3, r), PL_OK);
    uint64_t tag = 0;
    pl_result *back = NULL;
    PL_EXPECT_RC(pl_reply_decode_one(pl_buf_data(b), pl_buf_len(b), &tag, &back), PL_OK);
    CU_ASSERT_EQUAL(tag, 3);
    PL_EXPECT_STATUS(back, PL_TASK_CRASHED);
    CU_ASSERT_EQUAL(pl_result_worker(back), 4242);
    pl_result_free(back);
    pl_result_free(r);
    pl_buf_free(b);
}

/* A reply with two results is not the answer to one call. */
static void test_decode_one_refuses_a_chunk(void)
{
    pl_buf *b = two_results_reply();
    uint64_t tag = 0;
    pl_result *out = (pl_result *)b; /* must be reset to NULL */
    PL_EXPECT_RC(pl_reply_decode_one(pl_buf_data(b), pl_buf_len(b), &tag, &out), PL_EWIRE);
    CU_ASSERT_PTR_NULL(out);
    pl_buf_free(b);
}

/* ---------------------------------------------------------------- encoder refusals */

static void test_encode_refuses_bad_names(void)
{
    pl_buf *b = pl_buf_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    pl_buf_put_u8(b, 0xee); /* something already in the buffer must survive every refusal */
    char longest[PL_TASK_NAME_MAX];
    memset(longest, 'x', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    char too_long[PL_TASK_NAME_MAX + 1];
    memset(too_long, 'x', sizeof too_long - 1);
    too_long[sizeof too_long - 1] = '\0';

    PL_EXPECT_RC(pl_call_encode(b, 1, "", NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_call_encode(b, 1, NULL, NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_call_encode(b, 1, too_long, NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_call_encode(NULL, 1, "square", NULL), PL_EINVAL);
    CU_ASSERT_EQUAL(pl_buf_len(b), 1);

    /* The longest name that fits still travels, and comes back whole. */
    PL_EXPECT_RC(pl_call_encode(b, 1, longest, NULL), PL_OK);
    pl_call_msg m = {0};
    PL_EXPECT_RC(pl_call_decode(pl_buf_data(b) + 1, pl_buf_len(b) - 1, &m), PL_OK);
    PL_EXPECT_STR(m.task, longest);
    pl_call_msg_clear(&m);
    pl_buf_free(b);
}

static void test_encode_refuses_bad_chunks(void)
{
    pl_buf *b = pl_buf_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    pl_value *args[2] = {pl_value_new_int(1), NULL};
    pl_result *res[2] = {pl_result_new(), NULL};
    PL_EXPECT_RC(pl_call_encode_chunk(b, 1, "square", args, 0), PL_EINVAL);    /* asks nothing */
    PL_EXPECT_RC(pl_call_encode_chunk(b, 1, "square", args, 2), PL_EINVAL);    /* a NULL argument */
    PL_EXPECT_RC(pl_call_encode_chunk(b, 1, "square", NULL, 1), PL_EINVAL);
    PL_EXPECT_RC(pl_reply_encode_chunk(b, 1, res, 0), PL_EINVAL);
    PL_EXPECT_RC(pl_reply_encode_chunk(b, 1, res, 2), PL_EINVAL);               /* a NULL result */
    PL_EXPECT_RC(pl_reply_encode_chunk(b, 1, NULL, 1), PL_EINVAL);
    PL_EXPECT_RC(pl_reply_encode(b, 1, NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_reply_encode(NULL, 1, res[0]), PL_EINVAL);
    CU_ASSERT_EQUAL(pl_buf_len(b), 0); /* a refused chunk leaves no half message behind */
    pl_value_free(args[0]);
    pl_result_free(res[0]);
    pl_buf_free(b);
}

/* ---------------------------------------------------------------- decoder refusals */

/* Every proper prefix of a good message is a truncated one. */
static void test_every_truncation_point(void)
{
    pl_value *args[] = {pl_value_new_str("abc"), pl_value_new_int(2)};
    pl_buf *calls = pl_buf_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(calls);
    PL_EXPECT_RC(pl_call_encode_chunk(calls, 7, "noop", args, 2), PL_OK);
    pl_buf *replies = two_results_reply();
    uint8_t *c = copy_of(calls);
    uint8_t *r = copy_of(replies);
    for (size_t cut = 0; cut < pl_buf_len(calls); cut++) {
        expect_bad_call(c, cut);
    }
    for (size_t cut = 0; cut < pl_buf_len(replies); cut++) {
        expect_bad_reply(r, cut);
    }
    free(c);
    free(r);
    pl_buf_free(calls);
    pl_buf_free(replies);
    pl_value_free(args[0]);
    pl_value_free(args[1]);
}

static void test_trailing_bytes(void)
{
    pl_buf *b = square_call();
    pl_buf_put_u8(b, 0);
    expect_bad_call(pl_buf_data(b), pl_buf_len(b));
    pl_buf_free(b);
    b = two_results_reply();
    pl_buf_put_u8(b, 0);
    expect_bad_reply(pl_buf_data(b), pl_buf_len(b));
    pl_buf_free(b);
}

/* The square call with byte `at` set to `byte` must be refused. */
static void expect_corrupt_call_at(size_t at, uint8_t byte)
{
    pl_buf *b = square_call();
    uint8_t *copy = copy_of(b);
    CU_ASSERT_FATAL(at < pl_buf_len(b));
    copy[at] = byte;
    expect_bad_call(copy, pl_buf_len(b));
    free(copy);
    pl_buf_free(b);
}

static void test_corrupt_call_fields(void)
{
    expect_corrupt_call_at(0, 'R');  /* a reply's first byte: a crossed pipe */
    expect_corrupt_call_at(0, 0);
    expect_corrupt_call_at(12, 0);   /* count 0 */
    expect_corrupt_call_at(12, 2);   /* count 2, but only one value follows */
    expect_corrupt_call_at(9, 0xff); /* count 4 billion: more than the bytes could hold */
    expect_corrupt_call_at(13, 0);   /* empty name */
    expect_corrupt_call_at(13, PL_TASK_NAME_MAX); /* name too long for any task */
    expect_corrupt_call_at(13, 0xff);
    expect_corrupt_call_at(13, 7);   /* name runs into the value: its tail decodes wrong */
    expect_corrupt_call_at(15, '\0'); /* a NUL inside the name */
    expect_corrupt_call_at(20, 0x7f); /* the value's type byte: unknown type */
}

static void test_corrupt_reply_fields(void)
{
    pl_buf *b = two_results_reply();
    uint8_t *copy = copy_of(b);
    size_t len = pl_buf_len(b);
    static const struct {
        size_t at;
        uint8_t byte;
    } cases[] = {
        {0, 'C'},  /* a call's first byte */
        {12, 0},   /* count 0 */
        {12, 3},   /* count 3, two results follow */
        {9, 0x80}, /* absurd count */
        {13, 0x7f} /* the first result's status byte */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        uint8_t saved = copy[cases[k].at];
        copy[cases[k].at] = cases[k].byte;
        expect_bad_reply(copy, len);
        copy[cases[k].at] = saved;
    }
    expect_bad_reply(copy, 0);
    free(copy);
    pl_buf_free(b);
}

/* A worker answers even a call it cannot decode: under the tag it can still read. */
static void test_peek_tag_of_a_corrupt_call(void)
{
    pl_buf *b = square_call();
    uint8_t *copy = copy_of(b);
    copy[13] = 0; /* empty name: the call is corrupt ... */
    expect_bad_call(copy, pl_buf_len(b));
    uint64_t tag = 0;
    PL_EXPECT_RC(pl_call_peek_tag(copy, pl_buf_len(b), &tag), PL_OK); /* ... its tag is not */
    CU_ASSERT_EQUAL(tag, 5);
    tag = 77;
    PL_EXPECT_RC(pl_call_peek_tag(copy, 8, &tag), PL_EWIRE); /* the tag itself is cut */
    CU_ASSERT_EQUAL(tag, 77);
    copy[0] = 'R';
    PL_EXPECT_RC(pl_call_peek_tag(copy, pl_buf_len(b), &tag), PL_EWIRE); /* not a call at all */
    PL_EXPECT_RC(pl_call_peek_tag(copy, pl_buf_len(b), NULL), PL_EINVAL);
    free(copy);
    pl_buf_free(b);
}

static void test_decode_bad_arguments(void)
{
    pl_call_msg m = {0};
    pl_reply_msg r = {0};
    uint64_t tag;
    pl_result *out;
    PL_EXPECT_RC(pl_call_decode((const uint8_t *)"C", 1, NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_call_decode(NULL, 5, &m), PL_EINVAL);
    PL_EXPECT_RC(pl_reply_decode(NULL, 5, &r), PL_EINVAL);
    PL_EXPECT_RC(pl_reply_decode((const uint8_t *)"R", 1, NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_reply_decode_one((const uint8_t *)"R", 1, NULL, &out), PL_EINVAL);
    PL_EXPECT_RC(pl_reply_decode_one((const uint8_t *)"R", 1, &tag, NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_call_decode(NULL, 0, &m), PL_EWIRE); /* nothing at all: a truncated call */
}

/* ---------------------------------------------------------------- running a call */

/* A call of `n` args to `task` under `tag`, encoded and decoded into *call, as a worker gets it. */
static void decoded_chunk(uint64_t tag, const char *task, pl_value *const args[], size_t n, pl_call_msg *call)
{
    pl_buf *b = pl_buf_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    PL_EXPECT_RC(pl_call_encode_chunk(b, tag, task, args, n), PL_OK);
    *call = (pl_call_msg){0};
    PL_EXPECT_RC(pl_call_decode(pl_buf_data(b), pl_buf_len(b), call), PL_OK); /* *call owns what it holds */
    pl_buf_free(b);
}

static void test_run_answers_every_call_in_order(void)
{
    pl_value *args[] = {pl_value_new_int(3), pl_value_new_str("x"), pl_value_new_int(-4)};
    pl_call_msg call;
    decoded_chunk(40, "square", args, 3, &call);
    pl_reply_msg reply = {0};
    PL_EXPECT_RC(pl_call_run(&call, 77, &reply), PL_OK);
    CU_ASSERT_EQUAL(reply.tag, 40);
    CU_ASSERT_EQUAL_FATAL(reply.count, 3);
    CU_ASSERT(pl_test_is_ok_int(reply.results[0], 9));
    PL_EXPECT_STATUS(reply.results[1], PL_TASK_FAILED); /* square of a string */
    CU_ASSERT(pl_test_is_ok_int(reply.results[2], 16));
    for (size_t j = 0; j < 3; j++) {
        CU_ASSERT_EQUAL(pl_result_worker(reply.results[j]), 77);
        CU_ASSERT(pl_result_start_ns(reply.results[j]) > 0);
        pl_value_free(args[j]);
    }
    /* The reply survives its own trip over the wire. */
    pl_buf *b = pl_buf_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    PL_EXPECT_RC(pl_reply_encode_chunk(b, reply.tag, reply.results, reply.count), PL_OK);
    pl_reply_msg back = {0};
    PL_EXPECT_RC(pl_reply_decode(pl_buf_data(b), pl_buf_len(b), &back), PL_OK);
    CU_ASSERT_EQUAL(back.count, 3);
    pl_reply_msg_clear(&back);
    pl_reply_msg_clear(&reply);
    pl_call_msg_clear(&call);
    pl_buf_free(b);
}

/*
 * Once pl_should_stop() says stop (a CANCEL reached an MPI worker, a map's
 * deadline passed), the calls of a chunk not started yet are not started:
 * CANCELLED, saying so. The first always runs (there is nothing to stop
 * before it: the worker just received the call).
 */
static void test_run_stops_starting_calls_once_stopped(void)
{
    pl_value *args[] = {pl_value_new_int(2), pl_value_new_int(3), pl_value_new_int(4)};
    pl_call_msg call;
    decoded_chunk(5, "square", args, 3, &call);
    pl_cancel *stop = pl_cancel_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(stop);
    pl_cancel_request(stop);
    pl_cancel *previous = pl_cancel_swap_current(stop);
    pl_reply_msg reply = {0};
    PL_EXPECT_RC(pl_call_run(&call, 1, &reply), PL_OK);
    pl_cancel_swap_current(previous);
    CU_ASSERT_EQUAL_FATAL(reply.count, 3);
    CU_ASSERT(pl_test_is_ok_int(reply.results[0], 4));
    for (size_t j = 1; j < 3; j++) {
        PL_EXPECT_STATUS(reply.results[j], PL_TASK_CANCELLED);
        CU_ASSERT_PTR_NOT_NULL(strstr(pl_result_error(reply.results[j]), "not started"));
        CU_ASSERT_EQUAL(pl_result_start_ns(reply.results[j]), 0);
    }
    for (size_t j = 0; j < 3; j++) {
        pl_value_free(args[j]);
    }
    pl_cancel_free(stop);
    pl_reply_msg_clear(&reply);
    pl_call_msg_clear(&call);
}

static void test_run_unknown_task_is_a_result(void)
{
    pl_buf *b = pl_buf_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    PL_EXPECT_RC(pl_call_encode(b, 1, "no_such_task", NULL), PL_OK); /* well-formed, just unknown */
    pl_call_msg call = {0};
    PL_EXPECT_RC(pl_call_decode(pl_buf_data(b), pl_buf_len(b), &call), PL_OK);
    pl_reply_msg reply = {0};
    PL_EXPECT_RC(pl_call_run(&call, 1, &reply), PL_OK);
    CU_ASSERT_EQUAL_FATAL(reply.count, 1);
    PL_EXPECT_STATUS(reply.results[0], PL_TASK_FAILED);
    CU_ASSERT_PTR_NOT_NULL(strstr(pl_result_error(reply.results[0]), "no_such_task"));
    PL_EXPECT_RC(pl_call_run(NULL, 1, &reply), PL_EINVAL);
    PL_EXPECT_RC(pl_call_run(&call, 1, NULL), PL_EINVAL);
    pl_reply_msg_clear(&reply);
    pl_call_msg_clear(&call);
    pl_buf_free(b);
}

/*
 * A chunk stopped before it started (a CANCEL that reached an MPI worker
 * while the chunk still waited in its queue): every call CANCELLED, none
 * run - not even the first, which pl_call_run always starts.
 */
static void test_refuse_runs_none(void)
{
    pl_value *args[] = {pl_value_new_int(2), pl_value_new_int(3)};
    pl_call_msg call;
    decoded_chunk(9, "square", args, 2, &call);
    pl_reply_msg reply = {0};
    PL_EXPECT_RC(pl_call_refuse(&call, 6, &reply), PL_OK);
    CU_ASSERT_EQUAL(reply.tag, 9);
    CU_ASSERT_EQUAL_FATAL(reply.count, 2);
    for (size_t j = 0; j < 2; j++) {
        PL_EXPECT_STATUS(reply.results[j], PL_TASK_CANCELLED);
        CU_ASSERT_PTR_NOT_NULL(strstr(pl_result_error(reply.results[j]), "not started"));
        CU_ASSERT_EQUAL(pl_result_start_ns(reply.results[j]), 0);
        CU_ASSERT_EQUAL(pl_result_worker(reply.results[j]), 6);
        pl_value_free(args[j]);
    }
    PL_EXPECT_RC(pl_call_refuse(NULL, 1, &reply), PL_EINVAL);
    PL_EXPECT_RC(pl_call_refuse(&call, 1, NULL), PL_EINVAL);
    pl_reply_msg_clear(&reply);
    pl_call_msg_clear(&call);
}

/* A reply with a result too big for the limit: that result is FAILED with both sizes, the rest travel. */
static void test_encode_bounded_fails_big_results(void)
{
    pl_result *rs[2] = {pl_result_new(), pl_result_new()};
    pl_value *big = pl_value_new();
    pl_value *small = pl_value_new();
    CU_ASSERT_FATAL(rs[0] != NULL && rs[1] != NULL && big != NULL && small != NULL);
    char blob[5000] = {0};
    pl_value_set_bytes(big, blob, sizeof blob);
    pl_value_set_int(small, 7);
    pl_result_set_status(rs[0], PL_TASK_OK, NULL);
    pl_result_take_value(rs[0], big);
    pl_result_set_status(rs[1], PL_TASK_OK, NULL);
    pl_result_take_value(rs[1], small);
    pl_reply_msg reply = {.tag = 9, .count = 2, .results = rs};
    pl_buf *b = pl_buf_new();
    PL_EXPECT_RC(pl_reply_encode_bounded(b, &reply, 4096), PL_OK);
    CU_ASSERT(pl_buf_len(b) <= 4096);
    PL_EXPECT_STATUS(rs[0], PL_TASK_FAILED);
    CU_ASSERT(strstr(pl_result_error(rs[0]), "result too large: 5005 bytes, limit") != NULL);
    PL_EXPECT_STATUS(rs[1], PL_TASK_OK);
    pl_reply_msg back = {0};
    PL_EXPECT_RC(pl_reply_decode(pl_buf_data(b), pl_buf_len(b), &back), PL_OK);
    CU_ASSERT(back.count == 2 && back.tag == 9);
    if (back.count == 2) {
        PL_EXPECT_STATUS(back.results[0], PL_TASK_FAILED);
        int64_t v = 0;
        CU_ASSERT(pl_value_get_int(pl_result_value(back.results[1]), &v) == PL_OK && v == 7);
    }
    /* Results that fit one by one but not together: the whole chunk is FAILED, and still goes out. */
    pl_result_set_status(rs[0], PL_TASK_OK, NULL);
    pl_value_set_bytes(big, blob, 3000);
    pl_result_take_value(rs[0], big);
    pl_value_set_bytes(small, blob, 3000);
    pl_result_take_value(rs[1], small);
    pl_buf_reset(b);
    PL_EXPECT_RC(pl_reply_encode_bounded(b, &reply, 4096), PL_OK);
    CU_ASSERT(pl_buf_len(b) <= 4096);
    PL_EXPECT_STATUS(rs[0], PL_TASK_FAILED);
    PL_EXPECT_STATUS(rs[1], PL_TASK_FAILED);
    CU_ASSERT(strstr(pl_result_error(rs[1]), "a reply of 2 results") != NULL);
    pl_reply_msg_clear(&back);
    pl_buf_free(b);
    pl_value_free(big);
    pl_value_free(small);
    pl_result_free(rs[0]);
    pl_result_free(rs[1]);
}

static const pl_test_case call_cases[] = {
    {"call_round_trip", test_call_round_trip},
    {"call_without_argument_is_none", test_call_without_argument_is_none},
    {"chunk_round_trip", test_chunk_round_trip},
    {"reply_round_trip", test_reply_round_trip},
    {"decode_one_refuses_a_chunk", test_decode_one_refuses_a_chunk},
    {"encode_refuses_bad_names", test_encode_refuses_bad_names},
    {"encode_refuses_bad_chunks", test_encode_refuses_bad_chunks},
    {"every_truncation_point", test_every_truncation_point},
    {"trailing_bytes", test_trailing_bytes},
    {"corrupt_call_fields", test_corrupt_call_fields},
    {"corrupt_reply_fields", test_corrupt_reply_fields},
    {"peek_tag_of_a_corrupt_call", test_peek_tag_of_a_corrupt_call},
    {"decode_bad_arguments", test_decode_bad_arguments},
    {"run_answers_every_call_in_order", test_run_answers_every_call_in_order},
    {"run_unknown_task_is_a_result", test_run_unknown_task_is_a_result},
    {"refuse_runs_none", test_refuse_runs_none},
    {"run_stops_starting_calls_once_stopped", test_run_stops_starting_calls_once_stopped},
    {"encode_bounded_fails_big_results", test_encode_bounded_fails_big_results},
    {NULL, NULL},
};

const pl_test_suite pl_suite_call = {"common_call", NULL, NULL, call_cases};
