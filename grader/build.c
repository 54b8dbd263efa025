/*
 * build.c - reference and submission builds (see build.h).
 *
 * Trust boundary: from a submission we take ONLY the lab files a student
 * writes (NN-lab/{openmp,fork,mpi}.c, regular files, no symlinks). The
 * build system, tests, common module, runtime, headers and the serial
 * backend always come from the trusted tree, so a submission cannot change
 * how it is judged. The submission is compiled as the runner user inside
 * the sandbox, because a compiler happily #includes any readable file into
 * its error messages (e.g. the reference solutions).
 */
#include "build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cache.h"
#include "util.h"

/* Files a student writes: one per parallel model in every lab directory. */
static const char *const student_files[] = {"openmp.c", "fork.c", "mpi.c", NULL};
#define MAX_SUBMITTED_BYTES (1 << 20)

static int is_lab_dir_name(const char *n)
{
    return n[0] >= '0' && n[0] <= '9' && n[1] >= '0' && n[1] <= '9' && n[2] == '-';
}

/* Sorted lab directory names ("01-map", ...) of a solutions/ tree. */
static char **list_labs(const char *dir, size_t *n)
{
    *n = 0;
    char **v = NULL;
    DIR *d = opendir(dir);
    if (d == NULL) {
        return NULL;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *p = gr_fmt("%s/%s", dir, e->d_name);
        if (is_lab_dir_name(e->d_name) && gr_is_dir(p)) {
            v = gr_xrealloc(v, (*n + 1) * sizeof *v);
            v[(*n)++] = gr_xstrdup(e->d_name);
        }
        free(p);
    }
    closedir(d);
    for (size_t i = 0; i < *n; i++) {
        for (size_t j = i + 1; j < *n; j++) {
            if (strcmp(v[j], v[i]) < 0) {
                char *t = v[i];
                v[i] = v[j];
                v[j] = t;
            }
        }
    }
    return v;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i]);
    }
    free(v);
}

/* ---------------------------------------------------------------- trees */

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
static int skip_sub(const char *rel, int is_dir)
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

/* ---------------------------------------------------------------- cmake */

static const char *generator(void)
{
    return access("/usr/bin/ninja", X_OK) == 0 ? "Ninja" : "Unix Makefiles";
}

/*
 * A model whose test binaries a build needs: a graded one, or (wide) any
 * model a student writes, so that one cached reference build serves every
 * rubric (the grader's own tests grade 2 models, the shipped rubric 3).
 */
static int wanted_model(const gr_run *r, const char *model, int wide)
{
    int student_model = strcmp(model, "openmp") == 0 || strcmp(model, "fork") == 0 || strcmp(model, "mpi") == 0;
    return gr_rubric_graded_model(&r->rubric, model) || (wide && student_model);
}

static char **targets_of(gr_run *r, const char *build_dir, size_t *n, int wide);

char **gr_build_targets(gr_run *r, const char *build_dir, size_t *n)
{
    return targets_of(r, build_dir, n, 0);
}

static char **targets_of(gr_run *r, const char *build_dir, size_t *n, int wide)
{
    *n = 0;
    char *path = gr_fmt("%s/CMakeFiles/TargetDirectories.txt", build_dir);
    char *text = gr_read_file(path, 1 << 22, NULL);
    free(path);
    if (text == NULL) {
        return NULL;
    }
    char **v = NULL;
    size_t blen = strlen(build_dir);
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        /* ".../build/tests/CMakeFiles/test_map_fork.dir" -> "tests/test_map_fork" */
        size_t len = strlen(line);
        if (len < 5 || strcmp(line + len - 4, ".dir") != 0 || strncmp(line, build_dir, blen) != 0) {
            continue;
        }
        line[len - 4] = '\0';
        char *name = strrchr(line, '/');
        if (name == NULL || strncmp(name + 1, "test_", 5) != 0) {
            continue;
        }
        name++;
        const char *model = strrchr(name, '_') + 1;
        if (!wanted_model(r, model, wide)) {
            continue;
        }
        /* The CMakeFiles dir sits in the directory of the executable. */
        char *cm = strstr(line + blen, "/CMakeFiles/");
        if (cm == NULL) {
            continue;
        }
        *cm = '\0';
        const char *reldir = line + blen;
        while (*reldir == '/') {
            reldir++;
        }
        v = gr_xrealloc(v, (*n + 1) * sizeof *v);
        v[(*n)++] = reldir[0] ? gr_fmt("%s/%s", reldir, name) : gr_xstrdup(name);
    }
    free(text);
    return v;
}

static char *configure_cmd(gr_run *r, const char *src, const char *build, const char *impl)
{
    return gr_fmt("%s%s%scmake -S '%s' -B '%s' -G '%s' -DPARALAB_IMPL='%s' -DPARALAB_WERROR=OFF%s%s",
                  r->cc ? "CC='" : "", r->cc ? r->cc : "", r->cc ? "' " : "", src, build, generator(), impl,
                  r->sb.sanitize ? " -DPARALAB_SANITIZE=" : "",
                  r->sb.sanitize ? (r->sb.sanitize == 2 ? "thread" : "address") : "");
}

static char *build_cmd(const char *build, char **targets, size_t n)
{
    gr_buf b = {0};
    gr_buf_addf(&b, "cmake --build '%s' --parallel 2 --target", build);
    for (size_t i = 0; i < n; i++) {
        const char *name = strrchr(targets[i], '/');
        gr_buf_addf(&b, " %s", name ? name + 1 : targets[i]);
    }
    /* Keep going: one broken lab file must not stop the other binaries. */
    gr_buf_add(&b, strcmp(generator(), "Ninja") == 0 ? " -- -k 0" : " -- -k");
    return b.s;
}

/* Run a shell command line as a sandboxed job (runner user) with its output in log. */
static int sandboxed_sh(gr_run *r, const char *cmd, const char *dir, const char *writable,
                        const char *log)
{
    char *full = gr_fmt("exec >>'%s' 2>&1; %s", log, cmd);
    char *argv[] = {"/bin/sh", "-c", full, NULL};
    char *home = gr_fmt("HOME=%s", dir);
    char *tmp = gr_fmt("TMPDIR=%s", dir);
    char *env[] = {"PATH=/usr/local/bin:/usr/bin:/bin", home, tmp, "LANG=C.UTF-8", NULL};
    gr_job job = {.argv = argv, .env = env, .dir = (char *)dir};
    job.binds[0] = (char *)writable;
    /* A compiler is untrusted input's first victim (`#include "/dev/zero"`):
     * bounded like a test, only more generously. */
    job.lim = (gr_limits){.wall_s = 300, .procs = 1024, .memory_mb = 4096, .cpu_s = 600,
                          .file_mb = 512, .open_files = 1024, .output_max = 1 << 20};
    gr_job *one = &job;
    gr_run_jobs(&r->sb, &one, 1, 1, NULL, NULL, NULL);
    int ok = job.exited && !job.timed_out && WIFEXITED(job.status) && WEXITSTATUS(job.status) == 0;
    if (job.timed_out) {
        FILE *f = fopen(log, "a");
        if (f) {
            fprintf(f, "\nparalab-grade: the build took longer than %.0f s and was stopped\n", job.lim.wall_s);
            fclose(f);
        }
    }
    char *out = gr_capture_text(&job.out);
    if (out[0]) {
        FILE *f = fopen(log, "a");
        if (f) {
            fputs(out, f);
            fclose(f);
        }
    }
    free(out);
    gr_job_free(&job);
    free(full);
    free(home);
    free(tmp);
    return ok ? 0 : -1;
}

/* Trusted build (reference): as ourselves, with a plain timeout. */
static int trusted_sh(const char *cmd, const char *log)
{
    char *full = gr_fmt("exec >>'%s' 2>&1; %s", log, cmd);
    char *argv[] = {"/bin/sh", "-c", full, NULL};
    int st = gr_exec(argv, NULL, NULL, 900);
    free(full);
    return (st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0) ? 0 : -1;
}

static char *log_tail(const char *log, int lines)
{
    char *text = gr_read_file(log, 1 << 24, NULL);
    if (text == NULL) {
        return gr_xstrdup("(no build log)");
    }
    size_t len = strlen(text);
    int seen = 0;
    size_t i = len;
    while (i > 0 && seen <= lines) {
        i--;
        seen += text[i] == '\n';
    }
    char *t = gr_xstrdup(text + (i ? i + 1 : 0));
    free(text);
    return t;
}

/* The lines of a build log that say what went wrong (NULL: none). */
static char *error_lines(const char *log, int max)
{
    char *text = gr_read_file(log, 1 << 24, NULL);
    if (text == NULL) {
        return NULL;
    }
    gr_buf b = {0};
    int n = 0;
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l && n < max; l = strtok_r(NULL, "\n", &save)) {
        if (strstr(l, "error") || strstr(l, "undefined reference") || strstr(l, "multiple definition") ||
            strncmp(l, "FAILED:", 7) == 0) {
            gr_buf_addf(&b, "  %s\n", l);
            n++;
        }
    }
    free(text);
    return b.s;
}

/* Directories 0711, executables 0711, other files 0600 (never following a link). */
static void exec_only(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0 || S_ISLNK(st.st_mode)) {
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        chmod(path, (st.st_mode & 0111) ? 0711 : 0600);
        return;
    }
    chmod(path, 0711);
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            char *sub = gr_fmt("%s/%s", path, e->d_name);
            exec_only(sub);
            free(sub);
        }
    }
    if (d) {
        closedir(d);
    }
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
    char *cfg = configure_cmd(r, src, build, impl);
    int crc = trusted_sh(cfg, log);
    free(cfg);
    if (crc != 0) {
        char *t = log_tail(log, 25);
        r->build_error = gr_fmt("configuring the reference build failed (log %s):\n%s", log, t);
        free(t);
        goto out;
    }
    size_t n;
    char **targets = targets_of(r, build, &n, shared);
    if (n > 0) {
        char *bc = build_cmd(build, targets, n);
        trusted_sh(bc, log); /* failures show up as missing binaries */
        free(bc);
    }
    free_list(targets, n);
    /* Warnings in the log may quote solution lines. */
    chmod(log, 0600);
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

int gr_build_reference(gr_run *r)
{
    if (r->ref_build) { /* --reference-build: reuse one (the grader's own tests do) */
        return 0;
    }
    int cached = gr_cache_reference(r);
    if (cached <= 0) {
        return cached; /* from the cache (or its build failed: r->build_error says why) */
    }
    char *base = gr_fmt("%s/ref", r->work);
    int rc = gr_build_reference_in(r, base, 0);
    free(base);
    return rc;
}

/* ---------------------------------------------------------------- skeletons */

static const char *after_ws(const char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    return s;
}

/* Is the line exactly `marker` (blanks around it allowed)? */
static int is_marker(const char *line, const char *marker)
{
    const char *t = after_ws(line);
    size_t n = strlen(marker);
    if (strncmp(t, marker, n) != 0) {
        return 0;
    }
    for (t += n; *t; t++) {
        if (*t != ' ' && *t != '\t' && *t != '\r' && *t != '\n') {
            return 0;
        }
    }
    return 1;
}

static void strip_err(gr_buf *err, const char *path, int line, const char *msg)
{
    if (err) {
        gr_buf_addf(err, "%s:%d: %s\n", path, line, msg);
    }
}

/*
 * One line inside a solution block. TODO comments are kept whole, even when
 * they span lines (*in_todo says we are inside one); a SKELETON line becomes
 * its code; anything else is the solution and is dropped.
 */
static void strip_inner_line(const char *line, gr_buf *out, int *in_todo)
{
    const char *t = after_ws(line);
    if (*in_todo) {
        gr_buf_add(out, line);
        *in_todo = strstr(line, "*/") == NULL;
    } else if (strncmp(t, "/* TODO", 7) == 0) {
        gr_buf_add(out, line);
        *in_todo = strstr(t + 2, "*/") == NULL;
    } else if (strncmp(t, "/* SKELETON:", 12) == 0) {
        const char *code = after_ws(t + 12);
        const char *end = strstr(code, "*/");
        size_t len = end ? (size_t)(end - code) : strlen(code);
        while (len > 0 && (code[len - 1] == ' ' || code[len - 1] == '\t' || code[len - 1] == '\n' ||
                           code[len - 1] == '\r')) {
            len--;
        }
        gr_buf_addn(out, line, (size_t)(t - line));
        gr_buf_addn(out, code, len);
        gr_buf_add(out, "\n");
    }
}

int gr_strip_solution(const char *path, gr_buf *out, gr_buf *err)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        if (err) {
            gr_buf_addf(err, "%s: %s\n", path, strerror(errno));
        }
        return -1;
    }
    char line[8192];
    int inside = 0, in_todo = 0, lineno = 0, begin_line = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (strchr(line, '\n') == NULL && !feof(f)) {
            strip_err(err, path, lineno, "line longer than 8191 characters");
            rc = -1;
            break;
        }
        int begin = strstr(line, "/* BEGIN SOLUTION */") != NULL;
        int end = strstr(line, "/* END SOLUTION */") != NULL;
        if ((begin && !is_marker(line, "/* BEGIN SOLUTION */")) ||
            (end && !is_marker(line, "/* END SOLUTION */"))) {
            strip_err(err, path, lineno, "a BEGIN/END SOLUTION marker must be alone on its line");
            rc = -1;
        } else if (begin && inside) {
            strip_err(err, path, lineno, "BEGIN SOLUTION inside a block (blocks do not nest)");
            rc = -1;
        } else if (begin) {
            inside = 1;
            in_todo = 0;
            begin_line = lineno;
        } else if (end && !inside) {
            strip_err(err, path, lineno, "END SOLUTION without a BEGIN SOLUTION");
            rc = -1;
        } else if (end) {
            if (in_todo) {
                strip_err(err, path, lineno, "END SOLUTION inside an unfinished TODO comment");
                rc = -1;
            }
            inside = 0;
        } else if (!inside) {
            gr_buf_add(out, line);
        } else {
            strip_inner_line(line, out, &in_todo);
        }
    }
    fclose(f);
    if (inside) {
        strip_err(err, path, begin_line, "BEGIN SOLUTION is never closed by END SOLUTION");
        rc = -1;
    }
    return rc;
}

/* The skeleton of lab/file: labs/ if committed, else stripped from solutions/. */
static char *skeleton_text(gr_run *r, const char *lab, const char *file, size_t *len)
{
    char *committed = gr_fmt("%s/labs/%s/%s", r->source_dir, lab, file);
    char *text = NULL;
    if (gr_is_file(committed)) {
        text = gr_read_file(committed, 1 << 24, len);
    } else {
        char *sol = gr_fmt("%s/solutions/%s/%s", r->source_dir, lab, file);
        gr_buf b = {0};
        gr_buf_add(&b, "");
        if (gr_strip_solution(sol, &b, NULL) == 0) {
            text = b.s;
            *len = b.len;
        } else {
            gr_buf_free(&b);
        }
        free(sol);
    }
    free(committed);
    return text;
}

static int copy_skeleton(gr_run *r, const char *lab, const char *file, const char *dst)
{
    size_t len = 0;
    char *text = skeleton_text(r, lab, file, &len);
    int rc = text ? gr_write_file(dst, text, len) : -1;
    free(text);
    return rc;
}

/* Equal but for blanks and line breaks (re-indenting is not implementing). */
static int same_code(const char *a, const char *b)
{
    for (;;) {
        while (*a == ' ' || *a == '\t' || *a == '\n' || *a == '\r') {
            a++;
        }
        while (*b == ' ' || *b == '\t' || *b == '\n' || *b == '\r') {
            b++;
        }
        if (*a != *b) {
            return 0;
        }
        if (*a == '\0') {
            return 1;
        }
        a++;
        b++;
    }
}

static int is_skeleton(gr_run *r, const char *lab, const char *file, const char *submitted)
{
    size_t len = 0;
    char *skel = skeleton_text(r, lab, file, &len);
    char *mine = gr_read_file(submitted, 1 << 24, NULL);
    int same = skel && mine && same_code(skel, mine);
    free(skel);
    free(mine);
    return same;
}

static void add_file_note(gr_broken **v, size_t *n, const char *lab, const char *file, const char *msg)
{
    *v = gr_xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[*n].lab = gr_xstrdup(lab);
    (*v)[*n].model = gr_fmt("%.*s", (int)(strlen(file) - 2), file); /* "fork.c" -> "fork" */
    (*v)[*n].message = gr_xstrdup(msg);
    (*n)++;
}

/* ---------------------------------------------------------------- submission */

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

int gr_archive_kind(const char *path)
{
    if (ends_with(path, ".zip")) {
        return GR_ZIP;
    }
    if (ends_with(path, ".tar.gz") || ends_with(path, ".tgz") || ends_with(path, ".tar")) {
        return GR_TAR;
    }
    return 0;
}

/* "a,b,c" of a list of names. */
static char *joined(char *const *v, size_t n)
{
    gr_buf b = {0};
    gr_buf_add(&b, "");
    for (size_t i = 0; i < n; i++) {
        gr_buf_addf(&b, "%s%s", i ? "," : "", v[i]);
    }
    return b.s;
}

/*
 * What paralab-unpack reported (unpack.h): "file LAB/FILE WHY" lines are
 * kept in reasons (as "LAB/FILE\tWHY\n", for compose_student_file), "note"
 * lines go to the report's notes, an "error" line becomes the build error.
 * The lines come from a sandboxed process that parsed hostile bytes, so
 * they are only ever shown as text.
 */
static int read_unpack_report(gr_run *r, const char *archive, int zip, const char *out, gr_buf *reasons)
{
    int failed = 0;
    char *copy = gr_xstrdup(out);
    for (char *save = NULL, *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (strncmp(l, "file ", 5) == 0 && strchr(l + 5, ' ') != NULL) {
            char *why = strchr(l + 5, ' ');
            gr_buf_addf(reasons, "%.*s\t%s\n", (int)(why - l - 5), l + 5, why + 1);
        } else if (strncmp(l, "note ", 5) == 0) {
            gr_buf_addf(&r->notes, "note: %s: %s\n", archive, l + 5);
        } else if (strncmp(l, "error ", 6) == 0 && !failed) {
            r->build_error = gr_fmt("%s: cannot list the archive (corrupt, or not a %s file): %s", archive,
                                    zip ? "zip" : "tar", l + 6);
            failed = 1;
        }
    }
    free(copy);
    return failed ? -1 : 0;
}

/*
 * Unpack the lab files of an archive into dir with paralab-unpack, run as a
 * sandboxed job (the runner user, no network, limits): libarchive reads
 * every entry, and only regular files at lab file paths are written
 * (unpack.h). Links, junk and unsafe paths are skipped with a note, never a
 * reason to refuse the whole submission. Why a separate process and not
 * libarchive inside the grader: grader/README.md, "Archives".
 */
static int unpack(gr_run *r, const char *archive, const char *dir, char **labs, size_t n_labs, gr_buf *reasons)
{
    int zip = gr_archive_kind(archive) == GR_ZIP;
    if (gr_archive_kind(archive) == 0) {
        r->build_error = gr_fmt("%s: not a directory, .zip, .tar.gz or .tar", archive);
        return -1;
    }
    if (r->unpacker == NULL) {
        r->build_error = gr_fmt("grader misconfigured: cannot read %s: paralab-unpack was not built "
                                "(it needs libarchive: Debian's libarchive-dev)", archive);
        return -1;
    }
    /* A copy the runner user can read (the upload itself may be anywhere, private). */
    char *copy = gr_fmt("%s/../submission%s", dir, zip ? ".zip" : ".tar.gz");
    if (gr_copy_file(archive, copy, 0644) != 0) {
        r->build_error = gr_fmt("%s: cannot read: %s", archive, strerror(errno));
        free(copy);
        return -1;
    }
    if (r->sb.drop && chown(dir, r->sb.uid, r->sb.gid) != 0) {
        gr_buf_addf(&r->notes, "note: cannot hand %s to the runner user\n", dir);
    }
    char *lab_list = joined(labs, n_labs);
    size_t n_files = 0;
    while (student_files[n_files]) {
        n_files++;
    }
    char *file_list = joined((char *const *)student_files, n_files);
    char *argv[] = {r->unpacker, copy, zip ? "zip" : "tar", (char *)dir, "--labs", lab_list, "--files", file_list,
                    NULL};
    char *home = gr_fmt("HOME=%s", dir);
    char *env[] = {"PATH=/usr/bin:/bin", home, "LANG=C.UTF-8", NULL};
    gr_job job = {.argv = argv, .env = env, .dir = (char *)dir};
    /* A decompression bomb runs into these, not into the grader's patience. */
    job.lim = (gr_limits){.wall_s = 120, .procs = 16, .memory_mb = 1024, .cpu_s = 60, .file_mb = 2,
                          .open_files = 64, .output_max = 1 << 20};
    gr_job *one = &job;
    gr_run_jobs(&r->sb, &one, 1, 1, NULL, NULL, NULL);
    char *out = gr_capture_text(&job.out);
    int rc = read_unpack_report(r, archive, zip, out, reasons);
    if (rc == 0 && (job.timed_out || job.start_error || !job.exited || !WIFEXITED(job.status) ||
                    WEXITSTATUS(job.status) != 0)) {
        r->build_error = job.timed_out ? gr_fmt("%s: reading the archive took longer than %.0f s (a "
                                                "decompression bomb?)", archive, job.lim.wall_s)
                                       : gr_fmt("%s: the archive could not be read (the reader %s)", archive,
                                                job.start_error ? "did not start" : "failed");
        rc = -1;
    }
    free(out);
    gr_job_free(&job);
    free(home);
    free(lab_list);
    free(file_list);
    free(copy);
    return rc;
}

/* The directory holding the lab dirs: dir itself, or a few levels below (labs/, a zip's top folder). */
static char *find_labs_root(const char *dir, char **labs, size_t n_labs, int depth)
{
    for (size_t i = 0; i < n_labs; i++) {
        char *p = gr_fmt("%s/%s", dir, labs[i]);
        struct stat st;
        int hit = lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
        free(p);
        if (hit) {
            return gr_xstrdup(dir);
        }
    }
    if (depth == 0) {
        return NULL;
    }
    DIR *d = opendir(dir);
    if (d == NULL) {
        return NULL;
    }
    char *found = NULL;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "__MACOSX") == 0) {
            continue;
        }
        char *p = gr_fmt("%s/%s", dir, e->d_name);
        struct stat st;
        /* lstat: a symlinked directory is never followed (it could point at the solutions). */
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
            found = find_labs_root(p, labs, n_labs, depth - 1);
        }
        free(p);
    }
    closedir(d);
    return found;
}

/* A submitted file we accept: a regular file (not a link) of sane size, under real directories. */
static int submitted_file_ok(const char *root, const char *lab, const char *file, char **why)
{
    char *d = gr_fmt("%s/%s", root, lab);
    char *p = gr_fmt("%s/%s", d, file);
    struct stat st;
    int ok = 0;
    if (lstat(d, &st) != 0 || !S_ISDIR(st.st_mode)) {
        *why = NULL;
    } else if (lstat(p, &st) != 0) {
        *why = NULL;
    } else if (!S_ISREG(st.st_mode)) {
        *why = gr_fmt("%s/%s is not a regular file (links are not accepted)", lab, file);
    } else if (st.st_size > MAX_SUBMITTED_BYTES) {
        *why = gr_fmt("%s/%s is larger than 1 MiB", lab, file);
    } else {
        ok = 1;
    }
    free(d);
    free(p);
    return ok;
}

static void add_broken(gr_run *r, const char *lab, const char *model, const char *msg)
{
    r->broken = gr_xrealloc(r->broken, (r->n_broken + 1) * sizeof *r->broken);
    r->broken[r->n_broken].lab = gr_xstrdup(lab);
    r->broken[r->n_broken].model = gr_xstrdup(model);
    r->broken[r->n_broken].message = gr_xstrdup(msg);
    r->n_broken++;
}

static int is_broken(const gr_run *r, const char *lab, const char *model)
{
    for (size_t i = 0; i < r->n_broken; i++) {
        if (strcmp(r->broken[i].lab, lab) == 0 && strcmp(r->broken[i].model, model) == 0) {
            return 1;
        }
    }
    return 0;
}

/* line with every occurrence of prefix removed (our scratch paths mean nothing to a student). */
static char *without(const char *line, const char *prefix)
{
    gr_buf b = {0};
    gr_buf_add(&b, "");
    size_t n = strlen(prefix);
    for (const char *p = line; *p;) {
        const char *hit = strstr(p, prefix);
        if (hit == NULL) {
            gr_buf_add(&b, p);
            break;
        }
        gr_buf_addn(&b, p, (size_t)(hit - p));
        p = hit + n;
    }
    return b.s;
}

/*
 * The compiler/linker lines about one lab file (they start with
 * "IMPL/01-map/fork.c:"), shown as "01-map/fork.c:...", each once, at most
 * 8; NULL when none of them is an error.
 */
static char *errors_of_file(const char *text, const char *needle, const char *shown, const char *scratch)
{
    gr_buf msg = {0};
    int lines = 0, errors = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *line = gr_fmt("%.*s", (int)len, p);
        char *at = strstr(line, needle);
        if (at) {
            int is_err = strstr(line, "error") || strstr(line, "undefined reference") ||
                         strstr(line, "multiple definition");
            errors += is_err;
            char *rest = without(at + strlen(needle), scratch);
            char *entry = gr_fmt("  %s:%s\n", shown, rest);
            /* The linker repeats itself for every test binary: once is enough. */
            if (lines < 8 && (is_err || lines > 0) && !(msg.s && strstr(msg.s, entry))) {
                gr_buf_add(&msg, entry);
                lines++;
            }
            free(entry);
            free(rest);
        }
        free(line);
        p += len + (nl ? 1 : 0);
    }
    if (errors == 0) {
        gr_buf_free(&msg);
    }
    return msg.s;
}

/*
 * Which submitted lab files broke the build? Compiler and linker messages
 * name the file ("<impl>/01-map/fork.c:12:5: error: ..."); collect the
 * first such lines per file, since the first error is the one to fix.
 */
static size_t attribute_errors(gr_run *r, const char *log, const char *impl, char **labs, size_t n_labs)
{
    char *text = gr_read_file(log, 1 << 24, NULL);
    if (text == NULL) {
        return 0;
    }
    char *scratch = gr_fmt("%s/sub/src/", r->work);
    size_t found = 0;
    for (size_t l = 0; l < n_labs; l++) {
        for (size_t m = 0; student_files[m]; m++) {
            char model[16];
            snprintf(model, sizeof model, "%.*s", (int)(strlen(student_files[m]) - 2), student_files[m]);
            if (is_broken(r, labs[l], model)) {
                continue;
            }
            char *needle = gr_fmt("%s/%s/%s:", impl, labs[l], student_files[m]);
            char *shown = gr_fmt("%s/%s", labs[l], student_files[m]);
            char *msg = errors_of_file(text, needle, shown, scratch);
            if (msg) {
                add_broken(r, labs[l], model, msg);
                found++;
            }
            free(msg);
            free(shown);
            free(needle);
        }
    }
    free(scratch);
    free(text);
    return found;
}

/* Where the lab directories are: the submitted directory or unpacked archive, a few levels down. */
static char *locate_submission(gr_run *r, char **labs, size_t n_labs, const char *upload, gr_buf *reasons)
{
    char *root = NULL;
    if (gr_is_dir(r->submission)) {
        root = find_labs_root(r->submission, labs, n_labs, 3);
    } else if (unpack(r, r->submission, upload, labs, n_labs, reasons) == 0) {
        root = find_labs_root(upload, labs, n_labs, 3);
    } else {
        return NULL; /* unpack said why */
    }
    if (root == NULL) {
        gr_buf want = {0};
        for (size_t i = 0; i < n_labs; i++) {
            gr_buf_addf(&want, "%s%s", i ? ", " : "", labs[i]);
        }
        r->build_error = gr_fmt("no lab directory (%s) found in %s: submit your copy of labs/",
                                want.s ? want.s : "none", r->submission);
        gr_buf_free(&want);
    }
    return root;
}

static int is_student_file(const char *name)
{
    for (size_t m = 0; student_files[m]; m++) {
        if (strcmp(name, student_files[m]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Why the archive reader did not take lab/name ("LAB/FILE\tWHY" lines), or NULL. */
static char *archive_reason(const char *reasons, const char *lab, const char *name)
{
    char *key = gr_fmt("%s/%s\t", lab, name);
    const char *hit = reasons ? strstr(reasons, key) : NULL;
    while (hit != NULL && hit != reasons && hit[-1] != '\n') {
        hit = strstr(hit + 1, key);
    }
    char *why = NULL;
    if (hit != NULL) {
        const char *text = hit + strlen(key);
        const char *nl = strchr(text, '\n');
        why = gr_fmt("%s/%s %.*s", lab, name, nl ? (int)(nl - text) : (int)strlen(text), text);
    }
    free(key);
    return why;
}

/* One file of lab into dst: the student's own model file if acceptable, else the skeleton. */
static void compose_student_file(gr_run *r, const char *root, const char *lab, const char *name,
                                 const char *dst, const char *reasons)
{
    char *why = NULL;
    char *p = gr_fmt("%s/%s/%s", root, lab, name);
    int ok = submitted_file_ok(root, lab, name, &why);
    if (!ok && why == NULL) {
        why = archive_reason(reasons, lab, name); /* a link in the archive, say */
    }
    if (ok) {
        gr_copy_file(p, dst, 0644);
        if (is_skeleton(r, lab, name, p)) {
            add_file_note(&r->untouched, &r->n_untouched, lab, name, "the untouched skeleton");
        }
    } else {
        char *msg = gr_fmt("%s; graded as the untouched skeleton", why ? why : "not in the submission");
        gr_buf_addf(&r->notes, "%s/%s: %s\n", lab, name, msg);
        add_file_note(&r->untouched, &r->n_untouched, lab, name, msg);
        copy_skeleton(r, lab, name, dst);
        free(msg);
    }
    free(p);
    free(why);
}

/*
 * impl/LAB/: the student's openmp/fork/mpi.c; serial.c (the trusted
 * baseline) from solutions/; any other file (headers, helpers) as the
 * skeleton has it, so nothing of the submission but its model files counts.
 */
static void compose_lab(gr_run *r, const char *root, const char *impl, const char *lab, const char *reasons)
{
    char *dst_dir = gr_fmt("%s/%s", impl, lab);
    gr_mkdir_p(dst_dir, 0755);
    char *sol_dir = gr_fmt("%s/solutions/%s", r->source_dir, lab);
    DIR *d = opendir(sol_dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char *dst = gr_fmt("%s/%s", dst_dir, e->d_name);
        char *from = gr_fmt("%s/%s", sol_dir, e->d_name);
        if (is_student_file(e->d_name)) {
            compose_student_file(r, root, lab, e->d_name, dst, reasons);
        } else if (strcmp(e->d_name, "serial.c") == 0 || copy_skeleton(r, lab, e->d_name, dst) != 0) {
            if (gr_is_file(from)) {
                gr_copy_file(from, dst, 0644);
            }
        }
        free(dst);
        free(from);
    }
    if (d) {
        closedir(d);
    }
    free(sol_dir);
    free(dst_dir);
}

/* The build dir and its log belong to the runner while it compiles (handed back after). */
static void prepare_build_dir(gr_run *r, const char *build, const char *log)
{
    gr_mkdir_p(build, 0755);
    if (r->sb.drop && chown(build, r->sb.uid, r->sb.gid) != 0) {
        gr_buf_addf(&r->notes, "note: cannot hand %s to the runner user\n", build);
    }
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        if (r->sb.drop && fchown(fd, r->sb.uid, r->sb.gid) != 0) {
            gr_buf_addf(&r->notes, "note: cannot hand %s to the runner user\n", log);
        }
        close(fd);
    }
}

/* Only the binaries of the catalogued tests (--only, --tests keep the build small). */
static char **test_targets(const gr_run *r, size_t *n)
{
    char **targets = NULL;
    *n = 0;
    for (size_t i = 0; i < r->n_tests; i++) {
        size_t k;
        for (k = 0; k < *n && strcmp(targets[k], r->tests[i].relpath) != 0; k++) {
        }
        if (k == *n) {
            targets = gr_xrealloc(targets, (*n + 1) * sizeof *targets);
            targets[(*n)++] = gr_xstrdup(r->tests[i].relpath);
        }
    }
    return targets;
}

/*
 * Build; if lab files do not compile, swap each for its skeleton and build
 * again, so one broken file costs only its own lab's tests.
 */
static void build_with_fallback(gr_run *r, const char *build, const char *log, const char *impl,
                                char **labs, size_t n_labs)
{
    size_t n_targets;
    char **targets = test_targets(r, &n_targets);
    char *bc = build_cmd(build, targets, n_targets);
    if (sandboxed_sh(r, bc, build, build, log) != 0 && attribute_errors(r, log, impl, labs, n_labs) > 0) {
        for (size_t i = 0; i < r->n_broken; i++) {
            char *dst = gr_fmt("%s/%s/%s.c", impl, r->broken[i].lab, r->broken[i].model);
            char *file = gr_fmt("%s.c", r->broken[i].model);
            copy_skeleton(r, r->broken[i].lab, file, dst);
            free(file);
            free(dst);
        }
        FILE *f = fopen(log, "a");
        if (f) {
            fprintf(f, "\nparalab-grade: rebuilding with skeletons in place of the files above\n");
            fclose(f);
        }
        sandboxed_sh(r, bc, build, build, log);
    }
    free(bc);
    free_list(targets, n_targets);
}

int gr_build_submission(gr_run *r)
{
    char *sol = gr_fmt("%s/solutions", r->source_dir);
    size_t n_labs;
    char **labs = list_labs(sol, &n_labs);
    free(sol);
    char *base = gr_fmt("%s/sub", r->work);
    char *upload = gr_fmt("%s/upload", base);
    char *src = gr_fmt("%s/src", base);
    char *impl = gr_fmt("%s/impl", base);
    char *build = gr_fmt("%s/build", base);
    char *log = gr_fmt("%s/build.log", build);
    int rc = -1;
    gr_mkdir_p(upload, 0755);
    gr_mkdir_p(impl, 0755);

    gr_buf reasons = {0};
    char *root = locate_submission(r, labs, n_labs, upload, &reasons);
    if (root != NULL) {
        for (size_t l = 0; l < n_labs; l++) {
            compose_lab(r, root, impl, labs[l], reasons.s);
        }
    }
    gr_buf_free(&reasons);
    if (root == NULL) {
        goto out;
    }
    if (gr_copy_tree(r->source_dir, src, skip_sub) != 0) {
        r->build_error = gr_fmt("cannot copy the project tree %s", r->source_dir);
        goto out;
    }
    prepare_build_dir(r, build, log);
    char *cfg = configure_cmd(r, src, build, impl);
    int crc = sandboxed_sh(r, cfg, build, build, log);
    free(cfg);
    if (crc != 0) {
        char *t = log_tail(log, 25);
        r->build_error = gr_fmt("configuring the submission's build failed:\n%s", t);
        free(t);
        goto out;
    }
    build_with_fallback(r, build, log, impl, labs, n_labs);
    r->build_excerpt = error_lines(log, 15);
    if (r->sb.drop) {
        /* From now on tests run as the runner: they must not be able to change the binaries. */
        gr_chown_r(build, 0, 0);
    }
    r->sub_build = build;
    build = NULL;
    rc = 0;
out:
    free_list(labs, n_labs);
    free(base);
    free(upload);
    free(src);
    free(impl);
    free(build);
    free(log);
    free(root);
    return rc;
}
