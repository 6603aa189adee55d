/*
 * gitlayout.h — every place a repository in the workspace makes git read
 * configuration from or run hooks from, found at session start from git's
 * own layout (supervisor side).
 *
 *	struct pins ps;
 *	gitlayout_pins(&ps, "/ws", "sub", &opts);    the repository whose work tree is /ws/sub
 *
 * What it adds to the pins (pins.h), when it lies inside the workspace:
 *  - the repository's gitdir (PIN_ANCHOR: it cannot be swapped for
 *    another), and every gitdir pointer file: the work tree's `.git` file
 *    of a linked worktree or a submodule, `commondir`, `worktrees/ID/gitdir`
 *    and `commondir`, read-only (PIN_RO), a `.git` symlink bound on itself
 *    (PIN_LINK) with its target pinned too;
 *  - the common dir a `commondir` names, with its config and hooks, and
 *    each gitdir of `worktrees/` and `modules/` (at any depth), with theirs;
 *  - `config` and `config.worktree` of each, `hooks/` of each (missing:
 *    a placeholder, as opts->placeholders allows);
 *  - the effective hooks directory (`git rev-parse --git-path hooks`,
 *    which honours `core.hooksPath` from every level of configuration, a
 *    husky-style `.husky/_` included), read-only or a placeholder;
 *  - every configuration file git reads for the repository
 *    (`git config --list --show-origin`: included files too) and every
 *    file an `include.path` or `includeIf.*.path` of one of them names,
 *    active now or not (a branch switch activates `onbranch:`), read-only
 *    or, missing, a placeholder file.
 * A symlink met on the way is bound on itself and its target pinned.
 *
 * git runs as a helper (posix_spawn) with a small environment (PATH, HOME,
 * XDG_CONFIG_HOME, GIT_CONFIG_GLOBAL/SYSTEM/NOSYSTEM as the user's git
 * would use them, LANG=C), `-c core.fsmonitor=false -c safe.directory=*`,
 * stdin from /dev/null and a timeout; only `rev-parse` and `config`, which
 * run no hook and no fsmonitor. Without git on PATH only the layout read
 * from the files themselves is pinned (nothing can run a hook then
 * either).
 */
#ifndef CORDON_RUNTIME_GITLAYOUT_H
#define CORDON_RUNTIME_GITLAYOUT_H

#include <limits.h>
#include <stdbool.h>

#include "runtime/sandbox/pins.h"

struct gitlayout_opts {
	bool placeholders; /* pin missing hooks dirs, config.worktree, include targets */
	bool no_git;       /* do not run git (tests): the files' own layout only */
};

/* Most milliseconds one git helper may run. */
#define GITLAYOUT_TIMEOUT_MS 5000
/* Levels of include.path followed. */
#define GITLAYOUT_MAX_INCLUDES 8

/*
 * Add the pins of the repository whose work tree is ws/rel (rel "" for ws
 * itself; ws: the workspace's real path). 0, or -CORDON_ETOOBIG /
 * -CORDON_ENOMEM from the pin list. A repository git cannot read adds
 * what its files show. gitdir: the repository's gitdir (its real path;
 * where its index is), "" when it has none.
 */
int gitlayout_pins(struct pins *ps, const char *ws, const char *rel, const struct gitlayout_opts *o,
		   char gitdir[PATH_MAX]);

#endif
