/*
 * report_junit.h - JUnit XML (CI servers, IDEs), written with libxml2's
 * xmlTextWriter from one model of the run (report_model.h). 0 on success;
 * always a valid file, even with no tests.
 */
#ifndef GR_REPORT_JUNIT_H
#define GR_REPORT_JUNIT_H

#include "grade.h"

int gr_write_junit(const gr_run *r, const char *path);

#endif
