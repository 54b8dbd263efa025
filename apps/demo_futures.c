/*
 * demo_futures.c - futures: start work now, collect it later.
 *
 *     f = slow_square.future(7)        # returns at once
 *     f.result(timeout=0.05)           # TimeoutError: still running
 *     f.result()                       # 49
 *     g = forever.future(); g.cancel()
 *
 * Shows the four things a future gives: the start returns at once, a wait
 * can time out and be retried, a failed task reports why, and a running
 * task can be cancelled.
 */
#include <stdio.h>

#include "demo.h"
#include "paralab.h"

static void show(const char *label, const pl_result *r)
{
    char line[PL_ERROR_MAX + 128];
    pl_result_format(r, line, sizeof line);
    printf("  %-28s %s\n", label, line);
}

/* Start task(arg) and report a refusal; the caller owns *f on PL_OK. */
static int start(const char *task, pl_value *arg, pl_future **f)
{
    int rc = arg != NULL ? pl_future_start(task, arg, f) : PL_ENOMEM;
    pl_value_free(arg);
    return rc;
}

/*
 * On the serial backend there is no background worker: the task runs inside
 * the first wait, whose 50 ms became the task's deadline, so that wait came
 * back with a final TIMEOUT result (not PL_ETIMEDOUT). A future has exactly
 * one result, so waiting on it again would show the same TIMEOUT: say so,
 * and wait for a fresh future without a timeout instead.
 */
static int serial_retry(pl_future **f, const pl_result **r)
{
    printf("  (serial: no worker in the background, so the task ran inside that wait and its 50 ms\n"
           "   were the task's deadline; a future has one result, so waiting on it again would\n"
           "   show the same TIMEOUT. A new future, waited for without a timeout:)\n");
    pl_future_free(f);
    int rc = start("sleep_ms", pl_value_new_int(300), f);
    return rc == PL_OK ? pl_future_wait(*f, PL_NO_TIMEOUT, r) : rc;
}

/* A sleep that outlasts a short wait: TIMEOUT first, the value after a retry. */
static int wait_twice(void)
{
    pl_future *f = NULL;
    int rc = start("sleep_ms", pl_value_new_int(300), &f);
    if (rc != PL_OK) {
        return demo_refused("pl_future_start(sleep_ms)", rc);
    }
    printf("started sleep_ms(300); done right away? %s\n", pl_future_done(f) == 1 ? "yes" : "no");
    const pl_result *r = NULL;
    rc = pl_future_wait(f, 50, &r);
    if (rc == PL_ETIMEDOUT) {
        printf("  %-28s not done yet (PL_ETIMEDOUT): it keeps running, wait again\n", "wait(50 ms)");
        rc = pl_future_wait(f, PL_NO_TIMEOUT, &r);
    } else if (rc == PL_OK) {
        show("wait(50 ms)", r);
        rc = serial_retry(&f, &r);
    }
    if (rc == PL_OK) {
        show("wait(no timeout)", r);
    }
    pl_future_free(&f);
    return rc == PL_OK ? 0 : demo_refused("pl_future_wait", rc);
}

/* Several futures in flight at once, waited for in the opposite order. */
static int many(void)
{
    enum { N = 4 };
    pl_future *fs[N] = {0};
    int rc = PL_OK;
    for (int i = 0; i < N && rc == PL_OK; i++) {
        rc = start("square", pl_value_new_int(i + 5), &fs[i]);
    }
    printf("square(5..8) started together, waited for last to first:\n");
    for (int i = N - 1; i >= 0 && rc == PL_OK; i--) {
        const pl_result *r = NULL;
        rc = pl_future_wait(fs[i], PL_NO_TIMEOUT, &r);
        if (rc == PL_OK) {
            char label[32];
            snprintf(label, sizeof label, "square(%d)", i + 5);
            show(label, r);
        }
    }
    for (int i = 0; i < N; i++) {
        pl_future_free(&fs[i]);
    }
    return rc == PL_OK ? 0 : demo_refused("futures", rc);
}

/* A failing task, and a task that would never end, cancelled. */
static int fail_and_cancel(void)
{
    pl_future *bad = NULL, *forever = NULL;
    int rc = start("fail", pl_value_new_str("no such species"), &bad);
    if (rc == PL_OK) {
        rc = start("hang", pl_value_new(), &forever);
    }
    const pl_result *r = NULL;
    if (rc == PL_OK && (rc = pl_future_wait(bad, PL_NO_TIMEOUT, &r)) == PL_OK) {
        show("fail(...)", r);
        rc = pl_future_cancel(forever);
        rc = rc == PL_ESTATE ? PL_OK : rc; /* already over: nothing to cancel */
    }
    if (rc == PL_OK && (rc = pl_future_wait(forever, 5000, &r)) == PL_OK) {
        show("hang() after cancel", r);
    }
    pl_future_free(&bad);
    pl_future_free(&forever);
    return rc == PL_OK ? 0 : demo_refused("fail/cancel", rc);
}

int demo_futures(const demo_args *a)
{
    (void)a;
    int rc = wait_twice();
    if (rc == 0) {
        rc = many();
    }
    if (rc == 0) {
        rc = fail_and_cancel();
    }
    return rc;
}
