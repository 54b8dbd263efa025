/*
 * pl_proto.c - field encodings of the checker <-> subject protocol (pl_proto.h).
 */
#include "pl_proto.h"

#include <stdlib.h>
#include <string.h>

#include "pl_status.h"

/* A string's length mark for NULL: a real string is never this long. */
#define ABSENT UINT32_MAX

int pl_proto_put_i64(pl_buf *b, int64_t v)
{
    return pl_buf_put_u64(b, (uint64_t)v);
}

int pl_proto_put_str_opt(pl_buf *b, const char *s)
{
    if (s == NULL) {
        return pl_buf_put_u32(b, ABSENT);
    }
    size_t len = strlen(s);
    if (len > PL_PROTO_STR_MAX) {
        len = PL_PROTO_STR_MAX; /* a caller's absurd name is cut, not refused: the subject then rejects it */
    }
    int rc = pl_buf_put_u32(b, (uint32_t)len);
    return rc != PL_OK ? rc : pl_buf_put(b, s, len);
}

int pl_proto_put_value_opt(pl_buf *b, const pl_value *v)
{
    int rc = pl_buf_put_u8(b, v != NULL);
    return rc != PL_OK || v == NULL ? rc : pl_value_encode(v, b);
}

int pl_proto_put_result_opt(pl_buf *b, const pl_result *r)
{
    int rc = pl_buf_put_u8(b, r != NULL);
    return rc != PL_OK || r == NULL ? rc : pl_result_encode(r, b);
}

int pl_proto_get_i64(pl_reader *r, int64_t *out)
{
    uint64_t v;
    int rc = pl_reader_u64(r, &v);
    *out = rc == PL_OK ? (int64_t)v : 0;
    return rc;
}

int pl_proto_get_str_opt(pl_reader *r, char **out)
{
    *out = NULL;
    uint32_t len;
    const uint8_t *p;
    if (pl_reader_u32(r, &len) != PL_OK) {
        return PL_EWIRE;
    }
    if (len == ABSENT) {
        return PL_OK;
    }
    if (len > PL_PROTO_STR_MAX || pl_reader_bytes(r, len, &p) != PL_OK || memchr(p, '\0', len) != NULL) {
        return PL_EWIRE; /* a NUL inside would make the C string lie about its length */
    }
    char *s = malloc((size_t)len + 1);
    if (s == NULL) {
        return PL_ENOMEM;
    }
    memcpy(s, p, len);
    s[len] = '\0';
    *out = s;
    return PL_OK;
}

/* The presence byte: 0 or 1, anything else is corrupt. */
static int get_present(pl_reader *r, int *present)
{
    uint8_t b;
    if (pl_reader_u8(r, &b) != PL_OK || b > 1) {
        return PL_EWIRE;
    }
    *present = b;
    return PL_OK;
}

/*
 * The decoders of common/ seen through one type, so that one function reads
 * "presence byte, then maybe one object" for values and results alike (the
 * void * converts back to the decoder's own pointer type).
 */
typedef int (*decode_fn)(const uint8_t *buf, size_t len, void *out, size_t *used);

static int decode_value(const uint8_t *buf, size_t len, void *out, size_t *used)
{
    return pl_value_decode(buf, len, out, used);
}

static int decode_result(const uint8_t *buf, size_t len, void *out, size_t *used)
{
    return pl_result_decode(buf, len, out, used);
}

/* The decoder reads in place; the reader then steps over what it took. */
static int get_opt(pl_reader *r, decode_fn decode, void *out)
{
    int present = 0;
    size_t used = 0;
    if (get_present(r, &present) != PL_OK) {
        return PL_EWIRE;
    }
    if (!present) {
        return PL_OK;
    }
    int rc = decode(r->p, r->left, out, &used);
    if (rc != PL_OK) {
        return rc;
    }
    return pl_reader_bytes(r, used, NULL);
}

int pl_proto_get_value_opt(pl_reader *r, pl_value **out)
{
    *out = NULL;
    return get_opt(r, decode_value, out);
}

int pl_proto_get_result_opt(pl_reader *r, pl_result **out)
{
    *out = NULL;
    return get_opt(r, decode_result, out);
}

const char *pl_proto_op_name(int op)
{
    static const char *const names[] = {
        [PL_OP_HELLO] = "the greeting",      [PL_OP_WORKERS] = "pl_workers",
        [PL_OP_RUN_NESTED] = "pl_run",       [PL_OP_MAP] = "pl_map",
        [PL_OP_FSTART] = "pl_future_start",  [PL_OP_FWAIT] = "pl_future_wait",
        [PL_OP_FDONE] = "pl_future_done",    [PL_OP_FCANCEL] = "pl_future_cancel",
        [PL_OP_FFREE] = "pl_future_free",    [PL_OP_GNEW] = "pl_group_new",
        [PL_OP_GADD] = "pl_group_add",       [PL_OP_GSTART] = "pl_group_start",
        [PL_OP_GWAIT_FIRST] = "pl_group_wait_first", [PL_OP_GRESULTS] = "pl_group_results",
        [PL_OP_GSTATE] = "a pl_group_* accessor",    [PL_OP_GFREE] = "pl_group_free",
        [PL_OP_QUIT] = "the farewell",       [PL_OP_MAP_AGAIN] = "pl_map (made again)",
        [PL_OP_MAP_CHECK] = "pl_map (its results compared)",
    };
    if (op <= 0 || op >= (int)(sizeof names / sizeof names[0]) || names[op] == NULL) {
        return "?";
    }
    return names[op];
}
