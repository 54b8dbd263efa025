/*
 * testkit_needs.c - "this test needs lab 02": probing which labs are done.
 *
 * A file of its own, like testkit_futures.c: only binaries that call it pull
 * in the backend's map, futures and groups.
 */
#include "testkit.h"

/* 1 when pl_map answers something else than "not implemented" for one tiny item. */
static int map_done(void)
{
    pl_value *item = pl_value_new_int(1);
    pl_result *r = NULL;
    pl_map_opts opts = {.max_workers = 1, .timeout_ms = 10000};
    int rc = pl_map("noop", &item, 1, &opts, &r);
    pl_result_free(r);
    pl_value_free(item);
    return rc != PL_ENOTIMPL;
}

static int futures_done(void)
{
    pl_value *v = pl_value_new_int(1);
    pl_future *f = NULL;
    int rc = pl_future_start("noop", v, &f);
    pl_value_free(v);
    if (f != NULL) {
        const pl_result *r = NULL;
        pl_future_wait(f, 10000, &r);
        pl_future_free(&f);
    }
    return rc != PL_ENOTIMPL;
}

static int group_done(void)
{
    pl_group *g = NULL;
    int rc = pl_group_new(1, &g);
    if (g != NULL) {
        pl_group_free(&g);
    }
    return rc != PL_ENOTIMPL;
}

int pl_test_needs_at(unsigned what, const char *file, int line)
{
    static const struct {
        unsigned bit;
        int (*done)(void);
        const char *lab, *call;
    } labs[] = {
        {PL_TEST_NEEDS_MAP, map_done, "01-map", "pl_map"},
        {PL_TEST_NEEDS_FUTURES, futures_done, "02-futures", "pl_future_start"},
        {PL_TEST_NEEDS_GROUP, group_done, "03-group", "pl_group_new"},
    };
    int ok = 1;
    for (size_t i = 0; i < sizeof labs / sizeof labs[0]; i++) {
        if ((what & labs[i].bit) && !labs[i].done()) {
            pl_test_check(0, file, line,
                          "needs lab %s: %s is not implemented yet (this test counts once that lab is done)",
                          labs[i].lab, labs[i].call);
            ok = 0;
        }
    }
    return ok;
}
