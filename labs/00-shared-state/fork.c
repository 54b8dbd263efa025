/*
 * solutions/00-shared-state/fork.c - one counter, many processes.
 *
 * fork() gives the child a COPY of the parent's memory (copy-on-write: the
 * pages are shared until someone writes, then the writer gets its own
 * page). So when a child adds 1 to a global counter, it changes its own
 * copy; the parent's counter never moves. Nothing is lost as with threads:
 * nothing is shared in the first place. To get the children's work back,
 * it must be SENT: here, through a pipe.
 *
 * The file race is the same story with a twist: the file IS shared (it
 * lives in the kernel, not in a process's memory). Each child that opens
 * "datos.txt" with O_TRUNC empties it and writes from offset 0 through its
 * own file offset, over whatever the others wrote: records are lost. Two
 * fixes keep every byte:
 *   - O_APPEND: the kernel moves the offset to the end and writes in one
 *     step, so each write() lands after the previous one, whole. It takes
 *     ONE write() per record: two write()s (or a stdio buffer flushed in
 *     pieces) can have another process's record land between them.
 *   - one file per task: nothing shared, nothing to race on.
 *
 * Children end with _exit(), not exit(): exit() would flush the parent's
 * stdio buffers a second time from the child's copy (duplicated output).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pl_shared.h"


int pl_counter_fork_naive(long n, int workers, long *parent_sees)
{
    /* TODO: reject bad input (pl_shared_args_ok, NULL) with PL_EINVAL. Keep a global counter, */
    /* TODO: set it to 0, fork `workers` children that each add 1 to it n times and _exit(0), */
    /* TODO: wait for all of them (waitpid), then report what the PARENT's counter holds. */
    (void)n; (void)workers; (void)parent_sees; return PL_ENOTIMPL;
}

int pl_counter_fork_pipe(long n, int workers, long *total)
{
    /* TODO: as the naive version, but first pipe(); each child writes its count (one write() */
    /* TODO: of a long) and the parent, after closing its write end, reads `workers` counts and */
    /* TODO: adds them up. Missing counts (a child died) or a failed child -> PL_EIO. */
    (void)n; (void)workers; (void)total; return PL_ENOTIMPL;
}

int pl_records_fork_truncate(const char *path, int workers, int records)
{
    /* TODO: check the arguments (path non-NULL, 1..PL_SHARED_MAX_WORKERS workers, 0 <= records */
    /* TODO: <= PL_RECORD_MAX_SEQ + 1). Fork `workers` children; child w opens path with */
    /* TODO: O_WRONLY | O_CREAT | O_TRUNC (what fopen(path, "w") does) and writes its records */
    /* TODO: (pl_record_format, one write() each). Wait for all; a failed child -> PL_EIO. */
    (void)path; (void)workers; (void)records; return PL_ENOTIMPL;
}

int pl_records_fork_append(const char *path, int workers, int records)
{
    /* TODO: empty the file ONCE, in the parent, before forking (open with O_TRUNC, close). */
    /* TODO: Then each child opens it with O_WRONLY | O_APPEND and writes each record with */
    /* TODO: exactly one write(). */
    (void)path; (void)workers; (void)records; return PL_ENOTIMPL;
}

int pl_records_fork_per_task(const char *dir, int workers, int records)
{
    /* TODO: each child writes its own file, pl_record_path(dir, w): O_TRUNC is harmless there */
    /* TODO: because nobody else writes that file. */
    (void)dir; (void)workers; (void)records; return PL_ENOTIMPL;
}
