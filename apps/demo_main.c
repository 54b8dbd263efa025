/*
 * demo_main.c - `demo_<model> NAME [ARGS]`: pick an example and run it in
 * the backend's run scope.
 */
#include <stdio.h>
#include <string.h>

#include "demo.h"
#include "paralab.h"
#include "pl_fetch.h"

typedef struct demo_entry {
    const char *name;
    int (*run)(const demo_args *a);
    const char *what;
} demo_entry;

static const demo_entry demos[] = {
    {"map", demo_map, "Pool(5).map(square, 1..10)"},
    {"futures", demo_futures, "futures: start now, wait with a timeout, cancel"},
    {"group", demo_group, "async_par({planta, animal, insecto}).results(timeout=4)"},
    {"urls", demo_urls, "download_and_save.map(urls, timeout=5, max_workers=4)"},
    {NULL, NULL, NULL},
};

typedef struct demo_call {
    const demo_entry *demo;
    demo_args args;
} demo_call;

static int run_body(void *ctx)
{
    const demo_call *call = ctx;
    printf("[%s backend] %s\n", pl_backend()->name, call->demo->what);
    demo_print_workers();
    fflush(stdout);
    return call->demo->run(&call->args);
}

static void usage(FILE *out, const char *prog)
{
    fprintf(out, "usage: %s NAME [ARGS]\n", prog);
    for (const demo_entry *d = demos; d->name; d++) {
        fprintf(out, "  %-8s %s\n", d->name, d->what);
    }
    fprintf(out, "  (urls: ARGS are the URLs to download; none: the lesson's pages from a local server)\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        usage(argc < 2 ? stderr : stdout, argv[0]);
        return argc < 2 ? 2 : 0;
    }
    demo_call call = {.demo = NULL, .args = {argc - 2, argv + 2}};
    for (const demo_entry *d = demos; d->name; d++) {
        if (strcmp(d->name, argv[1]) == 0) {
            call.demo = d;
        }
    }
    if (call.demo == NULL) {
        fprintf(stderr, "%s: no demo named '%s'\n", argv[0], argv[1]);
        usage(stderr, argv[0]);
        return 2;
    }
    /* Before any thread exists: libcurl's global init is not thread-safe everywhere. */
    pl_fetch_global_init();
    int rc = pl_run(NULL, run_body, &call);
    if (rc < 0) {
        return demo_refused("pl_run", rc);
    }
    return rc;
}
