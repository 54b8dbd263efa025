/*
 * suite_fetch_api.c - pl_fetch and pl_fetch_parse_arg against the loopback
 * fixture: right bytes in the right file, and for every way a download can
 * fail, a clear line of text and no file (not even a partial one).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "fetch_util.h"
#include "harness.h"
#include "paralab.h"
#include "pl_fetch.h"
#include "testkit.h"

/* Generous: timeouts under test are 300-400 ms, the machine is shared. */
#define LATE_MS 3000

typedef struct fetch_call {
    int rc;
    int64_t bytes;
    int64_t elapsed_ms;
    char err[256];
} fetch_call;

static fetch_call do_fetch(const char *url, const char *path, int64_t connect_ms, int64_t total_ms)
{
    fetch_call c = {0, -1, 0, ""};
    pl_fetch_opts o = {connect_ms, total_ms};
    int64_t t0 = pl_now_ns();
    c.rc = pl_fetch(url, path, &o, &c.bytes, c.err, sizeof c.err);
    c.elapsed_ms = pl_test_ms_since(t0);
    return c;
}

/* The common ending of every failure: PL_ESYS, the text, no file, no temp file. */
static void expect_failure(const fetch_call *c, const char *text, const char *dir, const char *path)
{
    PL_EXPECT_RC(c->rc, PL_ESYS);
    CU_ASSERT(fu_contains(c->err, text));
    PL_EXPECT_EQ(c->bytes, -1); /* untouched on failure */
    CU_ASSERT(!fu_exists(path));
    PL_EXPECT_EQ(pl_test_count_entries(dir), 0);
}

/*
 * The common ending of every success: PL_OK, the count, no error text, the
 * right bytes in the file and nothing else in its directory (no temp file).
 */
static void expect_whole_file(const char *url_path, const char *dir_name, int64_t total_ms, int64_t n)
{
    char path[1024];
    const char *dir = fu_fresh_dir(0, dir_name);
    fetch_call c = do_fetch(fu_url(0, url_path), fu_join(path, sizeof path, dir, "file"), 0, total_ms);
    PL_EXPECT_RC(c.rc, PL_OK);
    PL_EXPECT_EQ(c.bytes, n);
    CU_ASSERT_STRING_EQUAL(c.err, "");
    CU_ASSERT(pl_httpd_file_matches(path, (size_t)n));
    PL_EXPECT_EQ(pl_test_count_entries(dir), 1);
}

/*
 * A download from the fixture that must fail with `text` (see
 * expect_failure): the failing twin of expect_whole_file. The call comes
 * back for the tests that also check how long it took.
 */
static fetch_call expect_fetch_fails(const char *url_path, const char *dir_name, int64_t total_ms, const char *text)
{
    char path[1024];
    const char *dir = fu_fresh_dir(0, dir_name);
    fetch_call c = do_fetch(fu_url(0, url_path), fu_join(path, sizeof path, dir, "x"), 0, total_ms);
    expect_failure(&c, text, dir, path);
    return c;
}

static void test_content_and_count(void)
{
    expect_whole_file("/bytes/100000", "api_content", 0, 100000);
}

static void test_empty_body(void)
{
    expect_whole_file("/bytes/0", "api_empty", 0, 0);
}

static void test_slow_body_arrives_whole(void)
{
    expect_whole_file("/drip/8/20", "api_drip", 4000, 8);
}

static void test_http_404(void)
{
    char path[1024];
    const char *dir = fu_fresh_dir(0, "api_404");
    const char *url = fu_url(0, "/status/404");
    fetch_call c = do_fetch(url, fu_join(path, sizeof path, dir, "x"), 0, 0);
    char want[600];
    snprintf(want, sizeof want, "HTTP 404 from %s", url);
    expect_failure(&c, want, dir, path);
}

static void test_http_500(void)
{
    expect_fetch_fails("/status/500", "api_500", 0, "HTTP 500");
}

static void test_unknown_path_is_404(void)
{
    expect_fetch_fails("/no/such/thing", "api_unknown", 0, "HTTP 404");
}

static void test_timeout_before_first_byte(void)
{
    fetch_call c = expect_fetch_fails("/slow/10000/10", "api_slow", 300, "timed out after 300 ms");
    PL_EXPECT_BETWEEN(c.elapsed_ms, 250, LATE_MS);
}

static void test_timeout_mid_body_leaves_no_partial_file(void)
{
    /* Headers and the first bytes arrive at once, the rest never in time. */
    fetch_call c = expect_fetch_fails("/drip/100/100", "api_partial", 400, "timed out after 400 ms");
    PL_EXPECT_BETWEEN(c.elapsed_ms, 350, LATE_MS);
}

static void test_dns_failure(void)
{
    char path[1024];
    const char *dir = fu_fresh_dir(0, "api_dns");
    /* .invalid is reserved (RFC 6761): it never resolves, with or without network. */
    fetch_call c = do_fetch("http://nosuch.invalid/file", fu_join(path, sizeof path, dir, "x"), 3000, 4000);
    expect_failure(&c, "cannot resolve host 'nosuch.invalid'", dir, path);
}

static void test_connection_refused(void)
{
    char path[1024], want[128];
    const char *dir = fu_fresh_dir(0, "api_refused");
    fetch_call c = do_fetch(pl_httpd_refused_url(fu_server), fu_join(path, sizeof path, dir, "x"), 0, 0);
    snprintf(want, sizeof want, "cannot connect to %s", pl_httpd_refused_url(fu_server) + strlen("http://"));
    char *colon = strrchr(want, ':');
    if (colon != NULL) {
        /* "127.0.0.1:PORT" is reported as "127.0.0.1 port PORT" */
        char port[16];
        snprintf(port, sizeof port, "%s", colon + 1);
        snprintf(colon, sizeof want - (size_t)(colon - want), " port %s", port);
    }
    expect_failure(&c, want, dir, path);
    CU_ASSERT(fu_contains(c.err, "refused"));
}

static void test_unwritable_paths(void)
{
    char path[1024], file[1024];
    const char *dir = fu_fresh_dir(0, "api_unwritable");
    fetch_call c = do_fetch(fu_url(0, "/bytes/10"), "/nonexistent-paralab-dir/x", 0, 0);
    PL_EXPECT_RC(c.rc, PL_ESYS);
    CU_ASSERT(fu_contains(c.err, "cannot write '/nonexistent-paralab-dir/x'"));
    /* A parent that is a file, not a directory (root can write anywhere, so no chmod test). */
    fu_write_text(fu_join(file, sizeof file, dir, "plain"), "x");
    c = do_fetch(fu_url(0, "/bytes/10"), fu_join(path, sizeof path, file, "child"), 0, 0);
    PL_EXPECT_RC(c.rc, PL_ESYS);
    CU_ASSERT(fu_contains(c.err, "cannot write"));
    PL_EXPECT_EQ(pl_test_count_entries(dir), 1);
}

static void test_failure_keeps_existing_file(void)
{
    char path[1024];
    const char *dir = fu_fresh_dir(0, "api_keep");
    fu_join(path, sizeof path, dir, "data");
    CU_ASSERT_FATAL(fu_write_text(path, "earlier good download\n") == 0);
    fetch_call c = do_fetch(fu_url(0, "/status/500"), path, 0, 0);
    PL_EXPECT_RC(c.rc, PL_ESYS);
    CU_ASSERT(fu_file_is(path, "earlier good download\n"));
    c = do_fetch(fu_url(0, "/drip/50/100"), path, 0, 300);
    PL_EXPECT_RC(c.rc, PL_ESYS);
    CU_ASSERT(fu_file_is(path, "earlier good download\n"));
    /* Success replaces it whole. */
    c = do_fetch(fu_url(0, "/bytes/77"), path, 0, 0);
    PL_EXPECT_RC(c.rc, PL_OK);
    CU_ASSERT(pl_httpd_file_matches(path, 77));
    PL_EXPECT_EQ(pl_test_count_entries(dir), 1);
}

static void test_only_http(void)
{
    char path[1024];
    const char *dir = fu_fresh_dir(0, "api_scheme");
    fetch_call c = do_fetch("file:///etc/hostname", fu_join(path, sizeof path, dir, "x"), 0, 0);
    PL_EXPECT_RC(c.rc, PL_ESYS);
    CU_ASSERT(c.err[0] != '\0');
    PL_EXPECT_EQ(pl_test_count_entries(dir), 0);
    c = do_fetch("not a url at all", fu_join(path, sizeof path, dir, "y"), 0, 0);
    PL_EXPECT_RC(c.rc, PL_ESYS);
    CU_ASSERT(c.err[0] != '\0');
    PL_EXPECT_EQ(pl_test_count_entries(dir), 0);
}

static void test_bad_arguments(void)
{
    char err[128];
    int64_t bytes = -1;
    const char *url = fu_url(0, "/bytes/1");
    PL_EXPECT_RC(pl_fetch(NULL, "/tmp/x", NULL, &bytes, err, sizeof err), PL_EINVAL);
    CU_ASSERT(err[0] != '\0');
    PL_EXPECT_RC(pl_fetch(url, NULL, NULL, &bytes, err, sizeof err), PL_EINVAL);
    PL_EXPECT_RC(pl_fetch("", "/tmp/x", NULL, &bytes, err, sizeof err), PL_EINVAL);
    PL_EXPECT_RC(pl_fetch(url, "", NULL, &bytes, err, sizeof err), PL_EINVAL);
    PL_EXPECT_RC(pl_fetch(NULL, NULL, NULL, NULL, NULL, 0), PL_EINVAL);
    PL_EXPECT_EQ(bytes, -1);
    PL_EXPECT_RC(pl_fetch_global_init(), PL_OK);
    PL_EXPECT_RC(pl_fetch_global_init(), PL_OK); /* idempotent */
}

static void test_null_opts_bytes_and_err(void)
{
    char path[1024];
    const char *dir = fu_fresh_dir(0, "api_nulls");
    /* Defaults, no byte count wanted, no room for an error: all fine. */
    PL_EXPECT_RC(pl_fetch(fu_url(0, "/bytes/5"), fu_join(path, sizeof path, dir, "x"), NULL, NULL, NULL, 0),
                 PL_OK);
    CU_ASSERT(pl_httpd_file_matches(path, 5));
    PL_EXPECT_RC(pl_fetch(fu_url(0, "/status/404"), path, NULL, NULL, NULL, 0), PL_ESYS);
    char tiny[8];
    PL_EXPECT_RC(pl_fetch(fu_url(0, "/status/404"), path, NULL, NULL, tiny, sizeof tiny), PL_ESYS);
    PL_EXPECT_EQ(strlen(tiny), sizeof tiny - 1); /* truncated, still terminated */
}

static void test_cancel_token_stops_transfer(void)
{
    char path[1024];
    const char *dir = fu_fresh_dir(0, "api_cancel");
    pl_cancel *tok = pl_cancel_new();
    CU_ASSERT_FATAL(tok != NULL);
    pl_cancel_set_deadline(tok, pl_deadline_after_ms(300));
    pl_cancel *prev = pl_cancel_swap_current(tok);
    fetch_call c = do_fetch(fu_url(0, "/slow/10000/10"), fu_join(path, sizeof path, dir, "x"), 0, 8000);
    pl_cancel_swap_current(prev);
    pl_cancel_free(tok);
    expect_failure(&c, "cancelled", dir, path);
    /* curl asks its progress callback at least once a second. */
    PL_EXPECT_BETWEEN(c.elapsed_ms, 250, LATE_MS);
}

/* ---------------------------------------------------------------- threads */

#define N_THREADS 4

typedef struct thread_job {
    char url[512];
    char path[1024];
    size_t size;
    fetch_call call;
} thread_job;

static void *thread_main(void *arg)
{
    thread_job *j = arg;
    j->call = do_fetch(j->url, j->path, 0, 8000);
    return NULL;
}

static void test_threads_one_file_per_url(void)
{
    /* The lesson's bug was N downloads into one file; here N threads, N files. */
    const char *dir = fu_fresh_dir(0, "api_threads");
    thread_job jobs[N_THREADS];
    pthread_t tids[N_THREADS];
    int started[N_THREADS] = {0};
    for (int i = 0; i < N_THREADS; i++) {
        char p[64], name[16];
        jobs[i].size = (size_t)(1000 + 25000 * i);
        snprintf(p, sizeof p, "/bytes/%zu", jobs[i].size);
        snprintf(jobs[i].url, sizeof jobs[i].url, "%s", fu_url(0, p));
        snprintf(name, sizeof name, "u%d", i);
        fu_join(jobs[i].path, sizeof jobs[i].path, dir, name);
        started[i] = pthread_create(&tids[i], NULL, thread_main, &jobs[i]) == 0;
        CU_ASSERT(started[i]);
    }
    for (int i = 0; i < N_THREADS; i++) {
        if (started[i]) {
            pthread_join(tids[i], NULL);
            PL_EXPECT_RC(jobs[i].call.rc, PL_OK);
            PL_EXPECT_EQ(jobs[i].call.bytes, jobs[i].size);
            CU_ASSERT(pl_httpd_file_matches(jobs[i].path, jobs[i].size));
        }
    }
    PL_EXPECT_EQ(pl_test_count_entries(dir), N_THREADS);
}

/* ---------------------------------------------------------------- the argument */

static void test_parse_arg(void)
{
    char url[64], path[64], err[160];
    int64_t t = -7;
    PL_EXPECT_RC(pl_fetch_parse_arg("http://h/x out.txt", url, sizeof url, path, sizeof path, &t, err,
                                    sizeof err),
                 PL_OK);
    CU_ASSERT_STRING_EQUAL(url, "http://h/x");
    CU_ASSERT_STRING_EQUAL(path, "out.txt");
    PL_EXPECT_EQ(t, 0);
    PL_EXPECT_RC(pl_fetch_parse_arg("  http://h/y \t /tmp/o   250  ", url, sizeof url, path, sizeof path, &t,
                                    err, sizeof err),
                 PL_OK);
    CU_ASSERT_STRING_EQUAL(url, "http://h/y");
    CU_ASSERT_STRING_EQUAL(path, "/tmp/o");
    PL_EXPECT_EQ(t, 250);
}

static void test_parse_arg_rejects(void)
{
    static const char *const bad[] = {
        "",          "   ",          "http://h/x",           "http://h/x out 0",   "http://h/x out -5",
        "u p 12abc", "u p 10 extra", "u p 99999999999999999999", "u p 1.5",
    };
    char url[64], path[64], err[160];
    int64_t t;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        int rc = pl_fetch_parse_arg(bad[i], url, sizeof url, path, sizeof path, &t, err, sizeof err);
        if (rc != PL_EINVAL) {
            fprintf(stderr, "\n  \"%s\" was accepted\n", bad[i]);
        }
        PL_EXPECT_RC(rc, PL_EINVAL);
        CU_ASSERT(err[0] != '\0');
    }
    /* Too long for the caller's buffers: refused, not truncated into another URL. */
    PL_EXPECT_RC(pl_fetch_parse_arg("http://a-rather-long-host/x p", url, 8, path, sizeof path, &t, err,
                                    sizeof err),
                 PL_EINVAL);
    CU_ASSERT(fu_contains(err, "URL too long"));
    PL_EXPECT_RC(pl_fetch_parse_arg("u a-long-path-name", url, sizeof url, path, 4, &t, err, sizeof err),
                 PL_EINVAL);
    PL_EXPECT_RC(pl_fetch_parse_arg(NULL, url, sizeof url, path, sizeof path, &t, err, sizeof err), PL_EINVAL);
    PL_EXPECT_RC(pl_fetch_parse_arg("u p", NULL, 0, path, sizeof path, &t, err, sizeof err), PL_EINVAL);
    PL_EXPECT_RC(pl_fetch_parse_arg("u p", url, sizeof url, path, sizeof path, NULL, NULL, 0), PL_EINVAL);
}

static const pl_test_case fetch_api_cases[] = {
    {"content_and_count", test_content_and_count},
    {"empty_body", test_empty_body},
    {"slow_body_arrives_whole", test_slow_body_arrives_whole},
    {"http_404", test_http_404},
    {"http_500", test_http_500},
    {"unknown_path_is_404", test_unknown_path_is_404},
    {"timeout_before_first_byte", test_timeout_before_first_byte},
    {"timeout_mid_body_no_partial_file", test_timeout_mid_body_leaves_no_partial_file},
    {"dns_failure", test_dns_failure},
    {"connection_refused", test_connection_refused},
    {"unwritable_paths", test_unwritable_paths},
    {"failure_keeps_existing_file", test_failure_keeps_existing_file},
    {"only_http", test_only_http},
    {"bad_arguments", test_bad_arguments},
    {"null_opts_bytes_and_err", test_null_opts_bytes_and_err},
    {"cancel_token_stops_transfer", test_cancel_token_stops_transfer},
    {"threads_one_file_per_url", test_threads_one_file_per_url},
    {"parse_arg", test_parse_arg},
    {"parse_arg_rejects", test_parse_arg_rejects},
    {NULL, NULL},
};

const pl_test_suite fetch_api_suite = {"fetch_api", fu_suite_init, fu_suite_cleanup, fetch_api_cases};
