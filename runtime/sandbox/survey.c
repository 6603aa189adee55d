/*
 * survey.c — the workspace's pins, found at session start (supervisor
 * side; see survey.h).
 */
#include "runtime/sandbox/survey.h"
#include "common/error.h"
#include "common/placeholder.h"
#include "policy/profile.h"
#include "runtime/sandbox/gitlayout.h"
#include "runtime/sandbox/wsscan.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct survey {
	struct pins *ps;
	const char *ws;
	size_t wslen;
	const struct survey_opts *o;
	const struct survey_hooks *h;
};

static bool within(const struct survey *s, const char *path)
{
	return !strncmp(path, s->ws, s->wslen) && (path[s->wslen] == '\0' || path[s->wslen] == '/');
}

/* A symlink with a guarded name: covered; what it points to, inside the workspace, read-only. */
static int pin_link(struct survey *s, const char *path)
{
	char real[PATH_MAX];
	int r = pins_add(s->ps, path, PIN_LINK_COVER);

	/*
	 * Safe because: the cover stops writes through the link and its
	 * replacement, but the host's tools follow the link to its target
	 * (.git/hooks -> ../githooks): that target is pinned as well.
	 */
	if (r == 0 && realpath(path, real) && within(s, real) && strcmp(real, s->ws))
		r = pins_add(s->ps, real, PIN_RO);
	return r;
}

static int on_guarded(void *ctx, const char *rel, const struct stat *st)
{
	struct survey *s = ctx;
	const char *base = strrchr(rel, '/');
	char path[PATH_MAX];

	base = base ? base + 1 : rel;
	if (snprintf(path, sizeof(path), "%s/%s", s->ws, rel) >= (int)sizeof(path))
		return 0;
	if (s->h && s->h->known)
		s->h->known(s->h->ctx, st);
	if (!strcasecmp(base, ".git")) {
		char dir[PATH_MAX], gitdir[PATH_MAX], wt[PATH_MAX];
		struct gitlayout_opts go = { s->o->placeholders, s->o->no_git };
		size_t n = (size_t)(base - rel);
		int r;

		/* The repository whose work tree holds this .git. */
		snprintf(dir, sizeof(dir), "%.*s", (int)(n ? n - 1 : 0), rel);
		r = gitlayout_pins(s->ps, s->ws, dir, &go, gitdir);
		if (r == 0 && gitdir[0] && s->h && s->h->repo &&
		    snprintf(wt, sizeof(wt), "%s%s%s", s->ws, dir[0] ? "/" : "", dir) < (int)sizeof(wt))
			s->h->repo(s->h->ctx, wt, gitdir);
		return r;
	}
	if (S_ISLNK(st->st_mode))
		return pin_link(s, path);
	return pins_add(s->ps, path, PIN_RO);
}

static int on_socket(void *ctx, const char *rel, const struct stat *st)
{
	struct survey *s = ctx;
	char path[PATH_MAX];

	(void)st;
	if (snprintf(path, sizeof(path), "%s/%s", s->ws, rel) >= (int)sizeof(path))
		return 0;
	return pins_add(s->ps, path, PIN_HIDE);
}

/* Whether every component of rel's parent below ws is a real directory (no symlink). */
static bool parent_is_real_dir(const char *ws, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;
	const char *p;

	for (p = strchr(rel, '/'); p; p = strchr(p + 1, '/')) {
		if (snprintf(path, sizeof(path), "%s/%.*s", ws, (int)(p - rel), rel) >= (int)sizeof(path))
			return false;
		if (lstat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			return false;
	}
	return true;
}

static int on_dir(void *ctx, const char *rel, int dirfd)
{
	struct survey *s = ctx;

	return s->h && s->h->dir ? s->h->dir(s->h->ctx, rel, dirfd) : 0;
}

int survey_workspace(struct pins *ps, const char *ws, const struct survey_opts *o,
		     const struct survey_hooks *h, bool *truncated)
{
	struct survey s = { ps, ws, strlen(ws), o, h };
	struct wsscan_visitor v = { &s, on_guarded, on_socket, on_dir };
	const char *const *p;
	char path[PATH_MAX];
	struct stat st;
	int r = 0, root;

	*truncated = false;
	/* The top-level protected paths: also the missing ones (placeholders). */
	for (p = profile_protected_paths(); *p && r == 0; p++) {
		if (snprintf(path, sizeof(path), "%s/%s", ws, *p) >= (int)sizeof(path))
			continue;
		/* A placeholder a killed session left is not the user's: removed, then missing (survey.h). */
		(void)placeholder_remove_stale(path);
		if (lstat(path, &st) == 0) {
			if (h && h->known)
				h->known(h->ctx, &st);
			r = S_ISLNK(st.st_mode) ? pin_link(&s, path) : pins_add(ps, path, PIN_RO);
		}
		else if (errno == ENOENT && o->placeholders && parent_is_real_dir(ws, *p))
			r = pins_add(ps, path, profile_protected_is_dir(*p) ? PIN_PLACEHOLDER_DIR
									: PIN_PLACEHOLDER_FILE);
	}
	if (r < 0)
		return r;
	root = open(ws, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return -CORDON_ESYS;
	r = wsscan_walk(root, &v, WSSCAN_MAX_ENTRIES, truncated);
	close(root);
	return r;
}
