/*
 * build.h - turn the trusted project tree plus a submission into test
 * binaries: the reference build (what tests exist, how fast the reference
 * is) and the submission's build (its lab files compiled against the
 * trusted tests/, common/, runtime/ and serial backend).
 */
#ifndef GR_BUILD_H
#define GR_BUILD_H

#include "grade.h"

/*
 * Build the reference solutions from r->source_dir into BASE/src and
 * BASE/build (log: BASE/build.log) and set r->ref_build. shared: the build
 * will serve other runs (made exec-only for the runner user even now).
 */
int gr_build_reference_in(gr_run *r, const char *base, int shared);

/* Which files of the trusted tree the reference build copies (0) or leaves out (1). */
int gr_build_reference_skip(const char *rel, int is_dir);

/* The reference build stays readable to the runner (only under a sanitizer, grading itself). */
int gr_ref_readable(const gr_run *r);

/*
 * Unpack/copy the submission, compose its backend sources (its own
 * openmp/fork/mpi lab files, the trusted serial.c, skeletons for missing
 * files), build as the runner user in the sandbox, and on compile errors
 * swap the broken lab files for skeletons so the other labs still build.
 * Fills r->broken. 0, or -1 with r->build_error set (nothing gradable).
 */
int gr_build_submission(gr_run *r);

/* Test executables ("tests/test_map_fork") of a configured build dir, for graded models. */
char **gr_build_targets(gr_run *r, const char *build_dir, size_t *n);

/*
 * The skeleton of a solution file per docs/CONVENTIONS.md, appended to out:
 * each BEGIN/END SOLUTION block is dropped except its TODO comments (kept,
 * also when they span lines) and SKELETON lines (uncommented into code).
 * The one stripping implementation: scripts/make-labs calls
 * `paralab-grade --strip-solution FILE`. Returns -1 on a malformed file
 * (unclosed or nested block, marker not alone on its line), with
 * "file:line: what" lines in err (may be NULL).
 */
int gr_strip_solution(const char *path, gr_buf *out, gr_buf *err);

/* What a submission file's name says it is: GR_ZIP, GR_TAR (.tar, .tar.gz, .tgz), or 0. */
enum { GR_ZIP = 1, GR_TAR = 2 };
int gr_archive_kind(const char *path);

#endif
