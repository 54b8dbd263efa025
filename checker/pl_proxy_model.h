/*
 * pl_proxy_model.h - which model a proxy stands for: the one file of the
 * proxy compiled once per model (the build defines PL_PROXY_MODEL and,
 * for MPI, PL_PROXY_MPIEXEC), so everything else is built once.
 */
#ifndef PL_PROXY_MODEL_H
#define PL_PROXY_MODEL_H

/* "serial", "openmp", "fork" or "mpi": the subject is pl_subject_<model>. */
const char *pl_proxy_model(void);

/* The mpiexec CMake found (MPI only; NULL otherwise). */
const char *pl_proxy_default_mpiexec(void);

#endif
