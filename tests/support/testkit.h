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
#include "pl_tally.h"

/* ---------------------------------------------------------------- assertions */

/*
 * CUnit's own CU_ASSERT_EQUAL records only the expression text ("wrong ==
 * 0"). These record what came and what was expected ("wrong is 3, expected
 * 0") as the failure's text, so the line a student reads - in the test
 * output, the grader's summary and results.json - says what the backend
 * actually did. Each evaluates its arguments once.
 */
#define PL_EXPECT_EQ(actual, expected)                                                                \
    do {                                                                                              \
        long long pl_a_ = (long long)(actual), pl_e_ = (long long)(expected);                         \
        pl_test_check(pl_a_ == pl_e_, __FILE__, __LINE__, "%s is %lld, expected %lld", #actual,       \
                      pl_a_, pl_e_);                                                                  \
    } while (0)

/* A pl_rc, printed by name (PL_OK, PL_EINVAL, ...) when it is not the expected one. */
#define PL_EXPECT_RC(actual, expected)                                                                \
    do {                                                                                              \
        int pl_a_ = (actual), pl_e_ = (expected);                                                     \
        pl_test_check(pl_a_ == pl_e_, __FILE__, __LINE__, "%s returned %d (%s), expected %d (%s)",    \
                      #actual, pl_a_, pl_strerror(pl_a_), pl_e_, pl_strerror(pl_e_));                 \
    } while (0)

/* A task status, printed by name (OK, TIMEOUT, ...). */
#define PL_EXPECT_STATUS(result, expected)                                                            \
    do {                                                                                              \
        int pl_a_ = (int)pl_result_status(result), pl_e_ = (int)(expected);                           \
        pl_test_check(pl_a_ == pl_e_, __FILE__, __LINE__, "status of %s is %s (%s), expected %s",     \
                      #result, pl_task_status_name(pl_a_), pl_result_error(result),                   \
                      pl_task_status_name(pl_e_));                                                    \
    } while (0)

/* Two strings are equal; NULL-safe (CU_ASSERT_STRING_EQUAL would crash on a NULL from a skeleton). */
#define PL_EXPECT_STR(actual, expected)                                                               \
    do {                                                                                              \
        const char *pl_a_ = (actual), *pl_e_ = (expected);                                            \
        pl_test_check(pl_test_str_eq(pl_a_, pl_e_), __FILE__, __LINE__, "%s is \"%s\", expected \"%s\"", \
                      #actual, pl_a_ ? pl_a_ : "(null)", pl_e_ ? pl_e_ : "(null)");                   \
    } while (0)

/* lo <= value <= hi. */
#define PL_EXPECT_BETWEEN(value, lo, hi)                                                              \
    do {                                                                                              \
        long long pl_v_ = (long long)(value), pl_l_ = (long long)(lo), pl_h_ = (long long)(hi);       \
        pl_test_check(pl_v_ >= pl_l_ && pl_v_ <= pl_h_, __FILE__, __LINE__,                           \
                      "%s is %lld, expected %lld..%lld", #value, pl_v_, pl_l_, pl_h_);                \
    } while (0)

/*
 * One CUnit assertion: passes when ok, else fails with the printf-style text
 * (formatted only then). What the macros above expand to; call it directly
 * for a check whose message needs more than a value ("item 17 ran 2 times").
 */
void pl_test_check(int ok, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* 1 when both are non-NULL and equal; NULL never equals anything (a missing name is a failure). */
int pl_test_str_eq(const char *a, const char *b);

/* ---------------------------------------------------------------- items */

/* n int items first, first+step, ...; NULL when out of memory. Free with pl_test_items_free. */
pl_value **pl_test_items_int(size_t n, int64_t first, int64_t step);
/* n int items with the given values. */
pl_value **pl_test_items_from(const int64_t *values, size_t n);
/* Frees each item (NULL slots allowed) and the array; accepts NULL. */
void pl_test_items_free(pl_value **items, size_t n);

/* ---------------------------------------------------------------- labs a test needs */

enum {
    PL_TEST_NEEDS_MAP = 1,     /* lab 01-map: pl_map */
    PL_TEST_NEEDS_FUTURES = 2, /* lab 02-futures: pl_future_* */
    PL_TEST_NEEDS_GROUP = 4,   /* lab 03-group: pl_group_* */
};

/*
 * For a test that uses another lab's API than the one it grades (the model
 * tests use map, futures and groups): 1 when each lab in `what` is
 * implemented. Otherwise the test fails at once with one clear line, "needs
 * lab 02-futures: pl_future_start is not implemented yet", instead of a
 * cascade of failures about the wrong thing. Probes each lab with one tiny
 * call. Use: if (!PL_TEST_NEEDS(PL_TEST_NEEDS_FUTURES)) return;
 */
#define PL_TEST_NEEDS(what) pl_test_needs_at((what), __FILE__, __LINE__)
int pl_test_needs_at(unsigned what, const char *file, int line);

/* ---------------------------------------------------------------- how often items ran */

/*
 * A tally (pl_tally.h) in the test's scratch directory: items for the
 * built-in `tally` task that count their own runs in a shared file, so a
 * test can tell "ran once" from "ran twice, same answer" on every backend.
 * Workers must run on this computer (MPI: ranks on one node).
 */
typedef struct pl_test_tally {
    char path[512];
    size_t n;
    pl_tally_entry *seen; /* filled by pl_test_tally_read */
} pl_test_tally;

/*
 * A fresh tally of n items, and the n task arguments for it (item i sleeps
 * sleep_ms after counting). NULL when out of memory or the file cannot be
 * made; free the items with pl_test_items_free, the tally with pl_test_tally_free.
 */
pl_value **pl_test_tally_items(pl_test_tally *t, size_t n, int64_t sleep_ms);
/* Reads every item's count into t->seen; 0 on success. */
int pl_test_tally_read(pl_test_tally *t);
/*
 * After pl_test_tally_read: items that did not run exactly once. The first
 * few are described in text ("item 17 ran 2 times, item 40 ran 0 times").
 */
size_t pl_test_tally_not_once(const pl_test_tally *t, char *text, size_t len);
/*
 * After pl_test_tally_read, with the n results of those tasks: each ran
 * where the model runs tasks (pl_test_tasks_run_in) - fork: in a child of
 * this process (never in this process), the result's worker being that
 * child's pid, with at least pl_test_min_overlap(max_workers, n) of them
 * at once (never more than max_workers); MPI: in a worker rank,
 * not in this one; serial and OpenMP: in this process. The task records
 * its own getpid()/getppid(), so the backend cannot just claim it.
 */
void pl_test_expect_ran_in_workers(const pl_test_tally *t, const pl_result *const results[], int max_workers);
/* Removes the file; accepts a tally that was never made. */
void pl_test_tally_free(pl_test_tally *t);

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

/* Where this backend's tasks run (pl_backend_info does not say it; the suites check it). */
typedef enum pl_test_where {
    PL_TEST_IN_CALLER,   /* serial, OpenMP: the caller's process (a thread of it) */
    PL_TEST_IN_CHILDREN, /* fork: child processes of the caller, which reaps them */
    PL_TEST_IN_RANKS,    /* MPI: the worker ranks, other processes that are not the caller's children */
} pl_test_where;
pl_test_where pl_test_tasks_run_in(void);

/* Milliseconds since start_ns (pl_now_ns). */
int64_t pl_test_ms_since(int64_t start_ns);

/* ---------------------------------------------------------------- process hygiene */

/*
 * Whose processes the hygiene checks below look at. In-process test
 * binaries: this one. A checker (issue 14) runs the student's calls in a
 * subject process and sets `pid` to a function giving that process's pid
 * (MPI: rank 0's) as this process numbers pids: zombies, children and
 * descriptors are then counted in the subject, from outside (/proc/PID).
 * `own_pid` gives the same process's pid as it sees itself - another number
 * when it runs in its own PID namespace (checker/pl_spawn.h) - which the
 * tally checks compare with the pids its tasks recorded (NULL: `pid`'s).
 * NULL, NULL: back to this process.
 */
void pl_test_watch_process(long (*pid)(void), long (*own_pid)(void));
/* The pid the checks look at in /proc (getpid() unless a checker set another). */
long pl_test_watched_pid(void);
/* That process's pid as it numbers itself (see pl_test_watch_process). */
long pl_test_watched_own_pid(void);

/*
 * While on, a subject process that dies is not a failure of the running
 * test (the checker's failure sink asks): the leftovers tests make a
 * crashing call only to count what it leaves, and a backend that does not
 * really isolate the crash is crash_is_isolated's to report.
 */
void pl_test_expect_subject_death(int on);
int pl_test_subject_death_expected(void);

/* Number of entries in dir (not . and ..); -1 when it cannot be read. */
int pl_test_count_entries(const char *dir);

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

/*
 * What API calls may leave behind in the caller's process: children
 * (zombies that nobody reaped with waitpid, or workers still running) and
 * open descriptors (pipe ends nobody closed). The handouts promise both are
 * checked after every kind of call; the suites do it with one table of
 * calls each and the function below, in two tests named for the two faults
 * (so a map that forgets waitpid loses the zombie test, not every test).
 */
typedef struct pl_test_call {
    const char *label;   /* "a map killed at its deadline": completes "after ..." */
    void (*run)(void);   /* makes the call(s) and frees what they returned */
    int only_if_crashes_isolated; /* a crashing task: only where pl_backend()->isolates_crashes */
} pl_test_call;

enum {
    PL_TEST_CHECK_CHILDREN = 1, /* no zombie child, no more live children than before */
    PL_TEST_CHECK_FDS = 2,      /* no more open descriptors than before */
};

/*
 * Runs calls[0] once unchecked (resources a backend opens on first use and
 * keeps, such as MPI connections, are not leftovers), then every call in
 * turn, checking `check` after each, up to the first that leaves
 * something. A failure says after which call and what was left ("after a
 * map killed at its deadline: 2 zombie children").
 * A call whose task crashes runs in a copy of this process (fork), which
 * counts and reports back: a backend that does not isolate the crash loses
 * crash_is_isolated, not these tests.
 * Cleanup may take a moment (a killed child takes a moment to die): the
 * counts are polled for up to 3 s, so a correct backend is never blamed.
 */
void pl_test_calls_leave_nothing(const pl_test_call *calls, size_t n, unsigned check);

#endif
