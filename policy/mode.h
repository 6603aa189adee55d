/*
 * mode.h — permission modes (docs/policy.md, "How a call is decided").
 *
 * The mode decides what happens to a call no rule speaks about: `default`
 * asks (which headless means deny), `acceptEdits` also allows edits inside
 * the working directories, `plan` is read-only, `dontAsk` turns every ask
 * into a deny, `bypassPermissions` allows what no rule denies (except writes
 * to protected paths). `auto` needs a classifier cordon does not have: it
 * behaves as `default`.
 *
 * `sandbox` is cordon's own, and the default of a headless run (`cordon -p`,
 * `cordon tool`, `cordon policy check` when nothing sets a mode): every
 * call runs confined, so a tool the agent declares is allowed inside the
 * working directories, as Claude Code auto-allows sandboxed Bash. Writes
 * and Bash commands are allowed there unless they write a protected path
 * or outside; WebFetch is allowed for any domain no rule or allowedDomains
 * list refuses; reads outside the working directories are asked (denied),
 * as in `default`. Deny rules, ask rules and the agent's narrowed tool
 * entries apply as in every mode.
 */
#ifndef CORDON_POLICY_MODE_H
#define CORDON_POLICY_MODE_H

enum perm_mode {
	PERM_DEFAULT,
	PERM_ACCEPT_EDITS,
	PERM_PLAN,
	PERM_BYPASS,
	PERM_DONT_ASK,
	PERM_AUTO,
	PERM_SANDBOX,
};

/* Parse a mode name exactly as Claude Code spells it; -1 when unknown. */
int perm_mode_parse(const char *s);

/* "default", "acceptEdits", "plan", "bypassPermissions", "dontAsk", "auto", "sandbox". */
const char *perm_mode_name(enum perm_mode m);

#endif
