/*
 * agentfile.h — agent files: Markdown with YAML frontmatter (docs/agents.md).
 *
 *	---
 *	name: code-reviewer
 *	description: Reviews code.
 *	tools: Read, Grep, Bash(git diff:*)
 *	model: haiku
 *	---
 *	System prompt ...
 *
 *	struct agent_file af;
 *	struct cordon_diag d;
 *	if (agentfile_load(&af, "agents/reviewer.md", &d) < 0) {
 *		char m[1024];
 *		fprintf(stderr, "%s\n", diag_format(&d, m, sizeof(m)));
 *		return 1;
 *	}
 *	... af.name, af.tools, af.body ...
 *	agentfile_release(&af);
 *
 * The frontmatter is parsed with libyaml. Errors (-CORDON_EPARSE) carry the
 * file, line and column in the diag; the struct then holds nothing to
 * release. Things cordon can ignore safely (an unknown key, a color outside
 * Claude Code's list, an unknown permissionMode, fields cordon does not
 * implement such as hooks or mcpServers) are kept as warnings in
 * af.warnings, each with its own line and column.
 *
 * Unlike Claude Code, which silently skips a file without `name` or
 * `description`, cordon reports it as an error: an agent whose policy never
 * loads should not look like one that has none.
 *
 * Ceilings and refusals: files over AGENTFILE_MAX_BYTES (-CORDON_ETOOBIG),
 * NUL bytes, invalid UTF-8 anywhere in the file (the body goes to the model
 * as JSON text), a missing or unclosed frontmatter, a frontmatter that is
 * not a mapping, duplicate keys, wrong value types.
 *
 * The body is kept byte for byte (everything after the closing `---` line),
 * where Claude Code trims it; docs/agents.md explains why.
 */
#ifndef CORDON_POLICY_AGENTFILE_H
#define CORDON_POLICY_AGENTFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "policy/mode.h"
#include "policy/strvec.h"

#define AGENTFILE_MAX_BYTES (1u << 20) /* whole file, frontmatter included */
#define AGENTFILE_MAX_WARNINGS 32

struct agent_file {
	char *path;        /* as given to load/parse; may be NULL */
	char *name;        /* required */
	char *description; /* required; literal "\n" sequences made newlines */

	/*
	 * tools: absent or containing "*" -> tools_all; present and empty (or
	 * null) -> no tools; else the entries as written, each a valid rule
	 * (`Read`, `Bash(git diff:*)`). disallowedTools the same way.
	 */
	bool tools_set;
	bool tools_all;
	struct strvec tools;
	int tools_line;
	bool disallowed_set;
	struct strvec disallowed;
	int disallowed_line;

	char *model; /* NULL absent; aliases lowercased ("sonnet", "inherit"), ids as written */
	char *color; /* NULL when absent or not one of Claude Code's colors */
	bool mode_set;
	enum perm_mode mode;
	int max_turns; /* 0 = not set */
	char *effort;  /* low|medium|high|xhigh|max or an integer; NULL not set */
	struct strvec skills;
	struct strvec mcp_servers; /* names; inline configs listed as "<inline>" */
	bool has_hooks;
	char *memory;    /* user|project|local; NULL not set */
	int background;  /* -1 not set, else 0/1 */
	char *isolation; /* "worktree"; NULL not set */
	char *initial_prompt;

	struct strvec unknown_keys;

	char *body; /* the system prompt, NUL-terminated, byte for byte */
	size_t body_len;
	int body_line; /* line of the file where the body starts */

	struct cordon_diag *warnings;
	size_t nwarnings;
};

/*
 * Parse an agent file held in memory. `file` names it in diagnostics (may
 * be NULL). Returns 0 (out filled, release with agentfile_release), or
 * -CORDON_EPARSE / -CORDON_ETOOBIG with diag set, or -CORDON_ENOMEM.
 */
int agentfile_parse(struct agent_file *out, const char *data, size_t len, const char *file,
		    struct cordon_diag *diag);

/*
 * Read `path` (symlinks resolved; must be a regular file of at most
 * AGENTFILE_MAX_BYTES) and parse it. -CORDON_ENOTFOUND / -CORDON_ESYS with
 * the diag saying why, plus the errors of agentfile_parse.
 */
int agentfile_load(struct agent_file *out, const char *path, struct cordon_diag *diag);

void agentfile_release(struct agent_file *af);

#endif
