/*
 * landlock.h — apply a profile's Landlock rules (policy/profile.h) in a child.
 *
 *	int abi = landlock_abi();                    once, in the supervisor
 *	child: landlock_apply(PROFILE_BASH, false, &paths, abi);
 *
 * The ABI is probed at run time with landlock_create_ruleset(NULL, 0,
 * VERSION); every filesystem right the running kernel knows is handled
 * (denied unless a rule grants it), TCP bind/connect are handled from ABI 4
 * and signals and abstract unix sockets are scoped from ABI 6. Rights the
 * kernel does not know are dropped from the rules, directory-only rights from
 * rules on files. Paths that do not exist are skipped, except the workspace.
 *
 * landlock_apply() is async-signal-safe (open, fstat, syscalls; no malloc)
 * and requires PR_SET_NO_NEW_PRIVS (or CAP_SYS_ADMIN) first. It restricts the
 * calling thread only (ABI < 8), so call it in the single-threaded child.
 */
#ifndef CORDON_RUNTIME_LANDLOCK_H
#define CORDON_RUNTIME_LANDLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/profile.h"

struct landlock_paths {
	const char *workspace;         /* absolute */
	const char *const *read_roots; /* NULL-terminated, may be NULL */
	const char *tmp;               /* private tmp dir ("/tmp" inside the mount view) */
	/*
	 * True inside the private mount view: FS_VIEW_ROOT rules apply to "/".
	 * Never on the host, where READ_DIR on "/" would list every directory.
	 */
	bool in_view;
	/*
	 * True when the child is in the session's own network namespace (its
	 * loopback only): an exec'd command's TCP bind and connect are then
	 * left to it (a test server on 127.0.0.1), not refused by Landlock.
	 */
	bool netns;
};

/* The Landlock ABI version (>= 1), or -errno: -ENOSYS not built, -EOPNOTSUPP disabled. */
int landlock_abi(void);

/* The fs rights the given ABI knows (LL_FS_* mask); 0 for abi < 1. */
uint64_t landlock_fs_rights_for_abi(int abi);

/*
 * Enter a new domain nested in the current one that only adds the ABI 6
 * scopes (signals, abstract unix sockets): the caller can no longer signal
 * or connect to anything outside it, its parent domain's processes
 * included. A zygote's spares (warden_zygote.h) share the zygote's domain
 * otherwise. 0 (also below ABI 6: nothing to scope), or -CORDON_ESYS.
 */
int landlock_scope_self(int abi);

/*
 * Build and enforce the ruleset of profile p. Returns 0 or -CORDON_ESYS
 * (errno set; EINVAL from a rule is a bug, reported rather than ignored).
 */
int landlock_apply(enum sandbox_profile p, bool with_exec, const struct landlock_paths *paths,
		   int abi);

/*
 * Build the ruleset of profile p without enforcing it: the warden does this
 * once per session, after its mount view is final (rules hold the inodes the
 * paths resolve to then). Returns the ruleset fd (close-on-exec), or
 * -CORDON_ESYS (errno set).
 */
int landlock_build(enum sandbox_profile p, bool with_exec, const struct landlock_paths *paths,
		   int abi);

/*
 * Enforce a ruleset built by landlock_build() on the calling thread (one
 * landlock_restrict_self). Needs PR_SET_NO_NEW_PRIVS first. 0 or -CORDON_ESYS.
 */
int landlock_enforce(int ruleset_fd);

#endif
