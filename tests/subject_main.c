/*
 * subject_main.c - main() of pl_subject_<model>, the process of a checker
 * pair that runs the student's code (checker/pl_subject.h).
 *
 * It knows the same task names as the suites: the built-ins (pl_run
 * registers them), the lesson's fetch, and the suites' own tasks
 * (suite_tasks.h). It links none of the suites' assertions and holds no
 * verdict nonce: nothing it does can write a verdict.
 */
#include <stdio.h>

#include "paralab.h"
#include "pl_fetch.h"
#include "pl_subject.h"
#include "suite_tasks.h"

int main(int argc, char **argv)
{
    if (pl_fetch_global_init() != PL_OK || pl_suite_tasks_register() != PL_OK) {
        fprintf(stderr, "pl_subject: cannot register the suites' tasks\n");
        return 2;
    }
    return pl_subject_main(argc, argv);
}
