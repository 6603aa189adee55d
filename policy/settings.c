#include "policy/settings.h"
#include "policy/netallow.h"
#include "policy/pathmatch.h"
#include "common/buf.h"
#include "common/fileio.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *settings_scope_name(enum settings_scope s)
{
	static const char *const n[] = { "user", "project", "local", "cli", "managed" };

	return (unsigned)s < 5 ? n[s] : "?";
}

void settings_init(struct settings *s)
{
	memset(s, 0, sizeof(*s));
	s->default_mode = -1;
	s->limits.timeout_seconds = -1;
	s->limits.memory_mb = -1;
	s->limits.pids = -1;
	s->limits.output_bytes = -1;
	s->scope_mode = s->scope_bypass = s->scope_hook = -1;
	s->scope_limits[0] = s->scope_limits[1] = s->scope_limits[2] = s->scope_limits[3] = -1;
}

void settings_release(struct settings *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->nrules; i++)
		rule_release(&s->rules[i]);
	free(s->rules);
	strvec_release(&s->additional_dirs);
	strvec_release(&s->sandbox_require);
	strvec_release(&s->allowed_domains);
	free(s->approval_hook);
	strvec_release(&s->files);
	free(s->warnings);
	settings_init(s);
}

struct sctx {
	struct settings *s; /* the document being read (merged on success) */
	const struct settings_origin *o;
	struct cordon_diag *diag;
	const char *data;
	size_t len;
	char source[CORDON_DIAG_FILE + 32];
};

/* Find "text" (as a JSON string) in the raw document: its line and column. */
static void locate(const struct sctx *c, const char *text, int *line, int *col)
{
	char needle[RULE_MAX_LEN + 3];
	const char *hit, *p;
	int l = 1, k = 1;

	*line = *col = 0;
	if (!text || strlen(text) > RULE_MAX_LEN)
		return;
	snprintf(needle, sizeof(needle), "\"%s\"", text);
	hit = memmem(c->data, c->len, needle, strlen(needle));
	if (!hit)
		return;
	for (p = c->data; p < hit; p++) {
		if (*p == '\n') {
			l++;
			k = 1;
		} else if (((unsigned char)*p & 0xc0) != 0x80) {
			k++;
		}
	}
	*line = l;
	*col = k;
}

static int serr(struct sctx *c, const char *near, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int serr(struct sctx *c, const char *near, const char *fmt, ...)
{
	char msg[CORDON_DIAG_MSG];
	int line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	locate(c, near, &line, &col);
	return diag_set(c->diag, line, col, "%s", msg);
}

static int swarn(struct sctx *c, const char *near, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int swarn(struct sctx *c, const char *near, const char *fmt, ...)
{
	struct settings *s = c->s;
	struct cordon_diag *w;
	va_list ap;

	if (s->nwarnings >= SETTINGS_MAX_WARNINGS)
		return 0;
	if (!s->warnings) {
		s->warnings = calloc(SETTINGS_MAX_WARNINGS, sizeof(*s->warnings));
		if (!s->warnings)
			return -CORDON_ENOMEM;
	}
	w = &s->warnings[s->nwarnings++];
	diag_clear(w);
	diag_set_file(w, c->o->file);
	va_start(ap, fmt);
	vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
	va_end(ap);
	locate(c, near, &w->line, &w->column);
	return 0;
}

static const char *jtype(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE: case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

static int add_rule(struct sctx *c, const char *text, enum rule_action a, const char *path, size_t idx)
{
	struct settings *s = c->s;
	struct cordon_diag d;
	int r;

	if (s->nrules >= SETTINGS_MAX_RULES)
		return serr(c, text, "%s: more than %d rules", path, SETTINGS_MAX_RULES);
	if (s->nrules == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct rule *p = realloc(s->rules, cap * sizeof(*p));

		if (!p)
			return -CORDON_ENOMEM;
		s->rules = p;
		s->cap = cap;
	}
	diag_clear(&d);
	r = rule_parse(&s->rules[s->nrules], text, a, c->source, c->o->scope == SETTINGS_USER ||
		       c->o->scope == SETTINGS_CLI ? c->o->root : NULL, &d);
	if (r == -CORDON_ENOMEM)
		return r;
	if (r < 0)
		return serr(c, text, "%s[%zu]: %s", path, idx, d.msg);
	s->nrules++;
	return 0;
}

static int string_array(struct sctx *c, json_t *arr, const char *path,
			int (*fn)(struct sctx *c, const char *v, const char *path, size_t i, void *arg), void *arg)
{
	size_t i;
	json_t *v;
	int r;

	if (!json_is_array(arr))
		return serr(c, NULL, "%s must be an array of strings, not %s", path, jtype(arr));
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			return serr(c, NULL, "%s[%zu] must be a string, not %s", path, i, jtype(v));
		r = fn(c, json_string_value(v), path, i, arg);
		if (r < 0)
			return r;
	}
	return 0;
}

static int rule_item(struct sctx *c, const char *v, const char *path, size_t i, void *arg)
{
	return add_rule(c, v, *(enum rule_action *)arg, path, i);
}

static int dir_item(struct sctx *c, const char *v, const char *path, size_t i, void *arg)
{
	char norm[PATHMATCH_MAX + 1], tmp[PATHMATCH_MAX + 2];
	const char *base = c->o->root;
	int r;

	(void)arg;
	if (!*v)
		return serr(c, v, "%s[%zu] is empty", path, i);
	if (v[0] == '~' && (v[1] == '/' || !v[1])) {
		if (!c->o->home)
			return serr(c, v, "%s[%zu]: '~' needs a home directory", path, i);
		if (snprintf(tmp, sizeof(tmp), "%s%s", c->o->home, v + 1) >= (int)sizeof(tmp))
			return serr(c, v, "%s[%zu]: path too long", path, i);
		v = tmp;
	}
	r = path_normalize(norm, sizeof(norm), v, base);
	if (r < 0)
		return serr(c, v, "%s[%zu]: '%s' is not a usable directory path", path, i, v);
	return strvec_push_unique(&c->s->additional_dirs, norm);
}

static int layer_item(struct sctx *c, const char *v, const char *path, size_t i, void *arg)
{
	const char *p;

	(void)arg;
	if (!*v)
		return serr(c, v, "%s[%zu] is empty", path, i);
	for (p = v; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-' && *p != '_')
			return serr(c, v, "%s[%zu]: '%s' is not a layer name", path, i, v);
	return strvec_push_unique(&c->s->sandbox_require, v);
}

static int domain_item(struct sctx *c, const char *v, const char *path, size_t i, void *arg)
{
	char norm[NETALLOW_ENTRY_MAX + 1];
	const char *why;

	(void)arg;
	if (netallow_parse(norm, sizeof(norm), v, &why) < 0)
		return serr(c, v, "%s[%zu]: bad domain '%.300s': %s", path, i, v, why);
	return strvec_push_unique(&c->s->allowed_domains, norm);
}

static int want_object(struct sctx *c, json_t *v, const char *path)
{
	if (!json_is_object(v))
		return serr(c, NULL, "%s must be an object, not %s", path, jtype(v));
	return 0;
}

static int warn_unknown(struct sctx *c, json_t *obj, const char *path, const char *const *known)
{
	const char *key;
	json_t *v;
	int r;

	json_object_foreach(obj, key, v) {
		const char *const *k;

		for (k = known; *k; k++)
			if (!strcmp(*k, key))
				break;
		if (!*k) {
			r = swarn(c, key, "unknown key '%s.%s' ignored", path, key);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int parse_permissions(struct sctx *c, json_t *perm)
{
	static const char *const known[] = { "allow", "ask", "deny", "additionalDirectories", "defaultMode",
					     "disableBypassPermissionsMode", NULL };
	static const struct {
		const char *key;
		enum rule_action a;
	} lists[] = { { "allow", RULE_ALLOW }, { "ask", RULE_ASK }, { "deny", RULE_DENY } };
	char path[64];
	json_t *v;
	size_t i;
	int r;

	r = want_object(c, perm, "permissions");
	if (r < 0)
		return r;
	for (i = 0; i < 3; i++) {
		v = json_object_get(perm, lists[i].key);
		if (!v)
			continue;
		snprintf(path, sizeof(path), "permissions.%s", lists[i].key);
		r = string_array(c, v, path, rule_item, (void *)&lists[i].a);
		if (r < 0)
			return r;
	}
	v = json_object_get(perm, "additionalDirectories");
	if (v) {
		r = string_array(c, v, "permissions.additionalDirectories", dir_item, NULL);
		if (r < 0)
			return r;
	}
	v = json_object_get(perm, "defaultMode");
	if (v) {
		int m = json_is_string(v) ? perm_mode_parse(json_string_value(v)) : -1;

		if (m < 0)
			return serr(c, json_string_value(v),
				    "permissions.defaultMode must be default, acceptEdits, plan, bypassPermissions, "
				    "dontAsk, auto or sandbox");
		c->s->default_mode = m;
	}
	v = json_object_get(perm, "disableBypassPermissionsMode");
	if (v) {
		if (!json_is_string(v) || strcmp(json_string_value(v), "disable"))
			return serr(c, NULL, "permissions.disableBypassPermissionsMode must be \"disable\"");
		c->s->disable_bypass = true;
	}
	return warn_unknown(c, perm, "permissions", known);
}

static int limit(struct sctx *c, json_t *limits, const char *key, long long max, long long *out)
{
	json_t *v = json_object_get(limits, key);

	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) <= 0 || json_integer_value(v) > max)
		return serr(c, key, "sandbox.limits.%s must be an integer from 1 to %lld", key, max);
	*out = json_integer_value(v);
	return 1;
}

static int parse_sandbox(struct sctx *c, json_t *sb)
{
	static const char *const known[] = { "require", "network", "limits", "approvalHook", NULL };
	static const char *const known_net[] = { "allowedDomains", NULL };
	static const char *const known_lim[] = { "timeoutSeconds", "memoryMB", "pids", "outputBytes", NULL };
	json_t *v, *net, *lim;
	long long x;
	int r;

	r = want_object(c, sb, "sandbox");
	if (r < 0)
		return r;
	v = json_object_get(sb, "require");
	if (v && (r = string_array(c, v, "sandbox.require", layer_item, NULL)) < 0)
		return r;
	net = json_object_get(sb, "network");
	if (net) {
		if ((r = want_object(c, net, "sandbox.network")) < 0)
			return r;
		v = json_object_get(net, "allowedDomains");
		if (v) {
			c->s->network_set = true;
			if ((r = string_array(c, v, "sandbox.network.allowedDomains", domain_item, NULL)) < 0)
				return r;
		}
		if ((r = warn_unknown(c, net, "sandbox.network", known_net)) < 0)
			return r;
	}
	lim = json_object_get(sb, "limits");
	if (lim) {
		if ((r = want_object(c, lim, "sandbox.limits")) < 0)
			return r;
		if ((r = limit(c, lim, "timeoutSeconds", 7 * 86400, &x)) < 0)
			return r;
		if (r)
			c->s->limits.timeout_seconds = (long)x;
		if ((r = limit(c, lim, "memoryMB", 1 << 24, &x)) < 0)
			return r;
		if (r)
			c->s->limits.memory_mb = (long)x;
		if ((r = limit(c, lim, "pids", 1 << 22, &x)) < 0)
			return r;
		if (r)
			c->s->limits.pids = (long)x;
		if ((r = limit(c, lim, "outputBytes", 1LL << 40, &x)) < 0)
			return r;
		if (r)
			c->s->limits.output_bytes = x;
		if ((r = warn_unknown(c, lim, "sandbox.limits", known_lim)) < 0)
			return r;
	}
	v = json_object_get(sb, "approvalHook");
	if (v) {
		if (!json_is_string(v) || !*json_string_value(v))
			return serr(c, NULL, "sandbox.approvalHook must be a non-empty string (a command)");
		c->s->approval_hook = strdup(json_string_value(v));
		if (!c->s->approval_hook)
			return -CORDON_ENOMEM;
	}
	return warn_unknown(c, sb, "sandbox", known);
}

/* Move the document's settings `d` into the accumulated `s`. */
static int merge(struct settings *s, struct settings *d, int scope)
{
	size_t i;
	int r;

	if (s->nrules + d->nrules > SETTINGS_MAX_RULES)
		return -CORDON_ETOOBIG;
	if (d->nrules) {
		struct rule *p = realloc(s->rules, (s->nrules + d->nrules) * sizeof(*p));

		if (!p)
			return -CORDON_ENOMEM;
		s->rules = p;
		s->cap = s->nrules + d->nrules;
		memcpy(s->rules + s->nrules, d->rules, d->nrules * sizeof(*p));
		s->nrules += d->nrules;
		d->nrules = 0;
	}
	for (i = 0; i < d->additional_dirs.n; i++)
		if ((r = strvec_push_unique(&s->additional_dirs, d->additional_dirs.v[i])) < 0)
			return r;
	for (i = 0; i < d->sandbox_require.n; i++)
		if ((r = strvec_push_unique(&s->sandbox_require, d->sandbox_require.v[i])) < 0)
			return r;
	for (i = 0; i < d->allowed_domains.n; i++)
		if ((r = strvec_push_unique(&s->allowed_domains, d->allowed_domains.v[i])) < 0)
			return r;
	s->network_set |= d->network_set;
	if (d->default_mode >= 0 && scope >= s->scope_mode) {
		s->default_mode = d->default_mode;
		s->scope_mode = scope;
	}
	if (d->disable_bypass && scope >= s->scope_bypass) {
		s->disable_bypass = true;
		s->scope_bypass = scope;
	}
	if (d->approval_hook && scope >= s->scope_hook) {
		free(s->approval_hook);
		s->approval_hook = d->approval_hook;
		d->approval_hook = NULL;
		s->scope_hook = scope;
	}
#define MERGE_LIMIT(field, k)                                            \
	if (d->limits.field >= 0 && scope >= s->scope_limits[k]) {        \
		s->limits.field = d->limits.field;                        \
		s->scope_limits[k] = scope;                               \
	}
	MERGE_LIMIT(timeout_seconds, 0)
	MERGE_LIMIT(memory_mb, 1)
	MERGE_LIMIT(pids, 2)
	MERGE_LIMIT(output_bytes, 3)
#undef MERGE_LIMIT
	for (i = 0; i < d->nwarnings; i++) {
		if (s->nwarnings >= SETTINGS_MAX_WARNINGS)
			break;
		if (!s->warnings) {
			s->warnings = calloc(SETTINGS_MAX_WARNINGS, sizeof(*s->warnings));
			if (!s->warnings)
				return -CORDON_ENOMEM;
		}
		s->warnings[s->nwarnings++] = d->warnings[i];
	}
	return 0;
}

int settings_parse(struct settings *s, const char *data, size_t len, const struct settings_origin *o,
		   struct cordon_diag *diag)
{
	struct cordon_diag local;
	struct settings doc;
	struct sctx c;
	json_error_t jerr;
	json_t *root = NULL, *v;
	int r;

	if (!diag)
		diag = &local;
	diag_clear(diag);
	diag_set_file(diag, o->file);
	settings_init(&doc);
	if (len > SETTINGS_MAX_BYTES) {
		diag_set(diag, 0, 0, "settings file is larger than %u bytes", SETTINGS_MAX_BYTES);
		return -CORDON_ETOOBIG;
	}
	root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return diag_set(diag, jerr.line > 0 ? jerr.line : 0, jerr.column > 0 ? jerr.column : 0, "%s",
				jerr.text);
	memset(&c, 0, sizeof(c));
	c.s = &doc;
	c.o = o;
	c.diag = diag;
	c.data = data;
	c.len = len;
	snprintf(c.source, sizeof(c.source), "%s settings %s", settings_scope_name(o->scope),
		 o->file ? o->file : "(inline)");
	if (!json_is_object(root)) {
		r = diag_set(diag, 1, 1, "settings must be a JSON object, not %s", jtype(root));
		goto out;
	}
	v = json_object_get(root, "permissions");
	if (v && (r = parse_permissions(&c, v)) < 0)
		goto out;
	v = json_object_get(root, "sandbox");
	if (v && (r = parse_sandbox(&c, v)) < 0)
		goto out;
	r = merge(s, &doc, (int)o->scope);
	if (r == 0 && o->file)
		r = strvec_push(&s->files, o->file);
out:
	json_decref(root);
	settings_release(&doc);
	return r;
}

int settings_load(struct settings *s, const struct settings_origin *o, struct cordon_diag *diag)
{
	struct cordon_diag local;
	struct buf b;
	int r;

	if (!diag)
		diag = &local;
	diag_clear(diag);
	diag_set_file(diag, o->file);
	buf_init(&b, SETTINGS_MAX_BYTES);
	/* Settings are the operator's configuration: symlinks are followed
	 * on the way, the file itself must be a regular file within the cap. */
	r = file_read_capped(AT_FDCWD, o->file, SETTINGS_MAX_BYTES, &b);
	if (r == -CORDON_ENOTFOUND) {
		diag_set(diag, 0, 0, "cannot open '%s': no such file", o->file);
	} else if (r == -CORDON_ETOOBIG) {
		diag_set(diag, 0, 0, "settings file is larger than %u bytes", SETTINGS_MAX_BYTES);
	} else if (r < 0) {
		diag_set(diag, 0, 0, "cannot read '%s': %s", o->file,
			 r == -CORDON_EINVAL ? "not a regular file" : strerror(errno));
	} else {
		r = settings_parse(s, b.data, b.len, o, diag);
	}
	buf_release(&b);
	return r;
}
