/*
 * runtime/common_futures.c - what every backend's futures share: the
 * up-front checks of pl_future_start and the copy of the task to run
 * (runtime/pl_backend_common.h).
 *
 * Trusted code, compiled into every paralab_<model>: the labs write how a
 * future runs, is waited for and is cancelled (labs/02-futures/).
 */
#include <stdlib.h>
#include <string.h>

#include "pl_backend_common.h"
#include "pl_tasks.h"

int pl_future_check_start(const char *task, pl_future **out)
{
    if (out == NULL) {
        return PL_EINVAL;
    }
    *out = NULL;
    if (task == NULL) {
        return PL_EINVAL;
    }
    pl_tasks_register_builtins(); /* serial and fork also run futures outside pl_run */
    if (pl_task_lookup(task) == NULL) {
        return PL_ENOTASK;
    }
    return PL_OK;
}

pl_task_call *pl_task_call_new(const char *task, const pl_value *arg)
{
    size_t len = strlen(task);
    if (len >= PL_TASK_NAME_MAX) {
        return NULL; /* registered names always fit: this one cannot be a task */
    }
    pl_task_call *call = malloc(sizeof *call);
    if (call == NULL) {
        return NULL;
    }
    call->arg = arg != NULL ? pl_value_copy(arg) : pl_value_new();
    if (call->arg == NULL) {
        free(call);
        return NULL;
    }
    memcpy(call->task, task, len + 1);
    return call;
}

void pl_task_call_free(pl_task_call *call)
{
    if (call != NULL) {
        pl_value_free(call->arg);
        free(call);
    }
}
