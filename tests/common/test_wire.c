/*
 * test_wire.c - the growable buffer, the bounds-checked reader, and
 * length-prefixed frames over real pipes (whole, empty, large, oversize,
 * short, closed).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common_suites.h"
#include "pl_clock.h"
#include "pl_wire.h"
#include "testkit.h"

/* ---------------------------------------------------------------- buffer and reader */

static void test_buf_grows(void)
{
    pl_buf *b = pl_buf_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_EQUAL(pl_buf_len(b), 0);
    for (uint32_t i = 0; i < 10000; i++) {
        CU_ASSERT_EQUAL_FATAL(pl_buf_put_u32(b, i), PL_OK);
    }
    CU_ASSERT_EQUAL(pl_buf_len(b), 40000);
    pl_reader r;
    pl_reader_init(&r, pl_buf_data(b), pl_buf_len(b));
    for (uint32_t i = 0; i < 10000; i++) {
        uint32_t v = 0;
        CU_ASSERT_EQUAL_FATAL(pl_reader_u32(&r, &v), PL_OK);
        CU_ASSERT_EQUAL_FATAL(v, i);
    }
    CU_ASSERT_EQUAL(r.left, 0);
    pl_buf_reset(b);
    CU_ASSERT_EQUAL(pl_buf_len(b), 0);
    PL_EXPECT_RC(pl_buf_put(b, NULL, 0), PL_OK);
    CU_ASSERT_EQUAL(pl_buf_len(b), 0);
    pl_buf_free(b);
}

static void test_big_endian(void)
{
    pl_buf *b = pl_buf_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    pl_buf_put_u8(b, 0xab);
    pl_buf_put_u32(b, 0x01020304u);
    pl_buf_put_u64(b, 0x1112131415161718ull);
    static const uint8_t want[] = {0xab, 1, 2, 3, 4, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18};
    CU_ASSERT_EQUAL_FATAL(pl_buf_len(b), sizeof want);
    CU_ASSERT(memcmp(pl_buf_data(b), want, sizeof want) == 0);
    pl_reader r;
    uint8_t u8;
    uint32_t u32;
    uint64_t u64;
    pl_reader_init(&r, want, sizeof want);
    CU_ASSERT(pl_reader_u8(&r, &u8) == PL_OK && u8 == 0xab);
    CU_ASSERT(pl_reader_u32(&r, &u32) == PL_OK && u32 == 0x01020304u);
    CU_ASSERT(pl_reader_u64(&r, &u64) == PL_OK && u64 == 0x1112131415161718ull);
    pl_buf_free(b);
}

/* The inline helpers: 8 and 4 bytes take a spelled-out path, every other width the loop. */
static void test_be_helpers_every_width(void)
{
    const uint64_t v = 0x8192a3b4c5d6e7f8ull;
    for (int bytes = 1; bytes <= 8; bytes++) {
        uint8_t out[8] = {0};
        pl_be_put(out, v, bytes);
        for (int i = 0; i < bytes; i++) { /* the low `bytes` bytes, most significant first */
            CU_ASSERT_EQUAL(out[i], (uint8_t)(v >> (8 * (bytes - 1 - i))));
        }
        uint64_t low = bytes == 8 ? v : v & ((1ull << (8 * bytes)) - 1);
        CU_ASSERT_EQUAL(pl_be_get(out, bytes), low);
    }
}

static void test_reader_bounds(void)
{
    static const uint8_t bytes[7] = {1, 2, 3, 4, 5, 6, 7};
    pl_reader r;
    uint64_t u64;
    uint32_t u32;
    uint8_t u8;
    const uint8_t *p = NULL;
    pl_reader_init(&r, bytes, sizeof bytes);
    PL_EXPECT_RC(pl_reader_u64(&r, &u64), PL_EWIRE); /* 7 < 8: refused, nothing consumed */
    CU_ASSERT_EQUAL(r.left, 7);
    PL_EXPECT_RC(pl_reader_u32(&r, &u32), PL_OK);
    PL_EXPECT_RC(pl_reader_u32(&r, &u32), PL_EWIRE);
    PL_EXPECT_RC(pl_reader_bytes(&r, 4, &p), PL_EWIRE);
    PL_EXPECT_RC(pl_reader_bytes(&r, SIZE_MAX, &p), PL_EWIRE);
    PL_EXPECT_RC(pl_reader_bytes(&r, 2, &p), PL_OK);
    CU_ASSERT(p == bytes + 4);
    PL_EXPECT_RC(pl_reader_bytes(&r, 1, NULL), PL_OK); /* skip */
    PL_EXPECT_RC(pl_reader_u8(&r, &u8), PL_EWIRE);
    PL_EXPECT_RC(pl_reader_bytes(&r, 0, &p), PL_OK);
    /* A NULL range is an empty one. */
    pl_reader_init(&r, NULL, 100);
    PL_EXPECT_RC(pl_reader_u8(&r, &u8), PL_EWIRE);
}

static void test_null_arguments(void)
{
    pl_reader r;
    uint8_t u8;
    uint32_t u32;
    uint64_t u64;
    pl_buf_free(NULL);
    pl_buf_reset(NULL);
    pl_buf_truncate(NULL, 0);
    CU_ASSERT_PTR_NULL(pl_buf_data(NULL));
    CU_ASSERT_EQUAL(pl_buf_len(NULL), 0);
    PL_EXPECT_RC(pl_buf_put(NULL, "x", 1), PL_EINVAL);
    PL_EXPECT_RC(pl_buf_put_u8(NULL, 1), PL_EINVAL);
    PL_EXPECT_RC(pl_buf_put_u32(NULL, 1), PL_EINVAL);
    PL_EXPECT_RC(pl_buf_put_u64(NULL, 1), PL_EINVAL);
    pl_buf *b = pl_buf_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    PL_EXPECT_RC(pl_buf_put(b, NULL, 3), PL_EINVAL);
    pl_buf_free(b);
    pl_reader_init(NULL, (const uint8_t *)"x", 1);
    PL_EXPECT_RC(pl_reader_u8(NULL, &u8), PL_EINVAL);
    PL_EXPECT_RC(pl_reader_u32(NULL, &u32), PL_EINVAL);
    PL_EXPECT_RC(pl_reader_u64(NULL, &u64), PL_EINVAL);
    PL_EXPECT_RC(pl_reader_bytes(NULL, 0, NULL), PL_EINVAL);
    pl_reader_init(&r, (const uint8_t *)"abcdefgh", 8);
    PL_EXPECT_RC(pl_reader_u8(&r, NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_reader_u32(&r, NULL), PL_EINVAL);
    PL_EXPECT_RC(pl_reader_u64(&r, NULL), PL_EINVAL);
    CU_ASSERT_EQUAL(r.left, 8);
}

static void test_truncate(void)
{
    pl_buf *b = pl_buf_new();
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    pl_buf_put(b, "abcdef", 6);
    pl_buf_truncate(b, 10); /* longer: no-op */
    CU_ASSERT_EQUAL(pl_buf_len(b), 6);
    pl_buf_truncate(b, 2);
    CU_ASSERT_EQUAL(pl_buf_len(b), 2);
    pl_buf_put(b, "Z", 1);
    CU_ASSERT(memcmp(pl_buf_data(b), "abZ", 3) == 0);
    pl_buf_free(b);
}

static const pl_test_case wire_cases[] = {
    {"buf_grows", test_buf_grows},
    {"big_endian", test_big_endian},
    {"be_helpers_every_width", test_be_helpers_every_width},
    {"reader_bounds", test_reader_bounds},
    {"null_arguments", test_null_arguments},
    {"truncate", test_truncate},
    {NULL, NULL},
};

const pl_test_suite pl_suite_wire = {"common_wire", NULL, NULL, wire_cases};

/* ---------------------------------------------------------------- frames */

static int make_pipe(int fds[2])
{
    if (pipe(fds) != 0) {
        return -1;
    }
    return 0;
}

static void test_frame_round_trip(void)
{
    int fds[2];
    CU_ASSERT_EQUAL_FATAL(make_pipe(fds), 0);
    PL_EXPECT_RC(pl_wire_write_frame(fds[1], "hello", 5), PL_OK);
    PL_EXPECT_RC(pl_wire_write_frame(fds[1], NULL, 0), PL_OK); /* an empty frame is a frame */
    PL_EXPECT_RC(pl_wire_write_frame(fds[1], "\0x\0", 3), PL_OK);
    uint8_t *got = NULL;
    size_t len = 0;
    PL_EXPECT_RC(pl_wire_read_frame(fds[0], &got, &len), PL_OK);
    CU_ASSERT(len == 5 && got != NULL && memcmp(got, "hello", 5) == 0);
    free(got);
    PL_EXPECT_RC(pl_wire_read_frame(fds[0], &got, &len), PL_OK);
    CU_ASSERT(len == 0 && got != NULL);
    free(got);
    PL_EXPECT_RC(pl_wire_read_frame(fds[0], &got, &len), PL_OK);
    CU_ASSERT(len == 3 && got != NULL && memcmp(got, "\0x\0", 3) == 0);
    free(got);
    /* The writer closes: a clean end of file is PL_EIO, not a hang. */
    close(fds[1]);
    PL_EXPECT_RC(pl_wire_read_frame(fds[0], &got, &len), PL_EIO);
    CU_ASSERT_PTR_NULL(got);
    CU_ASSERT_EQUAL(len, 0);
    close(fds[0]);
}

/*
 * A frame far larger than the pipe's buffer (64 kB) must be written by a
 * child while we read, and arrives in many read()s: the reader loops.
 */
static void test_large_frame_from_child(void)
{
    enum { N = 1000000 };
    int fds[2];
    CU_ASSERT_EQUAL_FATAL(make_pipe(fds), 0);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        uint8_t *data = malloc(N);
        if (data == NULL) {
            _exit(3);
        }
        for (size_t i = 0; i < N; i++) {
            data[i] = (uint8_t)(i * 7);
        }
        int rc = pl_wire_write_frame(fds[1], data, N);
        free(data); /* a leak here would fail the child under valgrind */
        _exit(rc == PL_OK ? 0 : 4);
    }
    close(fds[1]);
    uint8_t *got = NULL;
    size_t len = 0;
    PL_EXPECT_RC(pl_wire_read_frame(fds[0], &got, &len), PL_OK);
    CU_ASSERT_EQUAL(len, N);
    int same = got != NULL && len == N;
    for (size_t i = 0; same && i < N; i++) {
        same = got[i] == (uint8_t)(i * 7);
    }
    CU_ASSERT_TRUE(same);
    free(got);
    int status = 0;
    CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(fds[0]);
}

static void write_raw(int fd, const void *p, size_t n)
{
    ssize_t w = write(fd, p, n);
    CU_ASSERT_EQUAL(w, (ssize_t)n);
}

static void test_oversize_frame_refused(void)
{
    int fds[2];
    CU_ASSERT_EQUAL_FATAL(make_pipe(fds), 0);
    /* A corrupt length of 4 GB must not make the reader allocate it. */
    static const uint8_t head[4] = {0xff, 0xff, 0xff, 0xff};
    write_raw(fds[1], head, 4);
    uint8_t *got = (uint8_t *)head; /* must be reset */
    size_t len = 9;
    PL_EXPECT_RC(pl_wire_read_frame(fds[0], &got, &len), PL_EWIRE);
    CU_ASSERT_PTR_NULL(got);
    uint32_t just_over = (uint32_t)PL_FRAME_MAX + 1;
    uint8_t h2[4] = {(uint8_t)(just_over >> 24), (uint8_t)(just_over >> 16), (uint8_t)(just_over >> 8),
                     (uint8_t)just_over};
    write_raw(fds[1], h2, 4);
    PL_EXPECT_RC(pl_wire_read_frame(fds[0], &got, &len), PL_EWIRE);
    /* The writer refuses what the reader would refuse. */
    PL_EXPECT_RC(pl_wire_write_frame(fds[1], head, PL_FRAME_MAX + 1), PL_EINVAL);
    close(fds[0]);
    close(fds[1]);
}

static void test_short_frames(void)
{
    /* The writer dies mid-header, then mid-body: PL_EIO each time, never a hang. */
    for (int mid_body = 0; mid_body <= 1; mid_body++) {
        int fds[2];
        CU_ASSERT_EQUAL_FATAL(make_pipe(fds), 0);
        static const uint8_t head[4] = {0, 0, 0, 100};
        if (mid_body) {
            write_raw(fds[1], head, 4);
            write_raw(fds[1], "only ten b", 10);
        } else {
            write_raw(fds[1], head, 2);
        }
        close(fds[1]);
        uint8_t *got = NULL;
        size_t len = 0;
        PL_EXPECT_RC(pl_wire_read_frame(fds[0], &got, &len), PL_EIO);
        CU_ASSERT_PTR_NULL(got);
        close(fds[0]);
    }
}

static void test_write_to_closed_pipe(void)
{
    int fds[2];
    CU_ASSERT_EQUAL_FATAL(make_pipe(fds), 0);
    close(fds[0]);
    pl_wire_ignore_sigpipe(); /* else this test would die of SIGPIPE */
    PL_EXPECT_RC(pl_wire_write_frame(fds[1], "lost", 4), PL_EIO);
    close(fds[1]);
}

static void test_nonblocking_reader(void)
{
    /* Someone made the read end non-blocking: the reader must wait, not fail with EAGAIN. */
    int fds[2];
    CU_ASSERT_EQUAL_FATAL(make_pipe(fds), 0);
    fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
    pid_t pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        write_raw(fds[1], "\0\0\0\x04", 4);
        pl_sleep_ms(50);
        write_raw(fds[1], "late", 4);
        _exit(0);
    }
    close(fds[1]);
    uint8_t *got = NULL;
    size_t len = 0;
    PL_EXPECT_RC(pl_wire_read_frame(fds[0], &got, &len), PL_OK);
    CU_ASSERT(len == 4 && got != NULL && memcmp(got, "late", 4) == 0);
    free(got);
    waitpid(pid, NULL, 0);
    close(fds[0]);
}

/* One pl_frame_in_read() that must return the frame want (deadline 0: what is there now). */
static void expect_frame_in(pl_frame_in *in, int fd, const char *want)
{
    const uint8_t *frame = NULL;
    size_t len = 0;
    size_t n = strlen(want);
    PL_EXPECT_RC(pl_frame_in_read(in, fd, 0, &frame, &len, NULL), PL_OK);
    CU_ASSERT(len == n && frame != NULL && memcmp(frame, want, n) == 0);
}

/* The resumable reader: half a frame is kept, the rest completes it; two frames in one write. */
static void test_frame_in_resumes(void)
{
    int fds[2];
    CU_ASSERT_EQUAL_FATAL(make_pipe(fds), 0);
    pl_frame_in *in = pl_frame_in_new();
    CU_ASSERT_FATAL(in != NULL);
    const uint8_t *frame = NULL;
    size_t len = 0;
    /* Nothing there: a deadline of 0 never waits. */
    PL_EXPECT_RC(pl_frame_in_read(in, fds[0], 0, &frame, &len, NULL), PL_ETIMEDOUT);
    write_raw(fds[1], "\0\0\0\x05he", 6);
    PL_EXPECT_RC(pl_frame_in_read(in, fds[0], 0, &frame, &len, NULL), PL_ETIMEDOUT);
    write_raw(fds[1], "llo\0\0\0\x02ok", 9);
    expect_frame_in(in, fds[0], "hello");
    expect_frame_in(in, fds[0], "ok");
    /* A deadline in the future waits that long at most. */
    int64_t t0 = pl_now_ns();
    PL_EXPECT_RC(pl_frame_in_read(in, fds[0], pl_deadline_after_ms(50), &frame, &len, NULL), PL_ETIMEDOUT);
    CU_ASSERT(pl_now_ns() - t0 >= 50 * 1000000LL);
    /* End of file halfway through a frame: PL_EIO, and it says so. */
    write_raw(fds[1], "\0\0\0\x09" "abc", 7);
    close(fds[1]);
    int partial = 0;
    PL_EXPECT_RC(pl_frame_in_read(in, fds[0], 0, &frame, &len, &partial), PL_EIO);
    CU_ASSERT(partial == 1);
    pl_frame_in_free(in);
    close(fds[0]);
}

/*
 * A reader that poll()s never reads past the frame it returns: two frames
 * sent at once, one read, and poll() must still see the second one in the
 * pipe. (A read-ahead hid it: a fork map waited for a reply it already had.)
 */
static void test_frame_in_leaves_next_frame_in_pipe(void)
{
    int fds[2];
    CU_ASSERT_EQUAL_FATAL(make_pipe(fds), 0);
    pl_frame_in *in = pl_frame_in_new();
    CU_ASSERT_FATAL(in != NULL);
    write_raw(fds[1], "\0\0\0\x03one\0\0\0\x03two", 14);
    expect_frame_in(in, fds[0], "one");
    struct pollfd p = {.fd = fds[0], .events = POLLIN};
    PL_EXPECT_EQ(poll(&p, 1, 0), 1);
    expect_frame_in(in, fds[0], "two");
    pl_frame_in_free(in);
    close(fds[0]);
    close(fds[1]);
}

/* A writer bounded by a deadline gives up when nobody reads. */
static void test_write_frame_until_gives_up(void)
{
    int fds[2];
    CU_ASSERT_EQUAL_FATAL(make_pipe(fds), 0);
    size_t len = 1024 * 1024; /* far more than a pipe holds */
    uint8_t *big = calloc(len, 1);
    CU_ASSERT_FATAL(big != NULL);
    int64_t t0 = pl_now_ns();
    PL_EXPECT_RC(pl_wire_write_frame_until(fds[1], big, len, pl_deadline_after_ms(100)), PL_ETIMEDOUT);
    CU_ASSERT(pl_now_ns() - t0 >= 100 * 1000000LL);
    /* A small frame into a pipe with room goes out whole. */
    int fds2[2];
    CU_ASSERT_EQUAL_FATAL(make_pipe(fds2), 0);
    PL_EXPECT_RC(pl_wire_write_frame_until(fds2[1], "abc", 3, 0), PL_OK);
    uint8_t *got = NULL;
    size_t got_len = 0;
    PL_EXPECT_RC(pl_wire_read_frame(fds2[0], &got, &got_len), PL_OK);
    CU_ASSERT(got_len == 3 && memcmp(got, "abc", 3) == 0);
    free(got);
    free(big);
    close(fds[0]);
    close(fds[1]);
    close(fds2[0]);
    close(fds2[1]);
}

static void test_frame_bad_arguments(void)
{
    uint8_t *got = NULL;
    size_t len = 0;
    PL_EXPECT_RC(pl_wire_write_frame(-1, "x", 1), PL_EINVAL);
    PL_EXPECT_RC(pl_wire_write_frame(1, NULL, 5), PL_EINVAL);
    PL_EXPECT_RC(pl_wire_read_frame(-1, &got, &len), PL_EINVAL);
    PL_EXPECT_RC(pl_wire_read_frame(0, NULL, &len), PL_EINVAL);
    PL_EXPECT_RC(pl_wire_read_frame(0, &got, NULL), PL_EINVAL);
    /* A closed descriptor is refused, not read from. */
    int fds[2];
    CU_ASSERT_EQUAL_FATAL(make_pipe(fds), 0);
    close(fds[0]);
    close(fds[1]);
    CU_ASSERT_NOT_EQUAL(pl_wire_read_frame(fds[0], &got, &len), PL_OK);
    CU_ASSERT_NOT_EQUAL(pl_wire_write_frame(fds[1], "x", 1), PL_OK);
}

/* Small frames from several writers on one pipe never interleave (one write() each). */
static void test_small_frames_atomic(void)
{
    enum { KIDS = 4, FRAMES = 200, SIZE = 1000 };
    int fds[2];
    CU_ASSERT_EQUAL_FATAL(make_pipe(fds), 0);
    pid_t kids[KIDS];
    for (int k = 0; k < KIDS; k++) {
        kids[k] = fork();
        CU_ASSERT_FATAL(kids[k] >= 0);
        if (kids[k] == 0) {
            close(fds[0]);
            uint8_t msg[SIZE];
            memset(msg, 'A' + k, sizeof msg);
            for (int f = 0; f < FRAMES; f++) {
                if (pl_wire_write_frame(fds[1], msg, sizeof msg) != PL_OK) {
                    _exit(1);
                }
            }
            _exit(0);
        }
    }
    close(fds[1]);
    int frames = 0, whole = 0;
    uint8_t *got;
    size_t len;
    while (pl_wire_read_frame(fds[0], &got, &len) == PL_OK) {
        frames++;
        int ok = len == SIZE;
        for (size_t i = 1; ok && i < len; i++) {
            ok = got[i] == got[0];
        }
        whole += ok;
        free(got);
    }
    CU_ASSERT_EQUAL(frames, KIDS * FRAMES);
    CU_ASSERT_EQUAL(whole, KIDS * FRAMES);
    for (int k = 0; k < KIDS; k++) {
        waitpid(kids[k], NULL, 0);
    }
    close(fds[0]);
}

static const pl_test_case frame_cases[] = {
    {"frame_round_trip", test_frame_round_trip},
    {"large_frame_from_child", test_large_frame_from_child},
    {"oversize_frame_refused", test_oversize_frame_refused},
    {"short_frames", test_short_frames},
    {"write_to_closed_pipe", test_write_to_closed_pipe},
    {"nonblocking_reader", test_nonblocking_reader},
    {"frame_in_resumes", test_frame_in_resumes},
    {"frame_in_leaves_next_frame_in_pipe", test_frame_in_leaves_next_frame_in_pipe},
    {"write_frame_until_gives_up", test_write_frame_until_gives_up},
    {"frame_bad_arguments", test_frame_bad_arguments},
    {"small_frames_atomic", test_small_frames_atomic},
    {NULL, NULL},
};

const pl_test_suite pl_suite_frames = {"common_frames", NULL, NULL, frame_cases};
