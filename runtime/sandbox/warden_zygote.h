/*
 * warden_zygote.h — a confined fork server for the spares of one kind
 * (untrusted side).
 *
 * A spare (warden_call.h) used to be forked by the warden itself: the fork,
 * the copy-on-write faults it leaves in the warden, and the confinement of
 * the new child (its seccomp filter alone is a BPF compile and JIT) ran on
 * the one process that serves every call, between two calls. A zygote
 * takes that off the warden:
 *
 *	warden                          zygote (one per kind)
 *	wzygote_start()  ── fork ──►   confine once: rlimits, capabilities,
 *	                                NO_NEW_PRIVS, Landlock, seccomp
 *	function kind:
 *	wzygote_read()   ◄──────────   keeps two spares alive: WZY_SPAWNED pid
 *	                                + the warden's ends of its pipes; relays
 *	                                each spare's end (WZY_EXITED pid status)
 *	exec'd kind:
 *	wzygote_send(fds) ─────────►   forks a spare as the warden's child
 *	wzygote_read()   ◄──────────   (CLONE_PARENT): WZY_SPAWNED pid
 *
 * A spare does what is per child (session, fds, its call group for exec'd
 * kinds, a nested Landlock domain, the no-process filter for functions)
 * and waits for its call. A function zygote is the parent of its spares: it
 * reaps them and relays each wait status, so a call run by such a spare
 * ("foster" in warden_call.c) ends when its WZY_EXITED arrives (or early:
 * warden_call.c). A zygote never sees call data.
 *
 * Security argument (docs/sandbox.md "Zygotes"): a spare forked here holds
 * the layers a spare forked by the warden gets, applied by the same code
 * from the same ruleset and filter, only once per session instead of once
 * per child. A function zygote's filter adds what its loop and a spare's
 * setup need (pipe2, sendmsg, recvmsg, wait4, fork, setsid,
 * PR_SET_PDEATHSIG, PR_SET_NAME, PR_SET_SECCOMP, landlock_restrict_self);
 * every function spare stacks a filter that refuses process creation again,
 * so a function call is still one process, killed by pid; function spares
 * share their zygote's cgroup (their kind's limits). Every spare enters a
 * nested Landlock domain with the signal and abstract-socket scopes, so it
 * cannot signal its zygote, other spares or other calls. An exec'd kind's
 * spares join a call group each (they may fork) and run under the filter
 * they inherit. The zygote is not dumpable and no filter allows ptrace.
 */
#ifndef CORDON_RUNTIME_WARDEN_ZYGOTE_H
#define CORDON_RUNTIME_WARDEN_ZYGOTE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/sandbox/warden.h"
#include "runtime/sandbox/warden_call.h"

/* The descriptors of one spawn request, in this order; -1 = not sent. */
enum wzy_fd {
	WZY_OUT, WZY_ERR, WZY_REPLY, WZY_STATUS, WZY_CALL,
	WZY_CG0, /* exec'd kinds: the spare's call group, CGROUP_MAX_HIER join files */
	WZY_NFDS = WZY_CG0 + CGROUP_MAX_HIER
};
/*
 * A function zygote's WZY_SPAWNED carries the warden's ends of the new
 * spare's pipes, in enum wzy_fd order: the read ends of out, err, reply
 * and status, the write end of its call pipe.
 */
#define WZY_SPARE_FDS WZY_CG0

enum wzy_type { WZY_SPAWNED = 1, WZY_EXITED = 2 };

/*
 * A zygote's message to the warden: a spare's pid (or -errno), or a
 * spare's end. serial numbers the zygote's spares (from 1): a pid can be
 * reused once its WZY_EXITED is sent, and the warden may hold that
 * message back (wzygote_wait_spawned()), so it matches pid and serial.
 */
struct wzy_msg {
	uint32_t magic;
	uint32_t type;   /* enum wzy_type */
	int32_t pid;     /* WZY_SPAWNED: < 0 is -errno of a failed fork */
	int32_t status;  /* WZY_EXITED: the wait status */
	uint32_t serial;
};

#define WZY_MAX_EXITS 80

struct wzygote {
	pid_t pid;      /* -1: not running */
	int sock;       /* the warden's end; -1 */
	int slot;       /* the pool slot of its group (held while it runs); -1 */
	bool broken;    /* could not start, or died: the warden forks this kind's spares */
	/* WZY_EXITED messages read while waiting for a WZY_SPAWNED, for the poll loop. */
	struct wzy_msg exits[WZY_MAX_EXITS];
	int nexits;
};

/* An unused zygote (no process). */
void wzygote_init(struct wzygote *z);

/*
 * Fork and confine the zygote of function kind k (warden_call.h numbering:
 * k even). group: the pool slot whose cgroup it and all its spares join
 * (NULL: no cgroup). 0, or -1 with z->broken set.
 */
int wzygote_start(struct wzygote *z, int k, const struct warden_config *cfg,
		  const struct warden_session *ses, const struct warden_slot *group);

/* Ask for one spare with these descriptors (enum wzy_fd; -1 entries are not sent). 0, or -1. */
int wzygote_send(struct wzygote *z, const int fds[WZY_NFDS]);

/*
 * Read one message. wait: block (bounded) until one comes. 1 with *m
 * filled (and fds, when not NULL, with the descriptors it carried, -1
 * where none; without fds they are closed), 0 when none is waiting
 * (!wait), -1 when the zygote is gone (socket closed or broken).
 */
int wzygote_read(struct wzygote *z, struct wzy_msg *m, int fds[WZY_SPARE_FDS], bool wait);

/*
 * The pid (and *serial) of the spare asked for last: reads until its
 * WZY_SPAWNED, queueing the WZY_EXITED messages met on the way in
 * z->exits. > 0, or -1 (fork failed, zygote gone).
 */
pid_t wzygote_wait_spawned(struct wzygote *z, uint32_t *serial);

/* Close the warden's end (the zygote exits at EOF; its spares die with it). */
void wzygote_stop(struct wzygote *z);

#endif
