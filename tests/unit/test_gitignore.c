/* Unit tests for tools/gitignore: rule syntax and last-match-wins matching. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tools/gitignore.h"

#define N GI_NONE
#define I GI_IGNORE
#define W GI_WHITELIST

struct icase {
	const char *path;
	bool is_dir;
	enum gi_match want;
};

static void check(const char *rules, const struct icase *cases, size_t n)
{
	struct gitignore gi;
	size_t i;

	gitignore_init(&gi, 0);
	assert_int_equal(gitignore_parse(&gi, rules, strlen(rules)), 0);
	for (i = 0; i < n; i++) {
		enum gi_match m = gitignore_match(&gi, cases[i].path, strlen(cases[i].path), cases[i].is_dir);

		if (m != cases[i].want)
			fail_msg("rules %s: path '%s' (dir %d): got %d want %d", rules, cases[i].path,
				 cases[i].is_dir, m, cases[i].want);
	}
	gitignore_release(&gi);
}

#define CHECK(rules, ...)                                                         \
	do {                                                                      \
		static const struct icase c_[] = { __VA_ARGS__ };                 \
		check(rules, c_, sizeof(c_) / sizeof(c_[0]));                     \
	} while (0)

static void unanchored_rules_match_at_any_depth(void **state)
{
	(void)state;
	CHECK("*.o\n", { "a.o", false, I }, { "src/deep/a.o", false, I }, { "a.c", false, N },
	      { "a.o/x", false, N });
	CHECK("build\n", { "build", true, I }, { "build", false, I }, { "x/build", true, I }, { "builds", true, N });
}

static void slash_anchors_to_the_file_directory(void **state)
{
	(void)state;
	CHECK("/build\n", { "build", true, I }, { "src/build", true, N });
	CHECK("doc/*.txt\n", { "doc/a.txt", false, I }, { "x/doc/a.txt", false, N }, { "doc/x/a.txt", false, N });
	CHECK("/a/b/\n", { "a/b", true, I }, { "a/b", false, N });
	CHECK("./x\n", { "x", false, N }); /* rg compares "./x" literally: never matches */
}

static void trailing_slash_is_directory_only(void **state)
{
	(void)state;
	CHECK("build/\n", { "build", true, I }, { "build", false, N }, { "a/build", true, I });
	CHECK("*/\n", { "x", true, I }, { "x", false, N });
}

static void negation_and_last_match_wins(void **state)
{
	(void)state;
	CHECK("*.log\n!keep.log\n", { "a.log", false, I }, { "keep.log", false, W }, { "x/keep.log", false, W },
	      { "a.txt", false, N });
	CHECK("!a.txt\n*.txt\n", { "a.txt", false, I });
	CHECK("*\n!*/\n!*.c\n", { "x.c", false, W }, { "x.h", false, I }, { "dir", true, W });
}

static void double_star_forms(void **state)
{
	(void)state;
	CHECK("**/foo\n", { "foo", false, I }, { "a/b/foo", false, I }, { "afoo", false, N });
	CHECK("a/**/b\n", { "a/b", false, I }, { "a/x/y/b", false, I }, { "x/a/b", false, N });
	CHECK("abc/**\n", { "abc/x", false, I }, { "abc/x/y", true, I }, { "abc", true, N });
	CHECK("**/node_modules/**\n", { "node_modules/x", false, I }, { "p/node_modules/q/r", false, I });
}

static void comments_blank_lines_whitespace_and_escapes(void **state)
{
	(void)state;
	CHECK("# comment\n\n   \n#*.c\n", { "# comment", false, N }, { "a.c", false, N });
	CHECK("foo   \n", { "foo", false, I }, { "foo   ", false, N });
	CHECK("foo\t\n", { "foo", false, I });
	CHECK("foo\\ \n", { "foo ", false, I }, { "foo", false, N });
	CHECK("\\#hash\n", { "#hash", false, I });
	CHECK("\\!bang\n", { "!bang", false, I }, { "bang", false, N });
	CHECK("a\\*b\n", { "a*b", false, I }, { "axb", false, N });
	CHECK("!\n/\n", { "x", false, N }); /* empty rules are no-ops */
}

static void crlf_bom_and_no_final_newline(void **state)
{
	(void)state;
	CHECK("\xef\xbb\xbf*.a\r\n*.b\r\n*.c", { "x.a", false, I }, { "x.b", false, I }, { "x.c", false, I });
}

static void bad_rules_are_skipped_and_counted(void **state)
{
	struct gitignore gi;
	static const char text[] = "[abc\n*.o\n{x,y\n";

	(void)state;
	gitignore_init(&gi, 0);
	assert_int_equal(gitignore_parse(&gi, text, strlen(text)), 0);
	assert_int_equal(gi.bad, 2);
	assert_int_equal(gi.nrules, 1);
	assert_int_equal(gitignore_match(&gi, "a.o", 3, false), GI_IGNORE);
	gitignore_release(&gi);
}

static void casefold_flag(void **state)
{
	struct gitignore gi;

	(void)state;
	gitignore_init(&gi, GITIGNORE_CASEFOLD);
	assert_int_equal(gitignore_add_line(&gi, "*.LOG", 5), 0);
	assert_int_equal(gitignore_match(&gi, "x.log", 5, false), GI_IGNORE);
	gitignore_release(&gi);
	gitignore_init(&gi, 0);
	assert_int_equal(gitignore_add_line(&gi, "*.LOG", 5), 0);
	assert_int_equal(gitignore_match(&gi, "x.log", 5, false), GI_NONE);
	gitignore_release(&gi);
}

static void rule_count_is_capped(void **state)
{
	struct gitignore gi;
	char line[32];
	size_t i;
	int r = 0;

	(void)state;
	gitignore_init(&gi, 0);
	for (i = 0; i < GITIGNORE_MAX_RULES + 5 && r == 0; i++) {
		int n = snprintf(line, sizeof(line), "f%zu", i);

		r = gitignore_add_line(&gi, line, (size_t)n);
	}
	assert_int_equal(r, -CORDON_ETOOBIG);
	assert_int_equal(gi.nrules, GITIGNORE_MAX_RULES);
	assert_int_equal(gitignore_match(&gi, "f7", 2, false), GI_IGNORE);
	gitignore_release(&gi);
}

static void leading_dot_slash_in_paths_is_ignored(void **state)
{
	(void)state;
	CHECK("/a.c\n", { "./a.c", false, I });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unanchored_rules_match_at_any_depth),
		cmocka_unit_test(slash_anchors_to_the_file_directory),
		cmocka_unit_test(trailing_slash_is_directory_only),
		cmocka_unit_test(negation_and_last_match_wins),
		cmocka_unit_test(double_star_forms),
		cmocka_unit_test(comments_blank_lines_whitespace_and_escapes),
		cmocka_unit_test(crlf_bom_and_no_final_newline),
		cmocka_unit_test(bad_rules_are_skipped_and_counted),
		cmocka_unit_test(casefold_flag),
		cmocka_unit_test(rule_count_is_capped),
		cmocka_unit_test(leading_dot_slash_in_paths_is_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
