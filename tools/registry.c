/* registry.c — the run function of each tool, and tool_execute(). */
#include "tools/tool.h"
#include "tools/input.h"
#include "tools/result.h"
#include "tools/search.h"
#include "tools/webfetch.h"
#include "common/error.h"
#include "common/path.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	tool_run_fn run;
} registry[] = {
	{ "Read", tool_read_run },
	{ "Write", tool_write_run },
	{ "Edit", tool_edit_run },
	{ "Glob", tool_glob_run },
	{ "Grep", tool_grep_run },
	/* Bash runs as a command (runtime/session/bash.h), TaskOutput and TaskStop in the supervisor. */
	{ "WebFetch", tool_webfetch_run },
	{ "TodoWrite", tool_todowrite_run },
};

tool_run_fn tool_runner(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(registry) / sizeof(registry[0]); i++)
		if (!strcmp(registry[i].name, name))
			return registry[i].run;
	return NULL;
}

json_t *tool_result_text(const char *text, bool is_error)
{
	return json_pack("{s:s, s:b}", "content", text, "is_error", is_error);
}

/* The input with the row's aliases folded in (old_str -> old_string); new reference. */
static json_t *fold_aliases(const struct tool_entry *t, const json_t *input)
{
	json_t *c, *v;
	size_t i;

	if (!t->aliases || !json_is_object(input))
		return json_incref((json_t *)input);
	c = json_deep_copy(input);
	for (i = 0; c && t->aliases[i][0]; i++) {
		v = json_object_get(c, t->aliases[i][0]);
		if (!v)
			continue;
		if (!json_object_get(c, t->aliases[i][1]) && json_object_set(c, t->aliases[i][1], v) < 0) {
			json_decref(c);
			return NULL;
		}
		json_object_del(c, t->aliases[i][0]);
	}
	return c;
}

/*
 * The path to open: the supervisor's resolution when the request carries
 * one (the path the policy judged), else the same resolution done here.
 */
static int take_path(struct tool_call *call, char *buf, size_t size, json_t **out)
{
	const json_t *req = call->request;
	const char *given = json_string_value(json_object_get(req, "resolved_path"));
	int rc;

	call->path = input_str(call->input, call->entry->path_param);
	if (call->path && !*call->path)
		call->path = NULL; /* an empty optional path is the cwd, as the policy reads it */
	if (given) {
		call->abs = given;
	} else {
		rc = path_resolve(buf, size, call->path ? call->path : ".", json_string_value(json_object_get(req, "cwd")),
				  json_string_value(json_object_get(req, "home")));
		if (rc < 0)
			return result_printf(out, true, true,
					     "cannot resolve the path '%.200s': it is empty, too long or relative to an "
					     "unknown home directory. Use an absolute path.",
					     call->path ? call->path : ".");
		call->abs = buf;
	}
	rc = pathres_from_request(&call->pr, req);
	if (rc < 0)
		return result_printf(out, true, false, "cannot open the workspace: %s", cordon_strerror(rc));
	return 0;
}

int tool_execute(const json_t *request, json_t **out)
{
	struct tool_call call = { 0 };
	const char *name = json_string_value(json_object_get(request, "tool"));
	json_t *input = NULL, *valid = NULL;
	char abs[PATH_NORM_MAX + 1], *verr = NULL;
	tool_run_fn run;
	int rc;

	*out = NULL;
	call.entry = catalog_find(name);
	run = tool_runner(name);
	if (!call.entry || !call.entry->builtin)
		return result_printf(out, true, true, "Error: No such tool available: %.200s", name ? name : "(none)");
	if (!run && call.entry->site != SITE_CHILD)
		return result_text(out, true, false, "this tool does not run in a tool child");
	if (!run)
		return result_text(out, true, false, "this tool is not implemented yet");
	call.request = request;
	input = fold_aliases(call.entry, json_object_get(request, "input"));
	if (!input && json_object_get(request, "input"))
		return -CORDON_ENOMEM;
	rc = input_validate(&valid, &verr, call.entry->name, call.entry->fields, input);
	if (rc == -CORDON_EINVAL) {
		rc = result_text(out, true, false, verr);
		goto out;
	}
	if (rc < 0)
		goto out;
	call.input = valid;
	if (call.entry->path_param) {
		rc = take_path(&call, abs, sizeof(abs), out);
		if (rc < 0 || *out)
			goto out;
	}
	rc = run(&call, out);
out:
	pathres_release(&call.pr);
	json_decref(valid);
	json_decref(input);
	free(verr);
	return rc;
}
