/*
 * runtime/mpi_table.c - rank 0's table of its workers (pl_mpi.h, "worker
 * table"): which worker is free, which is claimed by a map, future or
 * group, and which still owes a late reply that must be drained before
 * anyone may use it again.
 *
 * One table for map, futures and groups, so that two of them never send to
 * the same worker at once. It exists while pl_run's body runs on rank 0
 * (runtime/mpi.c opens and closes it); it uses only the messages of
 * mpi_wire.c and the communicator of mpi_comm.c.
 */
#include <stdlib.h>

#include "pl_mpi.h"

#define MAX_PROGRESS 4

enum worker_state { WORKER_FREE, WORKER_CLAIMED, WORKER_OWING };

typedef struct worker_slot {
    enum worker_state state;
    uint32_t owed_id; /* OWING: the request whose late reply must be drained */
} worker_slot;

static struct {
    worker_slot *slots; /* indexed by rank; [0] (rank 0 itself) unused; NULL while closed */
    int size;           /* ranks in the job */
    void (*progress[MAX_PROGRESS])(void);
} table;

int pl_mpi_table_open(void)
{
    table.size = pl_mpi_size();
    table.slots = calloc((size_t)table.size, sizeof *table.slots);
    return table.slots != NULL ? PL_OK : PL_ENOMEM;
}

void pl_mpi_table_close(void)
{
    free(table.slots);
    table.slots = NULL;
}

static int valid_worker(int rank)
{
    return table.slots != NULL && rank >= 1 && rank < table.size;
}

/* Take in the late replies that have arrived; an OWING worker whose debt is paid is FREE again. */
static void drain_late_replies(void)
{
    for (int r = 1; r < table.size; r++) {
        worker_slot *w = &table.slots[r];
        while (w->state == WORKER_OWING) {
            uint32_t id = 0;
            if (pl_mpi_drain_one(r, &id) <= 0) {
                break; /* not arrived yet */
            }
            if (id == w->owed_id) {
                w->state = WORKER_FREE;
            }
        }
    }
}

void pl_mpi_add_progress(void (*fn)(void))
{
    for (int k = 0; k < MAX_PROGRESS; k++) {
        if (table.progress[k] == fn) {
            return;
        }
        if (table.progress[k] == NULL) {
            table.progress[k] = fn;
            return;
        }
    }
}

/* Let the owners of claimed workers notice finished requests (see pl_mpi_add_progress). */
static void run_progress(void)
{
    static int running; /* a progress function that claims a worker must not loop back here */
    if (running) {
        return;
    }
    running = 1;
    for (int k = 0; k < MAX_PROGRESS && table.progress[k] != NULL; k++) {
        table.progress[k]();
    }
    running = 0;
}

static int first_free(void)
{
    drain_late_replies();
    for (int r = 1; r < table.size; r++) {
        if (table.slots[r].state == WORKER_FREE) {
            table.slots[r].state = WORKER_CLAIMED;
            return r;
        }
    }
    return -1;
}

int pl_mpi_claim_worker(void)
{
    if (table.slots == NULL) {
        return -1;
    }
    int rank = first_free();
    if (rank < 0) {
        run_progress();
        rank = first_free();
    }
    return rank;
}

void pl_mpi_release_worker(int rank)
{
    if (valid_worker(rank)) {
        table.slots[rank].state = WORKER_FREE;
    }
}

void pl_mpi_abandon_worker(int rank, uint32_t id)
{
    if (!valid_worker(rank)) {
        return;
    }
    pl_mpi_send_cancel(rank, id);
    worker_slot *w = &table.slots[rank];
    /*
     * A worker answers in the order of its requests, so it owes until the
     * reply to the NEWEST one abandoned (ids grow, modulo 2^32: compare the
     * difference, not the ids).
     */
    if (w->state != WORKER_OWING || (int32_t)(id - w->owed_id) > 0) {
        w->owed_id = id;
    }
    w->state = WORKER_OWING;
}

int pl_mpi_free_workers(void)
{
    if (table.slots == NULL) {
        return 0;
    }
    drain_late_replies();
    int n = 0;
    for (int r = 1; r < table.size; r++) {
        n += table.slots[r].state == WORKER_FREE;
    }
    return n;
}
