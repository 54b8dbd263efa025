/*
 * playground.h - register a task of your own for `./paralab run`.
 *
 * Write one C file in apps/tasks/ (copy apps/tasks/collatz.c): a function
 * with the task signature of common/pl_task.h, and one line that names it:
 *
 *     #include "playground.h"
 *
 *     static int cube(const pl_value *arg, pl_value *out, pl_error *err)
 *     {
 *         int64_t x;
 *         if (pl_value_get_int(arg, &x) != PL_OK) {
 *             pl_error_set(err, "cube: expected an int");
 *             return PL_TASK_FAILED;
 *         }
 *         pl_value_set_int(out, x * x * x);
 *         return PL_TASK_OK;
 *     }
 *     PL_PLAYGROUND_TASK("cube", cube)
 *
 * then `./paralab run cube --items 1..10 --model fork`. The build picks up
 * every .c file in apps/tasks/ by itself (re-run cmake once after adding a file:
 * `./paralab run` does it for you).
 *
 * Why a registration line and not a function pointer: tasks cross process
 * boundaries by NAME (see pl_task.h). The macro makes the function register
 * itself when the program starts - before main, so before MPI_Init and
 * before any thread or child exists - and every process (every MPI rank,
 * every forked child) then knows the same names.
 */
#ifndef PL_PLAYGROUND_H
#define PL_PLAYGROUND_H

#include "paralab.h"

/* Called by PL_PLAYGROUND_TASK; a refused name is reported when the playground starts. */
void pl_playground_register(const char *name, pl_task_fn fn, const char *file);

/*
 * GCC and Clang run a `constructor` function before main. (Standard C has
 * no such thing; it is the one non-standard feature the playground uses, so
 * that adding a task needs no edit anywhere else.)
 */
#define PL_PLAYGROUND_TASK(name, fn)                                                                        \
    __attribute__((constructor)) static void pl_playground_register_##fn(void)                              \
    {                                                                                                        \
        pl_playground_register(name, fn, __FILE__);                                                          \
    }

#endif
