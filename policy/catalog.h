/*
 * catalog.h — what cordon knows about each tool, in one table of pure data.
 *
 * Every part of cordon that cares about a tool reads its row here instead of
 * spelling the tool's name: the policy (how a call is judged, which rules
 * govern it), the rule parser (what a specifier means), the supervisor's
 * session (profile, result ceiling, which effects a child may claim, the
 * schema offered to the model) and the child's registry (input validation,
 * which parameter is the path). A new tool is one row here plus its run
 * function in tools/registry.c.
 *
 *	const struct tool_entry *t = catalog_find("Read");
 *	if (!t || !t->builtin) -> not a tool cordon runs
 *	t->profile, t->path_param, t->result_cap, t->fields ...
 *	json_t *schema = catalog_tool_json(t);   {"name","description","input_schema"}
 *
 * Rows with builtin == false are Claude Code tools cordon does not run but
 * whose rules a settings file may carry (NotebookEdit): the rule parser
 * knows their specifier syntax, nothing offers or runs them.
 *
 * Pure data and pure functions: no syscalls, no state.
 */
#ifndef CORDON_POLICY_CATALOG_H
#define CORDON_POLICY_CATALOG_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "policy/profile.h"

/* ---- input fields ---------------------------------------------------------- */

enum input_type {
	INPUT_STRING,
	INPUT_INT,   /* a JSON integer (a number with no fraction) */
	INPUT_BOOL,
	INPUT_ARRAY, /* of objects described by .items */
};

/*
 * One input parameter: what tools/input.h validates, and what the model's
 * JSON schema says. A table ends with a row whose name is NULL.
 */
struct input_field {
	const char *name;
	enum input_type type;
	bool required;
	bool has_min;
	bool min_exclusive;
	long long min;                   /* INPUT_INT value, INPUT_STRING length */
	const char *const *values;       /* INPUT_STRING enum, NULL-terminated */
	const struct input_field *items; /* INPUT_ARRAY element fields */
	size_t max_items;                /* INPUT_ARRAY cap; 0 = none */
	size_t max_len;                  /* INPUT_STRING byte cap; 0 = none */
	bool no_nul;                     /* INPUT_STRING: refuse embedded NULs (paths, patterns, commands) */
	/* The schema only (the reference's wording of the type, in our words): */
	const char *desc;   /* one line for the model */
	bool number;        /* INPUT_INT shown as "number", as the reference does */
	const char *dflt;   /* JSON text of the default, or NULL */
	const char *format; /* JSON schema "format" ("uri"), or NULL */
};

/* ---- ceilings every side agrees on ------------------------------------------ */

#define CATALOG_MAX_WRITE (64u << 20)  /* Write content, bytes */
#define CATALOG_MAX_EDIT (64u << 20)   /* Edit old/new strings, bytes */
#define CATALOG_MAX_TODO_TEXT 4000     /* one todo's content/activeForm, bytes */
#define CATALOG_MAX_TODOS 200          /* items in one TodoWrite */
#define CATALOG_MAX_COMMAND (1u << 20) /* a Bash command, bytes */
#define CATALOG_MAX_URL 2000           /* a WebFetch URL, bytes (the reference's limit) */
#define CATALOG_MAX_TASK_ID 64         /* a background task id, bytes */

/* Bash's timeout input (ms): the default, and the ceiling larger values are clamped to (the reference's). */
#define CATALOG_BASH_TIMEOUT_MS 120000
#define CATALOG_BASH_MAX_TIMEOUT_MS 600000
/* TaskOutput's wait (ms): the default and the ceiling. */
#define CATALOG_TASK_WAIT_MS 30000
#define CATALOG_TASK_MAX_WAIT_MS 600000

/* ---- the rows ------------------------------------------------------------- */

/* How policy_decide() judges a call of the tool. */
enum tool_check {
	CHECK_NONE,       /* touches nothing outside the supervisor: allowed once enabled */
	CHECK_READ_FILE,  /* path_param is a file to read */
	CHECK_WRITE_FILE, /* path_param is a file to write */
	CHECK_GLOB,       /* the pattern's literal prefix under path_param */
	CHECK_GREP,       /* path_param (default: cwd) is read */
	CHECK_COMMAND,    /* a shell command line */
	CHECK_URL,        /* a URL to fetch */
};

/* What a rule's specifier means for the tool: Tool(specifier). */
enum tool_rules {
	RULES_OTHER,   /* kept verbatim, matched by equality */
	RULES_PATH,    /* gitignore-style path patterns */
	RULES_COMMAND, /* Bash command patterns */
	RULES_DOMAIN,  /* domain:HOST */
};

/* Tools whose path rules govern each other (Claude Code: Read rules govern Glob and Grep). */
enum tool_family { FAMILY_NONE, FAMILY_READ, FAMILY_EDIT };

/* Where a builtin tool's work runs. */
enum tool_site {
	SITE_CHILD,      /* tool_execute() in a confined child: tools/registry.c has its run function */
	SITE_COMMAND,    /* a command exec'd in the sandbox: Bash (runtime/session/bash.h) */
	SITE_SUPERVISOR, /* the supervisor alone, no child: the background commands' companions */
};

/* Effects a child may claim for the supervisor to record (bits). */
#define EFFECT_READ_STATE 0x1u   /* "read_state" for the call's own path */
#define EFFECT_FILE_CHANGED 0x2u /* "file_changed" for the call's own path */
#define EFFECT_TODOS 0x4u        /* "todos": the new todo list */

struct tool_entry {
	const char *name;             /* as the model spells it */
	bool builtin;                 /* cordon runs it (false: rules only) */
	enum tool_site site;          /* where its work runs */
	/*
	 * The child's confinement; a supervisor tool has the profile of the
	 * processes it manages (TaskStop: Bash's), which is what the git
	 * record checkpoints after (runtime/cli/run_git.c).
	 */
	enum sandbox_profile profile;
	bool concurrency_safe;        /* may run beside other calls of one turn */
	enum tool_check check;
	enum tool_rules rules;
	enum tool_family family;
	bool family_rules;            /* its path rules govern its whole family */
	const char *path_param;       /* the input naming the file or directory; NULL */
	size_t result_cap;            /* characters of result text; 0 = none */
	unsigned effects;             /* EFFECT_* bits */
	const struct input_field *fields;
	const char *const (*aliases)[2]; /* {alias, name} pairs accepted in input, NULL-ended */
	const char *description;      /* model-facing */
	/*
	 * A companion comes with another tool: enabled wherever that one is
	 * and not itself disabled (TaskOutput and TaskStop with Bash: an agent
	 * whose tools line says Bash can read and stop its background
	 * commands). NULL for most.
	 */
	const char *companion_of;
};

/* The row of a tool (builtin or not), or NULL. Case-sensitive. */
const struct tool_entry *catalog_find(const char *name);

/* All rows in a stable order (builtin first, in the order offered to the model). */
const struct tool_entry *catalog_rows(size_t *out_count);

/* Whether rule tool `rule_tool`'s path rules govern calls of `tool`. */
bool catalog_rule_governs(const char *rule_tool, const char *tool);

/*
 * The model-facing definition of a builtin tool, as Claude Code sends it:
 * {"name", "description", "input_schema": {"type":"object", "properties",
 * "required", "additionalProperties": false, "$schema"}}. Keys in a fixed
 * order, so the serialised tools list is byte-stable (prompt caching).
 * New reference; NULL on ENOMEM.
 */
json_t *catalog_tool_json(const struct tool_entry *t);

#endif
