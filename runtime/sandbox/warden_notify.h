/*
 * warden_notify.h — the session's notifier: metadata writes of exec'd
 * commands in degraded mode, judged by path (warden side).
 *
 *	int sock;
 *	pid_t pid = wnotify_start(cfg, &sock);      in the warden, before its exec base
 *	child: seccomp_prog_load_listen(...) → listener; wnotify_hand(sock, profile, listener)
 *
 * Landlock does not govern chmod, chown, utimes, extended attributes or
 * inotify watches. In namespaced mode that does not matter: every mount
 * outside the writable roots is read-only (EROFS). Without a mount
 * namespace (degraded mode) an exec'd command's filter chain ends with a
 * program that sends those syscalls to this process instead
 * (SECCOMP_RET_USER_NOTIF; policy/profile.c, meta_notify). For each, the
 * notifier reads the path (or takes the descriptor, pidfd_getfd) from the
 * blocked caller, resolves it itself from the caller's cwd or dirfd, and
 * when the object it resolved lies beneath a writable root of the
 * caller's profile (Bash: the workspace and the session temp dir; Write:
 * the workspace; every other profile: none) makes the change itself, on
 * that object, and answers with its result; otherwise the answer is EPERM
 * (EACCES for inotify watches, which may lie beneath any root the
 * profile reads). The kernel never runs the caller's syscall: nothing the
 * caller changes after the check (its memory, a symlink, a descriptor)
 * can redirect the change (no SECCOMP_USER_NOTIF_FLAG_CONTINUE).
 *
 * Invariants: the notifier has the warden's credentials (the caller's
 * uid and gid, no capability), so the kernel's own permission checks give
 * the same answer they would have given the caller; it is forked before
 * the warden loads any filter and holds no listener of its own chain. If
 * it dies, every listener it held closes and the kernel fails the
 * notified syscalls with ENOSYS: closed, never open.
 */
#ifndef CORDON_RUNTIME_WARDEN_NOTIFY_H
#define CORDON_RUNTIME_WARDEN_NOTIFY_H

#include <stdint.h>
#include <sys/types.h>

struct warden_config;

/* Most listeners the notifier holds at once (a call's, a zygote's); more are closed. */
#define WNOTIFY_MAX_LISTENERS 256

/*
 * Fork the notifier. Returns its pid and the socket (close-on-exec) that
 * children send their listeners on, or -1 (nothing started; the caller
 * runs without: the notifier's program then cannot be loaded, and exec'd
 * calls fail closed at their seccomp step).
 */
pid_t wnotify_start(const struct warden_config *cfg, int *out_sock);

/*
 * In a child that loaded the notifier's program: hand its listener to the
 * notifier, tagged with the child's profile (which roots are writable),
 * and close it. 0, or -CORDON_ESYS (the listener is closed either way:
 * its syscalls then fail with ENOSYS).
 */
int wnotify_hand(int sock, uint32_t profile, int listener);

#endif
