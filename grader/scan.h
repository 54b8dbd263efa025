/*
 * scan.h - a static scan of the submitted lab files for constructs a lab
 * has no reason to use (/proc, the environment, constructors, dlsym,
 * ptrace, raw syscalls, inline asm, the verdict channel, ...).
 *
 * Defence in depth, not a verdict: the tests decide the score, and a
 * determined author can hide any of these from a text scan (macros, string
 * pasting). A flag is shown "for a human to review" in the report and in
 * results.json, and never changes a point. False positives are acceptable;
 * comments are skipped, and identifiers are matched only in code (not in
 * string literals), while paths and names (/proc/, PARALAB_VERDICT) are
 * matched in string literals too, where they would be.
 */
#ifndef GR_SCAN_H
#define GR_SCAN_H

#include <stddef.h>

#include "grade.h"

/* At most this many flags per file: a file full of them needs a human anyway. */
#define GR_SCAN_MAX_PER_FILE 20

/*
 * Flags of one file's text, appended to *flags / *n (a growing array the
 * caller frees with gr_flags_free). shown names the file in the flags
 * ("01-map/openmp.c"). Returns how many were added.
 */
size_t gr_scan_text(const char *shown, const char *text, gr_flag **flags, size_t *n);

/* The same for a file on disk (read up to 1 MiB: a lab file is refused above that anyway). -1 unreadable. */
int gr_scan_file(const char *path, const char *shown, gr_flag **flags, size_t *n);

void gr_flags_free(gr_flag *flags, size_t n);

#endif
