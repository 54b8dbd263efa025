/*
 * pl_result.c - how one task ended, and the two guarantees built on it:
 * every task gets exactly one result (pl_results_settle), and concurrency
 * is measured from recorded timestamps (pl_results_max_overlap).
 */
#include "pl_result.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pl_wire.h"

/*
 * 48 bytes. The error text is allocated only when there is one: most
 * results have none, and an inline PL_ERROR_MAX buffer made every result
 * ~300 bytes - 300 MB for a map of a million squares.
 */
struct pl_result {
    pl_task_status status;
    pl_value *value; /* never NULL */
    char *error;     /* NULL: no text ("" to readers); else malloc'd, < PL_ERROR_MAX bytes */
    int64_t worker;
    int64_t start_ns;
    int64_t end_ns;
};

/* Replace r's error text with a copy of text[0..len) (none when len is 0). */
static int set_error(pl_result *r, const char *text, size_t len)
{
    char *copy = NULL;
    if (len > 0) {
        copy = malloc(len + 1);
        if (copy == NULL) {
            free(r->error); /* the old text would describe something else now */
            r->error = NULL;
            return PL_ENOMEM;
        }
        memcpy(copy, text, len);
        copy[len] = '\0';
    }
    free(r->error);
    r->error = copy;
    return PL_OK;
}

static int is_status(int st)
{
    return st >= PL_TASK_PENDING && st < PL_TASK_STATUS_COUNT;
}

pl_result *pl_result_new(void)
{
    pl_result *r = calloc(1, sizeof *r);
    if (r == NULL) {
        return NULL;
    }
    r->value = pl_value_new();
    if (r->value == NULL) {
        free(r);
        return NULL;
    }
    r->status = PL_TASK_PENDING;
    r->worker = -1;
    return r;
}

pl_result *pl_result_copy(const pl_result *r)
{
    if (r == NULL) {
        return NULL;
    }
    pl_result *c = pl_result_new();
    if (c != NULL && pl_result_assign(c, r) != PL_OK) {
        pl_result_free(c);
        return NULL;
    }
    return c;
}

void pl_result_free(pl_result *r)
{
    if (r != NULL) {
        pl_value_free(r->value);
        free(r->error);
        free(r);
    }
}

/* ---------------------------------------------------------------- getters */

pl_task_status pl_result_status(const pl_result *r)
{
    return r != NULL ? r->status : PL_TASK_PENDING;
}

const pl_value *pl_result_value(const pl_result *r)
{
    return r != NULL ? r->value : NULL;
}

const char *pl_result_error(const pl_result *r)
{
    return r != NULL && r->error != NULL ? r->error : "";
}

int64_t pl_result_worker(const pl_result *r)
{
    return r != NULL ? r->worker : -1;
}

int64_t pl_result_start_ns(const pl_result *r)
{
    return r != NULL ? r->start_ns : 0;
}

int64_t pl_result_end_ns(const pl_result *r)
{
    return r != NULL ? r->end_ns : 0;
}

/* ---------------------------------------------------------------- setters */

int pl_result_set_status(pl_result *r, pl_task_status st, const char *fmt, ...)
{
    if (r == NULL || !is_status((int)st)) {
        return PL_EINVAL;
    }
    /* Format into a copy first: an argument may be r's own error text. */
    char text[PL_ERROR_MAX] = "";
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(text, sizeof text, fmt, ap);
        va_end(ap);
    }
    r->status = st; /* set even without memory for the text: the status is what counts */
    return set_error(r, text, strlen(text));
}

int pl_result_set_worker(pl_result *r, int64_t worker)
{
    if (r == NULL) {
        return PL_EINVAL;
    }
    r->worker = worker;
    return PL_OK;
}

int pl_result_set_times(pl_result *r, int64_t start_ns, int64_t end_ns)
{
    /* end 0 = "not ended (yet)"; otherwise time cannot run backwards. */
    if (r == NULL || start_ns < 0 || end_ns < 0 || (end_ns != 0 && end_ns < start_ns)) {
        return PL_EINVAL;
    }
    r->start_ns = start_ns;
    r->end_ns = end_ns;
    return PL_OK;
}

int pl_result_take_value(pl_result *r, pl_value *v)
{
    if (r == NULL || v == NULL) {
        return PL_EINVAL;
    }
    return pl_value_move(r->value, v);
}

int pl_result_assign(pl_result *dst, const pl_result *src)
{
    if (dst == NULL || src == NULL) {
        return PL_EINVAL;
    }
    if (dst == src) {
        return PL_OK;
    }
    const char *text = pl_result_error(src);
    pl_value *v = pl_value_copy(src->value); /* the steps that can fail come first */
    if (v == NULL || set_error(dst, text, strlen(text)) != PL_OK) {
        pl_value_free(v);
        return PL_ENOMEM;
    }
    pl_value_move(dst->value, v);
    pl_value_free(v);
    dst->status = src->status;
    dst->worker = src->worker;
    dst->start_ns = src->start_ns;
    dst->end_ns = src->end_ns;
    return PL_OK;
}

/* ---------------------------------------------------------------- wire */

static int encode_fields(const pl_result *r, pl_buf *out)
{
    const char *error = pl_result_error(r);
    size_t elen = strlen(error);
    int rc = pl_buf_put_u8(out, (uint8_t)r->status);
    if (rc == PL_OK) {
        rc = pl_buf_put_u64(out, (uint64_t)r->worker);
    }
    if (rc == PL_OK) {
        rc = pl_buf_put_u64(out, (uint64_t)r->start_ns);
    }
    if (rc == PL_OK) {
        rc = pl_buf_put_u64(out, (uint64_t)r->end_ns);
    }
    if (rc == PL_OK) {
        rc = pl_buf_put_u32(out, (uint32_t)elen);
    }
    if (rc == PL_OK) {
        rc = pl_buf_put(out, error, elen);
    }
    if (rc == PL_OK) {
        rc = pl_value_encode(r->value, out);
    }
    return rc;
}

int pl_result_encode(const pl_result *r, pl_buf *out)
{
    if (r == NULL || out == NULL) {
        return PL_EINVAL;
    }
    size_t mark = pl_buf_len(out);
    int rc = encode_fields(r, out);
    if (rc != PL_OK) {
        pl_buf_truncate(out, mark);
    }
    return rc;
}

static int64_t to_int64(uint64_t u)
{
    int64_t i;
    memcpy(&i, &u, sizeof i);
    return i;
}

/* Everything before the value; any short read or impossible field is PL_EWIRE. */
static int decode_fields(pl_reader *rd, pl_result *r)
{
    uint8_t st;
    uint64_t worker, start, end;
    uint32_t elen;
    const uint8_t *text;
    if (pl_reader_u8(rd, &st) != PL_OK || !is_status(st) || pl_reader_u64(rd, &worker) != PL_OK ||
        pl_reader_u64(rd, &start) != PL_OK || pl_reader_u64(rd, &end) != PL_OK ||
        pl_reader_u32(rd, &elen) != PL_OK || elen >= PL_ERROR_MAX || pl_reader_bytes(rd, elen, &text) != PL_OK) {
        return PL_EWIRE;
    }
    if (elen > 0 && memchr(text, '\0', elen) != NULL) {
        return PL_EWIRE;
    }
    if (set_error(r, (const char *)text, elen) != PL_OK) {
        return PL_ENOMEM;
    }
    r->status = (pl_task_status)st;
    r->worker = to_int64(worker);
    r->start_ns = to_int64(start);
    r->end_ns = to_int64(end);
    return PL_OK;
}

int pl_result_decode(const uint8_t *buf, size_t len, pl_result **out, size_t *used)
{
    if (out == NULL || (buf == NULL && len > 0)) {
        return PL_EINVAL;
    }
    *out = NULL;
    if (used != NULL) {
        *used = 0;
    }
    pl_result *r = pl_result_new();
    if (r == NULL) {
        return PL_ENOMEM;
    }
    pl_reader rd;
    pl_reader_init(&rd, buf, len);
    int rc = decode_fields(&rd, r);
    pl_value *v = NULL;
    size_t vlen = 0;
    if (rc == PL_OK) {
        rc = pl_value_decode(rd.p, rd.left, &v, &vlen);
    }
    if (rc != PL_OK) {
        pl_result_free(r);
        return rc;
    }
    pl_value_move(r->value, v);
    pl_value_free(v);
    *out = r;
    if (used != NULL) {
        *used = len - rd.left + vlen;
    }
    return PL_OK;
}

/* ---------------------------------------------------------------- printing */

int pl_result_format(const pl_result *r, char *buf, size_t cap)
{
    if (r == NULL || (buf == NULL && cap > 0)) {
        return PL_EINVAL;
    }
    const char *name = pl_task_status_name((int)r->status);
    if (r->status != PL_TASK_OK) {
        const char *error = pl_result_error(r);
        return error[0] != '\0' ? snprintf(buf, cap, "%s: %s", name, error) : snprintf(buf, cap, "%s", name);
    }
    char value[96];
    pl_value_format(r->value, value, sizeof value);
    char who[40] = "";
    if (r->worker >= 0) {
        snprintf(who, sizeof who, "worker %lld", (long long)r->worker);
    }
    char took[40] = "";
    if (r->start_ns > 0 && r->end_ns >= r->start_ns) {
        snprintf(took, sizeof took, "%.1f ms", (double)(r->end_ns - r->start_ns) / 1e6);
    }
    if (who[0] == '\0' && took[0] == '\0') {
        return snprintf(buf, cap, "%s %s", name, value);
    }
    return snprintf(buf, cap, "%s %s (%s%s%s)", name, value, who, who[0] && took[0] ? ", " : "", took);
}

/* ---------------------------------------------------------------- guarantees */

int pl_results_settle(pl_result *results[], size_t n, pl_task_status status, const char *why)
{
    if ((results == NULL && n > 0) || status == PL_TASK_PENDING || !is_status((int)status)) {
        return PL_EINVAL;
    }
    int rc = PL_OK;
    for (size_t i = 0; i < n; i++) {
        if (results[i] == NULL) {
            results[i] = pl_result_new();
            if (results[i] == NULL) {
                rc = PL_ENOMEM; /* keep going: settle every slot we can */
                continue;
            }
        }
        if (results[i]->status == PL_TASK_PENDING) {
            pl_result_set_status(results[i], status, "%s", why != NULL ? why : "");
        }
    }
    return rc;
}

/* An interval edge: +1 where a task starts, -1 where one ends. */
typedef struct edge {
    int64_t t;
    int delta;
} edge;

static int edge_cmp(const void *a, const void *b)
{
    const edge *x = a, *y = b;
    if (x->t != y->t) {
        return x->t < y->t ? -1 : 1;
    }
    return x->delta - y->delta; /* [start, end): an end at t comes before a start at t */
}

/* Does r carry a usable interval? A zero-length run still occupied an instant. */
static int interval_of(const pl_result *r, int64_t *s, int64_t *e)
{
    if (r == NULL || r->start_ns <= 0 || r->end_ns < r->start_ns) {
        return 0;
    }
    *s = r->start_ns;
    *e = r->end_ns > r->start_ns ? r->end_ns : r->start_ns + 1;
    return 1;
}

/* Without memory for sorting: count, for each start, the intervals covering it. O(n^2). */
static int max_overlap_slow(pl_result *const results[], size_t n)
{
    int best = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t si, ei, sj, ej;
        if (!interval_of(results[i], &si, &ei)) {
            continue;
        }
        int count = 0;
        for (size_t j = 0; j < n; j++) {
            if (interval_of(results[j], &sj, &ej) && sj <= si && si < ej) {
                count++;
            }
        }
        best = count > best ? count : best;
    }
    return best;
}

int pl_results_max_overlap(pl_result *const results[], size_t n)
{
    if (results == NULL || n == 0) {
        return 0;
    }
    edge *edges = n <= SIZE_MAX / (2 * sizeof(edge)) ? malloc(2 * n * sizeof(edge)) : NULL;
    if (edges == NULL) {
        return max_overlap_slow(results, n);
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t s, e;
        if (interval_of(results[i], &s, &e)) {
            edges[m++] = (edge){s, +1};
            edges[m++] = (edge){e, -1};
        }
    }
    qsort(edges, m, sizeof(edge), edge_cmp);
    int now = 0, best = 0;
    for (size_t k = 0; k < m; k++) {
        now += edges[k].delta;
        best = now > best ? now : best;
    }
    free(edges);
    return best;
}
