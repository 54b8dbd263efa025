/*
 * grade.h - what the grader knows about one grading run: the test catalog
 * (from the trusted reference build), each test's outcome and points, and
 * the build problems of the submission. Shared by the modules in grader/.
 */
#ifndef GR_GRADE_H
#define GR_GRADE_H

#include <stddef.h>
#include <stdint.h>

#include "machine.h"
#include "rubric.h"
#include "sandbox.h"
#include "util.h"

/* One test case of one model: "map/empty_input" in test_map_fork. */
typedef struct gr_test {
    char *binary;     /* "test_map_fork" */
    char *relpath;    /* its path inside a build dir: "tests/test_map_fork" */
    char *model;      /* "fork" */
    char *suite;      /* "map" */
    char *name;       /* "map/empty_input" */
    char *lab;        /* "01-map" (rubric), or the suite name */
    int mpi;
    int checker;          /* its binary is a checker (issue 14): it starts the student's code itself,
                             in a subject process (MPI: its own mpiexec), and alone writes fd 3 */
    int mpi_ranks;        /* mpiexec -n for this test (a perf rule's ranks=, else the rubric's) */
    const gr_rule *rule;  /* the test rule that set its points (NULL: default) */
    const gr_rule *perf;  /* the perf rule that applies, if any */
    double max_points;
    int hidden;
    double timeout_s;
    int budget_capped;    /* its limit was cut to what was left of the budget */
    /* outcome */
    int ran;
    int passed;
    double score;
    char *reason;     /* one line; NULL when passed */
    char *output;     /* captured output (capped) and details */
    double seconds;
    /* performance (perf != NULL) */
    double perf_max;
    double perf_score;
    double ref_best, sub_best;
    int perf_informational; /* full points: the machine has fewer CPUs than the test needs */
    char *perf_note;
} gr_test;

/* A lab file of the submission that did not compile. */
typedef struct gr_broken {
    char *lab;        /* "01-map" */
    char *model;      /* "fork" */
    char *message;    /* the first compiler lines */
} gr_broken;

/* A construct a lab has no reason to use (scan.h): for a human to review, never scored. */
typedef struct gr_flag {
    char *file;        /* "01-map/openmp.c" */
    int line;
    char *construct;   /* "/proc/self/environ", "dlsym", ... */
    const char *why;   /* why a lab has no use for it (static text) */
} gr_flag;

typedef struct gr_run {
    gr_rubric rubric;
    gr_sandbox sb;
    gr_machine machine;      /* usable CPUs and memory (machine.h) */
    const char *source_dir;  /* the trusted project tree */
    const char *submission;  /* NULL: grade the reference solutions */
    char *work;              /* our scratch directory */
    char *ref_build;         /* reference build dir (catalog, perf baseline) */
    const char *cache_dir;   /* --cache DIR (NULL: the default, cache.h) */
    int no_cache;            /* --no-cache */
    char *ref_entry;         /* the cache entry ref_build belongs to, if any */
    int ref_lock_fd;         /* its shared lock, held until we exit */
    int ref_cache_built;     /* we built that entry in this run */
    char *sub_build;         /* submission build dir (== ref_build for the reference) */
    char *shim;              /* paralab-verdict-shim, copied into work/bin */
    char *unpacker;          /* paralab-unpack, copied into work/bin (NULL: not built, no libarchive) */
    char *cc;                /* C compiler for both builds (NULL: CMake's choice); clang under --sanitize thread */
    char *tsan_supp;         /* ThreadSanitizer suppressions, copied into work/bin (jobs can read it) */
    char *mpiexec;
    int jobs;
    const char *only_lab;
    const char *only_tests;  /* comma-separated fnmatch patterns, or NULL */
    int tty;
    gr_test *tests;
    size_t n_tests;
    size_t n_catalogued;     /* tests in the reference build, before --only/--tests */
    gr_buf catalog_labs;     /* " 01-map (map)" for each lab/suite seen: for messages */
    gr_broken *broken;
    size_t n_broken;
    gr_broken *untouched;    /* lab files graded as the skeleton (missing or unchanged) */
    size_t n_untouched;
    char *build_error;       /* the whole submission could not be prepared/built */
    char *build_excerpt;     /* first error lines of the submission's build log, if any */
    gr_flag *flags;          /* the static scan of the submitted lab files (scan.h) */
    size_t n_flags;
    gr_buf notes;            /* shown at the top of the output */
    double started;
    double tests_started;
    uint64_t seed;           /* every test's --seed: its inputs (tests/harness.h); --seed N replays */    /* the budget (rubric `budget`) counts from here */
} gr_run;

#endif
