/*
 * landlock.c — Landlock rulesets from the profile tables.
 *
 * Debian 12's uapi header predates TRUNCATE, IOCTL_DEV, the net rights and
 * scopes, so the structures are declared here with the kernel's layout.
 */
#include "runtime/sandbox/landlock.h"
#include "common/error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

#define LL_CREATE_RULESET_VERSION (1u << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_NET_BIND_TCP (1ull << 0)
#define LL_NET_CONNECT_TCP (1ull << 1)
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ull << 0)
#define LL_SCOPE_SIGNAL (1ull << 1)

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;             /* ABI 6 */
};

struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

int landlock_abi(void)
{
	long r = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);

	return r < 0 ? -errno : (int)r;
}

uint64_t landlock_fs_rights_for_abi(int abi)
{
	uint64_t m;

	if (abi < 1)
		return 0;
	m = (1ull << 13) - 1; /* ABI 1: EXECUTE .. MAKE_SYM */
	if (abi >= 2)
		m |= LL_FS_REFER;
	if (abi >= 3)
		m |= LL_FS_TRUNCATE;
	if (abi >= 5)
		m |= LL_FS_IOCTL_DEV;
	return m;
}

/*
 * Add one path rule. Missing optional paths are skipped; a rule the kernel
 * refuses is an error (a silently lost rule would change what is allowed).
 */
static int add_path(int rfd, const char *path, uint64_t rights, uint64_t known, bool required)
{
	struct ll_path_beneath_attr pb;
	struct stat st;
	int fd, saved;

	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		if (!required && (errno == ENOENT || errno == ENOTDIR || errno == EACCES))
			return 0;
		return -CORDON_ESYS;
	}
	if (fstat(fd, &st) < 0)
		goto fail;
	rights &= known;
	if (!S_ISDIR(st.st_mode))
		rights &= ~LL_FS_DIR_ONLY;
	if (!rights) {
		close(fd);
		return 0;
	}
	pb.allowed_access = rights;
	pb.parent_fd = fd;
	if (syscall(SYS_landlock_add_rule, rfd, LL_RULE_PATH_BENEATH, &pb, 0) < 0)
		goto fail;
	close(fd);
	return 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -CORDON_ESYS;
}

static int add_list(int rfd, const char *const *paths, uint64_t rights, uint64_t known)
{
	int r;

	for (; paths && *paths; paths++) {
		r = add_path(rfd, *paths, rights, known, false);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Whether path matches a secret pattern (policy/profile.h: a literal directory, a glob last component). */
static bool is_secret(const char *path)
{
	const char *const *p;

	for (p = profile_secret_patterns(); *p; p++) {
		const char *slash = strrchr(*p, '/'), *ps = strrchr(path, '/');

		if (slash && ps && slash - *p == ps - path && !strncmp(*p, path, (size_t)(slash - *p)) &&
		    fnmatch(slash + 1, ps + 1, 0) == 0)
			return true;
	}
	return false;
}

/* Whether a secret pattern lies strictly below dir. */
static bool holds_secret(const char *dir)
{
	const char *const *p;
	size_t n = strlen(dir);

	for (p = profile_secret_patterns(); *p; p++)
		if (!strncmp(*p, dir, n) && (*p)[n] == '/')
			return true;
	return false;
}

/*
 * A rule on dir with rights, minus the secrets below it (degraded mode:
 * no mount view masks them). Landlock only grants, so dir gets READ_DIR
 * alone (a listing shows names, never contents) and every entry that is
 * not a secret its own rule, recursing into those that hold one. A
 * symlink gets no rule: what it points to is governed where it lies, as
 * with the single rule on dir. Entries created later are not readable.
 */
static int add_except_secrets(int rfd, const char *dir, uint64_t rights, uint64_t known, int depth)
{
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (!holds_secret(dir) || depth > 8)
		return add_path(rfd, dir, rights, known, false);
	r = add_path(rfd, dir, rights & LL_FS_READ_DIR, known, false);
	if (r < 0 || !(d = opendir(dir)))
		return r;
	while (r == 0 && (de = readdir(d))) {
		char path[PATH_MAX];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path) ||
		    is_secret(path) || lstat(path, &st) < 0 || S_ISLNK(st.st_mode))
			continue;
		r = S_ISDIR(st.st_mode) ? add_except_secrets(rfd, path, rights, known, depth + 1)
					: add_path(rfd, path, rights, known, false);
	}
	closedir(d);
	return r;
}

/* add_list(), keeping the secrets below the paths out when there is no mount view to mask them. */
static int add_system_list(int rfd, const char *const *paths, uint64_t rights, uint64_t known,
			   bool in_view)
{
	int r;

	if (in_view)
		return add_list(rfd, paths, rights, known);
	for (; paths && *paths; paths++) {
		struct stat st;

		if (lstat(*paths, &st) < 0 || S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
			r = add_path(rfd, *paths, rights, known, false);
		} else {
			r = add_except_secrets(rfd, *paths, rights, known, 0);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

int landlock_build(enum sandbox_profile p, bool with_exec, const struct landlock_paths *paths,
		   int abi)
{
	struct ll_ruleset_attr attr;
	const struct fs_rule *rules;
	uint64_t known = landlock_fs_rights_for_abi(abi);
	size_t n, i, size;
	int rfd, r = 0, saved;

	if (abi < 1) {
		errno = ENOSYS;
		return -CORDON_ESYS;
	}
	memset(&attr, 0, sizeof(attr));
	attr.handled_access_fs = PROFILE_FS_HANDLED & known;
	size = sizeof(uint64_t);
	/*
	 * No rules for TCP: no bind or connect. Except an exec'd command inside
	 * the session's network namespace: that namespace is its loopback and
	 * nothing else (no route, no interface; the seccomp overlay refuses the
	 * other families), so a test server may listen there and be reached,
	 * and nothing leaves. Without it (degraded) seccomp refuses the sockets
	 * and this refuses their use as well.
	 */
	if (abi >= 4 && !(with_exec && paths->netns)) {
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		size = 2 * sizeof(uint64_t);
	}
	if (abi >= 6 && profile_landlock_scoped(p)) {
		/* Safe because: no signal to, and no abstract socket of, anything outside the call. */
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
		size = sizeof(attr);
	}
	rfd = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (rfd < 0)
		return -CORDON_ESYS;
	n = profile_fs_rules(p, with_exec, &rules);
	for (i = 0; i < n && r == 0; i++) {
		const struct fs_rule *fr = &rules[i];
		const char *one[2] = { NULL, NULL };

		switch (fr->kind) {
		case FS_WORKSPACE:
			r = paths->workspace ? add_path(rfd, paths->workspace, fr->rights, known, true) : 0;
			break;
		case FS_READ_ROOTS:
			r = add_list(rfd, paths->read_roots, fr->rights, known);
			break;
		case FS_SYSTEM:
			r = add_system_list(rfd, profile_system_dirs(), fr->rights, known, paths->in_view);
			break;
		case FS_TMP:
			one[0] = paths->tmp;
			r = add_list(rfd, one, fr->rights, known);
			break;
		case FS_DEV:
			r = add_list(rfd, profile_dev_files(), fr->rights, known);
			break;
		case FS_PROC:
			one[0] = "/proc";
			r = add_list(rfd, one, fr->rights, known);
			break;
		case FS_CA:
			r = add_system_list(rfd, profile_ca_dirs(), fr->rights, known, paths->in_view);
			break;
		case FS_VIEW_ROOT:
			one[0] = paths->in_view ? "/" : NULL;
			r = add_list(rfd, one, fr->rights, known);
			break;
		}
	}
	if (r == 0)
		return rfd;
	saved = errno;
	close(rfd);
	errno = saved;
	return r;
}

int landlock_enforce(int ruleset_fd)
{
	return syscall(SYS_landlock_restrict_self, ruleset_fd, 0) < 0 ? -CORDON_ESYS : 0;
}

int landlock_scope_self(int abi)
{
	struct ll_ruleset_attr attr;
	int fd, r, saved;

	if (abi < 6)
		return 0;
	memset(&attr, 0, sizeof(attr));
	attr.scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL;
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd < 0)
		return -CORDON_ESYS;
	r = landlock_enforce(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int landlock_apply(enum sandbox_profile p, bool with_exec, const struct landlock_paths *paths,
		   int abi)
{
	int rfd = landlock_build(p, with_exec, paths, abi), r, saved;

	if (rfd < 0)
		return rfd;
	r = landlock_enforce(rfd);
	saved = errno;
	close(rfd);
	errno = saved;
	return r;
}
