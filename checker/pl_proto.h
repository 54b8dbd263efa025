/*
 * pl_proto.h - the checker <-> subject protocol: paralab.h's calls as frames.
 *
 * Why a protocol at all (issue 14): a test's verdict must be decided in a
 * process that runs no submitted code. The CHECKER (harness + suites +
 * the proxy backend, checker/pl_proxy.h) asks; the SUBJECT (the lab files
 * + runtime, checker/pl_subject.c) runs each call on the real backend and
 * answers. Nothing the subject does can write the checker's verdict line:
 * it can only answer, and answers are checked.
 *
 * A request is one frame (pl_wire.h): [u8 op] then the op's fields; its
 * answer is one frame with the answer's fields. Fields reuse the encodings
 * common/ already has: pl_value and pl_result encode themselves, task names
 * travel as strings (the subject looks them up in its own registry),
 * futures and groups travel as ids (a pointer means nothing in another
 * process). A field that the API allows to be NULL carries a presence mark,
 * so "items == NULL" reaches the subject's pl_map as NULL and the subject's
 * own argument checks decide, as they would in-process.
 *
 *   op            request fields                         answer fields
 *   HELLO         -                                      name, parallel, isolates, can_kill, pid
 *   WORKERS       -                                      workers
 *   RUN_NESTED    body?, opts?, workers                  rc
 *   MAP           task?, n, items?[n x value?], opts?,   rc, results? [n x result?]
 *                 max_workers, timeout, chunksize,
 *                 results?, keep
 *   MAP_AGAIN     -                                      rc
 *   MAP_CHECK     -                                      rc, differ, overlap
 *   FSTART        task?, arg?, out?                      rc, id
 *   FWAIT         id, timeout, out?                      rc, result?
 *   FDONE/FCANCEL id                                     rc
 *   FFREE/GFREE   id (0: pl_x_free(&NULL))               rc
 *   GNEW          max_workers, out?                      rc, id
 *   GADD          id, name?, task?, arg?                 rc
 *   GSTART        id                                     rc
 *   GWAIT_FIRST   id, timeout, name_out?                 rc, name?
 *   GRESULTS      id, timeout                            rc
 *   GSTATE        id                                     size, names, results?, finished, finished names
 *   QUIT          -                                      rc (then the subject leaves pl_run)
 * id 0 stands for a NULL handle. Integers are i64 (big-endian u64).
 * MAP with keep = 1 also keeps the call and its results in the subject;
 * MAP_AGAIN makes that call again and answers only pl_map's rc (a timed
 * call that moves no items: tests/map_repeat.h); MAP_CHECK then says how
 * its results compare with the kept ones (rc PL_EINVAL: no call to check).
 *
 * The checker decodes every answer as untrusted input (pl_reader: a short
 * or lying answer is PL_EWIRE, which fails the test, never the checker).
 */
#ifndef PL_PROTO_H
#define PL_PROTO_H

#include <stdint.h>

#include "pl_result.h"
#include "pl_value.h"
#include "pl_wire.h"

typedef enum pl_proto_op {
    PL_OP_HELLO = 1,
    PL_OP_WORKERS,
    PL_OP_RUN_NESTED,
    PL_OP_MAP,
    PL_OP_FSTART,
    PL_OP_FWAIT,
    PL_OP_FDONE,
    PL_OP_FCANCEL,
    PL_OP_FFREE,
    PL_OP_GNEW,
    PL_OP_GADD,
    PL_OP_GSTART,
    PL_OP_GWAIT_FIRST,
    PL_OP_GRESULTS,
    PL_OP_GSTATE,
    PL_OP_GFREE,
    PL_OP_QUIT,
    PL_OP_MAP_AGAIN,
    PL_OP_MAP_CHECK,
} pl_proto_op;

/* The longest string a field may carry (names, task names): more is a corrupt frame. */
#define PL_PROTO_STR_MAX 4096
/* The most items one map may carry: a bound for the decoder's allocation. */
#define PL_PROTO_ITEMS_MAX ((uint64_t)1 << 24)

/* Writers: PL_OK or PL_ENOMEM. NULL is allowed where the name says "opt". */
int pl_proto_put_i64(pl_buf *b, int64_t v);
int pl_proto_put_str_opt(pl_buf *b, const char *s);
int pl_proto_put_value_opt(pl_buf *b, const pl_value *v);
int pl_proto_put_result_opt(pl_buf *b, const pl_result *r);

/* Readers: PL_OK, PL_EWIRE (short, corrupt or over a bound), PL_ENOMEM. *out NULL for an absent field. */
int pl_proto_get_i64(pl_reader *r, int64_t *out);
int pl_proto_get_str_opt(pl_reader *r, char **out);
int pl_proto_get_value_opt(pl_reader *r, pl_value **out);
int pl_proto_get_result_opt(pl_reader *r, pl_result **out);

/* The name of an op for messages ("pl_map"); "?" for an unknown one. */
const char *pl_proto_op_name(int op);

#endif
