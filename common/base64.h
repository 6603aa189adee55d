/*
 * base64.h — RFC 4648 base64 (standard alphabet, padded), for binary bytes
 * carried in JSON (a WebFetch child's binary body to the supervisor).
 */
#ifndef CORDON_COMMON_BASE64_H
#define CORDON_COMMON_BASE64_H

#include <stddef.h>

#include "common/buf.h"

/* Append the encoding of p[0..n) to out. -CORDON_ETOOBIG or -CORDON_ENOMEM. */
int base64_encode(struct buf *out, const void *p, size_t n);

/*
 * Append the bytes of s[0..n) to out. Padding is required when the length
 * is not a multiple of 4; whitespace and any other character are an error:
 * -CORDON_EINVAL (out keeps what was decoded before), -CORDON_ETOOBIG,
 * -CORDON_ENOMEM.
 */
int base64_decode(struct buf *out, const char *s, size_t n);

#endif
