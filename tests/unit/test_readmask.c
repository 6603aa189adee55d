/* Unit tests for policy/readmask: the Read deny paths a mount view can hide. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy/pathmatch.h"
#include "policy/readmask.h"

static void literal_patterns(void **state)
{
	static const struct {
		const char *pattern, *path; /* path NULL: no mount can hide it */
	} cases[] = {
		{ "/p/.env", "/p/.env" },
		{ "/p/secrets/**", "/p/secrets" },
		{ "/p/secrets/*", "/p/secrets" },
		{ "/p/secrets/**/*", "/p/secrets" },
		{ "/p/secrets/*/**", "/p/secrets" },
		{ "/home/u/.ssh", "/home/u/.ssh" },
		{ "/etc/ssl/private/k.pem", "/etc/ssl/private/k.pem" },
		{ "/p/a\\*b", "/p/a*b" },
		{ "/p/\\[x]/**", "/p/[x]" },
		{ "/p/a b/c", "/p/a b/c" },
		{ "/**/.env", NULL },
		{ "/**/*.pem", NULL },
		{ "/p/*/secret", NULL },
		{ "/p/src/*.key", NULL },
		{ "/p/x?", NULL },
		{ "/p/[ab]/k", NULL },
		{ "/p/secrets/**/k", NULL },
		{ "/p/s*/**", NULL },
		{ "/**", "/" },
		{ "/*", "/" },
		{ "/", "/" },
		{ "p/x", NULL },
		{ "/p/x\\", NULL },
	};
	char out[PATHMATCH_MAX + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = read_mask_literal(cases[i].pattern, out, sizeof(out));

		if (r != (cases[i].path ? 1 : 0) || (r == 1 && strcmp(out, cases[i].path)))
			fail_msg("'%s': got %d '%s'", cases[i].pattern, r, r == 1 ? out : "");
	}
	assert_int_equal(read_mask_literal("/p/.env", out, 4), -CORDON_ETOOBIG);
}

struct warned {
	int n;
	char last[CORDON_DIAG_MSG];
};

static void on_warn(const struct cordon_diag *w, void *arg)
{
	struct warned *ws = arg;

	ws->n++;
	snprintf(ws->last, sizeof(ws->last), "%s", w->msg);
}

static void build_from_policy(void **state)
{
	struct policy_ctx ctx = { .cwd = "/proj/src", .project_root = "/proj", .home = "/proj/h" };
	struct cordon_diag d;
	struct read_mask m;
	struct policy p;
	struct warned ws = { 0 };

	(void)state;
	policy_init(&p);
	assert_int_equal(policy_add_rules(&p,
					  "Read(./secrets/**) Read(./.env) Read(*.pem) Read(~/.ssh/) "
					  "Read(//etc/shadow) "
					  "Read(./secrets/) Read(./src/*/key) Read(//proj/../proj/**) Read(//**) Read",
					  RULE_DENY, "test", NULL, &d),
			 0);
	/* Not Read deny path rules: left alone. */
	assert_int_equal(policy_add_rules(&p, "Read(./public/**) Edit(./locked/**)", RULE_ALLOW, "test", NULL, &d), 0);
	assert_int_equal(policy_add_rules(&p, "Read(./private/**) Grep(./g/**)", RULE_ASK, "test", NULL, &d), 0);
	assert_int_equal(policy_add_rules(&p, "Edit(./out/**) Grep(./g2/**)", RULE_DENY, "test", NULL, &d), 0);
	read_mask_init(&m);
	assert_int_equal(read_mask_build(&m, &p, &ctx, on_warn, &ws), 0);
	assert_int_equal(m.paths.n, 4);
	/* Anchored on the project root (not the cwd), distinct, in rule order. */
	assert_string_equal(m.paths.v[0], "/proj/secrets");
	assert_string_equal(m.paths.v[1], "/proj/.env");
	assert_string_equal(m.paths.v[2], "/proj/h/.ssh");
	assert_string_equal(m.paths.v[3], "/etc/shadow");
	assert_int_equal(m.unmaskable.n, 4);
	assert_string_equal(m.unmaskable.v[0], "Read(*.pem)");
	assert_string_equal(m.unmaskable.v[1], "Read(./src/*/key)");
	assert_string_equal(m.unmaskable.v[2], "Read(//proj/../proj/**)");
	assert_string_equal(m.unmaskable.v[3], "Read(//**)");
	assert_int_equal(ws.n, 4);
	assert_non_null(strstr(ws.last, "Read deny rule Read(//**) (from test) covers the whole project: commands in "
					"the sandbox (Bash) can still read what it covers"));
	read_mask_release(&m);

	/* `~` rules without a home never match: nothing to hide, nothing to say. */
	ctx.home = NULL;
	ws.n = 0;
	read_mask_init(&m);
	assert_int_equal(read_mask_build(&m, &p, &ctx, NULL, NULL), 0);
	assert_int_equal(m.paths.n, 3);
	assert_false(strvec_has(&m.paths, "/proj/h/.ssh"));
	read_mask_release(&m);

	ctx.cwd = ctx.project_root = "relative";
	read_mask_init(&m);
	assert_int_equal(read_mask_build(&m, &p, &ctx, NULL, NULL), -CORDON_EINVAL);
	assert_int_equal(m.paths.n, 0);
	read_mask_release(&m);
	policy_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(literal_patterns),
		cmocka_unit_test(build_from_policy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
