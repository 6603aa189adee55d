/*
 * utf8.h — UTF-8 validation and repair.
 *
 * Text that crosses a trust boundary (child output, file contents shown to
 * the model, API replies) is checked here before it is put in JSON: jansson
 * refuses invalid UTF-8, and a model must never get corrupted text.
 * Validation follows RFC 3629: no overlongs, no surrogates, nothing above
 * U+10FFFF.
 */
#ifndef CORDON_COMMON_UTF8_H
#define CORDON_COMMON_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

/*
 * Length of the valid UTF-8 sequence at s (1..4), or 0 when the bytes at s
 * do not start a valid sequence within n bytes.
 */
size_t utf8_seqlen(const unsigned char *s, size_t n);

/* Whether all n bytes are valid UTF-8. NUL bytes are valid. */
bool utf8_valid(const char *s, size_t n);

/*
 * Append s[0..n) to out with invalid UTF-8 replaced by U+FFFD, one per
 * maximal subpart (a lead byte and the continuation bytes that still fit
 * it: "\xe2\x82" is one, "\xed\xa0\x80" three), as Node and Python
 * decode; NULs and other control bytes are kept. Fails only with
 * -CORDON_ETOOBIG or -CORDON_ENOMEM.
 */
int utf8_sanitize(struct buf *out, const char *s, size_t n);

/*
 * Text for a terminal: append s to out with every control character
 * (C0 but newline and tab, DEL, and the C1 range U+0080..U+009F, which
 * terminals take as ESC [ ...) and every invalid byte replaced by U+FFFD.
 * Escape sequences (OSC 52 clipboard writes, window titles, cursor moves,
 * erase) then reach the terminal as visible text, never as commands.
 */
int utf8_sanitize_tty(struct buf *out, const char *s, size_t n);

/*
 * Write n bytes of s to fd, made safe for a terminal first
 * (utf8_sanitize_tty()) when fd is one; unchanged otherwise (a pipe or a
 * file gets the bytes as they are). 0, or -CORDON_ESYS / -CORDON_ENOMEM.
 */
int utf8_write_for_tty(int fd, const char *s, size_t n);

/* Number of code points in valid UTF-8 (invalid bytes count one each). */
size_t utf8_strlen(const char *s, size_t n);

/*
 * Largest k <= max such that s[0..k) does not end inside a multi-byte
 * sequence: for cutting text at a byte limit without splitting a character.
 */
size_t utf8_cut(const char *s, size_t n, size_t max);

/* Append code point cp (at most U+10FFFF) as UTF-8. -CORDON_ETOOBIG, -CORDON_ENOMEM. */
int utf8_put(struct buf *out, unsigned cp);

/*
 * Append n bytes of UTF-16 (no byte order mark; big_endian or little) as
 * UTF-8: surrogate pairs joined, a lone surrogate becomes U+FFFD. An odd
 * last byte is dropped, or becomes U+FFFD with mark_odd_byte (ripgrep's
 * decoder does that; Node's drops it).
 */
int utf16_to_utf8(struct buf *out, const void *p, size_t n, bool big_endian, bool mark_odd_byte);

#endif
