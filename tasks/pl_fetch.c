/*
 * pl_fetch.c - download one URL into one file, with libcurl.
 *
 * Two guarantees shape this file:
 *  1. A file at `path` is either absent/unchanged or complete. The body goes
 *     to a private temporary file next to `path` (mkstemp: a unique name, so
 *     two tasks never share it) and is renamed into place only after the
 *     transfer succeeded. rename() within one directory is atomic, so a
 *     reader never sees half a download. On any failure the temp file is
 *     removed, and one that fails before its first body byte (refused, HTTP
 *     error, no answer) never creates one at all.
 *  2. Every way a download can fail ends in one clear line of error text,
 *     because that text is what a student reads in a FAILED result.
 *
 * Threads: each call uses its own curl handle (a handle must never be shared
 * between threads), CURLOPT_NOSIGNAL stops curl from using SIGALRM for its
 * timeouts (signals hit a random thread), and curl_global_init runs once.
 *
 * The lesson's "fetch" task (the last part of this file) is a thin wrapper
 * around pl_fetch; it is registered by pl_fetch_global_init, so only the
 * programs that link this library and ask for it depend on libcurl.
 */
#include "pl_fetch.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pl_cancel.h"
#include "pl_status.h"
#include "pl_task.h"

#define DEFAULT_CONNECT_MS 2000
#define DEFAULT_TOTAL_MS 5000

/* ---------------------------------------------------------------- global init */

static pthread_once_t g_init_once = PTHREAD_ONCE_INIT;
static CURLcode g_init_rc = CURLE_FAILED_INIT;

static void global_init_once(void)
{
    g_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int task_fetch(const pl_value *arg, pl_value *out, pl_error *err);

/* The "fetch" task in the registry; PL_OK also when it is there already (ours). */
static int register_task(void)
{
    int rc = pl_task_register("fetch", task_fetch);
    if (rc == PL_EEXIST && pl_task_lookup("fetch") == task_fetch) {
        rc = PL_OK;
    }
    return rc;
}

int pl_fetch_global_init(void)
{
    /* pthread_once makes a lazy first call from two threads safe, although
     * curl itself recommends calling this before any thread starts. */
    pthread_once(&g_init_once, global_init_once);
    if (g_init_rc != CURLE_OK) {
        return PL_ESYS;
    }
    return register_task();
}

/* ---------------------------------------------------------------- helpers */

/* printf into err when the caller gave room for it. */
static void set_err(char *err, size_t errcap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errcap, const char *fmt, ...)
{
    if (err == NULL || errcap == 0) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errcap, fmt, ap);
    va_end(ap);
}

/* strerror is not thread-safe; the XSI strerror_r (POSIX 2008) is. */
static const char *errno_text(int e, char *buf, size_t cap)
{
    if (strerror_r(e, buf, cap) != 0) {
        snprintf(buf, cap, "error %d", e);
    }
    return buf;
}

/*
 * What one transfer carries into curl's callbacks. The temporary file is
 * created when the first body byte arrives (or at the end, for an empty
 * body): a download that fails before that - refused, unresolvable, an HTTP
 * error, a server that never answers - never touches the disk, even if its
 * process is killed half-way (the fork backend does that at a deadline).
 */
typedef struct fetch_ctx {
    const char *path;  /* the final name */
    char *tmp;         /* the temporary file's name, once created */
    int fd;            /* the temporary file, -1 until created */
    int64_t bytes;     /* body bytes written so far */
    int file_errno;    /* set when creating or writing the file failed: a disk problem */
    int cancelled;     /* set when pl_should_stop() ended the transfer */
} fetch_ctx;

/* mkstemp gives a name no other task has; next to path, so rename() is atomic. */
static int open_temp(fetch_ctx *ctx)
{
    size_t len = strlen(ctx->path) + sizeof ".part.XXXXXX";
    ctx->tmp = malloc(len);
    if (ctx->tmp == NULL) {
        ctx->file_errno = ENOMEM;
        return -1;
    }
    snprintf(ctx->tmp, len, "%s.part.XXXXXX", ctx->path);
    ctx->fd = mkstemp(ctx->tmp);
    if (ctx->fd < 0) {
        ctx->file_errno = errno;
        free(ctx->tmp);
        ctx->tmp = NULL;
        return -1;
    }
    /* mkstemp makes the file private (0600); a download is an ordinary file. */
    fchmod(ctx->fd, 0644);
    return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    fetch_ctx *ctx = userp;
    size_t len = size * nmemb, done = 0;
    if (ctx->fd < 0 && open_temp(ctx) != 0) {
        return 0; /* anything but len makes curl stop with CURLE_WRITE_ERROR */
    }
    while (done < len) {
        ssize_t w = write(ctx->fd, data + done, len - done);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            ctx->file_errno = w < 0 ? errno : EIO;
            return 0;
        }
        done += (size_t)w;
    }
    ctx->bytes += (int64_t)len;
    return len;
}

/* curl calls this often (at least once a second) while it waits for data. */
static int on_progress(void *userp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    fetch_ctx *ctx = userp;
    if (pl_should_stop()) {
        ctx->cancelled = 1;
        return 1; /* non-zero aborts the transfer */
    }
    return 0;
}

/* The host part of url ("host", or "host port N" with with_port and an explicit port). */
static void host_of(const char *url, int with_port, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", url);
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL;
    if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        if (with_port && curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK) {
            snprintf(buf, cap, "%s port %s", host, port);
        } else {
            snprintf(buf, cap, "%s", host);
        }
    }
    curl_free(port);
    curl_free(host);
    curl_url_cleanup(u);
}

/*
 * A proxy (http_proxy in the environment) runs on another machine and cannot
 * reach this one's loopback, so loopback URLs always go direct. That also
 * keeps the tests' 127.0.0.1 fixture working on a machine with a proxy.
 */
static int is_loopback(const char *url)
{
    char host[256];
    host_of(url, 0, host, sizeof host);
    return strcmp(host, "127.0.0.1") == 0 || strcmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 ||
           strcmp(host, "::1") == 0;
}

/* ---------------------------------------------------------------- the transfer */

static void set_options(CURL *h, const char *url, const pl_fetch_opts *o, fetch_ctx *ctx, char *curl_err)
{
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)o->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)o->total_timeout_ms);
    /* Only the web: a task argument must not be able to read file:///etc/... */
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
    /* Stop at an HTTP error status instead of saving the error page. */
    curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, ctx);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, ctx);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "paralab-fetch/1");
    if (is_loopback(url)) {
        curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    }
}

/* Which timeout struck, and in which phase: the student needs to know if the host was even reached. */
static void explain_timeout(CURL *h, const char *url, const pl_fetch_opts *o, char *err, size_t errcap)
{
    curl_off_t resolved_us = 0, connected_us = 0;
    curl_easy_getinfo(h, CURLINFO_NAMELOOKUP_TIME_T, &resolved_us);
    curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connected_us);
    long long first = o->connect_timeout_ms < o->total_timeout_ms ? o->connect_timeout_ms : o->total_timeout_ms;
    char host[256];
    if (resolved_us == 0) {
        host_of(url, 0, host, sizeof host);
        set_err(err, errcap, "cannot resolve host '%s' (timed out after %lld ms)", host, first);
    } else if (connected_us == 0) {
        host_of(url, 1, host, sizeof host);
        set_err(err, errcap, "timed out after %lld ms connecting to %s", first, host);
    } else {
        set_err(err, errcap, "timed out after %lld ms", (long long)o->total_timeout_ms);
    }
}

/* Turn curl's outcome into one line of text; PL_OK only for a complete 2xx/3xx body. */
static int explain(CURL *h, CURLcode cc, const char *url, const char *path, const pl_fetch_opts *o,
                   const fetch_ctx *ctx, const char *curl_err, char *err, size_t errcap)
{
    char buf[256];
    long code = 0, oserr = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr);
    switch (cc) {
    case CURLE_OK:
    case CURLE_HTTP_RETURNED_ERROR:
        if (code >= 400) {
            set_err(err, errcap, "HTTP %ld from %s", code, url);
            return PL_ESYS;
        }
        if (cc == CURLE_OK) {
            return PL_OK;
        }
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
        host_of(url, 0, buf, sizeof buf);
        set_err(err, errcap, "cannot resolve host '%s'", buf);
        return PL_ESYS;
    case CURLE_COULDNT_CONNECT: {
        char why[128];
        host_of(url, 1, buf, sizeof buf);
        set_err(err, errcap, "cannot connect to %s: %s", buf,
                oserr != 0 ? errno_text((int)oserr, why, sizeof why) : curl_err);
        return PL_ESYS;
    }
    case CURLE_OPERATION_TIMEDOUT:
        explain_timeout(h, url, o, err, errcap);
        return PL_ESYS;
    case CURLE_WRITE_ERROR:
        set_err(err, errcap, "cannot write '%s': %s", path,
                errno_text(ctx->file_errno ? ctx->file_errno : EIO, buf, sizeof buf));
        return PL_ESYS;
    case CURLE_ABORTED_BY_CALLBACK:
        if (ctx->cancelled) {
            set_err(err, errcap, "cancelled");
            return PL_ESYS;
        }
        break;
    default:
        break;
    }
    set_err(err, errcap, "%s: %s", url, curl_err[0] ? curl_err : curl_easy_strerror(cc));
    return PL_ESYS;
}

/*
 * The transfer succeeded: make sure the file exists (an empty body never
 * called on_body), then close and rename it into place. close and rename
 * can still fail (full disk, directory removed meanwhile).
 */
static int finish_file(fetch_ctx *ctx, char *err, size_t errcap)
{
    char why[128];
    if (ctx->fd < 0 && open_temp(ctx) != 0) {
        set_err(err, errcap, "cannot write '%s': %s", ctx->path, errno_text(ctx->file_errno, why, sizeof why));
        return PL_ESYS;
    }
    int fd = ctx->fd;
    ctx->fd = -1;
    if (close(fd) != 0 || rename(ctx->tmp, ctx->path) != 0) {
        set_err(err, errcap, "cannot write '%s': %s", ctx->path, errno_text(errno, why, sizeof why));
        return PL_ESYS;
    }
    free(ctx->tmp);
    ctx->tmp = NULL; /* renamed: nothing left to clean up */
    return PL_OK;
}

/* Whatever went wrong, no temporary file stays behind. */
static void discard_file(fetch_ctx *ctx)
{
    if (ctx->fd >= 0) {
        close(ctx->fd);
        ctx->fd = -1;
    }
    if (ctx->tmp != NULL) {
        unlink(ctx->tmp);
        free(ctx->tmp);
        ctx->tmp = NULL;
    }
}

/* Fill in the defaults; PL_EINVAL when a value does not fit curl's long. */
static int resolve_opts(const pl_fetch_opts *opts, pl_fetch_opts *o)
{
    o->connect_timeout_ms = DEFAULT_CONNECT_MS;
    o->total_timeout_ms = DEFAULT_TOTAL_MS;
    if (opts != NULL && opts->connect_timeout_ms > 0) {
        o->connect_timeout_ms = opts->connect_timeout_ms;
    }
    if (opts != NULL && opts->total_timeout_ms > 0) {
        o->total_timeout_ms = opts->total_timeout_ms;
    }
    return (o->connect_timeout_ms > LONG_MAX || o->total_timeout_ms > LONG_MAX) ? PL_EINVAL : PL_OK;
}

int pl_fetch(const char *url, const char *path, const pl_fetch_opts *opts, int64_t *bytes, char *err,
             size_t errcap)
{
    set_err(err, errcap, "%s", "");
    if (url == NULL || path == NULL || url[0] == '\0' || path[0] == '\0') {
        set_err(err, errcap, "url and path must be non-empty");
        return PL_EINVAL;
    }
    pl_fetch_opts o;
    if (resolve_opts(opts, &o) != PL_OK) {
        set_err(err, errcap, "timeout too large");
        return PL_EINVAL;
    }
    if (pl_fetch_global_init() != PL_OK) {
        set_err(err, errcap, "curl_global_init failed");
        return PL_ESYS;
    }
    CURL *h = curl_easy_init();
    if (h == NULL) {
        set_err(err, errcap, "curl_easy_init failed");
        return PL_ESYS;
    }
    fetch_ctx ctx = {path, NULL, -1, 0, 0, 0};
    char curl_err[CURL_ERROR_SIZE] = "";
    set_options(h, url, &o, &ctx, curl_err);
    CURLcode cc = curl_easy_perform(h);
    int rc = explain(h, cc, url, path, &o, &ctx, curl_err, err, errcap);
    curl_easy_cleanup(h);
    if (rc == PL_OK) {
        rc = finish_file(&ctx, err, errcap);
    }
    discard_file(&ctx);
    if (rc == PL_OK && bytes != NULL) {
        *bytes = ctx.bytes;
    }
    return rc;
}

/* ---------------------------------------------------------------- the task's argument */

/* Copy the next whitespace-separated word of *s into buf; 0 none, -1 too long, 1 ok. */
static int next_word(const char **s, char *buf, size_t cap)
{
    const char *p = *s;
    while (*p != '\0' && isspace((unsigned char)*p)) {
        p++;
    }
    const char *start = p;
    while (*p != '\0' && !isspace((unsigned char)*p)) {
        p++;
    }
    *s = p;
    size_t len = (size_t)(p - start);
    if (len == 0) {
        return 0;
    }
    if (buf == NULL || len >= cap) {
        return -1;
    }
    memcpy(buf, start, len);
    buf[len] = '\0';
    return 1;
}

static int parse_timeout(const char *word, int64_t *out)
{
    char *end = NULL;
    errno = 0;
    long long v = strtoll(word, &end, 10);
    if (errno != 0 || end == word || *end != '\0' || v <= 0) {
        return -1;
    }
    *out = (int64_t)v;
    return 0;
}

int pl_fetch_parse_arg(const char *arg, char *url, size_t urlcap, char *path, size_t pathcap,
                       int64_t *timeout_ms, char *err, size_t errcap)
{
    set_err(err, errcap, "%s", "");
    if (arg == NULL || url == NULL || path == NULL || timeout_ms == NULL || urlcap == 0 || pathcap == 0) {
        set_err(err, errcap, "NULL argument");
        return PL_EINVAL;
    }
    url[0] = path[0] = '\0';
    *timeout_ms = 0; /* absent: 0, which pl_fetch_opts reads as "the default" */
    const char *s = arg;
    char extra[32];
    int u = next_word(&s, url, urlcap);
    int p = u == 1 ? next_word(&s, path, pathcap) : 0;
    if (u < 0 || p < 0) {
        set_err(err, errcap, "%s too long in \"%.120s\"", u < 0 ? "URL" : "PATH", arg);
        return PL_EINVAL;
    }
    if (u != 1 || p != 1) {
        set_err(err, errcap, "argument must be \"URL PATH [TIMEOUT_MS]\", got \"%.120s\"", arg);
        return PL_EINVAL;
    }
    int t = next_word(&s, extra, sizeof extra);
    if (t == 0) {
        return PL_OK;
    }
    char rest[2];
    if (t < 0 || parse_timeout(extra, timeout_ms) != 0 || next_word(&s, rest, sizeof rest) != 0) {
        *timeout_ms = 0;
        set_err(err, errcap, "TIMEOUT_MS must be one positive integer, in \"%.120s\"", arg);
        return PL_EINVAL;
    }
    return PL_OK;
}

/* ---------------------------------------------------------------- the fetch task */

/* str "URL PATH [TIMEOUT_MS]" -> bytes downloaded into PATH. */
static int task_fetch(const pl_value *arg, pl_value *out, pl_error *err)
{
    char url[2048], path[1024], why[PL_ERROR_MAX - 16];
    int64_t timeout_ms = 0, bytes = 0;
    const char *text = pl_value_str(arg);
    if (text == NULL) {
        pl_error_set(err, "fetch: expected a string \"URL PATH [TIMEOUT_MS]\", got %s",
                     pl_value_type_name(pl_value_type_of(arg)));
        return PL_TASK_FAILED;
    }
    why[0] = '\0';
    if (pl_fetch_parse_arg(text, url, sizeof url, path, sizeof path, &timeout_ms, why, sizeof why) != PL_OK) {
        pl_error_set(err, "fetch: %s", why[0] ? why : "malformed argument");
        return PL_TASK_FAILED;
    }
    pl_fetch_opts opts = {.connect_timeout_ms = 0, .total_timeout_ms = timeout_ms};
    if (pl_fetch(url, path, &opts, &bytes, why, sizeof why) != PL_OK) {
        pl_error_set(err, "fetch: %s", why[0] ? why : "download failed");
        return pl_should_stop() ? PL_TASK_CANCELLED : PL_TASK_FAILED;
    }
    pl_value_set_int(out, bytes);
    return PL_TASK_OK;
}
