/*
 * sandbox.c - deciding how jobs are contained, once per run (see sandbox.h):
 * which runner user, whether bubblewrap works here, the run's memory
 * cgroup, which directories jobs may see; and saying so in the report.
 *
 * The rest of the sandbox: sandbox_jobs.c runs jobs (the parent's side),
 * sandbox_child.c is a job's child between fork and exec, proc_tree.c reads
 * and kills process trees, cgroup.c keeps the per-job memory cgroups.
 *
 * Linux-specific on purpose (prctl, setgroups, /proc, bubblewrap): the
 * grader is the one part of paralab that needs the kernel's help to stay in
 * charge of code it does not trust. Every layer is optional: what the
 * machine does not allow is written to sb->notes, and grading goes on with
 * the layers that are left.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "proc_tree.h"
#include "util.h"

/*
 * Runner users we may claim: NAME, NAME-1 ... NAME-7. Eight graders at once
 * on one machine is more than its cores can serve (the grader's own tests
 * run a few side by side); a ninth shares a user and says so.
 */
#define RUNNER_USERS 8
/* useradd fails while another useradd holds /etc/passwd's lock: tries, 0.3 s
 * apart (graders started together by ctest all create their users at once). */
#define USERADD_TRIES 5
#define USERADD_PAUSE_NS (300 * 1000 * 1000)
/* useradd takes milliseconds; 30 s only bounds a wedged NSS or a locked database. */
#define USERADD_TIMEOUT_S 30
/* The bwrap probe runs /bin/true: seconds mean it hangs, and then bwrap is not used. */
#define PROBE_WALL_S 20

/*
 * A line for the report's sandbox section: what is missing here, and so
 * what a job could do that it could not elsewhere. Truncated, never grown:
 * the notes are a fixed buffer in the sandbox (a few lines at most).
 */
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
    for (int i = 0; i < RUNNER_USERS; i++) {
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
        for (int tries = 0; tries < USERADD_TRIES && pw == NULL; tries++) {
            gr_exec(argv, NULL, "/dev/null", USERADD_TIMEOUT_S);
            pw = getpwnam(name);
            if (pw == NULL) {
                struct timespec ts = {0, USERADD_PAUSE_NS};
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
    probe.lim = (gr_limits){.wall_s = PROBE_WALL_S, .procs = 64, .memory_mb = 0, .cpu_s = 10,
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
        sb->nproc_base = gr_count_tasks_of(getuid());
    }
    /* A memory cgroup per job measures its peak across all its processes
     * (wait4's ru_maxrss cannot see through bwrap's PID namespace) and lists
     * every process to kill at its end. */
    /* Inside our OWN memory cgroup, not at the top of the hierarchy: a limit
     * someone put on the grader (a container's 768 MB) must hold its jobs too. */
    if (sb->as_root) {
        sb->cg_root = gr_cgroup_make_root();
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
             "checkers: %s\n"
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
             /* test_job.c's subject_user, checker/pl_spawn.h */
             sb->drop && !sb->use_bwrap
                 ? "run as root (files opened as the runner), their subjects as the runner user, "
                   "in their own user+PID namespaces where the kernel allows"
                 : "their subjects in their own user+PID namespaces where the kernel allows "
                   "(else the test's output says so)",
             sb->notes);
}
