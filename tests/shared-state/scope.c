/*
 * scope.c - the run scope of lab 00's OpenMP and fork test binaries.
 *
 * Lab 00 does not use the exercise API (paralab.h's map, futures, groups),
 * so its tests link no backend library. harness.c still needs pl_run and
 * pl_backend; this file gives it the plainest ones: body just runs.
 * Why not the OpenMP backend's pl_run? It runs body inside a parallel
 * region, and the lab's counter loops must be the OUTERMOST region to get
 * their threads. (The MPI binary has its own pl_run in suite_mpi.c.)
 *
 * PL_SHARED_MODEL is "openmp" or "fork" (set by CMakeLists.txt).
 */
#include <stddef.h>
#include <string.h>

#include "paralab.h"

#ifndef PL_SHARED_MODEL
#error "PL_SHARED_MODEL must name the model (\"openmp\" or \"fork\")"
#endif

const pl_backend_info *pl_backend(void)
{
    static pl_backend_info info = {PL_SHARED_MODEL, 1, 0, 0};
    if (strcmp(PL_SHARED_MODEL, "fork") == 0) {
        info.isolates_crashes = 1;
        info.can_kill = 1;
    }
    return &info;
}

int pl_run(const pl_opts *opts, int (*body)(void *ctx), void *ctx)
{
    (void)opts;
    if (body == NULL) {
        return PL_EINVAL;
    }
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
