/*
 * model_fork.c - what only the fork backend shows (test_model_fork).
 *
 * The shared suites (suite_*.c) judge every backend by the same rules. This
 * file checks the process-specific facts behind the lesson's table:
 *   - memory is copied, not shared: a child's write to a global is
 *     invisible to the parent;
 *   - a crash (SIGSEGV) costs one result, CRASHED with the signal's name,
 *     and the rest finish; crashed workers are replaced;
 *   - a task that NEVER polls pl_should_stop() is still stopped: killed at
 *     the map's deadline, by cancel, by results' deadline, by free; the
 *     call returns on time (timestamps taken around the call);
 *   - no zombies and no leaked descriptors after every API (checked with
 *     waitpid(-1, WNOHANG) -> ECHILD and by counting /proc/self/fd);
 *   - a map is a POOL: 40 items on 2 workers are run by 2 processes, not 40;
 *   - children leave with _exit: the parent's atexit handlers never run in
 *     them, and text the parent printed before a fork appears once;
 *   - a child whose parent died stops (pl_should_stop) instead of living on;
 *   - frames larger than a pipe's buffer cross both ways;
 *   - a multi-threaded parent (another thread busy in malloc) can fork.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "paralab.h"
#include "testkit.h"
#include "testkit_map.h"

/* How late "returns at the deadline" may be: the machine is shared by many builds. */
#define SLACK_MS 1500
/* How early: never before the deadline (clock rounding only). */
#define EARLY_MS 30

/* ---------------------------------------------------------------- test tasks */

/* Written by children, read by the parent: the copy-on-write lesson. */
static int64_t cow_global = 7;

/* int x -> returns the value cow_global had in this process, then sets it to x. */
static int task_cow_write(const pl_value *arg, pl_value *out, pl_error *err)
{
    int64_t x;
    if (pl_value_get_int(arg, &x) != PL_OK) {
        pl_error_set(err, "fork_cow_write: int expected");
        return PL_TASK_FAILED;
    }
    pl_value_set_int(out, cow_global);
    cow_global = x;
    return PL_TASK_OK;
}

/* int x -> 10 * x, except x == 3, which dies of SIGSEGV (like the built-in crash). */
static int task_crash_on_3(const pl_value *arg, pl_value *out, pl_error *err)
{
    int64_t x;
    if (pl_value_get_int(arg, &x) != PL_OK) {
        pl_error_set(err, "fork_crash_on_3: int expected");
        return PL_TASK_FAILED;
    }
    if (x == 3) {
        signal(SIGSEGV, SIG_DFL);
        raise(SIGSEGV);
    }
    pl_value_set_int(out, 10 * x);
    return PL_TASK_OK;
}

/* Never returns and never asks pl_should_stop(): only a kill ends it. */
static int task_stubborn(const pl_value *arg, pl_value *out, pl_error *err)
{
    (void)arg;
    (void)out;
    (void)err;
    for (;;) {
        pause();
    }
    return PL_TASK_OK; /* never reached */
}

/* Returns pl_is_root() as seen where the task runs. */
static int task_is_root(const pl_value *arg, pl_value *out, pl_error *err)
{
    (void)arg;
    (void)err;
    pl_value_set_int(out, pl_is_root());
    return PL_TASK_OK;
}

/* ---------------------------------------------------------------- setup */

static pid_t parent_pid;
static char atexit_marker[512];

/*
 * Registered with atexit() in the parent. If a child ever left with exit()
 * instead of _exit(), it would run this copy and leave a marker file.
 */
static void marker_on_exit(void)
{
    if (getpid() != parent_pid && atexit_marker[0] != '\0') {
        int fd = open(atexit_marker, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            close(fd);
        }
    }
}

static int setup(void)
{
    parent_pid = getpid();
    snprintf(atexit_marker, sizeof atexit_marker, "%s/child-ran-atexit", pl_test_tmpdir());
    if (atexit(marker_on_exit) != 0) {
        return 1;
    }
    /* The registry is not locked: register while nothing runs (see pl_task.h). */
    if (pl_task_register("fork_cow_write", task_cow_write) != PL_OK ||
        pl_task_register("fork_crash_on_3", task_crash_on_3) != PL_OK ||
        pl_task_register("fork_stubborn", task_stubborn) != PL_OK ||
        pl_task_register("fork_is_root", task_is_root) != PL_OK) {
        return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- helpers */

/* 1 when this process has no child at all, not even a zombie (waitpid says ECHILD). */
static int no_children_at_all(void)
{
    int status;
    pid_t got = waitpid(-1, &status, WNOHANG);
    return got == -1 && errno == ECHILD;
}

/* Waits up to 3 s for every child to be gone (reaped by the backend, not by us). */
static int children_gone(void)
{
    return pl_test_settle_count(pl_test_count_live_children, 0, 3000) == 0 &&
           pl_test_count_zombie_children() == 0 && no_children_at_all();
}

/* Process hygiene around one API call: no child left, no descriptor left. */
static void expect_clean(int fds_before, const char *after)
{
    int gone = children_gone();
    int fds = pl_test_settle_count(pl_test_count_open_fds, fds_before, 3000);
    if (!gone || fds != fds_before) {
        fprintf(stderr, "\n  after %s: children gone %d, fds %d (before %d)\n", after, gone, fds, fds_before);
    }
    CU_ASSERT(gone);
    PL_EXPECT_EQ(fds, fds_before);
}

/* ---------------------------------------------------------------- run scope */

static void test_backend_info(void)
{
    const pl_backend_info *b = pl_backend();
    PL_EXPECT_STR(b->name, "fork");
    PL_EXPECT_EQ(b->parallel, 1);
    PL_EXPECT_EQ(b->isolates_crashes, 1); /* one process per task: a crash takes only that one */
    PL_EXPECT_EQ(b->can_kill, 1);         /* processes can be killed, threads cannot */
    PL_EXPECT_EQ(pl_is_root(), 1);
    CU_ASSERT(pl_workers() >= 2);
    PL_EXPECT_RC(pl_run(NULL, NULL, NULL), PL_EINVAL);
}

/* Tasks run in children, which are not the program's root process. */
static void test_children_are_not_root(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP)) {
        return;
    }
    pl_value *v = pl_value_new();
    pl_result *r = NULL;
    pl_map_opts opts = {.max_workers = 1, .timeout_ms = 10000};
    PL_EXPECT_RC(pl_map("fork_is_root", &v, 1, &opts, &r), PL_OK);
    CU_ASSERT(pl_test_is_ok_int(r, 0));
    CU_ASSERT(pl_result_worker(r) > 0 && pl_result_worker(r) != (int64_t)getpid());
    pl_result_free(r);
    pl_value_free(v);
    PL_EXPECT_EQ(pl_is_root(), 1);
}

/* ---------------------------------------------------------------- memory */

/*
 * Every child starts with a COPY of the parent's memory (cow_global == 7),
 * and what it writes stays in its copy: the parent still sees 7. A worker
 * that runs two items sees its own earlier write - the copy is per process.
 */
static void test_copy_on_write(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP | PL_TEST_NEEDS_FUTURES)) {
        return;
    }
    enum { N = 6 };
    cow_global = 7;
    pl_test_map m;
    pl_test_map_range(&m, "fork_cow_write", N, 100, 1, 2, 10000);
    PL_EXPECT_RC(m.rc, PL_OK);
    PL_EXPECT_EQ(cow_global, 7);
    size_t saw_original = 0;
    for (size_t i = 0; i < N; i++) {
        int64_t seen = pl_test_int_of(m.results[i]);
        saw_original += seen == 7;
        CU_ASSERT(seen == 7 || (seen >= 100 && seen < 100 + N)); /* 7, or its own process's write */
    }
    CU_ASSERT(saw_original >= 1 && saw_original <= 2); /* one first item per worker */
    pl_test_map_free(&m);

    /* A future's child: same story. */
    pl_future *f = pl_test_start_int("fork_cow_write", 99);
    const pl_result *r = NULL;
    PL_EXPECT_RC(pl_future_wait(f, 10000, &r), PL_OK);
    CU_ASSERT(pl_test_is_ok_int(r, 7));
    PL_EXPECT_EQ(cow_global, 7);
    pl_future_free(&f);
}

/* ---------------------------------------------------------------- crashes */

/* Item 3 kills its worker with SIGSEGV: CRASHED (named), the others OK, no leftovers. */
static void test_map_crash_isolated(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP)) {
        return;
    }
    enum { N = 8 };
    int fds = pl_test_count_open_fds();
    pl_test_map m;
    pl_test_map_range(&m, "fork_crash_on_3", N, 1, 1, 2, 10000);
    PL_EXPECT_RC(m.rc, PL_OK);
    for (size_t i = 0; i < N; i++) {
        if (i + 1 == 3) {
            PL_EXPECT_STATUS(m.results[i], PL_TASK_CRASHED);
            CU_ASSERT_PTR_NOT_NULL(strstr(pl_result_error(m.results[i]), "SIGSEGV"));
        } else {
            CU_ASSERT(pl_test_is_ok_int(m.results[i], 10 * (int64_t)(i + 1)));
        }
    }
    /* The crashed worker was replaced: 3 processes ran items, yet never more than 2 at once. */
    CU_ASSERT(pl_results_max_overlap(m.results, N) <= 2);
    pl_test_map_free(&m);
    expect_clean(fds, "a map with a crash");
}

static void test_future_and_group_crash_named(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_FUTURES | PL_TEST_NEEDS_GROUP)) {
        return;
    }
    int fds = pl_test_count_open_fds();
    pl_future *f = pl_test_start_int("crash", 0);
    const pl_result *r = NULL;
    PL_EXPECT_RC(pl_future_wait(f, 10000, &r), PL_OK);
    PL_EXPECT_STATUS(r, PL_TASK_CRASHED);
    CU_ASSERT_PTR_NOT_NULL(strstr(pl_result_error(r), "SIGSEGV"));
    pl_future_free(&f);
    expect_clean(fds, "a crashed future");

    pl_group *g = NULL;
    PL_EXPECT_RC(pl_group_new(2, &g), PL_OK);
    pl_value *v = pl_value_new_int(3);
    PL_EXPECT_RC(pl_group_add(g, "boom", "fork_crash_on_3", v), PL_OK);
    PL_EXPECT_RC(pl_group_add(g, "fine", "square", v), PL_OK);
    pl_value_free(v);
    PL_EXPECT_RC(pl_group_start(g), PL_OK);
    PL_EXPECT_RC(pl_group_results(g, 10000), PL_OK);
    PL_EXPECT_STATUS(pl_group_result(g, "boom"), PL_TASK_CRASHED);
    CU_ASSERT_PTR_NOT_NULL(strstr(pl_result_error(pl_group_result(g, "boom")), "SIGSEGV"));
    CU_ASSERT(pl_test_is_ok_int(pl_group_result(g, "fine"), 9));
    pl_group_free(&g);
    expect_clean(fds, "a group with a crash");
}

/* ---------------------------------------------------------------- killing */

/*
 * Tasks that never poll: the deadline is kept by killing them. The call
 * returns at the deadline (measured around the call), the stubborn items
 * are TIMEOUT, the quick ones OK, and nothing is left behind.
 */
static void test_map_kills_stubborn_at_deadline(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP)) {
        return;
    }
    enum { N = 4, DEADLINE = 400 };
    int fds = pl_test_count_open_fds();
    pl_test_map m;
    pl_test_map_range(&m, "fork_stubborn", N, 1, 1, N, DEADLINE);
    PL_EXPECT_RC(m.rc, PL_OK);
    PL_EXPECT_BETWEEN(m.elapsed_ms, DEADLINE - EARLY_MS, DEADLINE + SLACK_MS); /* measured around the call */
    PL_EXPECT_EQ(pl_test_count_status(m.results, N, PL_TASK_TIMEOUT), N);
    pl_test_map_free(&m);
    expect_clean(fds, "a map killed at its deadline");
}

/* cancel kills a running child that never polls; it is CANCELLED promptly, and reaped. */
static void test_cancel_kills_stubborn_future(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_FUTURES)) {
        return;
    }
    int fds = pl_test_count_open_fds();
    pl_future *f = pl_test_start_int("fork_stubborn", 0);
    pl_sleep_ms(100);
    PL_EXPECT_EQ(pl_future_done(f), 0);
    int64_t t0 = pl_now_ns();
    PL_EXPECT_RC(pl_future_cancel(f), PL_OK);
    const pl_result *r = NULL;
    PL_EXPECT_RC(pl_future_wait(f, 0, &r), PL_OK); /* cancel settled it: even a poll has it */
    PL_EXPECT_STATUS(r, PL_TASK_CANCELLED);
    CU_ASSERT(pl_test_ms_since(t0) < SLACK_MS);
    CU_ASSERT(children_gone()); /* reaped already, while the future still exists */
    pl_future_free(&f);
    expect_clean(fds, "a cancelled future");
}

/* free on running futures (one that never polls, one queued behind the limit) leaves nothing. */
static void test_free_running_future_leaves_no_process(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_FUTURES)) {
        return;
    }
    int fds = pl_test_count_open_fds();
    int n = pl_workers() + 2; /* the last two wait in the queue */
    pl_future **fs = calloc((size_t)n, sizeof *fs);
    for (int i = 0; fs != NULL && i < n; i++) {
        fs[i] = pl_test_start_int("fork_stubborn", 0);
    }
    pl_sleep_ms(100);
    PL_EXPECT_EQ(pl_test_count_live_children(), pl_workers()); /* the limit holds */
    for (int i = 0; fs != NULL && i < n; i++) {
        pl_future_free(&fs[i]);
        PL_EXPECT_EQ(pl_test_count_zombie_children(), 0); /* reaped inside free, not later */
    }
    free(fs);
    expect_clean(fds, "freeing running futures");
}

/* results' deadline kills a stubborn member; the others keep their results; on time. */
static void test_group_kills_stubborn_at_deadline(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_GROUP)) {
        return;
    }
    enum { DEADLINE = 400 };
    int fds = pl_test_count_open_fds();
    pl_group *g = NULL;
    PL_EXPECT_RC(pl_group_new(3, &g), PL_OK);
    pl_value *v = pl_value_new_int(6);
    PL_EXPECT_RC(pl_group_add(g, "six", "square", v), PL_OK);
    PL_EXPECT_RC(pl_group_add(g, "stubborn", "fork_stubborn", v), PL_OK);
    PL_EXPECT_RC(pl_group_add(g, "never", "fork_stubborn", v), PL_OK);
    pl_value_free(v);
    PL_EXPECT_RC(pl_group_start(g), PL_OK);
    int64_t t0 = pl_now_ns();
    PL_EXPECT_RC(pl_group_results(g, DEADLINE), PL_OK);
    PL_EXPECT_BETWEEN(pl_test_ms_since(t0), DEADLINE - EARLY_MS, DEADLINE + SLACK_MS);
    CU_ASSERT(pl_test_is_ok_int(pl_group_result(g, "six"), 36));
    PL_EXPECT_STATUS(pl_group_result(g, "stubborn"), PL_TASK_TIMEOUT);
    PL_EXPECT_STATUS(pl_group_result(g, "never"), PL_TASK_TIMEOUT);
    CU_ASSERT(children_gone()); /* killed and reaped before results() returned */
    pl_group_free(&g);
    expect_clean(fds, "a group killed at its deadline");
}

/* State letter of process pid from /proc/PID/stat ('?' when it is gone). */
static char proc_state(pid_t pid)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return '?';
    }
    char *got = fgets(line, sizeof line, f);
    fclose(f);
    char *paren = got != NULL ? strrchr(line, ')') : NULL;
    return paren != NULL && paren[1] == ' ' ? paren[2] : '?';
}

/* Parent pid of process pid from /proc/PID/stat, or -1. */
static long proc_parent(const char *pid)
{
    char path[300], line[512];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return -1;
    }
    char *got = fgets(line, sizeof line, f);
    fclose(f);
    char *paren = got != NULL ? strrchr(line, ')') : NULL;
    char state;
    long parent;
    return paren != NULL && sscanf(paren + 1, " %c %ld", &state, &parent) == 2 ? parent : -1;
}

/* The first process whose parent is ppid, or 0 (looks for up to ms). */
static pid_t find_child_of(pid_t ppid, int64_t ms)
{
    int64_t deadline = pl_deadline_after_ms(ms);
    do {
        DIR *d = opendir("/proc");
        struct dirent *e;
        while (d != NULL && (e = readdir(d)) != NULL) {
            if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && proc_parent(e->d_name) == (long)ppid) {
                pid_t found = (pid_t)atol(e->d_name);
                closedir(d);
                return found;
            }
        }
        if (d != NULL) {
            closedir(d);
        }
        pl_sleep_ms(20);
    } while (pl_now_ns() < deadline);
    return 0;
}

/*
 * A future's child whose parent dies (killed by a test timeout, say) must
 * not live on as an orphan: its pl_should_stop() turns true, so a polling
 * task (here a 100 s sleep) ends. A helper process starts the future and
 * dies without freeing it; the grandchild must be gone soon after.
 */
static void test_orphan_stops(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_FUTURES)) {
        return;
    }
    int ready[2];
    CU_ASSERT_FATAL(pipe(ready) == 0);
    fflush(NULL); /* or the helper would print our buffered text a second time */
    pid_t helper = fork();
    CU_ASSERT_FATAL(helper >= 0);
    if (helper == 0) {
        pl_value *v = pl_value_new_int(100000);
        pl_future *f = NULL;
        pl_future_start("sleep_ms", v, &f);
        ssize_t wrote = write(ready[1], "x", 1); /* the future's child exists now */
        (void)wrote;
        for (;;) {
            pause(); /* until we kill it: it dies with its future still running */
        }
    }
    close(ready[1]);
    char byte;
    ssize_t got = read(ready[0], &byte, 1);
    close(ready[0]);
    pid_t grandchild = got == 1 ? find_child_of(helper, 2000) : 0;
    kill(helper, SIGKILL);
    int status;
    waitpid(helper, &status, 0);
    CU_ASSERT_FATAL(grandchild > 0);
    int64_t deadline = pl_deadline_after_ms(3000);
    char state = proc_state(grandchild);
    while (state != '?' && state != 'Z' && pl_now_ns() < deadline) {
        pl_sleep_ms(20);
        state = proc_state(grandchild);
    }
    CU_ASSERT(state == '?' || state == 'Z'); /* gone (or dead, waiting for init to reap it) */
    if (state != '?' && state != 'Z') {
        kill(grandchild, SIGKILL);
    }
}

/* ---------------------------------------------------------------- the pool */

/*
 * 40 items on 2 workers: run by at most 2 processes (a pool), not 40 (a
 * fork per item) - and those are CHILDREN of the caller: the caller's own
 * pid is no "pool of one". Each task records the pid that ran it and its
 * parent (the tally task), so a backend cannot just claim a worker id.
 */
static void test_map_is_a_pool(void)
{
    pl_test_hint("fork a pool of at most max_workers children and feed them all the items; never run items "
                 "in the caller, never fork one child per item");
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP)) {
        return;
    }
    enum { N = 40 };
    pl_test_tally t;
    pl_value **items = pl_test_tally_items(&t, N, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(items);
    pl_map_opts opts = {.max_workers = 2, .timeout_ms = 10000};
    pl_test_map m;
    pl_test_map_items(&m, "tally", items, N, &opts);
    PL_EXPECT_RC(m.rc, PL_OK);
    PL_EXPECT_EQ(pl_test_count_status(m.results, N, PL_TASK_OK), N);
    PL_EXPECT_EQ(pl_test_tally_read(&t), 0);
    uint32_t pids[N];
    size_t distinct = 0, in_caller = 0, not_child = 0;
    for (size_t i = 0; t.seen != NULL && i < N; i++) {
        uint32_t pid = t.seen[i].pid;
        in_caller += pid == (uint32_t)getpid();
        not_child += t.seen[i].ppid != (uint32_t)getpid();
        size_t k = 0;
        while (k < distinct && pids[k] != pid) {
            k++;
        }
        if (k == distinct) {
            pids[distinct++] = pid;
        }
    }
    PL_EXPECT_BETWEEN(distinct, 1, 2); /* processes that ran the 40 items */
    PL_EXPECT_EQ(in_caller, 0);        /* items the caller ran itself */
    PL_EXPECT_EQ(not_child, 0);        /* items run by a process that is not the caller's child */
    pl_test_map_free(&m);
    pl_test_tally_free(&t);
}

/* 1 MiB each way: far more than a pipe holds (64 KiB), so both sides must loop on partial I/O. */
static void test_big_values_cross_pipes(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP | PL_TEST_NEEDS_FUTURES)) {
        return;
    }
    enum { SIZE = 1 << 20 };
    unsigned char *data = malloc(SIZE);
    for (size_t i = 0; data != NULL && i < SIZE; i++) {
        data[i] = (unsigned char)(i * 31 + 7);
    }
    pl_value *v = data != NULL ? pl_value_new_bytes(data, SIZE) : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(v);
    pl_result *r = NULL;
    pl_map_opts opts = {.max_workers = 1, .timeout_ms = 20000};
    PL_EXPECT_RC(pl_map("noop", &v, 1, &opts, &r), PL_OK);
    CU_ASSERT(pl_value_equal(pl_result_value(r), v));
    pl_result_free(r);

    pl_future *f = NULL;
    PL_EXPECT_RC(pl_future_start("noop", v, &f), PL_OK);
    const pl_result *fr = NULL;
    PL_EXPECT_RC(pl_future_wait(f, 20000, &fr), PL_OK);
    CU_ASSERT(pl_value_equal(pl_result_value(fr), v));
    pl_future_free(&f);
    pl_value_free(v);
    free(data);
}

/* ---------------------------------------------------------------- leaving */

/*
 * Children leave with _exit: none of them ran the parent's atexit handler
 * (setup registered one that leaves a marker file when run in another
 * process). By now every earlier test has forked dozens of children.
 */
static void test_children_skip_atexit(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP)) {
        return;
    }
    pl_test_map m;
    pl_test_map_items(&m, "square", pl_test_items_int(4, 1, 1), 4, NULL); /* NULL: the default options */
    PL_EXPECT_RC(m.rc, PL_OK);
    pl_test_map_free(&m);
    struct stat st;
    CU_ASSERT(stat(atexit_marker, &st) != 0 && errno == ENOENT);
}

/*
 * Text printed (but not yet flushed) before a fork would be in the child's
 * copy of the stdio buffer too: flushed by both, it would appear twice.
 */
static void test_buffered_output_not_duplicated(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP | PL_TEST_NEEDS_FUTURES)) {
        return;
    }
    char path[600];
    snprintf(path, sizeof path, "%s/stdout.txt", pl_test_tmpdir());
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CU_ASSERT_FATAL(saved >= 0 && fd >= 0);
    dup2(fd, STDOUT_FILENO);
    close(fd);
    setvbuf(stdout, NULL, _IOFBF, 0); /* a file: fully buffered, as when output is redirected */
    printf("printed once\n");          /* still in the buffer when the children are forked */
    pl_test_map m;
    pl_test_map_range(&m, "square", 3, 1, 1, 3, 10000);
    PL_EXPECT_RC(m.rc, PL_OK);
    pl_future *f = pl_test_start_int("square", 2);
    const pl_result *r = NULL;
    PL_EXPECT_RC(pl_future_wait(f, 10000, &r), PL_OK);
    pl_future_free(&f);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    pl_test_map_free(&m);

    char text[256] = {0};
    FILE *in = fopen(path, "r");
    size_t got = in != NULL ? fread(text, 1, sizeof text - 1, in) : 0;
    if (in != NULL) {
        fclose(in);
    }
    (void)got;
    PL_EXPECT_STR(text, "printed once\n");
}

/* ---------------------------------------------------------------- threads */

static atomic_int churn_stop;

/* Keeps malloc's locks busy: a fork may happen while this thread holds one. */
static void *churn(void *arg)
{
    (void)arg;
    while (!atomic_load(&churn_stop)) {
        void *p = malloc(64 + (size_t)(rand() % 4096));
        free(p);
    }
    return NULL;
}

/*
 * The hazard of forking a multi-threaded process: the child gets only the
 * forking thread, and a lock another thread held stays locked in the child.
 * glibc's fork() takes malloc's locks around the fork, so children that
 * malloc (every task does) still work while another thread churns.
 */
static void test_fork_while_another_thread_mallocs(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP)) {
        return;
    }
    pthread_t t;
    atomic_store(&churn_stop, 0);
    CU_ASSERT_FATAL(pthread_create(&t, NULL, churn, NULL) == 0);
    size_t ok = 0;
    for (int round = 0; round < 10; round++) {
        enum { N = 6 };
        pl_test_map m;
        pl_test_map_range(&m, "square", N, 1, 1, 3, 10000);
        ok += pl_test_count_status(m.results, N, PL_TASK_OK);
        pl_test_map_free(&m);
    }
    atomic_store(&churn_stop, 1);
    pthread_join(t, NULL);
    PL_EXPECT_EQ(ok, 60);
}

static const pl_test_case fork_cases[] = {
    {"backend_info", test_backend_info},
    {"children_are_not_root", test_children_are_not_root},
    {"copy_on_write", test_copy_on_write},
    {"map_crash_isolated", test_map_crash_isolated},
    {"future_and_group_crash_named", test_future_and_group_crash_named},
    {"map_kills_stubborn_at_deadline", test_map_kills_stubborn_at_deadline},
    {"cancel_kills_stubborn_future", test_cancel_kills_stubborn_future},
    {"free_running_future_leaves_no_process", test_free_running_future_leaves_no_process},
    {"group_kills_stubborn_at_deadline", test_group_kills_stubborn_at_deadline},
    {"orphan_stops", test_orphan_stops},
    {"map_is_a_pool", test_map_is_a_pool},
    {"big_values_cross_pipes", test_big_values_cross_pipes},
    {"buffered_output_not_duplicated", test_buffered_output_not_duplicated},
    {"fork_while_another_thread_mallocs", test_fork_while_another_thread_mallocs},
    {"children_skip_atexit", test_children_skip_atexit},
    {NULL, NULL},
};

static const pl_test_suite fork_suite = {"fork", setup, NULL, fork_cases};

const pl_test_suite *const pl_suites[] = {&fork_suite, NULL};
