/*
 * warden_ns.h — the session namespaces and mount view, built by the warden.
 *
 *	warden_ns_unshare(uid, gid, &why)       user+mount+pid+net+ipc+uts+cgroup
 *	fork(): the child is pid 1 of the new pid namespace and calls
 *	warden_ns_build_view(&view)             mounts, pivot_root, fresh /proc
 *	warden_ns_lock(uid, gid)                second user namespace: mounts locked
 *
 * Only the caller's uid and gid are mapped (uid U inside is U outside; root
 * stays root, without capabilities in its children). Every mount the view
 * holds is read-only, submounts included, except the workspace, /tmp
 * (tmpfs with a size cap), the /dev tmpfs and /dev/shm (private): a
 * metadata write (chmod, chown, utimes, xattrs) anywhere else is EROFS.
 * The device nodes are read-only binds, /proc's global entries read-only,
 * the secrets of the system directories masked by pattern. The pins of
 * the workspace (pins.h: guarded names, git's layout, sockets) are
 * read-only binds on themselves (renaming them gives EBUSY), and the paths
 * to hide are covered; every mask and cover is a clone of a private
 * read-only stage, never a host file or device node. After
 * warden_ns_lock() those flags are MNT_LOCK_* in the new mount namespace: a
 * process holding every capability of the inner user namespace still cannot
 * remount them read-write or unmount them to reveal what is below.
 */
#ifndef CORDON_RUNTIME_WARDEN_NS_H
#define CORDON_RUNTIME_WARDEN_NS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/sandbox/pins.h"

struct ns_view {
	const char *workspace;         /* absolute */
	const char *const *read_roots; /* NULL-terminated, may be NULL */
	uint64_t tmp_size;             /* bytes */
	bool placeholders;             /* pin missing protected paths with placeholders */
	const char *placeholder_mark;  /* their owner's mark (common/placeholder.h), "" for none */
	const char *const *hide;       /* paths to cover (absolute, normal; never the workspace or above) */
	size_t n_hide;
	const struct pin *pins;        /* what to pin in the workspace (pins.h; survey.h built it) */
	size_t npins;
	const char *cache_dir;         /* a host directory bound read-write at /tmp/SANDBOX_CACHE_NAME, or "" */
};

/*
 * Enter new user, mount, pid, net, ipc, uts and cgroup namespaces, map
 * uid/gid 1:1, bring lo up. Returns 0 or -CORDON_ESYS with *why naming the
 * failing step (static string).
 */
int warden_ns_unshare(uid_t uid, gid_t gid, const char **why);

/* *why when the very first step, creating the user namespace, was refused (nothing changed). */
#define WARDEN_NS_USERNS_REFUSED "unshare(CLONE_NEWUSER)"

/*
 * Root only, when user namespaces are refused: the same namespaces without
 * one (CAP_SYS_ADMIN of the host). The mounts cannot be locked then; the
 * children's empty capability sets, Landlock and seccomp keep them as built.
 */
int warden_ns_unshare_root(const char **why);

/*
 * Build the mount view and pivot into it. 0 or -CORDON_ESYS, *why set;
 * *why is WARDEN_NS_HIDE_FAILED when a path to hide (v->hide) exists in the
 * view but could not be covered: the caller must not run without it (a
 * view without namespaces would hide nothing either).
 *
 * Hiding: each path of v->hide that the view shows from the host (below the
 * workspace, a read root or a system directory, or above a read root or a
 * system directory) and that exists gets an empty directory (over a
 * directory) or an empty file (over anything else; over a symlink, the link
 * itself: move_mount does not follow it) from a private tmpfs mounted
 * read-only, nosuid, nodev, noexec. A path that does not exist, or whose
 * parent is not a directory, is not there to read: nothing to cover.
 */
int warden_ns_build_view(const struct ns_view *v, const char **why);

#define WARDEN_NS_HIDE_FAILED "hide a Read deny path"
/* *why when a pin (pins.h) exists in the view but could not be mounted: refuse, as above. */
#define WARDEN_NS_PIN_FAILED "pin a protected path in the workspace"

/* Enter a nested user + mount namespace so every mount above is locked. */
int warden_ns_lock(uid_t uid, gid_t gid, const char **why);

/* Probe: can this process create a user namespace? (forks; returns 1/0, why on 0). */
int warden_ns_probe_userns(const char **why);

#endif
