/*
 * profile.c — the sandbox profiles as data (see profile.h).
 *
 * The seccomp tables are those of docs/sandbox.md, "Profiles": cordon's own
 * code (readonly, write, compute, fetch) gets a small allowlist whose default
 * kills the process; an exec'd program (Bash, `cordon sandbox`) gets a
 * Docker-style allowlist with default EPERM minus the always-deny set.
 */
#include "policy/profile.h"
#include "common/error.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Kept literal so policy/ does not depend on kernel headers. */
#define P_PROT_EXEC 0x4
#define P_MAP_ANONYMOUS 0x20
#define P_O_ACCMODE 03
#define P_O_CREAT 0100
#define P_O_TRUNC 01000
#define P_O_APPEND 02000
#define P_O_TMPFILE 020000000
#define P_CLONE_THREAD 0x00010000
#define P_CLONE_NEW_MASK 0x7E020000 /* NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET */
#define P_TCGETS 0x5401
#define P_TIOCGWINSZ 0x5413
#define P_FIONREAD 0x541B
#define P_TIOCSTI 0x5412
#define P_TIOCLINUX 0x541C
#define P_PR_SET_PDEATHSIG 1
#define P_PR_SET_SECCOMP 22
#define P_PR_SET_NAME 15
#define P_PASS_FD 5 /* runtime/sandbox/child.h CHILD_PASS_FD */
#define P_AF_UNIX 1
#define P_AF_INET 2
#define P_AF_INET6 10
#define P_AT_REMOVEDIR 0x200
#define P_RENAME_NOREPLACE 1
#define P_RENAME_EXCHANGE 2

static const char *const names[PROFILE__COUNT] = {
	[PROFILE_READONLY] = "readonly", [PROFILE_WRITE] = "write", [PROFILE_BASH] = "bash",
	[PROFILE_FETCH] = "fetch",       [PROFILE_COMPUTE] = "compute",
};

const char *profile_name(enum sandbox_profile p)
{
	return (unsigned)p < PROFILE__COUNT ? names[p] : "unknown";
}

int profile_from_name(const char *name)
{
	int i;

	for (i = 0; i < PROFILE__COUNT; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

/* ---- layers ------------------------------------------------------------ */

static const char *const layer_names[LAYER__COUNT] = {
	[LAYER_USERNS] = "userns",     [LAYER_MOUNTNS] = "mountns", [LAYER_PIDNS] = "pidns",
	[LAYER_NETNS] = "netns",       [LAYER_LANDLOCK] = "landlock", [LAYER_SECCOMP] = "seccomp",
	[LAYER_CGROUP] = "cgroup",     [LAYER_CAPS] = "caps",       [LAYER_RLIMITS] = "rlimits",
};

const char *layer_name(enum sandbox_layer l)
{
	return (unsigned)l < LAYER__COUNT ? layer_names[l] : "unknown";
}

int layer_from_name(const char *name)
{
	int i;

	if (!name)
		return -1;
	for (i = 0; i < LAYER__COUNT; i++)
		if (!strcmp(layer_names[i], name))
			return i;
	return -1;
}

int layer_mask_from_name(const char *name, unsigned *mask)
{
	int l;

	if (name && !strcmp(name, "all"))
		return *mask = LAYER_ALL, 0;
	if (name && !strcmp(name, "namespaces"))
		return *mask = LAYER_NAMESPACES, 0;
	if ((l = layer_from_name(name)) < 0)
		return -CORDON_EINVAL;
	*mask = LAYER_BIT(l);
	return 0;
}

int layer_parse_list(unsigned *out, const char *list, char *bad, size_t badsize)
{
	unsigned mask = 0;
	const char *p = list ? list : "";

	*out = 0;
	if (!strcmp(p, "none"))
		return 0;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char word[32];
		unsigned m;

		if (n == 0 || n >= sizeof(word)) {
			if (bad && badsize)
				snprintf(bad, badsize, "%.*s", (int)(n < 64 ? n : 64), p);
			return -CORDON_EINVAL;
		}
		memcpy(word, p, n);
		word[n] = '\0';
		if (layer_mask_from_name(word, &m) < 0) {
			if (bad && badsize)
				snprintf(bad, badsize, "%s", word);
			return -CORDON_EINVAL;
		}
		mask |= m;
		p += n;
		if (*p == ',') {
			p++;
			if (!*p) {
				if (bad && badsize)
					snprintf(bad, badsize, "%s", "");
				return -CORDON_EINVAL;
			}
		}
	}
	*out = mask;
	return 0;
}

const char *layer_format_list(unsigned mask, char *buf, size_t size)
{
	size_t len = 0;
	int i;

	if (!size)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < LAYER__COUNT; i++) {
		int n;

		if (!(mask & LAYER_BIT(i)))
			continue;
		n = snprintf(buf + len, size - len, "%s%s", len ? "," : "", layer_names[i]);
		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
	return buf;
}

/* ---- Landlock ------------------------------------------------------------ */

/* All rights on a directory tree except device nodes and device ioctls. */
#define RW_TREE (LL_FS_ALL & ~(LL_FS_IOCTL_DEV | LL_FS_MAKE_CHAR | LL_FS_MAKE_BLOCK))
/*
 * Write/Edit (docs/sandbox.md, "Profiles"). No REFER (cross-directory
 * rename/link → EXDEV, which stops hard-link planting, FS09; same-directory
 * atomic rename needs none), no symlinks, fifos, sockets, devices, no
 * execute, no rmdir.
 */
#define WRITE_TREE                                                                            \
	(LL_FS_READ_FILE | LL_FS_READ_DIR | LL_FS_WRITE_FILE | LL_FS_TRUNCATE | LL_FS_MAKE_REG | \
	 LL_FS_MAKE_DIR | LL_FS_REMOVE_FILE)
#define DEV_FILE (LL_FS_READ_FILE | LL_FS_WRITE_FILE | LL_FS_TRUNCATE)

static const struct fs_rule fs_readonly[] = {
	{ FS_WORKSPACE, LL_FS_READ },
	{ FS_READ_ROOTS, LL_FS_READ },
};
static const struct fs_rule fs_readonly_exec[] = {
	{ FS_WORKSPACE, LL_FS_READ },
	{ FS_READ_ROOTS, LL_FS_READ },
	{ FS_SYSTEM, LL_FS_READ | LL_FS_EXECUTE },
	{ FS_DEV, DEV_FILE },
};
static const struct fs_rule fs_write[] = {
	{ FS_WORKSPACE, WRITE_TREE },
	{ FS_READ_ROOTS, LL_FS_READ },
};
static const struct fs_rule fs_write_exec[] = {
	{ FS_WORKSPACE, WRITE_TREE },
	{ FS_READ_ROOTS, LL_FS_READ },
	{ FS_SYSTEM, LL_FS_READ | LL_FS_EXECUTE },
	{ FS_DEV, DEV_FILE },
};
static const struct fs_rule fs_bash[] = {
	{ FS_WORKSPACE, RW_TREE },
	{ FS_TMP, RW_TREE },
	{ FS_READ_ROOTS, LL_FS_READ | LL_FS_EXECUTE },
	{ FS_SYSTEM, LL_FS_READ | LL_FS_EXECUTE },
	{ FS_DEV, DEV_FILE },
	{ FS_PROC, LL_FS_READ },
	/* `ls /`, `find /`: in the mount view "/" holds only what is bound there anyway. */
	{ FS_VIEW_ROOT, LL_FS_READ_DIR },
};
static const struct fs_rule fs_fetch[] = {
	{ FS_CA, LL_FS_READ },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

size_t profile_fs_rules(enum sandbox_profile p, bool with_exec, const struct fs_rule **out)
{
	switch (p) {
	case PROFILE_READONLY:
		*out = with_exec ? fs_readonly_exec : fs_readonly;
		return with_exec ? N(fs_readonly_exec) : N(fs_readonly);
	case PROFILE_WRITE:
		*out = with_exec ? fs_write_exec : fs_write;
		return with_exec ? N(fs_write_exec) : N(fs_write);
	case PROFILE_BASH:
		*out = fs_bash;
		return N(fs_bash);
	case PROFILE_FETCH:
		*out = fs_fetch;
		return N(fs_fetch);
	case PROFILE_COMPUTE:
	default:
		*out = NULL;
		return 0;
	}
}

bool profile_inert(enum sandbox_profile p)
{
	return p == PROFILE_READONLY || p == PROFILE_COMPUTE;
}

bool profile_landlock_scoped(enum sandbox_profile p)
{
	(void)p;
	return true;
}

static const char *const system_dirs[] = {
	"/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32", "/etc", "/opt", NULL,
};
static const char *const dev_files[] = {
	"/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", NULL,
};
static const char *const ca_dirs[] = {
	"/etc/ssl", "/usr/share/ca-certificates", "/usr/lib", "/lib", NULL,
};

const char *const *profile_system_dirs(void)
{
	return system_dirs;
}

const char *const *profile_dev_files(void)
{
	return dev_files;
}

const char *const *profile_ca_dirs(void)
{
	return ca_dirs;
}

bool profile_system_path(const char *path)
{
	const char *const *d;

	for (d = system_dirs; *d; d++) {
		size_t n = strlen(*d);

		if (!strncmp(path, *d, n) && (path[n] == '\0' || path[n] == '/'))
			return true;
	}
	return false;
}

/*
 * Secrets the system directories hold, masked by pattern: a backup or an
 * editor's copy of a secret is the secret (/etc/shadow- was readable as
 * root while /etc/shadow was masked).
 */
static const char *const secret_patterns[] = {
	"/etc/shadow*", "/etc/gshadow*", "/etc/sudoers*", "/etc/security/opasswd*",
	"/etc/ssh/ssh_host_*key", "/etc/ssl/private", "/etc/pki/tls/private", "/etc/*.keytab",
	"/etc/krb5.keytab*", "/etc/ipsec.secrets", "/etc/ppp/*-secrets", "/etc/wireguard",
	"/etc/NetworkManager/system-connections", "/etc/openvpn/*.key", NULL,
};

const char *const *profile_secret_patterns(void)
{
	return secret_patterns;
}

/* ---- seccomp ------------------------------------------------------------- */

#define CMP(n, o, v) { .arg = (n), .op = (o), .a = (v), .b = 0 }
#define C0(o, v) CMP(0, o, v)
#define C1(o, v) CMP(1, o, v)
#define C2(o, v) CMP(2, o, v)
#define C4(o, v) CMP(4, o, v)
#define M(n, mask, val) { .arg = (n), .op = SC_MASKED_EQ, .a = (mask), .b = (val) }
#define RULE(n, act, e, k, ...) { .syscall = (n), .action = (act), .err = (e), .ncmp = (k), .cmp = { __VA_ARGS__ } }
#define ALLOW(n) RULE(n, SC_ALLOW, 0, 0, CMP(0, SC_EQ, 0))
#define ALLOW1(n, c) RULE(n, SC_ALLOW, 0, 1, c)
#define ALLOW2(n, c, d) RULE(n, SC_ALLOW, 0, 2, c, d)
#define ERR(n, e) RULE(n, SC_ERRNO, e, 0, CMP(0, SC_EQ, 0))
#define ERR1(n, e, c) RULE(n, SC_ERRNO, e, 1, c)
#define ERR2(n, e, c, d) RULE(n, SC_ERRNO, e, 2, c, d)

/*
 * Cordon's own code in a tool child: glibc, jansson, PCRE2 and the tools.
 * Anything else kills the process (SIGSYS), which is reported with the
 * syscall's name.
 */
static const struct sc_rule own_base[] = {
	ALLOW("read"), ALLOW("pread64"), ALLOW("readv"),
	/* Safe because: only the inherited stdout, stderr, reply (3) and status (4) pipes. */
	ALLOW1("write", C0(SC_EQ, 1)), ALLOW1("write", C0(SC_EQ, 2)), ALLOW1("write", C0(SC_EQ, 3)),
	ALLOW1("write", C0(SC_EQ, 4)),
	ALLOW1("writev", C0(SC_EQ, 1)), ALLOW1("writev", C0(SC_EQ, 2)), ALLOW1("writev", C0(SC_EQ, 3)),
	ALLOW("close"), ALLOW("close_range"), ALLOW("fstat"), ALLOW("newfstatat"), ALLOW("statx"), ALLOW("lseek"),
	ALLOW("fcntl"), ALLOW("getdents64"), ALLOW("readlink"), ALLOW("readlinkat"),
	ALLOW("faccessat"), ALLOW("faccessat2"), ALLOW("access"), ALLOW("getcwd"), ALLOW("chdir"),
	ALLOW("fchdir"), ALLOW("fadvise64"), ALLOW("dup"), ALLOW("dup2"), ALLOW("dup3"),
	/*
	 * openat2: pathres resolves beneath its roots with it; the open flags
	 * sit behind a pointer seccomp cannot read, so what it may do to a
	 * file is Landlock's decision (readonly has no write right anywhere).
	 */
	ALLOW("openat2"),
	ALLOW("munmap"), ALLOW("madvise"), ALLOW("brk"), ALLOW("mremap"),
	ALLOW("rt_sigreturn"), ALLOW("rt_sigprocmask"), ALLOW("rt_sigaction"), ALLOW("sigaltstack"),
	ALLOW("exit"), ALLOW("exit_group"), ALLOW("futex"), ALLOW("clock_gettime"),
	ALLOW("clock_getres"), ALLOW("clock_nanosleep"), ALLOW("nanosleep"), ALLOW("gettimeofday"),
	ALLOW("time"), ALLOW("getrandom"), ALLOW("getpid"), ALLOW("gettid"), ALLOW("getppid"),
	ALLOW("getuid"), ALLOW("geteuid"), ALLOW("getgid"), ALLOW("getegid"), ALLOW("uname"),
	ALLOW("sysinfo"), ALLOW("sched_getaffinity"), ALLOW("sched_yield"), ALLOW("set_robust_list"),
	ALLOW("get_robust_list"), ALLOW("rseq"), ALLOW("set_tid_address"), ALLOW("membarrier"),
	ALLOW("getrlimit"), ALLOW("poll"), ALLOW("ppoll"), ALLOW("umask"),
	/* Safe because: a Landlock-scoped child cannot signal outside its domain. */
	ALLOW("tgkill"),
	/* Reading limits only: a new limit (arg 2) must be NULL. */
	ALLOW1("prlimit64", C2(SC_EQ, 0)),
	ALLOW1("ioctl", C1(SC_EQ, P_TCGETS)), ALLOW1("ioctl", C1(SC_EQ, P_TIOCGWINSZ)),
	ALLOW1("ioctl", C1(SC_EQ, P_FIONREAD)),
	/* Threads for a parallel walker: CLONE_THREAD only, never a namespace. */
	/*
	 * (Without capabilities every CLONE_NEW* flag but NEWUSER is EPERM, and
	 * the kernel refuses CLONE_NEWUSER together with CLONE_THREAD.)
	 */
	ALLOW1("clone", M(0, P_CLONE_THREAD, P_CLONE_THREAD)),
	/* glibc tries clone3 first and falls back to clone (whose flags we see) on ENOSYS. */
	ERR("clone3", ENOSYS),
	/* Never executable file mappings in our own code. */
	ALLOW1("mmap", M(2, P_PROT_EXEC, 0)), ALLOW1("mprotect", M(2, P_PROT_EXEC, 0)),
	ALLOW1("pkey_mprotect", M(2, P_PROT_EXEC, 0)),
	/* Read-only opens: no write access mode, create, truncate, append or tmpfile. */
	ALLOW1("openat", M(2, P_O_ACCMODE | P_O_CREAT | P_O_TRUNC | P_O_APPEND | P_O_TMPFILE, 0)),
	ALLOW1("open", M(1, P_O_ACCMODE | P_O_CREAT | P_O_TRUNC | P_O_APPEND | P_O_TMPFILE, 0)),
};

/*
 * Grep's PCRE2 JIT writes machine code into anonymous memory and makes it
 * executable. Safe enough because: the code it runs is compiled from the
 * pattern by PCRE2 (not bytes from a file), file mappings stay non-exec,
 * execve is not allowed and Landlock grants no EXECUTE.
 */
static const struct sc_rule own_jit[] = {
	ALLOW1("mmap", M(3, P_MAP_ANONYMOUS, P_MAP_ANONYMOUS)),
	ALLOW("mprotect"),
};

static const struct sc_rule own_write[] = {
	/* Any access mode, but never a set-id mode on a created file (FS17). */
	ALLOW1("openat", M(3, 06000, 0)), ALLOW1("open", M(2, 06000, 0)), ALLOW1("creat", M(1, 06000, 0)),
	ALLOW("write"), ALLOW("writev"), ALLOW("pwrite64"), ALLOW("pwritev"),
	ALLOW("fsync"), ALLOW("fdatasync"), ALLOW("ftruncate"), ALLOW("fallocate"),
	ALLOW1("renameat2", C4(SC_EQ, 0)), ALLOW1("renameat2", C4(SC_EQ, P_RENAME_NOREPLACE)),
	ALLOW1("renameat2", C4(SC_EQ, P_RENAME_EXCHANGE)), ALLOW("renameat"), ALLOW("rename"),
	ALLOW1("unlinkat", C2(SC_EQ, 0)), ERR1("unlinkat", EPERM, C2(SC_EQ, P_AT_REMOVEDIR)),
	ALLOW("unlink"), ALLOW("mkdirat"), ALLOW("mkdir"),
	/* Never set-id or sticky bits. */
	ALLOW1("fchmod", M(1, 07000, 0)), ALLOW1("fchmodat", M(2, 07000, 0)),
	ALLOW1("chmod", M(1, 07000, 0)), ALLOW("utimensat"),
	ERR("linkat", EPERM), ERR("link", EPERM), ERR("symlinkat", EPERM), ERR("symlink", EPERM),
	ERR("fchown", EPERM), ERR("fchownat", EPERM), ERR("chown", EPERM), ERR("lchown", EPERM),
	ERR("mknod", EPERM), ERR("mknodat", EPERM),
};

/*
 * WebFetch child (tools/webfetch.c): libcurl and OpenSSL talk over the
 * socket the supervisor vetted, connected and passed in as fd 5
 * (runtime/session/fetch.c); the child may not make a socket of its own.
 */
static const struct sc_rule own_fetch[] = {
	/* fd 5: the passed connection (TLS libraries write() to it). */
	ALLOW1("write", C0(SC_EQ, P_PASS_FD)), ALLOW1("writev", C0(SC_EQ, P_PASS_FD)),
	/*
	 * Safe because: these act only on descriptors the child has, and the
	 * only socket it has is fd 5 (socket, socketpair, accept refused).
	 */
	ALLOW("sendto"), ALLOW("recvfrom"), ALLOW("sendmsg"), ALLOW("recvmsg"),
	ALLOW("getsockopt"), ALLOW("setsockopt"), ALLOW("getsockname"), ALLOW("getpeername"),
	ALLOW("shutdown"), ALLOW("epoll_create1"), ALLOW("epoll_ctl"), ALLOW("epoll_wait"),
	ALLOW("epoll_pwait"), ALLOW("pipe2"), ALLOW("eventfd2"),
	/*
	 * No new socket of any family: not even an anonymous AF_UNIX pair
	 * (libcurl's multi handle asks for one to wake itself and does
	 * without). EPERM, not a kill: libcurl probes and takes its fallback.
	 */
	ERR("socket", EPERM), ERR("socketpair", EPERM), ERR("bind", EPERM), ERR("listen", EPERM),
	ERR("accept", EPERM), ERR("accept4", EPERM),
	/*
	 * connect() never reaches the kernel. On fd 5 (already connected) it
	 * answers EINPROGRESS: libcurl 7.88 calls connect() even when told the
	 * socket is connected (curl#10626, fixed in 8.0), and on EINPROGRESS
	 * it waits for the socket to be writable and reads SO_ERROR, which a
	 * connected socket passes. Any other descriptor: EPERM.
	 */
	ERR1("connect", EINPROGRESS, C0(SC_EQ, P_PASS_FD)), ERR1("connect", EPERM, C0(SC_NE, P_PASS_FD)),
};

/*
 * Docker-style allowlist for exec'd programs (moby default.json), minus the
 * always-deny set (always_denied[] below; docs/sandbox.md, "Profiles").
 * Everything not listed returns EPERM.
 */
static const char *const bash_allow[] = {
	"accept", "accept4", "access", "alarm", "arch_prctl", "bind", "brk", "cachestat", "capget",
	"capset", "chdir", "chown", "clock_getres", "clock_gettime", "clock_nanosleep",
	"close", "close_range", "connect", "copy_file_range", "dup", "dup2", "dup3",
	"epoll_create", "epoll_create1", "epoll_ctl", "epoll_pwait", "epoll_pwait2", "epoll_wait",
	"eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2",
	"fadvise64", "fallocate", "fanotify_mark", "fchdir", "fchown", "fchownat", "fcntl", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork",
	"fremovexattr", "fsetxattr", "fstat", "fstatfs", "fsync", "ftruncate", "futex",
	"futex_requeue", "futex_wait", "futex_waitv", "futex_wake", "futimesat", "getcpu", "getcwd",
	"getdents", "getdents64", "getegid", "geteuid", "getgid", "getgroups", "getitimer",
	"getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom",
	"getresgid", "getresuid", "getrlimit", "get_robust_list", "getrusage", "getsid",
	"getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday", "getuid",
	"getxattr", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch",
	"io_cancel", "io_destroy", "io_getevents", "io_pgetevents", "ioprio_get", "ioprio_set",
	"io_setup", "io_submit", "kill", "landlock_add_rule", "landlock_create_ruleset",
	"landlock_restrict_self", "lchown", "lgetxattr", "link", "linkat", "listen", "listxattr",
	"llistxattr", "lremovexattr", "lseek", "lsetxattr", "lstat", "madvise", "map_shadow_stack",
	"membarrier", "memfd_create", "mincore", "mkdir", "mkdirat", "mlock",
	"mlock2", "mlockall", "mmap", "mprotect", "mq_getsetattr", "mq_notify", "mq_open",
	"mq_timedreceive", "mq_timedsend", "mq_unlink", "mremap", "mseal", "msgctl", "msgget",
	"msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap", "nanosleep", "newfstatat",
	"pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2",
	"pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll", "prctl", "pread64", "preadv",
	"preadv2", "prlimit64", "process_mrelease", "pselect6", "pwrite64", "pwritev", "pwritev2",
	"read", "readahead", "readlink", "readlinkat", "readv", "recvfrom", "recvmmsg", "recvmsg",
	"remap_file_pages", "removexattr", "rename", "renameat", "renameat2", "restart_syscall",
	"rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo",
	"rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_tgsigqueueinfo",
	"sched_getaffinity", "sched_getattr", "sched_getparam", "sched_get_priority_max",
	"sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval",
	"sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield",
	"seccomp", "select", "semctl", "semget", "semop", "semtimedop", "sendfile", "sendmmsg",
	"sendmsg", "sendto", "setfsgid", "setfsuid", "setgid", "setgroups", "setitimer", "setpgid",
	"setpriority", "setregid", "setresgid", "setresuid", "setreuid", "setrlimit",
	"set_robust_list", "setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid",
	"setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd",
	"signalfd4", "splice", "stat", "statfs", "statx", "symlink", "symlinkat", "sync",
	"sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create",
	"timer_delete", "timer_getoverrun", "timer_gettime", "timer_settime", "timerfd_create",
	"timerfd_gettime", "timerfd_settime", "times", "tkill", "truncate", "umask", "uname",
	"unlink", "unlinkat", "utime", "utimensat", "utimes", "vfork", "vmsplice", "wait4",
	"waitid", "write", "writev", NULL,
};

/*
 * The argument-checked part of the exec filter. libseccomp (2.5) compares
 * each argument at most once per rule and lets an unconditional rule
 * override conditional ones, so "allowed except ..." rules live in a second,
 * stacked filter (exec_overlay below): the kernel runs both and the most
 * restrictive answer wins.
 */
static const struct sc_rule bash_args[] = {
	/* clone: never with a CLONE_NEW* flag (PR08); clone3 hides its flags → ENOSYS. */
	ALLOW1("clone", M(0, P_CLONE_NEW_MASK, 0)),
	ERR("clone3", ENOSYS),
	/* personality: only the harmless values Docker allows (KS09). */
	ALLOW1("personality", C0(SC_EQ, 0)), ALLOW1("personality", C0(SC_EQ, 0x8)),
	ALLOW1("personality", C0(SC_EQ, 0x20000)), ALLOW1("personality", C0(SC_EQ, 0x20008)),
	ALLOW1("personality", C0(SC_EQ, 0xffffffffull)),
	/*
	 * FS17: never set-user-ID or set-group-ID bits. A file the sandbox
	 * marks setuid (as root: setuid root) would run with those privileges
	 * when someone runs it outside the sandbox later.
	 */
	ALLOW1("chmod", M(1, 06000, 0)), ALLOW1("fchmod", M(1, 06000, 0)),
	ALLOW1("fchmodat", M(2, 06000, 0)), ALLOW1("fchmodat2", M(2, 06000, 0)),
	ALLOW1("open", M(2, 06000, 0)), ALLOW1("openat", M(3, 06000, 0)),
	ALLOW1("creat", M(1, 06000, 0)), ALLOW1("mknod", M(1, 06000, 0)),
	ALLOW1("mknodat", M(2, 06000, 0)),
	/* Restricted by the overlay (openat2 too: see ov_openat2). */
	ALLOW("ioctl"), ALLOW("socket"), ALLOW("socketpair"), ALLOW("openat2"),
};

/*
 * openat2's mode sits behind a pointer: ENOSYS makes callers fall back to
 * openat, whose mode the main filter checks. In the overlay, not the main
 * filter: the warden loads the main filter once for the whole session
 * (runtime/sandbox/warden.c, "the exec base") and every exec'd command stacks its
 * overlay on it, while the built-in tools, which resolve paths with
 * openat2 beneath their roots, stack their own filter instead.
 */
static const struct sc_rule ov_openat2[] = {
	ERR("openat2", ENOSYS),
};

/*
 * ioctl: TIOCSTI and TIOCLINUX refused with a 32-bit masked compare: the
 * kernel truncates the command to 32 bits, so TIOCSTI with high bits set
 * (CVE-2019-10063) is still TIOCSTI and must still match.
 */
static const struct sc_rule ov_ioctl[] = {
	ERR1("ioctl", EPERM, M(1, 0xffffffffull, P_TIOCSTI)),
	ERR1("ioctl", EPERM, M(1, 0xffffffffull, P_TIOCLINUX)),
};

/*
 * Inside the session's network namespace: AF_UNIX, AF_INET, AF_INET6;
 * VSOCK, ALG, NETLINK, PACKET, KEY and the rest refused. Safe because that
 * namespace holds its own loopback and nothing else (no route, no other
 * interface): an inet socket reaches only the sandbox's own 127.0.0.1, so
 * a test server can listen there and its tests reach it, and nothing leaves
 * (NW02-NW07 still fail, with ENETUNREACH or ECONNREFUSED instead). Raw and
 * packet sockets need CAP_NET_RAW, which no child holds. Without the
 * namespace (degraded mode) ov_sock_isolated_off refuses every family. The
 * network-on variant is the same list: with the egress proxy the difference
 * is the route (the warden's forwarder on that loopback), not the families.
 */
static const struct sc_rule ov_sock_inet[] = {
	ERR1("socket", EAFNOSUPPORT, C0(SC_LT, P_AF_UNIX)),
	ERR1("socket", EAFNOSUPPORT, C0(SC_EQ, 3)), ERR1("socket", EAFNOSUPPORT, C0(SC_EQ, 4)),
	ERR1("socket", EAFNOSUPPORT, C0(SC_EQ, 5)), ERR1("socket", EAFNOSUPPORT, C0(SC_EQ, 6)),
	ERR1("socket", EAFNOSUPPORT, C0(SC_EQ, 7)), ERR1("socket", EAFNOSUPPORT, C0(SC_EQ, 8)),
	ERR1("socket", EAFNOSUPPORT, C0(SC_EQ, 9)),
	ERR1("socket", EAFNOSUPPORT, C0(SC_GT, P_AF_INET6)),
	ERR1("socketpair", EAFNOSUPPORT, C0(SC_LT, P_AF_UNIX)),
	ERR1("socketpair", EAFNOSUPPORT, C0(SC_GT, P_AF_UNIX)),
};

/*
 * A function kind's zygote (runtime/sandbox/warden_zygote.h) runs under its
 * profile's filter plus what its loop needs: make a spare's pipes and hand
 * their other ends to the warden (pipe2, sendmsg; recvmsg sees its EOF),
 * fork a spare and reap it (clone without CLONE_THREAD, wait4);
 * and what the spare does before its call: a new session, PDEATHSIG,
 * a nested Landlock domain and stacking
 * f_spawned (PR_SET_SECCOMP). The spare inherits all of this; f_spawned
 * takes process creation back, so a function call stays one process.
 */
static const struct sc_rule own_zygote[] = {
	ALLOW("recvmsg"), ALLOW("sendmsg"), ALLOW("pipe2"), ALLOW("wait4"), ALLOW("setsid"),
	ALLOW1("clone", M(0, P_CLONE_THREAD | P_CLONE_NEW_MASK, 0)),
	ALLOW1("prctl", C0(SC_EQ, P_PR_SET_PDEATHSIG)), ALLOW1("prctl", C0(SC_EQ, P_PR_SET_SECCOMP)),
	ALLOW1("prctl", C0(SC_EQ, P_PR_SET_NAME)),
	/* Its own nested domain (scopes only): Landlock only ever takes rights away. */
	ALLOW("landlock_create_ruleset"), ALLOW("landlock_restrict_self"),
};

/* Stacked by every function spare of a zygote: threads only, never a process. */
static const struct sc_rule spawned_nofork[] = {
	ERR1("clone", EPERM, M(0, P_CLONE_THREAD, 0)), ERR("fork", EPERM), ERR("vfork", EPERM),
};

#define PART(a) (a)
static const struct sc_rule *const parts_readonly[] = { own_base, own_jit, NULL };
static const size_t counts_readonly[] = { N(own_base), N(own_jit) };
static const struct sc_rule *const parts_write[] = { own_base, own_write, NULL };
static const size_t counts_write[] = { N(own_base), N(own_write) };
static const struct sc_rule *const parts_compute[] = { own_base, NULL };
static const size_t counts_compute[] = { N(own_base) };
static const struct sc_rule *const parts_fetch[] = { own_base, own_fetch, NULL };
static const size_t counts_fetch[] = { N(own_base), N(own_fetch) };
/*
 * Without network and IPC namespaces (degraded mode) the host's pathname
 * unix sockets (docker.sock, the session bus, tmux, X11) and its SysV/POSIX
 * IPC objects would be reachable: refuse socket() for every family (an
 * anonymous socketpair(AF_UNIX) stays) and the IPC calls.
 */
static const struct sc_rule ov_sock_isolated_off[] = {
	ERR("socket", EAFNOSUPPORT),
	ERR1("socketpair", EAFNOSUPPORT, C0(SC_LT, P_AF_UNIX)),
	ERR1("socketpair", EAFNOSUPPORT, C0(SC_GT, P_AF_UNIX)),
	ERR("shmget", EPERM), ERR("shmat", EPERM), ERR("shmctl", EPERM), ERR("shmdt", EPERM),
	ERR("semget", EPERM), ERR("semop", EPERM), ERR("semctl", EPERM), ERR("semtimedop", EPERM),
	ERR("msgget", EPERM), ERR("msgsnd", EPERM), ERR("msgrcv", EPERM), ERR("msgctl", EPERM),
	ERR("mq_open", EPERM), ERR("mq_unlink", EPERM), ERR("mq_timedsend", EPERM),
	ERR("mq_timedreceive", EPERM), ERR("mq_notify", EPERM), ERR("mq_getsetattr", EPERM),
};

/*
 * Metadata writes (FS20): mode, owner, times, extended attributes and inode
 * flags, which Landlock does not govern. In namespaced mode every mount
 * outside the writable roots is read-only, so they get EROFS there; without
 * a mount namespace (degraded mode) nothing stops them but this.
 */
#define META_SYSCALLS(act, ...)                                                                   \
	RULE("chmod", act, __VA_ARGS__), RULE("fchmod", act, __VA_ARGS__),                       \
	RULE("fchmodat", act, __VA_ARGS__), RULE("fchmodat2", act, __VA_ARGS__),                 \
	RULE("chown", act, __VA_ARGS__), RULE("fchown", act, __VA_ARGS__),                       \
	RULE("lchown", act, __VA_ARGS__), RULE("fchownat", act, __VA_ARGS__),                    \
	RULE("utime", act, __VA_ARGS__), RULE("utimes", act, __VA_ARGS__),                       \
	RULE("futimesat", act, __VA_ARGS__), RULE("utimensat", act, __VA_ARGS__),                \
	RULE("setxattr", act, __VA_ARGS__), RULE("lsetxattr", act, __VA_ARGS__),                 \
	RULE("fsetxattr", act, __VA_ARGS__), RULE("removexattr", act, __VA_ARGS__),              \
	RULE("lremovexattr", act, __VA_ARGS__), RULE("fremovexattr", act, __VA_ARGS__)

/* FS_IOC_SETFLAGS (chattr), FS_IOC_FSSETXATTR, FS_IOC_SETVERSION: 32-bit masked, as TIOCSTI. */
#define P_FS_IOC_SETFLAGS 0x40086602
#define P_FS_IOC_FSSETXATTR 0x401c5820
#define P_FS_IOC_SETVERSION 0x40087602
#define META_IOCTLS(e)                                                \
	ERR1("ioctl", e, M(1, 0xffffffffull, P_FS_IOC_SETFLAGS)),     \
	ERR1("ioctl", e, M(1, 0xffffffffull, P_FS_IOC_FSSETXATTR)),   \
	ERR1("ioctl", e, M(1, 0xffffffffull, P_FS_IOC_SETVERSION))

/*
 * Degraded mode: the metadata syscalls of exec'd commands go to the
 * session's notifier (runtime/sandbox/warden_notify.h, SECCOMP_RET_USER_NOTIF),
 * which resolves the target itself and does the change only when it lies
 * beneath a writable root of the profile; inotify_add_watch the same way,
 * for the roots the profile may read. The inode-flag ioctls, whose fd the
 * notifier would have to vet too, are refused (ov_meta_deg).
 */
static const struct sc_rule meta_notify[] = {
	META_SYSCALLS(SC_NOTIFY, 0, 0, CMP(0, SC_EQ, 0)),
	RULE("inotify_add_watch", SC_NOTIFY, 0, 0, CMP(0, SC_EQ, 0)),
};

/* A read-only profile's exec'd command changes no metadata anywhere (not even in the workspace). */
static const struct sc_rule meta_refused[] = {
	META_SYSCALLS(SC_ERRNO, EROFS, 0, CMP(0, SC_EQ, 0)),
	META_IOCTLS(EROFS),
};

static const struct sc_rule ov_meta_deg[] = {
	META_IOCTLS(EPERM),
};

static const struct sc_rule *const parts_exec[] = { bash_args, NULL };
static const size_t counts_exec[] = { N(bash_args) };
static const struct sc_rule *const parts_ov_off[] = { ov_ioctl, ov_sock_inet, ov_openat2, NULL };
static const size_t counts_ov_off[] = { N(ov_ioctl), N(ov_sock_inet), N(ov_openat2) };
static const struct sc_rule *const parts_ov_on[] = { ov_ioctl, ov_sock_inet, ov_openat2, NULL };
static const size_t counts_ov_on[] = { N(ov_ioctl), N(ov_sock_inet), N(ov_openat2) };
static const struct sc_rule *const parts_ov_deg[] = { ov_ioctl, ov_sock_isolated_off, ov_openat2,
						       ov_meta_deg, NULL };
static const size_t counts_ov_deg[] = { N(ov_ioctl), N(ov_sock_isolated_off), N(ov_openat2),
					N(ov_meta_deg) };
static const struct sc_rule *const parts_meta_notify[] = { meta_notify, NULL };
static const size_t counts_meta_notify[] = { N(meta_notify) };
static const struct sc_rule *const parts_meta_refused[] = { meta_refused, NULL };
static const size_t counts_meta_refused[] = { N(meta_refused) };

static const struct sc_filter f_readonly = { SC_KILL, 0, parts_readonly, counts_readonly, NULL,
					     NULL, false };
static const struct sc_filter f_write = { SC_KILL, 0, parts_write, counts_write, NULL, NULL, false };
static const struct sc_filter f_compute = { SC_KILL, 0, parts_compute, counts_compute, NULL, NULL,
					    false };
static const struct sc_filter f_fetch = { SC_KILL, 0, parts_fetch, counts_fetch, NULL, NULL, false };
/* Third in the chain: the notifier's program (degraded mode), or the read-only profiles' refusals. */
static const struct sc_filter f_meta_notify = { SC_ALLOW, 0, parts_meta_notify, counts_meta_notify,
						NULL, NULL, false };
static const struct sc_filter f_meta_refused = { SC_ALLOW, 0, parts_meta_refused,
						 counts_meta_refused, NULL, NULL, false };
static const struct sc_filter ov_off = { SC_ALLOW, 0, parts_ov_off, counts_ov_off, NULL, NULL, false };
static const struct sc_filter ov_on = { SC_ALLOW, 0, parts_ov_on, counts_ov_on, NULL, NULL, false };
static const struct sc_filter ov_deg = { SC_ALLOW, 0, parts_ov_deg, counts_ov_deg, NULL,
					 &f_meta_notify, false };
static const struct sc_filter ov_off_ro = { SC_ALLOW, 0, parts_ov_off, counts_ov_off, NULL,
					    &f_meta_refused, false };
static const struct sc_filter ov_on_ro = { SC_ALLOW, 0, parts_ov_on, counts_ov_on, NULL,
					   &f_meta_refused, false };
static const struct sc_filter ov_deg_ro = { SC_ALLOW, 0, parts_ov_deg, counts_ov_deg, NULL,
					    &f_meta_refused, false };
static const struct sc_filter f_exec_off = { SC_ERRNO, EPERM, parts_exec, counts_exec, bash_allow,
					     &ov_off, true };
static const struct sc_filter f_exec_on = { SC_ERRNO, EPERM, parts_exec, counts_exec, bash_allow,
					    &ov_on, true };
static const struct sc_filter f_exec_deg = { SC_ERRNO, EPERM, parts_exec, counts_exec, bash_allow,
					     &ov_deg, true };
static const struct sc_filter f_exec_off_ro = { SC_ERRNO, EPERM, parts_exec, counts_exec,
						bash_allow, &ov_off_ro, true };
static const struct sc_filter f_exec_on_ro = { SC_ERRNO, EPERM, parts_exec, counts_exec, bash_allow,
					       &ov_on_ro, true };
static const struct sc_filter f_exec_deg_ro = { SC_ERRNO, EPERM, parts_exec, counts_exec,
						bash_allow, &ov_deg_ro, true };

static const struct sc_rule *const parts_readonly_z[] = { own_base, own_jit, own_zygote, NULL };
static const size_t counts_readonly_z[] = { N(own_base), N(own_jit), N(own_zygote) };
static const struct sc_rule *const parts_write_z[] = { own_base, own_write, own_zygote, NULL };
static const size_t counts_write_z[] = { N(own_base), N(own_write), N(own_zygote) };
static const struct sc_rule *const parts_compute_z[] = { own_base, own_zygote, NULL };
static const size_t counts_compute_z[] = { N(own_base), N(own_zygote) };
static const struct sc_rule *const parts_fetch_z[] = { own_base, own_fetch, own_zygote, NULL };
static const size_t counts_fetch_z[] = { N(own_base), N(own_fetch), N(own_zygote) };
static const struct sc_rule *const parts_spawned[] = { spawned_nofork, NULL };
static const size_t counts_spawned[] = { N(spawned_nofork) };

static const struct sc_filter f_readonly_z = { SC_KILL, 0, parts_readonly_z, counts_readonly_z,
					       NULL, NULL, false };
static const struct sc_filter f_write_z = { SC_KILL, 0, parts_write_z, counts_write_z, NULL, NULL,
					    false };
static const struct sc_filter f_compute_z = { SC_KILL, 0, parts_compute_z, counts_compute_z, NULL,
					      NULL, false };
static const struct sc_filter f_fetch_z = { SC_KILL, 0, parts_fetch_z, counts_fetch_z, NULL, NULL,
					    false };
static const struct sc_filter f_spawned = { SC_ALLOW, 0, parts_spawned, counts_spawned, NULL, NULL,
					    false };

const struct sc_filter *profile_seccomp_zygote(enum sandbox_profile p)
{
	switch (p) {
	case PROFILE_READONLY:
		return &f_readonly_z;
	case PROFILE_WRITE:
		return &f_write_z;
	case PROFILE_FETCH:
		return &f_fetch_z;
	case PROFILE_COMPUTE:
	default:
		return &f_compute_z;
	}
}

const struct sc_filter *profile_seccomp_spawned(void)
{
	return &f_spawned;
}

/*
 * The notifier (runtime/sandbox/warden_notify.h) handles bytes a command
 * chose: it runs under its own allowlist, default kill, with nothing it
 * does not need: no exec, no socket, no fork, no write but to its
 * listeners' ioctls. Its answers (the metadata changes) and the reads of
 * the caller it must make (pidfd_getfd, process_vm_readv: on the
 * always-deny list of every profile, which this is not) are all it holds.
 */
#define P_SECCOMP_IOCTL_NOTIF_RECV 0xc0502100u
#define P_SECCOMP_IOCTL_NOTIF_SEND 0xc0182101u
#define P_SECCOMP_IOCTL_NOTIF_ID_VALID 0x40082102u
static const struct sc_rule notifier_rules[] = {
	ALLOW1("ioctl", M(1, 0xffffffffull, P_SECCOMP_IOCTL_NOTIF_RECV)),
	ALLOW1("ioctl", M(1, 0xffffffffull, P_SECCOMP_IOCTL_NOTIF_SEND)),
	ALLOW1("ioctl", M(1, 0xffffffffull, P_SECCOMP_IOCTL_NOTIF_ID_VALID)),
	/* Reading limits only (glibc asks at start of some calls). */
	ALLOW1("prlimit64", C2(SC_EQ, 0)),
};
static const char *const notifier_allow[] = {
	"read", "recvmsg", "poll", "ppoll", "close", "openat", "openat2", "readlink", "readlinkat",
	"fstat", "newfstatat", "statx", "pidfd_open", "pidfd_getfd", "process_vm_readv",
	"chmod", "fchmod", "fchmodat", "fchownat", "utimensat", "setxattr", "fsetxattr",
	"removexattr", "fremovexattr", "inotify_add_watch", "mmap", "munmap", "mremap", "brk",
	"madvise", "exit", "exit_group", "rt_sigreturn", "rt_sigprocmask", "futex", "getpid",
	"gettid", "clock_gettime", "getrandom", NULL,
};
static const struct sc_rule *const parts_notifier[] = { notifier_rules, NULL };
static const size_t counts_notifier[] = { N(notifier_rules) };
static const struct sc_filter f_notifier = { SC_KILL, 0, parts_notifier, counts_notifier,
					     notifier_allow, NULL, false };

const struct sc_filter *profile_seccomp_notifier(void)
{
	return &f_notifier;
}

const struct sc_filter *profile_seccomp_exec_unisolated(void)
{
	return &f_exec_deg;
}

const struct sc_filter *profile_seccomp_exec(enum sandbox_profile p, bool net, bool isolated)
{
	bool ro = p == PROFILE_READONLY;

	if (!isolated)
		return ro ? &f_exec_deg_ro : &f_exec_deg;
	if (net)
		return ro ? &f_exec_on_ro : &f_exec_on;
	return ro ? &f_exec_off_ro : &f_exec_off;
}

const struct sc_filter *profile_seccomp(enum sandbox_profile p, bool net, bool exec)
{
	if (exec || p == PROFILE_BASH)
		return profile_seccomp_exec(p, net, true);
	switch (p) {
	case PROFILE_READONLY:
		return &f_readonly;
	case PROFILE_WRITE:
		return &f_write;
	case PROFILE_FETCH:
		return &f_fetch;
	case PROFILE_COMPUTE:
	default:
		return &f_compute;
	}
}

static const char *const always_denied[] = {
	"unshare", "setns", "mount", "umount2", "fsopen", "fsconfig", "fsmount", "fspick",
	"move_mount", "open_tree", "open_tree_attr", "mount_setattr", "pivot_root", "chroot", "bpf",
	"perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
	"keyctl", "add_key", "request_key", "kexec_load", "kexec_file_load", "init_module",
	"finit_module", "delete_module", "open_by_handle_at", "name_to_handle_at", "syslog", "acct",
	"swapon", "swapoff", "reboot", "quotactl", "quotactl_fd", "fanotify_init", "lookup_dcookie",
	"vhangup", "iopl", "ioperm", "modify_ldt", "uselib", "ptrace", "process_vm_readv",
	"process_vm_writev", "process_madvise", "pidfd_getfd", "kcmp", "settimeofday",
	"clock_settime", "clock_adjtime", "adjtimex", "mbind", "set_mempolicy", "migrate_pages",
	"move_pages", NULL,
};

const char *const *profile_always_denied(void)
{
	return always_denied;
}

/* ---- protected paths and environment ------------------------------------ */

static const char *const protected_paths[] = {
	".git/hooks", ".git/config", ".git/config.worktree", ".gitmodules", ".gitconfig",
	".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".bash_aliases", ".profile",
	".zshrc", ".zprofile", ".zshenv", ".zlogin", ".zlogout", ".envrc", ".direnv", ".vscode",
	".idea", ".devcontainer", ".claude", ".codex", ".agents", ".gemini", ".cursor", ".mcp.json",
	".ripgreprc", ".npmrc", ".pypirc", ".yarnrc", ".yarnrc.yml", ".cargo",
	".pre-commit-config.yaml", ".mise.toml", NULL,
};

static const char *const protected_dirs[] = {
	".git/hooks", ".direnv", ".vscode", ".idea", ".devcontainer", ".claude", ".codex", ".agents",
	".gemini", ".cursor", ".cargo", NULL,
};

/*
 * The policy default list of guarded names (docs/sandbox.md, "What a
 * command cannot plant for a later run"): a file or directory of one of
 * these names, at any depth, is read as configuration or run as code by
 * some program when the user later works there (opens the folder, cd's
 * into it, runs git, starts an agent or a shell), not when the user decides
 * to build. A trailing '/' marks a directory; a leading '*' a suffix.
 */
static const char *const guarded_names[] = {
	/* version control: config, hooks, hook managers */
	".git", ".gitmodules", ".gitconfig", ".husky/", ".githooks/", ".pre-commit-config.yaml",
	"lefthook.yml", ".lefthook.yml", "lefthook.yaml", ".lefthook.yaml",
	/* coding agents: settings, agents, MCP servers (cordon reads .claude/ and .mcp.json) */
	".claude/", ".codex/", ".agents/", ".gemini/", ".cursor/", ".windsurf/", ".continue/",
	".mcp.json", ".aider.conf.yml",
	/* editors: tasks that run when a folder is opened, workspace settings */
	".vscode/", ".idea/", ".devcontainer/", ".fleet/", ".zed/", "*.code-workspace", ".exrc",
	".nvim.lua",
	/* shells and per-directory environments (run on cd) */
	".bashrc", ".bash_profile", ".bash_login", ".bash_logout", ".bash_aliases", ".profile",
	".zshrc", ".zprofile", ".zshenv", ".zlogin", ".zlogout", ".envrc", ".direnv/",
	".mise.toml", ".rvmrc",
	/* package managers and tool chains */
	".npmrc", ".yarnrc", ".yarnrc.yml", ".pypirc", ".cargo/", ".ripgreprc",
	/* debuggers and REPLs that load a file from the current directory */
	".gdbinit", ".lldbinit", ".irbrc", ".pryrc",
	NULL,
};

const char *const *profile_guarded_names(void)
{
	return guarded_names;
}

bool profile_guarded_name(const char *name, size_t n)
{
	const char *const *g;

	if (!n)
		return false;
	for (g = guarded_names; *g; g++) {
		size_t k = strlen(*g);

		if ((*g)[0] == '*') {
			/* A suffix ("*.code-workspace"), any case. */
			k--;
			if (n > k && !strncasecmp(name + n - k, *g + 1, k))
				return true;
			continue;
		}
		if ((*g)[k - 1] == '/')
			k--;
		/* Any case: a case-folding filesystem opens .VSCODE as .vscode. */
		if (n == k && !strncasecmp(name, *g, k))
			return true;
	}
	return false;
}

bool profile_guarded_path(const char *rel)
{
	const char *p = rel;

	while (*p) {
		const char *seg;
		size_t n;

		while (*p == '/')
			p++;
		seg = p;
		while (*p && *p != '/')
			p++;
		n = (size_t)(p - seg);
		if (profile_guarded_name(seg, n))
			return true;
	}
	return false;
}

const char *const *profile_protected_paths(void)
{
	return protected_paths;
}

bool profile_protected_is_dir(const char *path)
{
	const char *const *p;

	for (p = protected_dirs; *p; p++)
		if (!strcmp(*p, path))
			return true;
	return false;
}

bool profile_path_protected(const char *rel)
{
	const char *const *p;

	while (rel[0] == '.' && rel[1] == '/')
		rel += 2;
	for (p = protected_paths; *p; p++) {
		size_t n = strlen(*p);

		if (!strncmp(rel, *p, n) && (rel[n] == '\0' || rel[n] == '/'))
			return true;
	}
	return false;
}

static const char *const env_allow[] = {
	"PATH", "HOME", "LANG", "LANGUAGE", "TERM", "TZ", "USER", "LOGNAME", "SHELL", "COLUMNS",
	"LINES", "SOURCE_DATE_EPOCH", NULL,
};
static const char *const env_allow_prefix[] = { "LC_", NULL };
/*
 * Not secrets, though "AUTH" is in their names: who commits (git inside
 * Bash needs an identity, and the sandbox's HOME has no ~/.gitconfig).
 */
static const char *const env_allow_exact[] = {
	"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", NULL,
};
/* Substrings (case-insensitive) that mark a secret, and refused prefixes. */
static const char *const env_secret_sub[] = {
	"KEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH", "COOKIE", "SESSION",
	NULL,
};
static const char *const env_deny_prefix[] = {
	"AWS_", "GOOGLE_", "AZURE_", "GITHUB_", "GH_", "SSH_", "GPG_", "DBUS_", "XDG_RUNTIME",
	"DOCKER_", "KUBE", "ANTHROPIC_", "OPENAI_", "CORDON_", "LD_", NULL,
};

static bool icontains(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i, j;

	for (i = 0; hay[i]; i++) {
		for (j = 0; j < n && hay[i + j]; j++)
			if (toupper((unsigned char)hay[i + j]) != needle[j])
				break;
		if (j == n)
			return true;
	}
	return false;
}

static bool iprefix(const char *s, const char *prefix)
{
	for (; *prefix; s++, prefix++)
		if (toupper((unsigned char)*s) != *prefix)
			return false;
	return true;
}

bool profile_env_allowed(const char *name)
{
	const char *const *p;
	bool listed = false;

	if (!name || !*name || strchr(name, '='))
		return false;
	for (p = env_allow_exact; *p; p++)
		if (!strcmp(name, *p))
			return true;
	for (p = env_secret_sub; *p; p++)
		if (icontains(name, *p))
			return false;
	for (p = env_deny_prefix; *p; p++)
		if (iprefix(name, *p))
			return false;
	for (p = env_allow; *p && !listed; p++)
		listed = !strcmp(name, *p);
	for (p = env_allow_prefix; *p && !listed; p++)
		listed = !strncmp(name, *p, strlen(*p));
	return listed;
}

static const char *const env_defaults[] = {
	"TERM=dumb", "PAGER=cat", "GIT_PAGER=cat", "CI=1", "GIT_TERMINAL_PROMPT=0",
	"NO_COLOR=1", NULL,
};

const char *const *profile_env_defaults(void)
{
	return env_defaults;
}

/* ---- limits -------------------------------------------------------------- */

#define MiB (1024ull * 1024ull)
#define GiB (1024ull * MiB)

/*
 * cordon's own tool code is bounded by RLIMIT_CPU, PCRE2's match limits and
 * the walker's caps; its cpu quota only has to stop a call from taking more
 * than the parallelism it was built for: Grep and Glob walk with up to 16
 * threads (tools/walk.h WALK_MAX_THREADS), so the quota is 16 CPUs. A quota
 * of one CPU throttled every search on a multi-core machine.
 */
static const struct profile_limits lim_own = {
	.nproc = 256, .fsize = 1 * GiB, .nofile = 256, .cpu_s = 300, .memlock = 0,
	.msgqueue = 0, .mem_bytes = 2 * GiB, .pids = 64, .cpu_pct = 1600,
};
static const struct profile_limits lim_bash = {
	.nproc = 512, .fsize = 4 * GiB, .nofile = 1024, .cpu_s = 3600, .memlock = 64 * 1024,
	.msgqueue = 0, .mem_bytes = 4 * GiB, .pids = 512, .cpu_pct = 200,
};

const struct profile_limits *profile_default_limits(enum sandbox_profile p)
{
	return p == PROFILE_BASH ? &lim_bash : &lim_own;
}
