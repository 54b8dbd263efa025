/*
 * sanitize.c - what `--sanitize thread` needs around the builds and the test
 * runs (sanitize.h): clang, LLVM's OpenMP runtime with its Archer tool, and
 * the suppressions file of CI's tsan job.
 */
#include "sanitize.h"

#include <glob.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The newest LLVM's Archer (/usr/lib/llvm-N/lib/libarcher.so), or NULL. */
static char *find_archer(void)
{
    glob_t g;
    char *best = NULL;
    int best_version = -1;
    if (glob("/usr/lib/llvm-*/lib/libarcher.so", 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) {
            int version = atoi(g.gl_pathv[i] + strlen("/usr/lib/llvm-"));
            if (version > best_version) {
                best_version = version;
                free(best);
                best = gr_xstrdup(g.gl_pathv[i]);
            }
        }
        globfree(&g);
    }
    return best;
}

/*
 * --sanitize thread: GCC's libgomp is invisible to ThreadSanitizer, so every
 * hand-off between OpenMP threads looks like a race, even in the reference
 * solutions. clang with LLVM's libomp and its Archer tool tells TSan about
 * OpenMP's barriers, locks and tasks, and the suppressions file drops what
 * TSan says about the runtimes' own internals: the set-up of CI's tsan job
 * (.ci/run). NULL, or why it cannot be done here.
 */
char *gr_setup_tsan(gr_run *r)
{
    r->cc = gr_which("clang");
    char *archer = find_archer();
    char *supp = gr_fmt("%s/tests/openmp-experiments/tsan-libomp.supp", r->source_dir);
    char *why = NULL;
    if (archer != NULL) {
        /* For every test process, and for our own listing of the reference binaries. */
        setenv("OMP_TOOL_LIBRARIES", archer, 1);
        free(archer);
    } else if (r->cc != NULL) {
        free(r->cc);
        r->cc = NULL;
    }
    if (r->cc == NULL) {
        why = gr_fmt("--sanitize thread needs clang and LLVM's OpenMP runtime with Archer (libarcher.so), "
                     "or GCC's OpenMP would be reported as racy: scripts/install-deps --extras installs them");
    } else if (!gr_is_file(supp)) {
        why = gr_fmt("--sanitize thread: %s is missing", supp);
    } else {
        r->tsan_supp = supp;
        supp = NULL;
    }
    free(supp);
    return why;
}
