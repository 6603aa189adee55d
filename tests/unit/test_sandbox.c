/*
 * The spawn API end to end: a real warden (with namespaces where the kernel
 * allows, and degraded on purpose), real confined children, registered
 * functions and exec'd commands.
 *
 * Skipped under valgrind: the children run under seccomp filters that refuse
 * valgrind's own syscalls.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <seccomp.h>
#include <valgrind/valgrind.h>

#include "common/error.h"
#include "common/secret.h"
#include "runtime/sandbox/landlock.h"
#include "runtime/sandbox/sandbox.h"

static char ws[] = "/tmp/cordon-sbx.XXXXXX";

static int fn_echo(const void *in, size_t len, struct buf *out)
{
	return buf_append(out, in, len);
}

static int fn_socket(const void *in, size_t len, struct buf *out)
{
	(void)in;
	(void)len;
	(void)out;
	return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : -1;
}

static int fn_spin(const void *in, size_t len, struct buf *out)
{
	(void)in;
	(void)len;
	(void)out;
	for (;;)
		;
	return 0;
}

static int fn_big(const void *in, size_t len, struct buf *out)
{
	(void)in;
	(void)len;
	while (buf_puts(out, "0123456789abcdef") == 0)
		;
	return 0;
}

static int fn_environ(const void *in, size_t len, struct buf *out)
{
	extern char **environ;
	char **e;

	(void)in;
	(void)len;
	for (e = environ; e && *e; e++)
		if (buf_puts(out, *e) < 0 || buf_putc(out, '\n') < 0)
			return -1;
	return 0;
}

/* Its own pid: consecutive calls must be different processes. */
static int fn_pid(const void *in, size_t len, struct buf *out)
{
	(void)in;
	(void)len;
	return buf_printf(out, "%ld", (long)getpid());
}

/* Talks over the passed descriptor (fd 5), as the WebFetch child will. */
static int fn_passed(const void *in, size_t len, struct buf *out)
{
	char b[16];
	ssize_t n;

	(void)in;
	(void)len;
	if (write(5, "ping", 4) != 4)
		return -1;
	n = read(5, b, sizeof(b));
	if (n <= 0)
		return -1;
	return buf_append(out, b, (size_t)n);
}

/* Reports which fds above 2 are open. */
static int fn_fds(const void *in, size_t len, struct buf *out)
{
	int fd;

	(void)in;
	(void)len;
	for (fd = 3; fd < 64; fd++)
		if (fcntl(fd, F_GETFD) >= 0 && buf_printf(out, "%d ", fd) < 0)
			return -1;
	return 0;
}

/* Ignores its buffer and floods the reply pipe (fd 3) directly, as a compromised child could. */
static int fn_flood(const void *in, size_t len, struct buf *out)
{
	static char block[65536];
	int i;

	(void)in;
	(void)len;
	(void)out;
	memset(block, '{', sizeof(block));
	for (i = 0; i < 64; i++)
		if (write(3, block, sizeof(block)) != (ssize_t)sizeof(block))
			return -1;
	return 0;
}

/* Create a process: what a function call must not be able to do. */
static int fn_fork(const void *in, size_t len, struct buf *out)
{
	pid_t p;

	(void)in;
	(void)len;
	p = fork();
	if (p == 0)
		_exit(0);
	if (p > 0) {
		waitpid(p, NULL, 0);
		return buf_puts(out, "forked");
	}
	return buf_printf(out, "errno=%d", errno);
}

/* Signal 0 to the parent: a spare's parent is its zygote, a fresh child's the warden. */
static int fn_signal_parent(const void *in, size_t len, struct buf *out)
{
	pid_t pp = getppid();

	(void)in;
	(void)len;
	if (syscall(SYS_tgkill, pp, pp, 0) == 0)
		return buf_puts(out, "signalled");
	return buf_printf(out, "errno=%d", errno);
}

static int fn_segv(const void *in, size_t len, struct buf *out)
{
	(void)in;
	(void)len;
	(void)out;
	return raise(SIGSEGV);
}

static const struct sandbox_fn fns[] = {
	{ "fork", fn_fork }, { "signal-parent", fn_signal_parent }, { "segv", fn_segv },
	{ "flood", fn_flood },
	{ "echo", fn_echo }, { "socket", fn_socket }, { "spin", fn_spin },
	{ "big", fn_big },   { "environ", fn_environ }, { "passed", fn_passed },
	{ "pid", fn_pid },
	{ "fds", fn_fds },
};

static struct sandbox *open_sb(bool degraded)
{
	struct sandbox_opts o;
	struct sandbox *sb = NULL;

	memset(&o, 0, sizeof(o));
	o.workspace = ws;
	o.fns = fns;
	o.n_fns = sizeof(fns) / sizeof(fns[0]);
	o.no_namespaces = degraded;
	assert_int_equal(sandbox_open(&sb, &o, NULL), 0);
	return sb;
}

/*
 * Library code says what it has to say in its diag, never on stderr: fd 2
 * goes to an unlinked file between capture_stderr() and the byte count
 * stderr_bytes() returns.
 */
static int capture_stderr(int *saved)
{
	char path[] = "/tmp/cordon-stderr.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	fflush(stderr);
	*saved = dup(2);
	assert_true(*saved >= 0);
	assert_int_equal(dup2(fd, 2), 2);
	return fd;
}

static off_t stderr_bytes(int fd, int saved)
{
	struct stat st;

	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	return st.st_size;
}

static int skip_valgrind(void)
{
	if (RUNNING_ON_VALGRIND) {
		skip();
		return 1;
	}
	return 0;
}

static void function_reply_round_trips(void **state)
{
	struct sandbox *sb;
	struct sandbox_call c = { .profile = PROFILE_READONLY, .fn = "echo" };
	struct sandbox_result r;
	static char big[200000];

	(void)state;
	if (skip_valgrind())
		return;
	memset(big, 'q', sizeof(big));
	sb = open_sb(false);
	c.input = big;
	c.input_len = sizeof(big);
	assert_int_equal(sandbox_run(sb, &c, &r), 0);
	assert_int_equal(r.end, SANDBOX_EXITED);
	assert_int_equal(r.exit_code, 0);
	assert_int_equal(r.reply.len, sizeof(big));
	assert_memory_equal(r.reply.data, big, sizeof(big));
	assert_true(r.layers & LAYER_BIT(LAYER_SECCOMP));
	assert_true(r.layers & LAYER_BIT(LAYER_CAPS));
	sandbox_result_release(&r);
	sandbox_close(sb);
}

static void refused_syscall_is_named(void **state)
{
	struct sandbox *sb;
	struct sandbox_call c = { .profile = PROFILE_READONLY, .fn = "socket" };
	struct sandbox_result r;

	(void)state;
	if (skip_valgrind())
		return;
	sb = open_sb(false);
	assert_int_equal(sandbox_run(sb, &c, &r), 0);
	assert_int_equal(r.end, SANDBOX_SECCOMP);
	assert_int_equal(r.signal, SIGSYS);
	assert_string_equal(r.syscall, "socket");
	sandbox_result_release(&r);
	sandbox_close(sb);
}

static void timeout_kills_the_call(void **state)
{
	struct sandbox *sb;
	struct sandbox_call c = { .profile = PROFILE_COMPUTE, .fn = "spin", .timeout_ms = 300 };
	struct sandbox_result r;

	(void)state;
	if (skip_valgrind())
		return;
	sb = open_sb(false);
	assert_int_equal(sandbox_run(sb, &c, &r), 0);
	assert_int_equal(r.end, SANDBOX_TIMEOUT);
	assert_int_equal(r.exit_code, SANDBOX_EXIT_TIMEOUT);
	assert_true(r.elapsed_ms >= 300);
	sandbox_result_release(&r);
	sandbox_close(sb);
}

static void reply_is_capped_at_max_reply(void **state)
{
	struct sandbox *sb;
	struct sandbox_call c = { .profile = PROFILE_COMPUTE, .fn = "big", .max_reply = 4096 };
	struct sandbox_result r;

	(void)state;
	if (skip_valgrind())
		return;
	sb = open_sb(false);
	assert_int_equal(sandbox_run(sb, &c, &r), 0);
	/* The function stops at its own cap (4096) and the reply arrives whole. */
	assert_int_equal(r.end, SANDBOX_EXITED);
	assert_true(r.reply.len <= 4096);
	sandbox_result_release(&r);
	sandbox_close(sb);
}

static void reply_over_the_cap_is_an_error(void **state)
{
	struct sandbox *sb;
	struct sandbox_call c = { .profile = PROFILE_COMPUTE, .fn = "flood", .max_reply = 100000 };
	struct sandbox_result r;

	(void)state;
	if (skip_valgrind())
		return;
	sb = open_sb(false);
	assert_int_equal(sandbox_run(sb, &c, &r), 0);
	/* 4 MiB were written; the pipe kept draining (no hang), nothing of it is a result. */
	assert_int_equal(r.end, SANDBOX_SETUP);
	assert_int_equal(r.reply.len, 0);
	assert_non_null(strstr(r.setup_error, "exceeded"));
	sandbox_result_release(&r);
	sandbox_close(sb);
}

static void environment_is_allowlisted(void **state)
{
	struct sandbox *sb;
	struct sandbox_call c = { .profile = PROFILE_COMPUTE, .fn = "environ" };
	const char *extra[] = { "MY_API_KEY=leak", "FOO_BAR=ok", NULL };
	struct sandbox_result r;

	(void)state;
	if (skip_valgrind())
		return;
	setenv("CANARY_API_KEY", "canary-secret", 1);
	setenv("LANG", "C.UTF-8", 1);
	sb = open_sb(false);
	unsetenv("CANARY_API_KEY");
	c.env = extra;
	assert_int_equal(sandbox_run(sb, &c, &r), 0);
	assert_int_equal(r.end, SANDBOX_EXITED);
	assert_null(strstr(r.reply.data, "canary-secret"));
	assert_null(strstr(r.reply.data, "CANARY"));
	assert_null(strstr(r.reply.data, "MY_API_KEY"));
	assert_non_null(strstr(r.reply.data, "FOO_BAR=ok\n"));
	assert_non_null(strstr(r.reply.data, "LANG=C.UTF-8\n"));
	assert_non_null(strstr(r.reply.data, "TERM=dumb\n"));
	sandbox_result_release(&r);
	sandbox_close(sb);
}

static void exec_output_is_capped_and_drained(void **state)
{
	struct sandbox *sb;
	const char *argv[] = { "/bin/sh", "-c", "head -c 5000000 /dev/zero; echo done >&2; exit 7", NULL };
	struct sandbox_call c = { .profile = PROFILE_BASH, .argv = argv, .max_output = 1000 };
	struct sandbox_result r;

	(void)state;
	if (skip_valgrind())
		return;
	sb = open_sb(false);
	assert_int_equal(sandbox_run(sb, &c, &r), 0);
	assert_int_equal(r.end, SANDBOX_EXITED);
	assert_int_equal(r.exit_code, 7);
	assert_int_equal(r.out.len, 1000);
	assert_true(r.out_truncated);
	assert_string_equal(r.err.data, "done\n");
	assert_false(r.err_truncated);
	sandbox_result_release(&r);
	sandbox_close(sb);
}

/*
 * The capability drop in the child reads the state it inherited instead of
 * re-clearing it, and the Landlock ruleset is a warden fd moved to fd 6:
 * read both back from inside, namespaced and degraded.
 */
static void child_holds_no_capability_and_no_ruleset_fd(void **state)
{
	const char *argv[] = { "/bin/sh", "-c",
			       "grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):' /proc/self/status; "
			       "ls /proc/self/fd | tr '\\n' ' '",
			       NULL };
	static const char *const want[] = {
		"CapInh:\t0000000000000000\n", "CapPrm:\t0000000000000000\n",
		"CapEff:\t0000000000000000\n", "CapBnd:\t0000000000000000\n",
		"CapAmb:\t0000000000000000\n", "NoNewPrivs:\t1\n",
	};
	struct sandbox_call c = { .profile = PROFILE_BASH, .argv = argv };
	struct sandbox_result r;
	struct sandbox *sb;
	int degraded, i, call;

	(void)state;
	if (skip_valgrind())
		return;
	for (degraded = 0; degraded < 2; degraded++) {
		sb = open_sb(degraded);
		/* Twice: the second call reuses the pooled cgroup and the same ruleset. */
		for (call = 0; call < 2; call++) {
			assert_int_equal(sandbox_run(sb, &c, &r), 0);
			assert_int_equal(r.end, SANDBOX_EXITED);
			assert_int_equal(r.exit_code, 0);
			assert_true(r.layers & LAYER_BIT(LAYER_LANDLOCK));
			for (i = 0; i < (int)(sizeof(want) / sizeof(want[0])); i++)
				if (!strstr(r.out.data, want[i]))
					fail_msg("missing '%s' in:\n%s", want[i], r.out.data);
			/* ls sees its own fds: 0 1 2 and the directory it reads (3). */
			if (!strstr(r.out.data, "\n0 1 2 3 "))
				fail_msg("unexpected descriptors in the child: %s", r.out.data);
			sandbox_result_release(&r);
		}
		sandbox_close(sb);
	}
}

/*
 * From the second call of a kind on, calls are served by spares (children
 * forked and confined before their call): the same readbacks as a fresh
 * child, a new process every call, and nothing of call N (environment,
 * cwd) in call N+1. Namespaced and degraded.
 */
static void spare_served_calls_match_fresh_children(void **state)
{
	const char *argv[] = { "/bin/sh", "-c",
			       "echo PID=$$; echo T=${CORDON_T:-unset}; echo CWD=$PWD; "
			       "grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs|Seccomp):' /proc/self/status; "
			       "ls /proc/self/fd | tr '\\n' ' '",
			       NULL };
	static const char *const want[] = {
		"CapInh:\t0000000000000000\n", "CapPrm:\t0000000000000000\n",
		"CapEff:\t0000000000000000\n", "CapBnd:\t0000000000000000\n",
		"CapAmb:\t0000000000000000\n", "NoNewPrivs:\t1\n", "Seccomp:\t2\n",
	};
	const char *env_set[] = { "CORDON_T=leak", NULL };
	char sub[PATH_MAX], pids[6][32], fpids[4][32];
	struct sandbox_call c = { .profile = PROFILE_BASH, .argv = argv };
	struct sandbox_call f = { .profile = PROFILE_READONLY, .fn = "pid" };
	struct sandbox_result r;
	struct sandbox *sb;
	int degraded, i, j, call;

	(void)state;
	if (skip_valgrind())
		return;
	snprintf(sub, sizeof(sub), "%s/spare-sub", ws);
	assert_true(mkdir(sub, 0700) == 0 || errno == EEXIST);
	for (degraded = 0; degraded < 2; degraded++) {
		sb = open_sb(degraded);
		for (call = 0; call < 6; call++) {
			const char *p;
			size_t n;

			/* Odd calls set a variable and a cwd; the next (even) must see neither. */
			c.env = (call % 2) ? env_set : NULL;
			c.cwd = (call % 2) ? sub : NULL;
			assert_int_equal(sandbox_run(sb, &c, &r), 0);
			assert_int_equal(r.end, SANDBOX_EXITED);
			assert_int_equal(r.exit_code, 0);
			assert_true(r.layers & LAYER_BIT(LAYER_LANDLOCK));
			assert_true(r.layers & LAYER_BIT(LAYER_SECCOMP));
			for (i = 0; i < (int)(sizeof(want) / sizeof(want[0])); i++)
				if (!strstr(r.out.data, want[i]))
					fail_msg("call %d: missing '%s' in:\n%s", call, want[i], r.out.data);
			if (!strstr(r.out.data, "\n0 1 2 3 "))
				fail_msg("call %d: unexpected descriptors: %s", call, r.out.data);
			if (call % 2) {
				assert_non_null(strstr(r.out.data, "T=leak\n"));
				assert_non_null(strstr(r.out.data, "/spare-sub\n"));
			} else {
				assert_non_null(strstr(r.out.data, "T=unset\n"));
				assert_null(strstr(r.out.data, "/spare-sub\n"));
			}
			p = strstr(r.out.data, "PID=");
			assert_non_null(p);
			n = strcspn(p, "\n");
			assert_true(n < sizeof(pids[call]));
			memcpy(pids[call], p, n);
			pids[call][n] = '\0';
			for (j = 0; j < call; j++)
				assert_string_not_equal(pids[j], pids[call]);
			sandbox_result_release(&r);
		}
		for (call = 0; call < 4; call++) {
			assert_int_equal(sandbox_run(sb, &f, &r), 0);
			assert_int_equal(r.end, SANDBOX_EXITED);
			assert_int_equal(r.exit_code, 0);
			assert_true(r.layers & LAYER_BIT(LAYER_SECCOMP));
			assert_true(r.reply.len > 0 && r.reply.len < sizeof(fpids[call]));
			memcpy(fpids[call], r.reply.data, r.reply.len);
			fpids[call][r.reply.len] = '\0';
			for (j = 0; j < call; j++)
				assert_string_not_equal(fpids[j], fpids[call]);
			sandbox_result_release(&r);
		}
		sandbox_close(sb);
	}
	rmdir(sub);
}

static void degraded_mode_still_confines(void **state)
{
	struct sandbox *sb;
	const char *argv[] = { "/bin/sh", "-c", "grep -E '^(NoNewPrivs|Seccomp|CapEff):' /proc/self/status", NULL };
	struct sandbox_call c = { .profile = PROFILE_BASH, .argv = argv };
	struct sandbox_result r;

	struct sandbox_opts o;
	struct cordon_diag diag;
	int fd, saved;

	(void)state;
	if (skip_valgrind())
		return;
	memset(&o, 0, sizeof(o));
	o.workspace = ws;
	o.no_namespaces = true;
	fd = capture_stderr(&saved);
	assert_int_equal(sandbox_open(&sb, &o, &diag), 0);
	assert_int_equal(stderr_bytes(fd, saved), 0);
	/* The warning is the caller's to show. */
	assert_non_null(strstr(diag.msg, "sandbox degraded (no namespaces: namespaces disabled on request); "
					 "calls run with "));
	assert_false(sandbox_layers(sb) & LAYER_BIT(LAYER_USERNS));
	assert_true(sandbox_layers(sb) & LAYER_BIT(LAYER_LANDLOCK));
	assert_string_not_equal(sandbox_degraded_reason(sb), "");
	assert_int_equal(sandbox_run(sb, &c, &r), 0);
	assert_int_equal(r.end, SANDBOX_EXITED);
	assert_non_null(strstr(r.out.data, "NoNewPrivs:\t1"));
	assert_non_null(strstr(r.out.data, "Seccomp:\t2"));
	assert_non_null(strstr(r.out.data, "CapEff:\t0000000000000000"));
	sandbox_result_release(&r);
	/* A call that requires a missing layer is refused: nothing runs. */
	c.require = LAYER_BIT(LAYER_PIDNS);
	assert_int_equal(sandbox_run(sb, &c, &r), -CORDON_EUNSUPPORTED);
	assert_int_equal(r.end, SANDBOX_SETUP);
	assert_non_null(strstr(r.setup_error, "pidns"));
	sandbox_result_release(&r);
	sandbox_close(sb);
}

/* The warden's pid, as the only child of this process (the supervisor of the session). */
static pid_t only_child(void)
{
	char path[64], buf[256];
	ssize_t n;
	int fd;
	long a, b;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/children", (long)syscall(SYS_gettid));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%ld %ld", &a, &b) != 1)
		return -1;
	return (pid_t)a;
}

/*
 * sandbox_start(): the caller goes on while the warden builds the sandbox;
 * the first call waits for it, and the session is the one sandbox_open()
 * opens (same layers, the same confined child).
 */
static void started_session_opens_like_sandbox_open(void **state)
{
	const char *argv[] = { "cat", "/proc/self/status", NULL };
	struct sandbox_call c = { .profile = PROFILE_BASH, .argv = argv };
	struct sandbox_opts o;
	struct sandbox_result r;
	struct sandbox *sb = NULL, *ref;
	struct cordon_diag diag;
	unsigned layers;

	(void)state;
	if (skip_valgrind())
		return;
	ref = open_sb(false);
	layers = sandbox_layers(ref);
	sandbox_close(ref);
	memset(&o, 0, sizeof(o));
	o.workspace = ws;
	o.fns = fns;
	o.n_fns = sizeof(fns) / sizeof(fns[0]);
	assert_int_equal(sandbox_start(&sb, &o, &diag), 0);
	assert_non_null(sb);
	/* The first call waits for the warden. */
	assert_int_equal(sandbox_run(sb, &c, &r), 0);
	assert_int_equal(r.end, SANDBOX_EXITED);
	assert_int_equal(r.exit_code, 0);
	assert_non_null(strstr(r.out.data, "NoNewPrivs:\t1"));
	assert_non_null(strstr(r.out.data, "Seccomp:\t2"));
	assert_non_null(strstr(r.out.data, "CapEff:\t0000000000000000"));
	sandbox_result_release(&r);
	assert_int_equal(sandbox_ready(sb, &diag), 0);
	assert_int_equal(sandbox_ready(sb, NULL), 0);
	assert_int_equal(sandbox_layers(sb), layers);
	sandbox_close(sb);
	/* Closed before it was ready: the placeholders the warden made are still removed. */
	assert_int_equal(sandbox_start(&sb, &o, &diag), 0);
	sandbox_close(sb);
	if (layers & LAYER_BIT(LAYER_MOUNTNS)) {
		struct stat st;
		char p[PATH_MAX];

		snprintf(p, sizeof(p), "%s/.envrc", ws);
		assert_int_equal(lstat(p, &st), -1);
		snprintf(p, sizeof(p), "%s/.vscode", ws);
		assert_int_equal(lstat(p, &st), -1);
	}
}

/*
 * Where no namespace can be made, sandbox_start()'s warden serves in
 * degraded mode itself: the supervisor, which may have read a secret by
 * then, forks nothing more (its only child stays the warden it forked),
 * and the session says why, as sandbox_open() does.
 */
static void started_session_degrades_in_the_warden(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	if (skip_valgrind())
		return;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static const unsigned long flags[] = { CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET,
						       CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWCGROUP };
		const char *argv[] = { "cat", "/proc/self/status", NULL };
		struct sandbox_call c = { .profile = PROFILE_BASH, .argv = argv };
		struct sandbox_opts o;
		struct sandbox_result r;
		struct sandbox *sb = NULL;
		struct cordon_diag diag;
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
		pid_t warden;
		size_t i;
		int rc = 0;

		/* As tests/helpers/no-userns --all: every CLONE_NEW* refused. */
		for (i = 0; ctx && rc == 0 && i < sizeof(flags) / sizeof(flags[0]); i++) {
			rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(unshare), 1,
					      SCMP_A0(SCMP_CMP_MASKED_EQ, flags[i], flags[i]));
			if (rc == 0)
				rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
						      SCMP_A0(SCMP_CMP_MASKED_EQ, flags[i], flags[i]));
		}
		if (!ctx || rc < 0 || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0) < 0 ||
		    seccomp_load(ctx) < 0)
			_exit(2);
		seccomp_release(ctx);
		memset(&o, 0, sizeof(o));
		o.workspace = ws;
		if (sandbox_start(&sb, &o, &diag) < 0)
			_exit(3);
		warden = only_child();
		/* From here on a sandbox_open() would refuse to fork (common/secret.h). */
		secret_latch();
		/* As root the warden also tried the namespaces without a user namespace: that is named. */
		if (sandbox_ready(sb, &diag) < 0 || !strstr(diag.msg, "sandbox degraded (no namespaces: unshare(") ||
		    !strstr(diag.msg, "Operation not permitted); calls run with "))
			_exit(4);
		if (sandbox_layers(sb) & (LAYER_BIT(LAYER_USERNS) | LAYER_BIT(LAYER_MOUNTNS)) ||
		    !(sandbox_layers(sb) & LAYER_BIT(LAYER_SECCOMP)))
			_exit(5);
		if (warden <= 0 || only_child() != warden)
			_exit(6);
		if (sandbox_run(sb, &c, &r) < 0 || r.end != SANDBOX_EXITED || r.exit_code != 0 ||
		    !strstr(r.out.data, "Seccomp:\t2") || !strstr(r.out.data, "NoNewPrivs:\t1"))
			_exit(7);
		sandbox_result_release(&r);
		sandbox_close(sb);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void required_layer_refuses_open(void **state)
{
	struct sandbox_opts o;
	struct sandbox *sb = NULL;

	(void)state;
	if (skip_valgrind())
		return;
	struct cordon_diag diag;
	int fd, saved;

	memset(&o, 0, sizeof(o));
	o.workspace = ws;
	o.no_namespaces = true;
	o.require = LAYER_BIT(LAYER_MOUNTNS);
	fd = capture_stderr(&saved);
	assert_int_equal(sandbox_open(&sb, &o, &diag), -CORDON_EUNSUPPORTED);
	assert_int_equal(stderr_bytes(fd, saved), 0);
	assert_null(sb);
	assert_non_null(strstr(diag.msg, "required sandbox layer(s) not available here: mountns"));
	/* A workspace that holds system directories is refused, saying which. */
	o.workspace = "/usr";
	o.require = 0;
	fd = capture_stderr(&saved);
	assert_int_equal(sandbox_open(&sb, &o, &diag), -CORDON_EINVAL);
	assert_int_equal(stderr_bytes(fd, saved), 0);
	assert_null(sb);
	assert_string_equal(diag.msg, "refusing workspace '/usr': it is or contains a system directory");
}

static void bad_calls_are_rejected(void **state)
{
	struct sandbox *sb;
	struct sandbox_call c = { .profile = PROFILE_READONLY, .fn = "nope" };
	struct sandbox_result r;

	(void)state;
	if (skip_valgrind())
		return;
	sb = open_sb(true);
	assert_int_equal(sandbox_run(sb, &c, &r), -CORDON_EINVAL);
	sandbox_result_release(&r);
	c.fn = NULL;
	assert_int_equal(sandbox_run(sb, &c, &r), -CORDON_EINVAL);
	sandbox_result_release(&r);
	sandbox_close(sb);
}

struct worker {
	struct sandbox *sb;
	int idx;
	int ok, ok_exec;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char in[64];
	const char *argv[] = { "echo", in, NULL };
	struct sandbox_call c = { .profile = PROFILE_READONLY, .fn = "echo" };
	struct sandbox_call e = { .profile = PROFILE_BASH, .argv = argv };
	struct sandbox_result r;
	int i;

	for (i = 0; i < 5; i++) {
		snprintf(in, sizeof(in), "worker %d call %d", w->idx, i);
		c.input = in;
		c.input_len = strlen(in);
		if (sandbox_run(w->sb, &c, &r) == 0 && r.end == SANDBOX_EXITED &&
		    r.reply.len == strlen(in) && !memcmp(r.reply.data, in, r.reply.len))
			w->ok++;
		sandbox_result_release(&r);
		/* Exec'd calls of one kind at once: tickets and spares shared between threads. */
		if (sandbox_run(w->sb, &e, &r) == 0 && r.end == SANDBOX_EXITED && r.exit_code == 0 &&
		    r.out.len == strlen(in) + 1 && !memcmp(r.out.data, in, strlen(in)))
			w->ok_exec++;
		sandbox_result_release(&r);
	}
	return NULL;
}

/*
 * Functions of one kind after the first come from the kind's zygote
 * (runtime/sandbox/warden_zygote.h) whenever the session has call groups: the
 * second and later calls here are spares it forked. Each must still be one
 * process that cannot create another (fresh children die of SIGSYS at
 * clone; a zygote's spares get EPERM from their stacked filter), must not
 * reach its parent with a signal (its own Landlock domain), and must end
 * with the status its zygote relays (a crash, a refused syscall named).
 */
static void zygote_spares_are_confined_like_fresh_children(void **state)
{
	struct sandbox_call fork_c = { .profile = PROFILE_READONLY, .fn = "fork" };
	struct sandbox_call sig_c = { .profile = PROFILE_WRITE, .fn = "signal-parent" };
	struct sandbox_call segv_c = { .profile = PROFILE_COMPUTE, .fn = "segv" };
	struct sandbox_call sock_c = { .profile = PROFILE_READONLY, .fn = "socket" };
	struct sandbox_result r;
	struct buf here;
	struct sandbox *sb;
	int call, spares = 0;

	(void)state;
	if (skip_valgrind())
		return;
	/* The probes work unconfined: this process may fork and signal its parent. */
	buf_init(&here, 4096);
	assert_int_equal(fn_fork(NULL, 0, &here), 0);
	assert_string_equal(here.data, "forked");
	buf_release(&here);
	buf_init(&here, 4096);
	assert_int_equal(fn_signal_parent(NULL, 0, &here), 0);
	assert_string_equal(here.data, "signalled");
	buf_release(&here);

	sb = open_sb(false);
	for (call = 0; call < 4; call++) {
		assert_int_equal(sandbox_run(sb, &fork_c, &r), 0);
		if (r.end == SANDBOX_EXITED) {
			/* A zygote's spare: the stacked filter refuses process creation. */
			assert_int_equal(r.exit_code, 0);
			assert_string_equal(r.reply.data, "errno=1");
			spares++;
		} else {
			assert_int_equal(r.end, SANDBOX_SECCOMP);
			assert_string_equal(r.syscall, "clone");
		}
		sandbox_result_release(&r);

		assert_int_equal(sandbox_run(sb, &sig_c, &r), 0);
		assert_int_equal(r.end, SANDBOX_EXITED);
		if (landlock_abi() >= 6)
			assert_string_equal(r.reply.data, "errno=1");
		sandbox_result_release(&r);

		assert_int_equal(sandbox_run(sb, &segv_c, &r), 0);
		if (r.end != SANDBOX_SIGNALED)
			fail_msg("call %d: segv ended %d, exit %d, reply %.*s, err %s", call, (int)r.end,
				 r.exit_code, (int)r.reply.len, r.reply.data ? r.reply.data : "", r.setup_error);
		assert_int_equal(r.signal, SIGSEGV);
		sandbox_result_release(&r);

		assert_int_equal(sandbox_run(sb, &sock_c, &r), 0);
		assert_int_equal(r.end, SANDBOX_SECCOMP);
		assert_string_equal(r.syscall, "socket");
		sandbox_result_release(&r);
	}
	/*
	 * With call groups the zygote serves calls after the first, whenever
	 * it has a spare ready: on a loaded machine a call may come before the
	 * refill and get a fresh child (confined as checked above). At least
	 * one of the later calls must have been a spare, or this test did not
	 * test spares at all.
	 */
	assert_int_equal(sandbox_run(sb, &fork_c, &r), 0);
	if (r.layers & LAYER_BIT(LAYER_CGROUP))
		assert_true(spares >= 1);
	sandbox_result_release(&r);
	sandbox_close(sb);
}

/* Is pid a descendant of ancestor (host pids, from /proc)? */
static bool descends_from(pid_t pid, pid_t ancestor)
{
	while (pid > 1) {
		char path[64], line[256];
		FILE *f;
		long pp = -1;

		snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
		f = fopen(path, "re");
		if (!f)
			return false;
		while (fgets(line, sizeof(line), f))
			if (!strncmp(line, "PPid:", 5))
				pp = strtol(line + 5, NULL, 10);
		fclose(f);
		if (pp == ancestor)
			return true;
		pid = (pid_t)pp;
	}
	return false;
}

/* SIGKILL (sig 0: only count) every cordon-zygote under this process; how many there were. */
static int kill_named(const char *name, int sig);

static int kill_zygotes(int sig)
{
	return kill_named("cordon-zygote\n", sig);
}

/* Signal every process of ours with this comm ("NAME\n"); how many there were. */
static int kill_named(const char *name, int sig)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		char path[300], comm[64] = "";
		FILE *f;
		pid_t pid = (pid_t)atol(e->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = '\0';
		fclose(f);
		if (!strcmp(comm, name) && descends_from(pid, getpid()) &&
		    kill(pid, sig) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/*
 * A zygote that dies (a compromised spare can kill it) costs speed: once
 * the warden has reaped it, it forks that kind's spares itself. (A call
 * running in one of its spares at that moment dies with it.)
 */
static void calls_survive_a_lost_zygote(void **state)
{
	struct sandbox_call c = { .profile = PROFILE_READONLY, .fn = "echo", .input = "hi",
				  .input_len = 2 };
	struct sandbox_result r;
	struct sandbox *sb;
	int call, killed;

	(void)state;
	if (skip_valgrind())
		return;
	sb = open_sb(false);
	for (call = 0; call < 3; call++) {
		assert_int_equal(sandbox_run(sb, &c, &r), 0);
		assert_int_equal(r.end, SANDBOX_EXITED);
		sandbox_result_release(&r);
	}
	killed = kill_zygotes(SIGKILL);
	if (!(r.layers & LAYER_BIT(LAYER_CGROUP)) && killed == 0) {
		sandbox_close(sb);
		skip(); /* no call groups here: no spares, no zygote */
		return;
	}
	assert_true(killed >= 1);
	/* Gone from /proc: the warden reaped it (and dropped its spare). */
	for (call = 0; call < 200 && kill_zygotes(0) > 0; call++)
		usleep(10000);
	assert_int_equal(kill_zygotes(0), 0);
	for (call = 0; call < 5; call++) {
		assert_int_equal(sandbox_run(sb, &c, &r), 0);
		assert_int_equal(r.end, SANDBOX_EXITED);
		assert_int_equal(r.exit_code, 0);
		assert_int_equal(r.reply.len, 2);
		assert_memory_equal(r.reply.data, "hi", 2);
		sandbox_result_release(&r);
	}
	assert_int_equal(kill_zygotes(0), 0); /* not restarted: the warden forks them now */
	sandbox_close(sb);
}

/*
 * Calls written straight into a spare by the supervisor (tickets,
 * sandbox_ipc.h): each of a run of Bash calls gets its own output and
 * status, once. When the spare a ticket names is killed before its call,
 * the write fails (EPIPE, and no SIGPIPE kills us), the ticket goes back
 * and the call still runs, in another child.
 */
static void ticketed_calls_run_once_each(void **state)
{
	struct sandbox_call c = { .profile = PROFILE_BASH };
	struct sandbox_result r;
	struct sandbox *sb;
	char script[64], want[32];
	const char *argv[] = { "sh", "-c", script, NULL };
	int i, killed;

	(void)state;
	if (skip_valgrind())
		return;
	c.argv = argv;
	sb = open_sb(false);
	for (i = 0; i < 16; i++) {
		snprintf(script, sizeof(script), "echo call%d >>log; echo call%d; exit %d", i, i, i % 7);
		snprintf(want, sizeof(want), "call%d\n", i);
		assert_int_equal(sandbox_run(sb, &c, &r), 0);
		assert_int_equal(r.end, SANDBOX_EXITED);
		assert_int_equal(r.exit_code, i % 7);
		assert_int_equal(r.out.len, strlen(want));
		assert_memory_equal(r.out.data, want, strlen(want));
		sandbox_result_release(&r);
	}
	/* Each ran exactly once: the log holds each line once, in order. */
	snprintf(script, sizeof(script), "cat log; rm log");
	assert_int_equal(sandbox_run(sb, &c, &r), 0);
	assert_int_equal(r.exit_code, 0);
	{
		struct buf want_log;

		buf_init(&want_log, 4096);
		for (i = 0; i < 16; i++)
			buf_printf(&want_log, "call%d\n", i);
		assert_int_equal(r.out.len, want_log.len);
		assert_memory_equal(r.out.data, want_log.data, want_log.len);
		buf_release(&want_log);
	}
	sandbox_result_release(&r);
	killed = kill_named("cordon-spare\n", SIGKILL);
	if (!(r.layers & LAYER_BIT(LAYER_CGROUP)) && killed == 0) {
		sandbox_close(sb);
		skip(); /* no call groups: exec'd calls run in call managers, no spares, no tickets */
		return;
	}
	assert_true(killed >= 1);
	for (i = 0; i < 200 && kill_named("cordon-spare\n", 0) > 0; i++)
		usleep(10000);
	for (i = 0; i < 4; i++) {
		snprintf(script, sizeof(script), "echo again%d; exit 3", i);
		snprintf(want, sizeof(want), "again%d\n", i);
		assert_int_equal(sandbox_run(sb, &c, &r), 0);
		assert_int_equal(r.end, SANDBOX_EXITED);
		assert_int_equal(r.exit_code, 3);
		assert_int_equal(r.out.len, strlen(want));
		assert_memory_equal(r.out.data, want, strlen(want));
		sandbox_result_release(&r);
	}
	sandbox_close(sb);
}

static void calls_run_concurrently(void **state)
{
	struct worker w[4];
	pthread_t th[4];
	struct sandbox *sb;
	int i;

	(void)state;
	if (skip_valgrind())
		return;
	sb = open_sb(false);
	for (i = 0; i < 4; i++) {
		w[i] = (struct worker){ sb, i, 0, 0 };
		assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].ok, 5);
		assert_int_equal(w[i].ok_exec, 5);
	}
	sandbox_close(sb);
}

static void descriptor_is_passed_to_the_child(void **state)
{
	struct sandbox *sb;
	struct sandbox_call c = { .profile = PROFILE_FETCH, .fn = "passed" };
	struct sandbox_result r;
	char b[8];
	int sv[2];

	(void)state;
	if (skip_valgrind())
		return;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	/* The peer answers as soon as the child speaks. */
	assert_int_equal(write(sv[0], "pong", 4), 4);
	sb = open_sb(false);
	c.pass = true;
	c.pass_fd = sv[1];
	assert_int_equal(sandbox_run(sb, &c, &r), 0);
	assert_int_equal(r.end, SANDBOX_EXITED);
	assert_int_equal(r.exit_code, 0);
	assert_int_equal(r.reply.len, 4);
	assert_memory_equal(r.reply.data, "pong", 4);
	assert_int_equal(read(sv[0], b, sizeof(b)), 4);
	assert_memory_equal(b, "ping", 4);
	sandbox_result_release(&r);
	/* Without pass, the child holds only the reply (3) and status (4) pipes. */
	c.pass = false;
	c.fn = "fds";
	assert_int_equal(sandbox_run(sb, &c, &r), 0);
	assert_int_equal(r.end, SANDBOX_EXITED);
	assert_string_equal(r.reply.data, "3 4 ");
	sandbox_result_release(&r);
	sandbox_close(sb);
	close(sv[0]);
	close(sv[1]);
}

static void put_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Run sh -c script in sb and return its stdout+stderr (static buffer). */
static const char *sh_out(struct sandbox *sb, const char *script)
{
	static char out[4096];
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct sandbox_call c = { .profile = PROFILE_BASH, .argv = argv };
	struct sandbox_result r;

	assert_int_equal(sandbox_run(sb, &c, &r), 0);
	assert_int_equal(r.end, SANDBOX_EXITED);
	snprintf(out, sizeof(out), "%.*s%.*s", (int)r.out.len, r.out.data ? r.out.data : "", (int)r.err.len,
		 r.err.data ? r.err.data : "");
	sandbox_result_release(&r);
	return out;
}

/*
 * opts.hide: a directory, a file and a symlink below the workspace are
 * covered (empty, read-only, pinned), for a workspace named through a
 * symlink too; what is not named stays; what does not exist or is not the
 * host's is passed by; "/", the workspace and its ancestors are refused;
 * degraded mode says it hides nothing.
 */
static void hide_paths_are_covered(void **state)
{
	char link_ws[PATH_MAX], sec[PATH_MAX], env[PATH_MAX], lnk[PATH_MAX], gone[PATH_MAX], via[PATH_MAX + 16];
	const char *hide[5], *out;
	struct sandbox_opts o;
	struct sandbox *sb = NULL;
	struct cordon_diag diag;
	struct stat st;

	(void)state;
	if (skip_valgrind())
		return;
	snprintf(sec, sizeof(sec), "%s/sec", ws);
	assert_int_equal(mkdir(sec, 0755), 0);
	put_file(sec, "k", "SECRET\n");
	put_file(ws, "env", "ENVSECRET\n");
	put_file(ws, "pub", "PUBLIC\n");
	snprintf(lnk, sizeof(lnk), "%s/lnk", ws);
	assert_int_equal(symlink("pub", lnk), 0);
	snprintf(env, sizeof(env), "%s/env", ws);
	snprintf(gone, sizeof(gone), "%s/gone/x", ws);
	hide[0] = sec;
	hide[1] = env;
	hide[2] = lnk;
	hide[3] = gone;
	hide[4] = "/tmp/cordon-sbx-not-the-host-s";

	memset(&o, 0, sizeof(o));
	o.workspace = ws;
	o.hide = hide;
	o.n_hide = 5;
	assert_int_equal(sandbox_open(&sb, &o, &diag), 0);
	if (!(sandbox_layers(sb) & LAYER_BIT(LAYER_MOUNTNS))) {
		sandbox_close(sb);
		skip();
		goto cleanup;
	}
	out = sh_out(sb, "cat sec/k env lnk pub 2>/dev/null; ls -A sec; echo x > sec/new 2>/dev/null || echo "
			 "refused-dir; echo x > env 2>/dev/null || echo refused-file; rm -f env 2>/dev/null || echo "
			 "pinned");
	assert_null(strstr(out, "SECRET"));
	assert_non_null(strstr(out, "PUBLIC\n"));
	/* lnk is covered itself: its target shows once, under its own name. */
	assert_null(strstr(strstr(out, "PUBLIC\n") + 1, "PUBLIC"));
	assert_non_null(strstr(out, "refused-dir"));
	assert_non_null(strstr(out, "refused-file"));
	assert_non_null(strstr(out, "pinned"));
	sandbox_close(sb);
	sb = NULL;
	assert_int_equal(stat(env, &st), 0);
	assert_int_equal(st.st_size, 10);
	snprintf(via, sizeof(via), "%s/new", sec);
	assert_int_equal(access(via, F_OK), -1);
	snprintf(gone, sizeof(gone), "%s/gone", ws);
	assert_int_equal(access(gone, F_OK), -1);

	/* A workspace named through a symlink: its hide paths are re-anchored. */
	snprintf(link_ws, sizeof(link_ws), "%s-link", ws);
	assert_int_equal(symlink(ws, link_ws), 0);
	snprintf(via, sizeof(via), "%s/sec", link_ws);
	hide[0] = via;
	o.workspace = link_ws;
	o.n_hide = 1;
	assert_int_equal(sandbox_open(&sb, &o, &diag), 0);
	out = sh_out(sb, "cat sec/k; ls -A sec");
	assert_null(strstr(out, "SECRET"));
	sandbox_close(sb);
	sb = NULL;
	o.workspace = ws;

	/* Refused: not normal, the root, the workspace, an ancestor of it. */
	{
		static const char *const bad[] = { "relative", "/", "/tmp//x", "/tmp/./x",
						   "/tmp/x/..", "/tmp/x/", "/tmp", NULL };
		const char *const *b;

		for (b = bad; *b; b++) {
			hide[0] = *b;
			assert_int_equal(sandbox_open(&sb, &o, &diag), -CORDON_EINVAL);
			assert_null(sb);
			assert_non_null(strstr(diag.msg, "cannot hide '"));
		}
		hide[0] = ws;
		assert_int_equal(sandbox_open(&sb, &o, &diag), -CORDON_EINVAL);
		assert_non_null(strstr(diag.msg, "it holds the workspace"));
		/* The workspace under its symlinked name is the workspace too. */
		o.workspace = link_ws;
		hide[0] = link_ws;
		assert_int_equal(sandbox_open(&sb, &o, &diag), -CORDON_EINVAL);
		assert_non_null(strstr(diag.msg, "it holds the workspace"));
		o.workspace = ws;
	}

	/* Degraded: nothing is hidden, and the warning says so. */
	hide[0] = sec;
	o.no_namespaces = true;
	assert_int_equal(sandbox_open(&sb, &o, &diag), 0);
	assert_non_null(strstr(diag.msg, "the Read deny paths are not hidden from commands (no mount namespace)"));
	assert_non_null(strstr(sh_out(sb, "cat sec/k"), "SECRET"));
	sandbox_close(sb);
	unlink(link_ws);
cleanup:
	snprintf(via, sizeof(via), "%s/k", sec);
	unlink(via);
	rmdir(sec);
	unlink(env);
	unlink(lnk);
	snprintf(via, sizeof(via), "%s/pub", ws);
	unlink(via);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(ws) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return rmdir(ws);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(function_reply_round_trips),
		cmocka_unit_test(refused_syscall_is_named),
		cmocka_unit_test(timeout_kills_the_call),
		cmocka_unit_test(reply_is_capped_at_max_reply),
		cmocka_unit_test(reply_over_the_cap_is_an_error),
		cmocka_unit_test(environment_is_allowlisted),
		cmocka_unit_test(exec_output_is_capped_and_drained),
		cmocka_unit_test(degraded_mode_still_confines),
		cmocka_unit_test(child_holds_no_capability_and_no_ruleset_fd),
		cmocka_unit_test(spare_served_calls_match_fresh_children),
		cmocka_unit_test(required_layer_refuses_open),
		cmocka_unit_test(started_session_opens_like_sandbox_open),
		cmocka_unit_test(started_session_degrades_in_the_warden),
		cmocka_unit_test(bad_calls_are_rejected),
		cmocka_unit_test(calls_run_concurrently),
		cmocka_unit_test(descriptor_is_passed_to_the_child),
		cmocka_unit_test(zygote_spares_are_confined_like_fresh_children),
		cmocka_unit_test(calls_survive_a_lost_zygote),
		cmocka_unit_test(ticketed_calls_run_once_each),
		cmocka_unit_test(hide_paths_are_covered),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
