/*
 * demo_urls.c - the lesson's download example:
 *
 *     @parallel.decorate
 *     def download_and_save(url): ... open('datos.txt', 'w').write(...)
 *     download_and_save.map(urls, timeout=5, max_workers=4)
 *
 * The lesson writes every page into the same datos.txt with mode "w": each
 * worker truncates what the others wrote, and the file ends up holding
 * whichever page came last. Here every URL gets its own file (the fetch
 * task writes a temporary file and renames it into place).
 *
 * Given no URL, the demo starts the loopback server (tests/fixture/
 * pl_httpd.c) and downloads the lesson's cases from it: an HTML page, a
 * JSON page, a slow page and a missing one (lesson_pages.h). No network is
 * needed. Given URLs, it downloads those; without network each one fails
 * with a clear reason in its result, and the demo still succeeds, because
 * showing that one bad URL does not stop the others IS the example.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "demo.h"
#include "lesson_pages.h"
#include "paralab.h"
#include "pl_httpd.h"

/* Where the files go: $PARALAB_DOWNLOADS, else /tmp/paralab-downloads-UID
 * (one per user: on a shared lab machine the first user's directory is not
 * writable by the next one). */
static const char *out_dir(void)
{
    static char fallback[64];
    const char *dir = getenv("PARALAB_DOWNLOADS");
    if (dir != NULL && dir[0] != '\0') {
        return dir;
    }
    snprintf(fallback, sizeof fallback, "/tmp/paralab-downloads-%ju", (uintmax_t)getuid());
    return fallback;
}

static int ensure_dir(const char *dir)
{
    struct stat st;
    if (mkdir(dir, 0755) == 0) {
        return 0;
    }
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? 0 : -1;
}

/* The fetch task's argument: "URL PATH TIMEOUT_MS", one file per URL. */
static pl_value *fetch_arg(const char *url, size_t i)
{
    char arg[4096];
    int len = snprintf(arg, sizeof arg, "%s %s/page-%02zu.html 5000", url, out_dir(), i + 1);
    return len > 0 && (size_t)len < sizeof arg ? pl_value_new_str(arg) : NULL;
}

static void print_results(char *const urls[], pl_result *results[], size_t n)
{
    size_t ok = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t bytes = 0;
        if (pl_result_status(results[i]) == PL_TASK_OK &&
            pl_value_get_int(pl_result_value(results[i]), &bytes) == PL_OK) {
            printf("  %-40s OK, %" PRId64 " bytes -> %s/page-%02zu.html\n", urls[i], bytes, out_dir(), i + 1);
            ok++;
        } else {
            printf("  %-40s %s: %s\n", urls[i], pl_task_status_name(pl_result_status(results[i])),
                   pl_result_error(results[i]));
        }
    }
    if (ok == 0 && n > 1) {
        /* An offline lab machine: the failures are the expected output, say so. */
        printf("(every download failed: no network here? Each URL still got its own result.)\n");
    }
}

/* The lesson's pages on a fresh loopback server: urls[] points into buf. */
static int local_urls(pl_httpd **srv, char *urls[], char buf[][128])
{
    int rc = pl_httpd_start(srv);
    if (rc != PL_OK) {
        return demo_refused("starting the local web server", rc);
    }
    printf("(no URL given: downloading the lesson's pages from a local server, %s)\n", pl_httpd_base_url(*srv));
    for (size_t i = 0; i < N_LESSON_PAGES; i++) {
        pl_httpd_url(*srv, lesson_pages[i].path, buf[i], sizeof buf[i]);
        urls[i] = buf[i];
    }
    return 0;
}

static int check_urls(char *const urls[], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strchr(urls[i], ' ') != NULL) {
            fprintf(stderr, "'%s': a URL cannot contain a space (write %%20)\n", urls[i]);
            return 1;
        }
    }
    return 0;
}

/* download_and_save.map(urls, timeout=5, max_workers=4), one file per URL. */
static int fetch_all(char **urls, size_t n)
{
    pl_value **items = calloc(n, sizeof *items);
    pl_result **results = calloc(n, sizeof *results);
    int rc = items != NULL && results != NULL ? PL_OK : PL_ENOMEM;
    for (size_t i = 0; i < n && rc == PL_OK; i++) {
        items[i] = fetch_arg(urls[i], i);
        rc = items[i] != NULL ? PL_OK : PL_EINVAL;
    }
    pl_map_opts opts = {.max_workers = 4, .timeout_ms = 5000};
    if (rc == PL_OK) {
        rc = pl_map("fetch", items, n, &opts, results);
    }
    if (rc == PL_OK) {
        print_results(urls, results, n);
    }
    for (size_t i = 0; i < n && items != NULL && results != NULL; i++) {
        pl_value_free(items[i]);
        pl_result_free(results[i]);
    }
    free(items);
    free(results);
    return rc == PL_OK ? 0 : demo_refused("pl_map(fetch)", rc);
}

int demo_urls(const demo_args *a)
{
    if (ensure_dir(out_dir()) != 0) {
        fprintf(stderr, "cannot create the directory %s (set PARALAB_DOWNLOADS)\n", out_dir());
        return 1;
    }
    if (a->argc > 0) {
        return check_urls(a->argv, (size_t)a->argc) != 0 ? 1 : fetch_all(a->argv, (size_t)a->argc);
    }
    pl_httpd *srv = NULL;
    char *urls[N_LESSON_PAGES];
    char buf[N_LESSON_PAGES][128];
    int rc = local_urls(&srv, urls, buf);
    if (rc == 0) {
        rc = fetch_all(urls, N_LESSON_PAGES);
    }
    pl_httpd_stop(&srv);
    return rc;
}
