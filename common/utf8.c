#include "common/utf8.h"
#include "common/fileio.h"

#include <unistd.h>

size_t utf8_seqlen(const unsigned char *s, size_t n)
{
	unsigned c;

	if (!n)
		return 0;
	c = s[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (n >= 2 && (s[1] & 0xc0) == 0x80) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		unsigned lo = c == 0xe0 ? 0xa0 : 0x80;
		unsigned hi = c == 0xed ? 0x9f : 0xbf;
		if (n < 3 || s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80)
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		unsigned lo = c == 0xf0 ? 0x90 : 0x80;
		unsigned hi = c == 0xf4 ? 0x8f : 0xbf;
		if (n < 4 || s[1] < lo || s[1] > hi || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		return 4;
	}
	return 0;
}

bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_seqlen(p + i, n - i);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

/*
 * Bytes at s that start a well-formed sequence but end before it is whole
 * (at least 1): the "maximal subpart" Unicode (and so Node's decoder, and
 * Python's) replaces with a single U+FFFD. s[0] does not start a valid
 * sequence.
 */
static size_t bad_subpart(const unsigned char *s, size_t n)
{
	unsigned c = s[0], lo = 0x80, hi = 0xbf;
	size_t need, k;

	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4;
	else
		return 1;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	for (k = 1; k < need && k < n; k++) {
		if (s[k] < lo || s[k] > hi)
			break;
		lo = 0x80;
		hi = 0xbf;
	}
	return k;
}

int utf8_sanitize(struct buf *out, const char *s, size_t n)
{
	static const char repl[] = "\xef\xbf\xbd";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, k;
	int r;

	while (i < n) {
		k = p[i] < 0x80 ? 1 : utf8_seqlen(p + i, n - i);
		if (k) {
			i += k;
			continue;
		}
		r = buf_append(out, s + run, i - run);
		if (r < 0)
			return r;
		r = buf_append(out, repl, 3);
		if (r < 0)
			return r;
		i += bad_subpart(p + i, n - i);
		run = i;
	}
	return buf_append(out, s + run, n - run);
}

size_t utf8_strlen(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, count = 0, k;

	while (i < n) {
		k = utf8_seqlen(p + i, n - i);
		i += k ? k : 1;
		count++;
	}
	return count;
}

size_t utf8_cut(const char *s, size_t n, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t k;

	if (max >= n)
		return n;
	k = max;
	/* Back up over continuation bytes, at most three. */
	while (k > 0 && max - k < 3 && (p[k] & 0xc0) == 0x80)
		k--;
	if ((p[k] & 0xc0) == 0x80)
		return max; /* not UTF-8 here anyway */
	return k;
}

int utf8_put(struct buf *out, unsigned cp)
{
	char w[4];
	size_t k;

	if (cp < 0x80) {
		w[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		w[0] = (char)(0xc0 | cp >> 6);
		w[1] = (char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		w[0] = (char)(0xe0 | cp >> 12);
		w[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		w[2] = (char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		w[0] = (char)(0xf0 | cp >> 18);
		w[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		w[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		w[3] = (char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	return buf_append(out, w, k);
}

int utf16_to_utf8(struct buf *out, const void *p, size_t n, bool big_endian, bool mark_odd_byte)
{
	const unsigned char *u = p;
	size_t i;
	int r = 0;

	for (i = 0; i + 1 < n && r == 0; i += 2) {
		unsigned cp = big_endian ? (unsigned)u[i] << 8 | u[i + 1] : u[i] | (unsigned)u[i + 1] << 8;

		if (cp >= 0xd800 && cp < 0xdc00 && i + 3 < n) {
			unsigned lo = big_endian ? (unsigned)u[i + 2] << 8 | u[i + 3] : u[i + 2] | (unsigned)u[i + 3] << 8;

			if (lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 2;
			} else {
				cp = 0xfffd;
			}
		} else if (cp >= 0xd800 && cp < 0xe000) {
			cp = 0xfffd;
		}
		r = utf8_put(out, cp);
	}
	if (r == 0 && i < n && mark_odd_byte)
		r = utf8_put(out, 0xfffd);
	return r;
}

int utf8_sanitize_tty(struct buf *out, const char *s, size_t n)
{
	size_t i = 0, k;
	int rc = 0;

	while (i < n && rc == 0) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\n' || c == '\t') {
			rc = buf_putc(out, (char)c);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			rc = buf_puts(out, "\xef\xbf\xbd");
			i++;
		} else if (c < 0x80) {
			rc = buf_putc(out, (char)c);
			i++;
		} else {
			k = utf8_seqlen((const unsigned char *)s + i, n - i);
			/* C1 controls (U+0080..U+009F) are terminal commands too (CSI as 0x9b). */
			if (!k || (k == 2 && c == 0xc2 && (unsigned char)s[i + 1] < 0xa0)) {
				rc = buf_puts(out, "\xef\xbf\xbd");
				i += k ? k : 1;
			} else {
				rc = buf_append(out, s + i, k);
				i += k;
			}
		}
	}
	return rc;
}

int utf8_write_for_tty(int fd, const char *s, size_t n)
{
	struct buf b;
	int r;

	if (!isatty(fd))
		return fd_write_all(fd, s, n);
	buf_init(&b, BUF_NOMAX);
	r = utf8_sanitize_tty(&b, s, n);
	if (r == 0)
		r = fd_write_all(fd, b.data, b.len);
	buf_release(&b);
	return r;
}
