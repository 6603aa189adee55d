/*
 * decide.c — policy_decide(): one tool call against the policy.
 *
 * Pure: string work on the input and the policy, no syscalls. Every path is
 * judged lexically (pathmatch.h); the sandbox enforces the real resolution.
 */
#include "policy/catalog.h"
#include "policy/netallow.h"
#include "policy/pathmatch.h"
#include "policy/policy.h"
#include "policy/readonly.h"
#include "policy/shsplit.h"
#include "common/buf.h"
#include "common/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DONT_ASK_TAIL                                                                                        \
	" IMPORTANT: You *may* attempt to accomplish this action using other tools that might naturally be "   \
	"used to accomplish this goal, e.g. using head instead of cat. But you *should not* attempt to work "  \
	"around this denial in malicious ways, e.g. do not use your ability to run tests to execute non-test " \
	"actions. You should only try to work around this restriction in reasonable ways that do not attempt " \
	"to bypass the intent behind this denial. If you believe this capability is essential to complete "   \
	"the user's request, STOP and explain to the user what you were trying to do and why you need this "  \
	"permission. Let the user decide how to proceed."

#define HEADLESS " cordon runs headless, so nobody can approve it"

#define MAX_SHELL_NESTING 3 /* sh -c 'sh -c ...' levels looked into */
#define MAX_VARIANTS 12

struct dctx {
	const struct policy *p;
	const char *tool;
	char cwd[PATHMATCH_MAX + 1];
	char root[PATHMATCH_MAX + 1];
	char home[PATHMATCH_MAX + 1];
	bool has_home;
	char session_dir[PATHMATCH_MAX + 1]; /* "" when none */
	enum perm_mode mode;
	struct policy_decision *out;
};

/* ---- outcomes ---- */

static void reason(struct dctx *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void reason(struct dctx *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->out->reason, sizeof(d->out->reason), fmt, ap);
	va_end(ap);
}

static void reason_append(struct dctx *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void reason_append(struct dctx *d, const char *fmt, ...)
{
	size_t n = strlen(d->out->reason);
	va_list ap;

	if (n + 1 >= sizeof(d->out->reason))
		return;
	va_start(ap, fmt);
	vsnprintf(d->out->reason + n, sizeof(d->out->reason) - n, fmt, ap);
	va_end(ap);
}

/*
 * The reason reaches the model as a JSON string, which must be UTF-8; it
 * quotes the model's input cut at byte counts ("%.200s", the buffer's end),
 * which can split a character. Each byte that does not belong to a whole
 * character becomes '?', in place.
 */
static void reason_repair(char *s)
{
	size_t n = strlen(s), i = 0, k;

	while (i < n) {
		k = utf8_seqlen((const unsigned char *)s + i, n - i);
		if (!k) {
			s[i++] = '?';
			continue;
		}
		i += k;
	}
}

static enum policy_verdict finish(struct dctx *d, enum policy_verdict v, const struct rule *r)
{
	/* An allow carries no message, whatever was drafted on the way. */
	if (v == POLICY_ALLOW)
		d->out->reason[0] = '\0';
	else
		reason_repair(d->out->reason);
	d->out->verdict = v;
	d->out->rule = r;
	return v;
}

static void rule_note(struct dctx *d, const struct rule *r)
{
	if (r)
		reason_append(d, " (%s rule %s from %s)", rule_action_name(r->action), r->text,
			      r->source ? r->source : "the command line");
}

/*
 * Nobody can answer an ask in a headless run. The reason was written by the
 * caller; here it becomes a deny (dontAsk says so in Claude Code's words),
 * or an ask when an approval hook will answer.
 */
static enum policy_verdict ask(struct dctx *d, const struct rule *r)
{
	if (d->mode == PERM_DONT_ASK) {
		reason(d, "Permission to use %s has been denied because Claude Code is running in don't ask mode."
			  DONT_ASK_TAIL, d->tool);
		return finish(d, POLICY_DENY, r);
	}
	if (d->p->approval_hook)
		return finish(d, POLICY_ASK, r);
	return finish(d, POLICY_DENY, r);
}

static const char *mode_name(const struct dctx *d)
{
	return perm_mode_name(d->mode);
}

/* ---- paths ---- */

static bool in_working_dirs(const struct dctx *d, const char *path)
{
	size_t i;

	if (path_within(path, d->root))
		return true;
	for (i = 0; i < d->p->additional_dirs.n; i++)
		if (path_within(path, d->p->additional_dirs.v[i]))
			return true;
	return false;
}

/*
 * Paths whose change would alter what runs next or what the policy is:
 * VCS internals, agent and editor settings, shell start-up files. Writes to
 * them ask even in bypassPermissions and acceptEdits (docs/policy.md,
 * "How a call is decided").
 */
static bool is_protected(const char *path)
{
	static const char *const dirs[] = { ".git", ".vscode", ".idea", ".hg", ".svn", NULL };
	static const char *const files[] = { ".bashrc", ".bash_profile", ".bash_login", ".bash_logout",
					     ".profile", ".zshrc", ".zprofile", ".zshenv", ".zlogin", ".zlogout",
					     ".gitconfig", ".gitmodules", ".mcp.json", ".ripgreprc", ".envrc",
					     ".npmrc", ".pypirc", NULL };
	const char *s = path, *base = strrchr(path, '/');
	const char *const *k;

	base = base ? base + 1 : path;
	for (k = files; *k; k++)
		if (!strcmp(base, *k))
			return true;
	while ((s = strchr(s, '/'))) {
		const char *seg = ++s;
		size_t n = strcspn(seg, "/");

		for (k = dirs; *k; k++)
			if (n == strlen(*k) && !strncmp(seg, *k, n))
				return true;
		if (n == 7 && !strncmp(seg, ".claude", 7)) {
			const char *next = seg + n;

			/* .claude/{commands,agents,skills} hold content, not policy. */
			if (*next == '/' && (!strncmp(next + 1, "commands", 8) || !strncmp(next + 1, "agents", 6) ||
					     !strncmp(next + 1, "skills", 6))) {
				const char *after = next + 1 + strcspn(next + 1, "/");
				size_t l = (size_t)(after - (next + 1));

				if (l == 8 || l == 6)
					continue;
			}
			return true;
		}
	}
	return false;
}

/* A bare rule speaks about its own tool only; a path rule about its class. */
static bool rule_applies(const struct rule *r, const char *tool)
{
	if (r->form == RULE_BARE)
		return !strcmp(r->tool, tool);
	return rule_governs(r, tool);
}

static const struct rule *path_rule(const struct dctx *d, enum rule_action a, const char *tool, const char *path)
{
	size_t i;

	for (i = 0; i < d->p->nrules; i++) {
		const struct rule *r = &d->p->rules[i];

		if (r->action != a || !rule_applies(r, tool))
			continue;
		if (r->form != RULE_PATH && r->form != RULE_BARE)
			continue;
		if (rule_match_path(r, path, d->root, d->has_home ? d->home : NULL))
			return r;
	}
	return NULL;
}

static bool has_path_rules(const struct dctx *d, enum rule_action a, const char *tool)
{
	size_t i;

	for (i = 0; i < d->p->nrules; i++)
		if (d->p->rules[i].action == a && rule_applies(&d->p->rules[i], tool))
			return true;
	return false;
}

/* The agent's tools line limits `tool` to its entries; NULL = no limit. */
static bool tool_limited(const struct dctx *d, const char *tool)
{
	size_t i;

	for (i = 0; i < d->p->ntool_limits; i++)
		if (!strcmp(d->p->tool_limits[i].tool, tool))
			return true;
	return false;
}

static void list_limits(struct dctx *d, const char *tool)
{
	size_t i;
	bool first = true;

	for (i = 0; i < d->p->ntool_limits; i++)
		if (!strcmp(d->p->tool_limits[i].tool, tool)) {
			reason_append(d, "%s%s", first ? "" : ", ", d->p->tool_limits[i].text);
			first = false;
		}
}

/*
 * Resolve what the model wrote into an absolute lexical path: the one
 * resolution (common/path.h) whose result the child also opens.
 */
static int resolve(const struct dctx *d, const char *cwd, const char *in, char *out, size_t size)
{
	return path_resolve(out, size, in, cwd, d->has_home ? d->home : NULL);
}

static enum policy_verdict decide_path(struct dctx *d, bool write, const char *shown, const char *abs)
{
	const struct rule *r;

	r = path_rule(d, RULE_DENY, d->tool, abs);
	if (r) {
		reason(d, write ? "Permission to edit %s has been denied." : "Permission to read %s has been denied.",
		       shown);
		rule_note(d, r);
		return finish(d, POLICY_DENY, r);
	}
	if (tool_limited(d, d->tool)) {
		size_t i;
		bool ok = false;

		for (i = 0; i < d->p->ntool_limits && !ok; i++) {
			const struct rule *l = &d->p->tool_limits[i];

			ok = !strcmp(l->tool, d->tool) &&
			     rule_match_path(l, abs, d->root, d->has_home ? d->home : NULL);
		}
		if (!ok) {
			reason(d, "Permission to %s %s has been denied. (the agent's tools line allows %s only for: ",
			       write ? "edit" : "read", shown, d->tool);
			list_limits(d, d->tool);
			reason_append(d, ")");
			return finish(d, POLICY_DENY, NULL);
		}
	}
	r = path_rule(d, RULE_ASK, d->tool, abs);
	if (r) {
		reason(d, write ? "Claude requested permissions to write to %s, but you haven't granted it yet."
				: "Claude requested permissions to read from %s, but you haven't granted it yet.",
		       shown);
		rule_note(d, r);
		reason_append(d, ";" HEADLESS ".");
		return ask(d, r);
	}
	r = path_rule(d, RULE_ALLOW, d->tool, abs);
	if (r && !(write && d->mode == PERM_PLAN))
		return finish(d, POLICY_ALLOW, r);
	if (!write) {
		if (in_working_dirs(d, abs) || d->mode == PERM_BYPASS ||
		    (d->session_dir[0] && path_within(abs, d->session_dir)))
			return finish(d, POLICY_ALLOW, NULL);
		reason(d, "Claude requested permissions to read from %s, but you haven't granted it yet. (%s is "
			  "outside the working directories and no Read allow rule covers it;" HEADLESS
			  ". Work with files inside %s instead.)",
		       shown, abs, d->root);
		return ask(d, NULL);
	}
	reason(d, "Claude requested permissions to write to %s, but you haven't granted it yet.", shown);
	if (is_protected(abs)) {
		reason_append(d, " (%s is a protected path: version control, agent settings and shell start-up "
				 "files are not written without an explicit Edit allow rule;" HEADLESS ".)",
			      abs);
		return ask(d, NULL);
	}
	if (!in_working_dirs(d, abs)) {
		if (d->mode == PERM_BYPASS)
			return finish(d, POLICY_ALLOW, NULL);
		reason_append(d, " (%s is outside the working directories;" HEADLESS
				 ". Write inside %s instead.)",
			      abs, d->root);
		return ask(d, NULL);
	}
	if (d->mode == PERM_ACCEPT_EDITS || d->mode == PERM_BYPASS || d->mode == PERM_SANDBOX)
		return finish(d, POLICY_ALLOW, NULL);
	reason_append(d, " (edits need permissionMode acceptEdits or an Edit allow rule, and the mode is %s;" HEADLESS
			 ". Describe the change you would make instead.)",
		      mode_name(d));
	return ask(d, NULL);
}

/* ---- input ---- */

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: case JSON_REAL: return "number";
	case JSON_TRUE: case JSON_FALSE: return "boolean";
	default: return "null";
	}
}

/* A string parameter: required or optional. NULL with the decision made. */
static const char *param(struct dctx *d, const json_t *input, const char *key, bool required, bool *failed)
{
	json_t *v = json_object_get(input, key);

	*failed = false;
	if (!v) {
		if (!required)
			return NULL;
		reason(d, "InputValidationError: %s failed due to the following issue:\nThe required parameter `%s` "
			  "is missing",
		       d->tool, key);
	} else if (!json_is_string(v)) {
		reason(d, "InputValidationError: %s failed due to the following issue:\nThe parameter `%s` type is "
			  "expected as `string` but provided as `%s`",
		       d->tool, key, json_kind(v));
	} else if (strlen(json_string_value(v)) != json_string_length(v)) {
		reason(d, "InputValidationError: %s failed due to the following issue:\nThe parameter `%s` contains "
			  "a NUL character",
		       d->tool, key);
	} else {
		return json_string_value(v);
	}
	*failed = true;
	d->out->validation_error = true;
	finish(d, POLICY_DENY, NULL);
	return NULL;
}

static enum policy_verdict bad_path(struct dctx *d, const char *shown)
{
	reason(d, "cordon cannot check the path '%.200s': it is empty, too long or relative to an unknown home "
		  "directory. Use an absolute path inside %s.",
	       shown, d->root);
	return finish(d, POLICY_DENY, NULL);
}

/*
 * The absolute normal path of a call's path parameter: the parameter
 * resolved against the cwd and home, or the cwd when an optional path is
 * absent or empty (Grep and Glob search there). -CORDON_EINVAL when it is
 * not a string or cannot be resolved.
 */
static int call_path(const struct dctx *d, const struct tool_entry *t, const json_t *input, char *out, size_t size)
{
	const json_t *v = json_object_get(input, t->path_param);
	const char *s;

	if (!v || (json_is_string(v) && !json_string_length(v)))
		return path_normalize(out, size, d->cwd, NULL);
	s = json_string_value(v);
	if (!s || strlen(s) != json_string_length(v))
		return -CORDON_EINVAL;
	return resolve(d, d->cwd, s, out, size);
}

static enum policy_verdict decide_file(struct dctx *d, const json_t *input, bool write)
{
	char abs[PATHMATCH_MAX + 1];
	const char *fp;
	bool failed;

	fp = param(d, input, catalog_find(d->tool)->path_param, true, &failed);
	if (failed)
		return d->out->verdict;
	if (resolve(d, d->cwd, fp, abs, sizeof(abs)) < 0)
		return bad_path(d, fp);
	return decide_path(d, write, fp, abs);
}

/* Glob: the directory a pattern can reach is its literal prefix. */
static enum policy_verdict decide_glob(struct dctx *d, const json_t *input)
{
	char base[PATHMATCH_MAX + 1], joined[2 * PATHMATCH_MAX + 2];
	const char *pat, *path, *s, *glob_at;
	size_t lit;
	bool failed;

	pat = param(d, input, "pattern", true, &failed);
	if (failed)
		return d->out->verdict;
	path = param(d, input, "path", false, &failed);
	if (failed)
		return d->out->verdict;
	glob_at = pat + strcspn(pat, "*?[{");
	/* '..' after a wildcard could climb out of any prefix we check. */
	for (s = glob_at; (s = strstr(s, "..")); s += 2)
		if ((s == pat || s[-1] == '/') && (s[2] == '/' || !s[2])) {
			reason(d, "cordon cannot check the Glob pattern '%.200s': '..' after a wildcard. Put the "
				  "directory in `path` instead.",
			       pat);
			return finish(d, POLICY_DENY, NULL);
		}
	lit = (size_t)(glob_at - pat);
	while (lit && pat[lit - 1] != '/')
		lit--;
	if (pat[0] == '/')
		snprintf(joined, sizeof(joined), "%.*s", (int)(lit ? lit : 1), pat);
	else
		snprintf(joined, sizeof(joined), "%s/%.*s", path && *path ? path : ".", (int)lit, pat);
	if (resolve(d, d->cwd, joined, base, sizeof(base)) < 0)
		return bad_path(d, joined);
	return decide_path(d, false, path && !lit ? path : base, base);
}

static enum policy_verdict decide_grep(struct dctx *d, const json_t *input)
{
	char abs[PATHMATCH_MAX + 1];
	const char *path;
	bool failed;

	param(d, input, "pattern", true, &failed);
	if (failed)
		return d->out->verdict;
	path = param(d, input, "path", false, &failed);
	if (failed)
		return d->out->verdict;
	if (!path || !*path)
		path = d->cwd;
	if (resolve(d, d->cwd, path, abs, sizeof(abs)) < 0)
		return bad_path(d, path);
	return decide_path(d, false, path, abs);
}

/* ---- WebFetch ---- */

static const struct rule *domain_rule(const struct dctx *d, enum rule_action a, const char *host)
{
	size_t i;

	for (i = 0; i < d->p->nrules; i++) {
		const struct rule *r = &d->p->rules[i];

		if (r->action == a && !strcmp(r->tool, "WebFetch") && rule_match_domain(r, host))
			return r;
	}
	return NULL;
}

static enum policy_verdict decide_fetch(struct dctx *d, const json_t *input)
{
	const struct rule *r;
	char host[RULE_HOST_MAX + 1];
	const char *url;
	bool failed;
	size_t i;

	url = param(d, input, "url", true, &failed);
	if (failed)
		return d->out->verdict;
	/* libcurl's parser, as the fetch's: both see the same host. */
	if (rule_url_host(url, host, sizeof(host), NULL) < 0) {
		reason(d, "cordon cannot check the URL '%.300s': only http:// and https:// URLs with a host name "
			  "can be fetched (a host name that is not ASCII must be written in punycode, xn--...).",
		       url);
		return finish(d, POLICY_DENY, NULL);
	}
	r = domain_rule(d, RULE_DENY, host);
	if (r) {
		reason(d, "WebFetch denied access to domain:%s.", host);
		rule_note(d, r);
		return finish(d, POLICY_DENY, r);
	}
	if (d->p->network_set && !netallow_match(&d->p->allowed_domains, host, 0)) {
		reason(d, "WebFetch denied access to domain:%s. (it is not in sandbox.network.allowedDomains:", host);
		for (i = 0; i < d->p->allowed_domains.n; i++)
			reason_append(d, "%s %s", i ? "," : "", d->p->allowed_domains.v[i]);
		reason_append(d, "%s)", d->p->allowed_domains.n ? "" : " none");
		return finish(d, POLICY_DENY, NULL);
	}
	if (tool_limited(d, "WebFetch")) {
		bool ok = false;

		for (i = 0; i < d->p->ntool_limits && !ok; i++)
			ok = !strcmp(d->p->tool_limits[i].tool, "WebFetch") &&
			     rule_match_domain(&d->p->tool_limits[i], host);
		if (!ok) {
			reason(d, "WebFetch denied access to domain:%s. (the agent's tools line allows WebFetch only "
				  "for: ",
			       host);
			list_limits(d, "WebFetch");
			reason_append(d, ")");
			return finish(d, POLICY_DENY, NULL);
		}
	}
	r = domain_rule(d, RULE_ASK, host);
	if (r) {
		reason(d, "Claude requested permissions to use WebFetch, but you haven't granted it yet.");
		rule_note(d, r);
		return ask(d, r);
	}
	r = domain_rule(d, RULE_ALLOW, host);
	if (r)
		return finish(d, POLICY_ALLOW, r);
	if (tool_limited(d, "WebFetch") || d->mode == PERM_BYPASS || d->mode == PERM_SANDBOX)
		return finish(d, POLICY_ALLOW, NULL);
	reason(d, "Claude requested permissions to use WebFetch, but you haven't granted it yet. (no "
		  "WebFetch(domain:%s) allow rule;" HEADLESS ".)",
	       host);
	return ask(d, NULL);
}

/* ---- Bash ---- */

enum part_state { PART_ALLOW, PART_NEEDS, PART_ASK, PART_DENY };

struct bash_state {
	struct dctx *d;
	char cwd[PATHMATCH_MAX + 1]; /* follows `cd` through the command */
	enum part_state worst;
	const struct rule *rule; /* of the worst part */
	struct buf needs;        /* "a, b" of the parts that need approval */
	size_t nneeds;
	size_t nparts;
	char why[600];      /* why the first part needs approval */
	char deny_msg[1200]; /* message of the first deny / ask */
	struct buf also_denied; /* "b, c": the parts denied after the first (all are judged) */
	struct buf allow;   /* "Bash(make test:*), ...": the allow rules that would let those parts run */
	const struct sh_cmd *cur; /* the part being judged, */
	bool past_rules;          /* ... once no allow rule matched it: an allow rule would let it run */
	/*
	 * Sandbox mode: a read-only command's operands are judged by the Read
	 * deny rules only (where else it may read is the sandbox's to say);
	 * what cannot be checked against them is refused.
	 */
	bool deny_only;
};

static void suggest(struct bash_state *b, const struct sh_cmd *c);

/* A second word that names a subcommand (`git push`, `npm test`), not an option, path or value. */
static bool is_subcommand(const char *w)
{
	size_t i;

	if (!((w[0] >= 'a' && w[0] <= 'z') || (w[0] >= 'A' && w[0] <= 'Z')) || strlen(w) > 40)
		return false;
	for (i = 0; w[i]; i++)
		if (!((w[i] >= 'a' && w[i] <= 'z') || (w[i] >= 'A' && w[i] <= 'Z') || (w[i] >= '0' && w[i] <= '9') ||
		      w[i] == '-' || w[i] == '_' || w[i] == '.'))
			return false;
	return true;
}

/*
 * The allow rule that would let simple command c run, into *out (size):
 * Bash(NAME SUB:*) when its second word is a subcommand, else Bash(NAME:*).
 * False when no rule can vouch for it (a name computed at run time, or one
 * a rule cannot spell).
 */
static bool rule_for(const struct sh_cmd *c, char *out, size_t size)
{
	const char *w0, *w1 = NULL;

	if (!c->nwords || (c->words[0].flags & SHW_DYNAMIC))
		return false;
	w0 = c->words[0].value;
	if (!*w0 || strlen(w0) > 120 || strpbrk(w0, "():*\"") || strchr(w0, ' '))
		return false;
	if (c->nwords > 1 && !(c->words[1].flags & SHW_DYNAMIC) && is_subcommand(c->words[1].value))
		w1 = c->words[1].value;
	snprintf(out, size, "Bash(%s%s%s:*)", w0, w1 ? " " : "", w1 ? w1 : "");
	return true;
}

/* Note the rule that would allow c (once per rule). */
static void suggest(struct bash_state *b, const struct sh_cmd *c)
{
	char rule[200];
	const char *p;
	size_t n;

	if (!rule_for(c, rule, sizeof(rule)))
		return;
	n = strlen(rule);
	for (p = b->allow.data; p && (p = strstr(p, rule)); p += n)
		if ((p == b->allow.data || p[-1] == ' ') && (p[n] == ',' || !p[n]))
			return;
	if (b->allow.len)
		buf_puts(&b->allow, ", ");
	buf_puts(&b->allow, rule);
}

static void part_set(struct bash_state *b, enum part_state st, const struct rule *r, const char *text,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void part_set(struct bash_state *b, enum part_state st, const struct rule *r, const char *text,
		     const char *fmt, ...)
{
	va_list ap;

	if (st == PART_NEEDS) {
		if (b->past_rules && b->cur)
			suggest(b, b->cur);
		if (b->nneeds++ == 0 && fmt) {
			va_start(ap, fmt);
			vsnprintf(b->why, sizeof(b->why), fmt, ap);
			va_end(ap);
		}
		if (b->needs.len)
			buf_puts(&b->needs, ", ");
		buf_puts(&b->needs, text);
	}
	if (st == PART_DENY && b->worst == PART_DENY) {
		if (b->also_denied.len)
			buf_puts(&b->also_denied, ", ");
		buf_puts(&b->also_denied, text);
	}
	if (st > b->worst) {
		b->worst = st;
		b->rule = r;
		if (st >= PART_ASK && fmt) {
			va_start(ap, fmt);
			vsnprintf(b->deny_msg, sizeof(b->deny_msg), fmt, ap);
			va_end(ap);
		}
	}
}

/*
 * Whether rule r, which matched c, vouches for it (docs/policy.md, "Rules
 * that leave words open"). A rule that leaves words open (`Bash(git
 * diff:*)`, `Bash(sort *)`) and whose fixed words already make a read-only
 * command vouches only for read-only uses of it: when the open words add
 * an option that makes the command write files or run programs (`git diff
 * --output=F`, `--ext-diff`, `git grep -O`, `sort -o`, `find -exec`, `rg
 * --pre`, `sed -i`, ...: readonly_classify() says why), the rule does not
 * match. A rule that spells such an option out itself, or whose fixed
 * words are no read-only command (`Bash(make:*)`, `Bash(git:*)`), vouches
 * for what it names.
 */
static bool rule_vouches(const struct rule *r, const struct sh_cmd *c)
{
	struct sh_cmd fixed;
	const char *why = NULL, *fwhy = NULL, *p;
	size_t first, n, k = 0;

	if (r->form != RULE_BASH_PREFIX && r->form != RULE_BASH_WILDCARD)
		return true;
	if (readonly_classify(c, &first, &why) != RO_NO || !why)
		return true;
	/*
	 * The words the rule spells out: rules match c->text, the raw words
	 * joined by single spaces, so the rule's first k whole words are c's.
	 * A prefix rule's whole content; a wildcard rule's words before its
	 * first star (a word the star cuts is open).
	 */
	n = r->form == RULE_BASH_WILDCARD ? strcspn(r->content, "*") : strlen(r->content);
	for (p = r->content; p < r->content + n; p++)
		k += *p == ' ';
	if (r->form == RULE_BASH_PREFIX && n)
		k++;
	if (k > c->nwords)
		k = c->nwords;
	fixed = *c;
	fixed.nwords = k;
	fixed.nredirs = 0;
	return readonly_classify(&fixed, &first, &fwhy) != RO_READ;
}

static const struct rule *bash_rule(const struct dctx *d, enum rule_action a, const char *text)
{
	size_t i;

	for (i = 0; i < d->p->nrules; i++) {
		const struct rule *r = &d->p->rules[i];

		if (r->action == a && r->tool[0] == 'B' && !strcmp(r->tool, "Bash") && r->form != RULE_PATH &&
		    rule_match_command(r, text))
			return r;
	}
	return NULL;
}

/* The first allow rule that matches text (c's, maybe with its assignments) and vouches for c. */
static const struct rule *bash_allow_rule(const struct dctx *d, const struct sh_cmd *c, const char *text)
{
	size_t i;

	for (i = 0; i < d->p->nrules; i++) {
		const struct rule *r = &d->p->rules[i];

		if (r->action == RULE_ALLOW && !strcmp(r->tool, "Bash") && r->form != RULE_PATH &&
		    rule_match_command(r, text) && rule_vouches(r, c))
			return r;
	}
	return NULL;
}

/* Index of the wrapped command in words[from..), or 0 when words[from] wraps nothing. */
static size_t unwrap(const struct sh_cmd *c, size_t from)
{
	static const struct {
		const char *name;
		const char *argopts; /* short options that take a value */
		int fixed;           /* positional args before the command (timeout DURATION, chroot DIR) */
	} wrappers[] = {
		{ "env", "uSC", 0 },    { "sudo", "ugCDhprtU", 0 }, { "doas", "uC", 0 },   { "nice", "n", 0 },
		{ "nohup", "", 0 },     { "setsid", "", 0 },        { "time", "", 0 },     { "exec", "a", 0 },
		{ "command", "", 0 },   { "builtin", "", 0 },       { "timeout", "sk", 1 }, { "stdbuf", "ioe", 0 },
		{ "ionice", "cnpPu", 0 }, { "watch", "nd", 0 },     { "xargs", "nILPdEsa", 0 }, { "chroot", "", 1 },
		{ "unbuffer", "", 0 },  { "caffeinate", "", 0 },    { "chrt", "", 1 },     { "taskset", "", 1 },
	};
	const char *name;
	size_t k, i;

	if (from >= c->nwords)
		return 0;
	name = c->words[from].value;
	for (k = 0; k < sizeof(wrappers) / sizeof(wrappers[0]); k++) {
		int fixed;

		if (strcmp(name, wrappers[k].name))
			continue;
		i = from + 1;
		while (i < c->nwords) {
			const char *w = c->words[i].value;

			if (!strcmp(w, "--")) {
				i++;
				break;
			}
			if (w[0] == '-' && w[1]) {
				/* -n 5 takes the next word; -n5 and --opt=x do not. */
				if (w[1] != '-' && !w[2] && strchr(wrappers[k].argopts, w[1]))
					i++;
				i++;
				continue;
			}
			if (!strcmp(name, "env") && strchr(w, '=')) {
				i++;
				continue;
			}
			break;
		}
		for (fixed = wrappers[k].fixed; fixed > 0 && i < c->nwords; fixed--)
			i++;
		return i < c->nwords ? i : 0;
	}
	return 0;
}

static int join_values(struct buf *out, const struct sh_cmd *c, size_t from, size_t to, bool basename_first)
{
	size_t i;
	int r = 0;

	buf_truncate(out, 0);
	for (i = from; i < to && r >= 0; i++) {
		const char *v = c->words[i].value;

		if (i == from && basename_first && strrchr(v, '/'))
			v = strrchr(v, '/') + 1;
		if (i > from)
			r = buf_putc(out, ' ');
		if (r >= 0)
			r = buf_puts(out, v);
	}
	return r;
}

/*
 * The texts deny and ask rules are matched against: the command as written,
 * unquoted, with its path stripped, and each command it wraps (env, sudo,
 * timeout, xargs, find -exec ...). Safe because a deny rule that matches any
 * reading of the command denies it.
 */
static size_t variants(const struct sh_cmd *c, struct buf *v)
{
	size_t n = 0, from = 0, i;
	int guard;

	buf_truncate(&v[n], 0);
	if (buf_puts(&v[n], c->text) >= 0)
		n++;
	for (guard = 0; guard < 5 && n + 2 <= MAX_VARIANTS && from < c->nwords; guard++) {
		if (join_values(&v[n], c, from, c->nwords, false) >= 0)
			n++;
		if (strchr(c->words[from].value, '/') && join_values(&v[n], c, from, c->nwords, true) >= 0)
			n++;
		from = unwrap(c, from);
		if (!from)
			break;
	}
	/* find ... -exec CMD ... ; */
	for (i = 0; i + 1 < c->nwords && n < MAX_VARIANTS; i++) {
		const char *w = c->words[i].value;

		if (!strcmp(w, "-exec") || !strcmp(w, "-execdir") || !strcmp(w, "-ok") || !strcmp(w, "-okdir")) {
			size_t e = i + 1;

			while (e < c->nwords && strcmp(c->words[e].value, ";") && strcmp(c->words[e].value, "+"))
				e++;
			if (join_values(&v[n], c, i + 1, e, true) >= 0)
				n++;
		}
	}
	return n;
}

static bool ignorable_target(const char *t)
{
	return !strcmp(t, "/dev/null") || !strcmp(t, "/dev/stdout") || !strcmp(t, "/dev/stderr") ||
	       !strncmp(t, "/dev/fd/", 8);
}

static bool is_output(enum sh_redir_op op)
{
	return op == SHR_OUT || op == SHR_APPEND || op == SHR_OUT_ALL || op == SHR_INOUT;
}

static bool shell_name(const char *n)
{
	return !strcmp(n, "sh") || !strcmp(n, "bash") || !strcmp(n, "dash") || !strcmp(n, "zsh") ||
	       !strcmp(n, "ksh") || !strcmp(n, "/bin/sh") || !strcmp(n, "/bin/bash") || !strcmp(n, "/usr/bin/bash");
}

static void judge_split(struct bash_state *b, const struct sh_split *sp, int nesting);

/* `sh -c STRING` and `eval WORDS` run a string as shell code: judge it too. */
static void judge_inner_shell(struct bash_state *b, const struct sh_cmd *c, int nesting)
{
	struct sh_split inner;
	struct sh_error err;
	struct buf code;
	size_t i, start = 0;
	bool is_eval = !strcmp(c->words[0].value, "eval");

	if (c->words[0].flags & SHW_DYNAMIC)
		return;
	if (is_eval) {
		start = 1;
	} else if (shell_name(c->words[0].value)) {
		for (i = 1; i < c->nwords; i++) {
			const char *w = c->words[i].value;

			if (w[0] != '-')
				return; /* a script file: judged by the rules on the outer command */
			if (strchr(w, 'c') && w[1] != '-') {
				start = i + 1;
				break;
			}
		}
		if (!start || start >= c->nwords)
			return;
	} else {
		return;
	}
	if (nesting >= MAX_SHELL_NESTING) {
		part_set(b, PART_NEEDS, NULL, c->text, "'%.200s' nests shells too deeply to check", c->text);
		return;
	}
	buf_init(&code, SH_MAX_INPUT);
	for (i = start; i < (is_eval ? c->nwords : start + 1); i++) {
		if (c->words[i].flags & (SHW_EXPANSION | SHW_SUBST)) {
			part_set(b, PART_NEEDS, NULL, c->text,
				 "'%.200s' runs shell code computed at run time, which cordon cannot check", c->text);
			buf_release(&code);
			return;
		}
		if ((i > start && buf_putc(&code, ' ') < 0) || buf_puts(&code, c->words[i].value) < 0) {
			part_set(b, PART_DENY, NULL, c->text, "This command cannot be checked: its shell string is too long.");
			buf_release(&code);
			return;
		}
	}
	if (sh_split(&inner, code.data, code.len, &err) < 0) {
		part_set(b, PART_DENY, NULL, c->text,
			 "This command cannot be checked: the shell code it runs has %s at byte %zu. cordon does not "
			 "run shell code it cannot parse; use simpler commands.",
			 err.msg, err.offset);
	} else {
		judge_split(b, &inner, nesting + 1);
	}
	sh_split_release(&inner);
	buf_release(&code);
}

/* Check one operand as a path a reader will open. Returns false when it needs approval / is denied. */
/* deny_only: an operand that cannot be checked is refused while Read deny rules exist, passed otherwise. */
static bool unchecked_operand(struct bash_state *b, const struct sh_cmd *c, const char *what, const char *raw)
{
	if (!has_path_rules(b->d, RULE_DENY, "Read"))
		return true;
	part_set(b, PART_DENY, NULL, c->text,
		 "Permission to use Bash with command %.300s has been denied. (%s (%.100s), so cordon cannot check "
		 "it against the Read deny rules; name the files literally)",
		 c->text, what, raw);
	return false;
}

static bool check_read_operand(struct bash_state *b, const struct sh_cmd *c, const struct sh_word *w,
			       const char *value)
{
	struct dctx *d = b->d;
	char abs[PATHMATCH_MAX + 1];
	const struct rule *r;

	if (w->flags & (SHW_EXPANSION | SHW_SUBST)) {
		if (b->deny_only)
			return unchecked_operand(b, c, "an argument is computed at run time", w->raw);
		part_set(b, PART_NEEDS, NULL, c->text,
			 "'%.200s' has arguments computed at run time (%.100s), so cordon cannot tell what it reads",
			 c->text, w->raw);
		return false;
	}
	if (w->flags & SHW_GLOB) {
		char lit[PATHMATCH_MAX + 1];
		size_t n = strcspn(value, "*?[{");

		if (b->deny_only)
			return unchecked_operand(b, c, "an argument is a wildcard", w->raw);
		while (n && value[n - 1] != '/')
			n--;
		snprintf(lit, sizeof(lit), "%.*s", (int)(n ? n : 1), n ? value : ".");
		if (resolve(d, b->cwd, lit, abs, sizeof(abs)) < 0 || !in_working_dirs(d, abs) ||
		    strstr(value + n, "..") || has_path_rules(d, RULE_DENY, "Read")) {
			part_set(b, PART_NEEDS, NULL, c->text,
				 "'%.200s' uses a wildcard (%.100s) that cordon cannot check against the working "
				 "directories and Read deny rules",
				 c->text, w->raw);
			return false;
		}
		return true;
	}
	if (resolve(d, b->cwd, value, abs, sizeof(abs)) < 0) {
		if (b->deny_only)
			return unchecked_operand(b, c, "a path cannot be resolved", value);
		part_set(b, PART_NEEDS, NULL, c->text, "'%.200s' names a path cordon cannot check (%.100s)", c->text,
			 value);
		return false;
	}
	r = path_rule(d, RULE_DENY, "Read", abs);
	if (r) {
		part_set(b, PART_DENY, r, c->text, "Permission to read %s has been denied. (deny rule %s from %s)",
			 abs, r->text, r->source ? r->source : "the command line");
		return false;
	}
	if (!b->deny_only && !in_working_dirs(d, abs) && !path_rule(d, RULE_ALLOW, "Read", abs)) {
		part_set(b, PART_NEEDS, NULL, c->text, "'%.200s' reads %s, outside the working directories", c->text,
			 abs);
		return false;
	}
	return true;
}

/* Operands of a classified command: words after first, skipping options. */
static bool check_operands(struct bash_state *b, const struct sh_cmd *c, size_t first, bool write)
{
	struct dctx *d = b->d;
	bool ddash = false, ok = true;
	size_t i;

	for (i = first; i < c->nwords && ok; i++) {
		const struct sh_word *w = &c->words[i];
		const char *v = w->value;

		if (!ddash && !strcmp(v, "--")) {
			ddash = true;
			continue;
		}
		if (!ddash && v[0] == '-' && v[1]) {
			const char *eq = strchr(v, '=');

			/* --file=/etc/x: the value may be a path. */
			if (eq && strchr(eq + 1, '/'))
				ok = check_read_operand(b, c, w, eq + 1);
			else if (w->flags & (SHW_EXPANSION | SHW_SUBST))
				ok = check_read_operand(b, c, w, v);
			continue;
		}
		ok = check_read_operand(b, c, w, v);
		if (ok && write) {
			char abs[PATHMATCH_MAX + 1];
			const struct rule *r;

			if (w->flags & SHW_GLOB || resolve(d, b->cwd, v, abs, sizeof(abs)) < 0) {
				part_set(b, PART_NEEDS, NULL, c->text, "'%.200s' writes a path cordon cannot check",
					 c->text);
				return false;
			}
			r = path_rule(d, RULE_DENY, "Edit", abs);
			if (r) {
				part_set(b, PART_DENY, r, c->text,
					 "Permission to edit %s has been denied. (deny rule %s from %s)", abs, r->text,
					 r->source ? r->source : "the command line");
				return false;
			}
			if (is_protected(abs)) {
				part_set(b, PART_NEEDS, NULL, c->text, "'%.200s' writes the protected path %s", c->text,
					 abs);
				return false;
			}
		}
	}
	return ok;
}

/*
 * Sandbox mode's judgement of a part no rule vouched for: a `cd` moves the
 * directory later parts are resolved in; a read-only command's operands
 * must pass the Read deny rules (those that cannot be checked are refused
 * while such rules exist). Anything else is the sandbox's.
 */
static void sandbox_reads(struct bash_state *b, const struct sh_cmd *c, int nesting)
{
	struct dctx *d = b->d;
	const char *why = NULL;
	size_t first;
	enum ro_class cls = readonly_classify(c, &first, &why);

	if (cls == RO_CD) {
		char abs[PATHMATCH_MAX + 1];
		const struct sh_word *w = c->nwords > 1 ? &c->words[1] : NULL;

		if (w && (w->flags & (SHW_DYNAMIC & ~SHW_TILDE) || !strcmp(w->value, "-"))) {
			/* Where later parts run is unknown: their relative operands cannot be checked. */
			if (has_path_rules(d, RULE_DENY, "Read"))
				b->cwd[0] = '\0';
			return;
		}
		if (c->depth == 0 && nesting == 0 && resolve(d, b->cwd, w ? w->value : "~", abs, sizeof(abs)) == 0)
			snprintf(b->cwd, sizeof(b->cwd), "%s", abs);
		return;
	}
	if (cls != RO_READ || !has_path_rules(d, RULE_DENY, "Read"))
		return;
	b->deny_only = true;
	check_operands(b, c, first, false);
	b->deny_only = false;
}

static void judge_part(struct bash_state *b, const struct sh_cmd *c, int nesting)
{
	struct dctx *d = b->d;
	struct buf v[MAX_VARIANTS];
	const struct rule *r = NULL;
	size_t nv = 0, i, first;
	bool writes_out = false, writes_unknown = false, writes_outside = false, writes_protected = false;
	bool safe_env = true, input_unsafe = false, read_vouched = false;
	const char *why = NULL;
	enum ro_class cls;

	b->cur = NULL;
	b->past_rules = false;

	b->nparts++;
	for (i = 0; i < MAX_VARIANTS; i++)
		buf_init(&v[i], SH_MAX_INPUT * 2);
	if (c->header)
		goto out;
	for (i = 0; i < c->nassigns; i++)
		if (!readonly_safe_assignment(c->assigns[i].raw))
			safe_env = false;

	/* Deny rules see every reading of the command. */
	if (c->nwords) {
		nv = variants(c, v);
		for (i = 0; i < nv && !r; i++)
			r = bash_rule(d, RULE_DENY, v[i].data);
		if (r) {
			part_set(b, PART_DENY, r, c->text,
				 "Permission to use Bash with command %.600s has been denied. (deny rule %s from %s)",
				 c->text, r->text, r->source ? r->source : "the command line");
			goto out;
		}
	}

	/* Redirections: deny rules on their paths, and what they write. */
	for (i = 0; i < c->nredirs; i++) {
		const struct sh_redir *rd = &c->redirs[i];
		const struct sh_word *t = &rd->target;
		char abs[PATHMATCH_MAX + 1];

		if (rd->op == SHR_HEREDOC || rd->op == SHR_HERESTRING || rd->op == SHR_DUP_IN ||
		    rd->op == SHR_DUP_OUT)
			continue;
		if (t->flags & (SHW_DYNAMIC & ~SHW_TILDE)) {
			if (is_output(rd->op))
				writes_unknown = true;
			else
				input_unsafe = true;
			continue;
		}
		if (ignorable_target(t->value))
			continue;
		if (resolve(d, b->cwd, t->value, abs, sizeof(abs)) < 0) {
			writes_unknown |= is_output(rd->op);
			continue;
		}
		if (rd->op == SHR_IN || rd->op == SHR_INOUT) {
			r = path_rule(d, RULE_DENY, "Read", abs);
			if (r) {
				part_set(b, PART_DENY, r, c->text,
					 "Permission to read %s has been denied. (deny rule %s from %s)", abs, r->text,
					 r->source ? r->source : "the command line");
				goto out;
			}
			if (!in_working_dirs(d, abs))
				input_unsafe = true;
		}
		if (is_output(rd->op)) {
			r = path_rule(d, RULE_DENY, "Edit", abs);
			if (r) {
				part_set(b, PART_DENY, r, c->text,
					 "Permission to edit %s has been denied. (deny rule %s from %s)", abs, r->text,
					 r->source ? r->source : "the command line");
				goto out;
			}
			writes_out = true;
			if (is_protected(abs))
				writes_protected = true;
			else if (!in_working_dirs(d, abs))
				writes_outside = true;
		}
	}

	/* Nothing runs: only assignments and/or redirections. */
	if (!c->nwords) {
		if (!writes_out && !writes_unknown)
			goto out;
		if (d->mode == PERM_BYPASS && !writes_protected)
			goto out;
		if ((d->mode == PERM_ACCEPT_EDITS || d->mode == PERM_SANDBOX) && !writes_outside && !writes_protected &&
		    !writes_unknown)
			goto out;
		part_set(b, PART_NEEDS, NULL, c->text[0] ? c->text : "(redirection)",
			 "a redirection writes a file");
		goto out;
	}

	if (tool_limited(d, "Bash")) {
		bool ok = false;
		size_t f;
		const char *w;
		enum ro_class k = readonly_classify(c, &f, &w);

		/* A read-only command reads no more than the Read tool could:
		 * when the agent has Read, its tools line need not list `ls`. The
		 * usual read-only checks (paths, deny rules) still apply below. */
		ok = (k == RO_READ || k == RO_CD) && safe_env && !input_unsafe && !writes_out && !writes_unknown &&
		     policy_tool_enabled(d->p, "Read");
		read_vouched = ok;

		const struct rule *open = NULL;

		for (i = 0; i < d->p->ntool_limits && !ok; i++) {
			const struct rule *t = &d->p->tool_limits[i];

			if (strcmp(t->tool, "Bash") || (c->words[0].flags & SHW_DYNAMIC) ||
			    !rule_match_command(t, c->text))
				continue;
			ok = rule_vouches(t, c);
			if (!ok)
				open = t;
		}
		if (!ok && open) {
			size_t f2;
			const char *w2 = NULL;

			readonly_classify(c, &f2, &w2);
			part_set(b, PART_DENY, NULL, c->text,
				 "Permission to use Bash with command %.600s has been denied. (%s vouches only for "
				 "read-only uses of the command, and this one is not: %s)",
				 c->text, open->text, w2 ? w2 : "an option writes files or runs programs");
			goto out;
		}
		if (!ok) {
			struct buf lim;
			char rule[200];

			buf_init(&lim, 2000);
			for (i = 0; i < d->p->ntool_limits; i++)
				if (!strcmp(d->p->tool_limits[i].tool, "Bash"))
					buf_printf(&lim, "%s%s", lim.len ? ", " : "", d->p->tool_limits[i].text);
			if (writes_protected || writes_unknown || (writes_outside && d->mode != PERM_BYPASS))
				/* No tools entry helps: the redirection would be refused anyway. */
				part_set(b, PART_DENY, NULL, c->text,
					 "Permission to use Bash with command %.600s has been denied. (the agent's tools "
					 "line allows Bash only for: %s; and the command redirects its output %s, which "
					 "no rule allows)",
					 c->text, lim.data,
					 writes_protected ? "into a protected path"
					 : writes_unknown ? "to a path computed at run time"
							  : "outside the working directories");
			else if (rule_for(c, rule, sizeof(rule)))
				part_set(b, PART_DENY, NULL, c->text,
					 "Permission to use Bash with command %.600s has been denied. (the agent's tools "
					 "line allows Bash only for: %s%s; %s in its tools line would allow it)",
					 c->text, lim.data,
					 writes_out && policy_tool_enabled(d->p, "Read")
						 ? "; read-only commands pass, but this one writes a file through a redirection"
						 : "",
					 rule);
			else
				part_set(b, PART_DENY, NULL, c->text,
					 "Permission to use Bash with command %.600s has been denied. (the agent's tools "
					 "line allows Bash only for: %s; no rule but a bare Bash can allow a command whose "
					 "name is computed at run time)",
					 c->text, lim.data);
			buf_release(&lim);
			goto out;
		}
	}

	r = NULL;
	for (i = 0; i < nv && !r; i++)
		r = bash_rule(d, RULE_ASK, v[i].data);
	if (r) {
		part_set(b, PART_ASK, r, c->text,
			 "Claude requested permissions to use Bash, but you haven't granted it yet. (ask rule %s from "
			 "%s matches '%.300s';" HEADLESS ".)",
			 r->text, r->source ? r->source : "the command line", c->text);
		goto out;
	}

	judge_inner_shell(b, c, nesting);
	b->cur = NULL; /* the inner parts' own: not this one's */
	b->past_rules = false;

	if (writes_protected || ((writes_outside || writes_unknown) && d->mode != PERM_BYPASS)) {
		part_set(b, PART_NEEDS, NULL, c->text,
			 writes_protected ? "'%.200s' redirects output into a protected path"
			 : writes_unknown ? "'%.200s' redirects output to a path computed at run time"
					  : "'%.200s' redirects output outside the working directories",
			 c->text);
		goto out;
	}

	/* Allow rules match the command as written, leading assignments left
	 * out unless one of them can change what runs (then the rule must spell
	 * it out); a computed command name only matches the bare `Bash` rule. */
	for (i = 0; i < c->nassigns; i++)
		if (readonly_dangerous_assignment(c->assigns[i].raw))
			break;
	r = i < c->nassigns ? NULL : bash_allow_rule(d, c, c->text);
	if (!r && c->nassigns) {
		buf_truncate(&v[0], 0);
		for (i = 0; i < c->nassigns; i++)
			if (buf_puts(&v[0], c->assigns[i].raw) < 0 || buf_putc(&v[0], ' ') < 0)
				break;
		if (i == c->nassigns && buf_puts(&v[0], c->text) >= 0)
			r = bash_allow_rule(d, c, v[0].data);
	}
	if (r && (r->form == RULE_BARE || !(c->words[0].flags & SHW_DYNAMIC)))
		goto out;
	/* From here on, whatever this part still needs, an allow rule for it would grant. */
	b->cur = c;
	b->past_rules = true;
	if (d->mode == PERM_BYPASS)
		goto out;
	/*
	 * Sandbox mode: whatever the command is, it runs confined, and what it
	 * writes outside or into protected paths was refused above. What a
	 * read-only command reads is still judged by the Read deny rules (the
	 * sandbox can hide only the paths they name literally); and a command
	 * the agent's tools line allows only because the agent has Read reads
	 * no more than Read could: it is judged as in default mode, below.
	 */
	if (d->mode == PERM_SANDBOX && !read_vouched) {
		sandbox_reads(b, c, nesting);
		goto out;
	}

	cls = readonly_classify(c, &first, &why);
	if (cls == RO_CD) {
		char abs[PATHMATCH_MAX + 1];
		const struct sh_word *w = c->nwords > 1 ? &c->words[1] : NULL;

		if (w && (w->flags & (SHW_DYNAMIC & ~SHW_TILDE) || !strcmp(w->value, "-"))) {
			part_set(b, PART_NEEDS, NULL, c->text, "'%.200s' changes to a directory computed at run time",
				 c->text);
			goto out;
		}
		if (resolve(d, b->cwd, w ? w->value : "~", abs, sizeof(abs)) < 0 || !in_working_dirs(d, abs)) {
			part_set(b, PART_NEEDS, NULL, c->text, "'%.200s' leaves the working directories", c->text);
			goto out;
		}
		if (c->depth == 0 && nesting == 0)
			snprintf(b->cwd, sizeof(b->cwd), "%s", abs);
		goto out;
	}
	if (cls == RO_READ && safe_env && !input_unsafe) {
		if (!check_operands(b, c, first, false))
			goto out;
		if (!writes_out || d->mode == PERM_ACCEPT_EDITS)
			goto out;
		part_set(b, PART_NEEDS, NULL, c->text, "'%.200s' writes a file through a redirection", c->text);
		goto out;
	}
	if (cls == RO_FS_WRITE && safe_env && !input_unsafe && d->mode == PERM_ACCEPT_EDITS) {
		/* check_operands records why a part needs approval, if it does. */
		check_operands(b, c, 1, true);
		goto out;
	}
	if (c->words[0].flags & SHW_DYNAMIC)
		part_set(b, PART_NEEDS, NULL, c->text,
			 "the command name of '%.200s' is computed at run time, so no rule can vouch for it", c->text);
	else if (why)
		part_set(b, PART_NEEDS, NULL, c->text, "'%.200s' is not read-only: %s", c->text, why);
	else if ((cls == RO_READ || cls == RO_FS_WRITE) && !safe_env)
		part_set(b, PART_NEEDS, NULL, c->text,
			 "'%.200s' sets environment variables that can change what runs", c->text);
	else if ((cls == RO_READ || cls == RO_FS_WRITE) && input_unsafe)
		part_set(b, PART_NEEDS, NULL, c->text,
			 "'%.200s' reads input from outside the working directories or a computed path", c->text);
	else
		part_set(b, PART_NEEDS, NULL, c->text, "no allow rule matches '%.200s' and it is not a read-only command",
			 c->text);
out:
	for (i = 0; i < MAX_VARIANTS; i++)
		buf_release(&v[i]);
}

static void judge_split(struct bash_state *b, const struct sh_split *sp, int nesting)
{
	size_t i;

	/* Every part, also after a denial: the model learns all that is refused at once. */
	for (i = 0; i < sp->n; i++)
		judge_part(b, &sp->cmds[i], nesting);
}

/* As Claude Code does before judging: a leading `cd <cwd> && ` is dropped,
 * `\\;` becomes `\;` (docs/policy.md, "Bash: every part must be allowed").
 * cwds: the cwd as the caller gave it and as normalised (either may be NULL). */
static int normalize_command(const char *const cwds[2], const char *cmd, struct buf *out)
{
	size_t k, n;
	int r = 0;

	for (k = 0; k < 2; k++) {
		if (!cwds[k])
			continue;
		n = strlen(cwds[k]);
		if (!strncmp(cmd, "cd ", 3) && !strncmp(cmd + 3, cwds[k], n) && !strncmp(cmd + 3 + n, " && ", 4)) {
			cmd += 3 + n + 4;
			break;
		}
	}
	for (; *cmd && r >= 0; cmd++) {
		if (cmd[0] == '\\' && cmd[1] == '\\' && cmd[2] == ';') {
			r = buf_append(out, "\\;", 2);
			cmd += 2;
			continue;
		}
		r = buf_putc(out, *cmd);
	}
	return r;
}

int policy_bash_command(const struct policy_ctx *ctx, const char *command, struct buf *out)
{
	char cwd[PATHMATCH_MAX + 1];
	const char *cwds[2] = { NULL, NULL };

	if (ctx && ctx->cwd) {
		cwds[0] = ctx->cwd;
		if (path_normalize(cwd, sizeof(cwd), ctx->cwd, NULL) == 0)
			cwds[1] = cwd;
	}
	return normalize_command(cwds, command, out) < 0 ? -CORDON_ETOOBIG : 0;
}

static enum policy_verdict decide_bash(struct dctx *d, const json_t *input, const char *raw_cwd)
{
	struct bash_state b;
	struct sh_split sp;
	struct sh_error err;
	struct buf cmd;
	const char *command;
	bool failed;
	enum policy_verdict v;

	command = param(d, input, "command", true, &failed);
	if (failed)
		return d->out->verdict;
	memset(&b, 0, sizeof(b));
	b.d = d;
	snprintf(b.cwd, sizeof(b.cwd), "%s", d->cwd);
	buf_init(&b.needs, 2000);
	buf_init(&b.allow, 2000);
	buf_init(&b.also_denied, 2000);
	buf_init(&cmd, SH_MAX_INPUT);
	memset(&sp, 0, sizeof(sp));
	if (normalize_command((const char *const[2]){ raw_cwd, d->cwd }, command, &cmd) < 0) {
		reason(d, "This command cannot be checked: it is longer than %d bytes. Split the work into smaller "
			  "commands.",
		       SH_MAX_INPUT);
		v = finish(d, POLICY_DENY, NULL);
		goto out;
	}
	if (sh_split(&sp, cmd.data, cmd.len, &err) < 0) {
		reason(d, "This command cannot be checked: %s at byte %zu. cordon does not run shell code it cannot "
			  "parse; use simpler commands (one operation per call, no case, functions or (( ))).",
		       err.msg, err.offset);
		v = finish(d, POLICY_DENY, NULL);
		goto out;
	}
	if (sp.n == 0) {
		v = finish(d, POLICY_ALLOW, NULL);
		goto out;
	}
	judge_split(&b, &sp, 0);
	if (b.worst == PART_DENY) {
		if (b.also_denied.len)
			reason(d, "%s Also denied in this command: %s.", b.deny_msg, b.also_denied.data);
		else
			reason(d, "%s", b.deny_msg);
		v = finish(d, POLICY_DENY, b.rule);
	} else if (b.worst == PART_ASK) {
		reason(d, "%s", b.deny_msg);
		v = ask(d, b.rule);
	} else if (b.nneeds) {
		if (b.nparts > 1)
			reason(d, "This Bash command contains multiple operations. The following parts require "
				  "approval: %s (%s;" HEADLESS "%s%s%s.)",
			       b.needs.data, b.why, b.allow.len ? "; allow rules that would let them run: " : "",
			       b.allow.len ? b.allow.data : "", "");
		else
			reason(d, "This command requires approval (%s; permission mode %s;" HEADLESS
				  "%s%s%s. Read-only commands such as ls, cat, grep and git status/diff/log run without "
				  "approval.)",
			       b.why, mode_name(d), b.allow.len ? "; the allow rule " : "",
			       b.allow.len ? b.allow.data : "", b.allow.len ? " would let it run" : "");
		v = ask(d, NULL);
	} else {
		v = finish(d, POLICY_ALLOW, NULL);
	}
out:
	sh_split_release(&sp);
	buf_release(&cmd);
	buf_release(&b.needs);
	buf_release(&b.allow);
	buf_release(&b.also_denied);
	return v;
}

/* ---- entry points ---- */

bool policy_read_denied(const struct policy *p, const char *tool, const char *path, const struct policy_ctx *ctx,
			const struct rule **out_rule)
{
	struct dctx d;
	struct policy_decision dummy;
	const struct rule *r;

	memset(&d, 0, sizeof(d));
	d.p = p;
	d.out = &dummy;
	if (path_normalize(d.root, sizeof(d.root), ctx->project_root ? ctx->project_root : ctx->cwd, NULL) < 0)
		return true;
	if (ctx->home && path_normalize(d.home, sizeof(d.home), ctx->home, NULL) == 0)
		d.has_home = true;
	r = path_rule(&d, RULE_DENY, tool, path);
	if (out_rule)
		*out_rule = r;
	return r != NULL;
}

int policy_read_deny_patterns(const struct policy *p, const char *tool, const struct policy_ctx *ctx, json_t **out)
{
	char root[PATHMATCH_MAX + 1], home[PATHMATCH_MAX + 1], pat[PATHMATCH_MAX + 1];
	bool has_home = false;
	json_t *arr, *seen;
	size_t i;
	int rc = 0;

	*out = NULL;
	if (!ctx->cwd && !ctx->project_root)
		return -CORDON_EINVAL;
	if (path_normalize(root, sizeof(root), ctx->project_root ? ctx->project_root : ctx->cwd, NULL) < 0)
		return -CORDON_EINVAL;
	if (ctx->home && path_normalize(home, sizeof(home), ctx->home, NULL) == 0)
		has_home = true;
	arr = json_array();
	seen = json_object();
	if (!arr || !seen) {
		rc = -CORDON_ENOMEM;
		goto out;
	}
	for (i = 0; i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];

		/* The same rules, in the same way, as path_rule() applies to a
		 * single path: so a walk hides exactly what a Read of each
		 * file it passes would be refused. */
		if (r->action != RULE_DENY || !rule_applies(r, tool))
			continue;
		if (r->form == RULE_BARE) {
			/* A bare deny of the tool itself covers every path. */
			snprintf(pat, sizeof(pat), "/**");
		} else if (r->form == RULE_PATH) {
			rc = rule_path_pattern(r, root, has_home ? home : NULL, pat, sizeof(pat));
			/* `~/x` without a home never matches in policy_decide
			 * either; anything else we cannot anchor is an error, so
			 * the caller refuses the search rather than run it
			 * without the rule. */
			if (rc == -CORDON_ENOTFOUND) {
				rc = 0;
				continue;
			}
			if (rc < 0)
				goto out;
		} else {
			continue;
		}
		/* The patterns travel as JSON strings: a rule or root that is not
		 * UTF-8 cannot be sent, so the search must not run without it. */
		if (!utf8_valid(pat, strlen(pat))) {
			rc = -CORDON_EINVAL;
			goto out;
		}
		if (json_object_get(seen, pat))
			continue;
		if (json_object_set_new(seen, pat, json_true()) < 0 || json_array_append_new(arr, json_string(pat)) < 0) {
			rc = -CORDON_ENOMEM;
			goto out;
		}
	}
	*out = arr;
	arr = NULL;
out:
	json_decref(arr);
	json_decref(seen);
	return rc;
}

enum policy_verdict policy_decide(const struct policy *p, const char *tool, const json_t *input,
				  const struct policy_ctx *ctx, struct policy_decision *out)
{
	const struct tool_entry *entry;
	struct dctx d;

	memset(out, 0, sizeof(*out));
	memset(&d, 0, sizeof(d));
	d.p = p;
	d.out = out;
	d.tool = tool ? tool : "";
	d.mode = policy_mode(p);
	out->verdict = POLICY_DENY;
	entry = catalog_find(tool);
	if (!tool || !policy_tool_enabled(p, tool)) {
		bool known = entry && entry->builtin;

		out->validation_error = true;
		if (known)
			reason(&d, "Error: No such tool available: %s %s exists but is not enabled in this context. "
				   "Use one of the available tools instead.",
			       tool, tool);
		else
			reason(&d, "Error: No such tool available: %.200s", tool ? tool : "(none)");
		return finish(&d, POLICY_DENY, NULL);
	}
	if (!ctx || !ctx->cwd || path_normalize(d.cwd, sizeof(d.cwd), ctx->cwd, NULL) < 0 ||
	    path_normalize(d.root, sizeof(d.root), ctx->project_root ? ctx->project_root : ctx->cwd, NULL) < 0) {
		reason(&d, "cordon has no absolute working directory to judge this call against");
		return finish(&d, POLICY_DENY, NULL);
	}
	if (ctx->session_dir && path_normalize(d.session_dir, sizeof(d.session_dir), ctx->session_dir, NULL) < 0)
		d.session_dir[0] = '\0';
	if (ctx->home && path_normalize(d.home, sizeof(d.home), ctx->home, NULL) == 0)
		d.has_home = true;
	if (!json_is_object(input)) {
		out->validation_error = true;
		reason(&d, "InputValidationError: %s failed due to the following issue:\nThe input must be an object",
		       tool);
		return finish(&d, POLICY_DENY, NULL);
	}
	/* The path the child will open, whatever the verdict: the caller
	 * hands exactly this to the tool (policy.h, policy_decision.path). */
	if (entry->path_param && call_path(&d, entry, input, out->path, sizeof(out->path)) < 0)
		out->path[0] = '\0';
	switch (entry->check) {
	case CHECK_READ_FILE:
		return decide_file(&d, input, false);
	case CHECK_WRITE_FILE:
		return decide_file(&d, input, true);
	case CHECK_GLOB:
		return decide_glob(&d, input);
	case CHECK_GREP:
		return decide_grep(&d, input);
	case CHECK_COMMAND:
		return decide_bash(&d, input, ctx->cwd);
	case CHECK_URL:
		return decide_fetch(&d, input);
	case CHECK_NONE:
		break;
	}
	/* TodoWrite touches nothing outside the supervisor. */
	return finish(&d, POLICY_ALLOW, NULL);
}

int policy_call_path(const char *tool, const json_t *input, const struct policy_ctx *ctx, char *out, size_t size)
{
	const struct tool_entry *entry = catalog_find(tool);
	struct policy_decision dummy;
	struct dctx d;

	memset(&d, 0, sizeof(d));
	d.out = &dummy;
	out[0] = '\0';
	if (!entry || !entry->path_param)
		return 0;
	if (!ctx || !ctx->cwd || path_normalize(d.cwd, sizeof(d.cwd), ctx->cwd, NULL) < 0)
		return -CORDON_EINVAL;
	if (ctx->home && path_normalize(d.home, sizeof(d.home), ctx->home, NULL) == 0)
		d.has_home = true;
	return call_path(&d, entry, input, out, size);
}
