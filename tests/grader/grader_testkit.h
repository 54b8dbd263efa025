/*
 * grader_testkit.h - what the grader's CUnit unit suites (test_grader_units,
 * _formats, _scan, _perf) share: their main() and a fake test result.
 *
 * Each suite needs the same frame around its tests: a private scratch
 * directory (under $TMPDIR, so parallel ctest runs never share files), one
 * CUnit suite, the verbose runner, and an exit status ctest understands
 * (0 all passed, 1 a test failed, 2 the frame itself could not be set up).
 * Written once here, a suite file holds only its tests and their list.
 */
#ifndef GRADER_TESTKIT_H
#define GRADER_TESTKIT_H

#include <CUnit/CUnit.h>
#include <stddef.h>

#include "grade.h"

/* One test: the name CUnit prints and the function. */
typedef struct grader_test {
    const char *name;
    CU_TestFunc fn;
} grader_test;

/* The suite's private scratch directory, made before its first test. */
extern char grader_scratch[256];

/* The number of entries of a grader_test array. */
#define GRADER_N_TESTS(array) (sizeof(array) / sizeof((array)[0]))

/*
 * Runs the tests as described above and returns main()'s exit status. The
 * suite's name is CUnit's and part of the scratch directory's name. setup
 * (optional) runs once the scratch exists, non-zero aborts with 2;
 * teardown (optional) runs after the tests, before the scratch is removed.
 */
int grader_test_main(const char *name, const grader_test *tests, size_t n_tests, int (*setup)(void),
                     void (*teardown)(void));

/* grader_scratch/name, allocated: the caller frees it. */
char *grader_scratch_path(const char *name);

/*
 * A run that built nothing: default rubric, no tests, and build_error `why`
 * (not copied: a literal). Every report must still be a valid file that
 * says why; the caller frees r->rubric (gr_rubric_free).
 */
void grader_failed_build(gr_run *r, const char *why);

/*
 * A test as the grader records it, for the report writers' tests: ran,
 * passed or failed with pts points, 0.25 s. A failed one carries a crash
 * reason with quotes and markup, and output a hostile test may print
 * (quotes, control bytes, broken UTF-8, XML and Markdown markup, a CDATA
 * end), which every format must carry without breaking.
 */
gr_test grader_fake_test(const char *lab, const char *model, const char *name, int passed, double pts);

#endif
