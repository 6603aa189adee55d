/*
 * Unit tests for what the sandbox pins and watches in a workspace
 * (runtime/sandbox/survey.h, gitlayout.h, sentinel.h, gitindex.h): real
 * repositories made with git in a temporary directory, the pin list
 * checked path by path; the sentinel's findings after "a command" (this
 * test) created guarded names; the index flag parser on real and broken
 * index files.
 */
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
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/placeholder.h"
#include "runtime/sandbox/gitindex.h"
#include "runtime/sandbox/pins.h"
#include "runtime/sandbox/sentinel.h"
#include "runtime/sandbox/survey.h"

static char ws[1024];
static bool have_git;

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

static int setup(void **state)
{
	char base[] = "/tmp/cordon-survey-XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(base));
	snprintf(ws, sizeof(ws), "%s/ws", base);
	assert_int_equal(mkdir(ws, 0755), 0);
	/* Our own repositories: git must not refuse them as another user's. */
	have_git = system("git --version >/dev/null 2>&1") == 0;
	return 0;
}

static int teardown(void **state)
{
	char cmd[2200];

	(void)state;
	/* The base: ws without its last component. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%.*s'", (int)(strrchr(ws, '/') - ws), ws);
	return system(cmd) == 0 ? 0 : -1;
}

/* The kind of the pin at ws/rel, or -1 when it is not listed. */
static int kind_of(const struct pins *ps, const char *rel)
{
	char path[PATH_MAX + 1100];
	size_t i;

	snprintf(path, sizeof(path), "%s%s%s", ws, rel[0] ? "/" : "", rel);
	for (i = 0; i < ps->n; i++)
		if (!strcmp(ps->v[i].path, path))
			return (int)ps->v[i].kind;
	return -1;
}

static void survey(struct pins *ps, bool no_git)
{
	struct survey_opts o = { true, no_git };
	bool truncated = true;

	pins_init(ps);
	assert_int_equal(survey_workspace(ps, ws, &o, NULL, &truncated), 0);
	assert_false(truncated);
}

/* A guarded name at any depth is pinned; a symlinked one covered and its target pinned; sockets hidden. */
static void guarded_names_at_any_depth(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pins ps;
	int fd;

	(void)state;
	sh("cd '%s' && mkdir -p a/b/.vscode c .claude/agents d && touch a/b/.envrc c/x.code-workspace "
	   "d/notes && ln -s ../d d/../e && ln -s ../d/notes c/.bash_aliases && mkdir deep && "
	   "mkdir -p deep/1/2/3/4/5/6 && touch deep/1/2/3/4/5/6/.mcp.json",
	   ws);
	assert_true(strlen(ws) + 20 < sizeof(sa.sun_path));
	memcpy(sa.sun_path, ws, strlen(ws));
	memcpy(sa.sun_path + strlen(ws), "/c/daemon.sock", 15);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	survey(&ps, true);
	assert_int_equal(kind_of(&ps, "a/b/.vscode"), PIN_RO);
	assert_int_equal(kind_of(&ps, "a/b/.envrc"), PIN_RO);
	assert_int_equal(kind_of(&ps, "c/x.code-workspace"), PIN_RO);
	assert_int_equal(kind_of(&ps, ".claude"), PIN_RO);
	assert_int_equal(kind_of(&ps, "deep/1/2/3/4/5/6/.mcp.json"), PIN_RO);
	/* A guarded symlink: covered, and what it points to (inside) read-only. */
	assert_int_equal(kind_of(&ps, "c/.bash_aliases"), PIN_LINK_COVER);
	assert_int_equal(kind_of(&ps, "d/notes"), PIN_RO);
	assert_int_equal(kind_of(&ps, "c/daemon.sock"), PIN_HIDE);
	/* Missing top-level protected paths: placeholders; nothing else. */
	assert_int_equal(kind_of(&ps, ".bashrc"), PIN_PLACEHOLDER_FILE);
	assert_int_equal(kind_of(&ps, ".cursor"), PIN_PLACEHOLDER_DIR);
	assert_int_equal(kind_of(&ps, "d"), -1);
	assert_int_equal(kind_of(&ps, "a/b"), -1);
	pins_release(&ps);
	close(fd);
}

/* An empty file or directory at ws/rel marked with mark; false where the filesystem has no user xattrs. */
static bool marked(const char *rel, bool dir, const char *mark)
{
	char path[PATH_MAX + 1100];
	int fd, r;

	snprintf(path, sizeof(path), "%s/%s", ws, rel);
	if (dir)
		assert_int_equal(mkdir(path, 0755), 0);
	fd = dir ? open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
		 : open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	r = placeholder_mark_fd(fd, mark);
	close(fd);
	return r == 0;
}

static bool present(const char *rel)
{
	char path[PATH_MAX + 1100];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", ws, rel);
	return lstat(path, &st) == 0;
}

/*
 * Placeholders a killed session left (marked, its owner a child that has
 * exited) are removed and pinned as missing again; a live owner's, or one
 * with content, stay what they are.
 */
static void stale_placeholders_are_removed(void **state)
{
	char dead[PLACEHOLDER_MARK_MAX], live[PLACEHOLDER_MARK_MAX];
	struct pins ps;
	pid_t pid;
	int st;

	(void)state;
	sh("cd '%s' && rm -rf * .[!.]*", ws);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(placeholder_mark_self(dead, sizeof(dead)) == 0 && marked(".envrc", false, dead) ? 0 : 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		skip(); /* no user xattrs here */
	assert_int_equal(placeholder_mark_self(live, sizeof(live)), 0);
	/* The child's mark, read back, for the others. */
	{
		char path[PATH_MAX + 1100];
		ssize_t n;

		snprintf(path, sizeof(path), "%s/.envrc", ws);
		n = getxattr(path, PLACEHOLDER_XATTR, dead, sizeof(dead) - 1);
		assert_true(n > 0);
		dead[n] = '\0';
	}
	assert_true(marked(".cursor", true, dead));
	assert_true(marked(".bashrc", false, live));
	assert_true(marked(".profile", false, dead));
	sh("echo 'export X=1' >'%s/.profile'", ws);
	if (have_git) {
		sh("cd '%s' && git init -q . && rm -rf .git/hooks", ws);
		assert_true(marked(".git/hooks", true, dead));
	}
	survey(&ps, !have_git);
	assert_int_equal(kind_of(&ps, ".envrc"), PIN_PLACEHOLDER_FILE);
	assert_false(present(".envrc"));
	assert_int_equal(kind_of(&ps, ".cursor"), PIN_PLACEHOLDER_DIR);
	assert_false(present(".cursor"));
	assert_int_equal(kind_of(&ps, ".bashrc"), PIN_RO);
	assert_true(present(".bashrc"));
	assert_int_equal(kind_of(&ps, ".profile"), PIN_RO);
	assert_true(present(".profile"));
	if (have_git) {
		assert_int_equal(kind_of(&ps, ".git/hooks"), PIN_PLACEHOLDER_DIR);
		assert_false(present(".git/hooks"));
	}
	pins_release(&ps);
}

/* git's layout: gitdirs anchored, config/hooks/pointers pinned, commondir of a main gitdir watched. */
static void git_layout_is_pinned(void **state)
{
	struct pins ps;

	(void)state;
	if (!have_git)
		skip();
	sh("cd '%s' && git init -q r && git -C r -c user.email=a@b -c user.name=a commit -q --allow-empty -m i "
	   "&& git -C r worktree add -q ../wt 2>/dev/null && git init -q r/nested && "
	   "git init -q --separate-git-dir=\"$PWD/sep\" linked >/dev/null && "
	   "printf '[include]\\n\\tpath = ../../inc.cfg\\n[includeIf \"onbranch:x\"]\\n\\tpath = ../../gone/y.cfg\\n' >> r/.git/config && "
	   "git -C r config core.hooksPath .githooks-missing && git -C r/nested config core.hooksPath ../../hk",
	   ws);
	survey(&ps, false);
	assert_int_equal(kind_of(&ps, "r/.git"), PIN_ANCHOR);
	assert_int_equal(kind_of(&ps, "r/.git/config"), PIN_RO);
	assert_int_equal(kind_of(&ps, "r/.git/hooks"), PIN_RO);
	assert_int_equal(kind_of(&ps, "r/.git/config.worktree"), PIN_PLACEHOLDER_FILE);
	/* No commondir in a main gitdir: one that appears is set aside (no placeholder git accepts). */
	assert_int_equal(kind_of(&ps, "r/.git/commondir"), PIN_ABSENT);
	/* The linked worktree: its .git pointer, its gitdir's pointers. */
	assert_int_equal(kind_of(&ps, "wt/.git"), PIN_RO);
	assert_int_equal(kind_of(&ps, "r/.git/worktrees/wt/commondir"), PIN_RO);
	assert_int_equal(kind_of(&ps, "r/.git/worktrees/wt/gitdir"), PIN_RO);
	/* A nested repository and a separate gitdir. */
	assert_int_equal(kind_of(&ps, "r/nested/.git/config"), PIN_RO);
	assert_int_equal(kind_of(&ps, "linked/.git"), PIN_RO);
	assert_int_equal(kind_of(&ps, "sep"), PIN_ANCHOR);
	assert_int_equal(kind_of(&ps, "sep/config"), PIN_RO);
	/* Includes, active or not: missing with a real parent, a placeholder; below a missing dir, watched. */
	assert_int_equal(kind_of(&ps, "inc.cfg"), PIN_PLACEHOLDER_FILE);
	assert_int_equal(kind_of(&ps, "gone/y.cfg"), -1);
	/* core.hooksPath: relative to the work tree; missing: a placeholder. */
	assert_int_equal(kind_of(&ps, "r/.githooks-missing"), PIN_PLACEHOLDER_DIR);
	assert_int_equal(kind_of(&ps, "hk"), PIN_PLACEHOLDER_DIR);
	pins_release(&ps);
	/* Without git: the files' own layout still. */
	survey(&ps, true);
	assert_int_equal(kind_of(&ps, "r/.git/config"), PIN_RO);
	assert_int_equal(kind_of(&ps, "wt/.git"), PIN_RO);
	assert_int_equal(kind_of(&ps, "r/nested/.git/config"), PIN_RO);
	assert_int_equal(kind_of(&ps, "hk"), -1);
	pins_release(&ps);
}

/* A .git symlink is bound on itself (still followed), its target anchored; a symlinked hooks dir's target pinned. */
static void git_symlinks_are_pinned(void **state)
{
	struct pins ps;

	(void)state;
	if (!have_git)
		skip();
	sh("cd '%s' && mkdir -p s/x && git init -q s/g0 && mv s/g0/.git s/real && rmdir s/g0 && "
	   "ln -s ../real s/x/.git && mkdir s/hooks-here && rm -rf s/real/hooks && ln -s ../hooks-here s/real/hooks",
	   ws);
	survey(&ps, true);
	assert_int_equal(kind_of(&ps, "s/x/.git"), PIN_LINK);
	assert_int_equal(kind_of(&ps, "s/real"), PIN_ANCHOR);
	assert_int_equal(kind_of(&ps, "s/real/config"), PIN_RO);
	assert_int_equal(kind_of(&ps, "s/real/hooks"), PIN_LINK);
	assert_int_equal(kind_of(&ps, "s/hooks-here"), PIN_RO);
	pins_release(&ps);
}

/* The sentinel sets aside what "a command" created after the survey, and nothing that was there. */
static void sentinel_sets_aside_what_appeared(void **state)
{
	struct sentinel *st;
	struct survey_opts o = { true, true };
	struct pins ps;
	struct buf notes;
	struct stat sb;
	char p[PATH_MAX + 1100];
	bool truncated;

	(void)state;
	sh("cd '%s' && rm -rf * .[!.]* && mkdir -p old/.vscode keep && git init -q repo 2>/dev/null || mkdir -p repo/.git",
	   ws);
	pins_init(&ps);
	assert_int_equal(sentinel_open(&st, ws), 0);
	assert_int_equal(survey_workspace(&ps, ws, &o, sentinel_hooks(st), &truncated), 0);
	sentinel_ready(st, &ps, truncated);
	/* "The command": new guarded names at depth, a moved pinned dir, a commondir. */
	sh("cd '%s' && mkdir -p n/m && echo x > n/m/.envrc && mkdir -p keep/.claude && mv old old2 && "
	   "git init -q n/newrepo 2>/dev/null || mkdir -p n/newrepo/.git; echo ../evil > repo/.git/commondir; "
	   "touch keep/plain.txt",
	   ws);
	buf_init(&notes, (64u << 10));
	assert_int_equal(sentinel_check(st, &notes), 4);
	assert_non_null(strstr(notes.data, "set aside n/m/.envrc as n/m/.envrc.cordon-quarantine"));
	assert_non_null(strstr(notes.data, "set aside keep/.claude as keep/.claude.cordon-quarantine"));
	assert_non_null(strstr(notes.data, "set aside n/newrepo/.git as"));
	assert_non_null(strstr(notes.data, "set aside repo/.git/commondir as"));
	/* A pinned directory that moved with its parent is the same: left alone. */
	assert_null(strstr(notes.data, "old2"));
	snprintf(p, sizeof(p), "%s/old2/.vscode", ws);
	assert_int_equal(lstat(p, &sb), 0);
	snprintf(p, sizeof(p), "%s/keep/plain.txt", ws);
	assert_int_equal(lstat(p, &sb), 0);
	/* Nothing new: nothing to say. */
	buf_truncate(&notes, 0);
	assert_int_equal(sentinel_check(st, &notes), 0);
	assert_int_equal(notes.len, 0);
	/* Taken again (a second one with the same name): -1. */
	sh("cd '%s' && echo y > n/m/.envrc", ws);
	assert_int_equal(sentinel_check(st, &notes), 1);
	assert_non_null(strstr(notes.data, "n/m/.envrc.cordon-quarantine-1"));
	buf_release(&notes);
	sentinel_close(st);
	pins_release(&ps);
}

/* A workspace too large to walk after each call is watched: the same findings through inotify. */
static void sentinel_watches_a_large_workspace(void **state)
{
	struct sentinel *st;
	struct survey_opts o = { true, true };
	struct pins ps;
	struct buf notes;
	bool truncated;

	(void)state;
	sh("cd '%s' && rm -rf * .[!.]* && mkdir -p keep && for i in $(seq %d); do mkdir -p d$((i %% 9))/s$i; done",
	   ws, SENTINEL_WALK_MAX_DIRS + 50);
	pins_init(&ps);
	assert_int_equal(sentinel_open(&st, ws), 0);
	assert_int_equal(survey_workspace(&ps, ws, &o, sentinel_hooks(st), &truncated), 0);
	sentinel_ready(st, &ps, truncated);
	/* In an existing directory; in a new tree (made before any watch could see inside it); moved in. */
	sh("cd '%s' && touch d3/s3/.envrc && mkdir -p new/a/b/c && mkdir new/a/b/c/.vscode && "
	   "mkdir -p keep/x && touch keep/x/y.code-workspace && mkdir t && touch t/z && mv t d1/.cargo && "
	   "mv d2 d2moved",
	   ws);
	buf_init(&notes, 64u << 10);
	assert_int_equal(sentinel_check(st, &notes), 4);
	assert_non_null(strstr(notes.data, "set aside d3/s3/.envrc as"));
	assert_non_null(strstr(notes.data, "set aside new/a/b/c/.vscode as"));
	assert_non_null(strstr(notes.data, "set aside keep/x/y.code-workspace as"));
	assert_non_null(strstr(notes.data, "set aside d1/.cargo as"));
	/* A directory renamed: its watches follow it; what is made in it later is still seen. */
	buf_truncate(&notes, 0);
	sh("cd '%s' && mkdir d2moved/s2/.idea", ws);
	assert_int_equal(sentinel_check(st, &notes), 1);
	assert_non_null(strstr(notes.data, "set aside d2moved/s2/.idea as"));
	buf_release(&notes);
	sentinel_close(st);
	pins_release(&ps);
}

/* Index flags set by "a command" are reported, with the git issue's record of them. */
static void sentinel_reports_index_flags(void **state)
{
	const struct sentinel_index_change *ch;
	struct sentinel *st;
	struct survey_opts o = { true, true };
	struct pins ps;
	struct buf notes;
	bool truncated;

	(void)state;
	if (!have_git)
		skip();
	sh("cd '%s' && rm -rf * .[!.]* && git init -q r && echo a > r/a && echo b > r/b && git -C r add a b", ws);
	pins_init(&ps);
	assert_int_equal(sentinel_open(&st, ws), 0);
	assert_int_equal(survey_workspace(&ps, ws, &o, sentinel_hooks(st), &truncated), 0);
	sentinel_ready(st, &ps, truncated);
	sh("cd '%s/r' && git update-index --skip-worktree a && git update-index --assume-unchanged b", ws);
	buf_init(&notes, (64u << 10));
	assert_int_equal(sentinel_check(st, &notes), 2);
	assert_non_null(strstr(notes.data, "index: a command set skip-worktree on a in the repository r"));
	assert_non_null(strstr(notes.data, "index: a command set assume-unchanged on b in the repository r"));
	assert_int_equal(sentinel_index_changes(st, &ch), 2);
	assert_string_equal(ch[0].repo, "r");
	assert_true(ch[0].set);
	/* Version 4 (prefix-compressed paths) reads the same; a cleared bit is reported too. */
	sh("cd '%s/r' && git update-index --index-version 4 && git update-index --no-skip-worktree a", ws);
	buf_truncate(&notes, 0);
	assert_int_equal(sentinel_check(st, &notes), 0);
	assert_non_null(strstr(notes.data, "cleared skip-worktree on a"));
	assert_int_equal(sentinel_index_changes(st, &ch), 3);
	assert_false(ch[2].set);
	buf_release(&notes);
	sentinel_close(st);
	pins_release(&ps);
}

static int count_entry(void *ctx, const char *path, unsigned bits)
{
	(void)path;
	*(unsigned *)ctx |= bits;
	return 0;
}

/* The index parser refuses what is no index, never reads past the end. */
static void gitindex_refuses_garbage(void **state)
{
	unsigned char buf[256];
	unsigned bits = 0;

	(void)state;
	assert_int_equal(gitindex_flags("", 0, count_entry, &bits), -1);
	assert_int_equal(gitindex_flags("DIRC", 4, count_entry, &bits), -1);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "DIRC\0\0\0\2\0\0\0\0", 12);
	/* No entries, a 20-byte checksum: fine. */
	assert_int_equal(gitindex_flags(buf, 32, count_entry, &bits), 0);
	/* Version 5, or an entry count the bytes cannot hold. */
	buf[7] = 5;
	assert_int_equal(gitindex_flags(buf, 32, count_entry, &bits), -1);
	buf[7] = 2;
	buf[11] = 9;
	assert_int_equal(gitindex_flags(buf, 100, count_entry, &bits), -1);
	/* One entry whose path has no NUL within the buffer. */
	buf[11] = 1;
	memset(buf + 12, 'x', sizeof(buf) - 12);
	assert_int_equal(gitindex_flags(buf, sizeof(buf), count_entry, &bits), -1);
	assert_int_equal(bits, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(guarded_names_at_any_depth),
		cmocka_unit_test(git_layout_is_pinned),
		cmocka_unit_test(git_symlinks_are_pinned),
		cmocka_unit_test(sentinel_sets_aside_what_appeared),
		cmocka_unit_test(sentinel_watches_a_large_workspace),
		cmocka_unit_test(sentinel_reports_index_flags),
		cmocka_unit_test(gitindex_refuses_garbage),
		cmocka_unit_test(stale_placeholders_are_removed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
