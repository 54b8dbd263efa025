/*
 * serve_main.c - paralab-serve: the lesson's web pages, offline.
 *
 *   paralab-serve [--port N] [--for SECONDS] [--until-eof] [--url-only]
 *
 * Starts the loopback HTTP server the fetch tests use (tests/fixture/
 * pl_httpd.c) and keeps it running until Ctrl-C. It listens on 127.0.0.1
 * only: nothing outside this computer can reach it, and it needs no
 * network, so the URL example works on a lab machine without internet.
 * `./paralab serve` runs it; `./paralab demo urls --python` starts one for
 * the Python and C demos to share.
 *
 * Why the waiting is done with blocked signals and sigtimedwait: a signal
 * handler could only set a flag, and the loop would still need a timeout to
 * look at it. Blocking SIGINT/SIGTERM and asking for them turns "Ctrl-C" into
 * an ordinary event of the loop, next to "stdin closed" and "time is up".
 * The server process itself leads its own process group, so the terminal's
 * Ctrl-C reaches only us, and we stop it properly (pl_httpd_stop).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lesson_pages.h"
#include "pl_clock.h"
#include "pl_httpd.h"
#include "pl_status.h"

#define DEFAULT_PORT 8000

typedef struct serve_opts {
    int port;
    long seconds; /* 0: no limit */
    int until_eof;
    int url_only;
} serve_opts;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: paralab-serve [--port N] [--for SECONDS] [--until-eof] [--url-only]\n"
            "Serves the lesson's pages on http://127.0.0.1:PORT (loopback only) until Ctrl-C.\n"
            "  --port N      port to listen on (default %d; 0 = any free port)\n"
            "  --for S       stop by itself after S seconds (1..86400)\n"
            "  --until-eof   stop when standard input is closed (for scripts)\n"
            "  --url-only    print only the base URL, on one line (for scripts)\n",
            DEFAULT_PORT);
}

/* A whole decimal number in [lo, hi]; -1 when s is anything else. */
static long parse_range(const char *s, long lo, long hi)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (s[0] == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi) {
        return -1;
    }
    return v;
}

/* 0 ok, 1 --help shown, 2 usage error (message printed). */
static int parse(int argc, char **argv, serve_opts *o)
{
    *o = (serve_opts){.port = DEFAULT_PORT, .seconds = 0, .until_eof = 0, .url_only = 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 1;
        } else if (strcmp(a, "--until-eof") == 0) {
            o->until_eof = 1;
        } else if (strcmp(a, "--url-only") == 0) {
            o->url_only = 1;
        } else if ((strcmp(a, "--port") == 0 || strcmp(a, "--for") == 0) && i + 1 < argc) {
            int is_port = strcmp(a, "--port") == 0;
            long v = is_port ? parse_range(argv[i + 1], 0, 65535) : parse_range(argv[i + 1], 1, 86400);
            if (v < 0) {
                fprintf(stderr, "paralab-serve: %s wants %s, not '%s'\n", a,
                        is_port ? "a port number 0..65535" : "a number of seconds 1..86400", argv[i + 1]);
                return 2;
            }
            if (is_port) {
                o->port = (int)v;
            } else {
                o->seconds = v;
            }
            i++;
        } else {
            fprintf(stderr, "paralab-serve: %s '%s' (see --help)\n",
                    strncmp(a, "--", 2) == 0 ? "unknown option or missing value:" : "unexpected argument", a);
            return 2;
        }
    }
    return 0;
}

static void announce(const pl_httpd *s, const serve_opts *o)
{
    const char *base = pl_httpd_base_url(s);
    if (o->url_only) {
        printf("%s\n", base);
        return;
    }
    printf("paralab serve: the lesson's pages on %s (this computer only; %s)\n", base,
           o->until_eof ? "stops when its input closes" : "Ctrl-C stops it");
    for (size_t i = 0; i < N_LESSON_PAGES; i++) {
        printf("  %s%-18s %s\n", base, lesson_pages[i].path, lesson_pages[i].what);
    }
    printf("  %s%-18s every kind of page it serves\n", base, "/index.html");
    printf("try:  ./paralab demo urls %s%s %s%s\n", base, lesson_pages[0].path, base, lesson_pages[3].path);
}

/* 1 when standard input has reached end-of-file (or failed), without blocking. */
static int stdin_closed(void)
{
    struct pollfd p = {STDIN_FILENO, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0) {
        return 0;
    }
    char buf[256];
    ssize_t r = read(STDIN_FILENO, buf, sizeof buf);
    return r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN);
}

static void wait_until_done(const serve_opts *o, const sigset_t *stop)
{
    int64_t deadline = o->seconds > 0 ? pl_deadline_after_ms(o->seconds * 1000) : -1;
    for (;;) {
        struct timespec slice = {0, 100 * 1000000L};
        int sig = sigtimedwait(stop, NULL, &slice);
        if (sig > 0) {
            if (!o->url_only) {
                printf("\nparalab serve: stopped (%s)\n", sig == SIGINT ? "Ctrl-C" : "terminated");
            }
            return;
        }
        if (deadline >= 0 && pl_now_ns() >= deadline) {
            return;
        }
        if (o->until_eof && stdin_closed()) {
            return;
        }
    }
}

int main(int argc, char **argv)
{
    serve_opts o;
    int rc = parse(argc, argv, &o);
    if (rc != 0) {
        return rc == 1 ? 0 : 2;
    }
    /* Blocked before the server is forked: the mask is inherited, and the
     * server child resets its own (pl_httpd.c) - it never sees Ctrl-C. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGHUP);
    sigprocmask(SIG_BLOCK, &stop, NULL);

    pl_httpd *s = NULL;
    rc = pl_httpd_start_on(o.port, &s);
    if (rc != PL_OK) {
        if (errno == EADDRINUSE) {
            fprintf(stderr, "paralab-serve: port %d is already in use (another ./paralab serve?); "
                            "choose another with --port, or --port 0 for any free one\n", o.port);
        } else {
            fprintf(stderr, "paralab-serve: cannot start the server on port %d: %s\n", o.port,
                    errno != 0 ? strerror(errno) : pl_strerror(rc));
        }
        return 1;
    }
    announce(s, &o);
    fflush(stdout);
    wait_until_done(&o, &stop);
    pl_httpd_stop(&s);
    return 0;
}
