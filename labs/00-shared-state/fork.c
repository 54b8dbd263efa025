/*
 * 00-shared-state/fork.c - one counter, many processes.
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

/*
 * Your code: types and static helper functions of your own go here, above
 * the functions below that call them. (A static function that nothing
 * calls is an error under -Werror: add each one when you first call it.)
 */

int pl_counter_fork_naive(long n, int workers, long *parent_sees)
{
    /* TODO: Reject bad input (pl_shared_args_ok, a NULL pointer) with PL_EINVAL. Keep a global
     * counter and set it to 0. Fork `workers` children that each add 1 to it n times and
     * _exit(0), wait for all of them (waitpid), and then report what the PARENT's counter
     * holds. */
    (void)n; (void)workers; (void)parent_sees; return PL_ENOTIMPL;
}

int pl_counter_fork_pipe(long n, int workers, long *total)
{
    /* TODO: Do as the naive version, but make a pipe() first. Each child writes its count
     * (one write() of a long); the parent closes its write end, reads `workers` counts and adds
     * them up. When a count is missing (a child died) or a child failed, return PL_EIO. */
    (void)n; (void)workers; (void)total; return PL_ENOTIMPL;
}

int pl_records_fork_truncate(const char *path, int workers, int records)
{
    /* TODO: Check the arguments: path is not NULL, workers is 1..PL_SHARED_MAX_WORKERS, and
     * records is 0..PL_RECORD_MAX_SEQ + 1. Fork `workers` children; child w opens path with
     * O_WRONLY | O_CREAT | O_TRUNC (what fopen(path, "w") does) and writes its records
     * (pl_record_format, one write() each). Wait for all of them; when a child failed, return
     * PL_EIO. */
    (void)path; (void)workers; (void)records; return PL_ENOTIMPL;
}

int pl_records_fork_append(const char *path, int workers, int records)
{
    /* TODO: Empty the file ONCE, in the parent, before forking (open it with O_TRUNC and
     * close it). Then each child opens it with O_WRONLY | O_APPEND and writes each record with
     * exactly one write(). */
    (void)path; (void)workers; (void)records; return PL_ENOTIMPL;
}

int pl_records_fork_per_task(const char *dir, int workers, int records)
{
    /* TODO: Let each child write a file of its own, pl_record_path(dir, w): O_TRUNC is
     * harmless there, because nobody else writes that file. */
    (void)dir; (void)workers; (void)records; return PL_ENOTIMPL;
}
