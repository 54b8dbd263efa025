/*
 * pl_value_impl.h - the layout of a pl_value, for the common module only.
 *
 * Everyone else sees pl_value as opaque (pl_value.h). pl_result needs the
 * layout because it carries its value inline: a separate pl_value block per
 * result cost 32 bytes of every result of a million-item map (issue 18).
 */
#ifndef PL_VALUE_IMPL_H
#define PL_VALUE_IMPL_H

#include <stdint.h>

#include "pl_value.h"

/*
 * 16 bytes. The length of a STR/BYTES payload is 32 bits, so a value holds
 * at most PL_VALUE_LOCAL_MAX bytes (the setters refuse more with
 * PL_EINVAL); only PL_VALUE_MAX_LEN (64 MiB) of them can travel anyway.
 */
struct pl_value {
    uint8_t type; /* pl_value_type */
    uint32_t len; /* STR/BYTES: payload bytes (the block has one more, a NUL) */
    union {
        int64_t i;
        double d;
        uint8_t *p; /* STR/BYTES: len bytes + a NUL */
    } u;
};

#define PL_VALUE_LOCAL_MAX ((size_t)UINT32_MAX - 1)

/* Drop v's content (free its block); v becomes NONE. */
void pl_value_clear(pl_value *v);

/*
 * Decode one value from buf[0..len) into v (its old content is freed);
 * *used gets the bytes read. On an error v is unchanged.
 */
int pl_value_decode_into(const uint8_t *buf, size_t len, pl_value *v, size_t *used);

#endif
