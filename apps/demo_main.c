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

int demo_refused(const char *what, int rc)
{
    fprintf(stderr, "%s: %s\n", what, pl_strerror(rc));
    if (rc == PL_ENOTIMPL) {
        fprintf(stderr, "  (the %s backend is still a lab skeleton: implement it in labs/)\n",
                pl_backend()->name);
    }
    return 1;
}

const char *demo_worker_kind(void)
{
    const char *name = pl_backend()->name;
    if (strcmp(name, "openmp") == 0) {
        return "OpenMP thread numbers";
    } else if (strcmp(name, "fork") == 0) {
        return "child process ids";
    } else if (strcmp(name, "mpi") == 0) {
        return "MPI ranks";
    }
    return "0 = the calling thread";
}

/*
 * pl_workers() means something different in each model, and a map with
 * max_workers = 5 may use more or fewer workers than it: say which, so a
 * student does not read "2 workers" and then see worker ids up to 4.
 */
static void print_workers(void)
{
    const char *name = pl_backend()->name;
    int w = pl_workers();
    if (strcmp(name, "openmp") == 0) {
        printf("(futures and groups share a team of %d threads; a map opens its own team of up to"
               " max_workers threads)\n", w);
    } else if (strcmp(name, "fork") == 0) {
        printf("(futures run at most %d children at once; a map or a group forks up to max_workers children)\n", w);
    } else if (strcmp(name, "mpi") == 0) {
        printf("(%d worker rank(s) (mpiexec -n %d): never more than %d task(s) at once, whatever"
               " max_workers asks)\n", w, w + 1, w);
    } else {
        printf("(one worker: the calling thread runs every task, one after another)\n");
    }
}

static int run_body(void *ctx)
{
    const demo_call *call = ctx;
    printf("[%s backend] %s\n", pl_backend()->name, call->demo->what);
    print_workers();
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
