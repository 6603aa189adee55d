#include "common/fileio.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int fd_read_all(int fd, struct buf *out)
{
	char tmp[65536];
	ssize_t n;
	int r;

	for (;;) {
		n = read(fd, tmp, sizeof(tmp));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -CORDON_ESYS;
		}
		if (n == 0)
			return 0;
		r = buf_append(out, tmp, (size_t)n);
		if (r < 0)
			return r;
	}
}

int fd_read_exact(int fd, void *p, size_t n)
{
	char *c = p;
	ssize_t r;

	while (n) {
		r = read(fd, c, n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -CORDON_ESYS;
		}
		if (r == 0)
			return -CORDON_EPROTO;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

int fd_write_all(int fd, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;

	while (n) {
		w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -CORDON_ESYS;
		}
		if (w == 0) { /* never for n > 0 on pipes and files; do not spin */
			errno = EIO;
			return -CORDON_ESYS;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int file_read_capped(int dirfd, const char *path, size_t max, struct buf *out)
{
	struct stat st;
	size_t saved_max;
	int fd, r;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? -CORDON_ENOTFOUND : -CORDON_ESYS;
	if (fstat(fd, &st) < 0) {
		r = -CORDON_ESYS;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		r = -CORDON_EINVAL;
		goto out;
	}
	if ((size_t)st.st_size > max) {
		r = -CORDON_ETOOBIG;
		goto out;
	}
	/* The file may grow after fstat: cap the read itself too. */
	saved_max = out->max;
	if (max < out->max - out->len)
		out->max = out->len + max;
	r = fd_read_all(fd, out);
	out->max = saved_max;
out:
	close_keep_errno(fd);
	return r;
}

void close_keep_errno(int fd)
{
	int saved = errno;

	if (fd >= 0)
		close(fd);
	errno = saved;
}
