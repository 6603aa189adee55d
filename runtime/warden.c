/*
 * warden.c — the warden: startup (environment scrub, namespaces, mount
 * view) and the poll loop that runs the calls (untrusted side).
 *
 * It runs in a process forked from the supervisor before it read any
 * secret, and wipes the environment it inherited before doing anything
 * else, so /proc/<warden>/environ holds nothing either.
 */
#include "runtime/warden.h"
#include "common/error.h"
#include "runtime/caps.h"
#include "runtime/landlock.h"
#include "runtime/sandbox_ipc.h"
#include "runtime/warden_call.h"
#include "runtime/warden_ns.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
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
 * Every profile's Landlock ruleset, built once here instead of in each
 * child (open + add_rule per path per call). The mount view is final and
 * locked by now, so the rules hold the same inodes a child would resolve.
 * Safe because: a child only enforces a ruleset (landlock_restrict_self
 * snapshots it into the child's domain) and closes the fd before the call's
 * code runs (and it is close-on-exec); the warden never adds to a ruleset
 * after this, so every call of a profile gets exactly the rules it would
 * have built itself. A ruleset that cannot be built stays -1 and the child
 * builds its own, which fails the call the same way.
 */
static void build_rulesets(struct warden_session *ses, const struct warden_config *cfg)
{
	struct landlock_paths ll;
	int p, e;

	ll.workspace = cfg->workspace;
	ll.read_roots = cfg->read_roots;
	ll.in_view = (ses->layers & LAYER_BIT(LAYER_MOUNTNS)) != 0;
	ll.tmp = ll.in_view ? "/tmp" : cfg->session_tmp;
	for (p = 0; p < PROFILE__COUNT; p++)
		for (e = 0; e < 2; e++)
			ses->ll_fd[p][e] = cfg->landlock_abi >= 1
				? landlock_build((enum sandbox_profile)p, e == 1, &ll, cfg->landlock_abi)
				: -1;
}

#define MAX_DIRECT_CALLS 64

struct calls {
	struct wcall *c[MAX_DIRECT_CALLS];
	int slot[MAX_DIRECT_CALLS];
	int n;
	struct warden_spare spare[WSPARE_KINDS];
	unsigned long spares_lost; /* spares found dead before their call (e.g. OOM-killed) */
};

/* A spare that will serve no call: kill it, empty its slot and give the slot back. */
static void spare_drop(struct calls *cs, int k, struct pool *pool, const struct warden_config *cfg)
{
	struct warden_spare *sp = &cs->spare[k];
	int slot = sp->slot;

	wspare_discard(sp);
	if (slot >= 0) {
		pool->s[slot].spare = false;
		pool_give_back(pool, cfg, slot, cgroup_call_kill(&pool->s[slot].ws.cg, true));
	}
	sp->slot = -1;
	sp->ws = NULL;
}

/*
 * Keep one spare of every kind a call wanted. Runs after a call was
 * dispatched (or answered), so the fork is off that call's path.
 */
static void spares_refill(struct calls *cs, struct pool *pool, const struct warden_config *cfg,
			  const struct warden_session *ses)
{
	int k, slot;

	for (k = 0; k < WSPARE_KINDS; k++) {
		struct warden_spare *sp = &cs->spare[k];

		if (!sp->wanted || sp->pid > 0)
			continue;
		slot = pool_take(pool, cfg);
		if (slot < 0)
			return;
		if (wspare_make(sp, k, cfg, ses, &pool->s[slot].ws, slot) < 0) {
			sp->wanted = false; /* no retry loop: the next call of the kind asks again */
			continue;
		}
		pool->s[slot].spare = true;
	}
}

/*
 * Reap every child that exited: a call's child goes to its call; a spare
 * that died before its call is dropped (and counted); anything else (a
 * call manager, an orphan the tree kill got) is just reaped.
 */
static void reap(struct calls *cs, struct pool *pool, const struct warden_config *cfg)
{
	pid_t w;
	int st, i;

	while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < cs->n; i++)
			if (wcall_pid(cs->c[i]) == w) {
				wcall_child_exited(cs->c[i], st);
				break;
			}
		for (i = 0; i < WSPARE_KINDS; i++)
			if (cs->spare[i].pid == w) {
				cs->spare[i].pid = -1; /* reaped: nothing to kill */
				spare_drop(cs, i, pool, cfg);
				cs->spares_lost++;
			}
	}
}

/* One call from the control socket: run it here (direct) or in a call manager. */
static void accept_call(int ctl, struct calls *cs, struct pool *pool,
			const struct warden_config *cfg, const struct warden_session *ses)
{
	struct sbx_msg m;
	struct wcall *c;
	int fd, slot;
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
	slot = cs->n < MAX_DIRECT_CALLS ? pool_take(pool, cfg) : -1;
	if (slot >= 0) {
		int k;

		c = wcall_start(fd, cfg, ses, &pool->s[slot].ws, cs->spare);
		for (k = 0; k < WSPARE_KINDS; k++) {
			struct warden_spare *sp = &cs->spare[k];

			if (sp->handed) {
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
		if (!c)
			return;
		pool->s[slot].call = c;
		cs->c[cs->n] = c;
		cs->slot[cs->n++] = slot;
		return;
	}
	/* No cgroup for the call: a call manager (subreaper) catches its orphans. */
	pid = fork();
	if (pid == 0) {
		close(ctl);
		warden_call_manager(fd, cfg, ses);
	}
	close(fd);
}

static void __attribute__((noreturn)) serve(int ctl, const struct warden_config *cfg,
					    unsigned layers)
{
	static struct pollfd pf[1 + MAX_DIRECT_CALLS * WCALL_MAX_POLLFDS];
	struct warden_session ses;
	static struct calls cs;
	struct pool pool;
	int k;

	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	ses.layers = layers;
	build_rulesets(&ses, cfg);
	pool_init(&pool, cfg);
	memset(&cs, 0, sizeof(cs));
	for (k = 0; k < WSPARE_KINDS; k++) {
		cs.spare[k].pid = -1;
		cs.spare[k].slot = -1;
		cs.spare[k].call_fd = cs.spare[k].pout = cs.spare[k].perr = -1;
		cs.spare[k].prep = cs.spare[k].pst = -1;
		cs.spare[k].rep = MAP_FAILED;
	}
	for (;;) {
		uint64_t deadline = UINT64_MAX, now;
		int n = 0, i, wait_ms, base[MAX_DIRECT_CALLS];

		reap(&cs, &pool, cfg);
		pf[n++] = (struct pollfd){ .fd = ctl, .events = POLLIN };
		for (i = 0; i < cs.n; i++) {
			base[i] = n;
			n += wcall_pollfds(cs.c[i], pf + n, &deadline);
		}
		now = wcall_now_ms();
		wait_ms = deadline <= now ? 0 : deadline - now > 1000 ? 1000 : (int)(deadline - now);
		if (poll(pf, (nfds_t)n, wait_ms) < 0 && errno != EINTR)
			break;
		reap(&cs, &pool, cfg);
		now = wcall_now_ms();
		for (i = 0; i < cs.n; i++) {
			if (!wcall_step(cs.c[i], pf + base[i], now))
				continue;
			pool_give_back(&pool, cfg, cs.slot[i], wcall_finish(cs.c[i]));
			cs.c[i] = NULL;
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
			/* The call is dispatched: now make its kind's next spare. */
			spares_refill(&cs, &pool, cfg, &ses);
		}
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

static void send_ready_text(int ctl, unsigned layers, const char *reason)
{
	struct sbx_ready rd;

	memset(&rd, 0, sizeof(rd));
	rd.magic = SBX_MAGIC;
	rd.layers = layers;
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

void warden_main(int ctl, const struct warden_config *cfg)
{
	int keep[CGROUP_MAX_HIER + 1], nkeep = 0, i, status;
	char rootns_reason[200] = "";
	bool rootns = false;
	const char *why = "";
	pid_t pid;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	prctl(PR_SET_NAME, "cordon-warden", 0, 0, 0);
	/* Nothing the warden uses points into argv: cfg holds copies (sandbox_open()). */
	scrub_environment();
	scrub_cmdline();
	keep[nkeep++] = ctl;
	for (i = 0; i < CGROUP_MAX_HIER; i++)
		if (cfg->cg.dirfd[i] >= 0)
			keep[nkeep++] = cfg->cg.dirfd[i];
	close_except(keep, (size_t)nkeep);
	signal(SIGPIPE, SIG_IGN);

	if (!cfg->use_namespaces) {
		if (drop_privileges() < 0) {
			send_ready(ctl, -CORDON_ESYS, 0, "drop the warden's capabilities", errno);
			_exit(1);
		}
		send_ready(ctl, 0, 0, NULL, 0);
		serve(ctl, cfg, 0);
	}
	if (warden_ns_unshare(cfg->uid, cfg->gid, &why) < 0) {
		int err = errno;

		/* Root can still have the other namespaces (unlocked mounts). */
		if (strcmp(why, WARDEN_NS_USERNS_REFUSED) || geteuid() != 0 ||
		    warden_ns_unshare_root(&why) < 0) {
			send_ready(ctl, -CORDON_EUNSUPPORTED, 0, why, err);
			_exit(1);
		}
		snprintf(rootns_reason, sizeof(rootns_reason), "%s: %s", WARDEN_NS_USERNS_REFUSED,
			 strerror(err));
		rootns = true;
	}
	pid = fork();
	if (pid < 0) {
		send_ready(ctl, -CORDON_ESYS, 0, "fork pid 1", errno);
		_exit(1);
	}
	if (pid == 0) {
		struct ns_view v = { cfg->workspace, cfg->read_roots, cfg->tmp_size,
				     cfg->placeholders };
		unsigned layers = LAYER_BIT(LAYER_MOUNTNS) | LAYER_BIT(LAYER_PIDNS) |
				  LAYER_BIT(LAYER_NETNS);

		/* pid 1 of the session: when we go, every process in it goes. */
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		if (warden_ns_build_view(&v, &why) < 0 ||
		    (!rootns && warden_ns_lock(cfg->uid, cfg->gid, &why) < 0)) {
			send_ready(ctl, -CORDON_EUNSUPPORTED, 0, why, errno);
			_exit(1);
		}
		if (drop_privileges() < 0) {
			send_ready(ctl, -CORDON_ESYS, 0, "drop the warden's capabilities", errno);
			_exit(1);
		}
		if (!rootns)
			layers |= LAYER_BIT(LAYER_USERNS);
		send_ready_text(ctl, layers, rootns ? rootns_reason : "");
		serve(ctl, cfg, layers);
	}
	close(ctl);
	for (i = 0; i < CGROUP_MAX_HIER; i++)
		if (cfg->cg.dirfd[i] >= 0)
			close(cfg->cg.dirfd[i]);
	/* This outer half only waits for pid 1. */
	drop_privileges();
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			_exit(1);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}
