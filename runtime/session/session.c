/* session.c — policy, sandbox and tool state around each call (see session.h). */
#include "runtime/session/session.h"
#include "runtime/session/bash.h"
#include "runtime/session/bashfmt.h"
#include "runtime/session/tasks.h"
#include "runtime/session/toolrun.h"
#include "runtime/session/fetch.h"
#include "runtime/session/egress.h"
#include "runtime/sandbox/sandbox.h"
#include "policy/catalog.h"
#include "policy/readmask.h"
#include "tools/input.h"
#include "tools/textfile.h"
#include "tools/tool.h"
#include "common/buf.h"
#include "common/error.h"
#include "common/fileio.h"
#include "common/path.h"
#include "common/secret.h"
#include "common/utf8.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#define SESSION_MAX_STATE 4096 /* read-state entries kept per session */
#define PREVIEW_CHARS 2000
#define PERSIST_TRIES 100      /* name-N variants tried when a saved output's name is taken */

struct session {
	pthread_mutex_t lock; /* guards everything below that calls share */
	char *workspace, *cwd, *home, *output_dir;
	char *workspace_real; /* its real path: where a physical directory report says the shell is */
	/*
	 * Where the shell is: every call's cwd (relative paths, the policy's
	 * judgement, Bash's start). Starts at cwd; Bash moves it (bash.h) within
	 * the working directories. Under the lock; calls take a copy.
	 */
	char *shell_cwd;
	char *cache_dir;      /* the per-workspace cache handed to the sandbox, or NULL */
	/* session_opts.git_identity, and what it said (once: identity_done; under the lock) */
	void (*git_identity)(char *name, size_t nsize, char *email, size_t esize);
	bool identity_done;
	char git_name[256], git_email[256];
	bool own_output_dir;
	bool output_made;     /* this session made the output directory (so it holds only what we put there) */
	char *roots[SESSION_MAX_ROOTS + 1]; /* NULL-terminated: toolrun keeps pointing at it */
	size_t nroots;
	json_t *roots_json;
	const struct policy *policy;
	struct policy_ctx ctx;
	struct read_mask mask; /* the policy's Read deny paths, hidden from commands */
	unsigned require, timeout_ms;
	bool no_namespaces;

	struct toolrun *tr;
	session_runner_fn runner;
	void *runner_ctx;
	bool dead;
	unsigned deaths, inflight;

	json_t *read_state; /* abs path -> entry */
	json_t *todos;
	unsigned long seq;

	int cancel_fd; /* an eventfd: readable once cancelled */
	atomic_bool cancelled;

	struct tasks *tasks; /* Bash's background commands (tasks.h) */

	/*
	 * Bash's egress proxy (egress.h) when the policy allows domains, else
	 * NULL; egress_port is the route commands get (0: none, e.g. degraded
	 * mode), read once the sandbox is ready. Under the lock.
	 */
	struct egress *egress;
	unsigned egress_port;
	bool egress_settled;

	struct fetch *fetch; /* WebFetch's URL checks, connections and cache */
	session_fetch_apply_fn fetch_apply;
	void *fetch_apply_ctx;
	bool fetch_raw;
};

static bool todos_ok(const json_t *todos);
static int ensure_output_dir(struct session *s);
static int task_exec(void *ctx, const struct sandbox_call *call, struct sandbox_result *out);

/* ---- open and close ---------------------------------------------------------- */

static int add_root(struct session *s, const char *dir, struct cordon_diag *diag)
{
	if (!dir || dir[0] != '/') {
		diag_set(diag, 0, 0, "a read-only root must be an absolute path: '%s'", dir ? dir : "");
		return -CORDON_EINVAL;
	}
	if (s->nroots == SESSION_MAX_ROOTS) {
		/* A limit passed is an error, not a silent cut: a dropped root
		 * would turn allowed reads into confusing failures. */
		diag_set(diag, 0, 0, "too many read-only roots (extra roots and additionalDirectories): at most %d",
			 SESSION_MAX_ROOTS);
		return -CORDON_ETOOBIG;
	}
	if (path_normalize_dup(&s->roots[s->nroots], dir, NULL) < 0) {
		diag_set(diag, 0, 0, "cannot use the read-only root '%s'", dir);
		return -CORDON_EINVAL;
	}
	if (json_array_append_new(s->roots_json, json_string(s->roots[s->nroots])) < 0)
		return -CORDON_ENOMEM;
	s->nroots++;
	return 0;
}

static int open_sandbox(struct session *s, bool defer_ready, struct cordon_diag *diag)
{
	struct toolrun_opts ro = { 0 };
	int rc;

	if (s->runner)
		return 0;
	ro.workspace = s->workspace;
	ro.timeout_ms = s->timeout_ms;
	ro.read_roots = (const char *const *)s->roots;
	ro.require = s->require;
	ro.no_namespaces = s->no_namespaces;
	ro.hide = (const char *const *)s->mask.paths.v;
	ro.n_hide = s->mask.paths.n;
	ro.cache_dir = s->cache_dir;
	ro.defer_ready = defer_ready;
	if (secret_latched()) {
		diag_set(diag, 0, 0, "the sandbox must start before any secret is loaded; refusing to start it now");
		return -CORDON_EDENIED;
	}
	ro.egress_fd = -1;
	if (s->egress) {
		/* A fresh channel per warden: a reopened one gets its own (the old one's closes with it). */
		rc = egress_channel(s->egress, &ro.egress_fd);
		if (rc < 0) {
			diag_set(diag, 0, 0, "cannot make the egress proxy's channel: %s", cordon_strerror(rc));
			return rc;
		}
		ro.egress = true;
		s->egress_settled = false;
	}
	rc = toolrun_open(&s->tr, &ro, diag);
	/* The sandbox holds its own copy until its warden is ready. */
	if (ro.egress_fd >= 0)
		close(ro.egress_fd);
	/*
	 * Serving starts after the first warden's fork, so no thread of ours
	 * exists when it is forked. A reopened warden is forked while the
	 * proxy's threads run; they hold nothing the warden's own code takes
	 * (no stdio, and glibc's fork resets malloc's locks in the child).
	 */
	if (rc == 0 && s->egress && egress_start(s->egress) < 0) {
		diag_set(diag, 0, 0, "cannot start the egress proxy: %s", strerror(errno));
		rc = -CORDON_ESYS;
	}
	if (rc == -CORDON_EDENIED && !diag->msg[0])
		diag_set(diag, 0, 0, "the sandbox refused to start for '%s'", s->workspace);
	else if (rc < 0 && !diag->msg[0])
		diag_set(diag, 0, 0, "cannot start the sandbox for '%s': %s", s->workspace, cordon_strerror(rc));
	return rc;
}

/*
 * The egress route commands get: the warden's port once it is ready, 0
 * without egress or without a route (degraded mode: no network namespace
 * to put one in, so the proxy stays unreachable and Bash gets no
 * variables; fail closed). Under the lock.
 */
static unsigned egress_port_locked(struct session *s)
{
	if (!s->egress || !s->tr)
		return 0;
	if (!s->egress_settled) {
		s->egress_port = toolrun_egress_port(s->tr);
		s->egress_settled = true;
	}
	return s->egress_port;
}

bool session_egress_unrouted(struct session *s)
{
	bool unrouted;

	pthread_mutex_lock(&s->lock);
	unrouted = s->egress && s->tr && !egress_port_locked(s);
	pthread_mutex_unlock(&s->lock);
	return unrouted;
}

/* Say when the policy allows domains but commands got no route (a warning after the sandbox's own). */
static void egress_note(struct session *s, struct cordon_diag *diag)
{
	char prev[CORDON_DIAG_MSG];

	if (!session_egress_unrouted(s))
		return;
	snprintf(prev, sizeof(prev), "%s", diag->msg);
	diag_set(diag, 0, 0, "%s%s" SESSION_EGRESS_UNROUTED, prev, prev[0] ? "; " : "");
}

/* mkdir -p, each level made 0700. */
static int mkdirs(const char *path)
{
	char tmp[PATH_MAX];
	size_t i, n = strlen(path);

	if (n >= sizeof(tmp))
		return -CORDON_ETOOBIG;
	memcpy(tmp, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return -CORDON_ESYS;
		tmp[i] = path[i];
	}
	return 0;
}

/*
 * The per-workspace cache the sandbox binds for commands (sandbox.h,
 * cache_dir): CACHE/cordon/workspaces/NAME-HASH, CACHE being
 * $XDG_CACHE_HOME or HOME/.cache, NAME the workspace's base name and HASH
 * its real path's FNV-1a. Made 0700 when missing; it must be a directory of
 * ours. NULL (the cache is then per session) without a usable home.
 */
static char *cache_dir_for(const char *workspace_real, const char *home)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *base = strrchr(workspace_real, '/');
	char name[40], *dir = NULL;
	uint64_t h = 1469598103934665603ull;
	struct stat st;
	size_t k = 0;

	for (const char *p = workspace_real; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	for (base = base ? base + 1 : workspace_real; *base && k < 24; base++)
		name[k++] = (isalnum((unsigned char)*base) || *base == '.' || *base == '_' || *base == '-') ? *base : '_';
	name[k] = '\0';
	if (xdg && xdg[0] == '/' && strcmp(xdg, "/")) {
		if (asprintf(&dir, "%s/cordon/workspaces/%s-%016llx", xdg, name, (unsigned long long)h) < 0)
			return NULL;
	} else if (home && home[0] == '/' && strcmp(home, "/")) {
		if (asprintf(&dir, "%s/.cache/cordon/workspaces/%s-%016llx", home, name, (unsigned long long)h) < 0)
			return NULL;
	} else {
		return NULL;
	}
	if (mkdirs(dir) < 0 || lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    path_within(dir, workspace_real) || path_within(workspace_real, dir)) {
		free(dir);
		return NULL;
	}
	return dir;
}

int session_open(struct session **out, const struct session_opts *opts, struct cordon_diag *diag)
{
	struct session *s;
	size_t i;
	int rc = -CORDON_ENOMEM;

	*out = NULL;
	diag_clear(diag);
	if (!opts->workspace || opts->workspace[0] != '/' || (opts->cwd && opts->cwd[0] != '/')) {
		diag_set(diag, 0, 0, "the workspace and the working directory must be absolute paths");
		return -CORDON_EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -CORDON_ENOMEM;
	s->cancel_fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	read_mask_init(&s->mask);
	s->policy = opts->policy;
	s->runner = opts->runner;
	s->runner_ctx = opts->runner_ctx;
	s->timeout_ms = opts->timeout_ms;
	s->no_namespaces = opts->no_namespaces;
	s->fetch_raw = opts->fetch_raw;
	s->git_identity = opts->git_identity;
	if (path_normalize_dup(&s->workspace, opts->workspace, NULL) < 0 ||
	    path_normalize_dup(&s->cwd, opts->cwd ? opts->cwd : opts->workspace, NULL) < 0) {
		diag_set(diag, 0, 0, "the workspace or working directory path is too long");
		rc = -CORDON_EINVAL;
		goto fail;
	}
	if (opts->home && opts->home[0] == '/' && !(s->home = strdup(opts->home)))
		goto fail;
	if (opts->output_dir && !(s->output_dir = strdup(opts->output_dir)))
		goto fail;
	s->roots_json = json_array();
	s->read_state = json_object();
	s->todos = json_array();
	if (!s->roots_json || !s->read_state || !s->todos)
		goto fail;
	for (i = 0; i < opts->nroots; i++)
		if ((rc = add_root(s, opts->roots[i], diag)) < 0)
			goto fail;
	if (s->policy) {
		const struct policy *p = s->policy;

		for (i = 0; i < p->sandbox_require.n; i++) {
			unsigned m;

			if (layer_mask_from_name(p->sandbox_require.v[i], &m) < 0) {
				diag_set(diag, 0, 0,
					 "the policy requires an unknown sandbox layer '%s' (known: userns, mountns, pidns, "
					 "netns, landlock, seccomp, cgroup, caps, rlimits; or namespaces, all)",
					 p->sandbox_require.v[i]);
				rc = -CORDON_EINVAL;
				goto fail;
			}
			s->require |= m;
		}
		/* Working directories besides the project root are readable. */
		for (i = 0; i < p->additional_dirs.n; i++)
			if ((rc = add_root(s, p->additional_dirs.v[i], diag)) < 0)
				goto fail;
	}
	{
		char real[PATH_MAX];

		s->workspace_real = strdup(realpath(s->workspace, real) ? real : s->workspace);
		s->shell_cwd = strdup(s->cwd);
		if (!s->workspace_real || !s->shell_cwd)
			goto fail;
	}
	/*
	 * The output directory exists from the start. When this session made
	 * it (so it holds only what cordon put there), it is a read-only root
	 * of the sandbox and the policy's session_dir: what cordon tells the
	 * model it saved there (an oversized result, a background command's
	 * output) can be read with Read, as the reference's can. A directory
	 * that was there before (--output-dir ~, say) is never shown to the
	 * sandbox: it may hold anything.
	 */
	rc = ensure_output_dir(s);
	if (rc < 0) {
		diag_set(diag, 0, 0, "cannot make the output directory '%s': %s", s->output_dir ? s->output_dir : "",
			 strerror(errno));
		goto fail;
	}
	if (s->output_made && !path_within(s->output_dir, s->workspace)) {
		struct cordon_diag ignored;

		/* Past the roots' ceiling it is only not readable: never a reason to fail. */
		rc = add_root(s, s->output_dir, &ignored);
		if (rc == -CORDON_ENOMEM)
			goto fail;
		if (rc == 0)
			s->ctx.session_dir = s->output_dir;
	}
	s->cache_dir = cache_dir_for(s->workspace_real, s->home);
	s->ctx.cwd = s->cwd;
	s->ctx.project_root = s->workspace;
	s->ctx.home = s->home;
	/* Commands read past the policy: its literal Read deny paths are hidden
	 * in the mount view (the rules no mount can enforce are reported by
	 * whoever offers commands). */
	if (s->policy && (rc = read_mask_build(&s->mask, s->policy, &s->ctx, NULL, NULL)) < 0) {
		diag_set(diag, 0, 0, "cannot list the Read deny paths to hide: %s", cordon_strerror(rc));
		goto fail;
	}
	s->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->cancel_fd < 0) {
		rc = -CORDON_ESYS;
		goto fail;
	}
	{
		struct fetch_opts fo;

		/* The test switches come from our own environment only (fetch.h). */
		fetch_opts_from_env(&fo);
		fo.timeout_ms = s->timeout_ms;
		rc = fetch_open(&s->fetch, &fo);
		if (rc < 0) {
			diag_set(diag, 0, 0, "cannot read the test CA file '%s' (%s): %s", fo.ca_file ? fo.ca_file : "",
				 FETCH_ENV_TEST_CA, cordon_strerror(rc));
			goto fail;
		}
		/*
		 * Bash's egress proxy, only for a non-empty allowedDomains (an empty
		 * list, or none, is no network). WebFetch(domain:...) rules are
		 * WebFetch's: they open nothing for commands. The loopback test
		 * switch is WebFetch's too (fetch.h), from our environment only.
		 */
		if (s->policy && s->policy->network_set && s->policy->allowed_domains.n && !s->runner) {
			struct egress_opts eo = { .allowed = &s->policy->allowed_domains,
						  .allow_loopback = fo.allow_loopback };

			rc = egress_open(&s->egress, &eo);
			if (rc < 0) {
				diag_set(diag, 0, 0, "cannot start the egress proxy: %s", cordon_strerror(rc));
				goto fail;
			}
		}
	}
	rc = open_sandbox(s, opts->defer_ready, diag);
	if (rc < 0)
		goto fail;
	if (!opts->defer_ready)
		egress_note(s, diag);
	{
		struct tasks_opts to = { .dir = s->output_dir, .exec = task_exec, .exec_ctx = s,
					 .session_cancel_fd = s->cancel_fd };

		rc = tasks_open(&s->tasks, &to);
		if (rc < 0)
			goto fail;
	}
	*out = s;
	return 0;
fail:
	session_close(s);
	return rc;
}

void session_close(struct session *s)
{
	size_t i;

	if (!s)
		return;
	/* Background commands first: their trees are killed through the warden, still there. */
	tasks_close(s->tasks);
	toolrun_close(s->tr);
	/* After the warden: no route is left to bring a connection in. */
	egress_close(s->egress);
	fetch_free(s->fetch);
	/* A cache nothing was put in leaves no trace (sessions of tests, of agents that built nothing). */
	if (s->cache_dir)
		rmdir(s->cache_dir);
	/* Nor does an output directory this session made that nothing was saved in (rmdir: only when empty). */
	if ((s->own_output_dir || s->output_made) && s->output_dir) {
		char *tasks_dir = NULL;

		if (asprintf(&tasks_dir, "%s/tasks", s->output_dir) >= 0) {
			rmdir(tasks_dir);
			free(tasks_dir);
		}
		rmdir(s->output_dir);
	}
	free(s->cache_dir);
	free(s->workspace_real);
	free(s->shell_cwd);
	free(s->workspace);
	free(s->cwd);
	free(s->home);
	free(s->output_dir);
	for (i = 0; i < s->nroots; i++)
		free(s->roots[i]);
	json_decref(s->roots_json);
	json_decref(s->read_state);
	json_decref(s->todos);
	if (s->cancel_fd >= 0)
		close(s->cancel_fd);
	read_mask_release(&s->mask);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void session_cancel(struct session *s)
{
	uint64_t one = 1;
	ssize_t n;

	atomic_store(&s->cancelled, true);
	/* write() is async-signal-safe; a full counter already means "cancelled". */
	n = write(s->cancel_fd, &one, sizeof(one));
	(void)n;
}

bool session_alive(struct session *s)
{
	bool alive;

	pthread_mutex_lock(&s->lock);
	alive = !s->dead;
	pthread_mutex_unlock(&s->lock);
	return alive;
}

unsigned session_warden_deaths(struct session *s)
{
	unsigned n;

	pthread_mutex_lock(&s->lock);
	n = s->deaths;
	pthread_mutex_unlock(&s->lock);
	return n;
}

int session_reopen(struct session *s, struct cordon_diag *diag)
{
	int rc = 0;

	diag_clear(diag);
	pthread_mutex_lock(&s->lock);
	if (!s->dead)
		goto out;
	if (s->inflight) {
		diag_set(diag, 0, 0, "cannot restart the sandbox while calls are running");
		rc = -CORDON_EINVAL;
		goto out;
	}
	toolrun_close(s->tr);
	s->tr = NULL;
	rc = open_sandbox(s, false, diag);
	if (rc == 0)
		s->dead = false;
out:
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int session_seed(struct session *s, const json_t *read_state, const json_t *todos)
{
	const char *key;
	json_t *v;
	int rc = 0;

	pthread_mutex_lock(&s->lock);
	json_object_foreach((json_t *)read_state, key, v) {
		const char *p = json_string_value(json_object_get(v, "path"));

		if (!json_is_object(v) || !p || strcmp(p, key) || key[0] != '/' ||
		    json_object_size(s->read_state) >= SESSION_MAX_STATE)
			continue;
		if (json_object_set(s->read_state, key, v) < 0)
			rc = -CORDON_ENOMEM;
	}
	if (todos && todos_ok(todos)) {
		json_t *copy = json_deep_copy(todos);

		if (!copy) {
			rc = -CORDON_ENOMEM;
		} else {
			json_decref(s->todos);
			s->todos = copy;
		}
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

json_t *session_todos(struct session *s)
{
	json_t *t;

	pthread_mutex_lock(&s->lock);
	t = json_deep_copy(s->todos);
	pthread_mutex_unlock(&s->lock);
	return t;
}

const char *session_output_dir(const struct session *s)
{
	return s->output_dir;
}

int session_ready(struct session *s, struct cordon_diag *diag)
{
	int rc;

	diag_clear(diag);
	if (s->runner || !s->tr)
		return 0;
	rc = toolrun_ready(s->tr, diag);
	if (rc == 0)
		egress_note(s, diag);
	if (rc == -CORDON_EDENIED && !diag->msg[0])
		diag_set(diag, 0, 0, "the sandbox refused to start for '%s'", s->workspace);
	else if (rc < 0 && !diag->msg[0])
		diag_set(diag, 0, 0, "cannot start the sandbox for '%s': %s", s->workspace, cordon_strerror(rc));
	return rc;
}

unsigned session_layers(const struct session *s)
{
	return s->tr ? toolrun_layers(s->tr) : 0;
}

json_t *session_tool_definitions(const struct policy *p)
{
	const struct tool_entry *t;
	json_t *defs = json_array();
	size_t n, i;

	for (t = catalog_rows(&n), i = 0; defs && i < n; i++) {
		if (!t[i].builtin || (t[i].site == SITE_CHILD && !tool_runner(t[i].name)) ||
		    (p && !policy_tool_enabled(p, t[i].name)))
			continue;
		if (json_array_append_new(defs, catalog_tool_json(&t[i])) < 0) {
			json_decref(defs);
			return NULL;
		}
	}
	return defs;
}

void session_result_release(struct session_result *r)
{
	json_decref(r->content);
	json_decref(r->effects);
	memset(r, 0, sizeof(*r));
}

/* ---- effects ---------------------------------------------------------------- */

static bool todo_item_ok(const json_t *item)
{
	static const char *const keys[] = { "content", "status", "activeForm" };
	size_t i;

	if (!json_is_object(item) || json_object_size(item) != 3)
		return false;
	for (i = 0; i < 3; i++) {
		const json_t *v = json_object_get(item, keys[i]);

		if (!json_is_string(v) || json_string_length(v) > CATALOG_MAX_TODO_TEXT)
			return false;
	}
	return true;
}

static bool todos_ok(const json_t *todos)
{
	const json_t *item;
	size_t i;

	if (!json_is_array(todos) || json_array_size(todos) > CATALOG_MAX_TODOS)
		return false;
	json_array_foreach(todos, i, item)
		if (!todo_item_ok(item))
			return false;
	return true;
}

/*
 * Take the effects out of a child's reply. The reply is untrusted: an
 * effect is only kept when the tool's catalog row allows it, a read-state
 * entry or file change only for the path this call was about, a todo list
 * only in the shape TodoWrite validates. Returns the kept effects (new
 * reference, or NULL when none) and records them; called with the lock.
 */
static json_t *apply_effects(struct session *s, const struct tool_entry *t, const char *key, json_t *res)
{
	json_t *eff = json_object_get(res, "effects"), *rs, *todos, *fc, *kept = NULL;
	const char *p, *kind;

	if (!json_is_object(eff))
		goto out;
	kept = json_object();
	if (!kept)
		goto out;
	rs = json_object_get(eff, "read_state");
	if ((t->effects & EFFECT_READ_STATE) && key && json_is_object(rs)) {
		p = json_string_value(json_object_get(rs, "path"));
		if (p && !strcmp(p, key) &&
		    (json_object_get(s->read_state, key) || json_object_size(s->read_state) < SESSION_MAX_STATE)) {
			json_object_set(s->read_state, key, rs);
			json_object_set(kept, "read_state", rs);
		}
	}
	todos = json_object_get(eff, "todos");
	if ((t->effects & EFFECT_TODOS) && todos_ok(todos)) {
		json_t *copy = json_deep_copy(todos);

		if (copy) {
			json_decref(s->todos);
			s->todos = copy;
			json_object_set(kept, "todos", copy);
		}
	}
	fc = json_object_get(eff, "file_changed");
	p = json_string_value(json_object_get(fc, "path"));
	kind = json_string_value(json_object_get(fc, "kind"));
	if ((t->effects & EFFECT_FILE_CHANGED) && key && p && !strcmp(p, key) && kind &&
	    (!strcmp(kind, "create") || !strcmp(kind, "update")))
		json_object_set_new(kept, "file_changed", json_pack("{s:s, s:s}", "path", p, "kind", kind));
	if (!json_object_size(kept)) {
		json_decref(kept);
		kept = NULL;
	}
out:
	json_object_del(res, "effects");
	return kept;
}

/* ---- shaping the result ---------------------------------------------------- */

static int ensure_output_dir(struct session *s)
{
	const char *tmp = getenv("TMPDIR");
	char *dir;

	if (s->output_dir) {
		if (mkdir(s->output_dir, 0700) == 0) {
			s->output_made = true;
			return 0;
		}
		return errno == EEXIST ? 0 : -CORDON_ESYS;
	}
	if (asprintf(&dir, "%s/cordon-tool-XXXXXX", tmp && tmp[0] == '/' ? tmp : "/tmp") < 0)
		return -CORDON_ENOMEM;
	if (!mkdtemp(dir)) {
		free(dir);
		return -CORDON_ESYS;
	}
	s->output_dir = dir;
	s->own_output_dir = true;
	s->output_made = true;
	return 0;
}

/* Byte offset of code point number `chars` (or n). */
static size_t cp_offset(const char *text, size_t n, size_t chars)
{
	size_t i = 0, k;

	while (i < n && chars) {
		k = utf8_seqlen((const unsigned char *)text + i, n - i);
		i += k ? k : 1;
		chars--;
	}
	return i;
}

int session_format_persisted(struct buf *out, const char *text, size_t n, const char *path)
{
	size_t cut = cp_offset(text, n, PREVIEW_CHARS), floor = cp_offset(text, n, 1000), i;
	char size_s[32];
	int rc;

	/* The first 2000 characters, cut back to the last newline in them
	 * when that newline is past character 1000 (docs/tools.md). */
	if (cut < n) {
		for (i = cut; i > floor; i--)
			if (text[i - 1] == '\n')
				break;
		if (i > floor)
			cut = i - 1;
	}
	text_format_size(size_s, sizeof(size_s), n);
	rc = buf_printf(out, "<persisted-output>\nOutput too large (%s). Full output saved to: %s\n\nPreview (first 2KB):\n",
			size_s, path);
	if (rc == 0)
		rc = buf_append(out, text, cut);
	if (rc == 0)
		rc = buf_puts(out, cut < n ? "\n...\n</persisted-output>" : "\n</persisted-output>");
	return rc;
}

/*
 * Save data to OUTPUT_DIR/<id>.<ext>; *out_path (malloc'd) names the file.
 * The id comes from the model's side (a tool_use id), so it is reduced to
 * a safe file name; the file is created with O_EXCL|O_NOFOLLOW, so nothing
 * planted in the directory (a link, an older file) is written through or
 * over: a taken name gets a -N suffix instead.
 */
static int save_output(struct session *s, unsigned long seq, const char *id, const char *ext, const void *data,
		       size_t n, char **out_path)
{
	char name[96], *path = NULL;
	size_t i, k = 0;
	int fd = -1, rc, attempt;

	*out_path = NULL;
	for (i = 0; id[i] && k + 1 < 64; i++)
		if ((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') || (id[i] >= '0' && id[i] <= '9') ||
		    id[i] == '_' || id[i] == '-')
			name[k++] = id[i];
	name[k] = 0;
	if (!k)
		snprintf(name, sizeof(name), "output-%lu", seq);
	pthread_mutex_lock(&s->lock);
	rc = ensure_output_dir(s);
	pthread_mutex_unlock(&s->lock);
	if (rc < 0)
		return rc;
	for (attempt = 0; attempt < PERSIST_TRIES; attempt++) {
		free(path);
		path = NULL;
		if ((attempt ? asprintf(&path, "%s/%s-%d.%s", s->output_dir, name, attempt, ext)
			     : asprintf(&path, "%s/%s.%s", s->output_dir, name, ext)) < 0) {
			path = NULL;
			return -CORDON_ENOMEM;
		}
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0 || fd_write_all(fd, data, n) < 0) {
		rc = -CORDON_ESYS;
		goto out;
	}
	*out_path = path;
	path = NULL;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

/* Save text (save_output()) and build the preview. */
static int persist(struct session *s, unsigned long seq, const char *id, const char *ext, const char *text,
		   size_t n, struct buf *preview_out)
{
	char *path = NULL;
	int rc = save_output(s, seq, id, ext, text, n, &path);

	if (rc == 0)
		rc = session_format_persisted(preview_out, text, n, path);
	free(path);
	return rc;
}

/* Empty text and oversized results, as the reference shapes them. */
static int shape(struct session *s, const struct tool_entry *t, unsigned long seq, const char *id, json_t *res)
{
	json_t *content = json_object_get(res, "content");
	size_t cap = t->result_cap, n;
	struct buf pv;
	char msg[128];
	int rc = 0;

	if (json_is_string(content)) {
		const char *text = json_string_value(content);

		n = json_string_length(content);
		if (text_is_blank(text, n)) {
			snprintf(msg, sizeof(msg), "(%s completed with no output)", t->name);
			return json_object_set_new(res, "content", json_string(msg)) < 0 ? -CORDON_ENOMEM : 0;
		}
		if (!cap || utf8_strlen(text, n) <= cap)
			return 0;
		buf_init(&pv, BUF_NOMAX);
		rc = persist(s, seq, id, "txt", text, n, &pv);
	} else {
		char *dump;

		if (!cap || !json_is_array(content))
			return 0;
		dump = json_dumps(content, JSON_COMPACT);
		if (!dump)
			return -CORDON_ENOMEM;
		n = strlen(dump);
		if (n <= cap) {
			free(dump);
			return 0;
		}
		buf_init(&pv, BUF_NOMAX);
		rc = persist(s, seq, id, "json", dump, n, &pv);
		free(dump);
	}
	if (rc == 0 && json_object_set_new(res, "content", json_stringn(pv.data, pv.len)) < 0)
		rc = -CORDON_ENOMEM;
	buf_release(&pv);
	if (rc < 0) {
		/* Could not save it: say so rather than flood the context. */
		snprintf(msg, sizeof(msg), "the output of %s was too large and could not be saved: %s", t->name,
			 cordon_strerror(rc));
		json_object_set_new(res, "content", json_string(msg));
		json_object_set_new(res, "is_error", json_true());
		rc = 0;
	}
	return rc;
}

/* ---- one call ---------------------------------------------------------------- */

static int text_out(struct session_result *out, const char *text, bool is_error)
{
	out->content = json_string(text);
	out->is_error = is_error;
	return out->content ? 0 : -CORDON_ENOMEM;
}

/*
 * The policy's answer: 0 to run, 1 when refused (out filled), negative on
 * failure. *path receives the path the decision judged.
 */
static int decide(struct session *s, const struct policy_ctx *ctx, const struct tool_entry *t, const json_t *input,
		  char *path, size_t size, struct session_result *out)
{
	struct policy_decision *dec;
	char *msg = NULL;
	int rc;

	if (!s->policy) {
		/* No policy: every builtin tool runs, the path is resolved the same way. */
		if (policy_call_path(t->name, input, ctx, path, size) < 0)
			path[0] = '\0';
		return 0;
	}
	dec = malloc(sizeof(*dec)); /* 8 KiB: not on a concurrent caller's stack */
	if (!dec)
		return -CORDON_ENOMEM;
	if (policy_decide(s->policy, t->name, input, ctx, dec) == POLICY_ALLOW) {
		snprintf(path, size, "%s", dec->path);
		free(dec);
		return 0;
	}
	/* Headless: no approval hook runs here, so an ask is a deny (fail closed). */
	if (asprintf(&msg, "%s%s%s", dec->validation_error ? "<tool_use_error>" : "",
		     dec->reason[0] ? dec->reason : "Permission to use this tool was denied by the policy.",
		     dec->validation_error ? "</tool_use_error>" : "") < 0) {
		free(dec);
		return -CORDON_ENOMEM;
	}
	out->denied = !dec->validation_error;
	free(dec);
	rc = text_out(out, msg, true);
	free(msg);
	return rc < 0 ? rc : 1;
}

/* The request for the child; called with the lock (reads the read state). */
static json_t *build_request(struct session *s, const struct tool_entry *t, const json_t *input, const char *cwd,
			     const char *path)
{
	json_t *req, *state = json_object(), *entry;

	if (!state)
		return NULL;
	entry = (t->effects & EFFECT_READ_STATE) && path[0] ? json_object_get(s->read_state, path) : NULL;
	if (entry)
		json_object_set(state, "read", entry);
	req = json_pack("{s:s, s:O, s:s, s:s, s:O, s:o}", "tool", t->name, "input", input ? (json_t *)input : json_null(),
			"cwd", cwd, "workspace", s->workspace, "roots", s->roots_json, "state", state);
	if (!req)
		return NULL;
	if ((path[0] && json_object_set_new(req, "resolved_path", json_string(path)) < 0) ||
	    (s->home && json_object_set_new(req, "home", json_string(s->home)) < 0) ||
	    (s->output_dir && json_object_set_new(req, "output_dir", json_string(s->output_dir)) < 0)) {
		json_decref(req);
		return NULL;
	}
	return req;
}

/*
 * The decision judged only the path the model named; a search walks
 * everything below it and a Read may follow links inside the workspace.
 * The child drops (or refuses) what the Read deny rules cover, by the path
 * it really reaches; when the patterns cannot be had, the call is not run.
 */
static int add_deny_paths(struct session *s, const struct policy_ctx *ctx, const struct tool_entry *t, json_t *req)
{
	json_t *deny = NULL;
	int rc;

	if (!s->policy || t->family != FAMILY_READ)
		return 0;
	rc = policy_read_deny_patterns(s->policy, t->name, ctx, &deny);
	if (rc < 0)
		return rc;
	if (deny && json_array_size(deny))
		return json_object_set_new(req, "deny_paths", deny) < 0 ? -CORDON_ENOMEM : 0;
	json_decref(deny);
	return 0;
}

static int run_child(void *ctx, enum sandbox_profile profile, const json_t *request, int pass_fd, int cancel_fd,
		     json_t **out)
{
	return toolrun_call(ctx, profile, request, pass_fd, cancel_fd, out);
}

/* ---- WebFetch ---------------------------------------------------------------- */

void session_set_fetch_apply(struct session *s, session_fetch_apply_fn fn, void *ctx)
{
	pthread_mutex_lock(&s->lock);
	s->fetch_apply = fn;
	s->fetch_apply_ctx = fn ? ctx : NULL;
	pthread_mutex_unlock(&s->lock);
}

/* A sandbox call is over: one fewer in flight; a broken warden marks the session dead (reopened at the next call). */
static int call_ended(struct session *s, int rc)
{
	pthread_mutex_lock(&s->lock);
	s->inflight--;
	if (rc == -CORDON_EPROTO) {
		if (!s->dead)
			s->deaths++;
		s->dead = true;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

/* fetch.h's child runner: one hop in a fetch child, the connection passed in. */
static int fetch_child(void *ctx, const json_t *request, int fd, json_t **out)
{
	struct session *s = ctx;
	session_runner_fn runner;
	void *runner_ctx;
	int rc;

	pthread_mutex_lock(&s->lock);
	if (s->dead) {
		pthread_mutex_unlock(&s->lock);
		return -CORDON_EPROTO;
	}
	runner = s->runner ? s->runner : run_child;
	runner_ctx = s->runner ? s->runner_ctx : s->tr;
	s->inflight++;
	pthread_mutex_unlock(&s->lock);
	rc = runner(runner_ctx, PROFILE_FETCH, request, fd, s->cancel_fd, out);
	return call_ended(s, rc);
}

/* fetch.h's policy hook: a redirect's target is decided like a new call. */
static int fetch_decide(void *ctx, const char *url)
{
	struct session *s = ctx;
	struct policy_decision *dec;
	json_t *input;
	int rc;

	if (!s->policy)
		return 0;
	input = json_pack("{s:s, s:s}", "url", url, "prompt", "");
	dec = malloc(sizeof(*dec));
	if (!input || !dec) {
		json_decref(input);
		free(dec);
		return -CORDON_ENOMEM;
	}
	rc = policy_decide(s->policy, "WebFetch", input, &s->ctx, dec) == POLICY_ALLOW ? 0 : 1;
	json_decref(input);
	free(dec);
	return rc;
}

/* A file name extension for a saved binary body, from its type. */
static const char *binary_ext(const char *type)
{
	static const char *const map[][2] = {
		{ "application/pdf", "pdf" }, { "image/png", "png" },   { "image/jpeg", "jpg" },
		{ "image/gif", "gif" },       { "image/webp", "webp" }, { "application/zip", "zip" },
		{ "application/gzip", "gz" }, { NULL, NULL },
	};
	size_t i;

	for (i = 0; map[i][0]; i++)
		if (!strncasecmp(type, map[i][0], strlen(map[i][0])))
			return map[i][1];
	return "bin";
}

/* The result text of a fetched page: a binary note, the prompt's answer, or the page itself. */
static int page_text(struct session *s, const struct fetch_page *p, const char *prompt, const char *id,
		     unsigned long seq, char **text, bool *is_error)
{
	session_fetch_apply_fn apply;
	void *apply_ctx;
	char size_s[32], *path = NULL, *why = NULL;
	int rc;

	*is_error = false;
	if (p->binary) {
		text_format_size(size_s, sizeof(size_s), p->binary_len);
		rc = save_output(s, seq, id, binary_ext(p->content_type), p->binary, p->binary_len, &path);
		if (rc == -CORDON_ENOMEM)
			return rc;
		rc = rc == 0 ? asprintf(text, "[Binary content (%s, %s) also saved to %s]", p->content_type[0] ? p->content_type : "unknown type", size_s, path)
			     : asprintf(text, "[Binary content (%s, %s); cordon could not save it: %s]",
					p->content_type[0] ? p->content_type : "unknown type", size_s, cordon_strerror(rc));
		free(path);
		return rc < 0 ? -CORDON_ENOMEM : 0;
	}
	pthread_mutex_lock(&s->lock);
	apply = s->fetch_raw ? NULL : s->fetch_apply;
	apply_ctx = s->fetch_apply_ctx;
	pthread_mutex_unlock(&s->lock);
	if (!apply || !p->content_len) {
		*text = strdup(p->content);
		return *text ? 0 : -CORDON_ENOMEM;
	}
	{
		struct session_fetch_page pg = { .url = p->url, .prompt = prompt, .content = p->content,
						 .content_len = p->content_len, .content_type = p->content_type,
						 .status = p->status };

		rc = apply(apply_ctx, &pg, &why);
	}
	if (rc == 0) {
		*text = why && *why ? why : strdup("No response from model");
		if (why && !*why)
			free(why);
		return *text ? 0 : -CORDON_ENOMEM;
	}
	*is_error = true;
	rc = asprintf(text, "WebFetch fetched %s but could not answer the prompt from it: %s", p->url,
		      why && *why ? why : cordon_strerror(rc));
	free(why);
	return rc < 0 ? -CORDON_ENOMEM : 0;
}

/* A WebFetch call once the policy allowed it (fetch.h does the rest). */
static int call_fetch(struct session *s, const struct tool_entry *t, const json_t *input, const char *id,
		      struct session_result *out)
{
	struct fetch_call c = { .run = fetch_child, .decide = fetch_decide, .cancel_fd = s->cancel_fd };
	struct fetch_outcome o = { 0 };
	json_t *valid = NULL, *res = NULL;
	char *verr = NULL, *text = NULL, idbuf[40];
	unsigned long seq;
	bool is_error = false;
	int rc;

	/* The child validates too; the supervisor needs the URL before any child runs. */
	rc = input_validate(&valid, &verr, t->name, t->fields, input);
	if (rc == -CORDON_EINVAL) {
		rc = text_out(out, verr, true);
		goto out;
	}
	if (rc < 0)
		goto out;
	pthread_mutex_lock(&s->lock);
	seq = ++s->seq;
	pthread_mutex_unlock(&s->lock);
	if (!id) {
		snprintf(idbuf, sizeof(idbuf), "toolu_cordon_%lu", seq);
		id = idbuf;
	}
	c.url = input_str(valid, "url");
	c.prompt = input_str(valid, "prompt");
	c.run_ctx = c.decide_ctx = s;
	rc = fetch_run(s->fetch, &c, &o);
	if (rc < 0)
		goto out;
	out->cancelled = o.cancelled;
	if (o.sandbox_failed) {
		rc = text_out(out, "the tool's sandbox failed (its warden died); the call did not run", true);
		goto out;
	}
	if (o.kind == FETCH_TEXT) {
		text = o.text;
		o.text = NULL;
		is_error = o.is_error;
	} else if ((rc = page_text(s, &o.page, c.prompt, id, seq, &text, &is_error)) < 0) {
		goto out;
	}
	res = json_pack("{s:s, s:b}", "content", text ? text : "", "is_error", is_error);
	if (!res) {
		rc = -CORDON_ENOMEM;
		goto out;
	}
	rc = shape(s, t, seq, id, res);
	if (rc == 0) {
		out->content = json_incref(json_object_get(res, "content"));
		out->is_error = json_is_true(json_object_get(res, "is_error"));
	}
out:
	fetch_outcome_release(&o);
	json_decref(res);
	json_decref(valid);
	free(verr);
	free(text);
	if (rc < 0)
		session_result_release(out);
	return rc;
}

/* ---- Bash and its background commands ---------------------------------------- */

/* tasks.h's way to run a call: the session's sandbox, counted in flight, a dead warden recorded. */
static int task_exec(void *ctx, const struct sandbox_call *call, struct sandbox_result *out)
{
	struct session *s = ctx;
	struct toolrun *tr;
	int rc;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&s->lock);
	if (s->dead || !s->tr) {
		pthread_mutex_unlock(&s->lock);
		return -CORDON_EPROTO;
	}
	tr = s->tr;
	s->inflight++;
	pthread_mutex_unlock(&s->lock);
	rc = toolrun_exec(tr, call, out);
	return call_ended(s, rc);
}

/* Whether dir (absolute, normal) is a working directory of the session, or below one. */
static bool in_working_dirs(const struct session *s, const char *dir)
{
	size_t i;

	if (path_within(dir, s->workspace) || path_within(dir, s->workspace_real))
		return true;
	for (i = 0; s->policy && i < s->policy->additional_dirs.n; i++) {
		const char *a = s->policy->additional_dirs.v[i];
		char real[PATH_MAX];

		if (path_within(dir, a) || (realpath(a, real) && path_within(dir, real)))
			return true;
	}
	return false;
}

/*
 * Where the shell goes after a command reported dir: there, when it is a
 * directory in the working directories; else back to the project root, as
 * the reference does, and *reset says so. The report is the command's word
 * (it could print any path on fd 3 it can name): it is checked here like any
 * cd the model could make, and moves nothing but the next call's start.
 */
static void settle_cwd(struct session *s, const char *dir, bool *reset)
{
	char norm[PATH_NORM_MAX + 1];
	struct stat st;
	char *copy;

	*reset = false;
	if (path_normalize(norm, sizeof(norm), dir, NULL) == 0 && in_working_dirs(s, norm) && stat(norm, &st) == 0 &&
	    S_ISDIR(st.st_mode)) {
		copy = strdup(norm);
	} else {
		copy = strdup(s->workspace);
		*reset = true;
	}
	if (!copy)
		return;
	pthread_mutex_lock(&s->lock);
	free(s->shell_cwd);
	s->shell_cwd = copy;
	pthread_mutex_unlock(&s->lock);
}

static const char *signal_abbrev(int sig, char *buf, size_t size)
{
	const char *a = sigabbrev_np(sig);

	snprintf(buf, size, "SIG%s", a ? a : "?");
	return buf;
}

/* One line of printable text (a name or an address from a config file) or "". */
static void identity_clean(char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x20 || *p == 0x7f) {
			v[0] = '\0';
			return;
		}
}

/*
 * The user's git identity for Bash's commands (session_opts.git_identity),
 * asked once; nothing when the environment already names one (it passes
 * into children as it is). Afterwards s->git_name and s->git_email ("" =
 * none) never change, so calls read them without the lock.
 */
static void ask_git_identity(struct session *s)
{
	pthread_mutex_lock(&s->lock);
	if (!s->identity_done) {
		s->identity_done = true;
		if (s->git_identity && !getenv("GIT_AUTHOR_NAME") && !getenv("GIT_COMMITTER_NAME") &&
		    !getenv("GIT_AUTHOR_EMAIL") && !getenv("GIT_COMMITTER_EMAIL")) {
			s->git_identity(s->git_name, sizeof(s->git_name), s->git_email, sizeof(s->git_email));
			identity_clean(s->git_name);
			identity_clean(s->git_email);
		}
	}
	pthread_mutex_unlock(&s->lock);
}

/* One foreground command: run it, settle the shell's directory, format the result. */
static int run_bash(struct session *s, const char *command, const char *cwd, const char *tmp, unsigned proxy_port,
		    unsigned timeout_ms, bool was_reset, struct buf *text, bool *is_error, struct session_result *out)
{
	struct bash_spec spec = { .command = command, .cwd = cwd, .timeout_ms = timeout_ms, .out_fd = -1,
				  .cancel_fd = s->cancel_fd, .git_name = s->git_name, .git_email = s->git_email };
	struct bashfmt_run fr = { .command = command, .cap = BASH_MAX_CAPTURE, .timeout_ms = timeout_ms,
				  .egress = proxy_port != 0 };
	struct sandbox_result sr;
	struct bash_call bc;
	char dir[PATH_MAX], sig[24];
	bool reset = false;
	int rc;

	spec.tmp = tmp;
	spec.proxy_port = proxy_port;
	rc = bash_call_init(&bc, &spec);
	if (rc < 0)
		return rc;
	rc = task_exec(s, &bc.call, &sr);
	bash_call_release(&bc);
	if (rc == -CORDON_EPROTO) {
		*is_error = true;
		rc = buf_puts(text, "the tool's sandbox failed (its warden died); the command did not run to its end");
		goto out;
	}
	if (rc < 0)
		goto out;
	if (sr.end == SANDBOX_CANCELLED) {
		out->cancelled = true;
		*is_error = true;
		rc = buf_puts(text, "the call was cancelled: cordon is stopping");
		goto out;
	}
	fr.output = sr.out.data;
	fr.len = sr.out.len;
	fr.truncated = sr.out_truncated;
	fr.notices = sr.notices.len ? sr.notices.data : NULL;
	switch (sr.end) {
	case SANDBOX_EXITED:
		fr.exit_code = sr.exit_code;
		break;
	case SANDBOX_TIMEOUT:
		fr.timed_out = true;
		fr.exit_code = 143;
		break;
	case SANDBOX_SETUP:
		fr.refused = sr.setup_error;
		fr.exit_code = sr.exit_code;
		break;
	default: /* the shell itself died of a signal (a limit, a refused system call) */
		fr.exit_code = 128 + sr.signal;
		fr.signal_name = signal_abbrev(sr.signal, sig, sizeof(sig));
		break;
	}
	/* The shell's directory when the command succeeded (bash.h), checked before the next call uses it. */
	if (sr.end == SANDBOX_EXITED && sr.exit_code == 0 && bash_report_cwd(sr.err.data, sr.err.len, dir, sizeof(dir)) == 1)
		settle_cwd(s, dir, &reset);
	if (reset || was_reset)
		fr.cwd_reset = s->workspace;
	rc = bashfmt_result(text, is_error, &fr);
out:
	sandbox_result_release(&sr);
	return rc;
}

/* A text made here (Bash's, the background tasks') as the call's result, shaped (capped, saved) like any other. */
static int text_result(struct session *s, const struct tool_entry *t, unsigned long seq, const char *id,
		       const struct buf *text, bool is_error, struct session_result *out)
{
	json_t *res = json_pack("{s:s%, s:b}", "content", text->data ? text->data : "", text->len, "is_error",
				is_error);
	int rc;

	if (!res)
		return -CORDON_ENOMEM;
	rc = shape(s, t, seq, id, res);
	if (rc == 0) {
		out->content = json_incref(json_object_get(res, "content"));
		out->is_error = json_is_true(json_object_get(res, "is_error"));
	}
	json_decref(res);
	return rc;
}

/* A Bash call once the policy allowed it: exactly the command the policy judged runs. */
static int call_bash(struct session *s, const struct tool_entry *t, const json_t *input, const struct policy_ctx *ctx,
		     const char *id, unsigned long seq, struct session_result *out)
{
	json_t *valid = NULL;
	char *verr = NULL;
	struct buf cmd, text;
	long long timeout;
	bool is_error = false, was_reset = false;
	const char *cwd;
	char tmp[PATH_MAX] = "";
	unsigned proxy_port = 0;
	struct stat st;
	int rc;

	buf_init(&cmd, CATALOG_MAX_COMMAND + 1);
	buf_init(&text, BUF_NOMAX);
	/* The child validates the other tools' input; a command has no child of ours, so it is done here. */
	rc = input_validate(&valid, &verr, t->name, t->fields, input);
	if (rc == -CORDON_EINVAL) {
		rc = text_out(out, verr, true);
		goto out;
	}
	if (rc < 0)
		goto out;
	rc = policy_bash_command(ctx, input_str(valid, "command"), &cmd);
	if (rc < 0)
		goto out;
	/* The reference's limits: the default when none (or none that makes sense), larger ones clamped. */
	timeout = input_int(valid, "timeout", 0);
	if (timeout <= 0)
		timeout = CATALOG_BASH_TIMEOUT_MS;
	if (timeout > CATALOG_BASH_MAX_TIMEOUT_MS)
		timeout = CATALOG_BASH_MAX_TIMEOUT_MS;
	/* The sandbox's tmp as commands see it, read while the sandbox cannot be swapped (reopen). */
	pthread_mutex_lock(&s->lock);
	if (s->tr) {
		snprintf(tmp, sizeof(tmp), "%s", toolrun_tmp(s->tr));
		proxy_port = egress_port_locked(s);
	}
	pthread_mutex_unlock(&s->lock);
	if (!tmp[0]) {
		rc = text_out(out, "Bash needs the sandbox, and this session runs its tools without one", true);
		goto out;
	}
	/* A directory a command removed cannot be started in: back to the project root, and say so. */
	cwd = ctx->cwd;
	if (stat(cwd, &st) < 0 || !S_ISDIR(st.st_mode)) {
		bool reset;

		settle_cwd(s, s->workspace, &reset);
		cwd = s->workspace;
		was_reset = true;
	}
	ask_git_identity(s);
	if (input_bool(valid, "run_in_background", false)) {
		struct task_spec ts = { .command = cmd.data, .description = input_str(valid, "description"),
					.cwd = cwd, .tmp = tmp, .proxy_port = proxy_port,
					.git_name = s->git_name, .git_email = s->git_email, .tool_use_id = id };

		rc = tasks_start(s->tasks, &ts, &text, &is_error);
	} else {
		rc = run_bash(s, cmd.data, cwd, tmp, proxy_port, (unsigned)timeout, was_reset, &text, &is_error, out);
	}
	if (rc < 0)
		goto out;
	rc = text_result(s, t, seq, id, &text, is_error, out);
out:
	json_decref(valid);
	free(verr);
	buf_release(&cmd);
	buf_release(&text);
	if (rc < 0)
		session_result_release(out);
	return rc;
}

/* TaskOutput and TaskStop: the supervisor's own, on the session's background commands. */
static int call_task(struct session *s, const struct tool_entry *t, const json_t *input, const char *id,
		     unsigned long seq, struct session_result *out)
{
	json_t *valid = NULL, *folded = NULL;
	char *verr = NULL;
	struct buf text;
	bool is_error = false;
	long long wait;
	int rc;

	buf_init(&text, BUF_NOMAX);
	/* KillShell's shell_id is TaskStop's task_id (the row's aliases). */
	folded = json_is_object(input) ? json_deep_copy(input) : json_incref((json_t *)input);
	for (size_t i = 0; folded && json_is_object(folded) && t->aliases && t->aliases[i][0]; i++) {
		json_t *v = json_object_get(folded, t->aliases[i][0]);

		if (v && !json_object_get(folded, t->aliases[i][1]))
			json_object_set(folded, t->aliases[i][1], v);
		json_object_del(folded, t->aliases[i][0]);
	}
	rc = input_validate(&valid, &verr, t->name, t->fields, folded);
	if (rc == -CORDON_EINVAL) {
		rc = text_out(out, verr, true);
		goto out;
	}
	if (rc < 0)
		goto out;
	if (!strcmp(t->name, "TaskStop")) {
		rc = tasks_stop(s->tasks, input_str(valid, "task_id"), &text, &is_error);
	} else {
		wait = input_int(valid, "timeout", CATALOG_TASK_WAIT_MS);
		if (wait > CATALOG_TASK_MAX_WAIT_MS)
			wait = CATALOG_TASK_MAX_WAIT_MS;
		rc = tasks_output(s->tasks, input_str(valid, "task_id"), input_bool(valid, "block", true),
				  (unsigned)(wait < 0 ? 0 : wait), &text, &is_error);
	}
	if (rc < 0)
		goto out;
	rc = text_result(s, t, seq, id, &text, is_error, out);
out:
	json_decref(valid);
	json_decref(folded);
	free(verr);
	buf_release(&text);
	if (rc < 0)
		session_result_release(out);
	return rc;
}

json_t *session_take_notifications(struct session *s)
{
	return s->tasks ? tasks_take_notifications(s->tasks) : json_array();
}

/* ---- a call --------------------------------------------------------------------- */

int session_call(struct session *s, const char *name, const json_t *input, const char *tool_use_id,
		 struct session_result *out)
{
	const struct tool_entry *t;
	char path[PATH_NORM_MAX + 1], idbuf[40], msg[512], cwd[PATH_NORM_MAX + 1];
	struct policy_ctx ctx;
	json_t *req = NULL, *res = NULL;
	session_runner_fn runner;
	void *runner_ctx;
	unsigned long seq;
	int rc;

	memset(out, 0, sizeof(*out));
	if (atomic_load(&s->cancelled)) {
		out->cancelled = true;
		return text_out(out, "the call was cancelled: cordon is stopping", true);
	}
	t = catalog_find(name);
	if (!t || !t->builtin) {
		snprintf(msg, sizeof(msg), "<tool_use_error>Error: No such tool available: %.200s</tool_use_error>",
			 name ? name : "");
		return text_out(out, msg, true);
	}
	/* Where the shell is now: this call is judged and run there, whatever a concurrent cd does. */
	pthread_mutex_lock(&s->lock);
	snprintf(cwd, sizeof(cwd), "%s", s->shell_cwd);
	pthread_mutex_unlock(&s->lock);
	ctx = s->ctx;
	ctx.cwd = cwd;
	rc = decide(s, &ctx, t, input, path, sizeof(path), out);
	if (rc != 0)
		return rc < 0 ? rc : 0;
	if (t->profile == PROFILE_FETCH)
		return call_fetch(s, t, input, tool_use_id, out);

	pthread_mutex_lock(&s->lock);
	seq = ++s->seq;
	if (s->dead && t->site != SITE_SUPERVISOR) {
		pthread_mutex_unlock(&s->lock);
		return text_out(out, "the tool's sandbox is gone (its warden died); the call did not run", true);
	}
	pthread_mutex_unlock(&s->lock);
	if (!tool_use_id) {
		snprintf(idbuf, sizeof(idbuf), "toolu_cordon_%lu", seq);
		tool_use_id = idbuf;
	}
	if (t->site == SITE_COMMAND)
		return call_bash(s, t, input, &ctx, tool_use_id, seq, out);
	if (t->site == SITE_SUPERVISOR)
		return call_task(s, t, input, tool_use_id, seq, out);

	pthread_mutex_lock(&s->lock);
	req = build_request(s, t, input, cwd, path);
	runner = s->runner ? s->runner : run_child;
	runner_ctx = s->runner ? s->runner_ctx : s->tr;
	if (req)
		s->inflight++;
	pthread_mutex_unlock(&s->lock);
	if (!req)
		return -CORDON_ENOMEM;
	rc = add_deny_paths(s, &ctx, t, req);
	if (rc == 0)
		rc = runner(runner_ctx, t->profile, req, -1, s->cancel_fd, &res);

	pthread_mutex_lock(&s->lock);
	s->inflight--;
	if (rc == -CORDON_EPROTO) {
		/* The sandbox itself failed: report it, refuse calls until reopened. */
		if (!s->dead)
			s->deaths++;
		s->dead = true;
		pthread_mutex_unlock(&s->lock);
		json_decref(req);
		return text_out(out, "the tool's sandbox failed (its warden died); the call did not run", true);
	}
	if (rc < 0)
		goto unlock;
	if (!json_is_object(res) || !(json_is_string(json_object_get(res, "content")) ||
				      json_is_array(json_object_get(res, "content")))) {
		json_decref(res);
		res = json_pack("{s:s, s:b}", "content", "the tool's child process returned no result", "is_error", 1);
		if (!res) {
			rc = -CORDON_ENOMEM;
			goto unlock;
		}
	}
	out->cancelled = json_is_true(json_object_get(res, "cancelled"));
	out->effects = out->cancelled ? NULL : apply_effects(s, t, path[0] ? path : NULL, res);
	pthread_mutex_unlock(&s->lock);
	json_object_del(res, "effects");
	rc = shape(s, t, seq, tool_use_id, res);
	if (rc == 0) {
		out->content = json_incref(json_object_get(res, "content"));
		out->is_error = json_is_true(json_object_get(res, "is_error"));
	}
	goto out;
unlock:
	pthread_mutex_unlock(&s->lock);
out:
	json_decref(res);
	json_decref(req);
	if (rc < 0)
		session_result_release(out);
	return rc;
}
