/*
 * mpienv.h - the Open MPI settings MPI tests run with, from the project's one
 * list (scripts/mpi-env), so the grader, CTest and the Slurm scripts agree
 * on Open MPI 4 and 5 alike.
 */
#ifndef GR_MPIENV_H
#define GR_MPIENV_H

#include "grade.h"

/*
 * NAME=VALUE strings, NULL-terminated, asked of `SOURCE/scripts/mpi-env
 * --print --mpiexec MPIEXEC` once per run. If the script cannot say (not
 * there, no bash), Open MPI 4's names, with a note in r->notes: the MPI
 * tests of an Open MPI 5 may then oversubscribe or pin ranks differently.
 */
const char *const *gr_mpi_env(gr_run *r);

/* 1 when a line of the script's output is a NAME=VALUE setting (NAME an environment variable's name). */
int gr_mpi_env_is_setting(const char *line);

#endif
