/* wtarget.c — resolve and vet the target of a Write or Edit. */
#include "tools/wtarget.h"
#include "tools/fsops.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int wtarget_open(struct wtarget *t, const struct pathres *pr, const char *abs, const char *path, char *msg,
		 size_t size)
{
	struct stat fst;
	int rc;

	memset(t, 0, sizeof(*t));
	t->dirfd = t->fd = -1;
	t->pr = pr;
	rc = pathres_locate(pr, abs, &t->loc);
	if (rc == 0 && t->loc.root != 0)
		rc = -CORDON_EDENIED;
	if (rc == -CORDON_EDENIED) {
		snprintf(msg, size,
			 "cannot write '%s': it is outside the workspace (%s); the file tools only change files "
			 "inside it",
			 path, pr->roots[0].path);
		return -1;
	}
	if (rc < 0) {
		pathres_errmsg(msg, size, rc, errno, path);
		return -1;
	}
	if (pathres_is_protected(t->loc.rel)) {
		snprintf(msg, size,
			 "cannot write '%s': it is a protected path (version control, shell start-up, editor or "
			 "agent configuration), which the file tools never change",
			 path);
		return -1;
	}
	rc = pathres_open_parent(&t->loc, false, &t->dirfd, &t->name);
	if (rc == -CORDON_ESYS && errno == ENOENT)
		return 0; /* a new file in a new directory */
	if (rc < 0) {
		pathres_errmsg(msg, size, rc, errno, path);
		return -1;
	}
	if (fstatat(t->dirfd, t->name, &t->st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(msg, size, "cannot write '%s': %s", path, strerror(errno));
		return -1;
	}
	t->exists = true;
	if (S_ISDIR(t->st.st_mode))
		return 0; /* the caller's read-state check refuses it */
	if (S_ISLNK(t->st.st_mode)) {
		snprintf(msg, size,
			 "cannot write '%s': it is a symbolic link, and the file tools do not write through links; "
			 "write to the path it points to instead",
			 path);
		return -1;
	}
	if (!S_ISREG(t->st.st_mode)) {
		snprintf(msg, size, "cannot write '%s': it is not a regular file (a FIFO, device or socket)", path);
		return -1;
	}
	if (t->st.st_nlink > 1) {
		snprintf(msg, size,
			 "cannot write '%s': the file has %lu hard links, so other names (possibly outside the "
			 "workspace) share its content; refusing to change it",
			 path, (unsigned long)t->st.st_nlink);
		return -1;
	}
	/* O_NOFOLLOW|O_NONBLOCK and a re-check: the name may have been
	 * swapped since the fstatat (a FIFO would otherwise block us). */
	t->fd = openat(t->dirfd, t->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (t->fd < 0 && errno != ELOOP && errno != ENXIO) {
		snprintf(msg, size, "cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	if (t->fd < 0 || fstat(t->fd, &fst) < 0 || !S_ISREG(fst.st_mode) || fst.st_ino != t->st.st_ino ||
	    fst.st_dev != t->st.st_dev) {
		snprintf(msg, size, "cannot write '%s': the file changed while it was being opened; try again", path);
		return -1;
	}
	t->st = fst;
	return 0;
}

int wtarget_commit(struct wtarget *t, const void *data, size_t n, struct stat *new_st, char *msg, size_t size)
{
	mode_t mode = 0644;
	int rc;

	if (t->dirfd < 0) {
		rc = pathres_open_parent(&t->loc, true, &t->dirfd, &t->name);
		if (rc < 0) {
			pathres_errmsg(msg, size, rc, errno, t->loc.abs);
			return -1;
		}
	}
	if (t->exists)
		mode = t->st.st_mode & 0777;
	rc = fs_replace(t->dirfd, t->name, data, n, mode, new_st);
	if (rc < 0) {
		snprintf(msg, size, "cannot write '%s': %s", t->loc.abs,
			 rc == -CORDON_ESYS ? strerror(errno) : cordon_strerror(rc));
		return -1;
	}
	return 0;
}

void wtarget_release(struct wtarget *t)
{
	if (t->fd >= 0)
		close(t->fd);
	if (t->dirfd >= 0)
		close(t->dirfd);
	t->fd = t->dirfd = -1;
	pathres_loc_release(&t->loc);
}
