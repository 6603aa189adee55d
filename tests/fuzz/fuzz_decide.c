/*
 * Fuzz target: policy_decide(), the judge of every tool call the model
 * makes. The input builds a small policy and one call:
 *
 *	byte 0      the permission mode (mod 6)
 *	byte 1      flags: 1 approval hook, 2 network allowlist, 4 agent with a
 *	            tools line, 8 an additional directory, 16 bypass disabled,
 *	            32 no home, 64 the next line adds rules in --allowedTools
 *	            syntax (deny rules with 128, else allow rules), 128
 *	            without 64: the cwd is a subdirectory of the project
 *	bytes 2..   up to the first '\n': one rule each from `rules` below,
 *	            action (byte % 3), index (byte / 3)
 *	[line]      with flag 64: those rules
 *	line        the tool name
 *	rest        Bash: the command; otherwise the JSON input, or when that
 *	            is not an object, {"<the tool's main parameter>": rest}
 *
 * Invariants checked on every input:
 *   - the verdict is allow, deny or ask; ask only with an approval hook and
 *     never in dontAsk mode; an allow carries no reason and is no
 *     validation error;
 *   - the reason is NUL-terminated inside its buffer and valid UTF-8 (it
 *     goes to the model as a JSON string);
 *   - a tool that is not enabled is refused as a validation error;
 *   - the deciding rule, when there is one, is one of the policy's;
 *   - deciding again gives the same verdict, reason and rule;
 *   - a deny rule written for exactly this call (its path, its host, any
 *     one of its simple commands) denies it, and so does a bare deny of
 *     the tool.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/utf8.h"
#include "policy/agentfile.h"
#include "policy/pathmatch.h"
#include "policy/policy.h"
#include "policy/rule.h"
#include "policy/shsplit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const rules[] = {
	"Bash",
	"Bash(npm run test:*)",
	"Bash(git:*)",
	"Bash(make build)",
	"Bash(echo *)",
	"Bash(git push:*)",
	"Bash(rm:*)",
	"Bash(curl:*)",
	"Bash(sudo:*)",
	"Bash(NODE_ENV=test npm test)",
	"Bash(git * main)",
	"Read",
	"Read(//opt/docs/**)",
	"Read(./private/**)",
	"Read(./.env)",
	"Read(*.pem)",
	"Read(./secrets/**)",
	"Read(~/.ssh/**)",
	"Read(/src/*.c)",
	"Read(//etc/**)",
	"Edit",
	"Edit(./src/**)",
	"Edit(./src/generated/**)",
	"Edit(//tmp/x)",
	"Write(.claude/**)",
	"Grep",
	"Glob(./src/**)",
	"WebFetch",
	"WebFetch(domain:docs.example.com)",
	"WebFetch(domain:*.trusted.org)",
	"WebFetch(domain:ask.example.com)",
	"WebFetch(domain:evil.com)",
	"WebFetch(domain:127.0.0.1)",
	"WebFetch(domain:[::1])",
	"TodoWrite",
};
#define NRULES (sizeof(rules) / sizeof(rules[0]))

static const char agent_text[] = "---\nname: f\ndescription: d\n"
				 "tools: Read, Grep, Glob, Bash(git diff:*), Bash(make:*), Edit(./src/**), "
				 "WebFetch(domain:docs.example.com)\n---\nbody\n";

/* Where each tool takes the path, host or command the invariants aim at. */
static const char *main_param(const char *tool)
{
	if (!strcmp(tool, "Bash"))
		return "command";
	if (!strcmp(tool, "WebFetch"))
		return "url";
	if (!strcmp(tool, "Glob") || !strcmp(tool, "Grep"))
		return "pattern";
	if (!strcmp(tool, "NotebookEdit"))
		return "notebook_path";
	return "file_path";
}

/* Next '\n'-terminated line of data[*pos..size) as a new string; NULL at the end. */
static char *take_line(const uint8_t *data, size_t size, size_t *pos)
{
	const uint8_t *nl;
	size_t n;
	char *s;

	if (*pos >= size)
		return NULL;
	nl = memchr(data + *pos, '\n', size - *pos);
	n = nl ? (size_t)(nl - (data + *pos)) : size - *pos;
	s = strndup((const char *)data + *pos, n);
	*pos += n + (nl ? 1 : 0);
	return s;
}

static void check_decision(const struct policy *p, const char *tool, const struct policy_decision *dec)
{
	const struct rule *r = dec->rule;
	const char *nul;

	if (dec->verdict != POLICY_ALLOW && dec->verdict != POLICY_DENY && dec->verdict != POLICY_ASK)
		abort();
	nul = memchr(dec->reason, '\0', sizeof(dec->reason));
	if (!nul || !utf8_valid(dec->reason, (size_t)(nul - dec->reason)))
		abort();
	if (dec->verdict == POLICY_ALLOW && (dec->reason[0] || dec->validation_error))
		abort();
	if (dec->verdict == POLICY_ASK && (!p->approval_hook || policy_mode(p) == PERM_DONT_ASK))
		abort();
	if (dec->verdict != POLICY_ALLOW && !dec->reason[0])
		abort();
	if (!policy_tool_enabled(p, tool) && (dec->verdict != POLICY_DENY || !dec->validation_error))
		abort();
	if (r && !(r >= p->rules && r < p->rules + p->nrules) &&
	    !(r >= p->tool_limits && r < p->tool_limits + p->ntool_limits))
		abort();
}

/*
 * A path pattern naming exactly `path` as the model wrote it: glob
 * characters escaped, anchored the way the rule syntax reads it. NULL when
 * the path cannot be spelled in a rule (parentheses, control characters,
 * a home-relative path without a home, too long).
 */
static char *exact_path_rule(const char *tool, const char *path)
{
	char esc[2 * PATHMATCH_MAX + 8], *out;
	const char *s;
	size_t k = 0;

	if (!*path || strlen(path) > PATHMATCH_MAX / 2)
		return NULL;
	for (s = path; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f || c == '(' || c == ')')
			return NULL;
		if (c == '*' || c == '?' || c == '[' || c == '\\')
			esc[k++] = '\\';
		esc[k++] = (char)c;
	}
	esc[k] = '\0';
	/* "//abs" is absolute; "~/x" is under home; "./rel" under the project
	 * root, which is also the cwd these calls run in (flag 128 unset). */
	if (path[0] == '/') {
		if (asprintf(&out, "%s(/%s)", tool, esc) < 0)
			return NULL;
	} else if (path[0] == '~' && (path[1] == '/' || !path[1])) {
		if (asprintf(&out, "%s(%s)", tool, esc) < 0)
			return NULL;
	} else if (asprintf(&out, "%s(./%s)", tool, esc) < 0) {
		return NULL;
	}
	return out;
}

/*
 * Deny rules that each name this call exactly (its path, its host, one of
 * its simple commands), appended to out; none when a rule cannot spell it.
 */
static void exact_deny_rules(const char *tool, const json_t *input, bool cwd_is_root, struct strvec *out)
{
	const json_t *jv = json_object_get(input, main_param(tool));
	const char *v = json_string_value(jv);
	char *rule = NULL;

	if (!v || strlen(v) != json_string_length(jv))
		return;
	if (!strcmp(tool, "Read") || !strcmp(tool, "Write") || !strcmp(tool, "Edit")) {
		if (cwd_is_root || v[0] == '/')
			rule = exact_path_rule(strcmp(tool, "Read") ? "Edit" : "Read", v);
	} else if (!strcmp(tool, "Grep")) {
		const json_t *jp = json_object_get(input, "path");
		const char *path = json_string_value(jp);

		if (path && *path && (cwd_is_root || path[0] == '/') && strlen(path) == json_string_length(jp))
			rule = exact_path_rule("Read", path);
	} else if (!strcmp(tool, "WebFetch")) {
		char host[RULE_HOST_MAX + 1];

		if (rule_url_host(v, host, sizeof(host), NULL) < 0 || asprintf(&rule, "WebFetch(domain:%s)", host) < 0)
			rule = NULL;
	} else if (!strcmp(tool, "Bash")) {
		struct sh_split sp;
		struct sh_error err;
		size_t i;

		/* Every simple command is judged, those in $(..) and sh -c too: a
		 * deny rule for any one of them denies the whole command. Left out:
		 * texts a rule cannot spell exactly (parentheses, stars,
		 * backslashes) and `cd` (a leading `cd <cwd> &&` is dropped). The
		 * policy judges the command normalized as Claude Code runs it
		 * (docs/policy.md, "Bash: every part must be allowed": "\\;" becomes "\;"), which can join what the
		 * raw text splits: such commands are left out too. */
		if (!strstr(v, "\\\\;") && sh_split(&sp, v, strlen(v), &err) == 0)
			for (i = 0; i < sp.n; i++) {
				const char *t = sp.cmds[i].text;

				if (sp.cmds[i].header || !sp.cmds[i].nwords || !*t || strpbrk(t, "()*\\") ||
				    t[0] == ' ' || t[strlen(t) - 1] == ' ' || !strncmp(t, "cd ", 3))
					continue;
				if (asprintf(&rule, "Bash(%s)", t) >= 0) {
					if (strvec_push(out, rule) < 0)
						abort();
					free(rule);
				}
				rule = NULL;
			}
		sh_split_release(&sp);
	}
	if (rule && strvec_push(out, rule) < 0)
		abort();
	free(rule);
}

static void decide_checked(const struct policy *p, const char *tool, const json_t *input,
			   const struct policy_ctx *ctx, struct policy_decision *dec)
{
	struct policy_decision again;

	policy_decide(p, tool, input, ctx, dec);
	check_decision(p, tool, dec);
	policy_decide(p, tool, input, ctx, &again);
	if (again.verdict != dec->verdict || again.rule != dec->rule ||
	    again.validation_error != dec->validation_error || strcmp(again.reason, dec->reason))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy p;
	struct policy_decision dec;
	struct policy_ctx ctx = { .cwd = "/proj", .project_root = "/proj", .home = "/home/u" };
	struct cordon_diag d;
	json_t *input = NULL;
	struct strvec deny = STRVEC_INIT;
	char *head = NULL, *extra = NULL, *tool = NULL;
	unsigned mode, flags;
	size_t pos = 0, i;

	if (size < 2)
		return 0;
	mode = data[0] % 6;
	flags = data[1];
	pos = 2;
	head = take_line(data, size, &pos);
	if (flags & 64)
		extra = take_line(data, size, &pos);
	tool = take_line(data, size, &pos);
	if (!head || !tool || (flags & 64 && !extra))
		goto out;

	/* The call's input. */
	{
		const char *rest = (const char *)data + pos;
		size_t n = size - pos;

		if (!strcmp(tool, "Bash")) {
			input = json_object();
			if (input && json_object_set_new(input, "command", json_stringn(rest, n)) < 0)
				goto out;
		} else {
			input = json_loadb(rest, n, JSON_REJECT_DUPLICATES, NULL);
			if (!json_is_object(input)) {
				json_decref(input);
				input = json_object();
				if (input && json_object_set_new(input, main_param(tool), json_stringn(rest, n)) < 0)
					goto out;
			}
		}
		if (!input)
			goto out;
	}

	policy_init(&p);
	for (i = 0; head[i]; i++) {
		unsigned char b = (unsigned char)head[i];

		if (policy_add_rules(&p, rules[(b / 3) % NRULES], (enum rule_action)(b % 3), "fuzz", NULL, &d) < 0)
			abort();
	}
	if (extra)
		(void)policy_add_rules(&p, extra, flags & 128 ? RULE_DENY : RULE_ALLOW, "fuzz extra", NULL, &d);
	policy_set_mode(&p, (enum perm_mode)mode, POLICY_SRC_CLI, "fuzz");
	if (flags & 1)
		p.approval_hook = strdup("/bin/approve");
	if (flags & 2) {
		p.network_set = true;
		if (strvec_push(&p.allowed_domains, "docs.example.com") < 0 ||
		    strvec_push(&p.allowed_domains, "*.trusted.org") < 0)
			goto out_policy;
	}
	if (flags & 4) {
		struct agent_file af;

		if (agentfile_parse(&af, agent_text, strlen(agent_text), "f.md", &d) < 0)
			abort();
		if (policy_apply_agent(&p, &af, &d) < 0)
			abort();
		agentfile_release(&af);
	}
	if (flags & 8 && policy_add_dir(&p, "/shared") < 0)
		abort();
	p.disable_bypass = flags & 16;
	if (flags & 32)
		ctx.home = NULL;
	if (flags & 128 && !extra)
		ctx.cwd = "/proj/src";

	decide_checked(&p, tool, input, &ctx, &dec);

	/* A bare deny of the tool: never allowed. */
	{
		struct policy bare;
		char *t = NULL;

		policy_init(&bare);
		if (asprintf(&t, "%s", tool) >= 0 && rule_valid_tool_name(t, strlen(t)) &&
		    policy_add_rules(&bare, t, RULE_DENY, "fuzz", NULL, &d) == 0) {
			decide_checked(&bare, tool, input, &ctx, &dec);
			if (dec.verdict == POLICY_ALLOW)
				abort();
		}
		free(t);
		policy_release(&bare);
	}

	/* A deny rule for exactly this call, added to the same policy: denied. */
	exact_deny_rules(tool, input, !strcmp(ctx.cwd, ctx.project_root), &deny);
	for (i = 0; i < deny.n; i++) {
		if (policy_add_rules(&p, deny.v[i], RULE_DENY, "fuzz exact", NULL, &d) < 0)
			continue;
		decide_checked(&p, tool, input, &ctx, &dec);
		if (dec.verdict != POLICY_DENY) {
			fprintf(stderr, "fuzz_decide: %s allowed despite deny rule %s\n", tool, deny.v[i]);
			abort();
		}
	}
out_policy:
	policy_release(&p);
out:
	json_decref(input);
	free(head);
	free(extra);
	free(tool);
	strvec_release(&deny);
	return 0;
}
