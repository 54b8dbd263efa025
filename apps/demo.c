/*
 * demo.c - what every demo shares (demo.h): how a refused call is
 * reported, and what "worker" means in this backend. Kept apart from
 * demo_main.c, which calls the demos, so that the demos never call back
 * into the program that runs them.
 */
#include "demo.h"

#include <stdio.h>
#include <string.h>

#include "paralab.h"

int demo_refused(const char *what, int rc)
{
    fprintf(stderr, "%s: %s\n", what, pl_strerror(rc));
    if (rc == PL_ENOTIMPL) {
        fprintf(stderr, "  (the %s backend is still a lab skeleton: implement it in labs/)\n",
                pl_backend()->name);
    }
    return 1;
}

const char *demo_worker_kind(void)
{
    const char *name = pl_backend()->name;
    if (strcmp(name, "openmp") == 0) {
        return "OpenMP thread numbers";
    } else if (strcmp(name, "fork") == 0) {
        return "child process ids";
    } else if (strcmp(name, "mpi") == 0) {
        return "MPI ranks";
    }
    return "0 = the calling thread";
}

/*
 * pl_workers() means something different in each model, and a map with
 * max_workers = 5 may use more or fewer workers than it: say which, so a
 * student does not read "2 workers" and then see worker ids up to 4.
 */
void demo_print_workers(void)
{
    const char *name = pl_backend()->name;
    int w = pl_workers();
    if (strcmp(name, "openmp") == 0) {
        printf("(futures and groups share a team of %d threads; a map opens its own team of up to"
               " max_workers threads)\n", w);
    } else if (strcmp(name, "fork") == 0) {
        printf("(futures run at most %d children at once; a map or a group forks up to max_workers children)\n", w);
    } else if (strcmp(name, "mpi") == 0) {
        printf("(%d worker rank(s) (mpiexec -n %d): never more than %d task(s) at once, whatever"
               " max_workers asks)\n", w, w + 1, w);
    } else {
        printf("(one worker: the calling thread runs every task, one after another)\n");
    }
}
