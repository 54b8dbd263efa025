/*
 * demo_map.c - the lesson's first example:
 *
 *     with Pool(5) as p:
 *         print(p.map(square, range(1, 11)))      # [1, 4, 9, ..., 100]
 *
 * The results come back in input order whoever computed them; the second
 * line shows which worker (thread, pid or rank) ran each item, which is
 * where the models differ.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "demo.h"
#include "paralab.h"

#define N_ITEMS 10

/* How many different workers appear in results[] (ids are small or pids: compare pairwise). */
static size_t distinct_workers(pl_result *results[], size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < i && pl_result_worker(results[j]) != pl_result_worker(results[i])) {
            j++;
        }
        count += j == i;
    }
    return count;
}

static void print_results(pl_result *results[], size_t n, int max_workers)
{
    printf("[");
    for (size_t i = 0; i < n; i++) {
        char text[64];
        pl_value_format(pl_result_value(results[i]), text, sizeof text);
        printf("%s%s", i ? ", " : "", pl_result_status(results[i]) == PL_TASK_OK ? text : "?");
    }
    printf("]\nran on workers:");
    for (size_t i = 0; i < n; i++) {
        printf(" %" PRId64, pl_result_worker(results[i]));
    }
    printf("\n(%s; max_workers = %d, %zu different worker(s) ran the %zu items", demo_worker_kind(), max_workers,
           distinct_workers(results, n), n);
    /* MPI's workers are the ranks mpiexec started: max_workers cannot add more. */
    if (strcmp(pl_backend()->name, "mpi") == 0 && pl_workers() < max_workers) {
        printf(": MPI has only %d worker rank(s), so at most %d ran at once", pl_workers(), pl_workers());
    }
    printf(")\n");
}

int demo_map(const demo_args *a)
{
    (void)a;
    pl_value *items[N_ITEMS] = {0};
    pl_result *results[N_ITEMS] = {0};
    int rc = PL_ENOMEM;
    for (size_t i = 0; i < N_ITEMS; i++) {
        items[i] = pl_value_new_int((int64_t)i + 1);
        if (items[i] == NULL) {
            goto out;
        }
    }
    pl_map_opts opts = {.max_workers = 5, .timeout_ms = PL_NO_TIMEOUT};
    rc = pl_map("square", items, N_ITEMS, &opts, results);
    if (rc == PL_OK) {
        print_results(results, N_ITEMS, opts.max_workers);
    }
out:
    for (size_t i = 0; i < N_ITEMS; i++) {
        pl_value_free(items[i]);
        pl_result_free(results[i]);
    }
    return rc == PL_OK ? 0 : demo_refused("pl_map", rc);
}
