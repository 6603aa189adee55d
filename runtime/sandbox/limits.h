/*
 * limits.h — resource limits of a child: rlimits always, a cgroup where one
 * can be made (runtime/sandbox/cgroup.h does that part).
 *
 * limits_apply_rlimits() lowers soft and hard limits (never raises: a limit
 * already lower is kept) and sets RLIMIT_CORE to 0 so a crashing child never
 * writes memory to disk. Async-signal-safe.
 */
#ifndef CORDON_RUNTIME_LIMITS_H
#define CORDON_RUNTIME_LIMITS_H

#include "policy/profile.h"

/* 0 or -CORDON_ESYS. */
int limits_apply_rlimits(const struct profile_limits *l);

#endif
