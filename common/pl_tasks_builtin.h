/*
 * pl_tasks_builtin.h - internal: the table of built-in tasks that pl_task.c
 * registers at start-up. Not part of the public API (see pl_task.h for the
 * list and what each task does).
 */
#ifndef PL_TASKS_BUILTIN_H
#define PL_TASKS_BUILTIN_H

#include <stddef.h>

#include "pl_task.h"

typedef struct pl_builtin_task {
    const char *name;
    pl_task_fn fn;
} pl_builtin_task;

/* The built-in tasks and their count. */
const pl_builtin_task *pl_builtin_tasks(size_t *count);

#endif
