/*
 * suite_fetch_map.c - the lesson's URL example on every backend:
 *
 *   download_and_save.map(urls, timeout=5, max_workers=4)
 *
 * as pl_map("fetch", ...) over URLs served by the loopback fixture. Built
 * as test_fetchmap_<model> for each backend. What it shows:
 *   - results come back in input order, whatever order downloads finish in;
 *   - a bad URL (404) or a slow one (its own timeout in the argument) fails
 *     only its own item: FAILED with the reason, the others are OK;
 *   - the call's deadline cuts off a download still running: TIMEOUT;
 *   - every good URL is saved whole in ITS OWN file (the lesson's version
 *     writes them all into one datos.txt opened with "w": each download
 *     wipes the others); a failed one leaves no file, not even half of one.
 * The fixture runs as a child process of the test (rank 0 under MPI); the
 * workers (threads, forked children or ranks on the same host) reach it on
 * 127.0.0.1, and write into rank 0's scratch directory, which they share
 * because they run on the same machine.
 */
#include <stdio.h>
#include <string.h>

#include "fetch_util.h"
#include "harness.h"
#include "paralab.h"
#include "pl_fetch.h"
#include "testkit.h"

typedef struct url_item {
    const char *server_path; /* on the fixture */
    int timeout_ms;          /* the task's own timeout, 0: fetch's default */
    pl_task_status status;   /* what the item must end with */
    long size;               /* OK: the byte count; otherwise ignored */
    const char *error;       /* not OK: text the error must contain */
} url_item;

#define MAX_ITEMS 16

typedef struct url_map {
    size_t n;
    char files[MAX_ITEMS][1024];
    pl_value *items[MAX_ITEMS];
    pl_result *results[MAX_ITEMS];
    int rc;
    int64_t elapsed_ms;
} url_map;

/* Builds "URL PATH [TIMEOUT]" items, one output file per item in dir, and maps fetch over them. */
static void run_url_map(url_map *m, const url_item *spec, size_t n, const char *dir, int max_workers,
                        int64_t call_timeout_ms)
{
    memset(m, 0, sizeof *m);
    m->n = n;
    for (size_t i = 0; i < n; i++) {
        char name[32], arg[2048];
        snprintf(name, sizeof name, "url%02zu.dat", i);
        fu_join(m->files[i], sizeof m->files[i], dir, name);
        int len = snprintf(arg, sizeof arg, "%s %s", fu_url(3, spec[i].server_path), m->files[i]);
        if (spec[i].timeout_ms > 0) {
            snprintf(arg + len, sizeof arg - (size_t)len, " %d", spec[i].timeout_ms);
        }
        m->items[i] = pl_value_new_str(arg);
        CU_ASSERT_FATAL(m->items[i] != NULL);
    }
    pl_map_opts opts = {.max_workers = max_workers, .timeout_ms = call_timeout_ms};
    int64_t t0 = pl_now_ns();
    m->rc = pl_map("fetch", m->items, n, &opts, m->results);
    m->elapsed_ms = pl_test_ms_since(t0);
}

static void url_map_free(url_map *m)
{
    for (size_t i = 0; i < m->n; i++) {
        pl_value_free(m->items[i]);
        pl_result_free(m->results[i]);
    }
    m->n = 0;
}

/* Every item: its status, its value or error, its file (whole, or absent). */
static void check_items(const url_map *m, const url_item *spec, const char *dir)
{
    int ok = 0;
    PL_EXPECT_EQ(pl_test_count_not_final(m->results, m->n), 0);
    for (size_t i = 0; i < m->n; i++) {
        const pl_result *r = m->results[i];
        PL_EXPECT_STATUS(r, spec[i].status);
        if (spec[i].status == PL_TASK_OK) {
            ok++;
            PL_EXPECT_EQ(pl_test_int_of(r), spec[i].size);
            if (!pl_httpd_file_matches(m->files[i], (size_t)spec[i].size)) {
                fprintf(stderr, "\n  item %zu: %s does not hold the %ld expected bytes\n", i, m->files[i],
                        spec[i].size);
                CU_FAIL("an OK item's file is not whole");
            }
        } else {
            if (spec[i].error != NULL) {
                CU_ASSERT(fu_contains(pl_result_error(r), spec[i].error));
            }
            CU_ASSERT(!fu_exists(m->files[i]));
        }
    }
    /* Only the good downloads' files: no temporary file, no stray output. */
    PL_EXPECT_EQ(pl_test_count_entries(dir), ok);
    if (pl_test_count_status(m->results, m->n, PL_TASK_OK) != (size_t)ok) {
        pl_test_dump_results("fetch map", m->results, m->n);
    }
}

/* The map of spec in a fresh directory dir_name: the call is accepted, then every item is checked. */
static void map_and_check(url_map *m, const url_item *spec, size_t n, const char *dir_name, int max_workers,
                          int64_t call_timeout_ms)
{
    const char *dir = fu_fresh_dir(3, dir_name);
    run_url_map(m, spec, n, dir, max_workers, call_timeout_ms);
    PL_EXPECT_RC(m->rc, PL_OK);
    check_items(m, spec, dir);
}

static void test_urls_in_order_one_file_each(void)
{
    /* Sizes all differ, so an item's result in another item's slot is caught. */
    static const url_item spec[] = {
        {"/bytes/1000", 0, PL_TASK_OK, 1000, NULL},
        {"/drip/20/10", 0, PL_TASK_OK, 20, NULL}, /* finishes after later items */
        {"/slow/10000/10", 500, PL_TASK_FAILED, 0, "timed out after 500 ms"},
        {"/bytes/1", 0, PL_TASK_OK, 1, NULL},
        {"/status/404", 0, PL_TASK_FAILED, 0, "HTTP 404"},
        {"/bytes/65536", 0, PL_TASK_OK, 65536, NULL},
        {"/slow/50/3000", 0, PL_TASK_OK, 3000, NULL},
        {"/bytes/0", 0, PL_TASK_OK, 0, NULL},
    };
    url_map m;
    /* A generous call deadline only guards against a hang; no item should need it. */
    map_and_check(&m, spec, sizeof spec / sizeof spec[0], "map_urls", 4, 30000);
    url_map_free(&m);
}

static void test_one_worker_same_answers(void)
{
    static const url_item spec[] = {
        {"/bytes/123", 0, PL_TASK_OK, 123, NULL},
        {"/status/500", 0, PL_TASK_FAILED, 0, "HTTP 500"},
        {"/bytes/4567", 0, PL_TASK_OK, 4567, NULL},
    };
    url_map m;
    map_and_check(&m, spec, sizeof spec / sizeof spec[0], "map_one_worker", 1, 30000);
    url_map_free(&m);
}

static void test_bad_url_args_fail_alone(void)
{
    /* An argument fetch cannot parse fails its item, not the call. */
    const char *dir = fu_fresh_dir(3, "map_bad_args");
    char good[1100], path[1024];
    snprintf(good, sizeof good, "%s %s", fu_url(3, "/bytes/10"), fu_join(path, sizeof path, dir, "good"));
    pl_value *items[3] = {pl_value_new_str("just-a-url"), pl_value_new_str(good), pl_value_new_int(7)};
    pl_result *results[3] = {NULL, NULL, NULL};
    pl_map_opts opts = {.max_workers = 2, .timeout_ms = 30000};
    PL_EXPECT_RC(pl_map("fetch", items, 3, &opts, results), PL_OK);
    PL_EXPECT_STATUS(results[0], PL_TASK_FAILED);
    CU_ASSERT(fu_contains(pl_result_error(results[0]), "fetch:"));
    PL_EXPECT_STATUS(results[1], PL_TASK_OK);
    PL_EXPECT_EQ(pl_test_int_of(results[1]), 10);
    CU_ASSERT(pl_httpd_file_matches(path, 10));
    PL_EXPECT_STATUS(results[2], PL_TASK_FAILED);
    PL_EXPECT_EQ(pl_test_count_entries(dir), 1);
    for (int i = 0; i < 3; i++) {
        pl_value_free(items[i]);
        pl_result_free(results[i]);
    }
}

static void test_call_deadline_cuts_slow_url(void)
{
    /*
     * The lesson's timeout=5, scaled down: the whole call may take 2.5 s.
     * The slow URL's own timeout (15 s) is far beyond that, so only the
     * call's deadline can stop it: TIMEOUT, and no file. It comes last so
     * that even the serial backend gets the quick ones done first.
     */
    static const url_item spec[] = {
        {"/bytes/2000", 0, PL_TASK_OK, 2000, NULL},
        {"/bytes/3000", 0, PL_TASK_OK, 3000, NULL},
        {"/slow/30000/10", 15000, PL_TASK_TIMEOUT, 0, NULL},
    };
    url_map m;
    map_and_check(&m, spec, sizeof spec / sizeof spec[0], "map_deadline", 4, 2500);
    /* Not before the deadline, and far before the slow URL's own 15 s (a thread
     * backend stops it cooperatively: curl checks about once a second). */
    PL_EXPECT_BETWEEN(m.elapsed_ms, 2500 - 30, 6500);
    url_map_free(&m);
}

static const pl_test_case fetch_map_cases[] = {
    {"urls_in_order_one_file_each", test_urls_in_order_one_file_each},
    {"one_worker_same_answers", test_one_worker_same_answers},
    {"bad_url_args_fail_alone", test_bad_url_args_fail_alone},
    {"call_deadline_cuts_slow_url", test_call_deadline_cuts_slow_url},
    {NULL, NULL},
};

/*
 * curl wants its global init before threads or forked workers use it;
 * done here once, every worker (thread, forked child) inherits it. MPI
 * ranks each initialise lazily on their first fetch.
 */
static int fetch_map_init(void)
{
    return pl_fetch_global_init() != PL_OK || fu_suite_init() != 0;
}

static const pl_test_suite fetch_map_suite = {"fetch_map", fetch_map_init, fu_suite_cleanup, fetch_map_cases};

const pl_test_suite *const pl_suites[] = {&fetch_map_suite, NULL};
