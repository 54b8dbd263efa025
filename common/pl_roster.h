/*
 * pl_roster.h - the bookkeeping every group backend shares.
 *
 * A group is "named members + who finished in which order". That part has
 * nothing to do with threads or processes, so it lives here once; each
 * backend's group code only decides how members run. A roster is NOT
 * thread-safe: a backend that touches it from several threads must hold a
 * lock (OpenMP: a critical section) around every call.
 */
#ifndef PL_ROSTER_H
#define PL_ROSTER_H

#include <stddef.h>

#include "pl_result.h"
#include "pl_status.h"
#include "pl_value.h"

typedef struct pl_roster pl_roster;

pl_roster *pl_roster_new(void);
void pl_roster_free(pl_roster *r); /* accepts NULL */

/*
 * Add a member (name and arg are copied; arg NULL means a NONE value).
 * PL_EINVAL (NULL r/name/task, empty name), PL_EEXIST, PL_ENOTASK, PL_ENOMEM.
 */
int pl_roster_add(pl_roster *r, const char *name, const char *task, const pl_value *arg);

size_t pl_roster_size(const pl_roster *r);
/* Accessors return NULL when i is out of range. */
const char *pl_roster_name(const pl_roster *r, size_t i);
const char *pl_roster_task(const pl_roster *r, size_t i);
const pl_value *pl_roster_arg(const pl_roster *r, size_t i);
/* Index of name, or -1. */
long pl_roster_find(const pl_roster *r, const char *name);

/*
 * Member i finished: the roster takes ownership of res and appends i to the
 * completion order. PL_ESTATE if i already finished (res is then freed, so
 * a late duplicate answer can never replace the first one), PL_EINVAL (NULL
 * r/res, i out of range). res is consumed (freed) on EVERY error path too, so
 * a caller never leaks it.
 */
int pl_roster_finish(pl_roster *r, size_t i, pl_result *res);

/* NULL until member i finished. */
const pl_result *pl_roster_result(const pl_roster *r, size_t i);
int pl_roster_is_finished(const pl_roster *r, size_t i);
size_t pl_roster_finished_count(const pl_roster *r);
/* Index of the k-th member to finish; (size_t)-1 when k is out of range. */
size_t pl_roster_finished_at(const pl_roster *r, size_t k);

/*
 * For wait_first: the next finished member not yet reported (marks it
 * reported). PL_OK with *idx; PL_ETIMEDOUT when none is waiting to be
 * reported but some are unfinished; PL_ESTATE when all were reported.
 */
int pl_roster_next_unreported(pl_roster *r, size_t *idx);

/* Give every unfinished member a result with status st and text why (appended in index order). */
int pl_roster_settle(pl_roster *r, pl_task_status st, const char *why);

#endif
