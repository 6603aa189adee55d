/*
 * warden_call.c — one call (untrusted side; see warden_call.h): read the
 * request from the call's socket, fork the confined child (child.h), drain
 * its stdout/stderr/reply with byte caps, enforce the wall-clock timeout,
 * kill the call's whole process tree and answer with struct sbx_resp. The
 * warden drives calls from its own poll loop (direct mode) or forks a call
 * manager that runs one (no cgroup for the call).
 */
#include "runtime/sandbox/warden_call.h"
#include "common/error.h"
#include "common/fileio.h"
#include "runtime/sandbox/child.h"
#include "runtime/sandbox/sandbox_ipc.h"
#include "runtime/sandbox/warden_zygote.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define WARDEN_MAX_ENV 512
#define CALL_DEFAULT_TIMEOUT_MS 120000u
#define DRAIN_AFTER_EXIT_MS 2000

uint64_t wcall_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
/* PIDs of our direct children, from /proc/self/task/TID/children. */
static size_t list_children(pid_t *out, size_t max)
{
	char path[64], buf[8192];
	ssize_t n;
	size_t k = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/children", (long)syscall(SYS_gettid));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	for (char *p = buf, *e; *p && k < max; p = e) {
		long v = strtol(p, &e, 10);

		if (e == p)
			break;
		if (v > 0)
			out[k++] = (pid_t)v;
	}
	return k;
}

/*
 * Kill and reap every descendant. We are a child subreaper, so whatever a
 * killed process leaves behind is reparented to us and found next round.
 */
void warden_kill_all_children(void)
{
	pid_t pids[256];
	int rounds;

	for (rounds = 0; rounds < 10000; rounds++) {
		size_t n = list_children(pids, 256), i;
		pid_t w;

		for (i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
		w = waitpid(-1, NULL, n ? 0 : WNOHANG);
		if (w < 0 && errno == ECHILD)
			return;
		if (w <= 0 && n == 0) {
			if (rounds > 200)
				return;
			usleep(1000);
		}
	}
}

struct wcall {
	struct sbx_req req;
	struct buf payload;
	struct sbx_payload pl;
	int sock, pass_fd;
	char *envp[WARDEN_MAX_ENV + 1];
	char env_tmpdir[PATH_MAX + 8], env_home[PATH_MAX + 8];
	struct sbx_resp resp;
	struct buf out, err, reply;

	const struct warden_config *cfg;
	unsigned layers;             /* the session's */
	struct warden_slot *slot;    /* direct mode: the pooled cgroup */
	struct cgroup_call cg;       /* the call's cgroup (a copy of the slot's, or its own) */
	int pout, perr, prep, pst;   /* read ends; -1 once closed */
	int pidfd;
	pid_t pid;
	int wstatus;
	struct child_status st;
	size_t st_got;
	bool done;                   /* nothing more to wait for */
	bool exited, timed_out, cancelled, out_tr, err_tr, rep_tr;
	bool manager;                /* run by a call manager (no cgroup: it is the tree's subreaper) */
	bool foster;                 /* the child is a zygote's: its end comes as WZY_EXITED */
	bool cg_empty;               /* its call group was read empty (kill_tree()) */
	uint32_t zserial;            /* ... with this serial */
	bool got_done;               /* a CHILD_DONE record came (st_done: its exit code) */
	int32_t st_done;
	int32_t sigsys_nr;           /* a CHILD_SIGSYS record's syscall, -1 none */
	uint64_t start, deadline, exit_at;
	int idx[WCALL_MAX_POLLFDS];  /* where wcall_pollfds() put out, err, rep, st, sock, pidfd */
};

static void env_set(char **envp, size_t *n, char *kv)
{
	size_t i, klen = strcspn(kv, "=");

	for (i = 0; i < *n; i++)
		if (!strncmp(envp[i], kv, klen) && envp[i][klen] == '=') {
			envp[i] = kv;
			return;
		}
	if (*n < WARDEN_MAX_ENV)
		envp[(*n)++] = kv;
}

static bool env_secretish(const char *kv)
{
	char name[128];
	size_t n = strcspn(kv, "=");

	if (!kv[n] || n == 0 || n >= sizeof(name))
		return true;
	memcpy(name, kv, n);
	name[n] = '\0';
	/* Call-supplied variables need not be on the allowlist, but never look like secrets. */
	return !profile_env_allowed(name) &&
	       (strcasestr(name, "KEY") || strcasestr(name, "TOKEN") ||
		strcasestr(name, "SECRET") || strcasestr(name, "PASSWORD") ||
		strcasestr(name, "AUTH") || strcasestr(name, "CREDENTIAL") ||
		!strncmp(name, "LD_", 3));
}

static const char *getenv_in(char **envp, size_t n, const char *name)
{
	size_t i, k = strlen(name);

	for (i = 0; i < n; i++)
		if (!strncmp(envp[i], name, k) && envp[i][k] == '=')
			return envp[i] + k + 1;
	return NULL;
}

/*
 * A child's environment in two steps: what is the same for every call of
 * the session (the allowlisted variables of the supervisor, the profile's
 * defaults; a spare builds this while it waits), then the call's own
 * variables, TMPDIR, HOME and a default PATH. Returns the count so far.
 */
static size_t build_env_base(struct wcall *c, const struct warden_config *cfg)
{
	const char *const *d;
	size_t n = 0;
	uint32_t i;

	for (i = 0; cfg->base_env && cfg->base_env[i]; i++)
		env_set(c->envp, &n, cfg->base_env[i]);
	for (d = profile_env_defaults(); *d; d++)
		env_set(c->envp, &n, (char *)*d);
	return n;
}

static void build_env_call(struct wcall *c, size_t n, const char *tmp)
{
	uint32_t i;

	for (i = 0; i < c->req.envc; i++)
		if (!env_secretish(c->pl.env[i]))
			env_set(c->envp, &n, (char *)c->pl.env[i]);
	snprintf(c->env_tmpdir, sizeof(c->env_tmpdir), "TMPDIR=%s", tmp);
	snprintf(c->env_home, sizeof(c->env_home), "HOME=%s", tmp);
	env_set(c->envp, &n, c->env_tmpdir);
	env_set(c->envp, &n, c->env_home);
	if (!getenv_in(c->envp, n, "PATH"))
		env_set(c->envp, &n, (char *)"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
	c->envp[n] = NULL;
}

static void build_env(struct wcall *c, const struct warden_config *cfg, const char *tmp)
{
	build_env_call(c, build_env_base(c, cfg), tmp);
}

unsigned warden_child_layers(const struct warden_config *cfg)
{
	unsigned l = LAYER_BIT(LAYER_CAPS) | LAYER_BIT(LAYER_RLIMITS);

	if (cfg->landlock_abi >= 1)
		l |= LAYER_BIT(LAYER_LANDLOCK);
	if (cfg->seccomp_ok)
		l |= LAYER_BIT(LAYER_SECCOMP);
	if (cfg->cg.n)
		l |= LAYER_BIT(LAYER_CGROUP);
	return l;
}

/* Read what is there; keep up to cap bytes, count the rest as dropped. */
static int drain(int fd, struct buf *b, size_t cap, bool *truncated)
{
	char tmp[65536];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n < 0)
		return (errno == EINTR || errno == EAGAIN) ? 1 : 0;
	if (n == 0)
		return 0;
	if (b->len < cap) {
		size_t keep = (size_t)n;

		if (keep > cap - b->len) {
			keep = cap - b->len;
			*truncated = true;
		}
		if (buf_append(b, tmp, keep) < 0)
			*truncated = true;
	} else {
		*truncated = true;
	}
	return 1;
}

static void kill_tree(struct wcall *c)
{
	/* The child's session/process group, then its cgroup (orphans included). */
	if (c->pid > 0) {
		kill(-c->pid, SIGKILL);
		if (!c->exited)
			kill(c->pid, SIGKILL);
	}
	/*
	 * Read empty once, a lent group stays empty: nothing but a member's
	 * fork puts a process in it. wcall_finish() then need not read again.
	 */
	if (cgroup_call_kill(&c->cg, false))
		c->cg_empty = true;
}

static void setup_error(struct sbx_resp *r, const char *what, const char *detail, int err)
{
	r->end = SANDBOX_SETUP;
	r->exit_code = SANDBOX_EXIT_REFUSED;
	snprintf(r->setup_error, sizeof(r->setup_error), "%s%s%s", what, detail,
		 err ? strerror(err) : "");
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * The pipes between the warden and a child: stdout, stderr, status, the
 * reply (functions) and the call (spares); [0] is the read end. -1 unused.
 */
struct child_pipes {
	int out[2], err[2], rep[2], st[2], call[2];
};

static void pipes_close(struct child_pipes *p)
{
	int saved = errno, i;

	for (i = 0; i < 2; i++) {
		close_fd(&p->out[i]);
		close_fd(&p->err[i]);
		close_fd(&p->rep[i]);
		close_fd(&p->st[i]);
		close_fd(&p->call[i]);
	}
	errno = saved;
}

/* Make the pipes a child of this kind uses. 0, or -1 (errno set, none left open). */
static int pipes_open(struct child_pipes *p, bool fn, bool call)
{
	memset(p, -1, sizeof(*p));
	if (pipe2(p->out, O_CLOEXEC) < 0 || pipe2(p->err, O_CLOEXEC) < 0 ||
	    pipe2(p->st, O_CLOEXEC) < 0 || (fn && pipe2(p->rep, O_CLOEXEC) < 0) ||
	    (call && pipe2(p->call, O_CLOEXEC) < 0)) {
		pipes_close(p);
		return -1;
	}
	return 0;
}

/* After the fork: the child's ends (write ends, the call pipe's read end) are its only. */
static void pipes_forked(struct child_pipes *p)
{
	close_fd(&p->out[1]);
	close_fd(&p->err[1]);
	close_fd(&p->rep[1]);
	close_fd(&p->st[1]);
	close_fd(&p->call[0]);
}

/* Read the request (header, payload, passed fd). 0, or -1 on a protocol error. */
static int recv_request(struct wcall *c, const struct warden_config *cfg)
{
	int r;

	r = sbx_recv_msg(c->sock, &c->req, sizeof(c->req), 30000);
	if (r < 0 || c->req.magic != SBX_MAGIC || c->req.payload_len > SBX_MAX_REQUEST)
		return -1;
	r = sbx_recv_bytes(c->sock, &c->payload, (size_t)c->req.payload_len, 30000);
	if (r < 0 || sbx_payload_parse(&c->req, PROFILE__COUNT, cfg->n_fns, c->payload.data,
				       c->payload.len, &c->pl) < 0)
		return -1;
	if (c->req.flags & SBX_F_FD) {
		struct sbx_msg m;

		if (sbx_recv_fd(c->sock, &m, sizeof(m), &c->pass_fd) < 0 || c->pass_fd < 0 ||
		    m.magic != SBX_MAGIC)
			return -1;
	}
	return 0;
}

static void wcall_free(struct wcall *c)
{
	close_fd(&c->pout);
	close_fd(&c->perr);
	close_fd(&c->prep);
	close_fd(&c->pst);
	close_fd(&c->pidfd);
	close_fd(&c->pass_fd);
	close_fd(&c->sock);
	/* A call manager's own group: remove it; a slot stays with the warden. */
	if (c->cg.n && c->manager)
		cgroup_call_destroy(&c->cfg->cg, &c->cg);
	sbx_payload_release(&c->pl);
	buf_release(&c->payload);
	buf_release(&c->out);
	buf_release(&c->err);
	buf_release(&c->reply);
	free(c);
}

/* A pooled group, emptied by its last call: only the limits may differ. */
static void slot_limits(const struct warden_config *cfg, struct warden_slot *ws, uint32_t profile)
{
	if (ws->limits_profile != (int32_t)profile) {
		ws->limits_profile = -1;
		cgroup_call_set_limits(&cfg->cg, &ws->cg, profile_default_limits(profile));
		ws->limits_profile = (int32_t)profile;
	}
}

const struct seccomp_prog *wcall_exec_prog(const struct warden_config *cfg, unsigned layers,
					   uint32_t profile, bool net)
{
	int ro = profile == PROFILE_READONLY;

	return net ? &cfg->prog_exec[ro][1]
		   : (layers & LAYER_BIT(LAYER_NETNS)) ? &cfg->prog_exec[ro][0] : &cfg->prog_exec[ro][2];
}

/* The seccomp program of a child: functions per profile, exec'd commands by network. */
static const struct seccomp_prog *child_prog(const struct warden_config *cfg, unsigned layers,
					     uint32_t profile, bool fn, bool net)
{
	if (!cfg->seccomp_ok)
		return NULL;
	return fn ? &cfg->prog_fn[profile] : wcall_exec_prog(cfg, layers, profile, net);
}

/* The request header then its payload, with writev (the rest, if the pipe took less, in a loop). */
static int write_call(int fd, const struct sbx_req *req, const void *payload, size_t len)
{
	struct iovec iov[2] = { { (void *)req, sizeof(*req) }, { (void *)payload, len } };
	size_t total = sizeof(*req) + len, done = 0;
	ssize_t n;

	do
		n = writev(fd, iov, len ? 2 : 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	done = (size_t)n;
	if (done < sizeof(*req))
		return fd_write_all(fd, (const char *)req + done, sizeof(*req) - done) < 0 ||
		       fd_write_all(fd, payload, len) < 0 ? -1 : 0;
	return done < total ? fd_write_all(fd, (const char *)payload + (done - sizeof(*req)),
					   total - done) : 0;
}

/*
 * Hand the call to its kind's spare, if one is alive: send it the request
 * and payload (it builds the environment from them as start_child would,
 * being a copy of this warden) and take over its pipes and pid. False: no
 * spare of this kind, or it is gone (sp->failed; the caller forks fresh).
 */
static bool hand_to_spare(struct wcall *c, struct warden_spare *spares)
{
	bool fn = c->req.fn >= 0;
	struct warden_spare *sp = NULL, *kind;
	int j;

	/* A passed fd or network access: a different child (fd 5, filter) than any spare. */
	if (!spares || (c->req.flags & (SBX_F_FD | SBX_F_NET)) || c->pass_fd >= 0)
		return false;
	/*
	 * A spare changes directory after its filter is loaded; a function's
	 * filter need not allow chdir (a fresh child does it before), so a
	 * function with its own cwd is forked fresh.
	 */
	if (fn && c->pl.cwd[0] && strcmp(c->pl.cwd, c->cfg->workspace))
		return false;
	kind = &spares[(c->req.profile * 2 + (fn ? 0 : 1)) * WSPARE_DEPTH];
	kind[0].wanted = true;
	/* A ready one, else the one its zygote is forking; never one the supervisor holds a ticket for. */
	for (j = 0; j < WSPARE_DEPTH && !sp; j++)
		if (kind[j].pid > 0 && !kind[j].ticket)
			sp = &kind[j];
	for (j = 0; j < WSPARE_DEPTH && !sp; j++)
		if (kind[j].pid == 0 && kind[j].zy && !kind[j].ticket)
			sp = &kind[j];
	if (!sp)
		return false;
	/* Asked of its zygote but not reported yet: it is being forked, wait for it. */
	if (sp->pid == 0 && sp->zy) {
		sp->pid = wzygote_wait_spawned(sp->zy, &sp->zserial);
		if (sp->pid <= 0) {
			sp->failed = true;
			return false;
		}
	}
	if (sp->pid <= 0)
		return false;
	/*
	 * Header and payload in one write where the pipe takes it: the spare
	 * wakes once, with its whole call there.
	 * Safe because: SIGPIPE is ignored in the warden; a dead spare is EPIPE here.
	 */
	if (write_call(sp->call_fd, &c->req, c->payload.data, c->payload.len) < 0) {
		sp->failed = true;
		return false;
	}
	/* A function spare of a zygote has no call group: its kind's is its zygote's. */
	if (sp->ws) {
		c->slot = sp->ws;
		c->cg = sp->ws->cg;
	}
	c->foster = sp->foster;
	c->zserial = sp->zserial;
	c->pid = sp->pid;
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	c->pout = sp->pout;
	c->perr = sp->perr;
	c->prep = sp->prep;
	c->pst = sp->pst;
	close(sp->call_fd);
	sp->call_fd = sp->pout = sp->perr = sp->prep = sp->pst = -1;
	sp->pid = -1;
	sp->handed = true;
	return true;
}

/*
 * A call the supervisor wrote straight into the spare of its ticket
 * (sandbox_ipc.h): take that spare over as hand_to_spare() does, without
 * writing. False when the spare is not there (it was dropped: its zygote
 * was lost): the call then fails, and never runs a second time.
 */
static bool adopt_ticket(struct wcall *c, struct warden_spare *spares)
{
	struct warden_spare *kind, *sp = NULL;
	int j;

	if (!spares || c->req.fn >= 0 || !c->req.ticket)
		return false;
	kind = &spares[(c->req.profile * 2 + 1) * WSPARE_DEPTH];
	for (j = 0; j < WSPARE_DEPTH && !sp; j++)
		if (kind[j].ticket == c->req.ticket)
			sp = &kind[j];
	if (!sp)
		return false;
	sp->ticket = 0;
	if (sp->pid == 0 && sp->zy && !sp->exited) {
		sp->pid = wzygote_wait_spawned(sp->zy, &sp->zserial);
		if (sp->pid <= 0) {
			sp->failed = true;
			return false;
		}
	}
	if (sp->pid <= 0) {
		sp->failed = true;
		return false;
	}
	if (sp->ws) {
		c->slot = sp->ws;
		c->cg = sp->ws->cg;
	}
	c->foster = sp->foster;
	c->zserial = sp->zserial;
	c->pid = sp->pid;
	c->pidfd = sp->exited ? -1 : (int)syscall(SYS_pidfd_open, c->pid, 0);
	c->pout = sp->pout;
	c->perr = sp->perr;
	c->prep = sp->prep;
	c->pst = sp->pst;
	sp->call_fd = sp->pout = sp->perr = sp->prep = sp->pst = -1;
	sp->pid = -1;
	sp->handed = true;
	if (sp->exited) {
		/* It ran and ended before we heard of the call: its output waits in the pipes. */
		sp->exited = false;
		wcall_child_exited(c, sp->wstatus);
	}
	return true;
}

/* Fork the child. On a setup failure the call is done with c->resp set. */
static void start_child(struct wcall *c, const struct warden_config *cfg,
			const struct warden_session *ses, struct warden_spare *spares)
{
	unsigned session_layers = ses->layers;
	struct child_spec spec;
	struct landlock_paths ll;
	const struct profile_limits *lim = profile_default_limits(c->req.profile);
	struct child_pipes p;
	const char *tmp = (session_layers & LAYER_BIT(LAYER_MOUNTNS)) ? "/tmp" : cfg->session_tmp;
	bool fn = c->req.fn >= 0;
	unsigned avail = session_layers | warden_child_layers(cfg), missing;
	unsigned timeout = c->req.timeout_ms ? c->req.timeout_ms : CALL_DEFAULT_TIMEOUT_MS;
	char **saved_environ;
	int i;

	c->done = true;
	missing = c->req.require & ~avail;
	if (missing) {
		char names[128];

		setup_error(&c->resp, "required sandbox layer(s) not available here: ",
			    layer_format_list(missing, names, sizeof(names)), 0);
		return;
	}
	/*
	 * Safe because: the session's refusals are above, the same for both
	 * paths; a spare is the child this call would fork (same kind, same
	 * ruleset, filter, limits), only forked and confined earlier.
	 */
	c->start = wcall_now_ms();
	c->deadline = c->start + timeout;
	/*
	 * Its spare has the call already (the supervisor wrote it there): that
	 * spare, or nothing. Safe because: the supervisor uses a ticket only for
	 * a call that spare would have been handed, after the same refusals.
	 */
	if (c->req.flags & SBX_F_TICKET) {
		if (!adopt_ticket(c, spares))
			setup_error(&c->resp, "the sandbox lost the call's process (its spare is gone)", "", 0);
		else
			c->done = false;
		return;
	}
	if (hand_to_spare(c, spares)) {
		c->done = false;
		return;
	}
	if (c->slot) {
		c->cg = c->slot->cg;
		slot_limits(cfg, c->slot, c->req.profile);
	} else if (cfg->cg.n && c->manager) {
		char name[32];

		snprintf(name, sizeof(name), "call-%ld", (long)getpid());
		if (cgroup_call_create(&cfg->cg, name, lim, &c->cg) < 0 &&
		    (c->req.require & LAYER_BIT(LAYER_CGROUP))) {
			setup_error(&c->resp, "cannot create the call's cgroup", ": ", errno);
			return;
		}
	}
	build_env(c, cfg, tmp);
	if (pipes_open(&p, fn, false) < 0) {
		setup_error(&c->resp, "cannot create pipes", ": ", errno);
		return;
	}
	ll.workspace = cfg->workspace;
	ll.read_roots = cfg->read_roots;
	ll.tmp = tmp;
	ll.in_view = (session_layers & LAYER_BIT(LAYER_MOUNTNS)) != 0;
	ll.netns = (session_layers & LAYER_BIT(LAYER_NETNS)) != 0;
	memset(&spec, 0, sizeof(spec));
	spec.call_fd = -1;
	/* An exec'd command in degraded mode hands its listener to the notifier. */
	spec.notify_fd = fn ? -1 : ses->notify_sock;
	spec.out_fd = p.out[1];
	spec.err_fd = p.err[1];
	spec.reply_fd = p.rep[1];
	spec.status_fd = p.st[1];
	spec.pass_fd = c->pass_fd;
	for (i = 0; i < CHILD_MAX_CGROUPS; i++)
		spec.cg_procs[i] = i < CGROUP_MAX_HIER ? c->cg.procs[i] : -1;
	spec.cwd = c->pl.cwd[0] ? c->pl.cwd : cfg->workspace;
	spec.argv = (char *const *)c->pl.argv;
	spec.envp = c->envp;
	spec.fn = fn ? &cfg->fns[c->req.fn] : NULL;
	spec.input = c->pl.input;
	spec.input_len = c->req.input_len;
	spec.max_reply = c->req.max_reply;
	spec.conf.profile = c->req.profile;
	spec.conf.with_exec = !fn;
	spec.conf.limits = lim;
	spec.conf.ll = &ll;
	spec.conf.ll_abi = cfg->landlock_abi;
	spec.ll_fd = ses->ll_fd[c->req.profile][fn ? 0 : 1];
	spec.conf.ll_prebuilt = spec.ll_fd >= 0;
	spec.conf.prog = child_prog(cfg, session_layers, c->req.profile, fn,
				    (c->req.flags & SBX_F_NET) != 0);
	spec.conf.prog_inherited = !fn && ses->exec_base ? 1 : 0;
	spec.conf.report_sigsys = fn;

	spec.parent = getpid();
	c->start = wcall_now_ms();
	c->deadline = c->start + timeout;
	/*
	 * An exec'd command: vfork, the warden waits (a few µs) while the child
	 * confines itself and execs, and no page tables are copied. Safe
	 * because: the warden is single-threaded and has no signal handlers;
	 * the child only reads the spec, the one global it writes (environ,
	 * for execvpe's PATH search) is restored as soon as we resume, and its
	 * allocations (libcap) are freed before exec. A function runs in a
	 * forked copy.
	 */
	saved_environ = environ;
	c->pid = fn ? fork() : vfork();
	environ = saved_environ;
	if (c->pid < 0) {
		setup_error(&c->resp, "cannot fork the child", ": ", errno);
		goto fail;
	}
	if (c->pid == 0)
		child_run(&spec);
	/* Wakes poll() the moment the child exits (Linux 5.3+; else we poll in short steps). */
	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	pipes_forked(&p);
	/* The passed descriptor is the child's now; ours goes. */
	close_fd(&c->pass_fd);
	c->pout = p.out[0];
	c->perr = p.err[0];
	c->prep = p.rep[0];
	c->pst = p.st[0];
	c->done = false;
	return;
fail:
	pipes_close(&p);
}

struct wcall *wcall_recv(int sock, const struct warden_config *cfg,
			 const struct warden_session *ses)
{
	struct wcall *c = calloc(1, sizeof(*c));
	int i;

	if (!c) {
		close(sock);
		return NULL;
	}
	c->sock = sock;
	c->pass_fd = c->pout = c->perr = c->prep = c->pst = c->pidfd = -1;
	c->pid = -1;
	c->sigsys_nr = -1;
	c->cfg = cfg;
	c->layers = ses->layers;
	for (i = 0; i < WCALL_MAX_POLLFDS; i++)
		c->idx[i] = -1;
	c->st.stage = -1;
	for (i = 0; i < CGROUP_MAX_HIER; i++)
		c->cg.procs[i] = c->cg.dirfd[i] = -1;
	buf_init(&c->payload, SBX_MAX_REQUEST);
	if (recv_request(c, cfg) < 0) {
		wcall_free(c);
		return NULL;
	}
	return c;
}

int wcall_kind(const struct wcall *c)
{
	return (int)c->req.profile * 2 + (c->req.fn >= 0 ? 0 : 1);
}

bool wcall_single_process(const struct wcall *c)
{
	/* A function under its filter cannot create a process (clone only with CLONE_THREAD). */
	return c->req.fn >= 0 && c->cfg->seccomp_ok;
}

void wcall_launch(struct wcall *c, const struct warden_session *ses, struct warden_slot *slot,
		  struct warden_spare *spares, bool manager)
{
	c->slot = slot;
	c->manager = manager;
	buf_init(&c->out, c->req.max_output);
	buf_init(&c->err, c->req.max_output);
	buf_init(&c->reply, c->req.max_reply);
	c->resp.magic = SBX_MAGIC;
	c->start = wcall_now_ms();
	start_child(c, c->cfg, ses, spares);
}

void wcall_forget(struct wcall *c)
{
	wcall_free(c);
}

pid_t wcall_pid(const struct wcall *c)
{
	return c->exited ? -1 : c->pid;
}

uint32_t wcall_serial(const struct wcall *c)
{
	return c->foster ? c->zserial : 0;
}

void wcall_child_exited(struct wcall *c, int wstatus)
{
	if (c->exited)
		return;
	c->wstatus = wstatus;
	c->exited = true;
	c->exit_at = wcall_now_ms();
	close_fd(&c->pidfd);
	/* The call is over: nothing it started may outlive it. */
	kill_tree(c);
}

/*
 * Early end: a zygote's function child of an inert profile (profile.h)
 * closed its pipes and reported CHILD_DONE; it is about to exit. Answer
 * now instead of after the kernel tore it down and its zygote reaped it
 * (two wakeups and the exit itself, the larger part of such a call).
 * Safe because: it is sent SIGKILL first, so nothing of it runs on but the
 * syscall it may be in, and that can change nothing anyone sees: its
 * Landlock rules grant no write, it has no network and cannot create a
 * process (its stacked filter). The zygote still reaps it; that
 * WZY_EXITED matches no call any more and is dropped.
 */
static void early_end(struct wcall *c)
{
	if (!c->foster || !profile_inert(c->req.profile) || c->req.fn < 0)
		return;
	if (c->pidfd < 0 || syscall(SYS_pidfd_send_signal, c->pidfd, SIGKILL, NULL, 0) < 0)
		return; /* no way to kill it without a pid race: wait for its end */
	wcall_child_exited(c, W_EXITCODE(c->st_done & 0xff, 0));
}

int wcall_pollfds(struct wcall *c, struct pollfd *pf, uint64_t *deadline)
{
	/* A foster child's pidfd wakes us at its exit, but only its zygote has the status. */
	const int fds[WCALL_MAX_POLLFDS] = { c->pout, c->perr, c->prep, c->pst, c->sock,
					     c->exited || c->foster ? -1 : c->pidfd };
	uint64_t t;
	int i, n = 0;

	/*
	 * The child was reaped after its pipes reached EOF (the reap runs
	 * before this, the step after the poll): nothing is left to wake a
	 * poll, so the call is over now, not at the next timer.
	 */
	if (c->exited && c->pout < 0 && c->perr < 0 && c->prep < 0 && c->pst < 0)
		c->done = true;
	for (i = 0; i < WCALL_MAX_POLLFDS; i++) {
		c->idx[i] = -1;
		if (c->done || fds[i] < 0 || (i == 4 && c->cancelled))
			continue;
		c->idx[i] = n;
		pf[n++] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
	}
	t = c->done ? 0 : c->exited ? c->exit_at + DRAIN_AFTER_EXIT_MS
		: c->pidfd < 0 ? wcall_now_ms() + 10 : c->deadline;
	if (t < *deadline)
		*deadline = t;
	return n;
}

/* Did poll report something on the call's fd number `which` (wcall_pollfds order)? */
static bool ready(const struct wcall *c, const struct pollfd *pf, int which)
{
	return c->idx[which] >= 0 && pf[c->idx[which]].revents;
}

bool wcall_step(struct wcall *c, const struct pollfd *pf, uint64_t now)
{
	if (c->done)
		return true;
	if (ready(c, pf, 0) && !drain(c->pout, &c->out, c->req.max_output, &c->out_tr))
		close_fd(&c->pout);
	if (ready(c, pf, 1) && !drain(c->perr, &c->err, c->req.max_output, &c->err_tr))
		close_fd(&c->perr);
	if (ready(c, pf, 2) && !drain(c->prep, &c->reply, c->req.max_reply, &c->rep_tr))
		close_fd(&c->prep);
	if (ready(c, pf, 3)) {
		struct child_status one;
		ssize_t n = read(c->pst, &one, sizeof(one));

		if (n == (ssize_t)sizeof(one) && one.stage == CHILD_DONE) {
			c->got_done = true;
			c->st_done = one.err;
		} else if (n == (ssize_t)sizeof(one) && one.stage == CHILD_SIGSYS) {
			c->sigsys_nr = one.err;
		} else if (n == (ssize_t)sizeof(one)) {
			/* Keep the first failure, else the last OK record. */
			if (c->st_got == 0 || c->st.stage == CHILD_OK)
				c->st = one;
			c->st_got++;
		} else if (n <= 0 && !(n < 0 && errno == EINTR)) {
			close_fd(&c->pst);
		}
	}
	/* The supervisor hung up (gave up on us): cancel the call. */
	if (ready(c, pf, 4) && (pf[c->idx[4]].revents & (POLLIN | POLLHUP | POLLERR))) {
		c->cancelled = true;
		kill_tree(c);
	}
	if (!c->exited && now >= c->deadline) {
		c->timed_out = true;
		kill_tree(c);
	}
	if (!c->exited && c->got_done && c->pout < 0 && c->perr < 0 && c->prep < 0 && c->pst < 0)
		early_end(c);
	if (c->exited && c->pout < 0 && c->perr < 0 && c->prep < 0 && c->pst < 0)
		c->done = true;
	if (c->exited && now - c->exit_at > DRAIN_AFTER_EXIT_MS)
		c->done = true;
	return c->done;
}

/* The result from what was collected. */
static void make_result(struct wcall *c)
{
	struct sbx_resp *r = &c->resp;

	r->elapsed_ms = (uint32_t)(wcall_now_ms() - c->start);
	r->layers = c->layers | (c->st_got && c->st.stage == CHILD_OK ? c->st.layers : 0);
	r->truncated = (c->out_tr ? 1u : 0) | (c->err_tr ? 2u : 0) | (c->rep_tr ? 4u : 0);
	r->syscall_nr = -1;
	if (c->st_got && c->st.stage != CHILD_OK) {
		r->end = SANDBOX_SETUP;
		r->exit_code = c->st.stage == CHILD_EXEC ? (c->st.err == ENOENT ? 127 : 126)
							: SANDBOX_EXIT_REFUSED;
		if (c->st.stage == CHILD_EXEC)
			snprintf(r->setup_error, sizeof(r->setup_error), "cannot run '%s': %s",
				 c->pl.argv[0] ? c->pl.argv[0] : "", strerror(c->st.err));
		else
			snprintf(r->setup_error, sizeof(r->setup_error),
				 "cannot apply the sandbox (%s): %s", child_stage_name(c->st.stage),
				 strerror(c->st.err));
	} else if (c->timed_out) {
		r->end = SANDBOX_TIMEOUT;
		r->exit_code = SANDBOX_EXIT_TIMEOUT;
	} else if (WIFSIGNALED(c->wstatus)) {
		r->signal = WTERMSIG(c->wstatus);
		r->exit_code = 128 + r->signal;
		r->end = r->signal == SIGSYS ? SANDBOX_SECCOMP : SANDBOX_SIGNALED;
		if (r->signal == SIGSYS)
			r->syscall_nr = c->sigsys_nr;
	} else if (!c->st_got) {
		/* Died before reporting: PDEATHSIG race or killed early. */
		r->end = SANDBOX_SETUP;
		r->exit_code = SANDBOX_EXIT_REFUSED;
		snprintf(r->setup_error, sizeof(r->setup_error),
			 "the child exited (%d) before its sandbox was complete",
			 WIFEXITED(c->wstatus) ? WEXITSTATUS(c->wstatus) : -1);
	} else {
		r->end = SANDBOX_EXITED;
		r->exit_code = WEXITSTATUS(c->wstatus);
	}
}

bool wcall_finish(struct wcall *c)
{
	return wcall_finish_ticket(c, -1, 0, NULL);
}

bool wcall_finish_ticket(struct wcall *c, int fd, uint32_t ticket, bool *sent)
{
	bool clean = true, ran = c->pid > 0;

	if (sent)
		*sent = false;

	if (ran) {
		if (c->manager) {
			/* A call manager's orphans are reparented to it: kill and reap them too. */
			kill_tree(c);
			warden_kill_all_children();
		} else {
			/*
			 * Direct mode: the call's processes are in its cgroup
			 * (orphans included; the child joined it before running
			 * anything). Kill what it lists until it is empty: a pooled
			 * group must be before it is lent again. Normally one read
			 * of cgroup.procs, the tree having been killed at exit.
			 */
			if (!c->exited)
				kill_tree(c);
			/*
			 * No group of its own: a function (a zygote's spare, or a
			 * call in a session without cgroups), one process (its
			 * filter refuses process creation), killed by pid above.
			 */
			if (c->cg.n && !c->cg_empty)
				clean = cgroup_call_kill(&c->cg, true);
		}
		make_result(c);
	}
	if (!c->cancelled) {
		c->resp.out_len = c->out.len;
		c->resp.err_len = c->err.len;
		c->resp.reply_len = c->reply.len;
		struct iovec parts[4] = {
			{ &c->resp, sizeof(c->resp) }, { c->out.data, c->out.len },
			{ c->err.data, c->err.len }, { c->reply.data, c->reply.len },
		};

		c->resp.ticket = fd >= 0 ? ticket : 0;
		if (sbx_send_records(c->sock, parts, 4) == 0 && fd >= 0) {
			struct sbx_msg m = { SBX_MAGIC, SBX_MSG_TICKET };

			if (sbx_send_fd(c->sock, &m, sizeof(m), fd) == 0 && sent)
				*sent = true;
		}
	}
	if (fd >= 0)
		close(fd);
	wcall_free(c);
	return clean;
}

uint32_t wcall_flags(const struct wcall *c)
{
	return c->req.flags;
}

uint32_t wcall_ticket(const struct wcall *c)
{
	return c->req.ticket;
}

bool wcall_cancelled(const struct wcall *c)
{
	return c->cancelled;
}

void warden_call_manager(struct wcall *c, const struct warden_session *ses)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* Orphans of the call come to us, so the tree kill finds them. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	wcall_launch(c, ses, NULL, NULL, true);
	for (;;) {
		struct pollfd pf[WCALL_MAX_POLLFDS];
		uint64_t deadline = UINT64_MAX, now;
		int n, st, wait_ms;
		pid_t w;

		while ((w = waitpid(-1, &st, WNOHANG)) > 0)
			if (w == wcall_pid(c))
				wcall_child_exited(c, st);
		n = wcall_pollfds(c, pf, &deadline);
		now = wcall_now_ms();
		wait_ms = deadline <= now ? 0 : deadline - now > 1000 ? 1000 : (int)(deadline - now);
		if (poll(pf, (nfds_t)n, wait_ms) < 0 && errno != EINTR)
			break;
		while ((w = waitpid(-1, &st, WNOHANG)) > 0)
			if (w == wcall_pid(c))
				wcall_child_exited(c, st);
		if (wcall_step(c, pf, wcall_now_ms()))
			break;
	}
	wcall_finish(c);
	_exit(0);
}

/* ---- spares (see warden_call.h) ------------------------------------------ */

/*
 * In the spare, confined (child_setup() is done): read the one call, build
 * its environment and argv as start_child() would, and exec or run it.
 */
void wspare_serve(struct child_spec *s, int status, const struct warden_config *cfg,
		  unsigned layers, bool fn)
{
	const char *tmp = (layers & LAYER_BIT(LAYER_MOUNTNS)) ? "/tmp" : cfg->session_tmp;
	struct wcall *c = calloc(1, sizeof(*c));
	size_t nenv;

	if (!c)
		child_fail(status, CHILD_FDS);
	/* What does not depend on the call, while there is none yet. */
	nenv = build_env_base(c, cfg);
	errno = EPROTO;
	if (fd_read_exact(CHILD_CALL_FD, &c->req, sizeof(c->req)) < 0 ||
	    c->req.magic != SBX_MAGIC || c->req.payload_len > SBX_MAX_REQUEST ||
	    (c->req.fn >= 0) != fn)
		child_fail(status, CHILD_FDS);
	buf_init(&c->payload, SBX_MAX_REQUEST);
	if (buf_grow(&c->payload, (size_t)c->req.payload_len) < 0 ||
	    fd_read_exact(CHILD_CALL_FD, c->payload.data, (size_t)c->req.payload_len) < 0)
		child_fail(status, CHILD_FDS);
	c->payload.len = (size_t)c->req.payload_len;
	/* The call is all here: its code never sees the pipe. */
	close(CHILD_CALL_FD);
	errno = EPROTO;
	if (sbx_payload_parse(&c->req, PROFILE__COUNT, cfg->n_fns, c->payload.data,
			      c->payload.len, &c->pl) < 0)
		child_fail(status, CHILD_FDS);
	build_env_call(c, nenv, tmp);
	/* The spare sits in the workspace already (child_setup). */
	s->call_cwd = c->pl.cwd[0] && strcmp(c->pl.cwd, cfg->workspace) ? c->pl.cwd : NULL;
	s->argv = (char *const *)c->pl.argv;
	s->envp = c->envp;
	s->fn = fn ? &cfg->fns[c->req.fn] : NULL;
	s->input = c->pl.input;
	s->input_len = c->req.input_len;
	s->max_reply = c->req.max_reply;
	child_start(s, status);
}

int wspare_make(struct warden_spare *sp, int k, const struct warden_config *cfg,
		const struct warden_session *ses, struct warden_slot *ws, int slot,
		struct wzygote *zy)
{
	uint32_t profile = (uint32_t)(k / 2);
	bool fn = (k % 2) == 0;
	const char *tmp = (ses->layers & LAYER_BIT(LAYER_MOUNTNS)) ? "/tmp" : cfg->session_tmp;
	struct child_pipes p;
	struct landlock_paths ll;
	struct child_spec spec;
	pid_t pid;
	int i;

	if (pipes_open(&p, fn, true) < 0)
		return -1;
	if (ws)
		slot_limits(cfg, ws, profile);
	if (zy) {
		int fds[WZY_NFDS];

		for (i = 0; i < WZY_NFDS; i++)
			fds[i] = -1;
		fds[WZY_OUT] = p.out[1];
		fds[WZY_ERR] = p.err[1];
		fds[WZY_REPLY] = p.rep[1];
		fds[WZY_STATUS] = p.st[1];
		fds[WZY_CALL] = p.call[0];
		for (i = 0; !fn && ws && i < CGROUP_MAX_HIER; i++)
			fds[WZY_CG0 + i] = ws->cg.procs[i];
		if (wzygote_send(zy, fds) < 0)
			goto fail;
		pid = 0; /* known at its WZY_SPAWNED */
		goto made;
	}
	ll.workspace = cfg->workspace;
	ll.read_roots = cfg->read_roots;
	ll.tmp = tmp;
	ll.in_view = (ses->layers & LAYER_BIT(LAYER_MOUNTNS)) != 0;
	ll.netns = (ses->layers & LAYER_BIT(LAYER_NETNS)) != 0;
	memset(&spec, 0, sizeof(spec));
	spec.out_fd = p.out[1];
	spec.err_fd = p.err[1];
	spec.reply_fd = p.rep[1];
	spec.status_fd = p.st[1];
	spec.pass_fd = -1;
	spec.call_fd = p.call[0];
	spec.notify_fd = fn ? -1 : ses->notify_sock;
	for (i = 0; i < CHILD_MAX_CGROUPS; i++)
		spec.cg_procs[i] = i < CGROUP_MAX_HIER && ws ? ws->cg.procs[i] : -1;
	spec.cwd = cfg->workspace;
	/* Set for the fd layout (fd 3 reply, 4 status); the function itself comes with the call. */
	spec.fn = fn ? &cfg->fns[0] : NULL;
	spec.conf.profile = (enum sandbox_profile)profile;
	spec.conf.with_exec = !fn;
	spec.conf.limits = profile_default_limits(profile);
	spec.conf.ll = &ll;
	spec.conf.ll_abi = cfg->landlock_abi;
	spec.ll_fd = ses->ll_fd[profile][fn ? 0 : 1];
	spec.conf.ll_prebuilt = spec.ll_fd >= 0;
	spec.conf.prog = child_prog(cfg, ses->layers, profile, fn, false);
	spec.conf.prog_inherited = !fn && ses->exec_base ? 1 : 0;
	spec.conf.report_sigsys = fn;
	spec.parent = getpid();
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0) {
		int status = child_setup(&spec);

		wspare_serve(&spec, status, cfg, ses->layers, fn);
	}
made:
	pipes_forked(&p);
	sp->pid = pid;
	sp->zy = zy;
	sp->foster = false; /* the warden's child: forked here, or CLONE_PARENT by an exec zygote */
	sp->slot = slot;
	sp->ws = ws;
	sp->call_fd = p.call[1];
	sp->pout = p.out[0];
	sp->perr = p.err[0];
	sp->prep = p.rep[0];
	sp->pst = p.st[0];
	sp->handed = sp->failed = false;
	return 0;
fail:
	pipes_close(&p);
	return -1;
}

void wspare_discard(struct warden_spare *sp)
{
	/* Reaped already (a ticketed spare that ended): its pid is no one's now. */
	if (sp->exited)
		sp->pid = -1;
	sp->exited = false;
	sp->ticket = 0;
	/* Being forked by its zygote: learn its pid, or it could join its slot after we left it. */
	if (sp->pid == 0 && sp->zy)
		sp->pid = wzygote_wait_spawned(sp->zy, &sp->zserial);
	/*
	 * Reaped here, so its cgroup slot reads empty right after (a zygote's
	 * spare is reaped by its zygote; the slot's owner waits for the group
	 * to empty).
	 */
	if (sp->pid > 0 && kill(sp->pid, SIGKILL) == 0 && !sp->foster)
		while (waitpid(sp->pid, NULL, 0) < 0 && errno == EINTR)
			;
	sp->pid = -1;
	sp->zy = NULL;
	sp->foster = false;
	close_fd(&sp->call_fd);
	close_fd(&sp->pout);
	close_fd(&sp->perr);
	close_fd(&sp->prep);
	close_fd(&sp->pst);
	sp->handed = sp->failed = false;
}
