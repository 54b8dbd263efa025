/*
 * experiment.c - what OpenMP threads cannot do, shown in a process of its own.
 *
 * The lesson's table (DESIGN.md section 4) says that with OpenMP a crashing
 * task kills the whole process and a task that never polls pl_should_stop()
 * cannot be stopped at a deadline. Showing that inside the CUnit runner
 * would kill or hang the runner, so tests/model_openmp.c starts this
 * program with posix_spawn and judges how it ended.
 *
 * Why a separate program and not a fork() of the test runner? GCC's
 * OpenMP runtime (libgomp) is not fork-safe: its thread pool does not
 * survive fork(), and a forked child of a process that already used OpenMP
 * can deadlock the first time it opens a parallel region. posix_spawn
 * starts a fresh program (exec), whose libgomp starts from scratch.
 *
 *   experiment crash      map `crash` over 4 items in chunks of 2: must die
 *                         of SIGSEGV
 *   experiment no-poll    a task that ignores pl_should_stop() outlives the
 *                         map's 100 ms deadline; pl_map waits for it, and
 *                         its late answer is reported TIMEOUT. Exit 0 when
 *                         that is what happened.
 *   experiment outside    without pl_run: map works (its own team),
 *                         futures and groups are refused. Exit 0 if so.
 *   experiment leftover   body returns with a `hang` future still running;
 *                         pl_run asks it to stop and returns. Exit 0 if so.
 * Exit 1: the experiment ran but showed something else; 2: usage.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "paralab.h"

/* The map's deadline, and how long the non-polling task really takes. */
#define DEADLINE_MS 100
#define NAP_MS 800

/*
 * A crash experiment must end by SIGSEGV, not by a sanitizer's report
 * (which exits with a status instead of the signal). These hooks are the
 * sanitizers' documented way to set defaults; a plain build ignores them.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "handle_segv=0";
}
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
    return "handle_segv=0";
}

/* Sleeps NAP_MS in one go and never asks pl_should_stop(): nobody can stop it. */
static int nap_no_poll(const pl_value *arg, pl_value *out, pl_error *err)
{
    (void)arg;
    (void)err;
    struct timespec left = {NAP_MS / 1000, (NAP_MS % 1000) * 1000000L};
    while (nanosleep(&left, &left) != 0 && errno == EINTR) {
    }
    pl_value_set_int(out, NAP_MS);
    return PL_TASK_OK;
}

/* Maps task over n copies of int v (chunksize: pl_map_opts'), returns the elapsed ms; results[] filled. */
static int64_t timed_map(const char *task, int64_t v, size_t n, int max_workers, int chunksize, int64_t timeout_ms,
                         pl_result *results[], int *rc)
{
    pl_value *items[8];
    for (size_t i = 0; i < n; i++) {
        items[i] = pl_value_new_int(v);
    }
    pl_map_opts opts = {.max_workers = max_workers, .timeout_ms = timeout_ms, .chunksize = chunksize};
    int64_t t0 = pl_now_ns();
    *rc = pl_map(task, items, n, &opts, results);
    int64_t ms = (pl_now_ns() - t0) / 1000000;
    for (size_t i = 0; i < n; i++) {
        pl_value_free(items[i]);
    }
    return ms;
}

static int crash_body(void *ctx)
{
    (void)ctx;
    pl_result *results[4] = {NULL};
    int rc;
    /* In chunks of 2: a crash inside a chunk takes the process too, chunk or not. */
    timed_map("crash", 0, 4, 2, 2, PL_NO_TIMEOUT, results, &rc);
    fprintf(stderr, "experiment crash: pl_map returned %s - the process should be dead\n", pl_strerror(rc));
    return 1;
}

/* One map of each kind under the same deadline: the polling one stops, the other cannot. */
static int no_poll_body(void *ctx)
{
    (void)ctx;
    pl_result *polite[1] = {NULL}, *deaf[1] = {NULL};
    int rc1, rc2;
    int64_t polite_ms = timed_map("sleep_ms", NAP_MS, 1, 1, 0, DEADLINE_MS, polite, &rc1);
    int64_t deaf_ms = timed_map("nap_no_poll", 0, 1, 1, 0, DEADLINE_MS, deaf, &rc2);
    printf("deadline %d ms: sleep_ms (polls) returned after %lld ms, %s; "
           "nap_no_poll (never polls) after %lld ms, %s\n",
           DEADLINE_MS, (long long)polite_ms, pl_task_status_name(pl_result_status(polite[0])),
           (long long)deaf_ms, pl_task_status_name(pl_result_status(deaf[0])));
    /* The deaf task ran to its end (end stamp ~NAP_MS after the call), but too late: TIMEOUT all the same. */
    int shown = rc1 == PL_OK && rc2 == PL_OK && pl_result_status(polite[0]) == PL_TASK_TIMEOUT &&
                polite_ms < NAP_MS - 200 && deaf_ms >= NAP_MS - 50 && pl_result_end_ns(deaf[0]) > 0 &&
                pl_result_status(deaf[0]) == PL_TASK_TIMEOUT;
    pl_result_free(polite[0]);
    pl_result_free(deaf[0]);
    return shown ? 0 : 1;
}

static int outside(void)
{
    int ok = 1;
    pl_future *f = NULL;
    int rc = pl_future_start("square", NULL, &f);
    printf("outside pl_run: pl_workers() = %d, pl_future_start -> %s", pl_workers(), pl_strerror(rc));
    ok &= pl_workers() == 0 && rc == PL_ESTATE && f == NULL;

    pl_group *g = NULL;
    if (pl_group_new(2, &g) == PL_OK) {
        pl_group_add(g, "a", "square", NULL);
        rc = pl_group_start(g);
        printf(", pl_group_start -> %s", pl_strerror(rc));
        ok &= rc == PL_ESTATE;
        pl_group_free(&g);
    }

    pl_result *results[4] = {NULL};
    timed_map("sleep_ms", 150, 4, 4, 0, PL_NO_TIMEOUT, results, &rc);
    int overlap = pl_results_max_overlap(results, 4);
    printf(", pl_map -> %s with %d tasks at once\n", pl_strerror(rc), overlap);
    ok &= rc == PL_OK && overlap >= 2;
    for (size_t i = 0; i < 4; i++) {
        ok &= pl_result_status(results[i]) == PL_TASK_OK;
        pl_result_free(results[i]);
    }
    return ok ? 0 : 1;
}

/* Returns 7 with a hang still running: pl_run must stop it (it polls) to return at all. */
static int leftover_body(void *ctx)
{
    pl_future **f = ctx;
    if (pl_future_start("hang", NULL, f) != PL_OK) {
        return 1;
    }
    pl_sleep_ms(100); /* running now */
    return 7;         /* *f is not freed here on purpose: the run scope must still close */
}

int main(int argc, char **argv)
{
    /* A crash here is the expected outcome: no core file for it. */
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *mode = argc == 2 ? argv[1] : "";
    if (strcmp(mode, "crash") == 0) {
        pl_run(NULL, crash_body, NULL);
        return 1; /* still alive: the crash did not take the process down */
    }
    if (strcmp(mode, "no-poll") == 0) {
        if (pl_task_register("nap_no_poll", nap_no_poll) != PL_OK) {
            return 1;
        }
        return pl_run(NULL, no_poll_body, NULL) == 0 ? 0 : 1;
    }
    if (strcmp(mode, "outside") == 0) {
        return outside();
    }
    if (strcmp(mode, "leftover") == 0) {
        pl_future *f = NULL;
        int rc = pl_run(NULL, leftover_body, &f);
        int done = f != NULL && pl_future_done(f) == 1;
        printf("pl_run returned %d with a hang future left running; afterwards it is %s\n", rc,
               done ? "done" : "NOT done");
        pl_future_free(&f); /* its task ended with the run scope: freeing it now is safe */
        return rc == 7 && done ? 0 : 1;
    }
    fprintf(stderr, "usage: %s crash|no-poll|outside|leftover\n", argv[0]);
    return 2;
}
