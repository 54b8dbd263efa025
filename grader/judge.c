/*
 * judge.c - a test's score from its run, and when it failed, why, in words
 * a student can act on (see judge.h).
 *
 * Passed = the verdict channel says so AND the process tree ended cleanly
 * (exit 0, in time, no signal, no flood). Everything else is explained
 * from the evidence the sandbox kept: how the job ended, what was stuck at
 * a timeout, the failed assertion in the captured output. The output only
 * ever explains a failure; it never decides one (a submission writes it).
 */
#include "judge.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "explain.h"

/* An exit status above this is 128 + the signal that killed a child, as bwrap and mpiexec report it. */
#define SIGNAL_EXIT_BASE 128
/* The exit status of the harness's own --test-timeout alarm (like timeout(1)). */
#define HARNESS_TIMEOUT_EXIT 124
/* How far back from Open MPI's "exited on signal" to look for the rank it names. */
#define MPI_RANK_LOOKBACK 200

/* Open MPI names a dead rank's signal in its own words; quote them. */
static char *mpi_death_of(const char *out)
{
    const char *p = strstr(out, "exited on signal");
    if (p == NULL) {
        return NULL;
    }
    const char *end = strpbrk(p, ".\n");
    const char *rank = NULL;
    for (const char *q = p; q > out && p - q < MPI_RANK_LOOKBACK; q--) {
        if (strncmp(q, "rank ", 5) == 0) {
            rank = q;
            break;
        }
    }
    int rk = rank ? atoi(rank + 5) : -1;
    return gr_fmt("crashed: MPI rank %d %.*s", rk, end ? (int)(end - p) : 40, p);
}

/* The first line of s in buf: a reason is one line in the score table. */
static const char *first_line(const char *s, char *buf, size_t len)
{
    while (*s == ' ') {
        s++;
    }
    const char *nl = strchr(s, '\n');
    snprintf(buf, len, "%.*s", nl ? (int)(nl - s) : (int)strlen(s), s);
    return buf;
}

/* Point at a limit when the evidence suggests the test ran into one. */
static void limit_hints(gr_buf *why, const gr_job *job, const char *out)
{
    if (gr_contains_ci(out, "Resource temporarily unavailable") ||
        (gr_contains_ci(out, "fork") && gr_contains_ci(out, "EAGAIN"))) {
        gr_buf_addf(why, " [process/thread limit of %d hit: fork or thread creation failed]", job->lim.procs);
    }
    /* 80%: the peak is sampled, and an allocation that fails never shows in it. */
    long mem_kb = (long)job->lim.memory_mb * 1024;
    if (mem_kb > 0 && (job->maxrss_kb > mem_kb * 8 / 10 || gr_contains_ci(out, "Cannot allocate memory") ||
                       gr_contains_ci(out, "out of memory"))) {
        gr_buf_addf(why, " [memory limit of %d MiB hit: an allocation failed]", job->lim.memory_mb);
    }
}

/* The signal that ended the job; bwrap (and mpiexec) report a child killed by N as 128 + N. */
static int ending_signal(const gr_run *r, const gr_test *t, const gr_job *job)
{
    int st = job->status;
    if (WIFSIGNALED(st)) {
        return WTERMSIG(st);
    }
    if (job->exited && WIFEXITED(st) && WEXITSTATUS(st) > SIGNAL_EXIT_BASE && WEXITSTATUS(st) < SIGNAL_EXIT_BASE + 32 &&
        (r->sb.use_bwrap || t->mpi)) {
        return WEXITSTATUS(st) - SIGNAL_EXIT_BASE;
    }
    return 0;
}

/*
 * A timeout, told apart: after the test passed (stuck at exit), a fork bomb
 * (the process count says so), or stuck somewhere (gr_describe_tree's first
 * line names the process and what its threads wait in).
 */
static void explain_timeout(gr_buf *why, const gr_test *t, const gr_job *job, int test_passed)
{
    char line[300];
    if (test_passed) {
        gr_buf_addf(why, "the test passed, but the process did not exit within %.0f s "
                         "(stuck after the test: an exit handler, a destructor or a leftover worker?)",
                    job->lim.wall_s);
        return;
    }
    gr_buf_addf(why, "timed out after %.0f s%s", job->lim.wall_s,
                t->budget_capped ? " (limit cut: the grading time budget was nearly used up)"
                : job->lim.wall_s < t->timeout_s ? " (limit shortened: earlier tests of this binary timed out)"
                                                 : "");
    if (job->stuck_procs >= job->lim.procs / 2) {
        gr_buf_addf(why, " with %d processes (process limit %d: a fork bomb?)", job->stuck_procs, job->lim.procs);
    } else if (job->stuck) {
        gr_buf_addf(why, "; stuck: %s", first_line(job->stuck, line, sizeof line));
    }
}

/*
 * A signal: a limit's own signal names the limit; a crash names the signal
 * (and the MPI rank, when Open MPI said which one died).
 */
static void explain_signal(gr_buf *why, const gr_test *t, const gr_job *job, int sig, int test_passed,
                           const char *out)
{
    char *mpi = t->mpi ? mpi_death_of(out) : NULL;
    if (sig == SIGXCPU) {
        gr_buf_addf(why, "CPU time limit of %d s exceeded (SIGXCPU)", job->lim.cpu_s);
    } else if (sig == SIGXFSZ) {
        gr_buf_addf(why, "file size limit of %d MiB exceeded (SIGXFSZ)", job->lim.file_mb);
    } else if (test_passed) {
        gr_buf_addf(why, "the test passed, but the process then crashed: %s", gr_signal_name(sig));
    } else if (mpi) {
        gr_buf_add(why, mpi);
    } else {
        gr_buf_addf(why, "crashed: %s", gr_signal_name(sig));
    }
    free(mpi);
}

/* The process exited by itself (no signal, no timeout), but the test did not pass. */
static void explain_exit(gr_buf *why, const gr_test *t, const gr_verdict *v, int st, int test_passed,
                         const char *out)
{
    char line[300];
    char *mpi = t->mpi ? mpi_death_of(out) : NULL;
    if (WIFEXITED(st) && WEXITSTATUS(st) == HARNESS_TIMEOUT_EXIT && gr_contains_ci(out, "exceeded --test-timeout")) {
        /* Only if the grader's own limit was late (it is the lower one). */
        gr_buf_addf(why, "timed out (the test binary's backstop limit of %d s)",
                    (int)t->timeout_s + GR_HARNESS_BACKSTOP_S);
    } else if (v->fail > 0 || (v->end == 1 && v->end_failed > 0)) {
        /* "suite_map.c:108: wrong is 3, expected 0 - hint: ..." (explain.h) */
        char *a = gr_failed_assertion(out);
        if (a != NULL && strstr(a, ": needs lab ") != NULL) {
            gr_buf_add(why, strstr(a, ": needs lab ") + 2); /* another lab first: say only that */
        } else if (gr_contains_ci(out, "not implemented")) {
            gr_buf_add(why, "not implemented yet (still returns PL_ENOTIMPL)");
        } else {
            gr_buf_add(why, a ? a : "a check failed (see the output)");
        }
        free(a);
    } else if (mpi) {
        gr_buf_add(why, mpi);
    } else if (test_passed && WIFEXITED(st)) {
        gr_buf_addf(why, "the test passed, but the process then exited with status %d", WEXITSTATUS(st));
    } else if (WIFEXITED(st) && WEXITSTATUS(st) == 2 && v->end == 0 && gr_contains_ci(out, "harness:")) {
        gr_buf_addf(why, "the test binary refused to run it: %s",
                    first_line(strstr(out, "harness:"), line, sizeof line));
    } else if (WIFEXITED(st)) {
        gr_buf_addf(why, "exited during the test (exit status %d) before the test finished", WEXITSTATUS(st));
    } else {
        gr_buf_add(why, "failed");
    }
    free(mpi);
}

/* The reason in one line (t->reason) and the details for the report (t->output). */
static void record_failure(gr_test *t, const gr_job *job, gr_buf *why, const char *out)
{
    limit_hints(why, job, out);
    t->reason = why->s;
    gr_buf details = {0};
    gr_buf_addf(&details, "%s\n", why->s);
    if (job->stuck) {
        gr_buf_addf(&details, "\nWhat was running at the timeout:\n%s", job->stuck);
    }
    if (out[0]) {
        gr_buf_addf(&details, "\nOutput (%lld bytes):\n%s", job->out.total, out);
    }
    t->output = details.s;
}

/*
 * Passed = the verdict channel says so AND the process tree ended cleanly
 * (exit 0, in time, no signal, no flood). Everything else is explained.
 */
void gr_judge(gr_run *r, gr_test *t, gr_job *job, const gr_test_run *c)
{
    if (job->skipped) {
        t->ran = 0;
        t->passed = 0;
        t->score = 0;
        t->reason = gr_fmt("not run: the grading time budget (%.0f s) was used up by earlier tests "
                           "(hanging tests?)", r->rubric.budget_s);
        t->output = gr_xstrdup(t->reason);
        return;
    }
    gr_verdict v = gr_read_verdict(c);
    char *out = gr_capture_text(&job->out);
    int st = job->status;
    int clean_exit = job->exited && !job->timed_out && !job->flooded && !job->start_error &&
                     WIFEXITED(st) && WEXITSTATUS(st) == 0;
    /* The test function itself returned fine: what failed came after it (exit, destructors). */
    int test_passed = gr_verdict_passed(&v) || v.pass == 1;
    int sig = ending_signal(r, t, job);
    t->ran = 1;
    t->seconds = job->end - job->start;
    t->passed = gr_verdict_passed(&v) && clean_exit;
    t->score = t->passed ? t->max_points : 0;
    if (t->passed) {
        t->output = gr_xstrdup("");
        free(out);
        return;
    }
    gr_buf why = {0};
    char *sanitizer = gr_sanitizer_report(out);
    if (job->start_error) {
        gr_buf_addf(&why, "the grader could not start the test: %s", strerror(job->start_error));
    } else if (job->flooded) {
        gr_buf_addf(&why, "killed: printed more than %d MiB of output (output flood)", r->rubric.output_mb);
    } else if (job->timed_out) {
        explain_timeout(&why, t, job, test_passed);
    } else if (sanitizer) {
        /* Under --sanitize the report IS the reason (TSan's exit status 66 alone says nothing). */
        gr_buf_add(&why, sanitizer);
    } else if (sig) {
        explain_signal(&why, t, job, sig, test_passed, out);
    } else {
        explain_exit(&why, t, &v, st, test_passed, out);
    }
    record_failure(t, job, &why, out);
    free(sanitizer);
    free(out);
}
