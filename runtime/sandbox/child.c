/*
 * child.c — the confined child (untrusted side). See child.h for the order.
 *
 * Everything here runs between fork() and exec() in a process forked from a
 * single-threaded parent, so the allocator works; nothing returns to the
 * caller's code paths: every failure ends in _exit().
 */
#include "runtime/sandbox/child.h"
#include "common/error.h"
#include "runtime/sandbox/caps.h"
#include "runtime/sandbox/landlock.h"
#include "runtime/sandbox/limits.h"
#include "runtime/sandbox/warden_notify.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static const char *const stage_names[] = {
	[CHILD_OK] = "ok",         [CHILD_SETSID] = "setsid",     [CHILD_CGROUP] = "cgroup",
	[CHILD_FDS] = "fds",       [CHILD_RLIMITS] = "rlimits",   [CHILD_CWD] = "cwd",
	[CHILD_CAPS] = "caps",     [CHILD_NNP] = "no_new_privs", [CHILD_LANDLOCK] = "landlock",
	[CHILD_SECCOMP] = "seccomp", [CHILD_EXEC] = "exec",       [CHILD_FUNCTION] = "function",
};

const char *child_stage_name(int stage)
{
	if (stage < 0 || (size_t)stage >= sizeof(stage_names) / sizeof(stage_names[0]))
		return "unknown";
	return stage_names[stage];
}

static int sigsys_fd = -1;

/*
 * Safe because: the refused syscall was not executed (TRAP skips it). We
 * only note its number and run it again: SIGSYS is blocked inside this
 * handler, so the kernel resets the action to default and the process dies
 * of SIGSYS, as with SECCOMP_RET_KILL_PROCESS. No libc calls but syscall().
 */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (sigsys_fd >= 0) {
		struct child_status st = { CHILD_SIGSYS, si->si_syscall, si->si_arch };

		/* One record, below PIPE_BUF: written whole or not at all. */
		syscall(SYS_write, sigsys_fd, &st, sizeof(st));
	}
	syscall(si->si_syscall, 0, 0, 0, 0, 0, 0);
	/* Not reached unless the number became allowed; die anyway. */
	syscall(SYS_exit_group, 128 + SIGSYS);
}

/* Name refused syscalls on the status pipe fd (see on_sigsys()). */
static int install_sigsys(int fd)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigsys_fd = fd;
	return sigaction(SIGSYS, &sa, NULL);
}

static void report(int fd, int stage, int err, uint32_t layers)
{
	struct child_status st = { .stage = stage, .err = err, .layers = layers };
	ssize_t n;

	if (fd < 0)
		return;
	do
		n = write(fd, &st, sizeof(st));
	while (n < 0 && errno == EINTR);
}

int child_confine(const struct child_confine *c, uint32_t *out_layers)
{
	uint32_t layers = c->base_layers;
	bool bounding;

	if (c->limits) {
		if (limits_apply_rlimits(c->limits) < 0)
			return CHILD_RLIMITS;
		layers |= LAYER_BIT(LAYER_RLIMITS);
	}
	if (caps_drop_all(&bounding) < 0)
		return CHILD_CAPS;
	layers |= LAYER_BIT(LAYER_CAPS);
	/* Safe because: from here no exec can gain privileges (setuid, file caps). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return CHILD_NNP;
	if (c->ll_abi >= 1 && c->ll_prebuilt) {
		/*
		 * Safe because: the domain is a snapshot of the ruleset taken now;
		 * the fd is closed before any code of the call runs, so nothing
		 * here can add rules to the ruleset later children enforce.
		 */
		int r = landlock_enforce(c->ll_fd), saved = errno;

		close(c->ll_fd);
		errno = saved;
		if (r < 0)
			return CHILD_LANDLOCK;
		layers |= LAYER_BIT(LAYER_LANDLOCK);
	} else if (c->ll_abi >= 1 && c->ll) {
		if (landlock_apply(c->profile, c->with_exec, c->ll, c->ll_abi) < 0)
			return CHILD_LANDLOCK;
		layers |= LAYER_BIT(LAYER_LANDLOCK);
	}
	if (c->prog) {
		if (c->report_sigsys && c->status_fd >= 0 && install_sigsys(c->status_fd) < 0)
			return CHILD_SECCOMP;
		/*
		 * Report success first: the filter may refuse the write. A load
		 * failure is reported after it and supersedes this record.
		 */
		report(c->status_fd, CHILD_OK, 0, layers | LAYER_BIT(LAYER_SECCOMP));
		/* Last: every step above needed syscalls the filter may refuse. */
		if (c->prog->listen >= c->prog_inherited) {
			int listener = -1;

			if (c->notify_sock < 0 ||
			    seccomp_prog_load_listen(c->prog, c->prog_inherited, c->prog->n, &listener) < 0)
				return CHILD_SECCOMP;
			/*
			 * Safe because: until the notifier has the listener, a
			 * metadata syscall would wait; none comes before the hand
			 * over (our own code makes none). A listener that does not
			 * arrive is closed: those syscalls then fail (ENOSYS).
			 */
			if (wnotify_hand(c->notify_sock, c->profile, listener) < 0)
				return CHILD_SECCOMP;
			close(c->notify_sock);
		} else if (seccomp_prog_load_range(c->prog, c->prog_inherited, c->prog->n) < 0) {
			return CHILD_SECCOMP;
		}
		layers |= LAYER_BIT(LAYER_SECCOMP);
	} else {
		report(c->status_fd, CHILD_OK, 0, layers);
	}
	*out_layers = layers;
	return 0;
}

void child_fail(int fd, int stage)
{
	report(fd, stage, errno, 0);
	_exit(CHILD_EXIT_SETUP);
}

/*
 * Move the fds we keep to 0..6 without clobbering each other: 0 /dev/null,
 * 1 2 the output pipes, 3 (4) reply and status, 5 the passed descriptor, 6
 * the prebuilt Landlock ruleset (close-on-exec, and closed once enforced).
 */
static int arrange_fds(const struct child_spec *s, int *out_status)
{
	int src[CHILD_NOTIFY_FD + 1], hi[CHILD_NOTIFY_FD + 1], i, devnull;
	unsigned top = 3;

	devnull = s->stdin_is_null ? 0 : open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (devnull < 0)
		return -1;
	src[0] = devnull;
	src[1] = s->out_fd;
	src[2] = s->err_fd;
	src[3] = s->fn ? s->reply_fd : s->status_fd;
	src[4] = s->fn ? s->status_fd : -1;
	src[CHILD_PASS_FD] = s->pass_fd;
	src[CHILD_RULESET_FD] = s->conf.ll_prebuilt ? s->ll_fd : -1;
	src[CHILD_CALL_FD] = s->call_fd;
	src[CHILD_NOTIFY_FD] = s->notify_fd;
	for (i = 0; i <= CHILD_NOTIFY_FD; i++) {
		hi[i] = -1;
		if (src[i] < 0)
			continue;
		hi[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 64);
		if (hi[i] < 0)
			return -1;
	}
	for (i = 0; i <= CHILD_NOTIFY_FD; i++) {
		if (hi[i] < 0)
			continue;
		/*
		 * The status pipe, the ruleset and a spare's call pipe stay
		 * close-on-exec: a successful exec closes them.
		 */
		if (dup3(hi[i], i, (i >= CHILD_RULESET_FD || (i == 3 && !s->fn) || i == 4) ? O_CLOEXEC
											  : 0) < 0)
			return -1;
		top = (unsigned)i + 1;
	}
	*out_status = s->fn ? 4 : 3;
	/* Safe because: nothing the supervisor or warden holds (sockets, cgroup dirs) leaks. */
	if (syscall(SYS_close_range, top, ~0u, 0u) < 0)
		return -1;
	/* The holes below top (4 for exec, 5 without a passed fd) are closed too. */
	for (i = 4; i < (int)top; i++)
		if (hi[i] < 0 && src[i] < 0 && syscall(SYS_close_range, (unsigned)i, (unsigned)i, 0u) < 0)
			return -1;
	return 0;
}

/*
 * The start every child shares: its own session, PDEATHSIG (then a check
 * that the forking process, s->parent, is still there: do not run
 * orphaned), optionally a name, its call group, its fd layout (*status
 * becomes the status fd's number in it). Returns LAYER_CGROUP if joined.
 */
static uint32_t child_begin(const struct child_spec *s, int *status, const char *name)
{
	uint32_t layers = 0;
	int i;

	if (setsid() < 0)
		child_fail(*status, CHILD_SETSID);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		child_fail(*status, CHILD_SETSID);
	if (name)
		prctl(PR_SET_NAME, name, 0, 0, 0);
	if (getppid() != s->parent)
		_exit(CHILD_EXIT_SETUP);
	for (i = 0; i < CHILD_MAX_CGROUPS; i++) {
		if (s->cg_procs[i] < 0)
			continue;
		if (write(s->cg_procs[i], "0\n", 2) != 2)
			child_fail(*status, CHILD_CGROUP);
		layers |= LAYER_BIT(LAYER_CGROUP);
	}
	if (arrange_fds(s, status) < 0)
		child_fail(*status, CHILD_FDS);
	return layers;
}

int child_setup(const struct child_spec *s)
{
	int status = s->status_fd, stage;
	uint32_t layers = child_begin(s, &status, NULL);

	if (s->cwd && chdir(s->cwd) < 0)
		child_fail(status, CHILD_CWD);
	{
		uint32_t l = 0;

		struct child_confine conf = s->conf;

		conf.status_fd = status;
		conf.ll_fd = CHILD_RULESET_FD;
		conf.notify_sock = s->notify_fd >= 0 ? CHILD_NOTIFY_FD : -1;
		conf.base_layers = layers;
		stage = child_confine(&conf, &l);
		if (stage)
			child_fail(status, stage);
	}
	return status;
}

int child_setup_spawned(const struct child_spec *s, uint32_t layers)
{
	int status = s->status_fd;

	layers |= child_begin(s, &status, "cordon-spare");
	if (s->conf.report_sigsys && install_sigsys(status) < 0)
		child_fail(status, CHILD_SECCOMP);
	/*
	 * Its own domain, as a spare the warden forks gets from its own
	 * landlock_restrict_self(): no signal to the zygote, to other spares
	 * or to other calls.
	 */
	if ((layers & LAYER_BIT(LAYER_LANDLOCK)) && landlock_scope_self(s->conf.ll_abi) < 0)
		child_fail(status, CHILD_LANDLOCK);
	/* The record first: a stacked filter could only take syscalls away. */
	report(status, CHILD_OK, 0, layers);
	if (s->conf.prog && seccomp_prog_load(s->conf.prog) < 0)
		child_fail(status, CHILD_SECCOMP);
	return status;
}

void child_start(const struct child_spec *s, int status)
{
	/*
	 * A spare's call: chdir here, confined. Landlock does not govern
	 * chdir (only what is opened from there), and every profile's filter
	 * allows it; a refusal would end the call (fail closed), never widen it.
	 */
	if (s->call_cwd && chdir(s->call_cwd) < 0)
		child_fail(status, CHILD_CWD);
	/*
	 * The allowlisted environment replaces the warden's (already scrubbed)
	 * one; execvpe() searches the PATH of environ. In a vfork child this
	 * writes the warden's variable: the warden restores it when it resumes.
	 */
	environ = (char **)s->envp;
	if (!s->fn) {
		execvpe(s->argv[0], s->argv, s->envp);
		child_fail(status, CHILD_EXEC);
	}
	{
		struct buf out;
		int r;

		buf_init(&out, s->max_reply);
		r = s->fn->run(s->input, s->input_len, &out);
		if (r < 0) {
			errno = r == -CORDON_ESYS ? errno : 0;
			_exit(1);
		}
		for (size_t off = 0; off < out.len;) {
			ssize_t n = write(3, out.data + off, out.len - off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				_exit(1);
			off += (size_t)n;
		}
		/*
		 * Say we are done, after everything we had to say: the warden
		 * may answer from this (warden_call.c, "early end") instead of
		 * waiting for the kernel to tear this process down.
		 */
		report(status, CHILD_DONE, 0, 0);
		syscall(SYS_close_range, 1u, 4u, 0u); /* stdout, stderr, reply, status: one wakeup */
		_exit(0);
	}
}

void child_run(const struct child_spec *s)
{
	child_start(s, child_setup(s));
}
