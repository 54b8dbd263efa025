/*
 * pl_cancel.h - cooperative cancellation.
 *
 * A thread cannot be killed safely: it may hold a lock or be half-way through
 * writing shared memory. So in the OpenMP backend a task that must stop (its
 * deadline passed, or its future was cancelled) is *asked* to stop, and
 * long-running tasks ask pl_should_stop() every few milliseconds. A task that
 * never asks cannot be stopped; the lesson shows that on purpose (hang with
 * polling disabled). Processes (fork) can be killed, but asking first is still
 * polite: it lets the task clean up.
 *
 * A pl_cancel token holds a flag and an optional deadline. The backend makes a
 * token "current" for the thread that runs a task (pl_cancel_swap_current);
 * the task's pl_should_stop() then looks at that token. Tokens are shared
 * between threads, so the flag is atomic: setting it from one thread and
 * reading it from another is not a data race.
 */
#ifndef PL_CANCEL_H
#define PL_CANCEL_H

#include <stdbool.h>
#include <stdint.h>

typedef struct pl_cancel pl_cancel;

pl_cancel *pl_cancel_new(void);
void pl_cancel_free(pl_cancel *c); /* accepts NULL */

/* Ask every task watching c to stop. Safe from any thread, any number of times. */
void pl_cancel_request(pl_cancel *c);
/* Stop when pl_now_ns() reaches deadline_ns; INT64_MAX (or <= 0) means never. */
void pl_cancel_set_deadline(pl_cancel *c, int64_t deadline_ns);
/* True when requested or past the deadline. NULL: false. */
bool pl_cancel_is_set(const pl_cancel *c);

/*
 * Make c the calling thread's current token and return the previous one, so
 * a backend can restore it: prev = swap(c); run task; swap(prev).
 */
pl_cancel *pl_cancel_swap_current(pl_cancel *c);

/*
 * What tasks call. True when the calling thread's current token is set, or
 * when the process-wide poll hook says so (the MPI backend uses the hook to
 * look for a cancel message from rank 0). Cheap: a relaxed atomic load and,
 * with a deadline, one clock read.
 */
bool pl_should_stop(void);

/*
 * One process-wide hook consulted by pl_should_stop(); NULL removes it.
 * Set it before tasks run (it is read without a lock).
 */
typedef bool (*pl_stop_hook)(void);
void pl_cancel_set_hook(pl_stop_hook hook);

#endif
