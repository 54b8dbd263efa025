/*
 * skeleton.c - the skeleton of a lab file (see build.h, gr_strip_solution,
 * and docs/CONVENTIONS.md for the markers).
 *
 * One stripping implementation serves three readers: scripts/make-labs
 * writes labs/ with it (`paralab-grade --strip-solution`), the grader
 * grades a file a submission lacks or broke as its skeleton, and it tells
 * an untouched skeleton from a student's work. Were there two, a skeleton
 * the grader thinks untouched could differ from the one students got.
 */
#include "build.h"
#include "build_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Longest line a solution file may have (8191 characters and the newline): a longer one
 * is a generated or binary file, not a lab file, and must not be cut in two silently. */
#define MAX_LINE 8192
/* Largest skeleton or submitted lab file read whole (submitted ones are capped at 1 MiB before). */
#define MAX_FILE_BYTES (1 << 24)

static const char *after_ws(const char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    return s;
}

/*
 * Is the line exactly `marker` (blanks around it allowed)? A marker must
 * stand alone: code on a marker's line would be half kept and half
 * dropped, leaving solution in the skeleton or a hole in the harness.
 */
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

/* "file:line: what", the form editors and make-labs' users jump to. */
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
    char line[MAX_LINE];
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
/*
 * The skeleton of lab/file: labs/ if committed (what students were given,
 * even if someone edited it by hand), else stripped from solutions/.
 */
static char *skeleton_text(gr_run *r, const char *lab, const char *file, size_t *len)
{
    char *committed = gr_fmt("%s/labs/%s/%s", r->source_dir, lab, file);
    char *text = NULL;
    if (gr_is_file(committed)) {
        text = gr_read_file(committed, MAX_FILE_BYTES, len);
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

/*
 * Written whole or not at all (gr_write_file): a half-written skeleton
 * would fail to compile and be blamed on the student.
 */
int gr_copy_skeleton(gr_run *r, const char *lab, const char *file, const char *dst)
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

/*
 * An untouched skeleton scores exactly 0 without running: it keeps the
 * argument checks, so a few validation tests would pass on it otherwise.
 */
int gr_is_skeleton(gr_run *r, const char *lab, const char *file, const char *submitted)
{
    size_t len = 0;
    char *skel = skeleton_text(r, lab, file, &len);
    char *mine = gr_read_file(submitted, MAX_FILE_BYTES, NULL);
    int same = skel && mine && same_code(skel, mine);
    free(skel);
    free(mine);
    return same;
}
