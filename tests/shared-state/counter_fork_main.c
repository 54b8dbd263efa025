/*
 * counter_fork_main.c - shared_counter_fork: lab 00's fork functions as a
 * program, printing the counts and records the handout's table asks for.
 *
 *   shared_counter_fork table                       every fork row of the table
 *   shared_counter_fork run naive|pipe N W          one counter run
 *   shared_counter_fork records truncate|append|per_task W R
 *                                                   one datos.txt run
 *
 * The datos.txt runs write into a fresh directory under $TMPDIR (or /tmp)
 * that is removed afterwards, and count the records that survived WHOLE:
 * a record is exactly PL_RECORD_LEN bytes equal to pl_record_format's, so a
 * torn or overwritten one is not counted. Exit 0 when every call returned
 * PL_OK, 3 when one returned an error (the skeleton's PL_ENOTIMPL), 2 on a
 * usage error. The tests (suite_fork.c) check the same things strictly;
 * this program is for reading the numbers.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pl_shared.h"

static int report(const char *what, int rc)
{
    if (rc != PL_OK) {
        printf("%s: error %d%s\n", what, rc, rc == PL_ENOTIMPL ? " (not implemented yet)" : "");
    }
    return rc == PL_OK ? 0 : 3;
}

static int counter(const char *variant, long n, int w)
{
    long v = -1;
    int naive = strcmp(variant, "naive") == 0;
    int rc = naive ? pl_counter_fork_naive(n, w, &v) : pl_counter_fork_pipe(n, w, &v);
    if (rc == PL_OK) {
        printf("pl_counter_fork_%s(%ld, %d): %s %ld (%ld increments were made)\n", variant, n, w,
               naive ? "the parent sees" : "total", v, n * w);
    }
    return report(variant, rc);
}

/* Whole records in one file: 64-byte blocks equal to a record some worker writes. */
static long whole_records(const char *path, int workers, int records)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return 0;
    }
    char block[PL_RECORD_LEN], want[PL_RECORD_LEN + 1];
    long count = 0;
    while (fread(block, 1, sizeof block, f) == sizeof block) {
        int w = -1, seq = -1;
        if (sscanf(block, "worker %d record %d ", &w, &seq) == 2 && w >= 0 && w < workers && seq >= 0 &&
            seq < records) {
            pl_record_format(want, w, seq);
            count += memcmp(block, want, PL_RECORD_LEN) == 0;
        }
    }
    fclose(f);
    return count;
}

static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[1024];
    while (d != NULL && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < (int)sizeof path) {
            unlink(path);
        }
    }
    if (d != NULL) {
        closedir(d);
    }
    rmdir(dir);
}

static int records(const char *variant, int w, int r)
{
    const char *base = getenv("TMPDIR");
    char dir[512], path[768];
    snprintf(dir, sizeof dir, "%s/paralab-datos-XXXXXX", base != NULL && base[0] ? base : "/tmp");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 2;
    }
    snprintf(path, sizeof path, "%s/datos.txt", dir);
    int rc;
    long kept = 0;
    if (strcmp(variant, "per_task") == 0) {
        rc = pl_records_fork_per_task(dir, w, r);
        for (int k = 0; k < w && rc == PL_OK; k++) {
            pl_record_path(path, sizeof path, dir, k);
            kept += whole_records(path, w, r);
        }
    } else {
        rc = strcmp(variant, "truncate") == 0 ? pl_records_fork_truncate(path, w, r)
                                              : pl_records_fork_append(path, w, r);
        kept = rc == PL_OK ? whole_records(path, w, r) : 0;
    }
    if (rc == PL_OK) {
        printf("datos.txt, %s, %d workers x %d records: %ld of %ld records kept whole\n", variant, w, r, kept,
               (long)w * r);
    }
    remove_dir(dir);
    return report(variant, rc);
}

/* The fork rows of lab 00's table, with the sizes the table names. */
static int table(void)
{
    int worst = 0, rc;
    rc = counter("naive", 100000, 4);
    worst = rc > worst ? rc : worst;
    rc = counter("pipe", 100000, 4);
    worst = rc > worst ? rc : worst;
    static const char *const variants[] = {"truncate", "append", "per_task"};
    for (size_t i = 0; i < 3; i++) {
        rc = records(variants[i], 8, 300);
        worst = rc > worst ? rc : worst;
    }
    return worst;
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    *out = strtol(s, &end, 10);
    return *s != '\0' && *end == '\0' && *out >= lo && *out <= hi ? 0 : -1;
}

static int usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s table | run naive|pipe N W | records truncate|append|per_task W R\n"
            "  (W: 1..%d workers; R: 0..%d records each)\n",
            prog, PL_SHARED_MAX_WORKERS, PL_RECORD_MAX_SEQ);
    return 2;
}

int main(int argc, char **argv)
{
    /* Line-buffered, so nothing sits in stdio's buffer when fork() copies it. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    long n, w, r;
    if (argc == 2 && strcmp(argv[1], "table") == 0) {
        return table();
    }
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        usage(argv[0]);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "run") == 0 &&
        (strcmp(argv[2], "naive") == 0 || strcmp(argv[2], "pipe") == 0) &&
        parse_long(argv[3], 0, 100000000, &n) == 0 && parse_long(argv[4], 1, PL_SHARED_MAX_WORKERS, &w) == 0) {
        return counter(argv[2], n, (int)w);
    }
    if (argc == 5 && strcmp(argv[1], "records") == 0 &&
        (strcmp(argv[2], "truncate") == 0 || strcmp(argv[2], "append") == 0 || strcmp(argv[2], "per_task") == 0) &&
        parse_long(argv[3], 1, PL_SHARED_MAX_WORKERS, &w) == 0 && parse_long(argv[4], 0, PL_RECORD_MAX_SEQ, &r) == 0) {
        return records(argv[2], (int)w, (int)r);
    }
    return usage(argv[0]);
}
