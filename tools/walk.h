/*
 * walk.h — a parallel directory walker for Grep and Glob.
 *
 * Walks the tree below a start directory (itself beneath a root fd from
 * pathres) with N threads and hands every regular file that passes the
 * filters to a visit callback, in the thread that found it:
 *
 *	struct walk_opts o = WALK_OPTS_INIT;
 *	o.hidden = true; o.ignore_files = true;
 *	o.visit = my_visit; o.ctx = &my_state;
 *	r = walk_run(rootfd, "src", &o, &stats);
 *
 * Filters, in ripgrep's order of precedence (ignore crate, Ignore::matched):
 *   1. override(ctx, rel, is_dir): the --glob list; IGNORE drops, WHITELIST
 *      keeps, NONE goes on;
 *   2. ignore files (when ignore_files): .rgignore beats .ignore beats
 *      .gitignore beats .git/info/exclude; within one kind the deepest directory's file
 *      decides. .gitignore and exclude count only inside a git repository
 *      (a ".git" in the directory or one above it, back to the root fd),
 *      like ripgrep's default --require-git. Ignore files in the start
 *      directory's ancestors (up to the root fd) apply too;
 *   3. types(ctx, rel) for files (--type): IGNORE drops;
 *   4. hidden names (a leading '.') are dropped unless `hidden` is set or a
 *      filter above whitelisted the entry.
 * A directory that is dropped is not entered.
 *
 * Invariants (security argument in walk.c):
 *  - symlinks are never followed, and never reported: a symlink entry is
 *    skipped, like ripgrep without --follow;
 *  - only regular files reach visit; FIFOs, sockets and devices are skipped
 *    without being opened;
 *  - directories are opened with openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS)
 *    relative to the start directory's fd, so a directory swapped for a
 *    symlink mid-walk is refused by the kernel, not followed;
 *  - depth and entry count are capped (stats->truncated says so).
 * Paths given to callbacks are relative to the start directory, '/'-joined,
 * without "./". Which thread sees which file is not deterministic; callers
 * that need an order sort their results (Grep and Glob do). Each entry
 * carries its walk position (order[]: the index of each component in its
 * directory's readdir listing, from the start directory down), from which
 * walk_order_cmp() gives ripgrep's two traversal orders whatever the
 * threads did.
 */
#ifndef CORDON_TOOLS_WALK_H
#define CORDON_TOOLS_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "tools/gitignore.h"

#define WALK_MAX_THREADS 16
#define WALK_DEFAULT_MAX_DEPTH 256
#define WALK_DEFAULT_MAX_ENTRIES 2000000u
#define WALK_MAX_NAME 255
#define WALK_MAX_PATH 4096

struct walk_entry {
	const char *rel;  /* relative to the start directory */
	size_t rel_len;
	const char *name; /* the last component, inside rel */
	int dirfd;        /* the containing directory; valid during the callback */
	unsigned depth;   /* 1 for entries of the start directory */
	/*
	 * order[k]: the position of the (k+1)-th component of rel in its
	 * directory's readdir listing ("." and ".." not counted); depth entries.
	 * Valid during the callback.
	 */
	const uint32_t *order;
};

struct walk_opts {
	unsigned nthreads;    /* 0: one per CPU (capped at WALK_MAX_THREADS) */
	unsigned max_depth;   /* entries deeper than this are not listed */
	size_t max_entries;   /* stop after seeing this many entries */
	bool hidden;          /* list hidden files (rg --hidden) */
	bool ignore_files;    /* honour .rgignore/.ignore/.gitignore/.git/info/exclude */
	bool require_git;     /* .gitignore only inside a git repo (rg default) */
	enum gi_match (*override)(void *ctx, const char *rel, size_t len, bool is_dir);
	enum gi_match (*types)(void *ctx, const char *rel, size_t len);
	/*
	 * Called for each regular file that passes, from thread `tid`
	 * (0 <= tid < walk_threads()). Non-zero stops the walk; a negative
	 * value is returned by walk_run().
	 */
	int (*visit)(void *ctx, unsigned tid, const struct walk_entry *e);
	void *ctx;
};

#define WALK_OPTS_INIT                                                                      \
	{ .nthreads = 0, .max_depth = WALK_DEFAULT_MAX_DEPTH, .max_entries = WALK_DEFAULT_MAX_ENTRIES, \
	  .hidden = false, .ignore_files = true, .require_git = true }

struct walk_stats {
	size_t dirs, files, entries;
	size_t symlinks, specials; /* skipped */
	size_t errors;             /* directories or ignore files that failed to open */
	bool truncated;            /* a depth or entry cap was reached */
};

/* The number of worker threads walk_run() will use for these options. */
unsigned walk_threads(const struct walk_opts *o);

/*
 * Walk below start_rel (relative to rootfd; "" for the root itself;
 * resolved beneath rootfd, symlinks inside the root allowed for the start
 * path only). Returns 0, a negative visit() result, or -CORDON_ESYS when
 * the start directory cannot be opened (errno), -CORDON_ENOMEM.
 */
int walk_run(int rootfd, const char *start_rel, const struct walk_opts *o, struct walk_stats *stats);

/*
 * Compare two entries' walk positions (walk_entry.order, na and nb long):
 *  - lifo false: a sequential depth-first walk in readdir order, each
 *    directory's contents before its next sibling (ripgrep's single-threaded
 *    walker: the order `rg --files --sort=modified` keeps for equal mtimes);
 *  - lifo true: the same with every directory's entries taken last first
 *    (ripgrep's parallel walker pushes a directory's entries on a stack and
 *    pops the newest: the order its output usually has when one thread does
 *    most of the work, as on a small tree).
 * <0, 0 (same position), >0.
 */
int walk_order_cmp(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, bool lifo);

/*
 * Open an entry for reading: O_NOFOLLOW|O_NONBLOCK|O_NOCTTY, then require a
 * regular file (ENXIO/ELOOP otherwise, errno set, -CORDON_ESYS).
 */
int walk_open_file(const struct walk_entry *e, int *out_fd, struct stat *st);

#endif
