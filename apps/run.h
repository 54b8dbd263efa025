/*
 * run.h - the playground: `./paralab run TASK --items ... --workers N
 * --timeout MS` maps any registered task over any items on one backend and
 * shows what happened to each item, and when, worker by worker.
 *
 *   run_main.c   options (one table: a new option is one row), items, pl_map
 *   run_show.c   the per-item table and the per-worker timeline
 */
#ifndef PL_RUN_H
#define PL_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "paralab.h"

#define RUN_MAX_ITEMS 10000

typedef struct run_opts {
    const char *task;
    pl_value **items; /* n owned values */
    size_t n;
    pl_map_opts map;  /* max_workers 0 = the backend's pl_workers() */
    int width;        /* timeline columns */
    int list_tasks;
} run_opts;

/*
 * Print the results of one pl_map call that started at t0_ns: a row per
 * item, a summary, and a timeline per worker.
 */
void run_show(const run_opts *o, pl_result *const results[], int64_t t0_ns, int64_t t1_ns);

#endif
