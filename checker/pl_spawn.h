/*
 * pl_spawn.h - starting the subject out of the checker's reach (issue 14).
 *
 * The subject runs submitted code. The checker must survive anything it
 * does: it must not be able to signal the checker, ptrace it or read its
 * memory, environment or descriptors. The checker is non-dumpable (see
 * tests/checker_hooks.c), which stops ptrace and /proc/PID/mem for a process
 * without privileges over it; what remains is kill(2), which needs only the
 * same user and the checker's pid. So the subject is started the strongest
 * way this machine allows, tried in this order:
 *
 *   1. NAMESPACE: its own user and PID namespaces (unshare(2) with
 *      CLONE_NEWUSER|CLONE_NEWPID in a child of ours; no privilege needed
 *      where the kernel allows unprivileged user namespaces). The checker's
 *      child is then a small relay outside the PID namespace, and its own
 *      child the namespace's PID 1 (see pl_spawn.c). No pid outside the namespace
 *      can be named from inside, so kill(getppid()), kill(-1) and a pid
 *      found in /proc reach nothing of ours, and in its own user namespace
 *      the subject has no capability over the checker. The process at the
 *      top is a tiny init of ours (PID 1 of the namespace), not the
 *      subject: PID 1 ignores the signals it sends itself and adopts every
 *      orphan, which would change what the tests see (a subject that
 *      raise()s SIGSEGV must die; orphans must not look like its zombies).
 *      A mount namespace too, for a /dev/shm of its own (see private_shm).
 *   2. USER: when the checker runs as root with a subject user given
 *      (PARALAB_SUBJECT_UID=uid:gid, set by the grader) and namespaces are
 *      not allowed (Docker's default seccomp profile): the subject runs as
 *      that user, which cannot signal or trace root. The checker keeps
 *      root's rights over the subject (kill it, read its /proc/PID/fd) but
 *      opens files as the subject user (setfsuid): a link the subject
 *      plants in their shared directories cannot make it write as root.
 *      With namespaces, a root checker does both (namespace + user).
 *   3. NONE: neither is possible (a plain user without user namespaces):
 *      the subject runs as the checker's user, and a note on stderr says
 *      that it could signal the checker. A dead checker writes no verdict,
 *      so the test still fails; it just cannot say why.
 */
#ifndef PL_SPAWN_H
#define PL_SPAWN_H

#include <sys/types.h>

typedef struct pl_spawned {
    pid_t child;     /* what the checker waits for and kills: the subject, or the namespace's relay */
    pid_t leader;    /* the program exec'd (subject or mpiexec) as the checker numbers pids; -1 unknown */
    int status_fd;   /* NAMESPACE: the init writes the leader's wait status here; -1 otherwise */
} pl_spawned;

/*
 * Before main (tests/checker_hooks.c): read and erase PARALAB_SUBJECT_UID;
 * as root with it, open files as that user from now on. Idempotent.
 */
void pl_spawn_configure(void);

/*
 * fork+exec argv with env: the child gets its own process group, dies with
 * the checker, keeps only 0-2 and `keep` (as fd 3; -1: none), and runs
 * isolated as above. 0 with *out filled; -1 with errno when it could not start.
 */
int pl_spawn(char **argv, char **env, int keep, pl_spawned *out);

/*
 * After waitpid(out->child) gave *status: the leader's own status where the
 * namespace's init reported it (so "died with signal 11" names the
 * subject's death, not the init's exit). Closes status_fd.
 */
void pl_spawn_reaped(pl_spawned *sp, int *status);

/* The uid the subject runs as, as this process sees it (the MPI socket's peer check). */
uid_t pl_spawn_subject_uid(void);

/* "namespace", "user", "namespace+user" or "none": how the last subject was isolated. */
const char *pl_spawn_isolation(void);

#endif
