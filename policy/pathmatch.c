#include "policy/pathmatch.h"
#include "common/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Match a bracket class at pat (after '['); sets *used to its length. */
static bool class_match(const char *pat, size_t plen, unsigned char c, size_t *used, bool *ok)
{
	size_t i = 0;
	bool neg = false, hit = false;

	if (i < plen && (pat[i] == '!' || pat[i] == '^')) {
		neg = true;
		i++;
	}
	if (i < plen && pat[i] == ']') {
		hit = c == ']';
		i++;
	}
	while (i < plen && pat[i] != ']') {
		unsigned char lo = (unsigned char)pat[i], hi;

		if (lo == '\\' && i + 1 < plen)
			lo = (unsigned char)pat[++i];
		hi = lo;
		if (i + 2 < plen && pat[i + 1] == '-' && pat[i + 2] != ']') {
			hi = (unsigned char)pat[i + 2];
			i += 2;
		}
		if (c >= lo && c <= hi)
			hit = true;
		i++;
	}
	if (i >= plen) {
		*ok = false; /* unterminated: '[' is literal */
		return false;
	}
	*ok = true;
	*used = i + 1;
	return hit != neg;
}

bool glob_match_segment(const char *pat, size_t plen, const char *s, size_t slen)
{
	size_t pi = 0, si = 0, star_p = (size_t)-1, star_s = 0;

	while (si < slen) {
		if (pi < plen) {
			char pc = pat[pi];

			if (pc == '*') {
				star_p = ++pi;
				star_s = si;
				continue;
			}
			if (pc == '?') {
				pi++;
				si++;
				continue;
			}
			if (pc == '[') {
				size_t used = 0;
				bool ok, m = class_match(pat + pi + 1, plen - pi - 1, (unsigned char)s[si], &used, &ok);

				if (ok) {
					if (m) {
						pi += used + 1;
						si++;
						continue;
					}
					goto backtrack;
				}
			}
			if (pc == '\\' && pi + 1 < plen)
				pc = pat[++pi];
			if (pc == s[si]) {
				pi++;
				si++;
				continue;
			}
		}
backtrack:
		if (star_p == (size_t)-1)
			return false;
		pi = star_p;
		si = ++star_s;
	}
	while (pi < plen && pat[pi] == '*')
		pi++;
	return pi == plen;
}

/* Whether any of the four characters of set occurs in s[0..n). */
static bool strpbrk_n(const char *s, size_t n, const char *set)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == set[0] || s[i] == set[1] || s[i] == set[2] || s[i] == set[3])
			return true;
	return false;
}

/*
 * Whether a leading segment of pattern without wildcards differs from the
 * path's segment at the same place: then nothing can match (with or without
 * dirs_too), and most rules are ruled out here, before any splitting.
 */
static bool literal_mismatch(const char *pat, const char *path)
{
	for (;;) {
		size_t pn, sn;

		while (*pat == '/')
			pat++;
		while (*path == '/')
			path++;
		if (!*pat || !*path)
			return false;
		pn = strcspn(pat, "/");
		sn = strcspn(path, "/");
		if (strpbrk_n(pat, pn, "*?[\\"))
			return false;
		if (pn != sn || memcmp(pat, path, pn))
			return true;
		pat += pn;
		path += sn;
	}
}

struct seg {
	const char *p;
	size_t n;
};

static int split_segs(const char *s, struct seg *out, size_t max)
{
	size_t n = 0;

	while (*s) {
		size_t k;

		while (*s == '/')
			s++;
		if (!*s)
			break;
		for (k = 0; s[k] && s[k] != '/'; k++)
			;
		if (n >= max)
			return -1;
		out[n].p = s;
		out[n].n = k;
		n++;
		s += k;
	}
	return (int)n;
}

bool glob_match_path(const char *pattern, const char *path, bool dirs_too)
{
	struct seg ps[PATHMATCH_MAX_SEGS + 1], ss[PATHMATCH_MAX_SEGS];
	unsigned char *dp = NULL;
	int np, ns, i, j;
	bool r = false;

	if (literal_mismatch(pattern, path))
		return false;
	if (strlen(pattern) > PATHMATCH_MAX || strlen(path) > PATHMATCH_MAX)
		return false;
	np = split_segs(pattern, ps, PATHMATCH_MAX_SEGS);
	ns = split_segs(path, ss, PATHMATCH_MAX_SEGS);
	if (np < 0 || ns < 0)
		return false;
	if (dirs_too) {
		/* P matches an ancestor of S iff P plus a trailing "**" segment matches S. */
		ps[np].p = "**";
		ps[np].n = 2;
		np++;
	}
	/* dp[i][j]: pattern segs i.. match path segs j.. */
	dp = calloc((size_t)(np + 1) * (size_t)(ns + 1), 1);
	if (!dp)
		return false;
#define DP(a, b) dp[(size_t)(a) * (size_t)(ns + 1) + (size_t)(b)]
	DP(np, ns) = 1;
	for (i = np - 1; i >= 0; i--) {
		bool globstar = ps[i].n == 2 && ps[i].p[0] == '*' && ps[i].p[1] == '*';

		for (j = ns; j >= 0; j--) {
			if (globstar)
				DP(i, j) = DP(i + 1, j) || (j < ns && DP(i, j + 1));
			else
				DP(i, j) = j < ns && DP(i + 1, j + 1) &&
					   glob_match_segment(ps[i].p, ps[i].n, ss[j].p, ss[j].n);
		}
	}
	r = DP(0, 0);
#undef DP
	free(dp);
	return r;
}
