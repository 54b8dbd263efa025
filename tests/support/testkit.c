/*
 * testkit.c - helpers shared by the exercise suites (see testkit.h).
 */
#include "testkit.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int pl_test_str_eq(const char *a, const char *b)
{
    return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* ---------------------------------------------------------------- items */

pl_value **pl_test_items_int(size_t n, int64_t first, int64_t step)
{
    pl_value **items = calloc(n > 0 ? n : 1, sizeof *items);
    if (items == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        items[i] = pl_value_new_int(first + (int64_t)i * step);
        if (items[i] == NULL) {
            pl_test_items_free(items, n);
            return NULL;
        }
    }
    return items;
}

pl_value **pl_test_items_from(const int64_t *values, size_t n)
{
    pl_value **items = calloc(n > 0 ? n : 1, sizeof *items);
    if (items == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        items[i] = pl_value_new_int(values[i]);
        if (items[i] == NULL) {
            pl_test_items_free(items, n);
            return NULL;
        }
    }
    return items;
}

void pl_test_items_free(pl_value **items, size_t n)
{
    if (items == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        pl_value_free(items[i]);
    }
    free(items);
}

/* ---------------------------------------------------------------- results */

pl_result **pl_test_results_new(size_t n)
{
    /* calloc: every slot starts NULL, which is how a rejected call is seen to touch nothing. */
    return calloc(n > 0 ? n : 1, sizeof(pl_result *));
}

void pl_test_results_clear(pl_result **results, size_t n)
{
    if (results == NULL) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        pl_result_free(results[i]);
        results[i] = NULL;
    }
}

void pl_test_results_free(pl_result **results, size_t n)
{
    pl_test_results_clear(results, n);
    free(results);
}

size_t pl_test_count_not_final(pl_result *const results[], size_t n)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (results[i] == NULL || pl_result_status(results[i]) == PL_TASK_PENDING) {
            bad++;
        }
    }
    return bad;
}

size_t pl_test_count_filled(pl_result *const results[], size_t n)
{
    size_t filled = 0;
    for (size_t i = 0; i < n; i++) {
        if (results[i] != NULL) {
            filled++;
        }
    }
    return filled;
}

size_t pl_test_count_status(pl_result *const results[], size_t n, pl_task_status st)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (results[i] != NULL && pl_result_status(results[i]) == st) {
            count++;
        }
    }
    return count;
}

int64_t pl_test_int_of(const pl_result *r)
{
    int64_t v;
    if (r == NULL || pl_value_get_int(pl_result_value(r), &v) != PL_OK) {
        return INT64_MIN;
    }
    return v;
}

int pl_test_is_ok_int(const pl_result *r, int64_t expected)
{
    return pl_result_status(r) == PL_TASK_OK && pl_test_int_of(r) == expected;
}

/* Half-open intervals [s, e) overlap when each starts before the other ends. */
static int intervals_overlap(const pl_result *a, const pl_result *b)
{
    int64_t sa = pl_result_start_ns(a), ea = pl_result_end_ns(a);
    int64_t sb = pl_result_start_ns(b), eb = pl_result_end_ns(b);
    if (sa == 0 || sb == 0) {
        return 0; /* never ran: no interval */
    }
    return sa < eb && sb < ea;
}

size_t pl_test_same_worker_overlaps(pl_result *const results[], size_t n)
{
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            if (results[i] && results[j] && intervals_overlap(results[i], results[j]) &&
                pl_result_worker(results[i]) == pl_result_worker(results[j])) {
                bad++;
            }
        }
    }
    return bad;
}

void pl_test_dump_results(const char *label, pl_result *const results[], size_t n)
{
    fprintf(stderr, "\n  %s (%s backend, %d workers):\n", label, pl_backend()->name, pl_workers());
    for (size_t i = 0; i < n; i++) {
        char line[PL_ERROR_MAX + 128];
        if (results[i] == NULL) {
            snprintf(line, sizeof line, "(no result)");
        } else {
            pl_result_format(results[i], line, sizeof line);
        }
        fprintf(stderr, "    [%zu] %s\n", i, line);
    }
}

/* ---------------------------------------------------------------- expectations */

static int min_int(int a, int b)
{
    return a < b ? a : b;
}

/* n as an int, clamped: the counts here are small, but a size_t must not wrap. */
static int clamp_count(size_t n)
{
    return n > 1000000 ? 1000000 : (int)n;
}

int pl_test_min_overlap(int max_workers, size_t n)
{
    if (n == 0) {
        return 0;
    }
    if (!pl_backend()->parallel) {
        return 1;
    }
    int workers = pl_workers() > 0 ? pl_workers() : 1;
    return min_int(min_int(max_workers, workers), clamp_count(n));
}

int pl_test_max_overlap(int max_workers, size_t n)
{
    if (n == 0) {
        return 0;
    }
    if (!pl_backend()->parallel) {
        return 1;
    }
    return min_int(max_workers, clamp_count(n));
}

int64_t pl_test_ms_since(int64_t start_ns)
{
    return (pl_now_ns() - start_ns) / 1000000;
}

/* ---------------------------------------------------------------- process hygiene */

int pl_test_count_open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL) {
        return -1;
    }
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') {
            count++;
        }
    }
    closedir(d);
    return count - 1; /* the directory stream's own descriptor */
}

/*
 * Reads "pid (comm) S ppid ..." from /proc/PID/stat. comm may itself contain
 * spaces and parentheses, so parsing starts after the LAST ')'.
 */
static int read_state_and_parent(const char *pid_dir, char *state, long *ppid)
{
    char path[64 + 256];
    snprintf(path, sizeof path, "/proc/%s/stat", pid_dir);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1; /* the process went away meanwhile: not ours to count */
    }
    char buf[512];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    const char *close_paren = strrchr(buf, ')');
    if (close_paren == NULL || sscanf(close_paren + 1, " %c %ld", state, ppid) != 2) {
        return -1;
    }
    return 0;
}

/* Counts this process's children whose state is (want_zombie ? Z : not Z). */
static int count_children(int want_zombie)
{
    DIR *d = opendir("/proc");
    if (d == NULL) {
        return -1;
    }
    long self = (long)getpid();
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char state;
        long ppid;
        if (e->d_name[0] < '0' || e->d_name[0] > '9' || read_state_and_parent(e->d_name, &state, &ppid) != 0) {
            continue;
        }
        if (ppid == self && (state == 'Z') == (want_zombie != 0)) {
            count++;
        }
    }
    closedir(d);
    return count;
}

int pl_test_count_zombie_children(void)
{
    return count_children(1);
}

int pl_test_count_live_children(void)
{
    return count_children(0);
}

int pl_test_settle_count(int (*count)(void), int limit, int64_t within_ms)
{
    int64_t deadline = pl_deadline_after_ms(within_ms);
    int now = count();
    while (now > limit && pl_now_ns() < deadline) {
        pl_sleep_ms(20);
        now = count();
    }
    return now;
}
