/*
 * harness.h - one main() for every CUnit test binary.
 *
 * A test binary = harness.c + one "suite list" file + one backend library.
 * The suite files are written once against paralab.h and linked with each
 * backend in turn, so the same assertions judge serial, OpenMP, fork and MPI.
 *
 * Command line (also what the grader uses to run one test per process):
 *   --list              print "suite/test" names, one per line, and exit 0
 *   --only NAME         run just that test ("suite/test") or suite ("suite");
 *                       may be repeated
 *   --workers N         pl_opts.workers (OpenMP team size for futures/groups)
 *   --test-timeout SEC  a test that runs longer ends the binary with exit 124
 *                       (default 120; 0 disables)
 *   --verdict-fd FD     after each test RETURNS, write "NONCE PASS|FAIL name\n"
 *                       to FD, and "NONCE END passed failed\n" at the end;
 *                       NONCE comes from --nonce-fd FD (read whole and
 *                       closed before any test runs; the grader's pipe), or
 *                       else from $PARALAB_VERDICT_NONCE (read and erased;
 *                       only in-process MPI tests, whose descriptors
 *                       mpiexec closes, still need it). A test that calls
 *                       exit(0) or crashes never gets its line written.
 *                       A passed test also gets "NONCE TIME name NS ...":
 *                       its own in-process time (timing.h).
 *   --timing            a timing run: perf tests do their full work
 *   --seed N            the run's seed (decimal, 0..2^64-1); without it a
 *                       fresh one from getrandom. Printed on stderr as
 *                       "seed: N" when tests run: pass it back to replay.
 * Exit status: 0 when every selected test passed, 1 when any failed, 2 on a
 * usage error or when a name given to --only matches nothing.
 * It comes from CU_get_number_of_tests_failed(), not CU_basic_run_tests()
 * (whose return value is a framework error code, not a failure count).
 * A failed test prints its failure lines ("  1. file:line  - what came,
 * expected what") and then its hint, if it has one ("    hint: ...").
 */
#ifndef PL_HARNESS_H
#define PL_HARNESS_H

#include <CUnit/CUnit.h>
#include <stdint.h>

typedef struct pl_test_case {
    const char *name;
    void (*fn)(void);
} pl_test_case;

typedef struct pl_test_suite {
    const char *name;
    int (*init)(void);    /* may be NULL; non-zero = suite setup failed */
    int (*cleanup)(void); /* may be NULL */
    const pl_test_case *cases; /* terminated by {NULL, NULL} */
} pl_test_suite;

/* Each test binary defines this NULL-terminated list (see suites_*.c). */
extern const pl_test_suite *const pl_suites[];

/*
 * The running test's hint: one line a student can act on, printed as
 * "    hint: ..." under the failure lines when the test fails (the grader
 * quotes it), e.g. "results[i] must be item i's result, whatever order the
 * items finish in". Say what the code must do, not what the test checks.
 * Call it first thing in a test; a later call replaces it (for checks about
 * something else). Every test starts without one. hint must outlive the
 * test (a string literal).
 */
void pl_test_hint(const char *hint);

/*
 * When the running test will be stopped by --test-timeout, on pl_now_ns's
 * clock; 0 when there is no limit (or no test is running). A checker's
 * proxy backend waits for its subject no longer than this, so a stuck
 * subject fails the test with a reason instead of the alarm ending the
 * whole binary.
 */
int64_t pl_test_deadline_ns(void);

/* Path of a scratch directory for this run (created on demand, removed at exit). */
const char *pl_test_tmpdir(void);

/*
 * Inputs nobody can tabulate ahead of the run (issue 14): items, arguments,
 * sizes and timeouts a test uses are drawn here, so a submission that
 * answers from a table of expected outputs fails. Each test's generator is
 * seeded from the run's seed and the test's "suite/test" name before it
 * starts, so a test gives the same values alone (--only) or in a full run,
 * and a failure replays with --seed. Compute the expected values in the test
 * from the drawn inputs. Deterministic and not thread-safe: draw from the
 * test's own thread, in an order that does not depend on the backend.
 */
uint64_t pl_test_seed(void);                 /* the run's seed (as printed) */
uint64_t pl_test_rand(void);                 /* the next 64 random bits */
long pl_test_rand_range(long lo, long hi);   /* uniform in [lo, hi], both included */

/* The harness's side (tests/support/seed.c). */
int pl_test_seed_parse(const char *s, uint64_t *out); /* decimal uint64; 0 or -1 */
uint64_t pl_test_seed_fresh(void);                    /* getrandom, else clock ^ pid */
void pl_test_seed_set(uint64_t seed);
void pl_test_seed_for(const char *name);              /* reseed for one test ("suite/test") */

#endif
