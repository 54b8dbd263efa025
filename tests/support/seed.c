/*
 * seed.c - the run's seed and the suites' deterministic generator (harness.h).
 *
 * Why a seed at all: a submission that knows the items, arguments and
 * timeouts in advance could answer from a table of expected outputs instead
 * of running the tasks. So the harness draws one seed per run (or takes
 * --seed to replay a failure), and every test draws its inputs from it.
 *
 * Why reseed per test from the seed AND the test's name: a test must see
 * the same values whether it runs alone (--only, as the grader runs it) or
 * after every other test, so a failure printed with its seed replays.
 *
 * The generator is splitmix64 (Steele, Lea & Flood, 2014): one 64-bit add
 * and a mix per draw, every seed good, no state beyond one word. Not for
 * secrets - for inputs that nobody can tabulate ahead of the run.
 */
#include "harness.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static uint64_t run_seed;
static uint64_t state; /* the running test's generator */

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Twin of gr_parse_u64 (grader/util.c), kept apart on purpose: the student image has no grader/ to link. */
int pl_test_seed_parse(const char *s, uint64_t *out)
{
    if (s == NULL || *s < '0' || *s > '9') { /* strtoull accepts "-1" and " 1" */
        return -1;
    }
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0') {
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

uint64_t pl_test_seed_fresh(void)
{
    uint64_t s;
    if (getrandom(&s, sizeof s, 0) == (ssize_t)sizeof s) {
        return s;
    }
    /* No getrandom (an old kernel or a seccomp filter): still a different run each time. */
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return mix64((uint64_t)t.tv_sec * 1000000007ULL ^ (uint64_t)t.tv_nsec ^ ((uint64_t)getpid() << 32));
}

void pl_test_seed_set(uint64_t seed)
{
    run_seed = seed;
    state = seed;
}

uint64_t pl_test_seed(void)
{
    return run_seed;
}

void pl_test_seed_for(const char *name)
{
    uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a over the name, then mixed with the seed */
    for (const char *p = name ? name : ""; *p; p++) {
        h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
    }
    state = mix64(run_seed ^ mix64(h));
}

uint64_t pl_test_rand(void)
{
    state += 0x9e3779b97f4a7c15ULL;
    return mix64(state);
}

long pl_test_rand_range(long lo, long hi)
{
    if (hi <= lo) {
        return lo;
    }
    uint64_t span = (uint64_t)hi - (uint64_t)lo + 1; /* 0 only for the whole range of long */
    uint64_t r = pl_test_rand();
    if (span != 0) {
        /* Rejection keeps the draw uniform; the loop almost never runs twice. */
        uint64_t limit = UINT64_MAX - UINT64_MAX % span;
        while (r >= limit) {
            r = pl_test_rand();
        }
        r %= span;
    }
    return (long)((uint64_t)lo + r);
}
