/*
 * scan.c - flag constructs a lab file has no reason to use (see scan.h).
 *
 * Why these: issue 14's forgery read the verdict nonce from
 * /proc/self/environ and its descriptor from /proc/self/cmdline, wrote the
 * verdict lines itself and _exit(0)-ed. Its variants scan their own memory
 * (/proc/self/mem, process_vm_readv), run before main (a constructor), or
 * patch the harness (dlsym, inline asm, raw syscalls). A map, futures or a
 * task group needs none of them, so each is worth a human's look.
 *
 * How: two views of the text with newlines kept (so offsets give line
 * numbers): `code` has comments, string and character literals blanked;
 * `text` has only comments blanked. Identifiers are looked for in `code`
 * (a printf("ptrace") is not a call), paths and names in `text` (a path is
 * a string literal). Cheap and approximate: macros are not expanded.
 */
#include "scan.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

enum kind {
    IDENT,     /* the identifier, anywhere in code */
    CALL,      /* the identifier followed by '(' */
    PREFIX,    /* an identifier starting with it */
    ATTRIBUTE, /* the identifier inside __attribute__((...)) or [[gnu::...]] */
    TEXT,      /* the text, in code or a string literal */
};

typedef struct rule {
    const char *word;
    enum kind kind;
    const char *why;
} rule;

static const char WHY_PROC[] = "reads the process's own state (environment, command line, memory, descriptors), "
                               "where a test's secrets live";
static const char WHY_ENV[] = "reads the environment: a lab's work comes in as arguments, never from there";
static const char WHY_INIT[] = "runs code before main or after exit, outside any test";
static const char WHY_DL[] = "finds or loads code by name at run time (can replace the harness's functions)";
static const char WHY_VERDICT[] = "names the grader's verdict channel";

static const rule rules[] = {
    {"/proc/", TEXT, WHY_PROC},
    {"process_vm_readv", IDENT, "reads another process's memory"},
    {"process_vm_writev", IDENT, "writes another process's memory"},
    {"environ", IDENT, WHY_ENV},
    {"__environ", IDENT, WHY_ENV},
    {"getenv", CALL, WHY_ENV},
    {"secure_getenv", CALL, WHY_ENV},
    {"LD_PRELOAD", TEXT, "loads code into the tests' processes"},
    {"constructor", ATTRIBUTE, WHY_INIT},
    {"destructor", ATTRIBUTE, WHY_INIT},
    {"__constructor__", ATTRIBUTE, WHY_INIT},
    {"__destructor__", ATTRIBUTE, WHY_INIT},
    {".init_array", TEXT, WHY_INIT},
    {".fini_array", TEXT, WHY_INIT},
    {"dlsym", CALL, WHY_DL},
    {"dlvsym", CALL, WHY_DL},
    {"dlopen", CALL, WHY_DL},
    {"ptrace", IDENT, "inspects or controls a process (another, or its own)"},
    {"syscall", CALL, "a raw system call, around the C library"},
    {"asm", IDENT, "inline assembly"},
    {"__asm", IDENT, "inline assembly"},
    {"__asm__", IDENT, "inline assembly"},
    {"prctl", CALL, "changes process attributes (dumpable, parent-death signal, name)"},
    {"__builtin_frame_address", CALL, "walks the callers' stack frames"},
    {"__builtin_return_address", CALL, "walks the callers' stack frames"},
    {"PARALAB_VERDICT", TEXT, WHY_VERDICT},
    {"verdict-fd", TEXT, WHY_VERDICT},
    {"CU_", PREFIX, "uses the test framework (CUnit) itself"},
    {"pl_test_", PREFIX, "uses the test harness's own functions"},
};

/* ---------------------------------------------------------------- the two views */

/* Skip a literal that starts at s[i] (a quote): blank it in code; in text too when blank_text. */
static size_t skip_literal(const char *s, size_t i, char *code, char *text, int blank_text)
{
    char quote = s[i];
    size_t j = i + 1;
    while (s[j] && s[j] != quote && s[j] != '\n') {
        j += s[j] == '\\' && s[j + 1] ? 2 : 1;
    }
    size_t end = s[j] == quote ? j + 1 : j; /* an unclosed literal ends at the line's end */
    for (size_t k = i; k < end; k++) {
        if (s[k] != '\n') {
            code[k] = ' ';
            if (blank_text) {
                text[k] = ' ';
            }
        }
    }
    return end;
}

/* Blank a comment that starts at s[i] ("//" or a C comment) in both views; returns where it ends. */
static size_t skip_comment(const char *s, size_t i, char *code, char *text)
{
    size_t j = i + 2;
    if (s[i + 1] == '/') {
        while (s[j] && (s[j] != '\n' || s[j - 1] == '\\')) { /* a '\' at the end continues it */
            j++;
        }
    } else {
        while (s[j] && !(s[j] == '*' && s[j + 1] == '/')) {
            j++;
        }
        j = s[j] ? j + 2 : j;
    }
    for (size_t k = i; k < j; k++) {
        if (s[k] != '\n') {
            code[k] = text[k] = ' ';
        }
    }
    return j;
}

static void make_views(const char *s, char *code, char *text)
{
    size_t n = strlen(s);
    memcpy(code, s, n + 1);
    memcpy(text, s, n + 1);
    for (size_t i = 0; i < n;) {
        if (s[i] == '/' && (s[i + 1] == '/' || s[i + 1] == '*')) {
            i = skip_comment(s, i, code, text);
        } else if (s[i] == '"') {
            i = skip_literal(s, i, code, text, 0);
        } else if (s[i] == '\'') {
            i = skip_literal(s, i, code, text, 1);
        } else {
            i++;
        }
    }
}

/* ---------------------------------------------------------------- matching */

static int is_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* Is there an attribute opening ("__attribute", "gnu::") in the 200 characters of code before at? */
static int inside_attribute(const char *code, size_t at)
{
    size_t from = at > 200 ? at - 200 : 0;
    for (size_t k = from; k < at; k++) {
        if (strncmp(code + k, "__attribute", 11) == 0 || strncmp(code + k, "gnu::", 5) == 0) {
            return 1;
        }
    }
    return 0;
}

static int matches(const rule *r, const char *code, size_t at)
{
    size_t len = strlen(r->word);
    if (r->kind == TEXT) {
        return 1; /* found by strstr in the right view */
    }
    if (at > 0 && is_ident_char(code[at - 1])) {
        return 0;
    }
    if (r->kind == PREFIX) {
        return 1;
    }
    if (is_ident_char(code[at + len])) {
        return 0;
    }
    if (r->kind == CALL) {
        size_t k = at + len;
        while (code[k] == ' ' || code[k] == '\t' || code[k] == '\n') {
            k++;
        }
        return code[k] == '(';
    }
    return r->kind == IDENT || inside_attribute(code, at);
}

/* What the flag shows: a path as written ("/proc/self/environ"), else the rule's word. */
static char *shown_construct(const rule *r, const char *view, size_t at)
{
    if (r->kind != TEXT || strcmp(r->word, "/proc/") != 0) {
        return gr_xstrdup(r->word);
    }
    size_t k = at;
    while (k - at < 48 && (is_ident_char(view[k]) || view[k] == '/' || view[k] == '.' || view[k] == '-')) {
        k++;
    }
    return gr_fmt("%.*s", (int)(k - at), view + at);
}

static int line_of(const char *s, size_t at)
{
    int line = 1;
    for (size_t k = 0; k < at; k++) {
        line += s[k] == '\n';
    }
    return line;
}

static int already_flagged(const gr_flag *flags, size_t from, size_t n, int line, const char *why)
{
    for (size_t i = from; i < n; i++) {
        if (flags[i].line == line && flags[i].why == why) {
            return 1;
        }
    }
    return 0;
}

static int by_line(const void *a, const void *b)
{
    const gr_flag *x = a, *y = b;
    return (x->line > y->line) - (x->line < y->line);
}

static void add_flag(gr_flag **flags, size_t *n, const char *shown, int line, char *construct, const char *why)
{
    *flags = gr_xrealloc(*flags, (*n + 1) * sizeof **flags);
    (*flags)[(*n)++] = (gr_flag){.file = gr_xstrdup(shown), .line = line, .construct = construct, .why = why};
}

size_t gr_scan_text(const char *shown, const char *text, gr_flag **flags, size_t *n)
{
    size_t len = strlen(text);
    char *code = gr_xcalloc(1, len + 1);
    char *txt = gr_xcalloc(1, len + 1);
    make_views(text, code, txt);
    size_t first = *n;
    for (size_t r = 0; r < sizeof rules / sizeof rules[0]; r++) {
        const rule *ru = &rules[r];
        const char *view = ru->kind == TEXT ? txt : code;
        for (const char *p = strstr(view, ru->word); p; p = strstr(p + 1, ru->word)) {
            size_t at = (size_t)(p - view);
            int line = line_of(text, at);
            if (*n - first >= GR_SCAN_MAX_PER_FILE || !matches(ru, code, at) ||
                already_flagged(*flags, first, *n, line, ru->why)) {
                continue;
            }
            add_flag(flags, n, shown, line, shown_construct(ru, view, at), ru->why);
        }
    }
    free(code);
    free(txt);
    if (*n > first) {
        qsort(*flags + first, *n - first, sizeof **flags, by_line); /* read top to bottom */
    }
    return *n - first;
}

int gr_scan_file(const char *path, const char *shown, gr_flag **flags, size_t *n)
{
    size_t len = 0;
    char *text = gr_read_file(path, 1 << 20, &len);
    if (text == NULL) {
        return -1;
    }
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\0') {
            text[i] = ' '; /* gcc skips a NUL byte and compiles on: so do we, or it would hide the rest */
        }
    }
    gr_scan_text(shown, text, flags, n);
    free(text);
    return 0;
}

void gr_flags_free(gr_flag *flags, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(flags[i].file);
        free(flags[i].construct);
    }
    free(flags);
}
