/*
 * demo_group.c - the lesson's last example (its Python twin: demo_group.py):
 *
 *     funciones = {'planta': plantas.future('roja'),
 *                  'animal': animales.future('amarillo'),
 *                  'insecto': insectos.future('café')}
 *     with parallel.async_par(funciones, max_workers=5) as ex:
 *         resultados = ex.results(timeout=4)
 *
 * Three different tasks, each with the lesson's argument, run together; we
 * ask which one finished first (the as_completed idea), then collect every
 * result within 4 seconds. The tasks RETURN their text ("planta roja")
 * instead of printing it: one place, the caller, prints, so lines never
 * interleave. The durations differ on purpose: on a parallel backend with
 * two or more workers the finishing order is animal, insecto, planta, not
 * the order they were added in; on serial it is the order they ran in.
 */
#include <stdio.h>

#include "demo.h"
#include "paralab.h"

typedef struct member {
    const char *name; /* member name = the lesson's task name */
    const char *arg;  /* the lesson's argument, and how long the task sleeps (ms) */
} member;

static const member members[] = {{"planta", "roja 500"}, {"animal", "amarillo 100"}, {"insecto", "caf\xc3\xa9 200"}};
#define N_MEMBERS (sizeof members / sizeof members[0])

static int add_all(pl_group *g)
{
    for (size_t i = 0; i < N_MEMBERS; i++) {
        pl_value *arg = pl_value_new_str(members[i].arg);
        int rc = arg != NULL ? pl_group_add(g, members[i].name, members[i].name, arg) : PL_ENOMEM;
        pl_value_free(arg);
        if (rc != PL_OK) {
            return rc;
        }
    }
    return PL_OK;
}

static void print_results(const pl_group *g)
{
    printf("results(timeout=4):\n");
    for (size_t i = 0; i < pl_group_size(g); i++) {
        const char *name = pl_group_name(g, i);
        char line[PL_ERROR_MAX + 128];
        pl_result_format(pl_group_result(g, name), line, sizeof line);
        printf("  %-8s %s\n", name, line);
    }
    printf("finishing order:");
    for (size_t k = 0; k < pl_group_finished(g); k++) {
        printf(" %s", pl_group_finished_name(g, k));
    }
    printf("\n");
}

int demo_group(const demo_args *a)
{
    (void)a;
    pl_group *g = NULL;
    int rc = pl_group_new(5, &g);
    if (rc == PL_OK) {
        rc = add_all(g);
    }
    if (rc == PL_OK) {
        rc = pl_group_start(g);
    }
    const char *first = NULL;
    if (rc == PL_OK && (rc = pl_group_wait_first(g, 4000, &first)) == PL_OK) {
        printf("first to finish: %s\n", first);
    }
    if (rc == PL_OK) {
        rc = pl_group_results(g, 4000);
    }
    if (rc == PL_OK) {
        print_results(g);
    }
    pl_group_free(&g);
    return rc == PL_OK ? 0 : demo_refused("group", rc);
}
