/*
 * policy.h — the effective policy of a run and the decision on each call.
 *
 * Build one policy from its sources, then ask it about every tool call:
 *
 *	struct policy p;
 *	struct cordon_diag d;
 *	policy_init(&p);
 *	if (policy_apply_agent(&p, &agent, &d) < 0 ||        agent frontmatter
 *	    policy_apply_settings(&p, &settings, &d) < 0 ||  merged settings files
 *	    policy_add_rules(&p, "Bash(make:*) Edit", RULE_ALLOW, "cli", &d) < 0 ||
 *	    policy_set_mode(&p, PERM_ACCEPT_EDITS, POLICY_SRC_CLI, "cli") < 0)
 *		goto fail;
 *	...
 *	if (!policy_tool_enabled(&p, "Bash"))   not offered to the model
 *	struct policy_ctx ctx = { .cwd = cwd, .project_root = root, .home = home };
 *	struct policy_decision dec;
 *	policy_decide(&p, "Bash", input, &ctx, &dec);
 *	if (dec.verdict != POLICY_ALLOW) -> error tool_result with dec.reason
 *	policy_release(&p);
 *
 * Decision order (docs/policy.md, "How a call is decided"): a disabled tool is refused first; then deny
 * rules, then ask rules, then allow rules (first match wins, deny beats ask
 * beats allow whatever their specificity); then the permission mode's
 * default for the call's class. Headless, nobody answers an ask: it becomes
 * a deny, unless an approval hook is configured (sandbox.approvalHook), in
 * which case the verdict is POLICY_ASK and the caller runs the hook.
 *
 * A Bash call is split (shsplit.h) and judged per simple command, including
 * the commands inside $(..) and `..` and the string of `sh -c`; deny and
 * ask rules also see the command with leading VAR=value words removed, its
 * quotes removed, its path prefix removed (/bin/rm -> rm) and exec wrappers
 * (env, sudo, nice, timeout, xargs, ...) removed. Every part must be allowed.
 * What the splitter cannot parse is denied with a reason saying so.
 *
 * The mode comes from the highest of: --permission-mode (cli) > the agent's
 * permissionMode > settings defaultMode > "default". `bypassPermissions`
 * is refused (acts as default) when disableBypassPermissionsMode is set.
 *
 * policy_decide() is pure: no syscalls, no allocation that outlives it;
 * the reason is the text the model sees (Claude Code's wording where it has
 * one, followed by cordon's explanation in parentheses: docs/policy.md,
 * "What the model sees").
 *
 * Ownership: the policy owns copies of everything it was given; the agent
 * file and settings may be released after the apply calls.
 */
#ifndef CORDON_POLICY_POLICY_H
#define CORDON_POLICY_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/error.h"
#include "common/path.h"
#include "policy/agentfile.h"
#include "policy/mode.h"
#include "policy/rule.h"
#include "policy/settings.h"
#include "policy/strvec.h"

#define POLICY_REASON_MAX 4096
#define POLICY_MAX_RULES 8192

/* Who set the mode; a higher source wins. */
enum policy_source { POLICY_SRC_NONE, POLICY_SRC_SETTINGS, POLICY_SRC_AGENT, POLICY_SRC_CLI };

struct policy {
	char *agent_name; /* NULL without an agent file */
	char *agent_path;
	char *agent_prompt; /* the agent file's body: its system prompt; NULL without an agent */
	char *model;
	int max_turns; /* 0 = not set */

	bool tools_all;        /* the agent lists no tools (or "*"): every built-in */
	struct strvec tools;   /* tool names the agent enables (when !tools_all) */
	struct rule *tool_limits; /* agent tools entries with a specifier (Bash(git diff:*)) */
	size_t ntool_limits;
	struct strvec disabled; /* tools taken away: disallowedTools / bare deny rules */

	struct rule *rules; /* allow, ask and deny rules from every source */
	size_t nrules;
	size_t cap;

	enum perm_mode mode;
	enum policy_source mode_src;
	char *mode_origin; /* text naming the source, for `policy show` */
	bool disable_bypass;

	struct strvec additional_dirs; /* absolute, normal: working dirs besides the project root */

	struct strvec sandbox_require;
	bool network_set;
	struct strvec allowed_domains;
	struct sandbox_limits limits;
	char *approval_hook;
};

struct policy_ctx {
	const char *cwd;          /* absolute: where relative paths resolve (the shell's cwd) */
	const char *project_root; /* absolute: the original cwd; NULL = cwd */
	const char *home;         /* absolute or NULL */
	/*
	 * Absolute or NULL: the session's own output directory, where cordon
	 * saved what it told the model to find there (oversized results,
	 * background output). Read, Grep and Glob may read below it without a
	 * rule, as the reference lets the model read its saved outputs; deny
	 * rules and the agent's tools line still apply.
	 */
	const char *session_dir;
};

enum policy_verdict { POLICY_ALLOW, POLICY_DENY, POLICY_ASK };

struct policy_decision {
	enum policy_verdict verdict;
	/* The reason is an input-validation error (unknown/disabled tool, bad
	 * input): the runtime wraps it in <tool_use_error>..</tool_use_error>. */
	bool validation_error;
	const struct rule *rule; /* the rule that decided, borrowed; NULL if none */
	char reason[POLICY_REASON_MAX]; /* empty for a plain allow */
	/*
	 * For a tool with a path parameter (policy/catalog.h): the absolute,
	 * normal path the call names (common/path.h: "~" is ctx->home,
	 * relative paths start at ctx->cwd, an absent optional path is the
	 * cwd); "" when it cannot be resolved or the tool has none. This is
	 * the path the verdict judged, and the one the tool child must open
	 * (the request's "resolved_path"): one resolution, no second opinion.
	 */
	char path[PATH_NORM_MAX + 1];
};

void policy_init(struct policy *p);
void policy_release(struct policy *p);

/*
 * The agent's frontmatter: tools (enables; entries with a specifier both
 * allow and restrict that tool), disallowedTools (bare: disables; with a
 * specifier: a deny rule), permissionMode, model, maxTurns. -CORDON_EPARSE
 * (diag) when an entry does not parse; -CORDON_ENOMEM.
 */
int policy_apply_agent(struct policy *p, const struct agent_file *af, struct cordon_diag *diag);

/* Copy the merged settings' rules, directories, mode and sandbox section. */
int policy_apply_settings(struct policy *p, const struct settings *s, struct cordon_diag *diag);

/*
 * Add the rules of a list in --allowedTools syntax (comma/space separated
 * outside parentheses) with the given action and source label; `root`
 * anchors `/p` path rules (NULL: the project root). A bare deny of a tool
 * also disables it.
 */
int policy_add_rules(struct policy *p, const char *list, enum rule_action a, const char *source,
		     const char *root, struct cordon_diag *diag);

/* Set the mode if src is at least as high as the current mode's source. */
int policy_set_mode(struct policy *p, enum perm_mode m, enum policy_source src, const char *origin);

/* Add a working directory (absolute; normalized here). -CORDON_EINVAL. */
int policy_add_dir(struct policy *p, const char *dir);

/* The mode in force (bypassPermissions downgraded when disabled; auto -> default). */
enum perm_mode policy_mode(const struct policy *p);

/*
 * Whether a tool is offered to the model: a builtin row of the catalog
 * (policy/catalog.h) listed by the agent (or the agent lists none), and not
 * disabled.
 */
bool policy_tool_enabled(const struct policy *p, const char *name);

/*
 * Decide one call. `input` is the tool_use input object (may be NULL or not
 * an object: then a validation error). Always fills out; returns its
 * verdict.
 */
enum policy_verdict policy_decide(const struct policy *p, const char *tool, const json_t *input,
				  const struct policy_ctx *ctx, struct policy_decision *out);

/*
 * The command line of a Bash call as Claude Code normalises it before it is
 * judged (docs/policy.md, "Bash: every part must be allowed"): a leading
 * `cd <cwd> && ` removed (ctx->cwd as given or normalised; ctx may be NULL),
 * `\\;` collapsed to `\;`. policy_decide() judges exactly this text, so the
 * tool must run exactly this text: one normalisation, no second opinion.
 * Appends to out (the caller's ceiling applies): 0, or -CORDON_ETOOBIG.
 */
struct buf;
int policy_bash_command(const struct policy_ctx *ctx, const char *command, struct buf *out);

/*
 * policy_decision.path without a decision (a session with no policy):
 * the same resolution into out[size] ("" for a tool with no path
 * parameter). 0, or -CORDON_EINVAL when the path cannot be resolved.
 */
int policy_call_path(const char *tool, const json_t *input, const struct policy_ctx *ctx, char *out, size_t size);

/*
 * Whether Read deny rules cover the normalized absolute path: for search
 * tools that must leave such files out of their results. Borrowed rule in
 * *out_rule when non-NULL.
 */
bool policy_read_denied(const struct policy *p, const char *tool, const char *path, const struct policy_ctx *ctx,
			const struct rule **out_rule);

/*
 * The absolute glob patterns (pathmatch.h syntax, anchored as rule.h says)
 * of every deny rule governing `tool`'s paths: for Grep and Glob, every
 * Read (and Grep/Glob) path deny rule; a bare deny of the tool itself
 * gives the pattern "/" "**" (every path). A search tool that walks a
 * directory drops each entry whose normalized absolute path P has
 * glob_match_path(pattern, P, true) for some pattern: what
 * policy_read_denied(P) answers for P, entry by entry.
 * *out is a new JSON array of distinct strings (possibly empty), in rule
 * order. Rules whose `~` cannot be anchored (no home) are left out, as
 * policy_decide() never matches them. Errors: -CORDON_EINVAL (ctx has no
 * usable root, or a pattern is not UTF-8), -CORDON_ETOOBIG (a pattern is too long to anchor: refuse
 * the search rather than run it without the rule), -CORDON_ENOMEM.
 */
int policy_read_deny_patterns(const struct policy *p, const char *tool, const struct policy_ctx *ctx, json_t **out);

/* The verdict's name: "allow", "deny", "ask". */
const char *policy_verdict_name(enum policy_verdict v);

/* The effective policy as a JSON object (new reference; NULL on ENOMEM). */
json_t *policy_to_json(const struct policy *p);

#endif
