/*
 * gitindex.c — the flag bits of a git index file (see gitindex.h; the
 * format is git's Documentation/gitformat-index.txt).
 */
#include "runtime/sandbox/gitindex.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

#define ENTRY_FIXED 40 /* ctime, mtime, dev, ino, mode, uid, gid, size: ten 32-bit words */
#define FLAG_VALID 0x8000u
#define FLAG_EXTENDED 0x4000u
#define XFLAG_SKIP_WORKTREE 0x4000u

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static unsigned be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* git's offset varint (version 4): 7 bits per byte, each continuation adds one. */
static int varint(const unsigned char **p, const unsigned char *end, size_t *out)
{
	size_t v;
	unsigned char c;

	if (*p >= end)
		return -1;
	c = *(*p)++;
	v = c & 127;
	while (c & 128) {
		if (*p >= end || v > (SIZE_MAX >> 8))
			return -1;
		c = *(*p)++;
		v = ((v + 1) << 7) | (c & 127);
	}
	*out = v;
	return 0;
}

/*
 * Walk the entries with object ids of hashlen bytes. dry: only check that
 * the layout holds (every entry inside the buffer, paths terminated).
 */
static int walk(const unsigned char *data, size_t len, size_t hashlen, int dry,
		int (*on_entry)(void *, const char *, unsigned), void *ctx)
{
	const unsigned char *p = data + 12, *end = data + len;
	uint32_t version = be32(data + 4), n = be32(data + 8), i;
	char path[PATH_MAX];
	size_t plen = 0;

	for (i = 0; i < n; i++) {
		const unsigned char *start = p;
		unsigned flags, xflags = 0, bits = 0;

		if ((size_t)(end - p) < ENTRY_FIXED + hashlen + 2)
			return -1;
		p += ENTRY_FIXED + hashlen;
		flags = be16(p);
		p += 2;
		if (flags & FLAG_EXTENDED) {
			if (version < 3 || end - p < 2)
				return -1;
			xflags = be16(p);
			p += 2;
		}
		if (version == 4) {
			size_t strip, k;
			const unsigned char *nul;

			if (varint(&p, end, &strip) < 0 || strip > plen)
				return -1;
			nul = memchr(p, '\0', (size_t)(end - p));
			if (!nul)
				return -1;
			k = (size_t)(nul - p);
			if (plen - strip + k >= sizeof(path))
				return -1;
			memcpy(path + plen - strip, p, k);
			plen = plen - strip + k;
			path[plen] = '\0';
			p = nul + 1;
		} else {
			const unsigned char *nul = memchr(p, '\0', (size_t)(end - p));
			size_t k, entry;

			if (!nul)
				return -1;
			k = (size_t)(nul - p);
			if (k >= sizeof(path))
				return -1;
			memcpy(path, p, k);
			path[k] = '\0';
			/* 1 to 8 NULs pad the entry to a multiple of eight bytes. */
			entry = (size_t)(nul + 1 - start);
			entry = (entry + 7) & ~(size_t)7;
			if (entry > (size_t)(end - start))
				return -1;
			p = start + entry;
		}
		if (flags & FLAG_VALID)
			bits |= GITINDEX_ASSUME_UNCHANGED;
		if (xflags & XFLAG_SKIP_WORKTREE)
			bits |= GITINDEX_SKIP_WORKTREE;
		if (!dry && bits) {
			int r = on_entry(ctx, path, bits);

			if (r)
				return r;
		}
	}
	/* What follows the entries: extensions and the checksum, at least the checksum. */
	if ((size_t)(end - p) < hashlen)
		return -1;
	return (int)n;
}

int gitindex_flags(const void *data, size_t len,
		   int (*on_entry)(void *ctx, const char *path, unsigned bits), void *ctx)
{
	const unsigned char *d = data;
	uint32_t version;

	if (len < 12 || len > GITINDEX_MAX_BYTES || memcmp(d, "DIRC", 4))
		return -1;
	version = be32(d + 4);
	if (version < 2 || version > 4 || be32(d + 8) > (len - 12) / (ENTRY_FIXED + 20 + 2 + 1))
		return -1;
	/* SHA-1 first; a layout that does not hold with it is tried as SHA-256. */
	if (walk(d, len, 20, 1, on_entry, ctx) >= 0)
		return walk(d, len, 20, 0, on_entry, ctx);
	if (walk(d, len, 32, 1, on_entry, ctx) >= 0)
		return walk(d, len, 32, 0, on_entry, ctx);
	return -1;
}
