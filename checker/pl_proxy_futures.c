/*
 * pl_proxy_futures.c - futures, forwarded (pl_proxy.h). A future here is
 * the subject's id plus the result it answered, kept so that the pointer
 * pl_future_wait hands out stays valid until pl_future_free, as the API
 * promises.
 */
#include <stdlib.h>

#include "paralab.h"
#include "pl_proxy_core.h"

struct pl_future {
    int64_t id;     /* the subject's */
    pl_result *res; /* the first final result it answered (a result never changes once final) */
};

static int64_t id_of(const pl_future *f)
{
    return f ? f->id : 0;
}

int pl_future_start(const char *task, const pl_value *arg, pl_future **out)
{
    pl_buf *b = pl_proxy_begin(PL_OP_FSTART);
    if (b == NULL || pl_proto_put_str_opt(b, task) || pl_proto_put_value_opt(b, arg) ||
        pl_proto_put_i64(b, out != NULL)) {
        return PL_ENOMEM;
    }
    int64_t id;
    int rc = pl_proxy_rc_answer(PL_OP_FSTART, &id);
    /* The subject made a future only when asked for one (out != NULL). Out
     * of memory here, the student gets NULL, as from a real backend. */
    if (out != NULL && (*out = id != 0 ? calloc(1, sizeof **out) : NULL) != NULL) {
        (*out)->id = id;
    }
    return rc;
}

int pl_future_wait(pl_future *f, int64_t timeout_ms, const pl_result **out)
{
    pl_reader ans;
    int64_t rc;
    pl_result *r = NULL;
    int sent = pl_proxy_wait_call(PL_OP_FWAIT, id_of(f), timeout_ms, out != NULL, &ans);
    if (sent != PL_OK) {
        return sent;
    }
    if (pl_proto_get_i64(&ans, &rc) || pl_proto_get_result_opt(&ans, &r) ||
        !pl_proxy_answer_done(PL_OP_FWAIT, &ans)) {
        pl_result_free(r);
        return pl_proxy_bad_answer(PL_OP_FWAIT);
    }
    if (f != NULL && r != NULL && f->res == NULL) {
        f->res = r;
    } else {
        pl_result_free(r);
    }
    if (out != NULL && rc == PL_OK) {
        *out = f ? f->res : NULL;
    }
    return (int)rc;
}

int pl_future_done(pl_future *f)
{
    return pl_proxy_id_call(PL_OP_FDONE, id_of(f));
}

int pl_future_cancel(pl_future *f)
{
    return pl_proxy_id_call(PL_OP_FCANCEL, id_of(f));
}

void pl_future_free(pl_future **fp)
{
    if (fp == NULL) {
        return;
    }
    pl_proxy_id_call(PL_OP_FFREE, id_of(*fp)); /* nothing to report: the handle goes either way */
    if (*fp != NULL) {
        pl_result_free((*fp)->res);
        free(*fp);
        *fp = NULL;
    }
}
