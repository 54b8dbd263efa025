/*
 * test_cancel.c - cooperative cancellation: tokens, deadlines, the
 * per-thread current token and the process-wide hook.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "common_suites.h"
#include "pl_cancel.h"
#include "pl_clock.h"
#include "testkit.h"

static void test_token_request(void)
{
    pl_cancel *c = pl_cancel_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_FALSE(pl_cancel_is_set(c));
    pl_cancel_request(c);
    CU_ASSERT_TRUE(pl_cancel_is_set(c));
    pl_cancel_request(c); /* any number of times */
    CU_ASSERT_TRUE(pl_cancel_is_set(c));
    pl_cancel_free(c);
}

static void test_token_deadline(void)
{
    pl_cancel *c = pl_cancel_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    pl_cancel_set_deadline(c, pl_now_ns() - 1);
    CU_ASSERT_TRUE(pl_cancel_is_set(c));
    pl_cancel_set_deadline(c, PL_NEVER);
    CU_ASSERT_FALSE(pl_cancel_is_set(c));
    pl_cancel_set_deadline(c, 0); /* <= 0: never */
    CU_ASSERT_FALSE(pl_cancel_is_set(c));
    pl_cancel_set_deadline(c, -5);
    CU_ASSERT_FALSE(pl_cancel_is_set(c));
    pl_cancel_set_deadline(c, pl_deadline_after_ms(30));
    CU_ASSERT_FALSE(pl_cancel_is_set(c));
    pl_sleep_ms(60);
    CU_ASSERT_TRUE(pl_cancel_is_set(c));
    pl_cancel_free(c);
}

static void test_null_token(void)
{
    CU_ASSERT_FALSE(pl_cancel_is_set(NULL));
    pl_cancel_request(NULL);
    pl_cancel_set_deadline(NULL, 1);
    pl_cancel_free(NULL);
    CU_PASS("NULL tokens are ignored");
}

static void test_swap_current(void)
{
    pl_cancel *a = pl_cancel_new();
    pl_cancel *b = pl_cancel_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_FALSE(pl_should_stop()); /* no token: never stop */
    pl_cancel *orig = pl_cancel_swap_current(a);
    CU_ASSERT_PTR_NULL(orig);
    CU_ASSERT_FALSE(pl_should_stop());
    pl_cancel_request(a);
    CU_ASSERT_TRUE(pl_should_stop());
    CU_ASSERT_PTR_EQUAL(pl_cancel_swap_current(b), a);
    CU_ASSERT_FALSE(pl_should_stop());
    CU_ASSERT_PTR_EQUAL(pl_cancel_swap_current(NULL), b);
    CU_ASSERT_FALSE(pl_should_stop());
    pl_cancel_free(a);
    pl_cancel_free(b);
}

static void test_free_current_token(void)
{
    pl_cancel *a = pl_cancel_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    pl_cancel_request(a);
    pl_cancel_swap_current(a);
    CU_ASSERT_TRUE(pl_should_stop());
    /* Freeing the current token must not leave a dangling current pointer. */
    pl_cancel_free(a);
    CU_ASSERT_FALSE(pl_should_stop());
    CU_ASSERT_PTR_NULL(pl_cancel_swap_current(NULL));
}

/* Each thread runs with its own current token; only the requested one stops. */
typedef struct thread_arg {
    pl_cancel *token;
    atomic_int ready;
    atomic_int saw_stop;
} thread_arg;

static void *watch(void *p)
{
    thread_arg *a = p;
    pl_cancel_swap_current(a->token);
    atomic_store(&a->ready, 1);
    int64_t give_up = pl_deadline_after_ms(3000);
    while (!pl_should_stop() && pl_now_ns() < give_up) {
        pl_sleep_ms(1);
    }
    atomic_store(&a->saw_stop, pl_should_stop());
    pl_cancel_swap_current(NULL);
    return NULL;
}

static void test_current_is_per_thread(void)
{
    thread_arg args[2];
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        args[i].token = pl_cancel_new();
        CU_ASSERT_PTR_NOT_NULL_FATAL(args[i].token);
        atomic_init(&args[i].ready, 0);
        atomic_init(&args[i].saw_stop, 0);
    }
    pl_cancel_set_deadline(args[1].token, pl_deadline_after_ms(200));
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, watch, &args[i]), 0);
    }
    while (!atomic_load(&args[0].ready) || !atomic_load(&args[1].ready)) {
        pl_sleep_ms(1);
    }
    /* The main thread's own current token is untouched by the threads. */
    CU_ASSERT_FALSE(pl_should_stop());
    int64_t t0 = pl_now_ns();
    pl_cancel_request(args[0].token);
    pthread_join(th[0], NULL);
    CU_ASSERT(pl_now_ns() - t0 < 1000000000); /* seen promptly */
    pthread_join(th[1], NULL);                /* stopped by its deadline */
    CU_ASSERT_TRUE(atomic_load(&args[0].saw_stop));
    CU_ASSERT_TRUE(atomic_load(&args[1].saw_stop));
    CU_ASSERT_FALSE(pl_should_stop());
    pl_cancel_free(args[0].token);
    pl_cancel_free(args[1].token);
}

static atomic_int hook_says;
static atomic_int hook_calls;

static bool test_hook(void)
{
    atomic_fetch_add(&hook_calls, 1);
    return atomic_load(&hook_says) != 0;
}

static void test_hook_is_consulted(void)
{
    atomic_store(&hook_says, 0);
    atomic_store(&hook_calls, 0);
    pl_cancel_set_hook(test_hook);
    CU_ASSERT_FALSE(pl_should_stop());
    CU_ASSERT(atomic_load(&hook_calls) >= 1);
    atomic_store(&hook_says, 1);
    CU_ASSERT_TRUE(pl_should_stop()); /* even with no current token */
    pl_cancel_set_hook(NULL);
    CU_ASSERT_FALSE(pl_should_stop());
}

static const pl_test_case cases[] = {
    {"token_request", test_token_request},
    {"token_deadline", test_token_deadline},
    {"null_token", test_null_token},
    {"swap_current", test_swap_current},
    {"free_current_token", test_free_current_token},
    {"current_is_per_thread", test_current_is_per_thread},
    {"hook_is_consulted", test_hook_is_consulted},
    {NULL, NULL},
};

const pl_test_suite pl_suite_cancel = {"common_cancel", NULL, NULL, cases};
