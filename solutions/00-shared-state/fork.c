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
/* BEGIN SOLUTION */
/* The parent's counter. Each child gets a copy-on-write copy of it. */
static long counter;

/* What a child does: worker number w, the caller's context; 0 = success. */
typedef int (*child_fn)(int w, void *ctx);

/* Waits for every child; PL_EIO when any did not exit with status 0. */
static int reap(const pid_t *pids, int n)
{
    int rc = PL_OK;
    for (int i = 0; i < n; i++) {
        int status;
        while (waitpid(pids[i], &status, 0) < 0) {
            if (errno != EINTR) {
                return PL_ESYS;
            }
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            rc = PL_EIO;
        }
    }
    return rc;
}

/*
 * Forks `workers` children that each run fn(w, ctx) and _exit. If a fork
 * fails, the children already started are stopped and reaped, so no
 * process is left behind: PL_ESYS.
 */
static int spawn(int workers, pid_t *pids, child_fn fn, void *ctx)
{
    for (int w = 0; w < workers; w++) {
        pids[w] = fork();
        if (pids[w] < 0) {
            for (int i = 0; i < w; i++) {
                kill(pids[i], SIGKILL);
            }
            reap(pids, w);
            return PL_ESYS;
        }
        if (pids[w] == 0) {
            _exit(fn(w, ctx) == 0 ? 0 : 1);
        }
    }
    return PL_OK;
}

/* One write() of the whole buffer (retried only if interrupted before writing). */
static int write_once(int fd, const void *buf, size_t len)
{
    ssize_t w;
    do {
        w = write(fd, buf, len);
    } while (w < 0 && errno == EINTR);
    return w == (ssize_t)len ? 0 : -1;
}

/* Reads exactly len bytes unless the pipe ends first; returns the bytes read. */
static size_t read_full(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, (char *)buf + got, len - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        got += (size_t)r;
    }
    return got;
}

/* ---- counter children */

typedef struct count_job {
    long n;
    int pipe_fd; /* -1: keep the count to yourself */
} count_job;

static int count_child(int w, void *ctx)
{
    (void)w;
    const count_job *job = ctx;
    for (long i = 0; i < job->n; i++) {
        counter++; /* this process's own copy */
    }
    if (job->pipe_fd < 0) {
        return 0;
    }
    /* sizeof(long) <= PIPE_BUF: the kernel writes it whole, never mixed with another child's. */
    return write_once(job->pipe_fd, &counter, sizeof counter);
}

/* ---- record children */

typedef struct record_job {
    const char *path; /* the file, or the directory for per-task files */
    int flags;        /* open() flags */
    int per_task;     /* 1: path is a directory, child w writes datos-w.txt */
    int records;
} record_job;

static int record_child(int w, void *ctx)
{
    const record_job *job = ctx;
    char path[PATH_MAX];
    const char *file = job->path;
    if (job->per_task) {
        if (pl_record_path(path, sizeof path, job->path, w) != 0) {
            return -1;
        }
        file = path;
    }
    int fd = open(file, job->flags, 0644);
    if (fd < 0) {
        return -1;
    }
    int rc = 0;
    char rec[PL_RECORD_LEN + 1];
    for (int seq = 0; seq < job->records && rc == 0; seq++) {
        pl_record_format(rec, w, seq);
        rc = write_once(fd, rec, PL_RECORD_LEN); /* one record = one write() */
    }
    return close(fd) == 0 ? rc : -1;
}

static int records_args_ok(const char *path, int workers, int records)
{
    return path != NULL && workers >= 1 && workers <= PL_SHARED_MAX_WORKERS && records >= 0 &&
           records <= PL_RECORD_MAX_SEQ + 1;
}

static int run_records(const record_job *job, int workers)
{
    pid_t pids[PL_SHARED_MAX_WORKERS];
    int rc = spawn(workers, pids, record_child, (void *)job);
    return rc == PL_OK ? reap(pids, workers) : rc;
}
/* END SOLUTION */

int pl_counter_fork_naive(long n, int workers, long *parent_sees)
{
    /* BEGIN SOLUTION */
    /* TODO: Reject bad input (pl_shared_args_ok, a NULL pointer) with PL_EINVAL. Keep a global
     * counter and set it to 0. Fork `workers` children that each add 1 to it n times and
     * _exit(0), wait for all of them (waitpid), and then report what the PARENT's counter
     * holds. */
    /* SKELETON: (void)n; (void)workers; (void)parent_sees; return PL_ENOTIMPL; */
    if (!pl_shared_args_ok(n, workers) || parent_sees == NULL) {
        return PL_EINVAL;
    }
    counter = 0;
    count_job job = {.n = n, .pipe_fd = -1};
    pid_t pids[PL_SHARED_MAX_WORKERS];
    int rc = spawn(workers, pids, count_child, &job);
    if (rc == PL_OK) {
        rc = reap(pids, workers);
    }
    /* Every child has finished its n increments - on its own copy. Still 0 here. */
    *parent_sees = counter;
    return rc;
    /* END SOLUTION */
}

int pl_counter_fork_pipe(long n, int workers, long *total)
{
    /* BEGIN SOLUTION */
    /* TODO: Do as the naive version, but make a pipe() first. Each child writes its count
     * (one write() of a long); the parent closes its write end, reads `workers` counts and adds
     * them up. When a count is missing (a child died) or a child failed, return PL_EIO. */
    /* SKELETON: (void)n; (void)workers; (void)total; return PL_ENOTIMPL; */
    if (!pl_shared_args_ok(n, workers) || total == NULL) {
        return PL_EINVAL;
    }
    int fds[2];
    if (pipe(fds) != 0) {
        return PL_ESYS;
    }
    counter = 0;
    count_job job = {.n = n, .pipe_fd = fds[1]};
    pid_t pids[PL_SHARED_MAX_WORKERS];
    int rc = spawn(workers, pids, count_child, &job);
    /*
     * Close our write end BEFORE reading: the read sees end-of-file only
     * when every write end is closed, and a child that died early would
     * otherwise leave us waiting forever for its count.
     */
    close(fds[1]);
    if (rc != PL_OK) {
        close(fds[0]);
        return rc;
    }
    long counts[PL_SHARED_MAX_WORKERS];
    size_t want = (size_t)workers * sizeof counts[0];
    size_t got = read_full(fds[0], counts, want);
    close(fds[0]);
    rc = reap(pids, workers);
    long sum = 0;
    for (int w = 0; w < workers; w++) {
        sum += counts[w];
    }
    *total = got == want ? sum : 0;
    return got == want ? rc : PL_EIO;
    /* END SOLUTION */
}

int pl_records_fork_truncate(const char *path, int workers, int records)
{
    /* BEGIN SOLUTION */
    /* TODO: Check the arguments: path is not NULL, workers is 1..PL_SHARED_MAX_WORKERS, and
     * records is 0..PL_RECORD_MAX_SEQ + 1. Fork `workers` children; child w opens path with
     * O_WRONLY | O_CREAT | O_TRUNC (what fopen(path, "w") does) and writes its records
     * (pl_record_format, one write() each). Wait for all of them; when a child failed, return
     * PL_EIO. */
    /* SKELETON: (void)path; (void)workers; (void)records; return PL_ENOTIMPL; */
    if (!records_args_ok(path, workers, records)) {
        return PL_EINVAL;
    }
    /* Every child empties the file and writes from ITS offset 0: the lesson's bug. */
    record_job job = {.path = path, .flags = O_WRONLY | O_CREAT | O_TRUNC, .records = records};
    return run_records(&job, workers);
    /* END SOLUTION */
}

int pl_records_fork_append(const char *path, int workers, int records)
{
    /* BEGIN SOLUTION */
    /* TODO: Empty the file ONCE, in the parent, before forking (open it with O_TRUNC and
     * close it). Then each child opens it with O_WRONLY | O_APPEND and writes each record with
     * exactly one write(). */
    /* SKELETON: (void)path; (void)workers; (void)records; return PL_ENOTIMPL; */
    if (!records_args_ok(path, workers, records)) {
        return PL_EINVAL;
    }
    /* Truncate once, before anyone writes: afterwards nobody may truncate again. */
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || close(fd) != 0) {
        return PL_ESYS;
    }
    record_job job = {.path = path, .flags = O_WRONLY | O_APPEND, .records = records};
    return run_records(&job, workers);
    /* END SOLUTION */
}

int pl_records_fork_per_task(const char *dir, int workers, int records)
{
    /* BEGIN SOLUTION */
    /* TODO: Let each child write a file of its own, pl_record_path(dir, w): O_TRUNC is
     * harmless there, because nobody else writes that file. */
    /* SKELETON: (void)dir; (void)workers; (void)records; return PL_ENOTIMPL; */
    if (!records_args_ok(dir, workers, records)) {
        return PL_EINVAL;
    }
    record_job job = {.path = dir, .flags = O_WRONLY | O_CREAT | O_TRUNC, .per_task = 1, .records = records};
    return run_records(&job, workers);
    /* END SOLUTION */
}
