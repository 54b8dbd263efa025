/*
 * suite_openmp.c - lab 00 with OpenMP threads: test_shared_openmp.
 *
 * The racy counter runs in a program of its own (shared_counter_omp, see
 * counter_omp_main.c): a data race is undefined behaviour, so it is
 * contained in another process, and what is asserted is HOW it is wrong -
 * never more than N*W, and short on at least one of several attempts.
 * The three fixes run here and must be exact, every time.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "pl_shared.h"
#include "testkit.h"

#ifndef PL_SHARED_OMP_DRIVER
#error "PL_SHARED_OMP_DRIVER must be the path of shared_counter_omp (set by CMakeLists.txt)"
#endif

extern char **environ;

/*
 * Big enough that two threads really overlap even when the machine is busy
 * (a thread is then preempted in the middle of its loop), small enough that
 * one attempt takes well under a second on 2 cores.
 */
#ifdef __SANITIZE_THREAD__
#define RACE_N 200000L /* TSan makes every access ~10x slower */
#else
#define RACE_N 10000000L
#endif
#define RACE_W 4
#define RACE_ATTEMPTS 20

/* Runs the driver with argv, its stdout into out (NUL-terminated); returns the wait status or -1. */
static int run_driver(char *const argv[], char *out, size_t size)
{
    int fds[2];
    if (pipe(fds) != 0) {
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    pid_t pid;
    int err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (err != 0) {
        close(fds[0]);
        fprintf(stderr, "\n  cannot start %s: %s\n", argv[0], strerror(err));
        return -1;
    }
    size_t used = 0;
    for (;;) {
        ssize_t r = read(fds[0], out + used, size - 1 - used);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        used += (size_t)r;
        if (used == size - 1) {
            char sink[256]; /* keep draining so the child never blocks on a full pipe */
            while (read(fds[0], sink, sizeof sink) > 0) {
            }
            break;
        }
    }
    out[used] = '\0';
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    return status;
}

static void test_racy_loses_updates(void)
{
    char n[32], w[16], a[16], out[4096];
    snprintf(n, sizeof n, "%ld", RACE_N);
    snprintf(w, sizeof w, "%d", RACE_W);
    snprintf(a, sizeof a, "%d", RACE_ATTEMPTS);
    char *argv[] = {PL_SHARED_OMP_DRIVER, "race", n, w, a, NULL};
    int status = run_driver(argv, out, sizeof out);
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        fprintf(stderr, "\n  shared_counter_omp race: status %d, output:\n%s\n", status, out);
    }
    CU_ASSERT_FATAL(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    const long expected = RACE_N * RACE_W;
    int runs = 0, short_runs = 0, out_of_range = 0;
    long lowest = LONG_MAX;
    for (char *save = NULL, *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        long count;
        if (sscanf(line, "count %ld", &count) != 1) {
            continue;
        }
        runs++;
        short_runs += count < expected;
        /* Lost updates only ever make it smaller; and some increments always land. */
        out_of_range += count < 1 || count > expected;
        lowest = count < lowest ? count : lowest;
    }
    fprintf(stderr, "\n  racy counter: %d run(s), lowest %ld of %ld\n", runs, lowest, expected);
    PL_EXPECT_EQ(out_of_range, 0);
    CU_ASSERT(runs >= 1);
    /* Without synchronisation the count must come out short at least once. */
    CU_ASSERT(short_runs >= 1);
}

/* Each fix is exact for several team sizes and repeated runs. */
static void expect_exact(int (*fn)(long, int, long *))
{
    static const int teams[] = {1, 2, 4, 8};
    for (size_t t = 0; t < sizeof teams / sizeof teams[0]; t++) {
        for (int rep = 0; rep < 3; rep++) {
            long total = -1;
            const long n = 100000;
            PL_EXPECT_RC(fn(n, teams[t], &total), PL_OK);
            PL_EXPECT_EQ(total, n * teams[t]);
        }
    }
}

static void test_atomic_is_exact(void)
{
    expect_exact(pl_counter_omp_atomic);
}

static void test_critical_is_exact(void)
{
    expect_exact(pl_counter_omp_critical);
}

static void test_reduction_is_exact(void)
{
    expect_exact(pl_counter_omp_reduction);
}

/* n == 0 counts nothing; bad input is refused and leaves *total alone. */
static void expect_edges(int (*fn)(long, int, long *))
{
    long total = -1;
    PL_EXPECT_RC(fn(0, 3, &total), PL_OK);
    PL_EXPECT_EQ(total, 0);
    total = 7;
    PL_EXPECT_RC(fn(-1, 2, &total), PL_EINVAL);
    PL_EXPECT_RC(fn(10, 0, &total), PL_EINVAL);
    PL_EXPECT_RC(fn(10, PL_SHARED_MAX_WORKERS + 1, &total), PL_EINVAL);
    PL_EXPECT_RC(fn(LONG_MAX / 2 + 1, 2, &total), PL_EINVAL); /* n * workers overflows */
    PL_EXPECT_RC(fn(10, 2, NULL), PL_EINVAL);
    PL_EXPECT_EQ(total, 7);
}

static void test_edges_and_bad_input(void)
{
    expect_edges(pl_counter_omp_racy);
    expect_edges(pl_counter_omp_atomic);
    expect_edges(pl_counter_omp_critical);
    expect_edges(pl_counter_omp_reduction);
}

static const pl_test_case cases[] = {
    {"racy_loses_updates", test_racy_loses_updates},
    {"atomic_is_exact", test_atomic_is_exact},
    {"critical_is_exact", test_critical_is_exact},
    {"reduction_is_exact", test_reduction_is_exact},
    {"edges_and_bad_input", test_edges_and_bad_input},
    {NULL, NULL},
};

static const pl_test_suite suite = {"shared", NULL, NULL, cases};

const pl_test_suite *const pl_suites[] = {&suite, NULL};
