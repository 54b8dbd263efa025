/*
 * util.c - memory, formatted strings, growable buffers and argument
 * vectors, and escaping for JSON/XML (see util.h). The grader's files
 * (util_files.c) and helper processes (util_exec.c) are beside it.
 *
 * Out of memory is the one error these helpers do not return: the grader
 * cannot grade without memory, and a message on stderr says why it
 * stopped, where a NULL passed along would crash somewhere unrelated.
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* calloc checks n * size for overflow itself, which a malloc(n * size) would not. */
void *gr_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL) {
        fprintf(stderr, "paralab-grade: out of memory\n");
        abort();
    }
    return p;
}

char *gr_xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = gr_xmalloc(n);
    memcpy(p, s, n);
    return p;
}

/*
 * Measure, then print into exactly that much: no fixed buffer to truncate a
 * path or a message (a submission's file names can be long).
 */
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

/*
 * Doubling keeps appends amortized O(1): reports and logs are built a line
 * at a time, tens of thousands of lines for a flood's excerpt.
 */
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

/* ---------------------------------------------------------------- argv */

/* Always one slot more than the words, kept NULL: a.v can go to execve at any point. */
void gr_argv_add(gr_argv *a, const char *s)
{
    a->v = gr_xrealloc(a->v, (a->n + 2) * sizeof *a->v);
    a->v[a->n++] = gr_xstrdup(s);
    a->v[a->n] = NULL;
}

void gr_argv_addf(gr_argv *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = vfmt(fmt, ap);
    va_end(ap);
    a->v = gr_xrealloc(a->v, (a->n + 2) * sizeof *a->v);
    a->v[a->n++] = s;
    a->v[a->n] = NULL;
}

void gr_argv_free(gr_argv *a)
{
    for (size_t i = 0; i < a->n; i++) {
        free(a->v[i]);
    }
    free(a->v);
    a->v = NULL;
    a->n = 0;
}

/* Kept apart from its twin pl_test_seed_parse (tests/support/seed.c) on purpose: the grader links none of
 * the tests' code, and the student image that builds the tests has no grader/ to share it from. */
int gr_parse_u64(const char *s, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9') { /* strtoull would take "-1" and " 7" */
        return -1;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0') {
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}
