/*
 * wsscan.c — the bounded, no-follow walk of a workspace (see wsscan.h).
 *
 * Depth-first with a stack of paths, not of descriptors: each directory is
 * opened from the root (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS), so
 * a tree of any depth costs one descriptor at a time and no directory
 * swapped for a symlink between the listing and the open leads out.
 */
#include "runtime/sandbox/wsscan.h"
#include "common/error.h"
#include "policy/profile.h"

#include <dirent.h>
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

struct stack {
	char **v;
	size_t n, cap;
};

static int push(struct stack *s, const char *rel)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		char **v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -CORDON_ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	if (!(s->v[s->n] = strdup(rel)))
		return -CORDON_ENOMEM;
	s->n++;
	return 0;
}

int wsscan_open_dir(int rootfd, const char *rel, int flags)
{
	struct open_how how = { .flags = (uint64_t)(flags | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC),
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
	char comp[NAME_MAX + 1];
	const char *p = rel;
	int fd, next;

	fd = (int)syscall(SYS_openat2, rootfd, rel[0] ? rel : ".", &how, sizeof(how));
	if (fd >= 0 || errno != ENOSYS)
		return fd;
	/* No openat2 (before 5.6, or a tool that does not know it): one
	 * component at a time with O_NOFOLLOW and no "..", which holds the same. */
	fd = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	while (fd >= 0 && *p) {
		size_t n = strcspn(p, "/");
		bool last;

		if (n == 0 || n > NAME_MAX || (n == 2 && p[0] == '.' && p[1] == '.')) {
			close(fd);
			errno = EINVAL;
			return -1;
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		while (*p == '/')
			p++;
		last = !*p;
		next = openat(fd, comp, (last ? flags : O_PATH) | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	if (fd >= 0 && !rel[0]) {
		/* The root itself, opened as asked. */
		next = openat(fd, ".", flags | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	return fd;
}

int wsscan_walk(int rootfd, const struct wsscan_visitor *v, size_t max_entries, bool *truncated)
{
	struct stack st = { NULL, 0, 0 };
	char path[PATH_MAX];
	size_t seen = 0;
	int r = 0;
	bool cut = false;

	if (push(&st, "") < 0)
		return -CORDON_ENOMEM;
	while (st.n && r == 0) {
		char *rel = st.v[--st.n];
		size_t len = strlen(rel);
		struct dirent *de;
		DIR *d;
		int fd = wsscan_open_dir(rootfd, rel, O_RDONLY);

		if (fd < 0) {
			if (!len) {
				free(rel);
				r = -CORDON_ESYS;
				break;
			}
			free(rel); /* gone, or no longer a directory: nothing to see there */
			continue;
		}
		if (v->dir && (r = v->dir(v->ctx, rel, fd)) != 0) {
			close(fd);
			free(rel);
			break;
		}
		d = fdopendir(fd);
		if (!d) {
			close(fd);
			free(rel);
			continue;
		}
		while (r == 0 && (de = readdir(d))) {
			const char *name = de->d_name;
			size_t n = strlen(name);
			struct stat sb;
			bool guarded, is_dir;

			if (!strcmp(name, ".") || !strcmp(name, ".."))
				continue;
			if (++seen > max_entries) {
				cut = true;
				break;
			}
			if (len + 1 + n + 1 > sizeof(path)) {
				cut = true; /* a path longer than PATH_MAX: not reachable by name either */
				continue;
			}
			snprintf(path, sizeof(path), "%s%s%s", rel, len ? "/" : "", name);
			guarded = profile_guarded_name(name, n);
			is_dir = de->d_type == DT_DIR;
			if (guarded || de->d_type == DT_SOCK || de->d_type == DT_UNKNOWN) {
				if (fstatat(dirfd(d), name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
					continue;
				is_dir = S_ISDIR(sb.st_mode);
				if (guarded && v->guarded)
					r = v->guarded(v->ctx, path, &sb);
				else if (S_ISSOCK(sb.st_mode) && v->socket)
					r = v->socket(v->ctx, path, &sb);
			}
			/* A guarded directory is decided about as a whole; .git is the repository's own. */
			if (r == 0 && is_dir && !guarded && push(&st, path) < 0)
				r = -CORDON_ENOMEM;
		}
		closedir(d);
		free(rel);
		if (cut && seen > max_entries)
			break;
	}
	while (st.n)
		free(st.v[--st.n]);
	free(st.v);
	if (truncated)
		*truncated = cut;
	return r;
}
