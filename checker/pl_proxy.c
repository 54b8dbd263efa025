/*
 * pl_proxy.c - the proxy's link to its subject, pl_run and the backend facts
 * (see pl_proxy.h). Map: pl_proxy_map.c; futures and groups: pl_proxy_handles.c.
 */
#include "pl_proxy.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "paralab.h"
#include "pl_link.h"
#include "pl_proxy_core.h"
#include "pl_proxy_model.h"
#include "pl_tasks.h"

/* Start-up of a subject: seconds for fork and OpenMP, MPI_Init under load can take several. */
#define START_MS 20000
/* A call's bound when no test deadline is known (a program that is not the harness). */
#define NO_DEADLINE_MS 600000

static struct {
    pl_link link;
    pl_buf *req;
    int in_scope, workers;
    int64_t (*deadline)(void);
    void (*sink)(const char *why);
    int64_t died_in; /* the test deadline when the subject last died: no restart within that test */
    int lazy;        /* start the subject on first use, not in pl_run */
    int have_info;
    long own_pid; /* the subject's pid as it sees itself (hello) */
    char name[32];
    pl_backend_info info;
} px = {.link = {.fd = -1, .child = -1, .subject_pid = -1}};

void pl_proxy_set_deadline_source(int64_t (*deadline_ns)(void))
{
    px.deadline = deadline_ns;
}

void pl_proxy_start_lazily(int lazy)
{
    px.lazy = lazy;
}

void pl_proxy_set_failure_sink(void (*sink)(const char *why))
{
    px.sink = sink;
}

const char *pl_proxy_why(void)
{
    return px.link.why;
}

static int64_t test_deadline(void)
{
    return px.deadline ? px.deadline() : 0;
}

/* When the call being made must be answered by: the test's end, or a generous bound. */
static int64_t call_deadline(void)
{
    int64_t d = test_deadline();
    int64_t floor = pl_deadline_after_ms(1000); /* a deadline already past still lets one answer in */
    if (d <= 0) {
        return pl_deadline_after_ms(NO_DEADLINE_MS);
    }
    return d > floor ? d : floor;
}

static void report(void)
{
    fprintf(stderr, "\nchecker: %s\n", px.link.why);
    px.died_in = test_deadline();
    if (px.sink) {
        px.sink(px.link.why);
    }
}

/*
 * The subject binary: PARALAB_SUBJECT_BIN when set (the grader runs the
 * checkers of its own trusted reference build against the subject of the
 * build under test), else pl_subject_<model> in this program's directory,
 * or the one above it (checkers of tests/<topic>/ share tests/' subjects).
 */
static int subject_path(char *out, size_t len)
{
    const char *given = getenv("PARALAB_SUBJECT_BIN");
    if (given && given[0]) {
        int w = snprintf(out, len, "%s", given);
        return w > 0 && (size_t)w < len && access(out, X_OK) == 0 ? 0 : -1;
    }
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        return -1;
    }
    self[n] = '\0';
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(self, '/');
        if (slash == NULL) {
            return -1;
        }
        *slash = '\0';
        int w = snprintf(out, len, "%s/pl_subject_%s", self, pl_proxy_model());
        if (w > 0 && (size_t)w < len && access(out, X_OK) == 0) {
            return 0;
        }
    }
    return -1;
}

static int env_int(const char *name, int fallback)
{
    const char *v = getenv(name);
    int n = v ? atoi(v) : 0;
    return n > 0 ? n : fallback;
}

/*
 * The greeting: backend facts and the pid that serves. It has a buffer of
 * its own: it happens inside the first call's round trip, whose request is
 * already in the shared one.
 */
static int hello(int64_t deadline_ns)
{
    pl_reader ans;
    char *name = NULL;
    int64_t par, iso, kill, pid;
    const uint8_t *p;
    size_t len;
    pl_buf *b = pl_buf_new();
    int rc = b ? pl_buf_put_u8(b, PL_OP_HELLO) : PL_ENOMEM;
    rc = rc ? rc : pl_link_call(&px.link, b, deadline_ns, pl_proto_op_name(PL_OP_HELLO), &p, &len);
    pl_buf_free(b);
    if (rc != PL_OK) {
        report();
        return PL_ESYS;
    }
    pl_reader_init(&ans, p, len);
    if (pl_proto_get_str_opt(&ans, &name) || name == NULL || pl_proto_get_i64(&ans, &par) ||
        pl_proto_get_i64(&ans, &iso) || pl_proto_get_i64(&ans, &kill) || pl_proto_get_i64(&ans, &pid) ||
        !pl_proxy_answer_done(PL_OP_HELLO, &ans)) {
        free(name);
        return name ? PL_ESYS : pl_proxy_bad_answer(PL_OP_HELLO);
    }
    snprintf(px.name, sizeof px.name, "%s", name);
    free(name);
    px.info = (pl_backend_info){.name = px.name, .parallel = par != 0, .isolates_crashes = iso != 0,
                                .can_kill = kill != 0};
    px.have_info = 1;
    /* Its pid as it sees itself (in its own PID namespace: not ours, pl_spawn.h): what the tasks
     * it runs record as their parent. For /proc the link's own, which the subject cannot choose. */
    px.own_pid = (long)pid;
    if (px.link.subject_pid <= 0) {
        px.link.subject_pid = (pid_t)pid;
    }
    return PL_OK;
}

/* A running subject, started if there is none (but not again in the test where it died). */
static int ensure_subject(void)
{
    if (px.link.fd >= 0) {
        return PL_OK;
    }
    if (px.link.why[0] != '\0' && px.died_in != 0 && px.died_in == test_deadline()) {
        return PL_ESYS; /* it died in this test: its failure was reported once */
    }
    char path[PATH_MAX];
    int mpi = strcmp(pl_proxy_model(), "mpi") == 0;
    const char *mpiexec = getenv("PARALAB_MPIEXEC");
    mpiexec = mpiexec && *mpiexec ? mpiexec : pl_proxy_default_mpiexec();
    if (subject_path(path, sizeof path) != 0) {
        snprintf(px.link.why, sizeof px.link.why, "cannot find the subject binary next to this checker");
        report();
        return PL_ESYS;
    }
    pl_link_spec spec = {.subject = path, .mpiexec = mpi ? mpiexec : NULL,
                         .ranks = env_int("PARALAB_MPI_NP", 2), .workers = px.workers};
    int64_t start = pl_deadline_after_ms(START_MS), d = test_deadline();
    start = d > 0 && d < start ? d : start;
    if (pl_link_start(&px.link, &spec, start) != PL_OK) {
        report();
        return PL_ESYS;
    }
    return hello(start);
}

pl_buf *pl_proxy_begin(int op)
{
    if (px.req == NULL && (px.req = pl_buf_new()) == NULL) {
        return NULL;
    }
    pl_buf_reset(px.req);
    return pl_buf_put_u8(px.req, (uint8_t)op) == PL_OK ? px.req : NULL;
}

int pl_proxy_round_trip(int op, pl_reader *ans)
{
    if (px.req == NULL || pl_buf_len(px.req) == 0) {
        return PL_ENOMEM;
    }
    if (ensure_subject() != PL_OK) {
        return PL_ESYS;
    }
    const uint8_t *p;
    size_t len;
    if (pl_link_call(&px.link, px.req, call_deadline(), pl_proto_op_name(op), &p, &len) != PL_OK) {
        report();
        return PL_ESYS;
    }
    pl_reader_init(ans, p, len);
    return PL_OK;
}

int pl_proxy_bad_answer(int op)
{
    pl_link_fail(&px.link, pl_proto_op_name(op), "sent a malformed answer");
    report();
    return PL_ESYS;
}

int pl_proxy_answer_done(int op, const pl_reader *ans)
{
    if (ans->left != 0) {
        pl_proxy_bad_answer(op);
        return 0;
    }
    return 1;
}

int pl_proxy_rc_answer(int op, int64_t *id)
{
    pl_reader ans;
    int64_t rc;
    if (id != NULL) {
        *id = 0;
    }
    if (pl_proxy_round_trip(op, &ans) != PL_OK) {
        return PL_ESYS;
    }
    if (pl_proto_get_i64(&ans, &rc) != PL_OK || (id != NULL && pl_proto_get_i64(&ans, id) != PL_OK) ||
        !pl_proxy_answer_done(op, &ans)) {
        if (id != NULL) {
            *id = 0; /* a half-read id names nothing */
        }
        return pl_proxy_bad_answer(op);
    }
    return (int)rc;
}

int pl_proxy_id_call(int op, int64_t id)
{
    pl_buf *b = pl_proxy_begin(op);
    if (b == NULL || pl_proto_put_i64(b, id) != PL_OK) {
        return PL_ENOMEM;
    }
    return pl_proxy_rc_answer(op, NULL);
}

int pl_proxy_wait_call(int op, int64_t id, int64_t timeout_ms, int want, pl_reader *ans)
{
    pl_buf *b = pl_proxy_begin(op);
    if (b == NULL || pl_proto_put_i64(b, id) || pl_proto_put_i64(b, timeout_ms) || pl_proto_put_i64(b, want)) {
        return PL_ENOMEM;
    }
    return pl_proxy_round_trip(op, ans);
}

long pl_proxy_subject_pid(void)
{
    if (ensure_subject() != PL_OK) {
        return -1;
    }
    return (long)px.link.subject_pid;
}

long pl_proxy_subject_own_pid(void)
{
    if (ensure_subject() != PL_OK) {
        return -1;
    }
    return px.own_pid;
}

/* ---------------------------------------------------------------- backend facts, run scope */

const pl_backend_info *pl_backend(void)
{
    if (!px.have_info && ensure_subject() != PL_OK) {
        static pl_backend_info unknown;
        unknown.name = pl_proxy_model();
        return &unknown; /* no subject: the facts of a backend that can do nothing */
    }
    return &px.info;
}

int pl_workers(void)
{
    pl_reader ans;
    int64_t w = 0;
    if (pl_proxy_begin(PL_OP_WORKERS) == NULL || pl_proxy_round_trip(PL_OP_WORKERS, &ans) != PL_OK) {
        return 0;
    }
    if (pl_proto_get_i64(&ans, &w) != PL_OK || !pl_proxy_answer_done(PL_OP_WORKERS, &ans)) {
        pl_proxy_bad_answer(PL_OP_WORKERS);
        return 0;
    }
    return w < 0 || w > INT_MAX ? 0 : (int)w;
}

/* The checker runs every test body: it is the root. */
int pl_is_root(void)
{
    return 1;
}

/* pl_run inside the scope: the subject's own pl_run answers (PL_ESTATE, as in-process). */
static int nested_run(const pl_opts *opts, int (*body)(void *))
{
    pl_buf *b = pl_proxy_begin(PL_OP_RUN_NESTED);
    if (b == NULL || pl_proto_put_i64(b, body != NULL) || pl_proto_put_i64(b, opts != NULL) ||
        pl_proto_put_i64(b, opts ? opts->workers : 0)) {
        return PL_ENOMEM;
    }
    return pl_proxy_rc_answer(PL_OP_RUN_NESTED, NULL);
}

int pl_run(const pl_opts *opts, int (*body)(void *ctx), void *ctx)
{
    if (px.in_scope) {
        return nested_run(opts, body);
    }
    if (body == NULL || (opts && opts->workers < 0)) {
        return PL_EINVAL;
    }
    px.workers = opts ? opts->workers : 0;
    pl_tasks_register_builtins(); /* the checker's own lookups see the same names as the subject */
    px.in_scope = 1;
    if (!px.lazy) {
        ensure_subject(); /* a failure is reported again by the first call, inside a test */
    }
    int rc = body(ctx);
    px.in_scope = 0;
    int started = px.link.fd >= 0;
    if (pl_link_stop(&px.link) != PL_OK && started && rc == PL_OK) {
        /* after the last test: the verdict lines are written, so the exit status says it */
        fprintf(stderr, "\nchecker: %s\n", px.link.why);
        rc = PL_ESYS;
    }
    pl_buf_free(px.req);
    px.req = NULL;
    return rc;
}
