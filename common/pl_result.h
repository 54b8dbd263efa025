/*
 * pl_result.h - how one task ended: status, value, error text, who ran it
 * and when.
 *
 * The start and end timestamps (pl_now_ns, CLOCK_MONOTONIC) are what makes
 * concurrency checkable: two tasks overlapped if one started before the other
 * ended. Tests count the maximum overlap instead of timing the whole run,
 * which would be flaky on a shared machine. CLOCK_MONOTONIC is system-wide,
 * so stamps taken in forked children or MPI ranks on the same host are
 * comparable; stamps from different hosts of a cluster are not. Items of
 * one chunk run back to back take one clock reading each: an item starts
 * at the instant the one before it ended (pl_task_run_next), so a worker's
 * items never overlap each other and tile its busy time.
 */
#ifndef PL_RESULT_H
#define PL_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "pl_status.h"
#include "pl_value.h"

typedef struct pl_result pl_result;

/*
 * Error text is truncated to this many bytes (including the NUL). It is
 * allocated only when a result has one: a result without an error costs 48
 * bytes, its value included (an int or double is stored inline; STR/BYTES
 * add their block).
 */
#define PL_ERROR_MAX 256

/*
 * A new result is PENDING, value NONE, error "", worker -1, times 0. Free
 * each with pl_result_free, from any thread, in any order: results are
 * carved from small slabs (pl_result.c) but each is freed on its own.
 */
pl_result *pl_result_new(void);
pl_result *pl_result_copy(const pl_result *r);
void pl_result_free(pl_result *r); /* accepts NULL and pl_result_out_of_memory() */

/*
 * The result of a task that could not get one of its own because memory
 * ran out: FAILED "out of memory: ...". One shared, read-only result:
 * setters refuse it (PL_EINVAL), pl_result_free ignores it. What
 * pl_results_settle puts in a slot when even a new result cannot be
 * allocated, so that every item still has exactly one result.
 */
pl_result *pl_result_out_of_memory(void);

/* Getters accept NULL (PENDING / NULL / "" / -1 / 0). */
pl_task_status pl_result_status(const pl_result *r);
const pl_value *pl_result_value(const pl_result *r); /* never NULL for non-NULL r */
/*
 * Never NULL; "" when there is none; "out of memory" when there was a
 * reason but no memory to keep its text. Valid until r's status or text
 * changes (or r is freed).
 */
const char *pl_result_error(const pl_result *r);
/*
 * The worker that ran the task: OpenMP thread number, fork child pid, MPI
 * rank; -1 unknown. Kept in 32 bits: pl_result_set_worker refuses others.
 */
int64_t pl_result_worker(const pl_result *r);
int64_t pl_result_start_ns(const pl_result *r);
int64_t pl_result_end_ns(const pl_result *r);

/*
 * Setters: PL_OK or PL_EINVAL. The error text is printf-formatted; NULL fmt
 * clears it. pl_result_set_status sets the status even when there is no
 * memory left for the text (then PL_ENOMEM, and no text).
 */
int pl_result_set_status(pl_result *r, pl_task_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int pl_result_set_worker(pl_result *r, int64_t worker);
int pl_result_set_times(pl_result *r, int64_t start_ns, int64_t end_ns);
/* Moves v's content into the result (v becomes NONE). */
int pl_result_take_value(pl_result *r, pl_value *v);
/* Overwrite dst with a copy of src (PL_ENOMEM possible). */
int pl_result_assign(pl_result *dst, const pl_result *src);

/* Wire form: status u8, worker u64, start u64, end u64, error (u32 len + bytes), value. */
int pl_result_encode(const pl_result *r, struct pl_buf *out);
int pl_result_decode(const uint8_t *buf, size_t len, pl_result **out, size_t *used);
/* The same into an existing result r (PL_EINVAL for the out-of-memory one); r is undefined on an error. */
int pl_result_decode_into(const uint8_t *buf, size_t len, pl_result *r, size_t *used);

/*
 * One line for humans: "OK 42 (worker 3, 1.2 ms)" or "FAILED: why".
 * snprintf-like return.
 */
int pl_result_format(const pl_result *r, char *buf, size_t cap);

/*
 * The guarantee "every task gets exactly one result", enforced in one place:
 * any slot still NULL gets a new result, and any PENDING one is set to
 * `status` with `why` as its error text. Backends call this on every exit
 * path of a call. PL_OK, or PL_ENOMEM when some slot could only get
 * pl_result_out_of_memory() - never a slot left NULL.
 */
int pl_results_settle(pl_result *results[], size_t n, pl_task_status status, const char *why);

/*
 * Largest number of results whose [start, end) intervals overlap at one
 * instant: the real concurrency a run achieved. Results without times
 * (start 0) are ignored.
 */
int pl_results_max_overlap(pl_result *const results[], size_t n);

#endif
