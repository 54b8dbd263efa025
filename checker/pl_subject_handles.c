/*
 * pl_subject_handles.c - futures and groups on the subject's side (see
 * pl_subject_handles.h, pl_proto.h for the fields of each op).
 */
#include "pl_subject_handles.h"

#include <stdlib.h>

#include "paralab.h"
#include "pl_proto.h"

/* The free functions of the API, through one type so a table knows how to free its own handles. */
static void destroy_future(void *p)
{
    pl_future *f = p;
    pl_future_free(&f);
}

static void destroy_group(void *p)
{
    pl_group *g = p;
    pl_group_free(&g);
}

/* One table of handles: slot id-1 holds the pointer, NULL once freed. */
typedef struct table {
    void **slot;
    size_t n;
    void (*destroy)(void *);
} table;

static table futures = {.destroy = destroy_future}, groups = {.destroy = destroy_group};

/* A handle named in a request: its id, the pointer (NULL for id 0), and whether the id is bad. */
typedef struct handle {
    int64_t id;
    void *p;
    int bad;
} handle;

static int64_t table_put(table *t, void *p)
{
    if (p == NULL) {
        return 0;
    }
    void **grown = realloc(t->slot, (t->n + 1) * sizeof *grown);
    if (grown == NULL) {
        return -1;
    }
    t->slot = grown;
    t->slot[t->n++] = p;
    return (int64_t)t->n;
}

/* The id of a new handle for the reply; when the table cannot grow, the
 * handle is freed and the call reports PL_ENOMEM with id 0. */
static int64_t table_put_or_free(table *t, void *p, int64_t *call)
{
    int64_t id = table_put(t, p);
    if (id < 0) {
        t->destroy(p);
        *call = PL_ENOMEM;
        id = 0;
    }
    return id;
}

/* The handle of an id: NULL for 0, *bad set for an id that is not (or no longer) there. */
static void *table_get(const table *t, int64_t id, int *bad)
{
    if (id == 0) {
        return NULL;
    }
    if (id < 0 || (size_t)id > t->n || t->slot[id - 1] == NULL) {
        *bad = 1;
        return NULL;
    }
    return t->slot[id - 1];
}

/* Reads an id and finds its future or group; PL_EWIRE when the frame is short. */
static int get_handle(pl_reader *in, const table *t, handle *h)
{
    *h = (handle){0};
    if (pl_proto_get_i64(in, &h->id) != PL_OK) {
        return PL_EWIRE;
    }
    h->p = table_get(t, h->id, &h->bad);
    return PL_OK;
}

/* FWAIT and GWAIT_FIRST: the handle, the timeout, and whether the caller wants what finished. */
static int get_wait_args(pl_reader *in, const table *t, handle *h, int64_t *tmo, int64_t *want)
{
    if (get_handle(in, t, h) || pl_proto_get_i64(in, tmo) || pl_proto_get_i64(in, want)) {
        return PL_EWIRE;
    }
    return PL_OK;
}

/* FFREE and GFREE: the free functions take NULL, so a bad or 0 id frees nothing. */
static int free_handle(pl_reader *in, pl_buf *out, table *t)
{
    handle h;
    if (get_handle(in, t, &h)) {
        return PL_EWIRE;
    }
    t->destroy(h.p);
    if (h.id > 0 && !h.bad) {
        t->slot[h.id - 1] = NULL;
    }
    return pl_proto_put_i64(out, PL_OK);
}

/* ---------------------------------------------------------------- futures */

static int op_fstart(pl_reader *in, pl_buf *out)
{
    char *task = NULL;
    pl_value *arg = NULL;
    int64_t want_out = 0;
    int rc = pl_proto_get_str_opt(in, &task);
    rc = rc ? rc : pl_proto_get_value_opt(in, &arg);
    rc = rc ? rc : pl_proto_get_i64(in, &want_out);
    if (rc == PL_OK) {
        pl_future *f = NULL;
        int64_t call = pl_future_start(task, arg, want_out ? &f : NULL);
        int64_t id = table_put_or_free(&futures, f, &call);
        rc = pl_proto_put_i64(out, call);
        rc |= pl_proto_put_i64(out, id);
    }
    pl_value_free(arg);
    free(task);
    return rc;
}

static int op_fwait(pl_reader *in, pl_buf *out)
{
    int64_t tmo, want_out;
    handle f;
    if (get_wait_args(in, &futures, &f, &tmo, &want_out)) {
        return PL_EWIRE;
    }
    const pl_result *r = NULL;
    int64_t call = f.bad ? PL_EINVAL : pl_future_wait(f.p, tmo, want_out ? &r : NULL);
    int rc = pl_proto_put_i64(out, call);
    return rc ? rc : pl_proto_put_result_opt(out, call == PL_OK ? r : NULL);
}

static int op_fdone_cancel(pl_reader *in, pl_buf *out, int cancel)
{
    handle f;
    if (get_handle(in, &futures, &f)) {
        return PL_EWIRE;
    }
    int64_t call = f.bad ? PL_EINVAL : cancel ? pl_future_cancel(f.p) : pl_future_done(f.p);
    return pl_proto_put_i64(out, call);
}

static int op_fdone(pl_reader *in, pl_buf *out)
{
    return op_fdone_cancel(in, out, 0);
}

static int op_fcancel(pl_reader *in, pl_buf *out)
{
    return op_fdone_cancel(in, out, 1);
}

static int op_ffree(pl_reader *in, pl_buf *out)
{
    return free_handle(in, out, &futures);
}

/* ---------------------------------------------------------------- groups */

static int op_gnew(pl_reader *in, pl_buf *out)
{
    int64_t mw, want_out;
    if (pl_proto_get_i64(in, &mw) || pl_proto_get_i64(in, &want_out)) {
        return PL_EWIRE;
    }
    pl_group *g = NULL;
    int64_t call = pl_group_new((int)mw, want_out ? &g : NULL);
    int64_t id = table_put_or_free(&groups, g, &call);
    int rc = pl_proto_put_i64(out, call);
    return rc ? rc : pl_proto_put_i64(out, id);
}

static int op_gadd(pl_reader *in, pl_buf *out)
{
    handle g;
    char *name = NULL, *task = NULL;
    pl_value *arg = NULL;
    int rc = get_handle(in, &groups, &g);
    rc = rc ? rc : pl_proto_get_str_opt(in, &name);
    rc = rc ? rc : pl_proto_get_str_opt(in, &task);
    rc = rc ? rc : pl_proto_get_value_opt(in, &arg);
    if (rc == PL_OK) {
        rc = pl_proto_put_i64(out, g.bad ? PL_EINVAL : pl_group_add(g.p, name, task, arg));
    }
    pl_value_free(arg);
    free(task);
    free(name);
    return rc;
}

static int op_gstart(pl_reader *in, pl_buf *out)
{
    handle g;
    if (get_handle(in, &groups, &g)) {
        return PL_EWIRE;
    }
    return pl_proto_put_i64(out, g.bad ? PL_EINVAL : pl_group_start(g.p));
}

static int op_gwait_first(pl_reader *in, pl_buf *out)
{
    int64_t tmo, want_name;
    handle g;
    if (get_wait_args(in, &groups, &g, &tmo, &want_name)) {
        return PL_EWIRE;
    }
    const char *name = NULL;
    int64_t call = g.bad ? PL_EINVAL : pl_group_wait_first(g.p, tmo, want_name ? &name : NULL);
    int rc = pl_proto_put_i64(out, call);
    return rc ? rc : pl_proto_put_str_opt(out, call == PL_OK ? name : NULL);
}

static int op_gresults(pl_reader *in, pl_buf *out)
{
    int64_t tmo;
    handle g;
    if (get_handle(in, &groups, &g) || pl_proto_get_i64(in, &tmo)) {
        return PL_EWIRE;
    }
    return pl_proto_put_i64(out, g.bad ? PL_EINVAL : pl_group_results(g.p, tmo));
}

/* Everything the accessors (size, names, results, finishing order) would say now. */
static int op_gstate(pl_reader *in, pl_buf *out)
{
    handle h;
    if (get_handle(in, &groups, &h)) {
        return PL_EWIRE;
    }
    pl_group *g = h.p;
    size_t n = h.bad ? 0 : pl_group_size(g);
    int rc = pl_proto_put_i64(out, (int64_t)n);
    for (size_t i = 0; rc == PL_OK && i < n; i++) {
        const char *name = pl_group_name(g, i);
        rc = pl_proto_put_str_opt(out, name);
        rc = rc ? rc : pl_proto_put_result_opt(out, name ? pl_group_result(g, name) : NULL);
    }
    size_t done = h.bad ? 0 : pl_group_finished(g);
    rc = rc ? rc : pl_proto_put_i64(out, (int64_t)done);
    for (size_t k = 0; rc == PL_OK && k < done; k++) {
        rc = pl_proto_put_str_opt(out, pl_group_finished_name(g, k));
    }
    return rc;
}

static int op_gfree(pl_reader *in, pl_buf *out)
{
    return free_handle(in, out, &groups);
}

static int op_quit(pl_reader *in, pl_buf *out)
{
    (void)in;
    return pl_proto_put_i64(out, PL_OK);
}

pl_subject_handler pl_subject_handle_op(int op)
{
    switch (op) {
    case PL_OP_FSTART: return op_fstart;
    case PL_OP_FWAIT: return op_fwait;
    case PL_OP_FDONE: return op_fdone;
    case PL_OP_FCANCEL: return op_fcancel;
    case PL_OP_FFREE: return op_ffree;
    case PL_OP_GNEW: return op_gnew;
    case PL_OP_GADD: return op_gadd;
    case PL_OP_GSTART: return op_gstart;
    case PL_OP_GWAIT_FIRST: return op_gwait_first;
    case PL_OP_GRESULTS: return op_gresults;
    case PL_OP_GSTATE: return op_gstate;
    case PL_OP_GFREE: return op_gfree;
    case PL_OP_QUIT: return op_quit;
    default: return NULL;
    }
}

void pl_subject_handles_free_all(void)
{
    table *tables[] = {&futures, &groups};
    for (size_t t = 0; t < 2; t++) {
        for (size_t i = 0; i < tables[t]->n; i++) {
            tables[t]->destroy(tables[t]->slot[i]);
        }
        free(tables[t]->slot);
        tables[t]->slot = NULL;
        tables[t]->n = 0;
    }
}
