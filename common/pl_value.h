/*
 * pl_value.h - a small owned, tagged value: a task's argument or its answer.
 *
 * Why not a void*? Because a value must be able to leave the process: a
 * forked child sends its answer through a pipe, an MPI rank through a
 * message. A pointer means nothing in another address space, so a value owns
 * its bytes and knows how to encode itself (see pl_value_encode).
 *
 * Ownership: every pl_value_new* / pl_value_copy / pl_value_decode result is
 * freed with pl_value_free (which accepts NULL). Setters replace the old
 * content and free it.
 */
#ifndef PL_VALUE_H
#define PL_VALUE_H

#include <stddef.h>
#include <stdint.h>

typedef enum pl_value_type {
    PL_VAL_NONE = 0, /* no value (a fresh value, or a task that returns nothing) */
    PL_VAL_INT,      /* int64_t */
    PL_VAL_DOUBLE,   /* double */
    PL_VAL_STR,      /* NUL-terminated text (no embedded NUL) */
    PL_VAL_BYTES     /* arbitrary bytes with a length */
} pl_value_type;

typedef struct pl_value pl_value;

/* Constructors return NULL only when out of memory (or str == NULL). */
pl_value *pl_value_new(void);
pl_value *pl_value_new_int(int64_t v);
pl_value *pl_value_new_double(double v);
pl_value *pl_value_new_str(const char *s);
pl_value *pl_value_new_bytes(const void *data, size_t len);
pl_value *pl_value_copy(const pl_value *v);
void pl_value_free(pl_value *v);

/* PL_VAL_NONE for NULL. */
pl_value_type pl_value_type_of(const pl_value *v);
const char *pl_value_type_name(pl_value_type t);

/* Getters return PL_EINVAL when v is NULL or of another type. */
int pl_value_get_int(const pl_value *v, int64_t *out);
int pl_value_get_double(const pl_value *v, double *out);
/* NULL unless v is a string. The pointer lives as long as v is unchanged. */
const char *pl_value_str(const pl_value *v);
/* NULL unless v is bytes; *len gets the length. */
const void *pl_value_bytes(const pl_value *v, size_t *len);

/* Setters: PL_OK, PL_EINVAL (NULL; a STR/BYTES of 4 GiB or more) or PL_ENOMEM. */
int pl_value_set_none(pl_value *v);
int pl_value_set_int(pl_value *v, int64_t x);
int pl_value_set_double(pl_value *v, double x);
int pl_value_set_str(pl_value *v, const char *s);
int pl_value_set_bytes(pl_value *v, const void *data, size_t len);
/* Move src's content into dst (src becomes NONE). Both must be non-NULL. */
int pl_value_move(pl_value *dst, pl_value *src);

/* 1 when equal in type and content (two NULLs are equal), else 0. */
int pl_value_equal(const pl_value *a, const pl_value *b);

/*
 * Human-readable form for printing ("42", "3.5", "\"text\"", "<5 bytes>",
 * "None"); always NUL-terminates when cap > 0, truncating if needed.
 * Returns the length it wanted (like snprintf) or PL_EINVAL.
 */
int pl_value_format(const pl_value *v, char *buf, size_t cap);

/*
 * Wire encoding: 1 type byte, then for INT a big-endian 8-byte two's
 * complement, for DOUBLE the IEEE-754 bits big-endian, for STR/BYTES a
 * big-endian 4-byte length and the bytes. Fixed endianness so a value can
 * cross between machines of an MPI cluster.
 *
 * pl_value_encode appends to a growable buffer (see pl_wire.h) so that a
 * result can encode several values one after another.
 * pl_value_decode reads one value from buf[0..len) and says how many bytes
 * it used; a short or corrupt buffer gives PL_EWIRE, never a crash.
 */
struct pl_buf;
int pl_value_encode(const pl_value *v, struct pl_buf *out);
int pl_value_decode(const uint8_t *buf, size_t len, pl_value **out, size_t *used);

/* Upper bound on one encoded STR/BYTES payload, to refuse absurd lengths. */
#define PL_VALUE_MAX_LEN ((size_t)64 * 1024 * 1024)

/*
 * Bytes v's wire encoding takes (0 for NULL), and whether it can be
 * encoded at all: a STR/BYTES payload of at most PL_VALUE_MAX_LEN. The
 * backends check arguments with these BEFORE any work starts (a map whose
 * 6th item is too big is rejected, not half run) and results before they
 * travel (too big: FAILED with the sizes, not a dead worker).
 */
size_t pl_value_wire_size(const pl_value *v);
int pl_value_fits_wire(const pl_value *v);

#endif
