#include "policy/agentfile.h"
#include "policy/catalog.h"
#include "policy/policy.h"
#include "policy/rule.h"
#include "common/buf.h"
#include "common/fileio.h"
#include "common/utf8.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct ctx {
	struct agent_file *af;
	struct cordon_diag *diag;
	const char *file;
	yaml_document_t *doc;
	int line0; /* file line of the frontmatter's first line, minus 1 */
};

static int node_line(const struct ctx *c, const yaml_node_t *n)
{
	return c->line0 + (int)n->start_mark.line + 1;
}

static int node_col(const yaml_node_t *n)
{
	return (int)n->start_mark.column + 1;
}

static int err_at(struct ctx *c, const yaml_node_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int err_at(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[CORDON_DIAG_MSG];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return diag_set(c->diag, n ? node_line(c, n) : 0, n ? node_col(n) : 0, "%s", msg);
}

static int warn_at(struct ctx *c, const yaml_node_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int warn_at(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	struct agent_file *af = c->af;
	struct cordon_diag *w;
	va_list ap;

	if (af->nwarnings >= AGENTFILE_MAX_WARNINGS)
		return 0;
	if (!af->warnings) {
		af->warnings = calloc(AGENTFILE_MAX_WARNINGS, sizeof(*af->warnings));
		if (!af->warnings)
			return -CORDON_ENOMEM;
	}
	w = &af->warnings[af->nwarnings++];
	diag_clear(w);
	diag_set_file(w, c->file);
	va_start(ap, fmt);
	vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
	va_end(ap);
	w->line = n ? node_line(c, n) : 0;
	w->column = n ? node_col(n) : 0;
	return 0;
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool is_null(const yaml_node_t *n)
{
	const char *v = scalar(n);

	if (!v || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL");
}

static const char *node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return is_null(n) ? "null" : "a string";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "nothing";
	}
}

/* A non-null scalar, copied; error for other kinds. */
static int want_string(struct ctx *c, const char *key, const yaml_node_t *n, char **out)
{
	if (n->type != YAML_SCALAR_NODE || is_null(n))
		return err_at(c, n, "'%s' must be a string, not %s", key, node_kind(n));
	free(*out);
	*out = strdup(scalar(n));
	return *out ? 0 : -CORDON_ENOMEM;
}

static bool one_of(const char *v, const char *const *set, bool nocase)
{
	for (; *set; set++)
		if (nocase ? !strcasecmp(v, *set) : !strcmp(v, *set))
			return true;
	return false;
}

/* ---- fields ---- */

static int f_name(struct ctx *c, const yaml_node_t *n)
{
	const char *s;
	int r = want_string(c, "name", n, &c->af->name);

	if (r < 0)
		return r;
	if (!*c->af->name)
		return err_at(c, n, "'name' is empty");
	for (s = c->af->name; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == '/' || *s == 0x7f)
			return err_at(c, n, "'name' must not contain spaces, control characters or '/': '%s'",
				      c->af->name);
	for (s = c->af->name; *s; s++)
		if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '-' && *s != '_')
			return warn_at(c, n, "'name' should use lowercase letters, digits and hyphens: '%s'",
				       c->af->name);
	return 0;
}

static int f_description(struct ctx *c, const yaml_node_t *n)
{
	char *d, *w;
	int r = want_string(c, "description", n, &c->af->description);

	if (r < 0)
		return r;
	if (!*c->af->description)
		return err_at(c, n, "'description' is empty");
	/* Claude Code turns literal "\n" sequences into newlines. */
	for (d = w = c->af->description; *d; d++) {
		if (d[0] == '\\' && d[1] == 'n') {
			*w++ = '\n';
			d++;
		} else {
			*w++ = *d;
		}
	}
	*w = '\0';
	return 0;
}

struct tools_acc {
	struct ctx *c;
	const yaml_node_t *n;
	struct strvec *v;
	bool *all;
	const char *key;
};

static int tools_item(const char *item, size_t len, void *arg)
{
	struct tools_acc *a = arg;
	struct cordon_diag d;
	struct rule rl;
	char *s;
	int r;

	s = strndup(item, len);
	if (!s)
		return -CORDON_ENOMEM;
	if (!strcmp(s, "*")) {
		*a->all = true;
		free(s);
		return 0;
	}
	diag_clear(&d);
	r = rule_parse(&rl, s, RULE_ALLOW, NULL, NULL, &d);
	if (r < 0) {
		r = r == -CORDON_ENOMEM ? r : err_at(a->c, a->n, "bad entry in '%s': %s", a->key, d.msg);
		free(s);
		return r;
	}
	{
		const struct tool_entry *t = catalog_find(rl.tool);

		r = t && t->builtin ? 0
				    : warn_at(a->c, a->n, "'%s' lists '%s', which is not a cordon tool; it is never offered",
					      a->key, rl.tool);
	}
	rule_release(&rl);
	if (r == 0)
		r = strvec_push(a->v, s);
	free(s);
	if (r == -CORDON_ETOOBIG)
		return err_at(a->c, a->n, "'%s' has more than %d entries", a->key, STRVEC_MAX);
	return r;
}

static int tools_field(struct ctx *c, const yaml_node_t *n, const char *key, struct strvec *v, bool *all,
		       bool *set, int *line)
{
	struct tools_acc a = { c, n, v, all, key };
	int r;

	*set = true;
	*line = node_line(c, n);
	if (is_null(n))
		return 0; /* present but empty: no tools */
	if (n->type == YAML_SCALAR_NODE) {
		r = rule_split_list(scalar(n), tools_item, &a);
		if (r == -CORDON_EPARSE && !c->diag->msg[0])
			return err_at(c, n, "unbalanced parentheses in '%s'", key);
		return r;
	}
	if (n->type == YAML_SEQUENCE_NODE) {
		yaml_node_item_t *it;

		for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(c->doc, *it);
			const char *s;
			size_t len;

			if (!e || e->type != YAML_SCALAR_NODE)
				return err_at(c, e ? e : n, "'%s' entries must be strings", key);
			if (is_null(e))
				continue;
			a.n = e;
			s = scalar(e);
			while (isspace((unsigned char)*s))
				s++;
			len = strlen(s);
			while (len && isspace((unsigned char)s[len - 1]))
				len--;
			if (!len)
				continue;
			r = tools_item(s, len, &a);
			if (r < 0)
				return r;
		}
		return 0;
	}
	return err_at(c, n, "'%s' must be a comma-separated string or a list, not %s", key, node_kind(n));
}

static int f_tools(struct ctx *c, const yaml_node_t *n)
{
	c->af->tools_all = false;
	return tools_field(c, n, "tools", &c->af->tools, &c->af->tools_all, &c->af->tools_set, &c->af->tools_line);
}

static int f_disallowed(struct ctx *c, const yaml_node_t *n)
{
	bool all = false;
	int r = tools_field(c, n, "disallowedTools", &c->af->disallowed, &all, &c->af->disallowed_set,
			    &c->af->disallowed_line);

	/* "*" here means every tool: record it as a plain entry. */
	if (r == 0 && all)
		r = strvec_push(&c->af->disallowed, "*");
	return r;
}

static int f_model(struct ctx *c, const yaml_node_t *n)
{
	static const char *const aliases[] = { "sonnet", "opus", "haiku", "inherit", NULL };
	char *s;
	int r = want_string(c, "model", n, &c->af->model);

	if (r < 0)
		return r;
	if (one_of(c->af->model, aliases, true)) {
		for (s = c->af->model; *s; s++)
			*s = (char)tolower((unsigned char)*s);
		return 0;
	}
	for (s = c->af->model; *s; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return err_at(c, n, "'model' must be sonnet, opus, haiku, inherit or a model id: '%s'",
				      c->af->model);
	if (!*c->af->model)
		return err_at(c, n, "'model' is empty");
	return 0;
}

static int f_color(struct ctx *c, const yaml_node_t *n)
{
	static const char *const colors[] = { "red", "blue", "green", "yellow", "purple", "orange", "pink", "cyan", NULL };
	const char *v = scalar(n);

	if (!v || is_null(n) || !one_of(v, colors, false)) {
		return warn_at(c, n, "'color' %s%s%s is not one of red, blue, green, yellow, purple, orange, pink, "
				     "cyan; ignored",
			       v ? "'" : "", v ? v : node_kind(n), v ? "'" : "");
	}
	free(c->af->color);
	c->af->color = strdup(v);
	return c->af->color ? 0 : -CORDON_ENOMEM;
}

static int f_mode(struct ctx *c, const yaml_node_t *n)
{
	const char *v = scalar(n);
	int m = v && !is_null(n) ? perm_mode_parse(v) : -1;

	if (m < 0)
		return warn_at(c, n, "'permissionMode' must be default, acceptEdits, plan, bypassPermissions, "
				     "dontAsk, auto or sandbox; '%s' ignored",
			       v ? v : node_kind(n));
	c->af->mode_set = true;
	c->af->mode = (enum perm_mode)m;
	if (m == PERM_AUTO)
		return warn_at(c, n, "permissionMode 'auto' needs a classifier cordon does not have; it acts as "
				     "'default'");
	return 0;
}

static int f_max_turns(struct ctx *c, const yaml_node_t *n)
{
	const char *v = scalar(n);
	char *end;
	long t;

	if (!v || is_null(n) || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return err_at(c, n, "'maxTurns' must be a positive integer");
	errno = 0;
	t = strtol(v, &end, 10);
	if (errno || *end || end == v || t <= 0 || t > INT_MAX)
		return err_at(c, n, "'maxTurns' must be a positive integer, not '%s'", v);
	c->af->max_turns = (int)t;
	return 0;
}

static int f_effort(struct ctx *c, const yaml_node_t *n)
{
	static const char *const levels[] = { "low", "medium", "high", "xhigh", "max", NULL };
	const char *v = scalar(n), *s;
	bool num;

	if (!v || is_null(n))
		return warn_at(c, n, "'effort' must be low, medium, high, xhigh, max or an integer; ignored");
	num = *v != '\0';
	for (s = v; *s; s++)
		if (!isdigit((unsigned char)*s))
			num = false;
	if (!num && !one_of(v, levels, false))
		return warn_at(c, n, "'effort' must be low, medium, high, xhigh, max or an integer; '%s' ignored", v);
	free(c->af->effort);
	c->af->effort = strdup(v);
	return c->af->effort ? 0 : -CORDON_ENOMEM;
}

static int push_split(const char *item, size_t len, void *arg)
{
	return strvec_pushn(arg, item, len);
}

static int string_list(struct ctx *c, const yaml_node_t *n, const char *key, struct strvec *v, bool inline_ok)
{
	yaml_node_item_t *it;
	int r;

	if (is_null(n))
		return 0;
	if (n->type == YAML_SCALAR_NODE) {
		r = rule_split_list(scalar(n), push_split, v);
		return r == -CORDON_EPARSE ? err_at(c, n, "unbalanced parentheses in '%s'", key) : r;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return err_at(c, n, "'%s' must be a list, not %s", key, node_kind(n));
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, *it);

		if (e && e->type == YAML_SCALAR_NODE && !is_null(e))
			r = strvec_push(v, scalar(e));
		else if (e && e->type == YAML_MAPPING_NODE && inline_ok)
			r = strvec_push(v, "<inline>");
		else
			return err_at(c, e ? e : n, "'%s' entries must be strings", key);
		if (r < 0)
			return r == -CORDON_ETOOBIG ? err_at(c, n, "'%s' has too many entries", key) : r;
	}
	return 0;
}

static int f_skills(struct ctx *c, const yaml_node_t *n)
{
	int r = string_list(c, n, "skills", &c->af->skills, false);

	if (r == 0 && c->af->skills.n)
		r = warn_at(c, n, "'skills' are not supported by cordon; ignored");
	return r;
}

static int f_mcp(struct ctx *c, const yaml_node_t *n)
{
	int r = string_list(c, n, "mcpServers", &c->af->mcp_servers, true);

	if (r == 0 && c->af->mcp_servers.n)
		r = warn_at(c, n, "'mcpServers' are not supported by cordon; ignored");
	return r;
}

static int f_hooks(struct ctx *c, const yaml_node_t *n)
{
	if (is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return err_at(c, n, "'hooks' must be a mapping, not %s", node_kind(n));
	c->af->has_hooks = true;
	return warn_at(c, n, "agent-scoped 'hooks' are not supported by cordon; ignored");
}

static int enum_field(struct ctx *c, const yaml_node_t *n, const char *key, const char *const *set, char **out,
		      const char *note)
{
	const char *v = scalar(n);

	if (!v || is_null(n) || !one_of(v, set, false))
		return warn_at(c, n, "'%s' value '%s' is not recognized; ignored", key, v ? v : node_kind(n));
	free(*out);
	*out = strdup(v);
	if (!*out)
		return -CORDON_ENOMEM;
	return note ? warn_at(c, n, "%s", note) : 0;
}

static int f_memory(struct ctx *c, const yaml_node_t *n)
{
	static const char *const set[] = { "user", "project", "local", NULL };

	return enum_field(c, n, "memory", set, &c->af->memory, "agent 'memory' is not supported by cordon; ignored");
}

static int f_isolation(struct ctx *c, const yaml_node_t *n)
{
	static const char *const set[] = { "worktree", NULL };

	return enum_field(c, n, "isolation", set, &c->af->isolation,
			  "'isolation: worktree' is not supported by cordon (the sandbox isolates instead); ignored");
}

static int f_background(struct ctx *c, const yaml_node_t *n)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "on", NULL };
	static const char *const no[] = { "false", "False", "FALSE", "no", "off", NULL };
	const char *v = scalar(n);

	if (v && one_of(v, yes, false))
		c->af->background = 1;
	else if (v && one_of(v, no, false))
		c->af->background = 0;
	else
		return warn_at(c, n, "'background' must be true or false; ignored");
	return 0;
}

static int f_initial_prompt(struct ctx *c, const yaml_node_t *n)
{
	return want_string(c, "initialPrompt", n, &c->af->initial_prompt);
}

static const struct field {
	const char *key;
	int (*fn)(struct ctx *c, const yaml_node_t *n);
} fields[] = {
	{ "name", f_name },
	{ "description", f_description },
	{ "tools", f_tools },
	{ "disallowedTools", f_disallowed },
	{ "model", f_model },
	{ "color", f_color },
	{ "permissionMode", f_mode },
	{ "maxTurns", f_max_turns },
	{ "effort", f_effort },
	{ "skills", f_skills },
	{ "mcpServers", f_mcp },
	{ "hooks", f_hooks },
	{ "memory", f_memory },
	{ "background", f_background },
	{ "isolation", f_isolation },
	{ "initialPrompt", f_initial_prompt },
};

/* ---- the file ---- */

/* 1-based line and column of byte offset `off` in data. */
static void position(const char *data, size_t off, int *line, int *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off; i++) {
		if (data[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)data[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

/* Length of the line at p (without its newline, without a trailing \r and spaces). */
static size_t line_len(const char *p, const char *end, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *e = nl ? nl : end;

	*next = nl ? nl + 1 : end;
	while (e > p && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return (size_t)(e - p);
}

static int parse_yaml(struct ctx *c, const char *fm, size_t fmlen)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	yaml_node_pair_t *pair;
	int r = 0;

	if (!yaml_parser_initialize(&parser))
		return -CORDON_ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)fm, fmlen);
	if (!yaml_parser_load(&parser, &doc)) {
		const char *problem = parser.problem ? parser.problem : "malformed YAML";

		if (parser.error == YAML_MEMORY_ERROR)
			r = -CORDON_ENOMEM;
		else
			r = diag_set(c->diag, c->line0 + (int)parser.problem_mark.line + 1,
				     (int)parser.problem_mark.column + 1, "frontmatter: %s%s%s", problem,
				     parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return r;
	}
	c->doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root || is_null(root)) {
		r = diag_set(c->diag, c->line0 + 1, 1, "frontmatter is empty: 'name' and 'description' are required");
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE) {
		r = err_at(c, root, "frontmatter must be a mapping of keys to values, not %s", node_kind(root));
		goto out;
	}
	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = yaml_document_get_node(&doc, pair->key);
		yaml_node_t *v = yaml_document_get_node(&doc, pair->value);
		const char *key = scalar(k);
		yaml_node_pair_t *q;
		size_t i;

		if (!k || !v || !key) {
			r = err_at(c, k, "frontmatter keys must be strings");
			goto out;
		}
		for (q = root->data.mapping.pairs.start; q < pair; q++) {
			const char *other = scalar(yaml_document_get_node(&doc, q->key));

			if (other && !strcmp(other, key)) {
				r = err_at(c, k, "duplicate key '%s'", key);
				goto out;
			}
		}
		for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (!strcmp(key, fields[i].key))
				break;
		if (i == sizeof(fields) / sizeof(fields[0])) {
			r = strvec_push(&c->af->unknown_keys, key);
			if (r == 0)
				r = warn_at(c, k, "unknown key '%s' ignored", key);
			if (r == -CORDON_ETOOBIG)
				r = err_at(c, k, "too many unknown keys");
			if (r < 0)
				goto out;
			continue;
		}
		r = fields[i].fn(c, v);
		if (r < 0)
			goto out;
	}
	if (!c->af->name) {
		r = err_at(c, root, "missing required field 'name'");
		goto out;
	}
	if (!c->af->description) {
		r = err_at(c, root, "missing required field 'description'");
		goto out;
	}
out:
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	c->doc = NULL;
	return r;
}

void agentfile_release(struct agent_file *af)
{
	if (!af)
		return;
	free(af->path);
	free(af->name);
	free(af->description);
	strvec_release(&af->tools);
	strvec_release(&af->disallowed);
	free(af->model);
	free(af->color);
	free(af->effort);
	strvec_release(&af->skills);
	strvec_release(&af->mcp_servers);
	free(af->memory);
	free(af->isolation);
	free(af->initial_prompt);
	strvec_release(&af->unknown_keys);
	free(af->body);
	free(af->warnings);
	memset(af, 0, sizeof(*af));
	af->background = -1;
}

int agentfile_parse(struct agent_file *out, const char *data, size_t len, const char *file,
		    struct cordon_diag *diag)
{
	struct cordon_diag local;
	struct ctx c;
	const char *p, *end, *next, *fm, *nul;
	size_t i, n;
	int line, col, r;

	if (!diag)
		diag = &local;
	diag_clear(diag);
	diag_set_file(diag, file);
	memset(out, 0, sizeof(*out));
	out->background = -1;
	if (len > AGENTFILE_MAX_BYTES) {
		diag_set(diag, 0, 0, "agent file is larger than %u bytes", AGENTFILE_MAX_BYTES);
		return -CORDON_ETOOBIG;
	}
	nul = memchr(data, '\0', len);
	if (nul) {
		position(data, (size_t)(nul - data), &line, &col);
		return diag_set(diag, line, col, "NUL byte in agent file");
	}
	for (i = 0; i < len;) {
		n = utf8_seqlen((const unsigned char *)data + i, len - i);
		if (!n) {
			position(data, i, &line, &col);
			return diag_set(diag, line, col, "invalid UTF-8 (byte 0x%02x): agent files must be UTF-8 text",
					(unsigned char)data[i]);
		}
		i += n;
	}
	p = data;
	end = data + len;
	if (len >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	n = line_len(p, end, &next);
	if (n != 3 || memcmp(p, "---", 3))
		return diag_set(diag, 1, 1, "missing frontmatter: an agent file starts with a '---' line");
	fm = next;
	line = 2;
	for (p = next; p < end; p = next, line++) {
		n = line_len(p, end, &next);
		if (n == 3 && !memcmp(p, "---", 3))
			break;
	}
	if (p >= end)
		return diag_set(diag, line - 1, 1, "frontmatter is not closed by a '---' line");

	memset(&c, 0, sizeof(c));
	c.af = out;
	c.diag = diag;
	c.file = file;
	c.line0 = 1;
	r = parse_yaml(&c, fm, (size_t)(p - fm));
	if (r < 0)
		goto fail;
	out->body_line = line + 1;
	out->body_len = (size_t)(end - next);
	out->body = malloc(out->body_len + 1);
	if (!out->body) {
		r = -CORDON_ENOMEM;
		goto fail;
	}
	memcpy(out->body, next, out->body_len);
	out->body[out->body_len] = '\0';
	if (file) {
		out->path = strdup(file);
		if (!out->path) {
			r = -CORDON_ENOMEM;
			goto fail;
		}
	}
	if (!out->tools_set)
		out->tools_all = true;
	return 0;
fail:
	agentfile_release(out);
	return r;
}

int agentfile_load(struct agent_file *out, const char *path, struct cordon_diag *diag)
{
	struct cordon_diag local;
	char *real = NULL;
	struct buf b;
	int r;

	if (!diag)
		diag = &local;
	diag_clear(diag);
	diag_set_file(diag, path);
	memset(out, 0, sizeof(*out));
	out->background = -1;
	buf_init(&b, AGENTFILE_MAX_BYTES);
	/* Agent files are the operator's configuration, not model input:
	 * following a symlink (as Claude Code does) is intended here. */
	real = realpath(path, NULL);
	if (!real) {
		r = errno == ENOENT ? -CORDON_ENOTFOUND : -CORDON_ESYS;
		diag_set(diag, 0, 0, "cannot open '%s': %s", path, strerror(errno));
		goto out;
	}
	r = file_read_capped(AT_FDCWD, real, AGENTFILE_MAX_BYTES, &b);
	if (r == -CORDON_ETOOBIG) {
		diag_set(diag, 0, 0, "agent file is larger than %u bytes", AGENTFILE_MAX_BYTES);
		goto out;
	}
	if (r < 0) {
		diag_set(diag, 0, 0, "cannot read '%s': %s", path,
			 r == -CORDON_EINVAL ? "not a regular file" : strerror(errno));
		goto out;
	}
	r = agentfile_parse(out, b.data, b.len, path, diag);
out:
	free(real);
	buf_release(&b);
	return r;
}
