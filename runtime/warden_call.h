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

void warden_call_manager(int sock, const struct warden_config *cfg, unsigned session_layers)
	__attribute__((noreturn));

/*
 * Kill and reap every descendant of the calling process (which must be a
 * child subreaper for orphans to be found), until none is left.
 */
void warden_kill_all_children(void);

#endif
