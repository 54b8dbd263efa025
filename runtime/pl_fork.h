/*
 * pl_fork.h - what the fork runtime (runtime/fork*.c) offers the fork labs
 * (labs/NN-name/fork.c), beyond paralab.h.
 *
 * The labs write the interesting part themselves: when to fork, which pipe
 * goes where, poll() over the children's pipes, kill() at a deadline and
 * waitpid() afterwards. The runtime keeps the parts that are easy to get
 * subtly wrong and that every lab needs in the same way:
 *
 *   - pl_fork(): fork() plus a few precautions (flush stdout and stderr, so
 *     the child does not print the parent's buffered text a second time;
 *     make sure SIGCHLD/SIGPIPE are set sanely; mark the child as "not
 *     root"; make its pl_should_stop() true once its parent is gone).
 *   - pl_fork_pipe() / pl_fork_close(): pipes whose parent-side ends every
 *     later child closes at once. Without that, child B would inherit the
 *     write end of child A's task pipe, and A would never see end-of-file
 *     when the parent closes its end: it would wait for ever.
 *   - the child's side: pl_fork_serve() (a pool worker: read a task frame,
 *     run it, write the result frame, until end-of-file) and
 *     pl_fork_run_one() (run one task, write its result, exit). Both end in
 *     _exit(), never return: a child that returned would run the rest of the
 *     parent's program (the test runner!) a second time, and exit() would
 *     run the parent's atexit handlers and flush its stdio buffers.
 *   - the parent's side of the wire protocol and the post-mortem:
 *     pl_fork_send_task(), pl_fork_recv_result(), pl_fork_reap(),
 *     pl_fork_explain_end() ("killed by signal SIGSEGV").
 *
 * Wire protocol: both directions are pl_wire frames ([u32 length][bytes],
 * pl_wire.h) whose bytes are a task call one way and its reply the other,
 * in the codec MPI uses too (common/pl_call.h). The parent moves them with
 * non-blocking I/O bounded by a deadline (the *_until calls), keeping half
 * a frame between two poll() rounds, so no child can hold it past one:
 *   task frame   a call:  [tag][task name][encoded pl_value]
 *   result frame a reply: [tag][encoded pl_result]
 * The tag is the caller's (map: the item's index), so a result can never be
 * filed under the wrong item.
 *
 * Hazards worth knowing:
 *   - A multi-threaded parent (the test fixture runs a server thread) forks
 *     only the calling thread. Any lock another thread held at that moment
 *     stays locked for ever in the child. POSIX therefore allows only
 *     async-signal-safe functions in such a child. We bend that rule on
 *     purpose: the child runs a task, which mallocs and may use stdio. It
 *     works because glibc's fork() takes malloc's and stdio's locks around
 *     the fork and resets them in the child; a task that takes a lock of its
 *     own (or a library that does) could still deadlock in a child.
 *   - Not thread-safe: the fd registry and the labs' lists of children are
 *     plain globals. Call the fork backend from one thread at a time.
 *   - SIGPIPE is set to "ignored" process-wide (a write to a dead child must
 *     fail with EPIPE, not kill the parent). SIGCHLD must not be ignored:
 *     with SIG_IGN the kernel reaps children by itself and waitpid() could
 *     no longer tell how a child died, so pl_fork() resets it to SIG_DFL.
 *     Children are only ever reaped with waitpid(pid, ...), never
 *     waitpid(-1, ...), so the backend never steals another part of the
 *     program's children.
 */
#ifndef PL_FORK_H
#define PL_FORK_H

#include <poll.h>
#include <stdint.h>
#include <sys/types.h>

#include "paralab.h"
#include "pl_call.h"

/*
 * A sane ceiling on children at once for one call (a map's pool, a group):
 * each child costs a process and two descriptors, and a max_workers of
 * 100000 should not exhaust either. Calls may run fewer children than
 * max_workers asked for ("at most", paralab.h); never more.
 */
#define PL_FORK_MAX_CHILDREN 128

/*
 * The highest descriptor number + 1 the fork backend keeps per-descriptor
 * state for, in fixed arrays indexed by the number: the pipe registry and
 * its readers (fork_fds.c), the outboxes and read-ahead marks (fork_post.c).
 */
#define PL_FORK_FD_MAX 4096

/*
 * fork() with the precautions above. Returns what fork() returns: the
 * child's pid in the parent, 0 in the child, -1 (errno set) on failure.
 * In the child, the only things to do are to call pl_fork_serve() or
 * pl_fork_run_one(), which never return. A child's pl_should_stop() turns
 * true when its parent dies, and the kernel kills it then anyway
 * (PR_SET_PDEATHSIG): not even a task that never polls outlives its parent.
 * Linux sends that signal when the THREAD that forked ends, so fork from
 * the thread that will also wait for the child.
 */
pid_t pl_fork(void);

/*
 * pipe() whose two ends are registered: every child forked later closes
 * them first thing (keeping only the ends it is given). The ends are also
 * close-on-exec. PL_OK, or PL_ESYS (errno set; fds untouched).
 */
int pl_fork_pipe(int fds[2]);

/* Close a registered (or any) descriptor and set *fd to -1; ignores -1. */
void pl_fork_close(int *fd);

/*
 * Child side of a pool worker: close every registered descriptor except
 * task_fd (read task frames) and result_fd (write result frames), then
 * serve task frames one at a time until task_fd reaches end-of-file (the
 * parent closed it: no more work), then _exit(0). Each result records this
 * child's pid as its worker. Never returns.
 */
_Noreturn void pl_fork_serve(int task_fd, int result_fd);

/*
 * Chunks (a map hands a worker several items at once, paralab.h "Chunks").
 * A task frame may be a call of k items; the worker runs them in order and
 * answers with one or more result frames whose results, in order, are
 * those k: each reply's tag is the call's tag plus the position of its
 * first result in the call (the map tags a call with its first item's
 * index, so a reply's tag is the index of ITS first item). One reply per
 * call when the items are quick; a worker that has spent
 * PL_FORK_FLUSH_NS on a call since its last reply sends what it has, so a
 * slow item's answer is never held back by the rest of its chunk.
 */
#define PL_FORK_FLUSH_NS ((int64_t)1000 * 1000)

/*
 * How far each pool worker got, in memory the parent and its children
 * share (mmap MAP_SHARED, made BEFORE the fork: shared pages are the one
 * thing a child writes that its parent sees). Before a worker starts an
 * item, slot k says which, two ways: pl_fork_progress_last, 1 + the
 * item's tag (its call's tag plus its position in the call; for a map,
 * 1 + the item's index; 0 before the first), and pl_fork_progress_started,
 * how many items of its current call have started. When a worker dies
 * mid-chunk, that tells the parent which item killed it (the last one
 * started), which ones had finished (their answers died with it unless
 * already sent), and which never ran (safe to give to another worker:
 * nothing runs twice). Only the first way stays exact with chunks queued
 * behind the one a worker runs: the count of "its current call" cannot
 * say WHICH call. (The count is the older way, kept for labs written
 * against it: its parent resets it with pl_fork_progress_set(p, k, 0)
 * while the worker is idle.) The child stores, the parent reads after
 * waitpid() (which orders the two).
 */
typedef struct pl_fork_progress pl_fork_progress;

/* A progress page for `slots` workers, all 0. NULL (errno set) if mmap fails. */
pl_fork_progress *pl_fork_progress_new(int slots);
void pl_fork_progress_free(pl_fork_progress *p); /* accepts NULL */
/* Slot k, as above. Out of range or NULL p: 0 / ignored. */
size_t pl_fork_progress_last(const pl_fork_progress *p, int k);
size_t pl_fork_progress_started(const pl_fork_progress *p, int k);
void pl_fork_progress_set(pl_fork_progress *p, int k, size_t started);
/* The worker's side: item j of its call tagged tag starts now (sets both). */
void pl_fork_progress_start(pl_fork_progress *p, int k, size_t j, uint64_t tag);

/*
 * pl_fork_serve, recording its progress in slot k of p (p NULL: nowhere).
 * Answers calls of any count as described under "Chunks". Never returns.
 */
_Noreturn void pl_fork_serve_chunks(int task_fd, int result_fd, pl_fork_progress *p, int k);

/*
 * Parent side of chunks, without ever waiting - the fork twin of
 * MPI_Isend and MPI's progress engine (runtime/fork_post.c):
 *
 * pl_fork_post_chunk sends one task frame holding count calls of task
 * (args[0..count), none NULL) under tag, and returns at once: the frame
 * waits in the runtime and goes out, in order, when the parent waits in
 * pl_fork_poll (all a round posted to one worker in one write(), what the
 * pipe has no room for yet as room comes). So a worker may hold
 * chunks queued behind the one it runs, and no send can deadlock with a
 * worker that waits for room to send its answer. PL_OK (also when the
 * worker is gone: like MPI_Isend's, such an error shows where you wait -
 * its result pipe reports end-of-file); PL_EINVAL (also a frame too big,
 * see pl_value_fits_wire); PL_ENOMEM.
 * Whatever is still queued for fd is dropped by pl_fork_close(fd).
 *
 * pl_fork_poll is poll() for a pool's result pipes (fds, events POLLIN),
 * waiting at most until deadline_ns (PL_NEVER: no bound; a signal just
 * waits again): meanwhile it moves the queued chunks, and it reports as
 * ready a pipe whose reply the runtime has already read ahead. Returns
 * how many entries of fds have revents, 0 at the deadline, -1 with errno
 * as poll() (ENOMEM).
 *
 * pl_fork_recv_reply_until reads one result frame into *out (a reply of
 * one or more results, pl_call.h; empty on entry, cleared by the caller
 * with pl_reply_msg_clear), never past deadline_ns. With deadline 0 ("what
 * has come"; call it when pl_fork_poll says fd is ready) on a pipe that
 * pl_fork_poll watches, one read() takes every reply the pipe holds and
 * the next calls hand them out, one each time pl_fork_poll reports fd.
 * PL_ETIMEDOUT: no whole frame yet (its start is kept: poll again);
 * otherwise as pl_fork_recv_result_until.
 */
int pl_fork_post_chunk(int fd, uint64_t tag, const char *task, pl_value *const args[], size_t count);
int pl_fork_poll(struct pollfd fds[], nfds_t nfds, int64_t deadline_ns);
int pl_fork_recv_reply_until(int fd, int64_t deadline_ns, pl_reply_msg *out);

/*
 * The earlier way, kept so that a lab written against it still builds:
 * send one chunk's frame, waiting for room until deadline_ns (PL_NEVER:
 * as long as it takes), with the errors of pl_fork_send_task_until - a
 * pool that keeps ONE chunk per worker may use it with plain poll(). Never
 * to a worker that is still running a chunk: both could wait for room in
 * a full pipe for ever. pl_fork_recv_reply: pl_fork_recv_reply_until with
 * no deadline.
 */
int pl_fork_send_chunk_until(int fd, int64_t deadline_ns, uint64_t tag, const char *task, pl_value *const args[],
                             size_t count);
int pl_fork_send_chunk(int fd, uint64_t tag, const char *task, pl_value *const args[], size_t count);
int pl_fork_recv_reply(int fd, pl_reply_msg *out);

/*
 * Chunks queued ahead (the map lab's optional last step): a worker whose
 * last reply's items ran for under PL_FORK_AHEAD_BELOW_NS, from the first
 * start to the last end (pl_fork_worth_ahead; ask before moving the
 * results out of the reply), may hold the next PL_FORK_AHEAD chunks, one
 * frame each, queued behind the ones it runs, so that it never idles for
 * the round trip of the parent's read, file and send. 20 000 squares one
 * at a time, W = 2, on 2 cores: one chunk out, ~8 us an item; one queued
 * behind, ~4.5; two (this value), ~2.6; three, ~2.1. The price: a slow
 * item right after quick ones still holds the chunks queued behind it
 * (up to 2 * PL_FORK_AHEAD - 1) while another worker may be free - and
 * could make them miss a deadline, so a map queues only without one.
 */
#define PL_FORK_AHEAD 2
#define PL_FORK_AHEAD_BELOW_NS ((int64_t)1000 * 1000)
int pl_fork_worth_ahead(const pl_reply_msg *reply);

/*
 * Child side of a one-shot child (a future, a group member): close every
 * registered descriptor except result_fd, run task(arg) - already in memory,
 * copied by fork - write one result frame with tag 0, and _exit(0).
 * Never returns.
 */
_Noreturn void pl_fork_run_one(const char *task, const pl_value *arg, int result_fd);

/*
 * Parent side: send one task frame, never past deadline_ns (PL_NEVER: no
 * bound). fd becomes non-blocking and poll() waits for room in the pipe, so
 * a child that stopped reading (stopped by SIGSTOP, stuck in a task) cannot
 * hold the call past its deadline. PL_OK; PL_ETIMEDOUT: the deadline came
 * first - part of the frame may be in the pipe, so this child can never be
 * given another frame: kill it, its item ran out of time; PL_EIO when the
 * child is gone (EPIPE: the reader end is closed); PL_ENOMEM; PL_EINVAL
 * (also an argument too big for a frame: check sizes before any work, see
 * pl_value_fits_wire).
 */
int pl_fork_send_task_until(int fd, int64_t deadline_ns, uint64_t tag, const char *task,
                            const pl_value *arg);

/*
 * Parent side: read one result frame, without ever waiting past
 * deadline_ns. Whatever part of a frame the pipe holds is kept by the
 * runtime (one reader per registered descriptor), so calling this when
 * poll() says fd is readable, with deadline 0 ("only what is there now"),
 * never blocks: the rest is read on a later call.
 * PL_OK with *tag and a new *out the caller frees; PL_ETIMEDOUT: the frame
 * is not whole yet (its start is kept: poll again, or kill the child at
 * the deadline); PL_EIO on end-of-file: the child died (or exited) without
 * sending a whole result - reap it and ask pl_fork_explain_end why;
 * PL_EWIRE for a corrupt frame; PL_ENOMEM.
 */
int pl_fork_recv_result_until(int fd, int64_t deadline_ns, uint64_t *tag, pl_result **out);

/* The same with no deadline (PL_NEVER): they wait as long as the child takes. */
int pl_fork_send_task(int fd, uint64_t tag, const char *task, const pl_value *arg);
int pl_fork_recv_result(int fd, uint64_t *tag, pl_result **out);

/*
 * Wait for child pid to end (SIGKILL it first when kill_first) and store
 * its wait status in *wstatus (may be NULL). Retries on EINTR. A killed
 * child dies at once, so with kill_first this never blocks for long.
 * PL_OK, PL_EINVAL (pid <= 0), PL_ESYS (waitpid failed, e.g. not our child).
 */
int pl_fork_reap(pid_t pid, int kill_first, int *wstatus);

/*
 * Turn the wait status of a child that did not deliver a result into the
 * result's status and text: killed by a signal -> CRASHED "the worker
 * process (pid N) was killed by signal SIGSEGV (Segmentation fault)";
 * exited -> CRASHED "... exited with status N without sending a result".
 */
void pl_fork_explain_end(pid_t pid, int wstatus, pl_result *res);

/* "SIGSEGV", "SIGKILL", ...; "SIG?" for a number it does not know. */
const char *pl_fork_signal_name(int sig);

/* ---------------------------------------------------------------- runtime internals */

/*
 * For the child's side (runtime/fork_child.c), first thing in a fresh
 * child: close every registered descriptor but a and b (its own pipe ends).
 * The labs never call it; pl_fork_serve and pl_fork_run_one do.
 */
void pl_fork_close_registered_except(int a, int b);

/*
 * The parent's resumable frame reader for registered descriptor fd (made on
 * first use, freed by pl_fork_close); NULL for a descriptor that is not
 * registered (or out of memory). For pl_fork_recv_result_until.
 */
struct pl_frame_in *pl_fork_reader(int fd);

/*
 * The pool's per-pipe state in fork_post.c. pl_fork_forget, for
 * pl_fork_close: drop what is still queued for fd and its read-ahead
 * marks. pl_fork_watched / pl_fork_note_reply, for
 * pl_fork_recv_reply_until: may fd's reader read ahead (pl_fork_poll
 * watches fd), and did its last read get a reply (more may wait).
 */
void pl_fork_forget(int fd);
int pl_fork_watched(int fd);
void pl_fork_note_reply(int fd, int got);

#endif
