/*
 * pl_proxy_group.c - groups, forwarded (pl_proxy.h).
 *
 * The accessors (pl_group_size, _name, _result, _finished, _finished_name)
 * hand out pointers the group owns. Here the group keeps a copy of what
 * the subject's group said: names and results are only ever added (a
 * member's name never changes, a final result neither), so a pointer
 * handed out stays valid until pl_group_free, and an accessor asks the
 * subject again only while some member may still finish.
 */
#include <stdlib.h>
#include <string.h>

#include "paralab.h"
#include "pl_proxy_core.h"

struct pl_group {
    int64_t id;        /* the subject's */
    size_t n;          /* members known */
    char **names;      /* n names, in the order they were added */
    pl_result **res;   /* n results, NULL while a member has none */
    size_t finished;   /* how many have finished, in order: */
    size_t *order;     /* indices into names */
    int fresh;         /* nothing can have changed since the last look (all finished) */
};

static int64_t id_of(const pl_group *g)
{
    return g ? g->id : 0;
}

/* A call that may change the group: the next look at it asks the subject again. */
static int rc_answer(pl_group *g, int op)
{
    if (g != NULL) {
        g->fresh = 0;
    }
    return pl_proxy_rc_answer(op, NULL);
}

static size_t index_of(const pl_group *g, const char *name)
{
    for (size_t i = 0; name && i < g->n; i++) {
        if (strcmp(g->names[i], name) == 0) {
            return i;
        }
    }
    return SIZE_MAX;
}

/* One member of the answer: its name (new ones appended) and its result (kept once final). */
static int take_member(pl_group *g, size_t i, pl_reader *ans)
{
    char *name = NULL;
    pl_result *r = NULL;
    if (pl_proto_get_str_opt(ans, &name) || pl_proto_get_result_opt(ans, &r) || name == NULL) {
        free(name);
        pl_result_free(r);
        return PL_EWIRE;
    }
    if (i == g->n) {
        char **names = realloc(g->names, (i + 1) * sizeof *names);
        pl_result **res = names ? realloc(g->res, (i + 1) * sizeof *res) : NULL;
        g->names = names ? names : g->names;
        g->res = res ? res : g->res;
        if (res == NULL) {
            free(name);
            pl_result_free(r);
            return PL_ENOMEM;
        }
        g->names[i] = name;
        g->res[i] = NULL;
        g->n++;
        name = NULL;
    }
    free(name);
    if (g->res[i] == NULL) {
        g->res[i] = r;
    } else {
        pl_result_free(r);
    }
    return PL_OK;
}

/* The finishing order: only the entries past those already known. */
static int take_order(pl_group *g, size_t done, pl_reader *ans)
{
    size_t *order = realloc(g->order, (done + 1) * sizeof *order);
    if (order == NULL) {
        return PL_ENOMEM;
    }
    g->order = order;
    for (size_t k = 0; k < done; k++) {
        char *name = NULL;
        if (pl_proto_get_str_opt(ans, &name) != PL_OK) {
            return PL_EWIRE;
        }
        size_t i = index_of(g, name);
        free(name);
        if (i == SIZE_MAX) {
            return PL_EWIRE; /* finished, yet not a member */
        }
        if (k >= g->finished) {
            g->order[g->finished++] = i;
        }
    }
    return PL_OK;
}

/* Asks the subject what the accessors would say now, unless nothing can have changed. */
static void refresh(const pl_group *cg)
{
    pl_group *g = (pl_group *)cg; /* the accessors take const: the copy is a cache, not the group's state */
    pl_buf *b = g && !g->fresh ? pl_proxy_begin(PL_OP_GSTATE) : NULL;
    pl_reader ans;
    int64_t n, done;
    if (b == NULL || pl_proto_put_i64(b, g->id) || pl_proxy_round_trip(PL_OP_GSTATE, &ans) != PL_OK) {
        return;
    }
    int rc = pl_proto_get_i64(&ans, &n) || n < 0 || (uint64_t)n > PL_PROTO_ITEMS_MAX || (size_t)n < g->n;
    for (size_t i = 0; !rc && i < (size_t)n; i++) {
        rc = take_member(g, i, &ans);
    }
    rc = rc ? rc : pl_proto_get_i64(&ans, &done) || done < 0 || (size_t)done > g->n || (size_t)done < g->finished;
    rc = rc ? rc : take_order(g, (size_t)done, &ans);
    if (rc != PL_OK || !pl_proxy_answer_done(PL_OP_GSTATE, &ans)) {
        if (rc != PL_OK) {
            pl_proxy_bad_answer(PL_OP_GSTATE);
        }
        return;
    }
    g->fresh = g->n > 0 && g->finished == g->n;
}

int pl_group_new(int max_workers, pl_group **out)
{
    pl_buf *b = pl_proxy_begin(PL_OP_GNEW);
    if (b == NULL || pl_proto_put_i64(b, max_workers) || pl_proto_put_i64(b, out != NULL)) {
        return PL_ENOMEM;
    }
    int64_t id;
    int rc = pl_proxy_rc_answer(PL_OP_GNEW, &id);
    if (out != NULL) {
        *out = id != 0 ? calloc(1, sizeof **out) : NULL; /* NULL out of memory, as from a real backend */
        if (*out != NULL) {
            (*out)->id = id;
        }
    }
    return rc;
}

int pl_group_add(pl_group *g, const char *name, const char *task, const pl_value *arg)
{
    pl_buf *b = pl_proxy_begin(PL_OP_GADD);
    if (b == NULL || pl_proto_put_i64(b, id_of(g)) || pl_proto_put_str_opt(b, name) ||
        pl_proto_put_str_opt(b, task) || pl_proto_put_value_opt(b, arg)) {
        return PL_ENOMEM;
    }
    return rc_answer(g, PL_OP_GADD);
}

int pl_group_start(pl_group *g)
{
    if (g != NULL) {
        g->fresh = 0;
    }
    return pl_proxy_id_call(PL_OP_GSTART, id_of(g));
}

int pl_group_wait_first(pl_group *g, int64_t timeout_ms, const char **name)
{
    pl_reader ans;
    int64_t rc;
    char *got = NULL;
    if (g != NULL) {
        g->fresh = 0; /* whatever the wait answers, a member may have finished meanwhile */
    }
    int sent = pl_proxy_wait_call(PL_OP_GWAIT_FIRST, id_of(g), timeout_ms, name != NULL, &ans);
    if (sent != PL_OK) {
        return sent;
    }
    if (pl_proto_get_i64(&ans, &rc) || pl_proto_get_str_opt(&ans, &got) ||
        !pl_proxy_answer_done(PL_OP_GWAIT_FIRST, &ans)) {
        free(got);
        return pl_proxy_bad_answer(PL_OP_GWAIT_FIRST);
    }
    if (name != NULL && rc == PL_OK) {
        refresh(g); /* the name handed out must be the group's own copy, valid until free */
        size_t i = g ? index_of(g, got) : SIZE_MAX;
        *name = i != SIZE_MAX ? g->names[i] : NULL;
    }
    free(got);
    return (int)rc;
}

int pl_group_results(pl_group *g, int64_t timeout_ms)
{
    pl_buf *b = pl_proxy_begin(PL_OP_GRESULTS);
    if (b == NULL || pl_proto_put_i64(b, id_of(g)) || pl_proto_put_i64(b, timeout_ms)) {
        return PL_ENOMEM;
    }
    return rc_answer(g, PL_OP_GRESULTS);
}

size_t pl_group_size(const pl_group *g)
{
    refresh(g);
    return g ? g->n : 0;
}

const char *pl_group_name(const pl_group *g, size_t i)
{
    refresh(g);
    return g && i < g->n ? g->names[i] : NULL;
}

const pl_result *pl_group_result(const pl_group *g, const char *name)
{
    refresh(g);
    size_t i = g ? index_of(g, name) : SIZE_MAX;
    return i != SIZE_MAX ? g->res[i] : NULL;
}

size_t pl_group_finished(const pl_group *g)
{
    refresh(g);
    return g ? g->finished : 0;
}

const char *pl_group_finished_name(const pl_group *g, size_t k)
{
    refresh(g);
    return g && k < g->finished ? g->names[g->order[k]] : NULL;
}

void pl_group_free(pl_group **gp)
{
    if (gp == NULL) {
        return;
    }
    pl_proxy_id_call(PL_OP_GFREE, id_of(*gp)); /* nothing to report: the handle goes either way */
    pl_group *g = *gp;
    for (size_t i = 0; g && i < g->n; i++) {
        free(g->names[i]);
        pl_result_free(g->res[i]);
    }
    if (g != NULL) {
        free(g->names);
        free(g->res);
        free(g->order);
        free(g);
    }
    *gp = NULL;
}
