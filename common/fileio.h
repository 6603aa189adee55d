/*
 * fileio.h — small, careful file helpers shared by every side.
 *
 * These never follow the model's wishes on their own: callers that act for
 * the model run in a tool child and resolve paths beneath a root first
 * (tools/pathres.h). Here are the primitives: read with a ceiling, write all,
 * close without losing errno.
 */
#ifndef CORDON_COMMON_FILEIO_H
#define CORDON_COMMON_FILEIO_H

#include <stddef.h>
#include <sys/types.h>

#include "common/buf.h"

/*
 * Read fd to EOF into out (appending). Fails with -CORDON_ETOOBIG when more
 * than out->max bytes would be held, -CORDON_ESYS on a read error (errno).
 * EINTR is retried.
 */
int fd_read_all(int fd, struct buf *out);

/*
 * Read exactly n bytes into p, retrying EINTR and short reads. -CORDON_ESYS
 * on a read error (errno), -CORDON_EPROTO when EOF comes first.
 */
int fd_read_exact(int fd, void *p, size_t n);

/* Write all n bytes to fd, retrying EINTR and short writes. -CORDON_ESYS. */
int fd_write_all(int fd, const void *p, size_t n);

/*
 * Open path (relative to dirfd, or AT_FDCWD) read-only with O_NOFOLLOW on the
 * last component, require a regular file no larger than max, and read it.
 * For cordon's own configuration (agent files, settings), not model input.
 */
int file_read_capped(int dirfd, const char *path, size_t max, struct buf *out);

/* close() that keeps errno; accepts -1. */
void close_keep_errno(int fd);

#endif
