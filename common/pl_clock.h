/*
 * pl_clock.h - one monotonic clock for deadlines and timestamps.
 *
 * Wall-clock time (time(), CLOCK_REALTIME) can jump when NTP corrects it;
 * a deadline computed from it could expire early or never. CLOCK_MONOTONIC
 * only moves forward, and it is shared by all processes of the machine.
 */
#ifndef PL_CLOCK_H
#define PL_CLOCK_H

#include <stdint.h>

/* A timeout_ms below zero means "no timeout": wait as long as it takes. */
#define PL_NO_TIMEOUT ((int64_t)-1)
/* A deadline that never comes. */
#define PL_NEVER INT64_MAX

/* Nanoseconds on CLOCK_MONOTONIC. */
int64_t pl_now_ns(void);

/* now + timeout_ms, or PL_NEVER when timeout_ms < 0 (saturating, never overflows). */
int64_t pl_deadline_after_ms(int64_t timeout_ms);

/*
 * Milliseconds left until deadline_ns, rounded up, clamped to [0, INT32_MAX]
 * ready for poll(); -1 when deadline_ns is PL_NEVER (poll's "forever").
 */
int pl_ms_until(int64_t deadline_ns);

/* Sleep ms milliseconds (restarts after signals). Negative: no sleep. */
void pl_sleep_ms(int64_t ms);

#endif
