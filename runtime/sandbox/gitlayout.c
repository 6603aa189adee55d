/*
 * gitlayout.c — the places a workspace repository makes git read
 * configuration from or run hooks from (supervisor side; see gitlayout.h).
 */
#include "runtime/sandbox/gitlayout.h"
#include "common/buf.h"
#include "common/error.h"
#include "common/placeholder.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GIT_OUT_MAX (1u << 20)
#define MAX_MODULE_DEPTH 8

#define MAX_SCANNED 256

struct layout {
	struct pins *ps;
	const char *ws;
	size_t wslen;
	const struct gitlayout_opts *o;
	int err; /* the first error of the pin list */
	const char *wt; /* the work tree git runs in */
	char *scanned[MAX_SCANNED]; /* config files whose includes were asked for */
	size_t nscanned;
};

static bool within(const struct layout *l, const char *path)
{
	return !strncmp(path, l->ws, l->wslen) && (path[l->wslen] == '\0' || path[l->wslen] == '/');
}

static void add(struct layout *l, const char *path, enum pin_kind k)
{
	int r = pins_add(l->ps, path, k);

	if (r < 0 && !l->err)
		l->err = r;
}

/* Whether every component of path's parent below the workspace is a real directory. */
static bool parent_real(const struct layout *l, const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	struct stat st;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return false;
	slash = strrchr(dir, '/');
	if (!slash)
		return false;
	*slash = '\0';
	while (strlen(dir) > l->wslen) {
		if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			return false;
		slash = strrchr(dir, '/');
		*slash = '\0';
	}
	return true;
}

/*
 * Pin what is at path (inside the workspace): a file or directory
 * read-only; a symlink bound on itself, with its target (when inside the
 * workspace) pinned the same way; missing, a placeholder of kind ph
 * (PIN__KINDS: none).
 */
static void pin_path(struct layout *l, const char *path, enum pin_kind ph, int depth)
{
	char real[PATH_MAX];
	struct stat st;

	if (!within(l, path) || depth > 8)
		return;
	/*
	 * A placeholder a killed session left here is not the user's: removed,
	 * the path is missing again (survey.h). One that cannot be removed
	 * stays and is pinned as what it is.
	 */
	if (ph == PIN_PLACEHOLDER_DIR || ph == PIN_PLACEHOLDER_FILE)
		(void)placeholder_remove_stale(path);
	if (lstat(path, &st) < 0) {
		if (errno != ENOENT || ph == PIN__KINDS)
			return;
		/* Missing: a placeholder where one can be made, else watched for (the sentinel). */
		add(l, path, l->o->placeholders && parent_real(l, path) ? ph : PIN_ABSENT);
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		add(l, path, PIN_LINK);
		if (realpath(path, real))
			pin_path(l, real, PIN__KINDS, depth + 1);
		return;
	}
	add(l, path, PIN_RO);
}

/* A file's content, first line, trailing blanks dropped; "" when unreadable. */
static void read_line(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t n;

	out[0] = '\0';
	if (!f)
		return;
	if (!fgets(out, (int)size, f))
		out[0] = '\0';
	fclose(f);
	n = strlen(out);
	while (n && isspace((unsigned char)out[n - 1]))
		out[--n] = '\0';
}

/* base/rel, or rel itself when absolute, resolved (it must exist); false otherwise. */
static bool resolve_from(const char *base, const char *rel, char *out)
{
	char joined[PATH_MAX];

	if (!rel[0])
		return false;
	if (rel[0] == '/') {
		if (snprintf(joined, sizeof(joined), "%s", rel) >= (int)sizeof(joined))
			return false;
	} else if (snprintf(joined, sizeof(joined), "%s/%s", base, rel) >= (int)sizeof(joined)) {
		return false;
	}
	return realpath(joined, out) != NULL;
}

static void gitdir_pins(struct layout *l, const char *g, int depth);
static void include_pins(struct layout *l, const char *path, const char *wt, int depth);

/* The gitdirs of submodules below dir (modules/..., at any depth): a directory with a HEAD. */
static void module_pins(struct layout *l, const char *dir, int depth)
{
	struct dirent *de;
	DIR *d;

	if (depth > MAX_MODULE_DEPTH || !(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		char sub[PATH_MAX], head[PATH_MAX];
		struct stat st;

		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >= (int)sizeof(sub) ||
		    lstat(sub, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		if (snprintf(head, sizeof(head), "%s/HEAD", sub) < (int)sizeof(head) &&
		    access(head, F_OK) == 0)
			gitdir_pins(l, sub, depth + 1);
		else
			module_pins(l, sub, depth + 1); /* a submodule named a/b: modules/a/b */
	}
	closedir(d);
}

/*
 * A gitdir g (inside the workspace): anchored, its config, config.worktree,
 * hooks and pointer files pinned; the common dir its commondir names, and
 * the gitdirs of worktrees/ and modules/ below the common dir, the same.
 */
static void gitdir_pins(struct layout *l, const char *g, int depth)
{
	char p[PATH_MAX], c[PATH_MAX], line[PATH_MAX];
	bool linked = false;
	struct dirent *de;
	DIR *d;

	if (!within(l, g) || depth > MAX_MODULE_DEPTH)
		return;
	add(l, g, PIN_ANCHOR);
#define AT(name) (snprintf(p, sizeof(p), "%s/%s", g, name) < (int)sizeof(p))
	/* A linked worktree's gitdir (or a submodule's in a worktree): its commondir names the common dir. */
	if (AT("commondir")) {
		read_line(p, line, sizeof(line));
		linked = line[0] && resolve_from(g, line, c);
		if (linked)
			pin_path(l, p, PIN__KINDS, 0);
		else if (access(p, F_OK) < 0 && errno == ENOENT)
			/*
			 * A main gitdir has no commondir; one written into it would
			 * make git read the config and hooks of any directory it
			 * names. No placeholder exists that git accepts (an empty
			 * commondir is fatal to git), so the sentinel sets one aside
			 * when it appears.
			 */
			add(l, p, PIN_ABSENT);
	}
	if (AT("config.worktree")) {
		pin_path(l, p, PIN_PLACEHOLDER_FILE, 0);
		include_pins(l, p, l->wt, 0);
	}
	/* The pointer back to the work tree (a linked worktree's, a submodule's). */
	if (AT("gitdir")) {
		char w[PATH_MAX];

		pin_path(l, p, PIN__KINDS, 0);
		read_line(p, line, sizeof(line));
		if (line[0] && resolve_from(g, line, w))
			pin_path(l, w, PIN__KINDS, 0);
	}
	if (linked) {
		/* The common dir holds the config, hooks, worktrees and modules git uses here. */
		if (strcmp(c, g))
			gitdir_pins(l, c, depth + 1);
		return;
	}
	if (AT("config")) {
		pin_path(l, p, PIN__KINDS, 0);
		include_pins(l, p, l->wt, 0);
	}
	if (AT("hooks"))
		pin_path(l, p, PIN_PLACEHOLDER_DIR, 0);
	/* A common dir: the gitdirs of its linked worktrees and of its submodules. */
	if (snprintf(p, sizeof(p), "%s/worktrees", g) < (int)sizeof(p) && (d = opendir(p))) {
		while ((de = readdir(d))) {
			char w[PATH_MAX];
			struct stat st;

			if (de->d_name[0] == '.')
				continue;
			if (snprintf(w, sizeof(w), "%s/%s", p, de->d_name) >= (int)sizeof(w) ||
			    lstat(w, &st) < 0 || !S_ISDIR(st.st_mode))
				continue;
			/* Its commondir names us back: gitdir_pins() stops at the common dir it pins. */
			gitdir_pins(l, w, depth + 1);
		}
		closedir(d);
	}
	if (snprintf(p, sizeof(p), "%s/modules", g) < (int)sizeof(p))
		module_pins(l, p, depth);
#undef AT
}

/* ---- git as a helper ---------------------------------------------------------- */

extern char **environ;

/*
 * The git binary from PATH, absolute: only absolute PATH entries, none
 * inside the workspace (an empty entry or "." is the current directory,
 * often the workspace itself: a `git` a command planted there would run
 * here, outside the sandbox). False when there is none.
 */
static bool find_git(const struct layout *l, char out[PATH_MAX])
{
	const char *path = getenv("PATH"), *p;
	char real[PATH_MAX];

	for (p = path ? path : ""; *p;) {
		size_t n = strcspn(p, ":");

		if (n && p[0] == '/' && n + 5 < PATH_MAX) {
			memcpy(out, p, n);
			memcpy(out + n, "/git", 5);
			if (access(out, X_OK) == 0 && realpath(out, real) && !within(l, real)) {
				snprintf(out, PATH_MAX, "%s", real);
				return true;
			}
		}
		p += n;
		if (*p == ':')
			p++;
	}
	return false;
}

/*
 * Run git with argv (argv[0] is "git") in dir; its stdout (at most
 * GIT_OUT_MAX bytes) into out. 0 when it exited 0, -1 otherwise (not
 * found, failed, timed out: killed).
 * Safe because: only `rev-parse` and `config` are run, which start no hook
 * and no fsmonitor; `-c core.fsmonitor=false` besides; stdin is /dev/null
 * and the environment is the few variables that choose the user's config.
 */
static int run_git(const struct layout *l, const char *dir, const char *const *args, struct buf *out)
{
	static const char *const keep[] = { "PATH=", "HOME=", "XDG_CONFIG_HOME=", "GIT_CONFIG_GLOBAL=",
					    "GIT_CONFIG_SYSTEM=", "GIT_CONFIG_NOSYSTEM=", NULL };
	const char *argv[24], *envp[16];
	posix_spawn_file_actions_t fa;
	struct timespec t0, t1;
	int pipefd[2] = { -1, -1 }, status = 0, r = -1;
	size_t n = 0, k = 0, i;
	char **e, git[PATH_MAX];
	pid_t pid;

	if (!find_git(l, git))
		return -1;

	argv[n++] = "git";
	argv[n++] = "-c";
	argv[n++] = "core.fsmonitor=false";
	argv[n++] = "-c";
	argv[n++] = "safe.directory=*";
	argv[n++] = "-C";
	argv[n++] = dir;
	for (i = 0; args[i] && n < sizeof(argv) / sizeof(argv[0]) - 1; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	for (e = environ; e && *e && k < sizeof(envp) / sizeof(envp[0]) - 4; e++)
		for (i = 0; keep[i]; i++)
			if (!strncmp(*e, keep[i], strlen(keep[i])))
				envp[k++] = *e;
	envp[k++] = "LANG=C";
	envp[k++] = "GIT_TERMINAL_PROMPT=0";
	envp[k++] = "GIT_OPTIONAL_LOCKS=0";
	envp[k] = NULL;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -1;
	if (posix_spawn_file_actions_init(&fa) != 0)
		goto out;
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
	if (posix_spawn(&pid, git, &fa, NULL, (char *const *)argv, (char *const *)envp) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		goto out;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	pipefd[1] = -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pf = { pipefd[0], POLLIN, 0 };
		long left;
		char chunk[4096];
		ssize_t got;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = GITLAYOUT_TIMEOUT_MS - ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(&pf, 1, (int)left) == 0) {
			kill(pid, SIGKILL);
			break;
		}
		got = read(pipefd[0], chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (buf_append(out, chunk, (size_t)got) < 0) {
			kill(pid, SIGKILL);
			break;
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	r = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
out:
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (pipefd[1] >= 0)
		close(pipefd[1]);
	return r;
}

/* Whether a file mentions "include" (any case): only then are its include paths asked for. */
static bool mentions_include(const char *path)
{
	char chunk[8192];
	FILE *f = fopen(path, "re");
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(chunk, sizeof(chunk), f))
		found = strcasestr(chunk, "include") != NULL;
	fclose(f);
	return found;
}

/*
 * Every include.path and includeIf.*.path of the config file path (inside
 * the workspace), active now or not: pinned (missing: a placeholder), and
 * followed. A path is relative to the including file's directory; "~/" is
 * HOME.
 */
static void include_pins(struct layout *l, const char *path, const char *wt, int depth)
{
	const char *args[] = { "config", "-f", path, "--no-includes", "-z", "--get-regexp",
			       "^include(if\\..*)?\\.path$", NULL };
	struct buf out;
	size_t i;

	if (depth > GITLAYOUT_MAX_INCLUDES || l->o->no_git)
		return;
	for (i = 0; i < l->nscanned; i++)
		if (!strcmp(l->scanned[i], path))
			return;
	if (l->nscanned < MAX_SCANNED && (l->scanned[l->nscanned] = strdup(path)))
		l->nscanned++;
	if (!mentions_include(path))
		return;
	buf_init(&out, GIT_OUT_MAX);
	if (run_git(l, wt, args, &out) == 0 && out.len) {
		/* -z: "key\nvalue\0" records. */
		for (i = 0; i < out.len;) {
			const char *rec = out.data + i, *val = memchr(rec, '\n', out.len - i);
			size_t rlen = strnlen(rec, out.len - i);
			char dir[PATH_MAX], target[PATH_MAX], norm[PATH_MAX];
			const char *home = getenv("HOME");
			char *slash;

			i += rlen + 1;
			if (!val || val >= rec + rlen)
				continue;
			val++;
			snprintf(dir, sizeof(dir), "%s", path);
			slash = strrchr(dir, '/');
			if (slash)
				*slash = '\0';
			int tn;

			if (!strncmp(val, "~/", 2) && home)
				tn = snprintf(target, sizeof(target), "%s/%s", home, val + 2);
			else if (val[0] == '/')
				tn = snprintf(target, sizeof(target), "%s", val);
			else
				tn = snprintf(target, sizeof(target), "%s/%s", dir, val);
			if (tn < 0 || tn >= (int)sizeof(target))
				continue;
			/* The target may not exist: resolve its directory, keep its name. */
			memcpy(norm, target, (size_t)tn + 1);
			slash = strrchr(norm, '/');
			if (slash && slash != norm) {
				char real[PATH_MAX];

				*slash = '\0';
				if (!realpath(norm, real) ||
				    snprintf(norm, sizeof(norm), "%s/%s", real, slash + 1) >= (int)sizeof(norm))
					continue;
			}
			pin_path(l, norm, PIN_PLACEHOLDER_FILE, 0);
			if (within(l, norm))
				include_pins(l, norm, wt, depth + 1);
		}
	}
	buf_release(&out);
}

/* A hooks directory git would run hooks from (core.hooksPath, resolved): pinned, or a placeholder. */
static void hooks_pins(struct layout *l, const char *wt, const char *value)
{
	char hooks[PATH_MAX], real[PATH_MAX], parent[PATH_MAX];
	const char *home = getenv("HOME");
	char *slash;
	int n;

	/* git runs hooks at the top of the work tree: a relative hooksPath is relative to it. */
	if (!strncmp(value, "~/", 2) && home)
		n = snprintf(hooks, sizeof(hooks), "%s/%s", home, value + 2);
	else if (value[0] == '/')
		n = snprintf(hooks, sizeof(hooks), "%s", value);
	else
		n = snprintf(hooks, sizeof(hooks), "%s/%s", wt, value);
	if (n < 0 || n >= (int)sizeof(hooks))
		return;
	while (n > 1 && hooks[n - 1] == '/')
		hooks[--n] = '\0';
	if (realpath(hooks, real)) {
		pin_path(l, real, PIN__KINDS, 0);
		return;
	}
	/* It does not exist yet: resolve its parent, keep its name (a placeholder, or watched for). */
	slash = strrchr(hooks, '/');
	if (!slash || slash == hooks)
		return;
	*slash = '\0';
	if (realpath(hooks, parent)) {
		if (snprintf(real, sizeof(real), "%s/%s", parent, slash + 1) < (int)sizeof(real))
			pin_path(l, real, PIN_PLACEHOLDER_DIR, 0);
	} else if (!strncmp(hooks, l->ws, l->wslen) && (hooks[l->wslen] == '/' || !hooks[l->wslen])) {
		/* Below a missing directory: nothing to pin, the sentinel watches for the path. */
		*slash = '/';
		add(l, hooks, PIN_ABSENT);
	}
}

/*
 * What git itself resolves for the work tree wt, in one run of `git config
 * --list --show-origin`: every config file it reads (those inside the
 * workspace pinned, their includes followed) and the effective
 * core.hooksPath (the last one wins, as in git).
 */
static void git_pins(struct layout *l, const char *wt)
{
	const char *origin_args[] = { "config", "--list", "--show-origin", "-z", NULL };
	char hooks_path[PATH_MAX] = "";
	struct buf out;
	size_t i;

	buf_init(&out, GIT_OUT_MAX);
	if (run_git(l, wt, origin_args, &out) == 0) {
		/* -z: "origin\0key\nvalue\0" pairs; an origin of a file is "file:PATH" (relative to wt). */
		for (i = 0; i < out.len;) {
			const char *rec = out.data + i, *entry;
			size_t rlen = strnlen(rec, out.len - i), elen;
			char real[PATH_MAX];

			i += rlen + 1;
			if (!strncmp(rec, "file:", 5) && resolve_from(wt, rec + 5, real) && within(l, real)) {
				pin_path(l, real, PIN__KINDS, 0);
				include_pins(l, real, wt, 0);
			}
			if (i >= out.len)
				break;
			entry = out.data + i;
			elen = strnlen(entry, out.len - i);
			i += elen + 1;
			if (elen > 15 && !strncmp(entry, "core.hookspath\n", 15))
				snprintf(hooks_path, sizeof(hooks_path), "%.*s", (int)(elen - 15), entry + 15);
		}
	}
	buf_release(&out);
	if (hooks_path[0])
		hooks_pins(l, wt, hooks_path);
}

int gitlayout_pins(struct pins *ps, const char *ws, const char *rel, const struct gitlayout_opts *o,
		   char gitdir[PATH_MAX])
{
	struct layout l = { .ps = ps, .ws = ws, .wslen = strlen(ws), .o = o };
	char wt[PATH_MAX], dotgit[PATH_MAX], g[PATH_MAX], line[PATH_MAX];
	struct stat st;
	size_t i;

	if (snprintf(wt, sizeof(wt), "%s%s%s", ws, rel[0] ? "/" : "", rel) >= (int)sizeof(wt) - 5)
		return 0;
	memcpy(dotgit, wt, strlen(wt));
	memcpy(dotgit + strlen(wt), "/.git", 6);
	gitdir[0] = '\0';
	if (lstat(dotgit, &st) < 0)
		return 0;
	l.wt = wt;
	g[0] = '\0';
	if (S_ISLNK(st.st_mode)) {
		/* A .git symlink: bound on itself (git still follows it), so it cannot be swapped. */
		add(&l, dotgit, PIN_LINK);
		if (!realpath(dotgit, g))
			g[0] = '\0';
	} else if (S_ISREG(st.st_mode)) {
		/* A gitdir pointer ("gitdir: X"): a linked worktree's or a submodule's. */
		add(&l, dotgit, PIN_RO);
		read_line(dotgit, line, sizeof(line));
		if (strncmp(line, "gitdir:", 7) || !resolve_from(wt, line + 7 + strspn(line + 7, " \t"), g))
			g[0] = '\0';
	} else if (S_ISDIR(st.st_mode)) {
		snprintf(g, sizeof(g), "%s", dotgit);
	}
	snprintf(gitdir, PATH_MAX, "%s", g);
	if (g[0])
		gitdir_pins(&l, g, 0);
	if (!o->no_git && !l.err)
		git_pins(&l, wt);
	for (i = 0; i < l.nscanned; i++)
		free(l.scanned[i]);
	return l.err;
}
