/*
 * warden_call.h — one call in the warden: request, confined child, output
 * capture, timeout, tree kill, result (untrusted side).
 *
 * A call is a small state machine the warden drives from its poll loop:
 *
 *	c = wcall_recv(sock, cfg, ses);            read the request
 *	wcall_launch(c, ses, slot, spares, false); hand it to a spare, or fork the child
 *	loop: n += wcall_pollfds(c, pf + n, &deadline); poll();
 *	      reaped child of c: wcall_child_exited(c, status)
 *	      if (wcall_step(c, pf, now)) clean = wcall_finish(c);  result sent, freed
 *
 * Direct mode (the common case): the warden runs the call itself; the
 * call's cgroup (lent from the warden's pool) is what finds every process of
 * the call, orphans included, for the tree kill; a function call, which
 * cannot create a process (wcall_single_process()), needs no group: its
 * pid is its tree. An exec'd command without a cgroup gets a call manager
 * instead (warden_call_manager()): a child subreaper, so the call's orphans
 * are reparented to it and warden_kill_all_children() finds them.
 */
#ifndef CORDON_RUNTIME_WARDEN_CALL_H
#define CORDON_RUNTIME_WARDEN_CALL_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/sandbox/warden.h"


/*
 * What the warden prepared once per session and every call uses: the
 * session layers and the Landlock ruleset fd of each profile, [profile][0]
 * for functions and [profile][1] for exec'd commands (-1: not built; the
 * child then builds its own, and fails the call if that fails too).
 */
struct warden_session {
	unsigned layers;
	int ll_fd[PROFILE__COUNT][2];
	bool ll_built[PROFILE__COUNT][2]; /* ll_fd was tried (warden.c builds each kind's when first used) */
	bool exec_base;   /* the warden runs under the exec filters' main program (warden.c) */
	int notify_sock;  /* degraded mode: where children hand listeners (warden_notify.h), or -1 */
};

/*
 * A pre-made call cgroup the warden lends to one call (its pool). Its limits
 * are rewritten only when limits_profile differs from the call's profile.
 */
struct warden_slot {
	struct cgroup_call cg;
	int32_t limits_profile; /* profile whose limits the group has, -1 none */
};

/*
 * A spare: a child forked and confined ahead of its call (one per profile
 * and kind in use), blocked reading the call on a private pipe. See
 * docs/sandbox.md "Spares". Security argument: a spare has done only what
 * does not depend on the call (setsid, PDEATHSIG, fds, rlimits, cgroup
 * slot, capabilities, NO_NEW_PRIVS, Landlock, seccomp), from the very
 * ruleset and filter a fresh child of the same kind would get, before it
 * ever sees call data; it serves exactly one call and then exits, never
 * another; whatever the session would refuse for a call (required
 * layers) is decided before a spare is looked at, so both paths refuse
 * alike. A call the spare cannot match (a passed fd, network, a dead
 * spare) takes the fresh fork path.
 */
struct wzygote;

struct warden_spare {
	pid_t pid;                /* -1: none; 0: asked of zy, pid not known yet */
	struct wzygote *zy;       /* the zygote that forked it (warden_zygote.h), or NULL: the warden */
	bool foster;              /* a function's spare: the zygote's child, its end comes as WZY_EXITED */
	uint32_t zserial;         /* its serial with zy (0: match by pid alone) */
	int slot;                 /* the warden's pool index of ws */
	struct warden_slot *ws;   /* the cgroup slot the spare joined */
	int call_fd;              /* write end of its call pipe */
	int pout, perr, prep, pst; /* read ends, as a call keeps them */
	bool wanted;              /* a call of this kind came: keep one ready */
	bool handed;              /* wcall_start gave it a call: the call owns pid, fds, rep, slot */
	bool failed;              /* wcall_start could not hand it its call: discard it */
	/*
	 * Its call pipe was given to the supervisor as this ticket (call_fd is
	 * -1 then): only the call that names it may have it. exited/wstatus:
	 * it ended before that call came (the command may have run already).
	 */
	uint32_t ticket;
	bool exited;
	int wstatus;
};

/* Spare kinds: profile * 2 + 0 functions, profile * 2 + 1 exec'd commands (no network). */
#define WSPARE_KINDS (PROFILE__COUNT * 2)
/*
 * Spares per kind, kind k's at [k * WSPARE_DEPTH + j]. A function kind
 * keeps two (its zygote forks the next while one waits: a call that comes
 * right after another need not wait for a fork; a zygote has at most one
 * fork asked and not reported at a time); an exec'd kind keeps one (the
 * warden forks the next while the call's command execs).
 */
#define WSPARE_DEPTH 2
#define WSPARE_SLOTS (WSPARE_KINDS * WSPARE_DEPTH)

/*
 * Fork and confine a spare of kind k in the cgroup slot ws (limits set
 * for its profile here; NULL: no slot of its own). With zy (an exec'd
 * kind's zygote; a function zygote makes its spares unasked) the zygote
 * forks it instead (sp->pid stays 0 until its WZY_SPAWNED). 0, or -1
 * (nothing left behind).
 */
int wspare_make(struct warden_spare *sp, int k, const struct warden_config *cfg,
		const struct warden_session *ses, struct warden_slot *ws, int slot,
		struct wzygote *zy);

/*
 * In a spare, confined: read its one call from CHILD_CALL_FD, then exec or
 * run it (child_start()). Never returns; a broken call message ends the
 * spare as a setup failure.
 */
struct child_spec;
void wspare_serve(struct child_spec *s, int status, const struct warden_config *cfg,
		  unsigned layers, bool fn) __attribute__((noreturn));

/* Kill a spare that will serve no call and release what the warden holds for it. */
void wspare_discard(struct warden_spare *sp);

/*
 * The seccomp programs of an exec'd command of profile p in a session with
 * these layers (cfg->prog_exec: the read-only profile's, network on or off,
 * with or without network namespace).
 */
const struct seccomp_prog *wcall_exec_prog(const struct warden_config *cfg, unsigned layers,
					   uint32_t profile, bool net);

/* Most pollfd entries one call adds. */
#define WCALL_MAX_POLLFDS 6

struct wcall;

/*
 * Read the call's request from sock (bounded waits; the supervisor sends it
 * right behind the socket). NULL on a protocol error (sock closed, nothing
 * to answer).
 */
struct wcall *wcall_recv(int sock, const struct warden_config *cfg,
			 const struct warden_session *ses);

/* The call's kind, numbered as the spares' (profile * 2 + 0 function, + 1 exec'd). */
int wcall_kind(const struct wcall *c);

/* True when the call's child cannot create a process: a function under its filter. */
bool wcall_single_process(const struct wcall *c);

/*
 * Start the call: hand it to a spare or fork the confined child. A call
 * refused before its child ran (missing layer, no pipes) comes back already
 * finished. slot: the call's cgroup (direct mode), or NULL (a function
 * without cgroups, or a call manager). spares: the warden's WSPARE_SLOTS
 * spares, or NULL (call manager). The call's kind is marked wanted; if its
 * spare is alive the call is handed to it (sp->handed: the call now runs in
 * sp->ws, slot is unused) or, when that fails, sp->failed is set and the
 * call is forked fresh in slot. manager: run by a call manager.
 */
void wcall_launch(struct wcall *c, const struct warden_session *ses, struct warden_slot *slot,
		  struct warden_spare *spares, bool manager);

/* Free a call that was received but will be run elsewhere (this copy of it only). */
void wcall_forget(struct wcall *c);

/* Append the call's pollfds to pf; lower *deadline (monotonic ms) to its next timer. */
int wcall_pollfds(struct wcall *c, struct pollfd *pf, uint64_t *deadline);

/*
 * The call's child (-1 when none is running): whoever reaps it hands over
 * the status. A zygote's child also has its serial with the zygote
 * (wcall_serial(), 0 for the warden's own children).
 */
pid_t wcall_pid(const struct wcall *c);
uint32_t wcall_serial(const struct wcall *c);
void wcall_child_exited(struct wcall *c, int wstatus);

/* Handle the poll results and timers. True when the call is over (then wcall_finish()). */
bool wcall_step(struct wcall *c, const struct pollfd *pf, uint64_t now);

/*
 * Kill the call's tree, send the result (unless the supervisor hung up) and
 * free the call. Returns true when the call's cgroup was seen empty (a pool
 * slot may be lent again).
 */
bool wcall_finish(struct wcall *c);

/*
 * wcall_finish(), also handing the supervisor ticket (a dup of a spare's
 * call pipe, fd, which is closed here either way) with the result.
 * *sent: whether it went out (the spare is the supervisor's then).
 */
bool wcall_finish_ticket(struct wcall *c, int fd, uint32_t ticket, bool *sent);

/* The call's request flags (SBX_F_*) and ticket (0: none). */
uint32_t wcall_flags(const struct wcall *c);
uint32_t wcall_ticket(const struct wcall *c);

/* Whether the supervisor hung up on the call (then no result, and no ticket, goes to it). */
bool wcall_cancelled(const struct wcall *c);

/* The monotonic clock in ms, as the deadlines use it. */
uint64_t wcall_now_ms(void);

/*
 * The call manager process (an exec'd command without a cgroup): runs the
 * received call c with its own poll loop and exits when the result is
 * sent. Never returns.
 */
void warden_call_manager(struct wcall *c, const struct warden_session *ses)
	__attribute__((noreturn));

/*
 * Kill and reap every descendant of the calling process (which must be a
 * child subreaper for orphans to be found), until none is left.
 */
void warden_kill_all_children(void);

#endif
