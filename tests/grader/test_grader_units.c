/*
 * test_grader_units.c - the grader's pure parts, without building anything:
 * rubric parsing and its error messages, skeleton stripping, archive name
 * checks, results.json / JUnit writing, and the sandbox's job control
 * (timeouts, floods, escaping children, process limits).
 *
 * Its own CUnit main, not tests/harness.c: the grader is trusted code that
 * never links a backend. The end-to-end runs (real builds, hostile
 * submissions) are adversary.sh.
 */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "build.h"
#include "cmdline.h"
#ifdef PARALAB_HAVE_LIBARCHIVE
#include "unpack.h"
#endif
#include "explain.h"
#include "grade.h"
#include "mpienv.h"
#include "report.h"
#include "report_json.h"
#include "report_junit.h"
#include "rubric.h"
#include "run.h"
#include "sandbox.h"
#include "util.h"

#include "grader_testkit.h"

#ifndef GRADER_SOURCE_DIR
#define GRADER_SOURCE_DIR "."
#endif

static char jobdir[300]; /* the runner user's: jobs write only here */


static char *write_tmp(const char *name, const char *text)
{
    char *p = grader_scratch_path(name);
    CU_ASSERT_FATAL(gr_write_file(p, text, strlen(text)) == 0);
    return p;
}

/* Runs a shell command; its exit status. */
static int sh(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---------------------------------------------------------------- rubric */

static void test_rubric_shipped_file_is_valid(void)
{
    gr_rubric r;
    char err[4096] = "";
    int rc = gr_rubric_load(GRADER_SOURCE_DIR "/grader/rubric.txt", &r, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "\n%s\n", err);
    }
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL(gr_rubric_lab_of(&r, "map"));
    CU_ASSERT(gr_rubric_graded_model(&r, "openmp") && gr_rubric_graded_model(&r, "fork") &&
              gr_rubric_graded_model(&r, "mpi"));
    CU_ASSERT(!gr_rubric_graded_model(&r, "serial"));
    gr_rubric_free(&r);
}

static void test_rubric_settings_and_first_match(void)
{
    char *p = write_tmp("r1.txt",
                        "# comment\n"
                        "set timeout 12   # trailing comment\n"
                        "set models fork mpi\n"
                        "set default-points 0.5\n"
                        "lab 01-map map\n"
                        "test map/lesson_* fork 3 hidden timeout=7\n"
                        "test map/* * 2\n"
                        "perf map/big fork,mpi 4 full=1.2 zero=2.5 runs=5\n");
    gr_rubric r;
    char err[4096] = "";
    CU_ASSERT_EQUAL_FATAL(gr_rubric_load(p, &r, err, sizeof err), 0);
    CU_ASSERT_DOUBLE_EQUAL(r.timeout_s, 12, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(r.default_points, 0.5, 1e-9);
    CU_ASSERT(gr_rubric_graded_model(&r, "fork") && !gr_rubric_graded_model(&r, "openmp"));
    CU_ASSERT_STRING_EQUAL(gr_rubric_lab_of(&r, "map"), "01-map");
    CU_ASSERT_PTR_NULL(gr_rubric_lab_of(&r, "group"));

    gr_rule *a = gr_rubric_match(&r, GR_RULE_TEST, "map/lesson_pool5_square", "fork");
    CU_ASSERT_FATAL(a != NULL);
    CU_ASSERT_DOUBLE_EQUAL(a->points, 3, 1e-9); /* first match wins */
    CU_ASSERT(a->hidden);
    CU_ASSERT_DOUBLE_EQUAL(a->timeout_s, 7, 1e-9);
    gr_rule *b = gr_rubric_match(&r, GR_RULE_TEST, "map/lesson_pool5_square", "mpi");
    CU_ASSERT_FATAL(b != NULL);
    CU_ASSERT_DOUBLE_EQUAL(b->points, 2, 1e-9); /* the first rule is fork-only */
    CU_ASSERT_PTR_NULL(gr_rubric_match(&r, GR_RULE_TEST, "group/x", "fork"));
    gr_rule *pf = gr_rubric_match(&r, GR_RULE_PERF, "map/big", "mpi");
    CU_ASSERT_FATAL(pf != NULL);
    CU_ASSERT_DOUBLE_EQUAL(pf->full_ratio, 1.2, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(pf->zero_ratio, 2.5, 1e-9);
    CU_ASSERT_EQUAL(pf->runs, 5);
    CU_ASSERT_PTR_NULL(gr_rubric_match(&r, GR_RULE_PERF, "map/big", "openmp"));
    gr_rubric_free(&r);
    free(p);
}

/* Every mistake is reported, each with its file:line. */
static void test_rubric_errors_name_file_and_line(void)
{
    char *p = write_tmp("r2.txt",
                        "set timeout soon\n"           /* 1: not a number */
                        "set colour blue\n"            /* 2: unknown setting */
                        "test map/* openmpp 1\n"       /* 3: unknown model */
                        "test nopattern * 1\n"         /* 4: no suite/ */
                        "perf map/x * 1 full=3 zero=2\n" /* 5: full >= zero */
                        "test map/y * 1 sometimes\n"   /* 6: unknown option */
                        "frobnicate\n"                 /* 7: unknown keyword */
                        "test map/z *\n"               /* 8: missing points */
                        "set mpi-ranks 2.5\n"          /* 9: not whole */
                        "lab 01-map map\nlab 02-x map\n" /* 11: suite in two labs */
                        "test map/ok * 1\n");          /* 12: fine */
    gr_rubric r;
    char err[8192] = "";
    CU_ASSERT_EQUAL(gr_rubric_load(p, &r, err, sizeof err), -1);
    const char *want[] = {":1: timeout", ":2: unknown setting 'colour'", ":3: unknown model 'openmpp'",
                          ":4: test pattern 'nopattern'", ":5: full= must be smaller", ":6: unknown option 'sometimes'",
                          ":7: unknown keyword 'frobnicate'", ":8: 'test' needs", ":9: mpi-ranks must be a whole",
                          ":11: suite 'map' already belongs", NULL};
    for (size_t i = 0; want[i]; i++) {
        if (strstr(err, want[i]) == NULL) {
            fprintf(stderr, "\n  missing '%s' in:\n%s\n", want[i], err);
        }
        CU_ASSERT_PTR_NOT_NULL(strstr(err, want[i]));
    }
    CU_ASSERT_PTR_NULL(strstr(err, ":12:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, p));
    gr_rubric_free(&r);
    free(p);
}

static void test_rubric_missing_file(void)
{
    gr_rubric r;
    char err[512] = "";
    CU_ASSERT_EQUAL(gr_rubric_load("/nonexistent/rubric.txt", &r, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot read the rubric"));
    gr_rubric_free(&r);
}

/* ---------------------------------------------------------------- stripping */

static void test_strip_follows_conventions(void)
{
    char *p = write_tmp("sol.c",
                        "#include <x.h>\n"
                        "/* BEGIN SOLUTION */\n"
                        "static int helper(void) { return 1; }\n"
                        "/* END SOLUTION */\n"
                        "int f(int a)\n"
                        "{\n"
                        "    /* BEGIN SOLUTION */\n"
                        "    /* TODO: one line hint */\n"
                        "    /* TODO: a hint\n"
                        "       on two lines */\n"
                        "    /* SKELETON: (void)a; return PL_ENOTIMPL; */\n"
                        "    return helper() + a;\n"
                        "    /* END SOLUTION */\n"
                        "}\n");
    gr_buf out = {0}, err = {0};
    gr_buf_add(&out, "");
    CU_ASSERT_EQUAL(gr_strip_solution(p, &out, &err), 0);
    const char *want = "#include <x.h>\n"
                       "int f(int a)\n"
                       "{\n"
                       "    /* TODO: one line hint */\n"
                       "    /* TODO: a hint\n"
                       "       on two lines */\n"
                       "    (void)a; return PL_ENOTIMPL;\n"
                       "}\n";
    if (strcmp(out.s, want) != 0) {
        fprintf(stderr, "\n--- got:\n%s--- want:\n%s", out.s, want);
    }
    CU_ASSERT_STRING_EQUAL(out.s, want);
    CU_ASSERT_PTR_NULL(err.s);
    gr_buf_free(&out);
    free(p);
}

static void test_strip_rejects_malformed_blocks(void)
{
    const char *bad[] = {
        "/* BEGIN SOLUTION */\nint x;\n",                                   /* never closed */
        "int x;\n/* END SOLUTION */\n",                                     /* END without BEGIN */
        "/* BEGIN SOLUTION */\n/* BEGIN SOLUTION */\n/* END SOLUTION */\n", /* nested */
        "int x; /* BEGIN SOLUTION */\n/* END SOLUTION */\n",                /* not alone */
        NULL};
    const char *why[] = {":1: BEGIN SOLUTION is never closed", ":2: END SOLUTION without", ":2: BEGIN SOLUTION inside",
                         ":1: a BEGIN/END SOLUTION marker must be alone"};
    for (size_t i = 0; bad[i]; i++) {
        char *p = write_tmp("bad.c", bad[i]);
        gr_buf out = {0}, err = {0};
        CU_ASSERT_EQUAL(gr_strip_solution(p, &out, &err), -1);
        CU_ASSERT_PTR_NOT_NULL(err.s);
        if (err.s && strstr(err.s, why[i]) == NULL) {
            fprintf(stderr, "\n  case %zu: want '%s' in '%s'\n", i, why[i], err.s);
        }
        CU_ASSERT(err.s && strstr(err.s, why[i]));
        gr_buf_free(&out);
        gr_buf_free(&err);
        free(p);
    }
    gr_buf out = {0}, err = {0};
    CU_ASSERT_EQUAL(gr_strip_solution("/nonexistent.c", &out, &err), -1);
    CU_ASSERT_PTR_NOT_NULL(err.s);
    gr_buf_free(&out);
    gr_buf_free(&err);
}

/* ---------------------------------------------------------------- archives */

#ifdef PARALAB_HAVE_LIBARCHIVE
/* Runs gr_unpack_labs on grader_scratch/NAME into a fresh grader_scratch/out-NAME; the report's text. */
static char *unpack_report(const char *name, int zip, long max_entries, long max_bytes, int *rc)
{
    static char *const labs[] = {"01-map", "02-futures"};
    static char *const files[] = {"openmp.c", "fork.c", "mpi.c"};
    gr_unpack_opts o = {.zip = zip, .labs = labs, .n_labs = 2, .files = files, .n_files = 3,
                        .max_file_bytes = max_bytes, .max_entries = max_entries, .max_depth = 3};
    char *archive = grader_scratch_path(name);
    char *dir = gr_fmt("%s/out-%s", grader_scratch, name);
    char *report = gr_fmt("%s.report", dir);
    gr_rm_rf(dir);
    gr_mkdir_p(dir, 0755);
    FILE *f = fopen(report, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    *rc = gr_unpack_labs(archive, dir, &o, f);
    fclose(f);
    char *text = gr_read_file(report, 1 << 20, NULL);
    free(archive);
    free(dir);
    free(report);
    return text ? text : gr_xstrdup("");
}

/* 1 when grader_scratch/out-ARCHIVE/REL is a regular file (lstat: not a link). */
static int unpacked_file(const char *archive, const char *rel)
{
    char *p = gr_fmt("%s/out-%s/%s", grader_scratch, archive, rel);
    struct stat st;
    int ok = lstat(p, &st) == 0 && S_ISREG(st.st_mode);
    free(p);
    return ok;
}

/*
 * A tar.gz with lab files, a lab file that is a link, a stray link, junk, a
 * fifo, a hard link, and members that climb out: the lab files are written,
 * everything else is skipped with reasons, nothing lands outside.
 */
static void test_unpack_keeps_only_lab_files(void)
{
    char *cmd = gr_fmt("cd '%s' && rm -rf t && mkdir -p t/labs/01-map t/labs/02-futures t/build && cd t && "
                       "echo 'int fork_c;' > labs/01-map/fork.c && echo 'int omp_c;' > labs/01-map/openmp.c && "
                       "ln -s /etc/passwd labs/02-futures/mpi.c && ln -s /nowhere compile_commands.json && "
                       "echo junk > build/x.o && mkfifo labs/fifo && ln labs/01-map/fork.c build/hard.c && "
                       "tar -czf ../t.tar.gz labs compile_commands.json build && "
                       "tar -cf ../slip.tar labs/01-map/fork.c labs/01-map/openmp.c "
                       "--transform 's|labs/01-map/fork.c|../../outside|;s|labs/01-map/openmp.c|../01-map/openmp.c|'",
                       grader_scratch);
    CU_ASSERT_EQUAL_FATAL(sh(cmd), 0);
    free(cmd);
    int rc;
    char *r = unpack_report("t.tar.gz", 0, 10000, 1 << 20, &rc);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT(unpacked_file("t.tar.gz", "labs/01-map/fork.c"));
    CU_ASSERT(unpacked_file("t.tar.gz", "labs/01-map/openmp.c"));
    CU_ASSERT(!unpacked_file("t.tar.gz", "labs/02-futures/mpi.c"));
    CU_ASSERT(!unpacked_file("t.tar.gz", "compile_commands.json"));
    CU_ASSERT(!unpacked_file("t.tar.gz", "build/x.o"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "file 02-futures/mpi.c is a symbolic link in the archive"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "note skipped 4 entries that are not lab files"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "compile_commands.json (a symbolic link)"));
    CU_ASSERT_PTR_NULL(strstr(r, "error"));
    free(r);
    /* Members that climb out: never written; a lab file's name among them is reported as such. */
    r = unpack_report("slip.tar", 0, 10000, 1 << 20, &rc);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "file 01-map/openmp.c points outside the archive"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "../../outside (points outside the archive)"));
    char *outside = gr_fmt("%s/outside", grader_scratch);
    struct stat st;
    CU_ASSERT(lstat(outside, &st) != 0);
    free(outside);
    free(r);
}

/* A zip made with links stored as links (zip -y): the same rules. */
static void test_unpack_zip_with_links(void)
{
    char *cmd = gr_fmt("cd '%s/t' && zip -qry ../t.zip labs compile_commands.json build", grader_scratch);
    if (sh("command -v zip >/dev/null") != 0) {
        free(cmd);
        CU_PASS("zip is not installed: no zip to make");
        return;
    }
    CU_ASSERT_EQUAL_FATAL(sh(cmd), 0);
    free(cmd);
    int rc;
    char *r = unpack_report("t.zip", 1, 10000, 1 << 20, &rc);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT(unpacked_file("t.zip", "labs/01-map/fork.c"));
    CU_ASSERT(!unpacked_file("t.zip", "labs/02-futures/mpi.c"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "file 02-futures/mpi.c is a symbolic link"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "compile_commands.json (a symbolic link)"));
    free(r);
}

/* Not an archive: one "error" line. Limits: entries, a lab file's size. */
static void test_unpack_errors_and_limits(void)
{
    char *junk = write_tmp("junk.zip", "this is not a zip file\n");
    free(junk);
    int rc;
    char *r = unpack_report("junk.zip", 1, 10000, 1 << 20, &rc);
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT(strncmp(r, "error ", 6) == 0 && strchr(r, '\n') == strrchr(r, '\n')); /* one line */
    free(r);
    r = unpack_report("t.tar.gz", 0, 3, 1 << 20, &rc);
    CU_ASSERT_EQUAL(rc, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "more than 3 entries"));
    free(r);
    r = unpack_report("t.tar.gz", 0, 10000, 4, &rc);
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "file 01-map/fork.c is larger than"));
    CU_ASSERT(!unpacked_file("t.tar.gz", "labs/01-map/fork.c"));
    free(r);
}
#endif

/* `paralab-grade README.md` is a usage error: only these names are archives. */
static void test_archive_kind(void)
{
    CU_ASSERT_EQUAL(gr_archive_kind("README.md"), 0);
    CU_ASSERT_EQUAL(gr_archive_kind("labs"), 0);
    CU_ASSERT_EQUAL(gr_archive_kind("zip"), 0);
    CU_ASSERT_EQUAL(gr_archive_kind("/up/labs.zip"), GR_ZIP);
    CU_ASSERT_EQUAL(gr_archive_kind("labs.tar.gz"), GR_TAR);
    CU_ASSERT_EQUAL(gr_archive_kind("labs.tgz"), GR_TAR);
    CU_ASSERT_EQUAL(gr_archive_kind("labs.tar"), GR_TAR);
}

/* ---------------------------------------------------------------- explaining failures */

/* The first failure line, with the values the test printed and its hint, paths cut short. */
static void test_failed_assertion_line(void)
{
    const char *out = "\nSuite: map\n  Test: results_in_input_order ...FAILED\n"
                      "    1. /tmp/g/sub/src/tests/suite_map.c:108  - wrong is 3, expected 0\n"
                      "    2. /tmp/g/sub/src/tests/suite_map.c:110  - other\n"
                      "    hint: results[i] must be item i's result\n";
    char *a = gr_failed_assertion(out);
    CU_ASSERT_STRING_EQUAL(a, "tests/suite_map.c:108: wrong is 3, expected 0 - hint: results[i] must be item i's "
                              "result");
    free(a);
    /* No hint printed: none added (and the next test's hint is not ours). */
    a = gr_failed_assertion("  Test: a ...FAILED\n    1. x.c:7  - cond\n  Test: b ...FAILED\n    hint: b's\n");
    CU_ASSERT_STRING_EQUAL(a, "x.c:7: cond");
    free(a);
    CU_ASSERT_PTR_NULL(gr_failed_assertion("  Test: a ...passed\nRun Summary: 1. a  - b\n"));
    CU_ASSERT_PTR_NULL(gr_failed_assertion(""));
}

/* A sanitizer's report becomes one line naming the tool, the problem and the source lines. */
static void test_sanitizer_report_line(void)
{
    const char *tsan =
        "==================\n"
        "WARNING: ThreadSanitizer: data race (pid=4242)\n"
        "  Write of size 8 at 0x7b04 by thread T2:\n"
        "    #0 run_items /tmp/g/sub/impl/01-map/openmp.c:97:22 (test_map_openmp+0x1234)\n"
        "    #1 __kmp_invoke_microtask <null> (libomp.so.5+0x1)\n"
        "\n"
        "  Previous read of size 8 at 0x7b04 by main thread:\n"
        "    #0 run_items /tmp/g/sub/impl/01-map/openmp.c:95:9 (test_map_openmp+0x1200)\n"
        "\n"
        "SUMMARY: ThreadSanitizer: data race /tmp/g/sub/impl/01-map/openmp.c:97:22 in run_items\n"
        "==================\n"
        "ThreadSanitizer: reported 3 warnings\n";
    char *r = gr_sanitizer_report(tsan);
    CU_ASSERT_STRING_EQUAL(r, "ThreadSanitizer: data race at 01-map/openmp.c:97 in run_items (the other access: "
                              "01-map/openmp.c:95 in run_items); 3 reports in all (the first is shown)");
    free(r);
    const char *asan = "=1=ERROR: AddressSanitizer: heap-use-after-free on address 0x6\n"
                       "    #0 0x4 in pl_map /w/impl/01-map/fork.c:40:3\n"
                       "SUMMARY: AddressSanitizer: heap-use-after-free /w/impl/01-map/fork.c:40:3 in pl_map\n";
    r = gr_sanitizer_report(asan);
    CU_ASSERT_STRING_EQUAL(r, "AddressSanitizer: heap-use-after-free at 01-map/fork.c:40 in pl_map");
    free(r);
    CU_ASSERT_PTR_NULL(gr_sanitizer_report("Run Summary: fine\nSUMMARY: all good\n"));
    /* clang's name for a parallel region's body is said in words. */
    r = gr_sanitizer_report("SUMMARY: ThreadSanitizer: data race /w/01-map/openmp.c:97:26 in .omp_outlined._debug__\n");
    CU_ASSERT_STRING_EQUAL(r, "ThreadSanitizer: data race at 01-map/openmp.c:97 in an OpenMP parallel region");
    free(r);
    CU_ASSERT_PTR_NULL(gr_sanitizer_report(NULL));
}

/* --junit/--out are tried before grading; the probe leaves nothing behind. */
static void test_probe_writable(void)
{
    errno = 0;
    CU_ASSERT_EQUAL(gr_probe_writable("/nonexistent/x.xml"), -1);
    CU_ASSERT_EQUAL(errno, ENOENT);
    CU_ASSERT_EQUAL(gr_probe_writable(grader_scratch), -1);
    CU_ASSERT_EQUAL(errno, EISDIR);
    char *fresh = grader_scratch_path("probe.xml");
    CU_ASSERT_EQUAL(gr_probe_writable(fresh), 0);
    CU_ASSERT_EQUAL(access(fresh, F_OK), -1); /* not left behind */
    char *kept = write_tmp("kept.xml", "old");
    CU_ASSERT_EQUAL(gr_probe_writable(kept), 0);
    char *text = gr_read_file(kept, 100, NULL);
    CU_ASSERT_STRING_EQUAL(text, "old"); /* neither truncated nor removed */
    free(text);
    free(kept);
    free(fresh);
}

/* --only is checked against the rubric's lab lines, and the error lists them. */
static void test_rubric_lab_names(void)
{
    gr_rubric r;
    char err[4096] = "";
    char *p = write_tmp("labs.txt", "lab 01-map map fetchmap\nlab 02-futures futures\nlab 01-map extra\n");
    CU_ASSERT_FATAL(gr_rubric_load(p, &r, err, sizeof err) == 0);
    CU_ASSERT(gr_rubric_names_lab(&r, "01-map"));
    CU_ASSERT(gr_rubric_names_lab(&r, "fetchmap"));
    CU_ASSERT(gr_rubric_names_lab(&r, "futures"));
    CU_ASSERT(!gr_rubric_names_lab(&r, "nosuch"));
    CU_ASSERT(!gr_rubric_names_lab(&r, "01"));
    char *list = gr_rubric_lab_list(&r);
    CU_ASSERT_STRING_EQUAL(list, "01-map (map, fetchmap, extra), 02-futures (futures)");
    free(list);
    gr_rubric_free(&r);
    free(p);
}

/*
 * The verdict: this run's nonce, exactly one PASS for the selected test,
 * no FAIL, and END 1 0. Anything else is not a pass.
 */
static void test_verdict_lines(void)
{
    const char *n = "00ff";
    const char *t = "map/n_one";
    CU_ASSERT(gr_verdict_says_passed("00ff PASS map/n_one\n00ff END 1 0\n", n, t));
    CU_ASSERT(!gr_verdict_says_passed("00ff END 1 0\n", n, t));                         /* no PASS line */
    CU_ASSERT(!gr_verdict_says_passed("00ff PASS map/n_one\n", n, t));                  /* no END */
    CU_ASSERT(!gr_verdict_says_passed("00ff PASS map/other\n00ff END 1 0\n", n, t));   /* wrong test */
    CU_ASSERT(!gr_verdict_says_passed("00ff PASS map/n_one\n00ff PASS map/x\n00ff END 1 0\n", n, t));
    CU_ASSERT(!gr_verdict_says_passed("00ff PASS map/n_one\n00ff FAIL map/n_one\n00ff END 1 0\n", n, t));
    CU_ASSERT(!gr_verdict_says_passed("00ff PASS map/n_one\n00ff END 0 1\n", n, t));
    CU_ASSERT(!gr_verdict_says_passed("00ff PASS map/n_one\n00ff END 1 0\n00ff END 1 0\n", n, t));
    CU_ASSERT(!gr_verdict_says_passed("beef PASS map/n_one\nbeef END 1 0\n", n, t));   /* forged nonce */
    CU_ASSERT(!gr_verdict_says_passed("00ffPASS map/n_one\n00ff END 1 0\n", n, t));
    CU_ASSERT(!gr_verdict_says_passed("", n, t));
    CU_ASSERT(!gr_verdict_says_passed("00ff PASS map/n_one\n00ff END 1 0\n", "", t)); /* no nonce */
}

/* ---------------------------------------------------------------- reports */

static void test_results_json_and_junit_are_valid(void)
{
    gr_run r;
    memset(&r, 0, sizeof r);
    gr_rubric_defaults(&r.rubric);
    gr_test tests[4];
    tests[0] = grader_fake_test("01-map", "fork", "map/a", 1, 2);
    tests[1] = grader_fake_test("01-map", "mpi", "map/a", 0, 2);
    tests[2] = grader_fake_test("02-futures", "openmp", "futures/b", 0, 1);
    tests[2].hidden = 1;
    tests[3] = grader_fake_test("01-map", "openmp", "map/perf", 1, 1);
    gr_rule perf = {.kind = GR_RULE_PERF, .points = 2, .runs = 3};
    tests[3].perf = &perf;
    tests[3].perf_max = 2;
    tests[3].perf_score = 1.5;
    tests[3].perf_note = (char *)"best of 3: 0.2 s vs reference 0.1 s";
    r.tests = tests;
    r.n_tests = 4;
    r.started = gr_now();
    double max, got = gr_report_total(&r, &max);
    CU_ASSERT_DOUBLE_EQUAL(got, 3 + 1.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(max, 2 + 2 + 1 + 1 + 2, 1e-9);

    char *json = grader_scratch_path("results.json");
    char *xml = grader_scratch_path("junit.xml");
    CU_ASSERT_EQUAL(gr_write_results_json(&r, json), 0);
    CU_ASSERT_EQUAL(gr_write_junit(&r, xml), 0);
    char *cmd = gr_fmt("jq -e '.score == 4.5 and (.tests | length) == 5 and "
                       "([.tests[] | select(.visibility == \"hidden\")] | length) == 1 and "
                       "([.tests[] | select(.status == \"failed\")] | length) == 3 and "
                       "(.tests[0].number | type) == \"string\" and (.execution_time | type) == \"number\"' '%s' >/dev/null",
                       json);
    CU_ASSERT_EQUAL(sh(cmd), 0);
    free(cmd);
    cmd = gr_fmt("xmllint --noout '%s'", xml);
    CU_ASSERT_EQUAL(sh(cmd), 0);
    free(cmd);

    /* The student's text hides the hidden test's failure; the staff text shows it. */
    char *student = gr_report_text(&r, 0);
    char *staff = gr_report_text(&r, 1);
    CU_ASSERT_PTR_NULL(strstr(student, "futures/b"));
    CU_ASSERT_PTR_NOT_NULL(strstr(student, "(and 1 hidden test)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(staff, "futures/b: crashed: SIGSEGV"));
    CU_ASSERT_PTR_NOT_NULL(strstr(staff, "Score: 4.50 / 8.00"));
    free(student);
    free(staff);
    gr_rubric_free(&r.rubric);
    free(json);
    free(xml);
}

/* A flood-sized output is cut for results.json (head + tail), still valid JSON. */
static void test_results_json_caps_output(void)
{
    gr_run r;
    memset(&r, 0, sizeof r);
    gr_rubric_defaults(&r.rubric);
    gr_test t = grader_fake_test("01-map", "fork", "map/a", 0, 1);
    size_t n = 40000;
    char *big = gr_xmalloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        big[i] = (char)(i % 3 == 0 ? 0xc3 : (i % 3 == 1 ? 0xa9 : 'x')); /* cuts land mid-sequence */
    }
    big[n] = '\0';
    t.output = big;
    r.tests = &t;
    r.n_tests = 1;
    char *json = grader_scratch_path("big.json");
    CU_ASSERT_EQUAL(gr_write_results_json(&r, json), 0);
    char *cmd = gr_fmt("jq -e '(.tests[0].output | length) < 9000 and (.tests[0].output | contains(\"left out\"))' "
                       "'%s' >/dev/null", json);
    CU_ASSERT_EQUAL(sh(cmd), 0);
    free(cmd);
    free(json);
    free(big);
    gr_rubric_free(&r.rubric);
}

/* A run that built nothing still gives Gradescope a valid file with the reason. */
static void test_results_json_on_build_error(void)
{
    gr_run r;
    grader_failed_build(&r, "configuring failed:\n\"CMake\" said <no>");
    char *json = grader_scratch_path("err.json");
    char *xml = grader_scratch_path("err.xml");
    CU_ASSERT_EQUAL(gr_write_results_json(&r, json), 0);
    CU_ASSERT_EQUAL(gr_write_junit(&r, xml), 0);
    char *cmd = gr_fmt("jq -e '.score == 0 and .tests == [] and (.output | contains(\"BUILD FAILED\"))' '%s' >/dev/null",
                       json);
    CU_ASSERT_EQUAL(sh(cmd), 0);
    free(cmd);
    cmd = gr_fmt("xmllint --noout '%s'", xml);
    CU_ASSERT_EQUAL(sh(cmd), 0);
    free(cmd);
    gr_rubric_free(&r.rubric);
    free(json);
    free(xml);
}

/* ---------------------------------------------------------------- sandbox */

static gr_sandbox sb;

static gr_job shell_job(const char *script, double wall)
{
    gr_job job;
    memset(&job, 0, sizeof job);
    static char *argv[4];
    static char *env[] = {"PATH=/usr/bin:/bin", NULL};
    argv[0] = "/bin/sh";
    argv[1] = "-c";
    argv[2] = (char *)script;
    argv[3] = NULL;
    job.argv = argv;
    job.env = env;
    job.dir = jobdir;
    job.lim = (gr_limits){.wall_s = wall, .procs = 64, .memory_mb = 512, .cpu_s = 20, .file_mb = 4,
                          .open_files = 64, .output_max = 1 << 20};
    return job;
}

/* Runs job alone; the seconds it took, for the tests that bound how long a stop may take. */
static double run_one(gr_job *job)
{
    gr_job *one = job;
    double t0 = gr_now();
    gr_run_jobs(&sb, &one, 1, 1, NULL, NULL, NULL);
    return gr_now() - t0;
}

/* Our live descendants (the grader is a child subreaper: leftovers come back to it). */
static int leftovers(void)
{
    char *cmd = gr_fmt("ps -eo pid=,ppid=,stat=,comm= | awk -v me=%d '"
                       "{ parent[$1] = $2; state[$1] = $3; name[$1] = $4 } "
                       "END { n = 0; for (p in parent) { if (name[p] == \"ps\" || name[p] == \"awk\" || "
                       "name[p] == \"sh\" || state[p] ~ /^Z/) continue; "
                       "for (q = parent[p]; q != \"\" && q > 1; q = parent[q]) if (q == me) { n++; print p, name[p] > \"/dev/stderr\"; break } } "
                       "exit n > 0 }'",
                       (int)getpid());
    int found = sh(cmd) != 0;
    free(cmd);
    return found;
}

/* After a job that left processes behind on purpose: the sweep must get every one. */
static void expect_swept_clean(void)
{
    gr_sandbox_sweep(&sb);
    CU_ASSERT(!leftovers());
}

static void test_sandbox_plain_job(void)
{
    gr_job job = shell_job("echo hello; echo err >&2; exit 3", 10);
    run_one(&job);
    CU_ASSERT(job.exited && !job.timed_out && !job.flooded);
    CU_ASSERT(WIFEXITED(job.status) && WEXITSTATUS(job.status) == 3);
    char *out = gr_capture_text(&job.out);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "hello"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "err"));
    free(out);
    gr_job_free(&job);
}

static void test_sandbox_timeout_kills_the_tree(void)
{
    /* A child that leaves the process group and a grandchild that ignores SIGTERM. */
    gr_job job = shell_job("(trap '' TERM; setsid sleep 300 &) ; sleep 300 & wait", 1);
    CU_ASSERT(run_one(&job) < 10);
    CU_ASSERT(job.timed_out);
    CU_ASSERT_PTR_NOT_NULL(job.stuck);
    if (job.stuck) {
        CU_ASSERT_PTR_NOT_NULL(strstr(job.stuck, "sleep"));
    }
    expect_swept_clean();
    gr_job_free(&job);
}

static void test_sandbox_output_flood_is_cut(void)
{
    gr_job job = shell_job("yes xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 20);
    CU_ASSERT(run_one(&job) < 10);
    CU_ASSERT(job.flooded);
    CU_ASSERT(!job.timed_out);
    char *out = gr_capture_text(&job.out);
    CU_ASSERT(strlen(out) < GR_CAP_HEAD + GR_CAP_TAIL + 200);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "bytes of output skipped"));
    free(out);
    gr_job_free(&job);
}

static void test_sandbox_fork_bomb_is_contained(void)
{
    gr_job job = shell_job("b() { b & b & }; b; sleep 300", 3);
    CU_ASSERT(run_one(&job) < 20);
    CU_ASSERT(job.timed_out || job.exited);
    expect_swept_clean();
    gr_job_free(&job);
}

static void test_sandbox_limits_apply(void)
{
    /* File size: a 4 MiB limit stops dd with SIGXFSZ (or EFBIG when it is ignored). */
    gr_job job = shell_job("dd if=/dev/zero of=big bs=1M count=16 2>/dev/null; echo rc=$?; ulimit -n; rm -f big", 10);
    run_one(&job);
    char *out = gr_capture_text(&job.out);
    CU_ASSERT_PTR_NULL(strstr(out, "rc=0"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "64"));
    free(out);
    gr_job_free(&job);
}

static void test_sandbox_verdict_descriptor(void)
{
    char *v = grader_scratch_path("verdict");
    CU_ASSERT_EQUAL_FATAL(gr_write_file(v, "", 0), 0);
    if (sb.drop) {
        CU_ASSERT_EQUAL(chown(v, sb.uid, sb.gid), 0);
    }
    gr_job job = shell_job("echo 'N PASS x/y' >&3; ls /proc/self/fd | wc -l", 10);
    job.verdict_path = v;
    run_one(&job);
    char *text = gr_read_file(v, 4096, NULL);
    CU_ASSERT(text && strcmp(text, "N PASS x/y\n") == 0);
    free(text);
    char *out = gr_capture_text(&job.out);
    /* 0, 1, 2, 3 and the one ls opens: nothing of the grader's leaks in. */
    CU_ASSERT(atoi(out) <= 5);
    free(out);
    gr_job_free(&job);
    free(v);
}

/* With bubblewrap a job sees one network interface, loopback, and a private /tmp. */
static void test_sandbox_loopback_only(void)
{
    if (!sb.use_bwrap) {
        fprintf(stderr, " (no bubblewrap here: skipped) ");
        return;
    }
    gr_job job = shell_job("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '; echo --; "
                           "touch /tmp/paralab-unit-probe && ls /tmp", 10);
    run_one(&job);
    char *out = gr_capture_text(&job.out);
    CU_ASSERT(strncmp(out, "lo\n--\n", 6) == 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "paralab-unit-probe"));
    free(out);
    CU_ASSERT_EQUAL(access("/tmp/paralab-unit-probe", F_OK), -1); /* it was the job's own /tmp */
    gr_job_free(&job);
}

static void test_sandbox_describe(void)
{
    char text[2048];
    gr_sandbox_describe(&sb, text, sizeof text);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "user: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "bubblewrap: "));
    if (geteuid() == 0) {
        CU_ASSERT(sb.drop); /* as root the jobs must run as someone else */
    }
}

/* ---------------------------------------------------------------- main */

/*
 * More jobs at once than the loop once had room for (it polled at most 64
 * pipes): each prints more than a pipe holds, so a job whose pipe nobody
 * read would block until its time limit instead of finishing.
 */
static void test_sandbox_many_jobs_at_once(void)
{
    enum { N = 72, BYTES = 100000 };
    gr_job *jobs = gr_xcalloc(N, sizeof *jobs);
    gr_job *v[N];
    for (int i = 0; i < N; i++) {
        jobs[i] = shell_job("exec head -c 100000 /dev/zero", 120);
        jobs[i].lim.procs = 4 * N; /* RLIMIT_NPROC counts the runner's processes of every job */
        v[i] = &jobs[i];
    }
    gr_run_jobs(&sb, v, N, N, NULL, NULL, NULL);
    int finished = 0, complete = 0;
    for (int i = 0; i < N; i++) {
        finished += jobs[i].exited && !jobs[i].timed_out && WIFEXITED(jobs[i].status) &&
                    WEXITSTATUS(jobs[i].status) == 0;
        complete += jobs[i].out.total == BYTES;
        gr_job_free(&jobs[i]);
    }
    CU_ASSERT_EQUAL(finished, N);
    CU_ASSERT_EQUAL(complete, N);
    free(jobs);
    gr_sandbox_sweep(&sb);
}

typedef struct cmd_opts {
    const char *out;
    int keep;
    int level;
    const char *word;
} cmd_opts;

static int parse_level(void *opts, const char *v)
{
    if (strcmp(v, "high") != 0) {
        return -1;
    }
    ((cmd_opts *)opts)->level = 2;
    return 0;
}

static int take_word(void *opts, const char *w)
{
    cmd_opts *o = opts;
    if (w[0] == '-' || o->word) {
        return -1;
    }
    o->word = w;
    return 0;
}

/* --seed's number: the whole uint64 range, nothing else (no sign, no spaces, no overflow). */
/* scripts/mpi-env's lines: Open MPI's names have lower case; the script's notes are not settings. */
static void test_mpi_env_settings(void)
{
    CU_ASSERT(gr_mpi_env_is_setting("OMPI_ALLOW_RUN_AS_ROOT=1"));
    CU_ASSERT(gr_mpi_env_is_setting("OMPI_MCA_btl_vader_single_copy_mechanism=none"));
    CU_ASSERT(gr_mpi_env_is_setting("PRTE_MCA_rmaps_default_mapping_policy=:OVERSUBSCRIBE"));
    CU_ASSERT(gr_mpi_env_is_setting("OMPI_MCA_smsc=^cma"));
    CU_ASSERT(gr_mpi_env_is_setting("_X="));
    CU_ASSERT(!gr_mpi_env_is_setting("mpi-env: /usr/bin/mpiexec is not Open MPI: no Open MPI settings"));
    CU_ASSERT(!gr_mpi_env_is_setting("=1"));
    CU_ASSERT(!gr_mpi_env_is_setting("1OMPI=1"));
    CU_ASSERT(!gr_mpi_env_is_setting("OMPI MCA=1"));
    CU_ASSERT(!gr_mpi_env_is_setting("OMPI_MCA_x"));
    CU_ASSERT(!gr_mpi_env_is_setting(""));
}

static void test_parse_u64(void)
{
    uint64_t v = 7;
    CU_ASSERT_EQUAL(gr_parse_u64("18446744073709551615", &v), 0);
    CU_ASSERT(v == UINT64_MAX);
    CU_ASSERT_EQUAL(gr_parse_u64("0", &v), 0);
    CU_ASSERT(v == 0);
    static const char *const bad[] = {"18446744073709551616", "-1", " 1", "+1", "1x", "", "0x10"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = 5;
        CU_ASSERT_EQUAL(gr_parse_u64(bad[i], &v), -1);
        CU_ASSERT(v == 5);
    }
    CU_ASSERT_EQUAL(gr_parse_u64(NULL, &v), -1);
}

/* The option table: values, flags, checked values, a positional word, and each mistake refused. */
static void test_cmdline_table(void)
{
    static const gr_opt table[] = {
        GR_OPT_STRING("--out", cmd_opts, out),
        GR_OPT_FLAG("--keep", cmd_opts, keep),
        {"--level", 1, 0, parse_level},
    };
    size_t n = sizeof table / sizeof table[0];
    char *good[] = {"prog", "--out", "it's a \"dir\"", "sub", "--keep", "--level", "high", NULL};
    cmd_opts o = {0};
    CU_ASSERT_EQUAL(gr_parse_options(7, good, table, n, &o, take_word), 0);
    CU_ASSERT_STRING_EQUAL(o.out, "it's a \"dir\"");
    CU_ASSERT_EQUAL(o.keep, 1);
    CU_ASSERT_EQUAL(o.level, 2);
    CU_ASSERT_STRING_EQUAL(o.word, "sub");
    char *no_value[] = {"prog", "--out", NULL};
    char *bad_value[] = {"prog", "--level", "low", NULL};
    char *unknown[] = {"prog", "--nope", NULL};
    char *two_words[] = {"prog", "a", "b", NULL};
    cmd_opts z = {0};
    CU_ASSERT_EQUAL(gr_parse_options(2, no_value, table, n, &z, take_word), -1);
    CU_ASSERT_EQUAL(gr_parse_options(3, bad_value, table, n, &z, take_word), -1);
    CU_ASSERT_EQUAL(gr_parse_options(2, unknown, table, n, &z, take_word), -1);
    memset(&z, 0, sizeof z);
    CU_ASSERT_EQUAL(gr_parse_options(3, two_words, table, n, &z, take_word), -1);
}

/* An argv word with quotes, spaces and a `$` reaches the program as one word, unchanged. */
static void test_argv_words_stay_whole(void)
{
    gr_argv a = {0};
    char *out = gr_fmt("%s/it's a \"file\" $HOME", grader_scratch);
    gr_argv_add(&a, "/bin/sh");
    gr_argv_add(&a, "-c");
    gr_argv_add(&a, "printf '%s' \"$1\" > \"$1\"");
    gr_argv_add(&a, "sh");
    gr_argv_addf(&a, "%s", out);
    CU_ASSERT_PTR_NULL(a.v[a.n]);
    int st = gr_exec(a.v, NULL, NULL, 30);
    CU_ASSERT(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char *text = gr_read_file(out, 4096, NULL);
    CU_ASSERT_PTR_NOT_NULL(text);
    if (text) {
        CU_ASSERT_STRING_EQUAL(text, out);
    }
    free(text);
    unlink(out);
    free(out);
    gr_argv_free(&a);
}

/* The runner user's grader_scratch: the sandbox's sweep removes whatever that user
 * owns directly in /tmp, so the tests' directory stays ours and jobs get a
 * subdirectory they own. */
static int setup_runner(void)
{
    gr_sandbox_init(&sb, "paralab-runner", 0, 0);
    snprintf(jobdir, sizeof jobdir, "%s/job", grader_scratch);
    if (chmod(grader_scratch, 0755) != 0 || mkdir(jobdir, 0755) != 0 ||
        (sb.drop && chown(jobdir, sb.uid, sb.gid) != 0)) {
        perror("grader_scratch");
        return -1;
    }
    return 0;
}

static void sweep_runner(void)
{
    gr_sandbox_sweep(&sb);
}

static const grader_test suite_tests[] = {
    {"rubric_shipped_file_is_valid", test_rubric_shipped_file_is_valid},
    {"rubric_settings_and_first_match", test_rubric_settings_and_first_match},
    {"rubric_errors_name_file_and_line", test_rubric_errors_name_file_and_line},
    {"rubric_missing_file", test_rubric_missing_file},
    {"strip_follows_conventions", test_strip_follows_conventions},
    {"strip_rejects_malformed_blocks", test_strip_rejects_malformed_blocks},
    {"archive_kind", test_archive_kind},
#ifdef PARALAB_HAVE_LIBARCHIVE
    {"unpack_keeps_only_lab_files", test_unpack_keeps_only_lab_files},
    {"unpack_zip_with_links", test_unpack_zip_with_links},
    {"unpack_errors_and_limits", test_unpack_errors_and_limits},
#endif
    {"failed_assertion_line", test_failed_assertion_line},
    {"sanitizer_report_line", test_sanitizer_report_line},
    {"probe_writable", test_probe_writable},
    {"rubric_lab_names", test_rubric_lab_names},
    {"verdict_lines", test_verdict_lines},
    {"results_json_and_junit_are_valid", test_results_json_and_junit_are_valid},
    {"results_json_on_build_error", test_results_json_on_build_error},
    {"results_json_caps_output", test_results_json_caps_output},
    {"sandbox_describe", test_sandbox_describe},
    {"sandbox_plain_job", test_sandbox_plain_job},
    {"sandbox_timeout_kills_the_tree", test_sandbox_timeout_kills_the_tree},
    {"sandbox_output_flood_is_cut", test_sandbox_output_flood_is_cut},
    {"sandbox_fork_bomb_is_contained", test_sandbox_fork_bomb_is_contained},
    {"sandbox_limits_apply", test_sandbox_limits_apply},
    {"sandbox_verdict_descriptor", test_sandbox_verdict_descriptor},
    {"sandbox_loopback_only", test_sandbox_loopback_only},
    {"sandbox_many_jobs_at_once", test_sandbox_many_jobs_at_once},
    {"cmdline_table", test_cmdline_table},
    {"mpi_env_settings", test_mpi_env_settings},
    {"parse_u64", test_parse_u64},
    {"argv_words_stay_whole", test_argv_words_stay_whole},
};

int main(void)
{
    return grader_test_main("grader", suite_tests, GRADER_N_TESTS(suite_tests), setup_runner, sweep_runner);
}
