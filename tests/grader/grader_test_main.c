/*
 * grader_test_main.c - see grader_test_main.h.
 */
#include "grader_test_main.h"

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

/* $TMPDIR/paralab-<suite>-XXXXXX, made private by mkdtemp. 0 or -1. */
static int make_scratch(const grader_suite *s)
{
    const char *base = getenv("TMPDIR");
    int n = snprintf(s->scratch, s->scratch_size, "%s/paralab-%s-XXXXXX", base && *base ? base : "/tmp",
                     s->name);
    if (n < 0 || (size_t)n >= s->scratch_size) {
        fprintf(stderr, "%s: TMPDIR is too long for a scratch path\n", s->name);
        return -1;
    }
    if (mkdtemp(s->scratch) == NULL) {
        perror("mkdtemp");
        return -1;
    }
    return 0;
}

/* One CUnit suite holding every test; 0 or -1 (CUnit out of memory). */
static int register_tests(const grader_suite *s)
{
    CU_pSuite suite = CU_add_suite(s->name, NULL, NULL);
    if (suite == NULL) {
        return -1;
    }
    for (size_t i = 0; i < s->n_tests; i++) {
        if (CU_add_test(suite, s->tests[i].name, s->tests[i].fn) == NULL) {
            return -1;
        }
    }
    return 0;
}

int grader_test_main(const grader_suite *s)
{
    if (make_scratch(s) != 0) {
        return 2;
    }
    /* From here on the scratch directory is ours to remove, whatever happens. */
    int status = 2;
    if ((s->setup == NULL || s->setup() == 0) && CU_initialize_registry() == CUE_SUCCESS) {
        if (register_tests(s) == 0) {
            CU_basic_set_mode(CU_BRM_VERBOSE);
            CU_basic_run_tests();
            status = CU_get_number_of_tests_failed() == 0 ? 0 : 1;
        }
        CU_cleanup_registry();
    }
    if (s->teardown != NULL) {
        s->teardown();
    }
    gr_rm_rf(s->scratch);
    return status;
}
