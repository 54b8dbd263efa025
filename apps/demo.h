/*
 * demo.h - the lesson's examples, run on whichever backend is linked.
 *
 * One demo program per backend (demo_serial, demo_openmp, demo_fork,
 * demo_mpi) built from the same sources: the output of the same example on
 * two models can be compared line by line. `./paralab demo NAME --model M`
 * runs them (MPI under mpiexec).
 *
 * Each demo runs inside pl_run (on MPI: only on rank 0) and returns 0 when
 * it could show its example, non-zero when an API call was refused: a
 * skeleton's "not implemented yet" is reported, never a crash.
 */
#ifndef PL_DEMO_H
#define PL_DEMO_H

typedef struct demo_args {
    int argc;    /* the arguments after the demo's name (URLs for "urls") */
    char **argv;
} demo_args;

int demo_map(const demo_args *a);
int demo_futures(const demo_args *a);
int demo_group(const demo_args *a);
int demo_urls(const demo_args *a);

/* What a result's worker id is on this backend ("OpenMP thread numbers", "child process ids", ...). */
const char *demo_worker_kind(void);

/* Print "what: <pl_strerror(rc)>" on stderr, with a hint for PL_ENOTIMPL; returns 1. */
int demo_refused(const char *what, int rc);

/* One line saying what pl_workers() and max_workers mean in this backend. */
void demo_print_workers(void);

#endif
