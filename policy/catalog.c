/* catalog.c — the tool table (see catalog.h). */
#include "policy/catalog.h"

#include <string.h>

/* ---- input tables ---------------------------------------------------------- */

static const struct input_field read_fields[] = {
	{ .name = "file_path", .type = INPUT_STRING, .required = true, .no_nul = true,
	  .desc = "The absolute path of the file to read" },
	{ .name = "offset", .type = INPUT_INT, .has_min = true, .min = 0,
	  .desc = "The line number to start reading at. Only give it when the file is too large to read at once" },
	{ .name = "limit", .type = INPUT_INT, .has_min = true, .min = 0, .min_exclusive = true,
	  .desc = "How many lines to read. Only give it when the file is too large to read at once" },
	{ .name = "pages", .type = INPUT_STRING,
	  .desc = "Page range of a PDF file (\"1-5\", \"3\", \"10-20\"); at most 20 pages per request" },
	{ .name = NULL },
};

static const struct input_field write_fields[] = {
	{ .name = "file_path", .type = INPUT_STRING, .required = true, .no_nul = true,
	  .desc = "The absolute path of the file to write (it must be absolute, not relative)" },
	{ .name = "content", .type = INPUT_STRING, .required = true, .max_len = CATALOG_MAX_WRITE,
	  .desc = "The whole content to write to the file" },
	{ .name = NULL },
};

static const struct input_field edit_fields[] = {
	{ .name = "file_path", .type = INPUT_STRING, .required = true, .no_nul = true,
	  .desc = "The absolute path of the file to change" },
	{ .name = "old_string", .type = INPUT_STRING, .required = true, .max_len = CATALOG_MAX_EDIT,
	  .desc = "The text to replace" },
	{ .name = "new_string", .type = INPUT_STRING, .required = true, .max_len = CATALOG_MAX_EDIT,
	  .desc = "The text to put in its place (it must differ from old_string)" },
	{ .name = "replace_all", .type = INPUT_BOOL, .dflt = "false",
	  .desc = "Replace every occurrence of old_string (default false)" },
	{ .name = NULL },
};

static const char *const edit_aliases[][2] = {
	{ "old_str", "old_string" },
	{ "new_str", "new_string" },
	{ NULL, NULL },
};

static const struct input_field glob_fields[] = {
	{ .name = "pattern", .type = INPUT_STRING, .required = true, .no_nul = true,
	  .desc = "The glob pattern to match file names against" },
	{ .name = "path", .type = INPUT_STRING, .no_nul = true,
	  .desc = "The directory to search in. Leave it out to search the current working directory; never "
		  "pass \"undefined\" or \"null\". When given, it must be an existing directory" },
	{ .name = NULL },
};

static const char *const grep_modes[] = { "content", "files_with_matches", "count", NULL };

static const struct input_field grep_fields[] = {
	{ .name = "pattern", .type = INPUT_STRING, .required = true, .no_nul = true,
	  .desc = "The regular expression to search file contents for" },
	{ .name = "path", .type = INPUT_STRING, .no_nul = true,
	  .desc = "The file or directory to search in (default: the current working directory)" },
	{ .name = "glob", .type = INPUT_STRING, .no_nul = true,
	  .desc = "Only search files whose names match this glob (e.g. \"*.js\", \"*.{ts,tsx}\")" },
	{ .name = "output_mode", .type = INPUT_STRING, .values = grep_modes,
	  .desc = "\"content\" shows matching lines (-A/-B/-C, -n, head_limit apply), \"files_with_matches\" "
		  "shows file paths (head_limit applies), \"count\" shows match counts. Default: "
		  "\"files_with_matches\"" },
	{ .name = "-B", .type = INPUT_INT, .number = true,
	  .desc = "Lines of context before each match (output_mode \"content\" only)" },
	{ .name = "-A", .type = INPUT_INT, .number = true,
	  .desc = "Lines of context after each match (output_mode \"content\" only)" },
	{ .name = "-C", .type = INPUT_INT, .number = true, .desc = "Alias for context" },
	{ .name = "context", .type = INPUT_INT, .number = true,
	  .desc = "Lines of context before and after each match (output_mode \"content\" only)" },
	{ .name = "-n", .type = INPUT_BOOL,
	  .desc = "Show line numbers (output_mode \"content\" only). Default true" },
	{ .name = "-i", .type = INPUT_BOOL, .desc = "Search case-insensitively" },
	{ .name = "type", .type = INPUT_STRING, .no_nul = true,
	  .desc = "Only search files of this type (js, py, rust, go, java, ...): faster than glob for standard "
		  "types" },
	{ .name = "head_limit", .type = INPUT_INT, .number = true,
	  .desc = "Show only the first N lines or entries, after offset. Default 250; 0 shows everything (use "
		  "sparingly)" },
	{ .name = "offset", .type = INPUT_INT, .number = true,
	  .desc = "Skip the first N lines or entries before head_limit applies. Default 0" },
	{ .name = "multiline", .type = INPUT_BOOL,
	  .desc = "Let patterns span lines, with . matching newlines. Default false" },
	{ .name = NULL },
};

static const struct input_field bash_fields[] = {
	{ .name = "command", .type = INPUT_STRING, .required = true, .no_nul = true, .max_len = CATALOG_MAX_COMMAND,
	  .desc = "The command to run" },
	{ .name = "timeout", .type = INPUT_INT, .number = true,
	  .desc = "Optional timeout in milliseconds (at most 600000; larger values are taken as 600000)" },
	{ .name = "description", .type = INPUT_STRING,
	  .desc = "What the command does, in 5-10 words of active voice (e.g. \"List files in current "
		  "directory\")" },
	{ .name = "run_in_background", .type = INPUT_BOOL,
	  .desc = "Run the command in the background; read its output later with TaskOutput, stop it with "
		  "TaskStop" },
	{ .name = NULL },
};

static const struct input_field task_output_fields[] = {
	{ .name = "task_id", .type = INPUT_STRING, .required = true, .no_nul = true, .max_len = CATALOG_MAX_TASK_ID,
	  .desc = "The ID of the background task to read" },
	{ .name = "block", .type = INPUT_BOOL, .dflt = "true",
	  .desc = "Wait for the task to finish (default true); false reads what it has written so far" },
	{ .name = "timeout", .type = INPUT_INT, .number = true, .has_min = true, .min = 0, .dflt = "30000",
	  .desc = "How long to wait, in milliseconds (default 30000, at most 600000)" },
	{ .name = NULL },
};

static const struct input_field task_stop_fields[] = {
	{ .name = "task_id", .type = INPUT_STRING, .required = true, .no_nul = true, .max_len = CATALOG_MAX_TASK_ID,
	  .desc = "The ID of the background task to stop" },
	{ .name = NULL },
};

/* KillShell's name for it, still accepted. */
static const char *const task_stop_aliases[][2] = {
	{ "shell_id", "task_id" },
	{ NULL, NULL },
};

static const struct input_field fetch_fields[] = {
	{ .name = "url", .type = INPUT_STRING, .required = true, .no_nul = true, .max_len = CATALOG_MAX_URL,
	  .format = "uri", .desc = "The URL to fetch" },
	{ .name = "prompt", .type = INPUT_STRING, .required = true,
	  .desc = "What to find out from the fetched page" },
	{ .name = NULL },
};

static const char *const todo_status[] = { "pending", "in_progress", "completed", NULL };

static const struct input_field todo_item[] = {
	{ .name = "content", .type = INPUT_STRING, .required = true, .has_min = true, .min = 1,
	  .max_len = CATALOG_MAX_TODO_TEXT },
	{ .name = "status", .type = INPUT_STRING, .required = true, .values = todo_status },
	{ .name = "activeForm", .type = INPUT_STRING, .required = true, .has_min = true, .min = 1,
	  .max_len = CATALOG_MAX_TODO_TEXT },
	{ .name = NULL },
};

static const struct input_field todo_fields[] = {
	{ .name = "todos", .type = INPUT_ARRAY, .required = true, .items = todo_item,
	  .max_items = CATALOG_MAX_TODOS, .desc = "The updated todo list" },
	{ .name = NULL },
};

static const struct input_field notebook_fields[] = {
	{ .name = "notebook_path", .type = INPUT_STRING, .required = true, .no_nul = true },
	{ .name = NULL },
};

/* ---- descriptions ---------------------------------------------------------- */

#define READ_DESC                                                                                              \
	"Reads a file from the local filesystem. You can read any file inside the allowed directories "       \
	"directly.\n\n"                                                                                        \
	"Usage:\n"                                                                                             \
	"- file_path must be an absolute path.\n"                                                              \
	"- By default the whole file is read, from the first line. Give offset and limit for long files; "     \
	"reading the whole file is usually best.\n"                                                            \
	"- The result is numbered like cat -n: each line is the line number, a tab, then the line.\n"         \
	"- Images (PNG, JPG, GIF, WEBP) come back as images; Jupyter notebooks (.ipynb) as their cells with "   \
	"outputs.\n"                                                                                           \
	"- Directories cannot be read: list them with Glob or ls in Bash.\n"                                   \
	"- You may read several files in one turn with parallel calls.\n"                                      \
	"- An empty file comes back with a warning instead of content."

#define WRITE_DESC                                                                                             \
	"Writes a file to the local filesystem.\n\n"                                                           \
	"Usage:\n"                                                                                             \
	"- This replaces the file if one exists at that path.\n"                                               \
	"- An existing file must have been read with Read first in this conversation, or the write fails.\n"   \
	"- Prefer editing existing files with Edit; only create new files when the task needs them.\n"         \
	"- Do not create documentation files (*.md, README) unless asked to."

#define EDIT_DESC                                                                                              \
	"Replaces exact text in a file.\n\n"                                                                   \
	"Usage:\n"                                                                                             \
	"- Read the file at least once in this conversation before editing it, or the edit fails.\n"           \
	"- When copying text from Read output, keep the indentation exactly as it appears after the line "     \
	"number and tab prefix; never include any part of that prefix in old_string or new_string.\n"          \
	"- The edit fails if old_string does not occur in the file, or occurs more than once and replace_all " \
	"is false: give more surrounding context to make it unique, or set replace_all.\n"                    \
	"- replace_all changes every occurrence, e.g. to rename a variable.\n"                                 \
	"- An empty old_string on a file that does not exist creates it with new_string."

#define GLOB_DESC                                                                                              \
	"Fast file name pattern matching for a codebase of any size.\n"                                        \
	"- Patterns such as \"**/*.js\" or \"src/**/*.ts\".\n"                                                  \
	"- Returns matching paths sorted by modification time.\n"                                              \
	"- Use it to find files by name; use Grep to search their contents.\n"                                 \
	"- Several searches that may help can be run as parallel calls in one turn."

#define GREP_DESC                                                                                              \
	"Searches file contents with regular expressions (ripgrep syntax).\n\n"                                \
	"Usage:\n"                                                                                             \
	"- Use Grep for content searches; do not run grep or rg through Bash.\n"                               \
	"- Full regular expressions, e.g. \"log.*Error\", \"function\\\\s+\\\\w+\". Literal braces need "       \
	"escaping (\"interface\\\\{\\\\}\" finds interface{}).\n"                                               \
	"- Filter files with glob (\"*.js\", \"**/*.tsx\") or type (\"js\", \"py\", \"rust\").\n"               \
	"- output_mode: \"content\" shows matching lines, \"files_with_matches\" (the default) only paths, "    \
	"\"count\" the number of matches per file.\n"                                                          \
	"- Patterns match within one line; set multiline for patterns that span lines."

#define BASH_DESC                                                                                              \
	"Runs a bash command in a sandbox and returns its output.\n\n"                                         \
	"- The working directory persists between calls; shell variables and functions do not.\n"              \
	"- Quote paths that contain spaces. Prefer absolute paths over cd.\n"                                  \
	"- Prefer the dedicated tools to shell commands for their jobs: Glob (not find or ls), Grep (not grep " \
	"or rg), Read (not cat, head or tail), Edit (not sed or awk), Write (not echo or cat with a heredoc).\n" \
	"- Independent commands can be parallel calls; chain dependent ones with &&.\n"                        \
	"- stdout and stderr come back together. A command that exits non-zero is reported with its exit "     \
	"code. Output longer than 30000 characters is saved to a file and previewed.\n"                        \
	"- The default timeout is 120000 ms (2 minutes), at most 600000 ms.\n"                                 \
	"- run_in_background starts the command and returns at once with a task ID; read its output with "  \
	"TaskOutput and stop it with TaskStop. Background commands end with the session.\n"                   \
	"- Commands run in a sandbox: no network, and files outside the workspace (and guarded files such as " \
	"git hooks and configuration) are read-only. A refusal the sandbox caused says \"blocked by cordon\": " \
	"do not retry it."

#define TASK_OUTPUT_DESC                                                                                       \
	"- Retrieves the output of a background command (run_in_background) by its task ID\n"                  \
	"- Returns what it wrote so far along with its status (running, completed, failed, killed) and exit "  \
	"code\n"                                                                                                \
	"- block=true (the default) waits until the command ends or the timeout passes; block=false checks "    \
	"at once\n"                                                                                             \
	"- Long output is cut to its end; the whole output stays in the task's output file"

#define TASK_STOP_DESC                                                                                         \
	"- Stops a running background command by its task ID (its whole process tree is killed)\n"             \
	"- Returns whether it was stopped\n"                                                                   \
	"- Use it for a long-running command you no longer need, such as a test server"

#define FETCH_DESC                                                                                             \
	"Fetches a URL and answers a prompt about its content.\n"                                              \
	"- The page is fetched, HTML is converted to markdown, and the prompt is applied to it.\n"             \
	"- http URLs are upgraded to https. Private, authenticated and local addresses cannot be fetched.\n"   \
	"- A redirect to another host is reported instead of followed: fetch the new URL with another call.\n" \
	"- Results are cached for 15 minutes."

#define TODO_DESC                                                                                              \
	"Creates and updates a structured task list for the current session. Use it to track progress on "    \
	"work with three or more steps, and to show the user what you are doing.\n\n"                          \
	"- Each item has content (what to do, imperative), activeForm (the same in the present continuous, "   \
	"shown while it runs) and status: pending, in_progress or completed.\n"                                \
	"- Keep exactly one item in_progress at a time; mark items completed as soon as they are done.\n"      \
	"- Skip it for single, trivial tasks."

/* ---- the table ------------------------------------------------------------- */

static const struct tool_entry rows[] = {
	{ .name = "Read", .builtin = true, .profile = PROFILE_READONLY, .concurrency_safe = true,
	  .check = CHECK_READ_FILE, .rules = RULES_PATH, .family = FAMILY_READ, .family_rules = true,
	  .path_param = "file_path", .result_cap = 0, .effects = EFFECT_READ_STATE, .fields = read_fields,
	  .description = READ_DESC },
	{ .name = "Write", .builtin = true, .profile = PROFILE_WRITE, .check = CHECK_WRITE_FILE, .rules = RULES_PATH,
	  .family = FAMILY_EDIT, .family_rules = true, .path_param = "file_path", .result_cap = 50000,
	  .effects = EFFECT_READ_STATE | EFFECT_FILE_CHANGED, .fields = write_fields, .description = WRITE_DESC },
	{ .name = "Edit", .builtin = true, .profile = PROFILE_WRITE, .check = CHECK_WRITE_FILE, .rules = RULES_PATH,
	  .family = FAMILY_EDIT, .family_rules = true, .path_param = "file_path", .result_cap = 50000,
	  .effects = EFFECT_READ_STATE | EFFECT_FILE_CHANGED, .fields = edit_fields, .aliases = edit_aliases,
	  .description = EDIT_DESC },
	{ .name = "Glob", .builtin = true, .profile = PROFILE_READONLY, .concurrency_safe = true,
	  .check = CHECK_GLOB, .rules = RULES_PATH, .family = FAMILY_READ, .path_param = "path",
	  .result_cap = 50000, .fields = glob_fields, .description = GLOB_DESC },
	{ .name = "Grep", .builtin = true, .profile = PROFILE_READONLY, .concurrency_safe = true,
	  .check = CHECK_GREP, .rules = RULES_PATH, .family = FAMILY_READ, .path_param = "path",
	  .result_cap = 20000, .fields = grep_fields, .description = GREP_DESC },
	{ .name = "Bash", .builtin = true, .site = SITE_COMMAND, .profile = PROFILE_BASH, .check = CHECK_COMMAND,
	  .rules = RULES_COMMAND, .result_cap = 30000, .fields = bash_fields, .description = BASH_DESC },
	{ .name = "TaskOutput", .builtin = true, .site = SITE_SUPERVISOR, .profile = PROFILE_BASH,
	  .concurrency_safe = true, .check = CHECK_NONE, .result_cap = 100000, .fields = task_output_fields,
	  .description = TASK_OUTPUT_DESC, .companion_of = "Bash" },
	{ .name = "TaskStop", .builtin = true, .site = SITE_SUPERVISOR, .profile = PROFILE_BASH, .check = CHECK_NONE,
	  .result_cap = 100000, .fields = task_stop_fields, .aliases = task_stop_aliases,
	  .description = TASK_STOP_DESC, .companion_of = "Bash" },
	{ .name = "WebFetch", .builtin = true, .profile = PROFILE_FETCH, .concurrency_safe = true,
	  .check = CHECK_URL, .rules = RULES_DOMAIN, .result_cap = 50000, .fields = fetch_fields,
	  .description = FETCH_DESC },
	{ .name = "TodoWrite", .builtin = true, .profile = PROFILE_COMPUTE, .check = CHECK_NONE,
	  .result_cap = 50000, .effects = EFFECT_TODOS, .fields = todo_fields, .description = TODO_DESC },
	/* Claude Code's, not ours: settings may carry its rules. */
	{ .name = "NotebookEdit", .builtin = false, .profile = PROFILE_WRITE, .check = CHECK_WRITE_FILE,
	  .rules = RULES_PATH, .family = FAMILY_EDIT, .path_param = "notebook_path", .fields = notebook_fields },
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

const struct tool_entry *catalog_rows(size_t *out_count)
{
	*out_count = NROWS;
	return rows;
}

const struct tool_entry *catalog_find(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < NROWS; i++)
		if (!strcmp(rows[i].name, name))
			return &rows[i];
	return NULL;
}

bool catalog_rule_governs(const char *rule_tool, const char *tool)
{
	const struct tool_entry *r, *t;

	if (!strcmp(rule_tool, tool))
		return true;
	r = catalog_find(rule_tool);
	t = catalog_find(tool);
	return r && t && r->family_rules && r->family != FAMILY_NONE && r->family == t->family;
}

/* ---- schemas --------------------------------------------------------------- */

static json_t *fields_schema(const struct input_field *fields, bool top);

static json_t *field_schema(const struct input_field *f)
{
	json_t *o = json_object(), *v;
	size_t i;

	if (!o)
		return NULL;
	switch (f->type) {
	case INPUT_STRING:
		if (json_object_set_new(o, "type", json_string("string")) < 0)
			goto fail;
		if (f->values) {
			json_t *e = json_array();

			if (!e || json_object_set_new(o, "enum", e) < 0)
				goto fail;
			for (i = 0; f->values[i]; i++)
				if (json_array_append_new(e, json_string(f->values[i])) < 0)
					goto fail;
		}
		if (f->has_min && json_object_set_new(o, "minLength", json_integer(f->min)) < 0)
			goto fail;
		if (f->format && json_object_set_new(o, "format", json_string(f->format)) < 0)
			goto fail;
		break;
	case INPUT_INT:
		if (json_object_set_new(o, "type", json_string(f->number ? "number" : "integer")) < 0)
			goto fail;
		if (f->has_min && json_object_set_new(o, f->min_exclusive ? "exclusiveMinimum" : "minimum",
						      json_integer(f->min)) < 0)
			goto fail;
		break;
	case INPUT_BOOL:
		if (json_object_set_new(o, "type", json_string("boolean")) < 0)
			goto fail;
		break;
	case INPUT_ARRAY:
		if (json_object_set_new(o, "type", json_string("array")) < 0 ||
		    json_object_set_new(o, "items", fields_schema(f->items, false)) < 0)
			goto fail;
		break;
	}
	if (f->dflt) {
		v = json_loads(f->dflt, JSON_DECODE_ANY, NULL);
		if (!v || json_object_set_new(o, "default", v) < 0)
			goto fail;
	}
	if (f->desc && json_object_set_new(o, "description", json_string(f->desc)) < 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

static json_t *fields_schema(const struct input_field *fields, bool top)
{
	json_t *o = json_object(), *props = json_object(), *req = json_array(), *p;
	const struct input_field *f;
	int rc;

	if (!o || !props || !req)
		goto fail;
	for (f = fields; f->name; f++) {
		p = field_schema(f);
		if (!p || json_object_set_new(props, f->name, p) < 0)
			goto fail;
		if (f->required && json_array_append_new(req, json_string(f->name)) < 0)
			goto fail;
	}
	if (json_object_set_new(o, "type", json_string("object")) < 0)
		goto fail;
	/* The _new setters take the reference even when they fail. */
	rc = json_object_set_new(o, "properties", props);
	props = NULL;
	if (rc < 0)
		goto fail;
	rc = json_object_set_new(o, "required", req);
	req = NULL;
	if (rc < 0 || json_object_set_new(o, "additionalProperties", json_false()) < 0)
		goto fail;
	if (top && json_object_set_new(o, "$schema", json_string("http://json-schema.org/draft-07/schema#")) < 0)
		goto fail;
	return o;
fail:
	json_decref(props);
	json_decref(req);
	json_decref(o);
	return NULL;
}

json_t *catalog_tool_json(const struct tool_entry *t)
{
	json_t *o;

	if (!t || !t->builtin)
		return NULL;
	o = json_object();
	if (!o || json_object_set_new(o, "name", json_string(t->name)) < 0 ||
	    json_object_set_new(o, "description", json_string(t->description)) < 0 ||
	    json_object_set_new(o, "input_schema", fields_schema(t->fields, true)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}
