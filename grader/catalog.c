/*
 * catalog.c - which tests there are, from the trusted reference build
 * (see run.h, gr_catalog).
 *
 * The list comes from the reference binaries (`test_X --list`), never from
 * the submission's: a submission could list fewer tests, or none, and
 * lose nothing. Each test gets its rubric rules here, once: points, limits,
 * hidden, performance.
 */
#include "run.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build.h"
#include "cache.h"
#include "mpienv.h"
#include "util.h"

/* `--list` prints names only: seconds even for MPI, 120 s on a machine too busy to matter. */
#define LIST_TIMEOUT_S 120
/* Names of the tests of one binary: a few KiB. */
#define MAX_LIST_BYTES (1 << 20)

/* MPI tests run under mpiexec, for the listing as for every run (a checker starts its own). */
static int is_mpi_model(const char *model)
{
    return strcmp(model, "mpi") == 0;
}

static void set_mpi_env(gr_run *r)
{
    /* setenv, not a job's environment: gr_exec passes ours on to mpiexec.
     * Listing the reference MPI binaries happens as ourselves, maybe root.
     * The settings' names differ between Open MPI 4 and 5: mpienv.h. */
    for (const char *const *e = gr_mpi_env(r); *e; e++) {
        putenv((char *)*e);
    }
}

/*
 * The names of the tests of one reference binary (its --list output), or
 * NULL. Listing runs the binary (as ourselves: it is trusted), which costs
 * a start-up each, MPI_Init included, so a cached reference build keeps the
 * lists beside itself and a run that reuses it lists nothing.
 */
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
    int st = gr_exec(mpi ? argv_mpi : argv_plain, r->work, out, LIST_TIMEOUT_S);
    char *text = gr_read_file(out, MAX_LIST_BYTES, NULL);
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

/*
 * Is this binary a checker (issue 14)? The reference build lists its
 * checkers in tests/checkers.txt (tests/CMakeLists.txt); the list is the
 * trusted build's, never the submission's.
 */
static int is_checker(const gr_run *r, const char *relpath)
{
    char *path = gr_fmt("%s/tests/checkers.txt", r->ref_build);
    char *text = gr_read_file(path, MAX_LIST_BYTES, NULL);
    free(path);
    int hit = 0;
    for (char *save = NULL, *line = text ? strtok_r(text, "\n", &save) : NULL; line && !hit;
         line = strtok_r(NULL, "\n", &save)) {
        hit = strcmp(line, relpath) == 0;
    }
    free(text);
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
                     const char *suite_of_bin, const char *name, int checker)
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
    t->checker = checker;
    t->rule = gr_rubric_match(&r->rubric, GR_RULE_TEST, name, model);
    t->perf = gr_rubric_match(&r->rubric, GR_RULE_PERF, name, model);
    /* A test no rule names is still graded, at the default points: a test
     * added to a suite counts from the next run, without a rubric edit. */
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
    int checker = is_checker(r, relpath);
    if (!gr_is_file(bin)) {
        gr_buf_addf(&r->notes, "note: the reference %s was not built; its tests are not graded\n", base);
    } else if ((text = list_binary(r, relpath, bin, is_mpi_model(model) && !checker)) == NULL) {
        gr_buf_addf(&r->notes, "note: %s --list failed; its tests are not graded\n", base);
    }
    for (char *save = NULL, *name = text ? strtok_r(text, "\n", &save) : NULL; name;
         name = strtok_r(NULL, "\n", &save)) {
        if (strchr(name, '/') != NULL && strchr(name, ' ') == NULL) { /* a "suite/test" line */
            add_test(r, relpath, base, model, suite_of_bin, name, checker);
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
