/*
 * report.c - score table, results.json and JUnit XML (see report.h).
 *
 * Gradescope shows a missing or malformed results.json as "the autograder
 * failed", so the JSON is written from the grader's memory in one go (never
 * from anything the submission printed, except escaped excerpts), even when
 * nothing could be built.
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const model_order[] = {"serial", "openmp", "fork", "mpi", NULL};

/* Distinct labs in catalog order. */
static size_t labs_of(const gr_run *r, const char **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_tests; i++) {
        size_t k;
        for (k = 0; k < n && strcmp(out[k], r->tests[i].lab) != 0; k++) {
        }
        if (k == n && n < max) {
            out[n++] = r->tests[i].lab;
        }
    }
    /* Lab directories sort by their number prefix. */
    for (size_t i = 0; i < n; i++) {
        for (size_t j = i + 1; j < n; j++) {
            if (strcmp(out[j], out[i]) < 0) {
                const char *t = out[i];
                out[i] = out[j];
                out[j] = t;
            }
        }
    }
    return n;
}

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
    const char *labs[64];
    size_t n_labs = labs_of(r, labs, 64);
    const char *models[8];
    size_t n_models = 0;
    for (size_t m = 0; model_order[m]; m++) {
        for (size_t i = 0; i < r->n_tests; i++) {
            if (strcmp(r->tests[i].model, model_order[m]) == 0) {
                models[n_models++] = model_order[m];
                break;
            }
        }
    }
    gr_buf_addf(&b, "%-20s", "lab");
    for (size_t m = 0; m < n_models; m++) {
        gr_buf_addf(&b, " %13s", models[m]);
    }
    gr_buf_addf(&b, " %13s\n", "total");
    for (size_t l = 0; l <= n_labs; l++) {
        const char *lab = l < n_labs ? labs[l] : NULL;
        gr_buf_addf(&b, "%-20s", lab ? lab : "total");
        for (size_t m = 0; m <= n_models; m++) {
            double got, max;
            cell(r, lab, m < n_models ? models[m] : NULL, &got, &max);
            char c[32];
            if (max > 0) {
                snprintf(c, sizeof c, "%.4g/%.4g", got, max);
            } else {
                snprintf(c, sizeof c, "-");
            }
            gr_buf_addf(&b, " %13s", c);
        }
        gr_buf_add(&b, "\n");
    }
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
    int perf_header = 0;
    for (size_t i = 0; i < r->n_tests; i++) {
        const gr_test *t = &r->tests[i];
        if (t->perf && t->perf_note && (with_hidden || !t->hidden)) {
            if (!perf_header++) {
                gr_buf_add(&b, "\nPerformance:\n");
            }
            gr_buf_addf(&b, "  %-10s %-6s %s: %.2f/%.2f - %s\n", t->lab, t->model, t->name, t->perf_score,
                        t->perf_max, t->perf_note);
        }
    }
    return b.s;
}

/* "1.2.3": lab, model, test - Gradescope sorts tests by this string. */
static void number_of(const gr_run *r, size_t idx, char *out, size_t len)
{
    const char *labs[64];
    size_t n_labs = labs_of(r, labs, 64);
    const gr_test *t = &r->tests[idx];
    size_t l = 0, m = 0, k = 1;
    for (size_t i = 0; i < n_labs; i++) {
        if (strcmp(labs[i], t->lab) == 0) {
            l = i + 1;
        }
    }
    for (size_t i = 0; model_order[i]; i++) {
        if (strcmp(model_order[i], t->model) == 0) {
            m = i;
        }
    }
    for (size_t i = 0; i < idx; i++) {
        k += strcmp(r->tests[i].lab, t->lab) == 0 && strcmp(r->tests[i].model, t->model) == 0;
    }
    snprintf(out, len, "%zu.%zu.%zu", l, m, k);
}

/*
 * A failed test's output, at most about 8 KB of it: 221 tests with a full
 * 48 KB capture each would make results.json too big for Gradescope to show.
 * (A cut inside a UTF-8 sequence becomes '?', never invalid JSON.)
 */
#define JSON_OUTPUT_HEAD 5000
#define JSON_OUTPUT_TAIL 3000

static void json_capped(gr_buf *b, const char *text)
{
    size_t len = strlen(text);
    if (len <= JSON_OUTPUT_HEAD + JSON_OUTPUT_TAIL) {
        gr_buf_json(b, text);
        return;
    }
    char *head = gr_fmt("%.*s", JSON_OUTPUT_HEAD, text);
    gr_buf_json(b, head);
    free(head);
    char *mark = gr_fmt("\n[... %zu bytes left out here; the JUnit XML has them ...]\n",
                        len - JSON_OUTPUT_HEAD - JSON_OUTPUT_TAIL);
    gr_buf_json(b, mark);
    free(mark);
    gr_buf_json(b, text + len - JSON_OUTPUT_TAIL);
}

static void json_item(gr_buf *b, const gr_run *r, const gr_test *t, const char *number, int perf, int *first)
{
    gr_buf_add(b, *first ? "\n    {" : ",\n    {");
    *first = 0;
    gr_buf_add(b, "\"name\": \"");
    char *name = gr_fmt("%s [%s] %s%s", t->lab, t->model, t->name, perf ? " (performance)" : "");
    gr_buf_json(b, name);
    free(name);
    double score = perf ? t->perf_score : t->score;
    double max = perf ? t->perf_max : t->max_points;
    int passed = perf ? (t->perf_score >= t->perf_max && t->perf_max > 0) || (t->perf_max == 0 && t->passed)
                      : t->passed;
    gr_buf_addf(b, "\", \"number\": \"%s%s\", \"score\": %.4f, \"max_score\": %.4f, \"status\": \"%s\", ",
                number, perf ? ".p" : "", score, max, passed ? "passed" : "failed");
    gr_buf_add(b, "\"output\": \"");
    if (perf) {
        gr_buf_json(b, t->perf_note ? t->perf_note : "");
    } else {
        json_capped(b, t->passed ? "" : (t->output ? t->output : ""));
    }
    gr_buf_add(b, "\", \"tags\": [\"");
    gr_buf_json(b, t->lab);
    gr_buf_add(b, "\", \"");
    gr_buf_json(b, t->model);
    gr_buf_addf(b, "\"%s], \"visibility\": \"", perf ? ", \"performance\"" : "");
    gr_buf_json(b, t->hidden ? r->rubric.hidden_visibility : "visible");
    gr_buf_add(b, "\"}");
}

int gr_write_results_json(const gr_run *r, const char *path)
{
    gr_buf b = {0};
    double max, got = gr_report_total(r, &max);
    char *text = gr_report_text(r, 0);
    double elapsed = gr_now() - r->started;
    gr_buf_addf(&b, "{\n  \"score\": %.4f,\n  \"execution_time\": %d,\n  \"output\": \"", got,
                (int)(elapsed + 0.5));
    gr_buf_json(&b, text);
    gr_buf_add(&b, "\",\n  \"output_format\": \"text\",\n  \"visibility\": \"visible\",\n"
                   "  \"stdout_visibility\": \"hidden\",\n  \"tests\": [");
    int first = 1;
    for (size_t i = 0; i < r->n_tests; i++) {
        char number[80];
        number_of(r, i, number, sizeof number);
        json_item(&b, r, &r->tests[i], number, 0, &first);
        if (r->tests[i].perf) {
            json_item(&b, r, &r->tests[i], number, 1, &first);
        }
    }
    gr_buf_add(&b, first ? "]\n}\n" : "\n  ]\n}\n");
    free(text);
    int rc = gr_write_file(path, b.s, b.len);
    gr_buf_free(&b);
    return rc;
}

int gr_write_junit(const gr_run *r, const char *path)
{
    gr_buf b = {0};
    size_t failures = 0;
    double total_time = 0;
    for (size_t i = 0; i < r->n_tests; i++) {
        failures += !r->tests[i].passed;
        total_time += r->tests[i].seconds;
    }
    gr_buf_addf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<testsuites name=\"paralab-grade\" tests=\"%zu\" failures=\"%zu\" time=\"%.3f\">\n",
                r->n_tests, failures, total_time);
    if (r->build_error) {
        gr_buf_add(&b, "  <testsuite name=\"build\" tests=\"1\" failures=\"1\">\n"
                       "    <testcase classname=\"build\" name=\"submission builds\">\n"
                       "      <failure message=\"the submission could not be built\">");
        gr_buf_xml(&b, r->build_error);
        gr_buf_add(&b, "</failure>\n    </testcase>\n  </testsuite>\n");
    }
    /* One <testsuite> per lab x model, in catalog order. */
    for (size_t i = 0; i < r->n_tests; i++) {
        const gr_test *t = &r->tests[i];
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++) {
            seen = strcmp(r->tests[j].lab, t->lab) == 0 && strcmp(r->tests[j].model, t->model) == 0;
        }
        if (seen) {
            continue;
        }
        size_t n = 0, f = 0;
        for (size_t j = i; j < r->n_tests; j++) {
            if (strcmp(r->tests[j].lab, t->lab) == 0 && strcmp(r->tests[j].model, t->model) == 0) {
                n++;
                f += !r->tests[j].passed;
            }
        }
        gr_buf_add(&b, "  <testsuite name=\"");
        gr_buf_xml(&b, t->lab);
        gr_buf_add(&b, ".");
        gr_buf_xml(&b, t->model);
        gr_buf_addf(&b, "\" tests=\"%zu\" failures=\"%zu\">\n", n, f);
        for (size_t j = i; j < r->n_tests; j++) {
            const gr_test *u = &r->tests[j];
            if (strcmp(u->lab, t->lab) != 0 || strcmp(u->model, t->model) != 0) {
                continue;
            }
            gr_buf_add(&b, "    <testcase classname=\"");
            gr_buf_xml(&b, u->lab);
            gr_buf_add(&b, ".");
            gr_buf_xml(&b, u->model);
            gr_buf_add(&b, "\" name=\"");
            gr_buf_xml(&b, u->name);
            gr_buf_addf(&b, "\" time=\"%.3f\"", u->seconds);
            if (u->passed) {
                gr_buf_add(&b, "/>\n");
                continue;
            }
            gr_buf_add(&b, ">\n      <failure message=\"");
            gr_buf_xml(&b, u->reason ? u->reason : "failed");
            gr_buf_add(&b, "\">");
            gr_buf_xml(&b, u->output ? u->output : "");
            gr_buf_add(&b, "</failure>\n    </testcase>\n");
        }
        gr_buf_add(&b, "  </testsuite>\n");
    }
    gr_buf_add(&b, "</testsuites>\n");
    int rc = gr_write_file(path, b.s, b.len);
    gr_buf_free(&b);
    return rc;
}
