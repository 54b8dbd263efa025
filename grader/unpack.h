/*
 * unpack.h - read a submitted .zip or .tar(.gz) entry by entry with
 * libarchive and keep only the lab files, checked one by one.
 *
 * A submission is graded on its lab files (NN-lab/{openmp,fork,mpi}.c), so
 * nothing else of an archive is ever written: not its links, directories of
 * other names, devices, build outputs or editor junk. What is skipped is
 * reported (one note for all of it), never a reason to refuse the archive.
 * A lab file that cannot be taken (a link, too big, a path that climbs out
 * of the archive) is reported by name: the grader then grades that file as
 * its skeleton and says why.
 *
 * This code parses hostile input with libarchive's decompressors and format
 * readers. It runs in its own program, paralab-unpack (unpack_main.c), which
 * the grader starts as a sandboxed job: the unprivileged runner user, no
 * network, limits on time, memory and file size (grader/README.md, "Archives").
 */
#ifndef GR_UNPACK_H
#define GR_UNPACK_H

#include <stddef.h>
#include <stdio.h>

typedef struct gr_unpack_opts {
    int zip;                  /* 1: a .zip; 0: a .tar, .tar.gz or .tgz */
    char *const *labs;        /* lab directory names ("01-map") */
    size_t n_labs;
    char *const *files;       /* lab file names ("fork.c") */
    size_t n_files;
    long max_file_bytes;      /* a lab file larger than this is not taken */
    long max_entries;         /* entries read at most; the rest are ignored, with a note */
    int max_depth;            /* directories allowed above a lab directory ("labs/", "me/labs/") */
} gr_unpack_opts;

/*
 * Write every acceptable lab file of archive under dir, at its path in the
 * archive ("labs/01-map/fork.c" -> DIR/labs/01-map/fork.c), and report, one
 * line each (single-line, printable text):
 *   file LAB/FILE WHY   a lab file that was not written, and why
 *   note TEXT           what else was skipped (one line for all of it)
 *   error TEXT          the archive cannot be read at all
 * Returns 0, or -1 after an "error" line.
 */
int gr_unpack_labs(const char *archive, const char *dir, const gr_unpack_opts *o, FILE *report);

#endif
