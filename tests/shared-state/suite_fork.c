/*
 * suite_fork.c - lab 00 with fork(): test_shared_fork.
 *
 * Counters: the children's increments never reach the parent by
 * themselves (copy-on-write); through a pipe they all do.
 * Files: the tests read the bytes back. A record is PL_RECORD_LEN bytes
 * (pl_record_format), so the file either holds each expected record once,
 * whole, or it does not - no guessing from line counts.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "pl_shared.h"
#include "testkit.h"

#define FILE_W 8   /* workers writing one file */
#define FILE_R 300 /* records per worker */

/* No child of ours is left running or unreaped. */
static int no_children_left(void)
{
    return waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD;
}

static void test_naive_parent_sees_nothing(void)
{
    long seen = -1;
    PL_EXPECT_RC(pl_counter_fork_naive(100000, 4, &seen), PL_OK);
    /* Every child counted to 100000 - in its own copy of the counter. */
    PL_EXPECT_EQ(seen, 0);
    CU_ASSERT(no_children_left());
}

static void test_pipe_brings_counts_back(void)
{
    static const int teams[] = {1, 3, 16};
    for (size_t t = 0; t < sizeof teams / sizeof teams[0]; t++) {
        long total = -1;
        PL_EXPECT_RC(pl_counter_fork_pipe(50000, teams[t], &total), PL_OK);
        PL_EXPECT_EQ(total, 50000L * teams[t]);
    }
    long total = -1;
    PL_EXPECT_RC(pl_counter_fork_pipe(0, 4, &total), PL_OK);
    PL_EXPECT_EQ(total, 0);
    CU_ASSERT(no_children_left());
}

static void test_counter_bad_input(void)
{
    long v = 7;
    PL_EXPECT_RC(pl_counter_fork_naive(-1, 2, &v), PL_EINVAL);
    PL_EXPECT_RC(pl_counter_fork_naive(10, 0, &v), PL_EINVAL);
    PL_EXPECT_RC(pl_counter_fork_naive(10, 2, NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_counter_fork_pipe(-1, 2, &v), PL_EINVAL);
    PL_EXPECT_RC(pl_counter_fork_pipe(10, PL_SHARED_MAX_WORKERS + 1, &v), PL_EINVAL);
    PL_EXPECT_RC(pl_counter_fork_pipe(LONG_MAX / 2 + 1, 2, &v), PL_EINVAL);
    PL_EXPECT_RC(pl_counter_fork_pipe(10, 2, NULL), PL_EINVAL);
    PL_EXPECT_EQ(v, 7);
    CU_ASSERT(no_children_left());
}

/* ---------------------------------------------------------------- files */

/* Reads a whole file into a malloc'd buffer; NULL when it cannot. */
static char *slurp(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 1 << 16, used = 0;
    char *buf = malloc(cap + 1);
    size_t r;
    while (buf && (r = fread(buf + used, 1, cap - used, f)) > 0) {
        used += r;
        if (used == cap) {
            char *bigger = realloc(buf, 2 * cap + 1);
            if (bigger == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) {
        buf[used] = '\0'; /* so sscanf on the last slot cannot run off the end */
    }
    *len = used;
    return buf;
}

/*
 * Splits data into PL_RECORD_LEN-byte slots and counts, per (worker, seq),
 * the slots holding exactly that record. Returns the number of slots that
 * hold no valid record at all (torn, overwritten, or a hole of zeros).
 */
static size_t tally(const char *data, size_t len, int workers, int records, int *seen)
{
    size_t bad = 0;
    char want[PL_RECORD_LEN + 1];
    for (size_t off = 0; off + PL_RECORD_LEN <= len; off += PL_RECORD_LEN) {
        int w, s;
        if (sscanf(data + off, "worker %2d record %6d ", &w, &s) == 2 && w >= 0 && w < workers &&
            s >= 0 && s < records) {
            pl_record_format(want, w, s);
            if (memcmp(data + off, want, PL_RECORD_LEN) == 0) {
                seen[w * records + s]++;
                continue;
            }
        }
        bad++;
    }
    return bad + (len % PL_RECORD_LEN != 0);
}

static void file_path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", pl_test_tmpdir(), name);
}

static void test_truncate_loses_records(void)
{
    char path[PATH_MAX];
    file_path(path, sizeof path, "datos.txt");
    PL_EXPECT_RC(pl_records_fork_truncate(path, FILE_W, FILE_R), PL_OK);
    size_t len;
    char *data = slurp(path, &len);
    CU_ASSERT_FATAL(data != NULL);
    static int seen[FILE_W * FILE_R];
    memset(seen, 0, sizeof seen);
    size_t bad = tally(data, len, FILE_W, FILE_R, seen);
    int kept = 0;
    for (int i = 0; i < FILE_W * FILE_R; i++) {
        kept += seen[i] > 0;
    }
    fprintf(stderr, "\n  truncate-on-open: %zu bytes, %d of %d records kept, %zu bad slots\n", len, kept,
            FILE_W * FILE_R, bad);
    /* Every writer starts at ITS offset 0: the file can never outgrow one writer's share. */
    CU_ASSERT(len <= (size_t)FILE_R * PL_RECORD_LEN);
    CU_ASSERT(len > 0);
    CU_ASSERT(kept <= FILE_R);
    CU_ASSERT(no_children_left());
    free(data);
}

/* The file holds every record of every worker exactly once, whole, and nothing else. */
static void expect_all_records(const char *path, int workers, int records)
{
    size_t len;
    char *data = slurp(path, &len);
    CU_ASSERT_FATAL(data != NULL);
    int *seen = calloc((size_t)workers * (size_t)records + 1, sizeof *seen);
    CU_ASSERT_FATAL(seen != NULL);
    size_t bad = tally(data, len, workers, records, seen);
    int once = 0;
    for (int i = 0; i < workers * records; i++) {
        once += seen[i] == 1;
    }
    if (len != (size_t)workers * records * PL_RECORD_LEN || bad != 0 || once != workers * records) {
        fprintf(stderr, "\n  %s: %zu bytes (expected %zu), %d of %d records exactly once, %zu bad slots\n",
                path, len, (size_t)workers * records * PL_RECORD_LEN, once, workers * records, bad);
    }
    PL_EXPECT_EQ(len, (size_t)workers * records * PL_RECORD_LEN);
    PL_EXPECT_EQ(bad, 0);
    PL_EXPECT_EQ(once, workers * records);
    free(seen);
    free(data);
}

static void test_append_keeps_every_record(void)
{
    char path[PATH_MAX];
    file_path(path, sizeof path, "datos-append.txt");
    PL_EXPECT_RC(pl_records_fork_append(path, FILE_W, FILE_R), PL_OK);
    expect_all_records(path, FILE_W, FILE_R);
    /* A second run starts from an empty file: the parent truncates once, first. */
    PL_EXPECT_RC(pl_records_fork_append(path, 3, 50), PL_OK);
    expect_all_records(path, 3, 50);
    CU_ASSERT(no_children_left());
}

static void test_per_task_files_keep_every_record(void)
{
    char dir[PATH_MAX];
    file_path(dir, sizeof dir, "per-task");
    CU_ASSERT_FATAL(mkdir(dir, 0755) == 0 || errno == EEXIST);
    PL_EXPECT_RC(pl_records_fork_per_task(dir, FILE_W, FILE_R), PL_OK);
    for (int w = 0; w < FILE_W; w++) {
        char path[PATH_MAX];
        CU_ASSERT_FATAL(pl_record_path(path, sizeof path, dir, w) == 0);
        size_t len;
        char *data = slurp(path, &len);
        CU_ASSERT_FATAL(data != NULL);
        /* One writer per file: its records, in its order, byte for byte. */
        int in_order = len == (size_t)FILE_R * PL_RECORD_LEN;
        char want[PL_RECORD_LEN + 1];
        for (int s = 0; in_order && s < FILE_R; s++) {
            pl_record_format(want, w, s);
            in_order = memcmp(data + (size_t)s * PL_RECORD_LEN, want, PL_RECORD_LEN) == 0;
        }
        if (!in_order) {
            fprintf(stderr, "\n  %s: not the %d records of worker %d in order (%zu bytes)\n", path, FILE_R, w,
                    len);
        }
        CU_ASSERT(in_order);
        free(data);
    }
    CU_ASSERT(no_children_left());
}

static void test_records_bad_input(void)
{
    char path[PATH_MAX];
    file_path(path, sizeof path, "never.txt");
    PL_EXPECT_RC(pl_records_fork_truncate(NULL, 2, 1), PL_EINVAL);
    PL_EXPECT_RC(pl_records_fork_truncate(path, 0, 1), PL_EINVAL);
    PL_EXPECT_RC(pl_records_fork_append(path, PL_SHARED_MAX_WORKERS + 1, 1), PL_EINVAL);
    PL_EXPECT_RC(pl_records_fork_append(path, 2, -1), PL_EINVAL);
    PL_EXPECT_RC(pl_records_fork_per_task(NULL, 2, 1), PL_EINVAL);
    PL_EXPECT_RC(pl_records_fork_per_task(pl_test_tmpdir(), 2, PL_RECORD_MAX_SEQ + 2), PL_EINVAL);
    /* A rejected call touches nothing. */
    CU_ASSERT(access(path, F_OK) != 0);
    CU_ASSERT(no_children_left());
}

static const pl_test_case cases[] = {
    {"naive_parent_sees_nothing", test_naive_parent_sees_nothing},
    {"pipe_brings_counts_back", test_pipe_brings_counts_back},
    {"counter_bad_input", test_counter_bad_input},
    {"truncate_loses_records", test_truncate_loses_records},
    {"append_keeps_every_record", test_append_keeps_every_record},
    {"per_task_files_keep_every_record", test_per_task_files_keep_every_record},
    {"records_bad_input", test_records_bad_input},
    {NULL, NULL},
};

static const pl_test_suite suite = {"shared", NULL, NULL, cases};

const pl_test_suite *const pl_suites[] = {&suite, NULL};
