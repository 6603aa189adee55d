/*
 * probe — perform ONE attack primitive and say what the kernel answered.
 *
 *	probe NAME [ARGS...]        probe --list
 *
 * The escape battery (tests/escape/) runs every probe twice: directly, where
 * it must work (that proves the probe is sound), and inside `cordon sandbox`,
 * where it must be refused. The technique is bubblewrap's tests/try-syscall.c:
 * arguments are harmless (bad pointers, fd -1, our own files), so a call the
 * sandbox lets through either succeeds without lasting effect or fails with
 * EFAULT/EBADF/EINVAL ("reached": the kernel looked at the arguments, so the
 * filter did not stop it), and a filtered one fails with EPERM/EACCES/ENOSYS.
 *
 * Output is exactly one line on stdout, in one of three forms:
 *	NAME ok[ DETAIL]                   the primitive worked          exit 0
 *	NAME reached errno=EFAULT[ DETAIL] the syscall got past filters  exit 0
 *	NAME denied errno=EPERM[ DETAIL]   the primitive was refused     exit 1
 * and `NAME error: WHY` with exit 2 when the probe itself could not be set up
 * (bad arguments). A probe killed by the kernel (SIGSYS from a seccomp
 * KILL_PROCESS, SIGKILL from the OOM killer, SIGXFSZ) prints nothing more:
 * the caller sees the signal in the exit status.
 *
 * Probes that the test must verify from outside (network, writes) leave the
 * evidence where the test can see it: a connection in the listener's log, a
 * line appended to the target file.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <linux/bpf.h>
#include <linux/fs.h>
#include <linux/if_alg.h>
#include <linux/io_uring.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <linux/userfaultfd.h>
#include <linux/vm_sockets.h>
#include <netinet/in.h>
#include <sys/inotify.h>
#include <sys/klog.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <termios.h>

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef AF_ALG
#define AF_ALG 38
#endif
#ifndef KEY_SPEC_PROCESS_KEYRING
#define KEY_SPEC_PROCESS_KEYRING -2
#endif
#ifndef KEY_SPEC_USER_KEYRING
#define KEY_SPEC_USER_KEYRING -4
#endif
#ifndef KEYCTL_GET_KEYRING_ID
#define KEYCTL_GET_KEYRING_ID 0
#endif
#define X32_SYSCALL_BIT 0x40000000L
#define I386_NR_GETPID 20L

enum verdict { V_OK, V_REACHED, V_DENIED, V_ERROR };

struct outcome {
	enum verdict v;
	int err;          /* errno for REACHED/DENIED */
	char detail[256]; /* optional, one line */
};

struct probe {
	const char *name;
	int min_args;
	const char *args;
	const char *help;
	void (*run)(struct outcome *o, int argc, char **argv);
};

/* ---- outcome helpers ---------------------------------------------------- */

static void set_detail(struct outcome *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_detail(struct outcome *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->detail, sizeof(o->detail), fmt, ap);
	va_end(ap);
}

static void ok(struct outcome *o) { o->v = V_OK; }

static void denied(struct outcome *o, int err)
{
	o->v = V_DENIED;
	o->err = err;
}

/* A syscall whose outcome follows the try-syscall rule: success is "ok",
 * an argument error means the call reached the kernel, anything else
 * (EPERM, EACCES, ENOSYS, EAFNOSUPPORT...) is a refusal. */
static void judge(struct outcome *o, long rc, int err)
{
	if (rc >= 0) {
		o->v = V_OK;
		return;
	}
	switch (err) {
	case EFAULT:
	case EBADF:
	case EINVAL:
	case ENOENT:
	case ENOTDIR:
	case E2BIG:
		o->v = V_REACHED;
		o->err = err;
		break;
	default:
		denied(o, err);
	}
}

static void setup_error(struct outcome *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void setup_error(struct outcome *o, const char *fmt, ...)
{
	va_list ap;

	o->v = V_ERROR;
	va_start(ap, fmt);
	vsnprintf(o->detail, sizeof(o->detail), fmt, ap);
	va_end(ap);
}

static bool parse_long(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 0);
	return errno == 0 && end != s && *end == '\0';
}

/* "parent" means getppid(); otherwise a number. */
static bool parse_pid(const char *s, pid_t *out)
{
	long v;

	if (strcmp(s, "parent") == 0) {
		*out = getppid();
		return true;
	}
	if (!parse_long(s, &v) || v < -1 || v > INT_MAX)
		return false;
	*out = (pid_t)v;
	return true;
}

/* judge() the call's result with the errno it left (argument order would
 * not guarantee that). */
#define TRY(o, call)                         \
	do {                                 \
		long rc_ = (long)(call);     \
		judge((o), rc_, errno);      \
	} while (0)

/* A pointer the kernel can never copy from: the try-syscall trick. */
#define BAD_PTR ((void *)1)

/* ---- filesystem --------------------------------------------------------- */

static void p_hello(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	set_detail(o, "uid=%d euid=%d pid=%d", (int)getuid(), (int)geteuid(), (int)getpid());
	ok(o);
}

static void p_read(struct outcome *o, int argc, char **argv)
{
	char buf[64];
	ssize_t n;
	int fd;

	(void)argc;
	fd = open(argv[0], O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return denied(o, errno);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return denied(o, errno);
	set_detail(o, "bytes=%zd", n);
	ok(o);
}

static void p_write(struct outcome *o, int argc, char **argv)
{
	static const char line[] = "cordon-probe-was-here\n";
	ssize_t n;
	int fd;

	(void)argc;
	fd = open(argv[0], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0)
		return denied(o, errno);
	n = write(fd, line, sizeof(line) - 1);
	if (n < 0) {
		int e = errno;
		close(fd);
		return denied(o, e);
	}
	close(fd);
	ok(o);
}

/* Open for writing without writing: enough to show the permission. */
static void p_openw(struct outcome *o, int argc, char **argv)
{
	int fd;

	(void)argc;
	fd = open(argv[0], O_WRONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return denied(o, errno);
	close(fd);
	ok(o);
}

static void p_link(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	if (link(argv[0], argv[1]) < 0)
		return denied(o, errno);
	ok(o);
}

static void p_rename(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	if (rename(argv[0], argv[1]) < 0)
		return denied(o, errno);
	ok(o);
}

static void p_mkdir(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	if (mkdir(argv[0], 0755) < 0)
		return denied(o, errno);
	ok(o);
}

static void p_mknod(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	/* 1:3 is /dev/null: a device node the caller controls is the attack,
	 * whatever the numbers. */
	if (mknod(argv[0], S_IFCHR | 0666, makedev(1, 3)) < 0)
		return denied(o, errno);
	ok(o);
}

static void p_chmod_suid(struct outcome *o, int argc, char **argv)
{
	struct stat st;

	(void)argc;
	if (chmod(argv[0], 04755) < 0)
		return denied(o, errno);
	/* A filter may return success without acting; believe the inode. */
	if (stat(argv[0], &st) < 0)
		return denied(o, errno);
	if (!(st.st_mode & S_ISUID)) {
		set_detail(o, "mode=%o after chmod", (unsigned)(st.st_mode & 07777));
		return denied(o, EPERM);
	}
	ok(o);
}

/*
 * Metadata writes that change nothing: the file's own mode, owner, times,
 * flags set again (FS20). The kernel checks the permission (and, for a
 * read-only mount, EROFS) all the same, so "ok" proves the sandbox let a
 * metadata write through, without altering the target. The inode's ctime
 * moves; nothing else does. "how" picks the syscall family.
 */
static void meta_same(struct outcome *o, const char *path, const char *how)
{
	struct stat st;
	long rc;

	if (lstat(path, &st) < 0)
		return denied(o, errno);
	if (!strcmp(how, "chmod")) {
		rc = chmod(path, st.st_mode & 07777);
	} else if (!strcmp(how, "chown")) {
		rc = lchown(path, st.st_uid, st.st_gid);
	} else if (!strcmp(how, "utimes")) {
		struct timespec ts[2] = { st.st_atim, st.st_mtim };

		rc = utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW);
	} else if (!strcmp(how, "fchmod")) {
		/* The fd-based form, on a descriptor opened for reading only. */
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

		if (fd < 0)
			return denied(o, errno);
		rc = fchmod(fd, st.st_mode & 07777);
		if (rc < 0) {
			int e = errno;

			close(fd);
			errno = e;
		} else {
			close(fd);
		}
	} else if (!strcmp(how, "fchownat")) {
		/* An O_PATH descriptor (no Landlock check to open one) and AT_EMPTY_PATH. */
		int fd = open(path, O_PATH | O_CLOEXEC);

		if (fd < 0)
			return denied(o, errno);
		rc = fchownat(fd, "", st.st_uid, st.st_gid, AT_EMPTY_PATH);
		if (rc < 0) {
			int e = errno;

			close(fd);
			errno = e;
		} else {
			close(fd);
		}
	} else if (!strcmp(how, "xattr")) {
		/* A user.* attribute set and removed again. */
		rc = lsetxattr(path, "user.cordon-probe", "1", 1, 0);
		if (rc == 0)
			lremovexattr(path, "user.cordon-probe");
	} else if (!strcmp(how, "setflags")) {
		/* chattr: FS_IOC_SETFLAGS with the flags the file already has. */
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK), flags = 0;

		if (fd < 0)
			return denied(o, errno);
		if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0) {
			int e = errno;

			close(fd);
			return setup_error(o, "FS_IOC_GETFLAGS: %s", strerror(e));
		}
		rc = ioctl(fd, FS_IOC_SETFLAGS, &flags);
		if (rc < 0) {
			int e = errno;

			close(fd);
			errno = e;
		} else {
			close(fd);
		}
	} else {
		return setup_error(o, "unknown metadata call '%s'", how);
	}
	if (rc < 0)
		return denied(o, errno);
	set_detail(o, "%s %s", how, path);
	ok(o);
}

static void p_meta(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	meta_same(o, argv[1], argv[0]);
}

/* Watch a directory with inotify: the names of what is created there would leak (IL11). */
static void p_inotify(struct outcome *o, int argc, char **argv)
{
	int fd, wd;

	(void)argc;
	fd = inotify_init1(IN_CLOEXEC);
	if (fd < 0)
		return denied(o, errno);
	wd = inotify_add_watch(fd, argv[0], IN_CREATE | IN_DELETE | IN_MOVED_TO);
	if (wd < 0) {
		int e = errno;

		close(fd);
		return denied(o, e);
	}
	close(fd);
	set_detail(o, "wd=%d", wd);
	ok(o);
}

/* Remount a mount point read-write (mount -o remount,bind,rw PATH). */
static void p_remount(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	if (mount(NULL, argv[0], NULL, MS_REMOUNT | MS_BIND, NULL) < 0)
		return denied(o, errno);
	ok(o);
}

static int write_file(const char *path, const char *s)
{
	size_t len = strlen(s);
	int fd, rc = -1;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write(fd, s, len) == (ssize_t)len)
		rc = 0;
	close(fd);
	return rc;
}

/* unshare -rm sh -c 'mount -o remount,bind,rw /' (FS16, docs/threats.md). Everything
 * happens in a private user and mount namespace, so the host is untouched. */
static void p_userns_remount(struct outcome *o, int argc, char **argv)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();

	(void)argc;
	(void)argv;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		return denied(o, errno);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
	if (write_file("/proc/self/setgroups", "deny") < 0 || write_file("/proc/self/uid_map", map) < 0)
		return denied(o, errno);
	snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
	if (write_file("/proc/self/gid_map", map) < 0)
		return denied(o, errno);
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return denied(o, errno);
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND, NULL) < 0)
		return denied(o, errno);
	ok(o);
}

static void p_make_handle(struct outcome *o, int argc, char **argv)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} h;
	char hex[2 * MAX_HANDLE_SZ + 1];
	int mount_id;

	(void)argc;
	h.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, argv[0], &h.fh, &mount_id, 0) < 0)
		return setup_error(o, "name_to_handle_at '%s': %s", argv[0], strerror(errno));
	for (unsigned i = 0; i < h.fh.handle_bytes; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)h.fh.f_handle[i]);
	set_detail(o, "%d:%s", h.fh.handle_type, hex);
	ok(o);
}

/* The "Shocker" escape: open a file by its handle, bypassing every path
 * check. TYPE:HEX comes from `probe make-handle` run outside; MOUNTPATH is
 * any path on the same filesystem. */
static void p_open_by_handle(struct outcome *o, int argc, char **argv)
{
	union {
		struct file_handle fh;
		char buf[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} h;
	const char *hex;
	char *colon;
	long type;
	size_t n;
	char buf[64];
	int mfd, fd;
	ssize_t got;

	(void)argc;
	colon = strchr(argv[1], ':');
	if (!colon)
		return setup_error(o, "handle must be TYPE:HEX");
	*colon = '\0';
	hex = colon + 1;
	n = strlen(hex) / 2;
	if (!parse_long(argv[1], &type) || n == 0 || n > MAX_HANDLE_SZ || strlen(hex) % 2)
		return setup_error(o, "bad handle");
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return setup_error(o, "bad handle hex");
		h.fh.f_handle[i] = (unsigned char)v;
	}
	h.fh.handle_bytes = (unsigned)n;
	h.fh.handle_type = (int)type;
	mfd = open(argv[0], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		mfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return denied(o, errno);
	fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_CLOEXEC);
	close(mfd);
	if (fd < 0)
		return denied(o, errno);
	got = read(fd, buf, sizeof(buf));
	close(fd);
	set_detail(o, "bytes=%zd", got);
	ok(o);
}

/* ---- network ------------------------------------------------------------ */

/* After a successful connect: read until the peer closes (at most 2 s), so
 * a listener that logs each connection before closing it has logged ours by
 * the time we exit. */
static void drain_until_close(int fd)
{
	struct timeval tv = {2, 0};
	char buf[64];

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static int parse_inet(const char *ip, const char *port, struct sockaddr_storage *ss, socklen_t *len)
{
	long p;
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (!parse_long(port, &p) || p < 1 || p > 65535)
		return -1;
	if (inet_pton(AF_INET, ip, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)p);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*in6);
		return 0;
	}
	return -1;
}

static void p_tcp_connect(struct outcome *o, int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	(void)argc;
	if (parse_inet(argv[0], argv[1], &ss, &len) < 0)
		return setup_error(o, "bad address '%s' port '%s'", argv[0], argv[1]);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		set_detail(o, "at socket()");
		return denied(o, errno);
	}
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		int e = errno;
		close(fd);
		set_detail(o, "at connect()");
		return denied(o, e);
	}
	drain_until_close(fd);
	close(fd);
	ok(o);
}

/* A UDP datagram: an NXDOMAIN-style DNS query for probe.invalid when PORT is
 * 53, a plain marker otherwise. sendto() success only says it left; the test
 * checks a host-side listener's log for arrival. */
static void p_udp_send(struct outcome *o, int argc, char **argv)
{
	static const unsigned char dnsq[] = {
		0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		5, 'p', 'r', 'o', 'b', 'e', 7, 'i', 'n', 'v', 'a', 'l', 'i', 'd', 0,
		0x00, 0x01, 0x00, 0x01};
	static const char marker[] = "cordon-probe-udp\n";
	struct sockaddr_storage ss;
	socklen_t len;
	const void *msg = marker;
	size_t msglen = sizeof(marker) - 1;
	int fd;

	(void)argc;
	if (parse_inet(argv[0], argv[1], &ss, &len) < 0)
		return setup_error(o, "bad address '%s' port '%s'", argv[0], argv[1]);
	if (strcmp(argv[1], "53") == 0) {
		msg = dnsq;
		msglen = sizeof(dnsq);
	}
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		set_detail(o, "at socket()");
		return denied(o, errno);
	}
	if (sendto(fd, msg, msglen, 0, (struct sockaddr *)&ss, len) < 0) {
		int e = errno;
		close(fd);
		set_detail(o, "at sendto()");
		return denied(o, e);
	}
	close(fd);
	ok(o);
}

/* A datagram that must come back: the listener echoes each one, so "ok"
 * means it arrived (inside an empty network namespace a datagram to
 * 127.0.0.1 is "sent" and goes nowhere). Waits 1 s for the echo. */
static void p_udp_echo(struct outcome *o, int argc, char **argv)
{
	static const char marker[] = "cordon-probe-udp";
	struct sockaddr_storage ss;
	struct timeval tv = {1, 0};
	socklen_t len;
	char buf[64];
	int fd;

	(void)argc;
	if (parse_inet(argv[0], argv[1], &ss, &len) < 0)
		return setup_error(o, "bad address '%s' port '%s'", argv[0], argv[1]);
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		set_detail(o, "at socket()");
		return denied(o, errno);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&ss, len) < 0 || send(fd, marker, sizeof(marker) - 1, 0) < 0) {
		int e = errno;
		close(fd);
		set_detail(o, "at send()");
		return denied(o, e);
	}
	if (recv(fd, buf, sizeof(buf), 0) < 0) {
		int e = errno;
		close(fd);
		set_detail(o, "no echo");
		return denied(o, e == EAGAIN ? ETIMEDOUT : e);
	}
	close(fd);
	ok(o);
}

/* Name resolution through libc (nsswitch, resolv.conf). */
static void p_resolve(struct outcome *o, int argc, char **argv)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	int rc;

	(void)argc;
	rc = getaddrinfo(argv[0], NULL, &hints, &res);
	if (rc != 0) {
		set_detail(o, "getaddrinfo: %s", gai_strerror(rc));
		return denied(o, rc == EAI_SYSTEM ? errno : EHOSTUNREACH);
	}
	freeaddrinfo(res);
	ok(o);
}

struct sock_kind {
	const char *name;
	int family, type, protocol;
};

static const struct sock_kind sock_kinds[] = {
	{"inet-udp", AF_INET, SOCK_DGRAM, 0},
	{"inet-tcp", AF_INET, SOCK_STREAM, 0},
	{"inet6-tcp", AF_INET6, SOCK_STREAM, 0},
	{"raw", AF_INET, SOCK_RAW, IPPROTO_ICMP},
	{"packet", AF_PACKET, SOCK_RAW, 0},
	{"vsock", AF_VSOCK, SOCK_STREAM, 0},
	{"alg", AF_ALG, SOCK_SEQPACKET, 0},
	{"netlink-route", AF_NETLINK, SOCK_RAW, NETLINK_ROUTE},
	{"netlink-audit", AF_NETLINK, SOCK_RAW, NETLINK_AUDIT},
	{"netlink-netfilter", AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER},
	{"netlink-uevent", AF_NETLINK, SOCK_RAW, NETLINK_KOBJECT_UEVENT},
	{"netlink-xfrm", AF_NETLINK, SOCK_RAW, NETLINK_XFRM},
	{"key", 15 /* AF_KEY */, SOCK_RAW, 2 /* PF_KEY_V2 */},
	{"bluetooth", 31 /* AF_BLUETOOTH */, SOCK_RAW, 0},
};

static void p_socket(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	for (size_t i = 0; i < sizeof(sock_kinds) / sizeof(sock_kinds[0]); i++) {
		const struct sock_kind *k = &sock_kinds[i];
		int fd;

		if (strcmp(argv[0], k->name) != 0)
			continue;
		set_detail(o, "kind=%s", k->name);
		fd = socket(k->family, k->type | SOCK_CLOEXEC, k->protocol);
		if (fd < 0)
			return denied(o, errno);
		close(fd);
		return ok(o);
	}
	setup_error(o, "unknown socket kind '%s'", argv[0]);
}

/* ---- unix sockets and IPC ----------------------------------------------- */

static void unix_connect(struct outcome *o, const char *name, bool abstract)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	socklen_t len;
	int fd;

	if (n + 1 >= sizeof(sun.sun_path))
		return setup_error(o, "socket name too long");
	if (abstract) {
		memcpy(sun.sun_path + 1, name, n);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	} else {
		memcpy(sun.sun_path, name, n + 1);
		len = sizeof(sun);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		set_detail(o, "at socket()");
		return denied(o, errno);
	}
	if (connect(fd, (struct sockaddr *)&sun, len) < 0) {
		int e = errno;
		close(fd);
		set_detail(o, "at connect()");
		return denied(o, e);
	}
	drain_until_close(fd);
	close(fd);
	ok(o);
}

static void p_unix_connect(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	unix_connect(o, argv[0], false);
}

static void p_abstract_connect(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	unix_connect(o, argv[0], true);
}

/* Use a descriptor the caller may have leaked to us (fd N). */
static void p_fd_read(struct outcome *o, int argc, char **argv)
{
	char buf[64];
	long fd;
	ssize_t n;

	(void)argc;
	if (!parse_long(argv[0], &fd) || fd < 0 || fd > INT_MAX)
		return setup_error(o, "bad fd '%s'", argv[0]);
	n = pread((int)fd, buf, sizeof(buf), 0);
	if (n < 0 && errno == ESPIPE)
		n = read((int)fd, buf, sizeof(buf));
	if (n < 0)
		return denied(o, errno);
	set_detail(o, "bytes=%zd", n);
	ok(o);
}

/* Every fd above 2 that is open: the leaked-descriptor inventory. */
static void p_fds(struct outcome *o, int argc, char **argv)
{
	DIR *d;
	struct dirent *e;
	size_t used = 0;
	int n = 0;

	(void)argc;
	(void)argv;
	d = opendir("/proc/self/fd");
	if (!d)
		return denied(o, errno);
	while ((e = readdir(d)) != NULL) {
		long fd;
		if (!parse_long(e->d_name, &fd) || fd <= 2 || fd == dirfd(d))
			continue;
		n++;
		if (used < sizeof(o->detail) - 16)
			used += (size_t)snprintf(o->detail + used, sizeof(o->detail) - used, "%s%ld",
						 used ? "," : "fds=", fd);
	}
	closedir(d);
	if (n == 0)
		return denied(o, EBADF);
	ok(o);
}

static void p_shm_attach(struct outcome *o, int argc, char **argv)
{
	long key;
	int id;

	(void)argc;
	if (!parse_long(argv[0], &key))
		return setup_error(o, "bad key '%s'", argv[0]);
	id = shmget((key_t)key, 0, 0);
	if (id < 0)
		return denied(o, errno);
	set_detail(o, "shmid=%d", id);
	ok(o);
}

/* ---- privileges and processes ------------------------------------------- */

/* Read "Field:\tvalue" from /proc/self/status into out. */
static int status_field(const char *field, char *out, size_t outlen)
{
	char line[256];
	size_t flen = strlen(field);
	FILE *f = fopen("/proc/self/status", "re");
	int rc = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			char *v = line + flen + 1;
			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			snprintf(out, outlen, "%s", v);
			rc = 0;
			break;
		}
	}
	fclose(f);
	return rc;
}

/* Does the process hold any capability in the sets named (hex masks from
 * /proc/self/status)? */
static void caps_in(struct outcome *o, const char *const *sets, size_t n)
{
	char v[64];
	size_t used = 0;
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		if (status_field(sets[i], v, sizeof(v)) < 0)
			return setup_error(o, "no %s in /proc/self/status", sets[i]);
		if (strtoull(v, NULL, 16) != 0)
			any = true;
		used += (size_t)snprintf(o->detail + used, sizeof(o->detail) - used, "%s%s=%s",
					 i ? " " : "", sets[i], v);
	}
	if (!any)
		return denied(o, EPERM);
	ok(o);
}

/* A capability we can use now or get back: effective, permitted,
 * inheritable, ambient. */
static void p_caps(struct outcome *o, int argc, char **argv)
{
	static const char *const sets[] = {"CapEff", "CapPrm", "CapInh", "CapAmb"};

	(void)argc;
	(void)argv;
	caps_in(o, sets, 4);
}

/* The bounding set: what an exec of a file with capabilities could grant. */
static void p_caps_bounding(struct outcome *o, int argc, char **argv)
{
	static const char *const sets[] = {"CapBnd"};

	(void)argc;
	(void)argv;
	caps_in(o, sets, 1);
}

/* "ok" when NoNewPrivs is off: a setuid exec could raise privileges. */
static void p_nnp_off(struct outcome *o, int argc, char **argv)
{
	int r;

	(void)argc;
	(void)argv;
	r = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	if (r < 0)
		return denied(o, errno);
	set_detail(o, "NoNewPrivs=%d", r);
	if (r == 1)
		return denied(o, EPERM);
	ok(o);
}

/* "ok" when no seccomp filter confines us. */
static void p_seccomp_off(struct outcome *o, int argc, char **argv)
{
	char v[32];

	(void)argc;
	(void)argv;
	if (status_field("Seccomp", v, sizeof(v)) < 0)
		return setup_error(o, "no Seccomp in /proc/self/status");
	set_detail(o, "Seccomp=%s", v);
	if (strcmp(v, "0") != 0)
		return denied(o, EPERM);
	ok(o);
}

/* After exec of a setuid-root copy: did the set-user-ID bit take effect? */
static void p_euid_root(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	set_detail(o, "uid=%d euid=%d", (int)getuid(), (int)geteuid());
	if (geteuid() != 0 || getuid() == 0)
		return denied(o, EPERM);
	ok(o);
}

static void p_setuid(struct outcome *o, int argc, char **argv)
{
	long uid;

	(void)argc;
	if (!parse_long(argv[0], &uid) || uid < 0)
		return setup_error(o, "bad uid '%s'", argv[0]);
	if (setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0)
		return denied(o, errno);
	ok(o);
}

/* Open another process's memory for writing (/proc/PID/mem): the runc and
 * "write the supervisor's memory" class. Nothing is written. */
static void p_mem_open(struct outcome *o, int argc, char **argv)
{
	char path[64];
	pid_t pid;
	int fd;

	(void)argc;
	if (!parse_pid(argv[0], &pid) || pid <= 0)
		return setup_error(o, "bad pid '%s'", argv[0]);
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	set_detail(o, "pid=%d", (int)pid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return denied(o, errno);
	close(fd);
	ok(o);
}

/* Write our pid into a cgroup.procs file: leave the call's cgroup (and its
 * limits) for another one. */
static void p_write_pid(struct outcome *o, int argc, char **argv)
{
	char pid[32];
	int fd;
	ssize_t n;

	(void)argc;
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	fd = open(argv[0], O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return denied(o, errno);
	n = write(fd, pid, strlen(pid));
	if (n < 0) {
		int e = errno;
		close(fd);
		return denied(o, e);
	}
	close(fd);
	ok(o);
}

/* PTRACE_SEIZE does not stop the tracee; our exit detaches it. */
static void p_ptrace(struct outcome *o, int argc, char **argv)
{
	pid_t pid;

	(void)argc;
	if (!parse_pid(argv[0], &pid) || pid <= 0)
		return setup_error(o, "bad pid '%s'", argv[0]);
	set_detail(o, "pid=%d", (int)pid);
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0)
		return denied(o, errno);
	ok(o);
}

static void p_traceme(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
		return denied(o, errno);
	ok(o);
}

static void p_vm_read(struct outcome *o, int argc, char **argv)
{
	char buf[16];
	struct iovec local = {buf, sizeof(buf)}, remote;
	unsigned long long addr;
	pid_t pid;
	char *end;

	(void)argc;
	if (!parse_pid(argv[0], &pid) || pid <= 0)
		return setup_error(o, "bad pid '%s'", argv[0]);
	errno = 0;
	addr = strtoull(argv[1], &end, 16);
	if (errno || *end)
		return setup_error(o, "bad address '%s'", argv[1]);
	remote.iov_base = (void *)(uintptr_t)addr;
	remote.iov_len = sizeof(buf);
	if (process_vm_readv(pid, &local, 1, &remote, 1, 0) < 0)
		return denied(o, errno);
	ok(o);
}

/* Steal the target's fd 0 through a pidfd (needs ptrace-attach rights). */
static void p_pidfd_getfd(struct outcome *o, int argc, char **argv)
{
	pid_t pid;
	int pfd, fd;

	(void)argc;
	if (!parse_pid(argv[0], &pid) || pid <= 0)
		return setup_error(o, "bad pid '%s'", argv[0]);
	pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pfd < 0) {
		set_detail(o, "at pidfd_open()");
		return denied(o, errno);
	}
	fd = (int)syscall(SYS_pidfd_getfd, pfd, 0, 0);
	if (fd < 0) {
		int e = errno;
		close(pfd);
		set_detail(o, "at pidfd_getfd()");
		return denied(o, e);
	}
	close(fd);
	close(pfd);
	ok(o);
}

/* Signal 0: permission and existence only, nothing is delivered. */
static void p_kill(struct outcome *o, int argc, char **argv)
{
	pid_t pid;

	(void)argc;
	if (!parse_pid(argv[0], &pid) || pid == 0)
		return setup_error(o, "bad pid '%s'", argv[0]);
	set_detail(o, "pid=%d", (int)pid);
	if (kill(pid, 0) < 0)
		return denied(o, errno);
	ok(o);
}

/* Push one harmless byte into the terminal's input queue. With "high" the
 * request has bits set above 32 (CVE-2019-10063): the kernel truncates the
 * command to 32 bits, a filter comparing all 64 does not. */
static void p_tiocsti(struct outcome *o, int argc, char **argv)
{
	unsigned long req = TIOCSTI;
	char c = ' ';
	int fd = -1, err = ENOTTY;
	bool own = false;

	if (argc > 0 && strcmp(argv[0], "high") == 0)
		req |= 0x100000000UL;
	for (int i = 0; i <= 2; i++) {
		if (isatty(i)) {
			fd = i;
			break;
		}
	}
	if (fd < 0) {
		fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (fd < 0) {
			set_detail(o, "no terminal");
			return denied(o, errno == ENOENT ? ENOTTY : errno);
		}
		own = true;
	}
	if (ioctl(fd, req, &c) < 0)
		err = errno;
	else
		err = 0;
	if (own)
		close(fd);
	set_detail(o, "fd=%d", fd);
	if (err)
		return denied(o, err);
	ok(o);
}

/* kill -1 style, but judged per process: kill(-1, 0) itself returns 0 even
 * when every target refused (the kernel only reports non-EPERM errors), so
 * try each visible pid but our own and say whether any accepted. */
/* TIOCSTI where only a filter can say no: open a fresh pty, make its slave
 * our controlling terminal (we are, or become, a session leader without
 * one), then push a byte into it. The kernel's own rule (controlling tty or
 * CAP_SYS_ADMIN) is satisfied, so a refusal comes from the sandbox. */
static void p_tiocsti_pty(struct outcome *o, int argc, char **argv)
{
	unsigned long req = TIOCSTI;
	const char *name;
	char c = ' ';
	int m, sl = -1;

	if (argc > 0 && strcmp(argv[0], "high") == 0)
		req |= 0x100000000UL;
	/* Closing the master of our controlling tty hangs us up: not news. */
	signal(SIGHUP, SIG_IGN);
	m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0) {
		set_detail(o, "at posix_openpt()");
		return denied(o, errno);
	}
	if (grantpt(m) < 0 || unlockpt(m) < 0 || !(name = ptsname(m))) {
		int e = errno;
		close(m);
		set_detail(o, "at unlockpt()");
		return denied(o, e);
	}
	setsid(); /* EPERM when we already lead a session: fine either way */
	sl = open(name, O_RDWR | O_CLOEXEC);
	if (sl < 0) {
		int e = errno;
		close(m);
		set_detail(o, "at open(slave)");
		return denied(o, e);
	}
	ioctl(sl, TIOCSCTTY, 0);
	if (ioctl(sl, req, &c) < 0) {
		int e = errno;
		close(sl);
		close(m);
		set_detail(o, "at TIOCSTI");
		return denied(o, e);
	}
	close(sl);
	close(m);
	ok(o);
}

static void p_kill_all(struct outcome *o, int argc, char **argv)
{
	DIR *d;
	struct dirent *e;
	int tried = 0, signalled = 0, last_err = ESRCH;

	(void)argc;
	(void)argv;
	d = opendir("/proc");
	if (!d)
		return denied(o, errno);
	while ((e = readdir(d)) != NULL) {
		long pid;
		if (!parse_long(e->d_name, &pid) || pid == getpid())
			continue;
		tried++;
		if (kill((pid_t)pid, 0) == 0)
			signalled++;
		else
			last_err = errno;
	}
	closedir(d);
	set_detail(o, "signalled=%d/%d", signalled, tried);
	if (signalled == 0)
		return denied(o, last_err);
	ok(o);
}

/* Try OP on every visible pid but ours and pid 1; stop at the first that
 * works (the point is whether any does). */
static void each_pid(struct outcome *o, int (*op)(pid_t pid))
{
	DIR *d;
	struct dirent *e;
	int tried = 0, last_err = ESRCH;

	d = opendir("/proc");
	if (!d)
		return denied(o, errno);
	while ((e = readdir(d)) != NULL) {
		long pid;
		if (!parse_long(e->d_name, &pid) || pid == getpid() || pid == 1)
			continue;
		tried++;
		if (op((pid_t)pid) == 0) {
			closedir(d);
			set_detail(o, "pid=%ld", pid);
			return ok(o);
		}
		last_err = errno;
	}
	closedir(d);
	set_detail(o, "tried=%d", tried);
	denied(o, last_err);
}

static int seize(pid_t pid)
{
	return ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0 ? -1 : 0;
}

static int mem_open(pid_t pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static void p_ptrace_all(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	each_pid(o, seize);
}

static void p_mem_open_all(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	each_pid(o, mem_open);
}

static void p_unshare_user(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (unshare(CLONE_NEWUSER) < 0)
		return denied(o, errno);
	ok(o);
}

static void wait_child(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, __WALL) < 0 && errno == EINTR)
		;
}

static void p_clone_user(struct outcome *o, int argc, char **argv)
{
	long pid;

	(void)argc;
	(void)argv;
	/* Raw clone, fork-like: the child returns 0 on its own copy of the stack. */
	pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return denied(o, errno);
	wait_child((pid_t)pid);
	ok(o);
}

static void p_clone3_user(struct outcome *o, int argc, char **argv)
{
	struct clone_args ca;
	long pid;

	(void)argc;
	(void)argv;
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_NEWUSER;
	ca.exit_signal = SIGCHLD;
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return denied(o, errno);
	wait_child((pid_t)pid);
	ok(o);
}

static void p_setns(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TRY(o, syscall(SYS_setns, -1, 0));
}

/* ---- mount family: try-syscall with pointers the kernel cannot read ----- */

static void p_mount(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TRY(o, syscall(SYS_mount, BAD_PTR, BAD_PTR, BAD_PTR, 0UL, NULL));
}

static void p_umount(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TRY(o, syscall(SYS_umount2, BAD_PTR, 0));
}

static void p_chroot(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TRY(o, syscall(SYS_chroot, BAD_PTR));
}

static void p_pivot_root(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TRY(o, syscall(SYS_pivot_root, BAD_PTR, BAD_PTR));
}

static void p_fsopen(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TRY(o, syscall(SYS_fsopen, BAD_PTR, 0));
}

static void p_open_tree(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TRY(o, syscall(SYS_open_tree, -1, BAD_PTR, 0));
}

static void p_move_mount(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TRY(o, syscall(SYS_move_mount, -1, BAD_PTR, -1, BAD_PTR, 0));
}

static void p_fspick(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TRY(o, syscall(SYS_fspick, -1, BAD_PTR, 0));
}

static void p_mount_setattr(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TRY(o, syscall(SYS_mount_setattr, -1, BAD_PTR, 0, BAD_PTR, 32));
}

/* ---- kernel attack surface ---------------------------------------------- */

static void p_acct(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TRY(o, syscall(SYS_acct, BAD_PTR));
}

static void p_swapon(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TRY(o, syscall(SYS_swapon, BAD_PTR, 0));
}

/* reboot(2) with a wrong magic number: EINVAL once past the capability
 * check, never a reboot. */
static void p_reboot(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TRY(o, syscall(SYS_reboot, 0, 0, 0, NULL));
}

/* settimeofday(NULL, NULL) changes nothing but still needs CAP_SYS_TIME. */
static void p_settimeofday(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TRY(o, syscall(SYS_settimeofday, NULL, NULL));
}

static void p_fanotify(struct outcome *o, int argc, char **argv)
{
	long fd;

	(void)argc;
	(void)argv;
	fd = syscall(SYS_fanotify_init, 0, O_RDONLY);
	if (fd < 0)
		return denied(o, errno);
	close((int)fd);
	ok(o);
}

static void p_quotactl(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TRY(o, syscall(SYS_quotactl, 0x800007 /* Q_GETFMT|USRQUOTA */, BAD_PTR, 0, BAD_PTR));
}

/* Compare our fd 0 with the target's: needs ptrace-read rights on it. */
static void p_kcmp(struct outcome *o, int argc, char **argv)
{
	pid_t pid;

	(void)argc;
	if (!parse_pid(argv[0], &pid) || pid <= 0)
		return setup_error(o, "bad pid '%s'", argv[0]);
	if (syscall(SYS_kcmp, getpid(), pid, 0 /* KCMP_FILE */, 0, 0) < 0)
		return denied(o, errno);
	ok(o);
}

/* Execute a file that has no path: a copy of /bin/true in a memfd, run with
 * execveat(AT_EMPTY_PATH). Landlock's EXECUTE right never sees it. */
static void p_memfd_exec(struct outcome *o, int argc, char **argv)
{
	static char buf[1 << 16];
	char *const cargv[] = {(char *)"true", NULL};
	char *const cenv[] = {NULL};
	ssize_t n;
	int in, mfd, st, err = 0;
	pid_t pid;

	(void)argc;
	(void)argv;
	in = open("/bin/true", O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return setup_error(o, "cannot read /bin/true: %s", strerror(errno));
	mfd = (int)syscall(SYS_memfd_create, "probe", 0);
	if (mfd < 0) {
		err = errno;
		close(in);
		set_detail(o, "at memfd_create()");
		return denied(o, err);
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(mfd, buf, (size_t)n) != n)
			break;
	close(in);
	pid = fork();
	if (pid == 0) {
		syscall(SYS_execveat, mfd, "", cargv, cenv, AT_EMPTY_PATH);
		_exit(100 + (errno & 0x7f) % 100);
	}
	close(mfd);
	if (pid < 0)
		return denied(o, errno);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return ok(o);
	if (WIFEXITED(st) && WEXITSTATUS(st) >= 100) {
		set_detail(o, "at execveat()");
		return denied(o, WEXITSTATUS(st) - 100);
	}
	set_detail(o, "status=0x%x", (unsigned)st);
	denied(o, EPERM);
}

static void p_bpf(struct outcome *o, int argc, char **argv)
{
	union bpf_attr attr;
	long fd;

	(void)argc;
	(void)argv;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	fd = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
	if (fd < 0)
		return denied(o, errno);
	close((int)fd);
	ok(o);
}

static void p_io_uring(struct outcome *o, int argc, char **argv)
{
	struct io_uring_params p;
	long fd;

	(void)argc;
	(void)argv;
	memset(&p, 0, sizeof(p));
	fd = syscall(SYS_io_uring_setup, 1, &p);
	if (fd < 0)
		return denied(o, errno);
	close((int)fd);
	ok(o);
}

static void p_userfaultfd(struct outcome *o, int argc, char **argv)
{
	long fd;

	(void)argc;
	(void)argv;
	/* UFFD_USER_MODE_ONLY works even with vm.unprivileged_userfaultfd=0. */
	fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (fd < 0)
		return denied(o, errno);
	close((int)fd);
	ok(o);
}

static void p_add_key(struct outcome *o, int argc, char **argv)
{
	long id;

	(void)argc;
	(void)argv;
	/* The process keyring dies with us. */
	id = syscall(SYS_add_key, "user", "cordon-probe", "x", 1UL, KEY_SPEC_PROCESS_KEYRING);
	if (id < 0)
		return denied(o, errno);
	ok(o);
}

static void p_keyctl_user(struct outcome *o, int argc, char **argv)
{
	long id;

	(void)argc;
	(void)argv;
	id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0);
	if (id < 0)
		return denied(o, errno);
	set_detail(o, "keyring=%ld", id);
	ok(o);
}

static void p_perf(struct outcome *o, int argc, char **argv)
{
	struct perf_event_attr a;
	long fd;

	(void)argc;
	(void)argv;
	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof(a);
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.disabled = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0UL);
	if (fd < 0)
		return denied(o, errno);
	close((int)fd);
	ok(o);
}

static void p_kexec(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TRY(o, syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0UL));
}

static void p_init_module(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	TRY(o, syscall(SYS_init_module, BAD_PTR, 0UL, ""));
}

static void p_personality(struct outcome *o, int argc, char **argv)
{
	int old;

	(void)argc;
	(void)argv;
	old = personality(0xffffffff);
	if (personality(READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE) < 0)
		return denied(o, errno);
	if (personality(0xffffffff) != (READ_IMPLIES_EXEC | ADDR_NO_RANDOMIZE)) {
		set_detail(o, "personality unchanged");
		return denied(o, EPERM);
	}
	personality((unsigned long)old);
	ok(o);
}

static void p_modify_ldt(struct outcome *o, int argc, char **argv)
{
	char buf[16];

	(void)argc;
	(void)argv;
	if (syscall(SYS_modify_ldt, 0, buf, sizeof(buf)) < 0)
		return denied(o, errno);
	ok(o);
}

static void p_iopl(struct outcome *o, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	/* Level 0 is never more than we have: allowed means reached. */
	if (syscall(SYS_iopl, 0) < 0)
		return denied(o, errno);
	ok(o);
}

/* getpid through the x32 ABI: the native syscall instruction with
 * __X32_SYSCALL_BIT set, which a filter for AUDIT_ARCH_X86_64 must treat as
 * a foreign architecture. */
static void p_x32(struct outcome *o, int argc, char **argv)
{
	long ret;

	(void)argc;
	(void)argv;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(X32_SYSCALL_BIT | SYS_getpid)
			 : "rcx", "r11", "memory");
	if (ret < 0 && ret > -4096)
		return denied(o, (int)-ret);
	set_detail(o, "pid=%ld", ret);
	ok(o);
}

/* getpid through the i386 ABI (int $0x80): AUDIT_ARCH_I386 in seccomp. */
static void p_int80(struct outcome *o, int argc, char **argv)
{
	long ret;

	(void)argc;
	(void)argv;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(I386_NR_GETPID)
			 : "r8", "r9", "r10", "r11", "memory");
	ret = (long)(int)ret;
	if (ret < 0 && ret > -4096)
		return denied(o, (int)-ret);
	set_detail(o, "pid=%ld", ret);
	ok(o);
}

/*
 * Does this kernel run the i386 ABI at all? Not an attack: the battery asks
 * it unconfined before KS11b. A child executes int $0x80 with getpid (20 in
 * the i386 table). With IA32 emulation it answers our pid; a kernel built
 * without CONFIG_IA32_EMULATION, or booted with ia32_emulation=0, kills the
 * child with SIGSEGV before any seccomp filter could see the call, so the
 * attack is impossible there. "simulate-segv" makes the child raise SIGSEGV
 * instead of executing int $0x80: the escape selftest uses it to drive the
 * battery's SKIP branch on a kernel that has the ABI. The child dumps no
 * core (RLIMIT_CORE 0).
 */
static void p_abi_i386(struct outcome *o, int argc, char **argv)
{
	const struct rlimit nocore = {0, 0};
	bool simulate = argc > 0 && strcmp(argv[0], "simulate-segv") == 0;
	pid_t pid;
	int st;

	if (argc > 0 && !simulate)
		return setup_error(o, "usage: abi-i386 [simulate-segv]");
	pid = fork();
	if (pid < 0)
		return setup_error(o, "fork: %s", strerror(errno));
	if (pid == 0) {
		long ret;

		setrlimit(RLIMIT_CORE, &nocore);
		signal(SIGSEGV, SIG_DFL);
		if (simulate)
			raise(SIGSEGV);
		__asm__ volatile("int $0x80"
				 : "=a"(ret)
				 : "a"(I386_NR_GETPID)
				 : "r8", "r9", "r10", "r11", "memory");
		_exit((long)(int)ret == (long)getpid() ? 0 : 3);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		set_detail(o, "int $0x80 getpid answered");
		return ok(o);
	}
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV) {
		set_detail(o, "int $0x80 killed the child with SIGSEGV%s", simulate ? " (simulated)" : "");
		return denied(o, ENOSYS);
	}
	if (WIFSIGNALED(st))
		return setup_error(o, "int $0x80: the child died of signal %d", WTERMSIG(st));
	setup_error(o, "int $0x80 getpid: the child exited %d (a wrong pid)", WEXITSTATUS(st));
}

static void p_syslog(struct outcome *o, int argc, char **argv)
{
	char buf[256];
	int n;

	(void)argc;
	(void)argv;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof(buf));
	if (n < 0)
		return denied(o, errno);
	set_detail(o, "bytes=%d", n);
	ok(o);
}

/* ---- resources ----------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Start N children that each sleep SECS; count how many the kernel gave us,
 * then kill them all. Bounded by N and SECS. */
static void p_forks(struct outcome *o, int argc, char **argv)
{
	long n, secs;
	pid_t *kids;
	long got = 0;
	int err = 0;

	(void)argc;
	if (!parse_long(argv[0], &n) || n < 1 || n > 100000 || !parse_long(argv[1], &secs) ||
	    secs < 0 || secs > 600)
		return setup_error(o, "usage: forks N SECS");
	kids = calloc((size_t)n, sizeof(*kids));
	if (!kids)
		return setup_error(o, "out of memory");
	for (; got < n; got++) {
		pid_t pid = fork();
		if (pid == 0) {
			struct timespec ts = {(time_t)secs, 0};
			nanosleep(&ts, NULL);
			_exit(0);
		}
		if (pid < 0) {
			err = errno;
			break;
		}
		kids[got] = pid;
	}
	for (long i = 0; i < got; i++)
		kill(kids[i], SIGKILL);
	for (long i = 0; i < got; i++)
		wait_child(kids[i]);
	free(kids);
	set_detail(o, "forked=%ld/%ld", got, n);
	if (err)
		return denied(o, err);
	ok(o);
}

/* Touch MB mebibytes of anonymous memory. */
static void p_alloc(struct outcome *o, int argc, char **argv)
{
	long mb;
	size_t len, page = (size_t)sysconf(_SC_PAGESIZE);
	char *p;

	(void)argc;
	if (!parse_long(argv[0], &mb) || mb < 1 || mb > 65536)
		return setup_error(o, "usage: alloc MB");
	len = (size_t)mb << 20;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return denied(o, errno);
	for (size_t i = 0; i < len; i += page)
		p[i] = 1;
	munmap(p, len);
	set_detail(o, "touched=%ldMiB", mb);
	ok(o);
}

/* Write MB mebibytes to PATH, then remove it. */
static void p_fill(struct outcome *o, int argc, char **argv)
{
	static char chunk[1 << 20];
	long mb, done = 0;
	int fd, err = 0;

	(void)argc;
	if (!parse_long(argv[1], &mb) || mb < 1 || mb > 65536)
		return setup_error(o, "usage: fill PATH MB");
	signal(SIGXFSZ, SIG_IGN); /* see EFBIG instead of dying */
	fd = open(argv[0], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return denied(o, errno);
	for (; done < mb; done++) {
		size_t off = 0;
		while (off < sizeof(chunk)) {
			ssize_t w = write(fd, chunk + off, sizeof(chunk) - off);
			if (w < 0) {
				err = errno;
				break;
			}
			off += (size_t)w;
		}
		if (err)
			break;
	}
	close(fd);
	unlink(argv[0]);
	set_detail(o, "written=%ld/%ldMiB", done, mb);
	if (err)
		return denied(o, err);
	ok(o);
}

static void p_spin(struct outcome *o, int argc, char **argv)
{
	long secs;
	double end;
	volatile unsigned long x = 0;

	(void)argc;
	if (!parse_long(argv[0], &secs) || secs < 0 || secs > 600)
		return setup_error(o, "usage: spin SECS");
	end = now_s() + (double)secs;
	while (now_s() < end)
		x++;
	set_detail(o, "spun=%lds", secs);
	ok(o);
}

/* MB mebibytes to stdout; the verdict line goes to stderr (stdout is data). */
static void p_flood(struct outcome *o, int argc, char **argv)
{
	static char chunk[1 << 16];
	long mb, total, done = 0;

	(void)argc;
	if (!parse_long(argv[0], &mb) || mb < 1 || mb > 65536)
		return setup_error(o, "usage: flood MB");
	memset(chunk, 'y', sizeof(chunk));
	total = mb << 4;
	signal(SIGPIPE, SIG_IGN);
	for (; done < total; done++) {
		size_t off = 0;
		while (off < sizeof(chunk)) {
			ssize_t w = write(1, chunk + off, sizeof(chunk) - off);
			if (w < 0) {
				set_detail(o, "written=%ldKiB", done * 64);
				return denied(o, errno);
			}
			off += (size_t)w;
		}
	}
	set_detail(o, "written=%ldMiB", mb);
	ok(o);
}

/* Raise the soft NOFILE limit to the hard one, then open N descriptors. */
static void p_nofile(struct outcome *o, int argc, char **argv)
{
	struct rlimit rl;
	long n, got = 0;
	int err = 0;

	(void)argc;
	if (!parse_long(argv[0], &n) || n < 1 || n > 1000000)
		return setup_error(o, "usage: nofile N");
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (; got < n; got++) {
		if (open("/dev/null", O_RDONLY) < 0) {
			err = errno;
			break;
		}
	}
	set_detail(o, "opened=%ld/%ld", got, n);
	if (err)
		return denied(o, err);
	ok(o);
}

/* Leave a detached grandchild behind (setsid + double fork) that appends to
 * PATH after SECS seconds: did the sandbox kill it with the call? */
static void p_daemon(struct outcome *o, int argc, char **argv)
{
	long secs;
	pid_t pid;

	(void)argc;
	if (!parse_long(argv[0], &secs) || secs < 0 || secs > 600)
		return setup_error(o, "usage: daemon SECS PATH");
	pid = fork();
	if (pid < 0)
		return denied(o, errno);
	if (pid == 0) {
		int fd;
		setsid();
		if (fork() != 0)
			_exit(0);
		fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		sleep((unsigned)secs);
		fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0) {
			if (write(fd, "survived\n", 9) < 0)
				_exit(1);
			close(fd);
		}
		_exit(0);
	}
	wait_child(pid);
	ok(o);
}

/* ---- information leaks -------------------------------------------------- */

/* NEEDLE arguments may be given as "hex:..." so that the secret we look for
 * is not itself in our argv (and so in our parent's /proc/PID/cmdline). */
static const char *needle_arg(const char *arg, char *buf, size_t size)
{
	size_t n;

	if (strncmp(arg, "hex:", 4) != 0)
		return arg;
	arg += 4;
	n = strlen(arg) / 2;
	if (n >= size)
		n = size - 1;
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;
		if (sscanf(arg + 2 * i, "%2x", &v) != 1)
			v = '?';
		buf[i] = (char)v;
	}
	buf[n] = '\0';
	return buf;
}

static void p_env_grep(struct outcome *o, int argc, char **argv)
{
	extern char **environ;
	char nb[256];
	const char *needle = needle_arg(argv[0], nb, sizeof(nb));

	(void)argc;
	for (char **e = environ; *e; e++) {
		if (strstr(*e, needle)) {
			set_detail(o, "in own environment");
			return ok(o);
		}
	}
	denied(o, ENOENT);
}

/* Does FILE (up to 1 MiB) contain NEEDLE? -1 with errno when unreadable. */
static int file_contains(const char *path, const char *needle)
{
	static char buf[1 << 20];
	size_t len = 0, nlen = strlen(needle);
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (len < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (nlen == 0 || len < nlen)
		return 0;
	for (size_t i = 0; i + nlen <= len; i++)
		if (memcmp(buf + i, needle, nlen) == 0)
			return 1;
	return 0;
}

/* Look for NEEDLE in every /proc/PID/{environ,cmdline} we can read (or in the
 * one PID given). "denied" lists how many were unreadable. */
static void p_proc_grep(struct outcome *o, int argc, char **argv)
{
	static const char *const files[] = {"environ", "cmdline"};
	int readable = 0, unreadable = 0, last_err = ENOENT;
	DIR *d = NULL;
	struct dirent *e;
	pid_t only = 0;
	char path[64], nb[256];
	const char *needle = needle_arg(argv[0], nb, sizeof(nb));

	if (argc > 1 && !parse_pid(argv[1], &only))
		return setup_error(o, "bad pid '%s'", argv[1]);
	if (!only) {
		d = opendir("/proc");
		if (!d)
			return denied(o, errno);
	}
	for (;;) {
		long pid;
		if (only) {
			pid = only;
		} else {
			if ((e = readdir(d)) == NULL)
				break;
			if (!parse_long(e->d_name, &pid) || pid == getpid())
				continue;
		}
		for (size_t i = 0; i < 2; i++) {
			int r;
			snprintf(path, sizeof(path), "/proc/%ld/%s", pid, files[i]);
			r = file_contains(path, needle);
			if (r < 0) {
				unreadable++;
				last_err = errno;
			} else {
				readable++;
			}
			if (r == 1) {
				set_detail(o, "found in %s", path);
				if (d)
					closedir(d);
				return ok(o);
			}
		}
		if (only)
			break;
	}
	if (d)
		closedir(d);
	set_detail(o, "readable=%d unreadable=%d", readable, unreadable);
	denied(o, readable ? ENOENT : last_err);
}

static void p_pid_visible(struct outcome *o, int argc, char **argv)
{
	char path[64];
	struct stat st;
	pid_t pid;

	(void)argc;
	if (!parse_pid(argv[0], &pid) || pid <= 0)
		return setup_error(o, "bad pid '%s'", argv[0]);
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (stat(path, &st) < 0)
		return denied(o, errno);
	ok(o);
}

static void p_hostname(struct outcome *o, int argc, char **argv)
{
	char name[256];

	(void)argc;
	if (gethostname(name, sizeof(name)) < 0)
		return denied(o, errno);
	name[sizeof(name) - 1] = '\0';
	set_detail(o, "hostname=%s", name);
	if (strcmp(name, argv[0]) != 0)
		return denied(o, ENOENT);
	ok(o);
}

/* ---- table and main ----------------------------------------------------- */

static const struct probe probes[] = {
	{"hello", 0, "", "sanity: print ids", p_hello},
	{"read", 1, "PATH", "open+read a file", p_read},
	{"write", 1, "PATH", "append a marker line (creates)", p_write},
	{"openw", 1, "PATH", "open for writing, write nothing", p_openw},
	{"link", 2, "OLD NEW", "hard link OLD as NEW", p_link},
	{"rename", 2, "OLD NEW", "rename OLD to NEW", p_rename},
	{"mkdir", 1, "PATH", "create a directory", p_mkdir},
	{"mknod", 1, "PATH", "create a character device node", p_mknod},
	{"chmod-suid", 1, "PATH", "chmod 4755", p_chmod_suid},
	{"meta", 2, "chmod|chown|utimes|fchmod|fchownat|xattr|setflags PATH",
	 "set PATH's own mode/owner/times/xattr/flags again (a metadata write that changes nothing)", p_meta},
	{"inotify", 1, "PATH", "inotify_add_watch on PATH", p_inotify},
	{"remount", 1, "MOUNTPOINT", "mount -o remount,bind,rw", p_remount},
	{"userns-remount", 0, "", "unshare -rm; mount -o remount,bind,rw /", p_userns_remount},
	{"make-handle", 1, "PATH", "print PATH's file handle (helper)", p_make_handle},
	{"open-by-handle", 2, "MOUNTPATH TYPE:HEX", "open_by_handle_at", p_open_by_handle},
	{"tcp-connect", 2, "IP PORT", "TCP connect", p_tcp_connect},
	{"udp-send", 2, "IP PORT", "send one UDP datagram (DNS query on 53)", p_udp_send},
	{"udp-echo", 2, "IP PORT", "send a UDP datagram and wait 1 s for its echo", p_udp_echo},
	{"resolve", 1, "NAME", "getaddrinfo", p_resolve},
	{"socket", 1, "KIND", "create a socket: inet-udp inet-tcp inet6-tcp raw packet vsock alg "
			      "netlink-{route,audit,netfilter,uevent,xfrm} key bluetooth",
	 p_socket},
	{"unix-connect", 1, "PATH", "connect to a pathname unix socket", p_unix_connect},
	{"abstract-connect", 1, "NAME", "connect to an abstract unix socket", p_abstract_connect},
	{"fd-read", 1, "FD", "read from an inherited descriptor", p_fd_read},
	{"fds", 0, "", "list inherited descriptors above 2", p_fds},
	{"shm-attach", 1, "KEY", "find a SysV shared memory segment", p_shm_attach},
	{"caps", 0, "", "a capability in the effective/permitted/inheritable/ambient set", p_caps},
	{"caps-bounding", 0, "", "a capability in the bounding set", p_caps_bounding},
	{"nnp-off", 0, "", "NoNewPrivs is off", p_nnp_off},
	{"seccomp-off", 0, "", "no seccomp filter", p_seccomp_off},
	{"euid-root", 0, "", "set-user-ID root took effect", p_euid_root},
	{"setuid", 1, "UID", "setresuid to UID", p_setuid},
	{"ptrace", 1, "PID|parent", "PTRACE_SEIZE", p_ptrace},
	{"mem-open", 1, "PID|parent", "open /proc/PID/mem read-write", p_mem_open},
	{"write-pid", 1, "PATH", "write our pid to PATH (cgroup.procs)", p_write_pid},
	{"traceme", 0, "", "PTRACE_TRACEME", p_traceme},
	{"vm-read", 2, "PID HEXADDR", "process_vm_readv", p_vm_read},
	{"pidfd-getfd", 1, "PID", "pidfd_getfd of the target's fd 0", p_pidfd_getfd},
	{"kill", 1, "PID|parent|-1", "kill(PID, 0)", p_kill},
	{"kill-all", 0, "", "kill(pid, 0) every visible pid but ours", p_kill_all},
	{"ptrace-all", 0, "", "PTRACE_SEIZE any visible pid but ours and 1", p_ptrace_all},
	{"mem-open-all", 0, "", "open any visible /proc/PID/mem read-write", p_mem_open_all},
	{"tiocsti", 0, "[high]", "TIOCSTI on the terminal", p_tiocsti},
	{"tiocsti-pty", 0, "[high]", "TIOCSTI on a fresh pty made our controlling tty", p_tiocsti_pty},
	{"unshare-user", 0, "", "unshare(CLONE_NEWUSER)", p_unshare_user},
	{"clone-user", 0, "", "clone(CLONE_NEWUSER)", p_clone_user},
	{"clone3-user", 0, "", "clone3(CLONE_NEWUSER)", p_clone3_user},
	{"setns", 0, "", "setns (try-syscall)", p_setns},
	{"mount", 0, "", "mount (try-syscall)", p_mount},
	{"umount", 0, "", "umount2 (try-syscall)", p_umount},
	{"chroot", 0, "", "chroot (try-syscall)", p_chroot},
	{"pivot-root", 0, "", "pivot_root (try-syscall)", p_pivot_root},
	{"fsopen", 0, "", "fsopen (try-syscall)", p_fsopen},
	{"open-tree", 0, "", "open_tree (try-syscall)", p_open_tree},
	{"move-mount", 0, "", "move_mount (try-syscall)", p_move_mount},
	{"fspick", 0, "", "fspick (try-syscall)", p_fspick},
	{"mount-setattr", 0, "", "mount_setattr (try-syscall)", p_mount_setattr},
	{"acct", 0, "", "acct (try-syscall)", p_acct},
	{"swapon", 0, "", "swapon (try-syscall)", p_swapon},
	{"reboot", 0, "", "reboot with a bad magic (try-syscall)", p_reboot},
	{"settimeofday", 0, "", "settimeofday(NULL, NULL)", p_settimeofday},
	{"fanotify", 0, "", "fanotify_init", p_fanotify},
	{"quotactl", 0, "", "quotactl (try-syscall)", p_quotactl},
	{"kcmp", 1, "PID", "kcmp our fd 0 with PID's", p_kcmp},
	{"memfd-exec", 0, "", "run a memfd copy of /bin/true via execveat", p_memfd_exec},
	{"bpf", 0, "", "bpf(BPF_MAP_CREATE)", p_bpf},
	{"io-uring", 0, "", "io_uring_setup", p_io_uring},
	{"userfaultfd", 0, "", "userfaultfd(UFFD_USER_MODE_ONLY)", p_userfaultfd},
	{"add-key", 0, "", "add_key to the process keyring", p_add_key},
	{"keyctl-user", 0, "", "keyctl: the user keyring's id", p_keyctl_user},
	{"perf", 0, "", "perf_event_open (task clock, self)", p_perf},
	{"kexec", 0, "", "kexec_load (try-syscall)", p_kexec},
	{"init-module", 0, "", "init_module (try-syscall)", p_init_module},
	{"personality", 0, "", "personality(READ_IMPLIES_EXEC|ADDR_NO_RANDOMIZE)", p_personality},
	{"modify-ldt", 0, "", "modify_ldt read", p_modify_ldt},
	{"iopl", 0, "", "iopl(0)", p_iopl},
	{"x32", 0, "", "getpid via the x32 ABI", p_x32},
	{"int80", 0, "", "getpid via int $0x80 (i386 ABI)", p_int80},
	{"abi-i386", 0, "[simulate-segv]", "does the kernel run the i386 ABI? (int $0x80 in a child)", p_abi_i386},
	{"syslog", 0, "", "read the kernel log", p_syslog},
	{"forks", 2, "N SECS", "start N sleeping children", p_forks},
	{"alloc", 1, "MB", "touch MB of memory", p_alloc},
	{"fill", 2, "PATH MB", "write MB to PATH, then remove it", p_fill},
	{"spin", 1, "SECS", "busy loop", p_spin},
	{"flood", 1, "MB", "write MB to stdout (verdict on stderr)", p_flood},
	{"nofile", 1, "N", "open N descriptors", p_nofile},
	{"daemon", 2, "SECS PATH", "detached grandchild appends to PATH after SECS", p_daemon},
	{"env-grep", 1, "NEEDLE|hex:HEX", "NEEDLE in our environment", p_env_grep},
	{"proc-grep", 1, "NEEDLE|hex:HEX [PID]", "NEEDLE in /proc/*/environ or cmdline", p_proc_grep},
	{"pid-visible", 1, "PID", "/proc/PID exists", p_pid_visible},
	{"hostname", 1, "NAME", "our hostname is NAME", p_hostname},
};

#define NPROBES (sizeof(probes) / sizeof(probes[0]))

static const char *errno_name(int e)
{
	static const struct {
		int e;
		const char *n;
	} names[] = {
		{EPERM, "EPERM"}, {ENOENT, "ENOENT"}, {ESRCH, "ESRCH"}, {EINTR, "EINTR"},
		{EIO, "EIO"}, {ENXIO, "ENXIO"}, {E2BIG, "E2BIG"}, {EBADF, "EBADF"},
		{ECHILD, "ECHILD"}, {EAGAIN, "EAGAIN"}, {ENOMEM, "ENOMEM"}, {EACCES, "EACCES"},
		{EFAULT, "EFAULT"}, {EBUSY, "EBUSY"}, {EEXIST, "EEXIST"}, {EXDEV, "EXDEV"},
		{ENODEV, "ENODEV"}, {ENOTDIR, "ENOTDIR"}, {EISDIR, "EISDIR"}, {EINVAL, "EINVAL"},
		{ENFILE, "ENFILE"}, {EMFILE, "EMFILE"}, {ENOTTY, "ENOTTY"}, {ETXTBSY, "ETXTBSY"},
		{EFBIG, "EFBIG"}, {ENOSPC, "ENOSPC"}, {ESPIPE, "ESPIPE"}, {EROFS, "EROFS"},
		{EMLINK, "EMLINK"}, {EPIPE, "EPIPE"}, {ENOSYS, "ENOSYS"}, {ELOOP, "ELOOP"},
		{ENOTSOCK, "ENOTSOCK"}, {EPROTONOSUPPORT, "EPROTONOSUPPORT"},
		{ESOCKTNOSUPPORT, "ESOCKTNOSUPPORT"}, {EOPNOTSUPP, "EOPNOTSUPP"},
		{EAFNOSUPPORT, "EAFNOSUPPORT"}, {EADDRNOTAVAIL, "EADDRNOTAVAIL"},
		{ENETDOWN, "ENETDOWN"}, {ENETUNREACH, "ENETUNREACH"}, {ECONNRESET, "ECONNRESET"},
		{ETIMEDOUT, "ETIMEDOUT"}, {ECONNREFUSED, "ECONNREFUSED"},
		{EHOSTUNREACH, "EHOSTUNREACH"}, {ENOKEY, "ENOKEY"}, {EKEYREVOKED, "EKEYREVOKED"},
		{EDQUOT, "EDQUOT"}, {ENOTCONN, "ENOTCONN"}, {ENOTSUP, "ENOTSUP"},
	};
	static char buf[32];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].n;
	snprintf(buf, sizeof(buf), "%d", e);
	return buf;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: probe NAME [ARGS...]   (probe --list for the names)\n");
}

int main(int argc, char **argv)
{
	const struct probe *p = NULL;
	struct outcome o;
	FILE *out = stdout;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < NPROBES; i++)
			printf("%-18s %-22s %s\n", probes[i].name, probes[i].args, probes[i].help);
		return 0;
	}
	for (size_t i = 0; i < NPROBES; i++)
		if (strcmp(argv[1], probes[i].name) == 0)
			p = &probes[i];
	if (!p) {
		fprintf(stderr, "probe: unknown probe '%s'\n", argv[1]);
		usage(stderr);
		return 2;
	}
	if (argc - 2 < p->min_args) {
		fprintf(stderr, "usage: probe %s %s\n", p->name, p->args);
		return 2;
	}
	if (p->run == p_flood)
		out = stderr;
	memset(&o, 0, sizeof(o));
	o.v = V_ERROR;
	p->run(&o, argc - 2, argv + 2);
	switch (o.v) {
	case V_OK:
		fprintf(out, "%s ok%s%s\n", p->name, o.detail[0] ? " " : "", o.detail);
		return 0;
	case V_REACHED:
		fprintf(out, "%s reached errno=%s%s%s\n", p->name, errno_name(o.err),
			o.detail[0] ? " " : "", o.detail);
		return 0;
	case V_DENIED:
		fprintf(out, "%s denied errno=%s%s%s\n", p->name, errno_name(o.err),
			o.detail[0] ? " " : "", o.detail);
		return 1;
	case V_ERROR:
	default:
		fprintf(out, "%s error: %s\n", p->name, o.detail[0] ? o.detail : "probe failed");
		return 2;
	}
}
