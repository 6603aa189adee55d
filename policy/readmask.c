/*
 * readmask.c — the Read deny paths a mount view can hide (see readmask.h).
 */
#include "policy/readmask.h"
#include "policy/pathmatch.h"

#include <string.h>

void read_mask_init(struct read_mask *m)
{
	strvec_init(&m->paths);
	strvec_init(&m->unmaskable);
}

void read_mask_release(struct read_mask *m)
{
	if (!m)
		return;
	strvec_release(&m->paths);
	strvec_release(&m->unmaskable);
}

/* Whether the last segment of p[0..n) is exactly "*" or "**" (unescaped). */
static size_t star_segment(const char *p, size_t n)
{
	if (n >= 3 && !memcmp(p + n - 3, "/**", 3))
		return 3;
	if (n >= 2 && !memcmp(p + n - 2, "/*", 2))
		return 2;
	return 0;
}

int read_mask_literal(const char *pattern, char *out, size_t size)
{
	size_t n = strlen(pattern), i, k = 0, cut;

	/* Trailing star segments mean "everything below": hiding the
	 * directory hides that (and its own listing, names of denied files). */
	while ((cut = star_segment(pattern, n)))
		n -= cut;
	if (pattern[0] != '/')
		return 0; /* not anchored */
	if (n == 0)
		n = 1; /* everything below the root: the root */
	for (i = 0; i < n; i++) {
		char c = pattern[i];

		if (c == '*' || c == '?' || c == '[')
			return 0;
		if (c == '\\') {
			if (++i == n)
				return 0;
			c = pattern[i];
		}
		if (k + 1 >= size)
			return -CORDON_ETOOBIG;
		out[k++] = c;
	}
	out[k] = '\0';
	return 1;
}

static void say(void (*warn)(const struct cordon_diag *, void *), void *arg, const struct rule *r, const char *why)
{
	struct cordon_diag d;

	if (!warn)
		return;
	diag_clear(&d);
	diag_set(&d, 0, 0,
		 "Read deny rule %s (from %s) %s: commands in the sandbox (Bash) can still read what it covers; "
		 "only literal paths and directories are hidden from them",
		 r->text, r->source ? r->source : "the command line", why);
	warn(&d, arg);
}

int read_mask_build(struct read_mask *m, const struct policy *p, const struct policy_ctx *ctx,
		    void (*warn)(const struct cordon_diag *w, void *arg), void *arg)
{
	char root[PATHMATCH_MAX + 1], home[PATHMATCH_MAX + 1], pat[PATHMATCH_MAX + 1], lit[PATHMATCH_MAX + 1];
	const char *r0 = ctx ? (ctx->project_root ? ctx->project_root : ctx->cwd) : NULL;
	bool has_home = false;
	size_t i;
	int rc = 0, k;

	if (!r0 || path_normalize(root, sizeof(root), r0, NULL) < 0)
		return -CORDON_EINVAL;
	if (ctx->home && path_normalize(home, sizeof(home), ctx->home, NULL) == 0)
		has_home = true;
	for (i = 0; i < p->nrules && rc == 0; i++) {
		const struct rule *r = &p->rules[i];

		if (r->action != RULE_DENY || r->form != RULE_PATH || strcmp(r->tool, "Read"))
			continue;
		rc = rule_path_pattern(r, root, has_home ? home : NULL, pat, sizeof(pat));
		if (rc == -CORDON_ENOTFOUND) {
			rc = 0; /* `~` without a home: never matches (decide.c) */
			continue;
		}
		if (rc < 0)
			break;
		k = read_mask_literal(pat, lit, sizeof(lit));
		if (k < 0) {
			rc = k;
			break;
		}
		if (k == 0) {
			say(warn, arg, r, "has a wildcard before its end");
			rc = strvec_push_unique(&m->unmaskable, r->text);
		} else if (path_within(root, lit)) {
			/* Hiding it would hide the workspace the sandbox works in. */
			say(warn, arg, r, "covers the whole project");
			rc = strvec_push_unique(&m->unmaskable, r->text);
		} else {
			rc = strvec_push_unique(&m->paths, lit);
		}
	}
	if (rc < 0) {
		read_mask_release(m);
		read_mask_init(m);
	}
	return rc;
}
