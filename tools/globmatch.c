/*
 * globmatch.c — glob to PCRE2 translation, plus literal fast paths.
 *
 * Globs come from the model (Glob's pattern, Grep's glob) and from files in
 * the searched tree (.gitignore), so they are outside bytes: the translator
 * quotes every literal character for PCRE2, so no glob can smuggle regex
 * syntax in, and matching runs under a PCRE2 match limit, so a pathological
 * glob (many stars in a row) costs bounded time per path and simply fails to
 * match when the limit is hit.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "tools/globmatch.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/utf8.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#define GLOB_MATCH_LIMIT 200000u /* backtracking steps per path */
#define GLOB_REGEX_MAX (GLOB_MAX_PATTERN * 8 + 64)

enum glob_kind {
	GK_REGEX,
	GK_LITERAL,       /* the whole path equals lit */
	GK_BASENAME,      /* "**" "/" lit: the last component equals lit */
	GK_BASE_SUFFIX,   /* "**" "/" "*" lit: the last component ends with lit */
	GK_NOSLASH_SUFFIX /* "*" lit, literal separator: no '/', ends with lit */
};

struct glob {
	enum glob_kind kind;
	char *lit;
	size_t litlen;
	char *regex;
	pcre2_code *code;
	pcre2_match_context *mctx;
	bool jit;
};

/* Shared across threads: read-only once built. */
static bool is_meta(char c, unsigned flags)
{
	return c == '*' || c == '?' || c == '[' || c == '{' ||
	       (c == '\\' && (flags & GLOB_BACKSLASH_ESCAPE));
}

static bool all_literal(const char *p, size_t n, unsigned flags, bool allow_slash)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (is_meta(p[i], flags) || p[i] == '\0')
			return false;
		if (!allow_slash && p[i] == '/')
			return false;
	}
	return true;
}

static int set_fast(struct glob *g, enum glob_kind kind, const char *p, size_t n)
{
	g->lit = malloc(n + 1);
	if (!g->lit)
		return -CORDON_ENOMEM;
	memcpy(g->lit, p, n);
	g->lit[n] = '\0';
	g->litlen = n;
	g->kind = kind;
	return 0;
}

/* Recognise the shapes that need no regex (case-sensitive globs only). */
static int classify(struct glob *g, const char *p, size_t n, unsigned flags)
{
	if (flags & GLOB_CASEFOLD)
		return 0;
	if (all_literal(p, n, flags, true))
		return set_fast(g, GK_LITERAL, p, n);
	if (n > 3 && !memcmp(p, "**/", 3)) {
		if (p[3] == '*' && n > 4 && all_literal(p + 4, n - 4, flags, false))
			return set_fast(g, GK_BASE_SUFFIX, p + 4, n - 4);
		if (all_literal(p + 3, n - 3, flags, false))
			return set_fast(g, GK_BASENAME, p + 3, n - 3);
	}
	if ((flags & GLOB_LITERAL_SEP) && n > 1 && p[0] == '*' && p[1] != '*' &&
	    all_literal(p + 1, n - 1, flags, false))
		return set_fast(g, GK_NOSLASH_SUFFIX, p + 1, n - 1);
	return 0;
}

/* Quote one literal byte for a PCRE2 pattern (outside or inside a class). */
static int put_lit(struct buf *re, unsigned char c)
{
	if (c == '\0')
		return buf_puts(re, "\\x00");
	if (c < 0x80 && !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) &&
	    c != '_' && c > 0x20 && c < 0x7f)
		if (buf_putc(re, '\\') < 0)
			return -CORDON_ETOOBIG;
	return buf_putc(re, (char)c);
}

struct tr {
	const char *p;
	size_t n, i;
	unsigned flags;
	struct buf *re;
	struct cordon_diag *diag;
	int depth; /* open braces */
	bool utf;  /* PCRE2_UTF mode; else bytes, with '?' taking a whole UTF-8 sequence */
};

/* One character in byte mode: a UTF-8 sequence, or any single byte (invalid ones too). */
#define ANY_SEQ "[\\xc0-\\xff][\\x80-\\xbf]*"

static int tr_class(struct tr *t)
{
	size_t j = t->i + 1;
	bool neg = false, first = true;
	struct buf *re = t->re;
	int r;

	if (j < t->n && (t->p[j] == '!' || t->p[j] == '^')) {
		neg = true;
		j++;
	}
	/* Byte mode: a multi-byte character is never an (ASCII) member, so a negated class takes it whole. */
	if (neg && !t->utf && (r = buf_puts(re, "(?:" ANY_SEQ "|")) < 0)
		return r;
	if ((r = buf_putc(re, '[')) < 0)
		return r;
	if (neg && (r = buf_putc(re, '^')) < 0)
		return r;
	if (neg && (t->flags & GLOB_LITERAL_SEP) && (r = buf_puts(re, "/")) < 0)
		return r;
	for (;;) {
		unsigned char c;

		if (j >= t->n)
			return diag_set(t->diag, 1, (int)t->i + 1, "unclosed character class");
		c = (unsigned char)t->p[j];
		if (c == ']' && !first)
			break;
		first = false;
		if (c == '[' && j + 1 < t->n && t->p[j + 1] == ':') {
			/* POSIX class [:name:], passed through after checking its name. */
			size_t k = j + 2;

			while (k < t->n && ((t->p[k] >= 'a' && t->p[k] <= 'z')))
				k++;
			if (k + 1 < t->n && t->p[k] == ':' && t->p[k + 1] == ']' && k > j + 2) {
				if ((r = buf_append(re, t->p + j, k + 2 - j)) < 0)
					return r;
				j = k + 2;
				continue;
			}
		}
		if (c == '\\' && (t->flags & GLOB_BACKSLASH_ESCAPE)) {
			if (j + 1 >= t->n)
				return diag_set(t->diag, 1, (int)j + 1, "dangling '\\' in character class");
			j++;
			c = (unsigned char)t->p[j];
		}
		if ((r = put_lit(re, c)) < 0)
			return r;
		j++;
		/* A range a-b; a '-' just before ']' is literal. */
		if (j + 1 < t->n && t->p[j] == '-' && t->p[j + 1] != ']') {
			unsigned char hi;

			j++;
			hi = (unsigned char)t->p[j];
			if (hi == '\\' && (t->flags & GLOB_BACKSLASH_ESCAPE)) {
				if (j + 1 >= t->n)
					return diag_set(t->diag, 1, (int)j + 1, "dangling '\\' in character class");
				hi = (unsigned char)t->p[++j];
			}
			if ((r = buf_putc(re, '-')) < 0 || (r = put_lit(re, hi)) < 0)
				return r;
			j++;
		}
	}
	t->i = j + 1;
	if ((r = buf_putc(re, ']')) < 0)
		return r;
	return neg && !t->utf ? buf_putc(re, ')') : 0;
}

/*
 * Byte mode matches any path, valid UTF-8 or not, which is what a file
 * tree needs. UTF mode is only for what bytes cannot express: non-ASCII
 * class members and ranges, and Unicode case folding.
 */
static bool needs_utf(const char *p, size_t n, unsigned flags)
{
	bool nonascii = false, klass = false;
	size_t i;

	for (i = 0; i < n; i++) {
		if ((unsigned char)p[i] >= 0x80)
			nonascii = true;
		if (p[i] == '[')
			klass = true;
	}
	return nonascii && (klass || (flags & GLOB_CASEFOLD)) && utf8_valid(p, n);
}

static bool at_alt_start(const struct tr *t)
{
	char prev;

	if (t->i == 0)
		return true;
	prev = t->p[t->i - 1];
	/* After "{" or "," of an open alternation (not an escaped one). */
	return t->depth > 0 && (prev == '{' || prev == ',') &&
	       !(t->i >= 2 && t->p[t->i - 2] == '\\' && (t->flags & GLOB_BACKSLASH_ESCAPE));
}

static bool at_alt_end(const struct tr *t, size_t k)
{
	return k >= t->n || (t->depth > 0 && (t->p[k] == ',' || t->p[k] == '}'));
}

static int tr_star(struct tr *t)
{
	const char *any = (t->flags & GLOB_LITERAL_SEP) ? "[^/]*" : ".*";
	bool prev_sep, prev_start, next_sep, next_end;

	if (!(t->i + 1 < t->n && t->p[t->i + 1] == '*')) {
		t->i++;
		return buf_puts(t->re, any);
	}
	prev_start = at_alt_start(t);
	prev_sep = t->i > 0 && t->p[t->i - 1] == '/';
	next_sep = t->i + 2 < t->n && t->p[t->i + 2] == '/';
	next_end = at_alt_end(t, t->i + 2);
	if ((prev_start || prev_sep) && next_sep) {
		// "**" then "/" at the start, or between slashes: zero or more directories.
		t->i += 3;
		return buf_puts(t->re, "(?:.*/)?");
	}
	if ((prev_start || prev_sep) && next_end) {
		t->i += 2;
		return buf_puts(t->re, ".*");
	}
	/* Not a whole component: the same as "*". */
	t->i += 2;
	return buf_puts(t->re, any);
}

static int translate(struct tr *t)
{
	int r = 0;

	while (t->i < t->n && r == 0) {
		unsigned char c = (unsigned char)t->p[t->i];

		switch (c) {
		case '*':
			r = tr_star(t);
			continue;
		case '?':
			if (t->utf)
				r = buf_puts(t->re, (t->flags & GLOB_LITERAL_SEP) ? "[^/]" : ".");
			else
				r = buf_puts(t->re, (t->flags & GLOB_LITERAL_SEP) ? "(?:" ANY_SEQ "|[^/])"
										  : "(?:" ANY_SEQ "|.)");
			break;
		case '[':
			r = tr_class(t);
			continue;
		case '{':
			if (t->depth >= GLOB_MAX_NESTING)
				return diag_set(t->diag, 1, (int)t->i + 1, "braces nested too deeply");
			t->depth++;
			r = buf_puts(t->re, "(?:");
			break;
		case ',':
			r = t->depth > 0 ? buf_putc(t->re, '|') : put_lit(t->re, c);
			break;
		case '}':
			if (t->depth > 0) {
				t->depth--;
				r = buf_putc(t->re, ')');
			} else {
				r = put_lit(t->re, c);
			}
			break;
		case '\\':
			if (t->flags & GLOB_BACKSLASH_ESCAPE) {
				if (t->i + 1 >= t->n)
					return diag_set(t->diag, 1, (int)t->i + 1, "dangling '\\' at the end of the glob");
				t->i++;
				c = (unsigned char)t->p[t->i];
			}
			r = put_lit(t->re, c);
			break;
		default:
			r = put_lit(t->re, c);
			break;
		}
		t->i++;
	}
	if (r == 0 && t->depth > 0)
		return diag_set(t->diag, 1, (int)t->n, "unclosed '{'");
	return r;
}

int glob_compile(struct glob **out, const char *pattern, size_t len, unsigned flags,
		 struct cordon_diag *diag)
{
	struct glob *g = NULL;
	struct buf re;
	struct tr t;
	uint32_t opts = PCRE2_DOTALL | PCRE2_NO_AUTO_CAPTURE;
	int errcode, r;
	PCRE2_SIZE erroff;

	*out = NULL;
	buf_init(&re, GLOB_REGEX_MAX);
	if (len > GLOB_MAX_PATTERN) {
		r = -CORDON_ETOOBIG;
		diag_set(diag, 1, 0, "glob longer than %d bytes", GLOB_MAX_PATTERN);
		goto out;
	}
	g = calloc(1, sizeof(*g));
	if (!g) {
		r = -CORDON_ENOMEM;
		goto out;
	}
	memset(&t, 0, sizeof(t));
	t.p = pattern;
	t.n = len;
	t.flags = flags;
	t.re = &re;
	t.diag = diag;
	t.utf = needs_utf(pattern, len, flags);
	if ((r = buf_puts(&re, "\\A(?:")) < 0 || (r = translate(&t)) < 0 || (r = buf_puts(&re, ")\\z")) < 0)
		goto out;
	g->regex = buf_detach(&re, NULL);
	if (!g->regex) {
		r = -CORDON_ENOMEM;
		goto out;
	}
	if ((r = classify(g, pattern, len, flags)) < 0)
		goto out;
	if (g->kind != GK_REGEX) {
		*out = g;
		g = NULL;
		goto out;
	}
	if (t.utf)
		opts |= PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
	if (flags & GLOB_CASEFOLD)
		opts |= PCRE2_CASELESS;
	g->code = pcre2_compile((PCRE2_SPTR)g->regex, PCRE2_ZERO_TERMINATED, opts, &errcode, &erroff, NULL);
	if (!g->code) {
		PCRE2_UCHAR msg[160];

		pcre2_get_error_message(errcode, msg, sizeof(msg));
		r = diag_set(diag, 1, 0, "invalid glob: %s", (const char *)msg);
		goto out;
	}
	g->mctx = pcre2_match_context_create(NULL);
	if (!g->mctx) {
		r = -CORDON_ENOMEM;
		goto out;
	}
	pcre2_set_match_limit(g->mctx, GLOB_MATCH_LIMIT);
	/* JIT is an optimisation: where the sandbox refuses executable memory the interpreter runs. */
	g->jit = pcre_jit_wanted() && pcre2_jit_compile(g->code, PCRE2_JIT_COMPLETE) == 0;
	*out = g;
	g = NULL;
	r = 0;
out:
	buf_release(&re);
	glob_free(g);
	return r;
}

bool glob_match(const struct glob *g, const char *path, size_t len)
{
	const char *base;
	pcre2_match_data *md;
	int rc;

	switch (g->kind) {
	case GK_LITERAL:
		return len == g->litlen && !memcmp(path, g->lit, len);
	case GK_BASENAME:
		base = memrchr(path, '/', len);
		base = base ? base + 1 : path;
		return (size_t)(path + len - base) == g->litlen && !memcmp(base, g->lit, g->litlen);
	case GK_BASE_SUFFIX:
		base = memrchr(path, '/', len);
		base = base ? base + 1 : path;
		return (size_t)(path + len - base) >= g->litlen &&
		       !memcmp(path + len - g->litlen, g->lit, g->litlen);
	case GK_NOSLASH_SUFFIX:
		return len >= g->litlen && !memchr(path, '/', len) &&
		       !memcmp(path + len - g->litlen, g->lit, g->litlen);
	case GK_REGEX:
		break;
	}
	md = pcre2_match_data_create(1, NULL);
	if (!md)
		return false;
	if (g->jit)
		rc = pcre2_jit_match(g->code, (PCRE2_SPTR)path, len, 0, 0, md, g->mctx);
	else
		rc = pcre2_match(g->code, (PCRE2_SPTR)path, len, 0, 0, md, g->mctx);
	pcre2_match_data_free(md);
	return rc >= 0;
}

bool pcre_jit_wanted(void)
{
	return !RUNNING_ON_VALGRIND;
}

const char *glob_regex(const struct glob *g)
{
	return g->regex;
}

void glob_free(struct glob *g)
{
	if (!g)
		return;
	free(g->lit);
	free(g->regex);
	pcre2_match_context_free(g->mctx);
	pcre2_code_free(g->code);
	free(g);
}
