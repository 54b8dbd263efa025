/*
 * suite_fetch_task.c - the built-in "fetch" task, run in this thread with
 * pl_task_run: what a backend gets when it runs one item of the lesson's
 * URL map. A download error is the item's problem, not the call's: the task
 * ends FAILED with the reason in the result's error text.
 */
#include <stdio.h>
#include <string.h>

#include "fetch_util.h"
#include "harness.h"
#include "paralab.h"
#include "testkit.h"

/* Runs fetch with a string argument (NULL: a NONE argument); the caller frees the result. */
static pl_result *run_fetch_str(const char *arg)
{
    pl_value *v = arg != NULL ? pl_value_new_str(arg) : pl_value_new();
    pl_result *r = pl_result_new();
    CU_ASSERT_FATAL(v != NULL && r != NULL);
    PL_EXPECT_RC(pl_task_run("fetch", v, r), PL_OK);
    pl_value_free(v);
    return r;
}

/* "URL DIR/NAME [TIMEOUT]" into a static buffer. */
static const char *fetch_arg(const char *path_on_server, const char *dir, const char *name, int timeout_ms)
{
    static char arg[2048];
    char file[1024];
    fu_join(file, sizeof file, dir, name);
    if (timeout_ms > 0) {
        snprintf(arg, sizeof arg, "%s %s %d", fu_url(1, path_on_server), file, timeout_ms);
    } else {
        snprintf(arg, sizeof arg, "%s %s", fu_url(1, path_on_server), file);
    }
    return arg;
}

static void expect_failed(pl_result *r, const char *text)
{
    PL_EXPECT_STATUS(r, PL_TASK_FAILED);
    CU_ASSERT(fu_contains(pl_result_error(r), text));
    CU_ASSERT(pl_value_type_of(pl_result_value(r)) == PL_VAL_NONE);
    CU_ASSERT(pl_result_start_ns(r) > 0 && pl_result_end_ns(r) >= pl_result_start_ns(r));
}

/* Runs fetch on `arg`, which names a file in dir: it must fail with `text` and leave dir empty. */
static void expect_failed_no_file(const char *arg, const char *text, const char *dir)
{
    pl_result *r = run_fetch_str(arg);
    expect_failed(r, text);
    PL_EXPECT_EQ(pl_test_count_entries(dir), 0);
    pl_result_free(r);
}

/* The same for a file "x" from the fixture's path_on_server, in a fresh directory dir_name. */
static void expect_fetch_fails(const char *dir_name, const char *path_on_server, int timeout_ms, const char *text)
{
    const char *dir = fu_fresh_dir(1, dir_name);
    expect_failed_no_file(fetch_arg(path_on_server, dir, "x", timeout_ms), text, dir);
}

static void test_ok_returns_byte_count(void)
{
    char path[1024];
    const char *dir = fu_fresh_dir(1, "task_ok");
    pl_result *r = run_fetch_str(fetch_arg("/bytes/4321", dir, "page.html", 0));
    PL_EXPECT_STATUS(r, PL_TASK_OK);
    PL_EXPECT_EQ(pl_test_int_of(r), 4321);
    CU_ASSERT(pl_httpd_file_matches(fu_join(path, sizeof path, dir, "page.html"), 4321));
    PL_EXPECT_EQ(pl_test_count_entries(dir), 1);
    pl_result_free(r);
}

static void test_404_failed_with_code(void)
{
    expect_fetch_fails("task_404", "/status/404", 0, "HTTP 404");
}

static void test_500_failed_with_code(void)
{
    expect_fetch_fails("task_500", "/status/500", 0, "HTTP 500");
}

static void test_timeout_in_arg(void)
{
    const char *dir = fu_fresh_dir(1, "task_timeout");
    int64_t t0 = pl_now_ns();
    pl_result *r = run_fetch_str(fetch_arg("/slow/10000/10", dir, "x", 300));
    /* The task's own timeout is a download error (FAILED); TIMEOUT is for a call's deadline. */
    expect_failed(r, "timed out after 300 ms");
    PL_EXPECT_BETWEEN(pl_test_ms_since(t0), 250, 3000);
    PL_EXPECT_EQ(pl_test_count_entries(dir), 0);
    pl_result_free(r);
}

static void test_partial_body_leaves_nothing(void)
{
    expect_fetch_fails("task_partial", "/drip/100/100", 300, "timed out");
}

static void test_dns_failure(void)
{
    char arg[1100], path[1024];
    const char *dir = fu_fresh_dir(1, "task_dns");
    snprintf(arg, sizeof arg, "http://nosuch.invalid/ %s 4000", fu_join(path, sizeof path, dir, "x"));
    expect_failed_no_file(arg, "cannot resolve host 'nosuch.invalid'", dir);
}

static void test_refused(void)
{
    char arg[1100], path[1024];
    const char *dir = fu_fresh_dir(1, "task_refused");
    snprintf(arg, sizeof arg, "%s/x %s", pl_httpd_refused_url(fu_server), fu_join(path, sizeof path, dir, "x"));
    expect_failed_no_file(arg, "Connection refused", dir);
}

static void test_unwritable(void)
{
    pl_result *r = run_fetch_str(fetch_arg("/bytes/10", "/nonexistent-paralab-dir", "x", 0));
    expect_failed(r, "cannot write '/nonexistent-paralab-dir/x'");
    pl_result_free(r);
}

static void test_bad_args(void)
{
    static const char *const bad[] = {"", "only-a-url", "http://h/x out zero", "http://h/x out -1",
                                      "http://h/x out 5 more"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pl_result *r = run_fetch_str(bad[i]);
        expect_failed(r, "fetch:");
        pl_result_free(r);
    }
    /* Not a string at all. */
    pl_result *r = run_fetch_str(NULL);
    expect_failed(r, "fetch:");
    pl_result_free(r);
    pl_value *v = pl_value_new_int(42);
    r = pl_result_new();
    PL_EXPECT_RC(pl_task_run("fetch", v, r), PL_OK);
    expect_failed(r, "fetch:");
    pl_result_free(r);
    pl_value_free(v);
}

static void test_one_file_per_url(void)
{
    /* The same URL saved twice under two names, and two URLs: three files, each whole. */
    char path[1024];
    const char *dir = fu_fresh_dir(1, "task_files");
    static const struct {
        const char *url_path, *name;
        size_t size;
    } jobs[] = {{"/bytes/300", "a", 300}, {"/bytes/300", "b", 300}, {"/bytes/9000", "c", 9000}};
    for (size_t i = 0; i < 3; i++) {
        pl_result *r = run_fetch_str(fetch_arg(jobs[i].url_path, dir, jobs[i].name, 0));
        PL_EXPECT_STATUS(r, PL_TASK_OK);
        pl_result_free(r);
    }
    for (size_t i = 0; i < 3; i++) {
        CU_ASSERT(pl_httpd_file_matches(fu_join(path, sizeof path, dir, jobs[i].name), jobs[i].size));
    }
    PL_EXPECT_EQ(pl_test_count_entries(dir), 3);
}

static const pl_test_case fetch_task_cases[] = {
    {"ok_returns_byte_count", test_ok_returns_byte_count},
    {"404_failed_with_code", test_404_failed_with_code},
    {"500_failed_with_code", test_500_failed_with_code},
    {"timeout_in_arg", test_timeout_in_arg},
    {"partial_body_leaves_nothing", test_partial_body_leaves_nothing},
    {"dns_failure", test_dns_failure},
    {"refused", test_refused},
    {"unwritable", test_unwritable},
    {"bad_args", test_bad_args},
    {"one_file_per_url", test_one_file_per_url},
    {NULL, NULL},
};

const pl_test_suite fetch_task_suite = {"fetch_task", fu_suite_init, fu_suite_cleanup, fetch_task_cases};
