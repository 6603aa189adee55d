/*
 * snap.c — the working tree as a snapshot: a scan that reuses stat data and
 * trees (see internal.h and gitrun.h).
 *
 * A scan walks the working tree with openat() from the root down, never
 * following a symlink (O_NOFOLLOW at every level, fstatat with
 * AT_SYMLINK_NOFOLLOW), so a link swapped in during the walk cannot lead it
 * outside. Files are opened O_NONBLOCK and checked to be regular files on
 * the descriptor (a fifo put in a file's place cannot hang the supervisor).
 */
#include "runtime/git/internal.h"
#include "common/buf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SNAP_MAX_INDEX (1u << 30) /* bytes of the user's index we copy */

/* ---- names ------------------------------------------------------------------ */

static bool ieq(const char *a, const char *b, size_t n)
{
	return strncasecmp(a, b, n) == 0;
}

/*
 * UTF-8 of the code points HFS+ ignores in names (git's is_hfs_dotgit()):
 * U+200C-U+200F, U+202A-U+202E, U+206A-U+206F, U+FEFF. Returns the length
 * of one at s, or 0.
 */
static size_t hfs_ignorable(const unsigned char *s)
{
	if (s[0] == 0xe2 && s[1] == 0x80 && ((s[2] >= 0x8c && s[2] <= 0x8f) || (s[2] >= 0xaa && s[2] <= 0xae)))
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] >= 0xaa && s[2] <= 0xaf)
		return 3;
	if (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		return 3;
	return 0;
}

bool snap_dotgit_name(const char *name)
{
	char plain[16];
	size_t n = 0, k;
	const unsigned char *p = (const unsigned char *)name;

	/* NTFS: ".git" followed by dots and spaces only, and the 8.3 name "git~1". */
	if (ieq(name, ".git", 4)) {
		for (k = 4; name[k] == '.' || name[k] == ' '; k++)
			;
		if (!name[k])
			return true;
	}
	if (!strcasecmp(name, "git~1"))
		return true;
	/* HFS+: ".git" with ignorable code points anywhere in it. */
	while (*p && n < sizeof(plain) - 1) {
		if ((k = hfs_ignorable(p))) {
			p += k;
			continue;
		}
		plain[n++] = (char)*p++;
	}
	plain[n] = '\0';
	return !*p && !strcasecmp(plain, ".git");
}

bool snap_path_ok(const char *path)
{
	const char *p = path, *slash;
	char comp[NAME_MAX + 1];
	size_t len;

	if (!*path || *path == '/')
		return false;
	for (;;) {
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (!len || len > NAME_MAX)
			return false;
		memcpy(comp, p, len);
		comp[len] = '\0';
		if (!strcmp(comp, ".") || !strcmp(comp, "..") || snap_dotgit_name(comp))
			return false;
		if (!slash)
			return true;
		p = slash + 1;
	}
}

/* ---- entries ---------------------------------------------------------------- */

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct snap_entry *)a)->path, ((const struct snap_entry *)b)->path);
}

static int dir_cmp(const void *a, const void *b)
{
	return strcmp(((const struct snap_dir *)a)->path, ((const struct snap_dir *)b)->path);
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static struct snap_entry *find(struct snap_entry *e, size_t n, const char *path)
{
	struct snap_entry key = { .path = (char *)path };

	return n ? bsearch(&key, e, n, sizeof(*e), entry_cmp) : NULL;
}

/* The first entry whose path is >= key. */
static size_t lower_bound(const struct snap_entry *e, size_t n, const char *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(e[mid].path, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* How many entries lie under the directory prefix `dir` ("" or "a/b/"). */
static size_t count_under(const struct snap_entry *e, size_t n, const char *dir, size_t dlen)
{
	char end[SNAP_MAX_PATH + 2];
	size_t lo;

	if (!dlen)
		return n;
	lo = lower_bound(e, n, dir);
	/* Past every "dir/...": the prefix with its '/' raised to '0'. */
	memcpy(end, dir, dlen);
	end[dlen - 1] = '0';
	end[dlen] = '\0';
	return lower_bound(e, n, end) - lo;
}

static void entries_free(struct snap_entry *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(e[i].path);
	free(e);
}

static void dirs_free(struct snap_dir *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(d[i].path);
	free(d);
}

static void stat_of(struct snap_stat *out, const struct stat *st)
{
	out->ctime_s = (uint32_t)st->st_ctim.tv_sec;
	out->ctime_ns = (uint32_t)st->st_ctim.tv_nsec;
	out->mtime_s = (uint32_t)st->st_mtim.tv_sec;
	out->mtime_ns = (uint32_t)st->st_mtim.tv_nsec;
	out->ino = (uint32_t)st->st_ino;
	out->uid = (uint32_t)st->st_uid;
	out->gid = (uint32_t)st->st_gid;
	out->size = (uint32_t)st->st_size;
}

static bool stat_eq(const struct snap_stat *a, const struct snap_stat *b)
{
	return a->ctime_s == b->ctime_s && a->ctime_ns == b->ctime_ns && a->mtime_s == b->mtime_s &&
	       a->mtime_ns == b->mtime_ns && a->ino == b->ino && a->uid == b->uid && a->gid == b->gid &&
	       a->size == b->size;
}

static long long ts_ns(const struct timespec *t)
{
	return (long long)t->tv_sec * 1000000000LL + t->tv_nsec;
}

/*
 * Racy: a file changed so close to the scan that a later change could keep
 * the same stat data (timestamps come from a coarse clock, and some file
 * systems keep whole seconds). Such an entry is read again next time.
 */
static bool racy(const struct stat *st, long long t0)
{
	/* mtime, as git judges it: a write moves it (ctime is compared as stat data all the same). */
	return ts_ns(&st->st_mtim) >= t0 - SNAP_RACY_NS;
}

static uint32_t git_mode(const struct stat *st)
{
	if (S_ISLNK(st->st_mode))
		return MODE_LINK;
	return (st->st_mode & S_IXUSR) ? MODE_EXEC : MODE_FILE;
}

/* ---- the seed: the user's index ------------------------------------------------ */

static bool exists(const char *path)
{
	struct stat st;

	return path && lstat(path, &st) == 0;
}

/*
 * Whether an index entry's blob may differ from the file's bytes even when
 * its stat data matches: clean filters (end-of-line conversion, ident,
 * filter drivers) are configured by core.autocrlf or attributes. When they
 * might be, the seed's ids are not used (every file is read once).
 */
static bool filters_possible(git_repository *repo, git_index *ix)
{
	git_config *cfg = NULL;
	git_buf b = { 0 };
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	char path[PATH_MAX];
	size_t i, n = git_index_entrycount(ix);
	bool maybe = false;
	int v, rc;

	if (git_repository_config_snapshot(&cfg, repo) < 0)
		return true;
	/* Anything but a plain false (true, input, or a value we cannot read) may convert. */
	rc = git_config_get_bool(&v, cfg, "core.autocrlf");
	if (rc != GIT_ENOTFOUND && !(rc == 0 && !v))
		maybe = true;
	if (git_config_get_path(&b, cfg, "core.attributesFile") == 0)
		maybe = maybe || exists(b.ptr);
	git_buf_dispose(&b);
	git_config_free(cfg);
	if (xdg && *xdg == '/' && snprintf(path, sizeof(path), "%s/git/attributes", xdg) < (int)sizeof(path))
		maybe = maybe || exists(path);
	else if (home && *home == '/' && snprintf(path, sizeof(path), "%s/.config/git/attributes", home) < (int)sizeof(path))
		maybe = maybe || exists(path);
	if (git_repository_item_path(&b, repo, GIT_REPOSITORY_ITEM_INFO) == 0 &&
	    snprintf(path, sizeof(path), "%sattributes", b.ptr) < (int)sizeof(path))
		maybe = maybe || exists(path);
	git_buf_dispose(&b);
	for (i = 0; i < n && !maybe; i++) {
		const char *p = git_index_get_byindex(ix, i)->path, *base = strrchr(p, '/');

		if (!strcmp(base ? base + 1 : p, ".gitattributes"))
			maybe = true;
	}
	return maybe;
}

/*
 * Read the user's index through a private copy: git_index_open() on a file
 * of our own, so nothing here can ever write .git/index (an index object
 * belongs to the file it was opened from). The copy keeps the original's
 * mtime, which racy-git checks compare entries against.
 */
static int read_user_index(git_repository *repo, git_index **out, struct timespec *stamp, struct cordon_diag *d)
{
	char src[PATH_MAX], tmp[PATH_MAX];
	const char *tmpdir = getenv("TMPDIR");
	struct buf b;
	struct stat st;
	struct timespec times[2];
	int fd = -1, out_fd = -1, rc = -CORDON_ESYS;
	char chunk[65536];
	ssize_t got;

	*out = NULL;
	buf_init(&b, SNAP_MAX_INDEX);
	tmp[0] = '\0';
	if (snprintf(src, sizeof(src), "%sindex", git_repository_path(repo)) >= (int)sizeof(src))
		return -CORDON_ETOOBIG;
	fd = open(src, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		rc = errno == ENOENT ? -CORDON_ENOTFOUND : -CORDON_ESYS; /* no index yet: a fresh repository */
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		goto out;
	while ((got = read(fd, chunk, sizeof(chunk))) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			goto out;
		if ((rc = buf_append(&b, chunk, (size_t)got)) < 0)
			goto out;
	}
	if (snprintf(tmp, sizeof(tmp), "%s/cordon-index-XXXXXX", tmpdir && *tmpdir == '/' ? tmpdir : "/tmp") >=
	    (int)sizeof(tmp)) {
		tmp[0] = '\0';
		rc = -CORDON_ETOOBIG;
		goto out;
	}
	out_fd = mkostemp(tmp, O_CLOEXEC);
	if (out_fd < 0) {
		tmp[0] = '\0';
		rc = -CORDON_ESYS;
		goto out;
	}
	for (size_t off = 0; off < b.len;) {
		ssize_t w = write(out_fd, b.data + off, b.len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = -CORDON_ESYS;
			goto out;
		}
		off += (size_t)w;
	}
	times[0] = st.st_atim;
	times[1] = st.st_mtim;
	if (futimens(out_fd, times) < 0) {
		rc = -CORDON_ESYS;
		goto out;
	}
	*stamp = st.st_mtim;
	if ((rc = git_index_open(out, tmp)) < 0) {
		rc = git_fail(d, rc, "cannot read the index");
		*out = NULL;
		goto out;
	}
	rc = 0;
out:
	if (rc == -CORDON_ESYS)
		diag_set(d, 0, 0, "cannot copy the index '%s': %s", src, strerror(errno));
	if (tmp[0])
		unlink(tmp);
	if (out_fd >= 0)
		close(out_fd);
	if (fd >= 0)
		close(fd);
	buf_release(&b);
	return rc;
}

static bool entry_racy(const git_index_entry *ie, const struct timespec *stamp)
{
	/* git's rule: an entry not older than the index file may hide a change. */
	uint32_t es = (uint32_t)ie->mtime.seconds, is = (uint32_t)stamp->tv_sec;

	if (es != is)
		return es > is;
	return ie->mtime.nanoseconds >= (uint32_t)stamp->tv_nsec;
}

static int seed(struct snap *s, git_index *ix, const struct timespec *stamp)
{
	size_t i, n = git_index_entrycount(ix), k = 0;
	bool trust = !filters_possible(s->repo, ix);

	s->tracked = calloc(n ? n : 1, sizeof(*s->tracked));
	if (!s->tracked)
		return -CORDON_ENOMEM;
	for (i = 0; i < n; i++) {
		const git_index_entry *ie = git_index_get_byindex(ix, i);
		struct snap_entry *t;

		/* Conflicted paths appear once per stage: the first makes them tracked. */
		if (k && !strcmp(s->tracked[k - 1].path, ie->path))
			continue;
		t = &s->tracked[k];
		t->tracked = true;
		if (!(t->path = strdup(ie->path)))
			return -CORDON_ENOMEM;
		k++;
		t->mode = ie->mode;
		git_oid_cpy(&t->oid, &ie->id);
		t->st = (struct snap_stat){ .ctime_s = (uint32_t)ie->ctime.seconds, .ctime_ns = ie->ctime.nanoseconds,
					    .mtime_s = (uint32_t)ie->mtime.seconds, .mtime_ns = ie->mtime.nanoseconds,
					    .ino = ie->ino, .uid = ie->uid, .gid = ie->gid, .size = ie->file_size };
		t->trusted = trust && GIT_INDEX_ENTRY_STAGE(ie) == 0 &&
			     !(ie->flags_extended & (GIT_INDEX_ENTRY_INTENT_TO_ADD | GIT_INDEX_ENTRY_SKIP_WORKTREE)) &&
			     (ie->mode == MODE_FILE || ie->mode == MODE_EXEC || ie->mode == MODE_LINK) &&
			     !entry_racy(ie, stamp);
	}
	s->ntracked = k;
	/* The index is sorted by path already (libgit2 sorts on read); the seed is the "last scan". */
	s->e = calloc(k ? k : 1, sizeof(*s->e));
	if (!s->e)
		return -CORDON_ENOMEM;
	for (i = 0; i < k; i++) {
		s->e[i] = s->tracked[i];
		if (!(s->e[i].path = strdup(s->tracked[i].path)))
			return -CORDON_ENOMEM;
		s->n = i + 1;
	}
	qsort(s->tracked, s->ntracked, sizeof(*s->tracked), entry_cmp);
	qsort(s->e, s->n, sizeof(*s->e), entry_cmp);
	return 0;
}

int snap_init(struct snap *s, git_repository *repo, const char *const *exclude, git_index **out_index,
	      struct cordon_diag *d)
{
	struct timespec stamp = { 0 };
	const char *wd = git_repository_workdir(repo);
	size_t len, i, n = 0;
	git_index *ix = NULL;
	int rc;

	memset(s, 0, sizeof(*s));
	*out_index = NULL;
	s->repo = repo;
	if (!wd)
		return diag_set(d, 0, 0, "the repository has no working tree"), -CORDON_ENOTFOUND;
	if (!(s->workdir = strdup(wd)))
		return -CORDON_ENOMEM;
	if ((rc = git_repository_odb(&s->odb, repo)) < 0)
		return git_fail(d, rc, "cannot open the object database");
	len = strlen(s->workdir);
	for (i = 0; exclude && exclude[i]; i++)
		;
	s->exclude = calloc(i + 1, sizeof(char *));
	if (!s->exclude)
		return -CORDON_ENOMEM;
	for (i = 0; exclude && exclude[i]; i++) {
		if (strncmp(exclude[i], s->workdir, len) || !exclude[i][len])
			continue;
		if (!(s->exclude[n++] = strdup(exclude[i] + len)))
			return -CORDON_ENOMEM;
	}
	s->nexclude = n;
	qsort(s->exclude, n, sizeof(char *), str_cmp);

	rc = read_user_index(repo, &ix, &stamp, d);
	if (rc == -CORDON_ENOTFOUND || (rc < 0 && rc != -CORDON_ENOMEM)) {
		/*
		 * No index (a fresh repository), or one libgit2 cannot read (a
		 * split or sparse index): HEAD's tree says what is tracked (no
		 * stat data, so every file is read once), and there is no index
		 * to record.
		 */
		git_object *head = NULL;
		git_tree *tree = NULL;

		diag_clear(d);
		if ((rc = git_index_new(&ix)) < 0)
			return git_fail(d, rc, "cannot make an index");
		if (git_revparse_single(&head, repo, "HEAD^{tree}") == 0 &&
		    git_tree_lookup(&tree, repo, git_object_id(head)) == 0)
			git_index_read_tree(ix, tree);
		git_tree_free(tree);
		git_object_free(head);
		rc = seed(s, ix, &stamp);
		git_index_free(ix);
		return rc;
	} else if (rc < 0) {
		return rc;
	}
	rc = seed(s, ix, &stamp);
	if (rc < 0) {
		git_index_free(ix);
		return rc;
	}
	*out_index = ix;
	return 0;
}

static void verdicts_clear(struct snap_verdicts *v);

void snap_release(struct snap *s)
{
	size_t i;

	entries_free(s->e, s->n);
	entries_free(s->tracked, s->ntracked);
	for (i = 0; s->exclude && i < s->nexclude; i++)
		free(s->exclude[i]);
	free(s->exclude);
	dirs_free(s->dirs, s->ndirs);
	verdicts_clear(&s->verdicts);
	git_odb_free(s->odb);
	free(s->workdir);
	memset(s, 0, sizeof(*s));
}

/* ---- the scan ------------------------------------------------------------------- */

struct scan {
	struct snap *s;
	struct snap_entry *ne; /* the new entries */
	size_t n, cap;
	char path[SNAP_MAX_PATH + 1];
	size_t plen;
	long long t0;
	struct cordon_diag *d;
	unsigned long long left_out, hashed;
};

static int push(struct scan *sc, const struct snap_entry *e)
{
	if (sc->n == sc->cap) {
		size_t cap = sc->cap ? sc->cap * 2 : 1024;
		struct snap_entry *ne;

		if (sc->n >= GITRUN_MAX_ENTRIES)
			return diag_set(sc->d, 0, 0, "the working tree has more than %d files", GITRUN_MAX_ENTRIES),
			       -CORDON_ETOOBIG;
		ne = realloc(sc->ne, cap * sizeof(*ne));
		if (!ne)
			return -CORDON_ENOMEM;
		sc->ne = ne;
		sc->cap = cap;
	}
	sc->ne[sc->n] = *e;
	if (!(sc->ne[sc->n].path = strdup(e->path)))
		return -CORDON_ENOMEM;
	sc->n++;
	return 0;
}

/* ---- ignore verdicts ----------------------------------------------------------------- */

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static void verdicts_clear(struct snap_verdicts *v)
{
	size_t i;

	for (i = 0; i < v->cap; i++)
		free(v->keys[i]);
	free(v->keys);
	free(v->ignored);
	memset(v, 0, sizeof(*v));
}

/* The slot of path: its own, or the empty one where it would go. */
static size_t verdict_slot(const struct snap_verdicts *v, const char *path)
{
	size_t i = hash_str(path) & (v->cap - 1);

	while (v->keys[i] && strcmp(v->keys[i], path))
		i = (i + 1) & (v->cap - 1);
	return i;
}

static void verdict_put(struct snap_verdicts *v, const char *path, bool ig)
{
	size_t i;

	if ((v->n + 1) * 2 > v->cap) {
		struct snap_verdicts nv = { .cap = v->cap ? v->cap * 2 : 1024 };

		if (nv.cap > 4 * (size_t)GITRUN_MAX_ENTRIES)
			return; /* a cache, not a requirement */
		nv.keys = calloc(nv.cap, sizeof(char *));
		nv.ignored = calloc(nv.cap, 1);
		if (!nv.keys || !nv.ignored) {
			free(nv.keys);
			free(nv.ignored);
			return;
		}
		for (i = 0; i < v->cap; i++) {
			if (!v->keys[i])
				continue;
			size_t j = verdict_slot(&nv, v->keys[i]);

			nv.keys[j] = v->keys[i];
			nv.ignored[j] = v->ignored[i];
			nv.n++;
		}
		free(v->keys);
		free(v->ignored);
		*v = nv;
	}
	i = verdict_slot(v, path);
	if (v->keys[i] || !(v->keys[i] = strdup(path)))
		return;
	v->ignored[i] = ig;
	v->n++;
}

/*
 * Forget every verdict: an ignore file changed. libgit2's own cache of the
 * rules goes too, so the new rules are read.
 */
static void verdicts_flush(struct snap *s)
{
	verdicts_clear(&s->verdicts);
	git_attr_cache_flush(s->repo);
}

static bool ignored(struct scan *sc, const char *path)
{
	struct snap_verdicts *v = &sc->s->verdicts;
	int ig = 0;
	bool r;

	if (v->cap) {
		size_t i = verdict_slot(v, path);

		if (v->keys[i])
			return v->ignored[i];
	}
	/* An error reading the rules keeps the file: too much in a snapshot beats a lost file. */
	r = git_ignore_path_is_ignored(&ig, sc->s->repo, path) == 0 && ig == 1;
	verdict_put(v, path, r);
	return r;
}

/* The stat data of the ignore files outside the tree, as one string. */
static void global_signature(struct snap *s, char *out, size_t size)
{
	git_config *cfg = NULL;
	git_buf b = { 0 };
	const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
	char paths[3][PATH_MAX];
	struct stat st;
	size_t len = 0;
	int i;

	memset(paths, 0, sizeof(paths));
	if (git_repository_item_path(&b, s->repo, GIT_REPOSITORY_ITEM_INFO) == 0)
		snprintf(paths[0], PATH_MAX, "%sexclude", b.ptr);
	git_buf_dispose(&b);
	if (git_repository_config_snapshot(&cfg, s->repo) == 0 && git_config_get_path(&b, cfg, "core.excludesFile") == 0)
		snprintf(paths[1], PATH_MAX, "%s", b.ptr);
	git_buf_dispose(&b);
	git_config_free(cfg);
	if (xdg && *xdg == '/')
		snprintf(paths[2], PATH_MAX, "%s/git/ignore", xdg);
	else if (home && *home == '/')
		snprintf(paths[2], PATH_MAX, "%s/.config/git/ignore", home);
	out[0] = '\0';
	for (i = 0; i < 3 && len < size; i++) {
		bool there = paths[i][0] && stat(paths[i], &st) == 0;

		len += (size_t)snprintf(out + len, size - len, "%d:%lld.%ld:%lld:%llu;", i,
					there ? (long long)st.st_mtim.tv_sec : 0LL, there ? st.st_mtim.tv_nsec : 0L,
					there ? (long long)st.st_size : -1LL, there ? (unsigned long long)st.st_ino : 0ULL);
	}
}

/*
 * Whether the directory's .gitignore (sc->path is the directory's prefix)
 * differs from the last scan's: appeared, went, or its stat data changed.
 */
static bool gitignore_changed(struct scan *sc, int dfd)
{
	struct snap_entry *old;
	struct snap_stat now;
	struct stat st;
	bool there = fstatat(dfd, ".gitignore", &st, AT_SYMLINK_NOFOLLOW) == 0;

	if (sc->plen + sizeof(".gitignore") > sizeof(sc->path))
		return true;
	memcpy(sc->path + sc->plen, ".gitignore", sizeof(".gitignore"));
	old = find(sc->s->e, sc->s->n, sc->path);
	sc->path[sc->plen] = '\0';
	if (!there || !old)
		return there != (old != NULL);
	stat_of(&now, &st);
	return !old->trusted || !stat_eq(&now, &old->st);
}

static bool tracked_under(const struct snap *s, const char *dir)
{
	size_t i = lower_bound(s->tracked, s->ntracked, dir);

	return i < s->ntracked && !strncmp(s->tracked[i].path, dir, strlen(dir));
}

static bool excluded(const struct snap *s, const char *path)
{
	return s->nexclude && bsearch(&path, s->exclude, s->nexclude, sizeof(char *), str_cmp);
}

static int write_blob(struct scan *sc, const void *data, size_t len, git_oid *oid)
{
	int rc;

	if ((rc = git_odb_hash(oid, data, len, GIT_OBJECT_BLOB)) < 0)
		return git_fail(sc->d, rc, "cannot hash a file");
	if (git_odb_exists(sc->s->odb, oid))
		return 0;
	if ((rc = git_odb_write(oid, sc->s->odb, data, len, GIT_OBJECT_BLOB)) < 0)
		return git_fail(sc->d, rc, "cannot write a blob");
	return 0;
}

static ssize_t read_full(int fd, char *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/*
 * Read a regular file into a blob. *st is the descriptor's stat data
 * (before the read); *stable false when it changed while we read (the entry
 * is then not trusted). 1 = left out (not a regular file any more, too
 * large, vanished), 0 = *oid written, negative = error.
 */
static int hash_file(struct scan *sc, int dfd, const char *name, struct stat *st, git_oid *oid, bool *stable)
{
	struct stat after;
	char *data = NULL;
	git_odb_stream *ws = NULL;
	int fd, rc = 1;
	ssize_t got;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return 1;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode))
		goto out;
	if ((unsigned long long)st->st_size > GITRUN_MAX_FILE) {
		sc->left_out++;
		goto out;
	}
	sc->hashed++;
	if ((size_t)st->st_size <= SNAP_READ_WHOLE) {
		data = malloc((size_t)st->st_size + 1);
		if (!data) {
			rc = -CORDON_ENOMEM;
			goto out;
		}
		got = read_full(fd, data, (size_t)st->st_size);
		if (got < 0)
			goto out;
		rc = write_blob(sc, data, (size_t)got, oid);
	} else {
		char chunk[1 << 16];
		unsigned long long left = (unsigned long long)st->st_size;

		if ((rc = git_odb_open_wstream(&ws, sc->s->odb, (git_object_size_t)st->st_size, GIT_OBJECT_BLOB)) < 0) {
			rc = git_fail(sc->d, rc, "cannot write a blob");
			goto out;
		}
		while (left) {
			got = read_full(fd, chunk, left < sizeof(chunk) ? (size_t)left : sizeof(chunk));
			if (got <= 0) {
				/* It shrank while we read: leave it out this time, read it again next time. */
				rc = 1;
				sc->left_out++;
				goto out;
			}
			if ((rc = git_odb_stream_write(ws, chunk, (size_t)got)) < 0) {
				rc = git_fail(sc->d, rc, "cannot write a blob");
				goto out;
			}
			left -= (unsigned long long)got;
		}
		if ((rc = git_odb_stream_finalize_write(oid, ws)) < 0) {
			rc = git_fail(sc->d, rc, "cannot write a blob");
			goto out;
		}
	}
	*stable = fstat(fd, &after) == 0 && after.st_size == st->st_size &&
		  ts_ns(&after.st_mtim) == ts_ns(&st->st_mtim) && ts_ns(&after.st_ctim) == ts_ns(&st->st_ctim);
out:
	git_odb_stream_free(ws);
	free(data);
	close(fd);
	return rc;
}

static int hash_link(struct scan *sc, int dfd, const char *name, git_oid *oid)
{
	char target[PATH_MAX + 1];
	ssize_t n = readlinkat(dfd, name, target, sizeof(target));

	if (n < 0 || (size_t)n >= sizeof(target))
		return 1;
	sc->hashed++;
	return write_blob(sc, target, (size_t)n, oid);
}

static int scan_dir(struct scan *sc, int dfd, unsigned depth);

/* One name of a directory; sc->path holds its path. */
static int scan_one(struct scan *sc, int dfd, const char *name, unsigned depth)
{
	struct snap *s = sc->s;
	struct snap_entry e = { .path = sc->path }, *old, *tr;
	struct stat st;
	bool stable = true;
	int rc, sub;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return 0; /* gone since readdir */
	old = find(s->e, s->n, sc->path);
	/* The last scan knows whether a path is tracked; only new paths are looked up. */
	tr = old ? (old->tracked ? old : NULL) : find(s->tracked, s->ntracked, sc->path);
	if (S_ISDIR(st.st_mode)) {
		size_t plen = sc->plen;

		/* A submodule is not entered: it keeps the commit the index records. */
		if (tr && tr->mode == MODE_GITLINK) {
			e = *tr;
			e.same = old && old->mode == e.mode && git_oid_equal(&old->oid, &e.oid);
			return push(sc, &e);
		}
		if (depth + 1 >= SNAP_MAX_DEPTH || plen + 1 >= SNAP_MAX_PATH) {
			sc->left_out++;
			return 0;
		}
		sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return 0;
		/* A nested repository (with its own .git) is not ours to record. */
		if (faccessat(sub, ".git", F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
			close(sub);
			return 0;
		}
		sc->path[plen] = '/';
		sc->path[plen + 1] = '\0';
		if (!tracked_under(s, sc->path)) {
			sc->path[plen] = '\0';
			if (ignored(sc, sc->path)) {
				close(sub);
				return 0;
			}
			sc->path[plen] = '/';
		}
		sc->plen = plen + 1;
		rc = scan_dir(sc, sub, depth + 1);
		sc->plen = plen;
		sc->path[plen] = '\0';
		return rc;
	}
	if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return 0;
	if (S_ISREG(st.st_mode) && st.st_size == 0 && excluded(s, sc->path))
		return 0;
	if (!tr && ignored(sc, sc->path))
		return 0;
	e.mode = git_mode(&st);
	e.tracked = tr != NULL;
	stat_of(&e.st, &st);
	if (old && old->trusted && old->mode == e.mode && stat_eq(&old->st, &e.st)) {
		git_oid_cpy(&e.oid, &old->oid);
	} else {
		rc = S_ISLNK(st.st_mode) ? hash_link(sc, dfd, name, &e.oid) : hash_file(sc, dfd, name, &st, &e.oid, &stable);
		if (rc)
			return rc > 0 ? 0 : rc;
		e.mode = git_mode(&st);
		stat_of(&e.st, &st);
	}
	e.trusted = stable && !racy(&st, sc->t0);
	e.same = old && old->mode == e.mode && git_oid_equal(&old->oid, &e.oid);
	return push(sc, &e);
}

static int scan_dir(struct scan *sc, int dfd, unsigned depth)
{
	DIR *dir = fdopendir(dfd);
	struct dirent *de;
	size_t plen = sc->plen, nlen;
	int rc = 0;

	if (!dir) {
		close(dfd);
		return 0;
	}
	/* Before any name below it is judged: rules that changed void the verdicts. */
	if (sc->s->verdicts.n && gitignore_changed(sc, dfd))
		verdicts_flush(sc->s);
	while ((errno = 0, de = readdir(dir))) {
		const char *name = de->d_name;

		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (snap_dotgit_name(name)) {
			/* .git itself is expected; anything git would mistake for it is left out. */
			if (strcmp(name, ".git"))
				sc->left_out++;
			continue;
		}
		nlen = strlen(name);
		if (plen + nlen >= SNAP_MAX_PATH) {
			sc->left_out++;
			continue;
		}
		memcpy(sc->path + plen, name, nlen + 1);
		sc->plen = plen + nlen;
		rc = scan_one(sc, dfd, name, depth);
		sc->plen = plen;
		sc->path[plen] = '\0';
		if (rc < 0)
			break;
	}
	closedir(dir);
	return rc;
}

/* ---- trees ---------------------------------------------------------------------- */

struct build {
	struct snap *s;
	struct snap_entry *ne;
	size_t n;
	struct snap_dir *dirs; /* the new build's trees */
	size_t ndirs, cap;
	struct cordon_diag *d;
};

static int add_dir(struct build *b, const char *path, size_t len, const git_oid *oid)
{
	if (b->ndirs == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		struct snap_dir *nd = realloc(b->dirs, cap * sizeof(*nd));

		if (!nd)
			return -CORDON_ENOMEM;
		b->dirs = nd;
		b->cap = cap;
	}
	if (!(b->dirs[b->ndirs].path = strndup(path, len)))
		return -CORDON_ENOMEM;
	git_oid_cpy(&b->dirs[b->ndirs].oid, oid);
	b->ndirs++;
	return 0;
}

/* The last build's tree of dir, or NULL. */
static const struct snap_dir *old_dir(const struct snap *s, const char *dir)
{
	struct snap_dir key = { .path = (char *)dir };

	return s->ndirs ? bsearch(&key, s->dirs, s->ndirs, sizeof(key), dir_cmp) : NULL;
}

/*
 * The tree of entries [i, j), all under dir (dlen bytes, "" or "a/b/").
 * A directory whose entries are all the same as last time, and as many,
 * keeps last time's tree (and its subtrees) without being written again.
 */
static int build(struct build *b, size_t i, size_t j, const char *dir, size_t dlen, git_oid *out)
{
	git_treebuilder *tb = NULL;
	const struct snap_dir *od;
	char key[SNAP_MAX_PATH + 2];
	size_t k, m;
	bool same = true;
	int rc;

	memcpy(key, dir, dlen);
	key[dlen] = '\0';
	for (k = i; k < j && same; k++)
		same = b->ne[k].same;
	if (same && count_under(b->s->e, b->s->n, key, dlen) == j - i && (od = old_dir(b->s, key))) {
		git_oid_cpy(out, &od->oid);
		/* Keep last time's subtrees for next time: they sort right after it. */
		for (size_t x = (size_t)(od - b->s->dirs); x < b->s->ndirs && !strncmp(b->s->dirs[x].path, key, dlen); x++)
			if ((rc = add_dir(b, b->s->dirs[x].path, strlen(b->s->dirs[x].path), &b->s->dirs[x].oid)) < 0)
				return rc;
		return 0;
	}
	if ((rc = git_treebuilder_new(&tb, b->s->repo, NULL)) < 0)
		return git_fail(b->d, rc, "cannot build a tree");
	for (k = i; k < j; k = m) {
		const char *rest = b->ne[k].path + dlen, *slash = strchr(rest, '/');
		git_oid sub;

		if (!slash) {
			m = k + 1;
			/* A name libgit2 refuses (it checks as git does) is left out, not the snapshot. */
			if (git_treebuilder_insert(NULL, tb, rest, &b->ne[k].oid, (git_filemode_t)b->ne[k].mode) < 0)
				b->s->left_out++;
			continue;
		}
		size_t sublen = (size_t)(slash - b->ne[k].path) + 1;

		for (m = k + 1; m < j && !strncmp(b->ne[m].path, b->ne[k].path, sublen); m++)
			;
		if (sublen >= sizeof(key)) {
			rc = -CORDON_ETOOBIG;
			goto out;
		}
		if ((rc = build(b, k, m, b->ne[k].path, sublen, &sub)) < 0)
			goto out;
		memcpy(key, rest, (size_t)(slash - rest));
		key[slash - rest] = '\0';
		if (git_treebuilder_insert(NULL, tb, key, &sub, GIT_FILEMODE_TREE) < 0)
			b->s->left_out++;
	}
	if ((rc = git_treebuilder_write(out, tb)) < 0) {
		rc = git_fail(b->d, rc, "cannot write a tree");
		goto out;
	}
	rc = add_dir(b, dir, dlen, out);
out:
	git_treebuilder_free(tb);
	return rc;
}

int snap_scan(struct snap *s, git_oid *tree, struct cordon_diag *d)
{
	struct scan sc = { .s = s, .d = d };
	struct build b = { .s = s, .d = d };
	struct timespec now;
	int fd, rc;

	/* The clock the kernel stamps files with (coarse), read before anything is looked at. */
	char sig[sizeof(s->global_sig)];

	clock_gettime(CLOCK_REALTIME_COARSE, &now);
	sc.t0 = ts_ns(&now);
	global_signature(s, sig, sizeof(sig));
	if (strcmp(sig, s->global_sig)) {
		verdicts_flush(s);
		snprintf(s->global_sig, sizeof(s->global_sig), "%s", sig);
	}
	fd = open(s->workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return diag_set(d, 0, 0, "cannot open the working tree '%s': %s", s->workdir, strerror(errno)),
		       -CORDON_ESYS;
	rc = scan_dir(&sc, fd, 0);
	if (rc < 0)
		goto fail;
	qsort(sc.ne, sc.n, sizeof(*sc.ne), entry_cmp);
	b.ne = sc.ne;
	b.n = sc.n;
	s->left_out = sc.left_out;
	rc = build(&b, 0, sc.n, "", 0, tree);
	if (rc < 0)
		goto fail;
	qsort(b.dirs, b.ndirs, sizeof(*b.dirs), dir_cmp);
	entries_free(s->e, s->n);
	dirs_free(s->dirs, s->ndirs);
	s->e = sc.ne;
	s->n = sc.n;
	s->dirs = b.dirs;
	s->ndirs = b.ndirs;
	s->hashed = sc.hashed;
	s->have_tree = true;
	git_oid_cpy(&s->tree, tree);
	return 0;
fail:
	entries_free(sc.ne, sc.n);
	dirs_free(b.dirs, b.ndirs);
	return rc;
}
