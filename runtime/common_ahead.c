/*
 * runtime/common_ahead.c - the one test behind "may this worker hold
 * chunks queued ahead" (pl_mpi_worth_ahead, pl_fork_worth_ahead): did the
 * items of its last reply run for less than a threshold? Its own module,
 * because it depends only on the codec (common/), while the rest of
 * common_map.c calls back into each backend.
 */
#include "paralab.h"
#include "pl_backend_common.h"
#include "pl_call.h"

int pl_map_reply_ran_under(const pl_reply_msg *reply, int64_t below_ns)
{
    int64_t first = 0, last = 0;
    for (size_t j = 0; reply != NULL && reply->results != NULL && j < reply->count; j++) {
        int64_t start = pl_result_start_ns(reply->results[j]); /* 0: never started (CANCELLED) */
        int64_t end = pl_result_end_ns(reply->results[j]);
        if (start > 0 && (first == 0 || start < first)) {
            first = start;
        }
        last = end > last ? end : last;
    }
    return first > 0 && last - first < below_ns;
}
