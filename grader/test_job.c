/*
 * test_job.c - one run of one test, and its verdict (see test_job.h).
 *
 * The verdict of a test is earned only by all of:
 *   - the line "NONCE PASS suite/test" on the verdict channel, written by
 *     the trusted harness after the test function RETURNED, with a fresh
 *     random nonce per run (so printing to stdout, or a line left over from
 *     another run, cannot count);
 *   - "NONCE END 1 0" (exactly one test ran, none failed);
 *   - the process tree exiting with status 0 within the time limit, without
 *     a signal and without flooding its output (judge.c).
 * An early exit(0) never writes the PASS line; a fake CUnit summary on
 * stdout is never read for the verdict.
 */
#include "test_job.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mpienv.h"

/* The verdict file is a few lines per test; more is not ours to read. */
#define MAX_VERDICT_BYTES (1 << 16)

/*
 * The run's directory and its tmp/, owned by the runner; the verdict file;
 * a fresh nonce. The verdict file stays ours (root's, 0600) and reaches
 * the test as fd 3, opened before the job drops to the runner user, so no
 * process of the runner's can open it by its path. Only an in-process MPI
 * test needs it to be the runner's: its ranks re-open it by path (the
 * verdict shim), since mpiexec closes fd 3.
 */
static void prepare_run_dir(gr_test_run *c, const gr_run *r, const char *tmp)
{
    gr_mkdir_p(c->dir, 0700);
    gr_mkdir_p(tmp, 0700);
    int fd = open(c->verdict, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) {
        close(fd);
    }
    if (r->sb.drop) {
        /* A failed chown shows up as a test that cannot write its verdict: it fails, loudly. */
        int failed = chown(c->dir, r->sb.uid, r->sb.gid) != 0;
        failed |= chown(tmp, r->sb.uid, r->sb.gid) != 0;
        if (c->t->mpi && !c->t->checker) {
            failed |= chown(c->verdict, r->sb.uid, r->sb.gid) != 0;
        }
        (void)failed;
    }
    gr_random_hex(c->nonce, GR_NONCE_BYTES);
}

/*
 * The command line. In-process MPI tests run under mpiexec, which closes
 * every descriptor above 2 in the ranks it starts: the verdict shim
 * re-opens the verdict file as fd 3 inside each rank. Other tests get fd 3
 * from the sandbox (job->verdict_path) - a checker too, MPI or not: it runs
 * outside mpiexec and starts `mpiexec pl_subject_mpi` itself (test_env
 * tells it the ranks and which mpiexec), writing fd 3 alone.
 */
static void test_argv(gr_test_run *c, gr_job *job, const char *bin, int timing)
{
    gr_run *r = c->r;
    gr_test *t = c->t;
    gr_argv *a = &c->argv;
    if (t->mpi && !t->checker) {
        gr_argv_add(a, r->mpiexec);
        gr_argv_add(a, "-n");
        gr_argv_addf(a, "%d", t->mpi_ranks);
        gr_argv_add(a, "--oversubscribe");
        gr_argv_add(a, "--bind-to");
        gr_argv_add(a, "none");
        gr_argv_add(a, r->shim);
        gr_argv_add(a, c->verdict);
        gr_argv_add(a, "3");
    } else {
        job->verdict_path = c->verdict;
        job->nonce = c->nonce; /* fd 4, read and closed by the harness before any test */
    }
    /* The grader's wall-clock limit is the one meant to fire: while the
     * process tree is still alive it can say what was stuck (which process,
     * rank, thread; how many processes). The harness's own alarm is only a
     * backstop above it (its default, 120 s, could be below a long rubric
     * limit): if it fired first, the evidence would die with the process. */
    int backstop = (int)t->timeout_s + GR_HARNESS_BACKSTOP_S;
    gr_argv_add(a, bin);
    gr_argv_add(a, "--only");
    gr_argv_add(a, t->name);
    gr_argv_add(a, "--test-timeout");
    gr_argv_addf(a, "%d", backstop);
    gr_argv_add(a, "--verdict-fd");
    gr_argv_add(a, "3");
    if (job->nonce) {
        gr_argv_add(a, "--nonce-fd");
        gr_argv_add(a, "4");
    }
    if (timing) {
        gr_argv_add(a, "--timing");
    }
    gr_argv_add(a, "--seed"); /* the run's inputs: the same for the submission and the reference */
    gr_argv_addf(a, "%llu", (unsigned long long)r->seed);
}

/*
 * Does this test's checker run as root and start its subject as the runner
 * (checker/pl_spawn.h)? Only without bubblewrap: there every job's
 * processes share the runner user and one /proc, so a subject of one job
 * could signal another job's checker (or catch one between its exec and
 * becoming non-dumpable) - unless the checker is not the runner. In
 * bubblewrap each job has its own PID namespace and /proc, the checker
 * stays the runner and puts its subject in namespaces of its own.
 */
static int subject_user(const gr_test_run *c, const gr_run *r)
{
    return c->t->checker && r->sb.drop && !r->sb.use_bwrap;
}

/* The whole environment of a test: nothing of the grader's leaks in but the sanitizer settings. */
static void test_env(gr_test_run *c, gr_run *r, const char *tmp)
{
    gr_argv *e = &c->env;
    gr_argv_add(e, "PATH=/usr/local/bin:/usr/bin:/bin");
    gr_argv_addf(e, "HOME=%s", c->dir);
    gr_argv_addf(e, "TMPDIR=%s", tmp);
    gr_argv_add(e, "LANG=C.UTF-8");
    if (c->t->mpi && !c->t->checker) {
        /* mpiexec closes every descriptor above 2 in its ranks: only the environment
         * reaches them (these in-process tests trust the subject anyway, README.md). */
        gr_argv_addf(e, "PARALAB_VERDICT_NONCE=%s", c->nonce);
    }
    if (subject_user(c, r)) {
        gr_argv_addf(e, "PARALAB_SUBJECT_UID=%u:%u", (unsigned)r->sb.uid, (unsigned)r->sb.gid);
    }
    if (c->t->checker && c->t->mpi) {
        gr_argv_addf(e, "PARALAB_MPI_NP=%d", c->t->mpi_ranks);
        gr_argv_addf(e, "PARALAB_MPIEXEC=%s", r->mpiexec);
    }
    /* Open MPI's settings for its version, from scripts/mpi-env (mpienv.h); the
     * run-as-root ones only matter if no unprivileged user could be found (reported). */
    for (const char *const *m = gr_mpi_env(r); *m; m++) {
        gr_argv_add(e, *m);
    }
    /* Sanitizer settings (under --sanitize thread: Archer and suppressions, see main.c), and the
     * switch that grades as on a machine without namespaces (checker/pl_spawn.h; for tests). */
    static const char *const pass[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "TSAN_OPTIONS", "OMP_TOOL_LIBRARIES",
                                       "PARALAB_SUBJECT_NO_NAMESPACE", NULL};
    for (size_t i = 0; pass[i]; i++) {
        if (getenv(pass[i])) {
            gr_argv_addf(e, "%s=%s", pass[i], getenv(pass[i]));
        }
    }
}

gr_job *gr_test_job_new(gr_run *r, gr_test *t, int reference, int seq, int timing)
{
    gr_test_run *c = gr_xcalloc(1, sizeof *c);
    gr_job *job = gr_xcalloc(1, sizeof *job);
    c->r = r;
    c->t = t;
    c->reference = reference;
    c->dir = gr_fmt("%s/run/%d", r->work, seq);
    c->verdict = gr_fmt("%s/verdict", c->dir);
    char *tmp = gr_fmt("%s/tmp", c->dir);
    prepare_run_dir(c, r, tmp);
    /* A checker always comes from the reference build: trusted code the grader
     * compiled itself (it may run as root, subject_user), never a binary the
     * runner user built. It drives the subject of the build under test. */
    const char *build = reference ? r->ref_build : r->sub_build;
    char *bin = gr_fmt("%s/%s", t->checker ? r->ref_build : build, t->relpath);
    test_argv(c, job, bin, timing);
    test_env(c, r, tmp);
    char *subject = t->checker ? gr_test_subject(t, build) : NULL;
    if (subject) {
        gr_argv_addf(&c->env, "PARALAB_SUBJECT_BIN=%s", subject);
        free(subject);
    }
    free(bin);
    free(tmp);
    job->argv = c->argv.v;
    job->env = c->env.v;
    job->dir = c->dir;
    job->keep_root = subject_user(c, r);
    job->user = c;
    const gr_rubric *rb = &r->rubric;
    job->lim = (gr_limits){.wall_s = t->timeout_s, .procs = rb->procs, .memory_mb = rb->memory_mb,
                           .cpu_s = rb->cpu_s, .file_mb = rb->file_mb, .open_files = rb->open_files,
                           .output_max = (long)rb->output_mb << 20};
    return job;
}

char *gr_test_subject(const gr_test *t, const char *build)
{
    char *dir = gr_fmt("%s/%s", build, t->relpath);
    for (int up = 0; up < 2; up++) {
        char *slash = strrchr(dir, '/');
        if (slash == NULL) {
            break;
        }
        *slash = '\0';
        char *p = gr_fmt("%s/pl_subject_%s", dir, t->model);
        if (gr_is_file(p)) {
            free(dir);
            return p;
        }
        free(p);
    }
    free(dir);
    return NULL;
}

void gr_test_job_free(gr_job *job)
{
    gr_test_run *c = job->user;
    gr_argv_free(&c->argv);
    gr_argv_free(&c->env);
    gr_rm_rf(c->dir);
    free(c->dir);
    free(c->verdict);
    free(c);
    gr_job_free(job);
    free(job);
}

/* ---------------------------------------------------------------- verdicts */

/*
 * With --only NAME exactly one test runs: the harness writes one
 * "PASS suite/test" line when that test function returned without a failed
 * assertion, then "END 1 0" after CUnit returned. Both are required, and
 * nothing else: a PASS for another name, a second PASS or any FAIL means
 * the run was not the one we asked for.
 */
int gr_verdict_passed(const gr_verdict *v)
{
    return v->pass == 1 && v->pass_any == 1 && v->fail == 0 && v->end == 1 && v->end_passed == 1 &&
           v->end_failed == 0;
}

gr_verdict gr_parse_verdict(const char *text, const char *nonce, const char *name)
{
    gr_verdict v = {0};
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

gr_verdict gr_read_verdict(const gr_test_run *c)
{
    char *text = gr_read_file(c->verdict, MAX_VERDICT_BYTES, NULL);
    gr_verdict v = gr_parse_verdict(text, c->nonce, c->t->name);
    free(text);
    return v;
}
