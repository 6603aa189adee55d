/*
 * cgroup.h — per-call cgroups for memory, pids and CPU limits.
 *
 *	struct cgroup_session cs;
 *	cgroup_session_open(&cs, "cordon.1234");   supervisor, before the warden forks
 *	warden: cgroup_call_create(&cs, "slot-0", &limits, &call)   a pool slot, kept
 *	warden: cgroup_call_set_limits(&cs, &call, &limits) when the profile differs
 *	child: write "0" to each call.procs[i] (child.c)
 *	warden: cgroup_call_kill(&call, true) (true once the group is empty)
 *	warden: the slot goes back to the pool; cgroup_call_destroy() retires one
 *	supervisor: cgroup_session_close(&cs)      also removes what is left below
 *
 * cgroup v2 (a cgroup2 mount at /sys/fs/cgroup with the memory and pids
 * controllers delegated to us): memory.max + memory.swap.max=0 +
 * memory.oom.group, pids.max, cpu.max, and cgroup.kill for the tree kill.
 * v1 / hybrid (this project's reference VM): the memory, pids and cpu
 * hierarchies, each with a session directory; the tree kill walks
 * cgroup.procs. Where no directory can be created (unprivileged without
 * delegation) the session is empty and the layer is reported missing.
 *
 * The session keeps O_DIRECTORY fds, so the warden can manage call groups
 * after it entered its namespaces (the cgroup fs is not in its mount view).
 */
#ifndef CORDON_RUNTIME_CGROUP_H
#define CORDON_RUNTIME_CGROUP_H

#include <stdbool.h>

#include "policy/profile.h"

#define CGROUP_MAX_HIER 3

struct cgroup_session {
	int version;                  /* 0 none, 1, 2 */
	int dirfd[CGROUP_MAX_HIER];   /* session directory per hierarchy; -1 unused */
	char path[CGROUP_MAX_HIER][256];
	int n;
};

struct cgroup_call {
	char name[32];
	int version;                  /* the session's: 1 or 2 */
	int dirfd[CGROUP_MAX_HIER];
	int procs[CGROUP_MAX_HIER];   /* O_WRONLY, for a single-threaded child to join by writing "0":
				       * v1 `tasks` (no threadgroup lock), v2 `cgroup.procs` */
	int n;
};

/* What this machine offers: 0 none, 1 v1 (memory+pids), 2 v2; writable = we could create groups. */
int cgroup_detect(bool *out_writable, char *detail, size_t size);

/* Create the session directories. Never fails hard: *cs is empty when impossible (cs->n == 0). */
void cgroup_session_open(struct cgroup_session *cs, const char *name);

/*
 * Remove the session directories (after the warden is gone), and first any
 * call group still below them (pool slots; the warden may have been killed).
 */
void cgroup_session_close(struct cgroup_session *cs);

/* Create a call group with limits. 0 or -CORDON_ESYS (the call then runs without one). */
int cgroup_call_create(const struct cgroup_session *cs, const char *name,
		       const struct profile_limits *l, struct cgroup_call *out);

/* (Re)write the memory, pids and CPU limits of a call group (best effort per knob). */
void cgroup_call_set_limits(const struct cgroup_session *cs, struct cgroup_call *call,
			    const struct profile_limits *l);

/*
 * Kill every process in the call group: v2 writes cgroup.kill; v1 reads
 * cgroup.procs and SIGKILLs what it lists. With wait, repeat (v1) / wait
 * (v2: cgroup.events "populated 0") until the group is empty, at most about
 * a second. Returns true when the group was seen empty (safe to reuse).
 */
bool cgroup_call_kill(struct cgroup_call *call, bool wait);

/* Close the fds and remove the call group. */
void cgroup_call_destroy(const struct cgroup_session *cs, struct cgroup_call *call);

#endif
