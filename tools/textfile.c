/* textfile.c — encodings, line endings and small text helpers. */
#include "tools/textfile.h"
#include "common/error.h"
#include "common/utf8.h"

#include <stdio.h>
#include <string.h>

enum text_enc text_detect(const char *raw, size_t n)
{
	const unsigned char *u = (const unsigned char *)raw;

	if (n >= 2 && u[0] == 0xff && u[1] == 0xfe)
		return TEXT_UTF16LE;
	if (n >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)
		return TEXT_UTF8_BOM;
	return TEXT_UTF8;
}

int text_decode(struct buf *out, const char *raw, size_t n, enum text_enc enc)
{
	if (enc == TEXT_UTF8)
		return buf_append(out, raw, n);
	if (enc == TEXT_UTF8_BOM)
		return buf_append(out, raw + 3, n - 3);
	/* After the BOM; an odd last byte is dropped, as Node decodes it. */
	return utf16_to_utf8(out, raw + 2, n - 2, false, false);
}

int text_encode(struct buf *out, const char *utf8, size_t n, enum text_enc enc)
{
	const unsigned char *u = (const unsigned char *)utf8;
	size_t i = 0, k;
	int rc;

	if (enc == TEXT_UTF8)
		return buf_append(out, utf8, n);
	if (enc == TEXT_UTF8_BOM) {
		rc = buf_append(out, "\xef\xbb\xbf", 3);
		return rc < 0 ? rc : buf_append(out, utf8, n);
	}
	rc = buf_append(out, "\xff\xfe", 2);
	while (rc == 0 && i < n) {
		unsigned cp;
		char w[4];

		k = utf8_seqlen(u + i, n - i);
		if (!k) {
			cp = 0xfffd;
			k = 1;
		} else if (k == 1) {
			cp = u[i];
		} else if (k == 2) {
			cp = (u[i] & 0x1fu) << 6 | (u[i + 1] & 0x3fu);
		} else if (k == 3) {
			cp = (u[i] & 0x0fu) << 12 | (u[i + 1] & 0x3fu) << 6 | (u[i + 2] & 0x3fu);
		} else {
			cp = (u[i] & 0x07u) << 18 | (u[i + 1] & 0x3fu) << 12 | (u[i + 2] & 0x3fu) << 6 |
			     (u[i + 3] & 0x3fu);
		}
		i += k;
		if (cp >= 0x10000) {
			unsigned hi = 0xd800 + ((cp - 0x10000) >> 10), lo = 0xdc00 + ((cp - 0x10000) & 0x3ff);

			w[0] = (char)(hi & 0xff);
			w[1] = (char)(hi >> 8);
			w[2] = (char)(lo & 0xff);
			w[3] = (char)(lo >> 8);
			rc = buf_append(out, w, 4);
		} else {
			w[0] = (char)(cp & 0xff);
			w[1] = (char)(cp >> 8);
			rc = buf_append(out, w, 2);
		}
	}
	return rc;
}

bool text_is_crlf(const char *s, size_t n)
{
	size_t crlf = 0, lf = 0, i;
	const char *p = s, *end = s + n;

	if (!memchr(s, '\r', n))
		return false; /* the common case, in one fast pass */

	while ((p = memchr(p, '\n', (size_t)(end - p)))) {
		i = (size_t)(p - s);
		if (i > 0 && s[i - 1] == '\r')
			crlf++;
		else
			lf++;
		p++;
	}
	return crlf > lf;
}

size_t text_crlf_to_lf(char *s, size_t n)
{
	size_t r = 0, w = 0;
	char *p;

	/* memchr-driven so a 100 MB file is a few memmoves, not a byte loop. */
	while (r < n) {
		p = memchr(s + r, '\r', n - r);
		if (!p) {
			if (w != r)
				memmove(s + w, s + r, n - r);
			w += n - r;
			break;
		}
		size_t seg = (size_t)(p - (s + r));

		if (w != r)
			memmove(s + w, s + r, seg);
		w += seg;
		r += seg;
		if (r + 1 < n && s[r + 1] == '\n') {
			r++; /* drop the CR, keep the LF for the next segment */
		} else {
			s[w++] = '\r';
			r++;
		}
	}
	return w;
}

int text_lf_to_crlf(struct buf *out, const char *s, size_t n)
{
	const char *p = s, *end = s + n, *nl;
	int rc;

	while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
		rc = buf_append(out, p, (size_t)(nl - p));
		if (rc == 0)
			rc = buf_append(out, "\r\n", 2);
		if (rc < 0)
			return rc;
		p = nl + 1;
	}
	return buf_append(out, p, (size_t)(end - p));
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int text_strip_trailing_ws(struct buf *out, const char *s, size_t n)
{
	const char *p = s, *end = s + n, *nl, *e;
	int rc;

	for (;;) {
		nl = memchr(p, '\n', (size_t)(end - p));
		e = nl ? nl : end;
		while (e > p && blank(e[-1]))
			e--;
		rc = buf_append(out, p, (size_t)(e - p));
		if (rc < 0)
			return rc;
		if (!nl)
			return 0;
		rc = buf_putc(out, '\n');
		if (rc < 0)
			return rc;
		p = nl + 1;
	}
}

bool text_is_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!blank(s[i]) && s[i] != '\n')
			return false;
	return true;
}

static uint64_t mix(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0x100000001b3ull;
	return h ^ (h >> 29);
}

void text_hasher_init(struct text_hasher *th)
{
	th->h = 0xcbf29ce484222325ull;
	th->ntail = 0;
}

/* FNV-1a-style over 64-bit words: 8x fewer rounds than byte-wise FNV,
 * which matters for a 100 MB Edit. The carry makes the result independent
 * of how the bytes were split into calls. */
void text_hasher_update(struct text_hasher *th, const void *p, size_t n)
{
	const unsigned char *u = p;
	uint64_t w;

	while (n && th->ntail) {
		th->tail[th->ntail++] = *u++;
		n--;
		if (th->ntail == 8) {
			memcpy(&w, th->tail, 8);
			th->h = mix(th->h, w);
			th->ntail = 0;
		}
	}
	for (; n >= 8; u += 8, n -= 8) {
		memcpy(&w, u, 8);
		th->h = mix(th->h, w);
	}
	memcpy(th->tail + th->ntail, u, n);
	th->ntail += n;
}

uint64_t text_hasher_final(const struct text_hasher *th)
{
	uint64_t h = th->h;
	size_t i;

	for (i = 0; i < th->ntail; i++)
		h = mix(h, th->tail[i]);
	return mix(h, th->ntail);
}

uint64_t text_hash(const void *p, size_t n)
{
	struct text_hasher th;

	text_hasher_init(&th);
	text_hasher_update(&th, p, n);
	return text_hasher_final(&th);
}

void text_format_size(char *out, size_t size, uint64_t bytes)
{
	static const char *const units[] = { "KB", "MB", "GB", "TB" };
	double v = (double)bytes;
	int u = -1;

	if (bytes < 1024) {
		snprintf(out, size, "%llu bytes", (unsigned long long)bytes);
		return;
	}
	do {
		v /= 1024;
		u++;
	} while (v >= 1024 && u < 3);
	snprintf(out, size, "%.1f", v);
	if (strlen(out) > 2 && !strcmp(out + strlen(out) - 2, ".0"))
		out[strlen(out) - 2] = 0;
	snprintf(out + strlen(out), size - strlen(out), "%s", units[u]);
}

size_t text_chars(const char *s, size_t n)
{
	return utf8_strlen(s, n);
}
