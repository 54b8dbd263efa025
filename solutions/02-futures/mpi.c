/*
 * 02-futures/mpi.c - futures as MPI non-blocking requests.
 *
 * MPI already has futures. MPI_Isend and MPI_Irecv return at once with an
 * MPI_Request: a handle to a transfer that goes on in the background.
 * MPI_Test(&req) asks "done yet?" without blocking (our pl_future_done),
 * MPI_Wait(&req) blocks until it is (our pl_future_wait with no timeout),
 * MPI_Cancel withdraws a receive nobody wants any more. So a paralab future
 * on rank 0 is just:
 *
 *   start   pick a free worker, MPI_Irecv its reply (posted FIRST, so the
 *           reply lands in our buffer and never waits in MPI's queue of
 *           unexpected messages), MPI_Isend the request. Return at once.
 *   wait    MPI_Test the receive; sleep a little; test again; until it
 *           completes or the timeout passes. (MPI_Wait has no timeout, and
 *           Open MPI spins on the CPU inside it.)
 *   cancel  a CANCEL message to the worker; its task stops at its next
 *           pl_should_stop() and answers CANCELLED.
 *   free    while it runs: MPI_Cancel our receive. If the reply had
 *           already arrived, the cancel fails harmlessly and the worker is
 *           free; otherwise the worker still owes a reply that nobody
 *           receives - the runtime's worker table drains it before the
 *           worker is used again (pl_mpi_abandon_worker).
 *
 * When every worker is busy, a future waits in OUR queue (oldest first)
 * and starts when one frees up. There is no background thread on rank 0 to
 * notice that: every call into this file first makes progress - it tests
 * the running futures, frees their workers and starts queued ones. So
 * queued futures advance whenever the program waits, polls or starts (and
 * when a map looks for a free worker: see pl_mpi_add_progress).
 *
 * The reply buffer has a fixed size (PL_MPI_REPLY_MAX): an MPI_Irecv posted
 * before the reply exists cannot know how long it will be. Workers never
 * send more (see runtime/pl_mpi.h).
 */
#include <stdlib.h>

#include "paralab.h"
#include "pl_backend_common.h"
#include "pl_mpi.h"

/*
 * Your code: types and static helper functions of your own go here, above
 * the functions below that call them. (A static function that nothing
 * calls is an error under -Werror: add each one when you first call it.)
 */
/* BEGIN SOLUTION */
enum future_state { FUTURE_QUEUED, FUTURE_RUNNING, FUTURE_DONE };

struct pl_future {
    pl_task_call *call; /* the task's name and our own copy of its argument */
    enum future_state state;
    int rank;            /* RUNNING: the worker that has it */
    uint32_t id;         /* RUNNING: the request id its reply carries */
    pl_buf *request;     /* the encoded request: must live until MPI_Isend completes */
    uint8_t *reply;      /* MPI_Irecv's buffer, PL_MPI_REPLY_MAX bytes */
    MPI_Request send_req, recv_req;
    pl_result *result;   /* NULL until DONE */
    pl_future *prev, *next; /* in `live` while QUEUED or RUNNING */
};

/* Futures not DONE yet, oldest first: the queue, and the running ones to test. */
static struct {
    pl_future *head, *tail;
} live;

static void link_live(pl_future *f)
{
    f->prev = live.tail;
    f->next = NULL;
    if (live.tail != NULL) {
        live.tail->next = f;
    } else {
        live.head = f;
    }
    live.tail = f;
}

static void unlink_live(pl_future *f)
{
    if (f->prev != NULL) {
        f->prev->next = f->next;
    } else {
        live.head = f->next;
    }
    if (f->next != NULL) {
        f->next->prev = f->prev;
    } else {
        live.tail = f->prev;
    }
    f->prev = f->next = NULL;
}

/* The transfer buffers are only needed while it runs. */
static void drop_buffers(pl_future *f)
{
    pl_buf_free(f->request);
    free(f->reply);
    f->request = NULL;
    f->reply = NULL;
}

/* The future has its one result: out of the live list for good. */
static void finish(pl_future *f, pl_result *res)
{
    f->result = res;
    f->state = FUTURE_DONE;
    drop_buffers(f);
    unlink_live(f);
}

/* A result for a future that cannot get one from a worker. */
static pl_result *local_result(pl_task_status st, const char *why)
{
    pl_result *res = pl_result_new();
    if (res != NULL) {
        pl_result_set_status(res, st, "%s", why);
    }
    return res;
}

/*
 * Start f on worker rank: receive first, then send. 0 on success; on
 * failure the worker is released and f is left queued.
 */
static int dispatch(pl_future *f, int rank)
{
    f->request = pl_buf_new();
    f->reply = malloc(PL_MPI_REPLY_MAX);
    f->id = pl_mpi_new_id();
    if (f->request == NULL || f->reply == NULL ||
        pl_mpi_pack_task(f->request, f->id, f->call->task, f->call->arg) != PL_OK) {
        drop_buffers(f);
        pl_mpi_release_worker(rank);
        return PL_ENOMEM;
    }
    MPI_Comm comm = pl_mpi_comm();
    if (MPI_Irecv(f->reply, (int)PL_MPI_REPLY_MAX, MPI_BYTE, rank, PL_MPI_TAG_RESULT, comm, &f->recv_req) !=
        MPI_SUCCESS) {
        drop_buffers(f);
        pl_mpi_release_worker(rank);
        return PL_ESYS;
    }
    if (MPI_Isend(pl_buf_data(f->request), (int)pl_buf_len(f->request), MPI_BYTE, rank, PL_MPI_TAG_TASK, comm,
                  &f->send_req) != MPI_SUCCESS) {
        MPI_Cancel(&f->recv_req);
        MPI_Wait(&f->recv_req, MPI_STATUS_IGNORE);
        drop_buffers(f);
        pl_mpi_release_worker(rank);
        return PL_ESYS;
    }
    f->rank = rank;
    f->state = FUTURE_RUNNING;
    return PL_OK;
}

/* The reply of a running future arrived (status st): decode it, free the worker. */
static void complete(pl_future *f, const MPI_Status *st)
{
    /* The worker answered, so it received our request: the send is complete too. */
    MPI_Wait(&f->send_req, MPI_STATUS_IGNORE);
    int count = 0;
    MPI_Get_count(st, MPI_BYTE, &count);
    uint32_t id = 0;
    pl_result *res = NULL;
    if (pl_mpi_unpack_reply(f->reply, (size_t)count, &id, &res) != PL_OK || id != f->id) {
        pl_result_free(res);
        res = local_result(PL_TASK_FAILED, "corrupt or mismatched reply from the worker");
    }
    pl_mpi_release_worker(f->rank);
    finish(f, res);
}

/* One look at a running future: MPI_Test never blocks. */
static void test_running(pl_future *f)
{
    int arrived = 0;
    MPI_Status st;
    if (MPI_Test(&f->recv_req, &arrived, &st) == MPI_SUCCESS && arrived) {
        complete(f, &st);
    }
}

/*
 * Move everything forward: test every running future (freeing workers),
 * then start queued futures, oldest first, while workers are free.
 */
static void progress(void)
{
    /* Claiming a worker may call us back (pl_mpi_add_progress): never while we walk the list. */
    static int busy;
    if (busy) {
        return;
    }
    busy = 1;
    pl_future *f = live.head;
    while (f != NULL) {
        pl_future *next = f->next; /* f may leave the list */
        if (f->state == FUTURE_RUNNING) {
            test_running(f);
        }
        f = next;
    }
    for (f = live.head; f != NULL; f = f->next) {
        if (f->state != FUTURE_QUEUED) {
            continue;
        }
        int rank = pl_mpi_claim_worker();
        if (rank < 0 || dispatch(f, rank) != PL_OK) {
            break; /* no worker free: the rest keep waiting, in order */
        }
    }
    busy = 0;
}

/*
 * Stop listening for a running future's reply. MPI_Cancel only withdraws a
 * receive that has not matched a message yet; MPI_Test_cancelled says
 * which happened. Cancelled: the worker still owes the reply, and the
 * runtime drains it later. Not cancelled: the reply is in our buffer and
 * the worker is free.
 */
static void withdraw(pl_future *f)
{
    MPI_Status st;
    int cancelled = 0;
    MPI_Cancel(&f->recv_req);
    MPI_Wait(&f->recv_req, &st);
    MPI_Test_cancelled(&st, &cancelled);
    MPI_Wait(&f->send_req, MPI_STATUS_IGNORE); /* the worker was idle: it takes the request at once */
    if (cancelled) {
        pl_mpi_abandon_worker(f->rank, f->id);
    } else {
        pl_mpi_release_worker(f->rank);
    }
}

static void destroy(pl_future *f)
{
    drop_buffers(f);
    pl_task_call_free(f->call);
    pl_result_free(f->result);
    free(f);
}
/* END SOLUTION */

int pl_future_start(const char *task, const pl_value *arg, pl_future **out)
{
    int rc = pl_future_check_start(task, out);
    if (rc != PL_OK) {
        return rc;
    }
    /* Only rank 0, inside pl_run, has workers. */
    if (!pl_mpi_in_scope() || pl_workers() < 1) {
        return PL_ESTATE;
    }
    /* BEGIN SOLUTION */
    /* TODO: Copy the task name and argument into a new future (pl_task_call_new), put it at
     * the end of your queue, and make progress: if a worker is free it gets the task now
     * (post the MPI_Irecv for its reply first, then MPI_Isend the request). */
    /* SKELETON: (void)arg; return PL_ENOTIMPL; */
    pl_future *f = calloc(1, sizeof *f);
    if (f == NULL || (f->call = pl_task_call_new(task, arg)) == NULL) {
        free(f);
        return PL_ENOMEM;
    }
    f->state = FUTURE_QUEUED;
    link_live(f);
    /* A map looking for a worker lets us notice finished futures and free theirs. */
    pl_mpi_add_progress(progress);
    progress();
    *out = f;
    return PL_OK;
    /* END SOLUTION */
}

int pl_future_wait(pl_future *f, int64_t timeout_ms, const pl_result **out)
{
    if (f == NULL || out == NULL) {
        return PL_EINVAL;
    }
    /* BEGIN SOLUTION */
    /* TODO: Make progress (MPI_Test the running futures, start queued ones) until this one is
     * done or the timeout passes, sleeping a little between looks (pl_mpi_backoff). */
    /* SKELETON: (void)timeout_ms; return PL_ENOTIMPL; */
    int64_t deadline = pl_deadline_after_ms(timeout_ms);
    int round = 0;
    for (;;) {
        progress();
        if (f->state == FUTURE_DONE) {
            break;
        }
        if (pl_now_ns() >= deadline) {
            return PL_ETIMEDOUT; /* the task keeps running; the caller may wait again */
        }
        pl_mpi_backoff(&round);
    }
    if (f->result == NULL) {
        return PL_ENOMEM; /* it finished, but its result could not be stored */
    }
    *out = f->result;
    return PL_OK;
    /* END SOLUTION */
}

int pl_future_done(pl_future *f)
{
    if (f == NULL) {
        return PL_EINVAL;
    }
    /* BEGIN SOLUTION */
    /* TODO: Make progress once without waiting (MPI_Test never blocks), then return 1 if f has
     * its result and 0 if not. */
    /* SKELETON: return PL_ENOTIMPL; */
    progress(); /* one MPI_Test per running future: never blocks */
    return f->state == FUTURE_DONE;
    /* END SOLUTION */
}

int pl_future_cancel(pl_future *f)
{
    if (f == NULL) {
        return PL_EINVAL;
    }
    /* BEGIN SOLUTION */
    /* TODO: A future that is done already cannot be cancelled: PL_ESTATE. A queued one must
     * never run, so it is CANCELLED now. A running one's worker gets a cancel message
     * (pl_mpi_send_cancel); its task then answers CANCELLED unless it finished first. */
    /* SKELETON: return PL_ENOTIMPL; */
    progress(); /* it may have finished meanwhile: then there is nothing to cancel */
    if (f->state == FUTURE_DONE) {
        return PL_ESTATE;
    }
    if (f->state == FUTURE_QUEUED) {
        /* No times, no worker: the result itself shows that the task never ran. */
        finish(f, local_result(PL_TASK_CANCELLED, "cancelled before it started"));
        return PL_OK;
    }
    return pl_mpi_send_cancel(f->rank, f->id);
    /* END SOLUTION */
}

void pl_future_free(pl_future **fp)
{
    if (fp == NULL || *fp == NULL) {
        return;
    }
    /* BEGIN SOLUTION */
    /* TODO: Set *fp to NULL first. A running future's worker will still answer, so withdraw
     * your MPI_Irecv (MPI_Cancel, then MPI_Wait) and let the runtime drain the late reply
     * (pl_mpi_abandon_worker). Then free the future. */
    /* SKELETON: *fp = NULL; */
    pl_future *f = *fp;
    *fp = NULL;
    if (f->state == FUTURE_RUNNING) {
        test_running(f); /* maybe it just finished: then its worker is simply free */
    }
    if (f->state == FUTURE_RUNNING) {
        withdraw(f);
    }
    if (f->state != FUTURE_DONE) {
        unlink_live(f);
    }
    destroy(f);
    /* END SOLUTION */
}
