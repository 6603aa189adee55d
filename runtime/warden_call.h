/*
 * warden_call.h — the per-call manager and the tree kill (untrusted side).
 *
 * warden_call_manager() runs in a process the warden forked for one call:
 * it owns the call's socket, never returns, and exits when the call's
 * result is sent (or the supervisor hung up, which cancels the call).
 * It is a child subreaper: whatever the call leaves behind is reparented
 * to it and killed by warden_kill_all_children().
 */
#ifndef CORDON_RUNTIME_WARDEN_CALL_H
#define CORDON_RUNTIME_WARDEN_CALL_H

#include "runtime/warden.h"

/*
 * A pre-made call cgroup the warden lends to one call (its pool). The call
 * manager rewrites its limits only when *limits_profile differs from the
 * call's profile (the int lives in a page shared with the warden), and
 * exits with status 0 only when it saw the group empty at the end: the
 * warden puts the slot back in the pool then, and otherwise empties it
 * itself (or retires it) before any reuse.
 */
struct warden_slot {
	struct cgroup_call cg;
	int32_t *limits_profile; /* shared: profile whose limits the group has, -1 none */
};

/*
 * What the warden prepared once per session and every call uses: the
 * Landlock ruleset fd of each profile, [profile][0] for functions and
 * [profile][1] for exec'd commands (-1: not built; the child then builds
 * its own, and fails the call if that fails too).
 */
struct warden_session {
	unsigned layers;
	int ll_fd[PROFILE__COUNT][2];
};

/* slot: a pool cgroup for this call, or NULL (the manager then makes its own, if any). */
void warden_call_manager(int sock, const struct warden_config *cfg,
			 const struct warden_session *ses, struct warden_slot *slot)
	__attribute__((noreturn));

/*
 * Kill and reap every descendant of the calling process (which must be a
 * child subreaper for orphans to be found), until none is left.
 */
void warden_kill_all_children(void);

#endif
