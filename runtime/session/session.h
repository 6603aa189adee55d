/*
 * session.h — one tool session: the seam between whoever asks for tool
 * calls (the agent loop, `cordon tool`) and the confined children that run
 * them.
 *
 *	struct session *s;
 *	struct session_opts o = { .workspace = ws, .policy = &policy, .home = home };
 *	struct cordon_diag d;
 *	session_open(&s, &o, &d);          starts the sandbox: before any secret
 *	struct session_result r;
 *	session_call(s, "Read", input, "toolu_01", &r);   any thread, concurrently
 *	... r.content, r.is_error, r.effects, r.denied ...
 *	session_result_release(&r);
 *	session_cancel(s);                 async-signal-safe: ends calls in flight
 *	session_close(s);
 *
 * A call, in order:
 *   1. the catalog row (policy/catalog.h); an unknown tool is an error result;
 *   2. the policy decision (policy_decide), when the session has a policy:
 *      headless, nobody answers an ask, so an ask is a deny (r.denied);
 *      without a policy, every builtin tool is allowed (`cordon tool` bare);
 *   3. the path: the one the decision judged (policy_decision.path), sent
 *      to the child as "resolved_path" — the child opens exactly what the
 *      policy judged, beneath its roots;
 *   4. the request with the session state the tool needs (the read-state
 *      entry of its path, the Read deny patterns for every path tool) runs
 *      in a child confined by the row's profile (runtime/session/toolrun.h);
 *   5. the effects the untrusted child claims are checked against the row
 *      (effects it may claim, for its own path only) before they are
 *      recorded; the model never sees them;
 *   WebFetch (the fetch profile) goes another way after the decision: the
 *   supervisor checks the URL, resolves, vets and connects, and runs the
 *   child with the connected socket, hop by hop (runtime/session/fetch.h);
 *   the page is then answered from by the prompt applier, if any;
 *   Bash (catalog site SITE_COMMAND) too: the input is checked here, the
 *   command the policy judged (policy_bash_command()) runs as an exec'd
 *   call of the bash profile (runtime/session/bash.h), in the shell's
 *   directory, and its end moves that directory (within the working
 *   directories; else back to the workspace, said); with
 *   run_in_background it becomes a task (runtime/session/tasks.h) and the
 *   call returns at once; TaskOutput and TaskStop (SITE_SUPERVISOR) run no
 *   child at all;
 *   6. the result is shaped as the reference does: empty text becomes
 *      "(<Tool> completed with no output)", text over the row's ceiling is
 *      saved under the output directory and previewed (<persisted-output>).
 *
 * Thread safety: session_call() may run from several threads at once (the
 * loop runs a turn's read-only calls concurrently); the shared state (read
 * state, todos, counters, the shell's directory: each call takes a copy
 * when it starts) is locked, the calls themselves are not. Calls of
 * tools that are not concurrency-safe should be serialised by the caller,
 * as the reference does.
 *
 * Failure: the warden dying is reported: the call gets an error result,
 * session_alive() turns false and later calls fail with a result saying
 * the sandbox is gone, until session_reopen() starts a new one. Reopening
 * forks a warden like session_open() does, so it is refused once a secret
 * may be in memory (common/secret.h), and it must be called from a thread
 * that lives as long as the session (the warden dies with its thread).
 */
#ifndef CORDON_RUNTIME_SESSION_H
#define CORDON_RUNTIME_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/buf.h"
#include "common/error.h"
#include "policy/policy.h"
#include "policy/profile.h"

struct session;
struct session_call_ctx;

/*
 * The function that runs a prepared request in a child: toolrun_call()
 * unless a test injects another. pass_fd (>= 0) is a descriptor for the
 * child (WebFetch's vetted connection). Returns 0 with *out (a result
 * object, untrusted), -CORDON_EPROTO when the sandbox itself failed (the
 * warden is gone), other negative CORDON_E* when nothing could be run.
 */
typedef int (*session_runner_fn)(void *ctx, enum sandbox_profile profile, const json_t *request, int pass_fd,
				 int cancel_fd, json_t **out);

/*
 * WebFetch's second step. The reference answers the call's prompt from the
 * fetched page with a second, small model call; cordon's session does the
 * fetch (runtime/session/fetch.h) and hands the page to this function,
 * which the agent loop provides (it has the provider, and the API key stays
 * in the supervisor: runtime/loop/loop.c). Without one (`cordon tool`, the
 * replay provider, session_opts.fetch_raw) the page itself is the result:
 * Markdown, cut at 100000 characters with the reference's note.
 */
struct session_fetch_page {
	const char *url;          /* where the page came from (after same-host redirects) */
	const char *prompt;       /* the model's prompt */
	const char *content;      /* the page as Markdown (or text) */
	size_t content_len;
	const char *content_type;
	int status;
};

/*
 * Answer page->prompt from the page: 0 with *out_text (malloc'd, UTF-8,
 * the call's result text), or negative CORDON_E* with *out_text (malloc'd
 * or NULL) saying why, for an error result. Called from the thread of the
 * call, maybe several at once; never with the session's lock held.
 */
typedef int (*session_fetch_apply_fn)(void *ctx, const struct session_fetch_page *page, char **out_text);

struct session_opts {
	const char *workspace;      /* absolute; the writable root and project root */
	const char *cwd;            /* absolute; NULL = workspace */
	const char *home;           /* absolute or NULL: what "~" means in a path */
	const char *const *roots;   /* extra read-only roots (absolute) */
	size_t nroots;
	/*
	 * Where oversized results and background output go; made at open (a
	 * read-only root of the sandbox from the start, readable by the model's
	 * Read). NULL: a private directory under $TMPDIR, removed at close
	 * when nothing was saved in it.
	 */
	const char *output_dir;
	unsigned timeout_ms;        /* per call; 0 = toolrun's default */
	/*
	 * Borrowed, may be NULL. Its additionalDirectories become read-only
	 * roots, its sandbox.require the layers the session requires (an
	 * unknown layer fails the open), and every call is decided by it.
	 */
	const struct policy *policy;
	bool no_namespaces;         /* run degraded on purpose (tests) */
	/*
	 * session_open() returns once the sandbox's warden is forked (still
	 * before any secret: that is what the fork needs), not once it is
	 * ready; session_ready() waits (as do the first call and
	 * session_layers()) and tells whether it started. For a caller with
	 * work to do meanwhile (`cordon -p`: the provider and the first model
	 * request while the mount view is built).
	 */
	bool defer_ready;
	/*
	 * WebFetch returns the page itself even when a prompt applier is set
	 * (session_set_fetch_apply()): the "raw Markdown" setting.
	 */
	bool fetch_raw;
	/*
	 * Where Bash's git finds the user's identity (the sandbox's HOME has no
	 * .gitconfig): asked once, at the first Bash call, unless the
	 * environment names one already (GIT_AUTHOR_NAME, GIT_COMMITTER_NAME,
	 * ...: those pass into children as they are). Fills name and email, ""
	 * for unknown. NULL: commands get none. The CLI passes
	 * gitrun_identity() (runtime/git).
	 */
	void (*git_identity)(char *name, size_t nsize, char *email, size_t esize);
	session_runner_fn runner;   /* tests: replaces the sandbox (then no sandbox is opened) */
	void *runner_ctx;
};

/* At most this many read-only roots (extra + additionalDirectories): more is an error. */
#define SESSION_MAX_ROOTS 15

/* What one call gave. Release with session_result_release(). */
struct session_result {
	json_t *content;   /* a string or an array of content blocks */
	bool is_error;
	bool denied;       /* the policy refused the call (a permission denial) */
	bool cancelled;    /* session_cancel() ended it; nothing more will run */
	/*
	 * The checked effects, or NULL: "read_state", "todos", "file_changed"
	 * ({"path", "kind": "create"|"update"}), for events and the git step,
	 * never for the model.
	 */
	json_t *effects;
};

/*
 * Open the session and its sandbox. On success diag holds a warning to
 * show when the sandbox runs degraded (else an empty message); on failure
 * why. -CORDON_EINVAL (bad options, too many
 * roots, an unknown required layer; diag says which), -CORDON_EUNSUPPORTED
 * (a required layer is missing), -CORDON_EDENIED (a secret was loaded
 * before: the sandbox must start first), other negative CORDON_E*.
 */
int session_open(struct session **out, const struct session_opts *opts, struct cordon_diag *diag);

/*
 * Run one call. tool_use_id names a saved oversized output (NULL: one is
 * made up). Returns 0 whenever *out holds a result (denials, tool errors,
 * cancellation included); negative CORDON_E* when nothing could be run
 * (fail closed). Reentrant.
 */
int session_call(struct session *s, const char *name, const json_t *input, const char *tool_use_id,
		 struct session_result *out);

void session_result_release(struct session_result *r);

/*
 * End every call in flight (their children and process trees are killed;
 * they return cancelled results) and every later call. Async-signal-safe.
 */
void session_cancel(struct session *s);

/*
 * Resume: seed the read-before-write state and the todo list of an earlier
 * run (transcript_load()'s "read_state" and "todos"). Entries keep their
 * mtime, size and content hash, so a file changed since is still caught by
 * the tool's own check. Bad entries are skipped. 0 or -CORDON_ENOMEM.
 */
int session_seed(struct session *s, const json_t *read_state, const json_t *todos);

/*
 * Set (or clear, fn NULL) the function that applies WebFetch's prompt to a
 * fetched page (see session_fetch_apply_fn). Not while calls are in flight.
 */
void session_set_fetch_apply(struct session *s, session_fetch_apply_fn fn, void *ctx);

/*
 * The <task-notification> texts of background commands (Bash
 * run_in_background) that ended since the last call, for the next message
 * to the model (a new array of strings, maybe empty; NULL on ENOMEM). A
 * command whose end TaskOutput or TaskStop already reported is not in it.
 */
json_t *session_take_notifications(struct session *s);

/* The current todo list (a new reference; an empty array at first). */
json_t *session_todos(struct session *s);

/* The output directory in use, or NULL if none was needed yet (borrowed). */
const char *session_output_dir(const struct session *s);

/* Whether the sandbox is usable (false once its warden died). */
bool session_alive(struct session *s);

/*
 * Replace a dead sandbox with a new one (read state and todos are kept).
 * 0 (also when it was alive), or session_open()'s errors. Not while calls
 * are in flight: -CORDON_EINVAL then.
 */
int session_reopen(struct session *s, struct cordon_diag *diag);

/* How many times the warden died in this session. */
unsigned session_warden_deaths(struct session *s);

/* The layers the sandbox provides (LAYER_BIT mask); 0 with an injected runner. Waits for the sandbox. */
unsigned session_layers(const struct session *s);

/*
 * Whether the policy lists sandbox.network.allowedDomains but commands got
 * no route to the egress proxy (degraded mode: no network namespace), so
 * Bash has no network at all. session_open() (or, deferred, session_ready())
 * already put SESSION_EGRESS_UNROUTED in its diag; for a caller that
 * prints its own warnings instead. Waits for the sandbox.
 */
bool session_egress_unrouted(struct session *s);
#define SESSION_EGRESS_UNROUTED                                                                              \
	"sandbox.network.allowedDomains is set, but this sandbox has no network namespace to route it through: " \
	"Bash commands get no network (no proxy variables)"

/*
 * Wait until the sandbox is ready (session_opts.defer_ready): 0, or the
 * error session_open() would have returned, with diag saying why (on
 * success diag may hold a warning: a degraded sandbox). 0 at once for a
 * session opened without defer_ready, or with an injected runner.
 */
int session_ready(struct session *s, struct cordon_diag *diag);

/*
 * The tools a model may be offered under policy p (NULL: every tool):
 * each builtin catalog row the policy enables and cordon can run, as the
 * definitions the Messages API takes ({"name", "description",
 * "input_schema"}), in the catalog's fixed order (byte-stable, for the
 * prompt cache). New reference; NULL on ENOMEM.
 */
json_t *session_tool_definitions(const struct policy *p);

/*
 * Stop the background commands (their trees killed, their threads joined),
 * then the sandbox (kills anything still running), and free. Accepts NULL.
 */
void session_close(struct session *s);

/*
 * The model's view of a saved oversized result (pure; for tests too):
 * "<persisted-output>\nOutput too large (SIZE). Full output saved to: PATH
 * \n\nPreview (first 2KB):\n" + the first 2000 characters, cut back to the
 * last newline when it is past character 1000, + "\n...\n</persisted-output>"
 * ("\n</persisted-output>" when nothing was cut). Appends to out.
 */
int session_format_persisted(struct buf *out, const char *text, size_t n, const char *path);

#endif
