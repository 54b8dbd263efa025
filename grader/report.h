/*
 * report.h - what the grader tells people: a score table per lab x model and
 * one line per failed test (terminal), Gradescope's results.json, JUnit XML.
 */
#ifndef GR_REPORT_H
#define GR_REPORT_H

#include "grade.h"

/* The human summary. with_hidden = 0 leaves hidden tests' failures out (for students). */
char *gr_report_text(const gr_run *r, int with_hidden);

double gr_report_total(const gr_run *r, double *max);

/* 0 on success. Always writes a valid file, even with no tests (build failure). */
int gr_write_results_json(const gr_run *r, const char *path);
int gr_write_junit(const gr_run *r, const char *path);

#endif
