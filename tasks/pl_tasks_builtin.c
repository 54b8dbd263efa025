/*
 * pl_tasks_builtin.c - the tasks every paralab program knows by name
 * (pl_tasks.h), and their registration.
 *
 * Long tasks (sleep_ms, spin, hang, the species, fetch) ask pl_should_stop()
 * every few milliseconds: that is the only way a thread can be stopped
 * safely (see pl_cancel.h). Their answer when asked to stop is CANCELLED;
 * the backend decides whether that was a cancel or a deadline (TIMEOUT).
 */
#include "pl_tasks.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pl_cancel.h"
#include "pl_clock.h"
#include "pl_tally.h"

/* How often long tasks poll: small enough that a stop is seen promptly. */
#define POLL_MS 2
#define SPIN_POLL_ROUNDS 4096

/*
 * Sleep ms milliseconds in POLL_MS slices; 1 when pl_should_stop() cut it
 * short. The end is a deadline, so the slices add up to ms exactly.
 */
static int sleep_polling(int64_t ms)
{
    int64_t deadline = pl_deadline_after_ms(ms);
    for (;;) {
        if (pl_should_stop()) {
            return 1;
        }
        int64_t left = deadline - pl_now_ns();
        if (left <= 0) {
            return 0;
        }
        int64_t slice = left / 1000000 + 1;
        pl_sleep_ms(slice < POLL_MS ? slice : POLL_MS);
    }
}

/*
 * The end of sleep_ms and tally: sleep ms (see sleep_polling), then answer
 * `answer`; a stop before the end is CANCELLED, with the task's name and the
 * time it was asked to sleep, so a cut-short run says which one it was.
 */
static int sleep_then_answer(const char *task, int64_t ms, int64_t answer, pl_value *out, pl_error *err)
{
    if (sleep_polling(ms)) {
        pl_error_set(err, "%s: stopped before %lld ms", task, (long long)ms);
        return PL_TASK_CANCELLED;
    }
    pl_value_set_int(out, answer);
    return PL_TASK_OK;
}

static void describe(const pl_value *v, char *buf, size_t cap)
{
    if (pl_value_format(v, buf, cap) < 0 && cap > 0) {
        buf[0] = '\0';
    }
}

/* ---------------------------------------------------------------- arithmetic */

static int task_square(const pl_value *arg, pl_value *out, pl_error *err)
{
    int64_t i;
    double d;
    if (pl_value_get_int(arg, &i) == PL_OK) {
        /* 3037000499^2 is the largest square below INT64_MAX; beyond it, overflow is undefined. */
        if (i > 3037000499LL || i < -3037000499LL) {
            pl_error_set(err, "square: %lld * %lld does not fit in 64 bits", (long long)i, (long long)i);
            return PL_TASK_FAILED;
        }
        pl_value_set_int(out, i * i);
        return PL_TASK_OK;
    }
    if (pl_value_get_double(arg, &d) == PL_OK) {
        pl_value_set_double(out, d * d);
        return PL_TASK_OK;
    }
    pl_error_set(err, "square: expected an int or a double, got %s", pl_value_type_name(pl_value_type_of(arg)));
    return PL_TASK_FAILED;
}

static int task_noop(const pl_value *arg, pl_value *out, pl_error *err)
{
    pl_value *copy = pl_value_copy(arg);
    if (copy == NULL) {
        pl_error_set(err, "noop: out of memory");
        return PL_TASK_FAILED;
    }
    pl_value_move(out, copy);
    pl_value_free(copy);
    return PL_TASK_OK;
}

/* One round of spin: a 64-bit LCG step (no overflow: unsigned arithmetic wraps). */
static uint64_t spin_round(uint64_t x)
{
    return x * 6364136223846793005ULL + 1442695040888963407ULL;
}

static int64_t spin_checksum(uint64_t x)
{
    return (int64_t)(x >> 1); /* fits in int64_t without any conversion question */
}

int64_t pl_spin_expected(int64_t n)
{
    if (n < 0) {
        return -1;
    }
    uint64_t x = 1;
    for (int64_t k = 0; k < n; k++) {
        x = spin_round(x);
    }
    return spin_checksum(x);
}

static int task_spin(const pl_value *arg, pl_value *out, pl_error *err)
{
    int64_t n;
    if (pl_value_get_int(arg, &n) != PL_OK || n < 0) {
        pl_error_set(err, "spin: expected an int >= 0 (rounds)");
        return PL_TASK_FAILED;
    }
    uint64_t x = 1;
    for (int64_t k = 0; k < n; k++) {
        if (k % SPIN_POLL_ROUNDS == 0 && pl_should_stop()) {
            pl_error_set(err, "spin: stopped after %lld of %lld rounds", (long long)k, (long long)n);
            return PL_TASK_CANCELLED;
        }
        x = spin_round(x);
    }
    pl_value_set_int(out, spin_checksum(x));
    return PL_TASK_OK;
}

/* ---------------------------------------------------------------- time */

static int task_sleep_ms(const pl_value *arg, pl_value *out, pl_error *err)
{
    int64_t ms;
    if (pl_value_get_int(arg, &ms) != PL_OK || ms < 0) {
        pl_error_set(err, "sleep_ms: expected an int >= 0 (milliseconds)");
        return PL_TASK_FAILED;
    }
    return sleep_then_answer("sleep_ms", ms, ms, out, err);
}

/*
 * tally: counts that this item ran, in a file every worker can map (see
 * pl_tally.h), then sleeps like sleep_ms. The count comes first, so even a
 * run that a deadline stops has been counted.
 */
static int task_tally(const pl_value *arg, pl_value *out, pl_error *err)
{
    int64_t index = 0, ms = 0;
    char why[PL_ERROR_MAX - 16] = "";
    if (pl_tally_count(pl_value_str(arg), &index, &ms, why, sizeof why) != PL_OK) {
        pl_error_set(err, "tally: %s", why);
        return PL_TASK_FAILED;
    }
    return sleep_then_answer("tally", ms, index, out, err);
}

static int task_hang(const pl_value *arg, pl_value *out, pl_error *err)
{
    (void)arg;
    (void)out;
    while (!pl_should_stop()) {
        pl_sleep_ms(POLL_MS);
    }
    pl_error_set(err, "hang: stopped");
    return PL_TASK_CANCELLED;
}

/* ---------------------------------------------------------------- failures */

static int task_fail(const pl_value *arg, pl_value *out, pl_error *err)
{
    char text[PL_ERROR_MAX - 8];
    (void)out;
    describe(arg, text, sizeof text);
    pl_error_set(err, "fail: %s", text);
    return PL_TASK_FAILED;
}

/*
 * raise() rather than writing through a NULL pointer: that would be
 * undefined behaviour the compiler may remove. The default action is
 * restored and the signal unblocked first, so the process really dies
 * even if someone installed a SIGSEGV handler or blocked the signal.
 */
static int task_crash(const pl_value *arg, pl_value *out, pl_error *err)
{
    (void)arg;
    (void)out;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGSEGV);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    raise(SIGSEGV);
    pl_error_set(err, "crash: SIGSEGV did not end the process");
    return PL_TASK_FAILED;
}

/* ---------------------------------------------------------------- the lesson */

/*
 * The lesson calls plantas('roja'), animales('amarillo'), insectos('café')
 * and each answers with its kind and its argument. A string argument
 * "COLOR" or "COLOR MS" does the same here: sleeps MS (default 100,
 * cancellable) and answers "<kind> COLOR" ("planta roja"). An int MS (or
 * NONE = 100 ms) keeps the older answer "<kind>: a, b, c".
 */
static int species_arg(const char *kind, const pl_value *arg, char *color, size_t cap, int64_t *ms,
                       pl_error *err)
{
    const char *text = pl_value_str(arg);
    *ms = 100;
    color[0] = '\0';
    if (text != NULL) {
        /* "COLOR" or "COLOR MS": one word, then nothing or a whole number >= 0. */
        int len = 0;
        char *end = NULL;
        if (sscanf(text, " %63s%n", color, &len) == 1 && strlen(color) < cap) {
            const char *rest = text + len;
            while (*rest == ' ') {
                rest++;
            }
            long long v = *rest != '\0' ? strtoll(rest, &end, 10) : 100;
            while (end != NULL && *end == ' ') {
                end++;
            }
            if (v >= 0 && (end == NULL || (end != rest && *end == '\0'))) {
                *ms = v;
                return 0;
            }
        }
        pl_error_set(err, "%s: expected \"COLOR\" or \"COLOR MS\" (e.g. \"roja 200\"), got \"%.40s\"", kind, text);
        return -1;
    }
    if (pl_value_type_of(arg) != PL_VAL_NONE && (pl_value_get_int(arg, ms) != PL_OK || *ms < 0)) {
        pl_error_set(err, "%s: expected \"COLOR [MS]\", an int >= 0 (milliseconds) or nothing", kind);
        return -1;
    }
    return 0;
}

static int species(const char *kind, const char *list, const pl_value *arg, pl_value *out, pl_error *err)
{
    char color[64];
    int64_t ms;
    if (species_arg(kind, arg, color, sizeof color, &ms, err) != 0) {
        return PL_TASK_FAILED;
    }
    if (sleep_polling(ms)) {
        pl_error_set(err, "%s: stopped", kind);
        return PL_TASK_CANCELLED;
    }
    char text[128];
    if (color[0] != '\0') {
        snprintf(text, sizeof text, "%s %s", kind, color);
    } else {
        snprintf(text, sizeof text, "%s: %s", kind, list);
    }
    if (pl_value_set_str(out, text) != PL_OK) {
        pl_error_set(err, "%s: out of memory", kind);
        return PL_TASK_FAILED;
    }
    return PL_TASK_OK;
}

static int task_planta(const pl_value *arg, pl_value *out, pl_error *err)
{
    return species("planta", "helecho, roble, cactus", arg, out, err);
}

static int task_animal(const pl_value *arg, pl_value *out, pl_error *err)
{
    return species("animal", "perro, gato, loro", arg, out, err);
}

static int task_insecto(const pl_value *arg, pl_value *out, pl_error *err)
{
    return species("insecto", "hormiga, abeja, mariposa", arg, out, err);
}

/* ---------------------------------------------------------------- the table */

static const struct {
    const char *name;
    pl_task_fn fn;
} builtins[] = {
    {"square", task_square},   {"noop", task_noop},   {"sleep_ms", task_sleep_ms},
    {"spin", task_spin},       {"fail", task_fail},   {"crash", task_crash},
    {"hang", task_hang},       {"planta", task_planta}, {"animal", task_animal},
    {"insecto", task_insecto}, {"tally", task_tally},
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int register_rc = PL_OK;

static void register_all(void)
{
    for (size_t i = 0; i < sizeof builtins / sizeof builtins[0]; i++) {
        int rc = pl_task_register(builtins[i].name, builtins[i].fn);
        if (rc != PL_OK && register_rc == PL_OK) {
            register_rc = rc; /* keep going: one taken name must not hide the others */
        }
    }
}

int pl_tasks_register_builtins(void)
{
    pthread_once(&once, register_all);
    return register_rc;
}
