/*
 * toolhost.h — the supervisor's side of tool calls in one session.
 *
 *	struct toolhost *th;
 *	toolhost_open(&th, &opts);
 *	toolhost_call(th, "Read", input, "toolu_01", &result);   (any number)
 *	toolhost_close(th);
 *
 * It keeps what must outlive a child: the read-state map (path -> what the
 * model last saw, spec/tools.md §1.6), the todo list, the output directory.
 * For each call it
 *   1. refuses unknown tools and, through opts.decide, calls the policy
 *      denies (the reason is the model's result);
 *   2. builds the request (tools/tool.h) with the read-state entry of the
 *      target path under "state" (for Grep and Glob, the policy's Read deny
 *      patterns under "deny_paths", through opts.deny_paths) and runs it
 *      with toolrun_call() under the tool's sandbox profile;
 *   3. takes the effects (read_state, todos) out of the untrusted reply,
 *      checking each against what was asked, and never shows them to the
 *      model;
 *   4. replaces empty text with "(<Tool> completed with no output)" and
 *      saves text over the tool's ceiling (Grep 20000, Bash 30000, others
 *      50000 characters; Read never) to OUTPUT_DIR/<tool_use_id>.txt, giving
 *      the model the reference's <persisted-output> preview and the path.
 * The supervisor never opens workspace files itself; it only writes into
 * its own output directory.
 */
#ifndef CORDON_RUNTIME_TOOLHOST_H
#define CORDON_RUNTIME_TOOLHOST_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/buf.h"

struct toolhost;

/*
 * Policy hook: return 0 to allow; 1 to deny with *out_reason (malloc'd,
 * the model-facing text); negative CORDON_E* to fail the call closed.
 */
typedef int (*toolhost_decide_fn)(void *ctx, const char *tool, const json_t *input, char **out_reason);

/*
 * Deny-paths hook, asked for Grep and Glob calls the policy allowed:
 * *out = a new JSON array of absolute patterns (policy_read_deny_patterns())
 * sent as the request's "deny_paths" (tools/search.h), so the walk leaves
 * out what the Read deny rules cover; *out may stay NULL (none). Return 0,
 * or negative CORDON_E* to fail the call closed (never search without the
 * rules).
 */
typedef int (*toolhost_deny_paths_fn)(void *ctx, const char *tool, json_t **out);

struct toolhost_opts {
	const char *workspace;      /* absolute; the writable root */
	const char *cwd;            /* absolute; NULL = workspace */
	const char *const *roots;   /* extra read-only roots */
	size_t nroots;
	const char *output_dir;     /* NULL: a private directory under $TMPDIR, made when first needed */
	unsigned timeout_ms;        /* per call; 0 = toolrun's default */
	unsigned require;           /* LAYER_BIT mask of sandbox layers the policy requires */
	toolhost_decide_fn decide;  /* NULL: everything the registry has is allowed */
	void *decide_ctx;           /* for decide and deny_paths */
	toolhost_deny_paths_fn deny_paths; /* NULL: no deny paths sent */
};

int toolhost_open(struct toolhost **out, const struct toolhost_opts *opts);

/*
 * Run one call. *out is a new {"content": string | blocks, "is_error": bool}.
 * tool_use_id names a saved oversized output (NULL: one is made up).
 * Returns 0 whenever a result was produced (tool errors included);
 * negative CORDON_E* when nothing could be run (fail closed).
 */
int toolhost_call(struct toolhost *th, const char *name, const json_t *input, const char *tool_use_id,
		  json_t **out);

/*
 * The effects of the last call as checked and recorded (borrowed, valid
 * until the next call; NULL when it had none): "read_state", "todos",
 * "file_changed" ({"path", "kind": "create"|"update"}) — for events and the
 * end-of-run git step, never for the model.
 */
const json_t *toolhost_last_effects(const struct toolhost *th);

/* The current todo list (borrowed; an empty array at first). */
const json_t *toolhost_todos(const struct toolhost *th);

/* The output directory in use, or NULL if none was needed yet. */
const char *toolhost_output_dir(const struct toolhost *th);

void toolhost_close(struct toolhost *th);

/*
 * The model's view of a saved oversized result (pure; for tests too):
 * "<persisted-output>\nOutput too large (SIZE). Full output saved to: PATH
 * \n\nPreview (first 2KB):\n" + the first 2000 characters, cut back to the
 * last newline when it is past character 1000, + "\n...\n</persisted-output>"
 * ("\n</persisted-output>" when nothing was cut). Appends to out.
 */
int toolhost_format_persisted(struct buf *out, const char *text, size_t n, const char *path);

/* The size ceiling (characters) of a tool's result text; 0 = none. */
size_t toolhost_result_cap(const char *tool);

#endif
