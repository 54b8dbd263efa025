/*
 * counter_omp_main.c - shared_counter_omp: lab 00's OpenMP counters as a
 * program of their own.
 *
 *   shared_counter_omp race N W ATTEMPTS   run the racy counter up to ATTEMPTS
 *                                          times, stop at the first short count
 *   shared_counter_omp run VARIANT N W     one run of racy|atomic|critical|reduction
 *   shared_counter_omp bench [N [W]]       time the three fixes (best of 5 runs)
 *
 * Prints "count C" per run (bench: a table). Exit 0 when the calls
 * returned PL_OK, 3 when one returned an error (the skeleton's
 * PL_ENOTIMPL), 2 on a usage error.
 *
 * Why a separate program: the racy counter is a data race, undefined
 * behaviour that must not run inside the test runner, and GCC's OpenMP
 * runtime is not fork-safe, so the test cannot simply fork() a child that
 * uses OpenMP after the runner already has. tests/shared-state/suite_openmp.c
 * starts this program with posix_spawn (a fresh exec) and checks HOW its
 * answer is wrong. The same source, built with -fsanitize=thread, is the
 * ThreadSanitizer check (see CMakeLists.txt and tsan_gomp.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pl_shared.h"

#ifdef PL_SHARED_RACE_EXPECTED
/*
 * In a ThreadSanitizer build of the project, this program's racy run races
 * on purpose (the test checks its count): TSan should not report it or
 * change the exit status. shared_counter_omp_tsan, which exists to show
 * the report, is built without this.
 */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
    return "report_bugs=0 exitcode=0";
}
#endif

typedef int (*counter_fn)(long n, int workers, long *total);

static const struct {
    const char *name;
    counter_fn fn;
} variants[] = {
    {"racy", pl_counter_omp_racy},
    {"atomic", pl_counter_omp_atomic},
    {"critical", pl_counter_omp_critical},
    {"reduction", pl_counter_omp_reduction},
};
#define N_VARIANTS (sizeof variants / sizeof variants[0])

static counter_fn find(const char *name)
{
    for (size_t i = 0; i < N_VARIANTS; i++) {
        if (strcmp(variants[i].name, name) == 0) {
            return variants[i].fn;
        }
    }
    return NULL;
}

static int parse_long(const char *s, long *out)
{
    char *end;
    *out = strtol(s, &end, 10);
    return *s != '\0' && *end == '\0' && *out >= 0 ? 0 : -1;
}

static int call(counter_fn fn, long n, int w, long *total)
{
    int rc = fn(n, w, total);
    if (rc != PL_OK) {
        printf("error %d%s\n", rc, rc == PL_ENOTIMPL ? " (not implemented yet)" : "");
    }
    return rc;
}

static int race(long n, int w, long attempts)
{
    for (long a = 0; a < attempts; a++) {
        long total = 0;
        if (call(pl_counter_omp_racy, n, w, &total) != PL_OK) {
            return 3;
        }
        printf("count %ld\n", total);
        if (total < n * w) {
            break; /* shown: an update was lost */
        }
    }
    return 0;
}

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* Best of 5 runs, in ms; negative when a run failed or miscounted. */
static double best_ms(counter_fn fn, long n, int w)
{
    double best = -1.0;
    for (int r = 0; r < 5; r++) {
        long total = 0;
        double t0 = now_ms();
        int rc = fn(n, w, &total);
        double ms = now_ms() - t0;
        if (rc != PL_OK || total != n * w) {
            return -1.0;
        }
        best = (best < 0 || ms < best) ? ms : best;
    }
    return best;
}

/*
 * What the three fixes cost, as times relative to the reduction. Wall
 * time on a shared machine is noisy: read the ratios as orders of
 * magnitude, not as exact figures (the tests never assert them).
 */
static int bench(long n, int w)
{
    double ms[N_VARIANTS];
    for (size_t i = 1; i < N_VARIANTS; i++) {
        ms[i] = best_ms(variants[i].fn, n, w);
        if (ms[i] < 0) {
            printf("%s: failed or miscounted; fix it first\n", variants[i].name);
            return 3;
        }
    }
    double base = ms[N_VARIANTS - 1] > 1e-3 ? ms[N_VARIANTS - 1] : 1e-3;
    printf("%ld increments by %d threads, best of 5 runs\n", n * w, w);
    printf("%-10s %12s %14s %14s\n", "variant", "time (ms)", "ns/increment", "x reduction");
    for (size_t i = 1; i < N_VARIANTS; i++) {
        printf("%-10s %12.3f %14.3f %14.1f\n", variants[i].name, ms[i], ms[i] * 1e6 / (double)(n * w),
               ms[i] / base);
    }
    return 0;
}

static int usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s race N W ATTEMPTS | run racy|atomic|critical|reduction N W | bench [N [W]]\n",
            prog);
    return 2;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    long n, w, a;
    if (argc == 5 && strcmp(argv[1], "race") == 0 && parse_long(argv[2], &n) == 0 &&
        parse_long(argv[3], &w) == 0 && w <= PL_SHARED_MAX_WORKERS && parse_long(argv[4], &a) == 0) {
        return race(n, (int)w, a);
    }
    if (argc == 5 && strcmp(argv[1], "run") == 0 && find(argv[2]) && parse_long(argv[3], &n) == 0 &&
        parse_long(argv[4], &w) == 0 && w <= PL_SHARED_MAX_WORKERS) {
        long total = 0;
        if (call(find(argv[2]), n, (int)w, &total) != PL_OK) {
            return 3;
        }
        printf("count %ld\n", total);
        return 0;
    }
    if (argc >= 2 && argc <= 4 && strcmp(argv[1], "bench") == 0) {
        n = 2000000;
        w = 2;
        if ((argc >= 3 && parse_long(argv[2], &n) != 0) ||
            (argc == 4 && (parse_long(argv[3], &w) != 0 || w < 1 || w > PL_SHARED_MAX_WORKERS))) {
            return usage(argv[0]);
        }
        return bench(n, (int)w);
    }
    return usage(argv[0]);
}
