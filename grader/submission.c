/*
 * submission.c - the submission's build (see build.h, gr_build_submission).
 *
 * Trust boundary: from a submission we take ONLY the lab files a student
 * writes (NN-lab/{openmp,fork,mpi}.c, regular files, no symlinks). The
 * build system, tests, common module, runtime, headers and the serial
 * backend always come from the trusted tree, so a submission cannot change
 * how it is judged. A file that is missing, refused or does not compile is
 * replaced by its skeleton, so it costs its own tests and nothing else.
 */
#include "build.h"
#include "build_internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scan.h"
#include "test_job.h"
#include "util.h"

/* Files a student writes: one per parallel model in every lab directory. */
static const char *const student_files[] = {"openmp.c", "fork.c", "mpi.c", NULL};
/* A lab file is a few hundred lines; a bigger one is not a lab file (and would slow every build). */
#define MAX_SUBMITTED_BYTES (1 << 20)
/* How many directory levels below the submission the labs may sit (labs/, a zip's top folder, both). */
#define LABS_DEPTH 3
/* Build log lines quoted in the report, and the tail shown when configuring fails. */
#define EXCERPT_LINES 15
#define TAIL_LINES 25
/* Largest build log read back for error attribution (it is ours: the bound only keeps a flood harmless). */
#define MAX_LOG_BYTES (1 << 24)

static int is_lab_dir_name(const char *n)
{
    return n[0] >= '0' && n[0] <= '9' && n[1] >= '0' && n[1] <= '9' && n[2] == '-';
}

/*
 * Sorted lab directory names ("01-map", ...) of a solutions/ tree. Which
 * labs exist is the trusted tree's answer, never the submission's: a lab
 * a submission leaves out is graded as its skeleton, not skipped.
 */
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

/* One lab file's note (untouched, missing, refused), for the report and for mark_unimplemented. */
static void add_file_note(gr_broken **v, size_t *n, const char *lab, const char *file, const char *msg)
{
    *v = gr_xrealloc(*v, (*n + 1) * sizeof **v);
    (*v)[*n].lab = gr_xstrdup(lab);
    (*v)[*n].model = gr_fmt("%.*s", (int)(strlen(file) - 2), file); /* "fork.c" -> "fork" */
    (*v)[*n].message = gr_xstrdup(msg);
    (*n)++;
}

/*
 * The directory holding the lab dirs: dir itself, or a few levels below
 * (labs/, a zip's top folder). Students zip in every way there is; where
 * the labs sit must not cost them points.
 */
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

/*
 * A submitted file we accept: a regular file (not a link) of sane size,
 * under real directories. A link could name the solutions or /dev/zero;
 * lstat on the directory too, since a linked lab directory is a link to
 * everything below it. *why is NULL when the file is simply not there.
 */
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

/*
 * A lab file that did not compile: swapped for its skeleton, and its tests
 * score 0 with msg (its first compiler lines) as the reason.
 */
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
            /* The linker repeats itself for every test binary: once is enough. Notes
             * before the first error are left out (they explain nothing yet). */
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
    char *text = gr_read_file(log, MAX_LOG_BYTES, NULL);
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
        root = find_labs_root(r->submission, labs, n_labs, LABS_DEPTH);
    } else if (gr_unpack_submission(r, r->submission, upload, labs, n_labs, student_files, reasons) == 0) {
        root = find_labs_root(upload, labs, n_labs, LABS_DEPTH);
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

/*
 * Only these names are taken from a submission; any other file in a lab
 * directory (a header, a helper .c) comes from the trusted tree.
 */
static int is_student_file(const char *name)
{
    for (size_t m = 0; student_files[m]; m++) {
        if (strcmp(name, student_files[m]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* One file of lab into dst: the student's own model file if acceptable, else the skeleton. */
static void compose_student_file(gr_run *r, const char *root, const char *lab, const char *name,
                                 const char *dst, const char *reasons)
{
    char *why = NULL;
    char *p = gr_fmt("%s/%s/%s", root, lab, name);
    int ok = submitted_file_ok(root, lab, name, &why);
    if (!ok && why == NULL) {
        why = gr_archive_reason(reasons, lab, name); /* a link in the archive, say */
    }
    if (ok) {
        gr_copy_file(p, dst, 0644);
        char *shown = gr_fmt("%s/%s", lab, name);
        gr_scan_file(p, shown, &r->flags, &r->n_flags); /* for a human to review; never scored */
        free(shown);
        if (gr_is_skeleton(r, lab, name, p)) {
            add_file_note(&r->untouched, &r->n_untouched, lab, name, "the untouched skeleton");
        }
    } else {
        char *msg = gr_fmt("%s; graded as the untouched skeleton", why ? why : "not in the submission");
        gr_buf_addf(&r->notes, "%s/%s: %s\n", lab, name, msg);
        add_file_note(&r->untouched, &r->n_untouched, lab, name, msg);
        gr_copy_skeleton(r, lab, name, dst);
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
        } else if (strcmp(e->d_name, "serial.c") == 0 || gr_copy_skeleton(r, lab, e->d_name, dst) != 0) {
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

/*
 * The build dir and its log belong to the runner while it compiles (handed
 * back to root after, gr_build_submission). The log is made here, empty,
 * so that every step appends to one file the runner may write: CMake's
 * output goes there through the job's out_path, opened as the runner.
 */
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

/*
 * Only the binaries of the catalogued tests (--only, --tests keep the build
 * small); for a checker, its subject: the checker itself comes from the
 * reference build (test_job.c).
 */
static char **test_targets(const gr_run *r, size_t *n)
{
    char **targets = NULL;
    *n = 0;
    for (size_t i = 0; i < r->n_tests; i++) {
        const gr_test *t = &r->tests[i];
        char *want = t->checker ? gr_fmt("pl_subject_%s", t->model) : gr_xstrdup(t->relpath);
        size_t k;
        for (k = 0; k < *n && strcmp(targets[k], want) != 0; k++) {
        }
        if (k == *n) {
            targets = gr_xrealloc(targets, (*n + 1) * sizeof *targets);
            targets[(*n)++] = want;
        } else {
            free(want);
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
    if (gr_cmake_build(r, build, targets, n_targets, log, 1) != 0 &&
        attribute_errors(r, log, impl, labs, n_labs) > 0) {
        for (size_t i = 0; i < r->n_broken; i++) {
            char *dst = gr_fmt("%s/%s/%s.c", impl, r->broken[i].lab, r->broken[i].model);
            char *file = gr_fmt("%s.c", r->broken[i].model);
            gr_copy_skeleton(r, r->broken[i].lab, file, dst);
            free(file);
            free(dst);
        }
        FILE *f = fopen(log, "a");
        if (f) {
            fprintf(f, "\nparalab-grade: rebuilding with skeletons in place of the files above\n");
            fclose(f);
        }
        gr_cmake_build(r, build, targets, n_targets, log, 1);
    }
    gr_free_list(targets, n_targets);
}

/* The scratch paths of a submission's build, all under WORK/sub. */
typedef struct sub_paths {
    char *upload; /* an archive unpacked */
    char *src;    /* the trusted tree, without the solutions */
    char *impl;   /* the composed lab files (PARALAB_IMPL) */
    char *build;  /* the build, and its log */
    char *log;
} sub_paths;

static void paths_init(sub_paths *p, const gr_run *r)
{
    p->upload = gr_fmt("%s/sub/upload", r->work);
    p->src = gr_fmt("%s/sub/src", r->work);
    p->impl = gr_fmt("%s/sub/impl", r->work);
    p->build = gr_fmt("%s/sub/build", r->work);
    p->log = gr_fmt("%s/build.log", p->build);
}

static void paths_free(sub_paths *p)
{
    free(p->upload);
    free(p->src);
    free(p->impl);
    free(p->build);
    free(p->log);
}

/* Find the submission's labs (unpacking an archive) and compose impl/ from them. 0, or -1 (build_error set). */
static int compose_sources(gr_run *r, const sub_paths *p, char **labs, size_t n_labs)
{
    gr_mkdir_p(p->upload, 0755);
    gr_mkdir_p(p->impl, 0755);
    gr_buf reasons = {0};
    char *root = locate_submission(r, labs, n_labs, p->upload, &reasons);
    for (size_t l = 0; root != NULL && l < n_labs; l++) {
        compose_lab(r, root, p->impl, labs[l], reasons.s);
    }
    gr_buf_free(&reasons);
    int rc = root != NULL ? 0 : -1;
    free(root);
    return rc;
}

/* The trusted tree beside the composed labs, configured and built as the runner. 0, or -1 (build_error set). */
static int configure_and_build(gr_run *r, const sub_paths *p, char **labs, size_t n_labs)
{
    if (gr_copy_tree(r->source_dir, p->src, gr_build_submission_skip) != 0) {
        r->build_error = gr_fmt("cannot copy the project tree %s", r->source_dir);
        return -1;
    }
    prepare_build_dir(r, p->build, p->log);
    if (gr_cmake_configure(r, p->src, p->build, p->impl, p->log, 1) != 0) {
        char *t = gr_log_tail(p->log, TAIL_LINES);
        r->build_error = gr_fmt("configuring the submission's build failed:\n%s", t);
        free(t);
        return -1;
    }
    build_with_fallback(r, p->build, p->log, p->impl, labs, n_labs);
    r->build_excerpt = gr_log_errors(p->log, EXCERPT_LINES);
    return 0;
}

int gr_build_submission(gr_run *r)
{
    char *sol = gr_fmt("%s/solutions", r->source_dir);
    size_t n_labs;
    char **labs = list_labs(sol, &n_labs);
    free(sol);
    sub_paths p;
    paths_init(&p, r);
    int rc = -1;
    if (compose_sources(r, &p, labs, n_labs) == 0 && configure_and_build(r, &p, labs, n_labs) == 0) {
        if (r->sb.drop) {
            /* From now on tests run as the runner: they must not be able to change the binaries. */
            gr_chown_r(p.build, 0, 0);
        }
        r->sub_build = p.build;
        p.build = NULL;
        rc = 0;
    }
    gr_free_list(labs, n_labs);
    paths_free(&p);
    return rc;
}
