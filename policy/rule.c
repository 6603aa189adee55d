#include "policy/rule.h"
#include "policy/catalog.h"
#include "policy/pathmatch.h"
#include "common/buf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

const char *rule_action_name(enum rule_action a)
{
	switch (a) {
	case RULE_ALLOW:
		return "allow";
	case RULE_ASK:
		return "ask";
	case RULE_DENY:
		return "deny";
	}
	return "?";
}

/* What the tool's specifiers mean (policy/catalog.h); RULES_OTHER for tools cordon does not know. */
static enum tool_rules rules_of(const char *tool)
{
	const struct tool_entry *t = catalog_find(tool);

	return t ? t->rules : RULES_OTHER;
}

bool rule_valid_tool_name(const char *name, size_t len)
{
	size_t i;

	if (len == 0)
		return false;
	if (!(len > 5 && !strncmp(name, "mcp__", 5)) && !isupper((unsigned char)name[0]))
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!isalnum(c) && c != '_' && c != '-')
			return false;
	}
	return true;
}

static char *xstrndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static char *xstrdup_opt(const char *s, bool *fail)
{
	char *p;

	if (!s)
		return NULL;
	p = strdup(s);
	if (!p)
		*fail = true;
	return p;
}

/* Whether s[0..n) has an unescaped '*' before position `end`. */
static bool has_unescaped_star(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			i++;
			continue;
		}
		if (s[i] == '*')
			return true;
	}
	return false;
}

/* Drop "\\*" escapes: for exact and prefix Bash rules, `\*` means '*'. */
static void unescape_stars(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == '*')
			s++;
		*w++ = *s;
	}
	*w = '\0';
}

/*
 * The host of a URL from libcurl, made the one spelling rules compare:
 * ASCII lowercase, no trailing dots, IPv6 in inet_ntop()'s form (an
 * IPv4-mapped address as its dotted quad). In place; -CORDON_EINVAL when
 * nothing usable is left.
 */
static int canonical_host(char *h, size_t size)
{
	size_t n, i;

	for (i = 0; h[i]; i++) {
		unsigned char c = (unsigned char)h[i];

		/* After punycode a host is plain ASCII; a space, control, '%' or a
		 * byte >= 0x80 here means it was not converted: cannot judge. */
		if (c <= 0x20 || c >= 0x7f || c == '%' || c == '/' || c == '@' || c == '\\')
			return -CORDON_EINVAL;
		h[i] = (char)tolower(c);
	}
	n = i;
	if (n && h[0] == '[') {
		struct in6_addr a;
		char lit[INET6_ADDRSTRLEN], *zone;

		if (h[n - 1] != ']' || n - 2 >= sizeof(lit))
			return -CORDON_EINVAL;
		memcpy(lit, h + 1, n - 2);
		lit[n - 2] = '\0';
		zone = strchr(lit, '%');
		if (zone)
			*zone = '\0';
		if (inet_pton(AF_INET6, lit, &a) != 1)
			return -CORDON_EINVAL;
		if (IN6_IS_ADDR_V4MAPPED(&a)) {
			/* The same endpoint as the IPv4 address: judged as that. */
			if (!inet_ntop(AF_INET, &a.s6_addr[12], h, (socklen_t)size))
				return -CORDON_EINVAL;
			return 0;
		}
		if (!inet_ntop(AF_INET6, &a, lit, sizeof(lit)) ||
		    (size_t)snprintf(h, size, "[%s]", lit) >= size)
			return -CORDON_EINVAL;
		return 0;
	}
	while (n && h[n - 1] == '.')
		h[--n] = '\0';
	return n ? 0 : -CORDON_EINVAL;
}

static bool plain_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* One parse: the canonical host, and the URL rebuilt with it (malloc'd) in *out_url. */
static int url_host_once(const char *url, char *host, size_t size, char **out_url)
{
	CURLU *u = NULL;
	char *scheme = NULL, *h = NULL, *full = NULL;
	CURLUcode uc;
	int r = -CORDON_EINVAL;

	*out_url = NULL;
	if (!url || !host || size == 0)
		return -CORDON_EINVAL;
	host[0] = '\0';
	u = curl_url();
	if (!u)
		return -CORDON_ENOMEM;
	/* No CURLU_GUESS_SCHEME or CURLU_DEFAULT_SCHEME: "evil.com" is not a URL. */
	uc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (uc == CURLUE_OUT_OF_MEMORY)
		r = -CORDON_ENOMEM;
	if (uc != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    (strcmp(scheme, "http") && strcmp(scheme, "https")))
		goto out;
	if (curl_url_get(u, CURLUPART_HOST, &h, 0) != CURLUE_OK || !h)
		goto out;
	if (!plain_ascii(h)) {
		curl_free(h);
		h = NULL;
#ifdef CURLU_PUNYCODE
		/* IDNA through libidn2, in the process's LC_CTYPE: fails (and so
		 * does the fetch's own conversion) unless that is UTF-8. */
		if (curl_url_get(u, CURLUPART_HOST, &h, CURLU_PUNYCODE) != CURLUE_OK || !h)
			goto out;
#else
		goto out;
#endif
	}
	if (strlen(h) >= size || strlen(h) > RULE_HOST_MAX + 2)
		goto out;
	memcpy(host, h, strlen(h) + 1);
	if (canonical_host(host, size) < 0 || strlen(host) > RULE_HOST_MAX)
		goto fail_host;
	/* The URL with the judged host: the fetch connects to this name. */
	uc = curl_url_set(u, CURLUPART_HOST, host, 0);
	if (uc == CURLUE_OK)
		uc = curl_url_get(u, CURLUPART_URL, &full, 0);
	if (uc != CURLUE_OK) {
		r = uc == CURLUE_OUT_OF_MEMORY ? -CORDON_ENOMEM : -CORDON_EINVAL;
		goto fail_host;
	}
	*out_url = strdup(full);
	if (!*out_url) {
		r = -CORDON_ENOMEM;
		goto fail_host;
	}
	r = 0;
	goto out;
fail_host:
	host[0] = '\0';
out:
	curl_free(full);
	curl_free(h);
	curl_free(scheme);
	curl_url_cleanup(u);
	return r;
}

int rule_url_host(const char *url, char *host, size_t size, char **out_url)
{
	char again[RULE_HOST_MAX + 1], *u1 = NULL, *u2 = NULL;
	int r;

	if (out_url)
		*out_url = NULL;
	r = url_host_once(url, host, size, &u1);
	if (r == 0) {
		/*
		 * The host judged must name the same place in the URL the fetch
		 * is given: dropping a trailing dot can make a name an address
		 * ("0x7f." is a name to curl, "0x7f" is 0.0.0.127). What does not
		 * parse back to itself is refused, not guessed at.
		 */
		r = url_host_once(u1, again, sizeof(again), &u2);
		if (r == 0 && (strcmp(again, host) || strcmp(u1, u2)))
			r = -CORDON_EINVAL;
		if (r < 0)
			host[0] = '\0';
	}
	if (r == 0 && out_url) {
		*out_url = u1;
		u1 = NULL;
	}
	free(u1);
	free(u2);
	return r;
}

/*
 * A WebFetch rule's host ("example.com", "*.example.com", "[::1]") in the
 * form rule_url_host() gives URL hosts, so a rule and a URL naming the same
 * host compare equal. -CORDON_ETOOBIG for a port, -CORDON_EINVAL otherwise.
 */
static int normalize_domain(const char *h, char *out, size_t size)
{
	char url[RULE_HOST_MAX + 16];
	const char *colon = strchr(h, ':');

	/* ':' belongs in IPv6 literals only; "host:8080" would drop the port. */
	if (colon && !(h[0] == '[' && h[strlen(h) - 1] == ']'))
		return -CORDON_ETOOBIG;
	if (h[0] == '*') {
		/* A suffix, not a host: lowercase (done) without trailing dots. */
		size_t n = strlen(h);

		while (n > 2 && h[n - 1] == '.')
			n--;
		if (n >= size || h[n - 1] == '.' || strchr(h + 2, '['))
			return -CORDON_EINVAL;
		memcpy(out, h, n);
		out[n] = '\0';
		return 0;
	}
	if ((size_t)snprintf(url, sizeof(url), "http://%s/", h) >= sizeof(url))
		return -CORDON_EINVAL;
	return rule_url_host(url, out, size, NULL) < 0 ? -CORDON_EINVAL : 0;
}

void rule_release(struct rule *r)
{
	if (!r)
		return;
	free(r->text);
	free(r->tool);
	free(r->content);
	free(r->source);
	free(r->root);
	memset(r, 0, sizeof(*r));
}

int rule_parse(struct rule *out, const char *text, enum rule_action action, const char *source,
	       const char *root, struct cordon_diag *diag)
{
	const char *s = text, *open, *end;
	size_t len, toollen, i;
	char *content = NULL, *w;
	bool fail = false;
	int r;

	memset(out, 0, sizeof(*out));
	if (!text)
		return diag_set(diag, 0, 0, "empty rule");
	len = strlen(text);
	if (len > RULE_MAX_LEN) {
		diag_set(diag, 0, 1, "rule is longer than %d bytes", RULE_MAX_LEN);
		return -CORDON_ETOOBIG;
	}
	while (*s == ' ' || *s == '\t')
		s++;
	end = text + len;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end == s)
		return diag_set(diag, 0, 1, "empty rule");
	for (i = 0; s + i < end; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return diag_set(diag, 0, (int)(s - text + i) + 1,
					"control character in rule '%.*s'", (int)(end - s), s);
	open = memchr(s, '(', (size_t)(end - s));
	toollen = open ? (size_t)(open - s) : (size_t)(end - s);
	if (!rule_valid_tool_name(s, toollen))
		return diag_set(diag, 0, (int)(s - text) + 1,
				"bad tool name in rule '%.*s': a tool name starts with an uppercase letter "
				"(or mcp__) and has only letters, digits, '_' and '-'",
				(int)(end - s), s);
	if (open) {
		if (end[-1] != ')' || end - 1 == open)
			return diag_set(diag, 0, (int)(end - text),
					"rule '%.*s' must end with ')'", (int)(end - s), s);
		/* Content: between the first '(' and the last ')', with \( \) unescaped. */
		content = xstrndup(open + 1, (size_t)(end - 1 - (open + 1)));
		if (!content)
			return -CORDON_ENOMEM;
		for (w = content, i = 0; content[i]; i++) {
			if (content[i] == '\\' && (content[i + 1] == '(' || content[i + 1] == ')'))
				i++;
			*w++ = content[i];
		}
		*w = '\0';
	}
	out->action = action;
	out->tool = xstrndup(s, toollen);
	if (!out->tool) {
		r = -CORDON_ENOMEM;
		goto fail;
	}
	if (!content || !*content || !strcmp(content, "*")) {
		free(content);
		content = NULL;
		out->form = RULE_BARE;
	} else if (rules_of(out->tool) == RULES_COMMAND) {
		size_t n = strlen(content);

		if (n > 2 && !strcmp(content + n - 2, ":*") && !has_unescaped_star(content, n - 2)) {
			content[n - 2] = '\0';
			unescape_stars(content);
			out->form = RULE_BASH_PREFIX;
		} else if (has_unescaped_star(content, n)) {
			out->form = RULE_BASH_WILDCARD;
		} else {
			unescape_stars(content);
			out->form = RULE_BASH_EXACT;
		}
	} else if (rules_of(out->tool) == RULES_PATH) {
		if (strlen(content) > PATHMATCH_MAX) {
			r = diag_set(diag, 0, (int)(open - text) + 2, "path pattern is too long");
			goto fail;
		}
		out->form = RULE_PATH;
	} else if (rules_of(out->tool) == RULES_DOMAIN) {
		char *h, norm[RULE_HOST_MAX + 1];

		if (strncmp(content, "domain:", 7) || !content[7]) {
			r = diag_set(diag, 0, (int)(open - text) + 2,
				     "WebFetch rules take the form WebFetch(domain:HOST), got '%.*s'",
				     (int)(end - s), s);
			goto fail;
		}
		h = content + 7;
		for (i = 0; h[i]; i++) {
			unsigned char c = (unsigned char)h[i];

			if (!isalnum(c) && c != '.' && c != '-' && c != '_' && !(c == '*' && i == 0) &&
			    c != ':' && c != '[' && c != ']') {
				r = diag_set(diag, 0, (int)(open - text) + 9 + (int)i,
					     "bad character in WebFetch domain '%s'", h);
				goto fail;
			}
			h[i] = (char)tolower(c);
		}
		if (h[0] == '*' && (h[1] != '.' || !h[2])) {
			r = diag_set(diag, 0, (int)(open - text) + 9,
				     "a WebFetch domain wildcard must look like '*.example.com'");
			goto fail;
		}
		r = normalize_domain(h, norm, sizeof(norm));
		if (r < 0) {
			r = diag_set(diag, 0, (int)(open - text) + 9,
				     r == -CORDON_ETOOBIG ? "WebFetch domain '%s' has a port: a rule names a host only"
							  : "WebFetch domain '%s' is not a host name",
				     h);
			goto fail;
		}
		memcpy(content, norm, strlen(norm) + 1);
		out->form = RULE_DOMAIN;
	} else {
		out->form = RULE_OTHER;
	}
	out->content = content;
	content = NULL;
	{
		struct buf b;

		buf_init(&b, RULE_MAX_LEN * 2 + 16);
		/* The text is the rule as written (trimmed), so it parses back to
		 * the same rule; only the forms with a canonical spelling change. */
		if (out->form == RULE_BARE)
			r = buf_puts(&b, out->tool);
		else if (out->form == RULE_DOMAIN)
			r = buf_printf(&b, "%s(domain:%s)", out->tool, out->content);
		else
			r = buf_append(&b, s, (size_t)(end - s));
		if (r < 0) {
			buf_release(&b);
			goto fail;
		}
		out->text = buf_detach(&b, NULL);
		if (!out->text) {
			r = -CORDON_ENOMEM;
			goto fail;
		}
	}
	out->source = xstrdup_opt(source, &fail);
	out->root = xstrdup_opt(root, &fail);
	if (fail) {
		r = -CORDON_ENOMEM;
		goto fail;
	}
	return 0;
fail:
	free(content);
	rule_release(out);
	return r;
}

int rule_split_list(const char *s, int (*fn)(const char *item, size_t len, void *ctx), void *ctx)
{
	const char *start = NULL;
	int depth = 0, r;

	for (;; s++) {
		char c = *s;
		bool sep = c == '\0' || ((c == ',' || isspace((unsigned char)c)) && depth == 0);

		if (sep) {
			if (start) {
				r = fn(start, (size_t)(s - start), ctx);
				if (r < 0)
					return r;
				start = NULL;
			}
			if (!c)
				break;
			continue;
		}
		if (!start)
			start = s;
		if (c == '\\' && (s[1] == '(' || s[1] == ')')) {
			s++;
			continue;
		}
		if (c == '(')
			depth++;
		else if (c == ')' && --depth < 0)
			return -CORDON_EPARSE;
	}
	return depth ? -CORDON_EPARSE : 0;
}

bool rule_governs(const struct rule *r, const char *tool)
{
	return catalog_rule_governs(r->tool, tool);
}

/* Wildcard match over a whole command: `*` any run (spaces too), `\*` a star. */
static bool wild_match(const char *p, const char *s)
{
	const char *star_p = NULL, *star_s = NULL;

	while (*s) {
		if (*p == '*') {
			star_p = ++p;
			star_s = s;
			continue;
		}
		if (*p == '\\' && p[1] == '*') {
			if (*s == '*') {
				p += 2;
				s++;
				continue;
			}
		} else if (*p && *p == *s) {
			p++;
			s++;
			continue;
		}
		if (!star_p)
			return false;
		p = star_p;
		s = ++star_s;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

bool rule_match_command(const struct rule *r, const char *cmd)
{
	size_t n;

	switch (r->form) {
	case RULE_BARE:
		return true;
	case RULE_BASH_EXACT:
		return !strcmp(cmd, r->content);
	case RULE_BASH_PREFIX:
		n = strlen(r->content);
		return !strncmp(cmd, r->content, n) && (cmd[n] == '\0' || cmd[n] == ' ');
	case RULE_BASH_WILDCARD:
		if (wild_match(r->content, cmd))
			return true;
		/* "git *" also matches a bare "git" when its only star is the trailing one. */
		n = strlen(r->content);
		if (n >= 2 && !strcmp(r->content + n - 2, " *") && !has_unescaped_star(r->content, n - 1))
			return strlen(cmd) == n - 2 && !strncmp(cmd, r->content, n - 2);
		return false;
	default:
		return false;
	}
}

/* out = a + b + c (each may be empty); -CORDON_ETOOBIG when it does not fit. */
static int concat3(char *out, size_t size, const char *a, size_t an, const char *b, size_t bn, const char *c,
		   size_t cn)
{
	if (an + bn + cn + 1 > size)
		return -CORDON_ETOOBIG;
	memcpy(out, a, an);
	memcpy(out + an, b, bn);
	memcpy(out + an + bn, c, cn);
	out[an + bn + cn] = '\0';
	return (int)(an + bn + cn);
}

int rule_path_pattern(const struct rule *r, const char *project_root, const char *home, char *out,
		      size_t size)
{
	char raw[2 * PATHMATCH_MAX + 16];
	const char *c = r->content, *base;
	size_t n;
	int k;

	if (r->form != RULE_PATH || !project_root)
		return -CORDON_EINVAL;
	n = strlen(c);
	/* A trailing '/' marks a directory; lexically it names the same thing.
	 * "//" stays: it is the absolute form of "/", not "/" (the rule's root). */
	while (n > ((c[0] == '/' && c[1] == '/') ? 2 : 1) && c[n - 1] == '/')
		n--;
	if (n >= 2 && c[0] == '/' && c[1] == '/') {
		k = concat3(raw, sizeof(raw), "", 0, "", 0, c + 1, n - 1);
	} else if (c[0] == '~' && (n == 1 || c[1] == '/')) {
		if (!home)
			return -CORDON_ENOTFOUND;
		k = concat3(raw, sizeof(raw), home, strlen(home), "", 0, c + 1, n - 1);
	} else if (c[0] == '/') {
		base = r->root ? r->root : project_root;
		k = concat3(raw, sizeof(raw), base, strlen(base), "", 0, c, n);
	} else if (memchr(c, '/', n)) {
		if (n >= 2 && c[0] == '.' && c[1] == '/') {
			c += 2;
			n -= 2;
		}
		k = concat3(raw, sizeof(raw), project_root, strlen(project_root), "/", 1, c, n);
	} else if (r->action == RULE_ALLOW) {
		k = concat3(raw, sizeof(raw), project_root, strlen(project_root), "/**/", 4, c, n);
	} else {
		k = concat3(raw, sizeof(raw), "", 0, "/**/", 4, c, n);
	}
	if (k < 0)
		return k;
	/* Already normal (the common case): skip the normalization pass. */
	if (!strstr(raw, "//") && !strstr(raw, "/.") && (k == 1 || raw[k - 1] != '/')) {
		if ((size_t)k >= size || k > PATHMATCH_MAX)
			return -CORDON_ETOOBIG;
		memcpy(out, raw, (size_t)k + 1);
		return 0;
	}
	return path_normalize(out, size, raw, NULL);
}

bool rule_match_path(const struct rule *r, const char *path, const char *project_root, const char *home)
{
	char pat[PATHMATCH_MAX + 1];

	if (r->form == RULE_BARE)
		return true;
	if (rule_path_pattern(r, project_root, home, pat, sizeof(pat)) < 0)
		return false;
	return glob_match_path(pat, path, true);
}

bool rule_match_domain(const struct rule *r, const char *host)
{
	size_t n, hn;

	if (r->form == RULE_BARE)
		return true;
	if (r->form != RULE_DOMAIN)
		return false;
	if (r->content[0] == '*') {
		/* "*.example.com": any subdomain, never the apex itself. */
		n = strlen(r->content + 1);
		hn = strlen(host);
		return hn > n && !strcmp(host + hn - n, r->content + 1);
	}
	return !strcmp(host, r->content);
}
