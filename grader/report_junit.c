/*
 * report_junit.c - JUnit XML (report.h) with libxml2's xmlTextWriter, from
 * the report model: one <testsuite> per lab x model, one <testcase> per
 * item (a performance half is its own case), the full output of failures.
 *
 * The writer does the escaping; the model's texts are valid UTF-8 without
 * the control characters XML 1.0 forbids, so whatever a submission printed
 * cannot make the file unreadable.
 */
#include "report_junit.h"

#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_model.h"
#include "report_text.h"
#include "util.h"

#define X(s) ((const xmlChar *)(s))

static int attr(xmlTextWriterPtr w, const char *name, const char *value)
{
    return xmlTextWriterWriteAttribute(w, X(name), X(value)) < 0 ? -1 : 0;
}

static int attrf(xmlTextWriterPtr w, const char *name, const char *fmt, double v)
{
    char num[64];
    snprintf(num, sizeof num, fmt, v);
    return attr(w, name, num);
}

static int same_suite(const gr_item *a, const gr_item *b)
{
    return strcmp(a->t->lab, b->t->lab) == 0 && strcmp(a->t->model, b->t->model) == 0;
}

static int write_case(xmlTextWriterPtr w, const gr_item *it)
{
    char *classname = gr_fmt("%s.%s", it->t->lab, it->t->model);
    char *name = gr_fmt("%s%s", it->t->name, it->perf ? " (performance)" : "");
    char *clean_class = gr_clean_text(classname), *clean_name = gr_clean_text(name);
    int rc = xmlTextWriterStartElement(w, X("testcase")) < 0 || attr(w, "classname", clean_class) ||
             attr(w, "name", clean_name) || attrf(w, "time", "%.3f", it->perf ? 0.0 : it->seconds);
    free(classname), free(name), free(clean_class), free(clean_name);
    if (!rc && !it->passed) {
        rc = xmlTextWriterStartElement(w, X("failure")) < 0 || attr(w, "message", it->reason) ||
             xmlTextWriterWriteString(w, X(it->output)) < 0 || xmlTextWriterEndElement(w) < 0;
    }
    return rc || xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

/* The suite starting at items[first]: its cases are the items of the same lab x model. */
/* <properties>: the run's seed, so a CI failure can be replayed (paralab-grade --seed N). */
static int write_properties(xmlTextWriterPtr w, const gr_run *r)
{
    char seed[24];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)r->seed);
    return xmlTextWriterStartElement(w, X("properties")) < 0 || xmlTextWriterStartElement(w, X("property")) < 0 ||
                   attr(w, "name", "seed") || attr(w, "value", seed) || xmlTextWriterEndElement(w) < 0 ||
                   xmlTextWriterEndElement(w) < 0
               ? -1
               : 0;
}

static int write_suite(xmlTextWriterPtr w, const gr_run *r, const gr_model *m, size_t first)
{
    size_t n = 0, failures = 0;
    double seconds = 0;
    for (size_t j = first; j < m->n; j++) {
        if (same_suite(&m->items[j], &m->items[first])) {
            n++;
            failures += !m->items[j].passed;
            seconds += m->items[j].perf ? 0 : m->items[j].seconds;
        }
    }
    char *name = gr_fmt("%s.%s", m->items[first].t->lab, m->items[first].t->model);
    char *clean = gr_clean_text(name);
    int rc = xmlTextWriterStartElement(w, X("testsuite")) < 0 || attr(w, "name", clean) ||
             attrf(w, "tests", "%.0f", (double)n) || attrf(w, "failures", "%.0f", (double)failures) ||
             attrf(w, "time", "%.3f", seconds) || write_properties(w, r);
    free(name), free(clean);
    for (size_t j = first; j < m->n && !rc; j++) {
        if (same_suite(&m->items[j], &m->items[first])) {
            rc = write_case(w, &m->items[j]);
        }
    }
    return rc || xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

/* Nothing was graded: one failing case that says why (CI shows it as the build's failure). */
static int write_build_failure(xmlTextWriterPtr w, const gr_run *r)
{
    char *why = gr_clean_text(r->build_error);
    int rc = xmlTextWriterStartElement(w, X("testsuite")) < 0 || attr(w, "name", "build") ||
             attr(w, "tests", "1") || attr(w, "failures", "1") || xmlTextWriterStartElement(w, X("testcase")) < 0 ||
             attr(w, "classname", "build") || attr(w, "name", "submission builds") ||
             xmlTextWriterStartElement(w, X("failure")) < 0 ||
             attr(w, "message", "the submission could not be built") || xmlTextWriterWriteString(w, X(why)) < 0 ||
             xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndElement(w) < 0;
    free(why);
    return rc ? -1 : 0;
}

static int write_doc(xmlTextWriterPtr w, const gr_run *r, const gr_model *m)
{
    size_t failures = 0;
    double seconds = 0;
    for (size_t i = 0; i < m->n; i++) {
        failures += !m->items[i].passed;
        seconds += m->items[i].perf ? 0 : m->items[i].seconds;
    }
    if (r->build_error) {
        failures++;
    }
    int rc = xmlTextWriterSetIndent(w, 1) < 0 || xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
             xmlTextWriterStartElement(w, X("testsuites")) < 0 || attr(w, "name", "paralab-grade") ||
             attrf(w, "tests", "%.0f", (double)(m->n + (r->build_error != NULL))) ||
             attrf(w, "failures", "%.0f", (double)failures) || attrf(w, "time", "%.3f", seconds);
    if (!rc && r->build_error) {
        rc = write_build_failure(w, r);
    }
    for (size_t i = 0; i < m->n && !rc; i++) {
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++) {
            seen = same_suite(&m->items[j], &m->items[i]);
        }
        if (!seen) {
            rc = write_suite(w, r, m, i);
        }
    }
    return rc || xmlTextWriterEndDocument(w) < 0 ? -1 : 0;
}

int gr_write_junit(const gr_run *r, const char *path)
{
    gr_model m;
    gr_model_build_with_text(r, &m);
    xmlBufferPtr buf = xmlBufferCreate();
    xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
    int rc = w ? write_doc(w, r, &m) : -1;
    if (w) {
        xmlFreeTextWriter(w); /* flushes into buf */
    }
    if (rc == 0) {
        rc = gr_write_file(path, (const char *)xmlBufferContent(buf), (size_t)xmlBufferLength(buf));
    }
    if (buf) {
        xmlBufferFree(buf);
    }
    gr_model_free(&m);
    return rc;
}
