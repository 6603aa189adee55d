/*
 * sandbox.h — the session sandbox and its spawn API (supervisor side).
 *
 *	struct sandbox *sb;
 *	struct sandbox_opts o = { .workspace = "/abs/ws", .require = LAYER_BIT(LAYER_SECCOMP) };
 *	sandbox_open(&sb, &o, &diag);          forks the warden; before any secret is read
 *	struct sandbox_call c = { .profile = PROFILE_BASH, .argv = argv };
 *	struct sandbox_result res;
 *	sandbox_run(sb, &c, &res);             any number, from any thread
 *	... res.end, res.exit_code, res.out.data ...
 *	sandbox_result_release(&res);
 *	sandbox_close(sb);
 *
 * Process model (docs/sandbox.md, "Process model"): sandbox_open() forks the warden from the
 * supervisor while it holds no secret. Where the kernel allows, the warden
 * enters new user (only the caller's uid/gid mapped), mount, pid, net (lo
 * up), ipc, uts and cgroup namespaces, builds the mount view (system dirs
 * read-only, workspace read-write, protected paths read-only, the paths to
 * hide covered, private /tmp, minimal /dev, fresh /proc, no /run, /home,
 * /var) and locks it by entering a second user namespace, then becomes
 * pid 1 and waits for calls. Each call
 * gets its own socketpair(SOCK_SEQPACKET): the warden forks the confined
 * child (one fork per call), captures its output with byte caps (the
 * pipes keep draining past the cap), enforces the wall-clock timeout, kills
 * the call's whole process tree and sends the result back. Calls run
 * concurrently.
 *
 * Where user namespaces are refused (containers, hardened distributions) the
 * sandbox runs degraded: no namespaces, Landlock + seccomp + capabilities +
 * rlimits (+ cgroup) per child, and a private session temp dir instead of a
 * private /tmp. sandbox_open() says so in its diag (a warning the caller
 * shows) and sandbox_layers() tells which layers are active. A layer in
 * opts.require (or call.require) that is not active makes sandbox_open() /
 * sandbox_run() fail with -CORDON_EUNSUPPORTED: fail closed, never run
 * unconfined. Nothing here writes to stderr: the commands print.
 *
 * Each child, in this order (docs/sandbox.md, "The child, in order"): setsid, PDEATHSIG,
 * cgroup, stdin /dev/null, stdout/stderr pipes, close every other fd,
 * rlimits, cwd, capabilities dropped (securebits locked), NO_NEW_PRIVS,
 * allowlisted environment, Landlock, seccomp (compiled at build time: seccomp.h).
 */
#ifndef CORDON_RUNTIME_SANDBOX_H
#define CORDON_RUNTIME_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/error.h"
#include "policy/profile.h"

struct sandbox;

/*
 * A function the warden can run in a child (the warden is a fork of the
 * supervisor binary, so it has the code). in/len: the call's input bytes.
 * The function appends its reply to out (capped at call.max_reply) and
 * returns 0, or negative on failure (the child then exits 1).
 */
struct sandbox_fn {
	const char *name;
	int (*run)(const void *in, size_t len, struct buf *out);
};

struct sandbox_opts {
	const char *workspace;         /* absolute, existing directory; read-write */
	const char *const *read_roots; /* NULL-terminated extra read-only roots, or NULL */
	unsigned require;              /* LAYER_BIT mask that must be active */
	const struct sandbox_fn *fns;  /* registered functions (copied by reference) */
	size_t n_fns;
	uint64_t tmp_size;             /* bytes of the private /tmp; 0 = 512 MiB */
	bool no_namespaces;            /* run degraded on purpose (tests, doctor) */
	/*
	 * Do not pin protected paths that do not exist yet. By default the
	 * warden creates an empty placeholder on the host for each (so the
	 * sandbox cannot create e.g. .envrc or .claude/), bound read-only, and
	 * sandbox_close() removes those still empty. Set this to avoid the
	 * visible placeholders at the cost of that protection (FS14).
	 */
	bool no_placeholders;
	/*
	 * Paths to hide in the mount view (absolute, lexically normal), for
	 * every call and profile: the Read deny paths of policy/readmask.h,
	 * which a command would otherwise read past the policy. Each one the
	 * view shows from the host (below the workspace, a read root or a
	 * system directory) and that exists is covered with an empty
	 * read-only directory or file (a symlink: the link itself, not its
	 * target), locked like the protected paths. Paths below
	 * opts.workspace as given are re-anchored on its real path. At most
	 * SANDBOX_MAX_HIDE; "/", the workspace or one of its ancestors is
	 * -CORDON_EINVAL. Degraded mode (no mount namespace) cannot hide them:
	 * sandbox_open()'s warning says so.
	 */
	const char *const *hide;
	size_t n_hide;
	/* Do not run git to find a repository's hooks path and config files (tests; survey.h). */
	bool no_git;
	/*
	 * A directory of the host (absolute, existing, the caller's own,
	 * outside the workspace) that commands see read-write as
	 * SANDBOX_CACHE_DIR, in namespaced mode: the per-workspace cache
	 * (package managers, build caches) that outlives the session. NULL,
	 * degraded mode, or a bind that fails: SANDBOX_CACHE_DIR is an empty
	 * directory of the private tmp, gone with the session.
	 */
	const char *cache_dir;
	/*
	 * The session runs one call (`cordon sandbox`): the warden prepares
	 * nothing for later calls (no spares or zygotes, no call cgroups made
	 * ahead, no heap trim for cheaper forks). Further calls still work,
	 * each in a freshly forked child, as they would without spares.
	 */
	bool one_call;
	/*
	 * The warden's end of the egress channel (runtime/session/egress.h),
	 * when egress is on: in a namespaced session the warden listens on
	 * 127.0.0.1 inside it and passes every connection accepted there over
	 * this socket (runtime/sandbox/warden_egress.h); sandbox_egress_port()
	 * says where. The sandbox keeps a copy until the warden is ready; the
	 * caller's stays the caller's. Degraded mode (no network namespace)
	 * has no route: the port is then 0 and the channel is closed.
	 */
	bool egress;
	int egress_fd;
};

/* Where commands find opts.cache_dir: below the private tmp, so HOME/.cache is it. */
#define SANDBOX_CACHE_NAME ".cache"

#define SANDBOX_MAX_HIDE 256

enum sandbox_end {
	SANDBOX_EXITED,   /* exit_code is set */
	SANDBOX_SIGNALED, /* signal is set */
	SANDBOX_SECCOMP,  /* killed by SIGSYS; syscall names the refused call when known */
	SANDBOX_TIMEOUT,  /* the wall-clock limit passed; the whole tree was killed */
	SANDBOX_SETUP,    /* confinement could not be applied; nothing ran (setup_error) */
	SANDBOX_CANCELLED, /* call.cancel_fd fired: the call's whole tree was killed */
};

struct sandbox_call {
	enum sandbox_profile profile;
	const char *fn;               /* a registered function's name, or NULL to exec argv */
	const void *input;            /* the function's input */
	size_t input_len;
	const char *const *argv;      /* exec: argv[0] is looked up in the child's PATH */
	const char *const *env;       /* extra "K=V" for the child; secret-looking names dropped */
	const char *cwd;              /* absolute; default: the workspace */
	unsigned timeout_ms;          /* 0 = 120 s */
	size_t max_output;            /* per stream (stdout, stderr); 0 = 10 MiB */
	size_t max_reply;             /* the function's reply; 0 = 16 MiB */
	bool net;                     /* AF_INET/6 allowed: only what the profile's filters allow anyway (docs/sandbox.md) */
	/*
	 * A descriptor handed to the child (e.g. the socket the supervisor
	 * connected for WebFetch); it appears there as fd 5. Our copy stays ours.
	 */
	bool pass;
	int pass_fd;
	/*
	 * Give up on the call when cancel_fd becomes readable (an eventfd or
	 * pipe the caller writes to): the call socket is closed, which makes
	 * the warden kill the call's whole tree, and the result is
	 * SANDBOX_CANCELLED. The fd is only polled, never read.
	 */
	bool cancellable;
	int cancel_fd;
	unsigned require;             /* extra LAYER_BIT mask for this call */
};

struct sandbox_result {
	enum sandbox_end end;
	int exit_code;
	int signal;
	char syscall[32];        /* SANDBOX_SECCOMP: the refused syscall, or "" */
	struct buf out, err;     /* captured stdout/stderr (capped) */
	struct buf reply;        /* the function's reply */
	bool out_truncated, err_truncated;
	unsigned layers;         /* LAYER_BIT mask applied to this call */
	char setup_error[256];   /* SANDBOX_SETUP: one line */
	unsigned elapsed_ms;
	/*
	 * What the sandbox did after an exec'd call, one line each, for the
	 * user: paths a command created that other programs would read as
	 * configuration or code later, set aside ("set aside sub/.envrc as
	 * sub/.envrc.cordon-quarantine: ..."), index flags it set or cleared
	 * ("index: a command set skip-worktree on ..."). Empty when nothing
	 * (runtime/sandbox/sentinel.h). With concurrent calls a finding is
	 * reported by whichever call ends first.
	 */
	struct buf notices;
};

#define SANDBOX_MAX_NOTICES (64u << 10)

/*
 * Fork the warden and build the session sandbox. -CORDON_EUNSUPPORTED when a
 * required layer is missing; -CORDON_EDENIED when a secret may already be
 * in this process (common/secret.h: the warden would get a copy of it),
 * without forking anything; -CORDON_EINVAL for a workspace that is not an
 * absolute directory or that contains a system directory; -CORDON_ESYS,
 * -CORDON_ENOMEM. Call it from the main thread (or one that lives as long
 * as the session): the warden's PR_SET_PDEATHSIG fires when the forking
 * *thread* exits.
 *
 * diag (may be NULL) gets the one line the user should see: on failure,
 * why, when there is more to say than the code (which layer is missing,
 * which workspace or path to hide was refused, what could not be hidden;
 * empty otherwise); on success, a warning when the sandbox runs degraded
 * ("sandbox degraded (...); calls run with ... only", and that the paths
 * to hide are not hidden), or when the workspace was too large to survey
 * whole (what the walk did not reach is not pinned), else an empty message. Lowercase, without a
 * "cordon:" prefix. -CORDON_EDENIED: a path to hide exists in the view but
 * could not be covered (the sandbox does not open without it).
 */
int sandbox_open(struct sandbox **out, const struct sandbox_opts *opts, struct cordon_diag *diag);

/*
 * sandbox_open() in two halves, for a caller with other work to do before
 * its first call (`cordon -p`: the provider, the first model request).
 * sandbox_start() does all sandbox_open() does up to forking the warden and
 * returns while the warden builds the sandbox; like sandbox_open() it must
 * come before any secret is read, and its errors are those found until
 * then. If the namespaces then fail, the warden falls back to degraded mode
 * itself (a process of it that never entered them serves), since the
 * supervisor may hold a secret by then and must not fork another.
 *
 * sandbox_ready() waits until the warden is ready (at most 15 s) and
 * returns what sandbox_open() would have: 0 with diag holding the warning
 * to show, or its errors with diag saying why; the same result on every
 * later call. A session that failed to open stays unusable (every call
 * fails with that error) until sandbox_close(). sandbox_run(),
 * sandbox_layers(), sandbox_degraded_reason(), sandbox_placeholders() and
 * sandbox_close() wait for it themselves. Any thread.
 */
int sandbox_start(struct sandbox **out, const struct sandbox_opts *opts, struct cordon_diag *diag);
int sandbox_ready(struct sandbox *sb, struct cordon_diag *diag);

/*
 * Run one call. Returns 0 with *out filled (whatever the child did: see
 * out->end), -CORDON_EUNSUPPORTED when a required layer is missing (nothing
 * ran), -CORDON_EPROTO when the warden broke the protocol or died,
 * -CORDON_EINVAL for a bad call. out must be released either way.
 */
int sandbox_run(struct sandbox *sb, const struct sandbox_call *call, struct sandbox_result *out);

void sandbox_result_release(struct sandbox_result *r);

/*
 * The layers the session provides (LAYER_BIT mask); per call add landlock/seccomp/caps/rlimits.
 * Waits for sandbox_ready(); 0 when the session failed to open.
 */
unsigned sandbox_layers(const struct sandbox *sb);

/* One line saying why namespaces are missing ("" when they are on). */
const char *sandbox_degraded_reason(const struct sandbox *sb);

/*
 * The placeholders this session created, as absolute paths (NULL-terminated;
 * empty when none): protected paths that did not exist at sandbox_open(),
 * pinned with an empty read-only file or directory (see opts.no_placeholders).
 * They are not the user's files: tools that list or read the workspace treat
 * them as missing (toolrun sends them with Read, Grep and Glob requests as
 * "placeholders"). Valid until sandbox_close().
 */
const char *const *sandbox_placeholders(const struct sandbox *sb);

/*
 * The assume-unchanged / skip-worktree bits commands set or cleared in the
 * indexes of the workspace's repositories since sandbox_open(), in order
 * (each also reported in its call's notices). *out is borrowed until the
 * next sandbox_run() or sandbox_close(). A change made this way hides a
 * file's change from `git status` on the host: a diff of the run must
 * come from a snapshot of the files, not from the index.
 */
struct sentinel_index_change;
size_t sandbox_index_changes(struct sandbox *sb, const struct sentinel_index_change **out);

/*
 * The private temp directory as commands see it (their TMPDIR and HOME):
 * "/tmp" in the mount view, the session's own host directory in degraded
 * mode. Its SANDBOX_CACHE_NAME is the cache (opts.cache_dir).
 */
const char *sandbox_tmp(const struct sandbox *sb);

/*
 * The port of the egress route on the session's loopback (opts.egress),
 * or 0 when there is none: egress off, degraded mode, or the listener
 * could not be made. Waits for sandbox_ready().
 */
unsigned sandbox_egress_port(const struct sandbox *sb);

/* The workspace as the sandbox resolved it (realpath), the base of the placeholders. */
const char *sandbox_workspace(const struct sandbox *sb);

/* Stop the warden (kills every running call) and free. Accepts NULL. */
void sandbox_close(struct sandbox *sb);

/* Exit status conventions of `cordon sandbox` (documented in docs/sandbox.md). */
#define SANDBOX_EXIT_TIMEOUT 124
#define SANDBOX_EXIT_REFUSED 125

#endif
