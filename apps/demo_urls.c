/*
 * demo_urls.c - the lesson's download example:
 *
 *     @parallel.decorators.map(timeout=5, max_workers=4)
 *     def download_and_save(url): ... open('datos.txt', 'w').write(...)
 *
 * The lesson writes every page into the same datos.txt with mode "w": each
 * worker truncates what the others wrote, and the file ends up holding
 * whichever page came last. Here every URL gets its own file (the fetch
 * task writes a temporary file and renames it into place).
 *
 * Without network (a CI machine, a lab behind a proxy) each download fails
 * with a clear reason in its result: the demo still succeeds, because
 * showing that one bad URL does not stop the others IS the example.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "demo.h"
#include "paralab.h"

static char *default_urls[] = {
    "https://example.com/",
    "https://www.python.org/",
    "https://www.debian.org/",
    "http://nosuch.invalid/",
};
#define N_DEFAULT (sizeof default_urls / sizeof default_urls[0])

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
            printf("  %-32s OK, %" PRId64 " bytes -> %s/page-%02zu.html\n", urls[i], bytes, out_dir(), i + 1);
            ok++;
        } else {
            printf("  %-32s %s: %s\n", urls[i], pl_task_status_name(pl_result_status(results[i])),
                   pl_result_error(results[i]));
        }
    }
    if (ok == 0 && n > 1) {
        /* An offline lab machine: the failures are the expected output, say so. */
        printf("(every download failed: no network here? Each URL still got its own result.)\n");
    }
}

int demo_urls(const demo_args *a)
{
    char **urls = a->argc > 0 ? a->argv : default_urls;
    size_t n = a->argc > 0 ? (size_t)a->argc : N_DEFAULT;
    if (ensure_dir(out_dir()) != 0) {
        fprintf(stderr, "cannot create the directory %s (set PARALAB_DOWNLOADS)\n", out_dir());
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (strchr(urls[i], ' ') != NULL) {
            fprintf(stderr, "'%s': a URL cannot contain a space (write %%20)\n", urls[i]);
            return 1;
        }
    }
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
