/*
 * sentinel.c — set aside what a command left in the workspace for a later
 * run, and report index flag changes (supervisor side; see sentinel.h).
 */
#include "runtime/sandbox/sentinel.h"
#include "common/error.h"
#include "policy/profile.h"
#include "runtime/sandbox/gitindex.h"
#include "runtime/sandbox/wsscan.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define WATCH_MASK (IN_CREATE | IN_MOVED_TO | IN_ONLYDIR | IN_EXCL_UNLINK)
#define QUARANTINE ".cordon-quarantine"

struct known {
	dev_t dev;
	ino_t ino;
};

/* One flagged index entry. */
struct flagged {
	char *path;
	unsigned bits; /* 1 assume-unchanged, 2 skip-worktree */
};

struct repo {
	char wt[PATH_MAX];
	char index[PATH_MAX];
	struct stat ist;  /* the index file when last read */
	bool have;        /* ist is valid */
	struct flagged *v;
	size_t n;
};

struct strlist {
	char **v;
	size_t n, cap;
};

struct sentinel {
	char ws[PATH_MAX];
	size_t wslen;
	int wsfd;
	int ifd;          /* inotify, -1 when there is none: every check walks in full */
	char **wd;        /* a watch's directory, relative to ws ("" the root), by watch number */
	size_t wdcap, nwatches;
	bool partial;     /* a directory could not be watched, or the survey stopped early */
	bool walk;        /* few directories: every check walks them (no watches at all) */
	size_t ndirs;     /* directories the last walk entered */
	bool overflow;    /* the event queue overflowed since the last check */
	bool said_partial;
	struct known *known;
	size_t nknown, capknown;
	bool sorted;
	struct strlist absent; /* absolute */
	struct strlist suspects, newdirs; /* relative to ws; per check */
	struct repo repos[SENTINEL_MAX_REPOS];
	size_t nrepos;
	struct sentinel_index_change *changes;
	size_t nchanges, capchanges;
	struct survey_hooks hooks;
};

static int strlist_add(struct strlist *l, const char *s)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], s))
			return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		char **v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -CORDON_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(s)))
		return -CORDON_ENOMEM;
	l->n++;
	return 0;
}

static void strlist_clear(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
}

static void strlist_release(struct strlist *l)
{
	strlist_clear(l);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ---- entries present at open --------------------------------------------------- */

static int cmp_known(const void *a, const void *b)
{
	const struct known *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->ino < y->ino ? -1 : x->ino > y->ino;
}

static void add_known(struct sentinel *s, const struct stat *st)
{
	if (s->nknown == s->capknown) {
		size_t cap = s->capknown ? 2 * s->capknown : 64;
		struct known *v = realloc(s->known, cap * sizeof(*v));

		if (!v)
			return; /* then it may be set aside later: a false finding, never a missed one */
		s->known = v;
		s->capknown = cap;
	}
	s->known[s->nknown].dev = st->st_dev;
	s->known[s->nknown++].ino = st->st_ino;
	s->sorted = false;
}

static bool is_known(struct sentinel *s, const struct stat *st)
{
	struct known k = { st->st_dev, st->st_ino };

	if (!s->sorted) {
		if (s->nknown)
			qsort(s->known, s->nknown, sizeof(*s->known), cmp_known);
		s->sorted = true;
	}
	return s->nknown && bsearch(&k, s->known, s->nknown, sizeof(k), cmp_known);
}

/* ---- watches ------------------------------------------------------------------------ */

static int add_watch(struct sentinel *s, const char *rel, int dirfd)
{
	char proc[64];
	int wd;

	s->ndirs++;
	if (s->ifd < 0)
		return 0;
	if (s->nwatches >= SENTINEL_MAX_WATCHES) {
		s->partial = true;
		return 0;
	}
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dirfd);
	wd = inotify_add_watch(s->ifd, proc, WATCH_MASK);
	if (wd < 0) {
		s->partial = true; /* ENOSPC: the user's watch limit; the checks walk instead */
		return 0;
	}
	if ((size_t)wd >= s->wdcap) {
		size_t cap = s->wdcap ? s->wdcap : 256;
		char **v;

		while (cap <= (size_t)wd)
			cap *= 2;
		v = realloc(s->wd, cap * sizeof(*v));
		if (!v) {
			s->partial = true;
			return 0;
		}
		memset(v + s->wdcap, 0, (cap - s->wdcap) * sizeof(*v));
		s->wd = v;
		s->wdcap = cap;
	}
	if (!s->wd[wd])
		s->nwatches++;
	free(s->wd[wd]);
	/* A directory watched again (moved): the same watch, its new path. */
	s->wd[wd] = strdup(rel);
	if (!s->wd[wd])
		s->partial = true;
	return 0;
}

static int hook_dir(void *ctx, const char *rel, int dirfd)
{
	return add_watch(ctx, rel, dirfd);
}

static void hook_known(void *ctx, const struct stat *st)
{
	add_known(ctx, st);
}

static void hook_repo(void *ctx, const char *wt, const char *gitdir)
{
	struct sentinel *s = ctx;
	struct repo *r;

	if (s->nrepos == SENTINEL_MAX_REPOS)
		return;
	r = &s->repos[s->nrepos];
	memset(r, 0, sizeof(*r));
	if (snprintf(r->wt, sizeof(r->wt), "%s", wt) >= (int)sizeof(r->wt) ||
	    snprintf(r->index, sizeof(r->index), "%s/index", gitdir) >= (int)sizeof(r->index))
		return;
	s->nrepos++;
}

int sentinel_open(struct sentinel **out, const char *ws)
{
	struct sentinel *s = calloc(1, sizeof(*s));

	*out = NULL;
	if (!s)
		return -CORDON_ENOMEM;
	if (snprintf(s->ws, sizeof(s->ws), "%s", ws) >= (int)sizeof(s->ws)) {
		free(s);
		return -CORDON_EINVAL;
	}
	s->wslen = strlen(s->ws);
	s->wsfd = open(ws, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (s->wsfd < 0) {
		free(s);
		return -CORDON_ESYS;
	}
	/* No watches until the survey counted the directories (sentinel_ready()). */
	s->ifd = -1;
	s->hooks = (struct survey_hooks){ s, hook_dir, hook_known, hook_repo };
	*out = s;
	return 0;
}

const struct survey_hooks *sentinel_hooks(struct sentinel *s)
{
	return &s->hooks;
}

static void walk_from(struct sentinel *s, const char *rel);

/* ---- index flags -------------------------------------------------------------------- */

static int cmp_flagged(const void *a, const void *b)
{
	return strcmp(((const struct flagged *)a)->path, ((const struct flagged *)b)->path);
}

static void flagged_release(struct flagged *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

struct flagset {
	struct flagged *v;
	size_t n;
};

static int on_flagged(void *ctx, const char *path, unsigned bits)
{
	struct flagset *fs = ctx;

	if (fs->n % 64 == 0) {
		struct flagged *w = realloc(fs->v, (fs->n + 64) * sizeof(*w));

		if (!w)
			return -1;
		fs->v = w;
	}
	if (!(fs->v[fs->n].path = strdup(path)))
		return -1;
	fs->v[fs->n++].bits = (bits & GITINDEX_ASSUME_UNCHANGED ? 1 : 0) |
			      (bits & GITINDEX_SKIP_WORKTREE ? 2 : 0);
	return 0;
}

/*
 * The flagged entries of an index file, sorted. Safe because: the file is
 * only read and parsed (gitindex.h: every length checked); no git runs.
 */
static int read_flags(const char *index, struct flagged **out, size_t *n)
{
	struct flagset fs = { NULL, 0 };
	struct stat st;
	void *map;
	int fd, r;

	*out = NULL;
	*n = 0;
	fd = open(index, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 12 ||
	    (size_t)st.st_size > GITINDEX_MAX_BYTES) {
		close(fd);
		return -1;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -1;
	r = gitindex_flags(map, (size_t)st.st_size, on_flagged, &fs);
	munmap(map, (size_t)st.st_size);
	if (r < 0) {
		flagged_release(fs.v, fs.n);
		return -1;
	}
	if (fs.n)
		qsort(fs.v, fs.n, sizeof(*fs.v), cmp_flagged);
	*out = fs.v;
	*n = fs.n;
	return 0;
}

static void note_change(struct sentinel *s, const struct repo *r, const char *path, unsigned bit,
			bool set, struct buf *notices)
{
	struct sentinel_index_change *c;
	const char *rel = r->wt + s->wslen;

	rel = *rel == '/' ? rel + 1 : ".";
	if (s->nchanges == s->capchanges) {
		size_t cap = s->capchanges ? 2 * s->capchanges : 16;
		struct sentinel_index_change *v = realloc(s->changes, cap * sizeof(*v));

		if (v) {
			s->changes = v;
			s->capchanges = cap;
		}
	}
	if (s->nchanges < s->capchanges) {
		c = &s->changes[s->nchanges++];
		snprintf(c->repo, sizeof(c->repo), "%s", rel);
		snprintf(c->path, sizeof(c->path), "%s", path);
		c->flag = bit == 1 ? "assume-unchanged" : "skip-worktree";
		c->set = set;
	}
	if (notices)
		buf_printf(notices, "index: a command %s %s on %s in the repository %s%s\n",
			   set ? "set" : "cleared", bit == 1 ? "assume-unchanged" : "skip-worktree", path, rel,
			   set ? " (git status on the host does not show its changes: git update-index "
				 "--no-assume-unchanged --no-skip-worktree PATH undoes it)" : "");
}

/* Read the index again when its file changed; report each bit set or cleared since. */
static void check_index(struct sentinel *s, struct repo *r, struct buf *notices, int *found)
{
	struct flagged *now = NULL;
	struct stat st;
	size_t n = 0, i = 0, j = 0;

	if (stat(r->index, &st) < 0)
		return;
	if (r->have && st.st_ino == r->ist.st_ino && st.st_size == r->ist.st_size &&
	    st.st_mtim.tv_sec == r->ist.st_mtim.tv_sec && st.st_mtim.tv_nsec == r->ist.st_mtim.tv_nsec)
		return;
	if (read_flags(r->index, &now, &n) < 0)
		return;
	while (notices && (i < r->n || j < n)) {
		int c = i == r->n ? 1 : j == n ? -1 : strcmp(r->v[i].path, now[j].path);
		unsigned before = c <= 0 ? r->v[i].bits : 0, after = c >= 0 ? now[j].bits : 0;
		const char *path = c <= 0 ? r->v[i].path : now[j].path;
		unsigned bit;

		for (bit = 1; bit <= 2; bit <<= 1)
			if ((before ^ after) & bit) {
				note_change(s, r, path, bit, (after & bit) != 0, notices);
				if (after & bit)
					(*found)++;
			}
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}
	flagged_release(r->v, r->n);
	r->v = now;
	r->n = n;
	r->ist = st;
	r->have = true;
}

void sentinel_ready(struct sentinel *s, const struct pins *ps, bool truncated)
{
	size_t i;
	int found = 0;

	if (truncated)
		s->partial = true;
	/*
	 * A small workspace is walked after each call (well under a
	 * millisecond); a large one is watched, and walked only when the
	 * watches fall short. Watches are not free: closing an inotify group
	 * waits for an SRCU grace period (about 16 ms here).
	 */
	if (!truncated && s->ndirs <= SENTINEL_WALK_MAX_DIRS) {
		s->walk = true;
	} else {
		s->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (s->ifd < 0)
			s->partial = true; /* no inotify here: every check walks the workspace */
		else
			walk_from(s, ""); /* the watches; nothing is new yet (known) */
		strlist_clear(&s->suspects);
	}
	for (i = 0; i < ps->n; i++) {
		struct stat st;

		bool ph = ps->v[i].kind == PIN_PLACEHOLDER_DIR || ps->v[i].kind == PIN_PLACEHOLDER_FILE;

		if (ps->v[i].kind == PIN_ABSENT || (ph && lstat(ps->v[i].path, &st) < 0)) {
			/* Must not appear; a placeholder the warden did not make (degraded) neither. */
			strlist_add(&s->absent, ps->v[i].path);
		} else if ((ph || ps->v[i].kind == PIN_RO) && lstat(ps->v[i].path, &st) == 0) {
			/* The warden's placeholders, and every pinned entry: present at open. */
			add_known(s, &st);
		}
	}
	for (i = 0; i < s->nrepos; i++)
		check_index(s, &s->repos[i], NULL, &found);
}

/* ---- a check ---------------------------------------------------------------------------- */

static int rel_join(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s%s%s", dir, dir[0] ? "/" : "", name);

	return n < 0 || n >= (int)size ? -1 : 0;
}

struct walkctx {
	struct sentinel *s;
	const char *base; /* the walk's start, relative to ws */
};

static int walk_guarded(void *ctx, const char *rel, const struct stat *st)
{
	struct walkctx *w = ctx;
	char full[PATH_MAX];

	if (is_known(w->s, st) || rel_join(full, sizeof(full), w->base, rel) < 0)
		return 0;
	strlist_add(&w->s->suspects, full);
	return 0;
}

static int walk_dir(void *ctx, const char *rel, int dirfd)
{
	struct walkctx *w = ctx;
	char full[PATH_MAX];

	if (rel_join(full, sizeof(full), w->base, rel) < 0)
		return 0;
	return add_watch(w->s, full, dirfd);
}

/* Open the directory rel (below ws) without following a symlink anywhere and without leaving ws. */
static int open_beneath(const struct sentinel *s, const char *rel, int flags)
{
	return wsscan_open_dir(s->wsfd, rel, flags);
}

/* Walk the tree at rel (all of ws for ""): guarded entries not present at open, and watches. */
static void walk_from(struct sentinel *s, const char *rel)
{
	struct walkctx w = { s, rel };
	struct wsscan_visitor v = { &w, walk_guarded, NULL, walk_dir };
	bool truncated = false;
	int fd = open_beneath(s, rel, O_RDONLY);

	if (fd < 0)
		return;
	wsscan_walk(fd, &v, WSSCAN_MAX_ENTRIES, &truncated);
	close(fd);
	if (truncated)
		s->partial = true;
}

/* Read every queued event: guarded names created, directories to walk. */
static void drain(struct sentinel *s)
{
	char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	if (s->ifd < 0)
		return;
	while ((n = read(s->ifd, buf, sizeof(buf))) > 0) {
		char *p;

		for (p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;
			const char *dir = ev->wd >= 0 && (size_t)ev->wd < s->wdcap ? s->wd[ev->wd] : NULL;
			char rel[PATH_MAX];

			p += sizeof(*ev) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				s->overflow = true;
				continue;
			}
			if (ev->mask & IN_IGNORED) {
				if (dir) {
					free(s->wd[ev->wd]);
					s->wd[ev->wd] = NULL;
					s->nwatches--;
				}
				continue;
			}
			if (!ev->len || !(ev->mask & (IN_CREATE | IN_MOVED_TO)))
				continue;
			if (!dir || rel_join(rel, sizeof(rel), dir, ev->name) < 0) {
				s->overflow = true; /* an event we cannot place: walk everything */
				continue;
			}
			if (profile_guarded_name(ev->name, strlen(ev->name)))
				strlist_add(&s->suspects, rel);
			else if (ev->mask & IN_ISDIR)
				strlist_add(&s->newdirs, rel);
		}
	}
}

/*
 * A command made the directory of a finding unwritable (chmod 555) to keep
 * it there: ours (the same uid), so we may give its owner write and
 * search back. True when that was done.
 */
static bool writable_parent(struct sentinel *s, const char *parent)
{
	struct stat st;
	int fd = open_beneath(s, parent, O_RDONLY);
	bool done = false;

	if (fd < 0)
		return false;
	if (fstat(fd, &st) == 0 && st.st_uid == geteuid() && (st.st_mode & 0300) != 0300)
		done = fchmod(fd, (st.st_mode & 07777) | 0300) == 0;
	close(fd);
	return done;
}

/*
 * Set aside rel: renamed in its directory to NAME.cordon-quarantine (-N).
 * Safe because: the directory is opened beneath the workspace with no
 * symlink and no magic link on the way; renameat2 does not follow the
 * name, RENAME_NOREPLACE never clobbers; nothing is deleted.
 */
static int set_aside(struct sentinel *s, const char *rel, struct buf *notices)
{
	char parent[PATH_MAX], name[NAME_MAX + 1], aside[NAME_MAX + 1];
	const char *slash = strrchr(rel, '/');
	struct stat st;
	int dfd, i, r = -1;

	snprintf(parent, sizeof(parent), "%.*s", slash ? (int)(slash - rel) : 0, rel);
	if (snprintf(name, sizeof(name), "%s", slash ? slash + 1 : rel) >= (int)sizeof(name))
		return 0;
	dfd = open_beneath(s, parent, O_PATH);
	if (dfd < 0)
		return 0; /* its directory is gone, or a symlink now: nothing left at that path */
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || is_known(s, &st)) {
		close(dfd);
		return 0;
	}
	for (i = 0; i < 100 && r < 0; i++) {
		if (i == 0)
			snprintf(aside, sizeof(aside), "%.200s" QUARANTINE, name);
		else
			snprintf(aside, sizeof(aside), "%.200s" QUARANTINE "-%d", name, i);
		r = renameat2(dfd, name, dfd, aside, RENAME_NOREPLACE);
		if (r < 0 && errno == EACCES && i == 0 && writable_parent(s, parent)) {
			i--; /* the same name again, now that the directory is writable */
			continue;
		}
		if (r < 0 && errno != EEXIST)
			break;
	}
	if (r == 0)
		buf_printf(notices, "set aside %s as %s%s%s: a command created it, and other programs read that "
			   "name as configuration or code later (review it; rename it back to keep it)\n",
			   rel, parent, parent[0] ? "/" : "", aside);
	else
		buf_printf(notices, "could not set aside %s (a command created it): %s\n", rel, strerror(errno));
	close(dfd);
	return 1;
}

int sentinel_check(struct sentinel *s, struct buf *notices)
{
	size_t i;
	int found = 0;

	drain(s);
	/* New directories: watched, and walked (what was made in them before the watch). */
	for (i = 0; i < s->newdirs.n && !s->overflow && !s->partial && !s->walk; i++)
		walk_from(s, s->newdirs.v[i]);
	strlist_clear(&s->newdirs);
	if (s->walk) {
		s->ndirs = 0;
		walk_from(s, "");
		if (s->ndirs > 4 * SENTINEL_WALK_MAX_DIRS && !s->partial) {
			/* It grew: watch from now on (what this walk found is already in). */
			s->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
			s->walk = s->ifd < 0;
			if (!s->walk) {
				s->ndirs = 0;
				walk_from(s, "");
			}
		}
	} else if (s->overflow || s->partial) {
		if (s->partial && !s->said_partial) {
			buf_printf(notices, "the workspace has more directories than can be watched: every check "
					    "walks it in full\n");
			s->said_partial = true;
		}
		s->overflow = false;
		walk_from(s, "");
		drain(s); /* the watches the walk added raised nothing yet; clear what queued meanwhile */
		strlist_clear(&s->newdirs);
	}
	for (i = 0; i < s->absent.n; i++) {
		struct stat st;

		if (lstat(s->absent.v[i], &st) == 0 && !strncmp(s->absent.v[i], s->ws, s->wslen) &&
		    s->absent.v[i][s->wslen] == '/')
			strlist_add(&s->suspects, s->absent.v[i] + s->wslen + 1);
	}
	for (i = 0; i < s->suspects.n; i++)
		found += set_aside(s, s->suspects.v[i], notices);
	strlist_clear(&s->suspects);
	for (i = 0; i < s->nrepos; i++)
		check_index(s, &s->repos[i], notices, &found);
	return found;
}

size_t sentinel_index_changes(const struct sentinel *s, const struct sentinel_index_change **out)
{
	*out = s->changes;
	return s->nchanges;
}

void sentinel_close(struct sentinel *s)
{
	size_t i;

	if (!s)
		return;
	if (s->ifd >= 0)
		close(s->ifd);
	close(s->wsfd);
	for (i = 0; i < s->wdcap; i++)
		free(s->wd[i]);
	free(s->wd);
	free(s->known);
	strlist_release(&s->absent);
	strlist_release(&s->suspects);
	strlist_release(&s->newdirs);
	for (i = 0; i < s->nrepos; i++)
		flagged_release(s->repos[i].v, s->repos[i].n);
	free(s->changes);
	free(s);
}
