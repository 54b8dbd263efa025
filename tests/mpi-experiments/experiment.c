/*
 * experiment.c - MPI behaviour that must be shown in a job of its own.
 *
 * tests/model_mpi.c runs `mpiexec -n 2 paralab_mpi_experiment MODE` as a
 * child process and asserts how the job ended; a student can run the same
 * command and watch. Each mode is one row of the lesson's table:
 *
 *   ok        the control: a normal map; the job exits 0.
 *   crash     a worker's task dies of SIGSEGV, inside a chunk of 2 items
 *             (a chunk changes nothing here). Threads share a process and
 *             fork isolates one, but an MPI job is all-or-nothing: mpiexec
 *             sees one rank die and kills the others, so rank 0's map never
 *             returns and the job exits non-zero. "SURVIVED" would be a bug.
 *   stubborn  a task that never polls pl_should_stop() runs past a map's
 *             deadline. Rank 0 stops waiting on time (it prints how long the
 *             map took and the item's status) - but the worker rank stays
 *             busy, and MPI cannot end one rank alone: the job cannot finish
 *             until the task does. pl_run waits PARALAB_MPI_STOP_GRACE_MS
 *             for it, then aborts the job (non-zero exit, a message naming
 *             the stuck rank).
 *
 * The custom task is registered before pl_run on EVERY rank: a task name
 * only means something on a worker that registered it too.
 */
#include <stdio.h>
#include <string.h>

#include "paralab.h"

/* int ms -> burns the CPU for ms milliseconds WITHOUT ever asking pl_should_stop(). */
static int task_stubborn(const pl_value *arg, pl_value *out, pl_error *err)
{
    int64_t ms;
    if (pl_value_get_int(arg, &ms) != PL_OK) {
        pl_error_set(err, "stubborn: int expected");
        return PL_TASK_FAILED;
    }
    int64_t until = pl_deadline_after_ms(ms);
    volatile uint64_t x = 0;
    while (pl_now_ns() < until) {
        x++;
    }
    pl_value_set_int(out, ms);
    return PL_TASK_OK;
}

/* Map task over the given ints with a deadline and chunksize; prints every result. 0 if the call was accepted. */
static int map_and_print(const char *task, const int64_t *values, size_t n, int chunksize, int64_t timeout_ms)
{
    pl_value *items[8];
    pl_result *results[8] = {NULL};
    for (size_t i = 0; i < n; i++) {
        items[i] = pl_value_new_int(values[i]);
    }
    pl_map_opts opts = {.max_workers = pl_workers(), .timeout_ms = timeout_ms, .chunksize = chunksize};
    int64_t t0 = pl_now_ns();
    int rc = pl_map(task, items, n, &opts, results);
    long long ms = (long long)((pl_now_ns() - t0) / 1000000);
    printf("map %s returned %s after %lld ms\n", task, pl_strerror(rc), ms);
    for (size_t i = 0; i < n; i++) {
        char line[PL_ERROR_MAX + 64];
        pl_result_format(results[i], line, sizeof line);
        printf("  item %zu: %s: %s\n", i, pl_task_status_name(pl_result_status(results[i])), line);
        pl_result_free(results[i]);
        pl_value_free(items[i]);
    }
    fflush(stdout);
    return rc == PL_OK ? 0 : 1;
}

static int body(void *ctx)
{
    const char *mode = ctx;
    if (strcmp(mode, "ok") == 0) {
        static const int64_t v[4] = {1, 2, 3, 4};
        return map_and_print("square", v, 4, 0, 10000);
    }
    if (strcmp(mode, "crash") == 0) {
        static const int64_t v[2] = {0, 0};
        map_and_print("crash", v, 2, 2, 10000); /* one chunk of 2: the crash is inside it */
        printf("SURVIVED: the map returned although a worker crashed\n");
        return 0;
    }
    if (strcmp(mode, "stubborn") == 0) {
        static const int64_t v[1] = {4000};
        return map_and_print("stubborn", v, 1, 0, 200);
    }
    fprintf(stderr, "unknown mode '%s'\n", mode);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mpiexec -n 2 %s ok|crash|stubborn\n", argv[0]);
        return 2;
    }
    if (pl_task_register("stubborn", task_stubborn) != PL_OK) {
        return 2;
    }
    int rc = pl_run(NULL, body, argv[1]);
    return rc < 0 ? 2 : rc;
}
