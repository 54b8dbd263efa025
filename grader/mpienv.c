/*
 * mpienv.c - Open MPI's settings from scripts/mpi-env (mpienv.h).
 *
 * Why ask a script: Open MPI silently ignores a setting whose name it does
 * not know, and version 5 renamed the ones paralab needs. One list, kept
 * where CMake and the Slurm scripts read it too, cannot drift from ours.
 */
#include "mpienv.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define MAX_SETTINGS 16

static char *settings[MAX_SETTINGS + 1];
static const char *const *chosen;

/* Open MPI 4's names: what the grader used before it asked the script. */
static const char *const fallback[] = {
    "OMPI_ALLOW_RUN_AS_ROOT=1",
    "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1",
    "OMPI_MCA_btl_vader_single_copy_mechanism=none",
    "OMPI_MCA_pml=ob1",
    "OMPI_MCA_rmaps_base_oversubscribe=1",
    NULL,
};

/*
 * "NAME=VALUE" with NAME an environment variable's name: a letter or '_',
 * then letters, digits and '_'. Lower case too: Open MPI's names are
 * OMPI_MCA_btl_vader_single_copy_mechanism and the like - a test for upper
 * case only once dropped every setting but OMPI_ALLOW_RUN_AS_ROOT*, and
 * the grader ran MPI with single-copy (CMA) and Open MPI's default binding,
 * unlike CTest. The script's notes on stderr ("mpi-env: ...") are not settings.
 */
int gr_mpi_env_is_setting(const char *line)
{
    const char *p = line;
    if (!isalpha((unsigned char)*p) && *p != '_') {
        return 0;
    }
    while (*p && (isalnum((unsigned char)*p) || *p == '_')) {
        p++;
    }
    return *p == '=';
}

static int load(gr_run *r)
{
    char *script = gr_fmt("%s/scripts/mpi-env", r->source_dir ? r->source_dir : ".");
    char *log = gr_fmt("%s/mpi-env.txt", r->work ? r->work : "/tmp");
    unlink(log);
    char *argv[] = {"bash", script, "--print", "--mpiexec", r->mpiexec ? r->mpiexec : "mpiexec", NULL};
    int st = gr_is_file(script) ? gr_exec(argv, NULL, log, 60) : -1;
    char *text = st == 0 ? gr_read_file(log, 1 << 16, NULL) : NULL;
    unlink(log);
    free(log);
    free(script);
    size_t n = 0;
    for (char *save = NULL, *line = text ? strtok_r(text, "\n", &save) : NULL; line && n < MAX_SETTINGS;
         line = strtok_r(NULL, "\n", &save)) {
        if (gr_mpi_env_is_setting(line)) {
            settings[n++] = gr_xstrdup(line);
        }
    }
    free(text);
    settings[n] = NULL;
    return st == 0 ? 0 : -1;
}

const char *const *gr_mpi_env(gr_run *r)
{
    if (chosen == NULL) {
        if (load(r) == 0) {
            /* Possibly empty: an MPI that is not Open MPI wants none of them. */
            chosen = (const char *const *)settings;
        } else {
            gr_buf_addf(&r->notes, "note: scripts/mpi-env did not run: MPI tests use Open MPI 4's settings\n");
            chosen = fallback;
        }
    }
    return chosen;
}
