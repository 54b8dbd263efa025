/*
 * pl_tasks.h - the built-in tasks: the ones the labs, tests, demos and
 * benchmarks call by name.
 *
 * They live one floor above the task/result module (common/): the
 * registry there knows how to find a task by name, not which tasks exist.
 * Every backend registers these when a program first needs tasks
 * (pl_run, and the first map, future or group), so a task-serving process
 * - a fork child (it inherits the parent's table), an MPI worker rank (it
 * runs pl_run) - always finds them. The registration is an explicit call,
 * not a constructor that the linker might leave out of a static library.
 *
 *   square    int x -> x*x; double x -> x*x; anything else FAILED
 *   noop      returns a copy of its argument (measures per-task overhead)
 *   sleep_ms  int ms -> sleeps ms, returns ms; polls pl_should_stop() (CANCELLED)
 *   spin      int n -> n rounds of CPU-bound integer work, returns a checksum
 *             that depends only on n (pl_spin_expected); polls pl_should_stop()
 *   fail      FAILED with the error text "fail: <arg as text>"
 *   crash     raises SIGSEGV: kills its process (the lesson on crashes)
 *   hang      never returns unless pl_should_stop() says so, then CANCELLED
 *   tally     str "INDEX SLEEP_MS PATH" -> counts one run of item INDEX in the
 *             tally file PATH, sleeps SLEEP_MS (cancellable), returns INDEX;
 *             how tests see that every item ran exactly once (pl_tally.h)
 *   planta, animal, insecto
 *             the lesson's species tasks: str "COLOR [MS]" -> sleeps MS
 *             (default 100, cancellable), answers "<kind> COLOR", as the
 *             lesson's plantas('roja') etc. do: "planta roja"; int ms (or
 *             NONE = 100) -> answers "planta: helecho, roble, cactus"
 *
 * The lesson's `fetch` (download a URL, libcurl) is a built-in too, but of
 * its own library (pl_fetch.h, paralab_fetch), so that a program that
 * downloads nothing does not depend on libcurl: a program that wants it
 * calls pl_fetch_global_init() in main, before pl_run.
 */
#ifndef PL_TASKS_H
#define PL_TASKS_H

#include <stdint.h>

#include "pl_task.h"

/*
 * Register the tasks listed above in this process's registry, once
 * (later calls do nothing; safe from several threads). PL_OK, or the
 * first error pl_task_register gave (PL_EEXIST when a program registered
 * its own task under a built-in's name first: the program's stays).
 */
int pl_tasks_register_builtins(void);

/* The checksum spin returns for n rounds, computed without polling; -1 for n < 0. */
int64_t pl_spin_expected(int64_t n);

#endif
