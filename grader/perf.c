/*
 * perf.c - rounds of timing runs and the re-measure rule (see perf.h).
 *
 * A deduction is a promise that the submission is slower, so it must hold
 * on a shared, noisy machine: the reference is timed in the same run,
 * interleaved with the submission, best of several runs per side, and a
 * round that would deduct is repeated until two rounds agree (or the
 * budget ends, and then nothing is deducted). Noise only ever makes a run
 * slower, so the best of N is the figure closest to the code's own cost.
 */
#include "perf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Two rounds agree when their credits differ by at most this much of the
 * points: rounds closer than a tenth say the same thing about the code,
 * and waiting for them to match exactly could take the whole budget. */
#define AGREE 0.10
/* A run's number inside a round (its directory): rounds are at most a few, runs per side a few. */
#define RUNS_PER_ROUND 100

/*
 * "NS [wall=NS] [share=F] [per=N] [calls=N]" from a TIME line of the
 * verdict channel (tests/support/timing.h). Anything unreadable is left 0,
 * and a figure of 0 s is no figure: the run does not count.
 */
gr_figure gr_parse_figure(const char *text)
{
    gr_figure f = {0};
    char *end;
    long long ns = strtoll(text, &end, 10);
    if (end == text || ns <= 0) {
        return f;
    }
    f.s = (double)ns / 1e9;
    for (const char *p = end; p && *p;) {
        while (*p == ' ') {
            p++;
        }
        long long v;
        double d;
        if (sscanf(p, "wall=%lld", &v) == 1 && v > 0) {
            f.wall_s = (double)v / 1e9;
        } else if (sscanf(p, "share=%lf", &d) == 1 && d > 0 && d <= 1) {
            f.share = d;
        } else if (sscanf(p, "per=%lld", &v) == 1 && v > 0) {
            f.per = (long)v;
        } else if (sscanf(p, "calls=%lld", &v) == 1 && v > 0) {
            f.calls = (long)v;
        }
        p = strchr(p, ' ');
    }
    return f;
}

char *gr_figure_text(const gr_figure *f)
{
    if (f->per > 0) {
        return gr_fmt("%.2f us per item (best of %ld call%s of %ld items)", f->s * 1e6 / (double)f->per,
                      f->calls > 0 ? f->calls : 1, f->calls == 1 ? "" : "s", f->per);
    }
    return gr_fmt("%.3f s", f->s);
}

/*
 * Linear between the two ratios, clamped: full credit up to full_ratio
 * times the reference, none from zero_ratio on.
 */
double gr_perf_credit(double ratio, double full_ratio, double zero_ratio)
{
    double f = (zero_ratio - ratio) / (zero_ratio - full_ratio);
    return f < 0 ? 0 : (f > 1 ? 1 : f);
}

/*
 * What two figures are compared by: the time of one item when the figure
 * is a call of `per` items (a test may size its calls to the machine, so
 * two runs can differ in items per call), else the figure itself.
 */
static double cost_of(const gr_figure *f)
{
    return f->per > 0 ? f->s / (double)f->per : f->s;
}

/* The submission's cost over the reference's: how many times slower it is. */
static double ratio_of(const gr_figure *sub, const gr_figure *ref)
{
    return cost_of(sub) / cost_of(ref);
}

/* Best figures of one round: runs of each side, interleaved, the order alternating. */
typedef struct round_best {
    gr_figure ref, sub;
    int ref_ok, sub_ok;
} round_best;

static round_best one_round(gr_timed_run_fn run, void *ctx, int round, int runs)
{
    round_best b = {.ref_ok = 1, .sub_ok = 1};
    for (int k = 0; k < runs && b.ref_ok && b.sub_ok; k++) {
        /* Alternate who goes first, so a burst of load does not always hit the same side. */
        int ref_first = (round + k) % 2 == 0;
        for (int side = 0; side < 2; side++) {
            int reference = ref_first ? side == 0 : side == 1;
            gr_figure f;
            int ok = run(ctx, reference, round * RUNS_PER_ROUND + k * 2 + side, &f) && f.s > 0;
            gr_figure *best = reference ? &b.ref : &b.sub;
            int *all_ok = reference ? &b.ref_ok : &b.sub_ok;
            *all_ok &= ok;
            if (ok && (best->s == 0 || cost_of(&f) < cost_of(best))) {
                *best = f;
            }
        }
    }
    return b;
}

/* How the figures were taken, for the note (perf tests run as checker pairs: the checker times its calls). */
static void how_measured(gr_buf *b, const round_best *rb)
{
    if (rb->ref.share > 0 || rb->sub.share > 0) {
        gr_buf_addf(b, " Timed: the calls, by the checker process that made them, corrected for the CPU share its workers "
                       "had (submission %.2f, reference %.2f: 1.00 = nobody else was using the CPUs).",
                    rb->sub.share > 0 ? rb->sub.share : 1.0, rb->ref.share > 0 ? rb->ref.share : 1.0);
    } else if (rb->ref.per > 0) {
        gr_buf_add(b, " Timed: the best call, by the checker process that made it (no process start-up; the items "
                      "were already in the subject's process).");
    } else {
        gr_buf_add(b, " Timed: the test inside its process (no process start-up).");
    }
}

static void add_comparison(gr_buf *b, const round_best *rb, double ratio)
{
    char *sub = gr_figure_text(&rb->sub);
    char *ref = gr_figure_text(&rb->ref);
    gr_buf_addf(b, "%s vs reference %s = %.2fx", sub, ref, ratio);
    free(sub);
    free(ref);
}

static void informational(const gr_perf_setup *ps, double needed, gr_timed_run_fn run, void *ctx,
                          gr_perf_outcome *out)
{
    gr_buf b = {0};
    const gr_machine *m = ps->machine;
    gr_buf_addf(&b, "informational, full points: the grader may use %.2g CPU%s here (%s), this test needs %.2g.",
                m->cpus, m->cpus == 1 ? "" : "s",
                m->quota_cpus > 0 && m->quota_cpus < m->affinity_cpus ? "a cgroup CPU quota" : "its CPU affinity",
                needed);
    if (gr_now() < ps->stop_at) {
        round_best rb = one_round(run, ctx, 0, 1);
        if (rb.ref_ok && rb.sub_ok) {
            gr_buf_add(&b, " Measured once: ");
            add_comparison(&b, &rb, ratio_of(&rb.sub, &rb.ref));
            gr_buf_add(&b, ".");
            out->ref_s = cost_of(&rb.ref);
            out->sub_s = cost_of(&rb.sub);
        }
    }
    gr_buf_addf(&b, " (Gradescope's default is 1/2 vCPU and 768 MB: give the autograder %.2g CPU%s or more for it "
                    "to count.)", needed < 2 ? 2 : needed, "s");
    out->fraction = 1;
    out->informational = 1;
    out->note = b.s;
}

/* A round that decides the outcome by itself (a failed run, or work too short to compare): 1, with out filled. */
static int round_decides(const gr_perf_setup *ps, const round_best *rb, gr_perf_outcome *out)
{
    if (!rb->sub_ok) {
        out->fraction = 0;
        out->note = gr_xstrdup("no performance points: the test failed in a timing run (flaky?)");
        return 1;
    }
    if (!rb->ref_ok) {
        out->fraction = 1;
        out->note = gr_xstrdup("full points: the reference failed its timing runs, so no comparison");
        return 1;
    }
    double ref_work = rb->ref.wall_s > rb->ref.s ? rb->ref.wall_s : rb->ref.s;
    if (ref_work < ps->floor_s) {
        out->fraction = 1;
        out->note = gr_fmt("full points: the reference's timed work (%.3f s) is below the floor of %.3f s, "
                           "too short to compare", ref_work, ps->floor_s);
        return 1;
    }
    return 0;
}

/* The outcome from the best round (counted, at best_ratio); list: every round's ratio, for the note. */
static void conclude(const gr_perf_setup *ps, const round_best *counted, double best_ratio, const char *list,
                     gr_perf_outcome *out)
{
    double credit = gr_perf_credit(best_ratio, ps->full_ratio, ps->zero_ratio);
    gr_buf b = {0};
    if (ps->same_code) {
        gr_buf_add(&b, "full points (the reference against itself: only noise can tell them apart): ");
        credit = 1;
    } else if (credit < 1 && out->rounds == 1) {
        /* A deduction nobody confirmed (the budget ran out) is not made. */
        gr_buf_add(&b, "full points (one round would deduct, but there was no time to confirm it): ");
        credit = 1;
    }
    add_comparison(&b, counted, best_ratio);
    gr_buf_addf(&b, "; best of %d run%s each, %d round%s (%s)%s; full points up to %.2fx, none from %.2fx.",
                ps->runs, ps->runs == 1 ? "" : "s", out->rounds, out->rounds == 1 ? "" : "s", list,
                out->rounds > 1 ? ", the best round counts" : "", ps->full_ratio, ps->zero_ratio);
    how_measured(&b, counted);
    out->fraction = credit;
    out->ref_s = cost_of(&counted->ref);
    out->sub_s = cost_of(&counted->sub);
    out->note = b.s;
}

void gr_perf_measure(const gr_perf_setup *ps, gr_timed_run_fn run, void *ctx, gr_perf_outcome *out)
{
    memset(out, 0, sizeof *out);
    double needed = ps->cpus_needed > 0 ? ps->cpus_needed : 1;
    if (ps->machine && ps->machine->cpus + 1e-6 < needed) {
        informational(ps, needed, run, ctx, out);
        return;
    }
    gr_buf rounds = {0};
    double best_ratio = 0, last_credit = -1;
    round_best counted = {0};
    int max_rounds = ps->max_rounds > 0 ? ps->max_rounds : 3;
    for (int k = 0; k < max_rounds && gr_now() < ps->stop_at; k++) {
        round_best rb = one_round(run, ctx, k, ps->runs > 0 ? ps->runs : 1);
        out->rounds++;
        if (round_decides(ps, &rb, out)) {
            gr_buf_free(&rounds);
            return;
        }
        double ratio = ratio_of(&rb.sub, &rb.ref);
        double credit = gr_perf_credit(ratio, ps->full_ratio, ps->zero_ratio);
        gr_buf_addf(&rounds, "%s%.2fx", k ? ", " : "", ratio);
        if (k == 0 || ratio < best_ratio) {
            best_ratio = ratio;
            counted = rb;
        }
        int agree = last_credit >= 0 && credit - last_credit <= AGREE && last_credit - credit <= AGREE;
        last_credit = credit;
        if (credit >= 1 || agree || ps->same_code) {
            break; /* nothing to deduct, two rounds agree on what to deduct, or nothing CAN differ */
        }
    }
    if (out->rounds == 0) {
        /* Not measured is not slow: a correct map must not lose points to a slow platform. */
        out->fraction = 1;
        out->note = gr_xstrdup("full points, not measured: the grading time budget was used up before the "
                               "timing runs (tests that timed out?)");
        return;
    }
    conclude(ps, &counted, best_ratio, rounds.s, out);
    gr_buf_free(&rounds);
}
