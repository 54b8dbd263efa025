/*
 * sanitize.h - setting up `--sanitize thread` so that it judges the
 * submission, not the compiler's OpenMP runtime (see sanitize.c).
 */
#ifndef GR_SANITIZE_H
#define GR_SANITIZE_H

#include "grade.h"

/*
 * Choose clang and Archer for this run (r->cc, OMP_TOOL_LIBRARIES) and
 * find the suppressions (r->tsan_supp). NULL, or why it cannot be done
 * here (a new string).
 */
char *gr_setup_tsan(gr_run *r);

#endif
