/*
 * pl_proxy_core.h - what the proxy's files share: the link and one round trip.
 * (Inside the proxy only; the checker's API is pl_proxy.h.)
 */
#ifndef PL_PROXY_CORE_H
#define PL_PROXY_CORE_H

#include "pl_proto.h"
#include "pl_wire.h"

/*
 * A request under construction: pl_proxy_begin(op) empties the one
 * request buffer and writes op; the pl_proto_put_* calls add fields.
 * NULL when out of memory.
 */
pl_buf *pl_proxy_begin(int op);

/*
 * Send the request built since pl_proxy_begin and read the answer into
 * *ans. PL_OK; PL_ESYS when there is no subject or it failed (the reason
 * has been reported); PL_ENOMEM.
 */
int pl_proxy_round_trip(int op, pl_reader *ans);

/* An answer that did not decode (or had bytes left over): reported, the subject is killed. */
int pl_proxy_bad_answer(int op);

/* 1 when the whole answer was read; otherwise reports it as malformed and returns 0. */
int pl_proxy_answer_done(int op, const pl_reader *ans);

/*
 * Sends the request built since pl_proxy_begin for a call whose answer is a
 * pl_rc, followed, when id != NULL, by the subject's id of the future or
 * group the call created (0: none; also 0 when no answer came). Returns that
 * pl_rc, or PL_ESYS when the subject failed or garbled the answer.
 */
int pl_proxy_rc_answer(int op, int64_t *id);

/* A call whose only field is a future's or group's id, answered by a pl_rc (FDONE, FFREE, GSTART, ...). */
int pl_proxy_id_call(int op, int64_t id);

/*
 * FWAIT and GWAIT_FIRST: send (id, timeout_ms, want) and read the answer
 * into *ans; as pl_proxy_round_trip (PL_ENOMEM when the request could not
 * be built). The caller reads what the wait answered.
 */
int pl_proxy_wait_call(int op, int64_t id, int64_t timeout_ms, int want, pl_reader *ans);

/* The reason the subject last failed ("" if it never did). */
const char *pl_proxy_why(void);

#endif
