/*
 * map_repeat.h - one pl_map call, kept so that it can be made again.
 *
 * Why: map_perf/many_small_items times calls of many no-op items
 * (suite_map_perf.c). In a checker (issue 14) a plain pl_map moves every
 * item to the subject process and every result back, and that transport
 * costs about as much per item as the dispatch being measured (~0.2 us an
 * item either way): it hid a map that handed every item out three times
 * (1.4x instead of 3x). So the subject keeps the items of one verified call
 * and makes the same call again on request, answering only pl_map's return
 * code; the checker times that round trip, which carries no items. Then,
 * with the clock stopped, it asks how the call went: how many results
 * differ (in status or value) from the kept call's - which the checker has
 * verified item by item - and their largest overlap (pl_results_max_overlap).
 *
 * Each timed call comes right after the same call made untimed (a
 * warm-up): after an idle gap - the check before, the checker's own work -
 * the first MPI map of 40000 items took 25-150 ms, the next one 15 (idle
 * ranks back off into sleeps, and a chunk's reply moves only when both
 * sides look; with the 3 ms yield window of pl_mpi_backoff, 5-7 ms against
 * 2.5-3.6 warm for 10000 items). That penalty is paid once per call, so it hid per-item
 * costs: a map that handed every item out three times paid it once too.
 * Timing warm calls compares what the student's map costs per item.
 *
 * Used by the subject (checker/pl_subject.c, ops MAP_AGAIN and MAP_CHECK)
 * and, through pl_test_map_kept / pl_test_map_again, by the suites: in a
 * checker those go to the subject, in-process they run this module here.
 * One call is kept at a time.
 */
#ifndef PL_MAP_REPEAT_H
#define PL_MAP_REPEAT_H

#include <stddef.h>
#include <stdint.h>

#include "paralab.h"

typedef struct pl_map_repeat_outcome {
    int rc;        /* what pl_map returned */
    size_t differ; /* results whose status or value is not the kept call's */
    int overlap;   /* the most results that were running at one instant */
} pl_map_repeat_outcome;

/*
 * Keep a copy of this call (task, items, options) and of its results,
 * replacing the call kept before. PL_OK, PL_EINVAL (no task, no items or
 * results, n == 0), PL_ENOMEM (then nothing is kept).
 */
int pl_map_repeat_keep(const char *task, pl_value *const items[], size_t n, const pl_map_opts *opts,
                       pl_result *const results[]);

/*
 * Make the kept call again: what pl_map returned, or PL_EINVAL when no call
 * is kept, PL_ENOMEM. Nothing else happens here - the comparison (a sort
 * of 2n edges for the overlap) and freeing the results (of this run and
 * the one before it, the warm-up) wait for pl_map_repeat_check, so that a
 * timed run times the map alone.
 */
int pl_map_repeat_run(void);

/* How the last run went (out filled), and its results freed. PL_OK, or PL_EINVAL when there was no run. */
int pl_map_repeat_check(pl_map_repeat_outcome *out);

/* Forget the kept call and free everything. */
void pl_map_repeat_clear(void);

/* ---------------------------------------------------------------- for the suites */

/*
 * A pl_map whose call pl_test_map_again can make again. In-process it is
 * pl_map plus pl_map_repeat_keep; in a checker (hooks below) the subject
 * keeps the call on its side.
 */
int pl_test_map_kept(const char *task, pl_value *const items[], size_t n, const pl_map_opts *opts,
                     pl_result *results[]);

/*
 * Make the kept call again twice: a warm-up, then the timed one; *wall_ns
 * is the time of that call alone, taken here (in a checker: a round trip
 * that carries no items or results), and then out says how it went. PL_OK (out filled), or why there was no call
 * (no call kept, the subject failed: the failure has been reported).
 */
int pl_test_map_again(pl_map_repeat_outcome *out, int64_t *wall_ns);

typedef int (*pl_map_kept_fn)(const char *task, pl_value *const items[], size_t n, const pl_map_opts *opts,
                              pl_result *results[]);
typedef int (*pl_map_run_fn)(void);
typedef int (*pl_map_check_fn)(pl_map_repeat_outcome *out);

/* A checker routes the calls to its subject (tests/checker_hooks.c). */
void pl_test_map_repeat_hooks(pl_map_kept_fn kept, pl_map_run_fn run, pl_map_check_fn check);

#endif
