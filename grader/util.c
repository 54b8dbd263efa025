/*
 * util.c - strings, files and helper processes for the grader (see util.h).
 */
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void *gr_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        fprintf(stderr, "paralab-grade: out of memory\n");
        abort();
    }
    return p;
}

void *gr_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL) {
        fprintf(stderr, "paralab-grade: out of memory\n");
        abort();
    }
    return q;
}

char *gr_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = gr_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

static char *vfmt(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        return gr_xstrdup("");
    }
    char *p = gr_xmalloc((size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *gr_fmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = vfmt(fmt, ap);
    va_end(ap);
    return p;
}

void gr_buf_addn(gr_buf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        b->s = gr_xrealloc(b->s, cap);
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void gr_buf_add(gr_buf *b, const char *s)
{
    gr_buf_addn(b, s, strlen(s));
}

void gr_buf_addf(gr_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *p = vfmt(fmt, ap);
    va_end(ap);
    gr_buf_add(b, p);
    free(p);
}

void gr_buf_free(gr_buf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

/*
 * Captured output is arbitrary bytes (a submission may print binary junk):
 * invalid UTF-8 would make results.json unparsable, which Gradescope shows
 * as a grader failure. So anything that is not printable ASCII or a valid
 * UTF-8 sequence becomes '?'.
 */
static size_t utf8_len(const unsigned char *p)
{
    size_t n;
    if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        n = 2;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        n = 3;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        n = 4;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }
    }
    return n;
}

void gr_buf_json(gr_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            char e[3] = {'\\', (char)c, 0};
            gr_buf_add(b, e);
        } else if (c == '\n') {
            gr_buf_add(b, "\\n");
        } else if (c == '\t') {
            gr_buf_add(b, "\\t");
        } else if (c < 0x20 || c == 0x7F) {
            gr_buf_addf(b, "\\u%04x", c);
        } else if (c < 0x80) {
            gr_buf_addn(b, (const char *)p, 1);
        } else {
            size_t n = utf8_len(p);
            if (n == 0) {
                gr_buf_add(b, "?");
                n = 1;
            } else {
                gr_buf_addn(b, (const char *)p, n);
            }
            p += n;
            continue;
        }
        p++;
    }
}

void gr_buf_xml(gr_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned char c = *p;
        size_t n = 1;
        if (c == '<') {
            gr_buf_add(b, "&lt;");
        } else if (c == '>') {
            gr_buf_add(b, "&gt;");
        } else if (c == '&') {
            gr_buf_add(b, "&amp;");
        } else if (c == '"') {
            gr_buf_add(b, "&quot;");
        } else if (c == '\n' || c == '\t') {
            gr_buf_addn(b, (const char *)p, 1);
        } else if (c < 0x20 || c == 0x7F) {
            gr_buf_add(b, "?");
        } else if (c < 0x80) {
            gr_buf_addn(b, (const char *)p, 1);
        } else if ((n = utf8_len(p)) > 0) {
            gr_buf_addn(b, (const char *)p, n);
        } else {
            gr_buf_add(b, "?");
            n = 1;
        }
        p += n;
    }
}

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
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
                    continue;
                }
                char *sub = gr_fmt("%s/%s", path, e->d_name);
                gr_rm_rf(sub);
                free(sub);
            }
            closedir(d);
        }
        return rmdir(path);
    }
    return unlink(path);
}

char *gr_which(const char *name)
{
    const char *path = getenv("PATH");
    char *copy = gr_xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
    char *found = NULL;
    for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir && !found;
         dir = strtok_r(NULL, ":", &save)) {
        char *p = gr_fmt("%s/%s", dir, name);
        if (access(p, X_OK) == 0) {
            found = p;
        } else {
            free(p);
        }
    }
    free(copy);
    return found;
}

int gr_chown_r(const char *path, uid_t uid, gid_t gid)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        return -1;
    }
    int rc = lchown(path, uid, gid);
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
                    continue;
                }
                char *sub = gr_fmt("%s/%s", path, e->d_name);
                if (gr_chown_r(sub, uid, gid) != 0) {
                    rc = -1;
                }
                free(sub);
            }
            closedir(d);
        }
    }
    return rc;
}

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

static int copy_rec(const char *from, const char *to, const char *rel,
                    int (*skip)(const char *rel, int is_dir))
{
    DIR *d = opendir(from);
    if (d == NULL) {
        return -1;
    }
    if (gr_mkdir_p(to, 0755) != 0) {
        closedir(d);
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
            continue;
        }
        char *src = gr_fmt("%s/%s", from, e->d_name);
        char *dst = gr_fmt("%s/%s", to, e->d_name);
        char *r = rel[0] ? gr_fmt("%s/%s", rel, e->d_name) : gr_xstrdup(e->d_name);
        struct stat st;
        if (lstat(src, &st) == 0) {
            if (S_ISDIR(st.st_mode) && !(skip && skip(r, 1))) {
                if (copy_rec(src, dst, r, skip) != 0) {
                    rc = -1;
                }
            } else if (S_ISREG(st.st_mode) && !(skip && skip(r, 0))) {
                if (gr_copy_file(src, dst, (st.st_mode & 0111) ? 0755 : 0644) != 0) {
                    rc = -1;
                }
            }
        }
        free(src);
        free(dst);
        free(r);
    }
    closedir(d);
    return rc;
}

int gr_copy_tree(const char *from, const char *to, int (*skip)(const char *rel, int is_dir))
{
    return copy_rec(from, to, "", skip);
}

double gr_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int gr_exec(char *const argv[], const char *cwd, const char *log_path, double timeout_s)
{
    pid_t pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) {
            dup2(devnull, 0);
        }
        if (log_path) {
            int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
            }
        }
        if (cwd && chdir(cwd) != 0) {
            _exit(127);
        }
        execvp(argv[0], argv);
        fprintf(stderr, "paralab-grade: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid);
    double deadline = gr_now() + timeout_s;
    int status = -1;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            break;
        }
        if (w < 0 && errno != EINTR) {
            return -1;
        }
        if (gr_now() > deadline) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return status;
}

int gr_random_hex(char *out, size_t nbytes)
{
    unsigned char raw[64];
    if (nbytes > sizeof raw) {
        return -1;
    }
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    ssize_t r = read(fd, raw, nbytes);
    close(fd);
    if (r != (ssize_t)nbytes) {
        return -1;
    }
    for (size_t i = 0; i < nbytes; i++) {
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    }
    return 0;
}

const char *gr_signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV (segmentation fault)";
    case SIGBUS: return "SIGBUS (bus error)";
    case SIGABRT: return "SIGABRT (abort: assert() or a double free?)";
    case SIGFPE: return "SIGFPE (arithmetic error, e.g. division by zero)";
    case SIGILL: return "SIGILL (illegal instruction)";
    case SIGKILL: return "SIGKILL (killed)";
    case SIGTERM: return "SIGTERM (terminated)";
    case SIGINT: return "SIGINT (interrupted)";
    case SIGPIPE: return "SIGPIPE (wrote to a closed pipe)";
    case SIGXCPU: return "SIGXCPU (CPU time limit exceeded)";
    case SIGXFSZ: return "SIGXFSZ (file size limit exceeded)";
    case SIGALRM: return "SIGALRM (alarm clock)";
    case SIGTRAP: return "SIGTRAP (trace/breakpoint trap)";
    case SIGSYS: return "SIGSYS (bad system call)";
    case SIGHUP: return "SIGHUP (hangup)";
    default: return "an unexpected signal";
    }
}

int gr_contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++) {
        size_t i = 0;
        while (i < n && p[i] && tolower((unsigned char)p[i]) == tolower((unsigned char)needle[i])) {
            i++;
        }
        if (i == n) {
            return 1;
        }
    }
    return 0;
}

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
