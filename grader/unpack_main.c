/*
 * unpack_main.c - paralab-unpack ARCHIVE zip|tar DIR --labs L1,L2 --files F1,F2
 *
 * Writes the lab files of ARCHIVE under DIR and reports on stdout (unpack.h):
 * "file LAB/FILE WHY", "note TEXT", "error TEXT". Exit status 0, 1 when the
 * archive cannot be read, 2 on a usage error.
 *
 * A program of its own so that the grader can run the archive parsers (the
 * part of grading that reads hostile bytes with the most code) as a
 * sandboxed job: unprivileged, without network, under time, memory and
 * file-size limits. It never runs the submission's code.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unpack.h"
#include "util.h"

/* "a,b,c" -> a vector of its parts. */
static char **split_commas(const char *list, size_t *n)
{
    char **v = NULL;
    *n = 0;
    char *copy = gr_xstrdup(list);
    for (char *save = NULL, *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
        v = gr_xrealloc(v, (*n + 1) * sizeof *v);
        v[(*n)++] = gr_xstrdup(p);
    }
    free(copy);
    return v;
}

int main(int argc, char **argv)
{
    if (argc != 8 || (strcmp(argv[2], "zip") != 0 && strcmp(argv[2], "tar") != 0) ||
        strcmp(argv[4], "--labs") != 0 || strcmp(argv[6], "--files") != 0) {
        fprintf(stderr, "usage: paralab-unpack ARCHIVE zip|tar DIR --labs L1,L2 --files F1,F2\n");
        return 2;
    }
    /* Entry names in UTF-8 (zip and pax say so) are converted through the locale. */
    setlocale(LC_CTYPE, "C.UTF-8");
    gr_unpack_opts o = {.zip = strcmp(argv[2], "zip") == 0, .max_file_bytes = 1 << 20, .max_entries = 10000,
                        .max_depth = 3};
    o.labs = split_commas(argv[5], &o.n_labs);
    o.files = split_commas(argv[7], &o.n_files);
    int rc = gr_unpack_labs(argv[1], argv[3], &o, stdout);
    return fflush(stdout) == 0 && rc == 0 ? 0 : 1;
}
