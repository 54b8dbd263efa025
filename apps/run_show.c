/*
 * run_show.c - what the playground prints after one pl_map call: a row per
 * item, a summary, and a timeline of each worker drawn with characters.
 *
 * Everything drawn comes from the results themselves: each one carries the
 * worker that ran it and CLOCK_MONOTONIC start/end stamps taken by that
 * worker (thread, child process or rank on this host), so the picture shows
 * what really ran at the same time - not what the program meant to do.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

/* Fit text into cap bytes, ending with "..." when it had to be cut; 1 when cut. */
static int fit(char *buf, size_t cap)
{
    if (strlen(buf) >= cap - 1 && cap > 4) {
        strcpy(buf + cap - 4, "...");
        return 1;
    }
    return 0;
}

static double ms_since(int64_t t0, int64_t t)
{
    return (double)(t - t0) / 1e6;
}

static const char *worker_label(void)
{
    const char *m = pl_backend()->name;
    return strcmp(m, "openmp") == 0 ? "thread" : strcmp(m, "fork") == 0 ? "pid" : strcmp(m, "mpi") == 0 ? "rank" : "caller";
}

/* One row of the table; 1 when the value or error text had to be cut. */
static int show_row(size_t i, const pl_value *item, const pl_result *r, int64_t t0)
{
    char arg[16], val[41], who[16] = "-", start[16] = "-", took[16] = "-";
    pl_value_format(item, arg, sizeof arg);
    fit(arg, sizeof arg);
    if (pl_result_status(r) == PL_TASK_OK) {
        pl_value_format(pl_result_value(r), val, sizeof val);
    } else {
        snprintf(val, sizeof val, "%s", pl_result_error(r));
    }
    int cut = fit(val, sizeof val);
    if (pl_result_worker(r) >= 0) {
        snprintf(who, sizeof who, "%" PRId64, pl_result_worker(r));
    }
    if (pl_result_start_ns(r) != 0) {
        snprintf(start, sizeof start, "%.1f", ms_since(t0, pl_result_start_ns(r)));
        snprintf(took, sizeof took, "%.1f", ms_since(pl_result_start_ns(r), pl_result_end_ns(r)));
    }
    printf("  %3zu  %-15s %-9s %-40s %7s %9s %8s\n", i, arg, pl_task_status_name(pl_result_status(r)), val, who,
           start, took);
    return cut;
}

/* The texts the table had to cut, in full (the first few). */
static void show_full_texts(const run_opts *o, pl_result *const results[], const unsigned char *cut)
{
    int shown = 0;
    for (size_t i = 0; i < o->n && shown < 8; i++) {
        if (!cut[i]) {
            continue;
        }
        char val[PL_ERROR_MAX + 64];
        if (pl_result_status(results[i]) == PL_TASK_OK) {
            pl_value_format(pl_result_value(results[i]), val, sizeof val);
        } else {
            snprintf(val, sizeof val, "%s", pl_result_error(results[i]));
        }
        printf("%s  #%zu: %s\n", shown++ == 0 ? "in full:\n" : "", i, val);
    }
}

static void show_summary(const run_opts *o, pl_result *const results[], int64_t t0, int64_t t1)
{
    size_t count[8] = {0};
    for (size_t i = 0; i < o->n; i++) {
        pl_task_status st = pl_result_status(results[i]);
        count[(unsigned)st < 8 ? (unsigned)st : 0]++;
    }
    printf("%zu item(s):", o->n);
    const char *sep = " ";
    for (unsigned st = 0; st < 8; st++) {
        if (count[st] > 0) {
            printf("%s%zu %s", sep, count[st], pl_task_status_name((pl_task_status)st));
            sep = ", ";
        }
    }
    int overlap = pl_results_max_overlap(results, o->n);
    printf("; the call took %.1f ms", ms_since(t0, t1));
    if (overlap > 0) {
        printf("; at most %d ran at the same time", overlap);
    }
    printf("\n");
}

/* The mark a task leaves in its last column: why it ended, when not OK. */
static char end_mark(pl_task_status st)
{
    switch (st) {
    case PL_TASK_FAILED: return 'x';
    case PL_TASK_CRASHED: return 'X';
    case PL_TASK_TIMEOUT: return '!';
    case PL_TASK_CANCELLED: return 'c';
    default: return 0;
    }
}

static int compare_ids(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The distinct workers of the results that have times, sorted; returns how many. */
static size_t collect_workers(pl_result *const results[], size_t n, int64_t *ids)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (pl_result_start_ns(results[i]) == 0) {
            continue;
        }
        size_t j = 0;
        while (j < k && ids[j] != pl_result_worker(results[i])) {
            j++;
        }
        if (j == k) {
            ids[k++] = pl_result_worker(results[i]);
        }
    }
    qsort(ids, k, sizeof *ids, compare_ids);
    return k;
}

static void draw_row(int64_t id, pl_result *const results[], size_t n, int64_t t0, double col_ns, int width)
{
    char line[301];
    memset(line, ' ', (size_t)width);
    line[width] = '\0';
    for (size_t i = 0; i < n; i++) {
        const pl_result *r = results[i];
        if (pl_result_start_ns(r) == 0 || pl_result_worker(r) != id) {
            continue;
        }
        int c0 = (int)((double)(pl_result_start_ns(r) - t0) / col_ns);
        int c1 = (int)((double)(pl_result_end_ns(r) - t0) / col_ns);
        c0 = c0 < 0 ? 0 : c0 >= width ? width - 1 : c0;
        c1 = c1 <= c0 ? c0 : c1 >= width ? width - 1 : c1 - 1;
        for (int c = c0; c <= c1; c++) {
            line[c] = "0123456789"[i % 10];
        }
        char mark = end_mark(pl_result_status(r));
        if (mark != 0) {
            line[c1] = mark;
        }
    }
    char label[32];
    snprintf(label, sizeof label, "%s %" PRId64, worker_label(), id);
    printf("  %14s |%s|\n", label, line);
}

static void show_timeline(const run_opts *o, pl_result *const results[], int64_t t0, int64_t t1)
{
    int64_t *ids = calloc(o->n > 0 ? o->n : 1, sizeof *ids);
    if (ids == NULL) {
        return;
    }
    size_t k = collect_workers(results, o->n, ids);
    int64_t span = t1 - t0;
    if (o->map.timeout_ms >= 0 && o->map.timeout_ms * 1000000 > span) {
        span = o->map.timeout_ms * 1000000; /* room to show where the deadline falls */
    }
    double col_ns = (double)(span > 0 ? span : 1) / o->width;
    printf("\ntimeline: a row per worker (%s), one column = %.2f ms; a task is drawn with its # (last digit)\n",
           worker_label(), col_ns / 1e6);
    for (size_t w = 0; w < k; w++) {
        draw_row(ids[w], results, o->n, t0, col_ns, o->width);
    }
    printf("  %14s  0 ms%*.0f ms\n", "", o->width - 7, (double)span / 1e6);
    if (o->map.timeout_ms >= 0) {
        int c = (int)((double)o->map.timeout_ms * 1e6 / col_ns);
        printf("  %14s  %*s^ deadline (%" PRId64 " ms)\n", "", c < o->width ? c : o->width - 1, "", o->map.timeout_ms);
    }
    printf("  end marks: x FAILED, X CRASHED, ! TIMEOUT (stopped or late at the deadline), c CANCELLED\n");
    if (k < o->n) {
        size_t never = 0;
        for (size_t i = 0; i < o->n; i++) {
            never += pl_result_start_ns(results[i]) == 0;
        }
        if (never > 0) {
            printf("  %zu item(s) never started, or died without sending their times: not drawn\n", never);
        }
    }
    free(ids);
}

void run_show(const run_opts *o, pl_result *const results[], int64_t t0, int64_t t1)
{
    char timeout[32] = "none";
    if (o->map.timeout_ms >= 0) {
        snprintf(timeout, sizeof timeout, "%" PRId64 " ms", o->map.timeout_ms);
    }
    char chunk[32] = "auto";
    if (o->map.chunksize > 0) {
        snprintf(chunk, sizeof chunk, "%d", o->map.chunksize);
    }
    printf("[%s backend] pl_map(\"%s\", %zu item(s), max_workers = %d, timeout = %s, chunksize = %s)\n",
           pl_backend()->name, o->task, o->n, o->map.max_workers, timeout, chunk);
    if (strcmp(pl_backend()->name, "mpi") == 0 && pl_workers() < o->map.max_workers) {
        printf("(MPI: only %d worker rank(s) (mpiexec -n %d), so at most %d at once; --np %d for %d)\n", pl_workers(),
               pl_workers() + 1, pl_workers(), o->map.max_workers + 1, o->map.max_workers);
    }
    printf("  %3s  %-15s %-9s %-40s %7s %9s %8s\n", "#", "item", "status", "value / error", worker_label(),
           "start ms", "time ms");
    unsigned char *cut = calloc(o->n > 0 ? o->n : 1, 1);
    for (size_t i = 0; i < o->n; i++) {
        int c = show_row(i, o->items[i], results[i], t0);
        if (cut != NULL) {
            cut[i] = (unsigned char)c;
        }
    }
    if (cut != NULL) {
        show_full_texts(o, results, cut);
        free(cut);
    }
    show_summary(o, results, t0, t1);
    show_timeline(o, results, t0, t1);
}
