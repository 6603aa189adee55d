/*
 * discover.h — finding agent files the way Claude Code does (spec §12.1).
 *
 * Sources, lowest priority first (a later agent with the same name wins):
 *   user      ~/.claude/agents/
 *   project   .claude/agents/ of each directory from the top (the git root,
 *             or the directory below home) down to the cwd, so the closest
 *             directory wins
 *   cli       --agent FILE
 *   managed   /etc/claude-code/.claude/agents/
 * Every `*.md` below an agents directory counts (recursively, symlinks
 * followed, the same file twice skipped by device and inode).
 *
 * Files that fail to parse are kept as entries with ok == false and their
 * diag, so `cordon agents list` can report them instead of dropping them.
 *
 * This module reads directories and files: it is the loading side of
 * policy/, the only place besides agentfile_load/settings_load that makes
 * syscalls. Ceilings: DISCOVER_MAX_FILES agent files, DISCOVER_MAX_DEPTH
 * directory levels.
 */
#ifndef CORDON_POLICY_DISCOVER_H
#define CORDON_POLICY_DISCOVER_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/agentfile.h"

#define DISCOVER_MAX_FILES 1000
#define DISCOVER_MAX_DEPTH 8
#define DISCOVER_MANAGED_DIR "/etc/claude-code/.claude/agents"

struct agent_entry {
	char *path;
	const char *scope; /* "user", "project", "cli", "managed" (static) */
	bool ok;
	bool shadowed; /* another entry with the same name wins */
	struct agent_file af; /* when ok */
	struct cordon_diag diag; /* when !ok */
};

struct agent_set {
	struct agent_entry *v;
	size_t n;
	size_t cap;
};

struct discover_opts {
	const char *cwd;         /* absolute; required */
	const char *home;        /* NULL: no user agents */
	const char *managed_dir; /* NULL: DISCOVER_MANAGED_DIR; "" skips */
	bool no_user;
	bool no_project;
	const char *const *files; /* --agent FILE entries, NULL-terminated; may be NULL */
};

/* Fill out (initialised here). -CORDON_ENOMEM, -CORDON_ETOOBIG. */
int agents_discover(struct agent_set *out, const struct discover_opts *o);

/* The winning valid agent called name, or NULL. */
const struct agent_entry *agents_find(const struct agent_set *s, const char *name);

void agent_set_release(struct agent_set *s);

#endif
