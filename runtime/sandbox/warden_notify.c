/*
 * warden_notify.c — the notifier: metadata writes of exec'd commands in
 * degraded mode (warden side; see warden_notify.h).
 *
 * One process, one poll loop: the socket children hand their listeners on,
 * and every listener. A notification is answered before the next is read;
 * each costs a few syscalls here (pidfd, the path read, an O_PATH open, the
 * check, the change), so metadata syscalls of exec'd commands are slower
 * in degraded mode (tens of microseconds each), nothing else is.
 */
#include "runtime/sandbox/warden_notify.h"
#include "common/error.h"
#include "policy/profile.h"
#include "runtime/sandbox/sandbox_ipc.h"
#include "runtime/sandbox/seccomp.h"
#include "runtime/sandbox/warden.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <utime.h>

#define WNOTIFY_MAGIC 0x4e4f5446u /* "NOTF" */
#define XATTR_NAME_MAX_ 255
#define XATTR_VALUE_MAX (64u << 10)
#define MAX_ROOTS 64

struct hand_msg {
	uint32_t magic;
	uint32_t profile;
};

struct listener {
	int fd;
	uint32_t profile;
};

/* The roots, resolved once: a path and an O_PATH fd each. */
struct root {
	char path[PATH_MAX];
	size_t len;
	int fd;
};

struct notifier {
	struct root ws, tmp;            /* writable: workspace, session temp dir */
	struct root read[MAX_ROOTS];    /* readable (inotify): the above, read roots, system dirs */
	size_t nread;
	struct listener l[WNOTIFY_MAX_LISTENERS];
	size_t nl;
	struct seccomp_notif_sizes sizes;
};

int wnotify_hand(int sock, uint32_t profile, int listener)
{
	struct hand_msg m = { WNOTIFY_MAGIC, profile };
	int r = sbx_send_fd(sock, &m, sizeof(m), listener), saved = errno;

	close(listener);
	errno = saved;
	return r;
}

static bool root_open(struct root *r, const char *path)
{
	r->fd = -1;
	if (!path || !path[0] || !realpath(path, r->path))
		return false;
	r->len = strlen(r->path);
	r->fd = open(r->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return r->fd >= 0;
}

/* ---- reading the caller -------------------------------------------------- */

/* A NUL-terminated string at addr in the caller, page by page (a read may not cross into an unmapped page). */
static int read_string(pid_t pid, uint64_t addr, char *buf, size_t size)
{
	size_t got = 0;

	if (!addr)
		return -EFAULT;
	while (got < size) {
		size_t page = 4096 - ((addr + got) & 4095), want = size - got < page ? size - got : page;
		struct iovec local = { buf + got, want }, remote = { (void *)(uintptr_t)(addr + got), want };
		ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
		char *nul;

		if (n <= 0)
			return errno == EPERM || errno == ESRCH ? -EPERM : -EFAULT;
		nul = memchr(buf + got, '\0', (size_t)n);
		if (nul)
			return 0;
		got += (size_t)n;
	}
	return -ENAMETOOLONG;
}

static int read_mem(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)(uintptr_t)addr, len };
	ssize_t n;

	if (!addr)
		return -EFAULT;
	n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return errno == EPERM || errno == ESRCH ? -EPERM : -EFAULT;
	return (size_t)n == len ? 0 : -EFAULT;
}

/* The caller's descriptor fd, as ours (pidfd_getfd: the same open file). */
static int take_fd(int pidfd, uint64_t fd)
{
	long r;

	if (fd > INT_MAX)
		return -EBADF;
	r = syscall(SYS_pidfd_getfd, pidfd, (int)fd, 0);
	if (r < 0)
		return errno == EBADF ? -EBADF : -EPERM;
	return (int)r;
}

/*
 * Resolve what the caller named: path (NULL: the descriptor dirfd itself)
 * from dirfd (AT_FDCWD: the caller's cwd), as the caller's own syscall
 * would (the same credentials; the final symlink followed unless
 * nofollow). Returns an O_PATH fd (or, for path NULL, the caller's open
 * file), or -errno.
 */
static int resolve(pid_t pid, int pidfd, int64_t dirfd, const char *path, bool empty_ok,
		   bool nofollow)
{
	char cwd[64];
	int base = AT_FDCWD, fd;

	if (!path || (!path[0] && empty_ok)) {
		if (dirfd == AT_FDCWD) {
			snprintf(cwd, sizeof(cwd), "/proc/%d/cwd", (int)pid);
			fd = open(cwd, O_PATH | O_CLOEXEC);
			return fd < 0 ? -errno : fd;
		}
		return take_fd(pidfd, (uint64_t)dirfd);
	}
	if (!path[0])
		return -ENOENT;
	if (path[0] != '/') {
		if (dirfd == AT_FDCWD) {
			snprintf(cwd, sizeof(cwd), "/proc/%d/cwd", (int)pid);
			base = open(cwd, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (base < 0)
				return -errno;
		} else {
			base = take_fd(pidfd, (uint64_t)dirfd);
			if (base < 0)
				return base;
		}
	}
	fd = openat(base, path, O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0)
		fd = -errno;
	if (base >= 0)
		close(base);
	return fd;
}

/*
 * A path names the caller's /proc/self (or a link to it: /dev/fd,
 * /dev/std*) the same way it names ours: rewrite it to /proc/PID so it is
 * resolved as the caller meant (glibc's fchmodat(AT_SYMLINK_NOFOLLOW)
 * chmods "/proc/self/fd/N"). Only a matter of meaning: whatever a path
 * resolves to, beneath() decides about the object itself.
 */
static void caller_proc(char *path, size_t size, pid_t pid)
{
	static const struct {
		const char *from;
		const char *to; /* after "/proc/PID" */
	} map[] = {
		{ "/proc/self/", "/" }, { "/proc/thread-self/", "/" }, { "/dev/fd/", "/fd/" },
		{ "/dev/stdin", "/fd/0" }, { "/dev/stdout", "/fd/1" }, { "/dev/stderr", "/fd/2" },
	};
	char out[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		size_t n = strlen(map[i].from);
		bool dir = map[i].from[n - 1] == '/';

		if (strncmp(path, map[i].from, n) || (!dir && path[n] && path[n] != '/'))
			continue;
		if (snprintf(out, sizeof(out), "/proc/%d%s%s", (int)pid, map[i].to, path + n) <
		    (int)sizeof(out))
			snprintf(path, size, "%s", out);
		return;
	}
}

/* ---- beneath a root ------------------------------------------------------- */

/*
 * Whether the object fd refers to lies beneath root r: its path (as the
 * kernel names it now) is r's or below it, and resolving that path beneath
 * r without leaving it (RESOLVE_BENEATH, no symlinks, no magic links) finds
 * the same inode. Safe because: a name that moved, an object reached only
 * through a link from outside, a deleted or anonymous object gives another
 * inode or no path at all, and the answer is no. An inode hard-linked into
 * the root (planted before the session) counts as beneath it: the same
 * residual as writing through it (FS08).
 */
static bool beneath(int fd, const struct root *r)
{
	struct open_how how = { .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_SYMLINKS };
	char link[64], path[PATH_MAX];
	struct stat a, b;
	const char *rel;
	ssize_t n;
	int again;
	bool same;

	if (r->fd < 0)
		return false;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0)
		return false;
	path[n] = '\0';
	if (strncmp(path, r->path, r->len) || (path[r->len] != '\0' && path[r->len] != '/'))
		return false;
	rel = path[r->len] ? path + r->len + 1 : ".";
	if (r->len == 1)
		rel = path[1] ? path + 1 : ".";
	again = (int)syscall(SYS_openat2, r->fd, rel, &how, sizeof(how));
	if (again < 0)
		return false;
	same = fstat(fd, &a) == 0 && fstat(again, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
	close(again);
	return same;
}

/* Whether the caller's profile may change the metadata of what fd refers to. */
static bool writable(const struct notifier *nt, uint32_t profile, int fd, bool anon_ok)
{
	char link[64], path[16];
	struct stat st;
	ssize_t n;

	if (profile != PROFILE_BASH && profile != PROFILE_WRITE)
		return false;
	if (anon_ok) {
		/*
		 * A descriptor of no file anyone can name: a pipe, a socket, an
		 * anonymous inode ("pipe:[N]"), or a file with no link left.
		 * Changing its metadata reaches nothing outside the call.
		 */
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, path, sizeof(path) - 1);
		if (n > 0 && path[0] != '/')
			return true;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 0)
			return true;
	}
	if (beneath(fd, &nt->ws))
		return true;
	return profile == PROFILE_BASH && beneath(fd, &nt->tmp);
}

static bool readable(const struct notifier *nt, uint32_t profile, int fd)
{
	size_t i;

	if (profile != PROFILE_BASH)
		return writable(nt, profile, fd, false);
	for (i = 0; i < nt->nread; i++)
		if (beneath(fd, &nt->read[i]))
			return true;
	return false;
}

/* ---- the changes ------------------------------------------------------------ */

static int proc_path(char *buf, size_t size, int fd)
{
	return snprintf(buf, size, "/proc/self/fd/%d", fd) < (int)size ? 0 : -ENAMETOOLONG;
}

static long result(long r)
{
	return r < 0 ? -errno : r;
}

/* Times as the caller gave them (utime, utimes/futimesat, utimensat), as timespecs; NULL = now. */
static int read_times(pid_t pid, int nr, uint64_t addr, struct timespec ts[2], bool *null)
{
	int r = 0;

	*null = addr == 0;
	if (*null)
		return 0;
	if (nr == SYS_utime) {
		struct utimbuf u;

		r = read_mem(pid, addr, &u, sizeof(u));
		ts[0] = (struct timespec){ u.actime, 0 };
		ts[1] = (struct timespec){ u.modtime, 0 };
	} else if (nr == SYS_utimes || nr == SYS_futimesat) {
		struct timeval tv[2];

		r = read_mem(pid, addr, tv, sizeof(tv));
		if (r == 0 && (tv[0].tv_usec < 0 || tv[0].tv_usec >= 1000000 || tv[1].tv_usec < 0 ||
			       tv[1].tv_usec >= 1000000))
			return -EINVAL;
		ts[0] = (struct timespec){ tv[0].tv_sec, tv[0].tv_usec * 1000 };
		ts[1] = (struct timespec){ tv[1].tv_sec, tv[1].tv_usec * 1000 };
	} else {
		r = read_mem(pid, addr, ts, 2 * sizeof(struct timespec));
	}
	return r;
}

/*
 * One notification: the answer (>= 0 the syscall's value, < 0 -errno).
 * Every path: resolve (as the caller), check, change (ours, on what we
 * resolved). The caller's own syscall never runs.
 */
static long handle(const struct notifier *nt, uint32_t profile, const struct seccomp_notif *n,
		   int listener)
{
	const __u64 *a = n->data.args;
	pid_t pid = (pid_t)n->pid;
	char path[PATH_MAX], pp[64], name[XATTR_NAME_MAX_ + 1];
	struct timespec ts[2];
	bool fdop = false, nofollow = false, empty = false, tnull = false, watch = false;
	int nr = n->data.nr, pidfd, fd = -1, ifd = -1;
	int64_t dirfd = AT_FDCWD;
	uint64_t pathp = 0;
	void *value = NULL;
	long r;

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return -EPERM;
	/* Safe because: the notification still pending means pid is still the caller (not a reuse). */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &n->id) < 0) {
		close(pidfd);
		return -EPERM;
	}
	switch (nr) {
	case SYS_chmod: case SYS_chown: case SYS_utime: case SYS_utimes: case SYS_setxattr:
	case SYS_removexattr:
		pathp = a[0];
		break;
	case SYS_lchown: case SYS_lsetxattr: case SYS_lremovexattr:
		pathp = a[0];
		nofollow = true;
		break;
	case SYS_fchmodat: case SYS_futimesat:
		dirfd = (int32_t)a[0];
		pathp = a[1];
		fdop = nr == SYS_futimesat && !a[1];
		break;
	case SYS_fchownat:
		dirfd = (int32_t)a[0];
		pathp = a[1];
		nofollow = a[4] & AT_SYMLINK_NOFOLLOW;
		empty = a[4] & AT_EMPTY_PATH;
		break;
	case SYS_utimensat:
		dirfd = (int32_t)a[0];
		pathp = a[1];
		fdop = !a[1];
		nofollow = a[3] & AT_SYMLINK_NOFOLLOW;
		empty = a[3] & AT_EMPTY_PATH;
		break;
	case SYS_fchmod: case SYS_fchown: case SYS_fsetxattr: case SYS_fremovexattr:
		dirfd = (int32_t)a[0];
		fdop = true;
		break;
	case SYS_inotify_add_watch:
		pathp = a[1];
		nofollow = (uint32_t)a[2] & IN_DONT_FOLLOW;
		watch = true;
		break;
	default:
#ifdef SYS_fchmodat2
		if (nr == SYS_fchmodat2) {
			dirfd = (int32_t)a[0];
			pathp = a[1];
			nofollow = a[3] & AT_SYMLINK_NOFOLLOW;
			empty = a[3] & AT_EMPTY_PATH;
			break;
		}
#endif
		r = -ENOSYS;
		goto out;
	}
	if (!fdop) {
		r = read_string(pid, pathp, path, sizeof(path));
		if (r < 0)
			goto out;
		caller_proc(path, sizeof(path), pid);
	}
	if ((nr == SYS_setxattr || nr == SYS_lsetxattr || nr == SYS_fsetxattr || nr == SYS_removexattr ||
	     nr == SYS_lremovexattr || nr == SYS_fremovexattr) &&
	    (r = read_string(pid, a[1], name, sizeof(name))) < 0) {
		r = r == -ENAMETOOLONG ? -ERANGE : r;
		goto out;
	}
	if (nr == SYS_setxattr || nr == SYS_lsetxattr || nr == SYS_fsetxattr) {
		if (a[3] > XATTR_VALUE_MAX) {
			r = -E2BIG;
			goto out;
		}
		value = malloc(a[3] ? a[3] : 1);
		if (!value) {
			r = -ENOMEM;
			goto out;
		}
		if (a[3] && (r = read_mem(pid, a[2], value, a[3])) < 0)
			goto out;
	}
	if ((nr == SYS_utime || nr == SYS_utimes || nr == SYS_futimesat || nr == SYS_utimensat) &&
	    (r = read_times(pid, nr, nr == SYS_utime || nr == SYS_utimes ? a[1] : a[2], ts, &tnull)) < 0)
		goto out;
	if (watch) {
		ifd = take_fd(pidfd, a[0]);
		if (ifd < 0) {
			r = ifd;
			goto out;
		}
	}
	/* What was read is the caller's while it still waits (its memory, its descriptors). */
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &n->id) < 0) {
		r = -EPERM;
		goto out;
	}
	fd = resolve(pid, pidfd, dirfd, fdop ? NULL : path, empty, nofollow);
	if (fd < 0) {
		r = fd;
		goto out;
	}
	if (watch ? !readable(nt, profile, fd) : !writable(nt, profile, fd, fdop)) {
		r = watch ? -EACCES : -EPERM;
		goto out;
	}
	if ((r = proc_path(pp, sizeof(pp), fd)) < 0)
		goto out;
	switch (nr) {
	case SYS_chmod: case SYS_fchmodat: case SYS_fchmod:
	default: {
		struct stat st;
		mode_t mode = (mode_t)a[nr == SYS_chmod || nr == SYS_fchmod ? 1 : 2];

		/* Never set-id bits (the filter refuses them before us; FS17). */
		if (mode & 06000) {
			r = -EPERM;
			break;
		}
		if (nofollow && fstat(fd, &st) == 0 && S_ISLNK(st.st_mode)) {
			r = -EOPNOTSUPP;
			break;
		}
		r = result(fdop ? fchmod(fd, mode) : chmod(pp, mode));
		break;
	}
	case SYS_chown: case SYS_lchown: case SYS_fchownat: case SYS_fchown: {
		uid_t uid = (uid_t)a[nr == SYS_fchownat ? 2 : 1];
		gid_t gid = (gid_t)a[nr == SYS_fchownat ? 3 : 2];

		r = result(fchownat(fd, "", uid, gid, AT_EMPTY_PATH));
		break;
	}
	case SYS_utime: case SYS_utimes: case SYS_futimesat: case SYS_utimensat:
		r = result(utimensat(fd, "", tnull ? NULL : ts, AT_EMPTY_PATH));
		break;
	case SYS_setxattr: case SYS_lsetxattr: case SYS_fsetxattr:
		r = result(fdop ? fsetxattr(fd, name, value, a[3], (int)a[4])
				: setxattr(pp, name, value, a[3], (int)a[4]));
		break;
	case SYS_removexattr: case SYS_lremovexattr: case SYS_fremovexattr:
		r = result(fdop ? fremovexattr(fd, name) : removexattr(pp, name));
		break;
	case SYS_inotify_add_watch:
		/* The same instance (the caller's descriptor, ours now): the watch is the caller's. */
		r = result(inotify_add_watch(ifd, pp, (uint32_t)a[2] & ~(uint32_t)IN_DONT_FOLLOW));
		break;
	}
out:
	free(value);
	if (fd >= 0)
		close(fd);
	if (ifd >= 0)
		close(ifd);
	close(pidfd);
	return r;
}

static void serve_one(const struct notifier *nt, const struct listener *l)
{
	struct seccomp_notif *n = calloc(1, nt->sizes.seccomp_notif);
	struct seccomp_notif_resp *resp = calloc(1, nt->sizes.seccomp_notif_resp);
	long r;

	if (!n || !resp)
		goto out;
	if (ioctl(l->fd, SECCOMP_IOCTL_NOTIF_RECV, n) < 0)
		goto out; /* the caller was killed meanwhile (ENOENT), or a spurious wakeup */
	r = handle(nt, l->profile, n, l->fd);
	resp->id = n->id;
	resp->flags = 0;
	if (r < 0) {
		resp->error = (int32_t)r;
		resp->val = 0;
	} else {
		resp->error = 0;
		resp->val = r;
	}
	/* ENOENT: the caller is gone (killed at its call's end); nothing to answer. */
	ioctl(l->fd, SECCOMP_IOCTL_NOTIF_SEND, resp);
out:
	free(n);
	free(resp);
}

static void __attribute__((noreturn)) notifier_main(int sock, const struct warden_config *cfg)
{
	static struct notifier nt;
	struct pollfd pf[1 + WNOTIFY_MAX_LISTENERS];
	const char *const *lists[2] = { cfg->read_roots, profile_system_dirs() };
	const char *const *p;
	size_t i, k;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	prctl(PR_SET_NAME, "cordon-notify", 0, 0, 0);
	/* Nothing of the warden's but our socket (its control socket, cgroup directories, ...). */
	if (sock != 3 && (dup2(sock, 3) < 0 || close(sock) < 0))
		_exit(1);
	sock = 3;
	if (syscall(SYS_close_range, 4u, ~0u, 0u) < 0)
		_exit(1);
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &nt.sizes) < 0)
		_exit(1);
	root_open(&nt.ws, cfg->workspace);
	root_open(&nt.tmp, cfg->session_tmp);
	nt.read[nt.nread++] = nt.ws;
	nt.read[nt.nread++] = nt.tmp;
	for (k = 0; k < 2; k++)
		for (p = lists[k]; p && *p && nt.nread < MAX_ROOTS; p++)
			if (root_open(&nt.read[nt.nread], *p))
				nt.nread++;
	/*
	 * Its own filter, last (the roots are open): what follows handles
	 * bytes a command chose, so it may do nothing else (default kill; the
	 * warden set NO_NEW_PRIVS). Without it the notifier does not serve:
	 * closed, not open.
	 */
	if (!cfg->seccomp_ok || seccomp_prog_load(&cfg->prog_notifier) < 0)
		_exit(1);
	for (;;) {
		struct hand_msg m;
		int fd;

		pf[0] = (struct pollfd){ .fd = sock, .events = POLLIN };
		for (i = 0; i < nt.nl; i++)
			pf[1 + i] = (struct pollfd){ .fd = nt.l[i].fd, .events = POLLIN };
		if (poll(pf, 1 + nt.nl, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		for (i = 0; i < nt.nl; i++) {
			if (pf[1 + i].revents & POLLIN)
				serve_one(&nt, &nt.l[i]);
			else if (pf[1 + i].revents & (POLLHUP | POLLERR | POLLNVAL)) {
				/* No process uses that filter any more. */
				close(nt.l[i].fd);
				nt.l[i].fd = -1;
			}
		}
		for (i = k = 0; i < nt.nl; i++)
			if (nt.l[i].fd >= 0)
				nt.l[k++] = nt.l[i];
		nt.nl = k;
		if (!pf[0].revents)
			continue;
		if (sbx_recv_fd(sock, &m, sizeof(m), &fd) < 0) {
			if (pf[0].revents & (POLLHUP | POLLERR))
				_exit(0); /* the warden is gone: so is the session */
			continue; /* a malformed message: dropped */
		}
		if (fd < 0)
			continue;
		/* Full, or a message that is not a hand-over: closing it fails that filter closed (ENOSYS). */
		if (m.magic != WNOTIFY_MAGIC || nt.nl == WNOTIFY_MAX_LISTENERS) {
			close(fd);
			continue;
		}
		nt.l[nt.nl++] = (struct listener){ fd, m.profile };
	}
}

pid_t wnotify_start(const struct warden_config *cfg, int *out_sock)
{
	int sv[2];
	pid_t pid;

	*out_sock = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		notifier_main(sv[1], cfg);
	}
	close(sv[1]);
	*out_sock = sv[0];
	return pid;
}
