/*
 * report_json.c - the JSON result files of Gradescope, PrairieLearn,
 * Classroom 50 and GitHub Classroom's grading reporter (report.h), built
 * with jansson from the report model (report_model.h).
 *
 * A library rather than printf: quoting, escaping and number syntax are the
 * classic ways a hand-printed JSON file turns invalid on the one submission
 * that prints a quote or a stray byte, and an invalid file is "the
 * autograder failed" on every platform. The model's texts are already valid
 * UTF-8, which jansson insists on.
 */
#include "report_json.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_model.h"
#include "report_text.h"
#include "util.h"

/*
 * Gradescope: a failed test's output, at most about 8 KB of it - 221 tests
 * with a full 48 KB capture each would make results.json too big for
 * Gradescope to show. (The JUnit XML keeps everything.)
 */
#define GS_OUTPUT_HEAD 5000
#define GS_OUTPUT_TAIL 3000
/* PrairieLearn and Classroom 50 show each test's text in a table cell; the
 * GitHub reporter's result travels in a step output (1 MB in all). */
#define SHORT_HEAD 1500
#define SHORT_TAIL 500

/* A string value; the model's texts are clean, so NULL here is only "no text". */
static json_t *str(const char *s)
{
    json_t *j = json_string(s ? s : "");
    return j ? j : json_string("");
}

static json_t *capped(const char *s, size_t head, size_t tail)
{
    char *c = gr_capped_text(s ? s : "", head, tail);
    json_t *j = str(c);
    free(c);
    return j;
}

static int dump(json_t *root, const char *path)
{
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(10) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (text == NULL) {
        return -1;
    }
    gr_buf b = {0};
    gr_buf_add(&b, text);
    gr_buf_add(&b, "\n");
    free(text);
    int rc = gr_write_file(path, b.s, b.len);
    gr_buf_free(&b);
    return rc;
}

/* ---------------------------------------------------------------- Gradescope */

static json_t *gs_test(const gr_item *it)
{
    json_t *t = json_object();
    json_object_set_new(t, "name", str(it->name));
    json_object_set_new(t, "number", str(it->number));
    json_object_set_new(t, "score", json_real(it->score));
    json_object_set_new(t, "max_score", json_real(it->max));
    json_object_set_new(t, "status", str(it->passed ? "passed" : "failed"));
    /* Program output is shown as it is: Markdown in it must not render. */
    json_object_set_new(t, "output", capped(it->output, GS_OUTPUT_HEAD, GS_OUTPUT_TAIL));
    json_object_set_new(t, "output_format", str("text"));
    json_t *tags = json_array();
    json_array_append_new(tags, str(it->t->lab));
    json_array_append_new(tags, str(it->t->model));
    if (it->perf) {
        json_array_append_new(tags, str("performance"));
    }
    json_object_set_new(t, "tags", tags);
    json_object_set_new(t, "visibility", str(it->visibility));
    return t;
}

/*
 * Gradescope's leaderboard (shown only where the assignment enables one):
 * the score, and for each visible performance test that passed, the
 * submission's time over the reference's in the same run (lower is better).
 */
static json_t *gs_leaderboard(const gr_model *m)
{
    json_t *board = json_array();
    json_t *total = json_object();
    json_object_set_new(total, "name", str("Score"));
    json_object_set_new(total, "value", json_real(m->score));
    json_array_append_new(board, total);
    for (size_t i = 0; i < m->n; i++) {
        const gr_item *it = &m->items[i];
        const gr_test *t = it->t;
        if (!it->perf || it->hidden || !t->passed || t->ref_best <= 0 || t->sub_best <= 0) {
            continue;
        }
        json_t *e = json_object();
        char *name = gr_fmt("%s [%s] %s: time / reference", t->lab, t->model, t->name);
        char *clean = gr_clean_text(name);
        json_object_set_new(e, "name", str(clean));
        free(clean);
        free(name);
        json_object_set_new(e, "value", json_real(round(t->sub_best / t->ref_best * 1000) / 1000));
        json_object_set_new(e, "order", str("asc"));
        json_array_append_new(board, e);
    }
    return board;
}

/* The static scan's flags (scan.h), each {file, line, construct, why}: for a human, never scored. */
static json_t *review_flags(const gr_run *r)
{
    json_t *flags = json_array();
    for (size_t i = 0; i < r->n_flags; i++) {
        const gr_flag *f = &r->flags[i];
        json_t *o = json_object();
        char *file = gr_clean_text(f->file), *construct = gr_clean_text(f->construct);
        json_object_set_new(o, "file", str(file));
        json_object_set_new(o, "line", json_integer(f->line));
        json_object_set_new(o, "construct", str(construct));
        json_object_set_new(o, "why", str(f->why));
        json_array_append_new(flags, o);
        free(file), free(construct);
    }
    return flags;
}

/*
 * For staff (Gradescope keeps extra_data with the submission): which layers
 * of the sandbox were active, and the machine - a container that refused
 * bubblewrap grades with fewer walls, and says so here; the run's seed (to
 * replay it) and what the static scan flagged for review.
 */
static json_t *gs_extra(const gr_run *r)
{
    json_t *extra = json_object();
    if (r->sb.user != NULL) { /* set up: not a usage error before it */
        char text[2048];
        gr_sandbox_describe(&r->sb, text, sizeof text);
        char *clean = gr_clean_text(text);
        json_object_set_new(extra, "sandbox", str(clean));
        free(clean);
    }
    char seed[24];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->seed); /* a string: JSON readers lose 64-bit ints */
    json_object_set_new(extra, "seed", str(seed));
    json_object_set_new(extra, "review", review_flags(r)); /* [] when nothing was flagged */
    if (r->machine.cpus > 0) {
        json_object_set_new(extra, "cpus", json_real(r->machine.cpus));
        json_object_set_new(extra, "memory_mib", json_integer((json_int_t)(r->machine.mem_bytes >> 20)));
    }
    return extra;
}

int gr_write_results_json(const gr_run *r, const char *path)
{
    gr_model m;
    gr_model_build_with_text(r, &m);
    json_t *root = json_object();
    json_object_set_new(root, "score", json_real(m.score));
    json_object_set_new(root, "execution_time", json_integer((json_int_t)(m.elapsed + 0.5)));
    char *md = gr_report_markdown(r);
    char *clean = gr_clean_text(md);
    json_object_set_new(root, "output", str(clean));
    free(clean);
    free(md);
    json_object_set_new(root, "output_format", str("md"));
    json_object_set_new(root, "visibility", str("visible"));
    json_object_set_new(root, "stdout_visibility", str("hidden"));
    json_t *tests = json_array();
    for (size_t i = 0; i < m.n; i++) {
        json_array_append_new(tests, gs_test(&m.items[i]));
    }
    json_object_set_new(root, "tests", tests);
    json_object_set_new(root, "leaderboard", gs_leaderboard(&m));
    json_object_set_new(root, "extra_data", gs_extra(r));
    gr_model_free(&m);
    return dump(root, path);
}

/* ---------------------------------------------------------------- PrairieLearn */

/*
 * PrairieLearn shows every test to the student, so a hidden test keeps its
 * points but not its name or output. gradable = false when nothing could be
 * graded: PrairieLearn then marks the submission invalid instead of giving
 * it a 0 that counts.
 */
int gr_write_prairielearn(const gr_run *r, const char *path)
{
    gr_model m;
    gr_model_build_with_text(r, &m);
    json_t *root = json_object();
    json_object_set_new(root, "gradable", json_boolean(m.gradable));
    json_object_set_new(root, "score", json_real(m.max > 0 ? gr_round4(m.score / m.max) : 0.0));
    json_object_set_new(root, "message", str(m.message));
    json_object_set_new(root, "output", str(m.text));
    json_t *tests = json_array();
    for (size_t i = 0; i < m.n; i++) {
        const gr_item *it = &m.items[i];
        json_t *t = json_object();
        json_object_set_new(t, "name", str(it->public_name));
        json_object_set_new(t, "points", json_real(it->score));
        json_object_set_new(t, "max_points", json_real(it->max));
        json_object_set_new(t, "message", str(it->hidden ? (it->passed ? "" : "hidden test: failed") : it->reason));
        json_object_set_new(t, "output", it->hidden ? str("") : capped(it->output, SHORT_HEAD, SHORT_TAIL));
        json_array_append_new(tests, t);
    }
    json_object_set_new(root, "tests", tests);
    gr_model_free(&m);
    return dump(root, path);
}

/* ---------------------------------------------------------------- Classroom 50 */

/* Classroom 50 counts whole points; half a point rounds up (never down on a tie). */
static json_int_t whole(double x)
{
    return (json_int_t)floor(x + 0.5);
}

/* The runner's identity fields, from the variables it sets (left out when absent: not in a runner). */
static void c50_identity(json_t *root)
{
    static const char *const fields[][2] = {
        {"classroom", "CLASSROOM"},     {"assignment", "ASSIGNMENT"}, {"submission", "SUBMISSION_TAG"},
        {"commit", "COMMIT_URL"},       {"release", "RELEASE_URL"},   {"review", "REVIEW_URL"},
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const char *v = getenv(fields[i][1]);
        if (strcmp(fields[i][0], "review") == 0 && (v == NULL || *v == '\0')) {
            v = getenv("COMMIT_URL"); /* the contract's own fallback */
        }
        if (v && *v) {
            char *clean = gr_clean_text(v);
            json_object_set_new(root, fields[i][0], str(clean));
            free(clean);
        }
    }
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    json_object_set_new(root, "datetime", str(when));
}

int gr_write_classroom50(const gr_run *r, const char *path)
{
    gr_model m;
    gr_model_build_with_text(r, &m);
    json_t *root = json_object();
    json_object_set_new(root, "schema", str("classroom50/result/v1"));
    c50_identity(root);
    json_t *tests = json_array();
    json_int_t score = 0, max = 0;
    for (size_t i = 0; i < m.n; i++) {
        const gr_item *it = &m.items[i];
        json_t *t = json_object();
        json_object_set_new(t, "test-name", str(it->public_name));
        json_object_set_new(t, "passed", json_boolean(it->passed));
        json_object_set_new(t, "score", json_integer(whole(it->score)));
        json_object_set_new(t, "max-score", json_integer(whole(it->max)));
        score += whole(it->score);
        max += whole(it->max);
        /* Extra fields on a test are kept as they are: the exact points, and why it failed. */
        if (whole(it->score) != it->score || whole(it->max) != it->max) {
            json_object_set_new(t, "exact-score", json_real(it->score));
            json_object_set_new(t, "exact-max-score", json_real(it->max));
        }
        if (!it->passed) {
            json_object_set_new(t, "message", str(it->hidden ? "hidden test: failed" : it->reason));
        }
        json_array_append_new(tests, t);
    }
    json_object_set_new(root, "score", json_integer(score));
    json_object_set_new(root, "max-score", json_integer(max));
    json_object_set_new(root, "tests", tests);
    gr_model_free(&m);
    return dump(root, path);
}

/* ---------------------------------------------------------------- GitHub */

/*
 * RFC 4648 base64, without line breaks: the reporter reads the result from
 * a step output, one line. Ten lines of our own rather than a crypto
 * library for one encoding.
 */
static char *base64(const char *s, size_t n)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = (const unsigned char *)s;
    char *out = gr_xmalloc(4 * ((n + 2) / 3) + 2);
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        out[o++] = abc[v >> 18 & 63];
        out[o++] = abc[v >> 12 & 63];
        out[o++] = i + 1 < n ? abc[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? abc[v & 63] : '=';
    }
    out[o++] = '\n';
    out[o] = '\0';
    return out;
}

int gr_write_github(const gr_run *r, const char *path)
{
    gr_model m;
    gr_model_build_with_text(r, &m);
    json_t *root = json_object();
    int all_passed = m.n > 0;
    for (size_t i = 0; i < m.n; i++) {
        all_passed &= m.items[i].passed;
    }
    json_object_set_new(root, "version", json_integer(1));
    json_object_set_new(root, "status", str(!m.gradable ? "error" : all_passed ? "pass" : "fail"));
    json_object_set_new(root, "max_score", json_real(m.max));
    json_t *tests = json_array();
    for (size_t i = 0; i < m.n; i++) {
        const gr_item *it = &m.items[i];
        json_t *t = json_object();
        json_object_set_new(t, "name", str(it->public_name));
        json_object_set_new(t, "status", str(it->passed ? "pass" : "fail"));
        json_object_set_new(t, "score", json_real(it->score));
        char *msg = it->hidden || it->passed ? gr_xstrdup(it->hidden && !it->passed ? "hidden test: failed" : "")
                                             : gr_fmt("%s%s%s", it->reason, *it->output ? "\n" : "", it->output);
        json_object_set_new(t, "message", capped(msg, SHORT_HEAD, SHORT_TAIL));
        free(msg);
        json_object_set_new(t, "duration", json_integer((json_int_t)(it->seconds * 1000 + 0.5)));
        json_array_append_new(tests, t);
    }
    if (!m.gradable) {
        /* No test ran: one line that says why, where the reporter shows tests. */
        json_t *t = json_object();
        json_object_set_new(t, "name", str("paralab-grade"));
        json_object_set_new(t, "status", str("error"));
        json_object_set_new(t, "score", json_integer(0));
        json_object_set_new(t, "message", str(m.message));
        json_array_append_new(tests, t);
    }
    json_object_set_new(root, "tests", tests);
    gr_model_free(&m);
    char *text = json_dumps(root, JSON_COMPACT | JSON_REAL_PRECISION(10) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (text == NULL) {
        return -1;
    }
    char *b64 = base64(text, strlen(text));
    free(text);
    int rc = gr_write_file(path, b64, strlen(b64));
    free(b64);
    return rc;
}
