/*
 * pl_shared.h - lab 00, shared state: the functions students write in
 * labs/00-shared-state/{openmp,fork,mpi}.c.
 *
 * Lab 00 does not use paralab.h. It asks one question three ways: W workers
 * each add 1 to "the" counter n times - what is the counter afterwards?
 *   - OpenMP threads share memory: without synchronisation updates are
 *     LOST (fewer than n*W); atomic, critical or a reduction fix it.
 *   - fork() children get a copy-on-write copy: their increments are
 *     INVISIBLE to the parent (it still sees 0); a pipe brings them back.
 *   - MPI ranks have private memory: each rank sees only its own n;
 *     MPI_Reduce adds them up on one rank.
 * And the lesson's file race: W processes writing one datos.txt opened with
 * truncate-on-open lose records; O_APPEND with one write() per record, or
 * one file per task, keeps every record.
 *
 * Every function checks its arguments first (PL_EINVAL, nothing touched)
 * and returns a pl_rc; the lab skeleton returns PL_ENOTIMPL.
 */
#ifndef PL_SHARED_H
#define PL_SHARED_H

#include <limits.h>
#include <stdio.h>

#include "pl_status.h"

/* Largest team the lab functions accept (more is a mistake, not a plan). */
#define PL_SHARED_MAX_WORKERS 64

/*
 * 1 when (n, workers) is a valid counter job: n >= 0, 1 <= workers <=
 * PL_SHARED_MAX_WORKERS, and n * workers fits in a long.
 */
static inline int pl_shared_args_ok(long n, int workers)
{
    return n >= 0 && workers >= 1 && workers <= PL_SHARED_MAX_WORKERS && n <= LONG_MAX / workers;
}

/* ---------------------------------------------------------------- OpenMP */
/*
 * A team of `workers` threads adds 1 to ONE shared counter n * workers times
 * in total; *total receives the final counter. Only the _racy variant may
 * come out short (and never above n * workers); the other three are exact.
 */
int pl_counter_omp_racy(long n, int workers, long *total);      /* no synchronisation */
int pl_counter_omp_atomic(long n, int workers, long *total);    /* #pragma omp atomic */
int pl_counter_omp_critical(long n, int workers, long *total);  /* #pragma omp critical */
int pl_counter_omp_reduction(long n, int workers, long *total); /* reduction(+:counter) */

/* ---------------------------------------------------------------- fork */
/*
 * `workers` child processes each add 1 to the counter n times.
 * _naive: the counter is a global in the parent; *parent_sees receives its
 *         value after every child has ended (copy-on-write: still 0).
 * _pipe:  each child sends its count back over a pipe; *total is their sum.
 * Both wait for every child; a child that fails makes the call PL_EIO.
 */
int pl_counter_fork_naive(long n, int workers, long *parent_sees);
int pl_counter_fork_pipe(long n, int workers, long *total);

/*
 * The file race. `workers` child processes each write `records` records
 * (pl_record_format) for their worker number 0..workers-1:
 * _truncate: every child opens `path` itself with O_TRUNC, as the lesson's
 *            open("datos.txt", "w") does: records are lost.
 * _append:   every child opens `path` with O_APPEND and writes each record
 *            with ONE write(): all workers * records records survive.
 * _per_task: child w writes its own file pl_record_path(dir, w): nothing
 *            is shared, nothing is lost.
 * records >= 0, 1 <= workers <= PL_SHARED_MAX_WORKERS, paths non-NULL.
 */
int pl_records_fork_truncate(const char *path, int workers, int records);
int pl_records_fork_append(const char *path, int workers, int records);
int pl_records_fork_per_task(const char *dir, int workers, int records);

/*
 * One record: exactly PL_RECORD_LEN bytes ending in '\n', e.g.
 * "worker 03 record 000017 ....................................\n".
 * Fixed length, so a test can tell a whole record from a torn one.
 */
#define PL_RECORD_LEN 64
#define PL_RECORD_MAX_SEQ 999999

/* Writes record `seq` of `worker` into buf (PL_RECORD_LEN + 1 bytes, NUL-terminated). */
static inline void pl_record_format(char *buf, int worker, int seq)
{
    int len = snprintf(buf, PL_RECORD_LEN + 1, "worker %02d record %06d ", worker, seq);
    for (int i = len; i < PL_RECORD_LEN - 1; i++) {
        buf[i] = (char)('a' + (worker + i) % 26);
    }
    buf[PL_RECORD_LEN - 1] = '\n';
    buf[PL_RECORD_LEN] = '\0';
}

/* The per-task file of worker w: "<dir>/datos-<w>.txt". buf holds >= size bytes. */
static inline int pl_record_path(char *buf, size_t size, const char *dir, int worker)
{
    int len = snprintf(buf, size, "%s/datos-%d.txt", dir, worker);
    return (len > 0 && (size_t)len < size) ? 0 : -1;
}

/* ---------------------------------------------------------------- MPI */
/*
 * Declared only where <mpi.h> was included first (mpi.c, the MPI tests),
 * so the OpenMP and fork code compiles without MPI's headers.
 * Both are COLLECTIVE over comm: every rank calls them with the same n.
 * _naive:  every rank adds 1 to "the" counter (a global) n times; *mine
 *          receives what this rank sees: n, never n * size.
 * _reduce: the same, then MPI_Reduce adds the private counters up on rank
 *          0 of comm: there *total = n * size; on other ranks *total is
 *          that rank's own count (n).
 * A bad argument returns PL_EINVAL on the rank that got it, before any
 * communication; pass the same arguments everywhere.
 */
#ifdef MPI_VERSION
int pl_counter_mpi_naive(MPI_Comm comm, long n, long *mine);
int pl_counter_mpi_reduce(MPI_Comm comm, long n, long *total);
#endif

#endif
