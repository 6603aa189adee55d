/*
 * sentinel.h — what a command left in the workspace for a later run: caught
 * after each exec'd call (supervisor side).
 *
 *	struct sentinel *st;
 *	sentinel_open(&st, "/real/ws", &pins);      hooks for survey_workspace()
 *	survey_workspace(&pins, ws, &so, sentinel_hooks(st), &truncated);
 *	sentinel_ready(st, &pins);                   after the warden made its placeholders
 *	... an exec'd call ends ...
 *	sentinel_check(st, &notices);                one line per finding
 *	sentinel_index_changes(st, ...);             index flags since open
 *	sentinel_close(st);
 *
 * The mount view pins what exists at open (survey.h): a guarded name
 * (policy/profile.h) at any depth, every gitdir's config, hooks and
 * pointers. A name that does not exist yet cannot be pinned where the
 * sandbox might create it: Landlock cannot deny by name and a placeholder
 * in every directory is no option. So the sentinel catches it instead:
 *
 *  - guarded names that appear: a workspace of up to
 *    SENTINEL_WALK_MAX_DIRS directories is walked after each exec'd call
 *    (wsscan.h); a larger one has an inotify watch on every directory
 *    (IN_CREATE, IN_MOVED_TO; new directories are watched and walked as
 *    they are found), read after each exec'd call. A queue overflow, a
 *    directory the watch limit left out or a walk cut short makes that
 *    check walk the whole workspace instead.
 *  - the paths that must not appear (PIN_ABSENT): a main gitdir's
 *    `commondir`, a hooks path or an included config file below a
 *    missing directory: one lstat each per check.
 * Each finding that is not an entry present at open (by device and inode:
 * a pinned directory moved along with its parent is still the same) is
 * set aside: renamed in place to NAME.cordon-quarantine (-N when taken),
 * never followed, never deleted, and reported ("set aside sub/.envrc as
 * sub/.envrc.cordon-quarantine: ..."). The host's tools do not read it
 * under that name; the user can review it and rename it back.
 *
 *  - index flags: the assume-unchanged and skip-worktree bits of every
 *    repository's index found at open (gitindex.h parses the index file:
 *    no git runs, no config, no hook), read again after a call when the
 *    index file changed. A bit a command set hides a change from the host's `git
 *    status`; each one set or cleared is reported, and kept for
 *    sentinel_index_changes() (the diff of a run must come from a snapshot
 *    of the files, not from the index).
 *
 * Limits: a finding is acted on after the call, not at the syscall: a host
 * program that runs in the workspace *during* the call can still read a
 * planted file. A name created by the host user during a call is set aside
 * too (the sentinel cannot tell who made it). Not thread-safe by itself:
 * sandbox.c calls it under its own lock.
 */
#ifndef CORDON_RUNTIME_SENTINEL_H
#define CORDON_RUNTIME_SENTINEL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "runtime/sandbox/pins.h"
#include "runtime/sandbox/survey.h"

struct sentinel;

/* Up to this many directories the workspace is walked after each call instead of watched. */
#define SENTINEL_WALK_MAX_DIRS 128
/* Most directories watched; more makes every check a full walk (said once in the notices). */
#define SENTINEL_MAX_WATCHES 65536
/* Most repositories whose index flags are kept. */
#define SENTINEL_MAX_REPOS 64

/* Start (inotify); ws: the workspace's real path. 0, -CORDON_ESYS, -CORDON_ENOMEM. */
int sentinel_open(struct sentinel **out, const char *ws);

/* The hooks the survey's walk feeds the sentinel with (directories, known entries, repositories). */
const struct survey_hooks *sentinel_hooks(struct sentinel *s);

/*
 * The survey is done and the warden made its placeholders: note the
 * absent paths of ps and the entries the warden created (placeholders are
 * known, not findings), and take the first index snapshots.
 * truncated: the survey's walk stopped early (checks then walk in full).
 */
void sentinel_ready(struct sentinel *s, const struct pins *ps, bool truncated);

/*
 * After an exec'd call: set aside what appeared, compare the index flags.
 * Appends one line per finding to notices ("" when none). Returns the
 * number of findings.
 */
int sentinel_check(struct sentinel *s, struct buf *notices);

/* An index flag a command changed (kept since open, in order). */
struct sentinel_index_change {
	char repo[256];    /* the work tree, relative to the workspace ("." for the workspace) */
	char path[256];    /* the entry, relative to the work tree */
	const char *flag;  /* "assume-unchanged" or "skip-worktree" */
	bool set;          /* set by the command (else cleared) */
};

/* The index flag changes since open: *out borrowed until the next check or close. */
size_t sentinel_index_changes(const struct sentinel *s, const struct sentinel_index_change **out);

void sentinel_close(struct sentinel *s);

#endif
