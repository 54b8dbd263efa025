/*
 * pl_clock.c - CLOCK_MONOTONIC time and deadlines.
 *
 * Deadlines are absolute instants, not durations: "stop at T" stays correct
 * however many times a loop sleeps and wakes up, while "wait 100 ms" restarted
 * after every wake-up would drift and could wait forever.
 */
#include "pl_clock.h"

#include <errno.h>
#include <time.h>

int64_t pl_now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        return 0; /* cannot happen on Linux: CLOCK_MONOTONIC always exists */
    }
    return (int64_t)ts.tv_sec * 1000000000 + (int64_t)ts.tv_nsec;
}

int64_t pl_deadline_after_ms(int64_t timeout_ms)
{
    if (timeout_ms < 0) {
        return PL_NEVER;
    }
    int64_t now = pl_now_ns();
    /* Saturate instead of overflowing: a huge timeout is simply "never". */
    if (timeout_ms > (PL_NEVER - now) / 1000000) {
        return PL_NEVER;
    }
    return now + timeout_ms * 1000000;
}

int pl_ms_until(int64_t deadline_ns)
{
    if (deadline_ns == PL_NEVER) {
        return -1;
    }
    int64_t now = pl_now_ns();
    if (deadline_ns <= now) {
        return 0; /* compare before subtracting: a very old deadline would overflow */
    }
    int64_t left = deadline_ns - now;
    /* Round up: waking up 0.4 ms early would only mean polling again. */
    int64_t ms = left / 1000000 + (left % 1000000 != 0);
    return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

void pl_sleep_ms(int64_t ms)
{
    if (ms <= 0) {
        return;
    }
    /*
     * Sleep until an absolute instant, not for a duration: nanosleep()
     * restarted with "what is left" after each signal rounds up every time
     * and, under a storm of signals, never reaches the end (a 3 s sleep took
     * 24 s). With TIMER_ABSTIME the same wake-up time is asked again after
     * each interruption, so the sleep ends on time however often it is woken.
     */
    struct timespec until;
    if (clock_gettime(CLOCK_MONOTONIC, &until) != 0) {
        return;
    }
    until.tv_sec += (time_t)(ms / 1000);
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    /* clock_nanosleep returns the error number itself (errno is untouched). */
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR) {
    }
}
