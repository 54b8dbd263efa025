/*
 * core_tasks.c - a program that links a backend and nothing else (no
 * paralab_fetch, so no libcurl), as a student's or an instructor's own
 * program may: its built-in tasks must still be there, in every process
 * that runs them - the fork children, the MPI worker ranks.
 *
 * Exit status 0 when a map of "square" over 1..8 comes back right and
 * "fetch" is NOT registered (its library was not linked, nothing pulled it
 * in behind our back); 1 otherwise, with the reason on stderr. That it
 * links at all is the other half of the check: the backend libraries need
 * no libcurl symbol.
 */
#include <stdio.h>

#include "paralab.h"

#define N 8

static int body(void *ctx)
{
    (void)ctx;
    pl_value *items[N];
    pl_result *results[N] = {0};
    for (int i = 0; i < N; i++) {
        items[i] = pl_value_new_int(i + 1);
        if (items[i] == NULL) {
            fprintf(stderr, "core_tasks: out of memory\n");
            return 1;
        }
    }
    int bad = 0;
    int rc = pl_map("square", items, N, NULL, results);
    if (rc != PL_OK) {
        fprintf(stderr, "core_tasks: pl_map(square) returned %s\n", pl_strerror(rc));
        bad = 1;
    }
    for (int i = 0; i < N && rc == PL_OK; i++) {
        int64_t x = 0;
        if (pl_result_status(results[i]) != PL_TASK_OK || pl_value_get_int(pl_result_value(results[i]), &x) != PL_OK ||
            x != (int64_t)(i + 1) * (i + 1)) {
            fprintf(stderr, "core_tasks: square(%d) -> %s: %s\n", i + 1,
                    pl_task_status_name(pl_result_status(results[i])), pl_result_error(results[i]));
            bad = 1;
        }
    }
    if (pl_task_lookup("fetch") != NULL) {
        fprintf(stderr, "core_tasks: \"fetch\" is registered without paralab_fetch being asked for\n");
        bad = 1;
    }
    for (int i = 0; i < N; i++) {
        pl_value_free(items[i]);
        pl_result_free(results[i]);
    }
    if (!bad) {
        printf("core_tasks (%s): built-in tasks found in every worker, no fetch, no libcurl\n", pl_backend()->name);
    }
    return bad;
}

int main(void)
{
    int rc = pl_run(NULL, body, NULL);
    return rc == 0 ? 0 : 1;
}
