/*
 * pl_subject.c - the subject's serve loop (see pl_subject.h, pl_proto.h).
 *
 * Every handler decodes its request, makes the one paralab.h call it
 * names, and encodes what came back. The handlers add no logic of their
 * own: whatever the student's code returns is what the checker judges.
 */
#include "pl_subject.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "map_repeat.h"
#include "paralab.h"
#include "pl_proto.h"
#include "pl_subject_handles.h"

/* How long rank 0 keeps trying to reach the checker's socket (MPI start-up can be slow under load). */
#define CONNECT_TRY_MS 30000

typedef struct subject {
    int fd;
    const char *connect_path;
    int workers;
} subject;

/* ---------------------------------------------------------------- handlers */

static int op_hello(pl_reader *in, pl_buf *out)
{
    (void)in;
    const pl_backend_info *b = pl_backend();
    int rc = pl_proto_put_str_opt(out, b->name);
    rc |= pl_proto_put_i64(out, b->parallel);
    rc |= pl_proto_put_i64(out, b->isolates_crashes);
    rc |= pl_proto_put_i64(out, b->can_kill);
    rc |= pl_proto_put_i64(out, (int64_t)getpid());
    return rc;
}

static int op_workers(pl_reader *in, pl_buf *out)
{
    (void)in;
    return pl_proto_put_i64(out, pl_workers());
}

static int empty_body(void *ctx)
{
    (void)ctx;
    return PL_OK;
}

static int op_run_nested(pl_reader *in, pl_buf *out)
{
    int64_t body, has_opts, workers;
    if (pl_proto_get_i64(in, &body) || pl_proto_get_i64(in, &has_opts) || pl_proto_get_i64(in, &workers)) {
        return PL_EWIRE;
    }
    pl_opts o = {.workers = (int)workers};
    return pl_proto_put_i64(out, pl_run(has_opts ? &o : NULL, body ? empty_body : NULL, NULL));
}

/* The map's items: n of them (NULL slots allowed), or no array at all. */
static int get_items(pl_reader *in, uint64_t n, pl_value ***items)
{
    int64_t present;
    *items = NULL;
    if (pl_proto_get_i64(in, &present) != PL_OK) {
        return PL_EWIRE;
    }
    if (!present) {
        return PL_OK;
    }
    *items = calloc(n ? n : 1, sizeof **items);
    if (*items == NULL) {
        return PL_ENOMEM;
    }
    for (uint64_t i = 0; i < n; i++) {
        int rc = pl_proto_get_value_opt(in, &(*items)[i]);
        if (rc != PL_OK) {
            return rc;
        }
    }
    return PL_OK;
}

static void free_items(pl_value **items, uint64_t n)
{
    for (uint64_t i = 0; items && i < n; i++) {
        pl_value_free(items[i]);
    }
    free(items);
}

static int op_map(pl_reader *in, pl_buf *out)
{
    char *task = NULL;
    int64_t n = 0, has_opts, mw, tmo, chunk, has_results, keep;
    pl_value **items = NULL;
    pl_result **results = NULL;
    int rc = pl_proto_get_str_opt(in, &task);
    if (rc == PL_OK && (pl_proto_get_i64(in, &n) || n < 0 || (uint64_t)n > PL_PROTO_ITEMS_MAX)) {
        rc = PL_EWIRE;
    }
    rc = rc ? rc : get_items(in, (uint64_t)n, &items);
    if (rc == PL_OK && (pl_proto_get_i64(in, &has_opts) || pl_proto_get_i64(in, &mw) ||
                        pl_proto_get_i64(in, &tmo) || pl_proto_get_i64(in, &chunk) ||
                        pl_proto_get_i64(in, &has_results) || pl_proto_get_i64(in, &keep))) {
        rc = PL_EWIRE;
    }
    if (rc == PL_OK && has_results && (results = calloc((size_t)n + 1, sizeof *results)) == NULL) {
        rc = PL_ENOMEM;
    }
    if (rc == PL_OK) {
        pl_map_opts o = {.max_workers = (int)mw, .timeout_ms = tmo, .chunksize = (int)chunk};
        int map_rc = pl_map(task, items, (size_t)n, has_opts ? &o : NULL, results);
        if (keep && map_rc == PL_OK) {
            /* Kept only after a call that worked: MAP_AGAIN then answers PL_EINVAL, never a stale call. */
            map_rc = pl_map_repeat_keep(task, items, (size_t)n, has_opts ? &o : NULL, results);
        } else if (keep) {
            pl_map_repeat_clear();
        }
        rc = pl_proto_put_i64(out, map_rc);
        for (int64_t i = 0; rc == PL_OK && results && i < n; i++) {
            rc = pl_proto_put_result_opt(out, results[i]);
        }
    }
    for (int64_t i = 0; results && i < n; i++) {
        pl_result_free(results[i]);
    }
    free(results);
    free_items(items, (uint64_t)n);
    free(task);
    return rc;
}

/* The kept call again (map_repeat.h): only its return code, so that the answer goes as soon as pl_map returns. */
static int op_map_again(pl_reader *in, pl_buf *out)
{
    (void)in;
    return pl_proto_put_i64(out, pl_map_repeat_run());
}

/* How that call went: compared with the kept results after the checker stopped its clock. */
static int op_map_check(pl_reader *in, pl_buf *out)
{
    (void)in;
    pl_map_repeat_outcome o = {0};
    int rc = pl_map_repeat_check(&o);
    int err = pl_proto_put_i64(out, rc != PL_OK ? rc : o.rc);
    err |= pl_proto_put_i64(out, (int64_t)o.differ);
    err |= pl_proto_put_i64(out, o.overlap);
    return err;
}

/* ---------------------------------------------------------------- the loop */

typedef pl_subject_handler handler;

static handler handler_of(int op)
{
    switch (op) {
    case PL_OP_HELLO: return op_hello;
    case PL_OP_WORKERS: return op_workers;
    case PL_OP_RUN_NESTED: return op_run_nested;
    case PL_OP_MAP: return op_map;
    case PL_OP_MAP_AGAIN: return op_map_again;
    case PL_OP_MAP_CHECK: return op_map_check;
    default: return pl_subject_handle_op(op);
    }
}

/* Serves requests until QUIT or the checker goes away. */
static int serve(int fd)
{
    pl_buf *out = pl_buf_new();
    if (out == NULL) {
        return 1;
    }
    for (;;) {
        uint8_t *frame = NULL;
        size_t len = 0;
        if (pl_wire_read_frame(fd, &frame, &len) != PL_OK) {
            break; /* the checker is gone: nothing left to answer */
        }
        pl_reader in;
        pl_reader_init(&in, frame, len);
        uint8_t op = 0;
        handler h = pl_reader_u8(&in, &op) == PL_OK ? handler_of(op) : NULL;
        pl_buf_reset(out);
        int rc = h ? h(&in, out) : PL_EWIRE;
        free(frame);
        if (rc != PL_OK) {
            fprintf(stderr, "pl_subject: cannot serve request %d: %s\n", op, pl_strerror(rc));
            break; /* answering nothing makes the checker fail the test, saying so */
        }
        if (pl_wire_write_frame(fd, pl_buf_data(out), pl_buf_len(out)) != PL_OK || op == PL_OP_QUIT) {
            break;
        }
    }
    pl_buf_free(out);
    pl_subject_handles_free_all();
    pl_map_repeat_clear();
    return 0;
}

/* Rank 0 under mpiexec: reach the checker's socket, retrying while it is not there yet. */
static int connect_to(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        fprintf(stderr, "pl_subject: socket path too long: %s\n", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    int64_t deadline = pl_deadline_after_ms(CONNECT_TRY_MS);
    while (pl_now_ns() < deadline) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
            return fd;
        }
        if (fd >= 0) {
            close(fd);
        }
        pl_sleep_ms(20);
    }
    fprintf(stderr, "pl_subject: cannot connect to %s: %s\n", path, strerror(errno));
    return -1;
}

static int body(void *ctx)
{
    subject *s = ctx;
    if (s->connect_path != NULL && (s->fd = connect_to(s->connect_path)) < 0) {
        return 1;
    }
    return serve(s->fd);
}

int pl_subject_main(int argc, char **argv)
{
    subject s = {.fd = -1};
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--fd") == 0) {
            s.fd = atoi(argv[i + 1]);
        } else if (strcmp(argv[i], "--connect") == 0) {
            s.connect_path = argv[i + 1];
        } else if (strcmp(argv[i], "--workers") == 0) {
            s.workers = atoi(argv[i + 1]);
        } else {
            break;
        }
    }
    if ((s.fd < 0) == (s.connect_path == NULL)) {
        fprintf(stderr, "usage: %s (--fd N | --connect PATH) [--workers N]\n"
                        "The subject process of a paralab checker (checker/pl_subject.h); "
                        "not meant to be run by hand.\n", argv[0]);
        return 2;
    }
    pl_wire_ignore_sigpipe(); /* a checker that went away is an end of file, not a death */
    pl_opts o = {.workers = s.workers};
    int rc = pl_run(&o, body, &s);
    return rc == PL_OK ? 0 : 1;
}
