/*
 * pl_roster.c - group members, their results and the order they finished.
 *
 * The completion order is an append-only list of member indexes; "reported"
 * is a cursor into it. So wait_first hands out members exactly in the order
 * they finished, each exactly once, and a late duplicate answer for a member
 * is refused instead of replacing the first one.
 */
#include "pl_roster.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pl_task.h"

typedef struct member {
    char *name;
    char *task;
    pl_value *arg;
    pl_result *result; /* NULL until finished */
} member;

struct pl_roster {
    member *members;
    size_t *order; /* indexes in completion order; same capacity as members */
    size_t size, cap;
    size_t finished;
    size_t reported; /* order[0..reported) were handed out by next_unreported */
};

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p != NULL) {
        memcpy(p, s, n);
    }
    return p;
}

pl_roster *pl_roster_new(void)
{
    return calloc(1, sizeof(pl_roster));
}

void pl_roster_free(pl_roster *r)
{
    if (r == NULL) {
        return;
    }
    for (size_t i = 0; i < r->size; i++) {
        free(r->members[i].name);
        free(r->members[i].task);
        pl_value_free(r->members[i].arg);
        pl_result_free(r->members[i].result);
    }
    free(r->members);
    free(r->order);
    free(r);
}

static int grow(pl_roster *r)
{
    if (r->size < r->cap) {
        return PL_OK;
    }
    size_t cap = r->cap != 0 ? r->cap * 2 : 8;
    if (cap > SIZE_MAX / sizeof(member)) {
        return PL_ENOMEM;
    }
    member *m = realloc(r->members, cap * sizeof *m);
    if (m == NULL) {
        return PL_ENOMEM;
    }
    r->members = m;
    size_t *o = realloc(r->order, cap * sizeof *o);
    if (o == NULL) {
        return PL_ENOMEM; /* members grew already; harmless, cap stays the old one */
    }
    r->order = o;
    r->cap = cap;
    return PL_OK;
}

int pl_roster_add(pl_roster *r, const char *name, const char *task, const pl_value *arg)
{
    if (r == NULL || name == NULL || task == NULL || name[0] == '\0') {
        return PL_EINVAL;
    }
    if (pl_roster_find(r, name) >= 0) {
        return PL_EEXIST;
    }
    if (pl_task_lookup(task) == NULL) {
        return PL_ENOTASK;
    }
    if (grow(r) != PL_OK) {
        return PL_ENOMEM;
    }
    member m = {dup_str(name), dup_str(task), arg != NULL ? pl_value_copy(arg) : pl_value_new(), NULL};
    if (m.name == NULL || m.task == NULL || m.arg == NULL) {
        free(m.name);
        free(m.task);
        pl_value_free(m.arg);
        return PL_ENOMEM;
    }
    r->members[r->size++] = m;
    return PL_OK;
}

size_t pl_roster_size(const pl_roster *r)
{
    return r != NULL ? r->size : 0;
}

const char *pl_roster_name(const pl_roster *r, size_t i)
{
    return r != NULL && i < r->size ? r->members[i].name : NULL;
}

const char *pl_roster_task(const pl_roster *r, size_t i)
{
    return r != NULL && i < r->size ? r->members[i].task : NULL;
}

const pl_value *pl_roster_arg(const pl_roster *r, size_t i)
{
    return r != NULL && i < r->size ? r->members[i].arg : NULL;
}

long pl_roster_find(const pl_roster *r, const char *name)
{
    if (r == NULL || name == NULL) {
        return -1;
    }
    for (size_t i = 0; i < r->size; i++) {
        if (strcmp(r->members[i].name, name) == 0) {
            return (long)i;
        }
    }
    return -1;
}

int pl_roster_finish(pl_roster *r, size_t i, pl_result *res)
{
    /* res is consumed on every path, so a caller never leaks it on an error. */
    if (r == NULL || res == NULL || i >= r->size) {
        pl_result_free(res);
        return PL_EINVAL;
    }
    if (r->members[i].result != NULL) {
        pl_result_free(res); /* the first answer stands */
        return PL_ESTATE;
    }
    r->members[i].result = res;
    r->order[r->finished++] = i;
    return PL_OK;
}

const pl_result *pl_roster_result(const pl_roster *r, size_t i)
{
    return r != NULL && i < r->size ? r->members[i].result : NULL;
}

int pl_roster_is_finished(const pl_roster *r, size_t i)
{
    return pl_roster_result(r, i) != NULL;
}

size_t pl_roster_finished_count(const pl_roster *r)
{
    return r != NULL ? r->finished : 0;
}

size_t pl_roster_finished_at(const pl_roster *r, size_t k)
{
    return r != NULL && k < r->finished ? r->order[k] : (size_t)-1;
}

int pl_roster_next_unreported(pl_roster *r, size_t *idx)
{
    if (r == NULL || idx == NULL) {
        return PL_EINVAL;
    }
    if (r->reported < r->finished) {
        *idx = r->order[r->reported++];
        return PL_OK;
    }
    return r->finished < r->size ? PL_ETIMEDOUT : PL_ESTATE;
}

int pl_roster_settle(pl_roster *r, pl_task_status st, const char *why)
{
    if (r == NULL || st == PL_TASK_PENDING || (int)st < 0 || (int)st >= PL_TASK_STATUS_COUNT) {
        return PL_EINVAL;
    }
    int rc = PL_OK;
    for (size_t i = 0; i < r->size; i++) {
        if (r->members[i].result != NULL) {
            continue;
        }
        pl_result *res = pl_result_new();
        if (res == NULL) {
            rc = PL_ENOMEM; /* keep settling the others */
            continue;
        }
        pl_result_set_status(res, st, "%s", why != NULL ? why : "");
        pl_roster_finish(r, i, res);
    }
    return rc;
}
