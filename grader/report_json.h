/*
 * report_json.h - the JSON result files, written with jansson from one
 * model of the run (report_model.h). Each returns 0 on success and always
 * writes a valid file, even with no tests (a build failure).
 */
#ifndef GR_REPORT_JSON_H
#define GR_REPORT_JSON_H

#include "grade.h"

int gr_write_results_json(const gr_run *r, const char *path); /* Gradescope */
int gr_write_prairielearn(const gr_run *r, const char *path);
int gr_write_classroom50(const gr_run *r, const char *path);
int gr_write_github(const gr_run *r, const char *path);

#endif
