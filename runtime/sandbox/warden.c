/*
 * warden.c — the warden: startup (environment scrub, namespaces, mount
 * view) and the poll loop that runs the calls (untrusted side).
 *
 * It runs in a process forked from the supervisor before it read any
 * secret, and wipes the environment it inherited before doing anything
 * else, so /proc/<warden>/environ holds nothing either.
 */
#include "runtime/sandbox/warden.h"
#include "common/error.h"
#include "runtime/sandbox/caps.h"
#include "runtime/sandbox/landlock.h"
#include "runtime/sandbox/sandbox_ipc.h"
#include "runtime/sandbox/warden_call.h"
#include "runtime/sandbox/warden_egress.h"
#include "runtime/sandbox/warden_notify.h"
#include "runtime/sandbox/warden_ns.h"
#include "runtime/sandbox/warden_zygote.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Wipe the inherited environment strings themselves (what /proc/PID/environ shows). */
static void scrub_environment(void)
{
	char **e;

	for (e = environ; e && *e; e++)
		explicit_bzero(*e, strlen(*e));
	environ = NULL;
}

/*
 * Wipe the inherited command line too (what /proc/PID/cmdline shows to
 * every process of the session, pid 1 being us): the supervisor's argv may
 * hold a key (`--api-key ...`) or other secrets. Its bounds are arg_start
 * and arg_end of /proc/self/stat (fields 48, 49). Our copy of the pages
 * only (we are a fork): the supervisor keeps its argv.
 */
static void scrub_cmdline(void)
{
	char buf[2048], *p;
	unsigned long start = 0, end = 0;
	ssize_t n;
	int fd, field;

	fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* After the comm's closing parenthesis: " S" (field 3, the state), then numbers. */
	p = strrchr(buf, ')');
	if (!p || strlen(p) < 4)
		return;
	p += 3;
	for (field = 4; field <= 49 && p; field++) {
		char *e;
		unsigned long v;

		while (*p == ' ')
			p++;
		v = strtoul(p, &e, 10);
		if (field == 48)
			start = v;
		else if (field == 49)
			end = v;
		p = e != p ? e : NULL;
	}
	if (start && end > start && end - start < (64ul << 20))
		explicit_bzero((void *)start, end - start);
}

/*
 * Every signal back to its default and unblocked, as an exec would leave
 * them: the supervisor's handlers (a test harness's, a future SIGINT
 * handler) are its own code over its own state, and must not run in the
 * warden or in a tool's child forked from it.
 */
static void reset_signals(void)
{
	sigset_t none;
	int s;

	for (s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void close_except(const int *keep, size_t n)
{
	unsigned lo = 3;
	size_t i, j;
	int sorted[16];

	if (n > 16)
		n = 16;
	memcpy(sorted, keep, n * sizeof(int));
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (sorted[j] < sorted[i]) {
				int t = sorted[i];

				sorted[i] = sorted[j];
				sorted[j] = t;
			}
	for (i = 0; i < n; i++) {
		if (sorted[i] < (int)lo)
			continue;
		if ((unsigned)sorted[i] > lo)
			syscall(SYS_close_range, lo, (unsigned)sorted[i] - 1, 0u);
		lo = (unsigned)sorted[i] + 1;
	}
	syscall(SYS_close_range, lo, ~0u, 0u);
}

/* ---- the call cgroup pool ----------------------------------------------- */

/*
 * Creating and removing a cgroup per call (mkdir + rmdir in each v1
 * hierarchy, memcg setup and teardown) cost more than the rest of a call.
 * The warden keeps call groups instead and lends one to each call.
 * Safe because: a group is lent again only once it was read empty after
 * its call's tree kill (otherwise it is retired), limits are rewritten
 * whenever the profile differs, and nothing in a call can move itself out
 * of its group (no cgroupfs in the view, no capabilities).
 */
#define POOL_MAX 64
#define POOL_PREMADE 2

struct pool_slot {
	struct warden_slot ws;
	struct wcall *call; /* non-NULL while lent */
	bool made;
	bool spare;         /* held by a spare (not yet handed a call) */
};

struct pool {
	struct pool_slot s[POOL_MAX];
};

static bool pool_make(struct pool *p, const struct warden_config *cfg, int i)
{
	char name[32];

	snprintf(name, sizeof(name), "slot-%d", i);
	if (cgroup_call_create(&cfg->cg, name, profile_default_limits(PROFILE_BASH),
			       &p->s[i].ws.cg) < 0)
		return false;
	p->s[i].ws.limits_profile = PROFILE_BASH;
	p->s[i].made = true;
	p->s[i].call = NULL;
	return true;
}

static void pool_init(struct pool *p, const struct warden_config *cfg)
{
	int i;

	memset(p, 0, sizeof(*p));
	for (i = 0; cfg->cg.n && i < POOL_PREMADE; i++)
		if (!pool_make(p, cfg, i))
			break;
}

/* A free slot (made on demand), or -1: no cgroup here, or the pool is exhausted. */
static int pool_take(struct pool *p, const struct warden_config *cfg)
{
	int i;

	if (!cfg->cg.n)
		return -1;
	for (i = 0; i < POOL_MAX; i++)
		if (p->s[i].made && !p->s[i].call && !p->s[i].spare)
			return i;
	for (i = 0; i < POOL_MAX; i++)
		if (!p->s[i].made && pool_make(p, cfg, i))
			return i;
	return -1;
}

/* The call is over: its slot goes back, or is retired when it did not empty. */
static void pool_give_back(struct pool *p, const struct warden_config *cfg, int i, bool clean)
{
	p->s[i].call = NULL;
	if (!clean) {
		cgroup_call_destroy(&cfg->cg, &p->s[i].ws.cg);
		p->s[i].made = false;
	}
}

/* ---- the warden ---------------------------------------------------------- */

/*
 * The Landlock ruleset of one kind (profile, function or exec'd), built once
 * here instead of in each child (open + add_rule per path per call). The
 * mount view is final and locked by now, so the rules hold the same inodes
 * a child would resolve. Safe because: a child only enforces a ruleset
 * (landlock_restrict_self snapshots it into the child's domain) and closes
 * the fd before the call's code runs (and it is close-on-exec); the warden
 * never adds to a ruleset once built, so every call of a profile gets
 * exactly the rules it would have built itself. A ruleset that cannot be
 * built stays -1 and the child builds its own, which fails the call the
 * same way.
 */
static void build_ruleset(struct warden_session *ses, const struct warden_config *cfg, int p, int e)
{
	struct landlock_paths ll;

	if (ses->ll_built[p][e])
		return;
	ses->ll_built[p][e] = true;
	ll.workspace = cfg->workspace;
	ll.read_roots = cfg->read_roots;
	ll.in_view = (ses->layers & LAYER_BIT(LAYER_MOUNTNS)) != 0;
	ll.netns = (ses->layers & LAYER_BIT(LAYER_NETNS)) != 0;
	ll.tmp = ll.in_view ? "/tmp" : cfg->session_tmp;
	ses->ll_fd[p][e] = cfg->landlock_abi >= 1
		? landlock_build((enum sandbox_profile)p, e == 1, &ll, cfg->landlock_abi)
		: -1;
}

/*
 * In the mount view each kind's ruleset is built when its first call comes
 * (a session uses two or three of the ten; `cordon sandbox` one). Safe
 * because: every path a rule names there is a mount point or lies in a
 * read-only mount of the locked view (workspace, read roots, /tmp, system
 * and CA directories, /dev files, /proc, /), so no call can change what it
 * resolves to before it is built: later is the same rules. Without a view
 * every ruleset is built at start, as before: the rules on /etc then list
 * its entries one by one (landlock.c), and only those present at start are
 * readable.
 */
static void build_rulesets(struct warden_session *ses, const struct warden_config *cfg)
{
	int p, e;

	for (p = 0; p < PROFILE__COUNT; p++)
		for (e = 0; e < 2; e++) {
			ses->ll_fd[p][e] = -1;
			ses->ll_built[p][e] = false;
		}
	if (ses->layers & LAYER_BIT(LAYER_MOUNTNS))
		return;
	for (p = 0; p < PROFILE__COUNT; p++)
		for (e = 0; e < 2; e++)
			build_ruleset(ses, cfg, p, e);
}

/*
 * The exec base: the main program of the exec'd commands' filter (the
 * Docker-style allowlist minus the always-deny set; every exec filter
 * shares it, only their overlays differ), loaded once here instead of in
 * every Bash child: its compile to the kernel's form, JIT and action cache
 * cost more than the rest of a child's setup. Every process forked from
 * now on inherits it; an exec'd command stacks its overlay on it, which
 * gives it the same two programs in the same order it would have loaded
 * itself; a built-in tool stacks its own allowlist, stricter than the
 * base everywhere (the base allows what those need, openat2 included).
 * Safe because: a filter can only take syscalls away, and the warden
 * needs nothing the base refuses (it refuses with EPERM, never kills).
 * False when there are no filters here, or the load failed: then every
 * child loads its whole filter, as before.
 */
static bool load_exec_base(const struct warden_config *cfg)
{
	if (!cfg->seccomp_ok || cfg->prog_exec[0][0].n < 2)
		return false;
	return seccomp_prog_load_range(&cfg->prog_exec[0][0], 0, 1) == 0;
}

#define MAX_DIRECT_CALLS 64

struct calls {
	struct wcall *c[MAX_DIRECT_CALLS];
	int slot[MAX_DIRECT_CALLS];
	int n;
	struct warden_spare spare[WSPARE_SLOTS]; /* kind k's at [k * WSPARE_DEPTH ...] */
	struct wzygote zy[WSPARE_KINDS]; /* function kinds' fork servers (warden_zygote.h) */
	bool refill;               /* a zygote reported a spare: it may fork the next one */
	unsigned long spares_lost; /* spares found dead before their call (e.g. OOM-killed) */
	/* Tickets (sandbox_ipc.h): the last one issued, and the one out per kind (0: none). */
	uint32_t ticket_last;
	uint32_t ticket_out[WSPARE_KINDS];
};

/* Spare i will serve no call: kill it, empty its slot and give the slot back. */
static void spare_drop(struct calls *cs, int i, struct pool *pool, const struct warden_config *cfg)
{
	struct warden_spare *sp = &cs->spare[i];
	int slot = sp->slot;

	if (sp->ticket)
		cs->ticket_out[i / WSPARE_DEPTH] = 0;
	wspare_discard(sp);
	if (slot >= 0) {
		pool->s[slot].spare = false;
		pool_give_back(pool, cfg, slot, cgroup_call_kill(&pool->s[slot].ws.cg, true));
	}
	sp->slot = -1;
	sp->ws = NULL;
}

/*
 * The zygote of kind k, started on first use; NULL when it cannot run
 * (then the warden forks that kind's spares itself). A function kind's
 * holds a pool slot as its group (and its spares') for as long as it runs.
 */
static struct wzygote *zygote_for(struct calls *cs, int k, struct pool *pool,
				  const struct warden_config *cfg, const struct warden_session *ses)
{
	struct wzygote *z = &cs->zy[k];
	struct warden_slot *group;
	int slot;

	if (z->broken)
		return NULL;
	if (z->pid > 0)
		return z;
	if (k % 2 == 1 || !cfg->cg.n) {
		/* An exec'd kind's spares join a call group each; without cgroups there is none. */
		if (wzygote_start(z, k, cfg, ses, NULL) < 0)
			return NULL;
		z->slot = -1;
		return z;
	}
	slot = pool_take(pool, cfg);
	if (slot < 0)
		return NULL;
	group = &pool->s[slot].ws;
	cgroup_call_set_limits(&cfg->cg, &group->cg, profile_default_limits((uint32_t)(k / 2)));
	group->limits_profile = k / 2;
	pool->s[slot].spare = true;
	if (wzygote_start(z, k, cfg, ses, group) < 0) {
		pool->s[slot].spare = false;
		pool_give_back(pool, cfg, slot, cgroup_call_kill(&group->cg, true));
		return NULL;
	}
	z->slot = slot;
	return z;
}

/*
 * The zygote of kind k is gone (exited, or its socket broke): its spares
 * die with it (PDEATHSIG) and come back to us to be reaped; the warden
 * forks this kind's spares from now on.
 */
static void zygote_lost(struct calls *cs, int k, struct pool *pool,
			const struct warden_config *cfg)
{
	struct wzygote *z = &cs->zy[k];
	int j;

	if (z->pid > 0)
		kill(z->pid, SIGKILL);
	wzygote_stop(z);
	z->broken = true;
	for (j = k * WSPARE_DEPTH; j < (k + 1) * WSPARE_DEPTH; j++) {
		struct warden_spare *sp = &cs->spare[j];

		if (sp->zy != z)
			continue;
		if (sp->pid == 0)
			sp->pid = -1; /* never forked, or its pid will not come */
		spare_drop(cs, j, pool, cfg);
	}
	if (z->slot >= 0) {
		/* Not lent again before its processes are gone. */
		pool->s[z->slot].spare = false;
		pool_give_back(pool, cfg, z->slot, cgroup_call_kill(&pool->s[z->slot].ws.cg, true));
		z->slot = -1;
	}
}

/*
 * Keep one spare of every kind a call wanted, asked of the kind's zygote
 * when it has one. When: an exec'd command's right after its call was
 * dispatched (its exec takes longer than the fork: the two overlap); a
 * function's once a call was answered (fns: a function may be done before
 * a fork would be, so the warden stays free to answer it first).
 */
static void spares_refill(struct calls *cs, struct pool *pool, const struct warden_config *cfg,
			  const struct warden_session *ses, bool fns)
{
	int i, k, slot;

	cs->refill = false;
	for (i = 0; i < WSPARE_SLOTS; i++) {
		struct warden_spare *sp = &cs->spare[i];
		struct wzygote *zy;
		int j;

		k = i / WSPARE_DEPTH;
		if (!cs->spare[k * WSPARE_DEPTH].wanted || sp->pid >= 0 || (k % 2 == 0 && !fns))
			continue;
		/*
		 * No pool (no cgroups): an exec'd command runs in a call manager,
		 * which takes no spare; a function can still have its zygote's.
		 */
		if (!cfg->cg.n && (k % 2 == 1 || !cfg->seccomp_ok))
			continue;
		/* Spares come from their kind's zygote, or from the warden when it has none. */
		zy = zygote_for(cs, k, pool, cfg, ses);
		if (zy && k % 2 == 0)
			continue; /* a function zygote keeps its spares coming on its own */
		if (!zy && i % WSPARE_DEPTH)
			continue; /* one spare of a kind the warden forks */
		/* One fork asked of a zygote at a time: its WZY_SPAWNED is that spare's. */
		for (j = k * WSPARE_DEPTH; zy && j < (k + 1) * WSPARE_DEPTH; j++)
			if (cs->spare[j].zy == zy && cs->spare[j].pid == 0)
				zy = NULL;
		if (cs->zy[k].pid > 0 && !zy)
			continue;
		slot = -1;
		if (!zy || k % 2 == 1) {
			/* Its own call group: the tree kill finds an exec'd command's processes there. */
			slot = pool_take(pool, cfg);
			if (slot < 0)
				return;
		}
		if (wspare_make(sp, k, cfg, ses, slot >= 0 ? &pool->s[slot].ws : NULL, slot, zy) < 0) {
			cs->spare[k * WSPARE_DEPTH].wanted = false; /* no retry loop: the next call asks again */
			if (slot >= 0)
				pool_give_back(pool, cfg, slot, true);
			continue;
		}
		if (slot >= 0)
			pool->s[slot].spare = true;
	}
}

/*
 * A child ended (reaped by us, or by its zygote): a call's child goes to
 * its call; a spare that died before its call is dropped (and counted);
 * anything else (a call manager, an orphan the tree kill got) is ignored.
 */
static void child_ended(struct calls *cs, struct pool *pool, const struct warden_config *cfg,
			pid_t w, uint32_t serial, int st)
{
	int i;

	/* serial 0: reaped by us, by pid alone (a zygote's orphans come to us too). */
	for (i = 0; i < cs->n; i++)
		if (wcall_pid(cs->c[i]) == w && (!serial || wcall_serial(cs->c[i]) == serial)) {
			wcall_child_exited(cs->c[i], st);
			break;
		}
	for (i = 0; i < WSPARE_SLOTS; i++)
		if (cs->spare[i].pid == w && !cs->spare[i].exited &&
		    (!serial || cs->spare[i].zserial == serial)) {
			if (cs->spare[i].ticket) {
				/*
				 * The supervisor may have written it a call, which it
				 * ran: that call gets this end when it comes.
				 */
				cs->spare[i].exited = true;
				cs->spare[i].wstatus = st;
				continue;
			}
			cs->spare[i].pid = -1; /* reaped: nothing to kill */
			spare_drop(cs, i, pool, cfg);
			cs->spares_lost++;
		}
}

/* Reap every child of ours that exited; a zygote among them is lost. */
static void reap(struct calls *cs, struct pool *pool, const struct warden_config *cfg)
{
	pid_t w;
	int st, k;

	while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
		for (k = 0; k < WSPARE_KINDS; k++)
			if (cs->zy[k].pid == w) {
				cs->zy[k].pid = -1;
				zygote_lost(cs, k, pool, cfg);
			}
		child_ended(cs, pool, cfg, w, 0, st);
	}
}

/*
 * The messages of zygote k: a spare's pid, or a spare's end (also those
 * queued while the warden waited for a pid). readable: its socket polled
 * readable (else only the queued ones).
 */
/*
 * A function zygote's new spare (m, and the warden's ends of its pipes in
 * fds): into a free spare entry of kind k. -1 (fds closed) when none is free.
 */
static int spare_adopt(struct calls *cs, int k, struct wzygote *z, const struct wzy_msg *m,
		       int fds[WZY_SPARE_FDS])
{
	int j, i;

	for (j = k * WSPARE_DEPTH; j < (k + 1) * WSPARE_DEPTH; j++) {
		struct warden_spare *sp = &cs->spare[j];

		if (sp->pid >= 0)
			continue;
		for (i = 0; i < WZY_SPARE_FDS; i++)
			if (fds[i] < 0)
				goto bad;
		sp->pid = m->pid;
		sp->zserial = m->serial;
		sp->zy = z;
		sp->foster = true;
		sp->slot = -1;
		sp->ws = NULL;
		sp->pout = fds[WZY_OUT];
		sp->perr = fds[WZY_ERR];
		sp->prep = fds[WZY_REPLY];
		sp->pst = fds[WZY_STATUS];
		sp->call_fd = fds[WZY_CALL];
		sp->handed = sp->failed = false;
		return 0;
	}
bad:
	for (i = 0; i < WZY_SPARE_FDS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	return -1;
}

static void zygote_messages(struct calls *cs, int k, struct pool *pool,
			    const struct warden_config *cfg, bool readable)
{
	struct wzygote *z = &cs->zy[k];
	struct wzy_msg m;
	int i, j, r, fds[WZY_SPARE_FDS];

	for (i = 0; i < z->nexits; i++)
		child_ended(cs, pool, cfg, z->exits[i].pid, z->exits[i].serial, z->exits[i].status);
	z->nexits = 0;
	while (readable && (r = wzygote_read(z, &m, fds, false)) != 0) {
		if (r < 0) {
			zygote_lost(cs, k, pool, cfg);
			return;
		}
		if (m.type == WZY_EXITED) {
			child_ended(cs, pool, cfg, m.pid, m.serial, m.status);
		} else if (m.type == WZY_SPAWNED && k % 2 == 0) {
			if (m.pid > 0 && spare_adopt(cs, k, z, &m, fds) < 0) {
				/* More spares than it may keep: a zygote that broke its side. */
				zygote_lost(cs, k, pool, cfg);
				return;
			}
		} else if (m.type == WZY_SPAWNED) {
			/* The one spare asked of it and not reported (spares_refill()). */
			for (j = k * WSPARE_DEPTH; j < (k + 1) * WSPARE_DEPTH; j++) {
				struct warden_spare *sp = &cs->spare[j];

				if (sp->zy != z || sp->pid != 0)
					continue;
				sp->pid = m.pid > 0 ? m.pid : -1;
				sp->zserial = m.serial;
				if (sp->pid < 0)
					spare_drop(cs, j, pool, cfg);
				else
					cs->refill = true;
				break;
			}
		}
	}
}

/* The spare of kind k the supervisor holds ticket t for (index into cs->spare), or -1. */
static int ticket_spare(const struct calls *cs, int k, uint32_t t)
{
	int j;

	for (j = k * WSPARE_DEPTH; t && j < (k + 1) * WSPARE_DEPTH; j++)
		if (cs->spare[j].ticket == t)
			return j;
	return -1;
}

/*
 * Finish call c and, for an exec'd call whose kind has a spare free and no
 * ticket out, hand the supervisor that spare's call pipe as a ticket with
 * the result (sandbox_ipc.h): its next call of the kind goes straight to
 * the spare. Safe because: the pipe goes to the supervisor only (our copy
 * is closed once it went out: the spare is the supervisor's to write to,
 * hand_to_spare() passes it by); the spare is the one we would hand that
 * call, confined alike, and serves one call.
 */
static bool finish_call(struct calls *cs, struct wcall *c)
{
	struct warden_spare *sp = NULL;
	int k = wcall_kind(c), j, fd;
	uint32_t id;
	bool clean, sent;

	if (k % 2 == 1 && !(wcall_flags(c) & (SBX_F_NET | SBX_F_FD)) && !wcall_cancelled(c) &&
	    !cs->ticket_out[k])
		for (j = k * WSPARE_DEPTH; j < (k + 1) * WSPARE_DEPTH && !sp; j++)
			if (cs->spare[j].pid >= 0 && cs->spare[j].call_fd >= 0 && !cs->spare[j].ticket &&
			    !cs->spare[j].exited)
				sp = &cs->spare[j];
	if (!sp || (fd = fcntl(sp->call_fd, F_DUPFD_CLOEXEC, 0)) < 0)
		return wcall_finish(c);
	id = ++cs->ticket_last ? cs->ticket_last : ++cs->ticket_last;
	clean = wcall_finish_ticket(c, fd, id, &sent);
	if (sent) {
		sp->ticket = id;
		close(sp->call_fd);
		sp->call_fd = -1;
		cs->ticket_out[k] = id;
	}
	return clean;
}

/* One call from the control socket: run it here (direct) or in a call manager. */
static void accept_call(int ctl, struct calls *cs, struct pool *pool,
			const struct warden_config *cfg, struct warden_session *ses)
{
	struct sbx_msg m;
	struct wcall *c;
	int fd, slot;
	bool ticketed;
	pid_t pid;

	if (sbx_recv_fd(ctl, &m, sizeof(m), &fd) < 0) {
		/* EOF: the supervisor closed the session. Spares die with the rest. */
		for (slot = 0; slot < cs->n; slot++)
			wcall_finish(cs->c[slot]);
		warden_kill_all_children();
		_exit(0);
	}
	if (m.magic != SBX_MAGIC || m.type != SBX_MSG_CALL || fd < 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	c = wcall_recv(fd, cfg, ses);
	if (!c)
		return;
	build_ruleset(ses, cfg, wcall_kind(c) / 2, wcall_kind(c) % 2);
	ticketed = (wcall_flags(c) & SBX_F_TICKET) != 0;
	if (wcall_flags(c) & (SBX_F_TICKET | SBX_F_TICKET_BACK)) {
		int k = wcall_kind(c), j = ticket_spare(cs, k, wcall_ticket(c));

		if (cs->ticket_out[k] == wcall_ticket(c))
			cs->ticket_out[k] = 0;
		/*
		 * Given back unused, or with the call but no room to run it here:
		 * its spare goes (a ticketed call that cannot be adopted fails;
		 * it never runs again elsewhere).
		 */
		if (j >= 0 && (!ticketed || cs->n >= MAX_DIRECT_CALLS))
			spare_drop(cs, j, pool, cfg);
	}
	slot = cs->n < MAX_DIRECT_CALLS ? pool_take(pool, cfg) : -1;
	/*
	 * A function needs no group for its tree kill: without cgroups it still
	 * runs here. A ticketed call runs in its spare's group.
	 */
	if (slot >= 0 || (ticketed && cs->n < MAX_DIRECT_CALLS) ||
	    (!cfg->cg.n && cs->n < MAX_DIRECT_CALLS && wcall_single_process(c))) {
		int k;

		wcall_launch(c, ses, slot >= 0 ? &pool->s[slot].ws : NULL, cs->spare, false);
		/* A ticketed call refused before its spare was adopted: that spare goes, with whatever it ran. */
		if (ticketed && (k = ticket_spare(cs, wcall_kind(c), wcall_ticket(c))) >= 0)
			spare_drop(cs, k, pool, cfg);
		for (k = 0; k < WSPARE_SLOTS; k++) {
			struct warden_spare *sp = &cs->spare[k];

			if (sp->handed && sp->slot < 0) {
				/* A zygote's function spare: no group of its own; the call keeps the slot. */
				sp->handed = false;
				sp->ws = NULL;
			} else if (sp->handed) {
				/* The call runs in the spare's slot; the one taken above stays free. */
				slot = sp->slot;
				pool->s[slot].spare = false;
				sp->handed = false;
				sp->slot = -1;
				sp->ws = NULL;
			} else if (sp->failed) {
				spare_drop(cs, k, pool, cfg);
				cs->spares_lost++;
			}
		}
		if (slot >= 0)
			pool->s[slot].call = c;
		cs->c[cs->n] = c;
		cs->slot[cs->n++] = slot;
		return;
	}
	/* No cgroup for an exec'd command: a call manager (subreaper) catches its orphans. */
	pid = fork();
	if (pid == 0) {
		close(ctl);
		warden_call_manager(c, ses);
	}
	wcall_forget(c);
}

static void __attribute__((noreturn)) serve(int ctl, const struct warden_config *cfg,
					    unsigned layers)
{
	static struct pollfd pf[1 + WSPARE_KINDS + MAX_DIRECT_CALLS * WCALL_MAX_POLLFDS];
	struct warden_session ses;
	static struct calls cs;
	struct pool pool;
	int k;

	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	ses.layers = layers;
	ses.notify_sock = -1;
	build_rulesets(&ses, cfg);
	/* A one-call session (cordon sandbox) makes its one group when the call comes. */
	memset(&pool, 0, sizeof(pool));
	if (!cfg->one_call)
		pool_init(&pool, cfg);
	/*
	 * Without a network namespace (degraded mode) exec'd commands hand
	 * their metadata syscalls to the notifier (warden_notify.h). Forked
	 * before the exec base: it runs under no filter of the session.
	 */
	if (cfg->seccomp_ok && !(layers & LAYER_BIT(LAYER_NETNS)))
		wnotify_start(cfg, &ses.notify_sock);
	ses.exec_base = load_exec_base(cfg);
	/*
	 * Give the free heap the supervisor left us back to the kernel: every
	 * child is a fork of this process, and a fork copies (and an exit
	 * unmaps) every page it has.
	 */
	if (!cfg->one_call)
		malloc_trim(0);
	memset(&cs, 0, sizeof(cs));
	for (k = 0; k < WSPARE_KINDS; k++)
		wzygote_init(&cs.zy[k]);
	for (k = 0; k < WSPARE_SLOTS; k++) {
		cs.spare[k].pid = -1;
		cs.spare[k].slot = -1;
		cs.spare[k].call_fd = cs.spare[k].pout = cs.spare[k].perr = -1;
		cs.spare[k].prep = cs.spare[k].pst = -1;
	}
	for (;;) {
		uint64_t deadline = UINT64_MAX, now;
		int n = 0, i, wait_ms, base[MAX_DIRECT_CALLS], zbase[WSPARE_KINDS];
		bool answered;

		reap(&cs, &pool, cfg);
		for (k = 0; k < WSPARE_KINDS; k++)
			zygote_messages(&cs, k, &pool, cfg, false);
		pf[n++] = (struct pollfd){ .fd = ctl, .events = POLLIN };
		for (k = 0; k < WSPARE_KINDS; k++) {
			zbase[k] = -1;
			if (cs.zy[k].sock >= 0) {
				zbase[k] = n;
				pf[n++] = (struct pollfd){ .fd = cs.zy[k].sock, .events = POLLIN };
			}
		}
		for (i = 0; i < cs.n; i++) {
			base[i] = n;
			n += wcall_pollfds(cs.c[i], pf + n, &deadline);
		}
		now = wcall_now_ms();
		wait_ms = deadline <= now ? 0 : deadline - now > 1000 ? 1000 : (int)(deadline - now);
		if (poll(pf, (nfds_t)n, wait_ms) < 0 && errno != EINTR)
			break;
		reap(&cs, &pool, cfg);
		for (k = 0; k < WSPARE_KINDS; k++)
			if (zbase[k] >= 0 && pf[zbase[k]].revents)
				zygote_messages(&cs, k, &pool, cfg, true);
		now = wcall_now_ms();
		for (i = 0, answered = false; i < cs.n; i++) {
			if (!wcall_step(cs.c[i], pf + base[i], now))
				continue;
			if (cs.slot[i] >= 0)
				pool_give_back(&pool, cfg, cs.slot[i], finish_call(&cs, cs.c[i]));
			else
				finish_call(&cs, cs.c[i]);
			cs.c[i] = NULL;
			answered = true;
		}
		/* Compact the finished calls out (base[] is rebuilt next round). */
		for (i = 0, n = 0; i < cs.n; i++)
			if (cs.c[i]) {
				cs.c[n] = cs.c[i];
				cs.slot[n++] = cs.slot[i];
			}
		cs.n = n;
		if (pf[0].revents) {
			accept_call(ctl, &cs, &pool, cfg, &ses);
			/* The call is dispatched: now make its kind's next spare (none for one call). */
			if (!cfg->one_call)
				spares_refill(&cs, &pool, cfg, &ses, false);
		}
		if ((answered || cs.refill) && !cfg->one_call)
			spares_refill(&cs, &pool, cfg, &ses, true);
	}
	warden_kill_all_children();
	_exit(0);
}

static void send_ready(int ctl, int status, unsigned layers, const char *why, int err)
{
	struct sbx_ready rd;

	memset(&rd, 0, sizeof(rd));
	rd.magic = SBX_MAGIC;
	rd.status = status;
	rd.layers = layers;
	if (why && *why)
		snprintf(rd.reason, sizeof(rd.reason), "%s: %s", why, strerror(err));
	sbx_send_msg(ctl, &rd, sizeof(rd));
}

static void send_ready_text(int ctl, unsigned layers, const char *reason, unsigned egress_port)
{
	struct sbx_ready rd;

	memset(&rd, 0, sizeof(rd));
	rd.magic = SBX_MAGIC;
	rd.layers = layers;
	rd.egress_port = egress_port;
	snprintf(rd.reason, sizeof(rd.reason), "%s", reason);
	sbx_send_msg(ctl, &rd, sizeof(rd));
}

/*
 * From here the warden needs no privilege: children inherit locked
 * securebits and an empty bounding set, and nothing the warden or a call
 * manager does (fork, kill its own children, cgroup files it owns, pipes)
 * needs a capability. Safe because: a compromised warden holds nothing.
 */
static int drop_privileges(void)
{
	if (caps_drop_all(NULL) < 0)
		return -CORDON_ESYS;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -CORDON_ESYS;
	return 0;
}

/*
 * A failure to build the namespaced session goes to the supervisor (ctl),
 * or, under a standby (report >= 0: sandbox_start()), to the standby,
 * which then serves in degraded mode itself or refuses.
 */
static void __attribute__((noreturn)) fail_ready(int ctl, int report, int status, const char *why, int err)
{
	send_ready(report >= 0 ? report : ctl, status, 0, why, err);
	_exit(1);
}

/*
 * The warden's outer half once pid 1 of the session runs: it holds nothing
 * (the control socket, the egress channel and the cgroup directories are
 * pid 1's now) and
 * only waits, so pid 1's exit status becomes its own.
 */
static void __attribute__((noreturn)) wait_for_pid1(int ctl, const struct warden_config *cfg, pid_t pid)
{
	int i, status;

	close(ctl);
	if (cfg->egress_fd >= 0)
		close(cfg->egress_fd);
	for (i = 0; i < CGROUP_MAX_HIER; i++)
		if (cfg->cg.dirfd[i] >= 0)
			close(cfg->cg.dirfd[i]);
	drop_privileges();
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			_exit(1);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

/*
 * The namespaced session: enter the namespaces here, fork pid 1, which
 * builds and locks the view and serves; this half waits for it. report:
 * the standby's socket (its end closes once pid 1 said it is ready), or -1.
 */
static void __attribute__((noreturn)) namespaced(int ctl, const struct warden_config *cfg, int report)
{
	char rootns_reason[200] = "";
	bool rootns = false;
	const char *why = "";
	unsigned egress_port = 0;
	pid_t pid;

	if (warden_ns_unshare(cfg->uid, cfg->gid, &why) < 0) {
		int err = errno;

		/* Root can still have the other namespaces (unlocked mounts). */
		if (strcmp(why, WARDEN_NS_USERNS_REFUSED) || geteuid() != 0 ||
		    warden_ns_unshare_root(&why) < 0)
			fail_ready(ctl, report, -CORDON_EUNSUPPORTED, why, err);
		snprintf(rootns_reason, sizeof(rootns_reason), "%s: %s", WARDEN_NS_USERNS_REFUSED,
			 strerror(err));
		rootns = true;
	}
	pid = fork();
	if (pid < 0)
		fail_ready(ctl, report, -CORDON_ESYS, "fork pid 1", errno);
	if (pid == 0) {
		struct ns_view v = { cfg->workspace, cfg->read_roots, cfg->tmp_size,
				     cfg->placeholders, cfg->placeholder_mark, cfg->hide, cfg->n_hide, cfg->pins, cfg->npins,
				     cfg->cache_dir };
		unsigned layers = LAYER_BIT(LAYER_MOUNTNS) | LAYER_BIT(LAYER_PIDNS) |
				  LAYER_BIT(LAYER_NETNS);

		/* pid 1 of the session: when we go, every process in it goes. */
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		if (warden_ns_build_view(&v, &why) < 0 ||
		    (!rootns && warden_ns_lock(cfg->uid, cfg->gid, &why) < 0))
			/* A path to hide that cannot be hidden is no reason to run
			 * degraded (which hides nothing): refuse the session. */
			fail_ready(ctl, report,
				   !strcmp(why, WARDEN_NS_HIDE_FAILED) || !strcmp(why, WARDEN_NS_PIN_FAILED)
					   ? -CORDON_EDENIED : -CORDON_EUNSUPPORTED,
				   why, errno);
		if (drop_privileges() < 0)
			fail_ready(ctl, report, -CORDON_ESYS, "drop the warden's capabilities", errno);
		if (!rootns)
			layers |= LAYER_BIT(LAYER_USERNS);
		/*
		 * The egress route, when the supervisor runs a proxy: a listener
		 * on this namespace's loopback, forked off before serve() so no
		 * call inherits the channel. No route (port 0) if it fails: the
		 * supervisor then leaves the proxy variables out (fail closed).
		 */
		if (cfg->egress_fd >= 0 && wegress_start(cfg->egress_fd, &egress_port) < 0)
			egress_port = 0;
		send_ready_text(ctl, layers, rootns ? rootns_reason : "", egress_port);
		/* The standby stands down when this end closes (its only other holder is our parent, which closed it). */
		if (report >= 0)
			close(report);
		serve(ctl, cfg, layers);
	}
	if (report >= 0)
		close(report);
	/* This outer half only waits for pid 1. */
	wait_for_pid1(ctl, cfg, pid);
}

/*
 * sandbox_start()'s warden: the namespaced attempt runs in a child, while
 * this process, which never entered a namespace (it only scrubbed its
 * memory and descriptors), waits to hear how it went. It heard nothing
 * when pid 1 is ready: it then only waits, as the outer half does. On a
 * failure it is what sandbox_open() would fork next: a fresh warden for
 * degraded mode (or, for a path that could not be covered, the refusal),
 * without the supervisor forking again once it may hold a secret.
 */
static void __attribute__((noreturn)) standby(int ctl, const struct warden_config *cfg)
{
	struct sbx_ready rd;
	int sv[2], r;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		namespaced(ctl, cfg, -1); /* no standby to be had: a failure goes to the supervisor */
	pid = fork();
	if (pid < 0)
		namespaced(ctl, cfg, -1);
	if (pid == 0) {
		close(sv[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		namespaced(ctl, cfg, sv[1]);
	}
	close(sv[1]);
	r = sbx_recv_msg(sv[0], &rd, sizeof(rd), -1);
	close(sv[0]);
	if (r < 0 || rd.magic != SBX_MAGIC) {
		/* EOF: pid 1 is ready (or died without a word: the supervisor sees EOF on ctl). */
		wait_for_pid1(ctl, cfg, pid);
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	rd.reason[sizeof(rd.reason) - 1] = '\0';
	if (rd.status == -CORDON_EDENIED) {
		sbx_send_msg(ctl, &rd, sizeof(rd));
		_exit(1);
	}
	if (drop_privileges() < 0) {
		send_ready(ctl, -CORDON_ESYS, 0, "drop the warden's capabilities", errno);
		_exit(1);
	}
	/* Degraded mode has no network namespace to put a route in: no egress (the channel closes). */
	if (cfg->egress_fd >= 0)
		close(cfg->egress_fd);
	/* Degraded mode, saying why (sandbox_open() reports the first warden's reason the same way). */
	send_ready_text(ctl, 0, rd.reason, 0);
	serve(ctl, cfg, 0);
}

void warden_main(int ctl, const struct warden_config *cfg)
{
	int keep[CGROUP_MAX_HIER + 2], nkeep = 0, i;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	prctl(PR_SET_NAME, "cordon-warden", 0, 0, 0);
	/* Nothing the warden uses points into argv: cfg holds copies (sandbox_open()). */
	scrub_environment();
	scrub_cmdline();
	keep[nkeep++] = ctl;
	if (cfg->egress_fd >= 0)
		keep[nkeep++] = cfg->egress_fd;
	for (i = 0; i < CGROUP_MAX_HIER; i++)
		if (cfg->cg.dirfd[i] >= 0)
			keep[nkeep++] = cfg->cg.dirfd[i];
	close_except(keep, (size_t)nkeep);
	reset_signals();
	signal(SIGPIPE, SIG_IGN);

	if (!cfg->use_namespaces) {
		/* No network namespace: no route for the proxy (see standby()). */
		if (cfg->egress_fd >= 0)
			close(cfg->egress_fd);
		if (drop_privileges() < 0) {
			send_ready(ctl, -CORDON_ESYS, 0, "drop the warden's capabilities", errno);
			_exit(1);
		}
		send_ready(ctl, 0, 0, NULL, 0);
		serve(ctl, cfg, 0);
	}
	if (cfg->standby)
		standby(ctl, cfg);
	namespaced(ctl, cfg, -1);
}
