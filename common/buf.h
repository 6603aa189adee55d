/*
 * buf.h — a growable byte buffer with a ceiling.
 *
 * Every buffer that holds outside data has a ceiling:
 * growing a struct buf past `max` fails with -CORDON_ETOOBIG and leaves the
 * buffer as it was. The data is always NUL-terminated (the NUL is not counted
 * in len and does not count against max), so text can be used as a C string;
 * binary data may contain NULs of its own.
 *
 *	struct buf b;
 *	buf_init(&b, 1 << 20);
 *	if (buf_append(&b, p, n) < 0) goto out;
 *	...
 *	out: buf_release(&b);
 *
 * A buffer that was init'ed and never grown holds no memory; b.data is then
 * a pointer to a static empty string, so it is always safe to read.
 */
#ifndef CORDON_COMMON_BUF_H
#define CORDON_COMMON_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap; /* bytes allocated; 0 when data is the static empty string */
	size_t max; /* ceiling on len */
};

#define BUF_NOMAX ((size_t)-1 >> 1)

void buf_init(struct buf *b, size_t max);
void buf_release(struct buf *b);

/* Make room for `extra` more bytes (plus the NUL). */
int buf_grow(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Set len to n (n <= len) and re-terminate. */
void buf_truncate(struct buf *b, size_t n);

/*
 * Hand the data to the caller (malloc'd, NUL-terminated, even when empty;
 * NULL only on allocation failure) and reset the buffer. Optional out_len.
 */
char *buf_detach(struct buf *b, size_t *out_len);

#endif
