/*
 * demo.c - what every demo shares (demo.h): how a refused call is
 * reported. Kept apart from demo_main.c, which calls the demos, so that the
 * demos never call back into the program that runs them.
 */
#include "demo.h"

#include <stdio.h>

#include "paralab.h"

int demo_refused(const char *what, int rc)
{
    fprintf(stderr, "%s: %s\n", what, pl_strerror(rc));
    if (rc == PL_ENOTIMPL) {
        fprintf(stderr, "  (the %s backend is still a lab skeleton: implement it in labs/)\n",
                pl_backend()->name);
    }
    return 1;
}
