/*
 * pl_call.h - the task-call codec: "run this task on these arguments" and
 * "here are the results", as bytes.
 *
 * Every backend whose workers live in another process moves the same two
 * messages: fork down pipes, MPI in messages. Both use this one encoding,
 * so the two cannot drift apart (they once had, and checked different
 * things), and the checks a decoder makes are written and tested once.
 *
 *   call   'C' [u64 tag] [u32 count] [u8 name length] [name] count x [encoded pl_value]
 *   reply  'R' [u64 tag] [u32 count] count x [encoded pl_result]
 *
 * All integers are big-endian (pl_wire.h), so a cluster of mixed machines
 * understands itself. The first byte says which of the two a buffer holds:
 * a reply fed to the call decoder (a crossed pipe) is an error, not a
 * strange task name.
 *
 * The tag is the caller's: the fork map puts an item's index there, MPI its
 * request id. A reply carries the tag of the call it answers and one result
 * per argument, in the order of the arguments, so a result can never be
 * filed under the wrong item.
 *
 * count > 1 is a CHUNK: several calls of one task in one message, answered
 * by one message with as many results. A chunk costs one round trip
 * instead of count of them - what makes a map of tiny items worth sending
 * to another process at all. The workers of both backends already answer
 * any count; pl_call_encode and pl_reply_encode are the one-call case.
 *
 * Bytes only. This module never touches a file descriptor or MPI: moving
 * the bytes (pl_wire_write_frame, MPI_Send, or non-blocking writes that
 * stop at a deadline and resume later) is the caller's business, so the
 * same encoded buffer can be sent whole, in pieces, or not at all.
 *
 * Decoding trusts nothing it reads. A buffer cut short anywhere, a length
 * that points past the end, an empty name, a name of PL_TASK_NAME_MAX bytes
 * or more, a NUL inside the name, count 0, a count larger than the buffer
 * could possibly hold, a wrong first byte, bytes left over after the last
 * item: every one is PL_EWIRE, with nothing allocated and nothing half
 * filled in. (A well-formed name that no task is registered under is NOT a
 * wire error: running it gives a FAILED result that says so.)
 */
#ifndef PL_CALL_H
#define PL_CALL_H

#include <stddef.h>
#include <stdint.h>

#include "pl_result.h"
#include "pl_task.h"
#include "pl_value.h"
#include "pl_wire.h"

/* ---------------------------------------------------------------- encoding */

/*
 * Append one call of task(arg) to out (arg NULL: a NONE value, which every
 * task accepts). The task name must be 1 .. PL_TASK_NAME_MAX - 1 bytes.
 * PL_OK, PL_EINVAL (NULL out or task, bad name length), PL_ENOMEM. On an
 * error out holds what it held before.
 */
int pl_call_encode(pl_buf *out, uint64_t tag, const char *task, const pl_value *arg);

/* A chunk: count (>= 1) calls of task, one per args[j] (none NULL). As pl_call_encode. */
int pl_call_encode_chunk(pl_buf *out, uint64_t tag, const char *task, pl_value *const args[], size_t count);

/* Append the reply to call `tag`: one result. PL_OK, PL_EINVAL, PL_ENOMEM; out unchanged on error. */
int pl_reply_encode(pl_buf *out, uint64_t tag, const pl_result *res);

/* The reply to a chunk: count (>= 1) results (none NULL), in the order of the call's arguments. */
int pl_reply_encode_chunk(pl_buf *out, uint64_t tag, pl_result *const results[], size_t count);


/* ---------------------------------------------------------------- decoding */

/* A decoded call: count calls of task; owns args. Start from {0}; free with pl_call_msg_clear. */
typedef struct pl_call_msg {
    uint64_t tag;
    char task[PL_TASK_NAME_MAX];
    size_t count;
    pl_value **args; /* count values, never NULL ones */
    /*
     * Where the decoder keeps the values args[] points at: one block for
     * the whole call, not an allocation per value (a chunk carries
     * thousands). Only pl_call_msg_clear frees them; never pl_value_free
     * one of args[].
     */
    pl_value *values;
} pl_call_msg;

/* A decoded reply: owns results. Start from {0}; free with pl_reply_msg_clear. */
typedef struct pl_reply_msg {
    uint64_t tag;
    size_t count;
    pl_result **results; /* count results, in the order of the call's arguments */
} pl_reply_msg;

/*
 * Decode buf[0..len), which must hold exactly one call (any count). PL_OK
 * with *out filled; PL_EWIRE (see the header comment), PL_ENOMEM,
 * PL_EINVAL (NULL out, or NULL buf with len > 0): *out is then empty.
 */
int pl_call_decode(const uint8_t *buf, size_t len, pl_call_msg *out);

/* The same for a reply. */
int pl_reply_decode(const uint8_t *buf, size_t len, pl_reply_msg *out);

/*
 * The answer to a single call: a reply that must carry exactly one result
 * (a chunk is PL_EWIRE here). *tag and a new *out (freed by the caller);
 * on an error *out is NULL.
 */
int pl_reply_decode_one(const uint8_t *buf, size_t len, uint64_t *tag, pl_result **out);

/*
 * The tag of a call whose first bytes (kind and tag) are intact, whatever
 * follows: a worker that cannot decode a call can still answer it with a
 * FAILED result its caller will recognise, instead of leaving the caller
 * waiting for an answer that never comes. PL_OK with *tag; PL_EWIRE (*tag
 * untouched); PL_EINVAL.
 */
int pl_call_peek_tag(const uint8_t *buf, size_t len, uint64_t *tag);

/* Free what a msg owns and empty it (count 0, NULL array); accepts NULL. */
void pl_call_msg_clear(pl_call_msg *m);
void pl_reply_msg_clear(pl_reply_msg *m);

/*
 * The reply to a call as a worker sends it: at most `limit` bytes whatever
 * the tasks returned. A result whose value cannot travel (over
 * PL_VALUE_MAX_LEN, or alone bigger than limit) loses its value and becomes
 * FAILED "result too large: N bytes, limit M"; if the chunk as a whole is
 * still too big, every result of it does. Those FAILED results are small, so
 * the reply always goes out and the worker stays usable - instead of dying
 * (fork) or never answering (MPI). Changes reply->results in place.
 * PL_OK, PL_EINVAL, PL_ENOMEM.
 */
int pl_reply_encode_bounded(pl_buf *out, pl_reply_msg *reply, size_t limit);

/* ---------------------------------------------------------------- serving */

/*
 * What a worker does with a decoded call: run each of its calls here, in
 * order (pl_task_run: an unknown name gives a FAILED result, not an
 * error), record `worker` as who ran them, and fill *reply (empty on
 * entry) with the results under the call's tag. A task that polls
 * pl_should_stop() sees the calling thread's cancel token; once it says
 * stop, the calls not started yet are not started (CANCELLED, "not
 * started: its chunk was stopped").
 * PL_OK, PL_EINVAL, PL_ENOMEM (*reply is then empty).
 */
int pl_call_run(const pl_call_msg *call, int64_t worker, pl_reply_msg *reply);

/*
 * The reply to a call stopped before any of it started (MPI: a CANCEL that
 * came while the chunk still waited in the worker's queue): every call
 * CANCELLED, "not started: its chunk was stopped", none run. Same returns.
 */
int pl_call_refuse(const pl_call_msg *call, int64_t worker, pl_reply_msg *reply);

#endif
