/*
 * caps.h — drop every capability in a child (docs/sandbox.md, "The child,
 * in order", step 4).
 *
 * caps_drop_all() locks the securebits (NOROOT, NO_SETUID_FIXUP, KEEP_CAPS,
 * NO_CAP_AMBIENT_RAISE, all *_LOCKED), clears the bounding set, the ambient
 * set and the effective, permitted and inheritable sets, then reads them back.
 * Locking securebits and clearing the bounding set need CAP_SETPCAP; a caller
 * without it (an unprivileged user outside a user namespace) already holds no
 * capabilities, and PR_SET_NO_NEW_PRIVS keeps exec from granting any, so those
 * two steps are skipped there and *out_bounding says so.
 *
 * Uses libcap (allocates): call it in a child forked from a single-threaded
 * process, before Landlock and seccomp.
 */
#ifndef CORDON_RUNTIME_CAPS_H
#define CORDON_RUNTIME_CAPS_H

#include <stdbool.h>

/* 0 or -CORDON_ESYS (errno). out_bounding: the bounding set was cleared too (may be NULL). */
int caps_drop_all(bool *out_bounding);

/* True when the calling thread's effective, permitted and inheritable sets are empty. */
bool caps_none(void);

#endif
