/*
 * pl_status.h - the two kinds of "how did it go" in paralab.
 *
 * 1. A return code (pl_rc) says whether an API *call* was accepted:
 *    PL_OK, or a negative code naming what was wrong with the call.
 * 2. A task status (pl_task_status) says how one *task* ended. A call can
 *    succeed (PL_OK) while some of its tasks FAILED or hit a TIMEOUT: that is
 *    the normal way a map reports a bad item, and why the two are separate.
 *
 * No public function aborts on bad input; it returns one of these codes.
 */
#ifndef PL_STATUS_H
#define PL_STATUS_H

typedef enum pl_rc {
    PL_OK = 0,
    PL_EINVAL = -1,    /* a bad argument: NULL, negative count, max_workers <= 0 */
    PL_ENOMEM = -2,    /* out of memory */
    PL_ENOTASK = -3,   /* no task registered under that name */
    PL_ENOTIMPL = -4,  /* the lab skeleton: the student has not written this yet */
    PL_ETIMEDOUT = -5, /* a wait's timeout passed before the work was done; retry later */
    PL_ESTATE = -6,    /* valid call, wrong moment (add after start, results before start, freed handle) */
    PL_EEXIST = -7,    /* the name is already taken (task registry, group member) */
    PL_EWIRE = -8,     /* a truncated or corrupt wire buffer */
    PL_ESYS = -9,      /* the operating system or MPI refused (see errno / the result's error text) */
    PL_EIO = -10       /* a pipe or file closed or failed mid-message */
} pl_rc;

/* Human-readable text for a pl_rc; never NULL, also for unknown codes. */
const char *pl_strerror(int rc);

/*
 * How a task ended. PL_TASK_PENDING means "no result yet": a finished call
 * must never hand one back, which is how the tests check that every task
 * got exactly one result.
 */
typedef enum pl_task_status {
    PL_TASK_PENDING = 0,
    PL_TASK_OK,        /* the task returned a value */
    PL_TASK_FAILED,    /* the task reported an error (see the error text) */
    PL_TASK_TIMEOUT,   /* the deadline passed before the task finished */
    PL_TASK_CRASHED,   /* the process running it died (fork: a signal such as SIGSEGV) */
    PL_TASK_CANCELLED  /* cancelled before or while running */
} pl_task_status;

#define PL_TASK_STATUS_COUNT 6

/* "PENDING", "OK", "FAILED", "TIMEOUT", "CRASHED", "CANCELLED"; "?" otherwise. */
const char *pl_task_status_name(int status);

#endif
