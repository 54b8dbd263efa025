/*
 * 02-futures/openmp.c - futures run by OpenMP tasks.
 *
 * pl_run (runtime/openmp.c) keeps a team of worker threads waiting at the
 * end of its parallel region; a thread waiting there executes the team's
 * OpenMP tasks. So "run this in the background" is `#pragma omp task`.
 *
 * Why not simply one `#pragma omp task` per future? Because the OpenMP
 * runtime decides when a task runs, and GCC's libgomp has a rule that bites
 * futures: when a team already has more than 64 tasks per thread queued,
 * the next `#pragma omp task` is executed AT ONCE, by the thread that
 * created it. (Measured here: with 3 threads, the 193rd task ran inside
 * the creating thread.) For a future that would mean pl_future_start not
 * returning until the task is done - for ever, if it is `hang`. So:
 *
 *   - pending futures wait in OUR queue (a linked list guarded by a named
 *     critical section), not in OpenMP's;
 *   - at most pl_workers() "runner" tasks exist; a runner takes futures
 *     from the queue one by one until it is empty, then ends. Starting a
 *     future creates a new runner only when fewer than pl_workers() run.
 * The queue also makes "cancel before start" simple: a queued future is
 * just a record whose state we can flip before any runner claims it.
 *
 * Who owns what. The caller holds the handle; the queue (and then the
 * runner) holds the same block. Either side may be done first: the caller
 * may free a future whose task is still running, and the task must then
 * not touch freed memory. So the block has a reference count (2: caller +
 * queue); each side drops its reference when done, and whoever drops the
 * last one frees the block.
 *
 * The state moves QUEUED -> CLAIMED -> DONE, once. Exactly one party claims
 * a queued future - a runner (to run it) or pl_future_cancel (to cancel
 * it) - with an atomic compare-and-swap, and the claimer alone writes the
 * result. DONE is stored with release order and read with acquire order,
 * which guarantees that a waiter who sees DONE also sees the whole result.
 *
 * Waiting polls the state with short sleeps. `#pragma omp taskyield` looks
 * tempting ("run other tasks while I wait") but lets the WAITING thread
 * pick up a queued task itself: if that is a 10-second sleep, or `hang`,
 * a wait with a 50 ms timeout would return 10 s later, or never. A waiter
 * that only sleeps can always honour its timeout.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include <omp.h>

#include "paralab.h"
#include "pl_backend_common.h"
#include "pl_openmp.h"

/*
 * Your code: types and static helper functions of your own go here, above
 * the functions below that call them. (A static function that nothing
 * calls is an error under -Werror: add each one when you first call it.)
 */
/* BEGIN SOLUTION */
enum future_state { FUTURE_QUEUED, FUTURE_CLAIMED, FUTURE_DONE };

struct pl_future {
    pl_task_call *call; /* the task's name and our own copy of its argument */
    pl_cancel *token;  /* set by cancel/free; the task's pl_should_stop() watches it */
    pl_result *result; /* written only by the claimer; read by others only once DONE */
    atomic_int state;  /* enum future_state */
    atomic_int refs;   /* 2 (caller + queue/runner) -> freed by the last one out */
    pl_future *next;   /* queue link: only touched inside critical(pl_future_queue) */
};

/*
 * Futures not yet claimed by a runner, oldest first, and how many runner
 * tasks exist. One queue for the process, because the team is one too.
 * Only touched inside `#pragma omp critical(pl_future_queue)`.
 */
static struct {
    pl_future *head, *tail;
    int runners;
} queue;

static void destroy(pl_future *f)
{
    pl_task_call_free(f->call);
    pl_cancel_free(f->token);
    pl_result_free(f->result);
    free(f);
}

/* Drop one reference; the last one frees the block. acq_rel: the freeing side sees every write. */
static void release(pl_future *f)
{
    if (atomic_fetch_sub_explicit(&f->refs, 1, memory_order_acq_rel) == 1) {
        destroy(f);
    }
}

/* Claim a queued future: exactly one caller ever succeeds. */
static int claim(pl_future *f)
{
    int expected = FUTURE_QUEUED;
    return atomic_compare_exchange_strong_explicit(&f->state, &expected, FUTURE_CLAIMED,
                                                   memory_order_acq_rel, memory_order_acquire);
}

/* The claimer publishes the finished result. */
static void publish(pl_future *f)
{
    atomic_store_explicit(&f->state, FUTURE_DONE, memory_order_release);
}

static int is_done(pl_future *f)
{
    return atomic_load_explicit(&f->state, memory_order_acquire) == FUTURE_DONE;
}

/* Run a claimed future on this worker thread, with its token current here. */
static void run_claimed(pl_future *f)
{
    pl_cancel *previous = pl_cancel_swap_current(f->token);
    pl_task_run(f->call->task, f->call->arg, f->result);
    pl_cancel_swap_current(previous);
    pl_result_set_worker(f->result, omp_get_thread_num());
    publish(f);
}

/* Append f; returns 1 when the caller must create a new runner task for it. */
static int enqueue(pl_future *f)
{
    int need_runner = 0;
    int workers = pl_workers();
#pragma omp critical(pl_future_queue)
    {
        f->next = NULL;
        if (queue.tail != NULL) {
            queue.tail->next = f;
        } else {
            queue.head = f;
        }
        queue.tail = f;
        if (queue.runners < workers) {
            queue.runners++;
            need_runner = 1;
        }
    }
    return need_runner;
}

/*
 * The oldest queued future, or NULL - and then this runner retires. Taking
 * the last future and retiring happen under the same lock as enqueue, so a
 * future is never left in the queue with no runner to take it.
 */
static pl_future *dequeue_or_retire(void)
{
    pl_future *f;
#pragma omp critical(pl_future_queue)
    {
        f = queue.head;
        if (f != NULL) {
            queue.head = f->next;
            if (queue.head == NULL) {
                queue.tail = NULL;
            }
        } else {
            queue.runners--;
        }
    }
    return f;
}

/* The body of a runner task: run queued futures until none is left. */
static void run_queue(void)
{
    pl_future *f;
    while ((f = dequeue_or_retire()) != NULL) {
        if (claim(f)) {
            run_claimed(f);
        } /* else: cancelled (or freed) while queued - it must not run */
        release(f); /* the queue's reference */
    }
}

/* A new future block holding copies of everything the task needs. */
static pl_future *future_new(const char *task, const pl_value *arg)
{
    pl_future *f = calloc(1, sizeof *f);
    if (f == NULL) {
        return NULL;
    }
    f->call = pl_task_call_new(task, arg);
    f->token = pl_cancel_new();
    f->result = pl_result_new(); /* allocated now, so nothing can fail once it runs */
    if (f->call == NULL || f->token == NULL || f->result == NULL) {
        destroy(f);
        return NULL;
    }
    atomic_init(&f->refs, 2);
    /* Release: a runner that claims f (acquire) sees every field written above. */
    atomic_store_explicit(&f->state, FUTURE_QUEUED, memory_order_release);
    return f;
}
/* END SOLUTION */

int pl_future_start(const char *task, const pl_value *arg, pl_future **out)
{
    int rc = pl_future_check_start(task, out);
    if (rc != PL_OK) {
        return rc;
    }
    /* Background tasks need pl_run's team of worker threads (see runtime/pl_openmp.h). */
    if (!pl_omp_in_scope()) {
        return PL_ESTATE;
    }
    /* BEGIN SOLUTION */
    /* TODO: Copy the task name and argument into a new future (pl_task_call_new) and queue
     * it. Create a `#pragma omp task` runner when fewer than pl_workers() runners exist. (Why
     * not simply one OpenMP task per future? See the comment at the top of this file.) */
    /* SKELETON: (void)arg; return PL_ENOTIMPL; */
    pl_future *f = future_new(task, arg);
    if (f == NULL) {
        return PL_ENOMEM;
    }
    if (enqueue(f)) {
        /* The runner binds to pl_run's team; an idle worker thread picks it up. */
#pragma omp task
        run_queue();
    }
    *out = f;
    return PL_OK;
    /* END SOLUTION */
}

int pl_future_wait(pl_future *f, int64_t timeout_ms, const pl_result **out)
{
    if (f == NULL || out == NULL) {
        return PL_EINVAL;
    }
    /* BEGIN SOLUTION */
    /* TODO: Look at the future's "done" flag until it is set or the timeout passes, sleeping
     * between looks. (Why not taskyield? See the comment at the top of this file.) */
    /* SKELETON: (void)timeout_ms; return PL_ENOTIMPL; */
    int64_t deadline = pl_deadline_after_ms(timeout_ms);
    while (!is_done(f)) {
        if (pl_now_ns() >= deadline) {
            return PL_ETIMEDOUT; /* the task keeps running; the caller may wait again */
        }
        pl_sleep_ms(PL_OMP_POLL_MS);
    }
    *out = f->result;
    return PL_OK;
    /* END SOLUTION */
}

int pl_future_done(pl_future *f)
{
    if (f == NULL) {
        return PL_EINVAL;
    }
    /* BEGIN SOLUTION */
    /* TODO: Return 1 if f's "done" flag is set and 0 if not, without waiting. */
    /* SKELETON: return PL_ENOTIMPL; */
    return is_done(f);
    /* END SOLUTION */
}

int pl_future_cancel(pl_future *f)
{
    if (f == NULL) {
        return PL_EINVAL;
    }
    /* BEGIN SOLUTION */
    /* TODO: A future that is done already cannot be cancelled: PL_ESTATE. A queued one must
     * never run, so it is CANCELLED now; a running one has its cancel token set, and its task
     * stops when it next polls pl_should_stop(). */
    /* SKELETON: return PL_ENOTIMPL; */
    if (claim(f)) {
        /* We won against every runner: the task never starts (no times, no worker). */
        pl_result_set_status(f->result, PL_TASK_CANCELLED, "cancelled before it started");
        publish(f);
        return PL_OK;
    }
    if (is_done(f)) {
        return PL_ESTATE; /* it already has its one result */
    }
    /* Running: a thread cannot be stopped from outside, only asked (pl_should_stop). */
    pl_cancel_request(f->token);
    return PL_OK;
    /* END SOLUTION */
}

void pl_future_free(pl_future **fp)
{
    if (fp == NULL || *fp == NULL) {
        return;
    }
    /* BEGIN SOLUTION */
    /* TODO: Set *fp to NULL first and cancel the future. A running task may outlive its
     * handle and must never touch freed memory, so whichever of the caller and the runner
     * lets go of the future last frees it (a reference count). */
    /* SKELETON: *fp = NULL; */
    pl_future *f = *fp;
    *fp = NULL;
    /* Queued: never runs. Running: asked to stop. Done: nothing to do (PL_ESTATE). */
    (void)pl_future_cancel(f);
    release(f); /* the caller's reference; a running task still holds its own */
    /* END SOLUTION */
}
