/*
 * discover.h — finding agent files the way Claude Code does, plus the agents
 * cordon itself ships (docs/agents.md, "Discovery").
 *
 * Sources, lowest priority first (a later agent with the same name wins):
 *   installed $CORDON_DATADIR/agents/, else the data directory compiled in
 *             from the Makefile's DATADIR ($(PREFIX)/share/cordon/agents/):
 *             the agents `make install` puts there; every other source
 *             overrides them
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
 * syscalls (and the only one that reads the environment: CORDON_DATADIR).
 * Ceilings: DISCOVER_MAX_FILES agent files, DISCOVER_MAX_DEPTH directory
 * levels.
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
	const char *scope; /* "installed", "user", "project", "cli", "managed" (static) */
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
	const char *installed_dir; /* NULL: agents_installed_dir(); "" skips */
	bool no_user;
	bool no_project;
	const char *const *files; /* --agent FILE entries, NULL-terminated; may be NULL */
};

/* Fill out (initialised here). -CORDON_ENOMEM, -CORDON_ETOOBIG. */
int agents_discover(struct agent_set *out, const struct discover_opts *o);

/*
 * The directory installed agents are searched in by default:
 * "$CORDON_DATADIR/agents" when that variable is set and not empty (tests,
 * a relocated install), else the compiled-in data directory + "/agents".
 * Fills out (size bytes). 0, or -CORDON_ETOOBIG when it does not fit.
 */
int agents_installed_dir(char *out, size_t size);

/* The winning valid agent called name, or NULL. */
const struct agent_entry *agents_find(const struct agent_set *s, const char *name);

void agent_set_release(struct agent_set *s);

#endif
