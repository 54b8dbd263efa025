/*
 * sandbox_child.c - from fork() to execve() in a sandboxed job (see
 * sandbox_child.h).
 *
 * The order of the steps is the point of this file:
 *   1. allocate first: under a sanitizer the grader's own address space is
 *      already beyond any RLIMIT_AS a job gets, so nothing may be allocated
 *      after the limits;
 *   2. descriptors: only 0-3 survive, so no result file or other job's pipe
 *      leaks into the job;
 *   3. join the job's cgroup while we may still write to it (root);
 *   4. limits, then drop to the runner user, and check that root cannot be
 *      regained (not for a keep_root job: a checker that starts its subject
 *      as the runner itself, see test_job.c);
 *   5. the parent-death signal AFTER setuid (a credential change clears it),
 *      the build log opened AFTER setuid (as the runner, who owns the build
 *      directory: root following a link the runner planted there could
 *      append to any file on the machine).
 * The child never returns into the grader's code: on failure it _exits.
 */
#include "sandbox_child.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util.h"

/* What a job that the sandbox itself could not start exits with (like a shell's "cannot execute"). */
#define CHILD_FAILED 126
/* Descriptors we close above 3 when the system reports no (or an absurd) limit. */
#define MAX_FD_TO_CLOSE 65536
/* Words bwrap's part of a command line can take: 21 fixed ones (options, the
 * job's directory, "--") and 8 per GR_MAX_BINDS (a mask, a re-shown and a
 * writable directory: 2 + 3 + 3); rounded up. */
#define BWRAP_ARGS (24 + 8 * GR_MAX_BINDS)

static void set_limit(int res, rlim_t soft, rlim_t hard)
{
    struct rlimit rl = {soft, hard};
    setrlimit(res, &rl);
}

static void child_fail(const char *what) __attribute__((noreturn));
static void child_fail(const char *what)
{
    char msg[256];
    int n = snprintf(msg, sizeof msg, "paralab-grade sandbox: %s: %s\n", what, strerror(errno));
    ssize_t w = write(2, msg, (size_t)n);
    (void)w;
    _exit(CHILD_FAILED);
}

/* bubblewrap's view: the whole system read-only, a private /tmp, /dev/shm and /proc, the job's directories writable. */
static size_t bwrap_args(const gr_sandbox *sb, const gr_job *job, char **v)
{
    size_t k = 0;
    static char *const fixed[] = {"--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                                  "--tmpfs", "/tmp", "--tmpfs", "/dev/shm", NULL};
    v[k++] = sb->bwrap;
    for (size_t i = 0; fixed[i]; i++) {
        v[k++] = fixed[i];
    }
    /* Masks first, then what is shown again inside them: bwrap applies them in order. */
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
    /* No network but loopback, and a PID namespace that dies with us. */
    v[k++] = "--unshare-all";
    v[k++] = "--die-with-parent";
    v[k++] = "--new-session";
    if (job->dir) {
        v[k++] = "--chdir";
        v[k++] = job->dir;
    }
    v[k++] = "--";
    return k;
}

/* The command line to exec: the job's argv, behind bwrap's when it is in use. */
static char **sandbox_argv(const gr_sandbox *sb, const gr_job *job)
{
    size_t n = 0;
    for (; job->argv[n]; n++) {
    }
    char **v = gr_xmalloc((n + BWRAP_ARGS + 1) * sizeof *v);
    size_t k = sb->use_bwrap ? bwrap_args(sb, job, v) : 0;
    for (size_t i = 0; i < n; i++) {
        v[k++] = job->argv[i];
    }
    v[k] = NULL;
    return v;
}

/*
 * fd 4: a pipe holding the verdict nonce (then EOF). A descriptor, not the
 * environment: /proc/PID/environ keeps an exec's environment for the whole
 * life of the process, and children inherit it. The nonce is far below
 * PIPE_BUF, so the write cannot block.
 */
static void child_nonce(const gr_job *job)
{
    int p[2];
    size_t len = strlen(job->nonce);
    if (pipe(p) != 0 || write(p[1], job->nonce, len) != (ssize_t)len) {
        child_fail("nonce pipe");
    }
    close(p[1]);
    if (p[0] != 4 && (dup2(p[0], 4) != 4 || close(p[0]) != 0)) {
        child_fail("nonce pipe");
    }
}

/* 0: /dev/null; 1 and 2: the output pipe; 3: the verdict file or /dev/null; 4: the nonce; nothing else. */
static void child_stdio(const gr_job *job, int out_w)
{
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
    if (job->nonce) {
        child_nonce(job);
    }
    /* Nothing of ours (result files, other jobs' pipes) leaks into the job. */
    long maxfd = sysconf(_SC_OPEN_MAX);
    if (maxfd < 0 || maxfd > MAX_FD_TO_CLOSE) {
        maxfd = MAX_FD_TO_CLOSE;
    }
    for (long fd = job->nonce ? 5 : 4; fd < maxfd; fd++) {
        close((int)fd);
    }
}

/* Into the job's cgroup before the limits and the user change (only root may write cgroup.procs). */
static void join_cgroup(const gr_job *job)
{
    if (job->cg == NULL) {
        return;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/cgroup.procs", job->cg);
    int cfd = open(path, O_WRONLY);
    if (cfd >= 0) {
        char pid[32];
        int len = snprintf(pid, sizeof pid, "%d\n", (int)getpid());
        ssize_t w = write(cfd, pid, (size_t)len);
        (void)w;
        close(cfd);
    }
}

static void child_limits(const gr_sandbox *sb, const gr_limits *l)
{
    /* RLIMIT_NPROC counts every thread of the user: when we cannot switch to
     * the runner, the grader's own threads and processes count too. */
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
}

static void drop_privileges(const gr_sandbox *sb)
{
    if (!sb->drop) {
        return;
    }
    if (setgroups(0, NULL) != 0 || setgid(sb->gid) != 0 || setuid(sb->uid) != 0) {
        child_fail("dropping privileges");
    }
    /* A setuid that only changed the effective id would let the job back to root. */
    if (setuid(0) == 0) {
        errno = EPERM;
        child_fail("privileges could be regained");
    }
}

/* stdout and stderr appended to job->out_path (a build log) instead of the pipe; as the runner. */
static void child_output_file(const gr_job *job)
{
    if (job->out_path == NULL) {
        return;
    }
    int fd = open(job->out_path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) {
        child_fail(job->out_path);
    }
    close(fd);
}

void gr_sandbox_child_exec(const gr_sandbox *sb, const gr_job *job, int out_w)
{
    char **argv = sandbox_argv(sb, job); /* before the limits: see the top of the file */
    setsid();
    child_stdio(job, out_w);
    join_cgroup(job);
    child_limits(sb, &job->lim);
    if (!job->keep_root) {
        drop_privileges(sb);
    }
    /* After setuid: a credential change clears the parent-death signal. */
    prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    child_output_file(job);
    if (job->dir && chdir(job->dir) != 0) {
        child_fail("chdir");
    }
    execve(argv[0], argv, job->env);
    child_fail(argv[0]);
}
