/*
 * rule.h — one permission rule: `Tool` or `Tool(specifier)`.
 *
 * The syntax is Claude Code's (docs/policy.md, "Rules"):
 *   Bash(npm run build)     exact command
 *   Bash(npm run test:*)    legacy prefix: the command equals the prefix or
 *                           starts with prefix + space (so NOT test:unit)
 *   Bash(git * main)        wildcard: `*` is any run of characters, `\*` a
 *                           literal star; a pattern whose only star is a
 *                           trailing " *" also matches the bare command
 *   Read(./src/x) Edit(//abs/dir) Read(~/x) Edit(/root-relative) Read(*.env)
 *                           gitignore-style path patterns (see below)
 *   WebFetch(domain:example.com)   exact host; `domain:*.example.com` also
 *                           matches every subdomain (not the apex). The host
 *                           is normalized as rule_url_host() normalizes the
 *                           host of a URL (lowercase, no trailing dot, IP
 *                           literals in curl's and inet_ntop()'s form); a
 *                           port is an error: a rule names a host
 *   Tool, Tool(*), Tool()   every use of the tool
 * Other tools' specifiers (Agent(x), Skill(x), mcp__...) are kept verbatim
 * (RULE_OTHER) so they round-trip, but cordon has nothing to match them on.
 *
 * Path anchoring (rule_path_pattern): `//p` absolute; `~/p` under home;
 * `/p` under the rule's root (the project root for project, local, agent
 * and CLI rules; ~/.claude for user settings; the settings file's directory
 * for --settings FILE); `./p` and `p/q` under the project root; a pattern
 * without any '/' (but a trailing one) matches at any depth: for allow rules
 * under the project root, for deny and ask rules anywhere (so Read(*.env)
 * denies /tmp/x.env too). A pattern naming a directory covers everything
 * below it. Relative patterns use the project root, never the shell's
 * current directory, so a `cd` cannot move a deny rule.
 *
 * Ownership: struct rule owns all its strings; rule_release() frees them.
 */
#ifndef CORDON_POLICY_RULE_H
#define CORDON_POLICY_RULE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

/* Ceiling on a rule's text. */
#define RULE_MAX_LEN 4096

enum rule_action { RULE_ALLOW, RULE_ASK, RULE_DENY };

enum rule_form {
	RULE_BARE,          /* Tool, Tool(*), Tool() */
	RULE_BASH_EXACT,    /* content: the command */
	RULE_BASH_PREFIX,   /* content: the prefix, without ":*" */
	RULE_BASH_WILDCARD, /* content: the pattern with its stars */
	RULE_PATH,          /* content: the pattern as written */
	RULE_DOMAIN,        /* content: the lowercase host (maybe "*.x.y") */
	RULE_OTHER,         /* content kept verbatim, matched by equality */
};

struct rule {
	enum rule_action action;
	enum rule_form form;
	char *text;    /* normalized text: Tool or Tool(content) */
	char *tool;    /* the tool part */
	char *content; /* NULL for RULE_BARE */
	char *source;  /* where it came from, for reasons: "settings FILE", "cli" */
	char *root;    /* anchor of `/p` path patterns; NULL = project root */
};

/* The action's lowercase name: "allow", "ask", "deny". */
const char *rule_action_name(enum rule_action a);

/*
 * Parse `text` into out (which is overwritten). `source` and `root` are
 * copied (either may be NULL). Errors: -CORDON_EPARSE with diag->msg and
 * diag->column (1-based offset in text) set; -CORDON_ETOOBIG for text over
 * RULE_MAX_LEN; -CORDON_ENOMEM. On error out holds nothing to release.
 */
int rule_parse(struct rule *out, const char *text, enum rule_action action, const char *source,
	       const char *root, struct cordon_diag *diag);

void rule_release(struct rule *r);

/*
 * Split a tools list ("Read, Bash(git diff:*) Edit") on commas and white
 * space outside parentheses, calling fn(item, len, ctx) for every
 * non-empty item; stops and returns fn's value when it is negative.
 * Unbalanced parentheses: -CORDON_EPARSE.
 */
int rule_split_list(const char *s, int (*fn)(const char *item, size_t len, void *ctx), void *ctx);

/*
 * Whether `tool` is governed by rules written for r->tool: Read rules govern
 * Read, Grep and Glob; Edit and Write rules govern Edit, Write and
 * NotebookEdit; otherwise the names must be equal.
 */
bool rule_governs(const struct rule *r, const char *tool);

/*
 * Whether a Bash rule matches one simple command's text (the splitter's
 * normalized text: words separated by one space). RULE_BARE matches all.
 */
bool rule_match_command(const struct rule *r, const char *cmd);

/*
 * Anchor a RULE_PATH pattern into an absolute glob (see above) in out[size].
 * project_root and home must be absolute and normalized (home may be NULL:
 * `~` patterns then never match). Returns 0 or negative CORDON_E*.
 */
int rule_path_pattern(const struct rule *r, const char *project_root, const char *home, char *out,
		      size_t size);

/*
 * Whether a path rule matches normalized absolute `path`. RULE_BARE matches
 * every path. Patterns that cannot be anchored never match.
 */
bool rule_match_path(const struct rule *r, const char *path, const char *project_root, const char *home);

/* Whether a WebFetch rule matches a host as rule_url_host() gives it. RULE_BARE matches all. */
bool rule_match_domain(const struct rule *r, const char *host);

/* Ceiling on a host name (bytes, without the NUL). */
#define RULE_HOST_MAX 253

/*
 * The host of an http:// or https:// URL as WebFetch rules judge it, into
 * host[size] (size > RULE_HOST_MAX is always enough). The URL is parsed by
 * libcurl's URL API (curl_url_set(CURLUPART_URL), curl_url_get(
 * CURLUPART_HOST)), the parser the fetch uses, so userinfo, backslashes,
 * percent-escapes and numeric IPv4 forms ("http://a.com\@evil.com/",
 * "http://0x7f.1/") mean here what they mean to the fetch. Then: ASCII
 * lowercase; trailing dots dropped; a non-ASCII name in punycode
 * (CURLU_PUNYCODE: needs libcurl 7.88 with IDN and a UTF-8 LC_CTYPE,
 * otherwise the URL cannot be checked); IPv6 literals in brackets in
 * inet_ntop()'s form, zone id dropped, and an IPv4-mapped IPv6 address
 * as its IPv4 dotted quad. Other schemes, no host, a host that is empty,
 * too long or still not plain ASCII afterwards, or a URL that does not
 * give the same host when rebuilt with it ("http://0x7f./": a name, whose
 * host without the dot would be the address 0.0.0.127): -CORDON_EINVAL;
 * -CORDON_ENOMEM.
 *
 * *out_url (when out_url is not NULL) is a new malloc'd copy of the URL
 * rebuilt with exactly that host: what a fetch hands to libcurl, so the
 * host it connects to is the host the policy judged. libcurl's URL API
 * does no I/O (no resolving, no connecting).
 */
int rule_url_host(const char *url, char *host, size_t size, char **out_url);

/* Whether name is a tool name as rules spell it (Uppercase... or mcp__...). */
bool rule_valid_tool_name(const char *name, size_t len);

#endif
