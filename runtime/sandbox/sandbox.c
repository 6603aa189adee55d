/*
 * sandbox.c — supervisor side of the session sandbox (see sandbox.h).
 */
#include "runtime/sandbox/sandbox.h"
#include "common/error.h"
#include "common/placeholder.h"
#include "common/secret.h"
#include "runtime/sandbox/landlock.h"
#include "runtime/sandbox/sandbox_ipc.h"
#include "runtime/sandbox/sentinel.h"
#include "runtime/sandbox/survey.h"
#include "runtime/sandbox/wsscan.h"
#include "runtime/sandbox/warden.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define READY_TIMEOUT_MS 15000
#define RESULT_GRACE_MS 15000
#define DEFAULT_TIMEOUT_MS 120000u
#define DEFAULT_MAX_OUTPUT (10u << 20)
#define DEFAULT_MAX_REPLY (16u << 20)
#define DEFAULT_TMP_SIZE (512ull << 20)
/* Requests up to this many payload bytes are queued before the warden is told (sandbox_run()). */
#define SEND_FIRST_MAX (32u << 10)

struct sandbox {
	int ctl;
	pid_t warden;
	unsigned layers;
	unsigned require;
	char reason[256];
	struct warden_config cfg;
	char **env; /* the allowlisted part of our environment, for the warden */
	struct pins pins;      /* what the view pins in the workspace (survey.h) */
	char **ph_paths;       /* the placeholders the warden made, absolute, NULL-terminated */
	size_t nph;
	char **roots;          /* our copy of opts.read_roots (the warden wipes argv) */
	char **hide;           /* our copy of opts.hide, re-anchored on the real workspace */
	bool survey_truncated; /* the workspace was too large to survey whole */
	struct sentinel *sentinel; /* what commands leave behind (sentinel.h); under lock */
	pthread_mutex_t lock;
	/*
	 * The warden's ready message (sandbox_ready()): 0 not received yet, 1
	 * the session is open, < 0 it failed to open (that code; the warden
	 * is reaped). ready_msg is sandbox_ready()'s diag. Under ready_lock.
	 */
	pthread_mutex_t ready_lock;
	int ready;
	char ready_msg[CORDON_DIAG_MSG];
	unsigned require_open;  /* sandbox_start()'s opts.require and no_namespaces, for sandbox_ready() */
	bool no_namespaces;
	/*
	 * Per profile, the call pipe of a spare of its exec'd kind the warden
	 * gave us with a result (sandbox_ipc.h, tickets), -1 when none; the
	 * next eligible call of that profile is written straight into it.
	 * Under ticket_lock.
	 */
	pthread_mutex_t ticket_lock;
	int ticket_fd[PROFILE__COUNT];
	uint32_t ticket_id[PROFILE__COUNT];
	unsigned egress_port; /* sbx_ready.egress_port of a namespaced session, else 0 */
};

/* Remove the placeholders that are still empty (anything with content is the user's now), deepest first. */
static void remove_placeholders(struct sandbox *sb)
{
	struct stat st;
	size_t i;

	for (i = sb->nph; i-- > 0;) {
		if (lstat(sb->ph_paths[i], &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			rmdir(sb->ph_paths[i]);
		else if (S_ISREG(st.st_mode) && st.st_size == 0)
			unlink(sb->ph_paths[i]);
	}
}

/*
 * Keep only the placeholders the warden made (missing at the survey, an
 * empty file or directory now; a parent that is missing or a symlink got
 * none), and list them.
 */
static int list_placeholders(struct sandbox *sb, bool made)
{
	struct stat st;
	size_t i;

	sb->ph_paths = calloc(sb->pins.n + 1, sizeof(char *));
	if (!sb->ph_paths)
		return -CORDON_ENOMEM;
	for (i = 0; made && i < sb->pins.n; i++) {
		const struct pin *p = &sb->pins.v[i];

		if (p->kind != PIN_PLACEHOLDER_DIR && p->kind != PIN_PLACEHOLDER_FILE)
			continue;
		if (lstat(p->path, &st) < 0 ||
		    !((p->kind == PIN_PLACEHOLDER_DIR && S_ISDIR(st.st_mode)) ||
		      (p->kind == PIN_PLACEHOLDER_FILE && S_ISREG(st.st_mode) && st.st_size == 0)))
			continue;
		if (!(sb->ph_paths[sb->nph] = strdup(p->path)))
			return -CORDON_ENOMEM;
		sb->nph++;
	}
	return 0;
}

static void await_ready(const struct sandbox *sb);

const char *const *sandbox_placeholders(const struct sandbox *sb)
{
	static const char *const none[] = { NULL };

	await_ready(sb);
	return sb->ph_paths ? (const char *const *)sb->ph_paths : none;
}

const char *sandbox_workspace(const struct sandbox *sb)
{
	return sb->cfg.workspace;
}

const char *sandbox_tmp(const struct sandbox *sb)
{
	await_ready(sb);
	return (sb->layers & LAYER_BIT(LAYER_MOUNTNS)) ? "/tmp" : sb->cfg.session_tmp;
}

/* Whether path is dir or lies below it (both absolute and normal). */
static bool within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 1)
		return true;
	return !strncmp(path, dir, n) && (path[n] == '\0' || path[n] == '/');
}

/* Absolute and lexically normal: no "//", "." or ".." segment, no trailing '/'. */
static bool lexically_normal(const char *p)
{
	const char *s;

	if (p[0] != '/' || !p[1])
		return false;
	for (s = p; *s; s++) {
		if (*s != '/')
			continue;
		if (s[1] == '/' || s[1] == '\0')
			return false;
		if (s[1] == '.' && (s[2] == '/' || !s[2] || (s[2] == '.' && (s[3] == '/' || !s[3]))))
			return false;
	}
	return true;
}

/*
 * Copy opts.hide for the warden, re-anchoring paths below the workspace as
 * the caller named it on the workspace's real path (the one the view binds).
 */
static int copy_hide(struct sandbox *sb, const struct sandbox_opts *opts, struct cordon_diag *diag)
{
	const char *ws = sb->cfg.workspace;
	size_t i, n;

	if (opts->n_hide > SANDBOX_MAX_HIDE) {
		diag_set(diag, 0, 0, "too many paths to hide: %zu (at most %d)", opts->n_hide, SANDBOX_MAX_HIDE);
		return -CORDON_EINVAL;
	}
	sb->hide = calloc(opts->n_hide + 1, sizeof(char *));
	if (!sb->hide)
		return -CORDON_ENOMEM;
	for (i = 0; i < opts->n_hide; i++) {
		const char *p = opts->hide[i];

		if (!p || !lexically_normal(p)) {
			diag_set(diag, 0, 0, "cannot hide '%s': not an absolute, normal path other than /",
				 p ? p : "(null)");
			return -CORDON_EINVAL;
		}
		n = strlen(opts->workspace);
		while (n > 1 && opts->workspace[n - 1] == '/')
			n--;
		if (n > 1 && !strncmp(p, opts->workspace, n) && (p[n] == '/' || !p[n])) {
			if (asprintf(&sb->hide[i], "%s%s", ws, p + n) < 0) {
				sb->hide[i] = NULL;
				return -CORDON_ENOMEM;
			}
		} else if (!(sb->hide[i] = strdup(p))) {
			return -CORDON_ENOMEM;
		}
		/* Covering the workspace (or above) would hide the whole session. */
		if (within(ws, sb->hide[i]) || within(opts->workspace, p)) {
			diag_set(diag, 0, 0, "cannot hide '%s': it holds the workspace", p);
			return -CORDON_EINVAL;
		}
	}
	sb->cfg.hide = (const char *const *)sb->hide;
	sb->cfg.n_hide = opts->n_hide;
	return 0;
}

static atomic_uint session_counter;

/*
 * Why a workspace cannot be one (NULL when it can), for the diag. "/", a
 * system directory or an ancestor of one would make the system writable
 * (Landlock rules add up down the tree). A directory every user shares
 * (/tmp, /var/tmp, /dev/shm, /run, or any world-writable one) or one that
 * holds other users' homes or the host's state (/home, /root, /var, /srv,
 * /mnt, /media) would put their files and live sockets (a tmux server's,
 * an ssh agent's, a database's) in the sandbox's reach: a tmux socket in
 * /tmp ran a command outside the sandbox. The user's own home holds their
 * shell, ssh and tool configuration, which a command would change for
 * every later login.
 */
static const char *workspace_refused(const char *ws, const struct stat *st)
{
	static const char *const shared[] = { "/proc", "/dev", "/sys", "/run", "/boot", "/tmp", "/var/tmp",
					      "/dev/shm", "/home", "/root", "/var", "/srv", "/mnt",
					      "/media", "/lost+found", NULL };
	const char *const *lists[] = { profile_system_dirs(), shared };
	size_t n = strlen(ws), i;
	const char *const *d;
	struct passwd *pw;
	char home[PATH_MAX];

	if (!strcmp(ws, "/"))
		return "it is the root directory";
	for (i = 0; i < 2; i++)
		for (d = lists[i]; *d; d++)
			if (!strncmp(*d, ws, n) && ((*d)[n] == '\0' || (*d)[n] == '/'))
				return i == 0 ? "it is or contains a system directory"
					      : "it is or contains a directory shared with the system or other users "
						"(their files and live sockets would be in reach)";
	if (st->st_mode & S_IWOTH)
		return "it is writable by every user (a shared directory: other users' files and sockets)";
	pw = getpwuid(geteuid());
	if (pw && pw->pw_dir && pw->pw_dir[0] == '/' && realpath(pw->pw_dir, home) &&
	    !strncmp(home, ws, n) && (home[n] == '\0' || home[n] == '/'))
		return "it is or contains your home directory (your shell, ssh and tool configuration); "
		       "use a project directory";
	return NULL;
}

static void free_env(char **env)
{
	char **e;

	for (e = env; e && *e; e++)
		free(*e);
	free(env);
}

/* The allowlisted variables of the supervisor's environment (copied). */
static char **collect_env(void)
{
	size_t n = 0, k = 0;
	char **e, **out;

	for (e = environ; e && *e; e++)
		n++;
	out = calloc(n + 1, sizeof(char *));
	if (!out)
		return NULL;
	for (e = environ; e && *e; e++) {
		char name[128];
		size_t len = strcspn(*e, "=");

		if (!(*e)[len] || len >= sizeof(name))
			continue;
		memcpy(name, *e, len);
		name[len] = '\0';
		if (!profile_env_allowed(name))
			continue;
		out[k] = strdup(*e);
		if (!out[k]) {
			free_env(out);
			return NULL;
		}
		k++;
	}
	return out;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void reap_warden(struct sandbox *sb)
{
	struct pollfd pfd;
	int i, rounds = 200;

	if (sb->ctl >= 0) {
		close(sb->ctl);
		sb->ctl = -1;
	}
	if (sb->warden <= 0)
		return;
	/*
	 * EOF on the control socket makes the warden kill every call and exit:
	 * wait on a pidfd (up to 2 s; polling in 10 ms steps where there is none).
	 */
	pfd.fd = (int)syscall(SYS_pidfd_open, sb->warden, 0);
	pfd.events = POLLIN;
	if (pfd.fd >= 0) {
		while (poll(&pfd, 1, 2000) < 0 && errno == EINTR)
			;
		close(pfd.fd);
		rounds = 1;
	}
	for (i = 0; i < rounds; i++) {
		pid_t w = waitpid(sb->warden, NULL, WNOHANG);

		if (w == sb->warden || (w < 0 && errno != EINTR))
			break;
		if (i + 1 < rounds)
			usleep(10000);
	}
	if (i == rounds) {
		kill(sb->warden, SIGKILL);
		while (waitpid(sb->warden, NULL, 0) < 0 && errno == EINTR)
			;
	}
	sb->warden = -1;
}

/* Fork the warden; its ready message comes later (wait_warden()). */
static int fork_warden_only(struct sandbox *sb)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -CORDON_ESYS;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -CORDON_ESYS;
	}
	if (pid == 0) {
		close(sv[0]);
		warden_main(sv[1], &sb->cfg);
	}
	close(sv[1]);
	sb->ctl = sv[0];
	sb->warden = pid;
	return 0;
}

/* The warden's ready message (or why there is none: it is reaped then). */
static int wait_warden(struct sandbox *sb, struct sbx_ready *rd)
{
	int r = sbx_recv_msg(sb->ctl, rd, sizeof(*rd), READY_TIMEOUT_MS);

	if (r == 0 && rd->magic != SBX_MAGIC)
		r = -CORDON_EPROTO;
	if (r < 0)
		reap_warden(sb);
	rd->reason[sizeof(rd->reason) - 1] = '\0';
	return r;
}

static int fork_warden(struct sandbox *sb, struct sbx_ready *rd)
{
	int r = fork_warden_only(sb);

	return r < 0 ? r : wait_warden(sb, rd);
}

/* Where program i of the seccomp session set (seccomp.h) lives in the config. */
static struct seccomp_prog *set_slot(struct warden_config *cfg, unsigned i)
{
	if (i < SECCOMP_SET_ZYGOTE)
		return &cfg->prog_fn[i - SECCOMP_SET_FN];
	if (i < SECCOMP_SET_SPAWNED)
		return &cfg->prog_zygote[i - SECCOMP_SET_ZYGOTE];
	if (i == SECCOMP_SET_SPAWNED)
		return &cfg->prog_spawned;
	if (i == SECCOMP_SET_NOTIFIER)
		return &cfg->prog_notifier;
	return &cfg->prog_exec[(i - SECCOMP_SET_EXEC) / 3][(i - SECCOMP_SET_EXEC) % 3];
}

/* Every program of the session (the build's when they are this libseccomp's: seccomp_set_prog()). */
static int compile_all(struct warden_config *cfg, struct cordon_diag *diag)
{
	struct cordon_diag d;
	unsigned i;
	int r;

	diag_clear(&d);
	for (i = 0; i < SECCOMP_SET_COUNT; i++) {
		r = seccomp_set_prog(set_slot(cfg, i), i, NULL, &d);
		if (r < 0) {
			diag_set(diag, 0, 0, "cannot compile the seccomp filters: %s", d.msg);
			return r;
		}
	}
	return 0;
}

/*
 * Everything sandbox_open() does before the warden is forked: checks, the
 * seccomp set, the environment, the temp dir, cgroups, the survey. On
 * failure *out is NULL and everything is released.
 */
static int prepare(struct sandbox **out, const struct sandbox_opts *opts, struct cordon_diag *diag)
{
	struct sandbox *sb;
	struct stat st;
	char name[64];
	const char *why;
	int r, p;

	*out = NULL;
	if (diag)
		diag_clear(diag);
	if (!opts->workspace || opts->workspace[0] != '/')
		return -CORDON_EINVAL;
	/* The warden is a fork of this process: once a secret may be in our
	 * memory, forking one would copy it into the sandbox (common/secret.h). */
	if (secret_latched())
		return -CORDON_EDENIED;
	sb = calloc(1, sizeof(*sb));
	if (!sb)
		return -CORDON_ENOMEM;
	sb->ctl = -1;
	sb->warden = -1;
	sb->require = opts->require;
	pins_init(&sb->pins);
	pthread_mutex_init(&sb->lock, NULL);
	pthread_mutex_init(&sb->ready_lock, NULL);
	pthread_mutex_init(&sb->ticket_lock, NULL);
	for (p = 0; p < PROFILE__COUNT; p++)
		sb->ticket_fd[p] = -1;
	for (p = 0; p < CGROUP_MAX_HIER; p++)
		sb->cfg.cg.dirfd[p] = -1;
	sb->cfg.egress_fd = -1;
	/* Our own copy: a degraded retry forks a second warden with it (sandbox_open()). */
	if (opts->egress && (opts->egress_fd < 0 ||
			     (sb->cfg.egress_fd = fcntl(opts->egress_fd, F_DUPFD_CLOEXEC, 3)) < 0)) {
		r = -CORDON_ESYS;
		goto fail;
	}
	if (!realpath(opts->workspace, sb->cfg.workspace) || stat(sb->cfg.workspace, &st) < 0) {
		r = -CORDON_ESYS;
		goto fail;
	}
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		r = -CORDON_ESYS;
		goto fail;
	}
	if ((why = workspace_refused(sb->cfg.workspace, &st))) {
		diag_set(diag, 0, 0, "refusing workspace '%s': %s", sb->cfg.workspace, why);
		r = -CORDON_EINVAL;
		goto fail;
	}
	/* A copy: the caller's strings may live in argv, which the warden wipes. */
	for (p = 0; opts->read_roots && opts->read_roots[p]; p++)
		;
	sb->roots = calloc((size_t)p + 1, sizeof(char *));
	if (!sb->roots) {
		r = -CORDON_ENOMEM;
		goto fail;
	}
	for (p = 0; opts->read_roots && opts->read_roots[p]; p++)
		if (!(sb->roots[p] = strdup(opts->read_roots[p]))) {
			r = -CORDON_ENOMEM;
			goto fail;
		}
	sb->cfg.read_roots = (const char *const *)sb->roots;
	r = copy_hide(sb, opts, diag);
	if (r < 0)
		goto fail;
	sb->cfg.tmp_size = opts->tmp_size ? opts->tmp_size : DEFAULT_TMP_SIZE;
	/* The cache (sandbox.h): its real path, never the workspace, inside it or above it. */
	if (opts->cache_dir && (!realpath(opts->cache_dir, sb->cfg.cache_dir) ||
				within(sb->cfg.cache_dir, sb->cfg.workspace) ||
				within(sb->cfg.workspace, sb->cfg.cache_dir)))
		sb->cfg.cache_dir[0] = '\0';
	sb->cfg.uid = geteuid();
	sb->cfg.gid = getegid();
	sb->cfg.landlock_abi = landlock_abi();
	sb->cfg.seccomp_ok = seccomp_probe() == 1;
	sb->cfg.fns = opts->fns;
	sb->cfg.n_fns = opts->n_fns;
	r = compile_all(&sb->cfg, diag);
	if (r < 0)
		goto fail;
	sb->env = collect_env();
	if (!sb->env) {
		r = -CORDON_ENOMEM;
		goto fail;
	}
	sb->cfg.base_env = sb->env;
	if (snprintf(sb->cfg.session_tmp, sizeof(sb->cfg.session_tmp), "%.3800s/cordon-session.XXXXXX",
		     access("/tmp", W_OK) == 0 ? "/tmp" : sb->cfg.workspace) >=
		    (int)sizeof(sb->cfg.session_tmp) ||
	    !mkdtemp(sb->cfg.session_tmp)) {
		sb->cfg.session_tmp[0] = '\0';
		r = -CORDON_ESYS;
		goto fail;
	}
	snprintf(name, sizeof(name), "cordon.%ld.%u", (long)getpid(),
		 atomic_fetch_add(&session_counter, 1));
	cgroup_session_open(&sb->cfg.cg, name);

	sb->cfg.use_namespaces = !opts->no_namespaces;
	sb->cfg.placeholders = !opts->no_placeholders;
	/*
	 * Who owns the placeholders the warden makes: this process (it
	 * removes them at sandbox_close()); a later session removes them
	 * if it is killed (survey.h). Without /proc they go unmarked.
	 */
	if (placeholder_mark_self(sb->cfg.placeholder_mark, sizeof(sb->cfg.placeholder_mark)) < 0)
		sb->cfg.placeholder_mark[0] = '\0';
	sb->cfg.one_call = opts->one_call;
	{
		struct survey_opts so = { sb->cfg.placeholders && sb->cfg.use_namespaces, opts->no_git };
		bool truncated = false;

		/*
		 * What the view pins and hides in the workspace, found before
		 * the warden is forked (it builds the view from this list), and
		 * the sentinel's watches and snapshot (in every mode: without a
		 * mount namespace nothing is pinned, but what commands create
		 * is still caught).
		 */
		r = sentinel_open(&sb->sentinel, sb->cfg.workspace);
		if (r == 0)
			r = survey_workspace(&sb->pins, sb->cfg.workspace, &so, sentinel_hooks(sb->sentinel),
					     &truncated);
		if (r < 0) {
			diag_set(diag, 0, 0, "cannot survey the workspace '%s' for the paths to pin: %s",
				 sb->cfg.workspace, cordon_strerror(r));
			goto fail;
		}
		sb->survey_truncated = truncated;
		if (sb->cfg.use_namespaces) {
			sb->cfg.pins = sb->pins.v;
			sb->cfg.npins = sb->pins.n;
		}
	}
	*out = sb;
	return 0;
fail:
	{
		int saved = errno;

		sandbox_close(sb);
		errno = saved;
	}
	return r;
}

/*
 * The session is open when the warden said so (rd); record what it
 * reported and judge it: the session's layers, the placeholders the
 * warden made, the sentinel's start, the layers required, the warning.
 */
static int opened(struct sandbox *sb, const struct sbx_ready *rd, unsigned require, bool no_namespaces,
		  struct cordon_diag *diag)
{
	char missing[128];
	int r;

	if (rd->status == -CORDON_EDENIED) {
		/* A path to hide or pin could not be covered: running degraded
		 * would protect none at all, so the session does not open. */
		diag_set(diag, 0, 0, "the sandbox cannot %s", rd->reason);
		return rd->status;
	}
	if (no_namespaces)
		snprintf(sb->reason, sizeof(sb->reason), "namespaces disabled on request");
	else if (rd->status == 0 && rd->reason[0])
		/* Root without a user namespace (the other namespaces, mounts unlocked),
		 * or a warden that fell back to degraded mode itself (sandbox_start()). */
		snprintf(sb->reason, sizeof(sb->reason), "%s", rd->reason);
	/* The warden has the channel, or had no use for it: no later warden gets ours. */
	if (sb->cfg.egress_fd >= 0) {
		close(sb->cfg.egress_fd);
		sb->cfg.egress_fd = -1;
	}
	if (rd->status < 0)
		return rd->status;
	sb->layers = rd->layers | warden_child_layers(&sb->cfg);
	/* A route is only as good as the namespace around it: none without one. */
	sb->egress_port = (rd->layers & LAYER_BIT(LAYER_NETNS)) && rd->egress_port <= 65535 ? rd->egress_port : 0;
	/* Degraded: the warden pinned nothing, made no placeholder. */
	r = list_placeholders(sb, (rd->layers & LAYER_BIT(LAYER_MOUNTNS)) != 0);
	sentinel_ready(sb->sentinel, &sb->pins, sb->survey_truncated);
	if (r < 0)
		return r;
	if (require & ~sb->layers) {
		diag_set(diag, 0, 0, "required sandbox layer(s) not available here: %s%s%s%s",
			 layer_format_list(require & ~sb->layers, missing, sizeof(missing)),
			 sb->reason[0] ? " (namespaces: " : "", sb->reason, sb->reason[0] ? ")" : "");
		return -CORDON_EUNSUPPORTED;
	}
	if (!(sb->layers & LAYER_BIT(LAYER_USERNS)))
		diag_set(diag, 0, 0, "sandbox degraded (%s%s); calls run with %s only%s",
			 (sb->layers & LAYER_BIT(LAYER_MOUNTNS)) ? "no user namespace: " : "no namespaces: ",
			 sb->reason, layer_format_list(sb->layers, missing, sizeof(missing)),
			 sb->cfg.n_hide && !(sb->layers & LAYER_BIT(LAYER_MOUNTNS))
				 ? ", and the Read deny paths are not hidden from commands (no mount namespace)"
				 : "");
	else if (sb->survey_truncated)
		diag_set(diag, 0, 0, "the workspace '%s' is too large to survey whole (%u entries): guarded "
			 "names and repositories the walk did not reach are not pinned, and every call's check "
			 "walks it in full", sb->cfg.workspace, (unsigned)WSSCAN_MAX_ENTRIES);
	return 0;
}

int sandbox_open(struct sandbox **out, const struct sandbox_opts *opts, struct cordon_diag *diag)
{
	struct sandbox *sb;
	struct sbx_ready rd;
	int r;

	*out = NULL;
	r = prepare(&sb, opts, diag);
	if (r < 0)
		return r;
	r = fork_warden(sb, &rd);
	if (r == 0 && rd.status < 0 && rd.status != -CORDON_EDENIED && sb->cfg.use_namespaces) {
		/* Namespaces refused: a fresh warden without them (degraded mode). We
		 * hold no secret yet (prepare() checked the latch; nothing since). */
		snprintf(sb->reason, sizeof(sb->reason), "%s", rd.reason);
		reap_warden(sb);
		sb->cfg.use_namespaces = false;
		r = fork_warden(sb, &rd);
		if (r == 0 && rd.status == 0 && !rd.reason[0])
			snprintf(rd.reason, sizeof(rd.reason), "%.*s", (int)sizeof(rd.reason) - 1, sb->reason);
	}
	if (r == 0)
		r = opened(sb, &rd, opts->require, opts->no_namespaces, diag);
	if (r < 0) {
		int saved = errno;

		sb->ready = r; /* nothing more will come from the warden: close reaps it */
		sandbox_close(sb);
		errno = saved;
		return r;
	}
	sb->ready = 1;
	if (diag)
		snprintf(sb->ready_msg, sizeof(sb->ready_msg), "%s", diag->msg);
	*out = sb;
	return 0;
}

int sandbox_start(struct sandbox **out, const struct sandbox_opts *opts, struct cordon_diag *diag)
{
	struct sandbox *sb;
	int r;

	*out = NULL;
	r = prepare(&sb, opts, diag);
	if (r < 0)
		return r;
	/* The warden falls back to degraded mode itself if it must: we may read a secret meanwhile. */
	sb->cfg.standby = sb->cfg.use_namespaces;
	sb->require_open = opts->require;
	sb->no_namespaces = opts->no_namespaces;
	r = fork_warden_only(sb);
	if (r < 0) {
		int saved = errno;

		sandbox_close(sb);
		errno = saved;
		return r;
	}
	*out = sb;
	return 0;
}

int sandbox_ready(struct sandbox *sb, struct cordon_diag *diag)
{
	struct sbx_ready rd;
	struct cordon_diag d;
	int r;

	pthread_mutex_lock(&sb->ready_lock);
	if (sb->ready == 0) {
		diag_clear(&d);
		r = wait_warden(sb, &rd);
		if (r == 0)
			r = opened(sb, &rd, sb->require_open, sb->no_namespaces, &d);
		if (r < 0)
			reap_warden(sb);
		sb->ready = r < 0 ? r : 1;
		snprintf(sb->ready_msg, sizeof(sb->ready_msg), "%s", d.msg);
	}
	r = sb->ready < 0 ? sb->ready : 0;
	if (diag) {
		diag_clear(diag);
		if (sb->ready_msg[0])
			diag_set(diag, 0, 0, "%s", sb->ready_msg);
	}
	pthread_mutex_unlock(&sb->ready_lock);
	return r;
}

/*
 * The getters below wait for the warden like sandbox_run(): what they
 * return is only known once it is ready. The session is logically
 * const to them (sandbox_ready() only fills in what the warden said).
 */
static void await_ready(const struct sandbox *sb)
{
	sandbox_ready((struct sandbox *)sb, NULL);
}

unsigned sandbox_layers(const struct sandbox *sb)
{
	await_ready(sb);
	return sb->layers;
}

unsigned sandbox_egress_port(const struct sandbox *sb)
{
	await_ready(sb);
	return sb->egress_port;
}

const char *sandbox_degraded_reason(const struct sandbox *sb)
{
	await_ready(sb);
	return (sb->layers & LAYER_BIT(LAYER_USERNS)) ? "" : sb->reason;
}

void sandbox_close(struct sandbox *sb)
{
	int p;

	if (!sb)
		return;
	/* A warden still building the view: its placeholders must be known to be removed. */
	if (sb->ctl >= 0 && sb->ready == 0)
		sandbox_ready(sb, NULL);
	for (p = 0; p < PROFILE__COUNT; p++)
		if (sb->ticket_fd[p] >= 0)
			close(sb->ticket_fd[p]);
	reap_warden(sb);
	if (sb->cfg.egress_fd >= 0)
		close(sb->cfg.egress_fd);
	/* After the warden: its mount namespace (which pinned them) is gone. */
	if (sb->ph_paths)
		remove_placeholders(sb);
	cgroup_session_close(&sb->cfg.cg);
	if (sb->cfg.session_tmp[0])
		nftw(sb->cfg.session_tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	for (p = 0; p < PROFILE__COUNT; p++)
		seccomp_prog_release(&sb->cfg.prog_fn[p]);
	for (p = 0; p < PROFILE__COUNT; p++)
		seccomp_prog_release(&sb->cfg.prog_zygote[p]);
	seccomp_prog_release(&sb->cfg.prog_spawned);
	seccomp_prog_release(&sb->cfg.prog_notifier);
	for (p = 0; p < 6; p++)
		seccomp_prog_release(&sb->cfg.prog_exec[p / 3][p % 3]);
	free_env(sb->env);
	free_env(sb->ph_paths);
	pins_release(&sb->pins);
	sentinel_close(sb->sentinel);
	pthread_mutex_destroy(&sb->lock);
	pthread_mutex_destroy(&sb->ready_lock);
	pthread_mutex_destroy(&sb->ticket_lock);
	free_env(sb->roots);
	free_env(sb->hide);
	free(sb);
}

void sandbox_result_release(struct sandbox_result *r)
{
	if (!r)
		return;
	buf_release(&r->out);
	buf_release(&r->err);
	buf_release(&r->reply);
	buf_release(&r->notices);
}

size_t sandbox_index_changes(struct sandbox *sb, const struct sentinel_index_change **out)
{
	size_t n;

	pthread_mutex_lock(&sb->lock);
	n = sentinel_index_changes(sb->sentinel, out);
	pthread_mutex_unlock(&sb->lock);
	return n;
}

static int append_str(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s) + 1);
}

/*
 * Write a call (header, payload) whole into a spare's call pipe (a
 * ticket). 0, or -1 (the spare is gone: EPIPE, or a short write). SIGPIPE
 * is held for this thread meanwhile and a pending one taken back: a dead
 * spare must not kill the supervisor.
 */
static int write_ticket(int fd, const struct iovec *parts)
{
	struct iovec iov[2] = { parts[0], parts[1] };
	struct timespec zero = { 0, 0 };
	sigset_t pipe_set, old;
	size_t left = iov[0].iov_len + iov[1].iov_len;
	ssize_t n;
	int r = 0, k = 0;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	while (left) {
		n = writev(fd, iov + k, 2 - k);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n < 0 && errno == EPIPE)
				sigtimedwait(&pipe_set, NULL, &zero);
			r = -1;
			break;
		}
		left -= (size_t)n;
		while (k < 2 && (size_t)n >= iov[k].iov_len) {
			n -= (ssize_t)iov[k].iov_len;
			iov[k++].iov_len = 0;
		}
		if (k < 2) {
			iov[k].iov_base = (char *)iov[k].iov_base + n;
			iov[k].iov_len -= (size_t)n;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

/*
 * The ticket of this call's kind, taken (*fd >= 0) when the call is one its
 * spare serves: an exec'd command without network or passed descriptor
 * (hand_to_spare()'s rule) whose payload fits the pipe at once.
 */
static uint32_t take_ticket(struct sandbox *sb, const struct sandbox_call *call, size_t payload_len, int *fd)
{
	uint32_t id = 0;

	*fd = -1;
	if (call->fn || call->net || call->pass || payload_len > SEND_FIRST_MAX)
		return 0;
	pthread_mutex_lock(&sb->ticket_lock);
	if (sb->ticket_fd[call->profile] >= 0) {
		*fd = sb->ticket_fd[call->profile];
		id = sb->ticket_id[call->profile];
		sb->ticket_fd[call->profile] = -1;
		sb->ticket_id[call->profile] = 0;
	}
	pthread_mutex_unlock(&sb->ticket_lock);
	return id;
}

/* A ticket that came with a result (the warden hands out one per kind at a time). */
static void keep_ticket(struct sandbox *sb, uint32_t profile, uint32_t id, int fd)
{
	pthread_mutex_lock(&sb->ticket_lock);
	if (profile < PROFILE__COUNT && sb->ticket_fd[profile] < 0) {
		sb->ticket_fd[profile] = fd;
		sb->ticket_id[profile] = id;
		fd = -1;
	}
	pthread_mutex_unlock(&sb->ticket_lock);
	if (fd >= 0)
		close(fd);
}

/*
 * Wait until the call socket has the result or cancel_fd fires: 0 (result
 * ready, or the deadline passed: the receive reports that), 1 (cancelled),
 * negative on a poll error.
 */
static int wait_or_cancel(int sock, int cancel_fd, int timeout_ms)
{
	struct pollfd pf[2] = { { sock, POLLIN, 0 }, { cancel_fd, POLLIN, 0 } };
	int n;

	do
		n = poll(pf, 2, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -CORDON_ESYS;
	if (pf[1].revents && !(pf[0].revents & POLLIN))
		return 1;
	return 0;
}

int sandbox_run(struct sandbox *sb, const struct sandbox_call *call, struct sandbox_result *out)
{
	struct sbx_req req;
	struct sbx_resp resp;
	struct sbx_msg m = { SBX_MAGIC, SBX_MSG_CALL };
	struct buf payload;
	const char *const *a;
	unsigned timeout = call->timeout_ms ? call->timeout_ms : DEFAULT_TIMEOUT_MS;
	size_t max_out = call->max_output ? call->max_output : DEFAULT_MAX_OUTPUT;
	size_t max_rep = call->max_reply ? call->max_reply : DEFAULT_MAX_REPLY;
	int sv[2] = { -1, -1 }, r, fn = -1;
	size_t i;
	char missing[128];

	memset(out, 0, sizeof(*out));
	buf_init(&out->out, max_out);
	buf_init(&out->err, max_out);
	buf_init(&out->reply, max_rep);
	buf_init(&out->notices, SANDBOX_MAX_NOTICES);
	buf_init(&payload, SBX_MAX_REQUEST);
	if ((unsigned)call->profile >= PROFILE__COUNT)
		return -CORDON_EINVAL;
	/* A session from sandbox_start(): its first calls wait for the warden here. */
	r = sandbox_ready(sb, NULL);
	if (r < 0) {
		out->end = SANDBOX_SETUP;
		out->exit_code = SANDBOX_EXIT_REFUSED;
		snprintf(out->setup_error, sizeof(out->setup_error), "the sandbox did not start: %.200s",
			 sb->ready_msg[0] ? sb->ready_msg : cordon_strerror(r));
		return r == -CORDON_EUNSUPPORTED ? r : -CORDON_EPROTO;
	}
	if (call->fn) {
		for (i = 0; i < sb->cfg.n_fns; i++)
			if (!strcmp(sb->cfg.fns[i].name, call->fn))
				fn = (int)i;
		if (fn < 0)
			return -CORDON_EINVAL;
	} else if (!call->argv || !call->argv[0]) {
		return -CORDON_EINVAL;
	}
	if ((call->require | sb->require) & ~sb->layers) {
		out->end = SANDBOX_SETUP;
		out->exit_code = SANDBOX_EXIT_REFUSED;
		snprintf(out->setup_error, sizeof(out->setup_error),
			 "required sandbox layer(s) not available here: %s",
			 layer_format_list((call->require | sb->require) & ~sb->layers, missing,
					   sizeof(missing)));
		return -CORDON_EUNSUPPORTED;
	}
	memset(&req, 0, sizeof(req));
	req.magic = SBX_MAGIC;
	req.profile = (uint32_t)call->profile;
	req.flags = (call->fn ? 0 : SBX_F_EXEC) | (call->net ? SBX_F_NET : 0) |
		    (call->pass ? SBX_F_FD : 0);
	req.timeout_ms = timeout;
	req.max_output = max_out;
	req.max_reply = max_rep;
	req.fn = fn;
	req.require = call->require | sb->require;
	r = append_str(&payload, call->cwd ? call->cwd : "");
	for (a = call->argv; r == 0 && a && *a && !call->fn; a++, req.argc++)
		r = append_str(&payload, *a);
	for (a = call->env; r == 0 && a && *a; a++, req.envc++)
		r = append_str(&payload, *a);
	if (r == 0 && call->input_len)
		r = buf_append(&payload, call->input, call->input_len);
	if (r < 0)
		goto out;
	req.input_len = call->input_len;
	req.payload_len = payload.len;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		r = -CORDON_ESYS;
		goto out;
	}
	{
		struct iovec parts[2] = { { &req, sizeof(req) }, { payload.data, payload.len } };
		int tfd;
		uint32_t ticket = take_ticket(sb, call, payload.len, &tfd);

		/*
		 * Straight to the spare (sandbox_ipc.h, tickets): it starts the
		 * command now, while the warden hears of the call from the
		 * request below (the same bytes, flagged) and adopts it.
		 */
		if (ticket) {
			bool sent = write_ticket(tfd, parts) == 0;

			close(tfd);
			req.ticket = ticket;
			req.flags |= sent ? SBX_F_TICKET : SBX_F_TICKET_BACK;
		}
		/*
		 * A small request is queued on the call socket before the warden
		 * hears of it: it then reads it at once instead of waiting (a
		 * second wakeup) for what we send next. A large one might not fit
		 * in the socket's buffer before the warden reads: after, as before.
		 */
		bool first = payload.len <= SEND_FIRST_MAX;

		if (first)
			r = sbx_send_records(sv[0], parts, 2);
		if (r == 0)
			r = sbx_send_fd(sb->ctl, &m, sizeof(m), sv[1]);
		close(sv[1]);
		sv[1] = -1;
		if (r == 0 && !first)
			r = sbx_send_records(sv[0], parts, 2);
	}
	if (r == 0 && call->pass)
		r = sbx_send_fd(sv[0], &m, sizeof(m), call->pass_fd);
	if (r == 0 && call->cancellable) {
		r = wait_or_cancel(sv[0], call->cancel_fd, (int)(timeout + RESULT_GRACE_MS));
		if (r == 1) {
			/* Our hang-up is the warden's signal to kill the call's tree. */
			out->end = SANDBOX_CANCELLED;
			r = 0;
			goto out;
		}
	}
	if (r == 0)
		r = sbx_recv_msg(sv[0], &resp, sizeof(resp), (int)(timeout + RESULT_GRACE_MS));
	if (r < 0) {
		r = -CORDON_EPROTO;
		goto out;
	}
	resp.setup_error[sizeof(resp.setup_error) - 1] = '\0';
	if (resp.magic != SBX_MAGIC || resp.end > SANDBOX_SETUP || resp.out_len > max_out ||
	    resp.err_len > max_out || resp.reply_len > max_rep) {
		r = -CORDON_EPROTO;
		goto out;
	}
	r = sbx_recv_bytes(sv[0], &out->out, resp.out_len, RESULT_GRACE_MS);
	if (r == 0)
		r = sbx_recv_bytes(sv[0], &out->err, resp.err_len, RESULT_GRACE_MS);
	if (r == 0)
		r = sbx_recv_bytes(sv[0], &out->reply, resp.reply_len, RESULT_GRACE_MS);
	if (r == 0 && resp.ticket) {
		struct sbx_msg tm;
		int tfd;

		/* The next spare of this kind, for our next call of it. */
		if (sbx_recv_fd(sv[0], &tm, sizeof(tm), &tfd) == 0 && tfd >= 0 && tm.magic == SBX_MAGIC &&
		    tm.type == SBX_MSG_TICKET)
			keep_ticket(sb, req.profile, resp.ticket, tfd);
		else if (tfd >= 0)
			close(tfd);
	}
	if (r < 0) {
		r = -CORDON_EPROTO;
		goto out;
	}
	out->end = (enum sandbox_end)resp.end;
	out->exit_code = resp.exit_code;
	out->signal = resp.signal;
	out->layers = resp.layers;
	out->out_truncated = resp.truncated & 1u;
	out->err_truncated = resp.truncated & 2u;
	out->elapsed_ms = resp.elapsed_ms;
	snprintf(out->setup_error, sizeof(out->setup_error), "%s", resp.setup_error);
	if (resp.end == SANDBOX_SECCOMP && resp.syscall_nr >= 0)
		seccomp_syscall_name(resp.syscall_nr, out->syscall, sizeof(out->syscall));
	if (resp.truncated & 4u) {
		/* An oversized reply is a protocol failure of the child, not a result. */
		buf_truncate(&out->reply, 0);
		out->end = SANDBOX_SETUP;
		snprintf(out->setup_error, sizeof(out->setup_error),
			 "the child's reply exceeded %zu bytes", max_rep);
	}
	r = 0;
out:
	if (sv[0] >= 0)
		close(sv[0]);
	buf_release(&payload);
	/*
	 * An exec'd command ended (however: exited, killed, timed out,
	 * cancelled, its warden gone): whatever it left for a later run is
	 * set aside now, before the caller sees the result (sentinel.h).
	 * Function calls (the file tools) refuse guarded names themselves.
	 */
	if (!call->fn && sb->sentinel) {
		pthread_mutex_lock(&sb->lock);
		sentinel_check(sb->sentinel, &out->notices);
		pthread_mutex_unlock(&sb->lock);
	}
	return r;
}
