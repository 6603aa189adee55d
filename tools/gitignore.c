/*
 * gitignore.c — ignore-file rules, after ripgrep's ignore crate
 * (gitignore.rs, GitignoreBuilder::add_line and Gitignore::matched).
 *
 * Ignore files are outside bytes from the searched tree: every line is
 * bounded (GLOB_MAX_PATTERN), the rule count is capped, and a malformed
 * rule is dropped rather than failing the search.
 */
#include "tools/gitignore.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"

void gitignore_init(struct gitignore *gi, unsigned flags)
{
	memset(gi, 0, sizeof(*gi));
	gi->flags = flags;
}

void gitignore_release(struct gitignore *gi)
{
	size_t i;

	for (i = 0; i < gi->nrules; i++)
		glob_free(gi->rules[i].glob);
	free(gi->rules);
	memset(gi, 0, sizeof(*gi));
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int push_rule(struct gitignore *gi, struct glob *g, bool whitelist, bool dir_only)
{
	if (gi->nrules == gi->cap) {
		size_t ncap = gi->cap ? gi->cap * 2 : 8;
		struct gi_rule *n;

		if (gi->nrules >= GITIGNORE_MAX_RULES)
			return -CORDON_ETOOBIG;
		n = realloc(gi->rules, ncap * sizeof(*n));
		if (!n)
			return -CORDON_ENOMEM;
		gi->rules = n;
		gi->cap = ncap;
	}
	gi->rules[gi->nrules].glob = g;
	gi->rules[gi->nrules].whitelist = whitelist;
	gi->rules[gi->nrules].dir_only = dir_only;
	gi->nrules++;
	if (whitelist)
		gi->nwhitelist++;
	return 0;
}

int gitignore_add_line(struct gitignore *gi, const char *line, size_t len)
{
	struct buf actual;
	struct glob *g = NULL;
	bool whitelist = false, dir_only = false, anchored = false;
	unsigned gflags = GLOB_LITERAL_SEP | GLOB_BACKSLASH_ESCAPE;
	int r;

	if (len > 0 && line[0] == '#')
		return 0;
	/* Trailing whitespace goes, unless the line ends with an escaped space. */
	if (!(len >= 2 && line[len - 1] == ' ' && line[len - 2] == '\\'))
		while (len > 0 && is_space(line[len - 1]))
			len--;
	if (len == 0)
		return 0;
	if (gi->nrules >= GITIGNORE_MAX_RULES)
		return -CORDON_ETOOBIG;
	if (len >= 2 && line[0] == '\\' && (line[1] == '!' || line[1] == '#')) {
		line++;
		len--;
	} else {
		if (line[0] == '!') {
			whitelist = true;
			line++;
			len--;
		}
		if (len > 0 && line[0] == '/') {
			anchored = true;
			line++;
			len--;
		}
	}
	if (len > 0 && line[len - 1] == '/') {
		dir_only = true;
		len--;
	}
	if (len == 0)
		return 0;
	buf_init(&actual, GLOB_MAX_PATTERN);
	/* Without a '/' the rule matches a name at any depth. */
	if (!anchored && !memchr(line, '/', len) && !(len >= 3 && !memcmp(line, "**/", 3)))
		if ((r = buf_puts(&actual, "**/")) < 0)
			goto skip;
	if ((r = buf_append(&actual, line, len)) < 0)
		goto skip;
	// "x/**" is everything inside x, not x itself.
	if (actual.len >= 3 && !memcmp(actual.data + actual.len - 3, "/**", 3))
		if ((r = buf_puts(&actual, "/*")) < 0)
			goto skip;
	if (gi->flags & GITIGNORE_CASEFOLD)
		gflags |= GLOB_CASEFOLD;
	r = glob_compile(&g, actual.data, actual.len, gflags, NULL);
	if (r == -CORDON_ENOMEM)
		goto out;
	if (r < 0)
		goto skip;
	r = push_rule(gi, g, whitelist, dir_only);
	if (r == 0)
		g = NULL;
	goto out;
skip:
	gi->bad++;
	r = 0;
out:
	glob_free(g);
	buf_release(&actual);
	return r;
}

int gitignore_parse(struct gitignore *gi, const char *text, size_t len)
{
	size_t i = 0;
	int r;

	/* A UTF-8 byte order mark is not part of the first rule. */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t n = end - i;

		if (n > 0 && text[end - 1] == '\r')
			n--;
		if (n <= GLOB_MAX_PATTERN) {
			r = gitignore_add_line(gi, text + i, n);
			if (r == -CORDON_ETOOBIG)
				return 0; /* the rules so far still apply */
			if (r < 0)
				return r;
		} else {
			gi->bad++;
		}
		i = end + 1;
	}
	return 0;
}

enum gi_match gitignore_match(const struct gitignore *gi, const char *path, size_t len, bool is_dir)
{
	size_t i;

	while (len >= 2 && path[0] == '.' && path[1] == '/') {
		path += 2;
		len -= 2;
	}
	for (i = gi->nrules; i-- > 0;) {
		const struct gi_rule *rule = &gi->rules[i];

		if (rule->dir_only && !is_dir)
			continue;
		if (glob_match(rule->glob, path, len))
			return rule->whitelist ? GI_WHITELIST : GI_IGNORE;
	}
	return GI_NONE;
}
