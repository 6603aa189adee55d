/* search.c — path display, pagination and the policy's deny paths, shared by Grep and Glob. */
#include "tools/search.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/utf8.h"
#include "policy/pathmatch.h"
#include "tools/pathres.h"
#include "tools/result.h"

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

/* An absolute, NUL-free string of at most max bytes, copied; NULL if not. */
static int load_abs_list(const json_t *list, const char *field, size_t max_len, char ***out,
			 size_t *n_out, char *err, size_t size)
{
	const json_t *v;
	size_t i, n;

	if (!list)
		return 0;
	if (!json_is_array(list) || json_array_size(list) > SEARCH_MAX_DENY_PATHS) {
		snprintf(err, size, "the request's %s is not a list of at most %d paths", field,
			 SEARCH_MAX_DENY_PATHS);
		return -CORDON_EINVAL;
	}
	n = json_array_size(list);
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out)
		return -CORDON_ENOMEM;
	json_array_foreach(list, i, v) {
		const char *g = json_string_value(v);
		size_t len = json_string_length(v);

		/* Only absolute paths of sane length, without NULs: a relative or
		 * cut one would match something else than meant. */
		if (!g || g[0] != '/' || len > max_len || strlen(g) != len) {
			snprintf(err, size, "the request's %s entry %zu is not an absolute path of at most %zu bytes",
				 field, i, max_len);
			return -CORDON_EINVAL;
		}
		if (!((*out)[*n_out] = strdup(g)))
			return -CORDON_ENOMEM;
		(*n_out)++;
	}
	return 0;
}

int search_deny_load(struct search_deny *d, const json_t *request, char *err, size_t size)
{
	int r;

	memset(d, 0, sizeof(*d));
	r = load_abs_list(json_object_get(request, "deny_paths"), "deny_paths", PATHMATCH_MAX,
			  &d->pat, &d->n, err, size);
	if (r == 0)
		r = load_abs_list(json_object_get(request, "placeholders"), "placeholders",
				  PATHMATCH_MAX, &d->ph, &d->nph, err, size);
	return r;
}

int search_deny_set_start(struct search_deny *d, const char *start_abs)
{
	char norm[PATHMATCH_MAX + 1];
	int r;

	if ((r = path_normalize(norm, sizeof(norm), start_abs, NULL)) < 0)
		return r;
	free(d->start);
	if (!(d->start = strdup(norm)))
		return -CORDON_ENOMEM;
	d->start_len = strlen(norm);
	return 0;
}

bool search_deny_match(const struct search_deny *d, const char *rel, size_t len)
{
	char abs[PATHMATCH_MAX + 2];
	size_t n = 0, i, segs = 0;

	if (!d->n && !d->nph)
		return false;
	/* No start: nothing to anchor the entry to, so it cannot be judged. */
	if (!d->start)
		return true;
	if (d->start_len + 1 + len > PATHMATCH_MAX)
		return d->n > 0; /* too long for the matcher: cannot judge, so denied */
	memcpy(abs, d->start, d->start_len);
	n = d->start_len;
	if (len) {
		if (!(n == 1 && abs[0] == '/'))
			abs[n++] = '/';
		memcpy(abs + n, rel, len);
		n += len;
	}
	abs[n] = '\0';
	for (i = 0; i < d->nph; i++)
		if (!strcmp(d->ph[i], abs))
			return true;
	if (!d->n)
		return false;
	for (i = 0; i < n; i++)
		segs += abs[i] == '/';
	if (segs > PATHMATCH_MAX_SEGS)
		return true; /* too deep for the matcher: cannot judge, so denied */
	for (i = 0; i < d->n; i++)
		if (glob_match_path(d->pat[i], abs, true))
			return true;
	return false;
}

void search_deny_release(struct search_deny *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->pat[i]);
	free(d->pat);
	for (i = 0; i < d->nph; i++)
		free(d->ph[i]);
	free(d->ph);
	free(d->start);
	memset(d, 0, sizeof(*d));
}

int search_deny_check_start(const struct search_deny *d, const struct pathres_loc *loc)
{
	int fd, r;

	if (!d->n || !loc->rel[0])
		return 0;
	r = pathres_openat(loc->rootfd, loc->rel, O_PATH, PATHRES_NO_SYMLINKS, &fd);
	if (r == -CORDON_ESYS && errno == ELOOP)
		return 1;
	if (r < 0)
		return r;
	close(fd);
	return 0;
}

int search_deny_prepare(struct search_deny *d, const json_t *request, const struct pathres_loc *loc,
			const char *verb, json_t **out)
{
	char err[256];
	int r;

	r = search_deny_load(d, request, err, sizeof(err));
	if (r == -CORDON_EINVAL)
		return result_text(out, true, false, err) < 0 ? -CORDON_ENOMEM : 1;
	if (r < 0 || (!d->n && !d->nph))
		return r;
	if ((r = search_deny_set_start(d, loc->abs)) < 0)
		return r;
	if (d->n && search_deny_match(d, "", 0)) {
		r = result_printf(out, true, false,
				  "Permission to read %s has been denied. (a Read deny rule of the policy covers it)",
				  d->start);
		return r < 0 ? r : 1;
	}
	r = search_deny_check_start(d, loc);
	if (r == 1) {
		r = result_printf(out, true, false,
				  "cannot %s %s: it goes through a symbolic link, and the policy's Read deny rules "
				  "are judged by path. %c%s the link's target instead.",
				  verb, d->start, toupper((unsigned char)verb[0]), verb + 1);
		return r < 0 ? r : 1;
	}
	return r;
}
