/* fsops.c — reads with a ceiling, atomic replace, read-state rules. */
#include "tools/fsops.h"
#include "tools/textfile.h"
#include "common/error.h"
#include "common/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

int fs_read_all(int fd, size_t max, struct buf *out)
{
	size_t limit = out->len + max < out->len || out->len + max > out->max ? out->max : out->len + max;
	size_t want;
	ssize_t n;
	int rc;

	/* Straight into the buffer, in big reads: an Edit of a 100 MB file
	 * is bound by this loop. */
	for (;;) {
		if (out->cap <= out->len + 1 || out->cap - out->len - 1 < 65536) {
			if (out->len >= limit) {
				char probe;

				do
					n = read(fd, &probe, 1);
				while (n < 0 && errno == EINTR);
				if (n < 0)
					return -CORDON_ESYS;
				return n ? -CORDON_ETOOBIG : 0;
			}
			rc = buf_grow(out, limit - out->len < 65536 ? limit - out->len : 65536);
			if (rc < 0)
				return rc;
		}
		want = out->cap - out->len - 1;
		if (want > limit - out->len)
			want = limit - out->len;
		if (want > (8u << 20))
			want = 8u << 20;
		if (!want) {
			char probe;

			do
				n = read(fd, &probe, 1);
			while (n < 0 && errno == EINTR);
			if (n < 0)
				return -CORDON_ESYS;
			return n ? -CORDON_ETOOBIG : 0;
		}
		n = read(fd, out->data + out->len, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -CORDON_ESYS;
		if (n == 0)
			return 0;
		out->len += (size_t)n;
		out->data[out->len] = 0;
	}
}

int fs_replace(int dirfd, const char *name, const void *data, size_t n, mode_t mode, struct stat *out_st)
{
	char tmp[64];
	unsigned char rnd[8];
	int fd = -1, rc = -CORDON_ESYS, tries, e;

	for (tries = 0; tries < 16; tries++) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return -CORDON_ESYS;
		snprintf(tmp, sizeof(tmp), ".cordon-tmp-%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
			 rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
		/* O_EXCL|O_NOFOLLOW: a name planted in the meantime (file or
		 * symlink) makes this fail instead of writing through it. */
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0)
		return -CORDON_ESYS;
	if (fd_write_all(fd, data, n) < 0)
		goto fail;
	/* Never setuid/setgid/sticky: a model must not mint privileged
	 * binaries for the user (sandbox.md FS17). */
	if (fchmod(fd, mode & 0777) < 0)
		goto fail;
	if (fsync(fd) < 0)
		goto fail;
	if (out_st && fstat(fd, out_st) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	/* Same directory, so the rename is atomic; it replaces the directory
	 * entry and never opens what was there. */
	if (renameat2(dirfd, tmp, dirfd, name, 0) < 0)
		goto fail;
	if (fsync(dirfd) < 0 && errno != EINVAL && errno != EBADF)
		return -CORDON_ESYS; /* renamed already: report, nothing to undo */
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	errno = e;
	return rc;
}

long long fs_mtime_ms(const struct stat *st)
{
	return (long long)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
}

static long long num(const json_t *o, const char *k, long long dflt)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

int fs_hash_fd(int fd, uint64_t *out)
{
	char chunk[65536];
	struct text_hasher th;
	off_t off = 0;
	ssize_t n;

	text_hasher_init(&th);
	for (;;) {
		n = pread(fd, chunk, sizeof(chunk), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -CORDON_ESYS;
		if (n == 0)
			break;
		text_hasher_update(&th, chunk, (size_t)n);
		off += n;
	}
	*out = text_hasher_final(&th);
	return 0;
}

enum readstate_verdict readstate_check(const json_t *entry, const struct stat *st, int fd)
{
	uint64_t h;
	const char *hash;
	char cur[17];
	bool changed, full;

	if (!json_is_object(entry) || json_is_true(json_object_get(entry, "partial")))
		return READSTATE_NOT_READ;
	changed = fs_mtime_ms(st) > num(entry, "mtime_ms", 0) ||
		  (unsigned long long)num(entry, "ino", -1) != (unsigned long long)st->st_ino ||
		  (unsigned long long)num(entry, "dev", -1) != (unsigned long long)st->st_dev ||
		  num(entry, "size", -1) != (long long)st->st_size;
	if (!changed)
		return READSTATE_OK;
	/* Changed on disk since: still fine when the model saw the whole
	 * file and the bytes are the same (a touch, a no-op formatter). */
	full = num(entry, "offset", 1) <= 1 && !json_is_integer(json_object_get(entry, "limit"));
	hash = json_string_value(json_object_get(entry, "hash"));
	if (!full || !hash || fs_hash_fd(fd, &h) < 0)
		return READSTATE_MODIFIED;
	snprintf(cur, sizeof(cur), "%016" PRIx64, h);
	if (!strcmp(hash, cur))
		return READSTATE_OK;
	return READSTATE_MODIFIED;
}

json_t *readstate_entry(const char *abs, const struct stat *st, bool have_hash, uint64_t hash,
			long long offset, long long limit, bool partial, const char *from)
{
	char h[17];

	snprintf(h, sizeof(h), "%016" PRIx64, hash);
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:b, s:s}", "path", abs,
			 "mtime_ms", (json_int_t)fs_mtime_ms(st), "dev", (json_int_t)st->st_dev,
			 "ino", (json_int_t)st->st_ino, "size", (json_int_t)st->st_size,
			 "hash", have_hash ? json_string(h) : json_null(),
			 "offset", offset >= 0 ? json_integer(offset) : json_null(),
			 "limit", limit >= 0 ? json_integer(limit) : json_null(),
			 "partial", partial, "from", from);
}
