/*
 * test_grader_formats.c - every platform's result file (grader/report.h),
 * read back the way the platform would: JSON with jansson, JUnit with
 * libxml2's parser, GitHub's base64 decoded first. Checked: the fields each
 * platform's documented contract names, their JSON types, totals that add
 * up, hidden tests withheld where students look, and a failure message full
 * of quotes, markup, control bytes and broken UTF-8 arriving intact (or
 * replaced by U+FFFD), never breaking the file.
 */
#include <CUnit/CUnit.h>
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grade.h"
#include "report.h"
#include "report_model.h"
#include "rubric.h"
#include "util.h"

#include "grader_testkit.h"



/* The run every test below writes: 4 tests, one hidden (after_due_date), one with perf points. */
static gr_test tests[4];
static gr_rule hidden_rule = {.kind = GR_RULE_TEST, .points = 1, .hidden = 1, .visibility = (char *)"after_due_date"};
static gr_rule perf_rule = {.kind = GR_RULE_PERF, .points = 2, .runs = 3};

static void fake_run(gr_run *r)
{
    memset(r, 0, sizeof *r);
    gr_rubric_defaults(&r->rubric);
    tests[0] = grader_fake_test("01-map", "fork", "map/a", 1, 2);
    tests[1] = grader_fake_test("01-map", "mpi", "map/a", 0, 2);
    tests[2] = grader_fake_test("02-futures", "openmp", "futures/secret_name", 0, 1);
    tests[2].hidden = 1;
    tests[2].rule = &hidden_rule;
    tests[3] = grader_fake_test("01-map", "openmp", "map/perf", 1, 1);
    tests[3].perf = &perf_rule;
    tests[3].perf_max = 2;
    tests[3].perf_score = 1.5;
    tests[3].ref_best = 0.1;
    tests[3].sub_best = 0.15;
    tests[3].perf_note = (char *)"best of 3: 0.15 s vs reference 0.1 s";
    r->tests = tests;
    r->n_tests = 4;
    r->started = gr_now();
    r->seed = 12345678901234567890ULL; /* above INT64_MAX: must arrive whole */
}

/* The text, as a platform's JSON reader would see it after our cleaning. */
static int survived(const char *s)
{
    return s && strstr(s, "\"quoted\" \\ back") && strstr(s, "<xml>&amp; ]]>") && strstr(s, "\xc3\xa9 ok") &&
           strstr(s, "\xEF\xBF\xBD") && !strchr(s, '\x01') && !strchr(s, '\x1b');
}

static json_t *load(const char *path)
{
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    if (j == NULL) {
        fprintf(stderr, "%s:%d: %s\n", path, err.line, err.text);
    }
    return j;
}

static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/*
 * What a platform's contract says a field holds (jansson's own types split
 * numbers and booleans); the last two: a test's outcome in Gradescope's
 * words and in GitHub's.
 */
typedef enum { STRING, NUMBER, INTEGER, BOOLEAN, ARRAY, PASSED_FAILED, PASS_FAIL } field_kind;

/* One field a platform's contract names, and what it must hold. */
typedef struct field {
    const char *key;
    field_kind kind;
} field;

/* 1 when v is the string a or the string b. */
static int is_word(const json_t *v, const char *a, const char *b)
{
    const char *word = json_string_value(v);
    return word && (strcmp(word, a) == 0 || strcmp(word, b) == 0);
}

static int is_kind(const json_t *v, field_kind kind)
{
    switch (kind) {
    case STRING: return json_is_string(v);
    case NUMBER: return json_is_number(v);
    case INTEGER: return json_is_integer(v);
    case BOOLEAN: return json_is_boolean(v);
    case ARRAY: return json_is_array(v);
    case PASSED_FAILED: return is_word(v, "passed", "failed");
    case PASS_FAIL: return is_word(v, "pass", "fail");
    }
    return 0;
}

/*
 * Each of the n fields of obj (a platform's file, or one test in it) holds
 * what the contract says. One assertion per field, and a failure names the
 * platform, the field and what it should hold ("gradescope test: \"tags\"
 * is an array").
 */
static void expect_fields(const json_t *obj, const char *what, const field *fields, size_t n)
{
    static const char *const kind_names[] = {
        "a string", "a number", "an integer", "a boolean", "an array", /* then the outcome words: */
        "\"passed\" or \"failed\"", "\"pass\" or \"fail\""};
    for (size_t k = 0; k < n; k++) {
        char text[160];
        snprintf(text, sizeof text, "%s: \"%s\" is %s", what, fields[k].key, kind_names[fields[k].kind]);
        int ok = is_kind(json_object_get(obj, fields[k].key), fields[k].kind);
        CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, __LINE__, text, __FILE__, "", CU_FALSE);
    }
}

#define N_FIELDS(array) (sizeof(array) / sizeof((array)[0]))

/*
 * obj's "tests" array, the same rule in every format: one entry per test of
 * the fake run plus one for its performance points, 5 (else the test stops
 * here), each holding the contract's n fields (expect_fields).
 */
static json_t *expect_tests(json_t *obj, const char *what, const field *fields, size_t n)
{
    json_t *ts = json_object_get(obj, "tests");
    CU_ASSERT_EQUAL_FATAL(json_array_size(ts), 5);
    size_t i;
    json_t *t;
    json_array_foreach(ts, i, t) {
        expect_fields(t, what, fields, n);
    }
    return ts;
}

/* The sum of the number key over the test entries ts: what a platform adds up for the total. */
static double sum_of(json_t *ts, const char *key)
{
    double sum = 0;
    size_t i;
    json_t *t;
    json_array_foreach(ts, i, t) {
        sum += json_number_value(json_object_get(t, key));
    }
    return sum;
}

static void write_all(const gr_run *r, const char *tag)
{
    gr_outputs o;
    memset(&o, 0, sizeof o);
    char err[256];
    const char *names[] = {"gradescope", "prairielearn", "classroom50", "github", "junit"};
    for (size_t i = 0; i < 5; i++) {
        char *file = gr_fmt("%s.%s", tag, names[i]);
        char *spec = gr_fmt("%s=%s/%s", names[i], grader_scratch, file);
        CU_ASSERT_EQUAL(gr_outputs_add(&o, spec, err, sizeof err), 0);
        free(spec);
        free(file);
    }
    char *why = NULL;
    CU_ASSERT_EQUAL(gr_outputs_prepare(&o, grader_scratch, &why), 0);
    CU_ASSERT_EQUAL(gr_outputs_write(r, &o), 0);
    free(why);
    gr_outputs_free(&o);
}

/* The fake run above, written in every format under the tag "run" (the caller frees r->rubric). */
static void write_fake_run(gr_run *r)
{
    fake_run(r);
    write_all(r, "run");
}

static json_t *load_tag(const char *tag, const char *format)
{
    char *name = gr_fmt("%s.%s", tag, format);
    char *p = grader_scratch_path(name);
    json_t *j = load(p);
    free(p);
    free(name);
    return j;
}

static void test_gradescope(void)
{
    gr_run r;
    write_fake_run(&r);
    json_t *j = load_tag("run", "gradescope");
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    static const field top[] = {{"score", NUMBER}, {"execution_time", INTEGER}};
    expect_fields(j, "gradescope", top, N_FIELDS(top));
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(j, "score")), 3 + 1.5, 1e-9);
    CU_ASSERT_STRING_EQUAL(jstr(j, "output_format"), "md");
    CU_ASSERT_STRING_EQUAL(jstr(j, "stdout_visibility"), "hidden");
    const char *md = jstr(j, "output");
    CU_ASSERT_PTR_NOT_NULL_FATAL(md);
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "| lab |"));
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "and 1 hidden test"));
    CU_ASSERT_PTR_NULL(strstr(md, "secret_name"));
    static const field each[] = {{"name", STRING}, {"number", STRING}, {"score", NUMBER}, {"max_score", NUMBER},
                                 {"tags", ARRAY}, {"status", PASSED_FAILED}};
    json_t *ts = expect_tests(j, "gradescope test", each, N_FIELDS(each));
    size_t i;
    json_t *t;
    int hidden_seen = 0;
    json_array_foreach(ts, i, t) {
        if (strstr(jstr(t, "name"), "secret_name")) {
            /* The rule's own visibility, not the rubric's default "hidden". */
            CU_ASSERT_STRING_EQUAL(jstr(t, "visibility"), "after_due_date");
            hidden_seen++;
        }
        if (strstr(jstr(t, "name"), "[mpi] map/a")) {
            CU_ASSERT(survived(jstr(t, "output")));
            CU_ASSERT_STRING_EQUAL(jstr(t, "output_format"), "text");
        }
    }
    CU_ASSERT_EQUAL(hidden_seen, 1);
    CU_ASSERT_DOUBLE_EQUAL(sum_of(ts, "score"), 4.5, 1e-9);
    json_t *board = json_object_get(j, "leaderboard");
    CU_ASSERT_EQUAL_FATAL(json_array_size(board), 2);
    CU_ASSERT_STRING_EQUAL(jstr(json_array_get(board, 0), "name"), "Score");
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(json_array_get(board, 1), "value")), 1.5, 1e-9);
    CU_ASSERT_STRING_EQUAL(jstr(json_array_get(board, 1), "order"), "asc");
    json_t *extra = json_object_get(j, "extra_data");
    CU_ASSERT(json_is_object(extra)); /* no sandbox set up here: no "sandbox" */
    /* The seed as a string: a JSON reader's double would round a 64-bit one. */
    CU_ASSERT_STRING_EQUAL(jstr(extra, "seed"), "12345678901234567890");
    json_decref(j);
    gr_rubric_free(&r.rubric);
}

static void test_prairielearn(void)
{
    gr_run r;
    write_fake_run(&r);
    json_t *j = load_tag("run", "prairielearn");
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT(json_is_true(json_object_get(j, "gradable")));
    static const field top[] = {{"score", NUMBER}, {"message", STRING}, {"output", STRING}};
    expect_fields(j, "prairielearn", top, N_FIELDS(top));
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(j, "score")), 4.5 / 8, 1e-4);
    static const field each[] = {
        {"name", STRING}, {"points", NUMBER}, {"max_points", NUMBER}, {"message", STRING}, {"output", STRING}};
    json_t *ts = expect_tests(j, "prairielearn test", each, N_FIELDS(each));
    size_t i;
    json_t *t;
    json_array_foreach(ts, i, t) {
        CU_ASSERT_PTR_NULL(strstr(jstr(t, "name"), "secret_name")); /* students see PrairieLearn's tests */
        if (strstr(jstr(t, "name"), "[mpi] map/a")) {
            CU_ASSERT(survived(jstr(t, "output")));
            CU_ASSERT_PTR_NOT_NULL(strstr(jstr(t, "message"), "\"<segfault>\""));
        }
    }
    CU_ASSERT_DOUBLE_EQUAL(sum_of(ts, "points"), 4.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(sum_of(ts, "max_points"), 8, 1e-9);
    json_decref(j);
    gr_rubric_free(&r.rubric);
}

static void test_classroom50(void)
{
    setenv("CLASSROOM", "cs-paralab", 1); /* read when the file is written */
    setenv("ASSIGNMENT", "labs", 1);
    setenv("COMMIT_URL", "https://github.com/o/r/commit/abc", 1);
    unsetenv("REVIEW_URL");
    gr_run r;
    write_fake_run(&r);
    json_t *j = load_tag("run", "classroom50");
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_STRING_EQUAL(jstr(j, "schema"), "classroom50/result/v1");
    CU_ASSERT_STRING_EQUAL(jstr(j, "classroom"), "cs-paralab");
    CU_ASSERT_STRING_EQUAL(jstr(j, "assignment"), "labs");
    CU_ASSERT_STRING_EQUAL(jstr(j, "review"), "https://github.com/o/r/commit/abc"); /* falls back to the commit */
    CU_ASSERT_PTR_NULL(json_object_get(j, "release"));                             /* not set: left out */
    const char *when = jstr(j, "datetime");
    CU_ASSERT(when && strlen(when) == 20 && when[10] == 'T' && when[19] == 'Z');
    /* The contract's types: whole points, and totals that are the sums of the tests'. */
    static const field top[] = {{"score", INTEGER}, {"max-score", INTEGER}};
    expect_fields(j, "classroom50", top, N_FIELDS(top));
    static const field each[] = {
        {"test-name", STRING}, {"passed", BOOLEAN}, {"score", INTEGER}, {"max-score", INTEGER}};
    json_t *ts = expect_tests(j, "classroom50 test", each, N_FIELDS(each));
    size_t i;
    json_t *t;
    json_int_t score = 0, max = 0;
    json_array_foreach(ts, i, t) {
        CU_ASSERT_PTR_NULL(strstr(jstr(t, "test-name"), "secret_name"));
        score += json_integer_value(json_object_get(t, "score"));
        max += json_integer_value(json_object_get(t, "max-score"));
        if (strstr(jstr(t, "test-name"), "(performance)")) {
            /* 1.5 of 2 performance points: 2 whole points, the exact ones kept beside them. */
            CU_ASSERT_EQUAL(json_integer_value(json_object_get(t, "score")), 2);
            CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(t, "exact-score")), 1.5, 1e-9);
        }
    }
    CU_ASSERT_EQUAL(score, json_integer_value(json_object_get(j, "score")));
    CU_ASSERT_EQUAL(max, json_integer_value(json_object_get(j, "max-score")));
    CU_ASSERT_EQUAL(max, 8);
    json_decref(j);
    gr_rubric_free(&r.rubric);
}

/* RFC 4648 decoding, for reading the reporter's input back. */
static char *unbase64(const char *s)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s);
    char *out = gr_xmalloc(n + 1);
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = strchr(abc, s[i]);
        if (s[i] == '=' || s[i] == '\n') {
            continue;
        }
        if (p == NULL || s[i] == '\0') {
            free(out);
            return NULL; /* not base64: a line break inside, or junk */
        }
        acc = acc << 6 | (unsigned)(p - abc);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)(acc >> bits & 0xFF);
        }
    }
    out[o] = '\0';
    return out;
}

static void test_github(void)
{
    gr_run r;
    write_fake_run(&r);
    char *p = grader_scratch_path("run.github");
    char *b64 = gr_read_file(p, 1 << 24, NULL);
    free(p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b64);
    char *nl = strchr(b64, '\n');
    CU_ASSERT(nl && nl[1] == '\0'); /* one line: a step output */
    char *text = unbase64(b64);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(j, "version")), 1);
    CU_ASSERT_STRING_EQUAL(jstr(j, "status"), "fail");
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(j, "max_score")), 8, 1e-9);
    static const field each[] = {{"name", STRING}, {"message", STRING}, {"score", NUMBER}, {"status", PASS_FAIL}};
    json_t *ts = expect_tests(j, "github test", each, N_FIELDS(each));
    size_t i;
    json_t *t;
    json_array_foreach(ts, i, t) {
        if (strstr(jstr(t, "name"), "[mpi] map/a")) {
            CU_ASSERT(survived(jstr(t, "message")));
        }
    }
    CU_ASSERT_DOUBLE_EQUAL(sum_of(ts, "score"), 4.5, 1e-9); /* the reporter adds the tests' scores */
    json_decref(j);
    free(text);
    free(b64);
    gr_rubric_free(&r.rubric);
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0) {
            return c;
        }
    }
    return NULL;
}

static void test_junit(void)
{
    gr_run r;
    write_fake_run(&r);
    char *p = grader_scratch_path("run.junit");
    xmlDocPtr doc = xmlReadFile(p, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
    free(p);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    CU_ASSERT_STRING_EQUAL((const char *)root->name, "testsuites");
    xmlChar *failures = xmlGetProp(root, (const xmlChar *)"failures");
    CU_ASSERT_STRING_EQUAL((const char *)failures, "3"); /* mpi map/a, the hidden one, perf 1.5/2 */
    xmlFree(failures);
    size_t cases = 0, found = 0, seeds = 0;
    for (xmlNodePtr s = root->children; s; s = s->next) {
        for (xmlNodePtr c = s->type == XML_ELEMENT_NODE ? s->children : NULL; c; c = c->next) {
            if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "properties") == 0) {
                /* The run's seed, to replay a CI failure (paralab-grade --seed N). */
                xmlNodePtr prop = child(c, "property");
                CU_ASSERT_PTR_NOT_NULL_FATAL(prop);
                xmlChar *pname = xmlGetProp(prop, (const xmlChar *)"name");
                xmlChar *value = xmlGetProp(prop, (const xmlChar *)"value");
                seeds += pname && value && strcmp((const char *)pname, "seed") == 0 &&
                         strcmp((const char *)value, "12345678901234567890") == 0;
                xmlFree(pname);
                xmlFree(value);
                continue;
            }
            if (c->type != XML_ELEMENT_NODE) {
                continue;
            }
            cases++;
            xmlChar *name = xmlGetProp(c, (const xmlChar *)"name");
            xmlChar *cls = xmlGetProp(c, (const xmlChar *)"classname");
            if (strcmp((const char *)name, "map/a") == 0 && strcmp((const char *)cls, "01-map.mpi") == 0) {
                xmlNodePtr f = child(c, "failure");
                CU_ASSERT_PTR_NOT_NULL_FATAL(f);
                xmlChar *msg = xmlGetProp(f, (const xmlChar *)"message");
                xmlChar *body = xmlNodeGetContent(f);
                CU_ASSERT_STRING_EQUAL((const char *)msg, "crashed: SIGSEGV \"<segfault>\"");
                CU_ASSERT(survived((const char *)body));
                xmlFree(msg);
                xmlFree(body);
                found++;
            }
            xmlFree(name);
            xmlFree(cls);
        }
    }
    CU_ASSERT_EQUAL(cases, 5);
    CU_ASSERT_EQUAL(found, 1);
    CU_ASSERT(seeds > 0); /* one <properties> per <testsuite> */
    xmlFreeDoc(doc);
    gr_rubric_free(&r.rubric);
}

/* Nothing built: every format still parses and says so, the way its platform expects. */
static void test_build_error_everywhere(void)
{
    gr_run r;
    grader_failed_build(&r, "configuring failed:\n\"CMake\" said <no> \x01\xff");
    write_all(&r, "err");
    json_t *gs = load_tag("err", "gradescope");
    CU_ASSERT_PTR_NOT_NULL_FATAL(gs);
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(gs, "score")), 0, 1e-9);
    CU_ASSERT_EQUAL(json_array_size(json_object_get(gs, "tests")), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(jstr(gs, "output"), "BUILD FAILED"));
    CU_ASSERT_PTR_NOT_NULL(strstr(jstr(gs, "output"), "\"CMake\" said <no>"));
    json_decref(gs);
    json_t *pl = load_tag("err", "prairielearn");
    CU_ASSERT_PTR_NOT_NULL_FATAL(pl);
    CU_ASSERT(json_is_false(json_object_get(pl, "gradable")));
    CU_ASSERT_PTR_NOT_NULL(strstr(jstr(pl, "message"), "configuring failed"));
    json_decref(pl);
    json_t *c50 = load_tag("err", "classroom50");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c50);
    CU_ASSERT_EQUAL(json_integer_value(json_object_get(c50, "score")), 0);
    CU_ASSERT(json_is_array(json_object_get(c50, "tests")));
    json_decref(c50);
    char *p = grader_scratch_path("err.github");
    char *b64 = gr_read_file(p, 1 << 20, NULL);
    char *text = b64 ? unbase64(b64) : NULL;
    json_t *gh = text ? json_loads(text, 0, NULL) : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(gh);
    CU_ASSERT_STRING_EQUAL(jstr(gh, "status"), "error");
    CU_ASSERT_STRING_EQUAL(jstr(json_array_get(json_object_get(gh, "tests"), 0), "status"), "error");
    json_decref(gh);
    free(text);
    free(b64);
    free(p);
    p = grader_scratch_path("err.junit");
    xmlDocPtr doc = xmlReadFile(p, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
    CU_ASSERT_PTR_NOT_NULL(doc);
    if (doc) {
        xmlNodePtr suite = child(xmlDocGetRootElement(doc), "testsuite");
        xmlChar *name = suite ? xmlGetProp(suite, (const xmlChar *)"name") : NULL;
        CU_ASSERT(name && strcmp((const char *)name, "build") == 0);
        xmlFree(name);
        xmlFreeDoc(doc);
    }
    free(p);
    gr_rubric_free(&r.rubric);
}

/* --format's words: clear refusals, defaults in --out, the list form. */
static void test_format_arguments(void)
{
    gr_outputs o;
    memset(&o, 0, sizeof o);
    char err[256];
    CU_ASSERT_EQUAL(gr_outputs_add(&o, "gradescope,junit", err, sizeof err), 0);
    CU_ASSERT(o.wanted[GR_FMT_GRADESCOPE] && o.wanted[GR_FMT_JUNIT] && !o.wanted[GR_FMT_GITHUB]);
    CU_ASSERT_EQUAL(gr_outputs_add(&o, "junit", err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "given twice"));
    CU_ASSERT_EQUAL(gr_outputs_add(&o, "gradescop", err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown format 'gradescop'"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "prairielearn, classroom50, github, junit"));
    CU_ASSERT_EQUAL(gr_outputs_add(&o, "github=", err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "empty"));
    char *out = grader_scratch_path("outdir");
    char *why = NULL;
    CU_ASSERT_EQUAL(gr_outputs_prepare(&o, out, &why), 0);
    char *want = gr_fmt("%s/results.json", out);
    CU_ASSERT_STRING_EQUAL(o.path[GR_FMT_GRADESCOPE], want);
    free(want);
    gr_outputs_free(&o);
    /* No --format: Gradescope's results.json, as before. */
    memset(&o, 0, sizeof o);
    CU_ASSERT_EQUAL(gr_outputs_prepare(&o, out, &why), 0);
    CU_ASSERT(o.wanted[GR_FMT_GRADESCOPE] && !o.wanted[GR_FMT_JUNIT]);
    gr_outputs_free(&o);
    /* A file that cannot be written is found before grading, with its name. */
    memset(&o, 0, sizeof o);
    CU_ASSERT_EQUAL(gr_outputs_add(&o, "classroom50=/nonexistent/dir/result.json", err, sizeof err), 0);
    CU_ASSERT_EQUAL(gr_outputs_prepare(&o, out, &why), -1);
    CU_ASSERT(why && strstr(why, "classroom50") && strstr(why, "/nonexistent/dir/result.json"));
    free(why);
    gr_outputs_free(&o);
    /* Two formats into one file: refused, naming both. */
    memset(&o, 0, sizeof o);
    char *spec = gr_fmt("prairielearn=%s/results.json", out);
    CU_ASSERT_EQUAL(gr_outputs_add(&o, spec, err, sizeof err), 0);
    CU_ASSERT_EQUAL(gr_outputs_add(&o, "gradescope", err, sizeof err), 0);
    why = NULL;
    CU_ASSERT_EQUAL(gr_outputs_prepare(&o, out, &why), -1);
    CU_ASSERT(why && strstr(why, "gradescope and prairielearn outputs would both be"));
    free(why);
    free(spec);
    gr_outputs_free(&o);
    free(out);
}

/* Clean text: valid UTF-8 in, unchanged; anything else replaced, never dropped silently. */
static void test_clean_text(void)
{
    char *c = gr_clean_text("a\tb\nc \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    CU_ASSERT_STRING_EQUAL(c, "a\tb\nc \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    free(c);
    c = gr_clean_text("\x01|\xc0\xaf|\xed\xa0\x80|\xef\xbf\xbe|\xe2\x82");
    CU_ASSERT_PTR_NULL(strchr(c, '\x01'));
    CU_ASSERT_PTR_NULL(strstr(c, "\xc0\xaf"));  /* overlong '/' */
    CU_ASSERT_PTR_NULL(strstr(c, "\xed\xa0\x80")); /* a UTF-16 surrogate */
    CU_ASSERT_PTR_NULL(strstr(c, "\xef\xbf\xbe")); /* U+FFFE, not allowed in XML */
    json_t *j = json_string(c);
    CU_ASSERT_PTR_NOT_NULL(j); /* jansson takes it */
    json_decref(j);
    free(c);
    char big[20001];
    for (size_t i = 0; i < sizeof big - 1; i++) {
        big[i] = (char)(i % 2 ? 0xa9 : 0xc3);
    }
    big[sizeof big - 1] = '\0';
    char *cut = gr_capped_text(big, 1001, 501); /* odd: the cuts fall inside characters */
    CU_ASSERT(strlen(cut) < 1700);
    CU_ASSERT_PTR_NOT_NULL(strstr(cut, "bytes left out"));
    char *again = gr_clean_text(cut);
    CU_ASSERT_STRING_EQUAL(again, cut); /* still valid UTF-8 */
    free(again);
    free(cut);
}

/* The rubric's per-rule visibility: hidden=WHEN, checked like the global setting. */
static void test_rubric_hidden_when(void)
{
    char *path = grader_scratch_path("rubric.txt");
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("test futures/free_* * 1 hidden=after_due_date\ntest group/x * 1 hidden\n", f);
    fclose(f);
    gr_rubric rb;
    char err[1024] = "";
    CU_ASSERT_EQUAL(gr_rubric_load(path, &rb, err, sizeof err), 0);
    CU_ASSERT_EQUAL_FATAL(rb.n_rules, 2);
    CU_ASSERT(rb.rules[0].hidden && rb.rules[0].visibility && strcmp(rb.rules[0].visibility, "after_due_date") == 0);
    CU_ASSERT(rb.rules[1].hidden && rb.rules[1].visibility == NULL); /* the rubric's hidden-visibility */
    gr_rubric_free(&rb);
    f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs("test futures/free_* * 1 hidden=later\n", f);
    fclose(f);
    CU_ASSERT_EQUAL(gr_rubric_load(path, &rb, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "rubric.txt:1: hidden= must be hidden, after_due_date or after_published, not 'later'"));
    gr_rubric_free(&rb);
    free(path);
}

static const grader_test suite_tests[] = {
    {"gradescope", test_gradescope},
    {"prairielearn", test_prairielearn},
    {"classroom50", test_classroom50},
    {"github", test_github},
    {"junit", test_junit},
    {"build_error_everywhere", test_build_error_everywhere},
    {"format_arguments", test_format_arguments},
    {"clean_text", test_clean_text},
    {"rubric_hidden_when", test_rubric_hidden_when},
};

int main(void)
{
    return grader_test_main("grader_formats", suite_tests, GRADER_N_TESTS(suite_tests), NULL, NULL);
}
