/*
 * suite_tasks.c - the suites' own tasks (see suite_tasks.h).
 */
#include "suite_tasks.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

static int64_t thread_cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) {
        return 0;
    }
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int pl_suite_task_perf_spin(const pl_value *arg, pl_value *out, pl_error *err)
{
    int64_t n;
    if (pl_value_get_int(arg, &n) != PL_OK || n < 0) {
        pl_error_set(err, "perf_spin: expected an int >= 0 (rounds)");
        return PL_TASK_FAILED;
    }
    int64_t cpu0 = thread_cpu_ns();
    uint64_t x = 1;
    for (int64_t k = 0; k < n; k++) {
        x = pl_suite_lcg(x);
    }
    int64_t cpu = thread_cpu_ns() - cpu0;
    char text[64];
    snprintf(text, sizeof text, "%" PRId64 " %" PRId64, (int64_t)(x >> 1), cpu);
    if (pl_value_set_str(out, text) != PL_OK) {
        pl_error_set(err, "perf_spin: out of memory");
        return PL_TASK_FAILED;
    }
    return PL_TASK_OK;
}

int pl_suite_task_crash_if_negative(const pl_value *arg, pl_value *out, pl_error *err)
{
    int64_t v = 0;
    if (pl_value_get_int(arg, &v) != PL_OK) {
        pl_error_set(err, "crash_if_negative: expects an int");
        return PL_TASK_FAILED;
    }
    if (v < 0) {
        pl_task_fn crash = pl_task_lookup("crash");
        return crash != NULL ? crash(arg, out, err) : PL_TASK_FAILED;
    }
    pl_sleep_ms(v);
    pl_value_set_int(out, v);
    return PL_TASK_OK;
}

int pl_suite_tasks_register(void)
{
    int rc = pl_task_register("perf_spin", pl_suite_task_perf_spin);
    int rc2 = pl_task_register("crash_if_negative", pl_suite_task_crash_if_negative);
    return rc != PL_OK && rc != PL_EEXIST ? rc : rc2 == PL_EEXIST ? PL_OK : rc2;
}
