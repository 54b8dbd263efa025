/*
 * cache.c - the reference build kept across grader runs (see cache.h).
 *
 * Building the reference is most of a grading run's set-up (minutes on a
 * loaded 2-core machine), and it is the same build for every student of a
 * class. An entry is named by a hash of everything the build depends on
 * (the trusted files, options, tools), so an edit to the tree makes a new
 * entry instead of reusing a stale one. Graders running side by side share
 * entries through flock: one builds, the others wait and then read.
 */
#include "cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "util.h"

/* Entries kept: a few trees (branches, rubric experiments) without filling a
 * disk; a reference build is a few hundred MB with three models. */
#define KEEP_ENTRIES 8
/* Tries of lock_file when a pruner keeps unlinking the lock under us (it cannot, for ever). */
#define LOCK_TRIES 100
/* Bump when what a cached entry holds changes shape: old entries are then ignored. */
#define CACHE_FORMAT "paralab-grade reference cache 1"

/* ---------------------------------------------------------------- the key */

/*
 * Two 64-bit FNV-1a hashes with different starting points, 128 bits in all.
 * Not a defence against someone forging a collision (the trusted tree is
 * the instructor's own, nobody's adversary): a guard against reusing a
 * build after an edit, for which 2^-128 is plenty. libc has no SHA, and
 * the grader links nothing else.
 */
typedef struct key {
    uint64_t a, b;
} key;

static void mix(key *k, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        k->a = (k->a ^ p[i]) * 0x100000001b3ULL;
        k->b = (k->b ^ p[i]) * 0x100000001b3ULL;
    }
}

static void mix_str(key *k, const char *s)
{
    mix(k, s, strlen(s) + 1); /* with the NUL: "ab"+"c" differs from "a"+"bc" */
}

static void mix_file(key *k, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        mix_str(k, "(unreadable)");
        return;
    }
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        mix(k, buf, (size_t)n);
    }
    close(fd);
}

static int by_name(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Every file the reference build copies, in sorted order: path, exec bit, size, content. */
static void mix_tree(key *k, const char *dir, const char *rel)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        return;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            names = gr_xrealloc(names, (n + 1) * sizeof *names);
            names[n++] = gr_xstrdup(e->d_name);
        }
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        char *path = gr_fmt("%s/%s", dir, names[i]);
        char *r = rel[0] ? gr_fmt("%s/%s", rel, names[i]) : gr_xstrdup(names[i]);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && !gr_build_reference_skip(r, 1)) {
            mix_tree(k, path, r);
        } else if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) && !gr_build_reference_skip(r, 0)) {
            char *head = gr_fmt("%s %d %lld", r, (st.st_mode & 0111) != 0, (long long)st.st_size);
            mix_str(k, head);
            mix_file(k, path);
            free(head);
        }
        free(r);
        free(path);
        free(names[i]);
    }
    free(names);
}

/* A tool by where it really is, its size and modification time: an upgrade changes the key. */
static void mix_tool(key *k, const char *name)
{
    char *where = name[0] == '/' ? gr_xstrdup(name) : gr_which(name);
    char real[PATH_MAX];
    struct stat st;
    if (where && realpath(where, real) != NULL && stat(real, &st) == 0) {
        char *id = gr_fmt("%s %s %lld %lld", name, real, (long long)st.st_size, (long long)st.st_mtime);
        mix_str(k, id);
        free(id);
    } else {
        mix_str(k, name);
    }
    free(where);
}

void gr_cache_tree_key(const char *dir, char out[33])
{
    key k = {0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL};
    mix_str(&k, CACHE_FORMAT);
    mix_tree(&k, dir, "");
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)k.a, (unsigned long long)k.b);
}

/* The tree's key plus everything else the build depends on. */
static char *entry_key(const gr_run *r)
{
    char tree[33];
    gr_cache_tree_key(r->source_dir, tree);
    key k = {0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL};
    mix_str(&k, tree);
    char *opts = gr_fmt("sanitize=%d readable=%d ninja=%d", r->sb.sanitize, gr_ref_readable(r),
                        access("/usr/bin/ninja", X_OK) == 0);
    mix_str(&k, opts);
    free(opts);
    /* A cached build has every student model's binaries (cmake.c, wanted_model), plus any other graded one. */
    for (size_t i = 0; r->rubric.models[i]; i++) {
        const char *m = r->rubric.models[i];
        if (strcmp(m, "openmp") != 0 && strcmp(m, "fork") != 0 && strcmp(m, "mpi") != 0) {
            mix_str(&k, m);
        }
    }
    /* ccache too: a build with it leaves its compiler cache beside it for the submissions (cmake.c). */
    static const char *const tools[] = {"cmake", "cc", "mpicc", "mpiexec", "ccache", "/proc/self/exe", NULL};
    for (size_t i = 0; tools[i]; i++) {
        mix_tool(&k, tools[i]);
    }
    return gr_fmt("%016llx%016llx", (unsigned long long)k.a, (unsigned long long)k.b);
}

/* ---------------------------------------------------------------- locks */

/*
 * flock() on path; returns the descriptor (kept open while the lock is
 * wanted), or -1. After locking, the file must still be the one at path:
 * a pruner may unlink it while holding it exclusively, and a lock on an
 * unlinked file protects nothing.
 */
static int lock_file(const char *path, int how)
{
    for (int tries = 0; tries < LOCK_TRIES; tries++) {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) {
            return -1;
        }
        if (flock(fd, how) != 0) {
            close(fd);
            return -1;
        }
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
            return fd;
        }
        close(fd); /* unlinked under us: try the new one */
    }
    return -1;
}

/* ---------------------------------------------------------------- where */

/*
 * Where entries live when --cache is not given: one place per machine as
 * root (graders of one course share it), a user's own cache otherwise.
 * NULL: nowhere sensible (no HOME), so no cache.
 */
static char *default_dir(void)
{
    const char *env = getenv("PARALAB_GRADE_CACHE");
    if (env) {
        return gr_xstrdup(env);
    }
    if (geteuid() == 0) {
        return gr_xstrdup("/var/cache/paralab-grade");
    }
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (xdg && xdg[0] == '/') {
        return gr_fmt("%s/paralab-grade", xdg);
    }
    const char *home = getenv("HOME");
    return home && home[0] == '/' ? gr_fmt("%s/.cache/paralab-grade", home) : NULL;
}

/*
 * A stamp file of an entry ("complete", "used"): 0 when it exists. "complete"
 * is written last by the builder, so an entry without it is half a build.
 */
static int stamp_mtime(const char *entry, const char *name, struct timespec *out)
{
    char *f = gr_fmt("%s/%s", entry, name);
    struct stat st;
    int rc = stat(f, &st);
    free(f);
    if (rc == 0 && out) {
        *out = st.st_mtim;
    }
    return rc;
}

/* Touch ENTRY/used: pruning keeps the most recently used entries. */
static void mark_used(const char *entry)
{
    char *f = gr_fmt("%s/used", entry);
    int fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
        futimens(fd, NULL);
        close(fd);
    }
    free(f);
}

typedef struct aged {
    char *name;
    struct timespec used;
} aged;

static int newest_first(const void *x, const void *y)
{
    const aged *a = x, *b = y;
    if (a->used.tv_sec != b->used.tv_sec) {
        return a->used.tv_sec < b->used.tv_sec ? 1 : -1;
    }
    return a->used.tv_nsec < b->used.tv_nsec ? 1 : a->used.tv_nsec > b->used.tv_nsec ? -1 : 0;
}

/* Remove entries beyond the KEEP_ENTRIES most recently used, if nobody is using them. */
static void prune(const char *cache)
{
    DIR *d = opendir(cache);
    if (d == NULL) {
        return;
    }
    aged *v = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, "ref-", 4) != 0 || (len > 5 && strcmp(e->d_name + len - 5, ".lock") == 0)) {
            continue;
        }
        char *entry = gr_fmt("%s/%s", cache, e->d_name);
        aged a = {gr_xstrdup(e->d_name), {0, 0}};
        stamp_mtime(entry, "used", &a.used);
        free(entry);
        v = gr_xrealloc(v, (n + 1) * sizeof *v);
        v[n++] = a;
    }
    closedir(d);
    qsort(v, n, sizeof *v, newest_first);
    for (size_t i = 0; i < n; i++) {
        if (i >= KEEP_ENTRIES) {
            char *lock = gr_fmt("%s/%s.lock", cache, v[i].name);
            int fd = lock_file(lock, LOCK_EX | LOCK_NB);
            if (fd >= 0) {
                char *entry = gr_fmt("%s/%s", cache, v[i].name);
                gr_rm_rf(entry);
                unlink(lock); /* while holding it: lock_file() in others notices */
                close(fd);
                free(entry);
            }
            free(lock);
        }
        free(v[i].name);
    }
    free(v);
}

/* ---------------------------------------------------------------- use or build */

/* Build the entry under its exclusive lock; 0, or -1 (r->build_error). */
static int build_entry(gr_run *r, const char *entry)
{
    gr_rm_rf(entry); /* a builder that died left half a build */
    if (gr_mkdir_p(entry, 0711) != 0) {
        r->build_error = gr_fmt("cannot create %s: %s", entry, strerror(errno));
        return -1;
    }
    fprintf(stderr, r->tty ? "building the reference (kept in %s)..." : "paralab-grade: building the reference "
                                                                        "(kept in %s)\n", entry);
    if (gr_build_reference_in(r, entry, 1) != 0) {
        gr_rm_rf(entry);
        return -1;
    }
    char *stamp = gr_fmt("%s/complete", entry);
    int rc = gr_write_file(stamp, "", 0);
    free(stamp);
    return rc;
}

/* The cache directory to use, or NULL: none asked for, or unusable (said in the notes). */
static char *usable_cache(gr_run *r)
{
    if (r->no_cache) {
        return NULL;
    }
    char *cache = r->cache_dir ? gr_xstrdup(r->cache_dir) : default_dir();
    if (cache == NULL || cache[0] == '\0' || strcmp(cache, "off") == 0) {
        free(cache);
        return NULL;
    }
    const char *why = gr_mkdir_p(cache, 0711) != 0                         ? strerror(errno)
                      : r->sb.drop && !gr_sandbox_reaches(&r->sb, cache) ? "out of the runner user's reach"
                                                                           : NULL;
    if (why) {
        gr_buf_addf(&r->notes, "note: the reference build cache %s cannot be used (%s): building the "
                               "reference for this run only\n", cache, why);
        free(cache);
        return NULL;
    }
    return cache;
}

/*
 * A shared lock on a complete entry: built by us under the exclusive lock,
 * or by whoever took that lock first (we wait for them). The descriptor,
 * or -1 (errno); *rc becomes -1 when our own build of it failed.
 */
static int hold_entry(gr_run *r, const char *entry, const char *lock, int *rc)
{
    int fd = lock_file(lock, LOCK_SH);
    if (fd >= 0 && stamp_mtime(entry, "complete", NULL) != 0) {
        /* Not built yet: build it ourselves, or wait for whoever is building it. */
        flock(fd, LOCK_UN);
        close(fd);
        fd = lock_file(lock, LOCK_EX);
        if (fd >= 0 && stamp_mtime(entry, "complete", NULL) != 0) {
            *rc = build_entry(r, entry) == 0 ? 0 : -1;
            r->ref_cache_built = 1;
        }
        if (fd >= 0) {
            flock(fd, LOCK_SH); /* from now on we only use it */
        }
    }
    return fd;
}

int gr_cache_reference(gr_run *r)
{
    char *cache = usable_cache(r);
    if (cache == NULL) {
        return 1;
    }
    double t0 = gr_now();
    char *k = entry_key(r);
    char *entry = gr_fmt("%s/ref-%s", cache, k);
    char *lock = gr_fmt("%s/ref-%s.lock", cache, k);
    char *build = gr_fmt("%s/build", entry);
    int rc = 1;
    int fd = hold_entry(r, entry, lock, &rc);
    if (fd < 0) {
        gr_buf_addf(&r->notes, "note: cannot lock %s (%s): building the reference for this run only\n", lock,
                    strerror(errno));
        rc = 1;
    } else if (rc != -1) {
        /* Kept open (shared) until we exit: nobody prunes an entry in use. */
        r->ref_lock_fd = fd;
        r->ref_entry = entry;
        entry = NULL;
        mark_used(r->ref_entry);
        if (r->ref_build == NULL) {
            r->ref_build = build;
            build = NULL;
        }
        gr_sandbox_show(&r->sb, r->ref_build);
        if (!r->ref_cache_built) {
            gr_buf_addf(&r->notes, "reference build: reused from %s (the trusted tree is unchanged; %.1f s "
                                   "to check)\n", r->ref_entry, gr_now() - t0);
        }
        prune(cache);
        rc = 0;
    } else {
        close(fd);
    }
    free(build);
    free(lock);
    free(entry);
    free(k);
    free(cache);
    return rc;
}

/* ---------------------------------------------------------------- catalog lists */

static char *list_path(const gr_run *r, const char *relpath)
{
    if (r->ref_entry == NULL) {
        return NULL;
    }
    char *flat = gr_xstrdup(relpath);
    for (char *p = flat; *p; p++) {
        *p = *p == '/' ? '_' : *p;
    }
    char *f = gr_fmt("%s/lists/%s.txt", r->ref_entry, flat);
    free(flat);
    return f;
}

char *gr_cache_list_get(const gr_run *r, const char *relpath)
{
    char *f = list_path(r, relpath);
    char *text = f ? gr_read_file(f, 1 << 20, NULL) : NULL;
    free(f);
    return text;
}

void gr_cache_list_put(const gr_run *r, const char *relpath, const char *text)
{
    char *f = list_path(r, relpath);
    if (f) {
        char *dir = gr_fmt("%s/lists", r->ref_entry);
        gr_mkdir_p(dir, 0700);
        gr_write_file(f, text, strlen(text)); /* temp + rename: a reader never sees half */
        free(dir);
    }
    free(f);
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
