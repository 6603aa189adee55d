/*
 * warden_ns.c — namespaces and the mount view (warden side; see warden_ns.h).
 *
 * The view is built like bubblewrap's: a tmpfs becomes the new root via
 * pivot_root, the host tree stays reachable under /oldroot while we bind
 * what the sandbox may see, then /oldroot is detached.
 */
#include "runtime/sandbox/warden_ns.h"
#include "common/error.h"
#include "common/placeholder.h"
#include "policy/profile.h"
#include "runtime/sandbox/sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <linux/mount.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define OLD "/oldroot"

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), saved;
	ssize_t n;

	if (fd < 0)
		return -CORDON_ESYS;
	n = write(fd, s, strlen(s));
	saved = errno;
	close(fd);
	errno = saved;
	return n == (ssize_t)strlen(s) ? 0 : -CORDON_ESYS;
}

static int map_ids(uid_t uid, gid_t gid, const char **why)
{
	char line[64];
	int r, dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);

	/*
	 * The supervisor is non-dumpable, which makes /proc/self/{uid,gid}_map owned by
	 * root; we hold no secret (forked before keys are read), so be dumpable
	 * for the writes and restore afterwards.
	 */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) {
		*why = "prctl(PR_SET_DUMPABLE)";
		return -CORDON_ESYS;
	}
	r = write_file("/proc/self/setgroups", "deny");
	if (r < 0 && errno != ENOENT) {
		*why = "write /proc/self/setgroups";
		goto out;
	}
	snprintf(line, sizeof(line), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	r = write_file("/proc/self/uid_map", line);
	if (r < 0) {
		*why = "write /proc/self/uid_map";
		goto out;
	}
	snprintf(line, sizeof(line), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	r = write_file("/proc/self/gid_map", line);
	if (r < 0)
		*why = "write /proc/self/gid_map";
out:
	if (dumpable == 0) {
		int saved = errno;

		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		errno = saved;
	}
	return r;
}

static int loopback_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = -CORDON_ESYS, saved;

	if (fd < 0)
		return -CORDON_ESYS;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) == 0)
			r = 0;
	}
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

/*
 * The session's namespaces other than the user namespace, its hostname and
 * its loopback; `what` names the unshare step in *why when it fails.
 */
static int unshare_session(const char *what, const char **why)
{
	if (unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS |
		    CLONE_NEWCGROUP) < 0) {
		*why = what;
		return -CORDON_ESYS;
	}
	if (sethostname("cordon", 6) < 0) {
		*why = "sethostname";
		return -CORDON_ESYS;
	}
	if (loopback_up() < 0) {
		*why = "bring up lo";
		return -CORDON_ESYS;
	}
	return 0;
}

int warden_ns_unshare(uid_t uid, gid_t gid, const char **why)
{
	if (unshare(CLONE_NEWUSER) < 0) {
		*why = WARDEN_NS_USERNS_REFUSED;
		return -CORDON_ESYS;
	}
	if (map_ids(uid, gid, why) < 0)
		return -CORDON_ESYS;
	return unshare_session("unshare(mount|pid|net|ipc|uts|cgroup)", why);
}

int warden_ns_unshare_root(const char **why)
{
	return unshare_session("unshare(mount|pid|net|ipc|uts|cgroup) without a user namespace", why);
}

/* Keep the locked flags of the source mount when remounting (else EPERM in a userns). */
static unsigned long inherited_flags(const char *path)
{
	struct statvfs sv;
	unsigned long f = 0;

	if (statvfs(path, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

/*
 * Remount every mount of the tree at dst (a recursive bind brings the
 * host's submounts along: /etc/hosts bound into a container's /etc, a
 * mount below the workspace) read-only and/or nosuid,nodev,noexec.
 * Safe because: MS_REMOUNT alone changes only the top mount, which left
 * those submounts writable (a chmod there reached the host).
 * mount_setattr() with AT_RECURSIVE (5.12+) only ever sets flags, which a
 * user namespace may do on locked mounts; without it, each submount
 * listed in /proc/self/mountinfo is remounted on its own.
 */
static int harden_tree(const char *dst, bool ro, unsigned long extra)
{
	struct mount_attr attr = { 0 };
	char line[PATH_MAX + 256], mp[PATH_MAX];
	size_t n = strlen(dst);
	FILE *f;
	int r = 0;

	attr.attr_set = (ro ? MOUNT_ATTR_RDONLY : 0) | ((extra & MS_NOSUID) ? MOUNT_ATTR_NOSUID : 0) |
			((extra & MS_NODEV) ? MOUNT_ATTR_NODEV : 0) |
			((extra & MS_NOEXEC) ? MOUNT_ATTR_NOEXEC : 0);
	if (!attr.attr_set)
		return 0;
	if (syscall(SYS_mount_setattr, AT_FDCWD, dst, AT_RECURSIVE | AT_SYMLINK_NOFOLLOW, &attr,
		    sizeof(attr)) == 0)
		return 0;
	if (errno != ENOSYS)
		return -CORDON_ESYS;
	if (mount(NULL, dst, NULL,
		  MS_REMOUNT | MS_BIND | (ro ? MS_RDONLY : 0) | extra | inherited_flags(dst), NULL) < 0)
		return -CORDON_ESYS;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -CORDON_ESYS;
	while (r == 0 && fgets(line, sizeof(line), f)) {
		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT ...": the fifth field (octal escapes left as they are). */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 || strncmp(mp, dst, n) ||
		    mp[n] != '/')
			continue;
		if (mount(NULL, mp, NULL,
			  MS_REMOUNT | MS_BIND | (ro ? MS_RDONLY : 0) | extra | inherited_flags(mp),
			  NULL) < 0)
			r = -CORDON_ESYS;
	}
	fclose(f);
	return r;
}

static int bind_mount(const char *src, const char *dst, bool ro, unsigned long extra)
{
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return -CORDON_ESYS;
	return harden_tree(dst, ro, extra);
}

static int mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t i, n = strlen(path);

	if (n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -CORDON_ESYS;
	}
	memcpy(tmp, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return -CORDON_ESYS;
		tmp[i] = path[i];
	}
	return 0;
}

static int touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0)
		return -CORDON_ESYS;
	close(fd);
	return 0;
}

/*
 * FS14: a placeholder at path (missing a moment ago), an empty directory or
 * file, made only if nothing is there (O_EXCL, no symlink followed) and
 * marked with its owner (common/placeholder.h) so that a later session can
 * tell it from the user's files if this one is killed. Unmarked where the
 * filesystem has no user xattrs (or /proc could not name the owner).
 */
static int make_placeholder(const char *path, bool dir, const char *mark)
{
	int fd;

	if (dir) {
		if (mkdir(path, 0755) < 0)
			return -CORDON_ESYS;
		fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0)
			return -CORDON_ESYS;
	}
	/* Best effort: an unmarked placeholder is still removed when this session closes. */
	if (fd >= 0 && mark[0])
		placeholder_mark_fd(fd, mark);
	if (fd >= 0)
		close(fd);
	return 0;
}

/* Bind src (a host path, seen under /oldroot) at the same path in the new root. */
static int bind_same(const char *path, bool ro)
{
	char src[PATH_MAX];
	struct stat st;

	if (snprintf(src, sizeof(src), OLD "%s", path) >= (int)sizeof(src)) {
		errno = ENAMETOOLONG;
		return -CORDON_ESYS;
	}
	if (lstat(src, &st) < 0)
		return -CORDON_ESYS;
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(src, target, sizeof(target) - 1);

		if (n < 0)
			return -CORDON_ESYS;
		target[n] = '\0';
		return symlink(target, path) < 0 && errno != EEXIST ? -CORDON_ESYS : 0;
	}
	if (S_ISDIR(st.st_mode)) {
		if (mkdir_p(path, 0755) < 0)
			return -CORDON_ESYS;
	} else if (touch(path) < 0) {
		return -CORDON_ESYS;
	}
	return bind_mount(src, path, ro, MS_NOSUID | MS_NODEV);
}

#define STAGE "/.cordon-stage"

/*
 * The stage: a private tmpfs holding an empty file (f) and an empty
 * directory (d), and the same without any permission (z, dz) for the
 * masks of secrets, mounted read-only, nosuid, nodev, noexec before
 * anything is cloned from it. Every mask, cover and hide of the view is a clone of
 * one of the two (the clones inherit the flags; the superblock stays
 * read-only). Safe because: never a host file or device node: a mask that
 * was a bind of the host's /dev/null made `chmod` inside change the host's
 * /dev/null. Made right after pivot_root, while the staging root is
 * writable; its mount point goes at the end (the clones keep the tmpfs).
 */
static int stage_make(void)
{
	int fd;

	if (mkdir(STAGE, 0700) < 0 ||
	    mount("tmpfs", STAGE, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=0555,size=4k,nr_inodes=16") < 0 ||
	    mkdir(STAGE "/d", 0555) < 0)
		return -CORDON_ESYS;
	fd = open(STAGE "/f", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0)
		return -CORDON_ESYS;
	close(fd);
	/* The masks of secrets: no permission at all, so a read says so (EACCES, even for uid 0 inside). */
	fd = open(STAGE "/z", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0 || fchmod(fd, 0) < 0 || mkdir(STAGE "/dz", 0) < 0 || chmod(STAGE "/dz", 0) < 0) {
		if (fd >= 0)
			close(fd);
		return -CORDON_ESYS;
	}
	close(fd);
	if (mount(NULL, STAGE, NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0)
		return -CORDON_ESYS;
	return 0;
}

static int stage_drop(void)
{
	if (umount2(STAGE, MNT_DETACH) < 0 || rmdir(STAGE) < 0)
		return -CORDON_ESYS;
	return 0;
}

/* Move a clone of src (the stage's file or directory) over path, without following path. */
static int cover(const char *src, const char *path)
{
	int fd, r = -CORDON_ESYS, saved;

	fd = (int)syscall(SYS_open_tree, AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (fd < 0)
		return -CORDON_ESYS;
	if (syscall(SYS_move_mount, fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) == 0)
		r = 0;
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

/* The stage's empty directory over a directory, its empty file over anything else. */
static int cover_with_empty(const char *path, const struct stat *st)
{
	return cover(S_ISDIR(st->st_mode) ? STAGE "/d" : STAGE "/f", path);
}

/*
 * A protected path that is a symlink: mount the stage's read-only empty
 * file on the link itself (new mount API, the link is not followed), as
 * Codex does. The link can then be neither written through nor replaced
 * (EBUSY).
 */
static int cover_symlink(const char *path)
{
	return cover(STAGE "/f", path);
}

/*
 * The placeholders are empty files nobody wants committed: list them in the
 * global gitignore of the sandbox (HOME is the private /tmp), so `git status`
 * and `git add -A` inside it pass them by. Best effort. rel: their names
 * (".envrc"); dir: which are directories (a trailing '/').
 */
static void ignore_placeholders(const char *const *rel, const bool *dir, size_t n)
{
	char line[PATH_MAX + 4];
	size_t i;
	int fd;

	if (!n || mkdir_p("/tmp/.config/git", 0755) < 0)
		return;
	fd = open("/tmp/.config/git/ignore", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	for (i = 0; i < n; i++) {
		int len = snprintf(line, sizeof(line), "%s%s\n", rel[i], dir[i] ? "/" : "");

		if (len > 0 && (size_t)len < sizeof(line) && write(fd, line, (size_t)len) != len)
			break;
	}
	close(fd);
}

/* True when every component of path's parent below ws is a real directory (no symlink). */
static bool parent_is_real_dir(const char *ws, const char *path)
{
	char dir[PATH_MAX];
	size_t n = strlen(ws);
	struct stat st;
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir) || strncmp(dir, ws, n))
		return false;
	for (;;) {
		slash = strrchr(dir, '/');
		if (!slash || (size_t)(slash - dir) < n)
			return false;
		*slash = '\0';
		if (strlen(dir) <= n)
			return true;
		if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			return false;
	}
}

/* Bind the symlink at path on itself, read-only: still a link git follows, but no longer replaceable. */
static int pin_link_self(const char *path)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
	int fd, r = -CORDON_ESYS, saved;

	fd = (int)syscall(SYS_open_tree, AT_FDCWD, path,
			  OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW);
	if (fd < 0)
		return -CORDON_ESYS;
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof(attr)) == 0 &&
	    syscall(SYS_move_mount, fd, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) == 0)
		r = 0;
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

/* Mount one pin of kind k at path (what is there now decides the details). */
static int pin_one(const char *path, enum pin_kind k)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -CORDON_ESYS;
	switch (k) {
	case PIN_ABSENT:
		return 0; /* nothing to mount: the supervisor's sentinel watches it */
	case PIN_ANCHOR:
		/* A directory, bound read-write on itself: a mount point cannot be renamed or removed (EBUSY). */
		return S_ISDIR(st.st_mode) ? bind_mount(path, path, false, MS_NOSUID | MS_NODEV) : 0;
	case PIN_HIDE:
		/* Only what is still a socket: an empty read-only file over it (connect: ECONNREFUSED). */
		return S_ISSOCK(st.st_mode) ? cover_with_empty(path, &st) : 0;
	case PIN_LINK:
		if (S_ISLNK(st.st_mode))
			return pin_link_self(path);
		break;
	case PIN_LINK_COVER:
		return S_ISLNK(st.st_mode) ? cover_symlink(path) : bind_mount(path, path, true, MS_NOSUID | MS_NODEV);
	default:
		break;
	}
	/* Something that became a symlink since the survey: covered, never followed. */
	if (S_ISLNK(st.st_mode))
		return cover_symlink(path);
	/* Safe because: a read-only bind on itself; as a mount point it cannot be renamed (EBUSY). */
	return bind_mount(path, path, true, MS_NOSUID | MS_NODEV);
}

/*
 * The pins of the workspace (pins.h; the supervisor's survey.h found them):
 * gitdirs anchored first, missing paths made (placeholders), then
 * everything bound read-only, links pinned or covered, sockets covered.
 * Safe because: each pin is what the supervisor saw moments ago, made again
 * from what is there now (lstat, never following the last component); a
 * path gone since is skipped (nothing to protect), any other failure
 * refuses the session (WARDEN_NS_PIN_FAILED), never degrades it.
 */
static int protect_paths(const struct ns_view *v)
{
	const char **made = NULL;
	bool *made_dir = NULL;
	size_t nmade = 0, i, wslen = strlen(v->workspace), *order = NULL;
	int pass, r = 0;

	if (v->npins) {
		made = calloc(v->npins, sizeof(*made));
		made_dir = calloc(v->npins, sizeof(*made_dir));
		order = calloc(v->npins, sizeof(*order));
		if (!made || !made_dir || !order) {
			free(made);
			free(made_dir);
			free(order);
			errno = ENOMEM;
			return -CORDON_ESYS;
		}
		for (i = 0; i < v->npins; i++)
			order[i] = i;
		/* By path length: a parent is shorter than what it holds. */
		for (i = 1; i < v->npins; i++) {
			size_t k = order[i], j = i;

			while (j > 0 && strlen(v->pins[order[j - 1]].path) > strlen(v->pins[k].path)) {
				order[j] = order[j - 1];
				j--;
			}
			order[j] = k;
		}
	}
	for (pass = 0; pass < 3 && r == 0; pass++) {
		for (i = 0; i < v->npins && r == 0; i++) {
			/* Anchors outermost first: an inner one is then bound inside the outer's mount. */
			const struct pin *p = &v->pins[pass == 0 ? order[i] : i];
			bool ph = p->kind == PIN_PLACEHOLDER_DIR || p->kind == PIN_PLACEHOLDER_FILE;
			struct stat st;

			if ((pass == 0) != (p->kind == PIN_ANCHOR) || (pass == 1) != ph)
				continue;
			if (strncmp(p->path, v->workspace, wslen) ||
			    (p->path[wslen] != '/' && p->path[wslen] != '\0'))
				continue; /* only the workspace is ours to pin */
			if (ph && v->placeholders && lstat(p->path, &st) < 0 && errno == ENOENT &&
			    parent_is_real_dir(v->workspace, p->path)) {
				/*
				 * FS14: a protected path that does not exist yet gets an
				 * empty placeholder on the host, pinned read-only, so the
				 * sandbox cannot create it. The supervisor removes those
				 * still empty when the session ends.
				 */
				if (make_placeholder(p->path, p->kind == PIN_PLACEHOLDER_DIR, v->placeholder_mark) < 0)
					continue;
				/* Only those git would list: below .git it lists nothing. */
				if (!strstr(p->path + wslen, "/.git/")) {
					made[nmade] = strrchr(p->path, '/') + 1;
					made_dir[nmade++] = p->kind == PIN_PLACEHOLDER_DIR;
				}
			} else if (ph) {
				continue;
			}
			r = pin_one(p->path, ph ? PIN_RO : p->kind);
		}
	}
	if (r == 0)
		ignore_placeholders(made, made_dir, nmade);
	free(made);
	free(made_dir);
	free(order);
	return r;
}

/* Whether path is dir or lies below it (both absolute and normal). */
static bool below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1)
		return true;
	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

/*
 * Whether the view shows host files at path: below (or above) what was
 * bound from the host. The private /tmp, /dev and /proc hold nothing of
 * the host's to hide (and covering them would break every command).
 */
static bool shows_host(const struct ns_view *v, const char *path)
{
	const char *const *lists[2] = { v->read_roots, profile_system_dirs() };
	const char *const *p;
	size_t i;

	if (below(path, v->workspace))
		return true;
	for (i = 0; i < 2; i++)
		for (p = lists[i]; p && *p; p++)
			if (below(path, *p) || below(*p, path))
				return true;
	return false;
}

/*
 * The paths to hide (see warden_ns_build_view()). Safe because: the covers
 * are clones of the stage (stage_make()), never a host file or device;
 * they are mount points, so a child cannot rename, remove or write them,
 * and warden_ns_lock() locks them.
 */
static int hide_paths(const struct ns_view *v)
{
	struct stat st;
	size_t i;
	int r = 0;

	for (i = 0; i < v->n_hide && r == 0; i++) {
		const char *p = v->hide[i];

		if (!shows_host(v, p))
			continue;
		if (lstat(p, &st) < 0) {
			/* Not there (or not reachable as a path at all): nothing to read. */
			if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
				continue;
			r = -CORDON_ESYS;
			break;
		}
		r = cover_with_empty(p, &st);
	}
	return r;
}

/*
 * Secrets of the system directories, by pattern (profile_secret_patterns():
 * /etc/shadow and its backups shadow- and shadow.dpkg-old, gshadow*,
 * opasswd, host keys, ...): each entry that matches is covered with the
 * stage's empty file or directory that grants no permission (a read is
 * EACCES: uid 0 inside holds no CAP_DAC_OVERRIDE). A match that is a symlink is covered
 * itself, and so is its target when the view shows it (a secret reached
 * under another name is no secret). Runs once the system directories are
 * bound, before anything else is mounted below them.
 */
static int mask_secrets(void)
{
	const char *const *pat;
	int r = 0;

	for (pat = profile_secret_patterns(); *pat && r == 0; pat++) {
		char dir[PATH_MAX], path[PATH_MAX];
		const char *base = strrchr(*pat, '/');
		struct dirent *de;
		DIR *d;

		if (!base || (size_t)(base - *pat) >= sizeof(dir))
			continue;
		memcpy(dir, *pat, (size_t)(base - *pat));
		dir[base - *pat] = '\0';
		base++;
		d = opendir(dir[0] ? dir : "/");
		if (!d)
			continue; /* not in this view (or not on this host) */
		while (r == 0 && (de = readdir(d))) {
			struct stat st;

			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
			    fnmatch(base, de->d_name, 0) != 0)
				continue;
			if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path) ||
			    lstat(path, &st) < 0)
				continue;
			r = cover(S_ISDIR(st.st_mode) ? STAGE "/dz" : STAGE "/z", path);
			if (r == 0 && S_ISLNK(st.st_mode)) {
				char real[PATH_MAX];

				/* Only targets the view shows from the host: a system directory. */
				if (realpath(path, real) && strncmp(real, STAGE, strlen(STAGE)) &&
				    lstat(real, &st) == 0 && profile_system_path(real))
					r = cover(S_ISDIR(st.st_mode) ? STAGE "/dz" : STAGE "/z", real);
			}
		}
		closedir(d);
	}
	return r;
}

static int build_dev(void)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "/dev/fd" },     { "/proc/self/fd/0", "/dev/stdin" },
		{ "/proc/self/fd/1", "/dev/stdout" }, { "/proc/self/fd/2", "/dev/stderr" },
	};
	const char *const *d;
	char src[PATH_MAX];
	size_t i;

	if (mkdir("/dev", 0755) < 0 ||
	    mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=65536k") < 0)
		return -CORDON_ESYS;
	for (d = profile_dev_files(); *d; d++) {
		snprintf(src, sizeof(src), OLD "%s", *d);
		if (access(src, F_OK) < 0)
			continue;
		/*
		 * Safe because: read-only binds. Reads and writes of a device node
		 * do not need a writable mount (only metadata does), so /dev/null
		 * still swallows output, but chmod, chown and utimes of the host's
		 * node get EROFS instead of changing it for the whole host.
		 */
		if (touch(*d) < 0 || mount(src, *d, NULL, MS_BIND, NULL) < 0 ||
		    mount(NULL, *d, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | inherited_flags(*d),
			  NULL) < 0)
			return -CORDON_ESYS;
	}
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlink(links[i][0], links[i][1]) < 0)
			return -CORDON_ESYS;
	if (mkdir("/dev/shm", 01777) < 0 || chmod("/dev/shm", 01777) < 0)
		return -CORDON_ESYS;
	return 0;
}

/*
 * Every top-level /proc entry that is not a process's (kallsyms, slabinfo,
 * kcore, tty/, driver/, ...) read-only, on itself. Safe because: those
 * entries are the kernel's global proc_dir_entry objects, shared by every
 * proc instance: a chmod of /proc/slabinfo by uid 0 inside (the owner check
 * passes without capabilities) changed its mode for every later /proc on
 * the host. A read-only mount makes it EROFS. The pid directories (ours,
 * in our pid namespace) and the self/thread-self links stay as they are.
 */
static int proc_globals_readonly(const char *const *done, size_t ndone)
{
	struct dirent *de;
	DIR *d = opendir("/proc");
	int r = 0;

	if (!d)
		return -CORDON_ESYS;
	while (r == 0 && (de = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;
		size_t i;
		bool skip = de->d_name[0] == '.' || (de->d_name[0] >= '0' && de->d_name[0] <= '9');

		for (i = 0; i < ndone && !skip; i++)
			skip = !strcmp(done[i] + 6, de->d_name); /* "/proc/" + name */
		if (skip)
			continue;
		snprintf(path, sizeof(path), "/proc/%s", de->d_name);
		if (lstat(path, &st) < 0 || S_ISLNK(st.st_mode))
			continue;
		if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
			/* A few entries refuse binds (EINVAL on some kernels' special files): skip only those. */
			if (errno == EINVAL || errno == ENOENT)
				continue;
			r = -CORDON_ESYS;
			break;
		}
		r = harden_tree(path, true, MS_NOSUID | MS_NODEV | MS_NOEXEC);
	}
	closedir(d);
	return r;
}

static int build_proc(void)
{
	static const char *const ro[] = { "/proc/sys", "/proc/sysrq-trigger", "/proc/irq",
					  "/proc/bus", "/proc/fs" };
	size_t i;

	if (mkdir("/proc", 0555) < 0 && errno != EEXIST)
		return -CORDON_ESYS;
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -CORDON_ESYS;
	/*
	 * KS10: no executable memfds in this pid namespace (6.3+; per pidns).
	 * Best effort: older kernels lack the file, and a non-root owner of
	 * the namespace cannot open it (it belongs to the host's root).
	 */
	write_file("/proc/sys/vm/memfd_noexec", "2");
	/* Safe because: kernel tunables stay read-only even for uid 0 without capabilities. */
	for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		if (access(ro[i], F_OK) < 0)
			continue;
		if (bind_mount(ro[i], ro[i], true, MS_NOSUID | MS_NODEV | MS_NOEXEC) < 0)
			return -CORDON_ESYS;
	}
	return proc_globals_readonly(ro, sizeof(ro) / sizeof(ro[0]));
}

/*
 * The per-workspace cache (sandbox_opts.cache_dir) at /tmp/.cache, below
 * the private tmp that HOME and TMPDIR name. Safe because: the supervisor
 * passes a directory of the caller's own, outside the workspace, whose real
 * path it resolved; it is bound nosuid,nodev like the workspace, and
 * Landlock's rule on /tmp covers what lies below it (its rules hold the
 * hierarchy, mounts included), so a command gets no more there than in
 * /tmp. Not fatal: without it the cache is the tmpfs's, per session.
 */
static void bind_cache(const char *dir, const char *workspace)
{
	static const char dst[] = "/tmp/" SANDBOX_CACHE_NAME;
	char src[PATH_MAX];

	if (!dir || !dir[0] || !strncmp(workspace, dst, sizeof(dst) - 1) ||
	    snprintf(src, sizeof(src), OLD "%s", dir) >= (int)sizeof(src))
		return;
	if (mkdir(dst, 0700) < 0)
		return;
	if (bind_mount(src, dst, false, MS_NOSUID | MS_NODEV) < 0) {
		umount2(dst, MNT_DETACH);
		rmdir(dst);
	}
}

int warden_ns_build_view(const struct ns_view *v, const char **why)
{
	const char *const *p;
	char opts[96];

#define STEP(expr, what)             \
	do {                         \
		if ((expr) < 0) {    \
			*why = what; \
			return -CORDON_ESYS; \
		}                    \
	} while (0)

	/* Nothing we mount may propagate back to the host. */
	STEP(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), "make / private");
	STEP(mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1m"),
	     "mount the staging tmpfs");
	STEP(mkdir("/tmp" OLD, 0700), "mkdir oldroot");
	STEP(chdir("/tmp"), "chdir staging");
	STEP(syscall(SYS_pivot_root, ".", "." OLD), "pivot_root");
	STEP(chdir("/"), "chdir /");
	STEP(stage_make(), "make the private stage of masks and covers");

	for (p = profile_system_dirs(); *p; p++) {
		char src[PATH_MAX];
		struct stat st;

		snprintf(src, sizeof(src), OLD "%s", *p);
		if (lstat(src, &st) < 0)
			continue;
		STEP(bind_same(*p, true), "bind a system directory read-only");
	}
	/* Password hashes (and their backups, host keys, ...) stay hidden even from uid 0 inside. */
	STEP(mask_secrets(), "mask the secrets of the system directories");
	/* /tmp first: a workspace below /tmp is then bound inside the private tmpfs. */
	snprintf(opts, sizeof(opts), "mode=1777,size=%llu,nr_inodes=262144",
		 (unsigned long long)v->tmp_size);
	STEP(mkdir("/tmp", 01777), "mkdir /tmp");
	STEP(mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, opts), "mount /tmp");
	for (p = v->read_roots; p && *p; p++)
		STEP(bind_same(*p, true), "bind a read root");
	STEP(bind_same(v->workspace, false), "bind the workspace");
	bind_cache(v->cache_dir, v->workspace);
	STEP(protect_paths(v), WARDEN_NS_PIN_FAILED);
	STEP(build_dev(), "build /dev");
	STEP(build_proc(), "mount /proc");
	STEP(hide_paths(v), WARDEN_NS_HIDE_FAILED);
	STEP(stage_drop(), "detach the stage");

	STEP(umount2(OLD, MNT_DETACH), "detach the old root");
	STEP(rmdir(OLD), "remove oldroot");
	/* The staging tmpfs root: read-only, so nothing new appears at the top. */
	STEP(mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL),
	     "remount / read-only");
	STEP(chdir(v->workspace), "chdir workspace");
#undef STEP
	return 0;
}

int warden_ns_lock(uid_t uid, gid_t gid, const char **why)
{
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
		*why = "unshare(CLONE_NEWUSER|CLONE_NEWNS) to lock the mounts";
		return -CORDON_ESYS;
	}
	return map_ids(uid, gid, why);
}

int warden_ns_probe_userns(const char **why)
{
	int status;
	pid_t pid = fork();

	*why = "";
	if (pid < 0) {
		*why = "fork failed";
		return 0;
	}
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER) < 0 ? 1 : 0);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			break;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 1;
	*why = "unshare(CLONE_NEWUSER) refused";
	return 0;
}
