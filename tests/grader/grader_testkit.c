/*
 * grader_testkit.c - see grader_testkit.h.
 */
#include "grader_testkit.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rubric.h"
#include "util.h"

char grader_scratch[256];

/* $TMPDIR/paralab-<name>-XXXXXX, made private by mkdtemp. 0 or -1. */
static int make_scratch(const char *name)
{
    const char *base = getenv("TMPDIR");
    int n = snprintf(grader_scratch, sizeof grader_scratch, "%s/paralab-%s-XXXXXX", base && *base ? base : "/tmp",
                     name);
    if (n < 0 || (size_t)n >= sizeof grader_scratch) {
        fprintf(stderr, "%s: TMPDIR is too long for a scratch path\n", name);
        return -1;
    }
    if (mkdtemp(grader_scratch) == NULL) {
        perror("mkdtemp");
        return -1;
    }
    return 0;
}

/* One CUnit suite holding every test; 0 or -1 (CUnit out of memory). */
static int register_tests(const char *name, const grader_test *tests, size_t n_tests)
{
    CU_pSuite suite = CU_add_suite(name, NULL, NULL);
    if (suite == NULL) {
        return -1;
    }
    for (size_t i = 0; i < n_tests; i++) {
        if (CU_add_test(suite, tests[i].name, tests[i].fn) == NULL) {
            return -1;
        }
    }
    return 0;
}

int grader_test_main(const char *name, const grader_test *tests, size_t n_tests, int (*setup)(void),
                     void (*teardown)(void))
{
    if (make_scratch(name) != 0) {
        return 2;
    }
    /* From here on the scratch directory is ours to remove, whatever happens. */
    int status = 2;
    if ((setup == NULL || setup() == 0) && CU_initialize_registry() == CUE_SUCCESS) {
        if (register_tests(name, tests, n_tests) == 0) {
            CU_basic_set_mode(CU_BRM_VERBOSE);
            CU_basic_run_tests();
            status = CU_get_number_of_tests_failed() == 0 ? 0 : 1;
        }
        CU_cleanup_registry();
    }
    if (teardown != NULL) {
        teardown();
    }
    gr_rm_rf(grader_scratch);
    return status;
}

char *grader_scratch_path(const char *name)
{
    return gr_fmt("%s/%s", grader_scratch, name);
}

void grader_failed_build(gr_run *r, const char *why)
{
    memset(r, 0, sizeof *r);
    gr_rubric_defaults(&r->rubric);
    r->build_error = (char *)why;
}

gr_test grader_fake_test(const char *lab, const char *model, const char *name, int passed, double pts)
{
    static const char hostile[] = "\"quoted\" \\ back\x01\x1b[31m <xml>&amp; ]]> \xff\xfe bad \xc3\xa9 ok ``` **b**\n";
    gr_test t;
    memset(&t, 0, sizeof t);
    t.lab = (char *)lab;
    t.model = (char *)model;
    t.name = (char *)name;
    t.ran = 1;
    t.passed = passed;
    t.max_points = pts;
    t.score = passed ? pts : 0;
    t.seconds = 0.25;
    t.reason = passed ? NULL : (char *)"crashed: SIGSEGV \"<segfault>\"";
    t.output = passed ? (char *)"" : (char *)hostile;
    return t;
}
