/*
 * Confinement via fork: a child applies a profile in-process (child_confine:
 * rlimits, capabilities, NO_NEW_PRIVS, Landlock, seccomp) and attempts
 * syscalls directly. Each denial is shown next to the same call without the
 * confinement, where that is safe, so a test cannot pass on a stub.
 *
 * Skipped under valgrind (its own syscalls, e.g. executable mappings for
 * translated code, are exactly what the filters refuse).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <valgrind/valgrind.h>

#include "common/buf.h"
#include "common/fileio.h"
#include "runtime/sandbox/child.h"
#include "runtime/sandbox/landlock.h"
#include "runtime/sandbox/seccomp.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef AF_ALG
#define AF_ALG 38
#endif

static char ws[] = "/tmp/cordon-confine.XXXXXX";
static char other[] = "/tmp/cordon-other.XXXXXX";
static int abi;

enum how { BARE, CONFINED, CONFINED_REPORTING };

/* What the SIGSYS reporter wrote (CONFINED_REPORTING): its CHILD_SIGSYS record. */
static struct child_status reported;

/* Run fn in a child; with how != BARE, confined by profile p first. Returns the wait status. */
static int run(enum sandbox_profile p, bool exec, enum how how, int (*fn)(void))
{
	struct landlock_paths ll = { ws, NULL, "/tmp", false, false };
	struct seccomp_prog prog;
	struct cordon_diag d;
	int status, r;
	pid_t pid;

	diag_clear(&d);
	if (how == CONFINED_REPORTING)
		r = seccomp_prog_compile_reporting(&prog, profile_seccomp(p, false, exec), &d);
	else
		r = seccomp_prog_compile(&prog, profile_seccomp(p, false, exec), &d);
	if (r < 0)
		fail_msg("compile: %s", d.msg);
	int st_pipe[2];

	memset(&reported, 0, sizeof(reported));
	assert_int_equal(pipe(st_pipe), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct child_confine c = {
			.profile = p,
			.with_exec = exec,
			.limits = profile_default_limits(p),
			.ll = &ll,
			.ll_abi = abi,
			.prog = &prog,
			/* The status pipe on fd 4, where a function child has it (its filter allows that write). */
			.report_sigsys = how == CONFINED_REPORTING,
			.status_fd = how == CONFINED_REPORTING ? 4 : -1,
		};
		uint32_t layers;

		close(st_pipe[0]);
		if (how == CONFINED_REPORTING && dup2(st_pipe[1], 4) < 0)
			_exit(201);
		if (how != BARE && child_confine(&c, &layers) != 0)
			_exit(200);
		_exit(fn());
	}
	seccomp_prog_release(&prog);
	close(st_pipe[1]);
	{
		struct child_status one;

		/* The OK record, then (when the filter refused something) the SIGSYS one. */
		while (read(st_pipe[0], &one, sizeof(one)) == (ssize_t)sizeof(one))
			if (one.stage == CHILD_SIGSYS)
				reported = one;
	}
	close(st_pipe[0]);
	while (waitpid(pid, &status, 0) < 0)
		assert_int_equal(errno, EINTR);
	return status;
}

#define EXIT_OK(st) (WIFEXITED(st) && WEXITSTATUS(st) == 0)
#define SIGSYS_KILLED(st) (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS)
/* Child probes return 0 when the call behaved as the name says, else a code. */
#define EXPECT_ERRNO(call, e) (((call) < 0 && errno == (e)) ? 0 : 1)

static int skip_if_unsafe(void)
{
	if (RUNNING_ON_VALGRIND) {
		skip();
		return 1;
	}
	if (abi < 1) {
		skip();
		return 1;
	}
	return 0;
}

static char path_in_ws[4200];
static char path_other[4200];

static int open_write_ws(void)
{
	int fd = open(path_in_ws, O_WRONLY);

	return fd >= 0 ? 0 : 1;
}

static int openat2_write_ws_eacces(void)
{
	struct {
		uint64_t flags, mode, resolve;
	} how = { O_WRONLY, 0, 0 };

	return EXPECT_ERRNO(syscall(SYS_openat2, AT_FDCWD, path_in_ws, &how, sizeof(how)), EACCES);
}

static int read_ws_ok(void)
{
	char b[8];
	int fd = open(path_in_ws, O_RDONLY);

	return fd >= 0 && read(fd, b, sizeof(b)) >= 0 ? 0 : 1;
}

static int read_other_eacces(void)
{
	return EXPECT_ERRNO(open(path_other, O_RDONLY), EACCES);
}

static int read_other_ok(void)
{
	return open(path_other, O_RDONLY) >= 0 ? 0 : 1;
}

static int socket_inet(void)
{
	return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : 1;
}

static int exec_true(void)
{
	char *argv[] = { (char *)"true", NULL };

	execv("/bin/true", argv);
	return 1;
}

static void readonly_open_for_write_is_killed(void **state)
{
	(void)state;
	if (skip_if_unsafe())
		return;
	assert_true(EXIT_OK(run(PROFILE_READONLY, false, BARE, open_write_ws)));
	assert_true(SIGSYS_KILLED(run(PROFILE_READONLY, false, CONFINED, open_write_ws)));
	/* openat2 passes seccomp (flags behind a pointer); Landlock refuses the write. */
	assert_true(EXIT_OK(run(PROFILE_READONLY, false, CONFINED, openat2_write_ws_eacces)));
	assert_true(EXIT_OK(run(PROFILE_READONLY, false, CONFINED, read_ws_ok)));
}

static void readonly_cannot_read_outside_the_roots(void **state)
{
	(void)state;
	if (skip_if_unsafe())
		return;
	assert_true(EXIT_OK(run(PROFILE_READONLY, false, BARE, read_other_ok)));
	assert_true(EXIT_OK(run(PROFILE_READONLY, false, CONFINED, read_other_eacces)));
}

static void readonly_socket_and_exec_are_killed(void **state)
{
	(void)state;
	if (skip_if_unsafe())
		return;
	assert_true(EXIT_OK(run(PROFILE_READONLY, false, BARE, socket_inet)));
	assert_true(SIGSYS_KILLED(run(PROFILE_READONLY, false, CONFINED, socket_inet)));
	assert_true(EXIT_OK(run(PROFILE_READONLY, false, BARE, exec_true)));
	assert_true(SIGSYS_KILLED(run(PROFILE_READONLY, false, CONFINED, exec_true)));
}

static void reporting_filter_names_the_syscall(void **state)
{
	(void)state;
	if (skip_if_unsafe())
		return;
	assert_true(SIGSYS_KILLED(run(PROFILE_READONLY, false, CONFINED_REPORTING, socket_inet)));
	assert_int_equal(reported.stage, CHILD_SIGSYS);
	assert_int_equal(reported.err, SYS_socket);
	{
		char name[32];

		assert_string_equal(seccomp_syscall_name(reported.err, name, sizeof(name)), "socket");
	}
}

static int threads_work(void)
{
	/* glibc's pthread_create: clone3 → ENOSYS, then clone(CLONE_THREAD...). */
	long r = syscall(SYS_clone3, NULL, 0);

	if (!(r < 0 && errno == ENOSYS))
		return 1;
	return 0;
}

static void readonly_clone3_is_enosys(void **state)
{
	(void)state;
	if (skip_if_unsafe())
		return;
	assert_true(EXIT_OK(run(PROFILE_READONLY, false, CONFINED, threads_work)));
	/* Bare, the kernel looks at the (NULL) arguments instead. */
	assert_false(EXIT_OK(run(PROFILE_READONLY, false, BARE, threads_work)));
}

/* ---- write profile ---- */

static int write_create_and_rename(void)
{
	char a[4300], b[4300];
	int fd;

	snprintf(a, sizeof(a), "%s/new.tmp", ws);
	snprintf(b, sizeof(b), "%s/new.txt", ws);
	fd = open(a, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0 || write(fd, "x", 1) != 1 || fsync(fd) < 0 || close(fd) < 0)
		return 1;
	return syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, 0) == 0 ? 0 : 2;
}

static int write_link_eperm(void)
{
	char a[4300];

	snprintf(a, sizeof(a), "%s/hl", ws);
	return EXPECT_ERRNO(link(path_in_ws, a), EPERM);
}

static int write_cross_dir_rename_exdev(void)
{
	char a[4300], b[4300];

	snprintf(a, sizeof(a), "%s/sub", ws);
	snprintf(b, sizeof(b), "%s/sub/moved", ws);
	if (mkdir(a, 0755) < 0 && errno != EEXIST)
		return 3;
	/* No REFER right: moving a file to another directory is EXDEV. */
	return EXPECT_ERRNO(rename(path_in_ws, b), EXDEV);
}

static int write_setuid_chmod(void)
{
	return chmod(path_in_ws, 04755) == 0 ? 0 : 1;
}

static int write_outside_eacces(void)
{
	return EXPECT_ERRNO(open(path_other, O_WRONLY), EACCES);
}

static void write_profile_writes_atomically_but_no_links(void **state)
{
	(void)state;
	if (skip_if_unsafe())
		return;
	assert_true(EXIT_OK(run(PROFILE_WRITE, false, CONFINED, write_create_and_rename)));
	assert_true(EXIT_OK(run(PROFILE_WRITE, false, CONFINED, write_link_eperm)));
	assert_true(EXIT_OK(run(PROFILE_WRITE, false, CONFINED, write_cross_dir_rename_exdev)));
	assert_true(EXIT_OK(run(PROFILE_WRITE, false, CONFINED, write_outside_eacces)));
	assert_true(SIGSYS_KILLED(run(PROFILE_WRITE, false, CONFINED, write_setuid_chmod)));
	/* Bare, the same chmod works (then undo it). */
	assert_true(EXIT_OK(run(PROFILE_WRITE, false, BARE, write_setuid_chmod)));
	chmod(path_in_ws, 0644);
}

/* ---- bash profile ---- */

static int unshare_user_ok(void)
{
	return unshare(CLONE_NEWUSER) == 0 ? 0 : 1;
}

static int unshare_user_eperm(void)
{
	return EXPECT_ERRNO(unshare(CLONE_NEWUSER), EPERM);
}

static int clone_newns_eperm(void)
{
	return EXPECT_ERRNO(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0), EPERM);
}

static int clone3_enosys(void)
{
	struct clone_args ca;

	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_NEWUSER;
	ca.exit_signal = SIGCHLD;
	return EXPECT_ERRNO(syscall(SYS_clone3, &ca, sizeof(ca)), ENOSYS);
}

static int tiocsti_eperm(void)
{
	char c = 'x';

	/* Plain and with the high bits set (CVE-2019-10063): both EPERM, not ENOTTY. */
	if (EXPECT_ERRNO(syscall(SYS_ioctl, 0, (unsigned long)TIOCSTI, &c), EPERM))
		return 1;
	if (EXPECT_ERRNO(syscall(SYS_ioctl, 0, 0xdead00000000ul | TIOCSTI, &c), EPERM))
		return 2;
	if (EXPECT_ERRNO(syscall(SYS_ioctl, 0, (unsigned long)TIOCLINUX, &c), EPERM))
		return 3;
	return 0;
}

static int tiocsti_not_eperm(void)
{
	char c = 'x';
	int fd = open("/dev/null", O_RDONLY);

	/* On a non-tty the kernel itself answers ENOTTY. */
	return EXPECT_ERRNO(syscall(SYS_ioctl, fd, (unsigned long)TIOCSTI, &c), ENOTTY);
}

static int ioctl_other_ok(void)
{
	int p[2], n = -1;

	/* Other ioctls pass the filter: FIONREAD on a pipe (not a device, so Landlock's IOCTL_DEV does not apply). */
	if (pipe(p) < 0 || write(p[1], "ab", 2) != 2)
		return 2;
	return ioctl(p[0], FIONREAD, &n) == 0 && n == 2 ? 0 : 1;
}

static int mount_ptrace_eperm(void)
{
	if (EXPECT_ERRNO(mount("none", "/tmp", "tmpfs", 0, NULL), EPERM))
		return 1;
	if (EXPECT_ERRNO(ptrace(PTRACE_TRACEME, 0, NULL, NULL), EPERM))
		return 2;
	if (EXPECT_ERRNO(syscall(SYS_keyctl, 0, 0, 0, 0, 0), EPERM))
		return 3;
	if (EXPECT_ERRNO(syscall(SYS_io_uring_setup, 1, NULL), EPERM))
		return 4;
	if (EXPECT_ERRNO(syscall(SYS_userfaultfd, 0), EPERM))
		return 5;
	if (EXPECT_ERRNO(syscall(SYS_bpf, 0, NULL, 0), EPERM))
		return 6;
	if (EXPECT_ERRNO(syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0), EPERM))
		return 7;
	if (EXPECT_ERRNO(personality(READ_IMPLIES_EXEC), EPERM))
		return 8;
	return 0;
}

static int sockets_filtered(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0)
		return 1;
	close(fd);
	/* AF_INET is allowed: the session's network namespace (not here) has nothing but its loopback. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 2;
	close(fd);
	if (EXPECT_ERRNO(socket(AF_VSOCK, SOCK_STREAM, 0), EAFNOSUPPORT))
		return 3;
	if (EXPECT_ERRNO(socket(AF_ALG, SOCK_SEQPACKET, 0), EAFNOSUPPORT))
		return 4;
	if (EXPECT_ERRNO(socket(AF_NETLINK, SOCK_RAW, 0), EAFNOSUPPORT))
		return 5;
	return 0;
}

static int status_readback(void)
{
	struct buf b;
	int r = 0;

	buf_init(&b, 1 << 16);
	if (file_read_capped(AT_FDCWD, "/proc/self/status", 1 << 16, &b) < 0)
		r = 1;
	else if (!strstr(b.data, "NoNewPrivs:\t1\n"))
		r = 2;
	else if (!strstr(b.data, "Seccomp:\t2\n"))
		r = 3;
	else if (!strstr(b.data, "CapEff:\t0000000000000000\n"))
		r = 4;
	else if (!strstr(b.data, "CapPrm:\t0000000000000000\n"))
		r = 5;
	buf_release(&b);
	return r;
}

static int fork_and_exec_work(void)
{
	int st;
	pid_t p = fork();

	if (p < 0)
		return 1;
	if (p == 0) {
		char *argv[] = { (char *)"true", NULL };

		execv("/bin/true", argv);
		_exit(9);
	}
	if (waitpid(p, &st, 0) < 0 || !EXIT_OK(st))
		return 2;
	return 0;
}

static int unknown_syscall_enosys(void)
{
	/* A number no kernel has (yet): ENOSYS, so libcs take their fallback paths. */
	if (EXPECT_ERRNO(syscall(500, 0, 0, 0), ENOSYS))
		return 1;
	/* A known but refused one stays EPERM. */
	return EXPECT_ERRNO(syscall(SYS_acct, NULL), EPERM) ? 2 : 0;
}

static int x32_syscall(void)
{
	/* getpid through the x32 ABI: a foreign architecture for the filter. */
	syscall(0x40000000 | SYS_getpid);
	return 0;
}

static void bash_denies_namespaces(void **state)
{
	(void)state;
	if (skip_if_unsafe())
		return;
	assert_true(EXIT_OK(run(PROFILE_BASH, true, BARE, unshare_user_ok)));
	assert_true(EXIT_OK(run(PROFILE_BASH, true, CONFINED, unshare_user_eperm)));
	assert_true(EXIT_OK(run(PROFILE_BASH, true, CONFINED, clone_newns_eperm)));
	assert_true(EXIT_OK(run(PROFILE_BASH, true, CONFINED, clone3_enosys)));
	assert_false(EXIT_OK(run(PROFILE_BASH, true, BARE, clone3_enosys)));
}

static void bash_denies_tiocsti_with_high_bits(void **state)
{
	(void)state;
	if (skip_if_unsafe())
		return;
	assert_true(EXIT_OK(run(PROFILE_BASH, true, BARE, tiocsti_not_eperm)));
	assert_true(EXIT_OK(run(PROFILE_BASH, true, CONFINED, tiocsti_eperm)));
	assert_true(EXIT_OK(run(PROFILE_BASH, true, CONFINED, ioctl_other_ok)));
}

static void bash_denies_kernel_surface(void **state)
{
	(void)state;
	if (skip_if_unsafe())
		return;
	assert_true(EXIT_OK(run(PROFILE_BASH, true, CONFINED, mount_ptrace_eperm)));
	assert_true(EXIT_OK(run(PROFILE_BASH, true, CONFINED, sockets_filtered)));
	assert_true(EXIT_OK(run(PROFILE_BASH, true, BARE, socket_inet)));
}

static void bash_status_readback_and_processes(void **state)
{
	(void)state;
	if (skip_if_unsafe())
		return;
	assert_true(EXIT_OK(run(PROFILE_BASH, true, CONFINED, status_readback)));
	assert_false(EXIT_OK(run(PROFILE_BASH, true, BARE, status_readback)));
	assert_true(EXIT_OK(run(PROFILE_BASH, true, CONFINED, fork_and_exec_work)));
	assert_true(EXIT_OK(run(PROFILE_BASH, true, CONFINED, unknown_syscall_enosys)));
}

static void foreign_abi_is_killed(void **state)
{
	(void)state;
	if (skip_if_unsafe())
		return;
	assert_true(EXIT_OK(run(PROFILE_BASH, true, BARE, x32_syscall)));
	assert_true(SIGSYS_KILLED(run(PROFILE_BASH, true, CONFINED, x32_syscall)));
	assert_true(SIGSYS_KILLED(run(PROFILE_READONLY, false, CONFINED, x32_syscall)));
}

static int rm_tree(const char *dir)
{
	char cmd[4400];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static int setup(void **state)
{
	int fd;

	(void)state;
	if (!mkdtemp(ws) || !mkdtemp(other))
		return -1;
	snprintf(path_in_ws, sizeof(path_in_ws), "%s/file.txt", ws);
	snprintf(path_other, sizeof(path_other), "%s/secret.txt", other);
	fd = open(path_in_ws, O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || write(fd, "hello\n", 6) != 6)
		return -1;
	close(fd);
	fd = open(path_other, O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || write(fd, "secret\n", 7) != 7)
		return -1;
	close(fd);
	abi = landlock_abi();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rm_tree(ws);
	rm_tree(other);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(readonly_open_for_write_is_killed),
		cmocka_unit_test(readonly_cannot_read_outside_the_roots),
		cmocka_unit_test(readonly_socket_and_exec_are_killed),
		cmocka_unit_test(reporting_filter_names_the_syscall),
		cmocka_unit_test(readonly_clone3_is_enosys),
		cmocka_unit_test(write_profile_writes_atomically_but_no_links),
		cmocka_unit_test(bash_denies_namespaces),
		cmocka_unit_test(bash_denies_tiocsti_with_high_bits),
		cmocka_unit_test(bash_denies_kernel_surface),
		cmocka_unit_test(bash_status_readback_and_processes),
		cmocka_unit_test(foreign_abi_is_killed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
