/*
 * Unit tests for runtime/git: names git takes for .git, safe paths, the
 * commit messages' JSON line; on real repositories made here: stat data
 * reused (nothing read again) and racy files read again, typechanges (file,
 * directory, symlink) through checkpoints, the patch and rewinds, the ignore
 * verdicts following a changed .gitignore, a commit in a repository without
 * commits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/git/gitrun.h"
#include "runtime/git/internal.h"

static char root[256];
static int n_run;

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

static void put(const char *rel, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *slurp(const char *rel)
{
	static char buf[4096];
	char p[512];
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* A fresh repository with one commit (or none). */
static void fresh(bool commit)
{
	snprintf(root, sizeof(root), "/tmp/cordon-test-git-%d-%d", (int)getpid(), ++n_run);
	sh("rm -rf %s && mkdir -p %s && git -C %s init -q", root, root, root);
	if (commit) {
		put("a.txt", "alpha\n");
		sh("cd %s && git add -A && git -c user.name=t -c user.email=t@t commit -qm one", root);
	}
}

static void done(void)
{
	sh("rm -rf %s", root);
}

static const char *new_id(void)
{
	static char id[40];

	snprintf(id, sizeof(id), "00000000-0000-4000-8000-%012d", ++n_run);
	return id;
}

static struct gitrun *open_run(const char *id)
{
	struct gitrun_opts o = { .workspace = root, .run_id = id, .title = "unit" };
	struct gitrun *g = NULL;
	struct cordon_diag d = { 0 };

	assert_int_equal(gitrun_open(&g, &o, &d), 0);
	return g;
}

static struct gitrun_checkpoint checkpoint(struct gitrun *g)
{
	struct gitrun_checkpoint cp;
	struct gitrun_why why = { .tool = "unit", .label = "unit" };
	struct cordon_diag d = { 0 };

	assert_int_equal(gitrun_checkpoint(g, &why, &cp, &d), 0);
	json_decref(cp.files);
	cp.files = NULL;
	return cp;
}

static void rewind_to(const char *id, int to, bool force)
{
	struct gitrun_rewind_opts o = { .dir = root, .run = id, .to = to, .force = force };
	struct gitrun_rewind_result r;
	struct cordon_diag d = { 0 };
	int rc = gitrun_rewind(&o, &r, &d);

	if (rc)
		fprintf(stderr, "rewind: %s\n", d.msg);
	assert_int_equal(rc, 0);
	gitrun_rewind_result_release(&r);
}

static void test_dotgit_names(void **state)
{
	(void)state;
	assert_true(snap_dotgit_name(".git"));
	assert_true(snap_dotgit_name(".GIT"));
	assert_true(snap_dotgit_name(".Git. "));
	assert_true(snap_dotgit_name(".git..."));
	assert_true(snap_dotgit_name("GIT~1"));
	assert_true(snap_dotgit_name(".g\xe2\x80\x8cit"));   /* U+200C inside */
	assert_true(snap_dotgit_name("\xef\xbb\xbf.git")); /* U+FEFF before */
	assert_false(snap_dotgit_name(".gitignore"));
	assert_false(snap_dotgit_name(".gitmodules"));
	assert_false(snap_dotgit_name("git"));
	assert_false(snap_dotgit_name(".gi"));
	assert_false(snap_dotgit_name(".git.x"));
}

static void test_safe_paths(void **state)
{
	(void)state;
	assert_true(snap_path_ok("a"));
	assert_true(snap_path_ok("a/b c/d\ne"));
	assert_true(snap_path_ok(".gitignore"));
	assert_false(snap_path_ok(""));
	assert_false(snap_path_ok("/etc/passwd"));
	assert_false(snap_path_ok("a//b"));
	assert_false(snap_path_ok("a/"));
	assert_false(snap_path_ok("a/../b"));
	assert_false(snap_path_ok("./a"));
	assert_false(snap_path_ok(".git/config"));
	assert_false(snap_path_ok("sub/.GIT/hooks/x"));
	assert_false(snap_path_ok("git~1/x"));
}

static void test_meta_line(void **state)
{
	json_t *m;

	(void)state;
	m = meta_of_message("subject\n\nbody\ncordon-run: {\"n\":1}\ncordon-run: {\"n\":2}\n");
	assert_non_null(m);
	assert_int_equal(json_integer_value(json_object_get(m, "n")), 2);
	json_decref(m);
	assert_null(meta_of_message("no line\n"));
	assert_null(meta_of_message("cordon-run: [1]\n"));
	assert_null(meta_of_message("cordon-run: {broken\n"));
}

/* The scan reads only what changed; a file changed within the racy window is read again. */
static void test_stat_reuse_and_racy(void **state)
{
	struct snap s;
	git_repository *repo = NULL;
	git_index *ix = NULL;
	struct cordon_diag d = { 0 };
	git_oid t1, t2, t3;
	char p[512];
	struct timespec times[2];
	struct stat st;
	int fd;

	(void)state;
	fresh(true);
	put("b.txt", "bravo\n");
	sh("cd %s && git add -A && git -c user.name=t -c user.email=t@t commit -qm two && touch -d '1 hour ago' a.txt b.txt && git update-index --refresh -q >/dev/null; true",
	   root);
	git_libgit2_init();
	assert_int_equal(git_repository_open(&repo, root), 0);
	assert_int_equal(snap_init(&s, repo, NULL, &ix, &d), 0);
	assert_int_equal(snap_scan(&s, &t1, &d), 0);
	assert_int_equal(s.hashed, 0); /* the index's stat data stood for both files */
	assert_int_equal(snap_scan(&s, &t2, &d), 0);
	assert_int_equal(s.hashed, 0);
	assert_true(git_oid_equal(&t1, &t2));

	/* Same size, same inode, the old times put back: only "racy" can catch it. */
	snprintf(p, sizeof(p), "%s/new.txt", root);
	put("new.txt", "1111\n");
	assert_int_equal(snap_scan(&s, &t2, &d), 0);
	assert_int_equal(s.hashed, 1);
	assert_int_equal(stat(p, &st), 0);
	fd = open(p, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "2222\n", 5), 5);
	times[0] = st.st_atim;
	times[1] = st.st_mtim;
	assert_int_equal(futimens(fd, times), 0);
	close(fd);
	assert_int_equal(snap_scan(&s, &t3, &d), 0);
	assert_false(git_oid_equal(&t2, &t3));

	snap_release(&s);
	git_index_free(ix);
	git_repository_free(repo);
	git_libgit2_shutdown();
	done();
}

/* file -> directory, directory -> symlink, symlink -> file; the exec bit; rewinds byte for byte. */
static void test_typechanges_and_rewind(void **state)
{
	const char *id = new_id();
	struct gitrun *g;
	struct cordon_diag d = { 0 };
	char patch[600], lnk[64];
	json_t *files = NULL;
	ssize_t n;

	(void)state;
	fresh(true);
	sh("cd %s && mkdir d && echo in-d >d/f && ln -s a.txt l && echo plain >p && git add -A && git -c user.name=t -c user.email=t@t commit -qm more",
	   root);
	g = open_run(id);
	assert_false(checkpoint(g).made);
	sh("cd %s && rm p && mkdir p && echo now-a-dir >p/x", root);
	assert_int_equal(checkpoint(g).n, 1);
	sh("cd %s && rm -r d && ln -s p d", root);
	assert_int_equal(checkpoint(g).n, 2);
	sh("cd %s && rm l && printf 'was a link' >l && chmod +x l", root);
	assert_int_equal(checkpoint(g).n, 3);
	assert_int_equal(gitrun_changes(g, &files, &d), 0);
	/* p: a file then a directory (p deleted, p/x added); d: the other way; l: a typechange */
	assert_int_equal(json_array_size(files), 5);
	assert_string_equal(json_string_value(json_object_get(json_array_get(files, 2), "status")), "typechange");
	json_decref(files);
	snprintf(patch, sizeof(patch), "%s.patch", root);
	assert_int_equal(gitrun_diff(g, patch, &d), 0);
	gitrun_free(g);

	rewind_to(id, 0, false);
	assert_string_equal(slurp("p"), "plain\n");
	assert_string_equal(slurp("d/f"), "in-d\n");
	{
		char lp[512];
		struct stat st;

		snprintf(lp, sizeof(lp), "%s/l", root);
		assert_int_equal(lstat(lp, &st), 0);
		assert_true(S_ISLNK(st.st_mode));
		n = readlink(lp, lnk, sizeof(lnk) - 1);
		assert_int_equal(n, 5);
		lnk[n] = '\0';
		assert_string_equal(lnk, "a.txt");
	}
	/* The patch, applied on the base, gives checkpoint 3. */
	sh("cd %s && git apply --check %s && git apply %s", root, patch, patch);
	assert_string_equal(slurp("p/x"), "now-a-dir\n");
	assert_string_equal(slurp("l"), "was a link");
	sh("test -x %s/l && test -L %s/d && test \"$(readlink %s/d)\" = p", root, root, root);
	/* The patch's work is not a checkpoint of the run: --force, which saves it first. */
	rewind_to(id, 0, true);
	rewind_to(id, 3, false);
	sh("test -x %s/l && test -L %s/d && test -f %s/p/x", root, root, root);
	unlink(patch);
	done();
}

/* A .gitignore that changes between checkpoints takes effect (the verdict cache is dropped). */
static void test_ignore_rules_follow(void **state)
{
	const char *id = new_id();
	struct gitrun *g;
	struct cordon_diag d = { 0 };
	json_t *files = NULL;

	(void)state;
	fresh(true);
	put("x.tmp", "scratch\n");
	g = open_run(id);
	put(".gitignore", "*.tmp\n");
	put("y.tmp", "more\n");
	assert_true(checkpoint(g).made);
	assert_int_equal(gitrun_changes(g, &files, &d), 0);
	/* x.tmp (in the base) is ignored now: deleted from the snapshot; y.tmp never in it. */
	assert_int_equal(json_array_size(files), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(files, 0), "path")), ".gitignore");
	assert_string_equal(json_string_value(json_object_get(json_array_get(files, 1), "status")), "deleted");
	json_decref(files);
	{
		char p[512];

		snprintf(p, sizeof(p), "%s/.gitignore", root);
		unlink(p);
	}
	assert_true(checkpoint(g).made);
	assert_int_equal(gitrun_changes(g, &files, &d), 0);
	assert_int_equal(json_array_size(files), 1); /* y.tmp added; x.tmp back */
	assert_string_equal(json_string_value(json_object_get(json_array_get(files, 0), "path")), "y.tmp");
	json_decref(files);
	gitrun_free(g);
	done();
}

/* No commit yet: the base has no HEAD parent, the commit is a root commit on cordon/ID. */
static void test_unborn_commit(void **state)
{
	const char *id = new_id();
	struct gitrun *g;
	struct gitrun_commit_opts co = { 0 };
	struct gitrun_commit_result cr;
	struct cordon_diag d = { 0 };
	json_t *info;

	(void)state;
	fresh(false);
	put("first.txt", "first\n");
	g = open_run(id);
	info = gitrun_info(g);
	assert_true(json_is_null(json_object_get(info, "head")));
	json_decref(info);
	put("second.txt", "second\n");
	assert_true(checkpoint(g).made);
	assert_int_equal(gitrun_commit(g, &co, &cr, &d), 0);
	assert_true(cr.made);
	assert_false(cr.checked_out);
	sh("cd %s && test \"$(git rev-list --count cordon/%s)\" = 1 && test \"$(git ls-tree --name-only cordon/%s)\" = second.txt",
	   root, id, id);
	/* Nothing more changed: committing again adds nothing. */
	assert_int_equal(gitrun_commit(g, &co, &cr, &d), 0);
	assert_false(cr.made);
	gitrun_free(g);
	sh("cd %s && git fsck --strict >/dev/null 2>&1", root);
	done();
}

/* A run id that is not one, a run that exists already, a workspace outside any repository. */
static void test_open_errors(void **state)
{
	struct gitrun_opts o = { .workspace = "/", .run_id = "nope" };
	struct gitrun *g = NULL;
	struct cordon_diag d = { 0 };
	const char *id;

	(void)state;
	assert_int_equal(gitrun_open(&g, &o, &d), -CORDON_EINVAL);
	o.run_id = new_id();
	o.workspace = "/proc";
	assert_int_equal(gitrun_open(&g, &o, &d), -CORDON_ENOTFOUND);
	fresh(true);
	id = new_id();
	gitrun_free(open_run(id));
	o.workspace = root;
	o.run_id = id;
	assert_int_equal(gitrun_open(&g, &o, &d), -CORDON_EINVAL);
	o.resume = true;
	assert_int_equal(gitrun_open(&g, &o, &d), 0);
	gitrun_free(g);
	done();
}

/*
 * FS25: a FIFO in the working tree does not hang a snapshot (left out), a
 * symlink out is recorded as a link (its target never read), and a
 * directory swapped for a symlink out is not written through by a rewind.
 */
static void test_hostile_tree(void **state)
{
	const char *id = new_id();
	struct gitrun *g;
	struct cordon_diag d = { 0 };
	json_t *files = NULL;
	char outside[300], p[600];
	struct stat st;

	(void)state;
	fresh(true);
	snprintf(outside, sizeof(outside), "%s-outside", root);
	sh("rm -rf %s && mkdir -p %s && echo secret >%s/secret", outside, outside, outside);
	sh("cd %s && mkdir d && echo in-d >d/f && mkfifo pipe && ln -s %s/secret out", root, outside);
	g = open_run(id); /* would hang on the FIFO if it were opened blocking */
	sh("cd %s && test \"$(git cat-file -p refs/cordon/runs/%s/base:out)\" = %s/secret", root, id, outside);
	sh("cd %s && ! git cat-file -e refs/cordon/runs/%s/base:pipe 2>/dev/null", root, id);
	sh("cd %s && rm -r d && ln -s %s d", root, outside);
	assert_true(checkpoint(g).made);
	assert_int_equal(gitrun_changes(g, &files, &d), 0);
	json_decref(files);
	gitrun_free(g);
	rewind_to(id, 0, false);
	snprintf(p, sizeof(p), "%s/f", outside);
	assert_int_equal(lstat(p, &st), -1); /* nothing written through the link */
	snprintf(p, sizeof(p), "%s/d", root);
	assert_int_equal(lstat(p, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_string_equal(slurp("d/f"), "in-d\n");
	sh("rm -rf %s", outside);
	done();
}

/*
 * An index libgit2 cannot read (split): HEAD's tree says what is tracked,
 * so a force-added file that matches .gitignore is still in the snapshot;
 * there is no index commit to record.
 */
static void test_unreadable_index(void **state)
{
	const char *id = new_id();

	(void)state;
	fresh(true);
	sh("cd %s && echo '*.log' >.gitignore && echo keep >kept.log && git add .gitignore && git add -f kept.log && "
	   "git -c user.name=t -c user.email=t@t commit -qm logs && git update-index --split-index",
	   root);
	gitrun_free(open_run(id));
	sh("cd %s && git cat-file -e refs/cordon/runs/%s/base:kept.log", root, id);
	sh("cd %s && test \"$(git rev-list --parents -n 1 refs/cordon/runs/%s/base | wc -w)\" = 2", root, id);
	done();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dotgit_names),
		cmocka_unit_test(test_safe_paths),
		cmocka_unit_test(test_meta_line),
		cmocka_unit_test(test_stat_reuse_and_racy),
		cmocka_unit_test(test_typechanges_and_rewind),
		cmocka_unit_test(test_ignore_rules_follow),
		cmocka_unit_test(test_unborn_commit),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_hostile_tree),
		cmocka_unit_test(test_unreadable_index),
	};

	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
