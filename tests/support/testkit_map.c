/*
 * testkit_map.c - the testkit's pl_map fixture (testkit_map.h).
 *
 * A file of its own, like testkit_futures.c: the testkit is a static
 * library, so only test binaries that call these pull in pl_map; lab 00's
 * binaries, which link no backend, keep linking.
 */
#include "testkit_map.h"

#include <string.h>

#include "testkit.h"

void pl_test_map_items(pl_test_map *m, const char *task, pl_value **items, size_t n, const pl_map_opts *opts)
{
    m->n = n;
    m->items = items;
    m->results = pl_test_results_new(n);
    int64_t t0 = pl_now_ns();
    m->rc = pl_map(task, items, n, opts, m->results);
    m->elapsed_ms = pl_test_ms_since(t0);
}

void pl_test_map_range(pl_test_map *m, const char *task, size_t n, int64_t first, int64_t step, int max_workers,
                       int64_t timeout_ms)
{
    pl_map_opts opts = {.max_workers = max_workers, .timeout_ms = timeout_ms};
    pl_test_map_items(m, task, pl_test_items_int(n, first, step), n, &opts);
}

void pl_test_map_free(pl_test_map *m)
{
    pl_test_results_free(m->results, m->n);
    pl_test_items_free(m->items, m->n);
    memset(m, 0, sizeof *m);
}
