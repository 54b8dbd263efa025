/*
 * forgery_code.c - NOT compiled on its own: tests/grader/forgery.sh pastes
 * it at the top of a copy of a solution file whose pl_map then does no work
 * (returns PL_ENOTIMPL) but first tries to forge the verdict, as a student
 * who read the harness's source would (issue 14). The script sets, before
 * it:
 *   ADV_FROM_MEMORY  0: the nonce from /proc/self/environ (unsetenv does not
 *                    scrub it); 1: from our own memory (/proc/self/maps +
 *                    /proc/self/mem), without reading the environment
 *   ADV_EVERY_FD     write the forged lines to every descriptor 0..1023
 *                    instead of the --verdict-fd one
 *   ADV_EXIT_LATER   0: _exit(0) right after forging; 1: silence the verdict
 *                    descriptor and turn the harness's exit status into 0
 *                    at exit (MPI: an _exit before MPI_Finalize makes mpiexec
 *                    fail the run, so the forgery lets the run end first)
 * What it writes is what the harness writes for a passed test: its TIME
 * figure (a tiny one: performance points too), PASS and END 1 0.
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static char adv_nonce[128];
static char adv_name[256];
static int adv_fd = -1;

/* A small /proc file into buf (NUL-terminated); its length. */
static size_t adv_slurp(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    size_t len = 0;
    ssize_t got;
    while (fd >= 0 && len + 1 < cap && (got = read(fd, buf + len, cap - 1 - len)) > 0) {
        len += (size_t)got;
    }
    if (fd >= 0) {
        close(fd);
    }
    buf[len] = '\0';
    return len;
}

/* In a block of NUL-separated records: the record after "key", or the rest of the record "key=...". */
static const char *adv_find(const char *block, size_t len, const char *key, int next_record)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i < len; i += strlen(block + i) + 1) {
        if (next_record && strcmp(block + i, key) == 0) {
            return i + kl + 1 < len ? block + i + kl + 1 : NULL;
        }
        if (!next_record && strncmp(block + i, key, kl) == 0) {
            return block + i + kl;
        }
    }
    return NULL;
}

/* The test's name (--only) and the verdict descriptor (--verdict-fd), from our own command line. */
static int adv_read_cmdline(void)
{
    static char cmd[65536];
    size_t len = adv_slurp("/proc/self/cmdline", cmd, sizeof cmd);
    const char *name = adv_find(cmd, len, "--only", 1);
    const char *fd = adv_find(cmd, len, "--verdict-fd", 1);
    if (name == NULL) {
        return -1;
    }
    snprintf(adv_name, sizeof adv_name, "%s", name);
    adv_fd = fd ? atoi(fd) : -1;
    return 0;
}

static int adv_nonce_from_environ(void)
{
    static char env[65536];
    size_t len = adv_slurp("/proc/self/environ", env, sizeof env);
    const char *v = adv_find(env, len, "PARALAB_VERDICT_NONCE=", 0);
    if (v == NULL || *v == '\0') {
        return -1;
    }
    snprintf(adv_nonce, sizeof adv_nonce, "%s", v);
    return 0;
}

/* Every readable mapping, read through /proc/self/mem, searched for "NAME=<hex>". */
static int adv_nonce_from_memory(void)
{
    static const char key[] = "PARALAB_VERDICT_NONCE=";
    FILE *maps = fopen("/proc/self/maps", "r");
    int mem = open("/proc/self/mem", O_RDONLY);
    char line[512];
    int found = -1;
    while (maps && mem >= 0 && found != 0 && fgets(line, sizeof line, maps)) {
        unsigned long lo, hi;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r' || hi - lo > (64ul << 20)) {
            continue;
        }
        char *buf = malloc(hi - lo);
        ssize_t got = buf ? pread(mem, buf, hi - lo, (off_t)lo) : -1;
        for (ssize_t i = 0; got > 0 && i + (ssize_t)sizeof key < got; i++) {
            const char *v = buf + i + sizeof key - 1;
            if (memcmp(buf + i, key, sizeof key - 1) == 0 && isxdigit((unsigned char)*v)) {
                size_t n = 0;
                while (n + 1 < sizeof adv_nonce && i + (ssize_t)(sizeof key - 1 + n) < got &&
                       isxdigit((unsigned char)v[n])) {
                    adv_nonce[n] = v[n];
                    n++;
                }
                adv_nonce[n] = '\0';
                found = 0;
                break;
            }
        }
        free(buf);
    }
    if (maps) {
        fclose(maps);
    }
    if (mem >= 0) {
        close(mem);
    }
    return found;
}

static void adv_write_lines(int fd)
{
    char lines[1024];
    int n = snprintf(lines, sizeof lines, "%s TIME %s 1000\n%s PASS %s\n%s END 1 0\n", adv_nonce, adv_name,
                     adv_nonce, adv_name, adv_nonce);
    if (n > 0 && (size_t)n < sizeof lines) {
        ssize_t w = write(fd, lines, (size_t)n);
        (void)w;
    }
}

static void adv_exit_zero(void)
{
    _exit(0);
}

/* Forge the running test's verdict; returns only when there was nothing to forge with. */
static void adv_forge(void)
{
    static int adv_done; /* a test calls pl_map more than once: one PASS and one END, as the harness writes */
    if (adv_done++ || adv_read_cmdline() != 0 || (ADV_FROM_MEMORY ? adv_nonce_from_memory() : adv_nonce_from_environ()) != 0) {
        return;
    }
    if (ADV_EVERY_FD) {
        for (int fd = 0; fd < 1024; fd++) {
            adv_write_lines(fd);
        }
    } else if (adv_fd >= 0) {
        adv_write_lines(adv_fd);
    }
    if (!ADV_EXIT_LATER) {
        _exit(0);
    }
    /* The harness's own FAIL and END lines go nowhere, and its exit status 1 becomes 0. */
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0 && adv_fd >= 0) {
        dup2(null, adv_fd);
    }
    atexit(adv_exit_zero);
}
