/*
 * checker_hooks.c - what makes harness + suites + the proxy backend a
 * CHECKER (issue 14): linked only into checker binaries.
 *
 * Before main() (so before the harness reads the verdict nonce):
 *   - the process stops being dumpable: a process of the same user - the
 *     subject - can then neither ptrace it nor open its /proc/PID/mem,
 *     environ or fd/, where the nonce and the verdict descriptor live
 *     (that it cannot signal us either is pl_spawn.h's part: the subject
 *     runs in its own PID namespace, or as another user);
 *   - the proxy learns the running test's deadline and reports a subject
 *     that died, hung or garbled as that test's failure, in words;
 *   - a --list run (no test runs) starts no subject process;
 *   - the testkit's hygiene checks (zombies, children, descriptors, where
 *     tasks ran) look at the subject process instead of this one;
 *   - a map call the perf test repeats is kept and repeated in the subject
 *     (map_repeat.h), so its timed calls carry no items.
 */
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

#include <CUnit/TestRun.h>

#include "harness.h"
#include "map_repeat.h"
#include "pl_proxy.h"
#include "pl_spawn.h"
#include "testkit.h"

/* Is --list among our own arguments? (/proc/self/cmdline: this process's, trusted.) */
static int listing_only(void)
{
    char args[4096];
    FILE *f = fopen("/proc/self/cmdline", "r");
    size_t n = f ? fread(args, 1, sizeof args - 1, f) : 0;
    if (f) {
        fclose(f);
    }
    args[n] = '\0';
    for (size_t i = 0; i < n; i += strlen(args + i) + 1) {
        if (strcmp(args + i, "--list") == 0) {
            return 1;
        }
    }
    return 0;
}

/* A failure inside a test is that test's; outside one (pl_run's start) stderr has said it already. */
static void subject_failed(const char *why)
{
    if (pl_test_subject_death_expected()) {
        return; /* the test asked for a call that may kill the subject (testkit.h) */
    }
    if (CU_get_current_suite() != NULL && CU_get_current_test() != NULL) {
        pl_test_check(0, "checker", 0, "%s", why);
    }
}

__attribute__((constructor)) static void become_checker(void)
{
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        perror("checker: prctl(PR_SET_DUMPABLE)");
    }
    pl_spawn_configure(); /* as root with a subject user: files opened with its rights from now on */
    pl_proxy_set_deadline_source(pl_test_deadline_ns);
    pl_proxy_set_failure_sink(subject_failed);
    pl_test_watch_process(pl_proxy_subject_pid, pl_proxy_subject_own_pid);
    pl_proxy_start_lazily(listing_only());
    pl_test_map_repeat_hooks(pl_proxy_map_kept, pl_proxy_map_again, pl_proxy_map_check);
}
