/*
 * explain.c - one line about why a test failed (see explain.h).
 */
#include "explain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The line of text that starts at p, without its newline, as a new string. */
static char *line_at(const char *p)
{
    const char *nl = strchr(p, '\n');
    return gr_fmt("%.*s", nl ? (int)(nl - p) : (int)strlen(p), p);
}

/* The line after the one p is in, or NULL at the end. */
static const char *next_line(const char *p)
{
    const char *nl = strchr(p, '\n');
    return nl ? nl + 1 : NULL;
}

/*
 * "/tmp/x/sub/src/tests/suite_map.c:545:22" -> "tests/suite_map.c:545": the
 * last two path parts, and the line without the column.
 */
static char *short_location(const char *loc, size_t len)
{
    char *s = gr_fmt("%.*s", (int)len, loc);
    char *colon = strchr(strrchr(s, '/') ? strrchr(s, '/') : s, ':');
    if (colon != NULL && strchr(colon + 1, ':') != NULL) {
        *strchr(colon + 1, ':') = '\0'; /* drop ":column" */
    }
    const char *start = s;
    int slashes = 0;
    for (const char *p = s + strlen(s); p > s; p--) {
        if (p[-1] == '/' && ++slashes == 2) {
            start = p;
            break;
        }
    }
    char *out = gr_xstrdup(start);
    free(s);
    return out;
}

char *gr_failed_assertion(const char *out)
{
    for (const char *p = out; p != NULL && *p; p = next_line(p)) {
        const char *s = p;
        while (*s == ' ') {
            s++;
        }
        char *line = line_at(s);
        char *dash = strstr(line, "  - ");
        char *dot = strstr(line, ". ");
        if (*s < '0' || *s > '9' || dash == NULL || dot == NULL || dot > dash) {
            free(line);
            continue;
        }
        /* "N. FILE:LINE  - CONDITION" */
        char *where = short_location(dot + 2, (size_t)(dash - dot - 2));
        gr_buf b = {0};
        gr_buf_addf(&b, "%s: %s", where, dash + 4);
        free(where);
        free(line);
        /* The test's hint follows its failure lines (tests/harness.c). */
        for (const char *q = next_line(s); q != NULL && *q; q = next_line(q)) {
            const char *t = q;
            while (*t == ' ') {
                t++;
            }
            if (strncmp(t, "hint: ", 6) == 0) {
                char *hint = line_at(t + 6);
                gr_buf_addf(&b, " - hint: %s", hint);
                free(hint);
                break;
            }
            if (strncmp(t, "Test: ", 6) == 0) {
                break; /* the next test's output: no hint for ours */
            }
        }
        return b.s;
    }
    return NULL;
}

/* clang names the body of a parallel region ".omp_outlined._debug__" (and the like): say what it is. */
static const char *function_name(const char *f)
{
    return strncmp(f, ".omp_outlined", 13) == 0 ? "an OpenMP parallel region" : f;
}

/* In a stack frame "#0 FUNC PATH:LINE:COL (module+0x..)", the location as "PATH:LINE in FUNC". */
static char *frame_of(const char *frame_line)
{
    char func[256], loc[1024];
    if (sscanf(frame_line, " #%*d %255s %1023s", func, loc) != 2 || strchr(loc, ':') == NULL) {
        return NULL;
    }
    char *where = short_location(loc, strlen(loc));
    char *s = gr_fmt("%s in %s", where, function_name(func));
    free(where);
    return s;
}

/* The first "#0" frame after p (within the same report). */
static char *first_frame_after(const char *p)
{
    for (const char *q = p ? next_line(p) : NULL; q != NULL && *q; q = next_line(q)) {
        const char *t = q;
        while (*t == ' ') {
            t++;
        }
        if (strncmp(t, "#0 ", 3) == 0) {
            char *line = line_at(t);
            char *f = frame_of(line);
            free(line);
            return f;
        }
        if (strncmp(t, "SUMMARY:", 8) == 0 || strncmp(t, "=====", 5) == 0) {
            break;
        }
    }
    return NULL;
}

/*
 * "SUMMARY: ThreadSanitizer: data race /x/01-map/openmp.c:97:22 in run_items"
 * -> "ThreadSanitizer: data race at 01-map/openmp.c:97 in run_items".
 */
static char *summary_of(const char *summary_line)
{
    char *line = line_at(summary_line + strlen("SUMMARY: "));
    char *path = strstr(line, " /");
    char *in = path ? strstr(path, " in ") : NULL;
    char *s = NULL;
    if (path != NULL) {
        char *where = short_location(path + 1, in ? (size_t)(in - path - 1) : strlen(path + 1));
        s = gr_fmt("%.*s at %s%s%s", (int)(path - line), line, where, in ? " in " : "",
                   in ? function_name(in + 4) : "");
        free(where);
    } else {
        s = gr_xstrdup(line);
    }
    free(line);
    return s;
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

/* The first "SUMMARY: ...Sanitizer: ..." line (other tools print SUMMARY lines too). */
static const char *sanitizer_summary(const char *out)
{
    for (const char *p = strstr(out, "SUMMARY: "); p != NULL; p = strstr(p + 1, "SUMMARY: ")) {
        char *l = line_at(p);
        int ours = strstr(l, "Sanitizer: ") != NULL;
        free(l);
        if (ours) {
            return p;
        }
    }
    return NULL;
}

/* "WARNING: ThreadSanitizer: data race (pid=12)" -> "ThreadSanitizer: data race". */
static char *warning_of(const char *warning)
{
    char *l = line_at(strchr(warning, ' ') + 1);
    char *pid = strstr(l, " (pid=");
    if (pid != NULL) {
        *pid = '\0';
    }
    return l;
}

char *gr_sanitizer_report(const char *out)
{
    if (out == NULL) {
        return NULL;
    }
    const char *summary = sanitizer_summary(out);
    const char *warning = strstr(out, "WARNING: ThreadSanitizer: ");
    if (warning == NULL) {
        warning = strstr(out, "ERROR: AddressSanitizer: ");
    }
    if (summary == NULL && warning == NULL) {
        return NULL;
    }
    gr_buf b = {0};
    char *what = summary ? summary_of(summary) : warning_of(warning);
    gr_buf_add(&b, what);
    free(what);
    if (summary == NULL) {
        /* Killed before its summary: the first frame of the report says where. */
        char *f = first_frame_after(warning);
        if (f != NULL) {
            gr_buf_addf(&b, " at %s", f);
        }
        free(f);
    }
    const char *ub = strstr(out, "runtime error: ");
    if (summary != NULL && strstr(summary, "UndefinedBehaviorSanitizer") && ub != NULL) {
        char *msg = line_at(ub + strlen("runtime error: "));
        gr_buf_addf(&b, ": %s", msg);
        free(msg);
    }
    /* A race has two sides: the report's "Previous ..." access is the other one. */
    const char *prev = warning ? strstr(warning, "\n  Previous ") : NULL;
    if (prev != NULL && (summary == NULL || prev < summary)) {
        char *f = first_frame_after(prev + 1);
        if (f != NULL) {
            gr_buf_addf(&b, " (the other access: %s)", f);
        }
        free(f);
    }
    int reports = 0;
    const char *total = strstr(out, "ThreadSanitizer: reported ");
    if (total == NULL || sscanf(total, "ThreadSanitizer: reported %d", &reports) != 1) {
        reports = count_of(out, "WARNING: ThreadSanitizer: ") + count_of(out, "ERROR: AddressSanitizer: ");
    }
    if (reports > 1) {
        gr_buf_addf(&b, "; %d reports in all (the first is shown)", reports);
    }
    return b.s;
}
