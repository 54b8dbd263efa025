/*
 * report_model.c - one description of a graded run for every output format
 * (report_model.h): items, totals, clean texts.
 */
#include "report_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const model_order[] = {"serial", "openmp", "fork", "mpi", NULL};

const char *const *gr_model_order(void)
{
    return model_order;
}

size_t gr_model_labs(const gr_run *r, const char **out, size_t max)
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

double gr_round4(double x)
{
    return round(x * 1e4) / 1e4;
}

/* ---------------------------------------------------------------- clean text */

/* Length of the valid UTF-8 sequence at p (1..4), 0 if it is not one. */
static size_t utf8_seq(const unsigned char *p)
{
    unsigned c = p[0];
    size_t n;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    /* Overlong forms, UTF-16 surrogates, beyond U+10FFFF, and the two
     * non-characters XML 1.0 forbids. */
    int overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
    if (overlong || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF || cp == 0xFFFE || cp == 0xFFFF) {
        return 0;
    }
    return n;
}

char *gr_clean_text(const char *s)
{
    gr_buf b = {0};
    gr_buf_add(&b, "");
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p) {
        size_t n = 1;
        if (*p == '\n' || *p == '\t') {
            gr_buf_addn(&b, (const char *)p, 1);
        } else if (*p < 0x20 || *p == 0x7F) {
            gr_buf_add(&b, "\xEF\xBF\xBD"); /* U+FFFD: shows that something was there */
        } else if (*p < 0x80) {
            gr_buf_addn(&b, (const char *)p, 1);
        } else if ((n = utf8_seq(p)) > 0) {
            gr_buf_addn(&b, (const char *)p, n);
        } else {
            gr_buf_add(&b, "\xEF\xBF\xBD");
            n = 1;
        }
        p += n;
    }
    return b.s;
}

/* Back up from s + at to the start of the character it falls in. */
static size_t char_start(const char *s, size_t at)
{
    while (at > 0 && ((unsigned char)s[at] & 0xC0) == 0x80) {
        at--;
    }
    return at;
}

char *gr_capped_text(const char *s, size_t head, size_t tail)
{
    size_t len = strlen(s);
    if (len <= head + tail) {
        return gr_xstrdup(s);
    }
    size_t h = char_start(s, head);
    size_t t = char_start(s, len - tail);
    return gr_fmt("%.*s\n[... %zu bytes left out here; the JUnit XML has them all ...]\n%s", (int)h, s,
                  t - h, s + t);
}

/* ---------------------------------------------------------------- items */

/* "1.2.3": lab, model, test - Gradescope sorts tests by this string. */
static void number_of(const gr_run *r, size_t idx, char *out, size_t len)
{
    const char *labs[64];
    size_t n_labs = gr_model_labs(r, labs, 64);
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

/* A hidden test's Gradescope visibility: its rule's hidden=WHEN, else the rubric's setting. */
static const char *visibility_of(const gr_run *r, const gr_test *t, int perf)
{
    if (!t->hidden) {
        return "visible";
    }
    const gr_rule *rule = perf ? t->perf : t->rule;
    if (rule && rule->hidden && rule->visibility) {
        return rule->visibility;
    }
    const gr_rule *other = perf ? t->rule : t->perf;
    if (other && other->hidden && other->visibility) {
        return other->visibility;
    }
    return r->rubric.hidden_visibility ? r->rubric.hidden_visibility : "hidden";
}

static void add_item(gr_model *m, const gr_run *r, size_t idx, int perf, size_t *hidden_seen)
{
    const gr_test *t = &r->tests[idx];
    gr_item *it = &m->items[m->n++];
    memset(it, 0, sizeof *it);
    it->t = t;
    it->perf = perf;
    char *raw = gr_fmt("%s [%s] %s%s", t->lab, t->model, t->name, perf ? " (performance)" : "");
    it->name = gr_clean_text(raw);
    free(raw);
    it->hidden = t->hidden;
    if (t->hidden) {
        /* The rubric hides what a handout cannot spell out: its name too. */
        raw = gr_fmt("%s [%s] hidden test %zu%s", t->lab, t->model, ++*hidden_seen, perf ? " (performance)" : "");
        it->public_name = gr_clean_text(raw);
        free(raw);
    } else {
        it->public_name = gr_xstrdup(it->name);
    }
    number_of(r, idx, it->number, sizeof it->number);
    if (perf) {
        strncat(it->number, ".p", sizeof it->number - strlen(it->number) - 1);
    }
    it->score = gr_round4(perf ? t->perf_score : t->score);
    it->max = gr_round4(perf ? t->perf_max : t->max_points);
    it->passed = perf ? (t->perf_score >= t->perf_max && t->perf_max > 0) || (t->perf_max == 0 && t->passed)
                      : t->passed;
    it->visibility = visibility_of(r, t, perf);
    it->seconds = t->seconds;
    if (perf) {
        it->reason = gr_clean_text(it->passed ? "" : (t->perf_note ? t->perf_note : "not measured"));
        it->output = gr_clean_text(t->perf_note);
    } else {
        it->reason = gr_clean_text(t->passed ? "" : (t->reason ? t->reason : "failed"));
        it->output = gr_clean_text(t->passed ? "" : t->output);
    }
}

void gr_model_build(const gr_run *r, gr_model *m)
{
    memset(m, 0, sizeof *m);
    size_t cap = 0;
    for (size_t i = 0; i < r->n_tests; i++) {
        cap += r->tests[i].perf ? 2 : 1;
    }
    m->items = gr_xmalloc((cap ? cap : 1) * sizeof *m->items);
    size_t hidden_seen = 0;
    for (size_t i = 0; i < r->n_tests; i++) {
        add_item(m, r, i, 0, &hidden_seen);
        if (r->tests[i].perf) {
            add_item(m, r, i, 1, &hidden_seen);
        }
    }
    /* The total is the sum of the rounded items: what every platform adds up. */
    for (size_t i = 0; i < m->n; i++) {
        m->score += m->items[i].score;
        m->max += m->items[i].max;
    }
    m->score = gr_round4(m->score);
    m->max = gr_round4(m->max);
    m->grader_error = r->build_error && strncmp(r->build_error, "grader misconfigured", 20) == 0;
    m->gradable = r->build_error == NULL;
    if (r->build_error) {
        char *line = gr_xstrdup(r->build_error);
        line[strcspn(line, "\n")] = '\0';
        char *msg = gr_fmt("%s: %s", m->grader_error ? "grader error (not the submission's fault)"
                                                     : "nothing could be graded", line);
        m->message = gr_clean_text(msg);
        free(msg);
        free(line);
    } else {
        m->message = gr_fmt("Score: %.2f / %.2f", m->score, m->max);
    }
    m->elapsed = r->started > 0 ? gr_now() - r->started : 0;
}

void gr_model_free(gr_model *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->items[i].name);
        free(m->items[i].public_name);
        free(m->items[i].reason);
        free(m->items[i].output);
    }
    free(m->items);
    free(m->message);
    free(m->text);
    memset(m, 0, sizeof *m);
}
