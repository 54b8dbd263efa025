/*
 * pl_call.c - the task-call codec (see pl_call.h for the layout and the
 * promises), and running a decoded call on the worker's side.
 *
 * Encoders write straight into the caller's growable buffer and, on any
 * error, cut it back to where it was (pl_buf_truncate): a half-written
 * message never goes out. Decoders check every length against the bytes
 * actually there before they allocate anything for it.
 */
#include "pl_call.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pl_cancel.h"
#include "pl_value_impl.h"

#define KIND_CALL ((uint8_t)'C')
#define KIND_REPLY ((uint8_t)'R')

/* ---------------------------------------------------------------- encoding */

/* [kind][u64 tag][u32 count]: what both messages start with. */
static int put_header(pl_buf *out, uint8_t kind, uint64_t tag, size_t count)
{
    if (count == 0 || count > UINT32_MAX) {
        return PL_EINVAL; /* an empty message asks nothing; the count field is 32 bits */
    }
    int rc = pl_buf_put_u8(out, kind);
    if (rc == PL_OK) {
        rc = pl_buf_put_u64(out, tag);
    }
    if (rc == PL_OK) {
        rc = pl_buf_put_u32(out, (uint32_t)count);
    }
    return rc;
}

/* The call's header and its [u8 length][name]. */
static int put_call_header(pl_buf *out, uint64_t tag, const char *task, size_t count)
{
    size_t len = task != NULL ? strlen(task) : 0;
    if (len == 0 || len >= PL_TASK_NAME_MAX) {
        return PL_EINVAL; /* no registered task has such a name */
    }
    int rc = put_header(out, KIND_CALL, tag, count);
    if (rc == PL_OK) {
        rc = pl_buf_put_u8(out, (uint8_t)len);
    }
    if (rc == PL_OK) {
        rc = pl_buf_put(out, task, len);
    }
    return rc;
}

/* Keep out as it was unless rc says everything was written. */
static int undo_on_error(pl_buf *out, size_t mark, int rc)
{
    if (rc != PL_OK) {
        pl_buf_truncate(out, mark);
    }
    return rc;
}

int pl_call_encode_chunk(pl_buf *out, uint64_t tag, const char *task, pl_value *const args[], size_t count)
{
    if (out == NULL || args == NULL) {
        return PL_EINVAL;
    }
    size_t mark = pl_buf_len(out);
    int rc = put_call_header(out, tag, task, count);
    for (size_t j = 0; j < count && rc == PL_OK; j++) {
        rc = args[j] != NULL ? pl_value_encode(args[j], out) : PL_EINVAL;
    }
    return undo_on_error(out, mark, rc);
}

int pl_reply_encode_chunk(pl_buf *out, uint64_t tag, pl_result *const results[], size_t count)
{
    if (out == NULL || results == NULL) {
        return PL_EINVAL;
    }
    size_t mark = pl_buf_len(out);
    int rc = put_header(out, KIND_REPLY, tag, count);
    for (size_t j = 0; j < count && rc == PL_OK; j++) {
        rc = results[j] != NULL ? pl_result_encode(results[j], out) : PL_EINVAL;
    }
    return undo_on_error(out, mark, rc);
}

/*
 * A single call or reply is a chunk of one. The chunk encoders only read
 * what they are given, so handing them our const argument is safe.
 */
int pl_call_encode(pl_buf *out, uint64_t tag, const char *task, const pl_value *arg)
{
    pl_value *none = arg == NULL ? pl_value_new() : NULL; /* no argument travels as NONE */
    if (arg == NULL && none == NULL) {
        return PL_ENOMEM;
    }
    pl_value *const args[1] = {arg != NULL ? (pl_value *)arg : none};
    int rc = pl_call_encode_chunk(out, tag, task, args, 1);
    pl_value_free(none);
    return rc;
}

int pl_reply_encode(pl_buf *out, uint64_t tag, const pl_result *res)
{
    pl_result *const results[1] = {(pl_result *)res};
    return pl_reply_encode_chunk(out, tag, results, 1);
}

/* A result of `reply` that cannot travel: no value, FAILED with the sizes. */
static int fail_too_large(pl_result *res, size_t size, size_t limit, size_t count)
{
    pl_value *none = pl_value_new();
    if (none == NULL) {
        return PL_ENOMEM;
    }
    pl_result_take_value(res, none); /* drop the big value */
    pl_value_free(none);
    if (count > 1) {
        return pl_result_set_status(res, PL_TASK_FAILED, "result too large: a reply of %zu results takes %zu bytes, limit %zu",
                                    count, size, limit);
    }
    return pl_result_set_status(res, PL_TASK_FAILED, "result too large: %zu bytes, limit %zu", size, limit);
}

int pl_reply_encode_bounded(pl_buf *out, pl_reply_msg *reply, size_t limit)
{
    if (out == NULL || reply == NULL || reply->results == NULL) {
        return PL_EINVAL;
    }
    /* The bytes around one value: header, result fields, its error text. Generous. */
    const size_t overhead = 64 + PL_ERROR_MAX;
    size_t value_limit = limit > overhead ? limit - overhead : 0;
    if (value_limit > PL_VALUE_MAX_LEN + 5) {
        value_limit = PL_VALUE_MAX_LEN + 5; /* type, length and the longest payload */
    }
    int rc = PL_OK;
    for (size_t j = 0; j < reply->count && rc == PL_OK; j++) {
        const pl_value *v = pl_result_value(reply->results[j]);
        size_t size = pl_value_wire_size(v);
        if (size > value_limit || !pl_value_fits_wire(v)) {
            rc = fail_too_large(reply->results[j], size, value_limit, 1);
        }
    }
    size_t mark = pl_buf_len(out);
    if (rc == PL_OK) {
        rc = pl_reply_encode_chunk(out, reply->tag, reply->results, reply->count);
    }
    if (rc != PL_OK || pl_buf_len(out) - mark <= limit) {
        return rc;
    }
    size_t size = pl_buf_len(out) - mark; /* many medium results: the chunk is too big */
    pl_buf_truncate(out, mark);
    for (size_t j = 0; j < reply->count && rc == PL_OK; j++) {
        rc = fail_too_large(reply->results[j], size, limit, reply->count);
    }
    return rc == PL_OK ? pl_reply_encode_chunk(out, reply->tag, reply->results, reply->count) : rc;
}

/* ---------------------------------------------------------------- decoding */

/*
 * [kind][tag][count], checked. Every encoded value or result takes at least
 * one byte, so a count above the bytes left is a lie: refusing it keeps a
 * corrupt count from making us allocate gigabytes of pointers.
 */
static int get_header(pl_reader *r, uint8_t kind, uint64_t *tag, size_t *count)
{
    uint8_t k;
    uint32_t n;
    if (pl_reader_u8(r, &k) != PL_OK || k != kind || pl_reader_u64(r, tag) != PL_OK ||
        pl_reader_u32(r, &n) != PL_OK || n == 0 || n > r->left) {
        return PL_EWIRE;
    }
    *count = n;
    return PL_OK;
}

/* [u8 length][name] into name[], NUL-terminated. */
static int get_name(pl_reader *r, char name[PL_TASK_NAME_MAX])
{
    uint8_t len;
    const uint8_t *bytes;
    if (pl_reader_u8(r, &len) != PL_OK || len == 0 || len >= PL_TASK_NAME_MAX ||
        pl_reader_bytes(r, len, &bytes) != PL_OK || memchr(bytes, '\0', len) != NULL) {
        return PL_EWIRE;
    }
    memcpy(name, bytes, len);
    name[len] = '\0';
    return PL_OK;
}

/* Item j of a message, read from r: a value of a call, or a result of a reply. */
typedef int get_item_fn(pl_reader *r, void *msg, size_t j);

static int get_arg(pl_reader *r, void *msg, size_t j)
{
    pl_call_msg *m = msg;
    size_t used = 0;
    int rc = pl_value_decode_into(r->p, r->left, &m->values[j], &used);
    m->args[j] = &m->values[j];
    return rc == PL_OK ? pl_reader_bytes(r, used, NULL) : rc;
}

static int get_result(pl_reader *r, void *msg, size_t j)
{
    pl_reply_msg *m = msg;
    size_t used = 0;
    int rc = pl_result_decode(r->p, r->left, &m->results[j], &used);
    return rc == PL_OK ? pl_reader_bytes(r, used, NULL) : rc;
}

/* The count items that end a message; nothing may follow the last one. */
static int get_items(pl_reader *r, size_t count, get_item_fn *get, void *msg)
{
    for (size_t j = 0; j < count; j++) {
        int rc = get(r, msg, j);
        if (rc != PL_OK) {
            return rc;
        }
    }
    return r->left == 0 ? PL_OK : PL_EWIRE; /* trailing bytes: not a message we wrote */
}

/*
 * Decode buf into exactly one of call and reply (the other is NULL), both
 * empty on entry. On an error the caller clears what was filled in.
 */
static int decode(const uint8_t *buf, size_t len, pl_call_msg *call, pl_reply_msg *reply)
{
    if (buf == NULL && len > 0) {
        return PL_EINVAL;
    }
    pl_reader r;
    pl_reader_init(&r, buf, len);
    uint64_t tag;
    size_t count;
    int rc = get_header(&r, call != NULL ? KIND_CALL : KIND_REPLY, &tag, &count);
    if (rc == PL_OK && call != NULL) {
        *call = (pl_call_msg){.tag = tag, .count = count};
        rc = get_name(&r, call->task);
        if (rc == PL_OK) {
            call->args = malloc(count * sizeof *call->args);
            call->values = calloc(count, sizeof *call->values); /* all NONE: clear is safe at any point */
            rc = call->args == NULL || call->values == NULL ? PL_ENOMEM : get_items(&r, count, get_arg, call);
        }
    } else if (rc == PL_OK) {
        *reply = (pl_reply_msg){.tag = tag, .count = count};
        reply->results = calloc(count, sizeof *reply->results);
        rc = reply->results == NULL ? PL_ENOMEM : get_items(&r, count, get_result, reply);
    }
    return rc;
}

int pl_call_decode(const uint8_t *buf, size_t len, pl_call_msg *out)
{
    if (out == NULL) {
        return PL_EINVAL;
    }
    *out = (pl_call_msg){0};
    int rc = decode(buf, len, out, NULL);
    if (rc != PL_OK) {
        pl_call_msg_clear(out); /* NULL slots of a half-decoded array are fine */
    }
    return rc;
}

int pl_reply_decode(const uint8_t *buf, size_t len, pl_reply_msg *out)
{
    if (out == NULL) {
        return PL_EINVAL;
    }
    *out = (pl_reply_msg){0};
    int rc = decode(buf, len, NULL, out);
    if (rc != PL_OK) {
        pl_reply_msg_clear(out);
    }
    return rc;
}

int pl_reply_decode_one(const uint8_t *buf, size_t len, uint64_t *tag, pl_result **out)
{
    if (tag == NULL || out == NULL) {
        return PL_EINVAL;
    }
    *out = NULL;
    pl_reply_msg m;
    int rc = pl_reply_decode(buf, len, &m);
    if (rc == PL_OK && m.count != 1) {
        rc = PL_EWIRE; /* a chunk where one answer was expected */
    }
    if (rc == PL_OK) {
        *tag = m.tag;
        *out = m.results[0];
        m.results[0] = NULL; /* ours now: clear must not free it */
    }
    pl_reply_msg_clear(&m);
    return rc;
}

int pl_call_peek_tag(const uint8_t *buf, size_t len, uint64_t *tag)
{
    if (tag == NULL || (buf == NULL && len > 0)) {
        return PL_EINVAL;
    }
    pl_reader r;
    uint8_t kind;
    uint64_t t;
    pl_reader_init(&r, buf, len);
    if (pl_reader_u8(&r, &kind) != PL_OK || kind != KIND_CALL || pl_reader_u64(&r, &t) != PL_OK) {
        return PL_EWIRE;
    }
    *tag = t;
    return PL_OK;
}

void pl_call_msg_clear(pl_call_msg *m)
{
    if (m == NULL) {
        return;
    }
    for (size_t j = 0; m->values != NULL && j < m->count; j++) {
        pl_value_clear(&m->values[j]);
    }
    free(m->values);
    free(m->args);
    *m = (pl_call_msg){0};
}

void pl_reply_msg_clear(pl_reply_msg *m)
{
    if (m == NULL) {
        return;
    }
    for (size_t j = 0; m->results != NULL && j < m->count; j++) {
        pl_result_free(m->results[j]);
    }
    free(m->results);
    *m = (pl_reply_msg){0};
}

/* ---------------------------------------------------------------- serving */

/* Fill *reply with one result per call; run: 1 runs them (until told to stop), 0 runs none. */
static int answer(const pl_call_msg *call, int64_t worker, int run, pl_reply_msg *reply)
{
    if (call == NULL || reply == NULL || call->count == 0 || call->args == NULL) {
        return PL_EINVAL;
    }
    *reply = (pl_reply_msg){.tag = call->tag};
    reply->results = calloc(call->count, sizeof *reply->results);
    if (reply->results == NULL) {
        return PL_ENOMEM;
    }
    reply->count = call->count;
    int64_t clock = 0; /* one clock reading per item: each starts where the one before ended */
    for (size_t j = 0; j < call->count; j++) {
        pl_result *res = pl_result_new();
        if (res == NULL) {
            pl_reply_msg_clear(reply);
            return PL_ENOMEM;
        }
        if (!run || (j > 0 && pl_should_stop())) {
            /* Stopped before or mid-chunk: what has not started yet is not started at all. */
            pl_result_set_status(res, PL_TASK_CANCELLED, "not started: its chunk was stopped");
        } else {
            pl_task_run_next(call->task, call->args[j], res, &clock);
        }
        pl_result_set_worker(res, worker);
        reply->results[j] = res;
    }
    return PL_OK;
}

int pl_call_run(const pl_call_msg *call, int64_t worker, pl_reply_msg *reply)
{
    return answer(call, worker, 1, reply);
}

int pl_call_refuse(const pl_call_msg *call, int64_t worker, pl_reply_msg *reply)
{
    return answer(call, worker, 0, reply);
}
