/*
 * wsscan.c — the bounded, no-follow walk of a workspace (see wsscan.h).
 */
#include "runtime/sandbox/wsscan.h"
#include "common/error.h"
#include "policy/profile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct walk {
	const struct wsscan_visitor *v;
	size_t seen, max;
	bool truncated;
	char path[PATH_MAX];
};

/* Walk the directory dfd (owned: closed here) whose path below the root is w->path[0..len). */
static int walk_dir(struct walk *w, int dfd, size_t len, unsigned depth)
{
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (w->v->dir && (r = w->v->dir(w->v->ctx, w->path, dfd)) != 0) {
		close(dfd);
		return r;
	}
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0; /* unreadable: nothing a command could have put there either */
	}
	while (r == 0 && (de = readdir(d))) {
		const char *name = de->d_name;
		size_t n = strlen(name);
		struct stat st;
		bool guarded, is_dir;

		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (++w->seen > w->max) {
			w->truncated = true;
			break;
		}
		if (len + 1 + n + 1 > sizeof(w->path)) {
			w->truncated = true;
			continue;
		}
		if (len)
			w->path[len] = '/';
		memcpy(w->path + len + (len ? 1 : 0), name, n + 1);
		guarded = profile_guarded_name(name, n);
		is_dir = de->d_type == DT_DIR;
		if (guarded || de->d_type == DT_SOCK || de->d_type == DT_UNKNOWN) {
			if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				goto next;
			is_dir = S_ISDIR(st.st_mode);
			if (guarded && w->v->guarded)
				r = w->v->guarded(w->v->ctx, w->path, &st);
			else if (S_ISSOCK(st.st_mode) && w->v->socket)
				r = w->v->socket(w->v->ctx, w->path, &st);
		}
		/* A guarded directory is decided about as a whole; .git is the repository's own. */
		if (r == 0 && is_dir && !guarded) {
			int sub;

			if (depth + 1 > WSSCAN_MAX_DEPTH) {
				w->truncated = true;
				goto next;
			}
			sub = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				r = walk_dir(w, sub, len + (len ? 1 : 0) + n, depth + 1);
		}
next:
		w->path[len] = '\0';
	}
	closedir(d);
	return r;
}

int wsscan_walk(int rootfd, const struct wsscan_visitor *v, size_t max_entries, bool *truncated)
{
	struct walk w;
	int fd, r;

	memset(&w, 0, sizeof(w));
	w.v = v;
	w.max = max_entries;
	fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -CORDON_ESYS;
	r = walk_dir(&w, fd, 0, 0);
	if (truncated)
		*truncated = w.truncated;
	return r;
}
