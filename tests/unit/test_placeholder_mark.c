/*
 * Unit tests for common/placeholder.h: the owner's mark on a placeholder,
 * a live owner told from a dead one (a forked child that exited, another
 * boot, a reused pid), and what is never removed: a file with content, a
 * directory with an entry, an unmarked empty file, a garbled mark, a
 * symlink (not followed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/error.h"
#include "common/placeholder.h"

static char dir[256];
static char path[512];

static int rm_cb(const char *p, const struct stat *st, int fl, struct FTW *f)
{
	(void)st;
	(void)fl;
	(void)f;
	return remove(p);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cordon-phmark-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/.bashrc", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

/* An empty file (or directory) at p marked with mark; false where the filesystem takes no user xattrs. */
static bool make_marked(const char *p, bool is_dir, const char *mark)
{
	int fd, r;

	if (is_dir) {
		assert_int_equal(mkdir(p, 0755), 0);
		fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	}
	assert_true(fd >= 0);
	r = placeholder_mark_fd(fd, mark);
	close(fd);
	if (r < 0 && (errno == ENOTSUP || errno == EOPNOTSUPP))
		return false;
	assert_int_equal(r, 0);
	return true;
}

/* The mark of a process that has exited by the time this returns. */
static void dead_mark(char *out)
{
	int pfd[2];
	pid_t pid;
	int st;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char m[PLACEHOLDER_MARK_MAX] = { 0 }; /* all of it is written: no byte left undefined */

		close(pfd[0]);
		if (placeholder_mark_self(m, sizeof(m)) < 0 || write(pfd[1], m, sizeof(m)) != (ssize_t)sizeof(m))
			_exit(1);
		_exit(0);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], out, PLACEHOLDER_MARK_MAX), PLACEHOLDER_MARK_MAX);
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static bool exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

static void mark_self_parses(void **state)
{
	char m[PLACEHOLDER_MARK_MAX];
	struct placeholder_owner o;

	(void)state;
	assert_int_equal(placeholder_mark_self(m, sizeof(m)), 0);
	assert_int_equal(placeholder_parse(&o, m, strlen(m)), 0);
	assert_int_equal(o.pid, (long)getpid());
	assert_int_equal(strlen(o.boot), 36);
	assert_true(o.start > 0);
	assert_int_equal(placeholder_mark_self(m, 16), -CORDON_EINVAL);
}

static void parse_rejects_garbage(void **state)
{
	static const char *const bad[] = {
		"",
		"1",
		"2 31ac772b-5d24-4fc2-b999-85e74c1bc7ba 4026531836 20070 1346457",
		"1 31ac772b-5d24-4fc2-b999-85e74c1bc7b 4026531836 20070 1346457",
		"1 31ac772b-5d24-4fc2-b999-85e74c1bc7bZ 4026531836 20070 1346457",
		"1 31ac772b-5d24-4fc2-b999-85e74c1bc7ba 4026531836 0 1346457",
		"1 31ac772b-5d24-4fc2-b999-85e74c1bc7ba 4026531836 -5 1346457",
		"1 31ac772b-5d24-4fc2-b999-85e74c1bc7ba 4026531836 99999999999 1346457",
		"1 31ac772b-5d24-4fc2-b999-85e74c1bc7ba 4026531836 20070 1346457 ",
		"1 31ac772b-5d24-4fc2-b999-85e74c1bc7ba 4026531836  20070 1346457",
		"1 31ac772b-5d24-4fc2-b999-85e74c1bc7ba 4026531836 20070 +1346457",
		"1 31ac772b-5d24-4fc2-b999-85e74c1bc7ba 4026531836 20070 99999999999999999999999",
		"1 31ac772b-5d24-4fc2-b999-85e74c1bc7ba 4026531836 20070",
	};
	struct placeholder_owner o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(placeholder_parse(&o, bad[i], strlen(bad[i])), -CORDON_EPARSE);
	/* Not NUL-terminated: only len bytes count. */
	{
		static const char tail[] = "1 31ac772b-5d24-4fc2-b999-85e74c1bc7ba 1 2 3xyz";

		assert_int_equal(placeholder_parse(&o, tail, sizeof(tail) - 4), 0);
	}
	assert_int_equal(o.pid, 2);
	assert_true(o.start == 3);
}

static void live_owner_is_left(void **state)
{
	char m[PLACEHOLDER_MARK_MAX];

	(void)state;
	assert_int_equal(placeholder_mark_self(m, sizeof(m)), 0);
	if (!make_marked(path, false, m))
		skip();
	assert_int_equal(placeholder_state(path), PLACEHOLDER_LIVE);
	assert_int_equal(placeholder_remove_stale(path), 0);
	assert_true(exists(path));
}

static void dead_owner_is_removed(void **state)
{
	char m[PLACEHOLDER_MARK_MAX], d[600];

	(void)state;
	dead_mark(m);
	if (!make_marked(path, false, m))
		skip();
	assert_int_equal(placeholder_state(path), PLACEHOLDER_STALE);
	assert_int_equal(placeholder_remove_stale(path), 1);
	assert_false(exists(path));
	/* A directory the same way; nothing set aside is left behind. */
	snprintf(d, sizeof(d), "%s/.claude", dir);
	assert_true(make_marked(d, true, m));
	assert_int_equal(placeholder_state(d), PLACEHOLDER_STALE);
	assert_int_equal(placeholder_remove_stale(d), 1);
	assert_false(exists(d));
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(mkdir(dir, 0700), 0);
}

/* Another boot, or the same pid started at another time: dead. Another pid namespace: cannot tell, alive. */
static void owner_identity_is_whole(void **state)
{
	char self[PLACEHOLDER_MARK_MAX], m[PLACEHOLDER_MARK_MAX + 32];
	struct placeholder_owner o;

	(void)state;
	assert_int_equal(placeholder_mark_self(self, sizeof(self)), 0);
	assert_int_equal(placeholder_parse(&o, self, strlen(self)), 0);
	snprintf(m, sizeof(m), "1 00000000-0000-0000-0000-000000000000 %llu %ld %llu", o.pidns, o.pid, o.start);
	if (!make_marked(path, false, m))
		skip();
	assert_int_equal(placeholder_state(path), PLACEHOLDER_STALE);
	assert_int_equal(unlink(path), 0);
	snprintf(m, sizeof(m), "1 %s %llu %ld %llu", o.boot, o.pidns, o.pid, o.start + 1);
	assert_true(make_marked(path, false, m));
	assert_int_equal(placeholder_state(path), PLACEHOLDER_STALE);
	assert_int_equal(unlink(path), 0);
	snprintf(m, sizeof(m), "1 %s %llu %ld %llu", o.boot, o.pidns + 1, 999999999L, o.start);
	assert_true(make_marked(path, false, m));
	assert_int_equal(placeholder_state(path), PLACEHOLDER_LIVE);
	assert_int_equal(placeholder_remove_stale(path), 0);
	assert_true(exists(path));
}

static void content_is_never_removed(void **state)
{
	char m[PLACEHOLDER_MARK_MAX], d[600], inner[700];
	int fd;

	(void)state;
	dead_mark(m);
	if (!make_marked(path, false, m))
		skip();
	fd = open(path, O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x\n", 2), 2);
	close(fd);
	assert_int_equal(placeholder_state(path), PLACEHOLDER_NONE);
	assert_int_equal(placeholder_remove_stale(path), 0);
	assert_true(exists(path));
	snprintf(d, sizeof(d), "%s/.claude", dir);
	assert_true(make_marked(d, true, m));
	snprintf(inner, sizeof(inner), "%s/settings.json", d);
	fd = open(inner, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(placeholder_state(d), PLACEHOLDER_NONE);
	assert_int_equal(placeholder_remove_stale(d), 0);
	assert_true(exists(inner));
}

static void unmarked_or_garbled_is_never_removed(void **state)
{
	char d[600];
	int fd;

	(void)state;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(placeholder_state(path), PLACEHOLDER_NONE);
	assert_int_equal(placeholder_remove_stale(path), 0);
	assert_true(exists(path));
	snprintf(d, sizeof(d), "%s/.envrc", dir);
	if (!make_marked(d, false, "1 not-a-boot-id 1 1 1"))
		skip();
	assert_int_equal(placeholder_state(d), PLACEHOLDER_NONE);
	assert_int_equal(placeholder_remove_stale(d), 0);
	assert_true(exists(d));
	assert_int_equal(placeholder_remove_stale("/nonexistent/cordon/.bashrc"), 0);
}

static void symlink_is_never_followed(void **state)
{
	char m[PLACEHOLDER_MARK_MAX], target[600];

	(void)state;
	dead_mark(m);
	snprintf(target, sizeof(target), "%s/target", dir);
	if (!make_marked(target, false, m))
		skip();
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(placeholder_state(path), PLACEHOLDER_NONE);
	assert_int_equal(placeholder_remove_stale(path), 0);
	assert_true(exists(path));
	assert_true(exists(target));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mark_self_parses),
		cmocka_unit_test(parse_rejects_garbage),
		cmocka_unit_test_setup_teardown(live_owner_is_left, setup, teardown),
		cmocka_unit_test_setup_teardown(dead_owner_is_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(owner_identity_is_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(content_is_never_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(unmarked_or_garbled_is_never_removed, setup, teardown),
		cmocka_unit_test_setup_teardown(symlink_is_never_followed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
