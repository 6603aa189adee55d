#include "policy/discover.h"
#include "policy/pathmatch.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The Makefile passes DATADIR ($(PREFIX)/share/cordon unless set); a build
 * without it would search a directory nobody installed to. */
#ifndef CORDON_DATADIR
#error "CORDON_DATADIR must name the installed data directory (the Makefile's DATADIR)"
#endif

struct seen {
	dev_t dev[DISCOVER_MAX_FILES];
	ino_t ino[DISCOVER_MAX_FILES];
	size_t n;
};

struct walk {
	struct agent_set *set;
	struct seen *seen;
	const char *scope;
};

void agent_set_release(struct agent_set *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->v[i].path);
		if (s->v[i].ok)
			agentfile_release(&s->v[i].af);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int add_file(struct walk *w, const char *path)
{
	struct agent_set *s = w->set;
	struct agent_entry *e;
	struct stat st;
	size_t i;
	int r;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
		return 0;
	for (i = 0; i < w->seen->n; i++)
		if (w->seen->dev[i] == st.st_dev && w->seen->ino[i] == st.st_ino)
			return 0;
	if (w->seen->n >= DISCOVER_MAX_FILES || s->n >= DISCOVER_MAX_FILES)
		return -CORDON_ETOOBIG;
	w->seen->dev[w->seen->n] = st.st_dev;
	w->seen->ino[w->seen->n++] = st.st_ino;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct agent_entry *n = realloc(s->v, cap * sizeof(*n));

		if (!n)
			return -CORDON_ENOMEM;
		s->v = n;
		s->cap = cap;
	}
	e = &s->v[s->n];
	memset(e, 0, sizeof(*e));
	e->path = strdup(path);
	if (!e->path)
		return -CORDON_ENOMEM;
	e->scope = w->scope;
	r = agentfile_load(&e->af, path, &e->diag);
	if (r == -CORDON_ENOMEM) {
		free(e->path);
		return r;
	}
	e->ok = r == 0;
	s->n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk_dir(struct walk *w, const char *dir, int depth)
{
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (depth > DISCOVER_MAX_DEPTH)
		return 0;
	d = opendir(dir);
	if (!d)
		return 0; /* a missing agents directory is normal */
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == cap) {
			char **p;

			cap = cap ? cap * 2 : 16;
			if (cap > DISCOVER_MAX_FILES * 4) {
				r = -CORDON_ETOOBIG;
				break;
			}
			p = realloc(names, cap * sizeof(*p));
			if (!p) {
				r = -CORDON_ENOMEM;
				break;
			}
			names = p;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			r = -CORDON_ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	/* Sorted, so that discovery is deterministic. */
	if (r == 0 && n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n && r == 0; i++) {
		char path[PATHMATCH_MAX + 1];
		struct stat st;
		size_t l = strlen(names[i]);

		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >= (int)sizeof(path))
			continue;
		if (stat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			r = walk_dir(w, path, depth + 1);
		else if (S_ISREG(st.st_mode) && l > 3 && !strcmp(names[i] + l - 3, ".md"))
			r = add_file(w, path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int project_dirs(struct walk *w, const char *cwd, const char *home)
{
	char dirs[64][PATHMATCH_MAX + 1];
	char cur[PATHMATCH_MAX + 1], probe[PATHMATCH_MAX + 32];
	int n = 0, i, r;

	if (path_normalize(cur, sizeof(cur), cwd, NULL) < 0)
		return 0;
	/* Walk up to the git root (included) or to home (excluded: its
	 * .claude/agents is the user scope). */
	for (;;) {
		char *slash;

		if (home && !strcmp(cur, home))
			break;
		if (n < 64)
			snprintf(dirs[n++], sizeof(dirs[0]), "%s", cur);
		snprintf(probe, sizeof(probe), "%s/.git", cur);
		if (access(probe, F_OK) == 0 || !strcmp(cur, "/"))
			break;
		slash = strrchr(cur, '/');
		if (slash == cur)
			cur[1] = '\0';
		else
			*slash = '\0';
	}
	/* Outermost first: the closest directory is loaded last and wins. */
	for (i = n - 1; i >= 0; i--) {
		snprintf(probe, sizeof(probe), "%s/.claude/agents", strcmp(dirs[i], "/") ? dirs[i] : "");
		if (!is_dir(probe))
			continue;
		r = walk_dir(w, probe, 0);
		if (r < 0)
			return r;
	}
	return 0;
}

int agents_installed_dir(char *out, size_t size)
{
	const char *env = getenv("CORDON_DATADIR");
	int n;

	n = snprintf(out, size, "%s/agents", env && *env ? env : CORDON_DATADIR);
	if (n < 0 || (size_t)n >= size)
		return -CORDON_ETOOBIG;
	return 0;
}

int agents_discover(struct agent_set *out, const struct discover_opts *o)
{
	struct seen *seen;
	struct walk w;
	char dir[PATHMATCH_MAX + 32];
	size_t i, j;
	int r = 0;

	memset(out, 0, sizeof(*out));
	seen = calloc(1, sizeof(*seen));
	if (!seen)
		return -CORDON_ENOMEM;
	w.set = out;
	w.seen = seen;
	/* First, so that every other source overrides what is installed. */
	if (!(o->installed_dir && !*o->installed_dir)) {
		w.scope = "installed";
		r = o->installed_dir ? 0 : agents_installed_dir(dir, sizeof(dir));
		if (r == 0)
			r = walk_dir(&w, o->installed_dir ? o->installed_dir : dir, 0);
	}
	if (r == 0 && o->home && !o->no_user) {
		w.scope = "user";
		snprintf(dir, sizeof(dir), "%s/.claude/agents", o->home);
		r = walk_dir(&w, dir, 0);
	}
	if (r == 0 && !o->no_project && o->cwd) {
		w.scope = "project";
		r = project_dirs(&w, o->cwd, o->home);
	}
	w.scope = "cli";
	for (i = 0; r == 0 && o->files && o->files[i]; i++) {
		size_t before = out->n;

		r = add_file(&w, o->files[i]);
		if (r == 0 && out->n == before) {
			/* Not a regular file (or seen already): report it as an entry. */
			struct agent_entry *e;

			for (j = 0; j < out->n; j++)
				if (out->v[j].path && !strcmp(out->v[j].path, o->files[i]))
					break;
			if (j < out->n)
				continue;
			if (out->n == out->cap) {
				struct agent_entry *nv = realloc(out->v, (out->cap + 1) * sizeof(*nv));

				if (!nv) {
					r = -CORDON_ENOMEM;
					break;
				}
				out->v = nv;
				out->cap++;
			}
			e = &out->v[out->n];
			memset(e, 0, sizeof(*e));
			e->path = strdup(o->files[i]);
			if (!e->path) {
				r = -CORDON_ENOMEM;
				break;
			}
			e->scope = "cli";
			diag_set_file(&e->diag, o->files[i]);
			diag_set(&e->diag, 0, 0, "cannot open '%s': %s", o->files[i],
				 errno ? strerror(errno) : "not a regular file");
			out->n++;
		}
	}
	if (r == 0 && !(o->managed_dir && !*o->managed_dir)) {
		w.scope = "managed";
		r = walk_dir(&w, o->managed_dir ? o->managed_dir : DISCOVER_MANAGED_DIR, 0);
	}
	free(seen);
	if (r < 0) {
		agent_set_release(out);
		return r;
	}
	/* Later entries win: mark the earlier ones with the same name. */
	for (i = 0; i < out->n; i++)
		for (j = i + 1; out->v[i].ok && j < out->n; j++)
			if (out->v[j].ok && !strcmp(out->v[i].af.name, out->v[j].af.name)) {
				out->v[i].shadowed = true;
				break;
			}
	return 0;
}

const struct agent_entry *agents_find(const struct agent_set *s, const char *name)
{
	size_t i;

	for (i = s->n; i > 0; i--)
		if (s->v[i - 1].ok && !strcmp(s->v[i - 1].af.name, name))
			return &s->v[i - 1];
	return NULL;
}
