/*
 * suites_common.c - the suite list of test_common (see tests/harness.h).
 * The common module is backend-free; this binary links the serial backend
 * only because every test binary needs one.
 */
#include "common_suites.h"

const pl_test_suite *const pl_suites[] = {
    &pl_suite_status,
    &pl_suite_clock,
    &pl_suite_cancel,
    &pl_suite_value,
    &pl_suite_value_wire,
    &pl_suite_wire,
    &pl_suite_frames,
    &pl_suite_result,
    &pl_suite_call,
    &pl_suite_task_registry,
    &pl_suite_task_builtins,
    &pl_suite_roster,
    &pl_suite_seed,
    NULL,
};
