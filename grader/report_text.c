/*
 * report_text.c - the score table as text (terminal, logs) and as Markdown
 * (Gradescope's output_format "md"): see report_text.h.
 */
#include "report_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_model.h"
#include "util.h"

static void cell(const gr_run *r, const char *lab, const char *model, double *got, double *max)
{
    *got = *max = 0;
    for (size_t i = 0; i < r->n_tests; i++) {
        const gr_test *t = &r->tests[i];
        if ((lab == NULL || strcmp(t->lab, lab) == 0) && (model == NULL || strcmp(t->model, model) == 0)) {
            *got += t->score + t->perf_score;
            *max += t->max_points + t->perf_max;
        }
    }
}

double gr_report_total(const gr_run *r, double *max)
{
    double got;
    cell(r, NULL, NULL, &got, max);
    return got;
}

/* The graded models present, in report order. */
static size_t models_of(const gr_run *r, const char **models)
{
    size_t n = 0;
    const char *const *order = gr_model_order();
    for (size_t m = 0; order[m] && n < 8; m++) {
        for (size_t i = 0; i < r->n_tests; i++) {
            if (strcmp(r->tests[i].model, order[m]) == 0) {
                models[n++] = order[m];
                break;
            }
        }
    }
    return n;
}

/* The score table: a row per lab, a column per model, totals. */
static void text_table(gr_buf *b, const gr_run *r)
{
    const char *labs[64];
    size_t n_labs = gr_model_labs(r, labs, 64);
    const char *models[8];
    size_t n_models = models_of(r, models);
    gr_buf_addf(b, "%-20s", "lab");
    for (size_t m = 0; m < n_models; m++) {
        gr_buf_addf(b, " %13s", models[m]);
    }
    gr_buf_addf(b, " %13s\n", "total");
    for (size_t l = 0; l <= n_labs; l++) {
        const char *lab = l < n_labs ? labs[l] : NULL;
        gr_buf_addf(b, "%-20s", lab ? lab : "total");
        for (size_t m = 0; m <= n_models; m++) {
            double got, max;
            cell(r, lab, m < n_models ? models[m] : NULL, &got, &max);
            char c[32];
            if (max > 0) {
                snprintf(c, sizeof c, "%.4g/%.4g", got, max);
            } else {
                snprintf(c, sizeof c, "-");
            }
            gr_buf_addf(b, " %13s", c);
        }
        gr_buf_add(b, "\n");
    }
}

/* What the performance tests measured. */
static void text_perf(gr_buf *b, const gr_run *r, int with_hidden)
{
    int perf_header = 0;
    for (size_t i = 0; i < r->n_tests; i++) {
        const gr_test *t = &r->tests[i];
        if (t->perf && t->perf_note && (with_hidden || !t->hidden)) {
            if (!perf_header++) {
                gr_buf_add(b, "\nPerformance:\n");
            }
            gr_buf_addf(b, "  %-10s %-6s %s: %.2f/%.2f - %s\n", t->lab, t->model, t->name, t->perf_score,
                        t->perf_max, t->perf_note);
        }
    }
}

/* The static scan's flags (scan.h): a human decides; the score above does not depend on them. */
static const char FLAGS_HEAD[] = "Flagged for review (constructs a lab has no reason to use; for a human to review, "
                                 "no points deducted):";

static void text_flags(gr_buf *b, const gr_run *r)
{
    if (r->n_flags == 0) {
        return;
    }
    gr_buf_addf(b, "\n%s\n", FLAGS_HEAD);
    for (size_t i = 0; i < r->n_flags; i++) {
        const gr_flag *f = &r->flags[i];
        gr_buf_addf(b, "  %s:%d: %s - %s\n", f->file, f->line, f->construct, f->why);
    }
}

char *gr_report_text(const gr_run *r, int with_hidden)
{
    gr_buf b = {0};
    gr_buf_add(&b, "");
    if (r->notes.s && r->notes.len) {
        gr_buf_add(&b, r->notes.s);
        gr_buf_add(&b, "\n");
    }
    if (r->build_error) {
        int ours = strncmp(r->build_error, "grader misconfigured", 20) == 0;
        gr_buf_addf(&b, "%s - nothing could be graded:\n%s\n\n",
                    ours ? "GRADER ERROR (not the submission's fault)" : "BUILD FAILED", r->build_error);
    }
    for (size_t i = 0; i < r->n_broken; i++) {
        gr_buf_addf(&b, "COMPILE ERROR in %s/%s.c (its tests score 0; the other labs are graded):\n%s\n",
                    r->broken[i].lab, r->broken[i].model, r->broken[i].message);
    }
    int unbuilt = 0;
    for (size_t i = 0; i < r->n_tests; i++) {
        unbuilt |= r->tests[i].reason && !r->tests[i].ran && strstr(r->tests[i].reason, "does not build");
    }
    if (unbuilt && r->build_excerpt && r->n_broken == 0) {
        gr_buf_addf(&b, "BUILD PROBLEMS (first lines of the build log):\n%s\n", r->build_excerpt);
    }
    text_table(&b, r);
    double max, got = gr_report_total(r, &max);
    gr_buf_addf(&b, "\nScore: %.2f / %.2f (%.1f%%)\n", got, max, max > 0 ? 100 * got / max : 0.0);

    size_t failed = 0, hidden_failed = 0;
    if (r->build_error) {
        /* One reason for all of them, said at the top: no list of identical lines. */
        gr_buf_addf(&b, "\nNo test was run: all %zu score 0 (the reason is at the top).\n", r->n_tests);
    }
    for (size_t i = 0; i < r->n_tests && !r->build_error; i++) {
        const gr_test *t = &r->tests[i];
        if (t->passed) {
            continue;
        }
        if (t->hidden && !with_hidden) {
            hidden_failed++;
            continue;
        }
        if (failed++ == 0) {
            gr_buf_add(&b, "\nFailed tests:\n");
        }
        gr_buf_addf(&b, "  %-10s %-6s %s: %s\n", t->lab, t->model, t->name, t->reason ? t->reason : "failed");
    }
    if (hidden_failed) {
        gr_buf_addf(&b, "  (and %zu hidden test%s)\n", hidden_failed, hidden_failed == 1 ? "" : "s");
    }
    text_perf(&b, r, with_hidden);
    text_flags(&b, r);
    return b.s;
}


/* ---------------------------------------------------------------- Markdown */

/*
 * Inline Markdown: the marks CommonMark could read as markup here are
 * escaped (emphasis, code, links, HTML, entities, headings, tables). Every
 * line we write starts with our own text, so '-', '+' and '.' stay as they
 * are and a message like "--only 01-map" stays greppable.
 */
static void md_inline(gr_buf *b, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        if (*p == '\n' || *p == '\r') {
            gr_buf_add(b, " ");
            continue;
        }
        if (strchr("\\`*_{}[]<>#|~&", *p)) {
            gr_buf_add(b, "\\");
        }
        gr_buf_addn(b, p, 1);
    }
}

/* A block shown as it is: a code fence longer than any run of backticks inside. */
static void md_block(gr_buf *b, const char *s)
{
    size_t run = 0, longest = 0;
    for (const char *p = s; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        longest = run > longest ? run : longest;
    }
    char fence[64];
    size_t n = longest + 1 < 3 ? 3 : longest + 1;
    n = n < sizeof fence - 1 ? n : sizeof fence - 1;
    memset(fence, '`', n);
    fence[n] = '\0';
    size_t len = strlen(s);
    gr_buf_addf(b, "%s text\n%s%s%s\n\n", fence, s, len && s[len - 1] == '\n' ? "" : "\n", fence);
}

static void md_table(gr_buf *b, const gr_run *r)
{
    const char *labs[64];
    size_t n_labs = gr_model_labs(r, labs, 64);
    const char *models[8];
    size_t n_models = models_of(r, models);
    gr_buf_add(b, "| lab |");
    for (size_t m = 0; m < n_models; m++) {
        gr_buf_addf(b, " %s |", models[m]);
    }
    gr_buf_add(b, " total |\n|---|");
    for (size_t m = 0; m <= n_models; m++) {
        gr_buf_add(b, "---:|");
    }
    gr_buf_add(b, "\n");
    for (size_t l = 0; l <= n_labs; l++) {
        const char *lab = l < n_labs ? labs[l] : NULL;
        gr_buf_add(b, "| ");
        if (lab) {
            md_inline(b, lab);
        } else {
            gr_buf_add(b, "**total**");
        }
        gr_buf_add(b, " |");
        for (size_t m = 0; m <= n_models; m++) {
            double got, max;
            cell(r, lab, m < n_models ? models[m] : NULL, &got, &max);
            if (max > 0) {
                gr_buf_addf(b, " %.4g / %.4g |", got, max);
            } else {
                gr_buf_add(b, " - |");
            }
        }
        gr_buf_add(b, "\n");
    }
    gr_buf_add(b, "\n");
}

/* "- lab \\[model\\] **suite/test": the start of a test's line in the Markdown report. */
static void md_test_head(gr_buf *b, const gr_test *t)
{
    gr_buf_add(b, "- ");
    md_inline(b, t->lab);
    gr_buf_add(b, " \\[");
    md_inline(b, t->model);
    gr_buf_add(b, "\\] **");
    md_inline(b, t->name);
}

/* Failed tests (hidden ones counted, not named) and the performance notes. */
static void md_tests(gr_buf *b, const gr_run *r)
{
    size_t failed = 0, hidden_failed = 0;
    for (size_t i = 0; i < r->n_tests && !r->build_error; i++) {
        const gr_test *t = &r->tests[i];
        if (t->passed) {
            continue;
        }
        if (t->hidden) {
            hidden_failed++;
            continue;
        }
        if (failed++ == 0) {
            gr_buf_add(b, "#### Failed tests\n\n");
        }
        md_test_head(b, t);
        gr_buf_add(b, "**: ");
        md_inline(b, t->reason ? t->reason : "failed");
        gr_buf_add(b, "\n");
    }
    if (hidden_failed) {
        gr_buf_addf(b, "%s- and %zu hidden test%s\n", failed ? "" : "#### Failed tests\n\n", hidden_failed,
                    hidden_failed == 1 ? "" : "s");
    }
    if (failed || hidden_failed) {
        gr_buf_add(b, "\n");
    }
    int header = 0;
    for (size_t i = 0; i < r->n_tests; i++) {
        const gr_test *t = &r->tests[i];
        if (t->perf && t->perf_note && !t->hidden) {
            if (!header++) {
                gr_buf_add(b, "#### Performance\n\n");
            }
            md_test_head(b, t);
            gr_buf_addf(b, "**: %.2f / %.2f: ", t->perf_score, t->perf_max);
            md_inline(b, t->perf_note);
            gr_buf_add(b, "\n");
        }
    }
}

char *gr_report_markdown(const gr_run *r)
{
    gr_buf b = {0};
    double max, got = gr_report_total(r, &max);
    gr_buf_addf(&b, "### Score: %.2f / %.2f (%.1f%%)\n\n", got, max, max > 0 ? 100 * got / max : 0.0);
    if (r->notes.s && r->notes.len) {
        /* One bullet a line: the machine, and what about it changes the grading. */
        char *notes = gr_xstrdup(r->notes.s);
        for (char *save = NULL, *line = strtok_r(notes, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            gr_buf_add(&b, "- ");
            md_inline(&b, line);
            gr_buf_add(&b, "\n");
        }
        gr_buf_add(&b, "\n");
        free(notes);
    }
    if (r->build_error) {
        int ours = strncmp(r->build_error, "grader misconfigured", 20) == 0;
        gr_buf_addf(&b, "**%s** - nothing could be graded, all %zu tests score 0:\n\n",
                    ours ? "GRADER ERROR (not the submission's fault)" : "BUILD FAILED", r->n_tests);
        md_block(&b, r->build_error);
    }
    for (size_t i = 0; i < r->n_broken; i++) {
        gr_buf_add(&b, "**COMPILE ERROR** in ");
        char *file = gr_fmt("%s/%s.c", r->broken[i].lab, r->broken[i].model);
        md_inline(&b, file);
        free(file);
        gr_buf_add(&b, " (its tests score 0; the other labs are graded):\n\n");
        md_block(&b, r->broken[i].message);
    }
    int unbuilt = 0;
    for (size_t i = 0; i < r->n_tests; i++) {
        unbuilt |= r->tests[i].reason && !r->tests[i].ran && strstr(r->tests[i].reason, "does not build");
    }
    if (unbuilt && r->build_excerpt && r->n_broken == 0) {
        gr_buf_add(&b, "**BUILD PROBLEMS** (first lines of the build log):\n\n");
        md_block(&b, r->build_excerpt);
    }
    md_table(&b, r);
    md_tests(&b, r);
    if (r->n_flags > 0) {
        gr_buf_add(&b, "\n");
        md_inline(&b, FLAGS_HEAD);
        gr_buf_add(&b, "\n\n");
        for (size_t i = 0; i < r->n_flags; i++) {
            const gr_flag *f = &r->flags[i];
            char *line = gr_fmt("%s:%d: %s - %s", f->file, f->line, f->construct, f->why);
            gr_buf_add(&b, "- ");
            md_inline(&b, line);
            gr_buf_add(&b, "\n");
            free(line);
        }
    }
    return b.s;
}

/* ---------------------------------------------------------------- which files */

/*
 * The model (report_model.c) knows nothing of how the text report is laid
 * out; the writers ask for both here, so the model never calls back into
 * the text it is shown beside.
 */
void gr_model_build_with_text(const gr_run *r, gr_model *m)
{
    gr_model_build(r, m);
    char *text = gr_report_text(r, 0);
    m->text = gr_clean_text(text);
    free(text);
}
