/*
 * build_internal.h - what the files of the build module share
 * (grader-internal; the module's interface is build.h):
 *   build.c         the reference build, and which files each build copies
 *   submission.c    the submission's build: compose its sources, build,
 *                   swap broken files for skeletons, say which broke
 *   unpack_job.c    a submitted archive, read by paralab-unpack in the sandbox
 *   skeleton.c      the skeleton of a lab file (stripping solution blocks)
 *   cmake.c         running CMake: trusted (as ourselves) or sandboxed, and
 *                   reading what it built and logged
 */
#ifndef GR_BUILD_INTERNAL_H
#define GR_BUILD_INTERNAL_H

#include "grade.h"
#include "util.h"

void gr_free_list(char **v, size_t n);

/* build.c: which files of the trusted tree the submission's build copies (0) or leaves out (1). */
int gr_build_submission_skip(const char *rel, int is_dir);

/* cmake.c: test targets of a configured build (wide: every student model, for a shared build). */
char **gr_cmake_targets(gr_run *r, const char *build_dir, size_t *n, int wide);
/*
 * Configure (src -> build, the labs from impl) or build the targets, with
 * the output appended to log. sandboxed: as the runner user in the
 * sandbox, with a compiler's limits; else as ourselves (the trusted
 * reference). 0 when CMake succeeded.
 */
int gr_cmake_configure(gr_run *r, const char *src, const char *build, const char *impl, const char *log,
                       int sandboxed);
int gr_cmake_build(gr_run *r, const char *build, char **targets, size_t n, const char *log, int sandboxed);
/* After the reference build: its compiler cache readable by the runner, but not listable (cmake.c). */
void gr_cmake_share_cache(const char *build);
/* The last lines of a log (a new string; "(no build log)" when it cannot be read). */
char *gr_log_tail(const char *log, int lines);
/* At most max lines of a log that say what went wrong, indented; NULL: none. */
char *gr_log_errors(const char *log, int max);

/* skeleton.c: lab/file's skeleton written to dst (0), or -1. */
int gr_copy_skeleton(gr_run *r, const char *lab, const char *file, const char *dst);
/* Is the submitted file the skeleton of lab/file, but for blanks? */
int gr_is_skeleton(gr_run *r, const char *lab, const char *file, const char *submitted);

/*
 * unpack_job.c: the lab files (LAB/FILE for the labs and the NULL-terminated
 * files) of an archive into dir. "LAB/FILE\tWHY\n"
 * lines in reasons say why a file was not taken. 0, or -1 with
 * r->build_error set.
 */
int gr_unpack_submission(gr_run *r, const char *archive, const char *dir, char **labs, size_t n_labs,
                         const char *const *files, gr_buf *reasons);
/* Why the archive reader did not take lab/name ("LAB/NAME why"), or NULL. */
char *gr_archive_reason(const char *reasons, const char *lab, const char *name);

#endif
