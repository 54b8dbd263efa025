/*
 * pl_proxy.h - the proxy backend: paralab.h, forwarded to a subject process.
 *
 * Linked into a CHECKER instead of a real backend (never with lab files),
 * it implements every call of paralab.h by sending it to the subject
 * (pl_subject.h) over a pl_link and handing back what came: results,
 * futures and groups as ids with their results copied here. The suites
 * stay written once against paralab.h; only the process that decides
 * their verdicts changed (issue 14).
 *
 * The subject is started by pl_run, before the body, so no test's time
 * (the perf tests' figures) includes its start-up (for MPI, mpiexec and
 * MPI_Init: seconds); after it died, it is started again by the next test
 * that calls. A program that runs no test (the harness's --list) asks for
 * pl_proxy_start_lazily(1): then the first call starts it. Which subject, and how:
 *   - the binary pl_subject_<model> next to this program (built with it);
 *   - model mpi: `mpiexec -n $PARALAB_MPI_NP (default 2) --oversubscribe
 *     --bind-to none pl_subject_mpi --connect PATH`, mpiexec from
 *     $PARALAB_MPIEXEC or the one CMake found;
 *   - pl_run's opts->workers becomes the subject's --workers.
 */
#ifndef PL_PROXY_H
#define PL_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include "paralab.h"

/*
 * Where a call must end at the latest: the running test's end (its
 * --test-timeout, as an instant on pl_now_ns's clock; 0 = none). Checked
 * before every call, so a stuck subject fails that test with a reason
 * instead of the whole binary being stopped by the alarm. Also tells tests
 * apart: a subject that died is not restarted within the same test.
 */
void pl_proxy_set_deadline_source(int64_t (*deadline_ns)(void));

/* 1: start the subject on first use instead of in pl_run (see above). */
void pl_proxy_start_lazily(int lazy);

/* Called with the reason each time the subject fails (dies, hangs, garbles): the harness's failure. */
void pl_proxy_set_failure_sink(void (*sink)(const char *why));

/*
 * The pid of the process that runs the student's calls (MPI: rank 0), as
 * this process numbers pids (for /proc/PID); starts it if needed. -1: none.
 */
long pl_proxy_subject_pid(void);

/*
 * The same process's pid as it sees itself: another number when it runs in
 * its own PID namespace (checker/pl_spawn.h). Pids the subject's tasks
 * record (getpid, getppid) are in its numbering: compare them with this.
 */
long pl_proxy_subject_own_pid(void);

/*
 * tests/map_repeat.h's calls, made in the subject: a pl_map whose call the
 * subject keeps; that call made again there - a round trip that carries
 * no items or results, so timing it times the map, not the transport
 * (map_perf/many_small_items) - answering pl_map's rc; and the check of
 * that call's results against the kept ones. PL_ESYS when the subject
 * failed (reported), PL_ENOMEM.
 */
struct pl_map_repeat_outcome;
int pl_proxy_map_kept(const char *task, pl_value *const items[], size_t n, const pl_map_opts *opts,
                      pl_result *results[]);
int pl_proxy_map_again(void);
int pl_proxy_map_check(struct pl_map_repeat_outcome *out);

#endif
