/*
 * run.c - running the catalogued tests, and the timing runs of the
 * performance tests (see run.h).
 *
 * Each test runs as its own sandboxed job (test_job.c) and is judged as
 * it ends (judge.c); the catalog is catalog.c. Here: which tests run at all
 * (a lab file that is missing, untouched or broken scores 0 without
 * running), the grading time budget, and progress on the terminal.
 */
#include "run.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "perf.h"
#include "judge.h"
#include "test_job.h"
#include "util.h"

/*
 * After this many timeouts in one test binary, its remaining tests get the
 * rubric's short limit: a binary whose tests keep hanging (a deadlocked
 * map) would otherwise cost timeout x tests of the budget. Two, so one
 * unlucky test never shortens the others.
 */
#define TIMEOUTS_BEFORE_SHORT 2
/* Timing runs live in run/<dir> numbered apart from the tests' (0 .. n_tests). */
#define TIMING_DIR_BASE 100000
#define TIMING_DIRS_PER_TEST 1000
/* Rounds of reference-vs-submission timing runs at most (perf.h). */
#define PERF_MAX_ROUNDS 3
/* What one timing run costs beyond the test's own time: process and MPI start-up, in seconds. */
#define RUN_OVERHEAD_S 2

typedef struct batch {
    gr_run *r;
    size_t done, total, failed;
    char **timeout_bins; /* binaries and how many of their tests timed out */
    int *timeout_count;
    size_t n_bins;
} batch;

/* How many tests of binary bin timed out so far (a counter we may increment). */
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

/*
 * Just before a test starts (gr_run_jobs' started): its limit, cut to what
 * is left of the budget, so the grader always finishes and writes its
 * report; a test that cannot get a second is skipped (and scores 0, said).
 */
static void on_start(gr_job *job, void *ctx)
{
    batch *b = ctx;
    gr_test_run *c = job->user;
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
    int hangs = *timeouts_of(b, c->t->binary);
    if (hangs >= TIMEOUTS_BEFORE_SHORT && job->lim.wall_s > b->r->rubric.short_timeout_s) {
        job->lim.wall_s = b->r->rubric.short_timeout_s;
    }
    if (b->r->tty) {
        fprintf(stderr, "\r\033[K[%3zu/%zu, %zu failed, %.0f s] %-6s %s", b->done + 1, b->total, b->failed,
                gr_now() - b->r->started, c->t->model, c->t->name);
        fflush(stderr);
    }
}

/*
 * As each test ends: judged at once, so its job and directory can go (a
 * class's runs would otherwise keep thousands of directories around).
 */
static void on_done(gr_job *job, void *ctx)
{
    batch *b = ctx;
    gr_test_run *c = job->user;
    gr_judge(b->r, c->t, job, c);
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
    gr_test_job_free(job);
}

/*
 * A test binary the submission's build did not produce scores 0 with the
 * reason that matters: which file broke it (compile errors), else a link error.
 */
void gr_mark_unbuilt(gr_run *r)
{
    for (size_t i = 0; i < r->n_tests; i++) {
        gr_test *t = &r->tests[i];
        /* A checker comes from the reference build (test_job.c): what the submission must build is its subject. */
        char *bin = r->sub_build == NULL ? NULL
                    : t->checker         ? gr_test_subject(t, r->sub_build)
                                         : gr_fmt("%s/%s", r->sub_build, t->relpath);
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

/* The note about lab's file of model (lab NULL: any lab's), or NULL. */
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
        jobs[n] = gr_test_job_new(r, t, 0, (int)i, 0);
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

int gr_verdict_says_passed(const char *text, const char *nonce, const char *name)
{
    gr_verdict v = gr_parse_verdict(text, nonce, name);
    return gr_verdict_passed(&v);
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
    int dir = TIMING_DIR_BASE + (int)pc->idx * TIMING_DIRS_PER_TEST + seq;
    gr_job *job = gr_test_job_new(pc->r, pc->t, reference, dir, 1);
    gr_job *one = job;
    gr_run_jobs(&pc->r->sb, &one, 1, 1, NULL, NULL, NULL);
    gr_test_run *c = job->user;
    gr_verdict v = gr_read_verdict(c);
    int clean = job->exited && !job->timed_out && !job->flooded && WIFEXITED(job->status) &&
                WEXITSTATUS(job->status) == 0;
    /* Exactly one figure for the test we asked for: two would mean someone else wrote one. */
    int ok = clean && gr_verdict_passed(&v) && v.times == 1 && v.time.s > 0;
    *out = ok ? v.time : (gr_figure){0};
    gr_test_job_free(job);
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
        double round_cost = 2.0 * t->perf->runs * (t->seconds + RUN_OVERHEAD_S);
        gr_perf_setup ps = {.runs = t->perf->runs, .max_rounds = PERF_MAX_ROUNDS, .full_ratio = t->perf->full_ratio,
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
