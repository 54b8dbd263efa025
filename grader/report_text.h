/*
 * report_text.h - what a person reads: the score table per lab x model and
 * one line per failed test, as plain text (terminal, logs) or Markdown.
 */
#ifndef GR_REPORT_TEXT_H
#define GR_REPORT_TEXT_H

#include "grade.h"
#include "report_model.h"

/* The human summary. with_hidden = 0 leaves hidden tests' failures out (for students). */
char *gr_report_text(const gr_run *r, int with_hidden);
/* The same for students, as Markdown (Gradescope's output_format "md"). */
char *gr_report_markdown(const gr_run *r);

double gr_report_total(const gr_run *r, double *max);

/* gr_model_build plus the students' text summary in m->text (what every writer shows). */
void gr_model_build_with_text(const gr_run *r, gr_model *m);

#endif
