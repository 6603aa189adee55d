/*
 * wsscan.h — walk a workspace for what the sandbox must know about it:
 * guarded names (policy/profile.h, profile_guarded_name()), sockets, and
 * every directory. Used by the supervisor at sandbox_open() (the survey:
 * what the mount view pins and hides) and at sandbox_close() (what a
 * command created), and by the warden (its watches on the workspace).
 *
 *	struct wsscan_visitor v = { .ctx = me, .guarded = on_guarded, .socket = on_socket };
 *	bool truncated;
 *	wsscan_walk(rootfd, &v, WSSCAN_MAX_ENTRIES, &truncated);
 *
 * The walk never follows a symlink and never leaves the tree (every
 * directory is opened from the root with RESOLVE_BENEATH and no symlink on
 * the way), at any depth (one descriptor open at a time). It does not
 * descend into a guarded directory (its callback decides about it as a
 * whole) or into a repository's .git. It makes no change. It stops after
 * max_entries entries (*truncated set), so its cost has a ceiling; an
 * entry whose path would exceed PATH_MAX is skipped (*truncated set too);
 * a callback that returns non-zero stops it (that value is returned).
 */
#ifndef CORDON_RUNTIME_WSSCAN_H
#define CORDON_RUNTIME_WSSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Entries one walk visits at most: about 50 ms on a warm cache. */
#define WSSCAN_MAX_ENTRIES 400000u

struct wsscan_visitor {
	void *ctx;
	/* An entry with a guarded name (rel: from the root, no leading "./"; st: lstat). */
	int (*guarded)(void *ctx, const char *rel, const struct stat *st);
	/* A socket (not below a guarded directory). */
	int (*socket)(void *ctx, const char *rel, const struct stat *st);
	/* A directory the walk enters ("" is the root); dirfd is open for reading. */
	int (*dir)(void *ctx, const char *rel, int dirfd);
};

/*
 * Walk the tree below rootfd (a directory fd; not closed) in depth-first
 * order. Returns 0, a callback's non-zero value, or -CORDON_ESYS (the root
 * could not be read). *truncated: max_entries or WSSCAN_MAX_DEPTH cut the
 * walk short; what it did not visit was not reported.
 */
int wsscan_walk(int rootfd, const struct wsscan_visitor *v, size_t max_entries, bool *truncated);

/*
 * The directory rel (relative; "" for the root itself) below rootfd, opened
 * with flags (O_RDONLY or O_PATH; O_DIRECTORY and O_NOFOLLOW are added),
 * never through a symlink and never out of the tree: openat2
 * RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS, or one component at a time with
 * O_NOFOLLOW where openat2 is missing (ENOSYS). -1 with errno.
 */
int wsscan_open_dir(int rootfd, const char *rel, int flags);

#endif
