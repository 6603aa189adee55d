/* Unit tests for policy/rule and policy/pathmatch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <locale.h>

#include "policy/pathmatch.h"
#include "policy/rule.h"

static struct rule R(const char *text, enum rule_action a)
{
	struct rule r;
	struct cordon_diag d;

	assert_int_equal(rule_parse(&r, text, a, "test", NULL, &d), 0);
	return r;
}

static void parse_forms(void **state)
{
	static const struct {
		const char *text;
		enum rule_form form;
		const char *tool, *content, *norm;
	} cases[] = {
		{ "Bash", RULE_BARE, "Bash", NULL, "Bash" },
		{ "Bash(*)", RULE_BARE, "Bash", NULL, "Bash" },
		{ "Bash()", RULE_BARE, "Bash", NULL, "Bash" },
		{ "  Read  ", RULE_BARE, "Read", NULL, "Read" },
		{ "Bash(npm run build)", RULE_BASH_EXACT, "Bash", "npm run build", "Bash(npm run build)" },
		{ "Bash(npm run test:*)", RULE_BASH_PREFIX, "Bash", "npm run test", "Bash(npm run test:*)" },
		{ "Bash(git * main)", RULE_BASH_WILDCARD, "Bash", "git * main", "Bash(git * main)" },
		{ "Bash(echo \\*)", RULE_BASH_EXACT, "Bash", "echo *", "Bash(echo \\*)" },
		{ "Bash(a\\*b:*)", RULE_BASH_PREFIX, "Bash", "a*b", "Bash(a\\*b:*)" },
		{ "Bash(ls \\(x\\))", RULE_BASH_EXACT, "Bash", "ls (x)", "Bash(ls \\(x\\))" },
		{ "Read(./src/**)", RULE_PATH, "Read", "./src/**", "Read(./src/**)" },
		{ "Edit(//etc/x)", RULE_PATH, "Edit", "//etc/x", "Edit(//etc/x)" },
		{ "WebFetch(domain:Example.COM)", RULE_DOMAIN, "WebFetch", "example.com", "WebFetch(domain:example.com)" },
		{ "WebFetch(domain:*.example.com)", RULE_DOMAIN, "WebFetch", "*.example.com", NULL },
		/* Rule hosts take the spelling URL hosts get (rule_url_host()). */
		{ "WebFetch(domain:Example.COM.)", RULE_DOMAIN, "WebFetch", "example.com", "WebFetch(domain:example.com)" },
		{ "WebFetch(domain:*.Example.com..)", RULE_DOMAIN, "WebFetch", "*.example.com", NULL },
		{ "WebFetch(domain:[0:0::1])", RULE_DOMAIN, "WebFetch", "[::1]", "WebFetch(domain:[::1])" },
		{ "WebFetch(domain:[::FFFF:7f00:1])", RULE_DOMAIN, "WebFetch", "127.0.0.1", NULL },
		{ "WebFetch(domain:2130706433)", RULE_DOMAIN, "WebFetch", "127.0.0.1", "WebFetch(domain:127.0.0.1)" },
		{ "WebFetch(domain:xn--bcher-kva.de)", RULE_DOMAIN, "WebFetch", "xn--bcher-kva.de", NULL },
		{ "Agent(reviewer)", RULE_OTHER, "Agent", "reviewer", "Agent(reviewer)" },
		{ "mcp__github__create_issue", RULE_BARE, "mcp__github__create_issue", NULL, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rule r = R(cases[i].text, RULE_ALLOW);

		assert_int_equal(r.form, cases[i].form);
		assert_string_equal(r.tool, cases[i].tool);
		if (cases[i].content)
			assert_string_equal(r.content, cases[i].content);
		else if (cases[i].form == RULE_BARE)
			assert_null(r.content);
		if (cases[i].norm)
			assert_string_equal(r.text, cases[i].norm);
		assert_string_equal(r.source, "test");
		rule_release(&r);
	}
}

static void parse_errors(void **state)
{
	static const char *const bad[] = { "", "   ", "bash", "Bash(ls", "Bash(ls)x", "(ls)", "Ba sh", "Bash(\x01)",
					   "WebFetch(example.com)", "WebFetch(domain:)", "WebFetch(domain:a b)",
					   "WebFetch(domain:*x.com)", "mcp__", "1Read",
					   /* a port would be dropped and widen the rule; '.' is no host */
					   "WebFetch(domain:localhost:8080)", "WebFetch(domain:.)",
					   "WebFetch(domain:*..)", "WebFetch(domain:[::1)", "WebFetch(domain:[zz])",
					   "WebFetch(domain:b\xc3\xbc" "cher.de)" };
	struct cordon_diag d;
	struct rule r;
	size_t i;
	char *huge;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		diag_clear(&d);
		assert_int_equal(rule_parse(&r, bad[i], RULE_DENY, NULL, NULL, &d), -CORDON_EPARSE);
		assert_true(d.msg[0] != '\0');
	}
	huge = malloc(RULE_MAX_LEN + 10);
	assert_non_null(huge);
	memset(huge, 'a', RULE_MAX_LEN + 9);
	memcpy(huge, "Bash(", 5);
	huge[RULE_MAX_LEN + 8] = ')';
	huge[RULE_MAX_LEN + 9] = '\0';
	assert_int_equal(rule_parse(&r, huge, RULE_DENY, NULL, NULL, &d), -CORDON_ETOOBIG);
	free(huge);
}

static int collect(const char *item, size_t len, void *arg)
{
	char *out = arg;

	strncat(out, item, len);
	strcat(out, "|");
	return 0;
}

static void split_list(void **state)
{
	char out[256];

	(void)state;
	out[0] = '\0';
	assert_int_equal(rule_split_list("Read, Bash(git diff:*) Edit,,Bash(npm run build, x)", collect, out), 0);
	assert_string_equal(out, "Read|Bash(git diff:*)|Edit|Bash(npm run build, x)|");
	out[0] = '\0';
	assert_int_equal(rule_split_list("  \t", collect, out), 0);
	assert_string_equal(out, "");
	assert_int_equal(rule_split_list("Bash(a", collect, out), -CORDON_EPARSE);
	assert_int_equal(rule_split_list("Bash)a(", collect, out), -CORDON_EPARSE);
}

static void bash_matching(void **state)
{
	static const struct {
		const char *rule, *cmd;
		bool match;
	} cases[] = {
		{ "Bash(npm run build)", "npm run build", true },
		{ "Bash(npm run build)", "npm run build --prod", false },
		{ "Bash(npm run test:*)", "npm run test", true },
		{ "Bash(npm run test:*)", "npm run test --watch", true },
		{ "Bash(npm run test:*)", "npm run test:unit", false },
		{ "Bash(npm run test:*)", "npm run testing", false },
		{ "Bash(git:*)", "git status", true },
		{ "Bash(git:*)", "gitk", false },
		{ "Bash(git:*)", "git", true },
		{ "Bash(git * main)", "git push origin main", true },
		{ "Bash(git * main)", "git main", false },
		{ "Bash(git *)", "git", true },
		{ "Bash(git *)", "git log", true },
		{ "Bash(git *)", "gitk", false },
		{ "Bash(npm run test*)", "npm run test:unit", true },
		{ "Bash(echo \\*)", "echo *", true },
		{ "Bash(echo \\*)", "echo x", false },
		{ "Bash(a\\*b *)", "a*b c", true },
		{ "Bash(a\\*b *)", "axb c", false },
		{ "Bash(* --version)", "node --version", true },
		{ "Bash(*)", "anything at all", true },
		{ "Bash", "rm -rf /", true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rule r = R(cases[i].rule, RULE_ALLOW);

		if (rule_match_command(&r, cases[i].cmd) != cases[i].match)
			fail_msg("%s vs '%s': expected %d", cases[i].rule, cases[i].cmd, cases[i].match);
		rule_release(&r);
	}
}

static void path_matching(void **state)
{
	static const struct {
		const char *rule;
		enum rule_action a;
		const char *path;
		bool match;
	} cases[] = {
		{ "Read(./src/**)", RULE_DENY, "/p/src/a.c", true },
		{ "Read(./src/**)", RULE_DENY, "/p/src", true },
		{ "Read(./src/**)", RULE_DENY, "/p/srcx/a", false },
		{ "Read(src/**/*.ts)", RULE_DENY, "/p/src/a/b/c.ts", true },
		{ "Read(src/**/*.ts)", RULE_DENY, "/p/src/c.ts", true },
		{ "Read(src/**/*.ts)", RULE_DENY, "/p/src/c.js", false },
		{ "Read(//etc/passwd)", RULE_DENY, "/etc/passwd", true },
		{ "Read(//etc/*)", RULE_DENY, "/etc/ssh/sshd_config", true }, /* a directory match covers its contents */
		{ "Read(~/.ssh/**)", RULE_DENY, "/home/u/.ssh/id_rsa", true },
		{ "Read(~/.ssh/**)", RULE_DENY, "/root/.ssh/id_rsa", false },
		{ "Read(~)", RULE_DENY, "/home/u/x", true },
		{ "Edit(/docs/**)", RULE_DENY, "/p/docs/a.md", true },
		{ "Edit(/docs/**)", RULE_DENY, "/docs/a.md", false },
		{ "Read(*.env)", RULE_DENY, "/p/a/b/.x.env", true },
		{ "Read(*.env)", RULE_DENY, "/tmp/y.env", true },
		{ "Read(*.env)", RULE_ALLOW, "/tmp/y.env", false },
		{ "Read(*.env)", RULE_ALLOW, "/p/deep/y.env", true },
		{ "Read(.env)", RULE_DENY, "/p/.env", true },
		{ "Read(.env)", RULE_DENY, "/p/.envrc", false },
		{ "Read(secrets/)", RULE_DENY, "/p/x/secrets/k", true },
		{ "Read(./a/../b/**)", RULE_DENY, "/p/b/c", true },
		{ "Read(./[ab].txt)", RULE_DENY, "/p/a.txt", true },
		{ "Read(./[!ab].txt)", RULE_DENY, "/p/a.txt", false },
		{ "Read(./?.txt)", RULE_DENY, "/p/c.txt", true },
		{ "Read(./\\*.txt)", RULE_DENY, "/p/*.txt", true },
		{ "Read(./\\*.txt)", RULE_DENY, "/p/a.txt", false },
		{ "Read", RULE_DENY, "/anything", true },
		/* "//" is the file system's root, not the project's (found by fuzz_decide). */
		{ "Read(//)", RULE_DENY, "/", true },
		{ "Read(//)", RULE_DENY, "/etc/passwd", true },
		{ "Read(///)", RULE_DENY, "/etc/passwd", true },
		{ "Read(//etc/)", RULE_DENY, "/etc/passwd", true },
		{ "Read(/)", RULE_DENY, "/p/x", true },
		{ "Read(/)", RULE_DENY, "/etc/passwd", false },
		{ "Read(~/)", RULE_DENY, "/home/u/x", true },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rule r = R(cases[i].rule, cases[i].a);

		if (rule_match_path(&r, cases[i].path, "/p", "/home/u") != cases[i].match)
			fail_msg("%s (%s) vs '%s': expected %d", cases[i].rule, rule_action_name(cases[i].a),
				 cases[i].path, cases[i].match);
		rule_release(&r);
	}
}

static void path_rule_root(void **state)
{
	struct cordon_diag d;
	struct rule r;
	char pat[PATHMATCH_MAX + 1];

	(void)state;
	assert_int_equal(rule_parse(&r, "Edit(/x/**)", RULE_DENY, "user", "/home/u/.claude", &d), 0);
	assert_int_equal(rule_path_pattern(&r, "/p", "/home/u", pat, sizeof(pat)), 0);
	assert_string_equal(pat, "/home/u/.claude/x/**");
	rule_release(&r);
	assert_int_equal(rule_parse(&r, "Read(~/x)", RULE_DENY, NULL, NULL, &d), 0);
	assert_false(rule_match_path(&r, "/home/u/x", "/p", NULL));
	rule_release(&r);
}

static void governs_and_domains(void **state)
{
	struct rule r = R("Read(./x)", RULE_DENY), e = R("Edit(./x)", RULE_DENY), w = R("WebFetch(domain:*.ex.com)", RULE_ALLOW),
		    x = R("WebFetch(domain:ex.com)", RULE_ALLOW);

	(void)state;
	assert_true(rule_governs(&r, "Read"));
	assert_true(rule_governs(&r, "Grep"));
	assert_true(rule_governs(&r, "Glob"));
	assert_false(rule_governs(&r, "Edit"));
	assert_true(rule_governs(&e, "Write"));
	assert_true(rule_governs(&e, "Edit"));
	assert_false(rule_governs(&e, "Read"));
	assert_true(rule_match_domain(&w, "a.ex.com"));
	assert_true(rule_match_domain(&w, "a.b.ex.com"));
	assert_false(rule_match_domain(&w, "ex.com"));
	assert_false(rule_match_domain(&w, "badex.com"));
	assert_true(rule_match_domain(&x, "ex.com"));
	assert_false(rule_match_domain(&x, "a.ex.com"));
	rule_release(&r);
	rule_release(&e);
	rule_release(&w);
	rule_release(&x);
}

/*
 * URL hosts as libcurl parses them: the cases where a hand-written parser
 * and the fetch disagree. NULL: the URL cannot be checked (denied).
 */
static void url_hosts(void **state)
{
	static const struct {
		const char *url, *host;
	} cases[] = {
		{ "https://docs.example.com/a", "docs.example.com" },
		{ "HTTPS://DOCS.Example.COM./a", "docs.example.com" },
		{ "http://evil.com../", "evil.com" },
		{ "https://user:pw@evil.com:443/x", "evil.com" },
		{ "http://allowed.com@evil.com/", "evil.com" },
		{ "http://allowed.com:80@evil.com/", "evil.com" },
		/* A backslash ends the authority for the old parser, not for curl. */
		{ "http://allowed.com\\@evil.com/", "evil.com" },
		{ "http://evil.com#@allowed.com", "evil.com" },
		{ "https://allowed.com?@evil.com", "allowed.com" },
		{ "http://evil.com%2f@allowed.com/", "allowed.com" },
		{ "http://%65vil.com/", "evil.com" },
		{ "http://a%2eb.com/", "a.b.com" },
		{ "http:/evil.com/", "evil.com" },
		{ "http:///evil.com/", "evil.com" },
		/* IPv4 in every form curl accepts, as one dotted quad. */
		{ "http://0x7f.1/", "127.0.0.1" },
		{ "http://017700000001/", "127.0.0.1" },
		{ "http://2130706433/", "127.0.0.1" },
		{ "http://127.1/", "127.0.0.1" },
		{ "http://0/", "0.0.0.0" },
		/* IPv6: bracketed, inet_ntop()'s form, no zone; v4-mapped as IPv4. */
		{ "http://[::1]:8080/", "[::1]" },
		{ "http://[0:0:0:0:0:0:0:1]/", "[::1]" },
		{ "http://[FE80::1%25eth0]/", "[fe80::1]" },
		{ "http://[::FFFF:127.0.0.1]/", "127.0.0.1" },
		{ "http://[::ffff:7f00:1]/", "127.0.0.1" },
		{ "https://xn--bcher-kva.de/", "xn--bcher-kva.de" },
		{ "ftp://example.com/", NULL },
		{ "file:///etc/passwd", NULL },
		{ "javascript:alert(1)", NULL },
		{ "example.com", NULL },
		{ "//example.com/", NULL },
		{ "http://", NULL },
		{ "http://./", NULL },
		/* A name with a trailing dot that is an address without it: refused
		 * (found by fuzz_rules). */
		{ "http://0x7f./", NULL },
		{ "http://2130706433./", NULL },
		{ "http://a b.com/", NULL },
		{ "http://exa%00mple.com/", NULL },
		{ "http://[::1/", NULL },
		{ "http://evil.com:99999/", NULL },
		{ "", NULL },
	};
	char host[RULE_HOST_MAX + 1], *url;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = rule_url_host(cases[i].url, host, sizeof(host), &url);

		if (cases[i].host ? r != 0 || strcmp(host, cases[i].host) : r == 0)
			print_error("%s: got %d '%s'\n", cases[i].url, r, host);
		if (!cases[i].host) {
			assert_int_equal(r, -CORDON_EINVAL);
			assert_null(url);
			assert_string_equal(host, "");
			continue;
		}
		assert_int_equal(r, 0);
		assert_string_equal(host, cases[i].host);
		/* The rebuilt URL, the one a fetch would use, has the judged host. */
		{
			char again[RULE_HOST_MAX + 1], *url2;

			assert_non_null(url);
			assert_int_equal(rule_url_host(url, again, sizeof(again), &url2), 0);
			assert_string_equal(again, host);
			assert_string_equal(url2, url);
			free(url2);
		}
		free(url);
	}
	/* Too small a buffer is a refusal, never a cut host. */
	assert_int_equal(rule_url_host("http://example.com/", host, 4, NULL), -CORDON_EINVAL);
}

/*
 * Names that are not ASCII: punycode under a UTF-8 LC_CTYPE (the
 * fullwidth letters fold to ASCII, so they meet the rule for the ASCII
 * name); refused in the C locale, where libidn2 cannot convert them (and
 * the fetch could not either).
 */
static void url_hosts_idn(void **state)
{
	char host[RULE_HOST_MAX + 1];

	(void)state;
	assert_int_equal(rule_url_host("https://b\xc3\xbc" "cher.de/", host, sizeof(host), NULL), -CORDON_EINVAL);
	if (!setlocale(LC_CTYPE, "C.UTF-8")) {
		skip();
		return;
	}
	assert_int_equal(rule_url_host("https://B\xc3\x9c" "CHER.de./x", host, sizeof(host), NULL), 0);
	assert_string_equal(host, "xn--bcher-kva.de");
	/* U+FF25 U+FF36 U+FF29 U+FF2C: fullwidth "EVIL". */
	assert_int_equal(rule_url_host("https://\xef\xbc\xa5\xef\xbc\xb6\xef\xbc\xa9\xef\xbc\xac.com/", host,
				       sizeof(host), NULL),
			 0);
	assert_string_equal(host, "evil.com");
	setlocale(LC_CTYPE, "C");
}

static void normalize(void **state)
{
	static const struct {
		const char *in, *base, *out;
	} cases[] = {
		{ "/a/b/../c", NULL, "/a/c" },   { "/a/./b//c/", NULL, "/a/b/c" }, { "/../..", NULL, "/" },
		{ "x/y", "/p", "/p/x/y" },       { "../../..", "/p/q", "/" },     { ".", "/p", "/p" },
		{ "/a/b/..", NULL, "/a" },       { "a/../../b", "/p", "/b" },     { "/", NULL, "/" },
		{ "...", "/p", "/p/..." },       { "/a/..b", NULL, "/a/..b" },
	};
	char out[PATHMATCH_MAX + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(path_normalize(out, sizeof(out), cases[i].in, cases[i].base), 0);
		assert_string_equal(out, cases[i].out);
	}
	assert_int_equal(path_normalize(out, sizeof(out), "rel", NULL), -CORDON_EINVAL);
	assert_int_equal(path_normalize(out, sizeof(out), "", "/p"), -CORDON_EINVAL);
	assert_int_equal(path_normalize(out, 4, "/abcdef", NULL), -CORDON_ETOOBIG);
	assert_true(path_within("/p/a", "/p"));
	assert_true(path_within("/p", "/p"));
	assert_false(path_within("/pa", "/p"));
	assert_true(path_within("/x", "/"));
}

static void glob_segments(void **state)
{
	(void)state;
	assert_true(glob_match_path("/a/*/c", "/a/b/c", false));
	assert_false(glob_match_path("/a/*/c", "/a/b/x/c", false));
	assert_true(glob_match_path("/a/**/c", "/a/c", false));
	assert_true(glob_match_path("/a/**/c", "/a/b/x/c", false));
	assert_true(glob_match_path("/**", "/", false));
	assert_false(glob_match_path("/a/b", "/a/b/c", false));
	assert_true(glob_match_path("/a/b", "/a/b/c", true));
	assert_true(glob_match_segment("*.c", 3, "x.c", 3));
	assert_false(glob_match_segment("*.c", 3, "x.h", 3));
	assert_true(glob_match_segment("a*b*c", 5, "aXbYc", 5));
	assert_true(glob_match_segment("[", 1, "[", 1));
	assert_true(glob_match_segment("[a-c]x", 6, "bx", 2));
	/* Many stars against a long segment stays linear enough to finish. */
	assert_false(glob_match_segment("*a*a*a*a*a*a*a*a*b", 18,
					"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 52));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_forms),      cmocka_unit_test(parse_errors),     cmocka_unit_test(split_list),
		cmocka_unit_test(bash_matching),    cmocka_unit_test(path_matching),    cmocka_unit_test(path_rule_root),
		cmocka_unit_test(governs_and_domains), cmocka_unit_test(normalize),    cmocka_unit_test(glob_segments),
		cmocka_unit_test(url_hosts),        cmocka_unit_test(url_hosts_idn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
