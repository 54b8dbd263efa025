/*
 * cgroup.c - per-job memory cgroups (see cgroup.h).
 *
 * A cgroup directory holds no regular files of ours, only the kernel's, so
 * "remove" is rmdir, and rmdir fails with EBUSY while a process is still
 * inside: killed processes take a few milliseconds to leave. Every loop
 * here that waits for that is bounded, because the grader must finish even
 * when the kernel is slow to tear a job down.
 */
#include "cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "machine.h"
#include "util.h"

/*
 * Kill passes over cgroup.procs, and the pause between them: a fork bomb
 * refills the cgroup while we kill, so we read it again until it is empty.
 * 50 x 5 ms, the same bound as gr_kill_tree.
 */
#define KILL_PASSES 50
#define KILL_PAUSE_NS (5 * 1000 * 1000)
/* Tries of rmdir on a job's cgroup while its killed processes leave: 50 x 10 ms. */
#define RMDIR_TRIES 50
#define RMDIR_PAUSE_NS (10 * 1000 * 1000)

static void pause_ns(long ns)
{
    struct timespec ts = {0, ns};
    nanosleep(&ts, NULL);
}

void gr_cgroup_kill(const char *cg)
{
    char *procs = gr_fmt("%s/cgroup.procs", cg);
    for (int pass = 0; pass < KILL_PASSES; pass++) {
        char *text = gr_read_file(procs, 1 << 20, NULL);
        int any = 0;
        for (char *save = NULL, *l = text ? strtok_r(text, "\n", &save) : NULL; l;
             l = strtok_r(NULL, "\n", &save)) {
            pid_t pid = (pid_t)atol(l);
            if (pid > 1 && pid != getpid()) {
                kill(pid, SIGKILL);
                any = 1;
            }
        }
        free(text);
        if (!any) {
            break;
        }
        pause_ns(KILL_PAUSE_NS);
    }
    free(procs);
}

int gr_cgroup_remove(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "job-", 4) == 0) {
            char *sub = gr_fmt("%s/%s", dir, e->d_name);
            gr_cgroup_kill(sub);
            rmdir(sub);
            free(sub);
        }
    }
    if (d) {
        closedir(d);
    }
    return rmdir(dir);
}

/* Cgroups of graders that died without cleaning up (killed by a CI timeout, say). */
static void remove_stale(const char *parent)
{
    DIR *d = opendir(parent);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        int pid;
        if (sscanf(e->d_name, "paralab-grade-%d", &pid) == 1 && kill(pid, 0) != 0 && errno == ESRCH) {
            char *dir = gr_fmt("%s/%s", parent, e->d_name);
            gr_cgroup_remove(dir);
            free(dir);
        }
    }
    if (d) {
        closedir(d);
    }
}

char *gr_cgroup_make_root(void)
{
    char *own = gr_machine_own_cgroup("memory");
    if (own == NULL) {
        return NULL;
    }
    remove_stale(own);
    char *cg = gr_fmt("%s/paralab-grade-%d", own, (int)getpid());
    free(own);
    if (mkdir(cg, 0755) != 0) {
        free(cg);
        return NULL;
    }
    return cg;
}

char *gr_cgroup_new_job(const char *root)
{
    /* Numbered for the whole run, so a job's name is never reused while an
     * earlier job's cgroup is still being torn down. */
    static unsigned seq;
    char *cg = gr_fmt("%s/job-%u", root, seq++);
    mkdir(root, 0755); /* again, if a sweep removed it */
    if (mkdir(cg, 0755) != 0) {
        free(cg);
        return NULL;
    }
    return cg;
}

long gr_cgroup_end_job(const char *cg)
{
    gr_cgroup_kill(cg);
    char *f = gr_fmt("%s/memory.max_usage_in_bytes", cg);
    char *v = gr_read_file(f, 64, NULL);
    long kb = v ? (long)(atoll(v) / 1024) : -1;
    free(v);
    free(f);
    /* Empty once everything in it is dead; killed processes take a few ms.
     * One that is still busy after that is removed by gr_sandbox_sweep. */
    for (int tries = 0; tries < RMDIR_TRIES && rmdir(cg) != 0 && errno == EBUSY; tries++) {
        pause_ns(RMDIR_PAUSE_NS);
    }
    return kb;
}
