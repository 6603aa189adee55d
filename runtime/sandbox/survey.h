/*
 * survey.h — what the workspace holds that the mount view must pin or
 * hide, found once at sandbox_open() (supervisor side).
 *
 *	struct pins ps;
 *	pins_init(&ps);
 *	survey_workspace(&ps, "/real/ws", &opts, &truncated);
 *
 * The list (pins.h) holds:
 *  - the top-level protected paths (policy/profile.h,
 *    profile_protected_paths()): read-only, or placeholders when missing;
 *  - every entry with a guarded name (profile_guarded_name()) at any depth:
 *    read-only; a symlink covered, its target (inside the workspace)
 *    read-only;
 *  - for every repository (a `.git` at any depth): what gitlayout.h finds;
 *  - every socket: covered (no connect() to a host daemon's socket that
 *    lies in the workspace).
 * Before a path that could get a placeholder is judged (a top-level
 * protected path, one of gitlayout.h's), a placeholder a killed session
 * left there (common/placeholder.h: empty, marked, its owner dead) is
 * removed, so the path counts as missing and this session makes its own;
 * a live session's is left, and pinned as an existing entry.
 * The walk is wsscan.h's: bounded (*truncated when it stopped early:
 * what it did not reach is not pinned, and sandbox_open() says so).
 */
#ifndef CORDON_RUNTIME_SURVEY_H
#define CORDON_RUNTIME_SURVEY_H

#include <stdbool.h>
#include <sys/stat.h>

#include "runtime/sandbox/pins.h"

struct survey_opts {
	bool placeholders; /* pin missing protected paths with placeholders */
	bool no_git;       /* do not run git for the repositories' layout (tests) */
};

/*
 * What else the walk tells (all optional): every directory it enters
 * (rel from ws, "" the root; dirfd open for reading), every guarded entry
 * that exists now (its lstat), every repository (its work tree and its
 * gitdir, real paths). The sentinel (sentinel.h) watches from these.
 */
struct survey_hooks {
	void *ctx;
	int (*dir)(void *ctx, const char *rel, int dirfd);
	void (*known)(void *ctx, const struct stat *st);
	void (*repo)(void *ctx, const char *worktree, const char *gitdir);
};

/* Survey the workspace ws (its real path) into ps. 0, or a negative CORDON_E* (the pin list). */
int survey_workspace(struct pins *ps, const char *ws, const struct survey_opts *o,
		     const struct survey_hooks *h, bool *truncated);

#endif
