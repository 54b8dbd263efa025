/*
 * util.h - small helpers the grader's modules share: growable strings and
 * argument vectors, JSON/XML escaping (util.c), files and directories
 * (util_files.c), running a trusted helper program (cmake) and waiting for
 * it (util_exec.c).
 *
 * The grader is trusted code that must never die half-way (a missing
 * results.json is shown to students as "the autograder failed"), so these
 * helpers report errors by return value and never exit, except for
 * out-of-memory, which the grader cannot recover from anyway.
 */
#ifndef GR_UTIL_H
#define GR_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A growable NUL-terminated string. */
typedef struct gr_buf {
    char *s;
    size_t len;
    size_t cap;
} gr_buf;

void gr_buf_add(gr_buf *b, const char *s);
void gr_buf_addn(gr_buf *b, const char *s, size_t n);
void gr_buf_addf(gr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gr_buf_free(gr_buf *b);
/* Append s escaped for a JSON string literal (without the quotes). */
void gr_buf_json(gr_buf *b, const char *s);
/* Append s escaped for XML text/attributes; control bytes become '?'. */
void gr_buf_xml(gr_buf *b, const char *s);

/*
 * A growable argument vector for execve/gr_exec, always NULL-terminated
 * (v is NULL until the first word). Words are copied. Commands are built
 * as words, never as a line for /bin/sh -c: a path holding a quote, a
 * space or a `$` stays one word, and a submission cannot turn its file
 * names into commands.
 */
typedef struct gr_argv {
    char **v;
    size_t n;
} gr_argv;

void gr_argv_add(gr_argv *a, const char *s);
void gr_argv_addf(gr_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void gr_argv_free(gr_argv *a);

void *gr_xmalloc(size_t n);
void *gr_xrealloc(void *p, size_t n);
/* Zeroed memory for n objects of size bytes (overflow of n * size is out of memory too). */
void *gr_xcalloc(size_t n, size_t size);
char *gr_xstrdup(const char *s);
char *gr_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Whole file into a new string (NULL on error); *len may be NULL. At most max bytes. */
char *gr_read_file(const char *path, size_t max, size_t *len);
/* Write via a temp file + rename, so a reader never sees half a file. */
int gr_write_file(const char *path, const char *data, size_t len);
int gr_mkdir_p(const char *path, mode_t mode);
int gr_rm_rf(const char *path);
int gr_is_dir(const char *path);
int gr_is_file(const char *path);
/* The first executable NAME in $PATH (a default PATH when unset), as a new string; NULL if none. */
char *gr_which(const char *name);
/* Recursively chown (lchown) a tree; uid/gid (uid_t)-1 keep. */
int gr_chown_r(const char *path, uid_t uid, gid_t gid);
/* Recursively chmod a tree (links left alone): directories, executables, other files. */
int gr_chmod_r(const char *path, mode_t dir_mode, mode_t exec_mode, mode_t file_mode);
/*
 * Copy a directory tree. Only directories and regular files are copied
 * (symlinks, devices and FIFOs in a submission are never followed); names
 * for which skip(name, is_dir) returns 1 are left out.
 */
int gr_copy_tree(const char *from, const char *to, int (*skip)(const char *rel, int is_dir));
int gr_copy_file(const char *from, const char *to, mode_t mode);

/* Seconds on CLOCK_MONOTONIC. */
double gr_now(void);

/*
 * Run a trusted helper (argv[0] looked up in PATH) with stdout+stderr
 * appended to log_path (NULL: inherited), in cwd (NULL: ours), for at most
 * timeout_s seconds (its process group is killed after that). Returns the
 * exit status as from waitpid, or -1 if it could not be started.
 */
int gr_exec(char *const argv[], const char *cwd, const char *log_path, double timeout_s);

/* Random hex string of 2*nbytes characters from /dev/urandom. */
int gr_random_hex(char *out, size_t nbytes);
/* 64 random bits (/dev/urandom; the clock and pid if it cannot be read): a run's seed. */
uint64_t gr_random_u64(void);
/* A decimal 0..UINT64_MAX, digits only (no sign, no spaces): 0, or -1 leaving *out alone. */
int gr_parse_u64(const char *s, uint64_t *out);

/* Human text for a signal: "SIGSEGV (segmentation fault)". */
const char *gr_signal_name(int sig);

/* Does the string contain the substring, ignoring ASCII case? */
int gr_contains_ci(const char *hay, const char *needle);

/*
 * Could we write the file path (create it, or append to it)? 0, or -1 with
 * errno set. Tried for real (as root, access() says yes to everything) and
 * undone: a file that did not exist is removed again.
 */
int gr_probe_writable(const char *path);

#endif
