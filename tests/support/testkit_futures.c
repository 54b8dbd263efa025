/*
 * testkit_futures.c - the testkit helper that needs a backend's futures.
 *
 * A file of its own: the testkit is a static library, so only test binaries
 * that call this pull in pl_future_start; lab 00's binaries, which link no
 * backend, keep linking.
 */
#include "testkit.h"

pl_future *pl_test_start_int(const char *task, int64_t arg)
{
    pl_value *v = pl_value_new_int(arg);
    pl_future *f = NULL;
    PL_EXPECT_RC(pl_future_start(task, v, &f), PL_OK);
    pl_value_free(v);
    return f;
}
