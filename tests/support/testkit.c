/*
 * testkit.c - helpers shared by the exercise suites (see testkit.h).
 */
#include "testkit.h"

#include "harness.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void pl_test_check(int ok, const char *file, int line, const char *fmt, ...)
{
    if (ok) {
        CU_assertImplementation(CU_TRUE, (unsigned)line, "", file, "", CU_FALSE);
        return;
    }
    char text[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    /* One line: the grader quotes the first failure line, and a task's error text may hold a newline. */
    for (char *p = text; *p; p++) {
        if (*p == '\n' || *p == '\r') {
            *p = ' ';
        }
    }
    /* CUnit copies the text into its failure record: a local buffer is fine. */
    CU_assertImplementation(CU_FALSE, (unsigned)line, text, file, "", CU_FALSE);
}

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

/* ---------------------------------------------------------------- how often items ran */

pl_value **pl_test_tally_items(pl_test_tally *t, size_t n, int64_t sleep_ms)
{
    /* Unique per process and call: the task caches its mapping by path (pl_tally.h). */
    static unsigned serial;
    memset(t, 0, sizeof *t);
    snprintf(t->path, sizeof t->path, "%s/tally-%ld-%u", pl_test_tmpdir(), (long)getpid(), serial++);
    if (pl_tally_create(t->path, n > 0 ? n : 1) != PL_OK) {
        fprintf(stderr, "\n  cannot create the tally file %s\n", t->path);
        return NULL;
    }
    t->n = n;
    pl_value **items = calloc(n > 0 ? n : 1, sizeof *items);
    for (size_t i = 0; items != NULL && i < n; i++) {
        items[i] = pl_tally_arg(t->path, i, sleep_ms);
        if (items[i] == NULL) {
            pl_test_items_free(items, n);
            items = NULL;
        }
    }
    return items;
}

int pl_test_tally_read(pl_test_tally *t)
{
    free(t->seen);
    t->seen = calloc(t->n > 0 ? t->n : 1, sizeof *t->seen);
    return t->seen != NULL && pl_tally_read(t->path, t->seen, t->n) == PL_OK ? 0 : -1;
}

size_t pl_test_tally_not_once(const pl_test_tally *t, char *text, size_t len)
{
    size_t bad = 0, used = 0;
    if (len > 0) {
        text[0] = '\0';
    }
    for (size_t i = 0; t->seen != NULL && i < t->n; i++) {
        if (t->seen[i].runs == 1) {
            continue;
        }
        if (bad++ < 4 && used < len) {
            int w = snprintf(text + used, len - used, "%sitem %zu ran %u times", bad > 1 ? ", " : "", i,
                             (unsigned)t->seen[i].runs);
            used += w > 0 ? (size_t)w : 0;
        }
    }
    return bad;
}

/* How many different processes ran the n tallied tasks. */
static size_t distinct_pids(const pl_tally_entry *seen, size_t n)
{
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < i && seen[k].pid != seen[i].pid) {
            k++;
        }
        distinct += k == i;
    }
    return distinct;
}

void pl_test_expect_ran_in_workers(const pl_test_tally *t, const pl_result *const results[], int max_workers)
{
    uint32_t self = (uint32_t)pl_test_watched_own_pid(); /* the tally's pids are the subject's numbers */
    size_t n = t->seen != NULL ? t->n : 0;
    size_t in_caller = 0, not_child = 0, worker_is_not_pid = 0;
    for (size_t i = 0; i < n; i++) {
        in_caller += t->seen[i].pid == self;
        not_child += t->seen[i].ppid != self;
        worker_is_not_pid += pl_result_worker(results[i]) != (int64_t)t->seen[i].pid;
    }
    PL_EXPECT_EQ(n, t->n); /* the counts could be read */
    switch (pl_test_tasks_run_in()) {
    case PL_TEST_IN_CHILDREN: {
        int lo = pl_test_min_overlap(max_workers, n);
        /* (results are only read here: the cast just matches pl_results_max_overlap's signature) */
        int overlap = pl_results_max_overlap((pl_result *const *)results, n);
        PL_EXPECT_EQ(in_caller, 0);         /* tasks the caller ran itself instead of a child */
        PL_EXPECT_EQ(not_child, 0);         /* tasks whose process was not a child of the caller */
        PL_EXPECT_EQ(worker_is_not_pid, 0); /* results whose worker is not the pid that ran them */
        /* (at least lo processes; more is fine: futures may fork one child each) */
        PL_EXPECT_BETWEEN(distinct_pids(t->seen, n), lo, n);
        PL_EXPECT_BETWEEN(overlap, lo, max_workers);
        break;
    }
    case PL_TEST_IN_RANKS:
        PL_EXPECT_EQ(in_caller, 0); /* tasks rank 0 ran itself instead of a worker rank */
        break;
    case PL_TEST_IN_CALLER:
        PL_EXPECT_EQ(in_caller, n); /* threads of this process */
        break;
    }
    if (in_caller != 0 && pl_test_tasks_run_in() != PL_TEST_IN_CALLER) {
        pl_test_dump_results("tasks and the workers that ran them", (pl_result *const *)results, n);
    }
}

void pl_test_tally_free(pl_test_tally *t)
{
    if (t->path[0] != '\0') {
        unlink(t->path);
    }
    free(t->seen);
    memset(t, 0, sizeof *t);
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

pl_test_where pl_test_tasks_run_in(void)
{
    /* Only a task in a child process can crash alone: the caller sees the child die. */
    if (pl_backend()->isolates_crashes) {
        return PL_TEST_IN_CHILDREN;
    }
    /* The one model whose separate processes are started by mpiexec, not by the caller. */
    return strcmp(pl_backend()->name, "mpi") == 0 ? PL_TEST_IN_RANKS : PL_TEST_IN_CALLER;
}

int64_t pl_test_ms_since(int64_t start_ns)
{
    return (pl_now_ns() - start_ns) / 1000000;
}

/* ---------------------------------------------------------------- process hygiene */

static long (*watched)(void), (*watched_own)(void);

void pl_test_watch_process(long (*pid)(void), long (*own_pid)(void))
{
    watched = pid;
    watched_own = own_pid;
}

long pl_test_watched_pid(void)
{
    return watched ? watched() : (long)getpid();
}

long pl_test_watched_own_pid(void)
{
    return watched_own ? watched_own() : pl_test_watched_pid();
}

static int death_expected;

void pl_test_expect_subject_death(int on)
{
    death_expected = on;
}

int pl_test_subject_death_expected(void)
{
    return death_expected;
}

int pl_test_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        return -1;
    }
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            count++;
        }
    }
    closedir(d);
    return count;
}

int pl_test_count_open_fds(void)
{
    char path[64];
    long pid = pl_test_watched_pid();
    int own = pid == (long)getpid();
    snprintf(path, sizeof path, "/proc/%ld/fd", pid);
    int count = pl_test_count_entries(path);
    return count < 0 ? -1 : count - own; /* our own directory stream's descriptor */
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
    long self = pl_test_watched_pid();
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

/* What one call left behind, as counted after it (see pl_test_calls_leave_nothing). */
typedef struct leftovers {
    int children_before, fds_before;
    int zombies, live, fds;
} leftovers;

/* Runs the call and counts what `check` asks for (waiting for a count only costs time when it is wrong). */
static leftovers run_and_count(const pl_test_call *call, unsigned check)
{
    leftovers l = {.children_before = pl_test_count_live_children(), .fds_before = pl_test_count_open_fds()};
    call->run();
    if (check & PL_TEST_CHECK_CHILDREN) {
        l.zombies = pl_test_settle_count(pl_test_count_zombie_children, 0, 3000);
        l.live = pl_test_settle_count(pl_test_count_live_children, l.children_before, 3000);
    }
    if (check & PL_TEST_CHECK_FDS) {
        l.fds = pl_test_settle_count(pl_test_count_open_fds, l.fds_before, 3000);
    }
    return l;
}

/*
 * A call whose task crashes, made in a child of this process that counts
 * and reports back: if the backend does not really isolate the crash, the
 * crash kills that copy, not the test - and the fault is crash_is_isolated's
 * to report, not a leftover. 1 with *l filled, 0 when the copy died.
 */
static int run_and_count_in_a_copy(const pl_test_call *call, unsigned check, leftovers *l)
{
    int p[2];
    if (pipe(p) != 0) {
        *l = run_and_count(call, check);
        return 1;
    }
    fflush(NULL); /* or the copy would print our buffered text again */
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        leftovers mine = run_and_count(call, check);
        ssize_t w = write(p[1], &mine, sizeof mine);
        _exit(w == (ssize_t)sizeof mine ? 0 : 1);
    }
    close(p[1]);
    ssize_t got = pid > 0 ? read(p[0], l, sizeof *l) : -1;
    close(p[0]);
    int status;
    if (pid > 0) {
        waitpid(pid, &status, 0);
    }
    return got == (ssize_t)sizeof *l;
}

/* The checks of pl_test_calls_leave_nothing after one call; 1 when they passed. */
static int expect_nothing_left(const char *label, const leftovers *l, unsigned check)
{
    int ok = 1;
    if (check & PL_TEST_CHECK_CHILDREN) {
        ok = l->zombies == 0 && l->live <= l->children_before;
        pl_test_check(l->zombies == 0, __FILE__, __LINE__,
                      "after %s: %d zombie children (a child that ended was never reaped with waitpid)", label,
                      l->zombies);
        pl_test_check(l->live <= l->children_before, __FILE__, __LINE__,
                      "after %s: %d child processes still running, expected at most %d", label, l->live,
                      l->children_before);
    }
    if (check & PL_TEST_CHECK_FDS) {
        ok = ok && l->fds <= l->fds_before;
        pl_test_check(l->fds <= l->fds_before, __FILE__, __LINE__,
                      "after %s: %d open descriptors, expected at most %d (a pipe end left open?)", label, l->fds,
                      l->fds_before);
    }
    return ok;
}

void pl_test_calls_leave_nothing(const pl_test_call *calls, size_t n, unsigned check)
{
    if (n == 0) {
        return;
    }
    /* Warm-up: descriptors the backend opens once and keeps are not leftovers; a zombie always is. */
    leftovers warm = run_and_count(&calls[0], check & PL_TEST_CHECK_CHILDREN);
    warm.fds_before = warm.fds = 0;
    if (!expect_nothing_left(calls[0].label, &warm, check & PL_TEST_CHECK_CHILDREN)) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        leftovers l;
        if (!calls[i].only_if_crashes_isolated) {
            l = run_and_count(&calls[i], check);
        } else if (!pl_backend()->isolates_crashes) {
            continue; /* a crash would take this process down: the model tests show it in a child */
        } else if (watched != NULL) {
            /* The crash happens in the subject, not here; if it was not isolated, the subject died. */
            pl_test_expect_subject_death(1);
            l = run_and_count(&calls[i], check);
            long alive = watched();
            pl_test_expect_subject_death(0);
            if (alive <= 0) {
                printf("\n    (after %s the subject process died: the crash was not isolated - see crash_is_isolated)",
                       calls[i].label);
                continue;
            }
        } else if (!run_and_count_in_a_copy(&calls[i], check, &l)) {
            printf("\n    (after %s the caller itself died: the crash was not isolated - see crash_is_isolated)",
                   calls[i].label);
            continue;
        }
        if (!expect_nothing_left(calls[i].label, &l, check)) {
            /* The first call that leaves something is the one to fix; what piles up after it says no more. */
            return;
        }
    }
}
