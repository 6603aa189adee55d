/*
 * tool.h — the tool registry and the contract of one tool call.
 *
 * Code in tools/ runs inside a confined tool child. A call is JSON in, JSON
 * out, so the child boundary is a plain byte stream:
 *
 *   request  {"tool": "Read", "input": {...},
 *             "cwd": "/abs/cwd", "workspace": "/abs/root",
 *             "roots": ["/abs/extra/read/root", ...],
 *             "state": {...},         supervisor-kept state the tool needs
 *                                     (e.g. the read-state entry of a path)
 *             "output_dir": "/abs"}   where oversized output may be saved
 *   result   {"content": "text" | [content blocks], "is_error": bool,
 *             "effects": {...}}       what the supervisor should record
 *                                     (e.g. a new read-state entry, todos)
 *
 * The supervisor side (runtime/toolrun.h) decides policy, builds the request,
 * runs tool_execute() in a child with the tool's profile and reads the result
 * back with a size cap. Nothing here may rely on state outside the request.
 */
#ifndef CORDON_TOOLS_TOOL_H
#define CORDON_TOOLS_TOOL_H

#include <stdbool.h>

#include <jansson.h>

#include "policy/profile.h"

struct tool_spec {
	const char *name;
	enum sandbox_profile profile; /* the child's confinement */
	bool concurrency_safe;        /* may run beside other calls of one turn */
	/*
	 * Carry out a request; *out is a new result object (see above).
	 * Returns 0 when *out is set, even for tool errors (is_error: true);
	 * negative CORDON_E* only when no result could be built at all.
	 */
	int (*run)(const json_t *request, json_t **out);
};

/* The tool called `name` (case-sensitive, as the model spells it), or NULL. */
const struct tool_spec *tool_find(const char *name);

/* The registry, in a stable order, for schemas and listings. */
const struct tool_spec *tool_list(unsigned *out_count);

/*
 * Run a request through its tool. Unknown tools and malformed requests give
 * an is_error result, not a failure.
 */
int tool_execute(const json_t *request, json_t **out);

/* Build a result object {"content": text, "is_error": is_error}; NULL on ENOMEM. */
json_t *tool_result_text(const char *text, bool is_error);

#endif
