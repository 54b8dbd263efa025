/* fetch_util.c - see fetch_util.h. */
#include "fetch_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "pl_status.h"

pl_httpd *fu_server = NULL;

#define SLOTS 8

int fu_suite_init(void)
{
    /* A proxy in the environment would receive our 127.0.0.1 requests
     * (libcurl honours http_proxy): the fixture must be reached directly. */
    setenv("no_proxy", "127.0.0.1,localhost", 1);
    setenv("NO_PROXY", "127.0.0.1,localhost", 1);
    if (pl_httpd_start(&fu_server) != PL_OK) {
        fprintf(stderr, "fetch suites: cannot start the loopback HTTP fixture\n");
        return 1;
    }
    return 0;
}

int fu_suite_cleanup(void)
{
    pl_httpd_stop(&fu_server);
    return 0;
}

const char *fu_url(int slot, const char *path)
{
    static char urls[SLOTS][512];
    char *buf = urls[(unsigned)slot % SLOTS];
    pl_httpd_url(fu_server, path, buf, sizeof urls[0]);
    return buf;
}

/* Remove the regular files in dir (the scratch dirs have no subdirectories). */
static void empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        return;
    }
    struct dirent *e;
    char path[1024];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            unlink(fu_join(path, sizeof path, dir, e->d_name));
        }
    }
    closedir(d);
}

const char *fu_fresh_dir(int slot, const char *name)
{
    static char dirs[SLOTS][512];
    char *buf = dirs[(unsigned)slot % SLOTS];
    fu_join(buf, sizeof dirs[0], pl_test_tmpdir(), name);
    mkdir(buf, 0755);
    empty_dir(buf);
    return buf;
}

char *fu_join(char *buf, size_t cap, const char *dir, const char *name)
{
    snprintf(buf, cap, "%s/%s", dir, name);
    return buf;
}

int fu_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int fu_contains(const char *haystack, const char *needle)
{
    if (haystack != NULL && needle != NULL && strstr(haystack, needle) != NULL) {
        return 1;
    }
    fprintf(stderr, "\n  expected \"%s\" in \"%s\"\n", needle ? needle : "(null)", haystack ? haystack : "(null)");
    return 0;
}

int fu_write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        return -1;
    }
    int ok = fputs(text, f) >= 0;
    return (fclose(f) == 0 && ok) ? 0 : -1;
}

int fu_file_is(const char *path, const char *text)
{
    char buf[256];
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return 0;
    }
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strcmp(buf, text) == 0;
}
