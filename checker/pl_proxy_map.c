/*
 * pl_proxy_map.c - pl_map, forwarded (pl_proxy.h). The items go out whole,
 * the subject's pl_map runs them, and its results come back into the
 * caller's slots; the caller's argument mistakes (NULL items, n with no
 * array) travel as they are, so the subject's own checks judge them.
 * pl_proxy_map_kept / pl_proxy_map_again: the same call kept in the
 * subject and made again there (tests/map_repeat.h, for timing).
 */
#include <stdint.h>
#include <stdlib.h>

#include "map_repeat.h"
#include "paralab.h"
#include "pl_proxy.h"
#include "pl_proxy_core.h"

static int put_map_request(pl_buf *b, const char *task, pl_value *const items[], size_t n,
                           const pl_map_opts *opts, pl_result *results[], int keep)
{
    int rc = pl_proto_put_str_opt(b, task);
    rc |= pl_proto_put_i64(b, (int64_t)n);
    rc |= pl_proto_put_i64(b, items != NULL);
    for (size_t i = 0; rc == PL_OK && items && i < n; i++) {
        rc = pl_proto_put_value_opt(b, items[i]);
    }
    rc |= pl_proto_put_i64(b, opts != NULL);
    rc |= pl_proto_put_i64(b, opts ? opts->max_workers : 0);
    rc |= pl_proto_put_i64(b, opts ? opts->timeout_ms : 0);
    rc |= pl_proto_put_i64(b, opts ? opts->chunksize : 0);
    rc |= pl_proto_put_i64(b, results != NULL);
    rc |= pl_proto_put_i64(b, keep);
    return rc;
}

/* The subject failed mid-call: every empty slot still gets its one result, saying why. */
static void settle_lost(pl_result *results[], size_t n, const pl_value *const items[])
{
    if (results == NULL || items == NULL) {
        return;
    }
    pl_results_settle(results, n, PL_TASK_FAILED, pl_proxy_why());
}

static int forward_map(const char *task, pl_value *const items[], size_t n, const pl_map_opts *opts,
                       pl_result *results[], int keep)
{
    pl_buf *b = pl_proxy_begin(PL_OP_MAP);
    pl_reader ans;
    if (b == NULL || put_map_request(b, task, items, n, opts, results, keep) != PL_OK) {
        return PL_ENOMEM;
    }
    if (pl_proxy_round_trip(PL_OP_MAP, &ans) != PL_OK) {
        settle_lost(results, n, (const pl_value *const *)items);
        return PL_ESYS;
    }
    int64_t rc;
    if (pl_proto_get_i64(&ans, &rc) != PL_OK) {
        return pl_proxy_bad_answer(PL_OP_MAP);
    }
    for (size_t i = 0; results && i < n; i++) {
        pl_result *r = NULL;
        if (pl_proto_get_result_opt(&ans, &r) != PL_OK) {
            settle_lost(results, n, (const pl_value *const *)items);
            return pl_proxy_bad_answer(PL_OP_MAP);
        }
        if (r != NULL) {
            pl_result_free(results[i]); /* (a caller's leftover; the slots are normally empty) */
            results[i] = r;
        }
    }
    if (!pl_proxy_answer_done(PL_OP_MAP, &ans)) {
        settle_lost(results, n, (const pl_value *const *)items);
        return PL_ESYS;
    }
    return (int)rc;
}

int pl_map(const char *task, pl_value *const items[], size_t n, const pl_map_opts *opts, pl_result *results[])
{
    return forward_map(task, items, n, opts, results, 0);
}

int pl_proxy_map_kept(const char *task, pl_value *const items[], size_t n, const pl_map_opts *opts,
                      pl_result *results[])
{
    return forward_map(task, items, n, opts, results, 1);
}

int pl_proxy_map_again(void)
{
    pl_reader ans;
    int64_t rc;
    if (pl_proxy_begin(PL_OP_MAP_AGAIN) == NULL) {
        return PL_ENOMEM;
    }
    if (pl_proxy_round_trip(PL_OP_MAP_AGAIN, &ans) != PL_OK) {
        return PL_ESYS;
    }
    if (pl_proto_get_i64(&ans, &rc) != PL_OK) {
        return pl_proxy_bad_answer(PL_OP_MAP_AGAIN);
    }
    return pl_proxy_answer_done(PL_OP_MAP_AGAIN, &ans) ? (int)rc : PL_ESYS;
}

int pl_proxy_map_check(pl_map_repeat_outcome *out)
{
    pl_reader ans;
    if (pl_proxy_begin(PL_OP_MAP_CHECK) == NULL) {
        return PL_ENOMEM;
    }
    if (pl_proxy_round_trip(PL_OP_MAP_CHECK, &ans) != PL_OK) {
        return PL_ESYS;
    }
    int64_t rc, differ, overlap;
    if (pl_proto_get_i64(&ans, &rc) || pl_proto_get_i64(&ans, &differ) || pl_proto_get_i64(&ans, &overlap) ||
        differ < 0 || overlap < 0 || overlap > INT32_MAX) {
        return pl_proxy_bad_answer(PL_OP_MAP_CHECK);
    }
    if (!pl_proxy_answer_done(PL_OP_MAP_CHECK, &ans)) {
        return PL_ESYS;
    }
    *out = (pl_map_repeat_outcome){.rc = (int)rc, .differ = (size_t)differ, .overlap = (int)overlap};
    return PL_OK;
}
