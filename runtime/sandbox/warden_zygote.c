/*
 * warden_zygote.c — the zygote: a confined fork server for one spare kind
 * (see warden_zygote.h; untrusted side).
 */
#include "runtime/sandbox/warden_zygote.h"
#include "common/error.h"
#include "runtime/sandbox/child.h"
#include "runtime/sandbox/sandbox_ipc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define WZY_MAGIC 0x5a59474fu /* "ZYGO" */
#define WZY_SOCK_FD 3         /* the zygote's socket (writable under every filter) */
#define WZY_RULESET_FD 4      /* the prebuilt ruleset until it is enforced */
#define WZY_NOTIFY_FD 5       /* an exec'd kind's: the notifier's socket until the listener is handed */
#define WZY_WAIT_MS 2000
#define WZY_MAX_LIVE 256     /* spares alive at once: two waiting, the rest running calls */

struct wzy_req {
	uint32_t magic;
	uint32_t have; /* bit i: fds[i] (enum wzy_fd) was sent */
};

void wzygote_init(struct wzygote *z)
{
	memset(z, 0, sizeof(*z));
	z->pid = -1;
	z->sock = -1;
	z->slot = -1;
}

/* ---- in the zygote ------------------------------------------------------- */

static void on_sigchld(int sig)
{
	(void)sig; /* only to interrupt ppoll() */
}

/* The spares alive, with their serial numbers. */
static struct {
	pid_t pid;
	uint32_t serial;
} live[WZY_MAX_LIVE];
static uint32_t next_serial = 1;

static void send_msg(uint32_t type, pid_t pid, int status, uint32_t serial)
{
	struct wzy_msg m = { WZY_MAGIC, type, (int32_t)pid, (int32_t)status, serial };
	ssize_t n;

	do
		n = write(WZY_SOCK_FD, &m, sizeof(m));
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(m))
		_exit(0); /* the warden is gone */
}

/*
 * One SOCK_SEQPACKET record of exactly len bytes with up to max
 * descriptors (SCM_RIGHTS, close-on-exec), into fds[0..max) (-1 where
 * none). 1, 0 at EOF (or nothing waiting, with MSG_DONTWAIT in flags), -1
 * on a malformed record (its descriptors closed).
 */
static int recv_record(int sock, void *buf, size_t len, int *fds, int max, int flags)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * WZY_NFDS)];
	} cb;
	struct iovec iov = { buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cb.b,
			     .msg_controllen = sizeof(cb.b) };
	struct cmsghdr *cm;
	int i, n_fds = 0;
	ssize_t n;

	for (i = 0; i < max; i++)
		fds[i] = -1;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | flags);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n <= 0)
		return n == 0 ? 0 : -1;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		int got[WZY_NFDS], k, j;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		k = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		if (k > WZY_NFDS)
			k = WZY_NFDS;
		memcpy(got, CMSG_DATA(cm), (size_t)k * sizeof(int));
		for (j = 0; j < k; j++) {
			if (n_fds < max)
				fds[n_fds++] = got[j];
			else
				close(got[j]);
		}
	}
	if ((size_t)n != len || (mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC))) {
		for (i = 0; i < n_fds; i++)
			close(fds[i]);
		for (i = 0; i < max; i++)
			fds[i] = -1;
		return -1;
	}
	return 1;
}

/* One record with descriptors fds[0..n) (entries < 0 skipped). 0, or -1. */
static int send_record(int sock, const void *buf, size_t len, const int *fds, int n)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int) * WZY_NFDS)];
	} cb;
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int send[WZY_NFDS], k = 0, i;
	ssize_t w;

	for (i = 0; i < n && k < WZY_NFDS; i++)
		if (fds[i] >= 0)
			send[k++] = fds[i];
	memset(&cb, 0, sizeof(cb));
	if (k) {
		struct cmsghdr *cm;

		mh.msg_control = cb.b;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)k);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)k);
		memcpy(CMSG_DATA(cm), send, sizeof(int) * (size_t)k);
	}
	do
		w = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	return w == (ssize_t)len ? 0 : -1;
}

/* Receive one spawn request (exec'd kinds): 1, 0 at EOF, -1 malformed. fds[] -1 where not sent. */
static int recv_req(int fds[WZY_NFDS])
{
	struct wzy_req req;
	int got[WZY_NFDS], i, j, r;

	r = recv_record(WZY_SOCK_FD, &req, sizeof(req), got, WZY_NFDS, 0);
	for (i = 0; i < WZY_NFDS; i++)
		fds[i] = -1;
	if (r <= 0)
		return r;
	if (req.magic != WZY_MAGIC) {
		for (i = 0; i < WZY_NFDS; i++)
			if (got[i] >= 0)
				close(got[i]);
		return -1;
	}
	for (i = 0, j = 0; i < WZY_NFDS; i++)
		if (req.have & (1u << i))
			fds[i] = j < WZY_NFDS ? got[j++] : -1;
	for (; j < WZY_NFDS; j++)
		if (got[j] >= 0)
			close(got[j]);
	return 1;
}

/* Reap every spare that ended and tell the warden; how many. */
static int reap_spares(void)
{
	pid_t w;
	int st, n = 0;

	while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
		n++;
		uint32_t serial = 0;

		for (int i = 0; i < WZY_MAX_LIVE; i++)
			if (live[i].pid == w) {
				serial = live[i].serial;
				live[i].pid = 0;
				break;
			}
		send_msg(WZY_EXITED, w, st, serial);
	}
	return n;
}

/* A serial for the new spare pid (0 when too many are alive to track: pid only). */
static uint32_t remember(pid_t pid)
{
	for (int i = 0; i < WZY_MAX_LIVE; i++)
		if (live[i].pid == 0) {
			live[i].pid = pid;
			live[i].serial = next_serial++;
			if (!next_serial)
				next_serial = 1;
			return live[i].serial;
		}
	return 0;
}

/* In the spare, just forked: the per-child setup, then wait for the call. */
static void __attribute__((noreturn)) spare_main(int k, const int fds[WZY_NFDS],
						 const struct warden_config *cfg,
						 const struct warden_session *ses, uint32_t layers,
						 pid_t parent, const sigset_t *mask)
{
	bool fn = (k % 2) == 0;
	struct child_spec spec;
	int i;

	signal(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	memset(&spec, 0, sizeof(spec));
	spec.out_fd = fds[WZY_OUT];
	spec.err_fd = fds[WZY_ERR];
	spec.reply_fd = fds[WZY_REPLY];
	spec.status_fd = fds[WZY_STATUS];
	spec.call_fd = fds[WZY_CALL];
	spec.notify_fd = -1; /* the zygote's chain has the listener already (zygote_main()) */
	spec.pass_fd = -1;
	spec.ll_fd = -1;
	spec.stdin_is_null = true; /* the zygote's stdin is /dev/null */
	spec.parent = parent;
	/* A function's group is its zygote's; an exec'd command joins its call group. */
	for (i = 0; i < CHILD_MAX_CGROUPS; i++)
		spec.cg_procs[i] = !fn && i < CGROUP_MAX_HIER ? fds[WZY_CG0 + i] : -1;
	/* Set for the fd layout (fd 3 reply, 4 status); the function itself comes with the call. */
	spec.fn = fn ? &cfg->fns[0] : NULL;
	spec.conf.profile = (enum sandbox_profile)(k / 2);
	spec.conf.with_exec = !fn;
	spec.conf.ll_abi = cfg->landlock_abi;
	/* Functions stack the no-process filter; an exec'd command's filter is all inherited. */
	spec.conf.prog = fn && cfg->seccomp_ok ? &cfg->prog_spawned : NULL;
	spec.conf.report_sigsys = fn;
	wspare_serve(&spec, child_setup_spawned(&spec, layers), cfg, ses->layers, fn);
}

/*
 * A function kind's zygote keeps WSPARE_DEPTH spares alive on its own: that
 * many at start, and a new one for each that ends (its call was answered,
 * or it was lost). It makes the spare's pipes itself and hands the warden
 * its ends with WZY_SPAWNED, so a call costs the warden no request, and the
 * end of one spare and the pid of the next reach it back to back.
 */
static void spawn_fn(int k, const struct warden_config *cfg, const struct warden_session *ses,
		     uint32_t layers, pid_t self, const sigset_t *mask)
{
	int p[WZY_SPARE_FDS][2], child[WZY_NFDS], ends[WZY_SPARE_FDS], i, err = 0;
	struct wzy_msg m = { WZY_MAGIC, WZY_SPAWNED, 0, 0, 0 };
	pid_t pid = -1;

	for (i = 0; i < WZY_SPARE_FDS; i++)
		p[i][0] = p[i][1] = -1;
	for (i = 0; i < WZY_SPARE_FDS && !err; i++)
		if (pipe2(p[i], O_CLOEXEC) < 0)
			err = errno;
	if (!err) {
		/* The spare writes out, err, reply and status, and reads its call. */
		for (i = 0; i < WZY_NFDS; i++)
			child[i] = -1;
		child[WZY_OUT] = p[WZY_OUT][1];
		child[WZY_ERR] = p[WZY_ERR][1];
		child[WZY_REPLY] = p[WZY_REPLY][1];
		child[WZY_STATUS] = p[WZY_STATUS][1];
		child[WZY_CALL] = p[WZY_CALL][0];
		pid = fork();
		if (pid == 0)
			spare_main(k, child, cfg, ses, layers, self, mask);
		if (pid < 0)
			err = errno;
	}
	for (i = 0; i < WZY_SPARE_FDS; i++) {
		/* The spare writes all but its call pipe, which it reads. */
		int spares = i == WZY_CALL ? 0 : 1;

		ends[i] = p[i][1 - spares];
		if (p[i][spares] >= 0)
			close(p[i][spares]);
	}
	m.pid = pid > 0 ? pid : -err;
	m.serial = pid > 0 ? remember(pid) : 0;
	if (send_record(WZY_SOCK_FD, &m, sizeof(m), pid > 0 ? ends : NULL, pid > 0 ? WZY_SPARE_FDS : 0) < 0)
		_exit(0); /* the warden is gone */
	for (i = 0; i < WZY_SPARE_FDS; i++)
		if (ends[i] >= 0)
			close(ends[i]);
}

static void __attribute__((noreturn)) zygote_main(int sock, int k, const struct warden_config *cfg,
						  const struct warden_session *ses,
						  const struct warden_slot *group, pid_t warden)
{
	uint32_t profile = (uint32_t)(k / 2), layers = ses->layers;
	bool fn = (k % 2) == 0;
	const char *tmp = (ses->layers & LAYER_BIT(LAYER_MOUNTNS)) ? "/tmp" : cfg->session_tmp;
	struct landlock_paths ll;
	struct child_confine conf;
	struct sigaction sa;
	sigset_t block, mask;
	int i, ruleset = ses->ll_fd[profile][fn ? 0 : 1], null, notify = fn ? -1 : ses->notify_sock;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != warden)
		_exit(CHILD_EXIT_SETUP);
	prctl(PR_SET_NAME, "cordon-zygote", 0, 0, 0);
	/* Nothing in the session may read our memory (/proc/PID/mem) or ptrace us. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (setsid() < 0)
		_exit(CHILD_EXIT_SETUP);
	for (i = 0; group && i < CGROUP_MAX_HIER; i++) {
		if (group->cg.procs[i] < 0)
			continue;
		if (write(group->cg.procs[i], "0\n", 2) != 2)
			_exit(CHILD_EXIT_SETUP);
		layers |= LAYER_BIT(LAYER_CGROUP);
	}
	/* 0-2 /dev/null, 3 the socket, 4 the ruleset; nothing else of the warden's. */
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		_exit(CHILD_EXIT_SETUP);
	sock = fcntl(sock, F_DUPFD_CLOEXEC, 16);
	if (ruleset >= 0)
		ruleset = fcntl(ruleset, F_DUPFD_CLOEXEC, 16);
	if (notify >= 0)
		notify = fcntl(notify, F_DUPFD_CLOEXEC, 16);
	if (sock < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
	    dup3(sock, WZY_SOCK_FD, O_CLOEXEC) < 0 ||
	    (ruleset >= 0 && dup3(ruleset, WZY_RULESET_FD, O_CLOEXEC) < 0) ||
	    (notify >= 0 && dup3(notify, WZY_NOTIFY_FD, O_CLOEXEC) < 0))
		_exit(CHILD_EXIT_SETUP);
	/* The holes (no ruleset) are closed too: only what is named above stays. */
	if (syscall(SYS_close_range, notify >= 0 ? WZY_NOTIFY_FD + 1
				     : ruleset >= 0 ? WZY_RULESET_FD + 1 : WZY_SOCK_FD + 1, ~0u, 0u) < 0 ||
	    (notify >= 0 && ruleset < 0 &&
	     syscall(SYS_close_range, WZY_RULESET_FD, WZY_RULESET_FD, 0u) < 0))
		_exit(CHILD_EXIT_SETUP);
	if (chdir(cfg->workspace) < 0)
		_exit(CHILD_EXIT_SETUP);

	ll.workspace = cfg->workspace;
	ll.read_roots = cfg->read_roots;
	ll.tmp = tmp;
	ll.in_view = (ses->layers & LAYER_BIT(LAYER_MOUNTNS)) != 0;
	ll.netns = (ses->layers & LAYER_BIT(LAYER_NETNS)) != 0;
	memset(&conf, 0, sizeof(conf));
	conf.profile = (enum sandbox_profile)profile;
	conf.with_exec = !fn;
	conf.limits = profile_default_limits(profile);
	conf.ll = &ll;
	conf.ll_abi = cfg->landlock_abi;
	conf.ll_fd = WZY_RULESET_FD;
	conf.ll_prebuilt = ruleset >= 0;
	if (fn) {
		conf.prog = cfg->seccomp_ok ? &cfg->prog_zygote[profile] : NULL;
	} else if (cfg->seccomp_ok) {
		/* An exec'd command's filter, as a spare the warden forks loads it (on the base). */
		conf.prog = wcall_exec_prog(cfg, ses->layers, profile, false);
		conf.prog_inherited = ses->exec_base ? 1 : 0;
	}
	conf.status_fd = -1;
	/* Its spares share its chain, so its listener (degraded mode) serves them all. */
	conf.notify_sock = notify >= 0 ? WZY_NOTIFY_FD : -1;
	conf.base_layers = layers;
	if (child_confine(&conf, &layers) != 0)
		_exit(CHILD_EXIT_SETUP);

	/* SIGCHLD only interrupts ppoll(): no reap can be missed between two polls. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigchld;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &mask);
	if (fn) {
		pid_t self = getpid();
		char byte;

		for (i = 0; i < WSPARE_DEPTH; i++)
			spawn_fn(k, cfg, ses, layers, self, &mask);
		for (;;) {
			struct pollfd pf = { WZY_SOCK_FD, POLLIN, 0 };
			int r = ppoll(&pf, 1, NULL, &mask), n = reap_spares();

			while (n-- > 0)
				spawn_fn(k, cfg, ses, layers, self, &mask);
			/* The warden sends a function zygote nothing: readable is its EOF. */
			if (r > 0 && pf.revents && recv(WZY_SOCK_FD, &byte, 1, MSG_DONTWAIT) == 0)
				_exit(0); /* our spares die with us (PDEATHSIG) */
		}
	}
	for (;;) {
		struct pollfd pf = { WZY_SOCK_FD, POLLIN, 0 };
		int fds[WZY_NFDS], r;
		pid_t pid;
		int err;

		r = ppoll(&pf, 1, NULL, &mask);
		if (r <= 0 || !pf.revents)
			continue;
		r = recv_req(fds);
		if (r == 0)
			_exit(0); /* the warden closed: our spares die with us (PDEATHSIG) */
		if (r < 0)
			continue;
		{
			/*
			 * An exec'd command's spare is the warden's child
			 * (CLONE_PARENT): the warden reaps it and kills its tree as
			 * it does for a spare it forked itself, with no relay. A
			 * raw clone: glibc's fork has no CLONE_PARENT. What the
			 * child runs before its exec (child_setup_spawned(),
			 * wspare_serve()) uses no thread or tid-keyed state, which
			 * glibc does not update for a raw clone.
			 */
			pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, 0L);
			if (pid == 0)
				spare_main(k, fds, cfg, ses, layers, warden, &mask);
		}
		err = errno;
		for (i = 0; i < WZY_NFDS; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		send_msg(WZY_SPAWNED, pid > 0 ? pid : -err, 0, 0);
	}
}

/* ---- in the warden -------------------------------------------------------- */

int wzygote_start(struct wzygote *z, int k, const struct warden_config *cfg,
		  const struct warden_session *ses, const struct warden_slot *group)
{
	int sv[2];
	pid_t warden = getpid();

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		goto broken;
	z->pid = fork();
	if (z->pid < 0) {
		close(sv[0]);
		close(sv[1]);
		goto broken;
	}
	if (z->pid == 0) {
		close(sv[0]);
		zygote_main(sv[1], k, cfg, ses, group, warden);
	}
	close(sv[1]);
	z->sock = sv[0];
	z->nexits = 0;
	return 0;
broken:
	z->pid = -1;
	z->broken = true;
	return -1;
}

int wzygote_send(struct wzygote *z, const int fds[WZY_NFDS])
{
	struct wzy_req req = { WZY_MAGIC, 0 };
	int i;

	if (z->sock < 0)
		return -1;
	for (i = 0; i < WZY_NFDS; i++)
		if (fds[i] >= 0)
			req.have |= 1u << i;
	return send_record(z->sock, &req, sizeof(req), fds, WZY_NFDS);
}

int wzygote_read(struct wzygote *z, struct wzy_msg *m, int fds[WZY_SPARE_FDS], bool wait)
{
	int got[WZY_SPARE_FDS], r, i;

	if (fds)
		for (i = 0; i < WZY_SPARE_FDS; i++)
			fds[i] = -1;
	if (z->sock < 0)
		return -1;
	if (wait) {
		struct pollfd pf = { z->sock, POLLIN, 0 };

		do
			r = poll(&pf, 1, WZY_WAIT_MS);
		while (r < 0 && errno == EINTR);
		if (r <= 0)
			return -1; /* a zygote that does not answer in 2 s is as good as gone */
	}
	r = recv_record(z->sock, m, sizeof(*m), got, WZY_SPARE_FDS, MSG_DONTWAIT);
	if (r == 0 && !wait)
		return 0;
	if (r != 1 || m->magic != WZY_MAGIC) {
		for (i = 0; r == 1 && i < WZY_SPARE_FDS; i++)
			if (got[i] >= 0)
				close(got[i]);
		return -1;
	}
	for (i = 0; i < WZY_SPARE_FDS; i++) {
		if (fds)
			fds[i] = got[i];
		else if (got[i] >= 0)
			close(got[i]);
	}
	return 1;
}

pid_t wzygote_wait_spawned(struct wzygote *z, uint32_t *serial)
{
	struct wzy_msg m;

	for (;;) {
		if (wzygote_read(z, &m, NULL, true) != 1)
			return -1;
		*serial = m.serial;
		if (m.type == WZY_SPAWNED)
			return m.pid > 0 ? m.pid : -1;
		if (m.type == WZY_EXITED && z->nexits < WZY_MAX_EXITS)
			z->exits[z->nexits++] = m;
	}
}

void wzygote_stop(struct wzygote *z)
{
	if (z->sock >= 0)
		close(z->sock);
	z->sock = -1;
}
