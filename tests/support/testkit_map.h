/*
 * testkit_map.h - one pl_map call over items the test made, as the map
 * suite and the model tests make it.
 *
 * Most map tests make the same call: n items, n fresh NULL result slots,
 * pl_map, then both arrays freed. A pl_test_map keeps the items, the
 * results, what pl_map returned and how long it took together, so a test
 * says only what it maps and what it expects of the results.
 */
#ifndef PL_TESTKIT_MAP_H
#define PL_TESTKIT_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "paralab.h"

/* One pl_map call and everything a test wants to know about it. */
typedef struct pl_test_map {
    size_t n;
    pl_value **items;
    pl_result **results;
    int rc;             /* what pl_map returned */
    int64_t elapsed_ms; /* measured around the call */
} pl_test_map;

/* Runs pl_map(task) over items (m takes ownership of them) into n fresh NULL slots; opts may be NULL. */
void pl_test_map_items(pl_test_map *m, const char *task, pl_value **items, size_t n, const pl_map_opts *opts);
/* Maps task over the int items first, first+step, ... (n items). */
void pl_test_map_range(pl_test_map *m, const char *task, size_t n, int64_t first, int64_t step, int max_workers,
                       int64_t timeout_ms);
/* Frees the results and the items; m is zeroed. */
void pl_test_map_free(pl_test_map *m);

#endif
