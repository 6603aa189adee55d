/*
 * textfile.h — text helpers shared by Read, Write and Edit (pure, no I/O).
 *
 * Files are bytes. Read shows them as UTF-8 text; Edit changes them and
 * must give back every byte it did not mean to change. So:
 *  - encodings: UTF-8 (with or without BOM) and UTF-16LE (BOM FF FE) are
 *    decoded to UTF-8 for matching and encoded back on write; anything else
 *    is treated as UTF-8 bytes (invalid sequences kept as they are by Edit,
 *    shown as U+FFFD by Read);
 *  - line endings: a file is "CRLF" when it has more CRLF than bare LF
 *    endings (as the reference decides); Edit works on LF and restores CRLF.
 * All functions append to a capped struct buf and fail with its errors.
 */
#ifndef CORDON_TOOLS_TEXTFILE_H
#define CORDON_TOOLS_TEXTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

enum text_enc {
	TEXT_UTF8,
	TEXT_UTF8_BOM,
	TEXT_UTF16LE, /* with its BOM */
};

/* The encoding of raw file bytes, from the BOM. */
enum text_enc text_detect(const char *raw, size_t n);

/* Append raw bytes decoded to UTF-8 (BOM dropped; UTF-16 converted, bad
 * surrogates as U+FFFD). */
int text_decode(struct buf *out, const char *raw, size_t n, enum text_enc enc);

/* Append UTF-8 text encoded as enc (BOM written for the BOM encodings). */
int text_encode(struct buf *out, const char *utf8, size_t n, enum text_enc enc);

/* More "\r\n" than bare "\n" line endings. */
bool text_is_crlf(const char *s, size_t n);

/* Turn every "\r\n" into "\n" in place; returns the new length. */
size_t text_crlf_to_lf(char *s, size_t n);

/* Append s with every "\n" written as "\r\n". */
int text_lf_to_crlf(struct buf *out, const char *s, size_t n);

/* Append s with trailing blanks (space, tab, CR, VT, FF) cut from each line. */
int text_strip_trailing_ws(struct buf *out, const char *s, size_t n);

/* Whether s is empty or only ASCII whitespace. */
bool text_is_blank(const char *s, size_t n);

/*
 * A 64-bit FNV-1a-style hash (word at a time) of bytes, for "is the content
 * still what was read". It is a freshness check, not an integrity one:
 * dev/ino/size/mtime are compared too, and nothing security-relevant rests
 * on it. Streaming and one-shot give the same value for the same bytes.
 */
struct text_hasher {
	uint64_t h;
	unsigned char tail[8];
	size_t ntail;
};

void text_hasher_init(struct text_hasher *th);
void text_hasher_update(struct text_hasher *th, const void *p, size_t n);
uint64_t text_hasher_final(const struct text_hasher *th);
uint64_t text_hash(const void *p, size_t n);

/* The reference's size form: "512 bytes", "293KB", "223.5KB", "1.2MB", "1GB". */
void text_format_size(char *out, size_t size, uint64_t bytes);

/* Number of code points (invalid bytes count one each). */
size_t text_chars(const char *s, size_t n);

#endif
