/*
 * report.c - which output formats go to which files (see report.h). The
 * formats themselves: report_json.c (jansson) and report_junit.c (libxml2);
 * the text and Markdown summary: report_text.c.
 *
 * Every platform shows a missing or malformed result file as "the autograder
 * failed", so the files are written from the grader's memory in one go
 * (never from anything the submission printed, except cleaned excerpts),
 * even when nothing could be built.
 */
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report_json.h"
#include "report_junit.h"
#include "util.h"

static const struct {
    const char *name;
    const char *file; /* default name inside --out */
    int (*write)(const gr_run *, const char *);
} formats[GR_FMT_COUNT] = {
    [GR_FMT_GRADESCOPE] = {"gradescope", "results.json", gr_write_results_json},
    [GR_FMT_PRAIRIELEARN] = {"prairielearn", "prairielearn.json", gr_write_prairielearn},
    [GR_FMT_CLASSROOM50] = {"classroom50", "result.json", gr_write_classroom50},
    [GR_FMT_GITHUB] = {"github", "github-result.b64", gr_write_github},
    [GR_FMT_JUNIT] = {"junit", "junit.xml", gr_write_junit},
};

const char *gr_format_name(gr_format f)
{
    return formats[f].name;
}

const char *gr_format_default_name(gr_format f)
{
    return formats[f].file;
}

void gr_outputs_set(gr_outputs *o, gr_format f, const char *path)
{
    o->wanted[f] = 1;
    free(o->path[f]);
    o->path[f] = path ? gr_xstrdup(path) : NULL;
}

static int add_one(gr_outputs *o, const char *name, size_t len, const char *path, char *err, size_t errlen)
{
    for (int f = 0; f < GR_FMT_COUNT; f++) {
        if (strlen(formats[f].name) == len && strncmp(formats[f].name, name, len) == 0) {
            if (o->wanted[f] && o->explicit_formats) {
                snprintf(err, errlen, "--format %s given twice", formats[f].name);
                return -1;
            }
            gr_outputs_set(o, (gr_format)f, path);
            return 0;
        }
    }
    snprintf(err, errlen, "unknown format '%.*s' (formats: gradescope, prairielearn, classroom50, github, junit)",
             (int)len, name);
    return -1;
}

int gr_outputs_add(gr_outputs *o, const char *spec, char *err, size_t errlen)
{
    const char *eq = strchr(spec, '=');
    int rc;
    if (eq) {
        rc = eq[1] == '\0' ? (snprintf(err, errlen, "--format %s: the path after '=' is empty", spec), -1)
                           : add_one(o, spec, (size_t)(eq - spec), eq + 1, err, errlen);
    } else {
        rc = 0;
        for (const char *p = spec; rc == 0;) {
            size_t n = strcspn(p, ",");
            rc = add_one(o, p, n, NULL, err, errlen);
            if (p[n] == '\0') {
                break;
            }
            p += n + 1;
        }
    }
    /* Only a format actually taken counts: after a mistake, the default file still says what went wrong. */
    o->explicit_formats |= rc == 0;
    return rc;
}

int gr_outputs_prepare(gr_outputs *o, const char *out_dir, char **why)
{
    if (!o->explicit_formats) {
        o->wanted[GR_FMT_GRADESCOPE] = 1; /* what run_autograder and every older script expect */
    }
    for (int f = 0; f < GR_FMT_COUNT; f++) {
        if (!o->wanted[f] || o->path[f]) {
            continue;
        }
        if (gr_mkdir_p(out_dir, 0755) != 0) {
            *why = gr_fmt("cannot create --out %s: %s", out_dir, strerror(errno));
            return -1;
        }
        o->path[f] = gr_fmt("%s/%s", out_dir, formats[f].file);
    }
    char cwd[4096];
    for (int f = 0; f < GR_FMT_COUNT; f++) {
        /* Absolute now: nothing later may depend on the directory we started in. */
        if (o->wanted[f] && o->path[f][0] != '/' && getcwd(cwd, sizeof cwd) != NULL) {
            char *abs = gr_fmt("%s/%s", cwd, o->path[f]);
            free(o->path[f]);
            o->path[f] = abs;
        }
    }
    for (int f = 0; f < GR_FMT_COUNT; f++) {
        for (int g = 0; g < f; g++) {
            if (o->wanted[f] && o->wanted[g] && strcmp(o->path[f], o->path[g]) == 0) {
                /* One would overwrite the other: a platform would read the wrong schema. */
                *why = gr_fmt("the %s and %s outputs would both be %s: give one of them its own file (NAME=FILE)",
                              formats[g].name, formats[f].name, o->path[f]);
                o->wanted[f] = 0;
                return -1;
            }
        }
    }
    for (int f = 0; f < GR_FMT_COUNT; f++) {
        if (o->wanted[f] && gr_probe_writable(o->path[f]) != 0) {
            *why = gr_fmt("cannot write the %s output %s: %s", formats[f].name, o->path[f], strerror(errno));
            return -1;
        }
    }
    return 0;
}

int gr_outputs_write(const gr_run *r, const gr_outputs *o)
{
    int failed = 0;
    for (int f = 0; f < GR_FMT_COUNT; f++) {
        if (o->wanted[f] && o->path[f] && formats[f].write(r, o->path[f]) != 0) {
            fprintf(stderr, "paralab-grade: cannot write the %s output %s: %s\n", formats[f].name, o->path[f],
                    strerror(errno));
            failed++;
        }
    }
    return failed;
}

void gr_outputs_free(gr_outputs *o)
{
    for (int f = 0; f < GR_FMT_COUNT; f++) {
        free(o->path[f]);
        o->path[f] = NULL;
        o->wanted[f] = 0;
    }
}
