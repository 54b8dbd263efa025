/*
 * run_main.c - run_<model>: the playground behind `./paralab run`.
 *
 *   run_<model> TASK [--items LIST] [--workers N] [--timeout MS] [--width COLS]
 *   run_<model> --list-tasks
 *
 * Maps TASK over the items with pl_map on this binary's backend, then shows
 * each item's status, value, worker and time, and a timeline per worker
 * (run_show.c). Students try another task, size, worker count or deadline
 * without writing C; a task of their own is one file in apps/tasks/
 * (playground.h).
 *
 * Options live in ONE table below: adding one (as --chunksize was) is one
 * parse function and one row.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pl_fetch.h"
#include "playground.h"
#include "run.h"

/* ---------------------------------------------------------------- student tasks */

/* Registration happens before main (playground.h): keep what went wrong for later. */
static char register_errors[1024];

void pl_playground_register(const char *name, pl_task_fn fn, const char *file)
{
    int rc = pl_task_register(name, fn);
    if (rc != PL_OK) {
        size_t len = strlen(register_errors);
        snprintf(register_errors + len, sizeof register_errors - len, "%s: task '%s' not registered: %s%s\n",
                 file, name, pl_strerror(rc),
                 rc == PL_EEXIST ? " (that name is taken: choose another)"
                                 : rc == PL_EINVAL ? " (names are 1-63 of A-Z a-z 0-9 _ . -)" : "");
    }
}

/* ---------------------------------------------------------------- items */

/* A whole number in [lo, hi], the whole token; 0 on success. */
static int parse_int(const char *s, long long lo, long long hi, long long *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (s[0] == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi) {
        return -1;
    }
    *out = v;
    return 0;
}

/* "42" -> int, "2.5" -> double, anything else -> the text itself. */
static pl_value *parse_scalar(const char *tok)
{
    long long i;
    if (parse_int(tok, INT64_MIN, INT64_MAX, &i) == 0) {
        return pl_value_new_int(i);
    }
    char *end = NULL;
    errno = 0;
    double d = strtod(tok, &end);
    if (*end == '\0' && errno == 0 && isfinite(d) && strpbrk(tok, "0123456789") != NULL) {
        return pl_value_new_double(d);
    }
    return pl_value_new_str(tok);
}

static int push(run_opts *o, pl_value *v, char *why, size_t cap)
{
    if (v == NULL) {
        snprintf(why, cap, "out of memory");
        return -1;
    }
    if (o->n == RUN_MAX_ITEMS) {
        pl_value_free(v);
        snprintf(why, cap, "more than %d items", RUN_MAX_ITEMS);
        return -1;
    }
    o->items[o->n++] = v;
    return 0;
}

/* "A..B": every whole number from A to B (either direction). 1 = not a range. */
static int push_range(run_opts *o, char *tok, char *why, size_t cap)
{
    char *dots = strstr(tok, "..");
    if (dots == NULL || dots == tok) {
        return 1;
    }
    *dots = '\0';
    long long a, b;
    if (parse_int(tok, -1000000000LL, 1000000000LL, &a) != 0 ||
        parse_int(dots + 2, -1000000000LL, 1000000000LL, &b) != 0) {
        *dots = '.';
        snprintf(why, cap, "'%s': a range is two whole numbers, like 1..10", tok);
        return -1;
    }
    long long step = a <= b ? 1 : -1;
    for (long long x = a;; x += step) {
        if (push(o, pl_value_new_int(x), why, cap) != 0) {
            return -1;
        }
        if (x == b) {
            return 0;
        }
    }
}

static char *trim(char *s)
{
    while (*s == ' ') {
        s++;
    }
    size_t len = strlen(s);
    while (len > 0 && s[len - 1] == ' ') {
        s[--len] = '\0';
    }
    return s;
}

/* LIST: comma-separated items; each is a value or a range A..B. */
static int opt_items(const char *v, run_opts *o, char *why, size_t cap)
{
    if (o->items != NULL) {
        snprintf(why, cap, "--items given twice (put every item in one list: 1,2,5..9)");
        return -1;
    }
    o->items = calloc(RUN_MAX_ITEMS, sizeof *o->items);
    char *copy = strdup(v);
    if (o->items == NULL || copy == NULL) {
        free(copy);
        snprintf(why, cap, "out of memory");
        return -1;
    }
    int rc = 0;
    char *rest = copy;
    for (char *tok = rest; rc == 0 && tok != NULL; tok = rest) {
        rest = strchr(tok, ',');
        if (rest != NULL) {
            *rest++ = '\0';
        }
        tok = trim(tok);
        if (*tok == '\0') {
            snprintf(why, cap, "an empty item in '%s' (two commas in a row?)", v);
            rc = -1;
        } else if ((rc = push_range(o, tok, why, cap)) == 1) {
            rc = push(o, parse_scalar(tok), why, cap);
        }
    }
    free(copy);
    return rc;
}

/* ---------------------------------------------------------------- the other options */

static int opt_workers(const char *v, run_opts *o, char *why, size_t cap)
{
    long long w;
    if (parse_int(v, 1, 1024, &w) != 0) {
        snprintf(why, cap, "--workers wants a number from 1 to 1024, not '%s'", v);
        return -1;
    }
    o->map.max_workers = (int)w;
    return 0;
}

/* An option that takes a number or one word standing for a special value ("none", "auto"). */
static int parse_int_or_word(const char *v, const char *word, long long word_value, long long lo, long long hi,
                             long long *out)
{
    if (strcmp(v, word) == 0) {
        *out = word_value;
        return 0;
    }
    return parse_int(v, lo, hi, out);
}

static int opt_timeout(const char *v, run_opts *o, char *why, size_t cap)
{
    long long ms;
    if (parse_int_or_word(v, "none", PL_NO_TIMEOUT, 0, 86400000LL, &ms) != 0) {
        snprintf(why, cap, "--timeout wants milliseconds (0 to 86400000) or 'none', not '%s'", v);
        return -1;
    }
    o->map.timeout_ms = ms;
    return 0;
}

static int opt_chunksize(const char *v, run_opts *o, char *why, size_t cap)
{
    long long c;
    if (parse_int_or_word(v, "auto", 0, 0, 1000000000LL, &c) != 0) {
        snprintf(why, cap, "--chunksize wants a number of items (1 or more; 0 or 'auto': automatic), not '%s'", v);
        return -1;
    }
    o->map.chunksize = (int)c;
    return 0;
}

static int opt_width(const char *v, run_opts *o, char *why, size_t cap)
{
    long long w;
    if (parse_int(v, 20, 300, &w) != 0) {
        snprintf(why, cap, "--width wants a number of columns from 20 to 300, not '%s'", v);
        return -1;
    }
    o->width = (int)w;
    return 0;
}

static int opt_list_tasks(const char *v, run_opts *o, char *why, size_t cap)
{
    (void)v;
    (void)why;
    (void)cap;
    o->list_tasks = 1;
    return 0;
}

typedef struct run_option {
    const char *name;
    const char *metavar; /* NULL: a flag, takes no value */
    const char *help;
    int (*parse)(const char *value, run_opts *o, char *why, size_t cap);
} run_option;

static const run_option options[] = {
    {"--items", "LIST", "the items: 1,2,3 or a range 1..10, or both: 1..3,10 (default 1..10);\n"
                        "    a whole number is an int, 2.5 a double, anything else text ('roja 200')",
     opt_items},
    {"--workers", "N", "max_workers: at most N tasks at once (default: the backend's workers)", opt_workers},
    {"--timeout", "MS", "one deadline for the whole map, in ms from the call (default: none)", opt_timeout},
    {"--width", "COLS", "width of the timeline (default 60)", opt_width},
    {"--chunksize", "N", "items handed to a worker at once, run there in order (default 0 = auto:\n"
                         "    ceil(items / (4 x workers)), like Pool.map; 1 = one at a time)", opt_chunksize},
    {"--list-tasks", NULL, "list the tasks this program knows (built-in and apps/tasks/) and exit",
     opt_list_tasks},
};
#define N_OPTIONS (sizeof options / sizeof options[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: run_<model> TASK [OPTIONS]   (./paralab run picks the model)\n"
                 "Maps TASK over the items; prints each item's status, value, worker and time,\n"
                 "then a timeline of what each worker did.\n");
    for (size_t i = 0; i < N_OPTIONS; i++) {
        char head[32];
        snprintf(head, sizeof head, "%s%s%s", options[i].name, options[i].metavar ? " " : "",
                 options[i].metavar ? options[i].metavar : "");
        fprintf(out, "  %-16s %s\n", head, options[i].help);
    }
}

/*
 * Under mpiexec every rank parses the same arguments; only one should say
 * what is wrong with them (Open MPI tells each rank its number in the
 * environment, before MPI_Init).
 */
static int speaks(void)
{
    const char *rank = getenv("OMPI_COMM_WORLD_RANK");
    return rank == NULL || strcmp(rank, "0") == 0;
}

/* 0 ok, 1 help shown, 2 usage error. */
static int parse(int argc, char **argv, run_opts *o)
{
    char why[256] = "";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const run_option *opt = NULL;
        for (size_t k = 0; k < N_OPTIONS; k++) {
            opt = strcmp(options[k].name, a) == 0 ? &options[k] : opt;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            if (speaks()) {
                usage(stdout);
            }
            return 1;
        } else if (opt != NULL && opt->metavar != NULL && i + 1 >= argc) {
            snprintf(why, sizeof why, "%s needs a value (%s)", a, opt->metavar);
        } else if (opt != NULL) {
            if (opt->parse(opt->metavar ? argv[i + 1] : NULL, o, why, sizeof why) == 0) {
                i += opt->metavar ? 1 : 0;
                continue;
            }
        } else if (a[0] != '-' && o->task == NULL) {
            o->task = a;
            continue;
        } else {
            snprintf(why, sizeof why, a[0] == '-' ? "unknown option '%s'" : "a second task name '%s'", a);
        }
        if (speaks()) {
            fprintf(stderr, "run: %s (see --help)\n", why);
        }
        return 2;
    }
    if (o->task == NULL && !o->list_tasks) {
        if (speaks()) {
            fprintf(stderr, "run: which task? e.g. `./paralab run square --items 1..10` (--list-tasks lists them)\n");
        }
        return 2;
    }
    return 0;
}

static int default_items(run_opts *o)
{
    char why[64];
    return opt_items("1..10", o, why, sizeof why);
}

/* ---------------------------------------------------------------- the map */

static void list_tasks(void)
{
    printf("tasks this program knows (built-in, then those in apps/tasks/):\n");
    for (size_t i = 0; i < pl_task_count(); i++) {
        printf("  %s\n", pl_task_name_at(i));
    }
}

static int run_body(void *ctx)
{
    run_opts *o = ctx;
    if (register_errors[0] != '\0') {
        fputs(register_errors, stderr);
    }
    if (o->list_tasks) {
        list_tasks();
        return 0;
    }
    if (o->map.max_workers == 0) {
        o->map.max_workers = pl_workers() > 0 ? pl_workers() : 1;
    }
    pl_result **results = calloc(o->n > 0 ? o->n : 1, sizeof *results);
    if (results == NULL) {
        fprintf(stderr, "run: out of memory\n");
        return 1;
    }
    int64_t t0 = pl_now_ns();
    int rc = pl_map(o->task, o->items, o->n, &o->map, results);
    int64_t t1 = pl_now_ns();
    if (rc == PL_OK) {
        run_show(o, results, t0, t1);
    } else {
        fprintf(stderr, "run: pl_map refused the call: %s\n", pl_strerror(rc));
        if (rc == PL_ENOTASK) {
            fprintf(stderr, "  no task named '%s' (./paralab run --list-tasks)\n", o->task);
        } else if (rc == PL_ENOTIMPL) {
            fprintf(stderr, "  the %s backend's pl_map is still a lab skeleton: implement it in labs/01-map/\n",
                    pl_backend()->name);
        }
    }
    for (size_t i = 0; i < o->n; i++) {
        pl_result_free(results[i]);
    }
    free(results);
    return rc == PL_OK ? 0 : 1;
}

static void free_items(run_opts *o)
{
    for (size_t i = 0; i < o->n; i++) {
        pl_value_free(o->items[i]);
    }
    free(o->items);
}

int main(int argc, char **argv)
{
    run_opts o = {.task = NULL, .items = NULL, .n = 0,
                  .map = {.max_workers = 0, .timeout_ms = PL_NO_TIMEOUT}, .width = 60, .list_tasks = 0};
    int rc = parse(argc, argv, &o);
    if (rc == 0 && o.items == NULL && default_items(&o) != 0) {
        rc = 2;
    }
    if (rc != 0) {
        free_items(&o);
        return rc == 1 ? 0 : 2; /* 1: --help was shown */
    }
    /* Before any thread exists: libcurl's global init is not thread-safe everywhere (fetch). */
    pl_fetch_global_init();
    rc = pl_run(NULL, run_body, &o);
    if (rc < 0) {
        fprintf(stderr, "run: pl_run: %s\n", pl_strerror(rc));
        rc = 1;
    }
    free_items(&o);
    return rc;
}
