/* Unit tests for tools/walk: filters, ignore files, symlinks, FIFOs, caps, threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "tools/walk.h"

struct seen {
	pthread_mutex_t mu;
	struct buf list; /* "path\n" per file, unsorted */
	size_t n;
	int stop_after;  /* > 0: return -CORDON_EINVAL at this count */
};

static char root[256];
static int rootfd = -1;

static void put(const char *rel, const char *text)
{
	char p[512], *s;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	if (text) {
		FILE *f = fopen(p, "w");

		assert_non_null(f);
		fputs(text, f);
		fclose(f);
	} else {
		mkdir(p, 0755);
	}
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "%s/cordon-walk.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(root))
		return -1;
	put("a.c", "x");
	put("b.txt", "x");
	put(".hidden", "x");
	put(".hdir/in.c", "x");
	put("src/main.c", "x");
	put("src/gen.o", "x");
	put("src/deep/d.c", "x");
	put("src/deep/keep.o", "x");
	put("src/deep/.gitignore", "!keep.o\n");
	put("build/out.c", "x");
	put("logs/x.log", "x");
	put("vendor/v.c", "x");
	put(".gitignore", "*.o\nbuild/\n*.log\n");
	put(".ignore", "vendor/\n!x.log\n");
	put("ex/excluded.c", "x");
	put(".git/info/exclude", "ex/\n");
	put(".git/HEAD", "ref\n");
	put("nogit/.gitignore", "*.c\n");
	put("nogit/n.c", "x");
	put("norepo/.gitignore", "*.c\n");
	put("norepo/n.c", "x");
	put("norepo/m.h", "x");
	put("norepo/sub/.ignore", "*.h\n");
	put("norepo/sub/s.h", "x");
	put("norepo/sub/.rgignore", "!s.h\n");
	{
		char p[512];

		snprintf(p, sizeof(p), "%s/link_dir", root);
		assert_int_equal(symlink("src", p), 0);
		snprintf(p, sizeof(p), "%s/link_file", root);
		assert_int_equal(symlink("a.c", p), 0);
		snprintf(p, sizeof(p), "%s/escape", root);
		assert_int_equal(symlink("/etc", p), 0);
		snprintf(p, sizeof(p), "%s/fifo", root);
		assert_int_equal(mkfifo(p, 0644), 0);
	}
	rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return rootfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	close(rootfd);
	return nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int collect(void *ctx, unsigned tid, const struct walk_entry *e)
{
	struct seen *s = ctx;
	int r = 0;

	(void)tid;
	assert_true(e->rel_len == strlen(e->rel));
	assert_string_equal(e->name, strrchr(e->rel, '/') ? strrchr(e->rel, '/') + 1 : e->rel);
	pthread_mutex_lock(&s->mu);
	buf_puts(&s->list, e->rel);
	buf_putc(&s->list, '\n');
	s->n++;
	if (s->stop_after && (int)s->n >= s->stop_after)
		r = -CORDON_EINVAL;
	pthread_mutex_unlock(&s->mu);
	return r;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The walk's files, sorted, joined by ' '. */
static char *walk_set(struct walk_opts *o, const char *start, int *out_rc, struct walk_stats *st)
{
	struct seen s = { PTHREAD_MUTEX_INITIALIZER, { 0 }, 0, 0 };
	struct walk_stats st0;
	char *v[256], *p, *out;
	size_t n = 0, i;
	struct buf b;

	buf_init(&s.list, 1 << 20);
	s.stop_after = o->ctx ? *(int *)o->ctx : 0;
	o->visit = collect;
	{
		void *save = o->ctx;

		o->ctx = &s;
		*out_rc = walk_run(rootfd, start, o, st ? st : &st0);
		o->ctx = save;
	}
	for (p = strtok(s.list.data, "\n"); p && n < 256; p = strtok(NULL, "\n"))
		v[n++] = p;
	qsort(v, n, sizeof(*v), cmpstr);
	buf_init(&b, 1 << 20);
	for (i = 0; i < n; i++) {
		if (i)
			buf_putc(&b, ' ');
		buf_puts(&b, v[i]);
	}
	out = buf_detach(&b, NULL);
	buf_release(&s.list);
	return out;
}

static void expect(struct walk_opts *o, const char *start, const char *want)
{
	int rc;
	char *got = walk_set(o, start, &rc, NULL);

	assert_int_equal(rc, 0);
	assert_string_equal(got, want);
	free(got);
}

static void default_walk_skips_hidden_and_ignored(void **state)
{
	struct walk_opts o = WALK_OPTS_INIT;

	(void)state;
	/*
	 * .gitignore (*.o, build/, *.log), its !keep.o below, .ignore (vendor/, !x.log: beats
	 * .gitignore's *.log), exclude (ex/), and nogit/.gitignore (*.c: the repo is at the root).
	 */
	expect(&o, "", "a.c b.txt logs/x.log norepo/m.h norepo/sub/s.h src/deep/d.c src/deep/keep.o src/main.c");
}

static void hidden_option_lists_dotfiles(void **state)
{
	struct walk_opts o = WALK_OPTS_INIT;

	(void)state;
	o.hidden = true;
	o.ignore_files = false;
	expect(&o, "",
	       ".git/HEAD .git/info/exclude .gitignore .hdir/in.c .hidden .ignore a.c b.txt build/out.c "
	       "ex/excluded.c logs/x.log nogit/.gitignore nogit/n.c norepo/.gitignore norepo/m.h norepo/n.c "
	       "norepo/sub/.ignore norepo/sub/.rgignore norepo/sub/s.h src/deep/.gitignore src/deep/d.c "
	       "src/deep/keep.o src/gen.o src/main.c vendor/v.c");
}

static void gitignore_needs_a_repository(void **state)
{
	struct walk_opts o = WALK_OPTS_INIT;
	char p[512];
	int save = rootfd;

	(void)state;
	/* A root with no .git anywhere at or above the walk: .gitignore is not read, .ignore is. */
	snprintf(p, sizeof(p), "%s/norepo", root);
	rootfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(rootfd >= 0);
	/* sub/.rgignore's !s.h beats sub/.ignore's *.h (ripgrep's precedence). */
	expect(&o, "", "m.h n.c sub/s.h");
	o.require_git = false;
	expect(&o, "", "m.h sub/s.h");
	close(rootfd);
	rootfd = save;
}

static void ancestors_rules_apply_to_a_subdirectory_start(void **state)
{
	struct walk_opts o = WALK_OPTS_INIT;

	(void)state;
	expect(&o, "src", "deep/d.c deep/keep.o main.c");
	expect(&o, "src/deep", "d.c keep.o");
}

static void symlinks_and_fifos_are_never_listed(void **state)
{
	struct walk_opts o = WALK_OPTS_INIT;
	struct walk_stats st;
	char *got;
	int rc;

	(void)state;
	o.hidden = true;
	o.ignore_files = false;
	got = walk_set(&o, "", &rc, &st);
	assert_int_equal(rc, 0);
	assert_null(strstr(got, "link_"));
	assert_null(strstr(got, "escape"));
	assert_null(strstr(got, "fifo"));
	assert_int_equal(st.symlinks, 3);
	assert_int_equal(st.specials, 1);
	free(got);
}

static void same_set_with_one_or_many_threads(void **state)
{
	struct walk_opts o = WALK_OPTS_INIT;
	char *one, *many;
	int rc;

	(void)state;
	o.hidden = true;
	o.nthreads = 1;
	one = walk_set(&o, "", &rc, NULL);
	assert_int_equal(rc, 0);
	o.nthreads = 8;
	many = walk_set(&o, "", &rc, NULL);
	assert_int_equal(rc, 0);
	assert_string_equal(one, many);
	assert_int_equal(walk_threads(&o), 8);
	free(one);
	free(many);
}

/* A file the walk reported with its walk position. */
struct placed {
	char rel[256];
	uint32_t order[16];
	size_t depth;
};

struct placed_list {
	pthread_mutex_t mu;
	struct placed v[256];
	size_t n;
};

static int place(void *ctx, unsigned tid, const struct walk_entry *e)
{
	struct placed_list *l = ctx;

	(void)tid;
	assert_true(e->depth <= 16);
	pthread_mutex_lock(&l->mu);
	assert_true(l->n < 256);
	snprintf(l->v[l->n].rel, sizeof(l->v[0].rel), "%s", e->rel);
	memcpy(l->v[l->n].order, e->order, e->depth * sizeof(e->order[0]));
	l->v[l->n].depth = e->depth;
	l->n++;
	pthread_mutex_unlock(&l->mu);
	return 0;
}

static bool lifo_sort;

static int cmp_placed(const void *a, const void *b)
{
	const struct placed *x = a, *y = b;

	return walk_order_cmp(x->order, x->depth, y->order, y->depth, lifo_sort);
}

/* What a one-thread depth-first walk in readdir order lists (reversed per directory for lifo). */
static void readdir_walk(const char *rel, struct buf *out, bool lifo)
{
	char p[512], names[64][256];
	struct dirent *de;
	struct stat st;
	size_t k = 0, j;
	DIR *d;

	snprintf(p, sizeof(p), "%s%s%s", root, *rel ? "/" : "", rel);
	d = opendir(p);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && k < 64)
			snprintf(names[k++], sizeof(names[0]), "%s", de->d_name);
	closedir(d);
	for (j = 0; j < k; j++) {
		char child[256];

		snprintf(child, sizeof(child), "%s%s%s", rel, *rel ? "/" : "", names[lifo ? k - 1 - j : j]);
		snprintf(p, sizeof(p), "%s/%s", root, child);
		assert_int_equal(lstat(p, &st), 0);
		if (S_ISDIR(st.st_mode))
			readdir_walk(child, out, lifo);
		else if (S_ISREG(st.st_mode))
			assert_int_equal(buf_printf(out, "%s ", child), 0);
	}
}

/* Whatever the threads did, the recorded positions sort into ripgrep's two walk orders. */
static void positions_give_both_walk_orders(void **state)
{
	static struct placed_list l;
	struct walk_opts o = WALK_OPTS_INIT;
	struct buf got, want;
	unsigned threads;
	int pass;
	size_t i;

	(void)state;
	put("ord/z/one.txt", "x");
	put("ord/z/two.txt", "x");
	put("ord/a.txt", "x");
	put("ord/m/deep/k.txt", "x");
	put("ord/m/b.txt", "x");
	put("ord/.h.txt", "x");
	put("ord/q.txt", "x");
	for (threads = 1; threads <= 8; threads *= 8)
		for (pass = 0; pass < 2; pass++) {
			pthread_mutex_init(&l.mu, NULL);
			l.n = 0;
			o.hidden = true;
			o.ignore_files = false;
			o.nthreads = threads;
			o.visit = place;
			o.ctx = &l;
			assert_int_equal(walk_run(rootfd, "ord", &o, &(struct walk_stats){ 0 }), 0);
			assert_int_equal(l.n, 7);
			lifo_sort = pass == 1;
			qsort(l.v, l.n, sizeof(l.v[0]), cmp_placed);
			buf_init(&got, BUF_NOMAX);
			buf_init(&want, BUF_NOMAX);
			for (i = 0; i < l.n; i++)
				assert_int_equal(buf_printf(&got, "ord/%s ", l.v[i].rel), 0);
			readdir_walk("ord", &want, lifo_sort);
			assert_string_equal(got.data, want.data);
			buf_release(&got);
			buf_release(&want);
			pthread_mutex_destroy(&l.mu);
		}
	/* A directory sorts before what is in it; different depths compare by the common part. */
	assert_true(walk_order_cmp((uint32_t[]){ 1 }, 1, (uint32_t[]){ 1, 0 }, 2, false) < 0);
	assert_true(walk_order_cmp((uint32_t[]){ 1 }, 1, (uint32_t[]){ 1, 0 }, 2, true) < 0);
	assert_true(walk_order_cmp((uint32_t[]){ 2 }, 1, (uint32_t[]){ 1, 5 }, 2, false) > 0);
	assert_true(walk_order_cmp((uint32_t[]){ 2 }, 1, (uint32_t[]){ 1, 5 }, 2, true) < 0);
	assert_int_equal(walk_order_cmp((uint32_t[]){ 3, 4 }, 2, (uint32_t[]){ 3, 4 }, 2, true), 0);
}

static void depth_and_entry_caps(void **state)
{
	struct walk_opts o = WALK_OPTS_INIT;
	struct walk_stats st;
	char *got;
	int rc;

	(void)state;
	o.max_depth = 1;
	got = walk_set(&o, "", &rc, &st);
	assert_int_equal(rc, 0);
	assert_string_equal(got, "a.c b.txt");
	assert_true(st.truncated);
	free(got);

	o = (struct walk_opts)WALK_OPTS_INIT;
	o.max_entries = 3;
	o.nthreads = 1;
	got = walk_set(&o, "", &rc, &st);
	assert_int_equal(rc, 0);
	assert_true(st.truncated);
	assert_true(st.entries <= 4);
	free(got);
}

static enum gi_match only_c(void *ctx, const char *rel, size_t len, bool is_dir)
{
	(void)ctx;
	if (is_dir)
		return len == 3 && !memcmp(rel, "src", 3)     ? GI_IGNORE
		       : len == 5 && !memcmp(rel, "build", 5) ? GI_WHITELIST
							    : GI_NONE;
	return len > 2 && !strcmp(rel + len - 2, ".c") ? GI_WHITELIST : GI_IGNORE;
}

static void override_beats_ignore_files(void **state)
{
	struct walk_opts o = WALK_OPTS_INIT;

	(void)state;
	o.override = only_c;
	/*
	 * The override whitelists build/ (gitignored) and *.c (nogit/n.c is gitignored) and drops
	 * src/; directories it says nothing about are still pruned by ignore rules and hiddenness.
	 */
	expect(&o, "", "a.c build/out.c nogit/n.c norepo/n.c");
}

static void visit_error_stops_the_walk(void **state)
{
	struct walk_opts o = WALK_OPTS_INIT;
	int stop = 2, rc;
	char *got;

	(void)state;
	o.hidden = true;
	o.ctx = &stop;
	o.nthreads = 1;
	got = walk_set(&o, "", &rc, NULL);
	assert_int_equal(rc, -CORDON_EINVAL);
	free(got);
}

static void start_must_be_a_directory_beneath_the_root(void **state)
{
	struct walk_opts o = WALK_OPTS_INIT;
	struct walk_stats st;
	char *got;
	int rc;

	(void)state;
	got = walk_set(&o, "a.c", &rc, &st);
	assert_int_equal(rc, -CORDON_ESYS);
	free(got);
	got = walk_set(&o, "escape", &rc, &st);
	assert_int_equal(rc, -CORDON_ESYS); /* a symlink out of the root */
	free(got);
	got = walk_set(&o, "../", &rc, &st);
	assert_int_equal(rc, -CORDON_ESYS);
	free(got);
}

static void open_file_refuses_links_and_fifos(void **state)
{
	struct walk_entry e = { 0 };
	struct stat st;
	int fd;

	(void)state;
	e.dirfd = rootfd;
	e.name = "a.c";
	assert_int_equal(walk_open_file(&e, &fd, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	close(fd);
	e.name = "link_file";
	assert_int_equal(walk_open_file(&e, &fd, &st), -CORDON_ESYS);
	assert_int_equal(errno, ELOOP);
	e.name = "fifo"; /* O_NONBLOCK: the open returns at once, then fstat refuses it */
	assert_int_equal(walk_open_file(&e, &fd, &st), -CORDON_ESYS);
	assert_int_equal(errno, ENXIO);
	assert_int_equal(fd, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_walk_skips_hidden_and_ignored),
		cmocka_unit_test(hidden_option_lists_dotfiles),
		cmocka_unit_test(gitignore_needs_a_repository),
		cmocka_unit_test(ancestors_rules_apply_to_a_subdirectory_start),
		cmocka_unit_test(symlinks_and_fifos_are_never_listed),
		cmocka_unit_test(same_set_with_one_or_many_threads),
cmocka_unit_test(positions_give_both_walk_orders),
		cmocka_unit_test(depth_and_entry_caps),
		cmocka_unit_test(override_beats_ignore_files),
		cmocka_unit_test(visit_error_stops_the_walk),
		cmocka_unit_test(start_must_be_a_directory_beneath_the_root),
		cmocka_unit_test(open_file_refuses_links_and_fifos),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
