/*
 * pl_subject.h - the subject server: runs the checker's calls on the real backend.
 *
 * The subject is the process that contains the submitted code (the lab
 * files, linked with the runtime). It holds no nonce and no verdict
 * descriptor; all it can do is answer the checker's requests
 * (pl_proto.h). Its main registers the tasks the suites use, then calls
 * pl_subject_main, which enters pl_run and serves:
 *
 *   pl_subject_<model> --fd N [--workers W]          (socketpair from the checker)
 *   mpiexec -n R pl_subject_mpi --connect PATH [--workers W]
 *                                                    (rank 0 connects to the checker's
 *                                                    Unix socket: mpiexec closes every
 *                                                    descriptor above 2 in the ranks)
 */
#ifndef PL_SUBJECT_H
#define PL_SUBJECT_H

/* Parses the command line, runs pl_run and serves until QUIT or end of file. Exit status for main. */
int pl_subject_main(int argc, char **argv);

#endif
