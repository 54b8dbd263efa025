/*
 * pl_link.h - the checker's connection to its subject process.
 *
 * Starts the subject out of the checker's reach (pl_spawn.h: its own user
 * and PID namespaces, or another user, where the machine allows) - with a
 * socketpair, or for MPI, mpiexec with a Unix socket in a private 0700
 * directory that rank 0 connects back to -
 * and makes request/answer round trips that never wait past a deadline.
 * When the subject dies, hangs or answers garbage the link says why, in
 * words a student can act on ("the subject process died with signal 11
 * (Segmentation fault) during pl_map"), kills what is left of it and
 * reaps it: the checker itself never crashes or hangs on its subject.
 */
#ifndef PL_LINK_H
#define PL_LINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pl_wire.h"

typedef struct pl_link_spec {
    const char *subject;   /* path of the subject binary */
    const char *mpiexec;   /* non-NULL: start it as `mpiexec -n ranks ... subject --connect PATH` */
    int ranks;
    int workers;           /* the subject's --workers */
} pl_link_spec;

typedef struct pl_link {
    int fd;                /* -1: not connected */
    pid_t child;           /* the subject or mpiexec, or the tiny init of their namespace (pl_spawn.h) */
    pid_t subject_pid;     /* the process that serves (MPI: rank 0) as our /proc numbers it: known
                            * from the start (plain) or the socket's peer credentials (MPI), never
                            * from what the subject says; -1 unknown */
    int status_fd;         /* the namespace's init reports the subject's wait status here (pl_spawn.h) */
    int mpi;               /* the child is mpiexec */
    char tmp[512];         /* MPI: the job's private directory (its socket, its TMPDIR); "" none */
    pl_frame_in *in;
    char why[512];         /* the last failure, in words */
} pl_link;

/* A link that is not started yet. */
void pl_link_init(pl_link *l);

/*
 * Start the subject and wait until it can serve (at most until deadline_ns).
 * PL_OK; otherwise l->why says what happened and nothing is left running.
 */
int pl_link_start(pl_link *l, const pl_link_spec *spec, int64_t deadline_ns);

/*
 * Send req and read its answer into *ans (*len bytes, valid until the next
 * call), waiting at most until deadline_ns. `what` names the call for
 * messages ("pl_map"). PL_OK; PL_EIO when the subject died, hung or
 * answered a frame that could not be read: l->why says which, and the link
 * is closed (the subject killed and reaped).
 */
int pl_link_call(pl_link *l, const pl_buf *req, int64_t deadline_ns, const char *what, const uint8_t **ans,
                 size_t *len);

/* After an answer that did not decode: close the link with that reason. */
void pl_link_fail(pl_link *l, const char *what, const char *problem);

/*
 * Say goodbye (bounded), then make sure the subject is gone and reaped.
 * Safe on a closed link. PL_OK when the subject answered and then exited
 * with status 0 in time; otherwise l->why says what it did instead (a
 * destructor that never returns, a crash at exit): a process tree that does
 * not end cleanly fails, in-process or not.
 */
int pl_link_stop(pl_link *l);

#endif
