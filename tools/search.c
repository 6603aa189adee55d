/* search.c — path display and pagination shared by Grep and Glob. */
#include "tools/search.h"

#include <string.h>

#include "common/utf8.h"
#include "tools/gitignore.h"

#define SEARCH_DEFAULT_HEAD_LIMIT 250

const char *search_relative(const char *cwd, const char *abs)
{
	size_t n = strlen(cwd);

	if (n == 1 && cwd[0] == '/')
		return abs[0] == '/' ? abs + 1 : abs;
	if (!strncmp(abs, cwd, n)) {
		if (abs[n] == '/')
			return abs + n + 1;
		if (abs[n] == '\0')
			return abs + n;
	}
	return abs;
}

int search_put_line(struct buf *out, const char *cwd, const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n);
	size_t cwdlen = strlen(cwd);
	int r;

	if (colon && s[0] == '/') {
		size_t seg = (size_t)(colon - s);
		size_t skip = 0;

		if (cwdlen == 1)
			skip = 1;
		else if (seg >= cwdlen && !memcmp(s, cwd, cwdlen) && (seg == cwdlen || s[cwdlen] == '/'))
			skip = seg == cwdlen ? cwdlen : cwdlen + 1;
		if ((r = utf8_sanitize(out, s + skip, n - skip)) < 0)
			return r;
		return 0;
	}
	return utf8_sanitize(out, s, n);
}

void search_paginate(size_t n, long long limit, long long offset, size_t *out_start, size_t *out_end,
		     bool *out_limited, long long *out_applied_limit)
{
	size_t start, end;

	if (limit < 0)
		limit = SEARCH_DEFAULT_HEAD_LIMIT;
	if (offset < 0)
		offset = 0;
	start = (unsigned long long)offset > n ? n : (size_t)offset;
	if (limit == 0 || (unsigned long long)limit >= n - start) {
		end = n;
		*out_limited = false;
	} else {
		end = start + (size_t)limit;
		*out_limited = true;
	}
	*out_start = start;
	*out_end = end;
	*out_applied_limit = limit;
}

int search_pagination_text(struct buf *out, bool limited, long long limit, long long offset)
{
	int r = 0;

	if (limited)
		r = buf_printf(out, "limit: %lld", limit);
	if (r == 0 && offset > 0)
		r = buf_printf(out, "%soffset: %lld", limited ? ", " : "", offset);
	return r;
}

int search_add_deny_globs(struct gitignore *ovr, const json_t *request)
{
	const json_t *list = json_object_get(request, "deny_globs"), *v;
	struct buf line;
	size_t i;
	int r = 0;

	if (!json_is_array(list))
		return 0;
	if (json_array_size(list) > SEARCH_MAX_DENY_GLOBS)
		return -CORDON_ETOOBIG;
	buf_init(&line, GLOB_MAX_PATTERN + 2);
	json_array_foreach(list, i, v) {
		const char *g = json_string_value(v);

		if (!g || !*g)
			continue;
		buf_truncate(&line, 0);
		if ((r = buf_putc(&line, '!')) < 0 || (r = buf_puts(&line, g[0] == '!' ? g + 1 : g)) < 0)
			break;
		if ((r = gitignore_add_line(ovr, line.data, line.len)) < 0)
			break;
	}
	buf_release(&line);
	return r;
}
