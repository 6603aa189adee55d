/*
 * cgroup.h — per-call cgroups for memory, pids and CPU limits.
 *
 *	struct cgroup_session cs;
 *	cgroup_session_open(&cs, "cordon.1234");   supervisor, before the warden forks
 *	call manager: cgroup_call_create(&cs, "c7", &limits, &call)
 *	child: write "0" to each call.procs[i] (child.c)
 *	call manager: cgroup_call_kill(&call); cgroup_call_destroy(&cs, &call)
 *	supervisor: cgroup_session_close(&cs)
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
	int dirfd[CGROUP_MAX_HIER];
	int procs[CGROUP_MAX_HIER];   /* cgroup.procs, O_WRONLY, for the child to join */
	int n;
};

/* What this machine offers: 0 none, 1 v1 (memory+pids), 2 v2; writable = we could create groups. */
int cgroup_detect(bool *out_writable, char *detail, size_t size);

/* Create the session directories. Never fails hard: *cs is empty when impossible (cs->n == 0). */
void cgroup_session_open(struct cgroup_session *cs, const char *name);

/* Remove the session directories (after the warden is gone). */
void cgroup_session_close(struct cgroup_session *cs);

/* Create a call group with limits. 0 or -CORDON_ESYS (the call then runs without one). */
int cgroup_call_create(const struct cgroup_session *cs, const char *name,
		       const struct profile_limits *l, struct cgroup_call *out);

/* Kill every process in the call group (repeat until empty, at most a few rounds). */
void cgroup_call_kill(struct cgroup_call *call);

/* Close the fds and remove the call group. */
void cgroup_call_destroy(const struct cgroup_session *cs, struct cgroup_call *call);

#endif
