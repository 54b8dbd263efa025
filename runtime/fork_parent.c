/*
 * runtime/fork_parent.c - the parent's side of the fork backend's protocol:
 * sending task frames, reading result frames, reaping children and saying
 * how a child that never answered died. A frame's content is a task call
 * or its reply in the one codec every backend shares (common/pl_call.h);
 * this file only moves it through a pipe.
 *
 * Reaping matters: a child that has exited stays in the process table as a
 * zombie (state Z) until its parent calls waitpid() for it. Zombies hold a
 * pid each; a program that forgets them runs out of processes.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "paralab.h"
#include "pl_call.h"
#include "pl_fork.h"
#include "pl_wire.h"

int pl_fork_send_task_until(int fd, int64_t deadline_ns, uint64_t tag, const char *task,
                            const pl_value *arg)
{
    if (fd < 0) {
        return PL_EINVAL;
    }
    pl_buf *b = pl_buf_new();
    if (b == NULL) {
        return PL_ENOMEM;
    }
    int rc = pl_call_encode(b, tag, task, arg); /* PL_EINVAL for a bad task name */
    if (rc == PL_OK) {
        rc = pl_wire_write_frame_until(fd, pl_buf_data(b), pl_buf_len(b), deadline_ns);
    }
    pl_buf_free(b);
    return rc;
}

int pl_fork_send_task(int fd, uint64_t tag, const char *task, const pl_value *arg)
{
    return pl_fork_send_task_until(fd, PL_NEVER, tag, task, arg);
}

int pl_fork_recv_result_until(int fd, int64_t deadline_ns, uint64_t *tag, pl_result **out)
{
    if (fd < 0 || tag == NULL || out == NULL) {
        return PL_EINVAL;
    }
    *out = NULL;
    /* One task, one result: a reply of one (fork_chunks.c reads any count). */
    pl_reply_msg reply;
    int rc = pl_fork_recv_reply_until(fd, deadline_ns, &reply);
    if (rc == PL_OK && reply.count != 1) {
        rc = PL_EWIRE;
    }
    if (rc == PL_OK) {
        *tag = reply.tag;
        *out = reply.results[0];
        reply.results[0] = NULL; /* the caller owns it now */
    }
    pl_reply_msg_clear(&reply);
    return rc; /* PL_EIO: end-of-file, the child is gone */
}

int pl_fork_recv_result(int fd, uint64_t *tag, pl_result **out)
{
    return pl_fork_recv_result_until(fd, PL_NEVER, tag, out);
}

int pl_fork_reap(pid_t pid, int kill_first, int *wstatus)
{
    if (pid <= 0) {
        return PL_EINVAL; /* kill(0 or -1, ...) would hit a whole process group */
    }
    if (kill_first) {
        /* Safe even if it already exited: an unreaped child keeps its pid, nobody else gets it. */
        kill(pid, SIGKILL);
    }
    int status = 0;
    pid_t got;
    do {
        got = waitpid(pid, &status, 0);
    } while (got < 0 && errno == EINTR);
    if (got != pid) {
        return PL_ESYS;
    }
    if (wstatus != NULL) {
        *wstatus = status;
    }
    return PL_OK;
}

const char *pl_fork_signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGABRT: return "SIGABRT";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";
    case SIGHUP: return "SIGHUP";
    case SIGPIPE: return "SIGPIPE";
    case SIGALRM: return "SIGALRM";
    case SIGUSR1: return "SIGUSR1";
    case SIGUSR2: return "SIGUSR2";
    case SIGXCPU: return "SIGXCPU";
    case SIGXFSZ: return "SIGXFSZ";
    case SIGSYS: return "SIGSYS";
    case SIGTRAP: return "SIGTRAP";
    default: return "SIG?";
    }
}

void pl_fork_explain_end(pid_t pid, int wstatus, pl_result *res)
{
    if (res == NULL) {
        return;
    }
    if (WIFSIGNALED(wstatus)) {
        int sig = WTERMSIG(wstatus);
        pl_result_set_status(res, PL_TASK_CRASHED, "the worker process (pid %ld) was killed by signal %s (%s)",
                             (long)pid, pl_fork_signal_name(sig), strsignal(sig));
    } else if (WIFEXITED(wstatus)) {
        pl_result_set_status(res, PL_TASK_CRASHED,
                             "the worker process (pid %ld) exited with status %d without sending a result",
                             (long)pid, WEXITSTATUS(wstatus));
    } else {
        pl_result_set_status(res, PL_TASK_CRASHED, "the worker process (pid %ld) ended without a result",
                             (long)pid);
    }
    pl_result_set_worker(res, (int64_t)pid);
}
