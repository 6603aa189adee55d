/*
 * todowrite.c — the TodoWrite tool (docs/tools.md, "TodoWrite"), run in a
 * compute child with no file access. It only validates (tool_execute()
 * checks the list against the catalog's fields): the list itself lives in
 * the supervisor (runtime/session/session.c), which takes it from the "todos"
 * effect. A list where every item is completed is stored as empty.
 */
#include "tools/result.h"
#include "tools/tool.h"
#include "common/error.h"

#include <string.h>

int tool_todowrite_run(struct tool_call *call, json_t **out)
{
	json_t *todos, *item, *keep;
	bool all_done = true;
	size_t i;
	int rc;

	*out = NULL;
	todos = json_object_get(call->input, "todos");
	json_array_foreach(todos, i, item)
		if (strcmp(json_string_value(json_object_get(item, "status")), "completed"))
			all_done = false;
	keep = all_done ? json_array() : json_incref(todos);
	rc = result_text(out, false, false,
			 "Todos have been modified successfully. Ensure that you continue to use the todo list to "
			 "track your progress. Please proceed with the current tasks if applicable");
	if (rc == 0)
		rc = result_effect(*out, "todos", keep);
	else
		json_decref(keep);
	return rc;
}
