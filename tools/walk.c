/*
 * walk.c — the parallel walker (see walk.h).
 *
 * Security argument. The walker runs in a read-only tool child, but the tree
 * it walks is the model's: Bash can plant symlinks, FIFOs and device nodes,
 * and can swap a directory for a symlink while we walk. So:
 *  - d_type (or fstatat with AT_SYMLINK_NOFOLLOW when the filesystem gives
 *    DT_UNKNOWN) decides what an entry is, and only DT_DIR and DT_REG are
 *    acted on; symlinks are skipped, never resolved;
 *  - a directory is opened by its path below the start fd with
 *    RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS, so a swap-in symlink anywhere on
 *    that path makes the open fail (ELOOP) instead of leaving the tree;
 *  - a file is opened relative to its directory's fd with O_NOFOLLOW (the
 *    last component is the only one) and O_NONBLOCK (a FIFO swapped in
 *    after readdir cannot block the open), then fstat must say S_ISREG
 *    before a byte is read;
 *  - ignore files are read through the same checks and with a byte cap.
 */
#include "tools/walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fileio.h"
#include "tools/pathres.h"

/* The rule files of one directory, shared by the jobs below it. */
struct ign_dir {
	int refs; /* atomic */
	struct ign_dir *parent;
	char *rel;        /* below the start dir ("" = start); NULL for ancestors */
	size_t rel_len;
	char *above;      /* ancestors: path from here down to the start dir + "/" */
	size_t above_len;
	struct gitignore *rg, *ig, *gi, *ex; /* .rgignore, .ignore, .gitignore, .git/info/exclude */
	bool in_git;
};

struct job {
	char *rel;
	size_t len;
	uint32_t *order; /* walk position of the directory itself (depth entries) */
	unsigned depth; /* of the directory itself; the start dir is 0 */
	struct ign_dir *ign;
	bool in_git;
};

struct walker {
	const struct walk_opts *o;
	int startfd;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job **stack;
	size_t njobs, cap;
	unsigned active;
	bool stop;
	int err;
	struct walk_stats st; /* counters updated atomically */
};

#define ADD(field, n) __atomic_add_fetch(&w->st.field, (n), __ATOMIC_RELAXED)

static void ign_ref(struct ign_dir *d)
{
	if (d)
		__atomic_add_fetch(&d->refs, 1, __ATOMIC_RELAXED);
}

static void gi_free(struct gitignore *g)
{
	if (g) {
		gitignore_release(g);
		free(g);
	}
}

static void ign_unref(struct ign_dir *d)
{
	while (d && __atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		struct ign_dir *p = d->parent;

		gi_free(d->rg);
		gi_free(d->ig);
		gi_free(d->gi);
		gi_free(d->ex);
		free(d->rel);
		free(d->above);
		free(d);
		d = p;
	}
}

static void job_free(struct job *j)
{
	if (j) {
		ign_unref(j->ign);
		free(j->rel);
		free(j->order);
		free(j);
	}
}

unsigned walk_threads(const struct walk_opts *o)
{
	cpu_set_t set;
	unsigned n = o->nthreads;

	if (n == 0) {
		/* sched_getaffinity, not /sys: the sandbox may hide /sys. */
		n = sched_getaffinity(0, sizeof(set), &set) == 0 ? (unsigned)CPU_COUNT(&set) : 2;
		if (n == 0)
			n = 1;
	}
	return n > WALK_MAX_THREADS ? WALK_MAX_THREADS : n;
}

/* Read one rule file below dirfd; *out stays NULL when absent or unusable. */
static int load_rules(struct walker *w, int dirfd, const char *name, struct gitignore **out)
{
	struct gitignore *g = NULL;
	struct buf b;
	struct stat st;
	int fd = -1, r;

	*out = NULL;
	buf_init(&b, GITIGNORE_MAX_BYTES);
	r = pathres_openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY, PATHRES_NO_SYMLINKS, &fd);
	if (r < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			ADD(errors, 1);
		r = 0;
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || fd_read_all(fd, &b) < 0) {
		ADD(errors, 1);
		r = 0;
		goto out;
	}
	g = malloc(sizeof(*g));
	if (!g) {
		r = -CORDON_ENOMEM;
		goto out;
	}
	gitignore_init(g, 0);
	r = gitignore_parse(g, b.data, b.len);
	if (r < 0)
		goto out;
	if (!gitignore_empty(g)) {
		*out = g;
		g = NULL;
	}
out:
	gi_free(g);
	if (fd >= 0)
		close(fd);
	buf_release(&b);
	return r;
}

/*
 * A node for the rule files of dirfd (has_* say which names readdir saw),
 * or NULL when it has none. parent is referenced by the new node.
 */
static int make_ign(struct walker *w, struct ign_dir **out, int dirfd, struct ign_dir *parent,
		    bool in_git, bool has_rgignore, bool has_ignore, bool has_gitignore, bool has_gitdir)
{
	struct ign_dir *d;
	int r;

	*out = NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -CORDON_ENOMEM;
	/* in_git here means "git's rules apply": inside a repo, or the caller does not require one. */
	d->in_git = in_git || !w->o->require_git;
	if (has_rgignore && (r = load_rules(w, dirfd, ".rgignore", &d->rg)) < 0)
		goto fail;
	if (has_ignore && (r = load_rules(w, dirfd, ".ignore", &d->ig)) < 0)
		goto fail;
	if (has_gitignore && (in_git || !w->o->require_git) &&
	    (r = load_rules(w, dirfd, ".gitignore", &d->gi)) < 0)
		goto fail;
	if (has_gitdir && in_git && (r = load_rules(w, dirfd, ".git/info/exclude", &d->ex)) < 0)
		goto fail;
	if (!d->rg && !d->ig && !d->gi && !d->ex) {
		free(d);
		return 0;
	}
	d->refs = 1;
	d->parent = parent;
	ign_ref(parent);
	*out = d;
	return 0;
fail:
	gi_free(d->rg);
	gi_free(d->ig);
	gi_free(d->gi);
	gi_free(d->ex);
	free(d);
	return r;
}

static enum gi_match ign_match_one(const struct ign_dir *d, const struct gitignore *g, const char *rel,
				   size_t len, bool is_dir)
{
	char tmp[WALK_MAX_PATH + WALK_MAX_PATH];

	if (d->above) {
		if (d->above_len + len > sizeof(tmp))
			return GI_NONE;
		memcpy(tmp, d->above, d->above_len);
		memcpy(tmp + d->above_len, rel, len);
		return gitignore_match(g, tmp, d->above_len + len, is_dir);
	}
	if (d->rel_len) {
		/* rel lies below d->rel: strip "d->rel/". */
		if (len <= d->rel_len + 1)
			return GI_NONE;
		return gitignore_match(g, rel + d->rel_len + 1, len - d->rel_len - 1, is_dir);
	}
	return gitignore_match(g, rel, len, is_dir);
}

static enum gi_match ign_match(const struct ign_dir *d0, const char *rel, size_t len, bool is_dir)
{
	const struct ign_dir *d;
	enum gi_match m;

	/* .rgignore first, at any depth, then .ignore, .gitignore, exclude (ripgrep's order). */
	for (d = d0; d; d = d->parent)
		if (d->rg && (m = ign_match_one(d, d->rg, rel, len, is_dir)) != GI_NONE)
			return m;
	for (d = d0; d; d = d->parent)
		if (d->ig && (m = ign_match_one(d, d->ig, rel, len, is_dir)) != GI_NONE)
			return m;
	for (d = d0; d; d = d->parent)
		if (d->gi && d->in_git && (m = ign_match_one(d, d->gi, rel, len, is_dir)) != GI_NONE)
			return m;
	for (d = d0; d; d = d->parent)
		if (d->ex && d->in_git && (m = ign_match_one(d, d->ex, rel, len, is_dir)) != GI_NONE)
			return m;
	return GI_NONE;
}

/* Whether an entry passes the filters, in ripgrep's precedence. */
static bool keep(struct walker *w, struct ign_dir *ign, const char *rel, size_t len, const char *name,
		 bool is_dir)
{
	const struct walk_opts *o = w->o;
	enum gi_match m, wl = GI_NONE;

	if (o->override) {
		m = o->override(o->ctx, rel, len, is_dir);
		if (m == GI_IGNORE)
			return false;
		if (m == GI_WHITELIST)
			return true;
	}
	if (o->ignore_files && ign) {
		m = ign_match(ign, rel, len, is_dir);
		if (m == GI_IGNORE)
			return false;
		wl = m;
	}
	if (!is_dir && o->types) {
		m = o->types(o->ctx, rel, len);
		if (m == GI_IGNORE)
			return false;
		if (m == GI_WHITELIST)
			wl = m;
	}
	if (wl == GI_NONE && !o->hidden && name[0] == '.')
		return false;
	return true;
}

static int push_job(struct walker *w, struct job *j)
{
	int r = 0;

	pthread_mutex_lock(&w->mu);
	if (w->njobs == w->cap) {
		size_t ncap = w->cap ? w->cap * 2 : 64;
		struct job **n = realloc(w->stack, ncap * sizeof(*n));

		if (!n) {
			r = -CORDON_ENOMEM;
			goto out;
		}
		w->stack = n;
		w->cap = ncap;
	}
	w->stack[w->njobs++] = j;
	pthread_cond_signal(&w->cv);
out:
	pthread_mutex_unlock(&w->mu);
	return r;
}

static void fail(struct walker *w, int err)
{
	pthread_mutex_lock(&w->mu);
	if (!w->err)
		w->err = err;
	w->stop = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static bool stopped(struct walker *w)
{
	return __atomic_load_n(&w->stop, __ATOMIC_RELAXED);
}

struct dent {
	size_t off; /* name offset in the arena */
	unsigned char type;
};

/* One directory: read it whole, then filter and dispatch its entries. */
static int run_job(struct walker *w, unsigned tid, struct job *j)
{
	const struct walk_opts *o = w->o;
	struct buf names, path;
	struct dent *ents = NULL;
	uint32_t *order = NULL; /* this directory's position, then one more for an entry */
	size_t nents = 0, cap = 0, i;
	struct ign_dir *ign = NULL, *own = NULL;
	bool has_rgignore = false, has_ignore = false, has_gitignore = false, has_git = false, has_gitdir = false;
	bool in_git;
	DIR *dir = NULL;
	struct dirent *de;
	int fd = -1, dfd, r = 0;

	buf_init(&names, 64u << 20);
	buf_init(&path, WALK_MAX_PATH);
	r = pathres_openat(w->startfd, j->rel, O_RDONLY | O_DIRECTORY | O_NONBLOCK, PATHRES_NO_SYMLINKS, &fd);
	if (r < 0) {
		ADD(errors, 1);
		r = 0;
		goto out;
	}
	dir = fdopendir(fd);
	if (!dir) {
		ADD(errors, 1);
		close(fd);
		goto out;
	}
	dfd = dirfd(dir);
	ADD(dirs, 1);
	errno = 0;
	while ((de = readdir(dir))) {
		size_t nl;

		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		nl = strlen(de->d_name);
		if (nents == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct dent *n = realloc(ents, ncap * sizeof(*n));

			if (!n) {
				r = -CORDON_ENOMEM;
				goto out;
			}
			ents = n;
			cap = ncap;
		}
		ents[nents].off = names.len;
		ents[nents].type = de->d_type;
		if ((r = buf_append(&names, de->d_name, nl + 1)) < 0)
			goto out;
		nents++;
		if (!strcmp(de->d_name, ".gitignore"))
			has_gitignore = true;
		else if (!strcmp(de->d_name, ".ignore"))
			has_ignore = true;
		else if (!strcmp(de->d_name, ".rgignore"))
			has_rgignore = true;
		else if (!strcmp(de->d_name, ".git")) {
			has_git = true;
			has_gitdir = de->d_type == DT_DIR || de->d_type == DT_UNKNOWN;
		}
	}
	in_git = j->in_git || has_git;
	order = malloc(((size_t)j->depth + 1) * sizeof(*order));
	if (!order) {
		r = -CORDON_ENOMEM;
		goto out;
	}
	if (j->depth)
		memcpy(order, j->order, (size_t)j->depth * sizeof(*order));
	ign = j->ign;
	if (o->ignore_files && (has_rgignore || has_ignore || has_gitignore || has_gitdir)) {
		if ((r = make_ign(w, &own, dfd, j->ign, in_git, has_rgignore, has_ignore, has_gitignore,
				  has_gitdir)) < 0)
			goto out;
		if (own) {
			own->rel = strdup(j->rel);
			if (!own->rel) {
				r = -CORDON_ENOMEM;
				goto out;
			}
			own->rel_len = j->len;
			ign = own;
		}
	}

	for (i = 0; i < nents && !stopped(w); i++) {
		const char *name = names.data + ents[i].off;
		unsigned char type = ents[i].type;
		struct stat st;
		size_t n;

		if (__atomic_add_fetch(&w->st.entries, 1, __ATOMIC_RELAXED) > o->max_entries) {
			__atomic_store_n(&w->st.truncated, true, __ATOMIC_RELAXED);
			fail(w, 0);
			break;
		}
		if (type == DT_UNKNOWN) {
			if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG
				: S_ISLNK(st.st_mode) ? DT_LNK : DT_FIFO;
		}
		if (type == DT_LNK) {
			ADD(symlinks, 1);
			continue;
		}
		if (type != DT_DIR && type != DT_REG) {
			ADD(specials, 1);
			continue;
		}
		buf_truncate(&path, 0);
		if (j->len && (buf_append(&path, j->rel, j->len) < 0 || buf_putc(&path, '/') < 0))
			continue;
		if (buf_puts(&path, name) < 0)
			continue; /* longer than a path can be: skip */
		n = path.len;
		if (!keep(w, ign, path.data, n, name, type == DT_DIR))
			continue;
		order[j->depth] = (uint32_t)i;
		if (type == DT_DIR) {
			struct job *c;

			if (j->depth + 1 >= o->max_depth) {
				__atomic_store_n(&w->st.truncated, true, __ATOMIC_RELAXED);
				continue;
			}
			c = calloc(1, sizeof(*c));
			if (!c || !(c->rel = strdup(path.data)) ||
			    !(c->order = malloc(((size_t)j->depth + 1) * sizeof(*c->order)))) {
				if (c)
					free(c->rel);
				free(c);
				r = -CORDON_ENOMEM;
				goto out;
			}
			memcpy(c->order, order, ((size_t)j->depth + 1) * sizeof(*order));
			c->len = n;
			c->depth = j->depth + 1;
			c->ign = ign;
			ign_ref(ign);
			c->in_git = in_git;
			if ((r = push_job(w, c)) < 0) {
				job_free(c);
				goto out;
			}
		} else {
			struct walk_entry e = { path.data, n, path.data + n - strlen(name), dfd, j->depth + 1, order };

			ADD(files, 1);
			r = o->visit ? o->visit(o->ctx, tid, &e) : 0;
			if (r != 0) {
				fail(w, r < 0 ? r : 0);
				r = 0;
				break;
			}
		}
	}
out:
	if (dir)
		closedir(dir);
	ign_unref(own);
	free(order);
	free(ents);
	buf_release(&names);
	buf_release(&path);
	return r;
}

struct worker_arg {
	struct walker *w;
	unsigned tid;
};

static void *worker(void *p)
{
	struct worker_arg *a = p;
	struct walker *w = a->w;
	struct job *j;
	int r;

	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (!w->stop && w->njobs == 0 && w->active > 0)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stop || w->njobs == 0) {
			pthread_cond_broadcast(&w->cv);
			pthread_mutex_unlock(&w->mu);
			return NULL;
		}
		j = w->stack[--w->njobs];
		w->active++;
		pthread_mutex_unlock(&w->mu);

		r = run_job(w, a->tid, j);
		job_free(j);
		if (r < 0)
			fail(w, r);

		pthread_mutex_lock(&w->mu);
		w->active--;
		if (w->active == 0 && w->njobs == 0)
			pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
}

/* Rule files of the start directory's ancestors, root first. */
static int load_ancestors(struct walker *w, int rootfd, const char *start, struct ign_dir **out_ign,
			  bool *out_in_git)
{
	struct ign_dir *ign = NULL, *own;
	size_t len = strlen(start), i = 0;
	bool in_git = false;
	char *prefix = NULL;
	int r = 0;

	*out_ign = NULL;
	*out_in_git = false;
	if (len >= WALK_MAX_PATH)
		return -CORDON_EINVAL;
	prefix = malloc(len + 1);
	if (!prefix)
		return -CORDON_ENOMEM;
	/* Each ancestor: "" (the root), then start's leading components, not start itself. */
	for (;;) {
		int fd = -1;
		bool hr, hi, hg, gd;
		struct stat st;

		memcpy(prefix, start, i);
		prefix[i] = '\0';
		if (i == len)
			break;
		if (pathres_openat(rootfd, prefix, O_RDONLY | O_DIRECTORY | O_NONBLOCK, 0, &fd) == 0) {
			hr = fstatat(fd, ".rgignore", &st, AT_SYMLINK_NOFOLLOW) == 0;
			hi = fstatat(fd, ".ignore", &st, AT_SYMLINK_NOFOLLOW) == 0;
			hg = fstatat(fd, ".gitignore", &st, AT_SYMLINK_NOFOLLOW) == 0;
			gd = fstatat(fd, ".git", &st, AT_SYMLINK_NOFOLLOW) == 0;
			in_git = in_git || gd;
			own = NULL;
			if (w->o->ignore_files && (hr || hi || hg || gd))
				r = make_ign(w, &own, fd, ign, in_git, hr, hi, hg, gd && S_ISDIR(st.st_mode));
			close(fd);
			if (r < 0)
				goto out;
			if (own) {
				size_t skip = i ? i + 1 : 0;

				own->above_len = len - skip + 1;
				own->above = malloc(own->above_len + 1);
				if (!own->above) {
					ign_unref(own);
					r = -CORDON_ENOMEM;
					goto out;
				}
				memcpy(own->above, start + skip, len - skip);
				own->above[len - skip] = '/';
				own->above[own->above_len] = '\0';
				ign_unref(ign); /* own holds its parent */
				ign = own;
			}
		}
		/* Next component boundary. */
		{
			const char *s = memchr(start + i + (i ? 1 : 0), '/', len - i - (i ? 1 : 0));

			i = s ? (size_t)(s - start) : len;
		}
	}
	*out_ign = ign;
	ign = NULL;
	*out_in_git = in_git;
out:
	ign_unref(ign);
	free(prefix);
	return r;
}

int walk_run(int rootfd, const char *start_rel, const struct walk_opts *o, struct walk_stats *stats)
{
	struct walker w;
	struct worker_arg args[WALK_MAX_THREADS];
	pthread_t th[WALK_MAX_THREADS];
	unsigned n = walk_threads(o), started = 0, t;
	struct job *j = NULL;
	int r;

	memset(&w, 0, sizeof(w));
	memset(stats, 0, sizeof(*stats));
	w.o = o;
	w.startfd = -1;
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	r = pathres_openat(rootfd, start_rel, O_RDONLY | O_DIRECTORY | O_NONBLOCK, 0, &w.startfd);
	if (r < 0)
		goto out;
	j = calloc(1, sizeof(*j));
	if (!j || !(j->rel = strdup(""))) {
		r = -CORDON_ENOMEM;
		goto out;
	}
	if ((r = load_ancestors(&w, rootfd, start_rel, &j->ign, &j->in_git)) < 0)
		goto out;
	if ((r = push_job(&w, j)) < 0)
		goto out;
	j = NULL;
	for (t = 0; t < n; t++) {
		args[t].w = &w;
		args[t].tid = t;
	}
	/* Thread 0 is this one; a refused pthread_create only means fewer workers. */
	for (t = 1; t < n; t++) {
		if (pthread_create(&th[t], NULL, worker, &args[t]) != 0)
			break;
		started++;
	}
	worker(&args[0]);
	for (t = 1; t <= started; t++)
		pthread_join(th[t], NULL);
	r = w.err;
out:
	job_free(j);
	while (w.njobs > 0)
		job_free(w.stack[--w.njobs]);
	free(w.stack);
	if (w.startfd >= 0)
		close(w.startfd);
	pthread_mutex_destroy(&w.mu);
	pthread_cond_destroy(&w.cv);
	*stats = w.st;
	return r;
}

int walk_order_cmp(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, bool lifo)
{
	size_t i;

	for (i = 0; i < na && i < nb; i++)
		if (a[i] != b[i])
			return (a[i] < b[i]) != lifo ? -1 : 1;
	/* A directory comes before what is in it, in both orders. */
	return na < nb ? -1 : na > nb;
}

int walk_open_file(const struct walk_entry *e, int *out_fd, struct stat *st)
{
	int fd, e2;

	*out_fd = -1;
	fd = openat(e->dirfd, e->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -CORDON_ESYS;
	if (fstat(fd, st) < 0)
		goto fail;
	if (!S_ISREG(st->st_mode)) {
		errno = ENXIO;
		goto fail;
	}
	*out_fd = fd;
	return 0;
fail:
	e2 = errno;
	close(fd);
	errno = e2;
	return -CORDON_ESYS;
}
