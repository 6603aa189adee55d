/* Unit tests for tools/globmatch: a table of globs and paths, plus errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tools/globmatch.h"

#define LS GLOB_LITERAL_SEP
#define BE GLOB_BACKSLASH_ESCAPE
#define CF GLOB_CASEFOLD
#define GI (LS | BE) /* how gitignore and rg --glob compile */

struct gcase {
	const char *glob;
	unsigned flags;
	const char *path;
	bool match;
};

static const struct gcase cases[] = {
	/* literals */
	{ "a.c", GI, "a.c", true },
	{ "a.c", GI, "b.c", false },
	{ "a.c", GI, "src/a.c", false },
	{ "src/a.c", GI, "src/a.c", true },
	{ "", GI, "", true },
	{ "", GI, "a", false },
	/* ? */
	{ "?.c", GI, "a.c", true },
	{ "?.c", GI, "ab.c", false },
	{ "a?c", GI, "a/c", false },
	{ "a?c", 0, "a/c", true },
	{ "?", GI, "\xc3\xa9", true }, /* one code point */
	/* * */
	{ "*.c", GI, "main.c", true },
	{ "*.c", GI, ".c", true },
	{ "*.c", GI, "main.h", false },
	{ "*.c", GI, "src/main.c", false },
	{ "*.c", 0, "src/main.c", true },
	{ "*", GI, "anything", true },
	{ "*", GI, "a/b", false },
	{ "a*b*c", GI, "abc", true },
	{ "a*b*c", GI, "axxbyyc", true },
	{ "a*b*c", GI, "axxbyy", false },
	{ "*a*a*a*a*a*a*b", GI, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false },
	{ "src/*", GI, "src/a", true },
	{ "src/*", GI, "src/a/b", false },
	{ "*/b", GI, "a/b", true },
	{ "*/b", GI, "x/a/b", false },
	/* ** */
	{ "**", GI, "a/b/c", true },
	{ "**", GI, "", true },
	{ "**/a.c", GI, "a.c", true },
	{ "**/a.c", GI, "x/a.c", true },
	{ "**/a.c", GI, "x/y/a.c", true },
	{ "**/a.c", GI, "x/ya.c", false },
	{ "**/*.c", GI, "main.c", true },
	{ "**/*.c", GI, "src/deep/main.c", true },
	{ "**/*.c", GI, "src/deep/main.cc", false },
	{ "**/*.c", GI, "src.c/x", false },
	{ "src/**", GI, "src/a", true },
	{ "src/**", GI, "src/a/b/c", true },
	{ "src/**", GI, "src", false },
	{ "src/**", GI, "srcx/a", false },
	{ "a/**/b", GI, "a/b", true },
	{ "a/**/b", GI, "a/x/b", true },
	{ "a/**/b", GI, "a/x/y/z/b", true },
	{ "a/**/b", GI, "a/xb", false },
	{ "a/**/b", GI, "ab", false },
	{ "src/**/*.ts", GI, "src/x.ts", true },
	{ "src/**/*.ts", GI, "src/a/b/x.ts", true },
	{ "src/**/*.ts", GI, "lib/src/x.ts", false },
	{ "**/node_modules/**", GI, "node_modules/x", true },
	{ "**/node_modules/**", GI, "a/node_modules/x/y", true },
	{ "**/node_modules/**", GI, "a/node_modulesx/y", false },
	{ "a**b", GI, "axxb", true },     /* not a component: like "*" */
	{ "a**b", GI, "ax/xb", false },
	{ "**a", GI, "xa", true },
	{ "**a", GI, "x/a", false },
	{ "a/**", 0, "a/b/c", true },
	/* classes */
	{ "[abc].c", GI, "b.c", true },
	{ "[abc].c", GI, "d.c", false },
	{ "[a-z].c", GI, "q.c", true },
	{ "[a-z].c", GI, "Q.c", false },
	{ "[!a-z].c", GI, "Q.c", true },
	{ "[!a-z].c", GI, "q.c", false },
	{ "[^a-z].c", GI, "1.c", true },
	{ "[!a]", GI, "/", false },
	{ "[!a]", BE, "/", true },
	{ "[]]", GI, "]", true },
	{ "[]a]", GI, "a", true },
	{ "[!]]", GI, "a", true },
	{ "[!]]", GI, "]", false },
	{ "[a-]", GI, "-", true },
	{ "[-a]", GI, "-", true },
	{ "[*]", GI, "*", true },
	{ "[*]", GI, "a", false },
	{ "[?]", GI, "?", true },
	{ "[[]", GI, "[", true },
	{ "[\\]]", GI, "]", true },
	{ "[[:digit:]]x", GI, "7x", true },
	{ "[[:digit:]]x", GI, "ax", false },
	{ "[[:alpha:][:digit:]]", GI, "Z", true },
	{ "f[0-4]*.[ch]", GI, "f3xx.h", true },
	{ "f[0-4]*.[ch]", GI, "f5.c", false },
	{ "[\xc3\xa9" "e]t\xc3\xa9", GI, "\xc3\xa9" "t\xc3\xa9", true },
	/* braces */
	{ "*.{c,h}", GI, "a.c", true },
	{ "*.{c,h}", GI, "a.h", true },
	{ "*.{c,h}", GI, "a.cc", false },
	{ "*.{ts,tsx}", GI, "a.tsx", true },
	{ "{a,b}/*.c", GI, "b/x.c", true },
	{ "{a,b}/*.c", GI, "c/x.c", false },
	{ "{,x}a", GI, "a", true },
	{ "{,x}a", GI, "xa", true },
	{ "{a,{b,c}d}", GI, "cd", true },
	{ "{a,{b,c}d}", GI, "c", false },
	{ "{**/x,y}", GI, "p/q/x", true },
	{ "{src,lib}/**/*.{c,h}", GI, "lib/a/b.h", true },
	{ "a,b", GI, "a,b", true },
	{ "a}b", GI, "a}b", true },
	/* escapes */
	{ "\\*.c", GI, "*.c", true },
	{ "\\*.c", GI, "a.c", false },
	{ "a\\?", GI, "a?", true },
	{ "a\\?", GI, "ab", false },
	{ "\\[x]", GI, "[x]", true },
	{ "\\{a,b}", GI, "{a,b}", true },
	{ "a\\b", GI, "ab", true },
	{ "a\\b", LS, "a\\b", true }, /* no escapes: a backslash is a character */
	/* regex metacharacters are literals */
	{ "a.c", GI, "abc", false },
	{ "a+b", GI, "a+b", true },
	{ "a+b", GI, "aab", false },
	{ "(x)|y", GI, "(x)|y", true },
	{ "(x)|y", GI, "y", false },
	{ "^a$", GI, "^a$", true },
	{ "$HOME", GI, "$HOME", true },
	{ "a b", GI, "a b", true },
	{ "\xce\xa9*", GI, "\xce\xa9mega", true },
	/* case */
	{ "*.C", GI, "a.c", false },
	{ "*.C", GI | CF, "a.c", true },
	{ "README*", GI | CF, "readme.md", true },
	{ "[a-c]x", GI | CF, "Bx", true },
	/* paths that are not UTF-8 still match */
	{ "*.c", GI, "caf\xe9.c", true },
	{ "caf?.c", GI, "caf\xe9.c", true },
	{ "[!x]", GI, "\xff", true },
	/* newlines in names */
	{ "a*b", GI, "a\nb", true },
	{ "a?b", GI, "a\nb", true },
};

static void glob_table(void **state)
{
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct gcase *c = &cases[i];
		struct cordon_diag d;
		struct glob *g = NULL;
		int r = glob_compile(&g, c->glob, strlen(c->glob), c->flags, &d);
		bool m;

		if (r < 0) {
			print_error("case %zu: '%s' failed to compile: %s\n", i, c->glob, d.msg);
			bad++;
			continue;
		}
		m = glob_match(g, c->path, strlen(c->path));
		if (m != c->match) {
			print_error("case %zu: glob '%s' flags %u path '%s': got %d want %d (regex %s)\n", i, c->glob,
				    c->flags, c->path, m, c->match, glob_regex(g));
			bad++;
		}
		glob_free(g);
	}
	assert_true(sizeof(cases) / sizeof(cases[0]) >= 100);
	assert_int_equal(bad, 0);
}

static void glob_rejects_malformed(void **state)
{
	static const char *const badglobs[] = { "[abc", "a[", "{a,b", "a\\", "[!", "[a\\", "{{{a}}", "[z-a]" };
	struct cordon_diag d;
	struct glob *g;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(badglobs) / sizeof(badglobs[0]); i++) {
		g = (struct glob *)0x1;
		diag_clear(&d);
		assert_int_equal(glob_compile(&g, badglobs[i], strlen(badglobs[i]), GI, &d), -CORDON_EPARSE);
		assert_null(g);
		assert_true(d.msg[0] != '\0');
	}
}

static void glob_caps_length_and_nesting(void **state)
{
	char big[GLOB_MAX_PATTERN + 2], deep[GLOB_MAX_NESTING * 2 + 8];
	struct glob *g;
	size_t i;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(glob_compile(&g, big, strlen(big), GI, NULL), -CORDON_ETOOBIG);
	for (i = 0; i <= GLOB_MAX_NESTING; i++)
		deep[i] = '{';
	deep[i] = '\0';
	assert_int_equal(glob_compile(&g, deep, strlen(deep), GI, NULL), -CORDON_EPARSE);
}

static void glob_with_nul_byte(void **state)
{
	struct glob *g;

	(void)state;
	assert_int_equal(glob_compile(&g, "a\0b", 3, GI, NULL), 0);
	assert_true(glob_match(g, "a\0b", 3));
	assert_false(glob_match(g, "a", 1));
	glob_free(g);
	glob_free(NULL);
}

static void glob_fast_paths_agree_with_regex(void **state)
{
	/* The same shapes, once through a fast path and once forced through PCRE2 by a class. */
	static const char *const paths[] = { "a.c", "x/a.c", "x/y/a.c", "a.cc", "b/c", ".c", "a.c/x", "" };
	static const char *const pairs[][2] = {
		{ "**/*.c", "**/*.[c]" }, { "*.c", "*.[c]" }, { "**/a.c", "**/a.[c]" }, { "x/a.c", "x/a.[c]" },
	};
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		struct glob *fast, *slow;

		assert_int_equal(glob_compile(&fast, pairs[i][0], strlen(pairs[i][0]), GI, NULL), 0);
		assert_int_equal(glob_compile(&slow, pairs[i][1], strlen(pairs[i][1]), GI, NULL), 0);
		for (k = 0; k < sizeof(paths) / sizeof(paths[0]); k++)
			assert_int_equal(glob_match(fast, paths[k], strlen(paths[k])),
					 glob_match(slow, paths[k], strlen(paths[k])));
		glob_free(fast);
		glob_free(slow);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(glob_table),
		cmocka_unit_test(glob_rejects_malformed),
		cmocka_unit_test(glob_caps_length_and_nesting),
		cmocka_unit_test(glob_with_nul_byte),
		cmocka_unit_test(glob_fast_paths_agree_with_regex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
