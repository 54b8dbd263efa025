/*
 * pl_task.c - the task registry and pl_task_run.
 *
 * The registry is a fixed-size table filled once at start-up and then only
 * read, by many threads at a time in the OpenMP backend. Readers take no
 * lock: an entry is written completely before the count that makes it
 * visible is published (release/acquire), so a reader never sees half an
 * entry. Writers (pl_task_register) are serialised by a mutex.
 *
 * The registry knows no task by itself: which tasks exist is decided one
 * floor up (the built-ins in tasks/pl_tasks.h, registered by every backend;
 * a program's own, registered before pl_run), so this module never
 * depends on the tasks it runs - nor on libcurl for the one that fetches.
 */
#include "pl_task.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "pl_clock.h"
#include "pl_value_impl.h"

#define REGISTRY_MAX 256

typedef struct entry {
    char name[PL_TASK_NAME_MAX];
    pl_task_fn fn;
} entry;

static entry registry[REGISTRY_MAX];
static atomic_size_t registry_count;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

struct pl_error {
    char text[PL_ERROR_MAX];
};

void pl_error_set(pl_error *err, const char *fmt, ...)
{
    if (err == NULL) {
        return;
    }
    err->text[0] = '\0';
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->text, sizeof err->text, fmt, ap);
        va_end(ap);
    }
}

static int valid_name(const char *name)
{
    size_t len = 0;
    for (const char *p = name; *p != '\0'; p++, len++) {
        char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                 c == '.' || c == '-';
        if (!ok || len + 1 >= PL_TASK_NAME_MAX) {
            return 0;
        }
    }
    return len > 0;
}

/* Lock-free read of the published part of the table. */
static pl_task_fn find(const char *name)
{
    size_t n = atomic_load_explicit(&registry_count, memory_order_acquire);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(registry[i].name, name) == 0) {
            return registry[i].fn;
        }
    }
    return NULL;
}

static int add_locked(const char *name, pl_task_fn fn)
{
    if (find(name) != NULL) {
        return PL_EEXIST;
    }
    size_t n = atomic_load_explicit(&registry_count, memory_order_relaxed);
    if (n == REGISTRY_MAX) {
        return PL_ENOMEM; /* the table is full */
    }
    snprintf(registry[n].name, sizeof registry[n].name, "%s", name);
    registry[n].fn = fn;
    /* Publish only now: readers see the whole entry or none of it. */
    atomic_store_explicit(&registry_count, n + 1, memory_order_release);
    return PL_OK;
}

static int add(const char *name, pl_task_fn fn)
{
    pthread_mutex_lock(&registry_lock);
    int rc = add_locked(name, fn);
    pthread_mutex_unlock(&registry_lock);
    return rc;
}

int pl_task_register(const char *name, pl_task_fn fn)
{
    if (name == NULL || fn == NULL || !valid_name(name)) {
        return PL_EINVAL;
    }
    return add(name, fn);
}

/*
 * The last name this thread looked up, and its function. A map looks up
 * the same name for every item; one strcmp beats a walk of the table. The
 * table only ever grows and a name never changes its function, so a
 * cached pair can never go stale. Thread-local: no lock, no sharing.
 */
static _Thread_local struct {
    char name[PL_TASK_NAME_MAX];
    pl_task_fn fn;
} last_lookup;

pl_task_fn pl_task_lookup(const char *name)
{
    if (name == NULL) {
        return NULL;
    }
    if (last_lookup.fn != NULL && strcmp(last_lookup.name, name) == 0) {
        return last_lookup.fn;
    }
    pl_task_fn fn = find(name);
    if (fn != NULL) {
        snprintf(last_lookup.name, sizeof last_lookup.name, "%s", name); /* registered: fits */
        last_lookup.fn = fn;
    }
    return fn;
}

size_t pl_task_count(void)
{
    return atomic_load_explicit(&registry_count, memory_order_acquire);
}

const char *pl_task_name_at(size_t i)
{
    return i < pl_task_count() ? registry[i].name : NULL;
}

/* Turn what the task function returned into the result's status and text. */
static void record(pl_result *res, const char *name, int st, pl_value *out, const pl_error *err)
{
    switch (st) {
    case PL_TASK_OK:
        pl_result_take_value(res, out);
        pl_result_set_status(res, PL_TASK_OK, NULL);
        break;
    case PL_TASK_FAILED:
        pl_result_set_status(res, PL_TASK_FAILED, "%s", err->text[0] ? err->text : "task failed");
        break;
    case PL_TASK_CANCELLED:
        pl_result_set_status(res, PL_TASK_CANCELLED, "%s", err->text[0] ? err->text : "cancelled");
        break;
    default:
        pl_result_set_status(res, PL_TASK_FAILED, "task '%s' returned %d, not OK, FAILED or CANCELLED", name,
                             st);
        break;
    }
}

int pl_task_run(const char *name, const pl_value *arg, pl_result *res)
{
    return pl_task_run_next(name, arg, res, NULL);
}

int pl_task_run_next(const char *name, const pl_value *arg, pl_result *res, int64_t *clock_ns)
{
    int64_t began = clock_ns != NULL ? *clock_ns : 0;
    if (clock_ns != NULL) {
        *clock_ns = 0; /* stays 0 unless the task runs: the next item reads the clock afresh */
    }
    if (res == NULL) {
        return PL_EINVAL;
    }
    /*
     * No allocation per run: the task's output and the NONE argument for a
     * NULL arg live on this stack (pl_value_impl.h), and moving out into res
     * clears whatever a reused res held (a move leaves its source NONE).
     */
    pl_value out = {0}, none = {0};
    pl_result_take_value(res, &out); /* clears the old value; out stays NONE */
    pl_result_set_times(res, 0, 0);
    int rc = PL_OK;
    pl_task_fn fn = pl_task_lookup(name);
    if (name == NULL) {
        pl_result_set_status(res, PL_TASK_FAILED, "no task name given");
        rc = PL_EINVAL;
    } else if (fn == NULL) {
        pl_result_set_status(res, PL_TASK_FAILED, "unknown task '%.*s'", PL_TASK_NAME_MAX, name);
        rc = PL_ENOTASK;
    } else {
        pl_error err;
        err.text[0] = '\0'; /* the rest of the 256 bytes is never read: no need to clear it per item */
        int64_t start = began > 0 ? began : pl_now_ns();
        /* A task never sees a NULL argument: NULL means NONE. */
        int st = fn(arg != NULL ? arg : &none, &out, &err);
        int64_t end = pl_now_ns();
        pl_result_set_times(res, start, end);
        if (clock_ns != NULL) {
            *clock_ns = end;
        }
        record(res, name, st, &out, &err);
    }
    pl_value_clear(&out); /* what a task left in out when it did not succeed */
    return rc;
}
