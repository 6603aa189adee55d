/*
 * restore.c — writing a snapshot's files back into the working tree (see
 * internal.h: restore_tree()).
 *
 * This runs in the supervisor (`cordon rewind`), outside any sandbox, on a
 * tree the model may have shaped, so every path is opened one component at
 * a time beneath the working tree's descriptor with O_NOFOLLOW|O_DIRECTORY:
 * a symlink planted where a directory was expected (`src -> /etc`) makes
 * the write fail instead of leaving the tree. Paths with an empty, ".",
 * ".." or .git component are refused before anything is written, and so
 * are submodules (gitlinks), which are never entered.
 */
#include "runtime/git/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Open the directory holding `path` (relative), beneath root. create: make
 * missing directories (mode 0777 less the umask, as git does). Returns the
 * descriptor and points *leaf at the last component, or -1 (errno set).
 */
static int open_parent(int root, const char *path, bool create, const char **leaf)
{
	char comp[NAME_MAX + 1];
	const char *p = path, *slash;
	int fd = dup(root);

	while (fd >= 0 && (slash = strchr(p, '/'))) {
		size_t len = (size_t)(slash - p);
		int next;

		if (len > NAME_MAX) {
			close(fd);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(comp, p, len);
		comp[len] = '\0';
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, comp, 0777) < 0 && errno != EEXIST) {
				close(fd);
				return -1;
			}
			next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		close(fd);
		fd = next;
		p = slash + 1;
	}
	*leaf = p;
	return fd;
}

static int fail_path(struct cordon_diag *d, const char *path, const char *what)
{
	diag_set(d, 0, 0, "cannot restore '%s': %s", path, what);
	return -CORDON_ESYS;
}

/* Write one blob as path: a temporary name beside it, then rename over. */
static int write_one(git_repository *repo, int root, const git_diff_file *f, struct cordon_diag *d)
{
	git_blob *blob = NULL;
	const char *leaf;
	const char *data;
	char tmp[NAME_MAX + 1];
	size_t len, off = 0;
	int dfd, fd = -1, rc;

	if ((rc = git_blob_lookup(&blob, repo, &f->id)) < 0)
		return git_fail(d, rc, "cannot read a snapshot's file");
	data = git_blob_rawcontent(blob);
	len = (size_t)git_blob_rawsize(blob);
	dfd = open_parent(root, f->path, true, &leaf);
	if (dfd < 0) {
		rc = fail_path(d, f->path, errno == ENOTDIR || errno == ELOOP ? "a file or symlink is in the way"
									 : strerror(errno));
		goto out;
	}
	for (unsigned i = 0;; i++) {
		snprintf(tmp, sizeof(tmp), ".cordon-restore-%u-%u", (unsigned)getpid(), i);
		if (f->mode == MODE_LINK) {
			char target[PATH_MAX + 1];

			if (len > PATH_MAX || memchr(data, '\0', len)) {
				rc = fail_path(d, f->path, "the symlink's target is not a path");
				goto out;
			}
			memcpy(target, data, len);
			target[len] = '\0';
			if (symlinkat(target, dfd, tmp) == 0)
				break;
		} else {
			/* The kernel applies the umask, as git checkout does. */
			fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				    f->mode == MODE_EXEC ? 0777 : 0666);
			if (fd >= 0)
				break;
		}
		if (errno != EEXIST || i > 100) {
			rc = fail_path(d, f->path, strerror(errno));
			goto out;
		}
	}
	while (fd >= 0 && off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = fail_path(d, f->path, strerror(errno));
			unlinkat(dfd, tmp, 0);
			goto out;
		}
		off += (size_t)w;
	}
	if (fd >= 0 && close(fd) < 0) {
		fd = -1;
		rc = fail_path(d, f->path, strerror(errno));
		unlinkat(dfd, tmp, 0);
		goto out;
	}
	fd = -1;
	/* rename() replaces a file or a link, never a directory (EISDIR): nothing is lost. */
	if (renameat(dfd, tmp, dfd, leaf) < 0) {
		rc = fail_path(d, f->path, errno == EISDIR || errno == ENOTEMPTY ? "a directory is in the way"
										: strerror(errno));
		unlinkat(dfd, tmp, 0);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (dfd >= 0)
		close(dfd);
	git_blob_free(blob);
	return rc;
}

static int remove_one(int root, const char *path, struct cordon_diag *d)
{
	const char *leaf;
	int dfd = open_parent(root, path, false, &leaf);

	if (dfd < 0)
		return errno == ENOENT ? 0 : fail_path(d, path, strerror(errno));
	if (unlinkat(dfd, leaf, 0) < 0 && errno != ENOENT) {
		int e = errno;

		close(dfd);
		return fail_path(d, path, strerror(e));
	}
	close(dfd);
	return 0;
}

/* Remove the directories above path that are empty now (as git checkout does). */
static void prune_dirs(int root, const char *path)
{
	char dir[SNAP_MAX_PATH + 1];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	while ((slash = strrchr(dir, '/'))) {
		*slash = '\0';
		if (unlinkat(root, dir, AT_REMOVEDIR) < 0)
			break;
	}
}

/* Whether the path added by delta i is also deleted (a typechange, split): its neighbours, in path order. */
static bool deleted_too(git_diff *diff, size_t i)
{
	const char *path = git_diff_get_delta(diff, i)->new_file.path;
	size_t n = git_diff_num_deltas(diff);

	for (size_t k = i ? i - 1 : 0; k < n && k <= i + 1; k++) {
		const git_diff_delta *o = git_diff_get_delta(diff, k);

		if (k != i && o->status == GIT_DELTA_DELETED && !strcmp(o->old_file.path, path))
			return true;
	}
	return false;
}

static bool is_gitlink(const git_diff_file *f)
{
	return f->mode == MODE_GITLINK;
}

int restore_tree(git_repository *repo, const char *workdir, git_tree *from, git_tree *to, json_t *changed,
		 struct cordon_diag *d)
{
	git_diff *diff = NULL;
	size_t i, n;
	int root = -1, rc;
	struct stat st;

	/* Typechanges come as a deletion and an addition: one way to handle both. */
	if ((rc = run_diff(&diff, repo, from, to, 0, d)) < 0)
		return rc;
	n = git_diff_num_deltas(diff);
	root = open(workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0) {
		rc = (diag_set(d, 0, 0, "cannot open the working tree '%s': %s", workdir, strerror(errno)), -CORDON_ESYS);
		goto out;
	}
	/* Check everything before changing anything. */
	for (i = 0; i < n; i++) {
		const git_diff_delta *dl = git_diff_get_delta(diff, i);
		const char *leaf;
		int dfd;

		if (!snap_path_ok(dl->old_file.path) || !snap_path_ok(dl->new_file.path)) {
			rc = (diag_set(d, 0, 0, "refusing the path '%s' from the snapshot", dl->new_file.path), -CORDON_EDENIED);
			goto out;
		}
		if (dl->status != GIT_DELTA_ADDED || is_gitlink(&dl->new_file) || deleted_too(diff, i))
			continue;
		/* Not in the snapshot of now, but there: an ignored or left-out file would be overwritten. */
		dfd = open_parent(root, dl->new_file.path, false, &leaf);
		if (dfd >= 0 && fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
			close(dfd);
			rc = (diag_set(d, 0, 0, "cannot restore '%s': a file that is not in the snapshot (ignored?) is in the way",
				      dl->new_file.path), -CORDON_EDENIED);
			goto out;
		}
		if (dfd >= 0)
			close(dfd);
	}
	for (i = 0; i < n; i++) {
		const git_diff_delta *dl = git_diff_get_delta(diff, i);

		if (dl->status != GIT_DELTA_DELETED || is_gitlink(&dl->old_file))
			continue;
		if ((rc = remove_one(root, dl->old_file.path, d)) < 0)
			goto out;
	}
	for (i = n; i-- > 0;) {
		const git_diff_delta *dl = git_diff_get_delta(diff, i);

		if (dl->status == GIT_DELTA_DELETED && !is_gitlink(&dl->old_file))
			prune_dirs(root, dl->old_file.path);
	}
	for (i = 0; i < n; i++) {
		const git_diff_delta *dl = git_diff_get_delta(diff, i);

		if (dl->status == GIT_DELTA_DELETED || is_gitlink(&dl->new_file) || is_gitlink(&dl->old_file))
			continue;
		if ((rc = write_one(repo, root, &dl->new_file, d)) < 0)
			goto out;
	}
	if (changed) {
		json_t *files = diff_files(diff);

		json_array_extend(changed, files);
		json_decref(files);
	}
	rc = 0;
out:
	if (root >= 0)
		close(root);
	git_diff_free(diff);
	return rc;
}
