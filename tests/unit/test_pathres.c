/* Unit tests for tools/pathres: lexical mapping and the escapes it must stop,
 * each run with openat2 and with the component-walk fallback. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/error.h"
#include "tools/pathres.h"

struct fx {
	char base[256];
	char ws[300];
	struct pathres pr;
};

static void mkfile(const char *dir, const char *name, const char *text)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void mklink(const char *dir, const char *name, const char *target)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state, bool fallback)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char p[PATH_MAX + 16];

	assert_non_null(fx);
	strcpy(fx->base, "/tmp/cordon-pathres-XXXXXX");
	assert_non_null(mkdtemp(fx->base));
	snprintf(fx->ws, sizeof(fx->ws), "%s/ws", fx->base);
	assert_int_equal(mkdir(fx->ws, 0755), 0);
	snprintf(p, sizeof(p), "%s/sub", fx->ws);
	assert_int_equal(mkdir(p, 0755), 0);
	mkfile(fx->base, "outside.txt", "secret\n");
	mkfile(fx->ws, "a.txt", "hello\n");
	mkfile(fx->ws, "sub/b.txt", "bee\n");
	mklink(fx->ws, "abs_out", "/etc/passwd");
	mklink(fx->ws, "rel_out", "../outside.txt");
	mklink(fx->ws, "loop1", "loop2");
	mklink(fx->ws, "loop2", "loop1");
	mklink(fx->ws, "in_link", "sub/b.txt");
	mklink(fx->ws, "dir_link", "sub");
	mklink(fx->ws, "proc_root", "/proc/self/root");
	snprintf(p, sizeof(p), "%s/fifo", fx->ws);
	assert_int_equal(mkfifo(p, 0644), 0);
	assert_int_equal(pathres_init(&fx->pr, fx->ws, fx->ws, NULL, 0), 0);
	pathres_force_fallback(fallback);
	*state = fx;
	return 0;
}

static int setup_openat2(void **state)
{
	return setup(state, false);
}

static int setup_fallback(void **state)
{
	return setup(state, true);
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[PATH_MAX + 16];

	pathres_force_fallback(false);
	pathres_release(&fx->pr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->base);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

/* Open model path p as a regular file; return the rc, errno in *err. */
static int try_open(struct fx *fx, const char *p, int *err)
{
	struct pathres_loc loc;
	struct stat st;
	int fd = -1, rc;

	rc = pathres_locate(&fx->pr, p, &loc);
	if (rc < 0)
		return rc;
	errno = 0;
	rc = pathres_open_file(&loc, &fd, &st);
	*err = errno;
	if (fd >= 0)
		close(fd);
	pathres_loc_release(&loc);
	return rc;
}

static void locate_maps_to_root(void **state)
{
	struct fx *fx = *state;
	struct pathres_loc loc;
	char p[PATH_MAX + 32];

	assert_int_equal(pathres_locate(&fx->pr, "sub/b.txt", &loc), 0);
	assert_string_equal(loc.rel, "sub/b.txt");
	snprintf(p, sizeof(p), "%s/sub/b.txt", fx->ws);
	assert_string_equal(loc.abs, p);
	pathres_loc_release(&loc);
	assert_int_equal(pathres_locate(&fx->pr, fx->ws, &loc), 0);
	assert_string_equal(loc.rel, "");
	pathres_loc_release(&loc);
	/* A sibling with the root as a name prefix is not under it. */
	snprintf(p, sizeof(p), "%sX/a", fx->ws);
	assert_int_equal(pathres_locate(&fx->pr, p, &loc), -CORDON_EDENIED);
	assert_int_equal(pathres_locate(&fx->pr, "/etc/passwd", &loc), -CORDON_EDENIED);
	assert_int_equal(pathres_locate(&fx->pr, "/proc/self/root/etc/passwd", &loc), -CORDON_EDENIED);
	assert_int_equal(pathres_locate(&fx->pr, "../outside.txt", &loc), -CORDON_EDENIED);
}

static void opens_regular_files(void **state)
{
	struct fx *fx = *state;
	int err;

	assert_int_equal(try_open(fx, "a.txt", &err), 0);
	assert_int_equal(try_open(fx, "sub/../a.txt", &err), 0);
	assert_int_equal(try_open(fx, "in_link", &err), 0);
	assert_int_equal(try_open(fx, "dir_link/b.txt", &err), 0);
}

static void refuses_escapes(void **state)
{
	struct fx *fx = *state;
	int err;

	assert_int_equal(try_open(fx, "abs_out", &err), -CORDON_ESYS);
	assert_true(err == EXDEV || err == ELOOP);
	assert_int_equal(try_open(fx, "rel_out", &err), -CORDON_ESYS);
	assert_int_equal(err, EXDEV);
	assert_int_equal(try_open(fx, "proc_root/etc/passwd", &err), -CORDON_ESYS);
	assert_true(err == EXDEV || err == ELOOP);
	assert_int_equal(try_open(fx, "loop1", &err), -CORDON_ESYS);
	assert_true(err == ELOOP || err == EXDEV);
	/* ".." through a symlinked directory is resolved by the kernel
	 * (physically): dir_link/.. is ws, dir_link/../../x leaves it. */
	assert_int_equal(try_open(fx, "dir_link/../../outside.txt", &err), -CORDON_EDENIED);
}

static void refuses_special_files(void **state)
{
	struct fx *fx = *state;
	int err;

	assert_int_equal(try_open(fx, "fifo", &err), -CORDON_ESYS);
	assert_int_equal(err, ENXIO);
	assert_int_equal(try_open(fx, "sub", &err), -CORDON_ESYS);
	assert_int_equal(err, EISDIR);
	assert_int_equal(try_open(fx, "nope.txt", &err), -CORDON_ESYS);
	assert_int_equal(err, ENOENT);
}

static void parent_for_write(void **state)
{
	struct fx *fx = *state;
	struct pathres_loc loc;
	const char *name;
	int dfd, rc;

	assert_int_equal(pathres_locate(&fx->pr, "new/dir/f.txt", &loc), 0);
	assert_int_equal(pathres_open_parent(&loc, true, &dfd, &name), 0);
	assert_string_equal(name, "f.txt");
	close(dfd);
	pathres_loc_release(&loc);
	/* A symlinked directory on the way is refused for writes. */
	assert_int_equal(pathres_locate(&fx->pr, "dir_link/c.txt", &loc), 0);
	errno = 0;
	rc = pathres_open_parent(&loc, true, &dfd, &name);
	assert_int_equal(rc, -CORDON_ESYS);
	assert_int_equal(errno, ELOOP);
	pathres_loc_release(&loc);
	assert_int_equal(pathres_locate(&fx->pr, ".git/hooks/pre-commit", &loc), 0);
	assert_int_equal(pathres_open_parent(&loc, true, &dfd, &name), -CORDON_EDENIED);
	pathres_loc_release(&loc);
}

static void stat_nofollow_sees_the_link(void **state)
{
	struct fx *fx = *state;
	struct pathres_loc loc;
	struct stat st;

	assert_int_equal(pathres_locate(&fx->pr, "abs_out", &loc), 0);
	assert_int_equal(pathres_stat(&loc, true, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	pathres_loc_release(&loc);
	assert_int_equal(pathres_locate(&fx->pr, "in_link", &loc), 0);
	assert_int_equal(pathres_stat(&loc, false, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	pathres_loc_release(&loc);
}

static void protected_names(void **state)
{
	(void)state;
	assert_true(pathres_is_protected(".git/config"));
	assert_true(pathres_is_protected("sub/.GIT/HEAD"));
	assert_true(pathres_is_protected(".bashrc"));
	assert_true(pathres_is_protected(".claude/settings.json"));
	assert_true(pathres_is_protected(".mcp.json"));
	assert_true(pathres_is_protected("x/.vscode/tasks.json"));
	assert_false(pathres_is_protected("src/git.c"));
	assert_false(pathres_is_protected(".gitignore"));
	assert_false(pathres_is_protected("a.txt"));
}

#define BOTH(t)                                                              \
	cmocka_unit_test_setup_teardown(t, setup_openat2, teardown),        \
		cmocka_unit_test_setup_teardown(t, setup_fallback, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(protected_names),
		BOTH(locate_maps_to_root),
		BOTH(opens_regular_files),
		BOTH(refuses_escapes),
		BOTH(refuses_special_files),
		BOTH(parent_for_write),
		BOTH(stat_nofollow_sees_the_link),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
