/*
 * fsops.h — file operations of the file tools, on fds from tools/pathres.h.
 *
 *  - fs_read_all(): read an open file with a ceiling (every buffer has one);
 *  - fs_replace(): the only way Write and Edit change a file. A temp file
 *    in the same directory (O_CREAT|O_EXCL|O_NOFOLLOW), written, chmod'ed
 *    (setuid/setgid/sticky never set), fsync'ed, then renamed over the name
 *    and the directory fsync'ed: a reader sees the old or the new file,
 *    never half of one; the old inode is never written through, so a
 *    symlink or hard link at the name cannot redirect the write;
 *  - the read-state rules (docs/tools.md, "Write") on the entry the
 *    supervisor passes in the request's "state" (see readstate_check()).
 */
#ifndef CORDON_TOOLS_FSOPS_H
#define CORDON_TOOLS_FSOPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <jansson.h>

#include "common/buf.h"

/* Read fd from its current position to EOF; -CORDON_ETOOBIG past max. */
int fs_read_all(int fd, size_t max, struct buf *out);

/*
 * Atomically replace `name` in dirfd with data[0..n), permission bits
 * mode & 0777. *out_st (may be NULL) gets the new file's stat.
 */
int fs_replace(int dirfd, const char *name, const void *data, size_t n, mode_t mode, struct stat *out_st);

/* st_mtim in whole milliseconds (floored), as the reference keeps it. */
long long fs_mtime_ms(const struct stat *st);

enum readstate_verdict {
	READSTATE_OK,
	READSTATE_NOT_READ,  /* no entry, or a partial view */
	READSTATE_MODIFIED,  /* changed since, and not provably the same */
};

/*
 * Judge a write to the open file fd (current stat *st) against `entry`
 * (the request's state.read, or NULL). The file is only read (pread, from
 * 0) when it changed on disk and the content must be compared.
 */
enum readstate_verdict readstate_check(const json_t *entry, const struct stat *st, int fd);

/* FNV-1a hash of all of fd (pread from 0); -CORDON_ESYS on a read error. */
int fs_hash_fd(int fd, uint64_t *out);

/*
 * A read-state entry for the supervisor: {"path", "mtime_ms", "dev", "ino",
 * "size", "hash" (hex, or null when the whole file was not seen), "offset",
 * "limit" (numbers or null), "partial", "from" ("read" | "write")}.
 */
json_t *readstate_entry(const char *abs, const struct stat *st, bool have_hash, uint64_t hash,
			long long offset, long long limit, bool partial, const char *from);

#define READSTATE_NOT_READ_MSG "File has not been read yet. Read it first before writing to it."
#define READSTATE_MODIFIED_MSG                                                                 \
	"File has been modified since read, either by the user or by a linter. Read it again " \
	"before attempting to write it."

#endif
