/*
 * todowrite.c — the TodoWrite tool (spec/tools.md §10), run in a compute
 * child with no file access. It only validates: the list itself lives in
 * the supervisor (runtime/toolhost.c), which takes it from the "todos"
 * effect. A list where every item is completed is stored as empty.
 */
#include "tools/result.h"
#include "tools/input.h"
#include "common/error.h"

#include <stdlib.h>
#include <string.h>

#define TODO_MAX_ITEMS 200
#define TODO_MAX_TEXT 4000

static const char *const todo_status[] = { "pending", "in_progress", "completed", NULL };

static const struct input_field todo_item[] = {
	{ .name = "content", .type = INPUT_STRING, .required = true, .has_min = true, .min = 1,
	  .max_len = TODO_MAX_TEXT },
	{ .name = "status", .type = INPUT_STRING, .required = true, .values = todo_status },
	{ .name = "activeForm", .type = INPUT_STRING, .required = true, .has_min = true, .min = 1,
	  .max_len = TODO_MAX_TEXT },
	{ .name = NULL },
};

static const struct input_field todo_fields[] = {
	{ .name = "todos", .type = INPUT_ARRAY, .required = true, .items = todo_item, .max_items = TODO_MAX_ITEMS },
	{ .name = NULL },
};

int tool_todowrite_run(const json_t *request, json_t **out)
{
	json_t *in = NULL, *todos, *item, *keep;
	char *verr = NULL;
	bool all_done = true;
	size_t i;
	int rc;

	*out = NULL;
	rc = input_validate(&in, &verr, "TodoWrite", todo_fields, json_object_get(request, "input"));
	if (rc == -CORDON_EINVAL) {
		rc = result_text(out, true, false, verr);
		goto out;
	}
	if (rc < 0)
		goto out;
	todos = json_object_get(in, "todos");
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
out:
	json_decref(in);
	free(verr);
	return rc;
}
