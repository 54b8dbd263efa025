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

#include "demo.h"
#include "paralab.h"

#define N_ITEMS 10

static void print_results(pl_result *results[], size_t n)
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
    printf("\n");
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
        print_results(results, N_ITEMS);
    }
out:
    for (size_t i = 0; i < N_ITEMS; i++) {
        pl_value_free(items[i]);
        pl_result_free(results[i]);
    }
    return rc == PL_OK ? 0 : demo_refused("pl_map", rc);
}
