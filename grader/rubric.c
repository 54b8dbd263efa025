/*
 * rubric.c - parse and query the rubric file (format: grader/rubric.txt).
 *
 * The format is deliberately tiny - one rule per line, words separated by
 * blanks, '#' starts a comment - so an instructor can edit it without a
 * manual, and a typo is an error with a line number rather than a silently
 * different grade.
 */
#include "rubric.h"

#include <errno.h>
#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define MAX_WORDS 32

static const char *const known_models[] = {"serial", "openmp", "fork", "mpi", NULL};

static void set_models(char **dst, const char *const *src)
{
    for (size_t i = 0; i < GR_MAX_MODELS; i++) {
        free(dst[i]);
        dst[i] = NULL;
    }
    for (size_t i = 0; src[i] && i + 1 < GR_MAX_MODELS; i++) {
        dst[i] = gr_xstrdup(src[i]);
    }
}

void gr_rubric_defaults(gr_rubric *r)
{
    memset(r, 0, sizeof *r);
    r->timeout_s = 30;
    r->short_timeout_s = 5;
    r->budget_s = 480;
    r->default_points = 1;
    static const char *const student_models[] = {"openmp", "fork", "mpi", NULL};
    set_models(r->models, student_models);
    r->mpi_ranks = 2;
    r->procs = 512;
    r->memory_mb = 2048;
    r->cpu_s = 120;
    r->file_mb = 64;
    r->open_files = 256;
    r->output_mb = 16;
    r->perf_floor_ms = 50;
    r->hidden_visibility = gr_xstrdup("hidden");
}

static int is_known_model(const char *m)
{
    for (size_t i = 0; known_models[i]; i++) {
        if (strcmp(known_models[i], m) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Gradescope's visibility values for a hidden test. */
static int is_visibility(const char *v)
{
    return strcmp(v, "hidden") == 0 || strcmp(v, "after_due_date") == 0 || strcmp(v, "after_published") == 0;
}

typedef struct parse_ctx {
    const char *file;
    int line;
    gr_buf *err;
    int errors;
} parse_ctx;

static void perr(parse_ctx *c, const char *fmt, const char *a, const char *b)
{
    gr_buf_addf(c->err, "%s:%d: ", c->file, c->line);
    gr_buf_addf(c->err, fmt, a ? a : "", b ? b : "");
    gr_buf_add(c->err, "\n");
    c->errors++;
}

static int parse_num(parse_ctx *c, const char *what, const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
        char range[96];
        snprintf(range, sizeof range, "a number from %g to %g", lo, hi);
        gr_buf_addf(c->err, "%s:%d: %s must be %s, not '%s'\n", c->file, c->line, what, range, s);
        c->errors++;
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_int(parse_ctx *c, const char *what, const char *s, int lo, int hi, int *out)
{
    double v;
    if (parse_num(c, what, s, lo, hi, &v) != 0) {
        return -1;
    }
    if (v != (double)(int)v) {
        perr(c, "%s must be a whole number, not '%s'", what, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

/* "openmp,fork" or "*" -> NULL-terminated list; every name must be a model. */
static int parse_models(parse_ctx *c, const char *s, char **out)
{
    char *copy = gr_xstrdup(s);
    size_t n = 0;
    int rc = 0;
    for (char *save = NULL, *m = strtok_r(copy, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
        if (strcmp(m, "*") != 0 && !is_known_model(m)) {
            perr(c, "unknown model '%s' (models: serial, openmp, fork, mpi, or * for all)%s", m, "");
            rc = -1;
            continue;
        }
        if (n + 1 < GR_MAX_MODELS) {
            out[n++] = gr_xstrdup(m);
        }
    }
    if (n == 0 && rc == 0) {
        perr(c, "empty model list '%s'%s", s, "");
        rc = -1;
    }
    out[n] = NULL;
    free(copy);
    return rc;
}

/*
 * The numeric settings of `set NAME VALUE`: one row each instead of one
 * branch each, so a new limit is one line. what names the value in an
 * error; lo..hi is what a rubric may ask for; offset is where it goes in
 * gr_rubric (an int field when is_int, else a double).
 */
typedef struct num_setting {
    const char *key, *what;
    double lo, hi;
    int is_int;
    size_t offset;
} num_setting;

static const num_setting num_settings[] = {
    {"timeout", "timeout (seconds)", 1, 3600, 0, offsetof(gr_rubric, timeout_s)},
    {"budget", "budget (seconds)", 10, 86400, 0, offsetof(gr_rubric, budget_s)},
    {"short-timeout", "short-timeout (seconds)", 1, 3600, 0, offsetof(gr_rubric, short_timeout_s)},
    {"default-points", "default-points", 0, 1e6, 0, offsetof(gr_rubric, default_points)},
    {"mpi-ranks", "mpi-ranks", 2, 64, 1, offsetof(gr_rubric, mpi_ranks)},
    {"procs", "procs", 16, 1 << 20, 1, offsetof(gr_rubric, procs)},
    {"memory-mb", "memory-mb", 64, 1 << 24, 1, offsetof(gr_rubric, memory_mb)},
    {"cpu-seconds", "cpu-seconds", 1, 86400, 1, offsetof(gr_rubric, cpu_s)},
    {"file-mb", "file-mb", 1, 1 << 20, 1, offsetof(gr_rubric, file_mb)},
    {"open-files", "open-files", 32, 1 << 20, 1, offsetof(gr_rubric, open_files)},
    {"output-mb", "output-mb", 1, 1 << 14, 1, offsetof(gr_rubric, output_mb)},
    {"perf-floor-ms", "perf-floor-ms", 0, 1e6, 0, offsetof(gr_rubric, perf_floor_ms)},
};

static const num_setting *find_num_setting(const char *key)
{
    for (size_t i = 0; i < sizeof num_settings / sizeof num_settings[0]; i++) {
        if (strcmp(num_settings[i].key, key) == 0) {
            return &num_settings[i];
        }
    }
    return NULL;
}

static void parse_set(parse_ctx *c, gr_rubric *r, char **w, int n)
{
    if (n != 3 && !(n >= 3 && strcmp(w[1], "models") == 0)) {
        perr(c, "'set' takes a name and one value: set NAME VALUE%s%s", NULL, NULL);
        return;
    }
    const char *k = w[1];
    const char *v = w[2];
    const num_setting *ns = find_num_setting(k);
    if (ns != NULL) {
        void *field = (char *)r + ns->offset;
        if (ns->is_int) {
            parse_int(c, ns->what, v, (int)ns->lo, (int)ns->hi, field);
        } else {
            parse_num(c, ns->what, v, ns->lo, ns->hi, field);
        }
    } else if (strcmp(k, "models") == 0) {
        char *ms[GR_MAX_MODELS] = {0};
        gr_buf joined = {0};
        for (int i = 2; i < n; i++) {
            gr_buf_addf(&joined, "%s%s", i > 2 ? "," : "", w[i]);
        }
        if (parse_models(c, joined.s, ms) == 0) {
            set_models(r->models, (const char *const *)ms);
        }
        for (size_t i = 0; i < GR_MAX_MODELS; i++) {
            free(ms[i]);
        }
        gr_buf_free(&joined);
    } else if (strcmp(k, "hidden-visibility") == 0) {
        if (!is_visibility(v)) {
            perr(c, "hidden-visibility must be hidden, after_due_date or after_published, not '%s'%s", v, NULL);
        } else {
            free(r->hidden_visibility);
            r->hidden_visibility = gr_xstrdup(v);
        }
    } else {
        perr(c, "unknown setting '%s' (known: timeout, short-timeout, budget, default-points, models, "
                "mpi-ranks, procs, memory-mb, cpu-seconds, file-mb, open-files, output-mb, "
                "perf-floor-ms, hidden-visibility)%s", k, NULL);
    }
}

/* One option of a test or perf rule (hidden, hidden=WHEN, timeout=S, ...). */
static void parse_rule_option(parse_ctx *c, gr_rule *rule, gr_rule_kind kind, const char *o, const char *verb)
{
    const char *eq = strchr(o, '=');
    if (strcmp(o, "hidden") == 0) {
        rule->hidden = 1;
    } else if (strncmp(o, "hidden=", 7) == 0) {
        /* Per rule: one test shown after the deadline, another never. */
        if (!is_visibility(eq + 1)) {
            perr(c, "hidden= must be hidden, after_due_date or after_published, not '%s'%s", eq + 1, NULL);
        } else {
            rule->hidden = 1;
            free(rule->visibility);
            rule->visibility = gr_xstrdup(eq + 1);
        }
    } else if (eq && strncmp(o, "timeout=", 8) == 0) {
        parse_num(c, "timeout=", eq + 1, 1, 3600, &rule->timeout_s);
    } else if (kind == GR_RULE_PERF && eq && strncmp(o, "full=", 5) == 0) {
        parse_num(c, "full=", eq + 1, 0.1, 100, &rule->full_ratio);
    } else if (kind == GR_RULE_PERF && eq && strncmp(o, "zero=", 5) == 0) {
        parse_num(c, "zero=", eq + 1, 0.1, 1000, &rule->zero_ratio);
    } else if (kind == GR_RULE_PERF && eq && strncmp(o, "runs=", 5) == 0) {
        parse_int(c, "runs=", eq + 1, 1, 50, &rule->runs);
    } else if (kind == GR_RULE_PERF && eq && strncmp(o, "cpus=", 5) == 0) {
        parse_num(c, "cpus=", eq + 1, 0.1, 1024, &rule->cpus);
    } else if (eq && strncmp(o, "ranks=", 6) == 0) {
        parse_int(c, "ranks=", eq + 1, 2, 64, &rule->ranks);
    } else {
        perr(c, "unknown option '%s' for '%s' (test: hidden, hidden=WHEN, timeout=S, ranks=N; perf also: full=R, "
                "zero=R, runs=N, cpus=N)", o, verb);
    }
}

static void parse_rule(parse_ctx *c, gr_rubric *r, gr_rule_kind kind, char **w, int n)
{
    if (n < 4) {
        perr(c, "'%s' needs a pattern, models and points: %s PATTERN MODELS POINTS [options]",
             w[0], w[0]);
        return;
    }
    gr_rule rule = {0};
    rule.kind = kind;
    rule.line = c->line;
    rule.full_ratio = 1.3;
    rule.zero_ratio = 3.0;
    rule.runs = 3;
    int before = c->errors;
    if (strchr(w[1], '/') == NULL) {
        perr(c, "test pattern '%s' must look like SUITE/TEST (wildcards allowed, e.g. map/*)%s", w[1], NULL);
    }
    rule.pattern = gr_xstrdup(w[1]);
    parse_models(c, w[2], rule.models);
    parse_num(c, "points", w[3], 0, 1e6, &rule.points);
    for (int i = 4; i < n; i++) {
        parse_rule_option(c, &rule, kind, w[i], w[0]);
    }
    if (kind == GR_RULE_PERF && rule.full_ratio >= rule.zero_ratio) {
        perr(c, "full= must be smaller than zero= (full points at full=, none at zero=)%s%s", NULL, NULL);
    }
    if (c->errors != before) {
        free(rule.pattern);
        free(rule.visibility);
        for (size_t i = 0; i < GR_MAX_MODELS; i++) {
            free(rule.models[i]);
        }
        return;
    }
    r->rules = gr_xrealloc(r->rules, (r->n_rules + 1) * sizeof *r->rules);
    r->rules[r->n_rules++] = rule;
}

static void parse_lab(parse_ctx *c, gr_rubric *r, char **w, int n)
{
    if (n < 3) {
        perr(c, "'lab' needs a lab directory and its suites: lab 01-map map%s%s", NULL, NULL);
        return;
    }
    for (int i = 2; i < n; i++) {
        if (gr_rubric_lab_of(r, w[i])) {
            perr(c, "suite '%s' already belongs to lab %s", w[i], gr_rubric_lab_of(r, w[i]));
            continue;
        }
        r->labs = gr_xrealloc(r->labs, (r->n_labs + 1) * sizeof *r->labs);
        r->labs[r->n_labs].lab = gr_xstrdup(w[1]);
        r->labs[r->n_labs].suite = gr_xstrdup(w[i]);
        r->n_labs++;
    }
}

/* Split on blanks, dropping a '#' comment that starts a word. */
static int split(char *line, char **w)
{
    int n = 0;
    for (char *save = NULL, *t = strtok_r(line, " \t\r\n", &save); t && n < MAX_WORDS;
         t = strtok_r(NULL, " \t\r\n", &save)) {
        if (t[0] == '#') {
            break;
        }
        w[n++] = t;
    }
    return n;
}

int gr_rubric_load(const char *path, gr_rubric *r, char *err, size_t errlen)
{
    gr_rubric_defaults(r);
    r->path = gr_xstrdup(path);
    gr_buf eb = {0};
    parse_ctx c = {.file = path, .err = &eb};
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot read the rubric: %s", path, strerror(errno));
        return -1;
    }
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        c.line++;
        if (strchr(line, '\n') == NULL && !feof(f)) {
            perr(&c, "line too long (over 4095 characters)%s%s", NULL, NULL);
            int ch;
            while ((ch = fgetc(f)) != EOF && ch != '\n') {
            }
            continue;
        }
        char *w[MAX_WORDS];
        int n = split(line, w);
        if (n == 0) {
            continue;
        }
        if (strcmp(w[0], "set") == 0) {
            parse_set(&c, r, w, n);
        } else if (strcmp(w[0], "lab") == 0) {
            parse_lab(&c, r, w, n);
        } else if (strcmp(w[0], "test") == 0) {
            parse_rule(&c, r, GR_RULE_TEST, w, n);
        } else if (strcmp(w[0], "perf") == 0) {
            parse_rule(&c, r, GR_RULE_PERF, w, n);
        } else {
            perr(&c, "unknown keyword '%s' (a line starts with set, lab, test or perf)%s", w[0], NULL);
        }
    }
    fclose(f);
    if (c.errors > 0) {
        snprintf(err, errlen, "%s", eb.s ? eb.s : "");
        gr_buf_free(&eb);
        return -1;
    }
    gr_buf_free(&eb);
    return 0;
}

int gr_rubric_graded_model(const gr_rubric *r, const char *model)
{
    for (size_t i = 0; r->models[i]; i++) {
        if (strcmp(r->models[i], "*") == 0 || strcmp(r->models[i], model) == 0) {
            return 1;
        }
    }
    return 0;
}

static int rule_has_model(const gr_rule *rule, const char *model)
{
    for (size_t i = 0; rule->models[i]; i++) {
        if (strcmp(rule->models[i], "*") == 0 || strcmp(rule->models[i], model) == 0) {
            return 1;
        }
    }
    return 0;
}

gr_rule *gr_rubric_match(gr_rubric *r, gr_rule_kind kind, const char *name, const char *model)
{
    for (size_t i = 0; i < r->n_rules; i++) {
        gr_rule *rule = &r->rules[i];
        if (rule->kind == kind && rule_has_model(rule, model) && fnmatch(rule->pattern, name, 0) == 0) {
            rule->used = 1;
            return rule;
        }
    }
    return NULL;
}

const char *gr_rubric_lab_of(const gr_rubric *r, const char *suite)
{
    for (size_t i = 0; i < r->n_labs; i++) {
        if (strcmp(r->labs[i].suite, suite) == 0) {
            return r->labs[i].lab;
        }
    }
    return NULL;
}

int gr_rubric_names_lab(const gr_rubric *r, const char *name)
{
    for (size_t i = 0; i < r->n_labs; i++) {
        if (strcmp(r->labs[i].lab, name) == 0 || strcmp(r->labs[i].suite, name) == 0) {
            return 1;
        }
    }
    return 0;
}

char *gr_rubric_lab_list(const gr_rubric *r)
{
    gr_buf b = {0};
    gr_buf_add(&b, "");
    for (size_t i = 0; i < r->n_labs; i++) {
        size_t k = 0;
        while (k < i && strcmp(r->labs[k].lab, r->labs[i].lab) != 0) {
            k++;
        }
        if (k < i) {
            continue; /* listed with its first suite */
        }
        gr_buf_addf(&b, "%s%s (", i ? ", " : "", r->labs[i].lab);
        for (size_t j = i; j < r->n_labs; j++) {
            if (strcmp(r->labs[j].lab, r->labs[i].lab) == 0) {
                gr_buf_addf(&b, "%s%s", j > i ? ", " : "", r->labs[j].suite);
            }
        }
        gr_buf_add(&b, ")");
    }
    return b.s;
}

void gr_rubric_free(gr_rubric *r)
{
    for (size_t i = 0; i < r->n_rules; i++) {
        free(r->rules[i].pattern);
        free(r->rules[i].visibility);
        for (size_t m = 0; m < GR_MAX_MODELS; m++) {
            free(r->rules[i].models[m]);
        }
    }
    free(r->rules);
    for (size_t i = 0; i < r->n_labs; i++) {
        free(r->labs[i].lab);
        free(r->labs[i].suite);
    }
    free(r->labs);
    for (size_t m = 0; m < GR_MAX_MODELS; m++) {
        free(r->models[m]);
    }
    free(r->hidden_visibility);
    free(r->path);
    memset(r, 0, sizeof *r);
}
