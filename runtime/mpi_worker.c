/*
 * runtime/mpi_worker.c - what ranks 1..K-1 do: serve requests from rank 0.
 *
 * Trusted harness code, not a lab: one loop serves map, futures and groups
 * alike, and a broken worker loop would wedge every test after it.
 *
 *   loop:  look for a message from rank 0 (MPI_Iprobe, sleeping a little
 *          between looks - see pl_mpi_backoff for why not a blocking
 *          MPI_Recv)
 *     TASK    receive it, run the task, send the RESULT back with the
 *             request's id
 *     CANCEL  for a request already answered: nothing to do
 *     STOP    answer STOPPED and leave the loop
 *
 * While a task runs, the worker is not in the loop, so a CANCEL cannot be
 * received there. Instead the pl_cancel hook (pl_should_stop, which long
 * tasks poll) looks for CANCEL and STOP messages itself, at most once per
 * millisecond so that a task polling in a tight loop does not spend its
 * time inside MPI. This is cooperative: a task that never polls runs to its
 * end, and rank 0 meanwhile only stops WAITING for it (see pl_mpi.h).
 *
 * Why not run the task on a second thread and keep the loop listening?
 * It would need MPI_THREAD_MULTIPLE (or careful funnelling) and still could
 * not stop a task that does not poll: a thread cannot be killed safely
 * either. The hook gives the same guarantee with one thread.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "pl_call.h"
#include "pl_mpi.h"

/* How often a running task's pl_should_stop() may look for messages. */
#define CONTROL_PROBE_NS (1000 * 1000)

/*
 * The request being run, and what the hook found. Only the serve thread
 * touches MPI; a task that polls from another thread of its own sees the
 * flags but never probes (MPI_THREAD_FUNNELED allows one thread only).
 */
static struct {
    uint32_t running_id; /* 0 while idle */
    volatile int cancelled;
    volatile int stop_seen;
    int64_t next_probe_ns;
} serving;

static _Thread_local int is_serve_thread;

/*
 * CANCELs for requests not started yet. A map keeps up to PL_MPI_AHEAD
 * chunks out on a worker, so at its deadline the CANCEL for the chunk
 * still queued here can arrive while the one before it runs: the hook
 * takes it in then, and must not forget it, or that chunk would run whole
 * for nobody. A few recent ids are enough (ids are never reused).
 */
#define EARLY_CANCELS 8
static uint32_t early_cancel[EARLY_CANCELS];
static unsigned early_next;

static void remember_cancel(uint32_t id)
{
    early_cancel[early_next++ % EARLY_CANCELS] = id;
}

/* 1 if a CANCEL for id came before id started. */
static int cancelled_early(uint32_t id)
{
    for (int k = 0; k < EARLY_CANCELS; k++) {
        if (id != 0 && early_cancel[k] == id) {
            return 1;
        }
    }
    return 0;
}

/* Receive and return the id of a waiting CANCEL message (0 if malformed). */
static uint32_t receive_cancel(void)
{
    uint8_t msg[4] = {0};
    MPI_Status st;
    MPI_Recv(msg, 4, MPI_BYTE, 0, PL_MPI_TAG_CANCEL, pl_mpi_comm(), &st);
    int count = 0;
    MPI_Get_count(&st, MPI_BYTE, &count);
    if (count != 4) {
        return 0;
    }
    return (uint32_t)pl_be_get(msg, 4);
}

/* Take in every waiting CANCEL (one may be for us), and notice a STOP without taking it. */
static void look_for_control(void)
{
    int waiting = 0;
    MPI_Iprobe(0, PL_MPI_TAG_CANCEL, pl_mpi_comm(), &waiting, MPI_STATUS_IGNORE);
    while (waiting) {
        uint32_t id = receive_cancel();
        if (id == serving.running_id) {
            serving.cancelled = 1;
        } else {
            remember_cancel(id); /* for a request queued behind this one, or one already answered */
        }
        MPI_Iprobe(0, PL_MPI_TAG_CANCEL, pl_mpi_comm(), &waiting, MPI_STATUS_IGNORE);
    }
    /* STOP stays queued: the serve loop receives it once the task has ended. */
    MPI_Iprobe(0, PL_MPI_TAG_STOP, pl_mpi_comm(), &waiting, MPI_STATUS_IGNORE);
    if (waiting) {
        serving.stop_seen = 1;
    }
}

/* The pl_cancel hook: the running task should stop when rank 0 said so. */
static bool worker_should_stop(void)
{
    if (serving.cancelled || serving.stop_seen) {
        return true;
    }
    if (!is_serve_thread || serving.running_id == 0) {
        return false;
    }
    int64_t now = pl_now_ns();
    if (now >= serving.next_probe_ns) {
        serving.next_probe_ns = now + CONTROL_PROBE_NS;
        look_for_control();
    }
    return serving.cancelled || serving.stop_seen;
}

/*
 * Encode the reply into out. A result that cannot travel at all (a value
 * over PL_VALUE_MAX_LEN, or a chunk's reply over INT_MAX bytes, the most
 * one MPI message carries) would end this worker: its value is dropped and
 * it becomes FAILED "result too large: N bytes, limit M" (pl_call.h), which
 * is small and always fits - the caller gets its answer and this worker
 * stays usable. Anything smaller travels, in one message or two
 * (pl_mpi_send_reply).
 */
static int pack_reply(pl_buf *out, pl_reply_msg *reply)
{
    pl_buf_reset(out);
    return pl_reply_encode_bounded(out, reply, (size_t)INT_MAX);
}

/*
 * Run every call of a decoded TASK message, with its id made the running
 * request so that a CANCEL for it reaches the tasks (worker_should_stop).
 */
static int run_request(const pl_call_msg *call, pl_reply_msg *reply)
{
    if (cancelled_early((uint32_t)call->tag)) {
        return pl_call_refuse(call, pl_mpi_rank(), reply);
    }
    serving.running_id = (uint32_t)call->tag;
    serving.cancelled = 0;
    serving.next_probe_ns = 0;
    int rc = pl_call_run(call, pl_mpi_rank(), reply); /* an unknown name gives FAILED results */
    serving.running_id = 0;
    return rc;
}

/*
 * A message we cannot decode still gets an answer under its id (when its
 * header can be read): rank 0 would otherwise wait for it for ever.
 */
static int corrupt_request(const uint8_t *buf, int count, pl_reply_msg *reply)
{
    uint64_t id = 0;
    pl_call_peek_tag(buf, (size_t)count, &id);
    *reply = (pl_reply_msg){.tag = id, .count = 1};
    reply->results = calloc(1, sizeof *reply->results);
    pl_result *res = pl_result_new();
    if (reply->results == NULL || res == NULL) {
        pl_result_free(res);
        pl_reply_msg_clear(reply);
        return PL_ENOMEM;
    }
    pl_result_set_status(res, PL_TASK_FAILED, "corrupt task message (%d bytes)", count);
    pl_result_set_worker(res, pl_mpi_rank());
    reply->results[0] = res;
    return PL_OK;
}

/* Without memory a worker cannot answer, and rank 0 would wait for the answer for ever. */
static _Noreturn void out_of_memory(void)
{
    fprintf(stderr, "paralab mpi: rank %d is out of memory\n", pl_mpi_rank());
    pl_mpi_abort_job(1);
}

/* Receive the TASK message that st describes, run it, answer. */
static void serve_task(const MPI_Status *st, pl_buf *out)
{
    int count = 0;
    MPI_Get_count(st, MPI_BYTE, &count);
    uint8_t *buf = malloc(count > 0 ? (size_t)count : 1);
    if (buf == NULL) {
        out_of_memory();
    }
    MPI_Recv(buf, count, MPI_BYTE, 0, PL_MPI_TAG_TASK, pl_mpi_comm(), MPI_STATUS_IGNORE);
    pl_call_msg call;
    pl_reply_msg reply = {0};
    int rc = pl_call_decode(buf, (size_t)count, &call);
    if (rc == PL_OK) {
        rc = run_request(&call, &reply);
    } else if (rc == PL_EWIRE) {
        rc = corrupt_request(buf, count, &reply);
    }
    free(buf);
    if (rc == PL_OK) {
        rc = pack_reply(out, &reply);
    }
    if (rc != PL_OK) {
        out_of_memory(); /* every other failure was turned into a FAILED result above */
    }
    pl_mpi_send_reply(reply.tag, pl_buf_data(out), pl_buf_len(out));
    pl_reply_msg_clear(&reply);
    pl_call_msg_clear(&call);
}

/* Receive and drop a message we have no use for (a stale CANCEL, an unknown tag). */
static void discard(const MPI_Status *st)
{
    int count = 0;
    MPI_Get_count(st, MPI_BYTE, &count);
    uint8_t *buf = malloc(count > 0 ? (size_t)count : 1);
    if (buf != NULL) {
        MPI_Recv(buf, count, MPI_BYTE, 0, st->MPI_TAG, pl_mpi_comm(), MPI_STATUS_IGNORE);
        free(buf);
    }
}

int pl_mpi_serve(void)
{
    pl_buf *reply = pl_buf_new();
    if (reply == NULL) {
        return PL_ENOMEM;
    }
    is_serve_thread = 1;
    pl_cancel_set_hook(worker_should_stop); /* before the first task runs */
    /* pl_run's greeting (runtime/mpi.c): answer it so rank 0 knows we are up. */
    MPI_Recv(NULL, 0, MPI_BYTE, 0, PL_MPI_TAG_HELLO, pl_mpi_comm(), MPI_STATUS_IGNORE);
    MPI_Send(NULL, 0, MPI_BYTE, 0, PL_MPI_TAG_HELLO, pl_mpi_comm());
    int round = 0;
    for (;;) {
        int waiting = 0;
        MPI_Status st;
        /* ANY_TAG keeps rank 0's messages in the order they were sent. */
        if (MPI_Iprobe(0, MPI_ANY_TAG, pl_mpi_comm(), &waiting, &st) != MPI_SUCCESS) {
            break;
        }
        if (!waiting) {
            pl_mpi_backoff(&round);
            continue;
        }
        round = 0;
        if (st.MPI_TAG == PL_MPI_TAG_TASK) {
            serve_task(&st, reply);
        } else if (st.MPI_TAG == PL_MPI_TAG_STOP) {
            discard(&st);
            MPI_Send(NULL, 0, MPI_BYTE, 0, PL_MPI_TAG_STOPPED, pl_mpi_comm());
            break;
        } else {
            discard(&st);
        }
    }
    pl_cancel_set_hook(NULL);
    pl_buf_free(reply);
    return PL_OK;
}
