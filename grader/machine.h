/*
 * machine.h - what this machine really lets the grader use: CPUs and memory.
 *
 * nproc is not the answer in a container. A course platform gives the
 * grader a share of a bigger machine through the CPU affinity mask, a
 * cgroup CPU quota (Gradescope's default: half a vCPU) and a cgroup memory
 * limit (768 MB). A speedup test measured on half a CPU means nothing, so
 * the grader reads the real figures, says them at the top of the report,
 * and turns a perf test that needs more CPUs than there are into
 * information (full points and a note) instead of a deduction.
 *
 * Both cgroup versions are read: v2 (cpu.max, memory.max) and v1
 * (cpu.cfs_quota_us / cpu.cfs_period_us, memory.limit_in_bytes), along the
 * path from our own cgroup up to the root of the hierarchy (a parent's
 * limit applies to every child). The paths come from /proc/self/cgroup and
 * /proc/self/mountinfo, so a container whose cgroup is mounted at its own
 * root (the usual case) is read right too.
 */
#ifndef GR_MACHINE_H
#define GR_MACHINE_H

#include <stddef.h>

typedef struct gr_machine {
    double cpus;            /* usable: min(affinity, quota) */
    int affinity_cpus;      /* CPUs in our affinity mask (sched_getaffinity) */
    double quota_cpus;      /* cgroup CPU quota in CPUs; 0: none found */
    char quota_from[160];   /* the file that set it */
    long long mem_bytes;    /* usable: min(cgroup limit, MemAvailable); 0: unknown */
    long long mem_limit;    /* cgroup memory limit; 0: none found */
    char mem_from[160];     /* the file that set it */
    long long mem_available; /* /proc/meminfo MemAvailable; 0: unknown */
} gr_machine;

/* Where to read from: the real files, or a fake tree for the unit tests. */
typedef struct gr_machine_paths {
    const char *proc_cgroup;   /* "/proc/self/cgroup" */
    const char *mountinfo;     /* "/proc/self/mountinfo" */
    const char *meminfo;       /* "/proc/meminfo" */
    const char *fs_prefix;     /* prepended to mount points ("" for the real ones) */
    int affinity_cpus;         /* > 0: use this instead of sched_getaffinity */
} gr_machine_paths;

/* Read this machine (never fails: what cannot be read is left out). */
void gr_machine_detect(gr_machine *m);
void gr_machine_detect_at(gr_machine *m, const gr_machine_paths *p);

/* "2 CPUs (affinity 2; cgroup quota 0.5: /sys/.../cpu.max), 768 MiB (cgroup limit ...)" */
void gr_machine_describe(const gr_machine *m, char *out, size_t len);

/*
 * Our own cgroup directory in the hierarchy that has `controller`
 * ("memory", "cpu"; NULL: the cgroup v2 one), as a new string, or NULL.
 * The grader makes its per-job memory cgroups INSIDE it, so a limit put
 * on the grader (a container's, or the 768 MB of the cgroup test) also
 * holds its jobs.
 */
char *gr_machine_own_cgroup(const char *controller);

#endif
