/*
 * pins.h — what the mount view pins inside the workspace: a list of paths,
 * each with how it is pinned. The supervisor builds it at sandbox_open()
 * (survey.h, gitlayout.h); the warden mounts it (warden_ns.c).
 *
 *	struct pins ps;
 *	pins_init(&ps);
 *	pins_add(&ps, "/ws/.git/config", PIN_RO);
 *	... ps.v[i].path, ps.v[i].kind ...
 *	pins_release(&ps);
 *
 * Paths are absolute, below the workspace's real path; pins_add() keeps the
 * first of duplicates (a path is pinned one way). At most PINS_MAX entries:
 * more is -CORDON_ETOOBIG (the session does not open: fail closed).
 */
#ifndef CORDON_RUNTIME_PINS_H
#define CORDON_RUNTIME_PINS_H

#include <stdbool.h>
#include <stddef.h>

#define PINS_MAX 4096

enum pin_kind {
	PIN_ANCHOR,          /* a directory (a gitdir) bound read-write on itself: not renamed, not removed */
	PIN_PLACEHOLDER_DIR, /* missing: an empty directory made on the host, then pinned read-only */
	PIN_PLACEHOLDER_FILE, /* missing: an empty file made on the host, then pinned read-only */
	PIN_RO,              /* a file or directory bound read-only on itself */
	PIN_LINK,            /* a symlink git follows: bound on itself (still a link), not replaced */
	PIN_LINK_COVER,      /* a symlink with a guarded name: an empty read-only file over the link */
	PIN_HIDE,            /* a socket: an empty read-only file over it (no connect) */
	/*
	 * Must not appear, and cannot be pinned (no placeholder git would
	 * accept, or a missing parent): a main gitdir's `commondir`, a hooks
	 * path or an included config file below a missing directory. Nothing
	 * is mounted; the sentinel (sentinel.h) sets aside what appears there.
	 */
	PIN_ABSENT,
	PIN__KINDS
};

struct pin {
	char *path;
	enum pin_kind kind;
};

struct pins {
	struct pin *v;
	size_t n, cap;
};

void pins_init(struct pins *ps);

/* Add (a copy of) path; 0, -CORDON_ETOOBIG past PINS_MAX, -CORDON_ENOMEM. */
int pins_add(struct pins *ps, const char *path, enum pin_kind kind);

/* Whether path is listed (any kind). */
bool pins_has(const struct pins *ps, const char *path);

void pins_release(struct pins *ps);

/* "ro", "anchor", ... for messages and tests. */
const char *pin_kind_name(enum pin_kind k);

#endif
