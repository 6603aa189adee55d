#include "policy/policy.h"
#include "policy/catalog.h"
#include "policy/pathmatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_builtin(const char *name)
{
	const struct tool_entry *t = catalog_find(name);

	return t && t->builtin;
}

void policy_init(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	p->tools_all = true;
	p->mode = PERM_DEFAULT;
	p->limits.timeout_seconds = -1;
	p->limits.memory_mb = -1;
	p->limits.pids = -1;
	p->limits.output_bytes = -1;
}

void policy_release(struct policy *p)
{
	size_t i;

	if (!p)
		return;
	free(p->agent_name);
	free(p->agent_path);
	free(p->agent_prompt);
	free(p->model);
	strvec_release(&p->tools);
	for (i = 0; i < p->ntool_limits; i++)
		rule_release(&p->tool_limits[i]);
	free(p->tool_limits);
	strvec_release(&p->disabled);
	for (i = 0; i < p->nrules; i++)
		rule_release(&p->rules[i]);
	free(p->rules);
	free(p->mode_origin);
	strvec_release(&p->additional_dirs);
	strvec_release(&p->sandbox_require);
	strvec_release(&p->allowed_domains);
	free(p->approval_hook);
	policy_init(p);
}

static int set_str(char **dst, const char *s)
{
	char *c = NULL;

	if (s && !(c = strdup(s)))
		return -CORDON_ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

/* Append a parsed rule (moved in) to the rule list. */
static int push_rule(struct policy *p, struct rule *r)
{
	if (p->nrules >= POLICY_MAX_RULES)
		return -CORDON_ETOOBIG;
	if (p->nrules == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct rule *n = realloc(p->rules, cap * sizeof(*n));

		if (!n)
			return -CORDON_ENOMEM;
		p->rules = n;
		p->cap = cap;
	}
	p->rules[p->nrules++] = *r;
	memset(r, 0, sizeof(*r));
	return 0;
}

/* Parse and add one rule; a bare deny also disables the tool. */
static int add_rule_text(struct policy *p, const char *text, enum rule_action a, const char *source,
			 const char *root, struct cordon_diag *diag)
{
	struct rule r;
	int e;

	e = rule_parse(&r, text, a, source, root, diag);
	if (e < 0)
		return e;
	if (a == RULE_DENY && r.form == RULE_BARE) {
		e = strvec_push_unique(&p->disabled, r.tool);
		if (e < 0) {
			rule_release(&r);
			return e;
		}
	}
	e = push_rule(p, &r);
	rule_release(&r);
	return e;
}

struct list_ctx {
	struct policy *p;
	enum rule_action a;
	const char *source;
	const char *root;
	struct cordon_diag *diag;
};

static int list_item(const char *item, size_t len, void *arg)
{
	struct list_ctx *c = arg;
	char *s = strndup(item, len);
	int r;

	if (!s)
		return -CORDON_ENOMEM;
	r = add_rule_text(c->p, s, c->a, c->source, c->root, c->diag);
	free(s);
	return r;
}

int policy_add_rules(struct policy *p, const char *list, enum rule_action a, const char *source,
		     const char *root, struct cordon_diag *diag)
{
	struct list_ctx c = { p, a, source, root, diag };
	int r;

	r = rule_split_list(list, list_item, &c);
	if (r == -CORDON_EPARSE && diag && !diag->msg[0])
		diag_set(diag, 0, 0, "unbalanced parentheses in '%s'", list);
	return r;
}

int policy_set_mode(struct policy *p, enum perm_mode m, enum policy_source src, const char *origin)
{
	if (src < p->mode_src)
		return 0;
	p->mode = m;
	p->mode_src = src;
	return set_str(&p->mode_origin, origin);
}

int policy_add_dir(struct policy *p, const char *dir)
{
	char norm[PATHMATCH_MAX + 1];
	int r = path_normalize(norm, sizeof(norm), dir, NULL);

	if (r < 0)
		return r;
	return strvec_push_unique(&p->additional_dirs, norm);
}

enum perm_mode policy_mode(const struct policy *p)
{
	if (p->mode == PERM_BYPASS && p->disable_bypass)
		return PERM_DEFAULT;
	if (p->mode == PERM_AUTO)
		return PERM_DEFAULT;
	return p->mode;
}

/* Whether the agent's tools line names `tool` without a specifier. */
static bool lists_bare(const struct agent_file *af, const char *tool)
{
	size_t i, n = strlen(tool);

	for (i = 0; i < af->tools.n; i++) {
		const char *t = af->tools.v[i];

		if (!strncmp(t, tool, n) && (t[n] == '\0' || !strcmp(t + n, "(*)") || !strcmp(t + n, "()")))
			return true;
	}
	return false;
}

int policy_apply_agent(struct policy *p, const struct agent_file *af, struct cordon_diag *diag)
{
	char source[CORDON_DIAG_FILE + 16];
	size_t i;
	int r;

	if ((r = set_str(&p->agent_name, af->name)) < 0 || (r = set_str(&p->agent_path, af->path)) < 0 ||
	    (r = set_str(&p->model, af->model)) < 0 || (r = set_str(&p->agent_prompt, af->body)) < 0)
		return r;
	if (af->max_turns)
		p->max_turns = af->max_turns;
	snprintf(source, sizeof(source), "agent %s", af->path ? af->path : af->name);
	p->tools_all = af->tools_all;
	for (i = 0; i < af->tools.n && !af->tools_all; i++) {
		struct rule rl;

		r = rule_parse(&rl, af->tools.v[i], RULE_ALLOW, source, NULL, diag);
		if (r < 0)
			return r;
		r = strvec_push_unique(&p->tools, rl.tool);
		if (r == 0 && rl.form != RULE_BARE && !lists_bare(af, rl.tool)) {
			/* An entry such as Bash(git diff:*) both enables Bash and
			 * limits it to what the entries allow (decide.c), unless the
			 * line also names the tool bare. */
			struct rule copy;

			r = rule_parse(&copy, af->tools.v[i], RULE_ALLOW, source, NULL, diag);
			if (r == 0) {
				struct rule *n = realloc(p->tool_limits, (p->ntool_limits + 1) * sizeof(*n));

				if (!n) {
					rule_release(&copy);
					r = -CORDON_ENOMEM;
				} else {
					p->tool_limits = n;
					p->tool_limits[p->ntool_limits++] = copy;
				}
			}
			if (r == 0)
				r = push_rule(p, &rl);
		}
		rule_release(&rl);
		if (r < 0)
			return r;
	}
	for (i = 0; i < af->disallowed.n; i++) {
		if (!strcmp(af->disallowed.v[i], "*")) {
			const struct tool_entry *t;
			size_t n, k;

			for (t = catalog_rows(&n), k = 0; k < n; k++)
				if (t[k].builtin && (r = strvec_push_unique(&p->disabled, t[k].name)) < 0)
					return r;
			continue;
		}
		r = add_rule_text(p, af->disallowed.v[i], RULE_DENY, source, NULL, diag);
		if (r < 0)
			return r;
	}
	if (af->mode_set)
		return policy_set_mode(p, af->mode, POLICY_SRC_AGENT, source);
	return 0;
}

int policy_apply_settings(struct policy *p, const struct settings *s, struct cordon_diag *diag)
{
	size_t i;
	int r;

	(void)diag;
	for (i = 0; i < s->nrules; i++) {
		const struct rule *src = &s->rules[i];
		struct rule copy;

		r = rule_parse(&copy, src->text, src->action, src->source, src->root, NULL);
		if (r < 0)
			return r;
		if (copy.action == RULE_DENY && copy.form == RULE_BARE &&
		    (r = strvec_push_unique(&p->disabled, copy.tool)) < 0) {
			rule_release(&copy);
			return r;
		}
		r = push_rule(p, &copy);
		rule_release(&copy);
		if (r < 0)
			return r;
	}
	for (i = 0; i < s->additional_dirs.n; i++)
		if ((r = strvec_push_unique(&p->additional_dirs, s->additional_dirs.v[i])) < 0)
			return r;
	for (i = 0; i < s->sandbox_require.n; i++)
		if ((r = strvec_push_unique(&p->sandbox_require, s->sandbox_require.v[i])) < 0)
			return r;
	for (i = 0; i < s->allowed_domains.n; i++)
		if ((r = strvec_push_unique(&p->allowed_domains, s->allowed_domains.v[i])) < 0)
			return r;
	p->network_set |= s->network_set;
	p->disable_bypass |= s->disable_bypass;
	if (s->limits.timeout_seconds >= 0)
		p->limits.timeout_seconds = s->limits.timeout_seconds;
	if (s->limits.memory_mb >= 0)
		p->limits.memory_mb = s->limits.memory_mb;
	if (s->limits.pids >= 0)
		p->limits.pids = s->limits.pids;
	if (s->limits.output_bytes >= 0)
		p->limits.output_bytes = s->limits.output_bytes;
	if (s->approval_hook && (r = set_str(&p->approval_hook, s->approval_hook)) < 0)
		return r;
	if (s->default_mode >= 0)
		return policy_set_mode(p, (enum perm_mode)s->default_mode, POLICY_SRC_SETTINGS,
				       "settings defaultMode");
	return 0;
}

bool policy_tool_enabled(const struct policy *p, const char *name)
{
	if (!name || !is_builtin(name))
		return false;
	const struct tool_entry *t;

	if (strvec_has(&p->disabled, name))
		return false;
	if (p->tools_all || strvec_has(&p->tools, name))
		return true;
	/* A companion (TaskOutput, TaskStop) comes with the tool whose work it manages. */
	t = catalog_find(name);
	return t && t->companion_of && policy_tool_enabled(p, t->companion_of);
}

const char *policy_verdict_name(enum policy_verdict v)
{
	return v == POLICY_ALLOW ? "allow" : v == POLICY_ASK ? "ask" : "deny";
}

static json_t *strvec_json(const struct strvec *v)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < v->n; i++)
		if (json_array_append_new(a, json_string(v->v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *rules_json(const struct rule *rules, size_t n, int action)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a && i < n; i++) {
		if (action >= 0 && (int)rules[i].action != action)
			continue;
		if (json_array_append_new(a, json_pack("{s:s, s:s, s:s?}", "rule", rules[i].text, "action",
						       rule_action_name(rules[i].action), "source",
						       rules[i].source)) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *limit_json(long long v)
{
	return v < 0 ? json_null() : json_integer(v);
}

json_t *policy_to_json(const struct policy *p)
{
	json_t *o, *enabled = json_array();
	const struct tool_entry *t;
	size_t n, k;

	for (t = catalog_rows(&n), k = 0; enabled && k < n; k++)
		if (policy_tool_enabled(p, t[k].name) && json_array_append_new(enabled, json_string(t[k].name)) < 0) {
			json_decref(enabled);
			enabled = NULL;
		}
	if (!enabled)
		return NULL;
	o = json_pack("{s:s?, s:s?, s:s?, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s?, s:b, s:o, s:{s:o, s:o?, s:o, s:{s:o, s:o, "
		      "s:o, s:o}, s:s?}}",
		      "agent", p->agent_name, "agent_path", p->agent_path, "model", p->model, "tools_enabled",
		      enabled, "tool_limits", rules_json(p->tool_limits, p->ntool_limits, -1), "disabled",
		      strvec_json(&p->disabled), "allow", rules_json(p->rules, p->nrules, RULE_ALLOW), "ask",
		      rules_json(p->rules, p->nrules, RULE_ASK), "deny", rules_json(p->rules, p->nrules, RULE_DENY),
		      "permission_mode", perm_mode_name(policy_mode(p)), "permission_mode_source", p->mode_origin,
		      "bypass_disabled", p->disable_bypass, "additional_directories",
		      strvec_json(&p->additional_dirs), "sandbox", "require", strvec_json(&p->sandbox_require),
		      "allowed_domains", p->network_set ? strvec_json(&p->allowed_domains) : NULL, "limits_set",
		      json_boolean(p->limits.timeout_seconds >= 0 || p->limits.memory_mb >= 0 ||
				   p->limits.pids >= 0 || p->limits.output_bytes >= 0),
		      "limits", "timeoutSeconds", limit_json(p->limits.timeout_seconds), "memoryMB",
		      limit_json(p->limits.memory_mb), "pids", limit_json(p->limits.pids), "outputBytes",
		      limit_json(p->limits.output_bytes), "approvalHook", p->approval_hook);
	if (o && p->max_turns)
		json_object_set_new(o, "max_turns", json_integer(p->max_turns));
	return o;
}
