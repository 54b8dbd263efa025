/*
 * collatz.c - an example task for the playground: copy this file to
 * apps/tasks/<yours>.c, rename the task, and run it:
 *
 *     ./paralab run collatz --items 1..20 --model fork --workers 2
 *
 * collatz: int n >= 1 -> how many steps n -> n/2 (even) or 3n+1 (odd) takes
 * to reach 1. Items need very different amounts of work (27 takes 111
 * steps, 32 takes 5), so a timeline shows dynamic scheduling at work.
 * The STEP_DELAY_US pause per step makes the work visible on the timeline; a real task
 * would not sleep.
 */
#include <time.h>

#include "playground.h"

enum { STEP_DELAY_US = 200, MAX_STEPS = 100000 };

static int collatz(const pl_value *arg, pl_value *out, pl_error *err)
{
    int64_t n;
    /* Bad input is the caller's mistake: FAILED with a reason, never a crash. */
    if (pl_value_get_int(arg, &n) != PL_OK || n < 1) {
        pl_error_set(err, "collatz: expected an int >= 1");
        return PL_TASK_FAILED;
    }
    int64_t steps = 0;
    while (n != 1) {
        /* A long task asks now and then whether it should stop (a deadline,
         * a cancel): threads cannot be killed safely, only asked. */
        if (pl_should_stop()) {
            pl_error_set(err, "collatz: stopped after %lld steps", (long long)steps);
            return PL_TASK_CANCELLED;
        }
        if (steps == MAX_STEPS || n > (INT64_MAX - 1) / 3) {
            pl_error_set(err, "collatz: gave up after %lld steps", (long long)steps);
            return PL_TASK_FAILED;
        }
        n = n % 2 == 0 ? n / 2 : 3 * n + 1;
        steps++;
        struct timespec pause = {0, STEP_DELAY_US * 1000L};
        nanosleep(&pause, NULL);
    }
    pl_value_set_int(out, steps);
    return PL_TASK_OK;
}
PL_PLAYGROUND_TASK("collatz", collatz)
