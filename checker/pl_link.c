/*
 * pl_link.c - starting, talking to and burying the subject (see pl_link.h).
 */
#define _GNU_SOURCE /* close_range, SO_PEERCRED's struct ucred, strsignal */
#include "pl_link.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <ftw.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pl_clock.h"
#include "pl_proto.h"
#include "pl_spawn.h"
#include "pl_status.h"

extern char **environ;

/* How long a subject that said goodbye (or whose socket closed) gets to exit before it is killed. */
#define EXIT_GRACE_MS 5000

void pl_link_init(pl_link *l)
{
    *l = (pl_link){.fd = -1, .child = -1, .subject_pid = -1, .status_fd = -1};
}

/*
 * The subject's environment: ours without the verdict nonce. The harness
 * already unset it, but a copy of the name in a second variable must not
 * reach the subject either, so anything named PARALAB_VERDICT* is dropped.
 * tmpdir (MPI): the job's own TMPDIR instead of ours, see start_mpi.
 */
static char **subject_env(const char *tmpdir)
{
    size_t n = 0;
    while (environ[n]) {
        n++;
    }
    char **env = calloc(n + 2, sizeof *env);
    size_t k = 0;
    for (size_t i = 0; env && i < n; i++) {
        int drop = strncmp(environ[i], "PARALAB_VERDICT", 15) == 0 || (tmpdir && strncmp(environ[i], "TMPDIR=", 7) == 0);
        if (!drop) {
            env[k++] = environ[i];
        }
    }
    if (env && tmpdir) {
        env[k++] = (char *)tmpdir;
    }
    return env;
}

/* Starts argv (fd `keep` as its 3) out of our reach; the pids it got in l. */
static int spawn(pl_link *l, char **argv, int keep)
{
    char tmpdir[sizeof l->tmp + 8];
    snprintf(tmpdir, sizeof tmpdir, "TMPDIR=%s", l->tmp);
    char **env = subject_env(l->tmp[0] ? tmpdir : NULL);
    if (env == NULL) {
        return -1;
    }
    pl_spawned sp;
    int rc = pl_spawn(argv, env, keep, &sp);
    free(env);
    if (rc != 0) {
        return -1;
    }
    l->child = sp.child;
    l->status_fd = sp.status_fd;
    l->subject_pid = l->mpi ? -1 : sp.leader; /* MPI: rank 0, from the socket's credentials */
    return 0;
}

/* "died with signal 11 (Segmentation fault)" or "exited during the test (status 3)". */
static void describe_status(int status, char *out, size_t len)
{
    if (WIFSIGNALED(status)) {
        snprintf(out, len, "died with signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
    } else if (WIFEXITED(status)) {
        snprintf(out, len, "exited during the test (status %d)", WEXITSTATUS(status));
    } else {
        snprintf(out, len, "ended (status 0x%x)", (unsigned)status);
    }
}

/*
 * Waits up to ms for the child; 1 with *status when it ended (the
 * subject's own status, where a namespace's init stood between us).
 */
static int wait_child(pl_link *l, int64_t ms, int *status)
{
    int64_t deadline = pl_deadline_after_ms(ms);
    for (;;) {
        pid_t w = waitpid(l->child, status, WNOHANG);
        if (w == l->child) {
            pl_spawned sp = {.child = l->child, .status_fd = l->status_fd};
            pl_spawn_reaped(&sp, status);
            l->status_fd = -1;
            return 1;
        }
        if (w < 0 && errno != EINTR) {
            return 0;
        }
        if (pl_now_ns() >= deadline) {
            return 0;
        }
        pl_sleep_ms(10);
    }
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    remove(path);
    return 0;
}

/* The MPI job's own directory, once nothing of it runs: links are removed, never followed. */
static void remove_tmp(pl_link *l)
{
    if (l->tmp[0] != '\0') {
        nftw(l->tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        l->tmp[0] = '\0';
    }
}

/* Kills the subject's whole process group (mpiexec first gets a chance to stop its ranks) and reaps it. */
static void bury(pl_link *l, int *status)
{
    if (l->child <= 0) {
        remove_tmp(l); /* reaped already: nothing of the job runs */
        return;
    }
    int st = 0;
    if (!wait_child(l, 0, &st)) {
        kill(l->child, SIGTERM);
        if (!wait_child(l, 1000, &st)) {
            kill(-l->child, SIGKILL);
            kill(l->child, SIGKILL);
            wait_child(l, 5000, &st);
        }
    }
    kill(-l->child, SIGKILL); /* anything of the group that outlived its leader */
    if (l->status_fd >= 0) {
        close(l->status_fd);
        l->status_fd = -1;
    }
    remove_tmp(l);
    if (status) {
        *status = st;
    }
    l->child = -1;
}

static void close_fd(pl_link *l)
{
    if (l->fd >= 0) {
        close(l->fd);
    }
    l->fd = -1;
    pl_frame_in_free(l->in);
    l->in = NULL;
}

void pl_link_fail(pl_link *l, const char *what, const char *problem)
{
    snprintf(l->why, sizeof l->why, "the subject process %s during %s", problem, what);
    close_fd(l);
    bury(l, NULL);
}

/* The subject's socket closed: wait for it to end and say how it did. */
static void fail_dead(pl_link *l, const char *what, int mpi)
{
    close_fd(l);
    int st = 0;
    int ended = l->child > 0 && wait_child(l, EXIT_GRACE_MS, &st);
    char how[128];
    if (ended) {
        describe_status(st, how, sizeof how);
    } else {
        snprintf(how, sizeof how, "closed its connection");
    }
    snprintf(l->why, sizeof l->why, "the subject %s %s during %s%s", mpi ? "MPI job (mpiexec)" : "process", how,
             what, mpi ? " (mpiexec's own message, above, names the rank)" : "");
    if (ended) {
        l->child = -1;
    }
    bury(l, NULL);
}

/* ---------------------------------------------------------------- start */

static int start_plain(pl_link *l, const pl_link_spec *spec)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        snprintf(l->why, sizeof l->why, "cannot make a socketpair for the subject: %s", strerror(errno));
        return PL_ESYS;
    }
    char workers[16];
    snprintf(workers, sizeof workers, "%d", spec->workers);
    char *argv[] = {(char *)spec->subject, "--fd", "3", "--workers", workers, NULL};
    int rc = spawn(l, argv, sv[1]);
    close(sv[1]);
    if (rc != 0) {
        close(sv[0]);
        snprintf(l->why, sizeof l->why, "cannot start the subject process: %s", strerror(errno));
        return PL_ESYS;
    }
    l->fd = sv[0];
    return PL_OK;
}

/* A listening socket in a fresh 0700 directory (only our user can reach it); its path in path. */
static int listen_private(char *dir, size_t dlen, char *path, size_t plen)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, dlen, "%s/plc-XXXXXX", tmp && *tmp ? tmp : "/tmp"); /* short: Open MPI puts Unix sockets inside */
    if (mkdtemp(dir) == NULL) {
        return -1;
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    int n = snprintf(path, plen, "%s/s", dir);
    if (n < 0 || (size_t)n >= sizeof sa.sun_path || (size_t)n >= plen) {
        rmdir(dir);
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 1) != 0) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
        }
        unlink(path);
        rmdir(dir);
        errno = e;
        return -1;
    }
    return fd;
}

/* Accepts rank 0's connection; gives up at the deadline or when mpiexec ends first. */
static int accept_until(pl_link *l, int lfd, int64_t deadline_ns)
{
    while (pl_now_ns() < deadline_ns) {
        struct pollfd p = {.fd = lfd, .events = POLLIN};
        int st;
        if (poll(&p, 1, 100) == 1) {
            int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
            struct ucred cred;
            socklen_t cl = sizeof cred;
            /* The subject's user (pl_spawn.h), and its pid as our /proc numbers it (the kernel's word). */
            if (fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0 &&
                cred.uid == pl_spawn_subject_uid()) {
                l->subject_pid = cred.pid;
                return fd;
            }
            if (fd >= 0) {
                close(fd);
            }
        } else if (wait_child(l, 0, &st)) {
            char how[128];
            describe_status(st, how, sizeof how);
            snprintf(l->why, sizeof l->why, "the subject MPI job (mpiexec) %s before rank 0 connected", how);
            l->child = -1;
            return -1;
        }
    }
    snprintf(l->why, sizeof l->why, "the subject's rank 0 did not connect in time");
    return -1;
}

/*
 * mpiexec, whose rank 0 connects back to a socket in a private directory.
 * That directory is also the job's TMPDIR, kept until the job is buried:
 * in its own PID namespace mpiexec is always pid 2, and Open MPI names its
 * session directory (TMPDIR/ompi.HOST.UID/pid.PID) and job id after that
 * pid - two MPI checkers at once would share one session directory.
 */
static int start_mpi(pl_link *l, const pl_link_spec *spec, int64_t deadline_ns)
{
    char path[sizeof l->tmp + 8];
    int lfd = listen_private(l->tmp, sizeof l->tmp, path, sizeof path);
    if (lfd < 0) {
        snprintf(l->why, sizeof l->why, "cannot make the checker's socket: %s", strerror(errno));
        l->tmp[0] = '\0';
        return PL_ESYS;
    }
    char ranks[16], workers[16];
    snprintf(ranks, sizeof ranks, "%d", spec->ranks);
    snprintf(workers, sizeof workers, "%d", spec->workers);
    char *argv[] = {(char *)spec->mpiexec, "-n", ranks, "--oversubscribe", "--bind-to", "none",
                    (char *)spec->subject, "--connect", path, "--workers", workers, NULL};
    l->mpi = 1;
    int fd = spawn(l, argv, -1) == 0 ? accept_until(l, lfd, deadline_ns) : -1;
    close(lfd);
    unlink(path);
    if (fd < 0) {
        if (l->child < 0 && l->why[0] == '\0') {
            snprintf(l->why, sizeof l->why, "cannot start mpiexec: %s", strerror(errno));
        }
        bury(l, NULL);
        return PL_ESYS;
    }
    l->fd = fd;
    return PL_OK;
}

int pl_link_start(pl_link *l, const pl_link_spec *spec, int64_t deadline_ns)
{
    pl_link_init(l);
    pl_wire_ignore_sigpipe(); /* a subject that died is a failed write, never our death */
    int rc = spec->mpiexec ? start_mpi(l, spec, deadline_ns) : start_plain(l, spec);
    if (rc == PL_OK && (l->in = pl_frame_in_new()) == NULL) {
        pl_link_fail(l, "start-up", "could not be read (out of memory)");
        rc = PL_ENOMEM;
    }
    return rc;
}

/* ---------------------------------------------------------------- calls */

int pl_link_call(pl_link *l, const pl_buf *req, int64_t deadline_ns, const char *what, const uint8_t **ans,
                 size_t *len)
{
    if (l->fd < 0) {
        return PL_EIO;
    }
    int mpi = 0;
    int rc = pl_wire_write_frame_until(l->fd, pl_buf_data(req), pl_buf_len(req), deadline_ns);
    int partial = 0;
    if (rc == PL_OK) {
        rc = pl_frame_in_read(l->in, l->fd, deadline_ns, ans, len, &partial);
    }
    if (rc == PL_OK) {
        return PL_OK;
    }
    mpi = l->mpi;
    if (rc == PL_ETIMEDOUT) {
        pl_link_fail(l, what, "did not answer in time (stuck? it was killed)");
    } else if (rc == PL_EWIRE || rc == PL_ENOMEM) {
        pl_link_fail(l, what, "sent a malformed answer");
    } else {
        fail_dead(l, what, mpi);
    }
    return PL_EIO;
}

int pl_link_stop(pl_link *l)
{
    int rc = PL_OK;
    if (l->fd >= 0) {
        pl_buf *bye = pl_buf_new();
        const uint8_t *ans;
        size_t len;
        int st = 0;
        rc = bye && pl_buf_put_u8(bye, PL_OP_QUIT) == PL_OK ? PL_OK : PL_ENOMEM;
        rc = rc ? rc : pl_link_call(l, bye, pl_deadline_after_ms(EXIT_GRACE_MS), "the farewell", &ans, &len);
        pl_buf_free(bye);
        close_fd(l);
        if (rc == PL_OK && !wait_child(l, EXIT_GRACE_MS * 4, &st)) {
            snprintf(l->why, sizeof l->why, "the subject process did not exit after its last call (killed after %d s)",
                     EXIT_GRACE_MS * 4 / 1000);
            rc = PL_ETIMEDOUT;
        } else if (rc == PL_OK) {
            l->child = -1;
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                char how[128];
                describe_status(st, how, sizeof how);
                snprintf(l->why, sizeof l->why, "the subject process %s after its last call", how);
                rc = PL_ESYS;
            }
        }
    }
    close_fd(l);
    bury(l, NULL);
    return rc;
}
