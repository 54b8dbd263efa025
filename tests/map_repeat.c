/*
 * map_repeat.c - one pl_map call, kept and made again (see map_repeat.h).
 *
 * Plain statics: one call is kept at a time, and only one thread (the
 * subject's serve loop, or the test's) ever uses them.
 */
#include "map_repeat.h"

#include <stdlib.h>
#include <string.h>

#include "pl_clock.h"

typedef struct kept_call {
    char *task;
    pl_value **items;
    pl_result **expected;
    pl_result **last;  /* the last run's results, until pl_map_repeat_check */
    pl_result **older; /* the run before it (a warm-up), freed with them */
    int last_rc;
    size_t n;
    pl_map_opts opts;
    int has_opts;
} kept_call;

static kept_call kept;

static void free_results(pl_result **r, size_t n)
{
    for (size_t i = 0; r != NULL && i < n; i++) {
        pl_result_free(r[i]);
    }
    free(r);
}

static void free_last(void)
{
    free_results(kept.last, kept.n);
    free_results(kept.older, kept.n);
    kept.last = NULL;
    kept.older = NULL;
}

void pl_map_repeat_clear(void)
{
    free_last();
    for (size_t i = 0; kept.items != NULL && i < kept.n; i++) {
        pl_value_free(kept.items[i]);
    }
    free(kept.items);
    free_results(kept.expected, kept.n);
    free(kept.task);
    memset(&kept, 0, sizeof kept);
}

/* Copies of every item and result: the caller may free its own at once. */
static int copy_call(pl_value *const items[], pl_result *const results[], size_t n)
{
    kept.items = calloc(n, sizeof *kept.items);
    kept.expected = calloc(n, sizeof *kept.expected);
    if (kept.items == NULL || kept.expected == NULL) {
        return PL_ENOMEM;
    }
    kept.n = n; /* from here pl_map_repeat_clear frees what was copied */
    for (size_t i = 0; i < n; i++) {
        if ((items[i] != NULL && (kept.items[i] = pl_value_copy(items[i])) == NULL) ||
            (results[i] != NULL && (kept.expected[i] = pl_result_copy(results[i])) == NULL)) {
            return PL_ENOMEM;
        }
    }
    return PL_OK;
}

int pl_map_repeat_keep(const char *task, pl_value *const items[], size_t n, const pl_map_opts *opts,
                       pl_result *const results[])
{
    pl_map_repeat_clear();
    if (task == NULL || items == NULL || results == NULL || n == 0) {
        return PL_EINVAL;
    }
    kept.task = strdup(task);
    int rc = kept.task != NULL ? copy_call(items, results, n) : PL_ENOMEM;
    if (rc != PL_OK) {
        pl_map_repeat_clear();
        return rc;
    }
    kept.has_opts = opts != NULL;
    if (opts != NULL) {
        kept.opts = *opts;
    }
    return PL_OK;
}

/* Same status and value as the kept result (a missing result differs from any result). */
static int same_result(const pl_result *a, const pl_result *b)
{
    if (a == NULL || b == NULL) {
        return a == b;
    }
    return pl_result_status(a) == pl_result_status(b) && pl_value_equal(pl_result_value(a), pl_result_value(b));
}

int pl_map_repeat_run(void)
{
    if (kept.task == NULL) {
        return PL_EINVAL;
    }
    if (kept.older != NULL) {
        free_last(); /* a third run without a check: nothing of it is timed */
    }
    pl_result **fresh = calloc(kept.n, sizeof *fresh);
    if (fresh == NULL) {
        return PL_ENOMEM;
    }
    kept.older = kept.last; /* freed by the check, so that no timed run frees anything */
    kept.last = fresh;
    kept.last_rc = pl_map(kept.task, kept.items, kept.n, kept.has_opts ? &kept.opts : NULL, kept.last);
    return kept.last_rc;
}

int pl_map_repeat_check(pl_map_repeat_outcome *out)
{
    if (out == NULL || kept.last == NULL) {
        return PL_EINVAL;
    }
    out->rc = kept.last_rc;
    out->differ = 0;
    for (size_t i = 0; i < kept.n; i++) {
        out->differ += !same_result(kept.last[i], kept.expected[i]);
    }
    out->overlap = pl_results_max_overlap(kept.last, kept.n);
    free_last();
    return PL_OK;
}

/* ---------------------------------------------------------------- for the suites */

/* All NULL in-process: the calls are made here. */
static pl_map_kept_fn kept_hook;
static pl_map_run_fn run_hook;
static pl_map_check_fn check_hook;

void pl_test_map_repeat_hooks(pl_map_kept_fn kept_fn, pl_map_run_fn run_fn, pl_map_check_fn check_fn)
{
    kept_hook = kept_fn;
    run_hook = run_fn;
    check_hook = check_fn;
}

int pl_test_map_kept(const char *task, pl_value *const items[], size_t n, const pl_map_opts *opts,
                     pl_result *results[])
{
    if (kept_hook != NULL) {
        return kept_hook(task, items, n, opts, results);
    }
    int rc = pl_map(task, items, n, opts, results);
    if (rc == PL_OK && pl_map_repeat_keep(task, items, n, opts, results) != PL_OK) {
        return PL_ENOMEM;
    }
    return rc;
}

/* The kept call made once more: in the subject (checker) or here. */
static int run_kept(void)
{
    return run_hook != NULL ? run_hook() : pl_map_repeat_run();
}

/* The subject failed during a run: already reported, and nothing is left to ask it. */
static int subject_lost(int rc)
{
    return rc == PL_ESYS && run_hook != NULL;
}

int pl_test_map_again(pl_map_repeat_outcome *out, int64_t *wall_ns)
{
    int rc = run_kept(); /* the warm-up: the same call once, untimed (see map_repeat.h) */
    if (subject_lost(rc)) {
        return rc;
    }
    int64_t t0 = pl_now_ns();
    rc = run_kept();
    *wall_ns = pl_now_ns() - t0;
    if (subject_lost(rc)) {
        return rc;
    }
    return check_hook != NULL ? check_hook(out) : pl_map_repeat_check(out);
}
