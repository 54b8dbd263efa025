/*
 * test_grader_scan.c - the static scan of lab files (grader/scan.h): every
 * construct of issue 14's forgeries is flagged on its line, comments and
 * look-alike names are not, a NUL byte hides nothing, the reference
 * solutions raise no flag, and a flag shows in the report and results.json
 * without changing a point.
 */
#include <CUnit/CUnit.h>
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grade.h"
#include "report_json.h"
#include "report_text.h"
#include "scan.h"
#include "util.h"

#include "grader_testkit.h"

#ifndef GRADER_SOURCE_DIR
#define GRADER_SOURCE_DIR "."
#endif


/* Is there a flag for construct (a prefix of what it shows) on line (0: any line)? */
static int flagged(const gr_flag *f, size_t n, const char *construct, int line)
{
    for (size_t i = 0; i < n; i++) {
        if (strncmp(f[i].construct, construct, strlen(construct)) == 0 && (line == 0 || f[i].line == line)) {
            return 1;
        }
    }
    return 0;
}

static void dump(const gr_flag *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fprintf(stderr, "\n    flag %s:%d %s - %s", f[i].file, f[i].line, f[i].construct, f[i].why);
    }
}

/* The forgery of issue 14 and its variants, one construct a line (line numbers below): a line
 * gets one flag per reason, so two spellings of inline asm on one line would be one flag. */
static const char forgery[] =
    "#include <stdio.h>\n"                                                       /* 1 */
    "static int fd(void) { FILE *f = fopen(\"/proc/self/cmdline\", \"r\"); }\n" /* 2 */
    "static void nonce(void) { FILE *f = fopen(\"/proc/self/environ\", \"r\"); }\n"
    "static const char *k = \"PARALAB_VERDICT_NONCE\";\n"                        /* 4 */
    "static const char *o = \"--verdict-fd\";\n"                                 /* 5 */
    "__attribute__((constructor)) static void early(void) { }\n"                 /* 6 */
    "static void late(void) __attribute__((destructor));\n"                      /* 7 */
    "void *p(void) { return dlsym(RTLD_NEXT, \"pl_map\"); }\n"                   /* 8 */
    "long t(void) { return ptrace(0, 0, 0, 0); }\n"                              /* 9 */
    "long s(void) { return syscall (39); }\n"                                    /* 10 */
    "void a(void) { __asm__ volatile(\"nop\"); }\n"                             /* 11 */
    "long v(void) { return process_vm_readv(1, 0, 0, 0, 0, 0); }\n"              /* 12 */
    "int d(void) { return prctl(4, 1); }\n"                                      /* 13 */
    "char *e(void) { return getenv(\"X\"); }\n"                                  /* 14 */
    "extern char **environ;\n"                                                   /* 15 */
    "void m(void) { FILE *f = fopen(\"/proc/self/mem\", \"r\"); }\n"            /* 16 */
    "void w(void) { CU_assertImplementation(1, 0, 0, 0, 0, 0); }\n"             /* 17 */
    "void b(void) { asm(\"nop\"); }\n";                                          /* 18 */

static void test_forgery_constructs_are_flagged(void)
{
    gr_flag *f = NULL;
    size_t n = 0;
    size_t added = gr_scan_text("01-map/openmp.c", forgery, &f, &n);
    CU_ASSERT_EQUAL(added, n);
    static const struct {
        const char *construct;
        int line;
    } want[] = {{"/proc/self/cmdline", 2}, {"/proc/self/environ", 3}, {"PARALAB_VERDICT", 4},
                {"verdict-fd", 5},         {"constructor", 6},        {"destructor", 7},
                {"dlsym", 8},              {"ptrace", 9},             {"syscall", 10},
                {"__asm__", 11},           {"asm", 18},               {"process_vm_readv", 12},
                {"prctl", 13},             {"getenv", 14},            {"environ", 15},
                {"/proc/self/mem", 16},    {"CU_", 17}};
    size_t missing = 0;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        if (!flagged(f, n, want[i].construct, want[i].line)) {
            fprintf(stderr, "\n    not flagged: %s on line %d", want[i].construct, want[i].line);
            missing++;
        }
    }
    CU_ASSERT_EQUAL(missing, 0);
    for (size_t i = 0; i < n; i++) {
        CU_ASSERT_STRING_EQUAL(f[i].file, "01-map/openmp.c");
        CU_ASSERT(f[i].why != NULL && f[i].why[0] != '\0');
        CU_ASSERT(i == 0 || f[i - 1].line <= f[i].line); /* top to bottom */
    }
    if (missing) {
        dump(f, n);
    }
    gr_flags_free(f, n);
}

/* Comments, names that only contain a word, identifiers inside strings: nothing. */
static void test_look_alikes_are_not_flagged(void)
{
    static const char text[] =
        "/* We never read /proc/self/environ or call getenv(), ptrace() or dlsym(). */\n"
        "// syscall(1); asm(\"nop\"); __attribute__((constructor)) \\\n"
        "   still the comment: prctl(1)\n"
        "static int environment = 0, my_getenv_count = 0, asm_count = 0;\n"
        "static int syscall_count;\n"
        "static int constructor = 1; /* a variable, no attribute in sight */\n"
        "static const char *msg = \"ptrace(getenv(dlsym(syscall(asm\";\n"
        "static const char c = '\"';\n"
        "static const char *after = \"no /proc here\";\n";
    gr_flag *f = NULL;
    size_t n = 0;
    gr_scan_text("lab.c", text, &f, &n);
    /* "no /proc here" has no "/proc/": the one thing that could match is not there either. */
    CU_ASSERT_EQUAL(n, 0);
    if (n) {
        dump(f, n);
    }
    gr_flags_free(f, n);
}

/* A path in a string after a multi-line comment: flagged on its own line. */
static void test_line_numbers_follow_comments(void)
{
    static const char text[] = "/* one\n two\n three */ int x;\n"
                               "static const char *p = \"/proc/%d/mem\"; // /proc/self in a comment\n";
    gr_flag *f = NULL;
    size_t n = 0;
    gr_scan_text("lab.c", text, &f, &n);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT(flagged(f, n, "/proc/", 4));
    gr_flags_free(f, n);
}

/* gcc skips a NUL byte and compiles what follows: the scan must read past it too. */
static void test_nul_byte_hides_nothing(void)
{
    char *path = grader_scratch_path("nul.c");
    static const char bytes[] = "int x;\n\0\nlong s(void) { return syscall(39); }\n";
    CU_ASSERT_EQUAL_FATAL(gr_write_file(path, bytes, sizeof bytes - 1), 0);
    gr_flag *f = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL(gr_scan_file(path, "nul.c", &f, &n), 0);
    CU_ASSERT(flagged(f, n, "syscall", 3));
    gr_flags_free(f, n);
    CU_ASSERT_EQUAL(gr_scan_file("/nonexistent/x.c", "x.c", &f, &n), -1);
    free(path);
}

/* Every reference solution: no flag (a flag there would be noise on every correct submission). */
static void test_solutions_raise_no_flag(void)
{
    char *sol = gr_fmt("%s/solutions", GRADER_SOURCE_DIR);
    DIR *labs = opendir(sol);
    CU_ASSERT_PTR_NOT_NULL_FATAL(labs);
    gr_flag *f = NULL;
    size_t n = 0, files = 0;
    for (struct dirent *l; (l = readdir(labs)) != NULL;) {
        static const char *const models[] = {"openmp.c", "fork.c", "mpi.c", "serial.c"};
        for (size_t m = 0; l->d_name[0] != '.' && m < 4; m++) {
            char *path = gr_fmt("%s/%s/%s", sol, l->d_name, models[m]);
            char *shown = gr_fmt("%s/%s", l->d_name, models[m]);
            files += gr_scan_file(path, shown, &f, &n) == 0;
            free(path);
            free(shown);
        }
    }
    closedir(labs);
    CU_ASSERT(files >= 9);
    CU_ASSERT_EQUAL(n, 0);
    if (n) {
        dump(f, n);
    }
    gr_flags_free(f, n);
    free(sol);
}

/* A run with one passed test of 2 points, with or without flags. */
static gr_test one_test;

static void fake_run(gr_run *r)
{
    memset(r, 0, sizeof *r);
    gr_rubric_defaults(&r->rubric);
    one_test = (gr_test){.binary = (char *)"test_map_openmp", .relpath = (char *)"tests/test_map_openmp",
                         .model = (char *)"openmp", .suite = (char *)"map", .name = (char *)"map/a",
                         .lab = (char *)"01-map", .max_points = 2, .ran = 1, .passed = 1, .score = 2,
                         .output = (char *)""};
    r->tests = &one_test;
    r->n_tests = 1;
    r->started = gr_now();
}

/* The flags are in the text report and in results.json; the score is the same with and without them. */
static void test_flags_reported_not_scored(void)
{
    gr_run r;
    fake_run(&r);
    double max0, plain = gr_report_total(&r, &max0);
    gr_scan_text("01-map/openmp.c", forgery, &r.flags, &r.n_flags);
    CU_ASSERT_FATAL(r.n_flags > 0);
    double max1, with_flags = gr_report_total(&r, &max1);
    CU_ASSERT_DOUBLE_EQUAL(with_flags, plain, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(max1, max0, 1e-9);

    char *text = gr_report_text(&r, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "for a human to review, no points deducted"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "01-map/openmp.c:3: /proc/self/environ - "));
    free(text);
    char *md = gr_report_markdown(&r);
    CU_ASSERT_PTR_NOT_NULL(strstr(md, "no points deducted"));
    free(md);

    char *path = grader_scratch_path("results.json");
    CU_ASSERT_EQUAL_FATAL(gr_write_results_json(&r, path), 0);
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_DOUBLE_EQUAL(json_number_value(json_object_get(j, "score")), plain, 1e-9);
    json_t *review = json_object_get(json_object_get(j, "extra_data"), "review");
    CU_ASSERT_EQUAL(json_array_size(review), r.n_flags);
    json_t *first = json_array_get(review, 0);
    CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(first, "file")), "01-map/openmp.c");
    CU_ASSERT(json_is_integer(json_object_get(first, "line")));
    CU_ASSERT(json_is_string(json_object_get(first, "construct")));
    CU_ASSERT(json_is_string(json_object_get(first, "why")));
    json_decref(j);
    free(path);
    gr_flags_free(r.flags, r.n_flags);
    gr_rubric_free(&r.rubric);
}

static const grader_test suite_tests[] = {
    {"forgery_constructs_are_flagged", test_forgery_constructs_are_flagged},
    {"look_alikes_are_not_flagged", test_look_alikes_are_not_flagged},
    {"line_numbers_follow_comments", test_line_numbers_follow_comments},
    {"nul_byte_hides_nothing", test_nul_byte_hides_nothing},
    {"solutions_raise_no_flag", test_solutions_raise_no_flag},
    {"flags_reported_not_scored", test_flags_reported_not_scored},
};

int main(void)
{
    return grader_test_main("grader_scan", suite_tests, GRADER_N_TESTS(suite_tests), NULL, NULL);
}
