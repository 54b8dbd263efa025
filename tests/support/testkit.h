/*
 * testkit.h - helpers shared by the exercise suites (map, futures, group).
 *
 * The suites are written once and judge four backends, so everything that
 * depends on the backend is computed here from pl_backend() and pl_workers()
 * instead of being hard-coded in a test: how much concurrency to expect, and
 * which misbehaviours (crashes, hangs) may be tried without taking the test
 * runner down with them.
 *
 * The process-level checks (open file descriptors, zombie children) read
 * /proc, so they are Linux-only; that is where the labs run.
 */
#ifndef PL_TESTKIT_H
#define PL_TESTKIT_H

#include <CUnit/CUnit.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "paralab.h"

/* ---------------------------------------------------------------- assertions */

/*
 * CUnit's own CU_ASSERT_EQUAL only prints the expression text. These also
 * print the values on stderr, so a failure against another backend says
 * what that backend actually did. Each evaluates its arguments once.
 */
#define PL_EXPECT_EQ(actual, expected)                                                                \
    do {                                                                                              \
        long long pl_a_ = (long long)(actual), pl_e_ = (long long)(expected);                         \
        if (pl_a_ != pl_e_) {                                                                         \
            fprintf(stderr, "\n  %s:%d: %s is %lld, expected %lld\n", __FILE__, __LINE__, #actual,    \
                    pl_a_, pl_e_);                                                                    \
        }                                                                                             \
        CU_assertImplementation(pl_a_ == pl_e_, __LINE__, #actual " == " #expected, __FILE__, "",     \
                                CU_FALSE);                                                            \
    } while (0)

/* A pl_rc, printed by name (PL_OK, PL_EINVAL, ...) when it is not the expected one. */
#define PL_EXPECT_RC(actual, expected)                                                                \
    do {                                                                                              \
        int pl_a_ = (actual), pl_e_ = (expected);                                                     \
        if (pl_a_ != pl_e_) {                                                                         \
            fprintf(stderr, "\n  %s:%d: %s returned %d (%s), expected %d (%s)\n", __FILE__, __LINE__, \
                    #actual, pl_a_, pl_strerror(pl_a_), pl_e_, pl_strerror(pl_e_));                   \
        }                                                                                             \
        CU_assertImplementation(pl_a_ == pl_e_, __LINE__, #actual " returns " #expected, __FILE__,    \
                                "", CU_FALSE);                                                        \
    } while (0)

/* A task status, printed by name (OK, TIMEOUT, ...). */
#define PL_EXPECT_STATUS(result, expected)                                                            \
    do {                                                                                              \
        int pl_a_ = (int)pl_result_status(result), pl_e_ = (int)(expected);                           \
        if (pl_a_ != pl_e_) {                                                                         \
            fprintf(stderr, "\n  %s:%d: status of %s is %s (%s), expected %s\n", __FILE__, __LINE__,  \
                    #result, pl_task_status_name(pl_a_), pl_result_error(result),                     \
                    pl_task_status_name(pl_e_));                                                      \
        }                                                                                             \
        CU_assertImplementation(pl_a_ == pl_e_, __LINE__, "status of " #result " is " #expected,      \
                                __FILE__, "", CU_FALSE);                                              \
    } while (0)

/* Two strings are equal; NULL-safe (CU_ASSERT_STRING_EQUAL would crash on a NULL from a skeleton). */
#define PL_EXPECT_STR(actual, expected)                                                               \
    do {                                                                                              \
        const char *pl_a_ = (actual), *pl_e_ = (expected);                                            \
        int pl_ok_ = pl_test_str_eq(pl_a_, pl_e_);                                                    \
        if (!pl_ok_) {                                                                                \
            fprintf(stderr, "\n  %s:%d: %s is \"%s\", expected \"%s\"\n", __FILE__, __LINE__,         \
                    #actual, pl_a_ ? pl_a_ : "(null)", pl_e_ ? pl_e_ : "(null)");                     \
        }                                                                                             \
        CU_assertImplementation(pl_ok_, __LINE__, #actual " equals " #expected, __FILE__, "",         \
                                CU_FALSE);                                                            \
    } while (0)

/* lo <= value <= hi. */
#define PL_EXPECT_BETWEEN(value, lo, hi)                                                              \
    do {                                                                                              \
        long long pl_v_ = (long long)(value), pl_l_ = (long long)(lo), pl_h_ = (long long)(hi);       \
        if (pl_v_ < pl_l_ || pl_v_ > pl_h_) {                                                         \
            fprintf(stderr, "\n  %s:%d: %s is %lld, expected %lld..%lld\n", __FILE__, __LINE__,       \
                    #value, pl_v_, pl_l_, pl_h_);                                                     \
        }                                                                                             \
        CU_assertImplementation(pl_v_ >= pl_l_ && pl_v_ <= pl_h_, __LINE__,                           \
                                #value " in [" #lo ", " #hi "]", __FILE__, "", CU_FALSE);             \
    } while (0)

/* 1 when both are non-NULL and equal; NULL never equals anything (a missing name is a failure). */
int pl_test_str_eq(const char *a, const char *b);

/* ---------------------------------------------------------------- items */

/* n int items first, first+step, ...; NULL when out of memory. Free with pl_test_items_free. */
pl_value **pl_test_items_int(size_t n, int64_t first, int64_t step);
/* n int items with the given values. */
pl_value **pl_test_items_from(const int64_t *values, size_t n);
/* Frees each item (NULL slots allowed) and the array; accepts NULL. */
void pl_test_items_free(pl_value **items, size_t n);

/* ---------------------------------------------------------------- futures */

/* Starts task(int arg); the test fails (and gets NULL) when the start is refused. */
pl_future *pl_test_start_int(const char *task, int64_t arg);

/* ---------------------------------------------------------------- results */

/* An array of n NULL result slots (at least one slot, so n == 0 gives a valid pointer). */
pl_result **pl_test_results_new(size_t n);
/* pl_result_free on every slot, slots set back to NULL; the array itself stays. */
void pl_test_results_clear(pl_result **results, size_t n);
/* Clear, then free the array; accepts NULL. */
void pl_test_results_free(pl_result **results, size_t n);

/* Slots that are NULL or still PENDING: must be 0 after every accepted call. */
size_t pl_test_count_not_final(pl_result *const results[], size_t n);
/* Slots that are not NULL: must be n after an accepted call, 0 after a rejected one. */
size_t pl_test_count_filled(pl_result *const results[], size_t n);
/* Slots whose status is st. */
size_t pl_test_count_status(pl_result *const results[], size_t n, pl_task_status st);

/* The result's int value, or INT64_MIN when it has none (so a mismatch is visible). */
int64_t pl_test_int_of(const pl_result *r);
/* 1 when r is OK and its value is the int `expected`. */
int pl_test_is_ok_int(const pl_result *r, int64_t expected);

/*
 * Pairs of results whose [start, end) intervals overlap yet claim the same
 * worker: a worker runs one task at a time, so this must be 0.
 */
size_t pl_test_same_worker_overlaps(pl_result *const results[], size_t n);

/* One line per slot on stderr, so a failed assertion shows what the backend produced. */
void pl_test_dump_results(const char *label, pl_result *const results[], size_t n);

/* ---------------------------------------------------------------- expectations */

/*
 * The concurrency a run of n tasks limited to max_workers must reach at
 * least: min(max_workers, pl_workers(), n) on a parallel backend, 1 on
 * serial (0 when n == 0).
 */
int pl_test_min_overlap(int max_workers, size_t n);
/*
 * The concurrency it must never exceed: min(max_workers, n) on a parallel
 * backend (a backend may start more threads than pl_workers() for a map, but
 * never more than max_workers), 1 on serial.
 */
int pl_test_max_overlap(int max_workers, size_t n);

/* Milliseconds since start_ns (pl_now_ns). */
int64_t pl_test_ms_since(int64_t start_ns);

/* ---------------------------------------------------------------- process hygiene */

/* Open file descriptors of this process right now; -1 when /proc is unreadable. */
int pl_test_count_open_fds(void);
/* Children of this process that exited but were not reaped (state Z); -1 when unknown. */
int pl_test_count_zombie_children(void);
/*
 * Children of this process that are still alive (any state but Z); -1 when
 * unknown. Used to check that a freed future's child went away.
 */
int pl_test_count_live_children(void);

/*
 * Poll until count() <= limit or within_ms pass; returns the last count.
 * Cleanup may be asynchronous (a killed child takes a moment to die), so the
 * hygiene checks wait a little instead of sampling once.
 */
int pl_test_settle_count(int (*count)(void), int limit, int64_t within_ms);

#endif
