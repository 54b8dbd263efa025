/*
 * bench/bench_rss.c - resident memory of a big map (built once per model as
 * bench_rss_<model>; issue 18's memory figure, docs/bench.md).
 *
 *   bench_rss_<model> [N]     (default 1000000)
 *
 * Makes N int items, then maps "square" over them with 2 workers and
 * prints ONE CSV line:
 *
 *   model,n,rss_items_kb,rss_peak_kb,bytes_per_item
 *
 * rss_items_kb is the resident size once the items exist (the caller's own
 * memory); rss_peak_kb the peak (VmHWM) after the map, with its N results
 * still held; bytes_per_item = (peak - items) / N: what the map costs per
 * item - the results (struct, value, error text) and the runtime's
 * bookkeeping. Memory, not time: it does not depend on the load of a
 * shared machine. On fork and MPI only this process is counted (the
 * workers' memory is theirs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paralab.h"

/* A line "Key:   123 kB" of /proc/self/status, in kB; -1 when missing. */
static long status_kb(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    size_t klen = strlen(key);
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
            kb = strtol(line + klen + 1, NULL, 10);
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    return kb;
}

static long n_items = 1000000;

static int body(void *ctx)
{
    (void)ctx;
    size_t n = (size_t)n_items;
    pl_value **items = calloc(n, sizeof *items);
    pl_result **results = calloc(n, sizeof *results);
    if (items == NULL || results == NULL) {
        return PL_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        items[i] = pl_value_new();
        if (items[i] == NULL) {
            return PL_ENOMEM;
        }
        pl_value_set_int(items[i], (int64_t)(i % 1000));
    }
    long before = status_kb("VmRSS");
    int rc = pl_map("square", items, n, &(pl_map_opts){.max_workers = 2, .timeout_ms = PL_NO_TIMEOUT}, results);
    long peak = status_kb("VmHWM");
    size_t not_ok = 0;
    for (size_t i = 0; i < n; i++) {
        not_ok += pl_result_status(results[i]) != PL_TASK_OK;
    }
    printf("%s,%zu,%ld,%ld,%.0f%s\n", pl_backend()->name, n, before, peak,
           (double)(peak - before) * 1024.0 / (double)n, rc != PL_OK || not_ok ? ",NOT-OK" : "");
    for (size_t i = 0; i < n; i++) {
        pl_result_free(results[i]);
        pl_value_free(items[i]);
    }
    free(results);
    free(items);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        n_items = strtol(argv[1], NULL, 10);
        if (n_items <= 0) {
            fprintf(stderr, "usage: %s [N > 0]\n", argv[0]);
            return 2;
        }
    }
    int rc = pl_run(NULL, body, NULL);
    return rc == PL_OK ? 0 : 1;
}
