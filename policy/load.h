/*
 * load.h — build a run's policy from the command line's view of the world.
 *
 * One call does what `cordon -p` and `cordon policy check|show` need:
 * resolve --agent (a file path, or a name found by discover.h), load the
 * settings sources, then add --allowedTools/--disallowedTools, --add-dir
 * and --permission-mode on top:
 *
 *	struct policy_load_opts o = { .cwd = cwd, .home = getenv("HOME"),
 *	                              .agent = "reviewer", .sources = POLICY_SOURCES_ALL };
 *	struct policy p;
 *	struct cordon_diag d;
 *	if (policy_load(&p, &o, &d) < 0) { report d; exit 1 }
 *	...
 *	policy_release(&p);
 *
 * Settings sources (lowest first): user ~/.claude/settings.json, project
 * <cwd>/.claude/settings.json, local <cwd>/.claude/settings.local.json,
 * each --settings FILE|JSON, managed /etc/claude-code/managed-settings.json.
 * Missing files are skipped; a file that exists and does not parse is an
 * error (never ignored: it may hold deny rules). Warnings (unknown keys, an
 * ignored color, ...) go to o->warn when set.
 *
 * This is a loading function: it reads files, nothing else. On error p is
 * released and the diag says which file, line and column.
 */
#ifndef CORDON_POLICY_LOAD_H
#define CORDON_POLICY_LOAD_H

#include "policy/policy.h"

enum {
	POLICY_SOURCE_USER = 1 << 0,
	POLICY_SOURCE_PROJECT = 1 << 1,
	POLICY_SOURCE_LOCAL = 1 << 2,
	POLICY_SOURCE_MANAGED = 1 << 3,
	POLICY_SOURCES_ALL = 0xf,
};

#define POLICY_MANAGED_SETTINGS "/etc/claude-code/managed-settings.json"

struct policy_load_opts {
	const char *cwd;  /* absolute: the project root and the start of discovery */
	const char *home; /* may be NULL */
	const char *agent; /* --agent FILE|NAME, or NULL */
	unsigned sources;  /* POLICY_SOURCE_* to read */
	const char *managed_settings; /* NULL: POLICY_MANAGED_SETTINGS */
	const char *managed_agents;   /* NULL: the default managed agents dir ("" skips) */
	const char *const *settings;  /* --settings values, NULL-terminated; may be NULL */
	const char *const *allowed;   /* --allowedTools values */
	const char *const *disallowed;
	const char *const *add_dirs;  /* --add-dir values (relative to cwd) */
	const char *mode;             /* --permission-mode, or NULL */
	/*
	 * A headless run (cordon -p, cordon tool, cordon policy check): when
	 * no source sets a mode, the mode is `sandbox` (policy/mode.h), not
	 * `default`; --permission-mode default asks for Claude Code's strict
	 * meaning instead.
	 */
	bool headless;
	void (*warn)(const struct cordon_diag *w, void *arg);
	void *warn_arg;
};

/*
 * Build p (initialised here). Errors: -CORDON_EPARSE / -CORDON_ETOOBIG /
 * -CORDON_ESYS with diag, -CORDON_ENOTFOUND (agent file or name missing),
 * -CORDON_EINVAL (bad --permission-mode, relative cwd), -CORDON_ENOMEM.
 */
int policy_load(struct policy *p, const struct policy_load_opts *o, struct cordon_diag *diag);

/* Whether an --agent value names a file (has a '/' or ends in ".md"). */
bool policy_agent_is_path(const char *agent);

#endif
