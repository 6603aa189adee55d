/*
 * pathres.c — beneath-the-root path resolution (see pathres.h).
 *
 * The lexical step (normalise, find the root) only decides *which* root a
 * path is meant for; it is not the security boundary. The boundary is the
 * kernel's RESOLVE_BENEATH on the root's directory fd (or the equivalent
 * walk below), which holds whatever the tree contains: symlinks planted by
 * Bash, ".." through a symlinked directory, races that swap a directory for
 * a link between two calls.
 */
#include "tools/pathres.h"
#include "common/error.h"
#include "common/path.h"
#include "policy/profile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Tests flip this to exercise the fallback; never set in production. */
static bool force_fallback;

void pathres_force_fallback(bool on)
{
	force_fallback = on;
}

static void root_release(struct pathres_root *r)
{
	free(r->path);
	free(r->real);
	if (r->fd >= 0)
		close(r->fd);
	r->path = r->real = NULL;
	r->fd = -1;
}

static int root_open(struct pathres_root *r, const char *path, bool writable)
{
	char real[PATH_MAX];
	int rc;

	r->fd = -1;
	r->real = NULL;
	rc = path_normalize_dup(&r->path, path, NULL);
	if (rc < 0)
		return rc;
	/* The root itself is trusted configuration (the user chose it). */
	r->fd = open(r->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r->fd < 0) {
		rc = -CORDON_ESYS;
		goto fail;
	}
	if (realpath(r->path, real) && strcmp(real, r->path)) {
		r->real = strdup(real);
		if (!r->real) {
			rc = -CORDON_ENOMEM;
			goto fail;
		}
	}
	r->writable = writable;
	return 0;
fail:
	root_release(r);
	return rc;
}

int pathres_init(struct pathres *pr, const char *workspace, const char *cwd,
		 const char *const *roots, size_t nroots)
{
	size_t i;
	int rc;

	memset(pr, 0, sizeof(*pr));
	for (i = 0; i < PATHRES_MAX_ROOTS; i++)
		pr->roots[i].fd = -1;
	if (!workspace || workspace[0] != '/' || (cwd && cwd[0] != '/'))
		return -CORDON_EINVAL;
	if (nroots + 1 > PATHRES_MAX_ROOTS)
		return -CORDON_ETOOBIG;
	rc = root_open(&pr->roots[0], workspace, true);
	if (rc < 0)
		return rc;
	pr->nroots = 1;
	for (i = 0; i < nroots; i++) {
		if (!roots[i] || roots[i][0] != '/') {
			rc = -CORDON_EINVAL;
			goto fail;
		}
		rc = root_open(&pr->roots[pr->nroots], roots[i], false);
		if (rc == -CORDON_ESYS)
			continue; /* a missing extra root grants nothing */
		if (rc < 0)
			goto fail;
		pr->nroots++;
	}
	rc = path_normalize_dup(&pr->cwd, cwd ? cwd : workspace, NULL);
	if (rc < 0)
		goto fail;
	return 0;
fail:
	pathres_release(pr);
	return rc;
}

int pathres_from_request(struct pathres *pr, const json_t *request)
{
	const char *roots[PATHRES_MAX_ROOTS];
	json_t *arr = json_object_get(request, "roots"), *v;
	size_t n = 0, i;

	if (json_is_array(arr)) {
		json_array_foreach(arr, i, v) {
			if (!json_is_string(v) || n + 1 >= PATHRES_MAX_ROOTS)
				return -CORDON_EINVAL;
			roots[n++] = json_string_value(v);
		}
	}
	return pathres_init(pr, json_string_value(json_object_get(request, "workspace")),
			    json_string_value(json_object_get(request, "cwd")), roots, n);
}

bool pathres_is_placeholder(const json_t *request, const char *abs)
{
	const json_t *arr = json_object_get(request, "placeholders"), *v;
	size_t i;

	if (!abs || !json_is_array(arr))
		return false;
	json_array_foreach(arr, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), abs))
			return true;
	return false;
}

void pathres_release(struct pathres *pr)
{
	size_t i;

	for (i = 0; i < pr->nroots; i++)
		root_release(&pr->roots[i]);
	pr->nroots = 0;
	free(pr->cwd);
	pr->cwd = NULL;
}

/* Length of the part of `path` under `root` ("" or "/..."), or -1. */
static long under(const char *path, const char *root)
{
	size_t n;

	if (!root)
		return -1;
	if (!strcmp(root, "/"))
		return 0;
	n = strlen(root);
	if (strncmp(path, root, n) || (path[n] && path[n] != '/'))
		return -1;
	return (long)n;
}

int pathres_locate(const struct pathres *pr, const char *model_path, struct pathres_loc *out)
{
	char *norm = NULL;
	long best = -1, n;
	size_t i, bi = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	out->rootfd = -1;
	rc = path_normalize_dup(&norm, model_path, pr->cwd);
	if (rc < 0)
		return rc;
	for (i = 0; i < pr->nroots; i++) {
		n = under(norm, pr->roots[i].path);
		if (n < 0)
			n = under(norm, pr->roots[i].real);
		if (n > best) {
			best = n;
			bi = i;
		}
	}
	if (best < 0) {
		free(norm);
		return -CORDON_EDENIED;
	}
	out->root = bi;
	out->rootfd = pr->roots[bi].fd;
	out->rel = strdup(norm[best] == '/' ? norm + best + 1 : norm + best);
	out->abs = norm;
	if (!out->rel) {
		pathres_loc_release(out);
		return -CORDON_ENOMEM;
	}
	return 0;
}

void pathres_loc_release(struct pathres_loc *loc)
{
	free(loc->rel);
	free(loc->abs);
	loc->rel = loc->abs = NULL;
}

/*
 * The fallback when openat2 is unavailable. Same guarantees as
 * RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS: every component is opened with
 * O_NOFOLLOW relative to the directory before it, so the kernel never
 * follows a link for us; links are read and spliced in by hand, absolute
 * ones refused (EXDEV, like BENEATH), ".." pops our own stack and cannot
 * pop past the root (EXDEV). Magic links read back as absolute paths or
 * as "type:[inode]" names, so they are refused or looked up as plain names.
 */
static int walk_open(int dirfd, const char *rel, int flags, unsigned resolve, int *out_fd)
{
	int stack[PATHRES_MAX_DEPTH];
	int depth = 0, links = 0, rc = -CORDON_ESYS, fd, err = 0;
	char *rest = NULL, *p, *seg;
	struct stat st;

	*out_fd = -1;
	if (rel[0] == '/') {
		errno = EXDEV;
		return -CORDON_ESYS;
	}
	rest = strdup(rel);
	if (!rest)
		return -CORDON_ENOMEM;
	stack[0] = openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (stack[0] < 0) {
		err = errno;
		goto out;
	}
	p = rest;
	for (;;) {
		bool last;

		while (*p == '/')
			p++;
		seg = p;
		while (*p && *p != '/')
			p++;
		if (*p)
			*p++ = 0;
		while (*p == '/')
			p++;
		last = !*p;
		if (!*seg || !strcmp(seg, ".")) {
			if (!last)
				continue;
			seg = (char *)".";
		}
		if (!strcmp(seg, "..")) {
			if (depth == 0) {
				err = EXDEV;
				goto out;
			}
			close(stack[depth--]);
			if (!last)
				continue;
			seg = (char *)".";
		}
		fd = openat(stack[depth], seg, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			if (last && errno == ENOENT && (flags & O_CREAT))
				goto final;
			err = errno;
			goto out;
		}
		if (fstat(fd, &st) < 0) {
			err = errno;
			close(fd);
			goto out;
		}
		if (S_ISLNK(st.st_mode) && last && (flags & O_NOFOLLOW)) {
			/* As the kernel does: the link itself for O_PATH, ELOOP otherwise. */
			close(fd);
			goto final;
		}
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t tl;
			char *nrest;

			tl = readlinkat(fd, "", target, sizeof(target) - 1);
			close(fd);
			if (resolve & PATHRES_NO_SYMLINKS) {
				err = ELOOP;
				goto out;
			}
			if (tl < 0) {
				err = errno;
				goto out;
			}
			target[tl] = 0;
			if (++links > PATHRES_MAX_LINKS) {
				err = ELOOP;
				goto out;
			}
			if (target[0] == '/' || tl == 0) {
				err = tl ? EXDEV : ENOENT;
				goto out;
			}
			if (asprintf(&nrest, "%s/%s", target, p) < 0) {
				rc = -CORDON_ENOMEM;
				goto out;
			}
			free(rest);
			rest = p = nrest;
			continue;
		}
		if (last) {
			close(fd);
			goto final;
		}
		if (!S_ISDIR(st.st_mode)) {
			close(fd);
			err = ENOTDIR;
			goto out;
		}
		if (depth + 1 >= PATHRES_MAX_DEPTH) {
			close(fd);
			err = ENAMETOOLONG;
			goto out;
		}
		stack[++depth] = fd;
		continue;
final:
		/* O_NOFOLLOW: the final name was checked not to be a link; if
		 * it was swapped for one since, the open fails (ELOOP). */
		fd = openat(stack[depth], seg, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			err = errno;
			goto out;
		}
		*out_fd = fd;
		rc = 0;
		goto out;
	}
out:
	while (depth >= 0) {
		if (stack[depth] >= 0)
			close(stack[depth]);
		depth--;
	}
	free(rest);
	if (rc < 0 && err)
		errno = err;
	return rc;
}

int pathres_openat(int dirfd, const char *rel, int flags, unsigned resolve, int *out_fd)
{
	struct open_how how;
	int tries = 0;
	long fd;

	*out_fd = -1;
	if (!force_fallback) {
		memset(&how, 0, sizeof(how));
		how.flags = (unsigned long long)(flags | O_CLOEXEC);
		how.mode = (flags & O_CREAT) ? 0600 : 0;
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
		if (resolve & PATHRES_NO_SYMLINKS)
			how.resolve |= RESOLVE_NO_SYMLINKS;
		/* EAGAIN: the kernel saw a rename race on ".."; retry, but
		 * boundedly, so a racing model cannot spin us forever. */
		do
			fd = syscall(SYS_openat2, dirfd, *rel ? rel : ".", &how, sizeof(how));
		while (fd < 0 && (errno == EAGAIN || errno == EINTR) && ++tries < 64);
		if (fd >= 0) {
			*out_fd = (int)fd;
			return 0;
		}
		if (errno != ENOSYS && errno != EPERM)
			return -CORDON_ESYS;
		/* ENOSYS: old kernel or a seccomp filter hiding openat2;
		 * EPERM: a filter refusing it. Fall back to the walk. */
	}
	return walk_open(dirfd, *rel ? rel : ".", flags, resolve, out_fd);
}

int pathres_stat(const struct pathres_loc *loc, bool nofollow, struct stat *st)
{
	int fd, rc, e;

	rc = pathres_openat(loc->rootfd, loc->rel, O_PATH | (nofollow ? O_NOFOLLOW : 0), 0, &fd);
	if (rc < 0)
		return rc;
	rc = fstat(fd, st) < 0 ? -CORDON_ESYS : 0;
	e = errno;
	close(fd);
	errno = e;
	return rc;
}

int pathres_open_file(const struct pathres_loc *loc, int *out_fd, struct stat *st)
{
	struct stat pre;
	int fd = -1, rc;

	*out_fd = -1;
	/* Look before opening: an O_PATH fd never runs a driver's open or
	 * blocks on a FIFO, so devices and FIFOs are refused unopened. */
	rc = pathres_stat(loc, false, &pre);
	if (rc < 0)
		return rc;
	if (S_ISDIR(pre.st_mode)) {
		errno = EISDIR;
		return -CORDON_ESYS;
	}
	if (!S_ISREG(pre.st_mode)) {
		errno = ENXIO;
		return -CORDON_ESYS;
	}
	rc = pathres_openat(loc->rootfd, loc->rel, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0, &fd);
	if (rc < 0)
		return rc;
	/* Re-check what was opened: the name may have been swapped between
	 * the look and the open (O_NONBLOCK keeps a swapped-in FIFO from
	 * hanging us; O_NOCTTY keeps a tty from becoming ours). */
	if (fstat(fd, st) < 0) {
		rc = -CORDON_ESYS;
		goto fail;
	}
	if (!S_ISREG(st->st_mode) || st->st_dev != pre.st_dev || st->st_ino != pre.st_ino) {
		errno = S_ISDIR(st->st_mode) ? EISDIR : ENXIO;
		rc = -CORDON_ESYS;
		goto fail;
	}
	*out_fd = fd;
	return 0;
fail:
	{
		int e = errno;

		close(fd);
		errno = e;
	}
	return rc;
}

int pathres_open_dir(const struct pathres_loc *loc, int *out_fd)
{
	return pathres_openat(loc->rootfd, loc->rel, O_RDONLY | O_DIRECTORY | O_NONBLOCK, 0, out_fd);
}

bool pathres_is_protected(const char *rel)
{
	/*
	 * The sandbox's top-level list (policy/profile.h: also made read-only,
	 * or pinned with a placeholder, in the mount view) plus the policy
	 * default list of guarded names in any path component, in any case
	 * (case-folding filesystems): all of .git, .vscode/, .envrc, .claude/,
	 * .husky/, .cargo/, *.code-workspace, ...
	 */
	return profile_path_protected(rel) || profile_guarded_path(rel);
}

int pathres_open_parent(const struct pathres_loc *loc, bool mkdirs, int *out_dirfd,
			const char **out_name)
{
	char *dir = NULL, *p, *seg, *slash;
	int cur = -1, next = -1, rc;

	*out_dirfd = -1;
	*out_name = NULL;
	if (loc->root != 0)
		return -CORDON_EDENIED; /* extra roots are read-only */
	if (!loc->rel[0])
		return -CORDON_EINVAL;
	if (pathres_is_protected(loc->rel))
		return -CORDON_EDENIED;
	dir = strdup(loc->rel);
	if (!dir)
		return -CORDON_ENOMEM;
	slash = strrchr(dir, '/');
	*out_name = loc->rel + (slash ? (size_t)(slash - dir) + 1 : 0);
	if (slash)
		*slash = 0;
	else
		dir[0] = 0;
	rc = pathres_openat(loc->rootfd, "", O_PATH | O_DIRECTORY, PATHRES_NO_SYMLINKS, &cur);
	if (rc < 0)
		goto out;
	/* One component at a time with no symlinks allowed: every directory
	 * we pass (or create) is a real directory beneath the root, so the
	 * name we finally write is exactly loc->rel and nothing else. */
	for (p = dir; *p;) {
		seg = p;
		while (*p && *p != '/')
			p++;
		if (*p)
			*p++ = 0;
		rc = pathres_openat(cur, seg, O_PATH | O_DIRECTORY, PATHRES_NO_SYMLINKS, &next);
		if (rc < 0 && errno == ENOENT && mkdirs) {
			if (mkdirat(cur, seg, 0755) < 0 && errno != EEXIST) {
				rc = -CORDON_ESYS;
				goto out;
			}
			rc = pathres_openat(cur, seg, O_PATH | O_DIRECTORY, PATHRES_NO_SYMLINKS, &next);
		}
		if (rc < 0)
			goto out;
		close(cur);
		cur = next;
		next = -1;
	}
	rc = pathres_openat(cur, "", O_RDONLY | O_DIRECTORY, PATHRES_NO_SYMLINKS, out_dirfd);
out:
	if (cur >= 0) {
		int e = errno;

		close(cur);
		errno = e;
	}
	free(dir);
	return rc;
}

const char *pathres_errmsg(char *buf, size_t size, int err, int errnum, const char *shown)
{
	if (err == -CORDON_EDENIED)
		snprintf(buf, size,
			 "'%s' is outside the directories this agent may access (the workspace and its "
			 "allowed read roots), or is a protected path; use a path inside the workspace",
			 shown);
	else if (err == -CORDON_EINVAL)
		snprintf(buf, size, "the path '%.200s' is empty or too long", shown);
	else if (err != -CORDON_ESYS)
		snprintf(buf, size, "cannot resolve '%s': %s", shown, cordon_strerror(err));
	else if (errnum == EXDEV)
		snprintf(buf, size,
			 "'%s' leads outside the allowed directories (through a symbolic link or '..'); "
			 "access refused",
			 shown);
	else if (errnum == ELOOP)
		snprintf(buf, size,
			 "'%s' goes through a symbolic link that is not allowed here, or a link loop; "
			 "access refused",
			 shown);
	else if (errnum == ENXIO)
		snprintf(buf, size, "'%s' is not a regular file (a FIFO, device or socket); refusing to open it",
			 shown);
	else if (errnum == ENOTDIR)
		snprintf(buf, size, "'%s': a component of the path is not a directory", shown);
	else
		snprintf(buf, size, "cannot open '%s': %s", shown, strerror(errnum));
	return buf;
}
