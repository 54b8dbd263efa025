/*
 * main.c - paralab-grade: build a submission against the trusted tests, run
 * every test in a sandbox, score it with the rubric, and report.
 *
 *   paralab-grade [options] [PATH]
 *
 * No PATH: grade the reference solutions (a full score is the expected
 * answer, and the way to check a rubric). PATH: a student's copy of labs/
 * (a directory, .zip or .tar.gz). Exit status 0 whenever grading completed,
 * whatever the score; 2 for the grader's own usage errors (bad options,
 * rubric mistakes, no project tree). See grader/README.md.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "cache.h"
#include "cmdline.h"
#include "grade.h"
#include "report.h"
#include "run.h"
#include "sanitize.h"
#include "util.h"

#ifndef PARALAB_SOURCE_DIR
#define PARALAB_SOURCE_DIR "."
#endif

static void usage(FILE *out)
{
    fprintf(out,
            "usage: paralab-grade [options] [PATH]\n"
            "Grade PATH (a copy of labs/: directory, .zip or .tar.gz) against the trusted tests;\n"
            "without PATH, grade the reference solutions.\n"
            "\n"
            "  --source-dir DIR       trusted paralab tree (default: %s, or $PARALAB_SOURCE_DIR)\n"
            "  --rubric FILE          points and limits (default: SOURCE/grader/rubric.txt)\n"
            "  --out DIR              where the result files go (default: ./out)\n"
            "  --format NAME[=FILE]   write this platform's result file (repeat, or NAME,NAME);\n"
            "                         without =FILE it is DIR/<the name below>:\n"
            "                           gradescope    results.json (the default without --format)\n"
            "                           prairielearn  prairielearn.json (PrairieLearn wants\n"
            "                                         /grade/results/results.json: grader/prairielearn)\n"
            "                           classroom50   result.json (classroom50/result/v1)\n"
            "                           github        github-result.b64 (autograding-grading-reporter)\n"
            "                           junit         junit.xml\n"
            "  --junit FILE           also write JUnit XML (= --format junit=FILE)\n"
            "  --only LAB             grade one lab (01-map, or its suite name: map)\n"
            "  --tests PATTERNS       only tests matching these comma-separated patterns\n"
            "                         (suite/test, wildcards allowed: map/n_*,futures/*)\n"
            "  --jobs N               tests run at the same time (default 2; perf runs are alone)\n"
            "  --seed N               the tests' inputs come from this seed (default: a fresh one,\n"
            "                         printed in the report: give it back to replay a run)\n"
            "  --no-perf              skip the performance runs (their points are 0)\n"
            "  --work DIR             scratch directory (default: a new one in $TMPDIR or /tmp)\n"
            "  --keep                 keep the scratch directory (builds, logs)\n"
            "  --reference-build DIR  reuse this built reference (PARALAB_IMPL=solutions) tree\n"
            "  --cache DIR            keep the reference build here and reuse it while the trusted\n"
            "                         tree is unchanged (default: $PARALAB_GRADE_CACHE, else\n"
            "                         /var/cache/paralab-grade as root, ~/.cache/paralab-grade)\n"
            "  --no-cache             build the reference for this run only\n"
            "  --runner-user NAME     unprivileged user for submissions when run as root\n"
            "                         (default paralab-runner, created if missing)\n"
            "  --no-bwrap             do not use bubblewrap even if it works\n"
            "  --sanitize KIND        build with address (ASan+UBSan) or thread (TSan)\n"
            "  --strip-solution FILE  print the skeleton of a solution file and exit\n"
            "  -h, --help             this text\n"
            "Exit status: 0 grading completed (any score), 2 usage or rubric error.\n",
            PARALAB_SOURCE_DIR);
}

/* The result files asked for (--format, --junit): every exit path writes them. */
static gr_outputs requested;

typedef struct options {
    const char *source_dir;
    const char *rubric;
    const char *out;
    const char *junit;
    const char *only;
    const char *tests;
    const char *work;
    const char *ref_build;
    const char *cache;
    const char *runner;
    const char *submission;
    int jobs;
    int keep;
    int no_perf;
    int no_bwrap;
    int no_cache;
    int sanitize;
    int seed_given;
    uint64_t seed;
} options;

/* --jobs N: 1..16 (more would only queue on a class's machines and blur timings). */
static int opt_jobs(void *opts, const char *v)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < 1 || n > 16) {
        fprintf(stderr, "paralab-grade: --jobs wants 1..16, not '%s'\n", v);
        return -1;
    }
    ((options *)opts)->jobs = (int)n;
    return 0;
}

/* --seed N: decimal, 0..2^64-1 (what the report printed). */
static int opt_seed(void *opts, const char *v)
{
    options *o = opts;
    if (gr_parse_u64(v, &o->seed) != 0) {
        fprintf(stderr, "paralab-grade: --seed wants a decimal number from 0 to 18446744073709551615, not '%s'\n",
                v);
        return -1;
    }
    o->seed_given = 1;
    return 0;
}

static int opt_sanitize(void *opts, const char *v)
{
    int kind = strcmp(v, "address") == 0 ? 1 : strcmp(v, "thread") == 0 ? 2 : 0;
    if (kind == 0) {
        fprintf(stderr, "paralab-grade: --sanitize wants address or thread, not '%s'\n", v);
        return -1;
    }
    ((options *)opts)->sanitize = kind;
    return 0;
}

static int opt_help(void *opts, const char *v)
{
    (void)opts;
    (void)v;
    usage(stdout);
    exit(0);
}

/* --strip-solution FILE: a tool for scripts/make-labs, not a grading run: print and exit. */
static int opt_strip_solution(void *opts, const char *v)
{
    (void)opts;
    gr_buf b = {0}, err = {0};
    gr_buf_add(&b, "");
    if (gr_strip_solution(v, &b, &err) != 0) {
        fprintf(stderr, "paralab-grade --strip-solution: %s", err.s ? err.s : "failed\n");
        exit(2);
    }
    fputs(b.s, stdout);
    exit(fflush(stdout) == 0 ? 0 : 2);
}

/* --format NAME[=FILE][,NAME...]: one more result file (report.h's table of formats). */
static int opt_format(void *opts, const char *v)
{
    (void)opts; /* the formats are gathered in `requested`, which report.h checks as they come */
    char err[256];
    if (gr_outputs_add(&requested, v, err, sizeof err) != 0) {
        fprintf(stderr, "paralab-grade: %s\n", err);
        return -1;
    }
    return 0;
}

/* To add an option: a field in options, a row here, a line in usage(). */
static const gr_opt option_table[] = {
    GR_OPT_STRING("--source-dir", options, source_dir),
    GR_OPT_STRING("--rubric", options, rubric),
    GR_OPT_STRING("--out", options, out),
    GR_OPT_STRING("--junit", options, junit),
    GR_OPT_STRING("--only", options, only),
    GR_OPT_STRING("--tests", options, tests),
    GR_OPT_STRING("--work", options, work),
    GR_OPT_STRING("--reference-build", options, ref_build),
    GR_OPT_STRING("--cache", options, cache),
    GR_OPT_STRING("--runner-user", options, runner),
    GR_OPT_FLAG("--keep", options, keep),
    GR_OPT_FLAG("--no-perf", options, no_perf),
    GR_OPT_FLAG("--no-bwrap", options, no_bwrap),
    GR_OPT_FLAG("--no-cache", options, no_cache),
    {"--jobs", 1, 0, opt_jobs},
    {"--seed", 1, 0, opt_seed},
    {"--format", 1, 0, opt_format},
    {"--sanitize", 1, 0, opt_sanitize},
    {"--strip-solution", 1, 0, opt_strip_solution},
    {"-h", 0, 0, opt_help},
    {"--help", 0, 0, opt_help},
};

/* A word that is no option: the submission (one at most), or a mistyped option. */
static int positional(void *opts, const char *a)
{
    options *o = opts;
    if (a[0] == '-' && a[1] != '\0') {
        fprintf(stderr, "paralab-grade: unknown option '%s' (see --help)\n", a);
        return -1;
    }
    if (o->submission != NULL) {
        fprintf(stderr, "paralab-grade: only one submission at a time ('%s' and '%s')\n", o->submission, a);
        return -1;
    }
    o->submission = a;
    return 0;
}

static int parse_args(int argc, char **argv, options *o)
{
    return gr_parse_options(argc, argv, option_table, sizeof option_table / sizeof option_table[0], o,
                            positional);
}

static char *absolute(const char *p)
{
    char buf[PATH_MAX];
    if (realpath(p, buf) == NULL) {
        return NULL;
    }
    return gr_xstrdup(buf);
}

static char *self_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) {
        return gr_xstrdup(".");
    }
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash) {
        *slash = '\0';
    }
    return gr_xstrdup(buf);
}

/* The result files even when we stop early: every platform must always get one. */
static void write_outputs(gr_run *r, const char *out, const char *junit)
{
    if (junit) {
        gr_outputs_set(&requested, GR_FMT_JUNIT, junit);
    }
    char *why = NULL;
    if (gr_outputs_prepare(&requested, out, &why) != 0) {
        fprintf(stderr, "paralab-grade: %s\n", why);
        free(why);
    }
    gr_outputs_write(r, &requested);
}

/* A problem of the grader's own set-up: say it, leave a results.json saying it, exit 2. */
static int fail_setup(gr_run *r, const char *out, const char *junit, char *msg)
{
    fprintf(stderr, "paralab-grade: %s\n", msg);
    if (r->rubric.hidden_visibility == NULL) {
        gr_rubric_defaults(&r->rubric);
    }
    r->build_error = gr_fmt("grader misconfigured: %s", msg);
    free(msg);
    write_outputs(r, out, junit);
    return 2;
}

/*
 * The scratch directory: 0711 so the runner user reaches its own job dirs
 * inside, but cannot list or read what the grader keeps there. NULL, or why not.
 */
static char *make_scratch(gr_run *r, const options *o)
{
    if (o->work) {
        gr_mkdir_p(o->work, 0711);
        r->work = absolute(o->work);
    } else {
        const char *t = getenv("TMPDIR");
        char *tmpl = gr_fmt("%s/paralab-grade-XXXXXX", t && *t ? t : "/tmp");
        r->work = mkdtemp(tmpl) ? tmpl : NULL;
        if (r->work == NULL) {
            free(tmpl);
        }
    }
    if (r->work == NULL || chmod(r->work, 0711) != 0) {
        return gr_fmt("cannot create a scratch directory: %s", strerror(errno));
    }
    return NULL;
}

/* Source tree, rubric, submission path and scratch directory. 0, or 2 after fail_setup. */
static int setup_run(gr_run *r, const options *o, const char *out)
{
    const char *src_arg = o->source_dir ? o->source_dir
                                        : (getenv("PARALAB_SOURCE_DIR") ? getenv("PARALAB_SOURCE_DIR")
                                                                        : PARALAB_SOURCE_DIR);
    char *src = absolute(src_arg);
    char *probe = src ? gr_fmt("%s/tests/harness.c", src) : NULL;
    int is_tree = probe && gr_is_file(probe);
    free(probe);
    if (!is_tree) {
        free(src);
        return fail_setup(r, out, o->junit,
                          gr_fmt("%s is not a paralab source tree (no tests/harness.c); use --source-dir", src_arg));
    }
    r->source_dir = src;
    char *rubric = o->rubric ? gr_xstrdup(o->rubric) : gr_fmt("%s/grader/rubric.txt", src);
    char err[8192];
    int bad_rubric = gr_rubric_load(rubric, &r->rubric, err, sizeof err) != 0;
    free(rubric);
    if (bad_rubric) {
        return fail_setup(r, out, o->junit, gr_fmt("the rubric has errors:\n%s", err));
    }
    if (o->only && r->rubric.n_labs > 0 && !gr_rubric_names_lab(&r->rubric, o->only)) {
        char *labs = gr_rubric_lab_list(&r->rubric);
        char *msg = gr_fmt("--only %s: no such lab; the rubric's labs (suites): %s", o->only, labs);
        free(labs);
        return fail_setup(r, out, o->junit, msg);
    }
    if (o->submission && (r->submission = absolute(o->submission)) == NULL) {
        return fail_setup(r, out, o->junit, gr_fmt("%s: %s", o->submission, strerror(errno)));
    }
    if (r->submission && !gr_is_dir(r->submission) &&
        (!gr_is_file(r->submission) || gr_archive_kind(r->submission) == 0)) {
        /* README.md by mistake: say so now, not with a report of zeros. */
        return fail_setup(r, out, o->junit,
                          gr_fmt("%s is not a submission: give a directory (a copy of labs/) "
                                 "or a .zip, .tar.gz, .tgz or .tar archive of one", o->submission));
    }
    char *tsan_problem = o->sanitize == 2 ? gr_setup_tsan(r) : NULL;
    if (tsan_problem) {
        return fail_setup(r, out, o->junit, tsan_problem);
    }
    if (o->ref_build && (r->ref_build = absolute(o->ref_build)) == NULL) {
        return fail_setup(r, out, o->junit, gr_fmt("--reference-build %s: %s", o->ref_build, strerror(errno)));
    }
    char *why = make_scratch(r, o);
    if (why != NULL) {
        return fail_setup(r, out, o->junit, why);
    }
    /* The tests' inputs come from it (tests/harness.h): fresh each run, unless --seed replays one. */
    r->seed = o->seed_given ? o->seed : gr_random_u64();
    gr_buf_addf(&r->notes, "seed: %llu (the tests' inputs; paralab-grade --seed %llu replays them)\n",
                (unsigned long long)r->seed, (unsigned long long)r->seed);
    return 0;
}

/*
 * What jobs run besides the tests, copied where the sandbox shows them (the
 * source tree may be hidden): the verdict shim, the archive reader, and
 * ThreadSanitizer's suppressions.
 */
static void install_helpers(gr_run *r)
{
    char *bin_dir = gr_fmt("%s/bin", r->work);
    gr_mkdir_p(bin_dir, 0755);
    char *mydir = self_dir();
    char *shim_src = gr_fmt("%s/paralab-verdict-shim", mydir);
    r->shim = gr_fmt("%s/paralab-verdict-shim", bin_dir);
    if (gr_copy_file(shim_src, r->shim, 0755) != 0) {
        gr_buf_addf(&r->notes, "note: %s missing: MPI tests cannot report verdicts\n", shim_src);
    }
    free(shim_src);
    /* The archive reader runs as a sandboxed job too (unpack_job.c). */
    char *unpack_src = gr_fmt("%s/paralab-unpack", mydir);
    if (gr_is_file(unpack_src)) {
        r->unpacker = gr_fmt("%s/paralab-unpack", bin_dir);
        if (gr_copy_file(unpack_src, r->unpacker, 0755) != 0) {
            free(r->unpacker);
            r->unpacker = NULL;
        }
    }
    free(unpack_src);
    if (r->tsan_supp) {
        /* The source tree is hidden from jobs: they read their copy. The caller's
         * own TSAN_OPTIONS come last, so they win. */
        char *copy = gr_fmt("%s/tsan.supp", bin_dir);
        gr_copy_file(r->tsan_supp, copy, 0644);
        const char *mine = getenv("TSAN_OPTIONS");
        char *tsan = gr_fmt("suppressions=%s ignore_noninstrumented_modules=1 halt_on_error=0 "
                            "second_deadlock_stack=1%s%s", copy, mine ? " " : "", mine ? mine : "");
        setenv("TSAN_OPTIONS", tsan, 1);
        free(tsan);
        free(r->tsan_supp);
        r->tsan_supp = copy;
    }
    free(mydir);
    free(bin_dir);
}

/* The sandbox, and what jobs need inside it (the verdict shim, mpiexec). */
static void setup_sandbox(gr_run *r, const options *o)
{
    gr_sandbox_init(&r->sb, o->runner, o->no_bwrap, o->sanitize);
    if (r->submission) {
        /* The instructor's tree (solutions!) is invisible to sandboxed jobs. */
        gr_sandbox_hide(&r->sb, r->source_dir);
    }
    gr_sandbox_show(&r->sb, r->work);
    if (r->ref_build && !gr_sandbox_reaches(&r->sb, r->ref_build)) {
        /* Its tests would run as the runner user, who cannot get there. */
        gr_buf_addf(&r->notes, "note: --reference-build %s is out of the runner user's reach "
                               "(a private parent directory): building the reference instead\n",
                    r->ref_build);
        free(r->ref_build);
        r->ref_build = NULL;
    }
    if (r->ref_build) {
        gr_sandbox_show(&r->sb, r->ref_build);
    }
    char sbtext[2048];
    gr_sandbox_describe(&r->sb, sbtext, sizeof sbtext);
    char mtext[1024];
    gr_machine_describe(&r->machine, mtext, sizeof mtext);
    fprintf(stderr, "paralab-grade: grading %s\n  source: %s\n  work: %s\n  machine: %s\n%s",
            r->submission ? r->submission : "the reference solutions", r->source_dir, r->work, mtext, sbtext);

    install_helpers(r);
    r->mpiexec = gr_which("mpiexec");
    if (r->mpiexec == NULL) {
        r->mpiexec = gr_xstrdup("/usr/bin/mpiexec");
    }
}

/*
 * The machine, said at the top of the report: a speedup measured on half a
 * CPU means nothing, and a student should know why a perf test did not count.
 */
static void note_machine(gr_run *r)
{
    const gr_machine *m = &r->machine;
    char text[1024];
    gr_machine_describe(m, text, sizeof text);
    gr_buf_addf(&r->notes, "machine: %s\n", text);
    int small_mem = m->mem_bytes > 0 && m->mem_bytes < (1LL << 30);
    if (m->cpus < 2 || small_mem) {
        gr_buf_addf(&r->notes,
                    "note: the grader may use %.2g CPU%s and %.0f MiB here. Gradescope's default container "
                    "has 1/2 vCPU and 768 MB: performance tests that need more CPUs than this are "
                    "informational (full points, and a note saying so). Give the autograder 2 CPUs for "
                    "them to count.\n",
                    m->cpus, m->cpus == 1 ? "" : "s", (double)m->mem_bytes / (1 << 20));
    }
}

/* --only/--tests left nothing of a catalog that has tests: a usage error, with what exists. */
static char *empty_selection(const gr_run *r, const options *o)
{
    gr_buf b = {0};
    gr_buf_add(&b, "");
    if (o->only) {
        gr_buf_addf(&b, "--only %s ", o->only);
    }
    if (o->tests) {
        gr_buf_addf(&b, "%s--tests %s ", o->only ? "with " : "", o->tests);
    }
    const char *labs = r->catalog_labs.s ? r->catalog_labs.s : "";
    gr_buf_addf(&b, "selects none of the %zu tests; labs (suites) with tests:%.*s", r->n_catalogued,
                (int)(strlen(labs) ? strlen(labs) - 1 : 0), labs); /* without the last ',' */
    if (o->tests) {
        gr_buf_add(&b, "; --tests takes suite/test patterns, e.g. map/n_*");
    }
    return b.s;
}

/*
 * Build, catalog, run, time. Problems of the submission end up in r
 * (build_error, reasons), never stop us; 2 (with *usage set) when the
 * command line selected no test at all.
 */
static int grade(gr_run *r, const options *o, double *t_ref, double *t_build, char **usage)
{
    double t0 = gr_now();
    fprintf(stderr, r->tty ? "preparing the reference build..." : "paralab-grade: preparing the reference build...\n");
    if (gr_build_reference(r) == 0 && gr_catalog(r) != 0 && !r->build_error) {
        if (r->n_catalogued > 0) {
            *usage = empty_selection(r, o);
            return 2;
        }
        r->build_error = gr_xstrdup("the reference build has no tests for the graded models");
    }
    if (r->tty) {
        fprintf(stderr, "\r\033[K");
    }
    *t_ref = gr_now() - t0;
    if (!r->build_error) {
        if (r->submission) {
            fprintf(stderr, "paralab-grade: building the submission...\n");
            gr_build_submission(r);
        } else {
            r->sub_build = gr_xstrdup(r->ref_build);
        }
    }
    *t_build = gr_now() - t0;
    gr_mark_unbuilt(r);
    if (!r->build_error) {
        gr_run_tests(r);
        if (!o->no_perf) {
            gr_run_perf(r);
        }
    }
    if (o->no_perf) {
        /* Not measured is not failed: the perf points leave the total. */
        for (size_t i = 0; i < r->n_tests; i++) {
            r->tests[i].perf = NULL;
            r->tests[i].perf_max = 0;
        }
    }
    return 0;
}

/* The score table and where the results went, on stdout; the scratch directory goes unless --keep. */
static void print_summary(gr_run *r, const options *o, double t_ref, double t_build)
{
    char *text = gr_report_text(r, 1);
    fputs(text, stdout);
    free(text);
    fprintf(stdout, "\nGraded in %.1f s (reference build %.1f s, builds %.1f s); results in",
            gr_now() - r->started, t_ref, t_build);
    for (int f = 0; f < GR_FMT_COUNT; f++) {
        if (requested.wanted[f]) {
            fprintf(stdout, " %s", requested.path[f]);
        }
    }
    fputs("\n", stdout);
    if (!o->keep) {
        gr_rm_rf(r->work);
    } else {
        fprintf(stdout, "Scratch directory kept: %s\n", r->work);
    }
}

int main(int argc, char **argv)
{
    options o = {.jobs = 2, .runner = "paralab-runner", .out = "out"};
    gr_run r = {0};
    r.started = gr_now();
    if (parse_args(argc, argv, &o) != 0) {
        /* Even a wrong command line leaves a results.json behind (Gradescope). */
        if (gr_mkdir_p(o.out, 0755) == 0) {
            return fail_setup(&r, o.out, NULL, gr_xstrdup("bad command line (see paralab-grade --help)"));
        }
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0); /* the nonces: no ptrace, no /proc/PID/mem for our user's jobs */
    r.jobs = o.jobs;
    r.only_lab = o.only;
    r.only_tests = o.tests;
    r.cache_dir = o.cache;
    r.no_cache = o.no_cache;
    r.ref_lock_fd = -1;
    r.tty = isatty(2);
    size_t out_len = strlen(o.out);
    if (o.junit && strncmp(o.junit, o.out, out_len) == 0 && o.junit[out_len] == '/') {
        gr_mkdir_p(o.out, 0755); /* --junit OUT/x.xml: OUT is made anyway, make it before the probe */
    }
    if (o.junit && gr_probe_writable(o.junit) != 0) {
        /* Found out now, not after minutes of grading (and not mid-report). */
        char *msg = gr_fmt("cannot write --junit %s: %s", o.junit, strerror(errno));
        return gr_mkdir_p(o.out, 0755) == 0 ? fail_setup(&r, o.out, NULL, msg) : (free(msg), 2);
    }
    if (o.junit) {
        gr_outputs_set(&requested, GR_FMT_JUNIT, o.junit);
    }
    char *why = NULL;
    if (gr_outputs_prepare(&requested, o.out, &why) != 0) {
        fprintf(stderr, "paralab-grade: %s\n", why);
        return 2;
    }
    /* --out is only made when a format writes into it. */
    char *out = gr_is_dir(o.out) ? absolute(o.out) : gr_xstrdup(o.out);
    if (out == NULL || setup_run(&r, &o, out) != 0) {
        return 2;
    }
    gr_machine_detect(&r.machine);
    note_machine(&r);
    setup_sandbox(&r, &o);
    double t_ref = 0, t_build = 0;
    char *usage_error = NULL;
    int rc = grade(&r, &o, &t_ref, &t_build, &usage_error);
    gr_sandbox_sweep(&r.sb);
    if (rc != 0) {
        if (!o.keep) {
            gr_rm_rf(r.work);
        }
        return fail_setup(&r, out, o.junit, usage_error);
    }

    write_outputs(&r, out, o.junit);
    print_summary(&r, &o, t_ref, t_build);
    return 0;
}
