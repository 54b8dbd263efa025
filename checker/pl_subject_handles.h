/*
 * pl_subject_handles.h - the subject's futures and groups, known to the checker by id.
 *
 * A pl_future* or pl_group* means nothing in the checker's address space,
 * so the subject keeps them in tables and hands out ids (1, 2, ...; 0 is a
 * NULL handle). An id the checker never got is answered PL_EINVAL.
 */
#ifndef PL_SUBJECT_HANDLES_H
#define PL_SUBJECT_HANDLES_H

#include "pl_wire.h"

typedef int (*pl_subject_handler)(pl_reader *in, pl_buf *out);

/* The handler of a futures or groups op, or NULL for an op it does not know. */
pl_subject_handler pl_subject_handle_op(int op);

/* Frees every future and group still held (the checker went away). */
void pl_subject_handles_free_all(void);

#endif
