/*
 * model_mpi.c - what only the MPI backend shows (test_model_mpi).
 *
 * The shared suites (suite_*.c) judge every backend by the same rules. This
 * file checks the MPI-specific facts behind them:
 *   - the run scope: rank 0 runs body, every other rank is a worker, so
 *     pl_workers() is the job's size - 1, and a result's worker is a rank;
 *   - nothing is shared: a task that changes a global variable changes the
 *     WORKER's copy, never rank 0's; values cross as bytes and come back
 *     equal (and a reply too large for one message travels in two);
 *   - late replies are drained, not delivered: after a map's deadline or a
 *     freed running future, the next calls get only their own answers;
 *   - the lesson's table, by experiment in a job of its own (see
 *     tests/mpi-experiments/experiment.c): a crashing worker aborts the
 *     whole job, and a task that never polls keeps its rank busy past the
 *     deadline, so the job has to be aborted.
 *
 * Tasks used here are registered by a constructor, i.e. before main() on
 * EVERY rank: the suite's own setup only runs on rank 0, and a worker that
 * never registered a name could not run it.
 */
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mpi.h>

#include "harness.h"
#include "paralab.h"
#include "testkit.h"
#include "testkit_map.h"

extern char **environ;

#ifndef PL_MPI_EXPERIMENT
#define PL_MPI_EXPERIMENT "./paralab_mpi_experiment"
#endif
#ifndef PL_MPIEXEC
#define PL_MPIEXEC "mpiexec"
#endif

/* ---------------------------------------------------------------- test tasks */

/* A global of whichever process runs the task: each rank has its own. */
static int64_t bump_count;

/* Adds one to this process's bump_count and returns the new value. */
static int task_bump(const pl_value *arg, pl_value *out, pl_error *err)
{
    (void)arg;
    (void)err;
    bump_count++;
    pl_value_set_int(out, bump_count);
    return PL_TASK_OK;
}

__attribute__((constructor)) static void register_tasks(void)
{
    /* A failure here shows up as PL_ENOTASK in the test that needs the task. */
    (void)pl_task_register("mpi_bump", task_bump);
}

/* ---------------------------------------------------------------- helpers */

static int job_size(void)
{
    int size = 0;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size;
}

/* Maps task over values the caller made and frees (of any type) into results; returns pl_map's rc. */
static int map_values(const char *task, pl_value **items, size_t n, int max_workers, int64_t timeout_ms,
                      pl_result **results)
{
    pl_map_opts opts = {.max_workers = max_workers, .timeout_ms = timeout_ms};
    return pl_map(task, items, n, &opts, results);
}

/* noop over first, first+1, ... (n items, max_workers 1) must give them back in order. */
static void expect_clean_noop_map(size_t n, int64_t first)
{
    pl_test_map m;
    pl_test_map_range(&m, "noop", n, first, 1, 1, 10000);
    PL_EXPECT_RC(m.rc, PL_OK);
    size_t wrong = 0;
    for (size_t i = 0; i < n; i++) {
        wrong += !pl_test_is_ok_int(m.results[i], first + (int64_t)i);
    }
    PL_EXPECT_EQ(wrong, 0);
    if (wrong != 0) {
        pl_test_dump_results("noop after a late reply", m.results, n);
    }
    pl_test_map_free(&m);
}

/* ---------------------------------------------------------------- run scope */

static void test_backend_info(void)
{
    const pl_backend_info *b = pl_backend();
    CU_ASSERT_STRING_EQUAL(b->name, "mpi");
    PL_EXPECT_EQ(b->parallel, 1);
    PL_EXPECT_EQ(b->isolates_crashes, 0); /* a crashing rank takes the job down */
    PL_EXPECT_EQ(b->can_kill, 0);         /* one rank cannot be ended alone */
}

static void test_rank0_runs_body_others_are_workers(void)
{
    int rank = -1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    PL_EXPECT_EQ(rank, 0);
    PL_EXPECT_EQ(pl_is_root(), 1);
    PL_EXPECT_EQ(pl_workers(), job_size() - 1);
}

static int nested_body(void *ctx)
{
    (void)ctx;
    return 0;
}

/* MPI can be initialised once per process: a second pl_run is refused, never a crash. */
static void test_pl_run_not_reentrant(void)
{
    PL_EXPECT_RC(pl_run(NULL, nested_body, NULL), PL_ESTATE);
    PL_EXPECT_RC(pl_run(NULL, NULL, NULL), PL_EINVAL);
}

/* Every result names a worker rank, and on-demand dispatch gives every worker something to do. */
static void test_worker_ids_are_ranks(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP)) {
        return;
    }
    int workers = pl_workers();
    size_t n = (size_t)workers * 3;
    pl_test_map m;
    pl_test_map_range(&m, "sleep_ms", n, 30, 0, workers, 10000);
    PL_EXPECT_RC(m.rc, PL_OK);
    int seen[64] = {0};
    size_t outside = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t w = pl_result_worker(m.results[i]);
        if (w < 1 || w >= job_size() || w >= 64) {
            outside++;
        } else {
            seen[w] = 1;
        }
    }
    PL_EXPECT_EQ(outside, 0);
    int distinct = 0;
    for (int r = 0; r < 64; r++) {
        distinct += seen[r];
    }
    PL_EXPECT_EQ(distinct, workers);
    if (outside != 0 || distinct != workers) {
        pl_test_dump_results("sleep_ms on every worker", m.results, n);
    }
    pl_test_map_free(&m);
}

/* ---------------------------------------------------------------- nothing is shared */

/*
 * mpi_bump increments a global and returns it. Run on one worker 5 times,
 * it counts 1, 2, 3, ... over there (whatever earlier runs left, one more
 * each time) while rank 0's own global stays 0: separate processes,
 * separate memory. With OpenMP the same task would count in OUR memory.
 */
static void test_worker_memory_is_its_own(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP)) {
        return;
    }
    enum { N = 5 };
    pl_test_map m;
    pl_test_map_range(&m, "mpi_bump", N, 0, 0, 1, 10000);
    PL_EXPECT_RC(m.rc, PL_OK);
    size_t steps = 0;
    for (size_t i = 1; i < N; i++) {
        steps += pl_test_int_of(m.results[i]) == pl_test_int_of(m.results[i - 1]) + 1;
    }
    PL_EXPECT_EQ(steps, N - 1);
    CU_ASSERT(pl_test_int_of(m.results[0]) >= 1);
    PL_EXPECT_EQ(bump_count, 0); /* rank 0 never ran it */
    pl_test_map_free(&m);
}

/* Each kind of value travels to a worker as bytes and comes back equal (noop returns its argument). */
static void test_values_cross_the_wire(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP)) {
        return;
    }
    enum { N = 7 };
    static const unsigned char blob[5] = {0, 1, 0, 255, 7};
    char *big = malloc(20000);
    memset(big, 'x', 19999);
    big[19999] = '\0';
    pl_value *items[N] = {
        pl_value_new_int(-1234567890123LL), pl_value_new_double(-2.5e-300), pl_value_new_str("héllo, mundo"),
        pl_value_new_bytes(blob, sizeof blob), pl_value_new(), pl_value_new_str(""), pl_value_new_str(big),
    };
    pl_result *results[N] = {NULL};
    PL_EXPECT_RC(map_values("noop", items, N, pl_workers(), 10000, results), PL_OK);
    size_t equal = 0;
    for (size_t i = 0; i < N; i++) {
        equal += pl_result_status(results[i]) == PL_TASK_OK &&
                 pl_value_equal(pl_result_value(results[i]), items[i]);
    }
    PL_EXPECT_EQ(equal, N);
    if (equal != N) {
        pl_test_dump_results("noop round trips", results, N);
    }
    for (size_t i = 0; i < N; i++) {
        pl_result_free(results[i]);
        pl_value_free(items[i]);
    }
    free(big);
}

/*
 * A reply bigger than rank 0's fixed receive buffers (PL_MPI_REPLY_MAX)
 * travels in two messages (pl_mpi_send_reply) and comes back whole; the
 * next call is fine. (Over PL_VALUE_MAX_LEN: tests/faults, oversized-result.)
 */
static void test_big_reply_travels(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP)) {
        return;
    }
    size_t len = 100 * 1024;
    unsigned char *blob = calloc(len, 1);
    blob[len - 1] = 7;
    pl_value *item = pl_value_new_bytes(blob, len);
    pl_result *res = NULL;
    PL_EXPECT_RC(map_values("noop", &item, 1, 1, 10000, &res), PL_OK);
    PL_EXPECT_STATUS(res, PL_TASK_OK);
    CU_ASSERT(pl_value_equal(pl_result_value(res), item));
    pl_result_free(res);
    pl_value_free(item);
    free(blob);
    expect_clean_noop_map(5, 70);
}

/* ---------------------------------------------------------------- late replies */

/*
 * Every worker is still sleeping when the map's deadline passes. Their late
 * replies (values 2000, or CANCELLED) must be drained, never delivered:
 * the next map on the same workers sees only its own answers, at once.
 */
static void test_late_map_replies_are_drained(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP)) {
        return;
    }
    int workers = pl_workers();
    pl_test_map m;
    pl_test_map_range(&m, "sleep_ms", (size_t)workers, 2000, 0, workers, 100);
    PL_EXPECT_RC(m.rc, PL_OK);
    PL_EXPECT_EQ(pl_test_count_status(m.results, m.n, PL_TASK_TIMEOUT), (size_t)workers);
    pl_test_map_free(&m);
    expect_clean_noop_map(30, 500);
}

/*
 * A future freed while it runs: its worker still owes a reply. The next
 * futures - one per worker, started at once, so one of them must use that
 * worker - get their own answers, never the freed one's (which would be
 * CANCELLED, or 300).
 */
static void test_freed_future_reply_is_drained(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP | PL_TEST_NEEDS_FUTURES)) {
        return;
    }
    pl_future *f = pl_test_start_int("sleep_ms", 300);
    pl_sleep_ms(20);
    pl_future_free(&f);
    int workers = pl_workers();
    pl_future *next[64] = {NULL};
    for (int i = 0; i < workers && i < 64; i++) {
        next[i] = pl_test_start_int("square", 10 + i);
    }
    size_t wrong = 0;
    for (int i = 0; i < workers && i < 64; i++) {
        const pl_result *r = NULL;
        int rc = next[i] != NULL ? pl_future_wait(next[i], 5000, &r) : PL_EINVAL;
        if (rc != PL_OK || !pl_test_is_ok_int(r, (int64_t)(10 + i) * (10 + i))) {
            char line[PL_ERROR_MAX + 64];
            pl_result_format(r, line, sizeof line);
            fprintf(stderr, "\n  future %d: rc %s, %s\n", i, pl_strerror(rc), line);
            wrong++;
        }
        pl_future_free(&next[i]);
    }
    PL_EXPECT_EQ(wrong, 0);
    expect_clean_noop_map(20, 900);
}

/*
 * Futures hold every worker (finished, but nobody has waited for them yet:
 * rank 0 has no background thread to notice). A map without a deadline
 * must still complete: looking for a worker lets the futures notice their
 * replies and give their workers back (pl_mpi_add_progress).
 */
static void test_map_while_futures_hold_every_worker(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP | PL_TEST_NEEDS_FUTURES)) {
        return;
    }
    int workers = pl_workers();
    pl_future *fs[64] = {NULL};
    for (int i = 0; i < workers && i < 64; i++) {
        fs[i] = pl_test_start_int("square", 3 + i);
    }
    pl_sleep_ms(100); /* they are all finished now, and their workers still claimed */
    int64_t t0 = pl_now_ns();
    expect_clean_noop_map(10, 40);
    CU_ASSERT(pl_test_ms_since(t0) < 5000);
    size_t wrong = 0;
    for (int i = 0; i < workers && i < 64; i++) {
        const pl_result *r = NULL;
        wrong += pl_future_wait(fs[i], 5000, &r) != PL_OK || !pl_test_is_ok_int(r, (int64_t)(3 + i) * (3 + i));
        pl_future_free(&fs[i]);
    }
    PL_EXPECT_EQ(wrong, 0);
}

/* The same for a group: finished members must not keep a map from getting workers. */
static void test_map_while_a_group_holds_every_worker(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP | PL_TEST_NEEDS_GROUP)) {
        return;
    }
    int workers = pl_workers();
    pl_group *g = NULL;
    PL_EXPECT_RC(pl_group_new(workers, &g), PL_OK);
    if (g == NULL) {
        return;
    }
    for (int i = 0; i < workers; i++) {
        char name[16];
        snprintf(name, sizeof name, "m%d", i);
        pl_value *arg = pl_value_new_int(3 + i);
        PL_EXPECT_RC(pl_group_add(g, name, "square", arg), PL_OK);
        pl_value_free(arg);
    }
    PL_EXPECT_RC(pl_group_start(g), PL_OK);
    pl_sleep_ms(100); /* every member has finished; their workers are still claimed */
    int64_t t0 = pl_now_ns();
    expect_clean_noop_map(10, 40);
    CU_ASSERT(pl_test_ms_since(t0) < 5000);
    PL_EXPECT_RC(pl_group_results(g, 5000), PL_OK);
    for (int i = 0; i < workers; i++) {
        char name[16];
        snprintf(name, sizeof name, "m%d", i);
        CU_ASSERT(pl_test_is_ok_int(pl_group_result(g, name), (int64_t)(3 + i) * (3 + i)));
    }
    pl_group_free(&g);
}

/* A cancelled running future's result comes FROM the worker: it ran there, then stopped. */
static void test_cancel_is_a_message_to_the_worker(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_FUTURES)) {
        return;
    }
    pl_future *f = pl_test_start_int("hang", 0);
    pl_sleep_ms(100);
    PL_EXPECT_RC(pl_future_cancel(f), PL_OK);
    const pl_result *r = NULL;
    PL_EXPECT_RC(pl_future_wait(f, 3000, &r), PL_OK);
    PL_EXPECT_STATUS(r, PL_TASK_CANCELLED);
    PL_EXPECT_BETWEEN(pl_result_worker(r), 1, job_size() - 1);
    CU_ASSERT(pl_result_start_ns(r) > 0); /* it had started on the worker */
    pl_future_free(&f);
}

/* ---------------------------------------------------------------- experiments in a job of their own */

typedef struct job_outcome {
    int status;   /* exit code, 128 + signal, or -1 when it had to be killed */
    char *output; /* stdout and stderr, all of it (never NULL): Open MPI 5's abort
                   * report alone is longer than 8 KB, and the lines a test looks
                   * for may come after it */
} job_outcome;

/* The whole file (up to 16 MiB, far beyond any experiment's output) as a string; "" if unreadable. */
static char *read_all(const char *path)
{
    size_t cap = 1 << 16, len = 0;
    char *s = malloc(cap);
    FILE *f = fopen(path, "r");
    if (s == NULL || f == NULL) {
        if (f != NULL) {
            fclose(f);
        }
        free(s);
        return strdup("");
    }
    size_t got;
    while ((got = fread(s + len, 1, cap - len - 1, f)) > 0) {
        len += got;
        if (len + 1 == cap && cap < (16u << 20)) {
            char *bigger = realloc(s, cap * 2);
            if (bigger == NULL) {
                break;
            }
            s = bigger;
            cap *= 2;
        }
    }
    s[len] = '\0';
    fclose(f);
    return s;
}

/*
 * The environment for a NESTED mpiexec: this process is itself an MPI
 * rank, and Open MPI's variables describing OUR job (OMPI_*, PMIX_*, ...)
 * would make the child mpiexec believe it is part of it. Keep everything
 * else, and the few settings the child needs.
 */
static char **child_environment(const char *extra)
{
    static const char *const job_prefixes[] = {"OMPI_", "PMIX_", "OPAL_", "ORTE_", NULL};
    /* scripts/mpi-env's settings: Open MPI 4 and 5 names for "no CMA". */
    static const char *const keep[] = {"OMPI_ALLOW_RUN_AS_ROOT=", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=",
                                       "OMPI_MCA_btl_vader_single_copy_mechanism=", "OMPI_MCA_smsc=", NULL};
    size_t n = 0;
    while (environ[n] != NULL) {
        n++;
    }
    char **env = calloc(n + 2, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; env != NULL && i < n; i++) {
        int drop = 0;
        for (size_t p = 0; job_prefixes[p]; p++) {
            drop |= strncmp(environ[i], job_prefixes[p], strlen(job_prefixes[p])) == 0;
        }
        for (size_t p = 0; keep[p]; p++) {
            drop &= strncmp(environ[i], keep[p], strlen(keep[p])) != 0;
        }
        if (!drop) {
            env[k++] = environ[i];
        }
    }
    if (env != NULL && extra != NULL) {
        env[k++] = (char *)extra;
    }
    return env;
}

/* Waits up to limit_ms for pid; kills its whole process group if it takes longer. */
static int wait_job(pid_t pid, int64_t limit_ms)
{
    int64_t deadline = pl_deadline_after_ms(limit_ms);
    int st = 0;
    pid_t got;
    while ((got = waitpid(pid, &st, WNOHANG)) == 0 && pl_now_ns() < deadline) {
        pl_sleep_ms(20);
    }
    if (got == 0) {
        kill(-pid, SIGKILL);
        waitpid(pid, &st, 0);
        return -1;
    }
    if (got < 0) {
        return -1;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/*
 * Runs `mpiexec -n 2 --oversubscribe experiment MODE` in its own process
 * group, output to a file, and reports how it ended.
 */
static void run_experiment(const char *mode, const char *extra_env, job_outcome *out)
{
    memset(out, 0, sizeof *out);
    out->status = -2;
    char path[4096];
    snprintf(path, sizeof path, "%s/mpi-experiment-%s.txt", pl_test_tmpdir(), mode);
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    char *argv[] = {PL_MPIEXEC, "-n", "2", "--oversubscribe", PL_MPI_EXPERIMENT, (char *)mode, NULL};
    char **env = child_environment(extra_env);
    pid_t pid;
    if (env != NULL && posix_spawnp(&pid, PL_MPIEXEC, &fa, &attr, argv, env) == 0) {
        out->status = wait_job(pid, 60000);
    }
    free(env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    out->output = read_all(path);
}

static void show_if(int failed, const char *mode, const job_outcome *o)
{
    if (failed) {
        fprintf(stderr, "\n  experiment %s ended with %d; its output:\n%s\n", mode, o->status, o->output);
    }
}

/* The control: the same program, nothing crashes, the job exits 0. */
static void test_experiment_normal_job_exits_zero(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP)) {
        return;
    }
    job_outcome o;
    run_experiment("ok", NULL, &o);
    PL_EXPECT_EQ(o.status, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.output, "OK 16"));
    show_if(o.status != 0, "ok", &o);
    free(o.output);
}

/* A worker's SIGSEGV aborts the whole job: rank 0's map never returns. */
static void test_experiment_crash_aborts_the_job(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP)) {
        return;
    }
    job_outcome o;
    run_experiment("crash", NULL, &o);
    CU_ASSERT(o.status > 0); /* ended by itself (not killed by us), and not successfully */
    CU_ASSERT_PTR_NULL(strstr(o.output, "SURVIVED"));
    show_if(o.status <= 0, "crash", &o);
    free(o.output);
}

/*
 * A task that never polls: rank 0's map returns at its 200 ms deadline with
 * TIMEOUT, but the rank stays busy, so the end of pl_run has to abort the
 * job (after a 500 ms grace here) - it cannot end one rank.
 */
static void test_experiment_stubborn_task_forces_abort(void)
{
    if (!PL_TEST_NEEDS(PL_TEST_NEEDS_MAP)) {
        return;
    }
    job_outcome o;
    run_experiment("stubborn", "PARALAB_MPI_STOP_GRACE_MS=500", &o);
    CU_ASSERT(o.status > 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(o.output, "TIMEOUT"));
    CU_ASSERT_PTR_NOT_NULL(strstr(o.output, "did not stop"));
    long long ms = -1;
    /* The experiment's own line, "map ... returned TIMEOUT after N ms": Open MPI's
     * abort report around it may say "after" too. */
    const char *line = strstr(o.output, " returned ");
    const char *after = line != NULL ? strstr(line, " after ") : NULL;
    if (after != NULL) {
        ms = atoll(after + 7);
    }
    PL_EXPECT_BETWEEN(ms, 170, 1700); /* rank 0 stopped waiting at the deadline, not after the task */
    show_if(o.status <= 0 || ms < 0, "stubborn", &o);
    free(o.output);
}

static const pl_test_case model_cases[] = {
    {"backend_info", test_backend_info},
    {"rank0_runs_body_others_are_workers", test_rank0_runs_body_others_are_workers},
    {"pl_run_not_reentrant", test_pl_run_not_reentrant},
    {"worker_ids_are_ranks", test_worker_ids_are_ranks},
    {"worker_memory_is_its_own", test_worker_memory_is_its_own},
    {"values_cross_the_wire", test_values_cross_the_wire},
    {"big_reply_travels", test_big_reply_travels},
    {"late_map_replies_are_drained", test_late_map_replies_are_drained},
    {"freed_future_reply_is_drained", test_freed_future_reply_is_drained},
    {"map_while_futures_hold_every_worker", test_map_while_futures_hold_every_worker},
    {"map_while_a_group_holds_every_worker", test_map_while_a_group_holds_every_worker},
    {"cancel_is_a_message_to_the_worker", test_cancel_is_a_message_to_the_worker},
    {"experiment_normal_job_exits_zero", test_experiment_normal_job_exits_zero},
    {"experiment_crash_aborts_the_job", test_experiment_crash_aborts_the_job},
    {"experiment_stubborn_task_forces_abort", test_experiment_stubborn_task_forces_abort},
    {NULL, NULL},
};

static const pl_test_suite model_suite = {"model_mpi", NULL, NULL, model_cases};

const pl_test_suite *const pl_suites[] = {&model_suite, NULL};
