/*
 * pl_status.c - names for return codes and task statuses.
 *
 * Both functions accept any int, because a caller may print a code that came
 * from somewhere else (a message, a student's function) without checking it.
 */
#include "pl_status.h"

const char *pl_strerror(int rc)
{
    switch (rc) {
    case PL_OK:
        return "success";
    case PL_EINVAL:
        return "invalid argument";
    case PL_ENOMEM:
        return "out of memory";
    case PL_ENOTASK:
        return "no task registered under that name";
    case PL_ENOTIMPL:
        return "not implemented yet";
    case PL_ETIMEDOUT:
        return "timed out: not done yet";
    case PL_ESTATE:
        return "not allowed in the current state";
    case PL_EEXIST:
        return "name already taken";
    case PL_EWIRE:
        return "truncated or corrupt wire data";
    case PL_ESYS:
        return "system error";
    case PL_EIO:
        return "input/output error (pipe or file closed or failed)";
    default:
        return "unknown error code";
    }
}

const char *pl_task_status_name(int status)
{
    static const char *const names[PL_TASK_STATUS_COUNT] = {
        "PENDING", "OK", "FAILED", "TIMEOUT", "CRASHED", "CANCELLED",
    };
    if (status < 0 || status >= PL_TASK_STATUS_COUNT) {
        return "?";
    }
    return names[status];
}
