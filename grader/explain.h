/*
 * explain.h - turn a failed test's captured output into the one line a
 * student reads in the score table and in results.json.
 *
 * The output is only ever used to EXPLAIN a verdict, never to decide it
 * (see run.c): a submission that prints fake lines can only make its own
 * explanation confusing, not its score better.
 */
#ifndef GR_EXPLAIN_H
#define GR_EXPLAIN_H

/*
 * The first failed assertion as "suite_map.c:545: wrong is 3, expected 0",
 * followed by the test's hint when it printed one
 * (" - hint: results[i] must be item i's result"). The harness prints
 * "  1. FILE:LINE  - CONDITION" and "    hint: TEXT" (tests/harness.c);
 * paths are cut to their last two parts (the build's scratch directories
 * mean nothing to a student). NULL when there is no failure line.
 */
char *gr_failed_assertion(const char *out);

/*
 * A sanitizer's verdict in one line, e.g. "ThreadSanitizer: data race at
 * 01-map/openmp.c:97 in run_items (the other access: 01-map/openmp.c:95 in
 * run_items); 3 reports". Built from the report's SUMMARY line and, for a
 * race, the first frame of the previous access. NULL when out holds no
 * sanitizer report.
 */
char *gr_sanitizer_report(const char *out);

#endif
