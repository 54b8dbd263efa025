/*
 * runtime/serial.c - the serial backend's run scope: there is none.
 *
 * The serial backend runs every task in the calling thread, one after the
 * other. It is the baseline speedups are measured against and the simplest
 * reference to read before the parallel versions (labs/NN-name/serial.c).
 */
#include <stddef.h>

#include "paralab.h"
#include "pl_tasks.h"

static const pl_backend_info info = {
    .name = "serial", .parallel = 0, .isolates_crashes = 0, .can_kill = 0};

const pl_backend_info *pl_backend(void)
{
    return &info;
}

int pl_run(const pl_opts *opts, int (*body)(void *ctx), void *ctx)
{
    (void)opts;
    if (body == NULL) {
        return PL_EINVAL;
    }
    pl_tasks_register_builtins(); /* every process that runs tasks knows the built-ins by name */
    return body(ctx);
}

int pl_is_root(void)
{
    return 1;
}

int pl_workers(void)
{
    return 1;
}
