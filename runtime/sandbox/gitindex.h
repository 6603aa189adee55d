/*
 * gitindex.h — the assume-unchanged and skip-worktree bits of a git index
 * file, read without git (supervisor side; sentinel.h uses it).
 *
 *	gitindex_flags(data, len, on_entry, ctx);
 *
 * A parser of outside bytes (a command in the sandbox may write the index):
 * every length is checked against the buffer, nothing is trusted. Index
 * versions 2, 3 and 4 (path prefix compression), SHA-1 and SHA-256 object
 * ids (the entry layout must account for the whole entry table with one or
 * the other). Only the flags are read: no object, no extension, no
 * checksum (a reporting aid, not an integrity check).
 */
#ifndef CORDON_RUNTIME_GITINDEX_H
#define CORDON_RUNTIME_GITINDEX_H

#include <stddef.h>

#define GITINDEX_ASSUME_UNCHANGED 1u /* the entry's "assume valid" bit */
#define GITINDEX_SKIP_WORKTREE 2u    /* the extended "skip-worktree" bit (version 3 and up) */

/* Most bytes of an index file read (a larger one is not looked at). */
#define GITINDEX_MAX_BYTES (256u << 20)

/*
 * Call on_entry(ctx, path, bits) for every entry with a bit set, in the
 * index's order. Returns the number of entries, or -1 for bytes that are
 * no index this parser understands (a bad signature or version, a length
 * past the end). on_entry returning non-zero stops the walk (returned).
 */
int gitindex_flags(const void *data, size_t len,
		   int (*on_entry)(void *ctx, const char *path, unsigned bits), void *ctx);

#endif
