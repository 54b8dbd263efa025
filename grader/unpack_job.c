/*
 * unpack_job.c - a submitted archive, read by paralab-unpack as a
 * sandboxed job (see build_internal.h; the reader itself is unpack.c).
 *
 * libarchive's parsers read hostile bytes, so they run in a process of
 * their own, as the runner user, with no network and small limits: a bug
 * in a parser, or a decompression bomb, costs that job and not the
 * grader. Its report comes back as text lines and is only ever shown as
 * text (grader/README.md, "Archives").
 */
#include "build.h"
#include "build_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

/* A decompression bomb runs into these, not into the grader's patience: lab
 * files are small (1 MiB each at most), 2 MiB of output file is plenty. */
static const gr_limits reader_limits = {.wall_s = 120, .procs = 16, .memory_mb = 1024, .cpu_s = 60,
                                        .file_mb = 2, .open_files = 64, .output_max = 1 << 20};

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


/* Can we read this archive at all? Sets r->build_error when not. */
static int archive_readable(gr_run *r, const char *archive)
{
    if (gr_archive_kind(archive) == 0) {
        r->build_error = gr_fmt("%s: not a directory, .zip, .tar.gz or .tar", archive);
        return 0;
    }
    if (r->unpacker == NULL) {
        r->build_error = gr_fmt("grader misconfigured: cannot read %s: paralab-unpack was not built "
                                "(it needs libarchive: Debian's libarchive-dev)", archive);
        return 0;
    }
    return 1;
}

/* Run paralab-unpack on copy (the archive) into dir; its report (stdout) becomes a new string in *out. */
static gr_job run_reader(gr_run *r, const char *copy, int zip, const char *dir, char **labs, size_t n_labs,
                         const char *const *files, char **out)
{
    char *lab_list = joined(labs, n_labs);
    size_t n_files = 0;
    while (files[n_files]) {
        n_files++;
    }
    char *file_list = joined((char *const *)files, n_files);
    char *argv[] = {r->unpacker, (char *)copy, zip ? "zip" : "tar", (char *)dir, "--labs", lab_list,
                    "--files", file_list, NULL};
    char *home = gr_fmt("HOME=%s", dir);
    char *env[] = {"PATH=/usr/bin:/bin", home, "LANG=C.UTF-8", NULL};
    gr_job job = {.argv = argv, .env = env, .dir = (char *)dir, .lim = reader_limits};
    gr_job *one = &job;
    gr_run_jobs(&r->sb, &one, 1, 1, NULL, NULL, NULL);
    *out = gr_capture_text(&job.out);
    gr_job_free(&job);
    job.argv = NULL;
    job.env = NULL;
    free(home);
    free(lab_list);
    free(file_list);
    return job;
}

/*
 * Unpack the lab files of an archive into dir: libarchive reads every
 * entry, and only regular files at lab file paths are written (unpack.h).
 * Links, junk and unsafe paths are skipped with a note, never a reason to
 * refuse the whole submission.
 */
int gr_unpack_submission(gr_run *r, const char *archive, const char *dir, char **labs, size_t n_labs,
                         const char *const *files, gr_buf *reasons)
{
    if (!archive_readable(r, archive)) {
        return -1;
    }
    int zip = gr_archive_kind(archive) == GR_ZIP;
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
    char *out;
    gr_job job = run_reader(r, copy, zip, dir, labs, n_labs, files, &out);
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
    free(copy);
    return rc;
}

/* Why the archive reader did not take lab/name ("LAB/FILE\tWHY" lines), or NULL. */
char *gr_archive_reason(const char *reasons, const char *lab, const char *name)
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

