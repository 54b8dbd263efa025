/*
 * proc_tree.c - reading process trees from /proc, and killing them (see
 * proc_tree.h).
 *
 * Everything here races with the processes it looks at: a process may end,
 * or fork, between two reads. So every reader tolerates a vanished file, and
 * killing is repeated until a scan finds nothing alive.
 */
#include "proc_tree.h"

#include <ctype.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/*
 * How many kill-and-rescan passes, and the pause between them. A fork bomb
 * refills its tree between our scan and our kill, so one pass is never
 * enough; each pass kills what the last one missed, and a killed process
 * forks no more. 50 passes 5 ms apart bound the effort at a quarter of a
 * second plus the scans; what outlives that is caught by the job's cgroup
 * (when there is one) and by the sweep after the run.
 */
#define KILL_PASSES 50
#define KILL_PAUSE_NS (5 * 1000 * 1000)

/* Parse /proc/PID/stat: "pid (comm) S ppid ..."; comm may hold spaces and ')'. */
static int read_stat(const char *path, gr_proc *p)
{
    char *s = gr_read_file(path, 4096, NULL);
    if (s == NULL) {
        return -1;
    }
    char *open = strchr(s, '(');
    char *close = strrchr(s, ')');
    int rc = -1;
    if (open && close && close > open && close[1] == ' ') {
        size_t n = (size_t)(close - open - 1);
        if (n >= sizeof p->comm) {
            n = sizeof p->comm - 1;
        }
        memcpy(p->comm, open + 1, n);
        p->comm[n] = '\0';
        int ppid;
        if (sscanf(close + 2, "%c %d", &p->state, &ppid) == 2) {
            p->ppid = (pid_t)ppid;
            rc = 0;
        }
    }
    free(s);
    return rc;
}

/*
 * A snapshot that is never quite one: processes come and go while we read.
 * A process gone before its stat is read is simply not listed; the uid is
 * the owner of /proc/PID, which is the process's effective uid.
 */
size_t gr_proc_scan(gr_proc **out)
{
    size_t n = 0, cap = 256;
    gr_proc *v = gr_xmalloc(cap * sizeof *v);
    DIR *d = opendir("/proc");
    if (d == NULL) {
        *out = v;
        return 0;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)e->d_name[0])) {
            continue;
        }
        char path[64];
        snprintf(path, sizeof path, "/proc/%.20s/stat", e->d_name);
        gr_proc p = {0};
        p.pid = (pid_t)atol(e->d_name);
        if (read_stat(path, &p) != 0) {
            continue;
        }
        struct stat st;
        snprintf(path, sizeof path, "/proc/%.20s", e->d_name);
        p.uid = stat(path, &st) == 0 ? st.st_uid : (uid_t)-1;
        if (n == cap) {
            cap *= 2;
            v = gr_xrealloc(v, cap * sizeof *v);
        }
        v[n++] = p;
    }
    closedir(d);
    *out = v;
    return n;
}

/* Indices of root's descendants (not root itself), breadth first. */
size_t gr_proc_descendants(const gr_proc *all, size_t n, pid_t root, size_t *idx)
{
    size_t found = 0;
    pid_t *queue = gr_xmalloc((n + 1) * sizeof *queue);
    size_t qh = 0, qt = 0;
    queue[qt++] = root;
    while (qh < qt) {
        pid_t parent = queue[qh++];
        for (size_t i = 0; i < n; i++) {
            /* found < n: the scan is not one instant, and a pid reused
             * between two reads could make a cycle; never more than n. */
            if (all[i].ppid == parent && all[i].pid != root && found < n) {
                idx[found++] = i;
                queue[qt++] = all[i].pid;
            }
        }
    }
    free(queue);
    return found;
}

/*
 * SIGKILL root's process group and every descendant, repeatedly: a fork
 * bomb makes new children between our scan and our kill, so one pass is
 * not enough. Stops when a scan finds nothing alive below root.
 */
void gr_kill_tree(pid_t root, pid_t pgid)
{
    for (int pass = 0; pass < KILL_PASSES; pass++) {
        if (pgid > 0) {
            kill(-pgid, SIGKILL);
        }
        /*
         * The group first (one system call for the common case), then whatever
         * left it: setsid() or setpgid() take a process out of the group, never
         * out of the tree of parents (we are the subreaper).
         */
        gr_proc *all;
        size_t n = gr_proc_scan(&all);
        size_t *idx = gr_xmalloc((n + 1) * sizeof *idx);
        size_t k = gr_proc_descendants(all, n, root, idx);
        size_t alive = 0;
        for (size_t i = 0; i < k; i++) {
            if (all[idx[i]].state != 'Z') {
                kill(all[idx[i]].pid, SIGKILL);
                alive++;
            }
        }
        free(idx);
        free(all);
        if (alive == 0) {
            break;
        }
        struct timespec ts = {0, KILL_PAUSE_NS};
        nanosleep(&ts, NULL);
    }
}

/* "rank 1" from an Open MPI process's environment, when we may read it. */
static int mpi_rank_of(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/environ", (int)pid);
    size_t len;
    char *env = gr_read_file(path, 1 << 20, &len);
    int rank = -1;
    if (env) {
        for (size_t off = 0; off < len; off += strlen(env + off) + 1) {
            if (strncmp(env + off, "OMPI_COMM_WORLD_RANK=", 21) == 0) {
                rank = atoi(env + off + 21);
                break;
            }
        }
        free(env);
    }
    return rank;
}

/* proc(5)'s state letters in words a student reads in a timeout report. */
static const char *state_word(char s)
{
    switch (s) {
    case 'R': return "running";
    case 'S': return "sleeping";
    case 'D': return "in uninterruptible wait";
    case 'T': return "stopped";
    case 't': return "traced";
    case 'Z': return "zombie";
    default: return "in state ?";
    }
}

/* One process: its threads grouped by what they wait in (wchan). */
static void describe_proc(gr_buf *b, const gr_proc *p)
{
    gr_buf_addf(b, "  pid %d %s", (int)p->pid, p->comm);
    int rank = mpi_rank_of(p->pid);
    if (rank >= 0) {
        gr_buf_addf(b, " (MPI rank %d)", rank);
    }
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/task", (int)p->pid);
    DIR *d = opendir(path);
    if (d == NULL) {
        gr_buf_addf(b, ": %s\n", state_word(p->state));
        return;
    }
    /* Threads grouped by what they wait in: "8 threads: 7 sleeping in
     * futex_wait_queue, 1 running" says "a barrier nobody reaches" where a
     * list of 8 lines would hide it. At most 16 groups: the rest are rare. */
    struct { char what[96]; int count; } groups[16];
    int ng = 0, threads = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)e->d_name[0])) {
            continue;
        }
        threads++;
        gr_proc t = {0};
        char tp[128];
        snprintf(tp, sizeof tp, "/proc/%d/task/%.20s/stat", (int)p->pid, e->d_name);
        if (read_stat(tp, &t) != 0) {
            continue;
        }
        snprintf(tp, sizeof tp, "/proc/%d/task/%.20s/wchan", (int)p->pid, e->d_name);
        char *wchan = gr_read_file(tp, 80, NULL);
        char what[96];
        if (t.state == 'S' || t.state == 'D') {
            snprintf(what, sizeof what, "%s in %s", state_word(t.state),
                     wchan && wchan[0] && strcmp(wchan, "0") != 0 ? wchan : "?");
        } else {
            snprintf(what, sizeof what, "%s", state_word(t.state));
        }
        free(wchan);
        int g;
        for (g = 0; g < ng && strcmp(groups[g].what, what) != 0; g++) {
        }
        if (g == ng && ng < 16) {
            snprintf(groups[ng].what, sizeof groups[ng].what, "%s", what);
            groups[ng++].count = 0;
        }
        if (g < ng) {
            groups[g].count++;
        }
    }
    closedir(d);
    gr_buf_addf(b, ": %d thread%s:", threads, threads == 1 ? "" : "s");
    for (int g = 0; g < ng; g++) {
        gr_buf_addf(b, "%s %d %s", g ? "," : "", groups[g].count, groups[g].what);
    }
    gr_buf_add(b, "\n");
}

/*
 * Plumbing between the grader and the test: listed after the test's own
 * processes, because the report quotes the first line, and "mpiexec
 * sleeping in poll" tells a student nothing about their deadlock.
 */
static int is_launcher(const char *comm)
{
    static const char *const names[] = {"mpiexec", "mpirun", "orterun", "orted", "prterun", "prted",
                                        "paralab-verdict", "sh", NULL};
    for (size_t i = 0; names[i]; i++) {
        if (strcmp(comm, names[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

/*
 * What was the job doing when it ran out of time? The sandbox plumbing
 * (bwrap, the verdict shim) is left out; mpiexec and the test processes
 * (with their MPI rank, and fork()ed children) are listed.
 */
char *gr_describe_tree(pid_t root, int *count)
{
    gr_proc *all;
    size_t n = gr_proc_scan(&all);
    size_t *idx = gr_xmalloc((n + 1) * sizeof *idx);
    size_t k = gr_proc_descendants(all, n, root, idx);
    gr_buf b = {0};
    size_t shown = 0;
    /* The test's own processes first (the report quotes the first line), then
     * the launchers around them; bwrap is plumbing and left out. */
    for (int launchers = 0; launchers < 2; launchers++) {
        for (size_t i = 0; i < k && shown < 12; i++) {
            const gr_proc *p = &all[idx[i]];
            if (strcmp(p->comm, "bwrap") == 0 || is_launcher(p->comm) != launchers) {
                continue;
            }
            describe_proc(&b, p);
            shown++;
        }
    }
    if (k > shown + 1) {
        gr_buf_addf(&b, "  (%zu processes in all)\n", k);
    }
    *count = (int)k;
    free(idx);
    free(all);
    return b.s ? b.s : gr_xstrdup("  (no process left to inspect)\n");
}

long gr_count_tasks_of(uid_t uid)
{
    gr_proc *all;
    size_t n = gr_proc_scan(&all);
    long tasks = 0;
    for (size_t i = 0; i < n; i++) {
        if (all[i].uid != uid) {
            continue;
        }
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/task", (int)all[i].pid);
        DIR *d = opendir(path);
        if (d == NULL) {
            continue;
        }
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            tasks += isdigit((unsigned char)e->d_name[0]) ? 1 : 0;
        }
        closedir(d);
    }
    free(all);
    return tasks;
}

/* Our live descendants: with the child subreaper set, every process a job
 * left behind (even one that called setsid() or double-forked) is one. */
size_t gr_count_descendants(void)
{
    gr_proc *all;
    size_t n = gr_proc_scan(&all);
    size_t *idx = gr_xmalloc((n + 1) * sizeof *idx);
    size_t k = gr_proc_descendants(all, n, getpid(), idx);
    size_t alive = 0;
    for (size_t i = 0; i < k; i++) {
        alive += all[idx[i]].state != 'Z';
    }
    free(idx);
    free(all);
    return alive;
}

