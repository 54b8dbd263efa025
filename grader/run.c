/*
 * run.c - catalog, run and judge the tests (see run.h).
 *
 * The verdict of a test is earned only by all of:
 *   - the line "NONCE PASS suite/test" on the verdict channel, written by
 *     the trusted harness after the test function RETURNED, with a fresh
 *     random nonce per run (so printing to stdout, or a line left over from
 *     another run, cannot count);
 *   - "NONCE END 1 0" (exactly one test ran, none failed);
 *   - the process tree exiting with status 0 within the time limit, without
 *     a signal and without flooding its output.
 * An early exit(0) never writes the PASS line; a fake CUnit summary on
 * stdout is never read for the verdict; a test that passes and then hangs
 * in a destructor is a timeout. The captured output is used only to
 * explain a failure (the assertion text), never to decide it.
 */
#include "run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build.h"
#include "cache.h"
#include "perf.h"
#include "explain.h"
#include "mpienv.h"
#include "util.h"

#define NONCE_BYTES 16
/* The harness's --test-timeout sits this far above the grader's own limit. */
#define HARNESS_BACKSTOP_S 15

/* ---------------------------------------------------------------- catalog */

static int is_mpi_model(const char *model)
{
    return strcmp(model, "mpi") == 0;
}

static void set_mpi_env(gr_run *r)
{
    /* Listing the reference MPI binaries happens as ourselves, maybe root.
     * The settings' names differ between Open MPI 4 and 5: mpienv.h. */
    for (const char *const *e = gr_mpi_env(r); *e; e++) {
        putenv((char *)*e);
    }
}

static char *list_binary(gr_run *r, const char *relpath, const char *bin, int mpi)
{
    char *cached = gr_cache_list_get(r, relpath); /* a cached reference build: listed before */
    if (cached) {
        return cached;
    }
    char *out = gr_fmt("%s/list.txt", r->work);
    unlink(out);
    char *argv_plain[] = {(char *)bin, "--list", NULL};
    char *argv_mpi[] = {r->mpiexec, "-n", "1", (char *)bin, "--list", NULL};
    int st = gr_exec(mpi ? argv_mpi : argv_plain, r->work, out, 120);
    char *text = gr_read_file(out, 1 << 20, NULL);
    unlink(out);
    free(out);
    if (!(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
        free(text);
        return NULL;
    }
    gr_cache_list_put(r, relpath, text ? text : "");
    return text;
}

/* Does name match one of the comma-separated patterns (NULL: everything)? */
static int selected(const char *patterns, const char *name)
{
    if (patterns == NULL) {
        return 1;
    }
    char *copy = gr_xstrdup(patterns);
    int hit = 0;
    for (char *save = NULL, *p = strtok_r(copy, ",", &save); p && !hit; p = strtok_r(NULL, ",", &save)) {
        hit = fnmatch(p, name, 0) == 0;
    }
    free(copy);
    return hit;
}

/* Remember "lab (suite)" once: what --only could have named. */
static void note_lab(gr_run *r, const char *lab, const char *suite)
{
    char *entry = strcmp(lab, suite) == 0 ? gr_fmt(" %s,", lab) : gr_fmt(" %s (%s),", lab, suite);
    if (r->catalog_labs.s == NULL || strstr(r->catalog_labs.s, entry) == NULL) {
        gr_buf_add(&r->catalog_labs, entry);
    }
    free(entry);
}

/* One "suite/test" of a binary into the catalog, with its rubric rules; unless deselected. */
static void add_test(gr_run *r, const char *relpath, const char *base, const char *model,
                     const char *suite_of_bin, const char *name)
{
    const char *slash = strchr(name, '/');
    char *suite = gr_fmt("%.*s", (int)(slash - name), name);
    const char *lab = gr_rubric_lab_of(&r->rubric, suite);
    if (lab == NULL) {
        lab = gr_rubric_lab_of(&r->rubric, suite_of_bin);
    }
    if (lab == NULL) {
        lab = suite;
    }
    r->n_catalogued++;
    note_lab(r, lab, suite_of_bin);
    /* --only takes the lab, the binary's suite (the rubric's name: "model",
     * "fetchmap") or the tests' own suite prefix ("openmp", "fetch_map"). */
    if ((r->only_lab && strcmp(r->only_lab, lab) != 0 && strcmp(r->only_lab, suite) != 0 &&
         strcmp(r->only_lab, suite_of_bin) != 0) ||
        !selected(r->only_tests, name)) {
        free(suite);
        return;
    }
    r->tests = gr_xrealloc(r->tests, (r->n_tests + 1) * sizeof *r->tests);
    gr_test *t = &r->tests[r->n_tests++];
    memset(t, 0, sizeof *t);
    t->binary = gr_xstrdup(base);
    t->relpath = gr_xstrdup(relpath);
    t->model = gr_xstrdup(model);
    t->suite = suite;
    t->name = gr_xstrdup(name);
    t->lab = gr_xstrdup(lab);
    t->mpi = is_mpi_model(model);
    t->rule = gr_rubric_match(&r->rubric, GR_RULE_TEST, name, model);
    t->perf = gr_rubric_match(&r->rubric, GR_RULE_PERF, name, model);
    t->max_points = t->rule ? t->rule->points : r->rubric.default_points;
    t->hidden = (t->rule && t->rule->hidden) || (t->perf && t->perf->hidden);
    t->timeout_s = t->rule && t->rule->timeout_s > 0 ? t->rule->timeout_s : r->rubric.timeout_s;
    /* A perf rule may ask for more ranks (2 worker ranks for a speedup), for every run of the test. */
    t->mpi_ranks = t->perf && t->perf->ranks > 0   ? t->perf->ranks
                   : t->rule && t->rule->ranks > 0 ? t->rule->ranks
                                                   : r->rubric.mpi_ranks;
    if (t->perf) {
        t->perf_max = t->perf->points;
        if (t->perf->timeout_s > t->timeout_s) {
            t->timeout_s = t->perf->timeout_s;
        }
    }
}

/* Every test of one reference binary ("tests/test_map_fork"), from its --list. */
static void catalog_binary(gr_run *r, const char *relpath)
{
    const char *base = strrchr(relpath, '/');
    base = base ? base + 1 : relpath;
    /* test_<suite>_<model>: the model is after the last '_' */
    const char *us = strrchr(base, '_');
    char *model = gr_xstrdup(us + 1);
    char *suite_of_bin = gr_fmt("%.*s", (int)(us - base - 5), base + 5);
    char *bin = gr_fmt("%s/%s", r->ref_build, relpath);
    char *text = NULL;
    if (!gr_is_file(bin)) {
        gr_buf_addf(&r->notes, "note: the reference %s was not built; its tests are not graded\n", base);
    } else if ((text = list_binary(r, relpath, bin, is_mpi_model(model))) == NULL) {
        gr_buf_addf(&r->notes, "note: %s --list failed; its tests are not graded\n", base);
    }
    for (char *save = NULL, *name = text ? strtok_r(text, "\n", &save) : NULL; name;
         name = strtok_r(NULL, "\n", &save)) {
        if (strchr(name, '/') != NULL && strchr(name, ' ') == NULL) { /* a "suite/test" line */
            add_test(r, relpath, base, model, suite_of_bin, name);
        }
    }
    free(text);
    free(bin);
    free(model);
    free(suite_of_bin);
}

int gr_catalog(gr_run *r)
{
    set_mpi_env(r);
    size_t n;
    char **targets = gr_build_targets(r, r->ref_build, &n);
    for (size_t i = 0; i < n; i++) {
        catalog_binary(r, targets[i]);
        free(targets[i]);
    }
    free(targets);
    /* A lab the rubric names but the reference build has no tests for (lab 00's
     * tests not written yet, say): worth nothing now, and said so, not fatal. */
    for (size_t l = 0; l < r->rubric.n_labs && !r->only_lab && !r->only_tests; l++) {
        const gr_lab_map *lm = &r->rubric.labs[l];
        int found = 0;
        for (size_t k = 0; k < l && !found; k++) {
            found = strcmp(r->rubric.labs[k].lab, lm->lab) == 0; /* reported already */
        }
        for (size_t i = 0; i < r->n_tests && !found; i++) {
            found = strcmp(r->tests[i].lab, lm->lab) == 0;
        }
        if (!found) {
            gr_buf_addf(&r->notes, "note: rubric: lab %s (suite '%s') has no tests in the reference build "
                                   "(not written yet?); it is not graded\n", lm->lab, lm->suite);
        }
    }
    for (size_t i = 0; i < r->rubric.n_rules && !r->only_lab && !r->only_tests; i++) {
        if (!r->rubric.rules[i].used) {
            gr_buf_addf(&r->notes, "note: %s:%d: rule '%s' matches no test (yet)\n", r->rubric.path,
                        r->rubric.rules[i].line, r->rubric.rules[i].pattern);
        }
    }
    return r->n_tests > 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- one test job */

typedef struct test_ctx {
    gr_run *r;
    gr_test *t;
    char *dir;
    char *verdict;
    char nonce[2 * NONCE_BYTES + 1];
    int reference; /* a timing run of the reference binary */
    char *argv_store[24];
    char *env_store[24];
} test_ctx;

static char *add_arg(test_ctx *c, size_t *k, char *s)
{
    c->argv_store[(*k)++] = s;
    return s;
}

/*
 * One run of test t, of the reference binary or the submission's; a timing
 * run (`--timing`) makes a perf test do its full work and report its
 * in-process time on the verdict channel (tests/support/timing.h).
 */
static gr_job *make_job_mode(gr_run *r, gr_test *t, int reference, int seq, int timing)
{
    test_ctx *c = calloc(1, sizeof *c);
    c->r = r;
    c->t = t;
    c->reference = reference;
    c->dir = gr_fmt("%s/run/%d", r->work, seq);
    char *tmp = gr_fmt("%s/tmp", c->dir);
    gr_mkdir_p(c->dir, 0700);
    gr_mkdir_p(tmp, 0700);
    c->verdict = gr_fmt("%s/verdict", c->dir);
    int fd = open(c->verdict, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        close(fd);
    }
    if (r->sb.drop) {
        chown(c->dir, r->sb.uid, r->sb.gid);
        chown(tmp, r->sb.uid, r->sb.gid);
        chown(c->verdict, r->sb.uid, r->sb.gid);
    }
    gr_random_hex(c->nonce, NONCE_BYTES);

    const char *build = reference ? r->ref_build : r->sub_build;
    char *bin = gr_fmt("%s/%s", build, t->relpath);
    /* The grader's wall-clock limit is the one meant to fire: while the
     * process tree is still alive it can say what was stuck (which process,
     * rank, thread; how many processes). The harness's own alarm is only a
     * backstop above it (its default, 120 s, could be below a long rubric
     * limit): if it fired first, the evidence would die with the process. */
    int backstop = (int)t->timeout_s + HARNESS_BACKSTOP_S;
    size_t k = 0;
    gr_job *job = calloc(1, sizeof *job);
    if (t->mpi) {
        add_arg(c, &k, gr_xstrdup(r->mpiexec));
        add_arg(c, &k, gr_xstrdup("-n"));
        add_arg(c, &k, gr_fmt("%d", t->mpi_ranks));
        add_arg(c, &k, gr_xstrdup("--oversubscribe"));
        add_arg(c, &k, gr_xstrdup("--bind-to"));
        add_arg(c, &k, gr_xstrdup("none"));
        add_arg(c, &k, gr_xstrdup(r->shim));
        add_arg(c, &k, gr_xstrdup(c->verdict));
        add_arg(c, &k, gr_xstrdup("3"));
    } else {
        job->verdict_path = c->verdict;
    }
    add_arg(c, &k, bin);
    add_arg(c, &k, gr_xstrdup("--only"));
    add_arg(c, &k, gr_xstrdup(t->name));
    add_arg(c, &k, gr_xstrdup("--test-timeout"));
    add_arg(c, &k, gr_fmt("%d", backstop));
    add_arg(c, &k, gr_xstrdup("--verdict-fd"));
    add_arg(c, &k, gr_xstrdup("3"));
    if (timing) {
        add_arg(c, &k, gr_xstrdup("--timing"));
    }
    c->argv_store[k] = NULL;

    size_t e = 0;
    c->env_store[e++] = gr_xstrdup("PATH=/usr/local/bin:/usr/bin:/bin");
    c->env_store[e++] = gr_fmt("HOME=%s", c->dir);
    c->env_store[e++] = gr_fmt("TMPDIR=%s", tmp);
    c->env_store[e++] = gr_xstrdup("LANG=C.UTF-8");
    c->env_store[e++] = gr_fmt("PARALAB_VERDICT_NONCE=%s", c->nonce);
    /* Open MPI's settings for its version (the run-as-root ones only matter
     * if no unprivileged user could be found, which is reported). */
    for (const char *const *m = gr_mpi_env(r); *m && e < 16; m++) {
        c->env_store[e++] = gr_xstrdup(*m);
    }
    /* Sanitizer settings (under --sanitize thread: Archer and suppressions, see main.c). */
    const char *pass[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS", "OMP_TOOL_LIBRARIES", NULL};
    for (size_t i = 0; pass[i]; i++) {
        if (getenv(pass[i])) {
            c->env_store[e++] = gr_fmt("%s=%s", pass[i], getenv(pass[i]));
        }
    }
    c->env_store[e] = NULL;
    free(tmp);

    job->argv = c->argv_store;
    job->env = c->env_store;
    job->dir = c->dir;
    job->user = c;
    const gr_rubric *rb = &r->rubric;
    job->lim = (gr_limits){.wall_s = t->timeout_s, .procs = rb->procs, .memory_mb = rb->memory_mb,
                           .cpu_s = rb->cpu_s, .file_mb = rb->file_mb, .open_files = rb->open_files,
                           .output_max = (long)rb->output_mb << 20};
    return job;
}

static gr_job *make_job(gr_run *r, gr_test *t, int reference, int seq)
{
    return make_job_mode(r, t, reference, seq, 0);
}

static void free_job(gr_job *job)
{
    test_ctx *c = job->user;
    for (size_t i = 0; c->argv_store[i]; i++) {
        free(c->argv_store[i]);
    }
    for (size_t i = 0; c->env_store[i]; i++) {
        free(c->env_store[i]);
    }
    gr_rm_rf(c->dir);
    free(c->dir);
    free(c->verdict);
    free(c);
    gr_job_free(job);
    free(job);
}

/* ---------------------------------------------------------------- judging */

typedef struct verdict {
    int pass, pass_any, fail, end, end_passed, end_failed;
    int times;       /* "TIME name ..." lines for the selected test */
    gr_figure time;  /* the last one's figure */
} verdict;

/*
 * With --only NAME exactly one test runs: the harness writes one
 * "PASS suite/test" line when that test function returned without a failed
 * assertion, then "END 1 0" after CUnit returned. Both are required, and
 * nothing else: a PASS for another name, a second PASS or any FAIL means
 * the run was not the one we asked for.
 */
static int verdict_passed(const verdict *v)
{
    return v->pass == 1 && v->pass_any == 1 && v->fail == 0 && v->end == 1 && v->end_passed == 1 &&
           v->end_failed == 0;
}

static verdict parse_verdict(const char *text, const char *nonce, const char *name)
{
    verdict v = {0};
    char *copy = gr_xstrdup(text ? text : "");
    size_t nl = strlen(nonce);
    for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (nl == 0 || strncmp(line, nonce, nl) != 0 || line[nl] != ' ') {
            continue; /* not ours: forged or from another run */
        }
        const char *rest = line + nl + 1;
        if (strncmp(rest, "PASS ", 5) == 0) {
            v.pass_any++;
            v.pass += strcmp(rest + 5, name) == 0;
        } else if (strncmp(rest, "FAIL ", 5) == 0) {
            v.fail++;
        } else if (sscanf(rest, "END %d %d", &v.end_passed, &v.end_failed) == 2) {
            v.end++;
        } else if (strncmp(rest, "TIME ", 5) == 0 && strncmp(rest + 5, name, strlen(name)) == 0 &&
                   rest[5 + strlen(name)] == ' ') {
            v.times++;
            v.time = gr_parse_figure(rest + 5 + strlen(name) + 1);
        }
    }
    free(copy);
    return v;
}

int gr_verdict_says_passed(const char *text, const char *nonce, const char *name)
{
    verdict v = parse_verdict(text, nonce, name);
    return verdict_passed(&v);
}

static verdict read_verdict(const test_ctx *c)
{
    char *text = gr_read_file(c->verdict, 1 << 16, NULL);
    verdict v = parse_verdict(text, c->nonce, c->t->name);
    free(text);
    return v;
}

/* Open MPI names a dead rank's signal in its own words; quote them. */
static char *mpi_death_of(const char *out)
{
    const char *p = strstr(out, "exited on signal");
    if (p == NULL) {
        return NULL;
    }
    const char *end = strpbrk(p, ".\n");
    const char *rank = NULL;
    for (const char *q = p; q > out && p - q < 200; q--) {
        if (strncmp(q, "rank ", 5) == 0) {
            rank = q;
            break;
        }
    }
    int rk = rank ? atoi(rank + 5) : -1;
    return gr_fmt("crashed: MPI rank %d %.*s", rk, end ? (int)(end - p) : 40, p);
}

static const char *first_line(const char *s, char *buf, size_t len)
{
    while (*s == ' ') {
        s++;
    }
    const char *nl = strchr(s, '\n');
    snprintf(buf, len, "%.*s", nl ? (int)(nl - s) : (int)strlen(s), s);
    return buf;
}

/* Point at a limit when the evidence suggests the test ran into one. */
static void limit_hints(gr_buf *why, const gr_job *job, const char *out)
{
    if (gr_contains_ci(out, "Resource temporarily unavailable") ||
        (gr_contains_ci(out, "fork") && gr_contains_ci(out, "EAGAIN"))) {
        gr_buf_addf(why, " [process/thread limit of %d hit: fork or thread creation failed]", job->lim.procs);
    }
    long mem_kb = (long)job->lim.memory_mb * 1024;
    if (mem_kb > 0 && (job->maxrss_kb > mem_kb * 8 / 10 || gr_contains_ci(out, "Cannot allocate memory") ||
                       gr_contains_ci(out, "out of memory"))) {
        gr_buf_addf(why, " [memory limit of %d MiB hit: an allocation failed]", job->lim.memory_mb);
    }
}

/* The signal that ended the job; bwrap (and mpiexec) report a child killed by N as 128 + N. */
static int ending_signal(const gr_run *r, const gr_test *t, const gr_job *job)
{
    int st = job->status;
    if (WIFSIGNALED(st)) {
        return WTERMSIG(st);
    }
    if (job->exited && WIFEXITED(st) && WEXITSTATUS(st) > 128 && WEXITSTATUS(st) < 128 + 32 &&
        (r->sb.use_bwrap || t->mpi)) {
        return WEXITSTATUS(st) - 128;
    }
    return 0;
}

static void explain_timeout(gr_buf *why, const gr_test *t, const gr_job *job, int test_passed)
{
    char line[300];
    if (test_passed) {
        gr_buf_addf(why, "the test passed, but the process did not exit within %.0f s "
                         "(stuck after the test: an exit handler, a destructor or a leftover worker?)",
                    job->lim.wall_s);
        return;
    }
    gr_buf_addf(why, "timed out after %.0f s%s", job->lim.wall_s,
                t->budget_capped ? " (limit cut: the grading time budget was nearly used up)"
                : job->lim.wall_s < t->timeout_s ? " (limit shortened: earlier tests of this binary timed out)"
                                                 : "");
    if (job->stuck_procs >= job->lim.procs / 2) {
        gr_buf_addf(why, " with %d processes (process limit %d: a fork bomb?)", job->stuck_procs, job->lim.procs);
    } else if (job->stuck) {
        gr_buf_addf(why, "; stuck: %s", first_line(job->stuck, line, sizeof line));
    }
}

static void explain_signal(gr_buf *why, const gr_test *t, const gr_job *job, int sig, int test_passed,
                           const char *out)
{
    char *mpi = t->mpi ? mpi_death_of(out) : NULL;
    if (sig == SIGXCPU) {
        gr_buf_addf(why, "CPU time limit of %d s exceeded (SIGXCPU)", job->lim.cpu_s);
    } else if (sig == SIGXFSZ) {
        gr_buf_addf(why, "file size limit of %d MiB exceeded (SIGXFSZ)", job->lim.file_mb);
    } else if (test_passed) {
        gr_buf_addf(why, "the test passed, but the process then crashed: %s", gr_signal_name(sig));
    } else if (mpi) {
        gr_buf_add(why, mpi);
    } else {
        gr_buf_addf(why, "crashed: %s", gr_signal_name(sig));
    }
    free(mpi);
}

/* The process exited by itself (no signal, no timeout), but the test did not pass. */
static void explain_exit(gr_buf *why, const gr_test *t, const verdict *v, int st, int test_passed,
                         const char *out)
{
    char line[300];
    char *mpi = t->mpi ? mpi_death_of(out) : NULL;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 124 && gr_contains_ci(out, "exceeded --test-timeout")) {
        /* Only if the grader's own limit was late (it is the lower one). */
        gr_buf_addf(why, "timed out (the test binary's backstop limit of %d s)",
                    (int)t->timeout_s + HARNESS_BACKSTOP_S);
    } else if (v->fail > 0 || (v->end == 1 && v->end_failed > 0)) {
        /* "suite_map.c:108: wrong is 3, expected 0 - hint: ..." (explain.h) */
        char *a = gr_failed_assertion(out);
        if (a != NULL && strstr(a, ": needs lab ") != NULL) {
            gr_buf_add(why, strstr(a, ": needs lab ") + 2); /* another lab first: say only that */
        } else if (gr_contains_ci(out, "not implemented")) {
            gr_buf_add(why, "not implemented yet (still returns PL_ENOTIMPL)");
        } else {
            gr_buf_add(why, a ? a : "a check failed (see the output)");
        }
        free(a);
    } else if (mpi) {
        gr_buf_add(why, mpi);
    } else if (test_passed && WIFEXITED(st)) {
        gr_buf_addf(why, "the test passed, but the process then exited with status %d", WEXITSTATUS(st));
    } else if (WIFEXITED(st) && WEXITSTATUS(st) == 2 && v->end == 0 && gr_contains_ci(out, "harness:")) {
        gr_buf_addf(why, "the test binary refused to run it: %s",
                    first_line(strstr(out, "harness:"), line, sizeof line));
    } else if (WIFEXITED(st)) {
        gr_buf_addf(why, "exited during the test (exit status %d) before the test finished", WEXITSTATUS(st));
    } else {
        gr_buf_add(why, "failed");
    }
    free(mpi);
}

/* The reason in one line (t->reason) and the details for the report (t->output). */
static void record_failure(gr_test *t, const gr_job *job, gr_buf *why, const char *out)
{
    limit_hints(why, job, out);
    t->reason = why->s;
    gr_buf details = {0};
    gr_buf_addf(&details, "%s\n", why->s);
    if (job->stuck) {
        gr_buf_addf(&details, "\nWhat was running at the timeout:\n%s", job->stuck);
    }
    if (out[0]) {
        gr_buf_addf(&details, "\nOutput (%lld bytes):\n%s", job->out.total, out);
    }
    t->output = details.s;
}

/*
 * Passed = the verdict channel says so AND the process tree ended cleanly
 * (exit 0, in time, no signal, no flood). Everything else is explained.
 */
static void judge(gr_run *r, gr_test *t, gr_job *job, test_ctx *c)
{
    if (job->skipped) {
        t->ran = 0;
        t->passed = 0;
        t->score = 0;
        t->reason = gr_fmt("not run: the grading time budget (%.0f s) was used up by earlier tests "
                           "(hanging tests?)", r->rubric.budget_s);
        t->output = gr_xstrdup(t->reason);
        return;
    }
    verdict v = read_verdict(c);
    char *out = gr_capture_text(&job->out);
    int st = job->status;
    int clean_exit = job->exited && !job->timed_out && !job->flooded && !job->start_error &&
                     WIFEXITED(st) && WEXITSTATUS(st) == 0;
    int test_passed = verdict_passed(&v) || v.pass == 1; /* the test function itself */
    int sig = ending_signal(r, t, job);
    t->ran = 1;
    t->seconds = job->end - job->start;
    t->passed = verdict_passed(&v) && clean_exit;
    t->score = t->passed ? t->max_points : 0;
    if (t->passed) {
        t->output = gr_xstrdup("");
        free(out);
        return;
    }
    gr_buf why = {0};
    char *sanitizer = gr_sanitizer_report(out);
    if (job->start_error) {
        gr_buf_addf(&why, "the grader could not start the test: %s", strerror(job->start_error));
    } else if (job->flooded) {
        gr_buf_addf(&why, "killed: printed more than %d MiB of output (output flood)", r->rubric.output_mb);
    } else if (job->timed_out) {
        explain_timeout(&why, t, job, test_passed);
    } else if (sanitizer) {
        /* Under --sanitize the report IS the reason (TSan's exit status 66 alone says nothing). */
        gr_buf_add(&why, sanitizer);
    } else if (sig) {
        explain_signal(&why, t, job, sig, test_passed, out);
    } else {
        explain_exit(&why, t, &v, st, test_passed, out);
    }
    record_failure(t, job, &why, out);
    free(sanitizer);
    free(out);
}

/* ---------------------------------------------------------------- runs */

typedef struct batch {
    gr_run *r;
    size_t done, total, failed;
    char **timeout_bins; /* binaries and how many of their tests timed out */
    int *timeout_count;
    size_t n_bins;
} batch;

static int *timeouts_of(batch *b, const char *bin)
{
    for (size_t i = 0; i < b->n_bins; i++) {
        if (strcmp(b->timeout_bins[i], bin) == 0) {
            return &b->timeout_count[i];
        }
    }
    b->timeout_bins = gr_xrealloc(b->timeout_bins, (b->n_bins + 1) * sizeof *b->timeout_bins);
    b->timeout_count = gr_xrealloc(b->timeout_count, (b->n_bins + 1) * sizeof *b->timeout_count);
    b->timeout_bins[b->n_bins] = gr_xstrdup(bin);
    b->timeout_count[b->n_bins] = 0;
    return &b->timeout_count[b->n_bins++];
}

/* Seconds of the grading budget left (see `set budget`). */
static double budget_left(const gr_run *r)
{
    return r->rubric.budget_s - (gr_now() - r->tests_started);
}

static void on_start(gr_job *job, void *ctx)
{
    batch *b = ctx;
    test_ctx *c = job->user;
    double left = budget_left(b->r);
    if (left < 1) {
        job->skipped = 1;
        return;
    }
    if (job->lim.wall_s > left) {
        job->lim.wall_s = left;
        c->t->budget_capped = 1;
    }
    /* A binary whose tests keep hanging (a deadlocked map, say) would cost
     * timeout x tests; after two, the rest of it gets the short limit. */
    if (*timeouts_of(b, c->t->binary) >= 2 && job->lim.wall_s > b->r->rubric.short_timeout_s) {
        job->lim.wall_s = b->r->rubric.short_timeout_s;
    }
    if (b->r->tty) {
        fprintf(stderr, "\r\033[K[%3zu/%zu, %zu failed, %.0f s] %-6s %s", b->done + 1, b->total, b->failed,
                gr_now() - b->r->started, c->t->model, c->t->name);
        fflush(stderr);
    }
}

static void on_done(gr_job *job, void *ctx)
{
    batch *b = ctx;
    test_ctx *c = job->user;
    judge(b->r, c->t, job, c);
    if (job->timed_out) {
        (*timeouts_of(b, c->t->binary))++;
    }
    b->done++;
    b->failed += !c->t->passed;
    if (!b->r->tty) {
        fprintf(stderr, "[%3zu/%zu] %s %-6s %s (%.1f s)%s%s\n", b->done, b->total,
                c->t->passed ? "PASS" : "FAIL", c->t->model, c->t->name, c->t->seconds,
                c->t->passed ? "" : ": ", c->t->passed ? "" : c->t->reason);
    }
    free_job(job);
}

void gr_mark_unbuilt(gr_run *r)
{
    for (size_t i = 0; i < r->n_tests; i++) {
        gr_test *t = &r->tests[i];
        char *bin = r->sub_build ? gr_fmt("%s/%s", r->sub_build, t->relpath) : NULL;
        if (bin && gr_is_file(bin)) {
            free(bin);
            continue;
        }
        free(bin);
        t->ran = 0;
        t->passed = 0;
        t->score = 0;
        const gr_broken *br = NULL;
        for (size_t k = 0; k < r->n_broken; k++) {
            if (strcmp(r->broken[k].model, t->model) == 0 &&
                (strcmp(r->broken[k].lab, t->lab) == 0 || br == NULL)) {
                br = &r->broken[k];
            }
        }
        if (r->build_error) {
            t->reason = gr_xstrdup("not graded: the submission could not be built (see the top of the report)");
        } else if (br) {
            t->reason = gr_fmt("%s does not build: %s/%s.c has compile errors", t->binary, br->lab, br->model);
        } else {
            t->reason = gr_fmt("%s does not build (link error?); see the build log excerpt", t->binary);
        }
        t->output = r->build_excerpt ? gr_fmt("%s\n%s", t->reason, r->build_excerpt) : gr_xstrdup(t->reason);
    }
}

static const gr_broken *find_file(const gr_broken *v, size_t n, const char *lab, const char *model)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].model, model) == 0 && (lab == NULL || strcmp(v[i].lab, lab) == 0)) {
            return &v[i];
        }
    }
    return NULL;
}

/* Has the student changed any lab file of this model (one that compiles)? */
static int model_touched(const gr_run *r, const char *model)
{
    char *sol = gr_fmt("%s/solutions", r->source_dir);
    DIR *d = opendir(sol);
    int touched = 0;
    struct dirent *e;
    while (d && !touched && (e = readdir(d)) != NULL) {
        char *f = gr_fmt("%s/%s/%s.c", sol, e->d_name, model);
        touched = e->d_name[0] != '.' && gr_is_file(f) &&
                  !find_file(r->untouched, r->n_untouched, e->d_name, model) &&
                  !find_file(r->broken, r->n_broken, e->d_name, model);
        free(f);
    }
    if (d) {
        closedir(d);
    }
    free(sol);
    return touched;
}

static void zero_test(gr_test *t, char *reason, const char *details)
{
    t->ran = 0;
    t->passed = 0;
    t->score = 0;
    t->reason = reason;
    t->output = details ? gr_fmt("%s\n%s", reason, details) : gr_xstrdup(reason);
}

/*
 * Tests of a lab file that is still the skeleton, or that did not compile
 * (and was swapped for the skeleton so the other labs build), score 0
 * without running: the skeleton keeps the argument checks, so some
 * validation tests would pass on it, and an untouched skeleton must score
 * exactly 0. Tests outside the lab directories (test_model_*) are zeroed
 * when nothing of that model was implemented.
 */
static void mark_unimplemented(gr_run *r)
{
    if (r->submission == NULL) {
        return;
    }
    for (size_t i = 0; i < r->n_tests; i++) {
        gr_test *t = &r->tests[i];
        if (t->reason) {
            continue;
        }
        char *labdir = gr_fmt("%s/solutions/%s", r->source_dir, t->lab);
        int is_lab = gr_is_dir(labdir);
        free(labdir);
        const gr_broken *br = find_file(r->broken, r->n_broken, t->lab, t->model);
        const gr_broken *un = find_file(r->untouched, r->n_untouched, t->lab, t->model);
        if (is_lab && br) {
            zero_test(t, gr_fmt("%s/%s.c does not compile (its tests score 0)", t->lab, t->model), br->message);
        } else if (is_lab && un) {
            zero_test(t, gr_fmt("not implemented yet: %s/%s.c is %s", t->lab, t->model, un->message), NULL);
        } else if (!is_lab && !model_touched(r, t->model)) {
            zero_test(t, gr_fmt("not implemented yet: no %s lab file was changed from the skeleton", t->model),
                      NULL);
        }
    }
}

void gr_run_tests(gr_run *r)
{
    mark_unimplemented(r);
    r->tests_started = gr_now();
    gr_job **jobs = NULL;
    size_t n = 0;
    for (size_t i = 0; i < r->n_tests; i++) {
        gr_test *t = &r->tests[i];
        if (t->reason) {
            continue; /* not built */
        }
        jobs = gr_xrealloc(jobs, (n + 1) * sizeof *jobs);
        jobs[n] = make_job(r, t, 0, (int)i);
        n++;
    }
    batch b = {.r = r, .total = n};
    gr_run_jobs(&r->sb, jobs, n, r->jobs, on_start, on_done, &b);
    if (r->tty) {
        fprintf(stderr, "\r\033[K");
    }
    for (size_t i = 0; i < b.n_bins; i++) {
        free(b.timeout_bins[i]);
    }
    free(b.timeout_bins);
    free(b.timeout_count);
    free(jobs);
}

/* ---------------------------------------------------------------- performance */

typedef struct perf_ctx {
    gr_run *r;
    gr_test *t;
    size_t idx;
} perf_ctx;

/*
 * One timing run (perf.h): the figure the test reported on its verdict
 * channel, from inside its process. The process's own wall clock (start-up,
 * mpiexec) is only its time limit, never the figure.
 */
static int timed_run(void *ctx, int reference, int seq, gr_figure *out)
{
    perf_ctx *pc = ctx;
    gr_job *job = make_job_mode(pc->r, pc->t, reference, 100000 + (int)pc->idx * 1000 + seq, 1);
    gr_job *one = job;
    gr_run_jobs(&pc->r->sb, &one, 1, 1, NULL, NULL, NULL);
    test_ctx *c = job->user;
    verdict v = read_verdict(c);
    int clean = job->exited && !job->timed_out && !job->flooded && WIFEXITED(job->status) &&
                WEXITSTATUS(job->status) == 0;
    /* Exactly one figure for the test we asked for: two would mean someone else wrote one. */
    int ok = clean && verdict_passed(&v) && v.times == 1 && v.time.s > 0;
    *out = ok ? v.time : (gr_figure){0};
    free_job(job);
    return ok;
}

void gr_run_perf(gr_run *r)
{
    size_t total = 0, k = 0;
    for (size_t i = 0; i < r->n_tests; i++) {
        total += r->tests[i].perf != NULL;
    }
    for (size_t i = 0; i < r->n_tests; i++) {
        gr_test *t = &r->tests[i];
        if (t->perf == NULL) {
            continue;
        }
        k++;
        if (r->tty) {
            fprintf(stderr, "\r\033[K[perf %zu/%zu] %-6s %s", k, total, t->model, t->name);
            fflush(stderr);
        }
        if (!t->passed) {
            /* Performance counts only when the answers are right. */
            t->perf_score = 0;
            t->perf_note = gr_xstrdup("no performance points: the test does not pass");
            continue;
        }
        /* A round costs 2 x runs timing runs, each about as long as the test plus start-up. */
        double round_cost = 2.0 * t->perf->runs * (t->seconds + 2);
        gr_perf_setup ps = {.runs = t->perf->runs, .max_rounds = 3, .full_ratio = t->perf->full_ratio,
                            .zero_ratio = t->perf->zero_ratio, .floor_s = r->rubric.perf_floor_ms / 1000,
                            .cpus_needed = t->perf->cpus, .machine = &r->machine,
                            .stop_at = gr_now() + budget_left(r) - round_cost,
                            .same_code = r->submission == NULL};
        perf_ctx pc = {r, t, i};
        gr_perf_outcome po;
        gr_perf_measure(&ps, timed_run, &pc, &po);
        t->perf_score = t->perf_max * po.fraction;
        t->perf_note = po.note;
        t->perf_informational = po.informational;
        t->ref_best = po.ref_s;
        t->sub_best = po.sub_s;
        if (!r->tty) {
            fprintf(stderr, "[perf %zu/%zu] %-6s %s: %.2f/%.2f - %s\n", k, total, t->model, t->name, t->perf_score,
                    t->perf_max, t->perf_note);
        }
    }
    if (r->tty && total) {
        fprintf(stderr, "\r\033[K");
    }
}
