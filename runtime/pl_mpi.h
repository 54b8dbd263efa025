/*
 * pl_mpi.h - what the MPI run scope (runtime/mpi.c) offers the MPI labs
 * (labs/NN-name/mpi.c), beyond paralab.h.
 *
 * The picture: `mpiexec -n K prog` starts K copies of prog. In pl_run,
 * rank 0 runs body() - the tests, the demo, your code - and ranks 1..K-1
 * are WORKERS: they loop in runtime/mpi.c, receiving task requests from
 * rank 0, running them and sending the results back, until rank 0 says
 * stop. The worker loop is harness code; the labs write rank 0's side.
 *
 * Nothing is shared between ranks: everything a worker needs travels in a
 * message, and every message is a byte buffer (MPI_BYTE). A task and its
 * answer are a call and its reply in the task-call codec of common/
 * (pl_call.h) - the same bytes the fork backend sends down its pipes -
 * with the request id as the tag. The messages, told apart by their MPI
 * tag:
 *
 *   rank 0 -> worker   PL_MPI_TAG_TASK    a call:  [id][task name][encoded pl_value]
 *   worker -> rank 0   PL_MPI_TAG_RESULT  a reply: [id][encoded pl_result]
 *   rank 0 -> worker   PL_MPI_TAG_CANCEL  [u32 id]   "stop request id if you are running it"
 *   rank 0 -> worker   PL_MPI_TAG_STOP    (empty)    "leave the loop" (pl_run does this)
 * plus pl_run's own HELLO (both ways, at the start) and STOPPED (the
 * worker's answer to STOP), which the labs never see.
 *
 * The request id. Every request gets a fresh id (pl_mpi_new_id) and the
 * worker copies it into its reply. When rank 0 stops waiting for a request
 * (a map's deadline, a freed future) the worker may still answer it later:
 * that LATE reply must not be taken for the answer to the next request
 * sent to the same worker. The id makes a late reply recognisable, and the
 * worker table below makes sure it is drained before the worker is reused.
 *
 * A worker runs one request at a time, and MPI keeps the messages between
 * two ranks in order (for the same tag), so a worker's replies arrive in
 * the order of its requests.
 *
 * Cancelling is cooperative, as with threads: while a task runs, the
 * worker's pl_should_stop() (through the hook of pl_cancel.h) looks for a
 * CANCEL or STOP message with MPI_Iprobe, at most once per millisecond. A
 * task that never calls pl_should_stop() cannot be stopped: MPI cannot kill
 * one rank of a job without killing the job.
 *
 * Everything below is for rank 0, inside body, unless it says otherwise.
 * MPI is initialised with MPI_THREAD_FUNNELED: only the thread that called
 * pl_run may make MPI calls.
 */
#ifndef PL_MPI_H
#define PL_MPI_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "paralab.h"
#include "pl_call.h"
#include "pl_wire.h"

/* Message tags (see the table above). */
enum {
    PL_MPI_TAG_TASK = 101,
    PL_MPI_TAG_RESULT = 102,
    PL_MPI_TAG_CANCEL = 103,
    PL_MPI_TAG_STOP = 104,
    PL_MPI_TAG_STOPPED = 105, /* worker -> rank 0: "I left the loop" (pl_run's shutdown) */
    PL_MPI_TAG_HELLO = 106,   /* both ways, once, when pl_run starts (see runtime/mpi.c) */
    PL_MPI_TAG_BODY = 107     /* worker -> rank 0: a reply too big for one RESULT message (below) */
};

/*
 * The largest reply that travels as ONE message, in bytes. A receive
 * posted before the reply exists (MPI_Irecv, the futures lab) needs a
 * buffer of a known size; this is it. A bigger reply (a result of up to
 * PL_VALUE_MAX_LEN, 64 MiB, like fork's) travels in two: a small "big
 * reply" header under PL_MPI_TAG_RESULT, which fits any such buffer and
 * says how big the rest is and which rank sends it, then the reply itself
 * under PL_MPI_TAG_BODY, which rank 0 receives at once, into a buffer of
 * that size (pl_mpi_reply_body). The worker sends both right away, so that
 * receive waits only for the bytes to move. Only a result over
 * PL_VALUE_MAX_LEN comes back FAILED "result too large", and the worker
 * stays usable.
 */
#define PL_MPI_REPLY_MAX ((size_t)64 * 1024)

/*
 * 1 on rank 0 while body runs, in the thread that runs it (map, futures and
 * groups may send requests). 0 in any other thread: MPI runs FUNNELED, so
 * the labs refuse calls from there with PL_ESTATE.
 */
int pl_mpi_in_scope(void);

/*
 * The communicator every paralab message travels on: a duplicate of
 * MPI_COMM_WORLD made by pl_run (what libraries do, so that a program's own
 * messages on MPI_COMM_WORLD can never be mistaken for ours). Its error
 * handler is MPI_ERRORS_RETURN: a failed call returns an error code
 * instead of aborting the job, so the labs can turn it into PL_ESYS.
 */
MPI_Comm pl_mpi_comm(void);

/* This process's rank (0 before pl_run initialised MPI). */
int pl_mpi_rank(void);

/* A fresh request id, never 0 (0 marks "unknown" in a corrupt message). */
uint32_t pl_mpi_new_id(void);

/* ---------------------------------------------------------------- worker table */

/*
 * Rank 0 keeps one table of its workers, shared by map, futures and groups,
 * so that two of them never send to the same worker at once. A worker is
 * FREE, CLAIMED (someone sent it a request and will read the reply), or
 * OWING (its requester gave up: the late reply still has to be drained).
 *
 * pl_mpi_claim_worker: the rank of a FREE worker, now CLAIMED by the caller,
 *   or -1 when none is free right now. It first drains any late replies
 *   that have arrived, so an OWING worker becomes FREE again here.
 * pl_mpi_release_worker: the caller received the reply of its request; the
 *   worker is FREE again.
 * pl_mpi_abandon_worker: the caller stops waiting for request id on rank
 *   (a deadline, a freed future, a stopped group). Sends a CANCEL for id,
 *   and marks the worker OWING: nobody gets it until its reply for id has
 *   been received and thrown away. With several requests out on it (a
 *   map's chunks, PL_MPI_AHEAD), call it once per request, in any order:
 *   the worker is owing until the reply to the newest one. The caller must not receive from that
 *   worker any more (cancel a posted MPI_Irecv first, see the futures lab).
 *
 * A CLAIMED worker stays claimed until its owner looks at the reply, even
 * if the task finished long ago: there is no background thread on rank 0
 * to notice. So an owner that keeps requests out between calls (futures)
 * registers a progress function with pl_mpi_add_progress: when
 * pl_mpi_claim_worker finds no free worker, it runs those functions once,
 * so a map called while futures hold every worker still moves forward.
 */
int pl_mpi_claim_worker(void);
void pl_mpi_release_worker(int rank);
void pl_mpi_abandon_worker(int rank, uint32_t id);

/*
 * Register fn (at most 4 functions; registering one twice is harmless).
 * fn must not block; it may itself claim workers (it is not re-entered).
 */
void pl_mpi_add_progress(void (*fn)(void));

/* Workers that are FREE right now (after draining late replies). */
int pl_mpi_free_workers(void);

/* ---------------------------------------------------------------- messages */

/* Build a TASK message into out (reset first). PL_OK, PL_EINVAL, PL_ENOMEM. */
int pl_mpi_pack_task(pl_buf *out, uint32_t id, const char *task, const pl_value *arg);

/* pack + a blocking MPI_Send to rank (an idle worker receives it at once). PL_OK, PL_ESYS, ... */
int pl_mpi_send_task(int rank, uint32_t id, const char *task, const pl_value *arg);

/* Send a CANCEL for request id to rank. PL_OK or PL_ESYS. */
int pl_mpi_send_cancel(int rank, uint32_t id);

/*
 * Decode a RESULT message of len bytes: *id gets the request id, *out a new
 * result (freed by the caller). PL_EWIRE for a corrupt message.
 */
int pl_mpi_unpack_reply(const void *buf, size_t len, uint32_t *id, pl_result **out);

/*
 * A worker's reply of len bytes, as the messages that carry it: one RESULT
 * message when len <= PL_MPI_REPLY_MAX, else a header and a BODY message
 * (above). pl_mpi_send_reply sends them and returns when they have left.
 */
void pl_mpi_send_reply(uint64_t tag, const void *reply, size_t len);

/*
 * If the RESULT message buf[0..len) is a big reply's header, receive the
 * reply it announces: 1 with *body (malloc'd, the caller frees it) and
 * *body_len; 0 when buf is a whole reply; PL_ESYS, PL_EWIRE, PL_ENOMEM
 * (then the body is received and dropped, so its worker is not left
 * sending it for ever).
 */
int pl_mpi_reply_body(const void *buf, size_t len, uint8_t **body, size_t *body_len);

/*
 * Take the next RESULT message from rank if one is waiting: 1 with its
 * bytes in *buf (malloc'd, the caller frees it) and *len, 0 when none, or
 * PL_ESYS, PL_ENOMEM (then the message stays in MPI's hands for a later
 * look). Never blocks. The one receive under pl_mpi_poll_reply and the
 * chunks' polls.
 */
int pl_mpi_take_result(int rank, uint8_t **buf, size_t *len);

/*
 * Has rank's reply to request id arrived? Looks with MPI_Iprobe (never
 * blocks); if it is there, receives it (MPI_Get_count + MPI_Recv) and
 * decodes it. 1 with *out set, 0 not yet, or a negative pl_rc. A reply
 * with another id (a late one) is thrown away and 0 returned.
 */
int pl_mpi_poll_reply(int rank, uint32_t id, pl_result **out);

/*
 * Chunks (a map hands a worker several items at once, paralab.h "Chunks"):
 * one TASK message carrying count calls of task (args[0..count), none
 * NULL) under request id, and its one RESULT message carrying count
 * results in the same order. The worker runs the calls one after another;
 * once a CANCEL for the id arrives, the calls it has not started yet are
 * not started (CANCELLED). A chunk is answered whole, so a map that stops
 * waiting for it (its deadline) loses every result in it: rank 0 only
 * sees what arrived.
 *
 * pl_mpi_send_chunk: pack + MPI_Isend. Returns at once, even when the
 *   worker is busy with an earlier chunk: the message is the runtime's
 *   until the worker takes it (it is freed at a later send, or at the end
 *   of pl_run). Messages to one worker arrive in the order sent.
 * pl_mpi_poll_chunk: as pl_mpi_poll_reply, for a reply of any count: 1
 *   with *out filled (empty on entry; the caller clears it with
 *   pl_reply_msg_clear), 0 not yet, or a negative pl_rc. A reply with
 *   another id (a late one) is thrown away.
 */
int pl_mpi_send_chunk(int rank, uint32_t id, const char *task, pl_value *const args[], size_t count);

/*
 * How many chunks a map may keep out on one worker whose chunks are SHORT:
 * the one it runs and the next ones, already waiting in its queue. With
 * one, a worker that answers sits idle for a whole round trip - rank 0 has
 * to receive the reply, file it and send the next chunk (~2 us on one
 * machine, far more across a network; more still when ranks outnumber
 * cores and rank 0 waits for a core) - which is most of the cost of a
 * small item: 20 000 squares one at a time, 3 ranks on 2 cores, cost
 * ~3.4 us an item with one, ~1.9 with two, ~1.2 with three (four: no
 * better). pl_mpi_send_chunk returns without waiting for the worker to
 * take the message, so sending ahead never blocks rank 0.
 *
 * The price: an item queued behind a long one waits for it, even if
 * another worker is free - and may miss a deadline it would have made.
 * So a map sends ahead only in a call without a deadline, and only to a
 * worker whose last chunk ran for less than PL_MPI_AHEAD_BELOW_NS
 * (pl_mpi_worth_ahead): a queued item then usually waits a millisecond
 * or two, and long items keep the on-demand schedule of one chunk at a
 * time. (Usually: a long item right after short ones still holds up to
 * PL_MPI_AHEAD - 1 chunks queued behind it.)
 */
#define PL_MPI_AHEAD 3
#define PL_MPI_AHEAD_BELOW_NS ((int64_t)1000 * 1000)

/*
 * 1 when the chunk answered by reply ran for less than
 * PL_MPI_AHEAD_BELOW_NS on its worker (first start to last end, from the
 * results' stamps): its worker may get up to PL_MPI_AHEAD chunks out. 0
 * otherwise (then one at a time). Call it before moving the results out.
 */
int pl_mpi_worth_ahead(const pl_reply_msg *reply);

/*
 * The largest AUTOMATIC chunk on MPI (an explicit chunksize is honoured as
 * given). Past a few tens of kilobytes a message leaves Open MPI's cheap
 * paths: it travels in fragments that only move while both ranks are in
 * an MPI call, and a worker that waits politely between calls (backoff)
 * stretches it. Measured on a loaded 2-core machine, 100 000 squares on 2
 * workers: ~4 us an item in chunks of 256-512, ~16 us in chunks of 12 500
 * (Pool.map's rule). So the automatic size is min(Pool.map's rule, this).
 * (Since chunks go out with MPI_Isend and ahead, 1 Dec 2026, quiet machine:
 * 0.2-0.3 us an item from 512 to 12 500, no size clearly best - kept at
 * 512, which leaves more chunks to balance; docs/bench.md.)
 */
#define PL_MPI_AUTO_CHUNK_MAX ((size_t)512)
int pl_mpi_poll_chunk(int rank, uint32_t id, pl_reply_msg *out);

/* ---------------------------------------------------------------- waiting politely */

/* How long pl_mpi_backoff lets the caller poll without yielding, from the start of a wait. */
#define PL_MPI_SPIN_NS ((int64_t)30 * 1000)

/* The longest sleep between two polls of a long wait. */
#define PL_MPI_SLEEP_MAX_US 1000L

/*
 * Until when (from the start of a wait) pl_mpi_backoff only yields the core
 * between polls. Longer than the longest sleep, with room for the timer's
 * slack and a wake-up: see mpi_comm.c for why it must be.
 */
#define PL_MPI_YIELD_NS ((int64_t)3 * PL_MPI_SLEEP_MAX_US * 1000)

/*
 * Wait a little between two polls: poll at once for PL_MPI_SPIN_NS, then
 * sched_yield() between polls until PL_MPI_YIELD_NS, then sleep 50 us,
 * doubling up to PL_MPI_SLEEP_MAX_US, as *round grows (start it at 0 and
 * reset it to 0 whenever something happened). A blocking MPI_Recv or
 * MPI_Wait would not sleep: Open MPI spins on the CPU while it waits, and
 * on a 2-core machine with 4 ranks spinning ranks steal the cores from the
 * ones doing work.
 */
void pl_mpi_backoff(int *round);

/* ---------------------------------------------------------------- runtime internals */

/*
 * For runtime/mpi*.c only; the labs never call these. The backend is built
 * in floors, each using only the ones below it (runtime/mpi_comm.c has the
 * map): mpi.c (run scope) > mpi_table.c, mpi_worker.c > mpi_wire.c >
 * mpi_comm.c.
 */

/* mpi_comm.c: MPI_Init (unless the program did) and our communicator; close undoes both. */
int pl_mpi_comm_open(void);
void pl_mpi_comm_close(void);
/* mpi_comm.c: how many ranks the job has (0 before pl_mpi_comm_open). */
int pl_mpi_size(void);
/*
 * mpi_comm.c: end the whole job with a non-zero exit code (code, or 1 if
 * code is 0) - MPI_Abort, after waiting (bounded) for mpiexec to forward
 * what this rank has printed, so the message saying why reaches the job's
 * output. Print the reason first.
 */
_Noreturn void pl_mpi_abort_job(int code);

/* mpi_table.c: the worker table exists from open to close (rank 0, around body). */
int pl_mpi_table_open(void);
void pl_mpi_table_close(void);

/* mpi_worker.c: the worker ranks' serve loop; returns when rank 0 says stop. */
int pl_mpi_serve(void);

/*
 * mpi_chunks.c: the chunk messages still on their way (pl_mpi_send_chunk).
 * pl_mpi_sends_finish waits for them all: call it once every worker has
 * said STOPPED (so each has taken every message sent before), before
 * MPI_Finalize.
 */
void pl_mpi_sends_finish(void);

/*
 * mpi_chunks.c: receive and discard one waiting RESULT from rank, of any
 * count (a late chunk's reply too): 1 with its id, 0 if none, or < 0.
 */
int pl_mpi_drain_one(int rank, uint32_t *id);

#endif
