/*
 * pl_fetch.h - the lesson's URL download, with libcurl, and the "fetch"
 * task built on it (library paralab_fetch: the only part of paralab that
 * links libcurl).
 *
 * The Python lesson downloads each URL and writes every answer into one file
 * opened with mode "w": each worker truncates what the others wrote, so the
 * file ends with whatever came last (a race on a shared resource). Here every
 * URL gets its own output file, and the bytes are first written to a
 * temporary file in the same directory and renamed into place when complete,
 * so a reader never sees a half-written file and a failed download never
 * clobbers a good one.
 */
#ifndef PL_FETCH_H
#define PL_FETCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct pl_fetch_opts {
    int64_t connect_timeout_ms; /* <= 0: default 2000 */
    int64_t total_timeout_ms;   /* <= 0: default 5000 (the lesson's timeout=5) */
} pl_fetch_opts;

/*
 * Download url into path. On success PL_OK and *bytes (if non-NULL) gets the
 * body size. On failure a pl_rc (PL_EINVAL for NULL/empty arguments, PL_ESYS
 * otherwise) and err gets one clear line such as
 *   "cannot resolve host 'nosuch.invalid'"
 *   "HTTP 404 from http://127.0.0.1:8080/missing"
 *   "timed out after 500 ms"
 *   "cannot write '/nonexistent/x': No such file or directory"
 *   "cancelled"            (pl_should_stop() became true mid-transfer)
 * opts may be NULL (defaults). Thread-safe: one curl handle per call, and
 * curl_global_init runs once (pl_fetch_global_init, also called lazily).
 */
int pl_fetch(const char *url, const char *path, const pl_fetch_opts *opts, int64_t *bytes, char *err,
             size_t errcap);

/*
 * Get this process ready to fetch: libcurl's global init (not thread-safe
 * on every build) and the built-in "fetch" task registered (pl_task.h).
 * Call it once in main, before pl_run and before starting threads: every
 * MPI rank runs main, so each one's registry then knows "fetch", and a
 * fork child inherits it. Idempotent. PL_OK; PL_ESYS (libcurl failed);
 * PL_EEXIST (the program registered another task named "fetch").
 */
int pl_fetch_global_init(void);

/*
 * The built-in "fetch" task's argument is one string "URL PATH" or
 * "URL PATH TIMEOUT_MS". This splits it; PL_EINVAL with err filled when it
 * is malformed.
 */
int pl_fetch_parse_arg(const char *arg, char *url, size_t urlcap, char *path, size_t pathcap,
                       int64_t *timeout_ms, char *err, size_t errcap);

#endif
