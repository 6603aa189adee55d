/*
 * settings.h — Claude Code-style settings files, plus cordon's `sandbox`.
 *
 *	{
 *	  "permissions": {
 *	    "allow": ["Bash(npm run test:*)", "Edit(src)"],
 *	    "ask":   ["Bash(git push:*)"],
 *	    "deny":  ["Read(./.env)", "WebFetch"],
 *	    "additionalDirectories": ["../shared-lib"],
 *	    "defaultMode": "acceptEdits",
 *	    "disableBypassPermissionsMode": "disable"
 *	  },
 *	  "sandbox": {                               (cordon's own section)
 *	    "require": ["namespaces", "landlock", "seccomp"],
 *	    "network": { "allowedDomains": ["registry.npmjs.org"] },
 *	    "limits": { "timeoutSeconds": 600, "memoryMB": 2048, "pids": 256,
 *	                "outputBytes": 1048576 },
 *	    "approvalHook": "/usr/local/bin/approve"
 *	  }
 *	}
 *
 * Several files are merged into one struct settings: call settings_load()
 * (or settings_parse()) once per source, in any order. Rule arrays and
 * lists are merged (union); a scalar (defaultMode, each limit, approvalHook,
 * disableBypassPermissionsMode) comes from the highest-priority source that
 * sets it: managed > cli (--settings) > local > project > user.
 *
 * Every rule is parsed when loaded: a malformed rule is an error, never
 * silently dropped (a dropped deny rule would widen the policy). Wrong types
 * are errors naming the JSON path (`permissions.allow[2]`) and, where the
 * text can be found in the file, its line and column. Unknown keys inside
 * `permissions` and `sandbox` are warnings; other top-level keys belong to
 * Claude Code and are ignored.
 *
 * Ownership: struct settings owns everything; settings_release() frees it.
 */
#ifndef CORDON_POLICY_SETTINGS_H
#define CORDON_POLICY_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "policy/mode.h"
#include "policy/rule.h"
#include "policy/strvec.h"

#define SETTINGS_MAX_BYTES (1u << 20)
#define SETTINGS_MAX_RULES 4096
#define SETTINGS_MAX_WARNINGS 32

enum settings_scope {
	SETTINGS_USER,    /* ~/.claude/settings.json */
	SETTINGS_PROJECT, /* .claude/settings.json */
	SETTINGS_LOCAL,   /* .claude/settings.local.json */
	SETTINGS_CLI,     /* --settings FILE|JSON */
	SETTINGS_MANAGED, /* /etc/claude-code/managed-settings.json */
};

/* "user", "project", "local", "cli", "managed". */
const char *settings_scope_name(enum settings_scope s);

/* Where one settings document comes from. */
struct settings_origin {
	const char *file;          /* for messages and rule sources */
	enum settings_scope scope; /* priority of its scalars */
	const char *root;          /* anchor of `/p` rules and relative additionalDirectories */
	const char *home;          /* for `~/` in additionalDirectories; may be NULL */
};

/* Limits: -1 = not set. */
struct sandbox_limits {
	long timeout_seconds;
	long memory_mb;
	long pids;
	long long output_bytes;
};

struct settings {
	struct rule *rules; /* allow, ask and deny rules, in load order */
	size_t nrules;
	size_t cap;
	struct strvec additional_dirs; /* absolute, lexically normal */

	int default_mode; /* enum perm_mode, or -1 when not set */
	bool disable_bypass;
	struct strvec sandbox_require; /* layer names as written ("landlock", ...) */
	bool network_set;              /* sandbox.network.allowedDomains present */
	struct strvec allowed_domains; /* normalized entries (policy/netallow.h) */
	struct sandbox_limits limits;
	char *approval_hook; /* NULL when none */

	struct strvec files; /* the sources merged, in order */
	struct cordon_diag *warnings;
	size_t nwarnings;

	/* Scope that set each scalar, for the priority rule. */
	int scope_mode, scope_bypass, scope_hook, scope_limits[4];
};

void settings_init(struct settings *s);
void settings_release(struct settings *s);

/*
 * Merge one JSON document (data[0..len)) into s. Returns 0, or
 * -CORDON_EPARSE / -CORDON_ETOOBIG with diag set (s is then unchanged by
 * this document, except that earlier documents stay merged), or
 * -CORDON_ENOMEM.
 */
int settings_parse(struct settings *s, const char *data, size_t len, const struct settings_origin *o,
		   struct cordon_diag *diag);

/*
 * Read o->file (regular file, at most SETTINGS_MAX_BYTES) and merge it.
 * A missing file is -CORDON_ENOTFOUND (callers ignore it for optional
 * sources); other errors as settings_parse or -CORDON_ESYS.
 */
int settings_load(struct settings *s, const struct settings_origin *o, struct cordon_diag *diag);

#endif
