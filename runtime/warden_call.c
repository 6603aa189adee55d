/*
 * warden_call.c — the call manager: one per call, forked by the warden
 * (untrusted side). It reads the request from the call's socket, forks the
 * confined child (child.h), drains its stdout/stderr/reply with byte caps,
 * enforces the wall-clock timeout, kills the call's whole process tree and
 * answers with struct sbx_resp.
 */
#include "runtime/warden_call.h"
#include "common/error.h"
#include "runtime/child.h"
#include "runtime/sandbox_ipc.h"

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
#include <time.h>
#include <unistd.h>

#define WARDEN_MAX_ENV 512
#define CALL_DEFAULT_TIMEOUT_MS 120000u
#define DRAIN_AFTER_EXIT_MS 2000

static uint64_t now_ms(void)
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

struct call {
	struct sbx_req req;
	struct buf payload;
	struct sbx_payload pl;
	int pass_fd;
	char *envp[WARDEN_MAX_ENV + 1];
	struct sbx_resp resp;
	struct buf out, err, reply;
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

static char *xstrdup_printf(const char *k, const char *v)
{
	size_t n = strlen(k) + strlen(v) + 2;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s=%s", k, v);
	return s;
}

static const char *getenv_in(char **envp, size_t n, const char *name)
{
	size_t i, k = strlen(name);

	for (i = 0; i < n; i++)
		if (!strncmp(envp[i], name, k) && envp[i][k] == '=')
			return envp[i] + k + 1;
	return NULL;
}

static void build_env(struct call *c, const struct warden_config *cfg, const char *tmp)
{
	const char *const *d;
	size_t n = 0;
	uint32_t i;
	char *s;

	for (i = 0; cfg->base_env && cfg->base_env[i]; i++)
		env_set(c->envp, &n, cfg->base_env[i]);
	for (d = profile_env_defaults(); *d; d++)
		env_set(c->envp, &n, (char *)*d);
	for (i = 0; i < c->req.envc; i++)
		if (!env_secretish(c->pl.env[i]))
			env_set(c->envp, &n, (char *)c->pl.env[i]);
	if ((s = xstrdup_printf("TMPDIR", tmp)))
		env_set(c->envp, &n, s);
	if ((s = xstrdup_printf("HOME", tmp)))
		env_set(c->envp, &n, s);
	if (!getenv_in(c->envp, n, "PATH"))
		env_set(c->envp, &n, (char *)"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
	c->envp[n] = NULL;
}

static unsigned child_layers_available(const struct warden_config *cfg)
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

static void kill_tree(pid_t pid, struct cgroup_call *cg)
{
	/* The child's session/process group, then its cgroup, then our reparented orphans. */
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	cgroup_call_kill(cg, false);
}

/* Set when a pool slot's cgroup was not seen empty at the end (the warden checks it). */
static bool slot_dirty;

static void setup_error(struct sbx_resp *r, const char *what, const char *detail, int err)
{
	r->end = SANDBOX_SETUP;
	r->exit_code = SANDBOX_EXIT_REFUSED;
	snprintf(r->setup_error, sizeof(r->setup_error), "%s%s%s", what, detail,
		 err ? strerror(err) : "");
}

static void run_call(struct call *c, const struct warden_config *cfg,
		     const struct warden_session *ses, int sock, struct warden_slot *slot)
{
	unsigned session_layers = ses->layers;
	struct child_spec spec;
	struct cgroup_call cg;
	struct landlock_paths ll;
	struct child_sigsys *rep = MAP_FAILED;
	struct child_status st = { .stage = -1 };
	const struct profile_limits *lim = profile_default_limits(c->req.profile);
	int pout[2] = { -1, -1 }, perr[2] = { -1, -1 }, prep[2] = { -1, -1 }, pst[2] = { -1, -1 };
	const char *tmp = (session_layers & LAYER_BIT(LAYER_MOUNTNS)) ? "/tmp" : cfg->session_tmp;
	bool out_tr = false, err_tr = false, rep_tr = false, timed_out = false, exited = false;
	bool fn = c->req.fn >= 0;
	unsigned avail = session_layers | child_layers_available(cfg), missing;
	uint64_t start = now_ms(), deadline, exit_at = 0;
	unsigned timeout = c->req.timeout_ms ? c->req.timeout_ms : CALL_DEFAULT_TIMEOUT_MS;
	size_t st_got = 0;
	int wstatus = 0, i, pidfd = -1;
	pid_t pid = -1;

	memset(&cg, 0, sizeof(cg));
	for (i = 0; i < CGROUP_MAX_HIER; i++)
		cg.procs[i] = cg.dirfd[i] = -1;
	missing = c->req.require & ~avail;
	if (missing) {
		char names[128];

		setup_error(&c->resp, "required sandbox layer(s) not available here: ",
			    layer_format_list(missing, names, sizeof(names)), 0);
		return;
	}
	if (slot) {
		/* A pooled group, emptied by the call before: only the limits may differ. */
		cg = slot->cg;
		if (*slot->limits_profile != (int32_t)c->req.profile) {
			*slot->limits_profile = -1;
			cgroup_call_set_limits(&cfg->cg, &cg, lim);
			*slot->limits_profile = (int32_t)c->req.profile;
		}
	} else if (cfg->cg.n) {
		char name[32];

		snprintf(name, sizeof(name), "call-%ld", (long)getpid());
		if (cgroup_call_create(&cfg->cg, name, lim, &cg) < 0 &&
		    (c->req.require & LAYER_BIT(LAYER_CGROUP))) {
			setup_error(&c->resp, "cannot create the call's cgroup", ": ", errno);
			return;
		}
	}
	build_env(c, cfg, tmp);
	if (pipe2(pout, O_CLOEXEC) < 0 || pipe2(perr, O_CLOEXEC) < 0 ||
	    pipe2(pst, O_CLOEXEC) < 0 || (fn && pipe2(prep, O_CLOEXEC) < 0)) {
		setup_error(&c->resp, "cannot create pipes", ": ", errno);
		goto out;
	}
	rep = mmap(NULL, sizeof(*rep), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (rep == MAP_FAILED) {
		setup_error(&c->resp, "cannot map the report page", ": ", errno);
		goto out;
	}
	memset(rep, 0, sizeof(*rep));
	ll.workspace = cfg->workspace;
	ll.read_roots = cfg->read_roots;
	ll.tmp = tmp;
	ll.in_view = (session_layers & LAYER_BIT(LAYER_MOUNTNS)) != 0;
	memset(&spec, 0, sizeof(spec));
	spec.out_fd = pout[1];
	spec.err_fd = perr[1];
	spec.reply_fd = prep[1];
	spec.status_fd = pst[1];
	spec.pass_fd = c->pass_fd;
	for (i = 0; i < CHILD_MAX_CGROUPS; i++)
		spec.cg_procs[i] = i < CGROUP_MAX_HIER ? cg.procs[i] : -1;
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
	if (cfg->seccomp_ok)
		spec.conf.prog = fn ? &cfg->prog_fn[c->req.profile]
			    : (c->req.flags & SBX_F_NET) ? &cfg->prog_exec[1]
			    : (session_layers & LAYER_BIT(LAYER_NETNS)) ? &cfg->prog_exec[0]
								    : &cfg->prog_exec[2];
	spec.conf.report = fn ? rep : NULL;

	pid = fork();
	if (pid < 0) {
		setup_error(&c->resp, "cannot fork the child", ": ", errno);
		goto out;
	}
	if (pid == 0)
		child_run(&spec);
	/* Wakes poll() the moment the child exits (Linux 5.3+; else we poll in short steps). */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	close(pout[1]);
	close(perr[1]);
	close(pst[1]);
	pout[1] = perr[1] = pst[1] = -1;
	if (fn) {
		close(prep[1]);
		prep[1] = -1;
	}
	deadline = start + timeout;
	for (;;) {
		struct pollfd pf[6];
		int nf = 0, idx_out = -1, idx_err = -1, idx_rep = -1, idx_st = -1, idx_sock;
		uint64_t now = now_ms();
		int wait_ms;

		if (!exited) {
			pid_t w = waitpid(pid, &wstatus, WNOHANG);

			if (w == pid) {
				exited = true;
				exit_at = now;
				/* The call is over: nothing it started may outlive it. */
				kill_tree(pid, &cg);
			}
		}
		if (!exited && now >= deadline) {
			timed_out = true;
			kill_tree(pid, &cg);
			while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
				;
			exited = true;
			exit_at = now;
		}
		if (pout[0] < 0 && perr[0] < 0 && prep[0] < 0 && pst[0] < 0 && exited)
			break;
		if (exited && now - exit_at > DRAIN_AFTER_EXIT_MS)
			break;
		if (pout[0] >= 0) {
			idx_out = nf;
			pf[nf++] = (struct pollfd){ .fd = pout[0], .events = POLLIN };
		}
		if (perr[0] >= 0) {
			idx_err = nf;
			pf[nf++] = (struct pollfd){ .fd = perr[0], .events = POLLIN };
		}
		if (prep[0] >= 0) {
			idx_rep = nf;
			pf[nf++] = (struct pollfd){ .fd = prep[0], .events = POLLIN };
		}
		if (pst[0] >= 0) {
			idx_st = nf;
			pf[nf++] = (struct pollfd){ .fd = pst[0], .events = POLLIN };
		}
		idx_sock = nf;
		pf[nf++] = (struct pollfd){ .fd = sock, .events = POLLIN };
		if (!exited && pidfd >= 0)
			pf[nf++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
		wait_ms = exited ? 20 : pidfd >= 0 ? (int)(deadline - now) : 10;
		if (wait_ms > 1000)
			wait_ms = 1000;
		if (poll(pf, (nfds_t)nf, wait_ms) < 0 && errno != EINTR)
			break;
		if (idx_out >= 0 && pf[idx_out].revents &&
		    !drain(pout[0], &c->out, c->req.max_output, &out_tr)) {
			close(pout[0]);
			pout[0] = -1;
		}
		if (idx_err >= 0 && pf[idx_err].revents &&
		    !drain(perr[0], &c->err, c->req.max_output, &err_tr)) {
			close(perr[0]);
			perr[0] = -1;
		}
		if (idx_rep >= 0 && pf[idx_rep].revents &&
		    !drain(prep[0], &c->reply, c->req.max_reply, &rep_tr)) {
			close(prep[0]);
			prep[0] = -1;
		}
		if (idx_st >= 0 && pf[idx_st].revents) {
			struct child_status one;
			ssize_t n = read(pst[0], &one, sizeof(one));

			if (n == (ssize_t)sizeof(one)) {
				/* Keep the first failure, else the last OK record. */
				if (st_got == 0 || st.stage == CHILD_OK)
					st = one;
				st_got++;
			} else if (n <= 0 && !(n < 0 && errno == EINTR)) {
				close(pst[0]);
				pst[0] = -1;
			}
		}
		/* The supervisor hung up (gave up on us): cancel the call. */
		if (pf[idx_sock].revents & (POLLIN | POLLHUP | POLLERR)) {
			kill_tree(pid, &cg);
			warden_kill_all_children();
			if (slot && !cgroup_call_kill(&cg, true))
				_exit(4);
			_exit(0);
		}
	}
	kill_tree(pid, &cg);
	warden_kill_all_children();
	/*
	 * Every process of the call descends from us (orphans are reparented
	 * to us) and is reaped now; a pooled group must be empty before the
	 * warden lends it again. Normally this is one read of cgroup.procs.
	 */
	if (slot && !cgroup_call_kill(&cg, true))
		slot_dirty = true;

	c->resp.elapsed_ms = (uint32_t)(now_ms() - start);
	c->resp.layers = session_layers | (st_got && st.stage == CHILD_OK ? st.layers : 0);
	c->resp.truncated = (out_tr ? 1u : 0) | (err_tr ? 2u : 0) | (rep_tr ? 4u : 0);
	c->resp.syscall_nr = -1;
	if (st_got && st.stage != CHILD_OK) {
		c->resp.end = SANDBOX_SETUP;
		c->resp.exit_code = st.stage == CHILD_EXEC ? (st.err == ENOENT ? 127 : 126)
							   : SANDBOX_EXIT_REFUSED;
		if (st.stage == CHILD_EXEC)
			snprintf(c->resp.setup_error, sizeof(c->resp.setup_error),
				 "cannot run '%s': %s", c->pl.argv[0] ? c->pl.argv[0] : "",
				 strerror(st.err));
		else
			snprintf(c->resp.setup_error, sizeof(c->resp.setup_error),
				 "cannot apply the sandbox (%s): %s", child_stage_name(st.stage),
				 strerror(st.err));
	} else if (timed_out) {
		c->resp.end = SANDBOX_TIMEOUT;
		c->resp.exit_code = SANDBOX_EXIT_TIMEOUT;
	} else if (WIFSIGNALED(wstatus)) {
		c->resp.signal = WTERMSIG(wstatus);
		c->resp.exit_code = 128 + c->resp.signal;
		c->resp.end = c->resp.signal == SIGSYS ? SANDBOX_SECCOMP : SANDBOX_SIGNALED;
		if (c->resp.signal == SIGSYS && rep->magic == CHILD_SIGSYS_MAGIC)
			c->resp.syscall_nr = rep->nr;
	} else if (!st_got) {
		/* Died before reporting: PDEATHSIG race or killed early. */
		c->resp.end = SANDBOX_SETUP;
		c->resp.exit_code = SANDBOX_EXIT_REFUSED;
		snprintf(c->resp.setup_error, sizeof(c->resp.setup_error),
			 "the child exited (%d) before its sandbox was complete",
			 WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
	} else {
		c->resp.end = SANDBOX_EXITED;
		c->resp.exit_code = WEXITSTATUS(wstatus);
	}
out:
	if (pidfd >= 0)
		close(pidfd);
	for (i = 0; i < 2; i++) {
		if (pout[i] >= 0)
			close(pout[i]);
		if (perr[i] >= 0)
			close(perr[i]);
		if (prep[i] >= 0)
			close(prep[i]);
		if (pst[i] >= 0)
			close(pst[i]);
	}
	if (rep != MAP_FAILED)
		munmap(rep, sizeof(*rep));
	if (cg.n && !slot)
		cgroup_call_destroy(&cfg->cg, &cg);
}

void warden_call_manager(int sock, const struct warden_config *cfg,
			 const struct warden_session *ses, struct warden_slot *slot)
{
	struct call c;
	int r;

	memset(&c, 0, sizeof(c));
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* Orphans of the call come to us, so the tree kill finds them. */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	buf_init(&c.payload, SBX_MAX_REQUEST);
	r = sbx_recv_msg(sock, &c.req, sizeof(c.req), 30000);
	if (r < 0 || c.req.magic != SBX_MAGIC || c.req.payload_len > SBX_MAX_REQUEST)
		_exit(2);
	r = sbx_recv_bytes(sock, &c.payload, (size_t)c.req.payload_len, 30000);
	if (r < 0 || sbx_payload_parse(&c.req, PROFILE__COUNT, cfg->n_fns, c.payload.data,
				       c.payload.len, &c.pl) < 0)
		_exit(2);
	c.pass_fd = -1;
	if (c.req.flags & SBX_F_FD) {
		struct sbx_msg m;

		if (sbx_recv_fd(sock, &m, sizeof(m), &c.pass_fd) < 0 || c.pass_fd < 0 ||
		    m.magic != SBX_MAGIC)
			_exit(2);
	}
	buf_init(&c.out, c.req.max_output);
	buf_init(&c.err, c.req.max_output);
	buf_init(&c.reply, c.req.max_reply);
	c.resp.magic = SBX_MAGIC;
	run_call(&c, cfg, ses, sock, slot);
	c.resp.out_len = c.out.len;
	c.resp.err_len = c.err.len;
	c.resp.reply_len = c.reply.len;
	if (sbx_send_msg(sock, &c.resp, sizeof(c.resp)) < 0 ||
	    sbx_send_bytes(sock, c.out.data, c.out.len) < 0 ||
	    sbx_send_bytes(sock, c.err.data, c.err.len) < 0 ||
	    sbx_send_bytes(sock, c.reply.data, c.reply.len) < 0)
		_exit(3);
	_exit(slot_dirty ? 4 : 0);
}
