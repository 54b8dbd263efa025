/*
 * pl_tally.c - the bookkeeping of the `tally` task (see pl_tally.h).
 *
 * The counter must be cheap: the point of tallying is to catch a race in the
 * way a backend hands out items, and that race shows only when tasks are so
 * short that workers ask for the next item at the same moment. So each
 * thread keeps the last tally file it used mapped (a thread-local cache)
 * instead of opening, mapping and unmapping it for every item; one run is
 * then a parse and one atomic add.
 */
#include "pl_tally.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pl_status.h"

#define TALLY_PATH_MAX 512

/*
 * This thread's mapping of the last tally file it counted in. Never
 * unmapped while the thread lives (the next path replaces it): a mapping
 * costs no descriptor, so the tests' count of open files stays exact.
 * A forked child inherits its parent thread's mapping, and since it is
 * MAP_SHARED the child's counts still land in the one file.
 */
static _Thread_local struct {
    char path[TALLY_PATH_MAX];
    pl_tally_record *records;
    size_t n;
} cache;

/*
 * Who runs: getpid() and getppid() are system calls, and on a virtual
 * machine a system call can cost microseconds - more than the rest of a
 * tally, which would spread the workers' requests for items too far apart
 * for a race in handing them out to show. So each thread asks once and
 * keeps the answer, until a fork: the child handler of pthread_atfork bumps
 * `forks`, and a thread whose remembered generation differs asks again.
 * (A child made by vfork or a raw clone would keep its parent's pid here.)
 */
static atomic_uint forks;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
static _Thread_local struct {
    unsigned generation; /* forks + 1 when pid/ppid were read; 0: never */
    uint32_t pid, ppid;
} me;

static void on_fork_child(void)
{
    atomic_fetch_add(&forks, 1);
}

static void watch_forks(void)
{
    pthread_atfork(NULL, NULL, on_fork_child);
}

static void who_am_i(uint32_t *pid, uint32_t *ppid)
{
    pthread_once(&atfork_once, watch_forks);
    unsigned now = atomic_load_explicit(&forks, memory_order_relaxed) + 1;
    if (me.generation != now) {
        me.pid = (uint32_t)getpid();
        me.ppid = (uint32_t)getppid();
        me.generation = now;
    }
    *pid = me.pid;
    *ppid = me.ppid;
}

int pl_tally_create(const char *path, size_t n)
{
    if (path == NULL || strlen(path) >= TALLY_PATH_MAX || n == 0) {
        return PL_EINVAL;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return PL_ESYS;
    }
    /* A truncated-then-extended file reads as zeros: every counter starts at 0. */
    int rc = ftruncate(fd, (off_t)(n * sizeof(pl_tally_record))) == 0 ? PL_OK : PL_ESYS;
    close(fd);
    return rc;
}

/* Map the whole file at path read-write and shared; NULL with errno on failure. */
static pl_tally_record *map_file(const char *path, size_t *n)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return NULL;
    }
    struct stat st;
    void *p = MAP_FAILED;
    if (fstat(fd, &st) == 0 && st.st_size >= (off_t)sizeof(pl_tally_record)) {
        *n = (size_t)st.st_size / sizeof(pl_tally_record);
        p = mmap(NULL, *n * sizeof(pl_tally_record), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    } else {
        errno = EINVAL;
    }
    int saved = errno;
    close(fd); /* the mapping stays valid without the descriptor */
    errno = saved;
    return p == MAP_FAILED ? NULL : p;
}

/* This thread's mapping of path (made current when it is another file). */
static pl_tally_record *records_of(const char *path, size_t *n)
{
    if (cache.records != NULL && strcmp(cache.path, path) == 0) {
        *n = cache.n;
        return cache.records;
    }
    size_t count = 0;
    pl_tally_record *r = map_file(path, &count);
    if (r == NULL) {
        return NULL;
    }
    if (cache.records != NULL) {
        munmap(cache.records, cache.n * sizeof(pl_tally_record));
    }
    snprintf(cache.path, sizeof cache.path, "%s", path);
    cache.records = r;
    cache.n = count;
    *n = count;
    return r;
}

/* "INDEX SLEEP_MS PATH": two numbers, one blank after each, then the path (blanks allowed in it). */
static int parse_arg(const char *arg, int64_t *index, int64_t *sleep_ms, const char **path)
{
    char *end;
    errno = 0;
    long long i = strtoll(arg, &end, 10);
    if (errno != 0 || end == arg || *end != ' ' || i < 0) {
        return PL_EINVAL;
    }
    const char *ms_at = end + 1;
    long long ms = strtoll(ms_at, &end, 10);
    if (errno != 0 || end == ms_at || *end != ' ' || ms < 0 || end[1] == '\0') {
        return PL_EINVAL;
    }
    *index = i;
    *sleep_ms = ms;
    *path = end + 1;
    return PL_OK;
}

int pl_tally_count(const char *arg, int64_t *index, int64_t *sleep_ms, char *why, size_t why_len)
{
    const char *path = NULL;
    if (arg == NULL || parse_arg(arg, index, sleep_ms, &path) != PL_OK || strlen(path) >= TALLY_PATH_MAX) {
        snprintf(why, why_len, "expected \"INDEX SLEEP_MS PATH\"");
        return PL_EINVAL;
    }
    size_t n = 0;
    pl_tally_record *r = records_of(path, &n);
    if (r == NULL) {
        /* On a cluster this is an MPI rank on another node: the file is not there (pl_tally.h). */
        snprintf(why, why_len, "cannot open %s: %s", path, strerror(errno));
        return PL_ESYS;
    }
    if ((uint64_t)*index >= n) {
        snprintf(why, why_len, "item %lld is not in %s (%zu items)", (long long)*index, path, n);
        return PL_EINVAL;
    }
    uint32_t pid, ppid;
    who_am_i(&pid, &ppid);
    pl_tally_record *rec = &r[*index];
    atomic_fetch_add_explicit(&rec->runs, 1, memory_order_relaxed);
    atomic_store_explicit(&rec->pid, pid, memory_order_relaxed);
    atomic_store_explicit(&rec->ppid, ppid, memory_order_relaxed);
    return PL_OK;
}

int pl_tally_read(const char *path, pl_tally_entry *out, size_t n)
{
    if (path == NULL || out == NULL) {
        return PL_EINVAL;
    }
    /* A mapping of our own, dropped at once: the reader is usually not a worker. */
    size_t have = 0;
    pl_tally_record *r = map_file(path, &have);
    if (r == NULL) {
        return PL_ESYS;
    }
    int rc = PL_EINVAL;
    if (n <= have) {
        for (size_t i = 0; i < n; i++) {
            out[i] = (pl_tally_entry){.runs = atomic_load(&r[i].runs),
                                      .pid = atomic_load(&r[i].pid),
                                      .ppid = atomic_load(&r[i].ppid)};
        }
        rc = PL_OK;
    }
    munmap(r, have * sizeof(pl_tally_record));
    return rc;
}

pl_value *pl_tally_arg(const char *path, size_t index, int64_t sleep_ms)
{
    char arg[TALLY_PATH_MAX + 48];
    if (path == NULL || snprintf(arg, sizeof arg, "%zu %lld %s", index, (long long)sleep_ms, path) >=
                            (int)sizeof arg) {
        return NULL;
    }
    return pl_value_new_str(arg);
}
