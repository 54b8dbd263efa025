/*
 * suite_fixture.c - the loopback HTTP fixture itself: other suites trust it,
 * so it must start and stop cleanly (no leaked descriptor, no child left),
 * and stop must cut a slow response short instead of waiting for it.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "fetch_util.h"
#include "harness.h"
#include "paralab.h"
#include "pl_fetch.h"
#include "testkit.h"

static void test_start_stop_leaves_nothing(void)
{
    int fds = pl_test_count_open_fds();
    int kids = pl_test_count_live_children();
    for (int round = 0; round < 2; round++) {
        pl_httpd *s = NULL;
        PL_EXPECT_RC(pl_httpd_start(&s), PL_OK);
        CU_ASSERT_FATAL(s != NULL);
        CU_ASSERT(pl_httpd_port(s) > 0);
        CU_ASSERT(strncmp(pl_httpd_base_url(s), "http://127.0.0.1:", 17) == 0);
        CU_ASSERT(strcmp(pl_httpd_base_url(s), pl_httpd_refused_url(s)) != 0);
        PL_EXPECT_EQ(pl_test_count_live_children(), kids + 1); /* the server, documented */
        pl_httpd_stop(&s);
        CU_ASSERT(s == NULL);
    }
    PL_EXPECT_EQ(pl_test_count_open_fds(), fds);
    PL_EXPECT_EQ(pl_test_count_live_children(), kids);
    PL_EXPECT_EQ(pl_test_count_zombie_children(), 0);
}

static void test_null_handling(void)
{
    PL_EXPECT_RC(pl_httpd_start(NULL), PL_EINVAL);
    pl_httpd *none = NULL;
    pl_httpd_stop(NULL);
    pl_httpd_stop(&none);
    CU_ASSERT_STRING_EQUAL(pl_httpd_base_url(NULL), "");
    CU_ASSERT_STRING_EQUAL(pl_httpd_refused_url(NULL), "");
    PL_EXPECT_EQ(pl_httpd_port(NULL), 0);
    char buf[8];
    PL_EXPECT_RC(pl_httpd_url(NULL, "/x", buf, sizeof buf), PL_EINVAL);
    CU_ASSERT(!pl_httpd_file_matches(NULL, 0));
    CU_ASSERT(!pl_httpd_file_matches("/nonexistent-paralab-file", 0));
}

typedef struct slow_job {
    char url[256];
    char path[1024];
    int rc;
    char err[256];
} slow_job;

static void *slow_main(void *arg)
{
    slow_job *j = arg;
    pl_fetch_opts o = {0, 20000};
    j->rc = pl_fetch(j->url, j->path, &o, NULL, j->err, sizeof j->err);
    return NULL;
}

static void test_stop_interrupts_slow_response(void)
{
    pl_httpd *s = NULL;
    PL_EXPECT_RC(pl_httpd_start(&s), PL_OK);
    CU_ASSERT_FATAL(s != NULL);
    const char *dir = fu_fresh_dir(2, "fixture_stop");
    slow_job job;
    pl_httpd_url(s, "/slow/30000/10", job.url, sizeof job.url);
    fu_join(job.path, sizeof job.path, dir, "x");
    pthread_t tid;
    int started = pthread_create(&tid, NULL, slow_main, &job) == 0;
    CU_ASSERT(started);
    pl_sleep_ms(300); /* let the request reach its handler */
    int64_t t0 = pl_now_ns();
    pl_httpd_stop(&s);
    PL_EXPECT_BETWEEN(pl_test_ms_since(t0), 0, 3000);
    if (started) {
        pthread_join(tid, NULL);
        PL_EXPECT_BETWEEN(pl_test_ms_since(t0), 0, 3000);
        PL_EXPECT_RC(job.rc, PL_ESYS);
        CU_ASSERT(job.err[0] != '\0');
        PL_EXPECT_EQ(pl_test_count_entries(dir), 0);
    }
}

static void test_endpoints(void)
{
    char path[1024];
    const char *dir = fu_fresh_dir(2, "fixture_endpoints");
    fu_join(path, sizeof path, dir, "x");
    int64_t bytes = -1;
    PL_EXPECT_RC(pl_fetch(fu_url(2, "/slow/100/3"), path, NULL, &bytes, NULL, 0), PL_OK);
    PL_EXPECT_EQ(bytes, 3);
    CU_ASSERT(pl_httpd_file_matches(path, 3));
    CU_ASSERT(!pl_httpd_file_matches(path, 2));
    CU_ASSERT(!pl_httpd_file_matches(path, 4));
    static const char *const not_found[] = {"/", "/bytes/", "/bytes/x", "/bytes/-1", "/bytes/1/2",
                                            "/slow/1", "/status/99", "/status/600", "/drip/1"};
    for (size_t i = 0; i < sizeof not_found / sizeof not_found[0]; i++) {
        char err[256];
        PL_EXPECT_RC(pl_fetch(fu_url(2, not_found[i]), path, NULL, NULL, err, sizeof err), PL_ESYS);
        CU_ASSERT(fu_contains(err, "HTTP 404"));
    }
    char err[256];
    PL_EXPECT_RC(pl_fetch(fu_url(2, "/status/418"), path, NULL, NULL, err, sizeof err), PL_ESYS);
    CU_ASSERT(fu_contains(err, "HTTP 418"));
    PL_EXPECT_RC(pl_fetch(fu_url(2, "/status/201"), path, NULL, &bytes, NULL, 0), PL_OK);
    PL_EXPECT_EQ(bytes, strlen("status 201\n"));
}

static const pl_test_case fixture_cases[] = {
    {"start_stop_leaves_nothing", test_start_stop_leaves_nothing},
    {"null_handling", test_null_handling},
    {"stop_interrupts_slow_response", test_stop_interrupts_slow_response},
    {"endpoints", test_endpoints},
    {NULL, NULL},
};

const pl_test_suite fixture_suite = {"httpd_fixture", fu_suite_init, fu_suite_cleanup, fixture_cases};
