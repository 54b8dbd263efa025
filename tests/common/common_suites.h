/*
 * common_suites.h - the suites of test_common (the shared module), one
 * object per file, listed in suites_common.c.
 */
#ifndef PL_COMMON_SUITES_H
#define PL_COMMON_SUITES_H

#include "harness.h"

extern const pl_test_suite pl_suite_status;
extern const pl_test_suite pl_suite_clock;
extern const pl_test_suite pl_suite_cancel;
extern const pl_test_suite pl_suite_value;
extern const pl_test_suite pl_suite_value_wire;
extern const pl_test_suite pl_suite_wire;
extern const pl_test_suite pl_suite_frames;
extern const pl_test_suite pl_suite_result;
extern const pl_test_suite pl_suite_call;
extern const pl_test_suite pl_suite_task_registry;
extern const pl_test_suite pl_suite_task_builtins;
extern const pl_test_suite pl_suite_roster;
extern const pl_test_suite pl_suite_seed;

#endif
