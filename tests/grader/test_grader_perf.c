/*
 * test_grader_perf.c - how the grader turns timings into points, and what
 * it believes about the machine, without running a single test binary:
 *   - the TIME figures (timing.h) are parsed, never negative, never zero;
 *   - the re-measure rule: a deduction needs two rounds that agree, the
 *     best round counts, a round of full points ends it;
 *   - a test that needs more CPUs than the machine has is informational;
 *   - usable CPUs and memory from fake /proc and cgroup v1/v2 trees;
 *   - the reference cache key follows the trusted files and nothing else.
 * Timings here are scripted numbers, so the assertions are exact.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "machine.h"
#include "perf.h"
#include "rubric.h"
#include "util.h"

#include "grader_testkit.h"


static void put(const char *rel, const char *text)
{
    char *p = grader_scratch_path(rel);
    char *dir = gr_xstrdup(p);
    *strrchr(dir, '/') = '\0';
    CU_ASSERT_FATAL(gr_mkdir_p(dir, 0755) == 0);
    CU_ASSERT_FATAL(gr_write_file(p, text, strlen(text)) == 0);
    free(dir);
    free(p);
}

/* ---------------------------------------------------------------- figures */

static void test_figure_parsing(void)
{
    gr_figure f = gr_parse_figure("405000000 wall=810000000 share=0.5000");
    CU_ASSERT_DOUBLE_EQUAL(f.s, 0.405, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(f.wall_s, 0.81, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(f.share, 0.5, 1e-9);
    f = gr_parse_figure("250000 wall=300000000 per=1000 calls=40");
    CU_ASSERT_EQUAL(f.per, 1000);
    CU_ASSERT_EQUAL(f.calls, 40);
    char *text = gr_figure_text(&f);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "0.25 us per item"));
    free(text);
    /* Never a negative or zero figure: such a line is no figure at all. */
    CU_ASSERT_EQUAL(gr_parse_figure("-8000000").s, 0);
    CU_ASSERT_EQUAL(gr_parse_figure("0 wall=5").s, 0);
    CU_ASSERT_EQUAL(gr_parse_figure("fast").s, 0);
    /* A share outside (0, 1] is ignored, not believed. */
    CU_ASSERT_EQUAL(gr_parse_figure("100 share=7").share, 0);
}

static void test_credit_is_linear_and_clamped(void)
{
    CU_ASSERT_DOUBLE_EQUAL(gr_perf_credit(0.5, 1.25, 1.6), 1, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(gr_perf_credit(1.25, 1.25, 1.6), 1, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(gr_perf_credit(1.425, 1.25, 1.6), 0.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(gr_perf_credit(1.6, 1.25, 1.6), 0, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(gr_perf_credit(9, 1.25, 1.6), 0, 1e-9);
}

/* ---------------------------------------------------------------- rounds */

/* Scripted timing runs: each round's reference and submission figures (seconds; 0 = the run failed). */
typedef struct script {
    double ref[4], sub[4];
    int runs_seen;
    int rounds_seen;
} script;

static int scripted(void *ctx, int reference, int seq, gr_figure *out)
{
    script *sc = ctx;
    int round = seq / 100;
    sc->runs_seen++;
    sc->rounds_seen = round + 1 > sc->rounds_seen ? round + 1 : sc->rounds_seen;
    double s = reference ? sc->ref[round] : sc->sub[round];
    *out = (gr_figure){.s = s, .wall_s = s};
    return s > 0;
}

/*
 * The setup every test starts from: 2 runs a side, up to 3 rounds, full
 * points up to 1.25x the reference, none from 1.6x, a 0.2 s floor, an hour
 * of budget; each test changes what it is about.
 */
static gr_perf_setup setup_on(const gr_machine *m, double cpus_needed)
{
    return (gr_perf_setup){.runs = 2, .max_rounds = 3, .full_ratio = 1.25, .zero_ratio = 1.6, .floor_s = 0.2,
                           .cpus_needed = cpus_needed, .machine = m, .stop_at = gr_now() + 3600};
}

static gr_perf_outcome judge(script *sc, double cpus_needed, double machine_cpus)
{
    gr_machine m = {.cpus = machine_cpus, .affinity_cpus = 2, .quota_cpus = machine_cpus < 2 ? machine_cpus : 0};
    gr_perf_setup ps = setup_on(&m, cpus_needed);
    ps.runs = 3;
    gr_perf_outcome po;
    gr_perf_measure(&ps, scripted, sc, &po);
    return po;
}

/* The rounds an outcome took, its credit, and (unless NULL) a piece of its note, which is freed. */
static void expect_outcome(gr_perf_outcome *po, int rounds, double fraction, const char *note)
{
    CU_ASSERT_EQUAL(po->rounds, rounds);
    CU_ASSERT_DOUBLE_EQUAL(po->fraction, fraction, 1e-9);
    if (note != NULL) {
        CU_ASSERT_PTR_NOT_NULL(strstr(po->note, note));
    }
    free(po->note);
}

/* Judges sc with enough CPUs (2 of 2) and checks the outcome as above. */
static void expect_judged(script *sc, int rounds, double fraction, const char *note)
{
    gr_perf_outcome po = judge(sc, 2, 2);
    expect_outcome(&po, rounds, fraction, note);
}

static void test_equal_times_one_round_full_points(void)
{
    script sc = {.ref = {0.4}, .sub = {0.42}};
    expect_judged(&sc, 1, 1, "1.05x");
    CU_ASSERT_EQUAL(sc.runs_seen, 6); /* 3 of each side, interleaved */
}

static void test_deduction_needs_two_rounds_that_agree(void)
{
    script sc = {.ref = {0.4, 0.4}, .sub = {0.8, 0.78}};
    expect_judged(&sc, 2, 0, "2.00x, 1.95x");
}

/* Runs that sized their calls differently: the reference's calls of 4000 items, the submission's of 1000. */
static int per_call_runs(void *ctx, int reference, int seq, gr_figure *out)
{
    (void)ctx;
    (void)seq;
    *out = reference ? (gr_figure){.s = 0.020, .wall_s = 0.3, .per = 4000, .calls = 15}
                     : (gr_figure){.s = 0.010, .wall_s = 0.3, .per = 1000, .calls = 30};
    return 1;
}

static void test_per_item_figures_compare_per_item(void)
{
    gr_machine m = {.cpus = 2, .affinity_cpus = 2};
    gr_perf_setup ps = setup_on(&m, 1);
    ps.full_ratio = 1.5;
    ps.zero_ratio = 2.0;
    gr_perf_outcome po;
    gr_perf_measure(&ps, per_call_runs, NULL, &po);
    /* 10 us an item against 5: twice as slow, although its calls took half the time. */
    CU_ASSERT_EQUAL(po.fraction, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(po.note, "= 2.00x"));
    CU_ASSERT_DOUBLE_EQUAL(po.sub_s / po.ref_s, 2.0, 1e-9);
    free(po.note);
}

static void test_noisy_round_is_overruled(void)
{
    /* Round 1 caught a burst of load on the submission's runs; round 2 did not. */
    script sc = {.ref = {0.4, 0.4}, .sub = {0.7, 0.41}};
    expect_judged(&sc, 2, 1, NULL);
}

static void test_disagreeing_rounds_take_the_best(void)
{
    /* 1.5x, 1.3x (credits 0.29, 0.86: no agreement), 1.45x: the best round (1.3x) counts. */
    script sc = {.ref = {0.4, 0.4, 0.4}, .sub = {0.6, 0.52, 0.58}};
    expect_judged(&sc, 3, gr_perf_credit(1.3, 1.25, 1.6), NULL);
}

/* Grading the reference itself: the same binaries on both sides, one round, never a deduction. */
static void test_reference_against_itself(void)
{
    script sc = {.ref = {0.4, 0.4}, .sub = {0.9, 0.9}};
    gr_machine m = {.cpus = 2, .affinity_cpus = 2};
    gr_perf_setup ps = setup_on(&m, 2);
    ps.same_code = 1;
    gr_perf_outcome po;
    gr_perf_measure(&ps, scripted, &sc, &po);
    expect_outcome(&po, 1, 1, "against itself");
}

static void test_too_few_cpus_is_informational(void)
{
    script sc = {.ref = {0.8}, .sub = {1.6}};
    gr_perf_outcome po = judge(&sc, 2, 0.5);
    CU_ASSERT_EQUAL(po.fraction, 1);
    CU_ASSERT_EQUAL(po.informational, 1);
    CU_ASSERT_EQUAL(sc.runs_seen, 2); /* measured once, for information */
    CU_ASSERT_PTR_NOT_NULL(strstr(po.note, "informational"));
    CU_ASSERT_PTR_NOT_NULL(strstr(po.note, "0.5 CPU"));
    CU_ASSERT_PTR_NOT_NULL(strstr(po.note, "2.00x"));
    free(po.note);
}

static void test_failed_runs_and_tiny_references(void)
{
    script sub_fails = {.ref = {0.4}, .sub = {0}};
    gr_perf_outcome po = judge(&sub_fails, 1, 2);
    CU_ASSERT_EQUAL(po.fraction, 0);
    free(po.note);
    script ref_fails = {.ref = {0}, .sub = {0.4}};
    po = judge(&ref_fails, 1, 2);
    CU_ASSERT_EQUAL(po.fraction, 1);
    free(po.note);
    /* 50 ms of reference work is below the 0.2 s floor: not compared, no deduction. */
    script tiny = {.ref = {0.05}, .sub = {0.5}};
    po = judge(&tiny, 1, 2);
    CU_ASSERT_EQUAL(po.fraction, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(po.note, "floor"));
    free(po.note);
}

/* No time left to measure: no evidence, no deduction; one round and no time to confirm: the same. */
static void test_budget_used_up(void)
{
    gr_machine m = {.cpus = 2, .affinity_cpus = 2};
    script sc = {.ref = {0.4, 0.4}, .sub = {0.8, 0.8}};
    gr_perf_setup ps = setup_on(&m, 2);
    ps.stop_at = gr_now() - 1;
    gr_perf_outcome po;
    gr_perf_measure(&ps, scripted, &sc, &po);
    expect_outcome(&po, 0, 1, "not measured");
}

static void test_rubric_perf_options(void)
{
    char *path = grader_scratch_path("rubric.txt");
    const char *text = "perf map_perf/x * 3 full=1.25 zero=1.6 cpus=2 ranks=3\n"
                       "test map/y mpi 1 ranks=1\n"; /* rank 0 alone serves nothing */
    CU_ASSERT_FATAL(gr_write_file(path, text, strlen(text)) == 0);
    gr_rubric r;
    char err[2048] = "";
    CU_ASSERT_EQUAL(gr_rubric_load(path, &r, err, sizeof err), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2:"));
    CU_ASSERT_PTR_NULL(strstr(err, ":1:"));
    text = "perf map_perf/x * 3 full=1.25 zero=1.6 cpus=2 ranks=3\n";
    CU_ASSERT_FATAL(gr_write_file(path, text, strlen(text)) == 0);
    CU_ASSERT_EQUAL_FATAL(gr_rubric_load(path, &r, err, sizeof err), 0);
    CU_ASSERT_DOUBLE_EQUAL(r.rules[0].cpus, 2, 1e-9);
    CU_ASSERT_EQUAL(r.rules[0].ranks, 3);
    gr_rubric_free(&r);
    free(path);
}

/* ---------------------------------------------------------------- machine */

static gr_machine fake_machine(const char *cgroup, const char *mountinfo, const char *meminfo, int affinity)
{
    put("proc/cgroup", cgroup);
    put("proc/mountinfo", mountinfo);
    put("proc/meminfo", meminfo);
    char *pc = gr_fmt("%s/proc/cgroup", grader_scratch), *mi = gr_fmt("%s/proc/mountinfo", grader_scratch);
    char *mem = gr_fmt("%s/proc/meminfo", grader_scratch), *fs = gr_fmt("%s/fs", grader_scratch);
    gr_machine_paths p = {pc, mi, mem, fs, affinity};
    gr_machine m;
    gr_machine_detect_at(&m, &p);
    free(pc);
    free(mi);
    free(mem);
    free(fs);
    return m;
}

#define MEMINFO "MemTotal: 24000000 kB\nMemFree: 1000 kB\nMemAvailable: 20000000 kB\n"

/* Gradescope-like container: cgroup v2 mounted at its own cgroup, 1/2 CPU, 768 MB. */
static void test_machine_cgroup_v2_container(void)
{
    put("fs/sys/fs/cgroup/cpu.max", "50000 100000\n");
    put("fs/sys/fs/cgroup/memory.max", "805306368\n");
    gr_machine m = fake_machine("0::/\n", "30 22 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", MEMINFO, 2);
    CU_ASSERT_DOUBLE_EQUAL(m.cpus, 0.5, 1e-9);
    CU_ASSERT_EQUAL(m.mem_bytes, 805306368LL);
    CU_ASSERT_PTR_NOT_NULL(strstr(m.quota_from, "cpu.max"));
}

/* cgroup v2 nested: a parent's quota holds its children; "max" is no limit. */
static void test_machine_cgroup_v2_nested(void)
{
    put("fs/v2/a/cpu.max", "150000 100000\n");
    put("fs/v2/a/b/cpu.max", "max 100000\n");
    put("fs/v2/a/b/memory.max", "max\n");
    gr_machine m = fake_machine("0::/a/b\n", "40 22 0:37 / /v2 rw - cgroup2 cgroup2 rw\n", MEMINFO, 4);
    CU_ASSERT_DOUBLE_EQUAL(m.quota_cpus, 1.5, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(m.cpus, 1.5, 1e-9);
    CU_ASSERT_EQUAL(m.mem_limit, 0);
    CU_ASSERT_EQUAL(m.mem_bytes, 20000000LL * 1024);
}

/* cgroup v1 (this Debian 12 machine's layout): cpu,cpuacct and memory hierarchies. */
static void test_machine_cgroup_v1(void)
{
    put("fs/v1cpu/job/cpu.cfs_quota_us", "50000\n");
    put("fs/v1cpu/job/cpu.cfs_period_us", "100000\n");
    put("fs/v1cpu/cpu.cfs_quota_us", "-1\n");
    put("fs/v1cpu/cpu.cfs_period_us", "100000\n");
    put("fs/v1mem/x/job/memory.limit_in_bytes", "805306368\n");
    put("fs/v1mem/x/memory.limit_in_bytes", "9223372036854771712\n");
    gr_machine m = fake_machine("4:memory:/x/job\n2:cpu,cpuacct:/job\n0::/\n",
                                "31 30 0:28 / /v1cpu rw - cgroup cgroup rw,cpu,cpuacct\n"
                                "34 30 0:31 / /v1mem rw - cgroup cgroup rw,memory\n",
                                MEMINFO, 2);
    CU_ASSERT_DOUBLE_EQUAL(m.cpus, 0.5, 1e-9);
    CU_ASSERT_EQUAL(m.mem_limit, 805306368LL);
    CU_ASSERT_EQUAL(m.mem_bytes, 805306368LL);
}

/* A v1 container: its own cgroup (/docker/abc) is what is mounted. */
static void test_machine_cgroup_v1_container_root(void)
{
    put("fs/c1cpu/cpu.cfs_quota_us", "200000\n");
    put("fs/c1cpu/cpu.cfs_period_us", "100000\n");
    gr_machine m = fake_machine("3:cpu:/docker/abc\n", "31 30 0:28 /docker/abc /c1cpu rw - cgroup cgroup rw,cpu\n",
                                MEMINFO, 8);
    CU_ASSERT_DOUBLE_EQUAL(m.cpus, 2, 1e-9);
}

/* No cgroup limits at all: the affinity mask and MemAvailable. */
static void test_machine_no_cgroups(void)
{
    gr_machine m = fake_machine("", "", MEMINFO, 3);
    CU_ASSERT_DOUBLE_EQUAL(m.cpus, 3, 1e-9);
    CU_ASSERT_EQUAL(m.quota_cpus, 0);
    CU_ASSERT_EQUAL(m.mem_bytes, 20000000LL * 1024);
    char text[1024];
    gr_machine_describe(&m, text, sizeof text);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "3 usable CPUs"));
}

/* ---------------------------------------------------------------- cache key */

static void test_cache_key_follows_trusted_files(void)
{
    put("tree/common/a.c", "int a;\n");
    put("tree/tests/t.c", "int t;\n");
    put("tree/labs/01-map/fork.c", "skeleton\n");
    put("tree/build/CMakeCache.txt", "x\n");
    char *tree = grader_scratch_path("tree");
    char k0[33], k1[33];
    gr_cache_tree_key(tree, k0);
    /* What the reference build does not copy does not matter. */
    put("tree/labs/01-map/fork.c", "edited skeleton\n");
    put("tree/build/CMakeCache.txt", "y\n");
    gr_cache_tree_key(tree, k1);
    CU_ASSERT_STRING_EQUAL(k0, k1);
    /* A trusted file's content, a new file, an exec bit: another key. */
    put("tree/common/a.c", "int a = 1;\n");
    gr_cache_tree_key(tree, k1);
    CU_ASSERT_STRING_NOT_EQUAL(k0, k1);
    put("tree/common/a.c", "int a;\n");
    gr_cache_tree_key(tree, k1);
    CU_ASSERT_STRING_EQUAL(k0, k1);
    char *t = gr_fmt("%s/tests/t.c", tree);
    chmod(t, 0755);
    gr_cache_tree_key(tree, k1);
    CU_ASSERT_STRING_NOT_EQUAL(k0, k1);
    chmod(t, 0644);
    put("tree/tests/new.c", "\n");
    gr_cache_tree_key(tree, k1);
    CU_ASSERT_STRING_NOT_EQUAL(k0, k1);
    free(t);
    free(tree);
}

static const grader_test suite_tests[] = {
    {"figure_parsing", test_figure_parsing},
    {"credit_is_linear_and_clamped", test_credit_is_linear_and_clamped},
    {"equal_times_one_round_full_points", test_equal_times_one_round_full_points},
    {"deduction_needs_two_rounds_that_agree", test_deduction_needs_two_rounds_that_agree},
    {"per_item_figures_compare_per_item", test_per_item_figures_compare_per_item},
    {"noisy_round_is_overruled", test_noisy_round_is_overruled},
    {"disagreeing_rounds_take_the_best", test_disagreeing_rounds_take_the_best},
    {"reference_against_itself", test_reference_against_itself},
    {"too_few_cpus_is_informational", test_too_few_cpus_is_informational},
    {"failed_runs_and_tiny_references", test_failed_runs_and_tiny_references},
    {"budget_used_up", test_budget_used_up},
    {"rubric_perf_options", test_rubric_perf_options},
    {"machine_cgroup_v2_container", test_machine_cgroup_v2_container},
    {"machine_cgroup_v2_nested", test_machine_cgroup_v2_nested},
    {"machine_cgroup_v1", test_machine_cgroup_v1},
    {"machine_cgroup_v1_container_root", test_machine_cgroup_v1_container_root},
    {"machine_no_cgroups", test_machine_no_cgroups},
    {"cache_key_follows_trusted_files", test_cache_key_follows_trusted_files},
};

int main(void)
{
    return grader_test_main("grader_perf", suite_tests, GRADER_N_TESTS(suite_tests), NULL, NULL);
}
