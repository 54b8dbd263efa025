/*
 * unpack.c - the lab files of a submitted archive, entry by entry (see unpack.h).
 *
 * Why not "extract everything, then look"? Extracting means trusting the
 * archive's idea of paths and file types: a member named "../../x", a
 * symbolic link "labs -> /" followed by a member "labs/etc/...", a device
 * node, a hard link to a file outside, ten million empty entries. Each is a
 * known way to make an extractor write outside its directory or run out of
 * something. Here nothing is extracted: every entry is judged by its name
 * and type first, and only a regular file at a lab file's path is written,
 * by this code, into a directory tree that this code creates.
 */
#include "unpack.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* Entries named in the "skipped" note; the rest are only counted. */
#define NOTE_EXAMPLES 3
/* Longest entry name quoted in a note (names are untrusted: kept short and printable). */
#define NAME_SHOWN 120

/* A name made safe to print on one line: printable ASCII, '?' for anything else, cut short. */
static char *printable(const char *name)
{
    char *s = gr_fmt("%.*s%s", NAME_SHOWN, name, strlen(name) > NAME_SHOWN ? "..." : "");
    for (char *p = s; *p; p++) {
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) {
            *p = '?';
        }
    }
    return s;
}

/*
 * The entry's path as components, "." and empty ones dropped ("./labs//x"
 * -> labs, x). 1 when the path is unsafe (absolute, or with a ".."): such an
 * entry is never written, whatever it is.
 */
static int split_path(const char *name, char ***parts, size_t *n)
{
    *parts = NULL;
    *n = 0;
    int unsafe = name[0] == '/';
    char *copy = gr_xstrdup(name);
    for (char *save = NULL, *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0) {
            continue;
        }
        unsafe |= strcmp(c, "..") == 0;
        *parts = gr_xrealloc(*parts, (*n + 1) * sizeof **parts);
        (*parts)[(*n)++] = gr_xstrdup(c);
    }
    free(copy);
    return unsafe;
}

static void free_parts(char **parts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(parts[i]);
    }
    free(parts);
}

static int in_list(const char *s, char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s, list[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/* ".../LAB/FILE" with at most max_depth directories above LAB: a lab file's path. */
static int is_lab_file(char **parts, size_t n, const gr_unpack_opts *o)
{
    return n >= 2 && n - 2 <= (size_t)o->max_depth && in_list(parts[n - 1], o->files, o->n_files) &&
           in_list(parts[n - 2], o->labs, o->n_labs);
}

/*
 * Create the directories of parts[0..n-2] under dir, never following a link
 * (we made every directory here ourselves, but say so anyway), and open
 * parts[n-1] for writing as a new file. A second entry with the same path
 * replaces the first, as an extractor would. The descriptor, or -1.
 */
static int create_file(const char *dir, char **parts, size_t n)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (size_t i = 0; fd >= 0 && i + 1 < n; i++) {
        if (mkdirat(fd, parts[i], 0755) != 0 && errno != EEXIST) {
            close(fd);
            return -1;
        }
        int sub = openat(fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(fd);
        fd = sub;
    }
    if (fd < 0) {
        return -1;
    }
    int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    int out = openat(fd, parts[n - 1], flags, 0644);
    if (out < 0 && errno == EEXIST && unlinkat(fd, parts[n - 1], 0) == 0) {
        out = openat(fd, parts[n - 1], flags, 0644);
    }
    close(fd);
    return out;
}

/* Copy the entry's data to fd, at most max bytes. 0; 1 when it is longer; -1 on a read/write error. */
static int copy_data(struct archive *a, int fd, long max)
{
    char buf[16384];
    long total = 0;
    for (;;) {
        la_ssize_t got = archive_read_data(a, buf, sizeof buf);
        if (got == 0) {
            return 0;
        }
        if (got < 0) {
            return -1;
        }
        total += got;
        if (total > max) {
            return 1;
        }
        for (la_ssize_t off = 0; off < got;) {
            ssize_t w = write(fd, buf + off, (size_t)(got - off));
            if (w < 0) {
                return -1;
            }
            off += w;
        }
    }
}

/* What is known of the entries that are not taken. */
typedef struct skipped {
    long count;
    gr_buf examples; /* "compile_commands.json (a link), build/x.o, ..." */
} skipped;

static void skip(skipped *s, const char *name, const char *what)
{
    if (s->count++ < NOTE_EXAMPLES) {
        char *shown = printable(name);
        gr_buf_addf(&s->examples, "%s%s%s%s%s", s->count > 1 ? ", " : "", shown, what ? " (" : "",
                    what ? what : "", what ? ")" : "");
        free(shown);
    }
}

/* The kind of a non-regular entry, in words; NULL for a regular file. */
static const char *odd_kind(struct archive_entry *e)
{
    if (archive_entry_hardlink(e) != NULL) {
        return "a hard link";
    }
    switch (archive_entry_filetype(e)) {
    case AE_IFREG:
        return NULL;
    case AE_IFLNK:
        return "a symbolic link";
    case AE_IFDIR:
        return "a directory";
    default:
        return "a device, pipe or socket";
    }
}

/* One lab file's entry: written, or a "file" line saying why not. */
static void take_lab_file(struct archive *a, struct archive_entry *e, char **parts, size_t n, const char *dir,
                          const gr_unpack_opts *o, FILE *report)
{
    const char *lab = parts[n - 2], *file = parts[n - 1];
    const char *kind = odd_kind(e);
    if (kind != NULL) {
        fprintf(report, "file %s/%s is %s in the archive (links and special files are not followed)\n", lab,
                file, kind);
        return;
    }
    if (archive_entry_size_is_set(e) && archive_entry_size(e) > o->max_file_bytes) {
        fprintf(report, "file %s/%s is larger than %ld KiB\n", lab, file, o->max_file_bytes / 1024);
        return;
    }
    int fd = create_file(dir, parts, n);
    if (fd < 0) {
        fprintf(report, "file %s/%s could not be unpacked: %s\n", lab, file, strerror(errno));
        return;
    }
    int rc = copy_data(a, fd, o->max_file_bytes);
    close(fd);
    if (rc != 0) {
        /* Not half a file: a truncated lab file would only produce confusing compiler errors. */
        char *path = gr_fmt("%s", dir);
        for (size_t i = 0; i < n; i++) {
            char *next = gr_fmt("%s/%s", path, parts[i]);
            free(path);
            path = next;
        }
        unlink(path);
        free(path);
        if (rc > 0) {
            fprintf(report, "file %s/%s is larger than %ld KiB\n", lab, file, o->max_file_bytes / 1024);
        } else {
            char *why = printable(archive_error_string(a) ? archive_error_string(a) : "read error");
            fprintf(report, "file %s/%s could not be read from the archive: %s\n", lab, file, why);
            free(why);
        }
    }
}

/* One entry: a lab file is taken (or reported), anything else is skipped. */
static void judge_entry(struct archive *a, struct archive_entry *e, const char *dir, const gr_unpack_opts *o,
                        skipped *s, FILE *report)
{
    const char *name = archive_entry_pathname(e);
    if (name == NULL) {
        skip(s, "(an entry whose name cannot be read)", NULL);
        return;
    }
    char **parts;
    size_t n;
    int unsafe = split_path(name, &parts, &n);
    if (unsafe) {
        if (is_lab_file(parts, n, o)) {
            fprintf(report, "file %s/%s points outside the archive (an absolute path or '..'): not taken\n",
                    parts[n - 2], parts[n - 1]);
        } else {
            skip(s, name, "points outside the archive");
        }
    } else if (is_lab_file(parts, n, o)) {
        take_lab_file(a, e, parts, n, dir, o, report);
    } else if (archive_entry_filetype(e) != AE_IFDIR || archive_entry_hardlink(e) != NULL) {
        const char *kind = odd_kind(e);
        skip(s, name, kind != NULL && strcmp(kind, "a directory") != 0 ? kind : NULL);
    }
    free_parts(parts, n);
}

/* Only the formats a submission may come in: no RAR, 7-Zip, ISO, cpio... readers for a renamed file to reach. */
static struct archive *open_reader(const char *path, const gr_unpack_opts *o)
{
    struct archive *a = archive_read_new();
    if (a == NULL) {
        return NULL;
    }
    if (o->zip) {
        /* The seekable reader trusts the central directory, as unzip does, not local headers. */
        archive_read_support_format_zip_seekable(a);
    } else {
        archive_read_support_filter_gzip(a);
        archive_read_support_format_tar(a);
        archive_read_support_format_gnutar(a);
    }
    archive_read_open_filename(a, path, 65536);
    return a;
}

int gr_unpack_labs(const char *archive, const char *dir, const gr_unpack_opts *o, FILE *report)
{
    struct archive *a = open_reader(archive, o);
    if (a == NULL) {
        fprintf(report, "error out of memory\n");
        return -1;
    }
    skipped s = {0};
    long entries = 0;
    int rc = 0;
    for (;;) {
        struct archive_entry *e;
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF) {
            break;
        }
        if (r < ARCHIVE_WARN) {
            char *why = printable(archive_error_string(a) ? archive_error_string(a) : "unreadable");
            if (entries == 0) {
                /* Not an archive of this kind at all, or damaged from the start. */
                fprintf(report, "error %s\n", why);
                rc = -1;
            } else {
                fprintf(report, "note the archive is damaged after %ld entries (%s): the rest was not read\n",
                        entries, why);
            }
            free(why);
            break;
        }
        if (++entries > o->max_entries) {
            fprintf(report, "note the archive has more than %ld entries: the rest was not read\n", o->max_entries);
            break;
        }
        judge_entry(a, e, dir, o, &s, report);
    }
    if (s.count > 0) {
        gr_buf files = {0};
        for (size_t i = 0; i < o->n_files; i++) {
            gr_buf_addf(&files, "%s%s", i == 0 ? "" : (i + 1 == o->n_files ? " or " : ", "), o->files[i]);
        }
        fprintf(report, "note skipped %ld entr%s that %s not lab files (%s%s): only LAB/%s are graded\n",
                s.count, s.count == 1 ? "y" : "ies", s.count == 1 ? "is" : "are", s.examples.s,
                s.count > NOTE_EXAMPLES ? ", ..." : "", files.s ? files.s : "");
        gr_buf_free(&files);
    }
    gr_buf_free(&s.examples);
    archive_read_free(a);
    return rc;
}
