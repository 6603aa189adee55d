/*
 * glob.c — the Glob tool (docs/tools.md, "Glob").
 *
 * The reference runs `rg --files --glob PATTERN --sort=modified --no-ignore
 * --hidden` in the search directory: every regular file below it (hidden
 * ones and .git's included, ignore files not read) whose path relative to
 * the search directory matches PATTERN read as an rg --glob (so "*.c" has
 * no '/' and matches at any depth), oldest first, the first 100 shown.
 *
 * rg 14 (the reference's) sorts all the files by mtime with a stable sort
 * after a single-threaded depth-first walk in readdir order, so files with
 * the same mtime (a checkout, an unpacked archive, files made in the same
 * clock tick) keep that walk order; and which of them make the first 100
 * depends on it. We keep only the 100 oldest (a bounded heap per walker
 * thread, merged at the end), so memory does not grow with the tree, in
 * the same total order (mtime, then the walk position: walk_order_cmp()),
 * so the result does not depend on thread timing.
 * Symlinks are not followed and never listed; FIFOs and devices are never
 * opened (walk.h); the mtime comes from fstatat(AT_SYMLINK_NOFOLLOW).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/utf8.h"
#include "tools/gitignore.h"
#include "tools/input.h"
#include "tools/pathres.h"
#include "tools/result.h"
#include "tools/search.h"
#include "tools/tool.h"
#include "tools/walk.h"

#define GLOB_MAX_RESULTS 100 /* globLimits.maxResults */

struct hit {
	char *rel;
	uint32_t *order; /* walk position (walk_entry.order), depth entries */
	size_t depth;
	struct timespec mtime;
};

struct glob_thread {
	struct hit heap[GLOB_MAX_RESULTS]; /* max-heap: the newest kept hit on top */
	size_t n;
	size_t seen;
	int err;
};

struct globber {
	struct gitignore ovr;
	size_t whitelists;
	struct search_deny deny; /* the policy's Read deny patterns (search.h) */
	struct glob_thread *th;
	unsigned nth;
};

/* Total order: older first, then rg's sequential walk order. */
static int hit_cmp(const struct hit *a, const struct hit *b)
{
	int c;

	if (a->mtime.tv_sec != b->mtime.tv_sec)
		return a->mtime.tv_sec < b->mtime.tv_sec ? -1 : 1;
	if (a->mtime.tv_nsec != b->mtime.tv_nsec)
		return a->mtime.tv_nsec < b->mtime.tv_nsec ? -1 : 1;
	c = walk_order_cmp(a->order, a->depth, b->order, b->depth, false);
	return c ? c : strcmp(a->rel, b->rel);
}

static void hit_free(struct hit *h)
{
	free(h->rel);
	free(h->order);
}

static void sift_down(struct hit *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct hit tmp;

		if (l < n && hit_cmp(&h[l], &h[m]) > 0)
			m = l;
		if (r < n && hit_cmp(&h[r], &h[m]) > 0)
			m = r;
		if (m == i)
			return;
		tmp = h[i];
		h[i] = h[m];
		h[m] = tmp;
		i = m;
	}
}

static void sift_up(struct hit *h, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		struct hit tmp;

		if (hit_cmp(&h[i], &h[p]) <= 0)
			return;
		tmp = h[i];
		h[i] = h[p];
		h[p] = tmp;
		i = p;
	}
}

/* Keep h among the GLOB_MAX_RESULTS oldest; takes ownership of h's buffers. */
static void keep_oldest(struct glob_thread *t, struct hit *h)
{
	if (t->n < GLOB_MAX_RESULTS) {
		t->heap[t->n] = *h;
		sift_up(t->heap, t->n++);
		return;
	}
	if (hit_cmp(h, &t->heap[0]) >= 0) {
		hit_free(h);
		return;
	}
	hit_free(&t->heap[0]);
	t->heap[0] = *h;
	sift_down(t->heap, t->n, 0);
}

static enum gi_match override_cb(void *ctx, const char *rel, size_t len, bool is_dir)
{
	struct globber *g = ctx;
	enum gi_match m;

	/* First: no pattern of the model's can bring a denied entry back,
	 * and a denied directory is not entered at all. */
	if (search_deny_match(&g->deny, rel, len))
		return GI_IGNORE;
	m = gitignore_match(&g->ovr, rel, len, is_dir);
	if (m == GI_IGNORE)
		return GI_WHITELIST;
	if (m == GI_WHITELIST)
		return GI_IGNORE;
	return g->whitelists && !is_dir ? GI_IGNORE : GI_NONE;
}

static int visit(void *ctx, unsigned tid, const struct walk_entry *e)
{
	struct globber *g = ctx;
	struct glob_thread *t = &g->th[tid];
	struct stat st;
	struct hit h;

	if (fstatat(e->dirfd, e->name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return 0;
	h.rel = strdup(e->rel);
	h.depth = e->depth;
	h.order = malloc(h.depth * sizeof(*h.order));
	if (!h.rel || !h.order) {
		hit_free(&h);
		return -CORDON_ENOMEM;
	}
	memcpy(h.order, e->order, h.depth * sizeof(*h.order));
	h.mtime = st.st_mtim;
	t->seen++;
	keep_oldest(t, &h);
	return 0;
}

static int cmp_hits(const void *a, const void *b)
{
	return hit_cmp(a, b);
}

static bool has_meta(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == '*' || s[i] == '?' || s[i] == '[' || s[i] == '{' || s[i] == '\\')
			return true;
	return false;
}

/*
 * An absolute pattern is split into its static leading directories and the
 * rest: "/srv/ws/src/" + "*.js" gives "/srv/ws/src" and "*.js". *out_dir is malloc'd.
 */
static int split_absolute(const char *pattern, char **out_dir, const char **out_rest)
{
	const char *p = pattern, *last = pattern; /* last: the '/' ending the static part */

	*out_dir = NULL;
	*out_rest = pattern;
	while (*p) {
		const char *slash = strchr(p + 1, '/');
		size_t n = slash ? (size_t)(slash - p - 1) : strlen(p + 1);

		if (!slash || has_meta(p + 1, n))
			break;
		last = slash;
		p = slash;
	}
	*out_dir = last == pattern ? strdup("/") : strndup(pattern, (size_t)(last - pattern));
	if (!*out_dir)
		return -CORDON_ENOMEM;
	*out_rest = last + 1;
	return 0;
}

int tool_glob_run(struct tool_call *call, json_t **out)
{
	struct globber g;
	struct pathres_loc loc = { 0 };
	struct walk_opts wo = WALK_OPTS_INIT;
	struct walk_stats ws;
	struct buf text, line;
	struct hit *all = NULL;
	const json_t *request = call->request;
	char *absdir = NULL, errbuf[1024];
	const char *cwd = call->pr.cwd, *path, *open_path, *pattern;
	struct stat st;
	size_t nall = 0, seen = 0, i, k, shown;
	bool bad_pattern;
	int r;

	*out = NULL;
	memset(&g, 0, sizeof(g));
	gitignore_init(&g.ovr, 0);
	buf_init(&text, 1u << 20);
	buf_init(&line, WALK_MAX_PATH * 2);

	pattern = input_str(call->input, "pattern");
	/* The directory the policy judged (path, or the cwd), shown as given. */
	path = call->path ? call->path : cwd;
	open_path = call->abs;
	if (pattern[0] == '/') {
		if ((r = split_absolute(pattern, &absdir, &pattern)) < 0)
			goto out;
		path = open_path = absdir;
	}
	r = pathres_locate(&call->pr, open_path, &loc);
	if (r == 0)
		r = pathres_stat(&loc, false, &st);
	/* A sandbox placeholder (an empty pinned .bashrc, ...) does not exist for the model. */
	if (r == 0 && pathres_is_placeholder(request, loc.abs)) {
		errno = ENOENT;
		r = -CORDON_ESYS;
	}
	if (r < 0) {
		if (r == -CORDON_ESYS && (errno == ENOENT || errno == ENOTDIR))
			r = result_printf(out, true, true,
					  "Directory does not exist: %s. Note: your current working directory is %s.",
					  path, cwd);
		else
			r = result_text(out, true, true, pathres_errmsg(errbuf, sizeof(errbuf), r, errno, path));
		goto out;
	}
	if (!S_ISDIR(st.st_mode)) {
		r = result_printf(out, true, true, "Path is not a directory: %s", path);
		goto out;
	}
	if ((r = gitignore_add_line(&g.ovr, pattern, strlen(pattern))) < 0)
		goto out;
	g.whitelists = g.ovr.nrules - g.ovr.nwhitelist;
	bad_pattern = g.ovr.bad > 0;
	if ((r = search_deny_prepare(&g.deny, request, &loc, "search", out)) != 0) {
		if (r > 0)
			r = 0;
		goto out;
	}
	if (bad_pattern) {
		/* rg rejects the glob and lists nothing. */
		r = result_text(out, false, false, "No files found");
		goto out;
	}

	wo.hidden = true;        /* --hidden */
	wo.ignore_files = false; /* --no-ignore */
	wo.override = override_cb;
	wo.visit = visit;
	wo.ctx = &g;
	g.nth = walk_threads(&wo);
	wo.nthreads = g.nth;
	g.th = calloc(g.nth, sizeof(*g.th));
	if (!g.th) {
		r = -CORDON_ENOMEM;
		goto out;
	}
	r = walk_run(loc.rootfd, loc.rel, &wo, &ws);
	if (r == -CORDON_ESYS) {
		r = result_text(out, true, true, pathres_errmsg(errbuf, sizeof(errbuf), r, errno, path));
		goto out;
	}
	if (r < 0)
		goto out;

	all = calloc((size_t)g.nth * GLOB_MAX_RESULTS + 1, sizeof(*all));
	if (!all) {
		r = -CORDON_ENOMEM;
		goto out;
	}
	for (i = 0; i < g.nth; i++) {
		seen += g.th[i].seen;
		for (k = 0; k < g.th[i].n; k++)
			all[nall++] = g.th[i].heap[k];
		g.th[i].n = 0; /* moved */
	}
	qsort(all, nall, sizeof(*all), cmp_hits);
	shown = nall < GLOB_MAX_RESULTS ? nall : GLOB_MAX_RESULTS;
	if (shown == 0) {
		r = result_text(out, false, false, "No files found");
		goto out;
	}
	for (i = 0; i < shown; i++) {
		const char *rel;

		buf_truncate(&line, 0);
		if ((r = buf_puts(&line, loc.abs)) < 0)
			goto out;
		if (!(loc.abs[0] == '/' && loc.abs[1] == '\0') && (r = buf_putc(&line, '/')) < 0)
			goto out;
		if ((r = buf_puts(&line, all[i].rel)) < 0)
			goto out;
		rel = search_relative(cwd, line.data);
		if ((i && (r = buf_putc(&text, '\n')) < 0) || (r = utf8_sanitize(&text, rel, strlen(rel))) < 0)
			goto out;
	}
	if ((seen > GLOB_MAX_RESULTS || ws.truncated) &&
	    (r = buf_puts(&text, "\n(Results are truncated. Consider using a more specific path or pattern.)")) < 0)
		goto out;
	r = result_textn(out, false, false, text.data, text.len);
out:
	for (i = 0; i < nall; i++)
		hit_free(&all[i]);
	free(all);
	if (g.th)
		for (i = 0; i < g.nth; i++)
			for (k = 0; k < g.th[i].n; k++)
				hit_free(&g.th[i].heap[k]);
	free(g.th);
	gitignore_release(&g.ovr);
	search_deny_release(&g.deny);
	buf_release(&text);
	buf_release(&line);
	pathres_loc_release(&loc);
	free(absdir);
	return r;
}
