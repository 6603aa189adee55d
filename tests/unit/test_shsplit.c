/* Unit tests for policy/shsplit: simple commands out of shell text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy/shsplit.h"

/*
 * Each case: the input and the expected commands as "depth:text" joined by
 * " | " (headers as "H:text"), or "!" followed by a piece of the error.
 */
static const struct {
	const char *in;
	const char *want;
} cases[] = {
	{ "ls", "0:ls" },
	{ "  ls   -la  ", "0:ls -la" },
	{ "git diff; rm -rf ~", "0:git diff | 0:rm -rf ~" },
	{ "a && b || c", "0:a | 0:b | 0:c" },
	{ "a | b |& c", "0:a | 0:b | 0:c" },
	{ "a & b", "0:a | 0:b" },
	{ "a\nb\n\nc", "0:a | 0:b | 0:c" },
	{ "echo \"a && b\"", "0:echo \"a && b\"" },
	{ "echo 'a; b'", "0:echo 'a; b'" },
	{ "echo a\\;b", "0:echo a\\;b" },
	{ "echo $(curl x)", "1:curl x | 0:echo $(curl x)" },
	{ "echo `id`", "1:id | 0:echo `id`" },
	{ "echo \"$(id) `whoami`\"", "1:id | 1:whoami | 0:echo \"$(id) `whoami`\"" },
	{ "a $(b $(c))", "2:c | 1:b $(c) | 0:a $(b $(c))" },
	{ "echo `ls \\`pwd\\``", "2:pwd | 1:ls `pwd` | 0:echo `ls \\`pwd\\``" },
	{ "(cd x && make) | tee log", "0:cd x | 0:make | 0:tee log" },
	{ "{ a; b; }", "0:a | 0:b" },
	{ "if a; then b; else c; fi", "0:a | 0:b | 0:c" },
	{ "while a; do b; done", "0:a | 0:b" },
	{ "for f in *.c $(ls); do cc $f; done", "1:ls | H:f in *.c $(ls) | 0:cc $f" },
	{ "! grep x f", "0:grep x f" },
	{ "FOO=1 BAR=\"a b\" make test", "0:make test" },
	{ "X=$(id)", "1:id | 0:" },
	{ "make > out.log 2>&1", "0:make" },
	{ "> file", "0:" },
	{ "cat < in > out", "0:cat" },
	{ "diff <(ls a) >(cat)", "1:ls a | 1:cat | 0:diff <(ls a) >(cat)" },
	{ "cat <<EOF\nhello\nEOF\nls", "0:cat | 0:ls" },
	{ "cat <<-'EOF'\n\thi $(x)\n\tEOF", "0:cat" },
	{ "cat <<EOF && ls\nbody\nEOF", "0:cat | 0:ls" },
	{ "ls # comment && rm", "0:ls" },
	{ "echo a#b", "0:echo a#b" },
	{ "ls \\\n -la", "0:ls -la" },
	{ "echo $((1 + (2*3)))", "0:echo $((1 + (2*3)))" },
	{ "echo $((echo hi) )", "1:echo hi | 0:echo $((echo hi) )" },
	{ "echo ${HOME:-/x}", "0:echo ${HOME:-/x}" },
	{ "$'a\\tb' x", "0:$'a\\tb' x" },
	{ "", "" },
	{ "\n\n", "" },
	{ "[ -f x ] && ls", "0:[ -f x ] | 0:ls" },
	{ "echo \"unterminated", "!unterminated double quote" },
	{ "echo 'x", "!unterminated single quote" },
	{ "echo $(ls", "!unterminated command substitution" },
	{ "echo `ls", "!unterminated backquote" },
	{ "echo ${x", "!unterminated parameter expansion" },
	{ "(ls", "!unbalanced '('" },
	{ "ls)", "!unbalanced ')'" },
	{ "{ ls", "!unbalanced '{'" },
	{ "}", "!unbalanced '}'" },
	{ "case x in a) ;; esac", "!unsupported shell syntax 'case'" },
	{ "f() { ls; }", "!function definition" },
	{ "function f { ls; }", "!unsupported shell syntax 'function'" },
	{ "[[ -f x ]]", "0:[[ -f x ]]" },
	{ "[[ -f x && $(id) < b ]] && ls", "1:id | 0:[[ -f x && $(id) < b ]] | 0:ls" },
	{ "[[ $x =~ ^(a|b)$ ]]", "0:[[ $x =~ ^ ( a | b ) $ ]]" },
	{ "[[ `id` ]]", "1:id | 0:[[ `id` ]]" },
	{ "[[ -f x\n || -d y ]]; ls", "0:[[ -f x || -d y ]] | 0:ls" },
	{ "[[ -f x", "!unterminated [[" },
	{ "(( i++ ))", "!'(( ))'" },
	{ "echo ${x:-$(id)}", "!command substitution inside ${...}" },
	{ "echo $((x[$(id)]))", "!command substitution inside an arithmetic expansion" },
	{ "cat <<EOF\n$(id)\nEOF", "!command substitution inside a here-document" },
	{ "cat <<EOF\nnever closed", "!delimiter 'EOF' never appears" },
	{ "cat <<EOF", "!has no body" },
	{ "ls >", "!redirection without a target" },
	{ "ls > ;", "!redirection without a target" },
	{ "echo a ;; b", "!';;'" },
};

static void build_summary(const struct sh_split *s, char *out, size_t size)
{
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < s->n && o < size; i++) {
		if (s->cmds[i].header)
			o += (size_t)snprintf(out + o, size - o, "%sH:%s", i ? " | " : "", s->cmds[i].text);
		else
			o += (size_t)snprintf(out + o, size - o, "%s%u:%s", i ? " | " : "", s->cmds[i].depth,
					      s->cmds[i].text);
	}
}

static void table(void **state)
{
	char got[1024];
	size_t i;
	int bad = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sh_split s;
		struct sh_error e;
		int r = sh_split(&s, cases[i].in, strlen(cases[i].in), &e);

		if (cases[i].want[0] == '!') {
			if (r != -CORDON_EPARSE || !strstr(e.msg, cases[i].want + 1)) {
				print_error("case %zu '%s': want error '%s', got %d '%s'\n", i, cases[i].in,
					    cases[i].want + 1, r, e.msg);
				bad++;
			}
		} else {
			build_summary(&s, got, sizeof(got));
			if (r != 0 || strcmp(got, cases[i].want)) {
				print_error("case %zu '%s': want '%s', got %d '%s' (%s)\n", i, cases[i].in,
					    cases[i].want, r, got, r ? e.msg : "");
				bad++;
			}
		}
		sh_split_release(&s);
	}
	assert_int_equal(bad, 0);
}

static void words_values_and_flags(void **state)
{
	const char *in = "A=1 \"g\"'i't --x=\"a b\" $HOME *.c ~/x {a,b} 'lit*' 2>err >>log <in";
	struct sh_split s;
	struct sh_error e;
	const struct sh_cmd *c;

	(void)state;
	assert_int_equal(sh_split(&s, in, strlen(in), &e), 0);
	assert_int_equal(s.n, 1);
	c = &s.cmds[0];
	assert_int_equal(c->nassigns, 1);
	assert_string_equal(c->assigns[0].raw, "A=1");
	assert_int_equal(c->nwords, 7);
	assert_string_equal(c->words[0].value, "git");
	assert_string_equal(c->words[0].raw, "\"g\"'i't");
	assert_true(c->words[0].flags & SHW_QUOTED);
	assert_string_equal(c->words[1].value, "--x=a b");
	assert_true(c->words[2].flags & SHW_EXPANSION);
	assert_true(c->words[3].flags & SHW_GLOB);
	assert_true(c->words[4].flags & SHW_TILDE);
	assert_true(c->words[5].flags & SHW_GLOB);
	assert_false(c->words[6].flags & SHW_GLOB);
	assert_string_equal(c->words[6].value, "lit*");
	assert_int_equal(c->nredirs, 3);
	assert_int_equal(c->redirs[0].fd, 2);
	assert_int_equal(c->redirs[0].op, SHR_OUT);
	assert_string_equal(c->redirs[0].target.value, "err");
	assert_int_equal(c->redirs[1].op, SHR_APPEND);
	assert_int_equal(c->redirs[2].op, SHR_IN);
	sh_split_release(&s);
}

static void redirection_kinds(void **state)
{
	const char *in = "a 2>&1 >& file &> all <<< str 3<> rw";
	struct sh_split s;
	struct sh_error e;
	const struct sh_cmd *c;

	(void)state;
	assert_int_equal(sh_split(&s, in, strlen(in), &e), 0);
	c = &s.cmds[0];
	assert_int_equal(c->nredirs, 5);
	assert_int_equal(c->redirs[0].op, SHR_DUP_OUT);
	assert_int_equal(c->redirs[1].op, SHR_OUT_ALL); /* >& file writes a file */
	assert_int_equal(c->redirs[2].op, SHR_OUT_ALL);
	assert_int_equal(c->redirs[3].op, SHR_HERESTRING);
	assert_int_equal(c->redirs[4].op, SHR_INOUT);
	assert_int_equal(c->redirs[4].fd, 3);
	sh_split_release(&s);
}

static void ceilings(void **state)
{
	struct sh_split s;
	struct sh_error e;
	char *big;
	size_t i, n;

	(void)state;
	/* NUL bytes */
	assert_int_equal(sh_split(&s, "ls\0rm", 5, &e), -CORDON_EPARSE);
	assert_int_equal(e.offset, 2);
	sh_split_release(&s);
	/* Too long */
	n = SH_MAX_INPUT + 1;
	big = malloc(n);
	assert_non_null(big);
	memset(big, 'a', n);
	assert_int_equal(sh_split(&s, big, n, &e), -CORDON_ETOOBIG);
	sh_split_release(&s);
	/* Too many commands */
	for (i = 0; i + 2 < n && i < 2 * (SH_MAX_CMDS + 5); i += 2) {
		big[i] = 'a';
		big[i + 1] = ';';
	}
	assert_int_equal(sh_split(&s, big, i, &e), -CORDON_ETOOBIG);
	assert_non_null(strstr(e.msg, "commands"));
	sh_split_release(&s);
	/* Nesting */
	n = 0;
	for (i = 0; i < SH_MAX_DEPTH + 2; i++)
		n += (size_t)sprintf(big + n, "$(");
	n += (size_t)sprintf(big + n, "x");
	for (i = 0; i < SH_MAX_DEPTH + 2; i++)
		big[n++] = ')';
	assert_int_equal(sh_split(&s, big, n, &e), -CORDON_EPARSE);
	assert_non_null(strstr(e.msg, "nested"));
	sh_split_release(&s);
	free(big);
}

static void assignments(void **state)
{
	(void)state;
	assert_true(sh_is_assignment("A=1"));
	assert_true(sh_is_assignment("_x9="));
	assert_true(sh_is_assignment("a[1]=x"));
	assert_true(sh_is_assignment("PATH+=:/x"));
	assert_false(sh_is_assignment("=x"));
	assert_false(sh_is_assignment("1A=x"));
	assert_false(sh_is_assignment("a-b=x"));
	assert_false(sh_is_assignment("ls"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table),
		cmocka_unit_test(words_values_and_flags),
		cmocka_unit_test(redirection_kinds),
		cmocka_unit_test(ceilings),
		cmocka_unit_test(assignments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
