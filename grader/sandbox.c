/*
 * sandbox.c - contain and watch untrusted process trees (see sandbox.h).
 *
 * Linux-specific on purpose (prctl, setgroups, /proc, bubblewrap): the
 * grader is the one part of paralab that needs the kernel's help to stay in
 * charge of code it does not trust.
 */
#include "sandbox.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "machine.h"
#include "util.h"

/* ---------------------------------------------------------------- /proc */

typedef struct pinfo {
    pid_t pid;
    pid_t ppid;
    uid_t uid;
    char state;
    char comm[64];
} pinfo;

/* Parse /proc/PID/stat: "pid (comm) S ppid ..."; comm may hold spaces and ')'. */
static int read_stat(const char *path, pinfo *p)
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

static size_t scan_procs(pinfo **out)
{
    size_t n = 0, cap = 256;
    pinfo *v = gr_xmalloc(cap * sizeof *v);
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
        pinfo p = {0};
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
static size_t descendants(const pinfo *all, size_t n, pid_t root, size_t *idx)
{
    size_t found = 0;
    pid_t *queue = gr_xmalloc((n + 1) * sizeof *queue);
    size_t qh = 0, qt = 0;
    queue[qt++] = root;
    while (qh < qt) {
        pid_t parent = queue[qh++];
        for (size_t i = 0; i < n; i++) {
            if (all[i].ppid == parent && all[i].pid != root) {
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
static void kill_tree(pid_t root, pid_t pgid)
{
    for (int pass = 0; pass < 50; pass++) {
        if (pgid > 0) {
            kill(-pgid, SIGKILL);
        }
        pinfo *all;
        size_t n = scan_procs(&all);
        size_t *idx = gr_xmalloc((n + 1) * sizeof *idx);
        size_t k = descendants(all, n, root, idx);
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
        struct timespec ts = {0, 5 * 1000 * 1000};
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
static void describe_proc(gr_buf *b, const pinfo *p)
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
    struct { char what[96]; int count; } groups[16];
    int ng = 0, threads = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)e->d_name[0])) {
            continue;
        }
        threads++;
        pinfo t = {0};
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
static char *describe_tree(pid_t root, int *count)
{
    pinfo *all;
    size_t n = scan_procs(&all);
    size_t *idx = gr_xmalloc((n + 1) * sizeof *idx);
    size_t k = descendants(all, n, root, idx);
    gr_buf b = {0};
    size_t shown = 0;
    /* The test's own processes first (the report quotes the first line), then
     * the launchers around them; bwrap is plumbing and left out. */
    for (int launchers = 0; launchers < 2; launchers++) {
        for (size_t i = 0; i < k && shown < 12; i++) {
            const pinfo *p = &all[idx[i]];
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

/* ---------------------------------------------------------------- setup */

static long count_tasks_of(uid_t uid)
{
    pinfo *all;
    size_t n = scan_procs(&all);
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

static void note(gr_sandbox *sb, const char *msg)
{
    size_t len = strlen(sb->notes);
    snprintf(sb->notes + len, sizeof sb->notes - len, "%s\n", msg);
}

/*
 * A runner user no other grader on this machine is using right now:
 * RLIMIT_NPROC is a budget per user, so two graders sharing one user would
 * share it (a fork bomb graded next door would starve our tests). The
 * first free one of NAME, NAME-1, ... NAME-7, held by a lock for our whole
 * run: the lock goes when our process does (close-on-exec, and never
 * handed to a job).
 */
static char *claim_runner(gr_sandbox *sb, const char *base)
{
    const char *dir = gr_is_dir("/run/lock") ? "/run/lock" : "/tmp";
    for (int i = 0; i < 8; i++) {
        char *name = i == 0 ? gr_xstrdup(base) : gr_fmt("%s-%d", base, i);
        char *lock = gr_fmt("%s/%s.lock", dir, name);
        int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        free(lock);
        if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0) {
            sb->lock_fd = fd;
            return name;
        }
        if (fd >= 0) {
            close(fd);
        }
        free(name);
    }
    note(sb, "every runner user is busy with another grader: sharing one (their process budgets add up)");
    return gr_xstrdup(base);
}

/* As root: the runner user (created when missing), or nobody; never root itself. */
static void choose_user(gr_sandbox *sb, const char *want_user)
{
    char *name = claim_runner(sb, want_user);
    struct passwd *pw = getpwnam(name);
    if (pw == NULL) {
        char *argv[] = {"useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent",
                        "--shell", "/usr/sbin/nologin", name, NULL};
        /* useradd refuses while another one holds /etc/passwd's lock: retry. */
        for (int tries = 0; tries < 5 && pw == NULL; tries++) {
            gr_exec(argv, NULL, "/dev/null", 30);
            pw = getpwnam(name);
            if (pw == NULL) {
                struct timespec ts = {0, 300 * 1000 * 1000};
                nanosleep(&ts, NULL);
            }
        }
        if (pw == NULL) {
            note(sb, "could not create the runner user with useradd");
        }
    }
    free(name);
    if (pw == NULL) {
        pw = getpwnam("nobody");
        if (pw) {
            note(sb, "runner user missing: using 'nobody' instead");
        }
    }
    if (pw && pw->pw_uid != 0) {
        sb->drop = 1;
        sb->uid = pw->pw_uid;
        sb->gid = pw->pw_gid;
        sb->user = gr_xstrdup(pw->pw_name);
    } else {
        note(sb, "NO unprivileged user available: submissions run as root (unsafe)");
    }
}

/*
 * Does bubblewrap work here? Probe with the same sandbox a test gets,
 * running /bin/true: Docker's default seccomp profile, for one, forbids the
 * user namespaces bwrap needs, and then we say so instead of failing every test.
 */
static void probe_bwrap(gr_sandbox *sb, int no_bwrap)
{
    char *bw = no_bwrap ? NULL : gr_which("bwrap");
    if (no_bwrap) {
        note(sb, "bubblewrap disabled (--no-bwrap)");
        return;
    }
    if (bw == NULL) {
        note(sb, "bubblewrap not installed (apt-get install bubblewrap): no network or "
                 "file-system isolation beyond the user and limits");
        return;
    }
    sb->bwrap = bw;
    sb->use_bwrap = 1;
    char tmpl[] = "/tmp/paralab-bwrap-probe-XXXXXX";
    char *dir = mkdtemp(tmpl);
    if (dir && sb->drop && chown(dir, sb->uid, sb->gid) != 0) {
        rmdir(dir);
        dir = NULL;
    }
    char *argv[] = {"/bin/true", NULL};
    char *env[] = {"PATH=/usr/bin:/bin", NULL};
    gr_job probe = {.argv = argv, .env = env, .dir = dir};
    probe.lim = (gr_limits){.wall_s = 20, .procs = 64, .memory_mb = 0, .cpu_s = 10,
                            .file_mb = 1, .open_files = 64, .output_max = 1 << 20};
    gr_job *one = &probe;
    if (dir) {
        gr_run_jobs(sb, &one, 1, 1, NULL, NULL, NULL);
    }
    if (!dir || !probe.exited || !WIFEXITED(probe.status) || WEXITSTATUS(probe.status) != 0) {
        char *text = gr_capture_text(&probe.out);
        char *nl = strchr(text, '\n');
        if (nl) {
            *nl = '\0';
        }
        char *msg = gr_fmt("bubblewrap is installed but does not work here (%s): no network "
                           "or file-system isolation", text[0] ? text : "probe failed");
        note(sb, msg);
        free(msg);
        free(text);
        sb->use_bwrap = 0;
        free(sb->bwrap);
        sb->bwrap = NULL;
    }
    if (dir) {
        rmdir(dir);
    }
    free(probe.stuck);
}

static void kill_cgroup(const char *cg);

/* rmdir a grader's cgroup and its job-N children (cgroup directories hold no files). */
static int remove_cgroup(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "job-", 4) == 0) {
            char *sub = gr_fmt("%s/%s", dir, e->d_name);
            kill_cgroup(sub);
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
static void remove_stale_cgroups(const char *parent)
{
    DIR *d = opendir(parent);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        int pid;
        if (sscanf(e->d_name, "paralab-grade-%d", &pid) == 1 && kill(pid, 0) != 0 && errno == ESRCH) {
            char *dir = gr_fmt("%s/%s", parent, e->d_name);
            remove_cgroup(dir);
            free(dir);
        }
    }
    if (d) {
        closedir(d);
    }
}

void gr_sandbox_init(gr_sandbox *sb, const char *want_user, int no_bwrap, int sanitize)
{
    memset(sb, 0, sizeof *sb);
    sb->lock_fd = -1;
    sb->sanitize = sanitize;
    sb->as_root = geteuid() == 0;
    sb->started = time(NULL);
    sb->uid = getuid();
    sb->gid = getgid();
    /* Orphans of a job (a child that outlived its test) come back to us, not to
     * init, so we can find and kill them. */
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    if (sb->as_root) {
        choose_user(sb, want_user);
    }
    if (!sb->drop) {
        struct passwd *pw = getpwuid(getuid());
        sb->user = gr_xstrdup(pw ? pw->pw_name : "?");
        sb->nproc_base = count_tasks_of(getuid());
    }
    /* A memory cgroup per job measures its peak across all its processes
     * (wait4's ru_maxrss cannot see through bwrap's PID namespace) and lists
     * every process to kill at its end. */
    /* Inside our OWN memory cgroup, not at the top of the hierarchy: a limit
     * someone put on the grader (a container's 768 MB) must hold its jobs too. */
    char *own = sb->as_root ? gr_machine_own_cgroup("memory") : NULL;
    if (own) {
        remove_stale_cgroups(own);
        char *cg = gr_fmt("%s/paralab-grade-%d", own, (int)getpid());
        if (mkdir(cg, 0755) == 0) {
            sb->cg_root = cg;
        } else {
            free(cg);
        }
        free(own);
    }
    probe_bwrap(sb, no_bwrap);
}

/* May the runner user pass through this directory (search permission)? */
static int runner_may_enter(const gr_sandbox *sb, const struct stat *st)
{
    if (st->st_uid == sb->uid) {
        return (st->st_mode & S_IXUSR) != 0;
    }
    if (st->st_gid == sb->gid) {
        return (st->st_mode & S_IXGRP) != 0;
    }
    return (st->st_mode & S_IXOTH) != 0;
}

int gr_sandbox_reaches(const gr_sandbox *sb, const char *dir)
{
    if (!sb->drop) {
        return 1;
    }
    char *path = gr_xstrdup(dir);
    int ok = 1;
    /* Check "/a", "/a/b", ... up to dir itself, cutting the copy at each '/'. */
    for (char *cut = path + 1; ok; cut++) {
        int last = *cut == '\0';
        if (!last && *cut != '/') {
            continue;
        }
        char saved = *cut;
        *cut = '\0';
        struct stat st;
        ok = stat(path, &st) == 0 && runner_may_enter(sb, &st);
        *cut = saved;
        if (last) {
            break;
        }
    }
    free(path);
    return ok;
}

void gr_sandbox_hide(gr_sandbox *sb, const char *dir)
{
    /* Out of the runner's reach already; and bubblewrap, running as the
     * runner, could not even find the path to mount over it. */
    if (!gr_sandbox_reaches(sb, dir)) {
        return;
    }
    for (size_t i = 0; i < GR_MAX_BINDS; i++) {
        if (sb->hide[i] == NULL) {
            sb->hide[i] = gr_xstrdup(dir);
            return;
        }
    }
}

void gr_sandbox_show(gr_sandbox *sb, const char *dir)
{
    for (size_t i = 0; i < GR_MAX_BINDS; i++) {
        if (sb->show[i] == NULL) {
            sb->show[i] = gr_xstrdup(dir);
            return;
        }
    }
}

void gr_sandbox_describe(const gr_sandbox *sb, char *out, size_t len)
{
    snprintf(out, len,
             "user: %s%s\n"
             "bubblewrap: %s\n"
             "limits: wall clock, processes/threads (RLIMIT_NPROC%s), address space%s, CPU, "
             "file size, open files, output size, no core files\n"
             "cleanup: process group + descendants via /proc (child subreaper)%s\n"
             "%s",
             sb->user ? sb->user : "?",
             sb->drop ? " (unprivileged runner; the grader runs as root)"
                      : (sb->as_root ? " (ROOT: not isolated)" : " (the grader's own user)"),
             sb->use_bwrap ? "yes: read-only file system, private /tmp and PID namespace, "
                             "loopback-only network"
                           : "no",
             sb->drop || !sb->as_root ? "" : ", ignored for root",
             sb->sanitize ? " (off: sanitizer build)" : "",
             sb->cg_root ? " + a memory cgroup per job (peak memory, and every process in it)" : "",
             sb->notes);
}

/* ---------------------------------------------------------------- child */

static void set_limit(int res, rlim_t soft, rlim_t hard)
{
    struct rlimit rl = {soft, hard};
    setrlimit(res, &rl);
}

static void child_fail(const char *what)
{
    char msg[256];
    int n = snprintf(msg, sizeof msg, "paralab-grade sandbox: %s: %s\n", what, strerror(errno));
    ssize_t w = write(2, msg, (size_t)n);
    (void)w;
    _exit(126);
}

static char **sandbox_argv(const gr_sandbox *sb, const gr_job *job)
{
    size_t n = 0;
    for (; job->argv[n]; n++) {
    }
    char **v = gr_xmalloc((n + 64) * sizeof *v);
    size_t k = 0;
    if (sb->use_bwrap) {
        v[k++] = sb->bwrap;
        v[k++] = "--ro-bind";
        v[k++] = "/";
        v[k++] = "/";
        v[k++] = "--dev";
        v[k++] = "/dev";
        v[k++] = "--proc";
        v[k++] = "/proc";
        v[k++] = "--tmpfs";
        v[k++] = "/tmp";
        v[k++] = "--tmpfs";
        v[k++] = "/dev/shm";
        for (size_t i = 0; i < GR_MAX_BINDS && sb->hide[i]; i++) {
            v[k++] = "--tmpfs";
            v[k++] = sb->hide[i];
        }
        for (size_t i = 0; i < GR_MAX_BINDS && sb->show[i]; i++) {
            v[k++] = "--ro-bind";
            v[k++] = sb->show[i];
            v[k++] = sb->show[i];
        }
        if (job->dir) {
            v[k++] = "--bind";
            v[k++] = job->dir;
            v[k++] = job->dir;
        }
        for (size_t i = 0; i < GR_MAX_BINDS && job->binds[i]; i++) {
            v[k++] = "--bind";
            v[k++] = job->binds[i];
            v[k++] = job->binds[i];
        }
        v[k++] = "--unshare-all";
        v[k++] = "--die-with-parent";
        v[k++] = "--new-session";
        if (job->dir) {
            v[k++] = "--chdir";
            v[k++] = job->dir;
        }
        v[k++] = "--";
    }
    for (size_t i = 0; i < n; i++) {
        v[k++] = job->argv[i];
    }
    v[k] = NULL;
    return v;
}

static void child_exec(gr_sandbox *sb, gr_job *job, int out_w)
{
    /* Allocate before the limits: under a sanitizer the grader's own address
     * space is already far beyond any RLIMIT_AS a job gets. */
    char **argv = sandbox_argv(sb, job);
    setsid();
    int devnull = open("/dev/null", O_RDWR);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_w, 1) < 0 || dup2(out_w, 2) < 0) {
        child_fail("stdio");
    }
    if (job->verdict_path) {
        int vfd = open(job->verdict_path, O_WRONLY | O_APPEND);
        if (vfd < 0 || dup2(vfd, 3) < 0) {
            child_fail("verdict file");
        }
        if (vfd != 3) {
            close(vfd);
        }
    } else if (dup2(devnull, 3) < 0) {
        child_fail("fd 3");
    }
    /* Nothing of ours (result files, other jobs' pipes) leaks into the job. */
    long maxfd = sysconf(_SC_OPEN_MAX);
    if (maxfd < 0 || maxfd > 65536) {
        maxfd = 65536;
    }
    for (long fd = 4; fd < maxfd; fd++) {
        close((int)fd);
    }
    if (job->cg) {
        char *procs_file = gr_fmt("%s/cgroup.procs", job->cg);
        int cfd = open(procs_file, O_WRONLY);
        if (cfd >= 0) {
            char pid[32];
            int len = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
            ssize_t w = write(cfd, pid, (size_t)len);
            (void)w;
            close(cfd);
        }
    }
    const gr_limits *l = &job->lim;
    rlim_t procs = (rlim_t)l->procs + (rlim_t)(sb->drop ? 0 : sb->nproc_base);
    set_limit(RLIMIT_NPROC, procs, procs);
    if (l->memory_mb > 0 && !sb->sanitize) {
        set_limit(RLIMIT_AS, (rlim_t)l->memory_mb << 20, (rlim_t)l->memory_mb << 20);
    }
    /* Soft < hard: SIGXCPU first, which names the cause; SIGKILL a second later. */
    set_limit(RLIMIT_CPU, (rlim_t)l->cpu_s, (rlim_t)l->cpu_s + 1);
    set_limit(RLIMIT_FSIZE, (rlim_t)l->file_mb << 20, (rlim_t)l->file_mb << 20);
    set_limit(RLIMIT_NOFILE, (rlim_t)l->open_files, (rlim_t)l->open_files);
    set_limit(RLIMIT_CORE, 0, 0);
    if (sb->drop) {
        if (setgroups(0, NULL) != 0 || setgid(sb->gid) != 0 || setuid(sb->uid) != 0) {
            child_fail("dropping privileges");
        }
        if (setuid(0) == 0) {
            errno = EPERM;
            child_fail("privileges could be regained");
        }
    }
    /* After setuid: a credential change clears the parent-death signal. */
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (job->dir && chdir(job->dir) != 0) {
        child_fail("chdir");
    }
    execve(argv[0], argv, job->env);
    child_fail(argv[0]);
}

/* ---------------------------------------------------------------- parent */

static void capture_add(gr_capture *c, const char *p, size_t n)
{
    c->total += (long long)n;
    size_t h = GR_CAP_HEAD - c->head_len;
    if (h > n) {
        h = n;
    }
    memcpy(c->head + c->head_len, p, h);
    c->head_len += h;
    p += h;
    n -= h;
    /* Only the last GR_CAP_TAIL bytes of what is left can end up in the tail. */
    if (n > GR_CAP_TAIL) {
        p += n - GR_CAP_TAIL;
        n = GR_CAP_TAIL;
    }
    for (size_t i = 0; i < n; i++) {
        c->tail[c->tail_pos % GR_CAP_TAIL] = p[i];
        c->tail_pos++;
    }
}

char *gr_capture_text(const gr_capture *c)
{
    gr_buf b = {0};
    gr_buf_add(&b, "");
    gr_buf_addn(&b, c->head, c->head_len);
    size_t tail_len = c->tail_pos < GR_CAP_TAIL ? c->tail_pos : GR_CAP_TAIL;
    long long skipped = c->total - (long long)c->head_len - (long long)tail_len;
    if (skipped > 0) {
        gr_buf_addf(&b, "\n[... %lld bytes of output skipped ...]\n", skipped);
    }
    size_t start = c->tail_pos < GR_CAP_TAIL ? 0 : c->tail_pos % GR_CAP_TAIL;
    for (size_t i = 0; i < tail_len; i++) {
        gr_buf_addn(&b, &c->tail[(start + i) % GR_CAP_TAIL], 1);
    }
    /* NUL bytes would cut the text short in C strings: show them as '?'. */
    for (size_t i = 0; i < b.len; i++) {
        if (b.s[i] == '\0') {
            b.s[i] = '?';
        }
    }
    return b.s;
}

static void start_job(gr_sandbox *sb, gr_job *job)
{
    int p[2];
    job->out_fd = -1;
    job->start = gr_now();
    if (pipe(p) != 0) {
        job->start_error = errno;
        job->exited = 1;
        job->end = job->start;
        return;
    }
    fcntl(p[0], F_SETFD, FD_CLOEXEC);
    if (sb->cg_root) {
        static unsigned seq;
        char *cg = gr_fmt("%s/job-%u", sb->cg_root, seq++);
        mkdir(sb->cg_root, 0755); /* again, if a sweep removed it */
        if (mkdir(cg, 0755) == 0) {
            job->cg = cg;
        } else {
            free(cg);
        }
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        job->start_error = errno;
        close(p[0]);
        close(p[1]);
        job->exited = 1;
        job->end = job->start;
        return;
    }
    if (pid == 0) {
        close(p[0]);
        child_exec(sb, job, p[1]);
    }
    close(p[1]);
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    job->pid = pid;
    job->out_fd = p[0];
}

/*
 * Files the runner user left in the world-writable places during this run
 * (without bwrap a job can write there): "no files outside the work dir"
 * is part of leaving the machine clean. Only entries changed since we
 * started, so a grader running next to us keeps its own.
 */
static void sweep_runner_files(const gr_sandbox *sb)
{
    static const char *const shared[] = {"/tmp", "/var/tmp", "/dev/shm", NULL};
    if (!sb->drop) {
        return; /* without a runner user we cannot tell its files from anyone's */
    }
    for (size_t i = 0; shared[i]; i++) {
        DIR *d = opendir(shared[i]);
        if (d == NULL) {
            continue;
        }
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
                continue;
            }
            char *p = gr_fmt("%s/%s", shared[i], e->d_name);
            struct stat st;
            if (lstat(p, &st) == 0 && st.st_uid == sb->uid && st.st_ctime >= sb->started) {
                gr_rm_rf(p);
            }
            free(p);
        }
        closedir(d);
    }
}

/* Our live descendants: with the child subreaper set, every process a job
 * left behind (even one that called setsid() or double-forked) is one. */
static size_t count_descendants(void)
{
    pinfo *all;
    size_t n = scan_procs(&all);
    size_t *idx = gr_xmalloc((n + 1) * sizeof *idx);
    size_t k = descendants(all, n, getpid(), idx);
    size_t alive = 0;
    for (size_t i = 0; i < k; i++) {
        alive += all[idx[i]].state != 'Z';
    }
    free(idx);
    free(all);
    return alive;
}

/*
 * Everything in a job's memory cgroup. A process cannot leave a cgroup
 * without privileges, so this catches what the /proc walk might miss
 * (a process between fork and our scan). Repeated: a fork bomb refills it.
 */
static void kill_cgroup(const char *cg)
{
    char *procs = gr_fmt("%s/cgroup.procs", cg);
    for (int pass = 0; pass < 50; pass++) {
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
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    free(procs);
}

/* Children re-parented to us that no running job accounts for. */
static void kill_strays(gr_job **active, size_t n_active)
{
    pinfo *all;
    size_t n = scan_procs(&all);
    pid_t me = getpid();
    for (size_t i = 0; i < n; i++) {
        if (all[i].ppid != me || all[i].state == 'Z') {
            continue;
        }
        int tracked = 0;
        for (size_t j = 0; j < n_active; j++) {
            tracked |= active[j] && active[j]->pid == all[i].pid;
        }
        if (!tracked) {
            kill_tree(all[i].pid, 0);
            kill(all[i].pid, SIGKILL);
            /* Reap only this one: a blanket waitpid(-1) would steal the exit
             * status of a job that is still being tracked. */
            waitpid(all[i].pid, NULL, 0);
        }
    }
    free(all);
}

void gr_sandbox_sweep(gr_sandbox *sb)
{
    /* No job is tracked any more, so reaping everything is safe here. A
     * killed bwrap takes a moment to tear its namespace down: wait for it.
     * Only our own descendants are touched: another grader may be using the
     * same runner user at the same time (a kill(-1) as that user would end
     * its tests too). */
    double until = gr_now() + 5;
    do {
        kill_strays(NULL, 0);
        while (waitpid(-1, NULL, WNOHANG) > 0) {
        }
        if (count_descendants() == 0) {
            break;
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    } while (gr_now() < until);
    sweep_runner_files(sb);
    if (sb->cg_root) {
        /* A job cgroup whose processes took long to die was left behind by
         * gr_run_jobs; by now they are gone. */
        for (int tries = 0; tries < 100 && remove_cgroup(sb->cg_root) != 0 && errno == EBUSY; tries++) {
            struct timespec ts = {0, 20 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }

}

static void drain(gr_job *job)
{
    char buf[65536];
    for (;;) {
        ssize_t r = read(job->out_fd, buf, sizeof buf);
        if (r > 0) {
            capture_add(&job->out, buf, (size_t)r);
            if (job->out.total > job->lim.output_max && !job->flooded && !job->exited) {
                job->flooded = 1;
                kill_tree(job->pid, job->pid);
            }
            continue;
        }
        if (r == 0 || (errno != EINTR)) {
            if (r == 0) {
                close(job->out_fd);
                job->out_fd = -1;
            }
            return;
        }
    }
}

void gr_run_jobs(gr_sandbox *sb, gr_job **jobs, size_t n, int parallel, gr_job_cb started,
                 gr_job_cb done, void *ctx)
{
    if (parallel < 1) {
        parallel = 1;
    }
    gr_job **slot = calloc((size_t)parallel, sizeof *slot);
    double *exit_seen = calloc((size_t)parallel, sizeof *exit_seen);
    size_t next = 0, running = 0;
    while (next < n || running > 0) {
        for (int s = 0; s < parallel && next < n; s++) {
            while (slot[s] == NULL && next < n) {
                gr_job *job = jobs[next++];
                if (started) {
                    started(job, ctx); /* may adjust the limits, or skip the job */
                }
                if (job->skipped) {
                    job->start = job->end = gr_now();
                    if (done) {
                        done(job, ctx);
                    }
                    continue;
                }
                start_job(sb, job);
                slot[s] = job;
                exit_seen[s] = 0;
                running++;
            }
        }
        struct pollfd pfd[64];
        int idx[64];
        nfds_t np = 0;
        for (int s = 0; s < parallel && np < 64; s++) {
            if (slot[s] && slot[s]->out_fd >= 0) {
                pfd[np].fd = slot[s]->out_fd;
                pfd[np].events = POLLIN;
                idx[np++] = s;
            }
        }
        poll(pfd, np, 20);
        for (nfds_t i = 0; i < np; i++) {
            if (pfd[i].revents) {
                drain(slot[idx[i]]);
            }
        }
        /* Reap everything that ended: our jobs, and orphans re-parented to us. */
        for (;;) {
            int st;
            struct rusage ru;
            pid_t w = wait4(-1, &st, WNOHANG, &ru);
            if (w <= 0) {
                break;
            }
            for (int s = 0; s < parallel; s++) {
                if (slot[s] && slot[s]->pid == w && !slot[s]->exited) {
                    slot[s]->exited = 1;
                    slot[s]->status = st;
                    slot[s]->end = gr_now();
                    slot[s]->maxrss_kb = ru.ru_maxrss;
                }
            }
        }
        double now = gr_now();
        for (int s = 0; s < parallel; s++) {
            gr_job *job = slot[s];
            if (job == NULL) {
                continue;
            }
            if (!job->exited && !job->timed_out && now - job->start > job->lim.wall_s) {
                job->timed_out = 1;
                job->stuck = describe_tree(job->pid, &job->stuck_procs);
                kill_tree(job->pid, job->pid);
            }
            if (job->exited && exit_seen[s] == 0) {
                exit_seen[s] = now;
            }
            /* After the top process ends, a leftover descendant may hold the
             * output pipe open for ever: give it a moment, then kill it. */
            int finished = job->exited && (job->out_fd < 0 || now - exit_seen[s] > 0.3);
            if (!finished) {
                continue;
            }
            if (job->out_fd >= 0) {
                kill_tree(job->pid, job->pid);
                drain(job);
                if (job->out_fd >= 0) {
                    close(job->out_fd);
                    job->out_fd = -1;
                }
            }
            if (job->pid > 0) {
                kill(-job->pid, SIGKILL);
            }
            if (job->cg) {
                kill_cgroup(job->cg);
                char *f = gr_fmt("%s/memory.max_usage_in_bytes", job->cg);
                char *v = gr_read_file(f, 64, NULL);
                if (v) {
                    long kb = (long)(atoll(v) / 1024);
                    job->maxrss_kb = kb > job->maxrss_kb ? kb : job->maxrss_kb;
                }
                free(v);
                free(f);
                /* Empty once everything in it is dead; killed processes take a few ms. */
                for (int tries = 0; tries < 50 && rmdir(job->cg) != 0 && errno == EBUSY; tries++) {
                    struct timespec ts = {0, 10 * 1000 * 1000};
                    nanosleep(&ts, NULL);
                }
                free(job->cg);
                job->cg = NULL;
            }
            slot[s] = NULL;
            running--;
            kill_strays(slot, (size_t)parallel);
            if (done) {
                done(job, ctx);
            }
        }
    }
    free(slot);
    free(exit_seen);
}

void gr_job_free(gr_job *job)
{
    if (job == NULL) {
        return;
    }
    free(job->stuck);
    job->stuck = NULL;
}
