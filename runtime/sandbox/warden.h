/*
 * warden.h — the warden: pid 1 of the session sandbox (untrusted side).
 *
 * sandbox_open() fills a struct warden_config in the supervisor, forks, and
 * the child calls warden_main(), which never returns. The config lives in
 * the forked memory (no serialisation): pointers stay valid in the warden.
 *
 * The warden (1) scrubs its inherited environment and command line from
 * memory, (2) enters the namespaces and builds the mount view where it can
 * (warden_ns.h), (3) reports struct sbx_ready on the control socket, builds
 * the Landlock rulesets and the call cgroup pool, then (4) serves calls from
 * one poll loop: each SBX_MSG_CALL carries a per-call socket; it forks the
 * confined child (child.h), captures its output with caps, enforces the
 * timeout, kills the call's process tree and answers with struct sbx_resp
 * (warden_call.h; a call manager process does this for a call that gets no
 * cgroup). EOF on the control socket kills everything and exits.
 */
#ifndef CORDON_RUNTIME_WARDEN_H
#define CORDON_RUNTIME_WARDEN_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "common/placeholder.h"
#include "runtime/sandbox/cgroup.h"
#include "runtime/sandbox/pins.h"
#include "runtime/sandbox/sandbox.h"
#include "runtime/sandbox/seccomp.h"

struct warden_config {
	char workspace[PATH_MAX];
	const char *const *read_roots;
	char session_tmp[PATH_MAX]; /* degraded mode: private temp dir on the host */
	uint64_t tmp_size;
	char cache_dir[PATH_MAX];   /* bound at /tmp/SANDBOX_CACHE_NAME in the view, or "" */
	bool use_namespaces;
	bool placeholders;          /* pin missing protected paths */
	/* The supervisor's mark for the placeholders (common/placeholder.h), or "": made unmarked. */
	char placeholder_mark[PLACEHOLDER_MARK_MAX];
	bool one_call;              /* sandbox_opts.one_call: nothing made ahead for later calls */
	/*
	 * sandbox_start(): the supervisor will not fork another warden if the
	 * namespaces fail (it may hold a secret by then), so this one keeps a
	 * process that never entered them, to serve in degraded mode itself.
	 */
	bool standby;
	const char *const *hide;    /* paths to hide (sandbox_opts.hide, re-anchored) */
	size_t n_hide;
	const struct pin *pins;     /* what the view pins in the workspace (survey.h) */
	size_t npins;
	uid_t uid;
	gid_t gid;
	int landlock_abi;            /* < 1: none */
	bool seccomp_ok;
	struct seccomp_prog prog_fn[PROFILE__COUNT]; /* functions (reporting) */
	/*
	 * Exec'd programs, [read-only profile][0 isolated, 1 network on, 2 unisolated
	 * (degraded mode: its last program takes a listener, warden_notify.h)].
	 * Every one shares the main program [x][y].insns[0] (the exec base).
	 */
	struct seccomp_prog prog_exec[2][3];
	struct seccomp_prog prog_zygote[PROFILE__COUNT]; /* function zygotes (warden_zygote.h) */
	struct seccomp_prog prog_spawned;            /* stacked by their spares */
	struct seccomp_prog prog_notifier;           /* the notifier's own (warden_notify.h) */
	struct cgroup_session cg;
	const struct sandbox_fn *fns;
	size_t n_fns;
	char *const *base_env;       /* allowlisted "K=V" from the supervisor's env */
	/*
	 * The warden's end of the egress channel (sandbox_opts.egress_fd), or
	 * -1: pid 1 of a namespaced session hands it to the forwarder
	 * (warden_egress.h); every other process of the warden closes it.
	 */
	int egress_fd;
};

/*
 * The layers a call child gets from cfg on top of the session's namespaces:
 * caps and rlimits always, Landlock, seccomp and a cgroup when this session
 * has them (runtime/sandbox/warden_call.c).
 */
unsigned warden_child_layers(const struct warden_config *cfg);

void warden_main(int ctl, const struct warden_config *cfg) __attribute__((noreturn));

#endif
