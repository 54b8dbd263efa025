/*
 * bench/bench_map.c - time pl_map on one backend (built once per model as
 * bench_serial, bench_openmp, bench_fork, bench_mpi).
 *
 *   bench_<model> map --task T --n N --arg A --workers W --reps R
 *                     [--chunksize C] [--timeline FILE] [--dir DIR]
 *   bench_<model> serve      (start the loopback HTTP fixture for Python,
 *                             print its base URL, stop at end of stdin)
 *
 * `map` runs one untimed warm-up call and then R timed calls of
 * pl_map(T, N items of A, max_workers W) and prints ONE CSV line:
 *
 *   model,workload,workers,n,arg,reps,median_s,min_s,max_s,not_ok,
 *   base_s,pspeedup,pspeedup_lo,pspeedup_hi[,caller_cpu_s]
 *
 * --paired 1 runs the same items in a plain loop in this thread (no
 * backend) right before each timed call, and reports the median of the
 * per-pair ratios loop / map (min and max too) next to the loop's median
 * time (base_s). Why pairs: on a shared machine the load changes from one
 * minute to the next; a serial baseline measured minutes before the
 * parallel run can make a speedup look like 1.2 or 4.0. A loop and a map
 * run back to back see nearly the same load. Without --paired the last
 * four fields are empty.
 *
 * Why only the pl_map call is timed: process start, MPI_Init and the
 * OpenMP run scope are paid once per program, not per map; what a student
 * compares is the cost of a map. The warm-up keeps first-touch effects
 * (page faults, lazy thread creation, MPI connection set-up) out of the
 * figures. Why the median: the machine is shared, and one unlucky run must
 * not move the figure; min and max show how noisy it was.
 *
 * Task T is a built-in (noop, spin, sleep_ms) or `fetch`, whose ARG is
 * "MS:BYTES": every item downloads /slow/MS/BYTES from the loopback fixture
 * (tests/fixture/pl_httpd.c) into its own file under --dir.
 *
 * --chunksize C is pl_map_opts.chunksize: items handed to a worker at once
 * (0, the default: automatic, ceil(N / 4W); 1: one at a time). The
 * granularity workload of bench/run sweeps it.
 *
 * --caller-cpu 1 adds one last field, caller_cpu_s: the median CPU time
 * (user + system, getrusage RUSAGE_SELF) the calling process spent inside
 * a timed call. On fork that is the parent alone (children are counted
 * apart): the serial part of the map, which no number of workers can
 * shorten, so no wall time per item can go below it. On MPI it is rank 0
 * alone, but its polling while it waits is CPU too: an upper bound of its
 * serial part, not a floor. (On OpenMP it counts every thread of the team,
 * so bench/run does not ask for it there.)
 *
 * --timeline FILE writes the LAST timed call's results, one row per item:
 * which worker ran it, and when it started and ended (ms since the call
 * began), from the timestamps every result carries.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "paralab.h"
#include "pl_fetch.h"
#include "pl_httpd.h"

#define MAX_REPS 100

typedef struct bench_args {
    const char *task;
    long n;
    const char *arg;
    long workers;
    long reps;
    const char *timeline;
    const char *dir;
    long paired;
    long chunksize;
    long caller_cpu;
} bench_args;

typedef struct bench_ctx {
    bench_args a;
    int rc;
} bench_ctx;

/* ---------------------------------------------------------------- arguments */

static int usage(FILE *to, int status)
{
    fprintf(to, "usage: bench_<model> map --task T --n N --arg A --workers W --reps R\n"
                "                         [--chunksize C] [--timeline FILE] [--dir DIR] [--paired 1]\n"
                "                         [--caller-cpu 1]\n"
                "       bench_<model> serve\n");
    return status;
}

/*
 * One row per option: where its value goes, and for a number the least it
 * may be. A table, so that every number is read the same strict way: "10x"
 * or "2.5" is an error naming the option, not 10 or 2 taken in silence
 * (a benchmark that quietly ran another size is a wrong figure).
 */
typedef struct bench_opt {
    const char *flag;
    const char **text; /* a string option, or */
    long *number;      /* a number option, */
    long min, max;     /* within [min, max] */
} bench_opt;

static int read_number(const bench_opt *o, const char *v)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || x < o->min || x > o->max) {
        fprintf(stderr, "bench: %s wants a whole number from %ld to %ld, not '%s'\n", o->flag, o->min, o->max, v);
        return PL_EINVAL;
    }
    *o->number = x;
    return PL_OK;
}

static int parse_args(int argc, char **argv, bench_args *a)
{
    *a = (bench_args){.task = "noop", .n = 100, .arg = "0", .workers = 1, .reps = 5, .dir = "."};
    const bench_opt opts[] = {
        {"--task", &a->task, NULL, 0, 0},          {"--arg", &a->arg, NULL, 0, 0},
        {"--timeline", &a->timeline, NULL, 0, 0},  {"--dir", &a->dir, NULL, 0, 0},
        {"--n", NULL, &a->n, 1, 100000000},        {"--workers", NULL, &a->workers, 1, 4096},
        {"--reps", NULL, &a->reps, 1, MAX_REPS},   {"--paired", NULL, &a->paired, 0, 1},
        {"--chunksize", NULL, &a->chunksize, 0, 100000000},
        {"--caller-cpu", NULL, &a->caller_cpu, 0, 1},
    };
    if (argc % 2 != 0) {
        fprintf(stderr, "bench: every option takes a value ('%s' has none)\n", argv[argc - 1]);
        return PL_EINVAL;
    }
    for (int i = 2; i + 1 < argc; i += 2) {
        size_t k = 0;
        while (k < sizeof opts / sizeof opts[0] && strcmp(opts[k].flag, argv[i]) != 0) {
            k++;
        }
        if (k == sizeof opts / sizeof opts[0]) {
            fprintf(stderr, "bench: unknown option '%s'\n", argv[i]);
            return PL_EINVAL;
        }
        if (opts[k].text != NULL) {
            *opts[k].text = argv[i + 1];
        } else if (read_number(&opts[k], argv[i + 1]) != PL_OK) {
            return PL_EINVAL;
        }
    }
    return PL_OK;
}

/* ---------------------------------------------------------------- items */

/* fetch items: "URL PATH", one output file per item (no two tasks share a file). */
static int make_fetch_items(const bench_args *a, const pl_httpd *srv, pl_value **items)
{
    long ms = 0, bytes = 0;
    if (sscanf(a->arg, "%ld:%ld", &ms, &bytes) != 2) {
        fprintf(stderr, "bench: fetch wants --arg MS:BYTES, not '%s'\n", a->arg);
        return PL_EINVAL;
    }
    char path[64], url[256], line[1024];
    snprintf(path, sizeof path, "/slow/%ld/%ld", ms, bytes);
    pl_httpd_url(srv, path, url, sizeof url);
    for (long i = 0; i < a->n; i++) {
        snprintf(line, sizeof line, "%s %s/fetch_%ld.bin", url, a->dir, i);
        if ((items[i] = pl_value_new_str(line)) == NULL) {
            return PL_ENOMEM;
        }
    }
    return PL_OK;
}

static int make_int_items(const bench_args *a, pl_value **items)
{
    long long x = strtoll(a->arg, NULL, 10);
    for (long i = 0; i < a->n; i++) {
        if ((items[i] = pl_value_new_int(x)) == NULL) {
            return PL_ENOMEM;
        }
    }
    return PL_OK;
}

static void free_items(pl_value **items, long n)
{
    for (long i = 0; i < n; i++) {
        pl_value_free(items[i]);
    }
    free(items);
}

/* ---------------------------------------------------------------- timing */

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* Median of a sorted array (the mean of the middle two for an even count). */
static double median_s(const int64_t *sorted, int k)
{
    int64_t m = (k % 2) ? sorted[k / 2] : (sorted[k / 2 - 1] + sorted[k / 2]) / 2;
    return (double)m / 1e9;
}

/*
 * Worker ids are thread numbers, pids or ranks: turn them into lanes 0, 1,
 * 2... in the order the workers first started a task, so a timeline has one
 * row per worker whatever the model calls them.
 */
static int lane_of(int64_t worker, int64_t *seen, int *nseen)
{
    for (int i = 0; i < *nseen; i++) {
        if (seen[i] == worker) {
            return i;
        }
    }
    seen[*nseen] = worker;
    return (*nseen)++;
}

static int write_timeline(const bench_args *a, pl_result **res, int64_t t0)
{
    FILE *f = fopen(a->timeline, "w");
    if (f == NULL) {
        perror(a->timeline);
        return PL_ESYS;
    }
    /* Lanes by first start: visit items in start order (n is small for a timeline). */
    int64_t *seen = calloc((size_t)a->n, sizeof *seen);
    long *order = calloc((size_t)a->n, sizeof *order);
    int nseen = 0;
    if (seen == NULL || order == NULL) {
        fclose(f);
        free(seen);
        free(order);
        return PL_ENOMEM;
    }
    for (long i = 0; i < a->n; i++) {
        long j = i;
        for (; j > 0 && pl_result_start_ns(res[order[j - 1]]) > pl_result_start_ns(res[i]); j--) {
            order[j] = order[j - 1];
        }
        order[j] = i;
    }
    fprintf(f, "model,workers,item,worker,lane,start_ms,end_ms\n");
    for (long k = 0; k < a->n; k++) {
        pl_result *r = res[order[k]];
        int lane = lane_of(pl_result_worker(r), seen, &nseen);
        fprintf(f, "%s,%ld,%ld,%lld,%d,%.3f,%.3f\n", pl_backend()->name, a->workers, order[k],
                (long long)pl_result_worker(r), lane, (double)(pl_result_start_ns(r) - t0) / 1e6,
                (double)(pl_result_end_ns(r) - t0) / 1e6);
    }
    free(seen);
    free(order);
    return fclose(f) == 0 ? PL_OK : PL_ESYS;
}

/* The items in a plain loop on this thread: the serial baseline of a pair. */
static int64_t timed_loop(const bench_args *a, pl_value **items)
{
    int64_t t0 = pl_now_ns();
    for (long i = 0; i < a->n; i++) {
        pl_result *r = pl_result_new();
        if (r == NULL) {
            return PL_ENOMEM;
        }
        pl_task_run(a->task, items[i], r);
        pl_result_free(r);
    }
    return pl_now_ns() - t0;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* The four paired fields: ",base_s,median,min,max" or ",,,," without pairs. */
static void print_pairs(const bench_args *a, int64_t *bases, const int64_t *walls)
{
    if (!a->paired) {
        printf(",,,,");
        return;
    }
    double ratio[MAX_REPS];
    for (long r = 0; r < a->reps; r++) {
        ratio[r] = (double)bases[r] / (double)walls[r];
    }
    qsort(ratio, (size_t)a->reps, sizeof ratio[0], cmp_double);
    qsort(bases, (size_t)a->reps, sizeof bases[0], cmp_i64);
    int k = (int)a->reps;
    double med = (k % 2) ? ratio[k / 2] : (ratio[k / 2 - 1] + ratio[k / 2]) / 2;
    printf(",%.6f,%.4f,%.4f,%.4f", median_s(bases, k), med, ratio[0], ratio[k - 1]);
}

/* CPU time (user + system) this process has used so far, in ns. */
static int64_t process_cpu_ns(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) {
        return 0;
    }
    return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
           ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
}

/* One pl_map call; returns its wall time in ns (negative pl_rc on error), its caller's CPU time in *cpu. */
static int64_t timed_map(const bench_args *a, pl_value **items, pl_result **res, long *not_ok,
                         int64_t *t0, int64_t *cpu)
{
    pl_map_opts o = {.max_workers = (int)a->workers, .timeout_ms = PL_NO_TIMEOUT, .chunksize = (int)a->chunksize};
    int64_t cpu0 = process_cpu_ns();
    *t0 = pl_now_ns();
    int rc = pl_map(a->task, items, (size_t)a->n, &o, res);
    int64_t wall = pl_now_ns() - *t0;
    *cpu = process_cpu_ns() - cpu0;
    if (rc != PL_OK) {
        fprintf(stderr, "bench: pl_map(%s): %s\n", a->task, pl_strerror(rc));
        return rc;
    }
    for (long i = 0; i < a->n; i++) {
        if (pl_result_status(res[i]) != PL_TASK_OK) {
            if (*not_ok == 0) {
                char buf[300];
                pl_result_format(res[i], buf, sizeof buf);
                fprintf(stderr, "bench: %s item %ld: %s\n", a->task, i, buf);
            }
            (*not_ok)++;
        }
    }
    return wall;
}

static void free_results(pl_result **res, long n)
{
    for (long i = 0; i < n; i++) {
        pl_result_free(res[i]);
        res[i] = NULL;
    }
}

static int run_reps(const bench_args *a, pl_value **items, pl_result **res)
{
    int64_t walls[MAX_REPS], bases[MAX_REPS], sorted[MAX_REPS], cpus[MAX_REPS], t0 = 0;
    long not_ok = 0, warm_not_ok = 0;
    int64_t w = timed_map(a, items, res, &warm_not_ok, &t0, &cpus[0]); /* warm-up, not counted */
    free_results(res, a->n);
    if (w < 0) {
        return (int)w;
    }
    for (long r = 0; r < a->reps; r++) {
        if (a->paired && (bases[r] = timed_loop(a, items)) < 0) {
            return (int)bases[r];
        }
        if ((walls[r] = timed_map(a, items, res, &not_ok, &t0, &cpus[r])) < 0) {
            free_results(res, a->n);
            return (int)walls[r];
        }
        if (r == a->reps - 1 && a->timeline != NULL) {
            write_timeline(a, res, t0);
        }
        free_results(res, a->n);
    }
    memcpy(sorted, walls, sizeof walls[0] * (size_t)a->reps); /* walls stay paired with bases */
    qsort(sorted, (size_t)a->reps, sizeof sorted[0], cmp_i64);
    printf("%s,%s,%ld,%ld,%s,%ld,%.6f,%.6f,%.6f,%ld", pl_backend()->name, a->task, a->workers, a->n, a->arg,
           a->reps, median_s(sorted, (int)a->reps), (double)sorted[0] / 1e9, (double)sorted[a->reps - 1] / 1e9,
           not_ok);
    print_pairs(a, bases, walls);
    if (a->caller_cpu) {
        qsort(cpus, (size_t)a->reps, sizeof cpus[0], cmp_i64);
        printf(",%.6f", median_s(cpus, (int)a->reps));
    }
    printf("\n");
    fflush(stdout);
    return not_ok == 0 ? PL_OK : PL_ESYS;
}

/* ---------------------------------------------------------------- body */

static int bench_body(void *p)
{
    bench_ctx *c = p;
    const bench_args *a = &c->a;
    pl_value **items = calloc((size_t)a->n, sizeof *items);
    pl_result **res = calloc((size_t)a->n, sizeof *res);
    pl_httpd *srv = NULL;
    int rc = (items && res) ? PL_OK : PL_ENOMEM;
    if (rc == PL_OK && strcmp(a->task, "fetch") == 0) {
        /* Started here, on the root, after pl_run: MPI workers reach it through loopback. */
        rc = pl_httpd_start(&srv);
        if (rc == PL_OK) {
            rc = make_fetch_items(a, srv, items);
        }
    } else if (rc == PL_OK) {
        rc = make_int_items(a, items);
    }
    if (rc == PL_OK) {
        rc = run_reps(a, items, res);
    }
    pl_httpd_stop(&srv);
    if (items != NULL) {
        free_items(items, a->n);
    }
    free(res);
    c->rc = rc;
    return rc;
}

/* `serve`: the fixture for the Python side of the fetch workload. */
static int serve(void)
{
    pl_httpd *srv = NULL;
    if (pl_httpd_start(&srv) != PL_OK) {
        fprintf(stderr, "bench: cannot start the loopback HTTP fixture\n");
        return 1;
    }
    printf("%s\n", pl_httpd_base_url(srv));
    fflush(stdout);
    while (getchar() != EOF) {
        /* The driver closes our stdin when it is done with the server. */
    }
    pl_httpd_stop(&srv);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        return usage(stdout, 0);
    }
    if (argc >= 2 && strcmp(argv[1], "serve") == 0) {
        return serve();
    }
    bench_ctx c = {.rc = PL_OK};
    if (argc < 2 || strcmp(argv[1], "map") != 0 || parse_args(argc, argv, &c.a) != PL_OK) {
        return usage(stderr, 2);
    }
    /* On every rank, before any thread: libcurl's global init and the "fetch" task. */
    if (pl_fetch_global_init() != PL_OK) {
        fprintf(stderr, "bench: cannot initialise libcurl (the fetch task)\n");
        return 1;
    }
    /* OpenMP's run-scope team: as many threads as the map may use, no more. */
    pl_opts opts = {.workers = (int)c.a.workers};
    int rc = pl_run(&opts, bench_body, &c);
    if (rc != PL_OK) {
        fprintf(stderr, "bench: %s\n", pl_strerror(rc));
        return 1;
    }
    return 0;
}
