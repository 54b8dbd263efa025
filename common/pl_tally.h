/*
 * pl_tally.h - the built-in task `tally`: it counts how often each item REALLY
 * ran, where every worker can write and the caller (or, later, a checker
 * process outside the student's program) can read it.
 *
 * Why a file? A result says what the backend returned, not how often the
 * task ran: a map that hands the same item to two workers (an unsynchronised
 * `next++` shared by threads) still returns one correct result per item.
 * Only the task itself knows it ran, and it may run in a thread of the
 * caller, in a forked child or in an MPI rank - three different address
 * spaces. A file mapped with MAP_SHARED is the one memory all of them see:
 * each run adds 1 to its item's counter with an atomic add (lock-free
 * atomics work across processes that map the same page), and records which
 * process ran it and that process's parent.
 *
 * Assumption: every worker runs on this computer (the file is on its local
 * disk). Threads, fork children and MPI ranks started on one node do; MPI
 * ranks on other nodes of a cluster would not find the file (their item
 * FAILS with "cannot open"), so tests that tally are left out of the
 * multi-host run (tests/cluster/multihost.sh).
 *
 * A tally file is n records; the task's argument is the string
 * "INDEX SLEEP_MS PATH" (pl_tally_arg builds it). The task counts the run,
 * records getpid()/getppid(), sleeps SLEEP_MS (polling pl_should_stop, so a
 * deadline can stop it) and returns INDEX.
 */
#ifndef PL_TALLY_H
#define PL_TALLY_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "pl_value.h"

typedef struct pl_tally_record {
    _Atomic uint32_t runs; /* how many times the item started */
    _Atomic uint32_t pid;  /* the process that ran it (the last one, if several) */
    _Atomic uint32_t ppid; /* that process's parent when it ran */
    _Atomic uint32_t pad;  /* keeps records 16 bytes (no record straddles two cache lines) */
} pl_tally_record;

/*
 * Create (or truncate) the tally file at path with n zeroed records.
 * PL_OK, PL_EINVAL, PL_ESYS. A path names one tally for its whole life: the
 * task keeps the file mapped per thread, so reuse a path only for the same file.
 */
int pl_tally_create(const char *path, size_t n);

/* A record as plain numbers, for the reader. */
typedef struct pl_tally_entry {
    uint32_t runs, pid, ppid;
} pl_tally_entry;

/*
 * Copy the first n records of the file at path into out. PL_OK, PL_EINVAL
 * (NULLs, or the file has fewer than n records), PL_ESYS (cannot open it).
 */
int pl_tally_read(const char *path, pl_tally_entry *out, size_t n);

/* The task's argument for item index: a new string value, or NULL when out of memory. */
pl_value *pl_tally_arg(const char *path, size_t index, int64_t sleep_ms);

/*
 * The task's bookkeeping (pl_tasks_builtin.c runs the task itself): parse
 * "INDEX SLEEP_MS PATH", then count one run of INDEX and record who ran it.
 * PL_OK, or PL_EINVAL / PL_ESYS with why (at most why_len bytes).
 */
int pl_tally_count(const char *arg, int64_t *index, int64_t *sleep_ms, char *why, size_t why_len);

#endif
