/*
 * pl_value.c - the owned tagged value and its wire encoding.
 *
 * STR and BYTES share one representation (a heap block plus a length); the
 * block always has one extra NUL byte at the end, so a STR can be handed out
 * as a C string and a zero-length BYTES still has a valid pointer.
 */
#include "pl_value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pl_status.h"
#include "pl_value_impl.h"
#include "pl_wire.h"

static int is_blob(pl_value_type t)
{
    return t == PL_VAL_STR || t == PL_VAL_BYTES;
}

/* Drop the content; the value becomes NONE. */
static void clear(pl_value *v)
{
    if (is_blob(v->type)) {
        free(v->u.p);
    }
    memset(&v->u, 0, sizeof v->u);
    v->len = 0;
    v->type = PL_VAL_NONE;
}

void pl_value_clear(pl_value *v)
{
    clear(v);
}

/* Copy len bytes into a new NUL-terminated block. */
static uint8_t *dup_block(const void *data, size_t len)
{
    if (len == SIZE_MAX) {
        return NULL;
    }
    uint8_t *p = malloc(len + 1);
    if (p != NULL) {
        if (len > 0) {
            memcpy(p, data, len);
        }
        p[len] = '\0';
    }
    return p;
}

/* Replace v's content with a copy of data; the old content is freed only on success. */
static int set_blob(pl_value *v, pl_value_type t, const void *data, size_t len)
{
    if (len > PL_VALUE_LOCAL_MAX) {
        return PL_EINVAL; /* the length field is 32 bits (pl_value_impl.h) */
    }
    uint8_t *p = dup_block(data, len); /* first: data may point into v itself */
    if (p == NULL) {
        return PL_ENOMEM;
    }
    clear(v);
    v->type = t;
    v->u.p = p;
    v->len = (uint32_t)len;
    return PL_OK;
}

/* ---------------------------------------------------------------- life cycle */

pl_value *pl_value_new(void)
{
    return calloc(1, sizeof(pl_value)); /* all zero = NONE */
}

pl_value *pl_value_new_int(int64_t x)
{
    pl_value *v = pl_value_new();
    if (v != NULL) {
        pl_value_set_int(v, x);
    }
    return v;
}

pl_value *pl_value_new_double(double x)
{
    pl_value *v = pl_value_new();
    if (v != NULL) {
        pl_value_set_double(v, x);
    }
    return v;
}

pl_value *pl_value_new_str(const char *s)
{
    if (s == NULL) {
        return NULL;
    }
    pl_value *v = pl_value_new();
    if (v != NULL && pl_value_set_str(v, s) != PL_OK) {
        pl_value_free(v);
        return NULL;
    }
    return v;
}

pl_value *pl_value_new_bytes(const void *data, size_t len)
{
    if (data == NULL && len > 0) {
        return NULL;
    }
    pl_value *v = pl_value_new();
    if (v != NULL && pl_value_set_bytes(v, data, len) != PL_OK) {
        pl_value_free(v);
        return NULL;
    }
    return v;
}

pl_value *pl_value_copy(const pl_value *src)
{
    if (src == NULL) {
        return NULL;
    }
    pl_value *v = pl_value_new();
    if (v == NULL) {
        return NULL;
    }
    if (is_blob(src->type)) {
        if (set_blob(v, src->type, src->u.p, src->len) != PL_OK) {
            free(v);
            return NULL;
        }
    } else {
        *v = *src; /* no heap part to share */
    }
    return v;
}

void pl_value_free(pl_value *v)
{
    if (v != NULL) {
        clear(v);
        free(v);
    }
}

/* ---------------------------------------------------------------- getters */

pl_value_type pl_value_type_of(const pl_value *v)
{
    return v != NULL ? v->type : PL_VAL_NONE;
}

const char *pl_value_type_name(pl_value_type t)
{
    switch (t) {
    case PL_VAL_NONE:
        return "none";
    case PL_VAL_INT:
        return "int";
    case PL_VAL_DOUBLE:
        return "double";
    case PL_VAL_STR:
        return "str";
    case PL_VAL_BYTES:
        return "bytes";
    }
    return "?";
}

int pl_value_get_int(const pl_value *v, int64_t *out)
{
    if (v == NULL || out == NULL || v->type != PL_VAL_INT) {
        return PL_EINVAL;
    }
    *out = v->u.i;
    return PL_OK;
}

int pl_value_get_double(const pl_value *v, double *out)
{
    if (v == NULL || out == NULL || v->type != PL_VAL_DOUBLE) {
        return PL_EINVAL;
    }
    *out = v->u.d;
    return PL_OK;
}

const char *pl_value_str(const pl_value *v)
{
    return v != NULL && v->type == PL_VAL_STR ? (const char *)v->u.p : NULL;
}

const void *pl_value_bytes(const pl_value *v, size_t *len)
{
    if (v == NULL || v->type != PL_VAL_BYTES) {
        if (len != NULL) {
            *len = 0;
        }
        return NULL;
    }
    if (len != NULL) {
        *len = v->len;
    }
    return v->u.p;
}

/* ---------------------------------------------------------------- setters */

/* A scalar (NONE, INT, DOUBLE) owns no block: v drops what it held and becomes a copy of s. */
static int set_scalar(pl_value *v, pl_value s)
{
    if (v == NULL) {
        return PL_EINVAL;
    }
    clear(v);
    *v = s;
    return PL_OK;
}

int pl_value_set_none(pl_value *v)
{
    return set_scalar(v, (pl_value){.type = PL_VAL_NONE});
}

int pl_value_set_int(pl_value *v, int64_t x)
{
    return set_scalar(v, (pl_value){.type = PL_VAL_INT, .u.i = x});
}

int pl_value_set_double(pl_value *v, double x)
{
    return set_scalar(v, (pl_value){.type = PL_VAL_DOUBLE, .u.d = x});
}

int pl_value_set_str(pl_value *v, const char *s)
{
    if (v == NULL || s == NULL) {
        return PL_EINVAL;
    }
    return set_blob(v, PL_VAL_STR, s, strlen(s));
}

int pl_value_set_bytes(pl_value *v, const void *data, size_t len)
{
    if (v == NULL || (data == NULL && len > 0)) {
        return PL_EINVAL;
    }
    return set_blob(v, PL_VAL_BYTES, data, len);
}

int pl_value_move(pl_value *dst, pl_value *src)
{
    if (dst == NULL || src == NULL) {
        return PL_EINVAL;
    }
    if (dst == src) {
        return PL_OK;
    }
    clear(dst);
    *dst = *src;
    /* src no longer owns the block: forget it without freeing. */
    memset(&src->u, 0, sizeof src->u);
    src->len = 0;
    src->type = PL_VAL_NONE;
    return PL_OK;
}

int pl_value_equal(const pl_value *a, const pl_value *b)
{
    if (a == NULL || b == NULL) {
        return a == b;
    }
    if (a->type != b->type) {
        return 0;
    }
    switch (a->type) {
    case PL_VAL_NONE:
        return 1;
    case PL_VAL_INT:
        return a->u.i == b->u.i;
    case PL_VAL_DOUBLE:
        /* Bitwise, so a NaN equals the same NaN: "the value survived the trip". */
        return memcmp(&a->u.d, &b->u.d, sizeof(double)) == 0 || a->u.d == b->u.d;
    case PL_VAL_STR:
    case PL_VAL_BYTES:
        return a->len == b->len && (a->len == 0 || memcmp(a->u.p, b->u.p, a->len) == 0);
    }
    return 0;
}

/* ---------------------------------------------------------------- printing */

/* The shortest %g form that reads back as the same double. */
static int format_double(double d, char *buf, size_t cap)
{
    char tmp[40];
    if (!isfinite(d)) {
        return snprintf(buf, cap, "%s", isnan(d) ? "nan" : d > 0 ? "inf" : "-inf");
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, d);
        if (strtod(tmp, NULL) == d) {
            break;
        }
    }
    return snprintf(buf, cap, "%s", tmp);
}

int pl_value_format(const pl_value *v, char *buf, size_t cap)
{
    if (v == NULL || (buf == NULL && cap > 0)) {
        return PL_EINVAL;
    }
    switch (v->type) {
    case PL_VAL_INT:
        return snprintf(buf, cap, "%lld", (long long)v->u.i);
    case PL_VAL_DOUBLE:
        return format_double(v->u.d, buf, cap);
    case PL_VAL_STR:
        return snprintf(buf, cap, "\"%s\"", (const char *)v->u.p);
    case PL_VAL_BYTES:
        return snprintf(buf, cap, "<%zu bytes>", (size_t)v->len);
    case PL_VAL_NONE:
        break;
    }
    return snprintf(buf, cap, "None");
}

/* ---------------------------------------------------------------- wire */

/* [type] and the fixed part after it, laid out here and appended with one pl_buf_put. */
static int encode_body(const pl_value *v, pl_buf *out)
{
    uint8_t head[9] = {(uint8_t)v->type};
    switch (v->type) {
    case PL_VAL_NONE:
        return pl_buf_put(out, head, 1);
    case PL_VAL_INT:
    case PL_VAL_DOUBLE: {
        uint64_t bits;
        memcpy(&bits, &v->u, sizeof bits); /* an int's two's complement, or a double's IEEE-754 bits */
        pl_be_put(head + 1, bits, 8);
        return pl_buf_put(out, head, 9);
    }
    case PL_VAL_STR:
    case PL_VAL_BYTES: {
        pl_be_put(head + 1, v->len, 4);
        int rc = pl_buf_put(out, head, 5);
        return rc != PL_OK ? rc : pl_buf_put(out, v->u.p, v->len);
    }
    }
    return PL_EINVAL;
}

size_t pl_value_wire_size(const pl_value *v)
{
    if (v == NULL) {
        return 0;
    }
    if (is_blob(v->type)) {
        return 1 + 4 + v->len;
    }
    return v->type == PL_VAL_NONE ? 1 : 1 + 8;
}

int pl_value_fits_wire(const pl_value *v)
{
    return v != NULL && (!is_blob(v->type) || v->len <= PL_VALUE_MAX_LEN);
}

int pl_value_encode(const pl_value *v, pl_buf *out)
{
    if (v == NULL || out == NULL) {
        return PL_EINVAL;
    }
    if (is_blob(v->type) && v->len > PL_VALUE_MAX_LEN) {
        return PL_EINVAL; /* the reader would refuse it: fail here, where the cause is */
    }
    size_t mark = pl_buf_len(out);
    int rc = encode_body(v, out);
    if (rc != PL_OK) {
        pl_buf_truncate(out, mark); /* never leave half a value behind */
    }
    return rc;
}

static int decode_blob(pl_reader *r, pl_value *v, pl_value_type t)
{
    uint32_t len;
    const uint8_t *p;
    if (pl_reader_u32(r, &len) != PL_OK || len > PL_VALUE_MAX_LEN || pl_reader_bytes(r, len, &p) != PL_OK) {
        return PL_EWIRE;
    }
    /* A STR promises no embedded NUL: one inside means the bytes are corrupt. */
    if (t == PL_VAL_STR && len > 0 && memchr(p, '\0', len) != NULL) {
        return PL_EWIRE;
    }
    return set_blob(v, t, p, len);
}

/* Into v, which is NONE on entry (so the scalars need no clear). */
static int decode_body(pl_reader *r, pl_value *v)
{
    const uint8_t *p;
    if (pl_reader_bytes(r, 1, &p) != PL_OK) {
        return PL_EWIRE;
    }
    uint8_t type = p[0];
    switch (type) {
    case PL_VAL_NONE:
        return PL_OK;
    case PL_VAL_INT:
    case PL_VAL_DOUBLE: {
        if (pl_reader_bytes(r, 8, &p) != PL_OK) {
            return PL_EWIRE;
        }
        uint64_t bits = pl_be_get(p, 8);
        memcpy(&v->u, &bits, sizeof bits); /* the bits, not a conversion (see encode_body) */
        v->type = type;
        return PL_OK;
    }
    case PL_VAL_STR:
    case PL_VAL_BYTES:
        return decode_blob(r, v, (pl_value_type)type);
    default:
        return PL_EWIRE; /* an unknown type byte */
    }
}

int pl_value_decode_into(const uint8_t *buf, size_t len, pl_value *v, size_t *used)
{
    pl_reader r;
    pl_reader_init(&r, buf, len);
    pl_value tmp = {0}; /* v is left as it was on an error */
    int rc = decode_body(&r, &tmp);
    if (rc != PL_OK) {
        clear(&tmp);
        return rc;
    }
    pl_value_move(v, &tmp);
    *used = len - r.left;
    return PL_OK;
}

int pl_value_decode(const uint8_t *buf, size_t len, pl_value **out, size_t *used)
{
    if (out == NULL || (buf == NULL && len > 0)) {
        return PL_EINVAL;
    }
    *out = NULL;
    if (used != NULL) {
        *used = 0;
    }
    pl_value *v = pl_value_new();
    if (v == NULL) {
        return PL_ENOMEM;
    }
    size_t n;
    int rc = pl_value_decode_into(buf, len, v, &n);
    if (rc != PL_OK) {
        pl_value_free(v);
        return rc;
    }
    *out = v;
    if (used != NULL) {
        *used = n;
    }
    return PL_OK;
}
