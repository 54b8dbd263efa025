/*
 * runtime/serial.c - the serial backend's run scope: there is none.
 *
 * The serial backend runs every task in the calling thread, one after the
 * other. It is the baseline speedups are measured against and the simplest
 * reference to read before the parallel versions (labs/NN-name/serial.c).
 */
#include <stdatomic.h>
#include <stddef.h>

#include "paralab.h"
#include "pl_backend_common.h"
#include "pl_tasks.h"

static const pl_backend_info info = {
    .name = "serial", .parallel = 0, .isolates_crashes = 0, .can_kill = 0};

const pl_backend_info *pl_backend(void)
{
    return &info;
}

/*
 * 1 while pl_run's body runs. Not re-entrant, like the other backends: a
 * program that nests pl_run would work here and fail on OpenMP, fork and
 * MPI, so the baseline refuses it too (PL_ESTATE). Atomic: two threads may
 * race to enter.
 */
static atomic_int in_run;

int pl_run(const pl_opts *opts, int (*body)(void *ctx), void *ctx)
{
    if (body == NULL || (opts != NULL && opts->workers < 0)) {
        return PL_EINVAL;
    }
    int expected = 0;
    if (!atomic_compare_exchange_strong(&in_run, &expected, 1)) {
        return PL_ESTATE;
    }
    pl_tasks_register_builtins(); /* every process that runs tasks knows the built-ins by name */
    int rc = body(ctx);
    atomic_store(&in_run, 0);
    return rc;
}

int pl_is_root(void)
{
    return 1;
}

int pl_workers(void)
{
    return 1;
}

/* The serial map runs one item at a time in the caller, whatever was asked. */
int pl_backend_worker_limit(int wanted)
{
    return wanted;
}
