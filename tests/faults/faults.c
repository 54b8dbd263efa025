/*
 * tests/faults/faults.c - the fault-injection suite (CTest label "faults").
 *
 * One program, linked once per backend (paralab_faults_<model>); each CTest
 * runs ONE fault in a fresh process: `paralab_faults_<model> FAULT`. A fresh
 * process because some faults change the process for good (a process limit,
 * a signal handler, a dropped uid) and because a fault that wins would take
 * the whole runner with it. Exit 0: the promise held; 1: it did not (the
 * lines on stderr say how); 77: the fault does not apply here (skipped).
 *
 * The promise (paralab.h): a call is rejected up front or it runs, and then
 * every task gets exactly one final result, by the call's deadline where
 * one is set, and nothing is left behind (child, zombie, descriptor).
 * Deadlines are checked with a generous slack (SLACK_MS): on a loaded
 * 2-core machine a call may return late by scheduling, never by seconds
 * of blocking - the faults here used to cost 10 s to 10 min.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "faults.h"
#include "paralab.h"
#ifdef PL_FAULTS_FORK
#include "pl_fork.h"
#endif

#define SLACK_MS 2000
#define SKIP 77

int fault_failures;

static const char *model(void)
{
    return pl_backend()->name;
}

static int is_model(const char *name)
{
    return strcmp(model(), name) == 0;
}

/* ---------------------------------------------------------------- leftovers */

int fault_count_fds(void)
{
    int n = 0;
    for (int fd = 0; fd < 1024; fd++) {
        n += fcntl(fd, F_GETFD) != -1;
    }
    return n;
}

/* No child of ours left, running or zombie (fork); the descriptors we started with. */
static void expect_no_leftovers(int fds_before)
{
    int status;
    pid_t got = waitpid(-1, &status, WNOHANG);
    EXPECT(got == -1 && errno == ECHILD, "a child is left behind (waitpid gave %ld)", (long)got);
    int fds = fault_count_fds();
    EXPECT(fds == fds_before, "%d descriptors open, %d before", fds, fds_before);
}

static int64_t ms_since(int64_t start_ns)
{
    return (pl_now_ns() - start_ns) / 1000000;
}

/* Exactly one final result per item, every one with `status`. */
static void expect_all(pl_result *const rs[], size_t n, pl_task_status status, const char *what)
{
    for (size_t i = 0; i < n; i++) {
        pl_task_status st = pl_result_status(rs[i]);
        EXPECT(rs[i] != NULL && st == status, "%s: item %zu is %s (%s), expected %s", what, i,
               pl_task_status_name(st), pl_result_error(rs[i]), pl_task_status_name(status));
    }
}

static void free_results(pl_result *rs[], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        pl_result_free(rs[i]);
        rs[i] = NULL;
    }
}

/* vs[i] = the int i: items for the faults where only how many matters. */
static void fill_counting(pl_value *vs[], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        vs[i] = pl_value_new();
        pl_value_set_int(vs[i], (int64_t)i);
    }
}

static void free_values(pl_value *vs[], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        pl_value_free(vs[i]);
    }
}

/* ---------------------------------------------------------------- tasks of the faults */

/* The pipe a fork child writes its answer to: its only write-only FIFO above stderr. */
static int find_result_pipe(void)
{
    for (int fd = 3; fd < 1024; fd++) {
        struct stat st;
        int fl = fcntl(fd, F_GETFL);
        if (fl != -1 && (fl & O_ACCMODE) == O_WRONLY && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode)) {
            return fd;
        }
    }
    return -1;
}

/*
 * Write half a result frame (a header promising 1000 bytes, then 10), then:
 * arg 0 stop (SIGSTOP), 1 hang without ever polling, 2 exit. Fork only.
 */
static int task_half_frame(const pl_value *arg, pl_value *out, pl_error *err)
{
    (void)out;
    int64_t how = 0;
    pl_value_get_int(arg, &how);
    int fd = find_result_pipe();
    if (fd < 0) {
        pl_error_set(err, "no result pipe here");
        return PL_TASK_FAILED;
    }
    uint8_t half[14] = {0, 0, 0x03, 0xe8};
    if (write(fd, half, sizeof half) != (ssize_t)sizeof half) {
        _exit(4);
    }
    if (how == 2) {
        _exit(0);
    }
    if (how == 0) {
        raise(SIGSTOP);
    }
    for (;;) {
        pause();
    }
    return PL_TASK_FAILED;
}

/* A bytes value of arg bytes. */
static int task_big_result(const pl_value *arg, pl_value *out, pl_error *err)
{
    int64_t len = 0;
    pl_value_get_int(arg, &len);
    void *p = calloc((size_t)len, 1);
    if (p == NULL || pl_value_set_bytes(out, p, (size_t)len) != PL_OK) {
        free(p);
        pl_error_set(err, "out of memory");
        return PL_TASK_FAILED;
    }
    free(p);
    return PL_TASK_OK;
}

/* Write our pid to the file named by arg, then never return and never poll. */
static int task_pid_then_hang(const pl_value *arg, pl_value *out, pl_error *err)
{
    (void)out;
    (void)err;
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s.tmp", pl_value_str(arg));
    FILE *f = fopen(tmp, "w");
    if (f != NULL) {
        fprintf(f, "%ld\n", (long)getpid());
        fclose(f);
        rename(tmp, pl_value_str(arg)); /* whole, or not there at all */
    }
    for (;;) {
        pause();
    }
    return PL_TASK_FAILED;
}

/* ---------------------------------------------------------------- faults */

/* An item over PL_VALUE_MAX_LEN: PL_EINVAL before anything runs, slots untouched. */
static int fault_oversized_item(void)
{
    size_t len = PL_VALUE_MAX_LEN + 1;
    char *blob = calloc(len, 1);
    pl_value *items[3] = {pl_value_new(), pl_value_new(), pl_value_new()};
    if (blob == NULL || items[0] == NULL || items[1] == NULL || items[2] == NULL) {
        return SKIP;
    }
    pl_value_set_int(items[0], 1);
    pl_value_set_bytes(items[1], blob, len);
    pl_value_set_int(items[2], 3);
    free(blob);
    pl_result *sentinel = (pl_result *)&len;
    pl_result *rs[3] = {sentinel, sentinel, sentinel};
    int fds = fault_count_fds();
    int64_t t0 = pl_now_ns();
    int rc = pl_map("noop", items, 3, &(pl_map_opts){.max_workers = 2, .timeout_ms = 5000}, rs);
    EXPECT(rc == PL_EINVAL, "map of a 64 MiB + 1 item gave %s, expected PL_EINVAL", pl_strerror(rc));
    EXPECT(rs[0] == sentinel && rs[1] == sentinel && rs[2] == sentinel, "a rejected map wrote result slots");
    EXPECT(ms_since(t0) < SLACK_MS, "the rejection took %lld ms", (long long)ms_since(t0));
    pl_group *g = NULL;
    if (pl_group_new(2, &g) == PL_OK) {
        rc = pl_group_add(g, "big", "noop", items[1]);
        EXPECT(rc == PL_EINVAL, "group_add of a 64 MiB + 1 argument gave %s", pl_strerror(rc));
        pl_group_free(&g);
    }
    expect_no_leftovers(fds);
    free_values(items, 3);
    return fault_failures ? 1 : 0;
}

/* A result over the limit: FAILED "result too large", and the worker goes on. */
static int fault_oversized_result(void)
{
    int64_t big = (int64_t)PL_VALUE_MAX_LEN + 1;
    pl_value *items[4];
    for (int i = 0; i < 4; i++) {
        items[i] = pl_value_new();
        pl_value_set_int(items[i], i == 1 ? big : 10);
    }
    pl_result *rs[4] = {NULL};
    int fds = fault_count_fds();
    int rc = pl_map("big_result", items, 4, &(pl_map_opts){.max_workers = 1, .timeout_ms = 60000}, rs);
    EXPECT(rc == PL_OK, "map gave %s", pl_strerror(rc));
    if (is_model("fork") || is_model("mpi")) {
        EXPECT(pl_result_status(rs[1]) == PL_TASK_FAILED && strstr(pl_result_error(rs[1]), "result too large"),
               "the big item is %s: %s", pl_task_status_name(pl_result_status(rs[1])), pl_result_error(rs[1]));
        pl_task_status others[3] = {pl_result_status(rs[0]), pl_result_status(rs[2]), pl_result_status(rs[3])};
        EXPECT(others[0] == PL_TASK_OK && others[1] == PL_TASK_OK && others[2] == PL_TASK_OK,
               "the worker did not go on after the big result: %s %s %s", pl_task_status_name(others[0]),
               pl_task_status_name(others[1]), pl_task_status_name(others[2]));
    } else {
        expect_all(rs, 4, PL_TASK_OK, "shared memory: any size stays where it is");
    }
    free_results(rs, 4);
    /* The next map on the same workers: every item answered. */
    rc = pl_map("big_result", items, 1, &(pl_map_opts){.max_workers = 1, .timeout_ms = 60000}, rs);
    EXPECT(rc == PL_OK && pl_result_status(rs[0]) == PL_TASK_OK, "the next map: %s / %s", pl_strerror(rc),
           pl_task_status_name(pl_result_status(rs[0])));
    free_results(rs, 1);
    if (!is_model("mpi")) {
        expect_no_leftovers(fds);
    }
    free_values(items, 4);
    return fault_failures ? 1 : 0;
}

/* A result of len bytes that came back whole: OK and that long. */
static void expect_bytes(const pl_result *r, size_t len, const char *what)
{
    size_t got = 0;
    const void *p = pl_value_bytes(pl_result_value(r), &got);
    EXPECT(pl_result_status(r) == PL_TASK_OK && p != NULL && got == len, "%s: %s (%s), %zu bytes of %zu", what,
           pl_task_status_name(pl_result_status(r)), pl_result_error(r), got, len);
}

/*
 * Results bigger than one MPI message's fixed receive buffer (64 KiB) but
 * under PL_VALUE_MAX_LEN travel on every backend - map one item at a time
 * and in chunks, a future, a group - and the worker goes on serving.
 */
static int fault_big_result(void)
{
    const size_t sizes[4] = {100 * 1024, 10, 3 * 1024 * 1024, 65 * 1024};
    pl_value *items[4];
    for (int i = 0; i < 4; i++) {
        items[i] = pl_value_new_int((int64_t)sizes[i]);
    }
    for (int chunk = 1; chunk <= 4; chunk += 3) {
        pl_result *rs[4] = {NULL};
        int rc = pl_map("big_result", items, 4,
                        &(pl_map_opts){.max_workers = 2, .timeout_ms = 60000, .chunksize = chunk}, rs);
        EXPECT(rc == PL_OK, "map (chunksize %d) gave %s", chunk, pl_strerror(rc));
        for (int i = 0; i < 4; i++) {
            expect_bytes(rs[i], sizes[i], chunk == 1 ? "map, one item at a time" : "map, one chunk");
        }
        free_results(rs, 4);
    }
    pl_future *f = NULL;
    const pl_result *r = NULL;
    int rc = pl_future_start("big_result", items[2], &f);
    EXPECT(rc == PL_OK, "future start: %s", pl_strerror(rc));
    if (rc == PL_OK) {
        rc = pl_future_wait(f, 60000, &r);
        EXPECT(rc == PL_OK, "future wait: %s", pl_strerror(rc));
        if (rc == PL_OK) {
            expect_bytes(r, sizes[2], "future");
        }
        pl_future_free(&f);
    }
    pl_group *g = NULL;
    rc = pl_group_new(2, &g);
    if (rc == PL_OK) {
        pl_group_add(g, "a", "big_result", items[0]);
        pl_group_add(g, "b", "big_result", items[2]);
        rc = pl_group_start(g);
        rc = rc == PL_OK ? pl_group_results(g, 60000) : rc;
        EXPECT(rc == PL_OK, "group: %s", pl_strerror(rc));
        expect_bytes(pl_group_result(g, "a"), sizes[0], "group member a");
        expect_bytes(pl_group_result(g, "b"), sizes[2], "group member b");
        pl_group_free(&g);
    }
    free_values(items, 4);
    return fault_failures ? 1 : 0;
}

/* A child stopped, stuck or dead halfway through its result frame (fork). */
static int fault_half_frame(void)
{
    if (!is_model("fork")) {
        return SKIP;
    }
    for (int how = 0; how < 3; how++) {
        pl_value *items[4];
        for (int i = 0; i < 4; i++) {
            items[i] = pl_value_new();
            pl_value_set_int(items[i], how);
        }
        pl_result *rs[4] = {NULL};
        int fds = fault_count_fds();
        int64_t t0 = pl_now_ns();
        /* Items 0-2 write half a frame (map, future, group); 3 is a plain square. */
        const char *task = "half_frame";
        pl_value *odd[2] = {items[0], items[2]};
        int rc = pl_map(task, odd, 2, &(pl_map_opts){.max_workers = 2, .timeout_ms = 1000}, rs);
        int64_t took = ms_since(t0);
        EXPECT(rc == PL_OK, "map gave %s", pl_strerror(rc));
        EXPECT(took < 1000 + SLACK_MS, "half frame (%d): the map returned after %lld ms, deadline 1000", how,
               (long long)took);
        expect_all(rs, 2, how == 2 ? PL_TASK_CRASHED : PL_TASK_TIMEOUT, "map, half a frame");
        free_results(rs, 2);
        expect_no_leftovers(fds);

        pl_future *f = NULL;
        t0 = pl_now_ns();
        rc = pl_future_start(task, items[1], &f);
        const pl_result *res = NULL;
        int wrc = rc == PL_OK ? pl_future_wait(f, 1000, &res) : rc;
        took = ms_since(t0);
        EXPECT(wrc == (how == 2 ? PL_OK : PL_ETIMEDOUT), "future_wait gave %s", pl_strerror(wrc));
        EXPECT(took < 1000 + SLACK_MS, "half frame (%d): future_wait returned after %lld ms, timeout 1000", how,
               (long long)took);
        pl_future_free(&f);

        pl_group *g = NULL;
        t0 = pl_now_ns();
        rc = pl_group_new(2, &g);
        rc = rc == PL_OK ? pl_group_add(g, "a", task, items[2]) : rc;
        rc = rc == PL_OK ? pl_group_add(g, "b", "square", items[3]) : rc;
        rc = rc == PL_OK ? pl_group_start(g) : rc;
        rc = rc == PL_OK ? pl_group_results(g, 1000) : rc;
        took = ms_since(t0);
        EXPECT(rc == PL_OK, "group gave %s", pl_strerror(rc));
        EXPECT(took < 1000 + SLACK_MS, "half frame (%d): group_results returned after %lld ms, timeout 1000", how,
               (long long)took);
        pl_task_status want = how == 2 ? PL_TASK_CRASHED : PL_TASK_TIMEOUT;
        EXPECT(pl_result_status(pl_group_result(g, "a")) == want, "group member a is %s",
               pl_task_status_name(pl_result_status(pl_group_result(g, "a"))));
        EXPECT(pl_result_status(pl_group_result(g, "b")) == PL_TASK_OK, "group member b is %s",
               pl_task_status_name(pl_result_status(pl_group_result(g, "b"))));
        pl_group_free(&g);
        expect_no_leftovers(fds);
        free_values(items, 4);
    }
    return fault_failures ? 1 : 0;
}

/*
 * A child stopped (SIGSTOP) while the parent writes it a 10 MB task frame
 * (fork): the write gives up at the deadline instead of blocking for ever.
 * The runtime's own call, since a map cannot be made to send a frame to a
 * worker that is already stopped.
 */
static int fault_stopped_reader(void)
{
#ifdef PL_FAULTS_FORK
    size_t len = 10 * 1024 * 1024;
    char *blob = calloc(len, 1);
    pl_value *big = pl_value_new();
    if (blob == NULL || big == NULL) {
        return SKIP;
    }
    pl_value_set_bytes(big, blob, len);
    free(blob);
    int fds = fault_count_fds();
    int p[2];
    EXPECT(pl_fork_pipe(p) == PL_OK, "no pipe");
    pid_t pid = pl_fork();
    if (pid == 0) {
        raise(SIGSTOP); /* keeps the read end and never reads */
        _exit(0);
    }
    pl_fork_close(&p[0]);
    int64_t t0 = pl_now_ns();
    int rc = pl_fork_send_task_until(p[1], pl_deadline_after_ms(500), 1, "noop", big);
    int64_t took = ms_since(t0);
    EXPECT(rc == PL_ETIMEDOUT, "sending 10 MB to a stopped child gave %s", pl_strerror(rc));
    EXPECT(took < 500 + SLACK_MS, "the send returned after %lld ms, deadline 500", (long long)took);
    pl_fork_close(&p[1]);
    pl_fork_reap(pid, 1, NULL);
    expect_no_leftovers(fds);
    pl_value_free(big);
    return fault_failures ? 1 : 0;
#else
    return SKIP;
#endif
}

/* A task that never polls must not outlive its killed parent (fork). */
static int fault_orphan(const char *self)
{
    if (!is_model("fork")) {
        return SKIP;
    }
    char path[256];
    snprintf(path, sizeof path, "/tmp/paralab-faults-orphan-%ld", (long)getpid());
    unlink(path);
    pid_t parent = fork();
    if (parent == 0) {
        /* The parent to be killed: a fresh program, so it owns nothing of ours. */
        execl(self, self, "orphan-parent", path, (char *)NULL);
        _exit(127);
    }
    long child = 0;
    for (int i = 0; i < 1000 && child <= 0; i++) {
        FILE *f = fopen(path, "r");
        if (f != NULL) {
            if (fscanf(f, "%ld", &child) != 1) {
                child = 0;
            }
            fclose(f);
        }
        pl_sleep_ms(10);
    }
    unlink(path);
    kill(parent, SIGKILL);
    waitpid(parent, NULL, 0);
    EXPECT(child > 0, "the task never wrote its pid");
    int gone = 0;
    for (int i = 0; i < 200 && child > 0 && !gone; i++) {
        char stat_path[64], state = 'Z';
        snprintf(stat_path, sizeof stat_path, "/proc/%ld/stat", child);
        FILE *f = fopen(stat_path, "r");
        gone = f == NULL || (fscanf(f, "%*d %*s %c", &state) == 1 && state == 'Z');
        if (f != NULL) {
            fclose(f);
        }
        pl_sleep_ms(10);
    }
    if (child > 0 && !gone) {
        kill((pid_t)child, SIGKILL);
    }
    EXPECT(gone, "the task (pid %ld) outlived its killed parent", child);
    return fault_failures ? 1 : 0;
}

static int orphan_parent(const char *path)
{
    pl_value *arg = pl_value_new();
    pl_value_set_str(arg, path);
    pl_future *f = NULL;
    if (pl_future_start("pid_then_hang", arg, &f) != PL_OK) {
        return 1;
    }
    const pl_result *res;
    pl_future_wait(f, PL_NO_TIMEOUT, &res); /* killed here */
    return 1;
}

/* ---------------------------------------------------------------- signal storm */

static atomic_long storm_hits;
static atomic_int storm_on;

static void on_storm(int sig)
{
    (void)sig;
    atomic_fetch_add(&storm_hits, 1);
}

static void *storm(void *arg)
{
    (void)arg;
    sigset_t mine;
    sigemptyset(&mine);
    sigaddset(&mine, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &mine, NULL); /* the signals go to the other threads */
    while (atomic_load(&storm_on)) {
        kill(getpid(), SIGUSR1);
        for (volatile int spin = 0; spin < 2000; spin++) {
        }
    }
    return NULL;
}

/* Signals by the thousand, with a handler (no SA_RESTART): deadlines still hold. */
static int fault_signal_storm(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_storm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    pthread_t t;
    atomic_store(&storm_on, 1);
    if (pthread_create(&t, NULL, storm, NULL) != 0) {
        return SKIP;
    }
    int64_t t0 = pl_now_ns();
    pl_sleep_ms(300);
    int64_t took = ms_since(t0);
    EXPECT(took >= 300 && took < 300 + SLACK_MS, "pl_sleep_ms(300) took %lld ms under the storm", (long long)took);

    pl_value *items[2] = {pl_value_new(), pl_value_new()};
    pl_value_set_int(items[0], 5000);
    pl_value_set_int(items[1], 5000);
    pl_result *rs[2] = {NULL};
    t0 = pl_now_ns();
    int rc = pl_map("sleep_ms", items, 2, &(pl_map_opts){.max_workers = 2, .timeout_ms = 500}, rs);
    took = ms_since(t0);
    EXPECT(rc == PL_OK, "map gave %s", pl_strerror(rc));
    EXPECT(took < 500 + SLACK_MS, "a 500 ms map of 5 s sleeps returned after %lld ms", (long long)took);
    expect_all(rs, 2, PL_TASK_TIMEOUT, "sleeps past the deadline");
    free_results(rs, 2);
    atomic_store(&storm_on, 0);
    pthread_join(t, NULL);
    EXPECT(atomic_load(&storm_hits) > 100, "only %ld signals arrived", atomic_load(&storm_hits));
    pl_value_free(items[0]);
    pl_value_free(items[1]);
    return fault_failures ? 1 : 0;
}

/* ---------------------------------------------------------------- threads */

/* max_workers far beyond any machine: lowered to what the backend can run, not a dead process. */
static int fault_huge_max_workers(void)
{
    /* Enough items that max_workers is not lowered to n: 50 000 threads killed libgomp. */
    enum { N = 50000 };
    static pl_value *items[N];
    static pl_result *rs[N];
    size_t n = is_model("mpi") ? 2000 : N; /* MPI's workers are its ranks: nothing to exhaust */
    fill_counting(items, n);
    int rc = pl_map("square", items, n, &(pl_map_opts){.max_workers = 100000, .timeout_ms = 120000}, rs);
    EXPECT(rc == PL_OK, "map with max_workers 100000 gave %s", pl_strerror(rc));
    expect_all(rs, n, PL_TASK_OK, "max_workers 100000");
    free_results(rs, n);
    free_values(items, n);
    return fault_failures ? 1 : 0;
}

/* A calling thread other than pl_run's: refused where the model cannot take it (MPI FUNNELED). */
static void *map_from_thread(void *arg)
{
    int *rc = arg;
    pl_value *item = pl_value_new();
    pl_value_set_int(item, 7);
    pl_result *rs[1] = {NULL};
    *rc = pl_map("square", &item, 1, &(pl_map_opts){.max_workers = 1, .timeout_ms = 10000}, rs);
    if (*rc == PL_OK && pl_result_status(rs[0]) != PL_TASK_OK) {
        *rc = PL_EWIRE; /* ran, but wrong */
    }
    pl_result_free(rs[0]);
    pl_value_free(item);
    return NULL;
}

static int fault_other_thread(void)
{
    int rc = PL_OK;
    pthread_t t;
    if (pthread_create(&t, NULL, map_from_thread, &rc) != 0) {
        return SKIP;
    }
    pthread_join(t, NULL);
    int want = is_model("mpi") ? PL_ESTATE : PL_OK;
    EXPECT(rc == want, "pl_map from another thread gave %s, expected %s", pl_strerror(rc), pl_strerror(want));
    /* And the run goes on: a map from the right thread still works. */
    map_from_thread(&rc);
    EXPECT(rc == PL_OK, "the next map from pl_run's thread gave %s", pl_strerror(rc));
    return fault_failures ? 1 : 0;
}

/* ---------------------------------------------------------------- process limit */

/*
 * Under RLIMIT_NPROC (ulimit -u; counted per user, threads included, not
 * for root), no new thread can start: OpenMP must still answer. Root first
 * becomes nobody so the limit applies. Set up BEFORE pl_run (main).
 */
static struct rlimit saved_nproc;

static int limit_processes(void)
{
    if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) {
        return SKIP;
    }
    /*
     * Only the soft limit: the test lifts it again before it exits, because
     * LeakSanitizer's check at exit needs a thread of its own.
     */
    struct rlimit lim;
    if (getrlimit(RLIMIT_NPROC, &lim) != 0) {
        return SKIP;
    }
    saved_nproc = lim;
    lim.rlim_cur = 1;
    return setrlimit(RLIMIT_NPROC, &lim) == 0 ? 0 : SKIP;
}

static void lift_process_limit(void)
{
    setrlimit(RLIMIT_NPROC, &saved_nproc);
}

static int run_body_ok(void *ctx)
{
    (void)ctx;
    return 42;
}

static int fault_nproc_limit(void)
{
    enum { N = 20 };
    pl_value *items[N];
    pl_result *rs[N] = {NULL};
    fill_counting(items, N);
    int rc = pl_map("square", items, N, &(pl_map_opts){.max_workers = 8, .timeout_ms = 60000}, rs);
    if (is_model("fork")) {
        /* No process can be forked: the call says so, and every item has its one result. */
        EXPECT(rc == PL_ESYS, "fork map under ulimit -u gave %s", pl_strerror(rc));
        expect_all(rs, N, PL_TASK_FAILED, "no worker could be forked");
    } else {
        EXPECT(rc == PL_OK, "map under ulimit -u gave %s", pl_strerror(rc));
        expect_all(rs, N, PL_TASK_OK, "map under ulimit -u");
    }
    free_results(rs, N);
    free_values(items, N);
    return fault_failures ? 1 : 0;
}

/* ---------------------------------------------------------------- descriptor limit */

/*
 * Room for only a few more descriptors (RLIMIT_NOFILE): a fork map gets
 * fewer workers than it asked for (4 pipe ends each), or none - then
 * PL_ESYS - and every item still has its one final result either way.
 */
static int fault_fd_limit(void)
{
    enum { N = 8 };
    pl_value *items[N];
    pl_result *rs[N] = {NULL};
    fill_counting(items, N);
    int fds = fault_count_fds();
    int lowest_free = 0; /* a new descriptor takes the lowest free number: none below the limit, none at all */
    while (fcntl(lowest_free, F_GETFD) != -1) {
        lowest_free++;
    }
    struct rlimit saved, lim;
    getrlimit(RLIMIT_NOFILE, &saved);
    for (int room = 0; room <= 6; room += 6) {
        lim = saved;
        lim.rlim_cur = (rlim_t)(lowest_free + room); /* room 0: not one pipe; 6: about one worker */
        if (setrlimit(RLIMIT_NOFILE, &lim) != 0) {
            return SKIP;
        }
        int rc = pl_map("square", items, N, &(pl_map_opts){.max_workers = 4, .timeout_ms = 30000}, rs);
        setrlimit(RLIMIT_NOFILE, &saved);
        if (room == 0 && is_model("fork")) {
            EXPECT(rc == PL_ESYS, "no descriptor left: map gave %s", pl_strerror(rc));
            expect_all(rs, N, PL_TASK_FAILED, "no descriptor left");
        } else {
            EXPECT(rc == PL_OK, "room for %d descriptors: map gave %s", room, pl_strerror(rc));
            expect_all(rs, N, PL_TASK_OK, "room for a few descriptors");
        }
        free_results(rs, N);
        expect_no_leftovers(fds);
    }
    free_values(items, N);
    return fault_failures ? 1 : 0;
}

/* ---------------------------------------------------------------- main */

typedef struct fault {
    const char *name;
    int (*fn)(void);
} fault;

static const fault faults[] = {
    {"oversized-item", fault_oversized_item},   {"oversized-result", fault_oversized_result},
    {"half-frame", fault_half_frame},           {"stopped-reader", fault_stopped_reader},
    {"signal-storm", fault_signal_storm},       {"huge-max-workers", fault_huge_max_workers},
    {"other-thread", fault_other_thread},       {"nproc-limit", fault_nproc_limit},
    {"fd-limit", fault_fd_limit},               {"big-result", fault_big_result},
    {"out-of-memory", fault_out_of_memory},
    {NULL, NULL}};

static const fault *chosen;
static int verdict;

static int body(void *ctx)
{
    (void)ctx;
    verdict = chosen->fn();
    return PL_OK;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "orphan-parent") == 0) {
        pl_task_register("pid_then_hang", task_pid_then_hang);
        return orphan_parent(argv[2]);
    }
    pl_task_register("half_frame", task_half_frame);
    pl_task_register("big_result", task_big_result);
    if (argc == 2 && strcmp(argv[1], "orphan") == 0) {
        return fault_orphan(argv[0]);
    }
    for (const fault *f = faults; argc == 2 && f->name != NULL; f++) {
        if (strcmp(argv[1], f->name) == 0) {
            chosen = f;
        }
    }
    if (chosen == NULL) {
        fprintf(stderr, "usage: %s FAULT (orphan", argv[0]);
        for (const fault *f = faults; f->name != NULL; f++) {
            fprintf(stderr, ", %s", f->name);
        }
        fprintf(stderr, ")\n");
        return 2;
    }
    if (chosen->fn == fault_nproc_limit) {
        int rc = limit_processes();
        if (rc != 0) {
            return rc;
        }
        /* pl_run needs a thread on OpenMP: refused with a status, not an exit in libgomp. */
        int run = pl_run(&(pl_opts){.workers = 4}, run_body_ok, NULL);
        if (is_model("openmp") && run != PL_ESYS) {
            fprintf(stderr, "FAIL: pl_run under ulimit -u gave %d, expected PL_ESYS\n", run);
            fault_failures++;
        }
        int verdict_nproc = fault_nproc_limit();
        lift_process_limit();
        printf("nproc-limit on %s: %s\n", model(), verdict_nproc == 0 ? "held" : "BROKEN");
        return verdict_nproc;
    }
    int rc = pl_run(NULL, body, NULL);
    if (rc != PL_OK) {
        fprintf(stderr, "pl_run: %s\n", pl_strerror(rc));
        return 1;
    }
    if (!pl_is_root()) {
        return 0;
    }
    printf("%s on %s: %s\n", chosen->name, model(), verdict == 0 ? "held" : verdict == SKIP ? "skipped" : "BROKEN");
    return verdict;
}
