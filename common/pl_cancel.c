/*
 * pl_cancel.c - cooperative cancellation tokens.
 *
 * The flag and the deadline are C11 atomics: one thread (the caller, a
 * deadline watcher) writes them while the thread running the task reads
 * them. Relaxed ordering is enough, because the flag carries no other data
 * with it: the task only needs to see it become true eventually.
 *
 * "Current token" is per thread (_Thread_local): in the OpenMP backend each
 * thread of the team runs a different task with its own token.
 */
#include "pl_cancel.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "pl_clock.h"

struct pl_cancel {
    atomic_bool requested;
    _Atomic int64_t deadline_ns; /* PL_NEVER: no deadline */
};

static _Thread_local pl_cancel *current_token;
static _Atomic(pl_stop_hook) stop_hook;

pl_cancel *pl_cancel_new(void)
{
    pl_cancel *c = malloc(sizeof *c);
    if (c == NULL) {
        return NULL;
    }
    atomic_init(&c->requested, false);
    atomic_init(&c->deadline_ns, PL_NEVER);
    return c;
}

void pl_cancel_free(pl_cancel *c)
{
    /* A token freed while still current would leave a dangling pointer behind. */
    if (c != NULL && current_token == c) {
        current_token = NULL;
    }
    free(c);
}

void pl_cancel_request(pl_cancel *c)
{
    if (c != NULL) {
        atomic_store_explicit(&c->requested, true, memory_order_relaxed);
    }
}

void pl_cancel_set_deadline(pl_cancel *c, int64_t deadline_ns)
{
    if (c == NULL) {
        return;
    }
    if (deadline_ns <= 0) {
        deadline_ns = PL_NEVER;
    }
    atomic_store_explicit(&c->deadline_ns, deadline_ns, memory_order_relaxed);
}

bool pl_cancel_is_set(const pl_cancel *c)
{
    if (c == NULL) {
        return false;
    }
    /* atomic_load takes a non-const pointer in C11; reading does not modify. */
    pl_cancel *m = (pl_cancel *)c;
    if (atomic_load_explicit(&m->requested, memory_order_relaxed)) {
        return true;
    }
    int64_t deadline = atomic_load_explicit(&m->deadline_ns, memory_order_relaxed);
    return deadline != PL_NEVER && pl_now_ns() >= deadline;
}

pl_cancel *pl_cancel_swap_current(pl_cancel *c)
{
    pl_cancel *previous = current_token;
    current_token = c;
    return previous;
}

bool pl_should_stop(void)
{
    if (pl_cancel_is_set(current_token)) {
        return true;
    }
    pl_stop_hook hook = atomic_load_explicit(&stop_hook, memory_order_acquire);
    return hook != NULL && hook();
}

void pl_cancel_set_hook(pl_stop_hook hook)
{
    atomic_store_explicit(&stop_hook, hook, memory_order_release);
}
