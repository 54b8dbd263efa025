/*
 * util_exec.c - trusted helper processes, time, randomness and signal names
 * for the grader (see util.h).
 *
 * A helper is always started from an argument vector (execvp), never from
 * a command line a shell would parse again: the words are paths of the
 * grader's scratch tree and of the submission, and a quote or a space in
 * one must stay part of the path.
 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How often gr_exec looks whether its helper has ended: 20 ms is nothing
 * next to a build, and a helper's time limit is minutes. */
#define EXEC_POLL_NS (20 * 1000 * 1000)

/*
 * Looked up once, as a path: a job's argv[0] goes to execve, which does no
 * PATH search of its own (and a job's PATH is not ours).
 */
char *gr_which(const char *name)
{
    const char *path = getenv("PATH");
    char *copy = gr_xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
    char *found = NULL;
    for (char *save = NULL, *dir = strtok_r(copy, ":", &save); dir && !found;
         dir = strtok_r(NULL, ":", &save)) {
        char *p = gr_fmt("%s/%s", dir, name);
        if (access(p, X_OK) == 0) {
            found = p;
        } else {
            free(p);
        }
    }
    free(copy);
    return found;
}

/*
 * CLOCK_MONOTONIC: wall-clock limits and budgets must not jump when the
 * machine's clock is set (NTP on a fresh container does that).
 */
double gr_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int gr_exec(char *const argv[], const char *cwd, const char *log_path, double timeout_s)
{
    pid_t pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        /* Its own process group, set on both sides of the fork (whichever
         * runs first), so that at the time limit one kill(-pid) ends the
         * helper and everything it started (cmake's compilers, mpiexec's). */
        setpgid(0, 0);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) {
            dup2(devnull, 0);
        }
        if (log_path) {
            int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd >= 0) {
                dup2(fd, 1);
                dup2(fd, 2);
            }
        }
        if (cwd && chdir(cwd) != 0) {
            _exit(127);
        }
        execvp(argv[0], argv);
        fprintf(stderr, "paralab-grade: cannot run %s: %s\n", argv[0], strerror(errno));
        /* 127, like a shell's "command not found"; _exit, so none of the
         * grader's atexit handlers or stdio buffers run twice. */
        _exit(127);
    }
    setpgid(pid, pid);
    double deadline = gr_now() + timeout_s;
    int status = -1;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            break;
        }
        if (w < 0 && errno != EINTR) {
            return -1;
        }
        if (gr_now() > deadline) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        struct timespec ts = {0, EXEC_POLL_NS};
        nanosleep(&ts, NULL);
    }
    return status;
}

/*
 * The verdict nonce comes from here: a submission that could guess it could
 * forge PASS lines, so it is the kernel's randomness, never rand().
 */
int gr_random_hex(char *out, size_t nbytes)
{
    unsigned char raw[64];
    if (nbytes > sizeof raw) {
        return -1;
    }
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    ssize_t r = read(fd, raw, nbytes);
    close(fd);
    if (r != (ssize_t)nbytes) {
        return -1;
    }
    for (size_t i = 0; i < nbytes; i++) {
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    }
    return 0;
}

uint64_t gr_random_u64(void)
{
    char hex[2 * sizeof(uint64_t) + 1];
    if (gr_random_hex(hex, sizeof(uint64_t)) == 0) {
        return (uint64_t)strtoull(hex, NULL, 16);
    }
    return (uint64_t)time(NULL) * 2654435761u ^ (uint64_t)getpid(); /* still differs from run to run */
}

const char *gr_signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV (segmentation fault)";
    case SIGBUS: return "SIGBUS (bus error)";
    case SIGABRT: return "SIGABRT (abort: assert() or a double free?)";
    case SIGFPE: return "SIGFPE (arithmetic error, e.g. division by zero)";
    case SIGILL: return "SIGILL (illegal instruction)";
    case SIGKILL: return "SIGKILL (killed)";
    case SIGTERM: return "SIGTERM (terminated)";
    case SIGINT: return "SIGINT (interrupted)";
    case SIGPIPE: return "SIGPIPE (wrote to a closed pipe)";
    case SIGXCPU: return "SIGXCPU (CPU time limit exceeded)";
    case SIGXFSZ: return "SIGXFSZ (file size limit exceeded)";
    case SIGALRM: return "SIGALRM (alarm clock)";
    case SIGTRAP: return "SIGTRAP (trace/breakpoint trap)";
    case SIGSYS: return "SIGSYS (bad system call)";
    case SIGHUP: return "SIGHUP (hangup)";
    default: return "an unexpected signal";
    }
}
