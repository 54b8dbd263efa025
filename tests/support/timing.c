/*
 * timing.c - per-test timing for the grader (see timing.h).
 *
 * One test runs at a time in a test binary (CUnit calls them one after
 * another on rank 0), so plain statics are enough: no thread ever times a
 * test while another is being timed.
 */
#include "timing.h"

#include <stdio.h>

#include "pl_clock.h"

typedef struct timing_state {
    int wanted;
    int64_t test_start, test_end;
    int64_t section_start; /* 0: no section open */
    int64_t section_total;
    int sections;          /* a section was used: only sections count */
    int reported;          /* the test reported its own figure */
    int64_t ns, wall_ns;
    double share;
    long per_items, calls;
} timing_state;

static timing_state tm;

int pl_test_timing_wanted(void)
{
    return tm.wanted;
}

void pl_test_timing_enable(int on)
{
    tm.wanted = on != 0;
}

void pl_test_time_test_started(void)
{
    tm = (timing_state){.wanted = tm.wanted, .test_start = pl_now_ns()};
}

void pl_test_time_test_ended(void)
{
    tm.test_end = pl_now_ns();
    if (tm.section_start != 0) { /* a section left open ends with the test */
        pl_test_time_section_end();
    }
}

void pl_test_time_section_begin(void)
{
    tm.sections = 1;
    tm.section_start = pl_now_ns();
}

void pl_test_time_section_end(void)
{
    if (tm.section_start != 0) {
        tm.section_total += pl_now_ns() - tm.section_start;
        tm.section_start = 0;
    }
}

void pl_test_time_report(int64_t ns, int64_t wall_ns, double cpu_share, long per_items, long calls)
{
    tm.reported = 1;
    tm.ns = ns;
    tm.wall_ns = wall_ns;
    tm.share = cpu_share;
    tm.per_items = per_items;
    tm.calls = calls;
}

int pl_test_time_format(char *buf, size_t len)
{
    int64_t ns = tm.reported ? tm.ns : tm.sections ? tm.section_total : tm.test_end - tm.test_start;
    /* A figure of 0 would make any ratio meaningless (or infinite): a clock
     * that did not move measured "less than a nanosecond", not nothing. */
    if (ns < 1) {
        ns = 1;
    }
    int n = snprintf(buf, len, "%lld", (long long)ns);
    if (tm.reported && tm.wall_ns > 0 && n > 0 && (size_t)n < len) {
        n += snprintf(buf + n, len - (size_t)n, " wall=%lld", (long long)tm.wall_ns);
    }
    if (tm.reported && tm.share > 0 && n > 0 && (size_t)n < len) {
        n += snprintf(buf + n, len - (size_t)n, " share=%.4f", tm.share);
    }
    if (tm.reported && tm.per_items > 0 && n > 0 && (size_t)n < len) {
        n += snprintf(buf + n, len - (size_t)n, " per=%ld", tm.per_items);
    }
    if (tm.reported && tm.calls > 1 && n > 0 && (size_t)n < len) {
        n += snprintf(buf + n, len - (size_t)n, " calls=%ld", tm.calls);
    }
    return n > 0 && (size_t)n < len ? n : -1;
}
