/*
 * util_files.c - the grader's file helpers (see util.h).
 *
 * Trees the grader copies or removes may hold what a submission put there,
 * so nothing here follows a symbolic link: lstat, lchown, and copies of
 * regular files and directories only.
 */
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Every file the grader reads back may have been written by a job (a
 * verdict, a log, a report line): max bounds what a flood costs us, and
 * the result is always NUL-terminated even when the bytes are not text.
 */
char *gr_read_file(const char *path, size_t max, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return NULL;
    }
    gr_buf b = {0};
    gr_buf_add(&b, "");
    char chunk[65536];
    for (;;) {
        ssize_t r = read(fd, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        size_t take = (size_t)r;
        if (b.len + take > max) {
            take = max - b.len;
        }
        gr_buf_addn(&b, chunk, take);
        if (b.len >= max) {
            break;
        }
    }
    close(fd);
    if (len) {
        *len = b.len;
    }
    return b.s;
}

/*
 * The temp name carries our pid, so two graders writing the same cache
 * entry never write into one temp file; rename() then replaces the file in
 * one step, and a reader sees the old whole file or the new whole file.
 */
int gr_write_file(const char *path, const char *data, size_t len)
{
    char *tmp = gr_fmt("%s.tmp.%ld", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = -1;
    if (fd >= 0) {
        size_t off = 0;
        while (off < len) {
            ssize_t w = write(fd, data + off, len - off);
            if (w < 0 && errno == EINTR) {
                continue;
            }
            if (w <= 0) {
                break;
            }
            off += (size_t)w;
        }
        if (close(fd) == 0 && off == len && rename(tmp, path) == 0) {
            rc = 0;
        }
    }
    if (rc != 0) {
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

/*
 * Parents get 0755 and only the last directory gets mode: the scratch tree
 * relies on that (work/ is 0711, a job directory 0700 and the runner's).
 */
int gr_mkdir_p(const char *path, mode_t mode)
{
    char *p = gr_xstrdup(path);
    for (char *s = p + 1; *s; s++) {
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0755) != 0 && errno != EEXIST) {
                free(p);
                return -1;
            }
            *s = '/';
        }
    }
    int rc = mkdir(p, mode);
    free(p);
    return (rc == 0 || errno == EEXIST) ? 0 : -1;
}

/*
 * These follow links (stat): use them on trusted paths only; a submission's
 * tree is walked with lstat (gr_copy_tree, find_labs_root).
 */
int gr_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int gr_is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * fn(PATH/NAME, NAME, ctx) for every entry of the open directory d (at
 * path) but "." and "..", then closes d: the one directory walk of the
 * recursive helpers below. -1 when a call failed (the walk goes on: a
 * cleanup does what it can), 0 otherwise.
 */
static int walk_dir(DIR *d, const char *path, int (*fn)(const char *sub, const char *name, void *ctx), void *ctx)
{
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        char *sub = gr_fmt("%s/%s", path, e->d_name);
        if (fn(sub, e->d_name, ctx) != 0) {
            rc = -1;
        }
        free(sub);
    }
    closedir(d);
    return rc;
}

/* walk_dir on path; 0 also for a directory that cannot be opened (its caller's own call says so). */
static int each_entry(const char *path, int (*fn)(const char *sub, const char *name, void *ctx), void *ctx)
{
    DIR *d = opendir(path);
    return d == NULL ? 0 : walk_dir(d, path, fn, ctx);
}

static int rm_entry(const char *sub, const char *name, void *ctx)
{
    (void)name;
    (void)ctx;
    return gr_rm_rf(sub);
}

typedef struct owner {
    uid_t uid;
    gid_t gid;
} owner;

static int chown_entry(const char *sub, const char *name, void *ctx)
{
    (void)name;
    const owner *who = ctx;
    return gr_chown_r(sub, who->uid, who->gid);
}

/* Recursion without nftw's FTW_PHYS subtleties: we never follow a symlink. */
int gr_rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        return errno == ENOENT ? 0 : -1;
    }
    if (S_ISDIR(st.st_mode)) {
        /* A test may leave a directory without write/exec permission. */
        chmod(path, 0700);
        each_entry(path, rm_entry, NULL); /* what cannot go shows in rmdir's answer */
        return rmdir(path);
    }
    return unlink(path);
}

/*
 * lchown, never chown: a link the runner planted in its build directory must
 * not make us hand it the file the link points at. Best effort: every entry
 * is tried, and -1 says at least one could not be changed.
 */
int gr_chown_r(const char *path, uid_t uid, gid_t gid)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        return -1;
    }
    int rc = lchown(path, uid, gid);
    owner who = {uid, gid};
    if (S_ISDIR(st.st_mode) && each_entry(path, chown_entry, &who) != 0) {
        rc = -1;
    }
    return rc;
}

typedef struct modes {
    mode_t dir, exec, file;
} modes;

static int chmod_entry(const char *sub, const char *name, void *ctx)
{
    (void)name;
    const modes *m = ctx;
    return gr_chmod_r(sub, m->dir, m->exec, m->file);
}

/* Never through a link (lstat; a link's own mode means nothing): best effort, like gr_chown_r. */
int gr_chmod_r(const char *path, mode_t dir_mode, mode_t exec_mode, mode_t file_mode)
{
    struct stat st;
    if (lstat(path, &st) != 0 || S_ISLNK(st.st_mode)) {
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        return chmod(path, (st.st_mode & 0111) ? exec_mode : file_mode);
    }
    int rc = chmod(path, dir_mode);
    modes m = {dir_mode, exec_mode, file_mode};
    if (each_entry(path, chmod_entry, &m) != 0) {
        rc = -1;
    }
    return rc;
}

/*
 * O_NOFOLLOW on the source: a submitted "lab file" that is a link to the
 * solutions is refused here too, not only by the checks before. A short
 * write (disk full, RLIMIT_FSIZE) is an error, never a silently cut copy.
 */
int gr_copy_file(const char *from, const char *to, mode_t mode)
{
    int in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in < 0) {
        return -1;
    }
    int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (out < 0) {
        close(in);
        return -1;
    }
    char buf[65536];
    int rc = 0;
    for (;;) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            rc = -1;
        }
        if (r <= 0) {
            break;
        }
        for (ssize_t off = 0; off < r;) {
            ssize_t w = write(out, buf + off, (size_t)(r - off));
            if (w < 0 && errno == EINTR) {
                continue;
            }
            if (w <= 0) {
                rc = -1;
                break;
            }
            off += w;
        }
        if (rc != 0) {
            break;
        }
    }
    close(in);
    if (close(out) != 0) {
        rc = -1;
    }
    return rc;
}

/* Where copy_rec's walk copies to: the target directory and its path below the tree's root. */
typedef struct copy_to {
    const char *to, *rel;
    int (*skip)(const char *rel, int is_dir);
} copy_to;

static int copy_rec(const char *from, const char *to, const char *rel, int (*skip)(const char *rel, int is_dir));

/*
 * Only directories and regular files are copied: a link, device or FIFO
 * from a submission could point anywhere, or block the copy for ever.
 * rel is the path below the tree's root, what skip() decides on.
 */
static int copy_entry(const char *src, const char *name, void *ctx)
{
    const copy_to *c = ctx;
    char *dst = gr_fmt("%s/%s", c->to, name);
    char *r = c->rel[0] ? gr_fmt("%s/%s", c->rel, name) : gr_xstrdup(name);
    int rc = 0;
    struct stat st;
    if (lstat(src, &st) == 0) {
        if (S_ISDIR(st.st_mode) && !(c->skip && c->skip(r, 1))) {
            rc = copy_rec(src, dst, r, c->skip);
        } else if (S_ISREG(st.st_mode) && !(c->skip && c->skip(r, 0))) {
            rc = gr_copy_file(src, dst, (st.st_mode & 0111) ? 0755 : 0644);
        }
    }
    free(dst);
    free(r);
    return rc != 0 ? -1 : 0;
}

static int copy_rec(const char *from, const char *to, const char *rel, int (*skip)(const char *rel, int is_dir))
{
    DIR *d = opendir(from);
    if (d == NULL) {
        return -1;
    }
    if (gr_mkdir_p(to, 0755) != 0) {
        closedir(d);
        return -1;
    }
    copy_to c = {.to = to, .rel = rel, .skip = skip};
    return walk_dir(d, from, copy_entry, &c);
}

int gr_copy_tree(const char *from, const char *to, int (*skip)(const char *rel, int is_dir))
{
    return copy_rec(from, to, "", skip);
}

/*
 * Tried, not asked: access() answers for the real uid and says yes to
 * root for everything, even on a read-only mount.
 */
int gr_probe_writable(const char *path)
{
    struct stat st;
    int existed = stat(path, &st) == 0;
    if (existed && S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        return -1;
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
    if (fd < 0) {
        return -1;
    }
    close(fd);
    if (!existed) {
        unlink(path);
    }
    return 0;
}
