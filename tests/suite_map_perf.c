/*
 * suite_map_perf.c - two maps meant for timing (the grader's performance
 * points, grader/rubric.txt `perf` lines), linked into every test_map_*.
 *
 *   map_perf/cpu_bound_speedup   16 CPU-bound items on 2 workers: does the
 *                                map really run them in parallel?
 *   map_perf/many_small_items    calls of 10000 no-op items: what does
 *                                handing out items cost? (opts leave
 *                                chunksize 0, automatic: a map that
 *                                ignores it pays a hand-off per item)
 *
 * As tests they assert behaviour only (right answers, never more than
 * max_workers at once), never a speed: on a shared machine that is noise.
 * Their figure goes to the grader (timing.h), which compares it with the
 * reference's figure on the same machine in the same run.
 *
 * Designed for timing (with --timing; otherwise a light version runs):
 *   - enough work to dwarf noise: >= 0.3 s for the reference on 2 cores;
 *   - only the pl_map calls are timed, in-process: no process start-up;
 *   - the CPU-bound figure is corrected for the CPU share the workers got.
 *     Each task measures its own thread CPU time; result stamps give its
 *     wall time. share = sum(cpu) / sum(wall) is the fraction of their time
 *     the workers actually ran; figure = wall of the call x share. When
 *     other programs take half the CPUs, every worker runs half the time,
 *     the call takes twice as long and share = 0.5: the figure stays what
 *     the call costs on a quiet machine. That is what makes "a serial map
 *     takes twice the reference's time" hold under load: with a hog on
 *     every core a 2-worker map gets 2 of 4 runnable threads' time (1 CPU),
 *     a serial one 1 of 3 (2/3 CPU), so raw wall times differ by only 1.5x,
 *     while the corrected figures still differ by 2x (grader/README.md);
 *   - the many-items figure times the map alone: the first call is checked
 *     item by item, then made again where its items already are
 *     (map_repeat.h: in a checker, moving the items and results costs
 *     about what handing them out does, and would hide a costly map), and
 *     each timed call right after an untimed one, so that a per-call
 *     penalty (MPI's idle ranks waking: 25-150 ms after a pause before
 *     pl_mpi_backoff's 3 ms yield window, ~3 ms since) does not
 *     hide a per-item cost either;
 *   - the many-items figure is the best of many calls (at least 7): a call
 *     hit by a burst of load does not count, and a submission 3x as costly
 *     per item is 3x on every call. (With a busy loop on every core, whole
 *     processes run either fast or about 2x slower, depending on where the
 *     scheduler put them: that is why the grader takes the best of several
 *     processes too, and repeats a round before deducting.)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "map_repeat.h"
#include "suite_tasks.h"
#include "paralab.h"
#include "testkit.h"
#include "timing.h"

/* The speedup the lesson targets: 2 workers on 2 cores (DESIGN.md, quality bars). */
#define PERF_WORKERS 2
#define SPIN_ITEMS 16
/* ~1 ns a round: 16 x 50M rounds ~ 0.8 s of CPU, 0.4 s on 2 workers. */
#define SPIN_ROUNDS_TIMING 50000000LL
#define SPIN_ROUNDS_LIGHT 500000LL
/*
 * Items per call: 10000 when timing (a warm MPI call of the reference:
 * ~4 ms, so per-call costs such as the checker's round trip stay small
 * against per-item ones), 1000 when only behaviour is checked. The same
 * count for reference and submission: a call's cost per item grows with
 * its size (memory), so figures of different sizes would not compare.
 */
#define SMALL_ITEMS_LIGHT 1000
#define SMALL_ITEMS 10000
/* The many-items test keeps calling until this much was timed (and at least MIN_CALLS). */
#define SMALL_TIMED_NS_TIMING 300000000LL
#define SMALL_TIMED_NS_LIGHT 20000000LL
#define SMALL_MIN_CALLS 7
#define SMALL_MAX_CALLS 5000

/* ---------------------------------------------------------------- the CPU-bound task */

/*
 * perf_spin lives in suite_tasks.c: the subject process of a checker runs
 * it, and must know it by name (checker/pl_subject.h). Registered before
 * main(): every process that runs tasks needs the same table before pl_run
 * (MPI ranks run this same binary; forked children inherit it). A
 * constructor is how a test file gets there without a hook in the harness.
 */
__attribute__((constructor)) static void register_perf_tasks(void)
{
    if (pl_task_register("perf_spin", pl_suite_task_perf_spin) != PL_OK) {
        fprintf(stderr, "suite_map_perf: cannot register the perf_spin task\n");
    }
}

/* ---------------------------------------------------------------- cpu_bound_speedup */

/* Item i runs rounds + i rounds: want[i] is its checksum, all in one pass of the LCG. */
static void expected_checksums(int64_t rounds, int64_t *want, size_t n)
{
    uint64_t x = 1;
    int64_t done = 0;
    for (size_t i = 0; i < n; i++) {
        for (; done < rounds + (int64_t)i; done++) {
            x = pl_suite_lcg(x);
        }
        want[i] = (int64_t)(x >> 1);
    }
}

/* Parses "CHECKSUM CPU_NS"; 0 on success. */
static int parse_spin(const pl_result *r, int64_t *sum, int64_t *cpu)
{
    const char *s = r && pl_result_status(r) == PL_TASK_OK ? pl_value_str(pl_result_value(r)) : NULL;
    long long a, b;
    if (s == NULL || sscanf(s, "%lld %lld", &a, &b) != 2) {
        return -1;
    }
    *sum = a;
    *cpu = b;
    return 0;
}

static void test_cpu_bound_speedup(void)
{
    int64_t rounds = pl_test_timing_wanted() ? SPIN_ROUNDS_TIMING : SPIN_ROUNDS_LIGHT;
    int64_t want[SPIN_ITEMS];
    expected_checksums(rounds, want, SPIN_ITEMS);
    pl_value **items = pl_test_items_int(SPIN_ITEMS, rounds, 1);
    pl_result **results = pl_test_results_new(SPIN_ITEMS);
    CU_ASSERT_FATAL(items != NULL && results != NULL);
    pl_map_opts opts = {.max_workers = PERF_WORKERS, .timeout_ms = PL_NO_TIMEOUT};

    int64_t t0 = pl_now_ns();
    int rc = pl_map("perf_spin", items, SPIN_ITEMS, &opts, results);
    int64_t wall = pl_now_ns() - t0;

    PL_EXPECT_RC(rc, PL_OK);
    size_t wrong = 0;
    int64_t cpu_total = 0, task_wall_total = 0;
    for (size_t i = 0; i < SPIN_ITEMS; i++) {
        int64_t sum = 0, cpu = 0;
        if (parse_spin(results[i], &sum, &cpu) != 0 || sum != want[i] || cpu < 0) {
            wrong++;
            continue;
        }
        int64_t task_wall = pl_result_end_ns(results[i]) - pl_result_start_ns(results[i]);
        /* CPU time cannot exceed the wall time it was spent in (clock granularity aside). */
        cpu_total += cpu < task_wall ? cpu : task_wall;
        task_wall_total += task_wall;
    }
    PL_EXPECT_EQ(wrong, 0);
    /* Never more than max_workers at once: more workers than asked for is not a faster map. */
    int overlap = pl_results_max_overlap(results, SPIN_ITEMS);
    PL_EXPECT_BETWEEN(overlap, 1, pl_test_max_overlap(PERF_WORKERS, SPIN_ITEMS));
    if (rc != PL_OK || wrong != 0) {
        pl_test_dump_results("perf_spin x 16", results, SPIN_ITEMS);
    }
    double share = task_wall_total > 0 ? (double)cpu_total / (double)task_wall_total : 1.0;
    if (share <= 0 || share > 1) {
        share = 1.0; /* nothing usable measured: no correction */
    }
    int64_t figure = (int64_t)((double)wall * share);
    pl_test_time_report(figure, wall, share, 0, 0);
    printf("\n    map of %d CPU-bound items, %d workers: %.3f s (wall %.3f s x CPU share %.2f), "
           "at most %d at once\n",
           SPIN_ITEMS, PERF_WORKERS, (double)figure / 1e9, (double)wall / 1e9, share, overlap);
    pl_test_results_free(results, SPIN_ITEMS);
    pl_test_items_free(items, SPIN_ITEMS);
}

/* ---------------------------------------------------------------- many_small_items */

/*
 * The first call of n items, checked item by item (right answers, never
 * too many at once) and kept for small_again. 1 when it was right.
 */
static int small_first_call(size_t n, const pl_map_opts *opts)
{
    pl_value **items = pl_test_items_int(n, 0, 1);
    pl_result **results = pl_test_results_new(n);
    CU_ASSERT_FATAL(items != NULL && results != NULL);
    int rc = pl_test_map_kept("noop", items, n, opts, results);
    size_t wrong = 0;
    for (size_t i = 0; i < n; i++) {
        wrong += !pl_test_is_ok_int(results[i], (int64_t)i);
    }
    int overlap = pl_results_max_overlap(results, n);
    int ok = rc == PL_OK && wrong == 0 && overlap <= pl_test_max_overlap(PERF_WORKERS, n);
    if (!ok) {
        PL_EXPECT_RC(rc, PL_OK);
        PL_EXPECT_EQ(wrong, 0);
        PL_EXPECT_BETWEEN(overlap, 1, pl_test_max_overlap(PERF_WORKERS, n));
        pl_test_dump_results("noop x many", results, n);
    }
    pl_test_results_free(results, n); /* the call was kept as a copy (map_repeat.h) */
    pl_test_items_free(items, n);
    return ok;
}

/*
 * One timed call: the first call made again where its items already are
 * (map_repeat.h), so only the map is timed, not moving items to a checker's
 * subject and results back. Its wall time, or -1 if it went wrong.
 */
static int64_t small_again(size_t n)
{
    pl_map_repeat_outcome o = {0};
    int64_t wall = 0;
    int rc = pl_test_map_again(&o, &wall);
    int ok = rc == PL_OK && o.rc == PL_OK && o.differ == 0 && o.overlap <= pl_test_max_overlap(PERF_WORKERS, n);
    if (!ok) {
        PL_EXPECT_RC(rc, PL_OK);
        PL_EXPECT_RC(o.rc, PL_OK);
        PL_EXPECT_EQ(o.differ, 0); /* results not the same as the first call's (checked item by item) */
        PL_EXPECT_BETWEEN(o.overlap, 1, pl_test_max_overlap(PERF_WORKERS, n));
    }
    return ok ? wall : -1;
}

static void test_many_small_items(void)
{
    int64_t budget = pl_test_timing_wanted() ? SMALL_TIMED_NS_TIMING : SMALL_TIMED_NS_LIGHT;
    pl_map_opts opts = {.max_workers = PERF_WORKERS, .timeout_ms = PL_NO_TIMEOUT};
    int64_t best = INT64_MAX, timed = 0;
    long calls = 0;
    size_t n = pl_test_timing_wanted() ? SMALL_ITEMS : SMALL_ITEMS_LIGHT;
    int ok = small_first_call(n, &opts);
    while (ok && calls < SMALL_MAX_CALLS && (timed < budget || calls < SMALL_MIN_CALLS)) {
        int64_t wall = small_again(n);
        if (wall < 0) {
            break; /* wrong answers: the test has failed, no figure */
        }
        calls++;
        timed += wall;
        best = wall < best ? wall : best;
    }
    if (best != INT64_MAX) {
        pl_test_time_report(best, timed, 0, (long)n, calls);
        printf("\n    best of %ld calls of %zu no-op items, %d workers: %.3f ms a call, %.2f us an item\n", calls, n,
               PERF_WORKERS, (double)best / 1e6, (double)best / 1e3 / (double)n);
    }
}

static const pl_test_case map_perf_cases[] = {
    {"cpu_bound_speedup", test_cpu_bound_speedup},
    {"many_small_items", test_many_small_items},
    {NULL, NULL},
};

const pl_test_suite map_perf_suite = {"map_perf", NULL, NULL, map_perf_cases};
