/*
 * pl_result.c - how one task ended, and the two guarantees built on it:
 * every task gets exactly one result (pl_results_settle), and concurrency
 * is measured from recorded timestamps (pl_results_max_overlap).
 */
#include "pl_result.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pl_value_impl.h"
#include "pl_wire.h"

/*
 * 48 bytes, value included (issue 18: at most 64 bytes of bookkeeping per
 * item of a million-int map, counting the caller's 8-byte slot). What made
 * it bigger before: an inline PL_ERROR_MAX error buffer (~300 bytes a
 * result), then a separate pl_value block (32) and malloc's per-block
 * header and rounding (16 a block). Now the value is inline, the error text
 * is allocated only when there is one, and results are carved from slabs
 * (below) so that they pay no per-block header either.
 */
struct pl_result {
    pl_value value; /* inline (pl_value_impl.h); pl_result_value hands out its address */
    int64_t start_ns;
    int64_t end_ns;
    char *error;    /* NULL: no text ("" to readers); no_memory_text; else malloc'd, < PL_ERROR_MAX bytes */
    int32_t worker; /* a thread number, pid or rank: all fit in 32 bits */
    uint8_t status; /* pl_task_status */
    uint8_t home;   /* where the struct lives: how pl_result_free gives it back */
    uint16_t slot;  /* HOME_SLAB: its index in the slab */
};

_Static_assert(sizeof(struct pl_result) == 48, "pl_result grew: the per-item memory budget is 64 bytes");

enum { HOME_HEAP, HOME_SLAB, HOME_STATIC };

/*
 * What a result says when there was no memory: for its error text (a
 * status must never depend on having memory for the reason), or for the
 * result itself (pl_result_out_of_memory).
 */
static const char no_memory_text[] = "out of memory";
static char oom_result_text[] = "out of memory: no result could be allocated for this task";

/*
 * The one result that needs no memory: FAILED, shared by every slot that
 * could not get a result of its own, never changed (setters refuse it) and
 * never freed (pl_result_free skips it).
 */
static pl_result oom_result = {
    .status = PL_TASK_FAILED, .error = oom_result_text, .worker = -1, .home = HOME_STATIC};

pl_result *pl_result_out_of_memory(void)
{
    return &oom_result;
}

static int is_mutable(const pl_result *r)
{
    return r != NULL && r->home != HOME_STATIC;
}

static void free_error(pl_result *r)
{
    if (r->error != no_memory_text) {
        free(r->error);
    }
    r->error = NULL;
}

/* Replace r's error text with a copy of text[0..len) (none when len is 0). */
static int set_error(pl_result *r, const char *text, size_t len)
{
    char *copy = NULL;
    if (len > 0) {
        copy = malloc(len + 1);
        if (copy == NULL) {
            /* The old text would describe something else now; say why there is no new one. */
            free_error(r);
            r->error = (char *)no_memory_text;
            return PL_ENOMEM;
        }
        memcpy(copy, text, len);
        copy[len] = '\0';
    }
    free_error(r);
    r->error = copy;
    return PL_OK;
}

static int is_status(int st)
{
    return st >= PL_TASK_PENDING && st < PL_TASK_STATUS_COUNT;
}

/* ---------------------------------------------------------------- slabs */

/*
 * Results are carved from slabs of SLAB_SLOTS, one current slab per thread,
 * and each is still freed on its own with pl_result_free: the slab counts
 * its live results and goes back to malloc when the last one is freed (and
 * the thread has moved on to another slab). Why: a map makes one result per
 * item, and one malloc block per result costs 16 bytes of header and
 * rounding on top of 48 - a third more memory, and a malloc call per item.
 * The price: one long-lived result keeps its slab (6 KiB) alive.
 *
 * Under AddressSanitizer every result is its own block again, so that a
 * result used after pl_result_free is still caught.
 */
#if defined(__SANITIZE_ADDRESS__)
#define PL_RESULT_SLABS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PL_RESULT_SLABS 0
#endif
#endif
#ifndef PL_RESULT_SLABS
#define PL_RESULT_SLABS 1
#endif

#define SLAB_SLOTS 128

typedef struct slab {
    atomic_size_t refs; /* live results + 1 while it is a thread's current slab */
    size_t used;        /* slots handed out so far; only the owning thread touches it */
    pl_result slots[SLAB_SLOTS];
} slab;

static _Thread_local slab *current_slab;
static pthread_key_t slab_key; /* its destructor gives back an exiting thread's current slab */
static pthread_once_t slab_key_once = PTHREAD_ONCE_INIT;
static int slab_key_ok;

static void slab_release(void *p)
{
    slab *s = p;
    if (s != NULL && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1) {
        free(s);
    }
}

static void make_slab_key(void)
{
    slab_key_ok = pthread_key_create(&slab_key, slab_release) == 0;
}

/* A zeroed slot of the thread's current slab, or NULL (out of memory). */
static pl_result *slab_take(void)
{
    slab *s = current_slab;
    if (s == NULL || s->used == SLAB_SLOTS) {
        slab *fresh = malloc(sizeof *fresh);
        if (fresh == NULL) {
            return NULL;
        }
        atomic_init(&fresh->refs, 1);
        fresh->used = 0;
        slab_release(s); /* the thread's reference to the full one */
        current_slab = s = fresh;
        pthread_once(&slab_key_once, make_slab_key);
        if (slab_key_ok) {
            pthread_setspecific(slab_key, s);
        }
    }
    pl_result *r = &s->slots[s->used];
    memset(r, 0, sizeof *r);
    r->home = HOME_SLAB;
    r->slot = (uint16_t)s->used++;
    atomic_fetch_add_explicit(&s->refs, 1, memory_order_relaxed);
    return r;
}

static void slab_give_back(pl_result *r)
{
    slab *s = (slab *)((char *)(r - r->slot) - offsetof(slab, slots));
    slab_release(s);
}

/* ---------------------------------------------------------------- life cycle */

pl_result *pl_result_new(void)
{
    pl_result *r;
    if (PL_RESULT_SLABS) {
        r = slab_take();
    } else if ((r = calloc(1, sizeof *r)) != NULL) {
        r->home = HOME_HEAP;
    }
    if (r != NULL) {
        r->status = PL_TASK_PENDING; /* the value is zero = NONE */
        r->worker = -1;
    }
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
    if (!is_mutable(r)) {
        return; /* NULL, or the shared out-of-memory result */
    }
    pl_value_clear(&r->value);
    free_error(r);
    if (r->home == HOME_SLAB) {
        slab_give_back(r);
    } else {
        free(r);
    }
}

/* ---------------------------------------------------------------- getters */

pl_task_status pl_result_status(const pl_result *r)
{
    return r != NULL ? (pl_task_status)r->status : PL_TASK_PENDING;
}

const pl_value *pl_result_value(const pl_result *r)
{
    return r != NULL ? &r->value : NULL;
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
    if (!is_mutable(r) || !is_status((int)st)) {
        return PL_EINVAL;
    }
    r->status = (uint8_t)st; /* set even without memory for the text: the status is what counts */
    if (fmt == NULL) {
        /* Every successful item comes here: skip clearing and measuring a 256-byte buffer. */
        return set_error(r, "", 0);
    }
    /* Format into a copy first: an argument may be r's own error text. */
    char text[PL_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return set_error(r, text, strlen(text));
}

int pl_result_set_worker(pl_result *r, int64_t worker)
{
    if (!is_mutable(r) || worker < INT32_MIN || worker > INT32_MAX) {
        return PL_EINVAL;
    }
    r->worker = (int32_t)worker;
    return PL_OK;
}

int pl_result_set_times(pl_result *r, int64_t start_ns, int64_t end_ns)
{
    /* end 0 = "not ended (yet)"; otherwise time cannot run backwards. */
    if (!is_mutable(r) || start_ns < 0 || end_ns < 0 || (end_ns != 0 && end_ns < start_ns)) {
        return PL_EINVAL;
    }
    r->start_ns = start_ns;
    r->end_ns = end_ns;
    return PL_OK;
}

int pl_result_take_value(pl_result *r, pl_value *v)
{
    if (!is_mutable(r) || v == NULL) {
        return PL_EINVAL;
    }
    return pl_value_move(&r->value, v);
}

int pl_result_assign(pl_result *dst, const pl_result *src)
{
    if (!is_mutable(dst) || src == NULL) {
        return PL_EINVAL;
    }
    if (dst == src) {
        return PL_OK;
    }
    const char *text = pl_result_error(src);
    pl_value *v = pl_value_copy(&src->value); /* the steps that can fail come first */
    if (v == NULL || set_error(dst, text, strlen(text)) != PL_OK) {
        pl_value_free(v);
        return PL_ENOMEM;
    }
    pl_value_move(&dst->value, v);
    pl_value_free(v);
    dst->status = src->status;
    dst->worker = src->worker;
    dst->start_ns = src->start_ns;
    dst->end_ns = src->end_ns;
    return PL_OK;
}

/* ---------------------------------------------------------------- wire */

/* The fixed fields: status u8, worker u64, start u64, end u64, error length u32. */
#define FIXED_BYTES 29

static int encode_fields(const pl_result *r, pl_buf *out)
{
    const char *error = pl_result_error(r);
    size_t elen = strlen(error);
    uint8_t head[FIXED_BYTES];
    head[0] = r->status;
    pl_be_put(head + 1, (uint64_t)(int64_t)r->worker, 8);
    pl_be_put(head + 9, (uint64_t)r->start_ns, 8);
    pl_be_put(head + 17, (uint64_t)r->end_ns, 8);
    pl_be_put(head + 25, (uint64_t)elen, 4);
    int rc = pl_buf_put(out, head, sizeof head); /* one append for the five fields */
    if (rc == PL_OK) {
        rc = pl_buf_put(out, error, elen);
    }
    if (rc == PL_OK) {
        rc = pl_value_encode(&r->value, out);
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
    const uint8_t *h, *text;
    if (pl_reader_bytes(rd, FIXED_BYTES, &h) != PL_OK) {
        return PL_EWIRE;
    }
    uint8_t st = h[0];
    int64_t who = to_int64(pl_be_get(h + 1, 8));
    uint32_t elen = (uint32_t)pl_be_get(h + 25, 4);
    if (!is_status(st) || elen >= PL_ERROR_MAX || pl_reader_bytes(rd, elen, &text) != PL_OK ||
        who < INT32_MIN || who > INT32_MAX || (elen > 0 && memchr(text, '\0', elen) != NULL)) {
        return PL_EWIRE;
    }
    /* Most results carry no text: then there is nothing to copy (and r has none to drop when fresh). */
    if ((elen > 0 || r->error != NULL) && set_error(r, (const char *)text, elen) != PL_OK) {
        return PL_ENOMEM;
    }
    r->status = st;
    r->worker = (int32_t)who;
    r->start_ns = to_int64(pl_be_get(h + 9, 8));
    r->end_ns = to_int64(pl_be_get(h + 17, 8));
    return PL_OK;
}

int pl_result_decode_into(const uint8_t *buf, size_t len, pl_result *r, size_t *used)
{
    if (!is_mutable(r) || (buf == NULL && len > 0)) {
        return PL_EINVAL;
    }
    pl_reader rd;
    pl_reader_init(&rd, buf, len);
    size_t vlen = 0;
    int rc = decode_fields(&rd, r);
    if (rc == PL_OK) {
        rc = pl_value_decode_into(rd.p, rd.left, &r->value, &vlen);
    }
    if (rc == PL_OK && used != NULL) {
        *used = len - rd.left + vlen;
    }
    return rc;
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
    int rc = pl_result_decode_into(buf, len, r, used);
    if (rc != PL_OK) {
        pl_result_free(r);
        return rc;
    }
    *out = r;
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
    pl_value_format(&r->value, value, sizeof value);
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
                /* No memory for one more result: the slot still gets one, the shared FAILED one. */
                results[i] = pl_result_out_of_memory();
                rc = PL_ENOMEM;
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
