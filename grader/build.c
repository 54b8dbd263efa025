/*
 * build.c - the reference build, and which files of the trusted tree each
 * build copies (see build.h; the module's files: build_internal.h).
 *
 * The reference is the solutions compiled from the trusted tree, as
 * ourselves: it says which tests exist and how fast the reference is. Its
 * sources and binaries are kept from the runner user (a submission's tests
 * run as that user), because the binaries are the solutions, compiled.
 */
#include "build.h"
#include "build_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* Lines of the build log quoted when configuring the reference fails. */
#define TAIL_LINES 25


/* What of the project a build needs: the library, tests and build files. */
static int skip_common(const char *rel, int is_dir)
{
    static const char *const top[] = {".git", "labs", "apps", "bench", "grader", "docs", ".ci", "out",
                                      "tests/grader", NULL};
    for (size_t i = 0; top[i]; i++) {
        if (strcmp(rel, top[i]) == 0) {
            return 1;
        }
    }
    return is_dir && strncmp(rel, "build", 5) == 0 && strchr(rel, '/') == NULL;
}

/* Reference build: everything, solutions included. */
static int skip_ref(const char *rel, int is_dir)
{
    return skip_common(rel, is_dir);
}

/*
 * Submission build: no solutions/ except their CMakeLists.txt (a lab may
 * build extra programs from PARALAB_IMPL_DIR) - the runner user must not be
 * able to read the reference code it is compared with.
 */
int gr_build_submission_skip(const char *rel, int is_dir)
{
    if (skip_common(rel, is_dir)) {
        return 1;
    }
    if (strncmp(rel, "solutions/", 10) == 0) {
        const char *base = strrchr(rel, '/') + 1;
        if (is_dir) {
            return strchr(rel + 10, '/') != NULL; /* only solutions/NN-lab itself */
        }
        return strcmp(base, "CMakeLists.txt") != 0 || strchr(rel + 10, '/') == NULL;
    }
    return 0;
}

/* Directories 0711, executables 0711, other files 0600 (never following a link). */
static void exec_only(const char *path)
{
    gr_chmod_r(path, 0711, 0711, 0600);
}

/*
 * A sanitizer symbolizes its report by reading the binary it runs in: an
 * exec-only test binary gives "test_map_openmp+0x7138a" instead of a
 * function and a line, and then no suppression matches (the runtimes' own
 * internals were all reported as races). So when the reference grades
 * itself under a sanitizer - nothing submitted runs - its build stays
 * readable. That build has its own cache key (cache.c), so a later run
 * with a submission never gets a readable reference.
 */
int gr_ref_readable(const gr_run *r)
{
    return r->sb.sanitize != 0 && r->submission == NULL;
}

int gr_build_reference_skip(const char *rel, int is_dir)
{
    return skip_ref(rel, is_dir);
}

int gr_build_reference_in(gr_run *r, const char *base, int shared)
{
    char *src = gr_fmt("%s/src", base);
    char *build = gr_fmt("%s/build", base);
    char *log = gr_fmt("%s/build.log", base);
    char *impl = gr_fmt("%s/solutions", src);
    int rc = -1;
    if (gr_copy_tree(r->source_dir, src, skip_ref) != 0) {
        r->build_error = gr_fmt("cannot copy the project tree %s", r->source_dir);
        goto out;
    }
    /* The reference sources stay unreadable to the runner user (0700). */
    chmod(src, 0700);
    if (gr_cmake_configure(r, src, build, impl, log, 0) != 0) {
        char *t = gr_log_tail(log, TAIL_LINES);
        r->build_error = gr_fmt("configuring the reference build failed (log %s):\n%s", log, t);
        free(t);
        goto out;
    }
    size_t n;
    char **targets = gr_cmake_targets(r, build, &n, shared);
    if (n > 0) {
        gr_cmake_build(r, build, targets, n, log, 0); /* failures show up as missing binaries */
    }
    gr_free_list(targets, n);
    /* Warnings in the log may quote solution lines. */
    chmod(log, 0600);
    gr_cmake_share_cache(build);
    if ((r->submission || shared) && r->sb.drop && !gr_ref_readable(r)) {
        /* The runner may start the reference binaries (timing runs) but not
         * read them: the static libraries inside are the solutions, compiled.
         * (A shared build in the cache will serve submissions later.) */
        exec_only(build);
    }
    r->ref_build = build;
    build = NULL;
    rc = 0;
out:
    free(src);
    free(build);
    free(log);
    free(impl);
    return rc;
}

char **gr_build_targets(gr_run *r, const char *build_dir, size_t *n)
{
    return gr_cmake_targets(r, build_dir, n, 0);
}
