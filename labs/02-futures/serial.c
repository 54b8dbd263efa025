/*
 * 02-futures/serial.c - futures without a background: deferred.
 *
 * A future promises "the task runs while you do something else". With one
 * thread there is nobody to run it meanwhile, so the serial backend is
 * honest about it instead of pretending:
 *
 *   pl_future_start   checks the call and stores the task and a copy of its
 *                     argument. Nothing runs yet.
 *   pl_future_wait    the FIRST wait that is allowed to wait (timeout != 0)
 *                     runs the task right there, in the caller's thread. The
 *                     wait's timeout becomes the task's deadline: a task that
 *                     polls pl_should_stop() gives up when it passes, and its
 *                     result is TIMEOUT. That result is final - the task does
 *                     not run again - so the wait returns PL_OK with it.
 *                     A wait with timeout 0 is a poll: it never runs the task
 *                     (that would be waiting) and returns PL_ETIMEDOUT.
 *   pl_future_done    0 until a wait ran the task (or it was cancelled).
 *   pl_future_cancel  before the first wait: the task never runs, CANCELLED.
 *
 * Compare with the parallel backends, where the task starts at once and a
 * wait only decides how long to look: the API is the same, the timing is
 * not. That is the point of the serial baseline.
 */
#include <stdlib.h>

#include "paralab.h"
#include "pl_backend_common.h"

struct pl_future {
    pl_task_call *call; /* the task's name and our own copy of its argument */
    pl_result *result; /* NULL until the task ran or was cancelled; then final */
};

int pl_future_start(const char *task, const pl_value *arg, pl_future **out)
{
    int rc = pl_future_check_start(task, out);
    if (rc != PL_OK) {
        return rc;
    }
    pl_future *f = calloc(1, sizeof *f);
    if (f == NULL || (f->call = pl_task_call_new(task, arg)) == NULL) {
        free(f);
        return PL_ENOMEM;
    }
    *out = f;
    return PL_OK;
}

/*
 * Run the deferred task now, stopping it when deadline_ns passes. A task
 * that stopped because of that deadline ran out of time: TIMEOUT, not
 * CANCELLED (nobody cancelled it).
 */
static int run_deferred(pl_future *f, int64_t deadline_ns)
{
    int deadline_hit = 0;
    int rc = pl_run_here_until(f->call->task, f->call->arg, deadline_ns, &f->result, &deadline_hit);
    if (rc == PL_OK && deadline_hit && pl_result_status(f->result) == PL_TASK_CANCELLED) {
        pl_result_set_status(f->result, PL_TASK_TIMEOUT, "stopped at the deadline of the wait that ran it");
    }
    return rc;
}

int pl_future_wait(pl_future *f, int64_t timeout_ms, const pl_result **out)
{
    if (f == NULL || out == NULL) {
        return PL_EINVAL;
    }
    if (f->result == NULL) {
        if (timeout_ms == 0) {
            return PL_ETIMEDOUT; /* a poll must not block, and running the task would */
        }
        int rc = run_deferred(f, pl_deadline_after_ms(timeout_ms));
        if (rc != PL_OK) {
            return rc;
        }
    }
    *out = f->result;
    return PL_OK;
}

int pl_future_done(pl_future *f)
{
    if (f == NULL) {
        return PL_EINVAL;
    }
    return f->result != NULL;
}

int pl_future_cancel(pl_future *f)
{
    if (f == NULL) {
        return PL_EINVAL;
    }
    if (f->result != NULL) {
        return PL_ESTATE; /* it already has its one result; cancelling cannot change it */
    }
    pl_result *res = pl_result_new();
    if (res == NULL) {
        return PL_ENOMEM;
    }
    /* No times, no worker: the result itself shows that the task never ran. */
    pl_result_set_status(res, PL_TASK_CANCELLED, "cancelled before it started");
    f->result = res;
    return PL_OK;
}

void pl_future_free(pl_future **fp)
{
    if (fp == NULL || *fp == NULL) {
        return;
    }
    pl_future *f = *fp;
    /* Nothing can be running: a serial task only runs inside pl_future_wait. */
    pl_task_call_free(f->call);
    pl_result_free(f->result);
    free(f);
    *fp = NULL;
}
