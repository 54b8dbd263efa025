/*
 * suites_fetch.c - the suite list of test_fetch: pl_fetch and its argument,
 * the built-in fetch task, and the HTTP fixture they all rely on. Built once,
 * with the serial backend: nothing here depends on a parallel model (the URL
 * map on every backend is test_fetchmap_<model>, suite_fetch_map.c).
 */
#include "fetch_util.h"
#include "harness.h"

const pl_test_suite *const pl_suites[] = {&fixture_suite, &fetch_api_suite, &fetch_task_suite, NULL};
