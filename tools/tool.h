/*
 * tool.h — running one tool call, the contract between supervisor and child.
 *
 * Code in tools/ runs inside a confined tool child. A call is JSON in, JSON
 * out, so the child boundary is a plain byte stream:
 *
 *   request  {"tool": "Read", "input": {...},
 *             "cwd": "/abs/cwd", "workspace": "/abs/root",
 *             "roots": ["/abs/extra/read/root", ...],
 *             "resolved_path": "/abs/path",  the input's path parameter as the
 *                                     supervisor resolved it (common/path.h)
 *                                     and the policy judged it
 *             "home": "/abs/home",    only to resolve "~" when resolved_path
 *                                     is absent (tests, direct callers)
 *             "state": {...},         supervisor-kept state the tool needs
 *                                     (e.g. the read-state entry of a path)
 *             "deny_paths": [...],    the policy's Read deny patterns
 *             "placeholders": [...],  sandbox pins the tools treat as missing
 *             "output_dir": "/abs"}   where oversized output may be saved
 *   result   {"content": "text" | [content blocks], "is_error": bool,
 *             "effects": {...}}       what the supervisor should record
 *                                     (e.g. a new read-state entry, todos)
 *
 * tool_execute() is the one place a call starts: it finds the tool's row in
 * the catalog (policy/catalog.h), folds input aliases, validates the input
 * against the row's fields (a validation error is the model's result), takes
 * the resolved path and opens the roots, then calls the tool's run function
 * with a prepared struct tool_call. A run function only does its own work.
 * Nothing here may rely on state outside the request.
 */
#ifndef CORDON_TOOLS_TOOL_H
#define CORDON_TOOLS_TOOL_H

#include <stdbool.h>

#include <jansson.h>

#include "policy/catalog.h"
#include "tools/pathres.h"

/* One call, prepared by tool_execute() for a run function. */
struct tool_call {
	const struct tool_entry *entry;
	const json_t *request; /* the whole request: state, deny_paths, placeholders, ... */
	const json_t *input;   /* validated, coerced, aliases folded */
	/*
	 * Tools with a path_param only (NULL and an empty pr otherwise):
	 * path is the parameter as the model wrote it (for messages; NULL when
	 * an optional path was left out), abs the absolute normal path to open
	 * (the cwd when an optional path was left out), pr the opened roots.
	 */
	const char *path;
	const char *abs;
	struct pathres pr;
};

/*
 * A tool's work. *out is a new result object (see above). Returns 0 when
 * *out is set, even for tool errors (is_error: true); negative CORDON_E*
 * only when no result could be built at all.
 */
typedef int (*tool_run_fn)(struct tool_call *call, json_t **out);

/*
 * The run function of a builtin tool, or NULL (unknown, rules only, or not
 * implemented yet: the agent loop offers only tools that have one).
 */
tool_run_fn tool_runner(const char *name);

/*
 * Run a request through its tool. Unknown tools and malformed requests give
 * an is_error result, not a failure.
 */
int tool_execute(const json_t *request, json_t **out);

/* Build a result object {"content": text, "is_error": is_error}; NULL on ENOMEM. */
json_t *tool_result_text(const char *text, bool is_error);

#endif
