/*
 * machine.c - usable CPUs and memory (see machine.h).
 */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "machine.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* A cgroup v1 "no limit" is a huge number (PAGE_COUNTER_MAX pages): anything above 2^60 bytes. */
#define NO_LIMIT_BYTES (1LL << 60)

/* Does the comma-separated list contain word as a whole item? */
static int has_item(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (len == n && strncmp(p, word, n) == 0) {
            return 1;
        }
        p = comma ? comma + 1 : NULL;
    }
    return 0;
}

/* mountinfo escapes blanks in paths as \040 (octal); undo it in place. */
static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
            r[3] <= '7') {
            *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
            r += 3;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

/*
 * The mount of a cgroup hierarchy: cgroup2 (controller NULL) or the v1
 * hierarchy holding controller. Its mount point and the cgroup path it
 * shows at that point (its "root": "/" normally, our own cgroup's path in a
 * container without a cgroup namespace). 0 when found.
 */
static int find_mount(const gr_machine_paths *p, const char *controller, char **point, char **root)
{
    char *text = gr_read_file(p->mountinfo, 1 << 20, NULL);
    int found = 0;
    for (char *save = NULL, *line = text ? strtok_r(text, "\n", &save) : NULL; line && !found;
         line = strtok_r(NULL, "\n", &save)) {
        char *sep = strstr(line, " - ");
        char f_root[1024], f_point[1024], fstype[64], source[256], super[1024];
        if (sep == NULL || sscanf(line, "%*s %*s %*s %1023s %1023s", f_root, f_point) != 2 ||
            sscanf(sep + 3, "%63s %255s %1023s", fstype, source, super) != 3) {
            continue;
        }
        found = controller ? strcmp(fstype, "cgroup") == 0 && has_item(super, controller)
                           : strcmp(fstype, "cgroup2") == 0;
        if (found) {
            unescape(f_root);
            unescape(f_point);
            *point = gr_fmt("%s%s", p->fs_prefix, f_point);
            *root = gr_xstrdup(f_root);
        }
    }
    free(text);
    return found ? 0 : -1;
}

/* Our cgroup path in that hierarchy, from /proc/self/cgroup ("ID:CONTROLLERS:PATH"). */
static char *own_path(const gr_machine_paths *p, const char *controller)
{
    char *text = gr_read_file(p->proc_cgroup, 1 << 16, NULL);
    char *path = NULL;
    for (char *save = NULL, *line = text ? strtok_r(text, "\n", &save) : NULL; line && !path;
         line = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c2 == NULL) {
            continue;
        }
        *c2 = '\0';
        /* v2 is the line "0::PATH" (hierarchy 0, no controller list). */
        int hit = controller ? has_item(c1 + 1, controller) : c1 == line + 1 && line[0] == '0' && c2 == c1 + 1;
        if (hit) {
            path = gr_xstrdup(c2 + 1);
        }
    }
    free(text);
    return path;
}

/* Our cgroup's directory in the hierarchy of controller (NULL: v2), or NULL. */
static char *own_dir(const gr_machine_paths *p, const char *controller)
{
    char *point = NULL, *root = NULL;
    char *path = own_path(p, controller);
    if (path == NULL || find_mount(p, controller, &point, &root) != 0) {
        free(path);
        return NULL;
    }
    size_t rl = strlen(root);
    const char *rel = path;
    if (strcmp(root, "/") != 0 && strncmp(path, root, rl) == 0 && (path[rl] == '/' || path[rl] == '\0')) {
        rel = path + rl; /* mounted at our own cgroup (a container): the path below it */
    }
    char *dir = gr_fmt("%s%s", point, strcmp(rel, "/") == 0 ? "" : rel);
    if (!gr_is_dir(dir)) {
        /* A path we cannot map (another namespace's view): the mount's root is ours. */
        free(dir);
        dir = gr_xstrdup(point);
    }
    free(path);
    free(point);
    free(root);
    return dir;
}

/* The number in a small file (first word), or -1 (also for "max"). */
static long long read_number(const char *dir, const char *name, long long *second)
{
    char *f = gr_fmt("%s/%s", dir, name);
    char *text = gr_read_file(f, 4096, NULL);
    free(f);
    long long a = -1, b = -1;
    if (text && sscanf(text, "%lld %lld", &a, &b) < 1) {
        a = -1;
    }
    free(text);
    if (second) {
        *second = b;
    }
    return a;
}

/* Walk from dir up to the hierarchy's mount point (included), calling fn at each level. */
static void walk_up(const char *dir, const char *stop, void (*fn)(gr_machine *, const char *), gr_machine *m)
{
    char *d = gr_xstrdup(dir);
    for (;;) {
        fn(m, d);
        char *slash = strrchr(d, '/');
        if (strcmp(d, stop) == 0 || slash == NULL || slash == d || strlen(d) <= strlen(stop)) {
            break;
        }
        *slash = '\0';
    }
    free(d);
}

static void take_quota(gr_machine *m, double cpus, const char *dir, const char *file)
{
    if (cpus > 0 && (m->quota_cpus == 0 || cpus < m->quota_cpus)) {
        m->quota_cpus = cpus;
        snprintf(m->quota_from, sizeof m->quota_from, "%s/%s", dir, file);
    }
}

static void take_mem(gr_machine *m, long long bytes, const char *dir, const char *file)
{
    if (bytes > 0 && bytes < NO_LIMIT_BYTES && (m->mem_limit == 0 || bytes < m->mem_limit)) {
        m->mem_limit = bytes;
        snprintf(m->mem_from, sizeof m->mem_from, "%s/%s", dir, file);
    }
}

static void v2_level(gr_machine *m, const char *dir)
{
    long long period;
    long long quota = read_number(dir, "cpu.max", &period); /* "max 100000": -1 */
    if (quota > 0 && period > 0) {
        take_quota(m, (double)quota / (double)period, dir, "cpu.max");
    }
    take_mem(m, read_number(dir, "memory.max", NULL), dir, "memory.max");
}

static void v1_cpu_level(gr_machine *m, const char *dir)
{
    long long quota = read_number(dir, "cpu.cfs_quota_us", NULL); /* -1: none */
    long long period = read_number(dir, "cpu.cfs_period_us", NULL);
    if (quota > 0 && period > 0) {
        take_quota(m, (double)quota / (double)period, dir, "cpu.cfs_quota_us");
    }
}

static void v1_mem_level(gr_machine *m, const char *dir)
{
    take_mem(m, read_number(dir, "memory.limit_in_bytes", NULL), dir, "memory.limit_in_bytes");
}

/* One hierarchy: our directory in it, walked up to its mount point. */
static void read_hierarchy(gr_machine *m, const gr_machine_paths *p, const char *controller,
                           void (*fn)(gr_machine *, const char *))
{
    char *point = NULL, *root = NULL;
    char *dir = own_dir(p, controller);
    if (dir && find_mount(p, controller, &point, &root) == 0) {
        walk_up(dir, point, fn, m);
    }
    free(dir);
    free(point);
    free(root);
}

static long long mem_available(const char *meminfo)
{
    char *text = gr_read_file(meminfo, 1 << 16, NULL);
    const char *p = text ? strstr(text, "MemAvailable:") : NULL;
    long long kb = 0;
    if (p == NULL || sscanf(p, "MemAvailable: %lld kB", &kb) != 1) {
        kb = 0;
    }
    free(text);
    return kb * 1024;
}

static int affinity_count(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) {
        return 0;
    }
    return CPU_COUNT(&set);
}

void gr_machine_detect_at(gr_machine *m, const gr_machine_paths *p)
{
    memset(m, 0, sizeof *m);
    m->affinity_cpus = p->affinity_cpus > 0 ? p->affinity_cpus : affinity_count();
    read_hierarchy(m, p, NULL, v2_level);
    read_hierarchy(m, p, "cpu", v1_cpu_level);
    read_hierarchy(m, p, "memory", v1_mem_level);
    m->cpus = m->affinity_cpus > 0 ? m->affinity_cpus : 1;
    if (m->quota_cpus > 0 && m->quota_cpus < m->cpus) {
        m->cpus = m->quota_cpus;
    }
    m->mem_available = mem_available(p->meminfo);
    m->mem_bytes = m->mem_available;
    if (m->mem_limit > 0 && (m->mem_bytes == 0 || m->mem_limit < m->mem_bytes)) {
        m->mem_bytes = m->mem_limit;
    }
}

static const gr_machine_paths real_paths = {"/proc/self/cgroup", "/proc/self/mountinfo", "/proc/meminfo", "", 0};

void gr_machine_detect(gr_machine *m)
{
    gr_machine_detect_at(m, &real_paths);
}

char *gr_machine_own_cgroup(const char *controller)
{
    return own_dir(&real_paths, controller);
}

void gr_machine_describe(const gr_machine *m, char *out, size_t len)
{
    char quota[256], mem[256];
    if (m->quota_cpus > 0) {
        snprintf(quota, sizeof quota, "cgroup CPU quota %.2f from %s", m->quota_cpus, m->quota_from);
    } else {
        snprintf(quota, sizeof quota, "no cgroup CPU quota");
    }
    if (m->mem_limit > 0) {
        snprintf(mem, sizeof mem, "cgroup limit %.0f MiB from %s; ", (double)m->mem_limit / (1 << 20), m->mem_from);
    } else {
        snprintf(mem, sizeof mem, "no cgroup memory limit; ");
    }
    snprintf(out, len, "%.2g usable CPU%s (affinity %d, %s), %.0f MiB of memory (%sMemAvailable %.0f MiB)",
             m->cpus, m->cpus == 1 ? "" : "s", m->affinity_cpus, quota, (double)m->mem_bytes / (1 << 20), mem,
             (double)m->mem_available / (1 << 20));
}
