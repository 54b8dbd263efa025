/*
 * proc_tree.h - what /proc says about the processes a job left: who is
 * below whom, what each thread waits in, and killing a whole tree.
 *
 * The sandbox's jobs are process trees the grader did not write (a test,
 * mpiexec and its ranks, a fork bomb). /proc is the one view of them that
 * needs no cooperation from the processes: a child that called setsid() or
 * double-forked is still found through its parent links, because the grader
 * is a child subreaper (orphans come back to it, not to init).
 */
#ifndef GR_PROC_TREE_H
#define GR_PROC_TREE_H

#include <stddef.h>
#include <sys/types.h>

typedef struct gr_proc {
    pid_t pid;
    pid_t ppid;
    uid_t uid;
    char state;    /* /proc/PID/stat's state letter: R, S, D, Z... */
    char comm[64];
} gr_proc;

/* Every process on the machine, as a new array in *out; returns how many. */
size_t gr_proc_scan(gr_proc **out);

/* Indices into all[] of root's descendants (not root itself), breadth first; idx holds n. */
size_t gr_proc_descendants(const gr_proc *all, size_t n, pid_t root, size_t *idx);

/* SIGKILL pgid (when > 0) and every descendant of root until none is left alive. */
void gr_kill_tree(pid_t root, pid_t pgid);

/*
 * What root's tree is doing, one line per process (its threads grouped by
 * what they wait in, its MPI rank), the test's own processes first; *count
 * gets how many processes the tree has. A new string.
 */
char *gr_describe_tree(pid_t root, int *count);

/* Threads that processes of uid have right now (what RLIMIT_NPROC counts). */
long gr_count_tasks_of(uid_t uid);

/* Our own live descendants (zombies not counted). */
size_t gr_count_descendants(void);

#endif
