#include "tools/tool.h"
#include "tools/result.h"
#include "tools/search.h"
#include "common/error.h"

#include <stdio.h>
#include <string.h>

/* Placeholder entries; each tool's file replaces its `run` as it lands. */
static int tool_not_implemented(const json_t *request, json_t **out)
{
	(void)request;
	*out = tool_result_text("this tool is not implemented yet", true);
	return *out ? 0 : -CORDON_ENOMEM;
}

static const struct tool_spec registry[] = {
	{ "Read", PROFILE_READONLY, true, tool_read_run },
	{ "Write", PROFILE_WRITE, false, tool_write_run },
	{ "Edit", PROFILE_WRITE, false, tool_edit_run },
	{ "Glob", PROFILE_READONLY, true, tool_glob_run },
	{ "Grep", PROFILE_READONLY, true, tool_grep_run },
	{ "Bash", PROFILE_BASH, false, tool_not_implemented },
	{ "WebFetch", PROFILE_FETCH, true, tool_not_implemented },
	{ "TodoWrite", PROFILE_COMPUTE, false, tool_todowrite_run },
};

const struct tool_spec *tool_list(unsigned *out_count)
{
	*out_count = sizeof(registry) / sizeof(registry[0]);
	return registry;
}

const struct tool_spec *tool_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(registry) / sizeof(registry[0]); i++)
		if (!strcmp(registry[i].name, name))
			return &registry[i];
	return NULL;
}

json_t *tool_result_text(const char *text, bool is_error)
{
	return json_pack("{s:s, s:b}", "content", text, "is_error", is_error);
}

int tool_execute(const json_t *request, json_t **out)
{
	const struct tool_spec *spec;
	const char *name = json_string_value(json_object_get(request, "tool"));
	char msg[256];

	*out = NULL;
	spec = name ? tool_find(name) : NULL;
	if (!spec) {
		snprintf(msg, sizeof(msg), "<tool_use_error>Error: No such tool available: %s</tool_use_error>",
			 name ? name : "(none)");
		*out = tool_result_text(msg, true);
		return *out ? 0 : -CORDON_ENOMEM;
	}
	return spec->run(request, out);
}
