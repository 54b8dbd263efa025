/*
 * pl_spawn.c - starting the subject out of the checker's reach (see
 * pl_spawn.h for the three ways and why).
 */
#define _GNU_SOURCE /* unshare, CLONE_NEW*, close_range, dup3, setresuid, setfsuid: Linux-specific by nature */
#include "pl_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long the child may take to report (its namespaces made; the subject's pid). */
#define REPORT_WAIT_MS 10000

static struct {
    int configured;
    int have_user;     /* root, and PARALAB_SUBJECT_UID named the subject's user */
    uid_t uid;
    gid_t gid;
    int ns_unavailable; /* the namespaces could not be made once: not tried again */
    const char *ns_why; /* ... and why */
    int noted;
    const char *isolation;
} cfg = {.isolation = "none"};

void pl_spawn_configure(void)
{
    if (cfg.configured) {
        return;
    }
    cfg.configured = 1;
    /* For the tests of the fallbacks, and for a machine where namespaces misbehave. */
    if (getenv("PARALAB_SUBJECT_NO_NAMESPACE")) {
        cfg.ns_unavailable = 1;
        cfg.ns_why = "PARALAB_SUBJECT_NO_NAMESPACE is set";
    }
    const char *v = getenv("PARALAB_SUBJECT_UID");
    unsigned u, g;
    char end;
    if (v == NULL) {
        return;
    }
    int ok = sscanf(v, "%u:%u%c", &u, &g, &end) == 2 && u != 0;
    if (ok && geteuid() == 0) {
        cfg.have_user = 1;
        cfg.uid = (uid_t)u;
        cfg.gid = (gid_t)g;
        /* From now on files are opened with the subject user's rights, not root's. */
        setfsgid(cfg.gid);
        setfsuid(cfg.uid);
    } else {
        fprintf(stderr, "checker: PARALAB_SUBJECT_UID=%s ignored (%s)\n", v,
                ok ? "only a checker running as root can start its subject as another user" : "want UID:GID, UID not 0");
    }
    unsetenv("PARALAB_SUBJECT_UID");
}

uid_t pl_spawn_subject_uid(void)
{
    return cfg.have_user ? cfg.uid : getuid();
}

const char *pl_spawn_isolation(void)
{
    return cfg.isolation;
}

/* Become the subject user for good (root, or the init's namespace root). setgroups is
 * refused in a namespace an unprivileged checker made (it wrote "deny"): it has none then. */
static int drop_to_user(void)
{
    if (!cfg.have_user) {
        return 0;
    }
    if (setgroups(0, NULL) != 0 || setresgid(cfg.gid, cfg.gid, cfg.gid) != 0 ||
        setresuid(cfg.uid, cfg.uid, cfg.uid) != 0) {
        return -1;
    }
    return 0;
}

/*
 * In the child, before exec: its own process group (so one kill reaches
 * everything it starts), death with its parent, and no descriptor but 0-2
 * and `keep` (which becomes 3): the verdict descriptor and anything else
 * the checker holds must never reach submitted code.
 */
static void child_setup(int keep)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (keep >= 0) {
        if (keep != 3 && dup2(keep, 3) != 3) {
            _exit(127);
        }
        fcntl(3, F_SETFD, 0); /* dup2 onto itself would keep FD_CLOEXEC */
    }
    if (close_range(keep >= 0 ? 4 : 3, ~0U, 0) != 0) {
        for (int fd = keep >= 0 ? 4 : 3; fd < 4096; fd++) {
            close(fd);
        }
    }
}

static void exec_or_die(char **argv, char **env)
{
    execve(argv[0], argv, env);
    fprintf(stderr, "checker: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

/* ---------------------------------------------------------------- the namespace's init */

struct ns_start {
    char **argv, **env;
    int keep, sync_r, status_w;
    unsigned uid, gid; /* the one uid and gid the namespace maps (see write_maps) */
};

static volatile sig_atomic_t outside_signal;

/* A signal from outside the namespace (si_pid 0: the sender has no pid here) is the
 * checker ending the subject: passed on. One the subject sends its init is ignored. */
static void on_signal(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    if (si->si_pid == 0) {
        outside_signal = sig;
    }
}

/* Its pid as the checker numbers them: /proc is the checker's mount, so /proc/self says it. */
static void report_own_pid(int fd)
{
    char buf[32];
    ssize_t n = readlink("/proc/self", buf, sizeof buf - 1);
    int32_t pid = -1;
    if (n > 0) {
        buf[n] = '\0';
        pid = (int32_t)atoi(buf);
    }
    ssize_t w = write(fd, &pid, sizeof pid);
    (void)w;
}

/*
 * PID 1's loop: reap everything (orphans of the subject land here), pass
 * the checker's signals on, and when the subject ends, report its status
 * and exit - which kills whatever is left in the namespace. (A signal that
 * arrives just before waitpid is passed on at the next child event; the
 * checker follows a SIGTERM with SIGKILL anyway.)
 */
static void init_loop(pid_t subject)
{
    for (;;) {
        int st = 0;
        pid_t w = waitpid(-1, &st, 0);
        if (w == subject) {
            ssize_t n = write(4, &st, sizeof st);
            _exit(n == (ssize_t)sizeof st ? 0 : 127);
        }
        if (w < 0 && errno == EINTR) {
            int sig = outside_signal;
            outside_signal = 0;
            if (sig != 0) {
                kill(subject, sig);
            }
        } else if (w < 0) {
            _exit(127);
        }
    }
}

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    ssize_t n = write(fd, text, strlen(text));
    int e = errno;
    close(fd);
    errno = e;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/*
 * The namespace's one uid and gid: the subject user's (root with
 * PARALAB_SUBJECT_UID), else ours, mapped to the same number inside, so
 * files and messages show the same ids. dir: "/proc/PID" (root writes the
 * init's maps from outside) or "/proc/self" (an unprivileged checker cannot:
 * see ns_init). An unprivileged map needs setgroups refused first.
 */
static int write_maps(const char *dir, unsigned uid, unsigned gid, int deny_setgroups)
{
    char path[64], line[64];
    int rc = 0;
    if (deny_setgroups) {
        snprintf(path, sizeof path, "%s/setgroups", dir);
        rc |= write_file(path, "deny");
    }
    snprintf(path, sizeof path, "%s/gid_map", dir);
    snprintf(line, sizeof line, "%u %u 1\n", gid, gid);
    rc |= write_file(path, line);
    snprintf(path, sizeof path, "%s/uid_map", dir);
    snprintf(line, sizeof line, "%u %u 1\n", uid, uid);
    rc |= write_file(path, line);
    return rc ? -1 : 0;
}

/*
 * An unprivileged checker's child maps its new user namespace itself.
 * /proc/PID files of a non-dumpable process (the child is a copy of the
 * checker) belong to root, so neither the checker nor the child may open
 * the map files - unless the child is dumpable for the few calls that
 * write them. Its memory is a copy of the checker's (the nonce in it): for
 * that window only a process of the same user that can name the child
 * could attach, and the subject does not exist yet. The grader leaves no such process in sight: each job has
 * its own PID namespace and /proc (bubblewrap), or the checker is root and
 * maps from outside, with no window at all.
 */
static int map_self(unsigned uid, unsigned gid)
{
    prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
    int rc = write_maps("/proc/self", uid, gid, 1);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    return rc;
}

/* PID 1 of the new namespace (fork of the relay, below): starts the subject and reaps. */
static void ns_init(const struct ns_start *a)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* dies with the relay, and everything in the namespace with it */
    struct sigaction sa = {.sa_sigaction = on_signal, .sa_flags = SA_SIGINFO};
    sigemptyset(&sa.sa_mask);
    int sigs[] = {SIGTERM, SIGINT, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        sigaction(sigs[i], &sa, NULL);
    }
    pid_t s = fork();
    if (s == 0) {
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
            signal(sigs[i], SIG_DFL);
        }
        report_own_pid(4);
        child_setup(a->keep >= 0 ? 3 : -1);
        exec_or_die(a->argv, a->env);
    }
    close(3); /* the socket: when the subject dies, the checker must see it close */
    if (s < 0) {
        _exit(127);
    }
    init_loop(s);
}

static volatile sig_atomic_t relayed;

static void on_relay_signal(int sig)
{
    relayed = sig;
}

/*
 * The checker's child, between it and the namespace: unshare(2) puts the
 * caller's next child, not the caller, in the new PID namespace, so this
 * process stays outside, in the checker's numbering: what the checker
 * waits for and signals. (clone(2) with the flags would save it, but runs
 * the child on a stack of our own, which AddressSanitizer and
 * ThreadSanitizer do not follow; fork is what they know.) It passes the
 * checker's signals to the init and ends when the init does.
 */
static void relay(pid_t init)
{
    for (;;) {
        int st;
        pid_t w = waitpid(init, &st, 0);
        if (w == init) {
            _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        }
        if (w < 0 && errno != EINTR) {
            _exit(127);
        }
        int sig = relayed;
        relayed = 0;
        if (sig != 0) {
            kill(init, sig);
        }
    }
}

/* Descriptors at fixed places: 3 the socket (keep), 4 the status pipe, 5 the go-ahead; nothing else. */
static int fixed_fds(const struct ns_start *a)
{
    int keep = a->keep >= 0 ? fcntl(a->keep, F_DUPFD, 10) : -1;
    int st = fcntl(a->status_w, F_DUPFD_CLOEXEC, 10), go = fcntl(a->sync_r, F_DUPFD, 10);
    if (st < 0 || go < 0 || (a->keep >= 0 && (keep < 0 || dup2(keep, 3) != 3)) || dup3(st, 4, O_CLOEXEC) != 4 ||
        dup2(go, 5) != 5 || close_range(6, ~0U, 0) != 0) {
        return -1;
    }
    if (a->keep < 0) {
        close(3);
    }
    return 0;
}

/*
 * A /dev/shm of the namespace's own (it has its own mount namespace too).
 * Why: Open MPI names its shared-memory segments (/dev/shm/vader_segment.
 * HOST.JOBID.RANK) after a job id made from mpiexec's pid, and mpiexec is
 * pid 2 in every such namespace: two MPI subjects at once would map each
 * other's segments (seen: ranks dying with SIGSEGV). Best effort: without
 * it only concurrent MPI subjects are at risk, and the mount cannot leak
 * out (mounts made in a less privileged user namespace never propagate).
 */
static void private_shm(void)
{
    mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
}

/* The checker's child in spawn_ns: new namespaces, the maps, then the init. Never returns. */
static void ns_child(const struct ns_start *a)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    setpgid(0, 0);
    if (fixed_fds(a) != 0) {
        _exit(127);
    }
    /* First report: 0, or the errno of unshare (seccomp, a kernel without user namespaces). */
    int32_t ack = unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS) == 0 ? 0 : errno;
    if (write(4, &ack, sizeof ack) != (ssize_t)sizeof ack || ack != 0) {
        _exit(127);
    }
    char c;
    if (read(5, &c, 1) != 1) { /* the go-ahead: a root checker has written our maps; EOF: it gave up */
        _exit(127);
    }
    close(5);
    if (c == 's' && map_self(a->uid, a->gid) != 0) {
        _exit(127);
    }
    private_shm(); /* while we still hold the namespace's capabilities */
    if (drop_to_user() != 0) {
        _exit(127);
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* again: a credential change clears it */
    struct sigaction sa = {.sa_handler = on_relay_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    pid_t init = fork(); /* PID 1 of the new namespace */
    if (init == 0) {
        ns_init(a);
    }
    close(3);
    close(4);
    if (init < 0) {
        _exit(127);
    }
    relay(init);
}

/* A root checker maps the namespace from outside, with root's file rights (its fsuid is the subject's). */
static int root_maps(pid_t pid, unsigned uid, unsigned gid)
{
    char dir[32];
    snprintf(dir, sizeof dir, "/proc/%d", (int)pid);
    setfsuid(0);
    setfsgid(0);
    int rc = write_maps(dir, uid, gid, 0);
    int e = errno;
    if (cfg.have_user) {
        setfsgid(cfg.gid);
        setfsuid(cfg.uid);
    }
    errno = e;
    return rc;
}

/* Reads one report of the child's (the unshare result, the subject's pid); `none` when it died first. */
static int32_t read_report(int fd, int32_t none)
{
    int32_t v = none;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, REPORT_WAIT_MS) != 1 || read(fd, &v, sizeof v) != (ssize_t)sizeof v) {
        v = none;
    }
    return v;
}

static void close_pair(int p[2])
{
    close(p[0]);
    close(p[1]);
}

/* The child could not make or map its namespaces: nothing of it is left, errno says why. */
static int ns_failed(pid_t pid, int status_r, int sync_w, int err)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(status_r);
    if (sync_w >= 0) {
        close(sync_w);
    }
    errno = err;
    return -1;
}

/* 1. in new user+PID namespaces. -1 with errno when the kernel (or seccomp) refuses. */
static int spawn_ns(char **argv, char **env, int keep, pl_spawned *out)
{
    int sync[2], status[2];
    if (pipe2(sync, O_CLOEXEC) != 0) {
        return -1;
    }
    if (pipe2(status, O_CLOEXEC) != 0) {
        close_pair(sync);
        return -1;
    }
    int root = geteuid() == 0;
    struct ns_start a = {.argv = argv, .env = env, .keep = keep, .sync_r = sync[0], .status_w = status[1],
                         .uid = cfg.have_user ? (unsigned)cfg.uid : (unsigned)geteuid(),
                         .gid = cfg.have_user ? (unsigned)cfg.gid : (unsigned)getegid()};
    pid_t pid = fork();
    if (pid == 0) {
        ns_child(&a);
        _exit(127); /* (ns_child never returns) */
    }
    int e = errno;
    close(sync[0]);
    close(status[1]);
    if (pid < 0) {
        close(sync[1]);
        close(status[0]);
        errno = e;
        return -1;
    }
    int32_t ack = read_report(status[0], EPERM);
    if (ack != 0 || (root && root_maps(pid, a.uid, a.gid) != 0)) {
        return ns_failed(pid, status[0], sync[1], ack != 0 ? (int)ack : errno);
    }
    ssize_t w = write(sync[1], root ? "g" : "s", 1); /* s: map yourself */
    (void)w; /* a failed go-ahead is a child that exits: no leader, below */
    close(sync[1]);
    *out = (pl_spawned){.child = pid, .leader = read_report(status[0], -1), .status_fd = status[0]};
    if (out->leader < 0) { /* it could not map itself or start the init: no namespace here */
        return ns_failed(pid, status[0], -1, EPERM);
    }
    return 0;
}

/* 2 and 3: a plain child, as the subject user when there is one. */
static int spawn_plain(char **argv, char **env, int keep, pl_spawned *out)
{
    pid_t pid = fork();
    if (pid == 0) {
        child_setup(keep);
        if (drop_to_user() != 0) {
            fprintf(stderr, "checker: cannot become uid %u: %s\n", (unsigned)cfg.uid, strerror(errno));
            _exit(127);
        }
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* again: a credential change clears it */
        exec_or_die(argv, env);
    }
    if (pid < 0) {
        return -1;
    }
    *out = (pl_spawned){.child = pid, .leader = pid, .status_fd = -1};
    return 0;
}

/* Once per checker: what the subject can still do to it, when no namespace could be made. */
static void note_fallback(void)
{
    if (cfg.noted++) {
        return;
    }
    const char *why = cfg.ns_why ? cfg.ns_why : "?";
    if (cfg.have_user) {
        fprintf(stderr, "checker: note: no user+PID namespace for the subject (%s): it runs as uid %u, "
                        "which cannot signal or trace this root checker\n", why, (unsigned)cfg.uid);
    } else {
        fprintf(stderr, "checker: note: no user+PID namespace for the subject (%s) and no other user to run it "
                        "as: it runs as this user and could signal the checker (a killed checker writes no "
                        "verdict: the test fails without its reason)\n", why);
    }
}

int pl_spawn(char **argv, char **env, int keep, pl_spawned *out)
{
    pl_spawn_configure();
    fflush(NULL); /* our buffered output must not be printed twice */
    if (!cfg.ns_unavailable) {
        if (spawn_ns(argv, env, keep, out) == 0) {
            cfg.isolation = cfg.have_user ? "namespace+user" : "namespace";
            return 0;
        }
        cfg.ns_unavailable = 1;
        cfg.ns_why = strerror(errno);
    }
    note_fallback();
    cfg.isolation = cfg.have_user ? "user" : "none";
    return spawn_plain(argv, env, keep, out);
}

void pl_spawn_reaped(pl_spawned *sp, int *status)
{
    if (sp->status_fd < 0) {
        return;
    }
    int st;
    /* Written before the init exited, or never: this read cannot block. */
    if (read(sp->status_fd, &st, sizeof st) == (ssize_t)sizeof st && status) {
        *status = st;
    }
    close(sp->status_fd);
    sp->status_fd = -1;
}
