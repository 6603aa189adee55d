/* Unit tests for policy/policy: building the policy from its sources. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy/agentfile.h"
#include "policy/pathmatch.h"
#include "policy/policy.h"
#include "policy/settings.h"

static void agent(struct policy *p, const char *text)
{
	struct agent_file af;
	struct cordon_diag d;

	assert_int_equal(agentfile_parse(&af, text, strlen(text), "a.md", &d), 0);
	assert_int_equal(policy_apply_agent(p, &af, &d), 0);
	agentfile_release(&af);
}

static void tools_enabled(void **state)
{
	struct policy p;
	struct cordon_diag d;

	(void)state;
	policy_init(&p);
	assert_true(policy_tool_enabled(&p, "Read"));
	assert_true(policy_tool_enabled(&p, "TodoWrite"));
	assert_false(policy_tool_enabled(&p, "NotebookEdit"));
	assert_false(policy_tool_enabled(&p, "read"));
	assert_false(policy_tool_enabled(&p, NULL));
	policy_release(&p);

	policy_init(&p);
	agent(&p, "---\nname: a\ndescription: d\ntools: Read, Bash(git:*)\n---\n");
	assert_true(policy_tool_enabled(&p, "Read"));
	assert_true(policy_tool_enabled(&p, "Bash"));
	assert_false(policy_tool_enabled(&p, "Grep"));
	assert_int_equal(p.ntool_limits, 1);
	assert_int_equal(p.nrules, 1);
	assert_string_equal(p.rules[0].source, "agent a.md");
	/* A bare deny from the command line takes a listed tool away. */
	assert_int_equal(policy_add_rules(&p, "Read", RULE_DENY, "--disallowedTools", NULL, &d), 0);
	assert_false(policy_tool_enabled(&p, "Read"));
	policy_release(&p);

	policy_init(&p);
	agent(&p, "---\nname: a\ndescription: d\ntools: \"\"\n---\n");
	assert_false(policy_tool_enabled(&p, "Read"));
	policy_release(&p);

	policy_init(&p);
	agent(&p, "---\nname: a\ndescription: d\ndisallowedTools: \"*\"\n---\n");
	assert_false(policy_tool_enabled(&p, "Bash"));
	assert_false(policy_tool_enabled(&p, "Read"));
	policy_release(&p);

	policy_init(&p);
	agent(&p, "---\nname: a\ndescription: d\ndisallowedTools: Write, Bash(rm:*)\n---\n");
	assert_false(policy_tool_enabled(&p, "Write"));
	assert_true(policy_tool_enabled(&p, "Bash"));
	assert_int_equal(p.nrules, 2);
	assert_int_equal(p.rules[1].action, RULE_DENY);
	policy_release(&p);
}

static void mode_priority(void **state)
{
	static const struct settings_origin o = { "s.json", SETTINGS_PROJECT, "/p", NULL };
	static const char doc[] = "{\"permissions\":{\"defaultMode\":\"plan\",\"disableBypassPermissionsMode\":\"disable\"}}";
	struct settings s;
	struct policy p;
	struct cordon_diag d;

	(void)state;
	settings_init(&s);
	assert_int_equal(settings_parse(&s, doc, strlen(doc), &o, &d), 0);
	policy_init(&p);
	/* The agent's mode beats settings, whatever the order of application. */
	agent(&p, "---\nname: a\ndescription: d\npermissionMode: acceptEdits\n---\n");
	assert_int_equal(policy_apply_settings(&p, &s, &d), 0);
	assert_int_equal(policy_mode(&p), PERM_ACCEPT_EDITS);
	assert_int_equal(policy_set_mode(&p, PERM_BYPASS, POLICY_SRC_CLI, "--permission-mode"), 0);
	assert_int_equal(p.mode, PERM_BYPASS);
	/* ... and bypass is refused when settings disable it. */
	assert_int_equal(policy_mode(&p), PERM_DEFAULT);
	assert_int_equal(policy_set_mode(&p, PERM_PLAN, POLICY_SRC_SETTINGS, "late"), 0);
	assert_int_equal(p.mode, PERM_BYPASS);
	policy_release(&p);

	policy_init(&p);
	assert_int_equal(policy_apply_settings(&p, &s, &d), 0);
	assert_int_equal(policy_mode(&p), PERM_PLAN);
	assert_string_equal(p.mode_origin, "settings defaultMode");
	assert_int_equal(policy_set_mode(&p, PERM_AUTO, POLICY_SRC_CLI, "cli"), 0);
	assert_int_equal(policy_mode(&p), PERM_DEFAULT);
	policy_release(&p);
	settings_release(&s);
}

static void settings_copied(void **state)
{
	static const struct settings_origin o = { "s.json", SETTINGS_PROJECT, "/p", NULL };
	static const char doc[] = "{\"permissions\":{\"allow\":[\"Bash(make:*)\"],\"deny\":[\"WebFetch\"],"
				  "\"additionalDirectories\":[\"/shared\"]},"
				  "\"sandbox\":{\"require\":[\"landlock\"],\"network\":{\"allowedDomains\":[]},"
				  "\"limits\":{\"pids\":7},\"approvalHook\":\"hook\"}}";
	struct settings s;
	struct policy p;
	struct cordon_diag d;
	json_t *j;

	(void)state;
	settings_init(&s);
	assert_int_equal(settings_parse(&s, doc, strlen(doc), &o, &d), 0);
	policy_init(&p);
	assert_int_equal(policy_apply_settings(&p, &s, &d), 0);
	settings_release(&s); /* the policy owns its copies */
	assert_int_equal(p.nrules, 2);
	assert_false(policy_tool_enabled(&p, "WebFetch"));
	assert_int_equal(p.additional_dirs.n, 1);
	assert_true(p.network_set);
	assert_int_equal(p.allowed_domains.n, 0);
	assert_int_equal(p.limits.pids, 7);
	assert_int_equal(p.limits.memory_mb, -1);
	assert_string_equal(p.approval_hook, "hook");

	j = policy_to_json(&p);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "allow")), 1);
	assert_int_equal(json_array_size(json_object_get(j, "deny")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "allow"), 0), "rule")),
			    "Bash(make:*)");
	/* Every builtin but WebFetch: TaskOutput and TaskStop come with Bash. */
	assert_int_equal(json_array_size(json_object_get(j, "tools_enabled")), 9);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(j, "sandbox"), "limits"),
							    "pids")),
			 7);
	assert_true(json_is_null(json_object_get(json_object_get(json_object_get(j, "sandbox"), "limits"), "memoryMB")));
	json_decref(j);
	policy_release(&p);
}

static void read_denied_for_search_tools(void **state)
{
	struct policy_ctx ctx = { .cwd = "/p/sub", .project_root = "/p", .home = "/h" };
	const struct rule *r = NULL;
	struct policy p;
	struct cordon_diag d;

	(void)state;
	policy_init(&p);
	assert_int_equal(policy_add_rules(&p, "Read(./.env) Read(~/.aws/**)", RULE_DENY, "t", NULL, &d), 0);
	assert_true(policy_read_denied(&p, "Grep", "/p/.env", &ctx, &r));
	assert_non_null(r);
	assert_string_equal(r->text, "Read(./.env)");
	assert_true(policy_read_denied(&p, "Glob", "/h/.aws/credentials", &ctx, NULL));
	assert_false(policy_read_denied(&p, "Grep", "/p/sub/.env", &ctx, NULL));
	assert_false(policy_read_denied(&p, "Edit", "/p/.env", &ctx, NULL));
	policy_release(&p);
}

static void assert_patterns(const json_t *arr, const char *const *want, size_t n)
{
	size_t i;

	assert_non_null(arr);
	if (json_array_size(arr) != n)
		fail_msg("got %zu patterns, want %zu: %s", json_array_size(arr), n, json_dumps(arr, JSON_COMPACT));
	for (i = 0; i < n; i++)
		assert_string_equal(json_string_value(json_array_get(arr, i)), want[i]);
}

/* The deny patterns a search child filters with: anchored, deduplicated, deny rules only. */
static void read_deny_patterns_anchored(void **state)
{
	static const char *const glob_want[] = { "/p/secrets/**", "/**/*.env", "/etc/**", "/h/.aws/**", "/s/cfg" };
	static const char *const edit_want[] = { "/p/src/**" };
	struct policy_ctx ctx = { .cwd = "/p/sub", .project_root = "/p", .home = "/h" };
	struct policy_ctx nohome = { .cwd = "/p", .project_root = "/p/", .home = NULL };
	struct policy p;
	struct cordon_diag d;
	json_t *a = NULL;

	(void)state;
	policy_init(&p);
	assert_int_equal(policy_add_rules(&p, "Read(./secrets/**) Read(*.env) Read(//etc/**) Read(~/.aws/**) "
					  "Edit(./src/**) Bash(rm:*) Read(secrets/**) Grep(./secrets)",
					  RULE_DENY, "t", NULL, &d), 0);
	assert_int_equal(policy_add_rules(&p, "Read(/cfg/)", RULE_DENY, "settings /s/x.json", "/s", &d), 0);
	assert_int_equal(policy_add_rules(&p, "Read(./ok/**)", RULE_ALLOW, "t", NULL, &d), 0);
	assert_int_equal(policy_add_rules(&p, "Read(./asked/**)", RULE_ASK, "t", NULL, &d), 0);

	assert_int_equal(policy_read_deny_patterns(&p, "Grep", &ctx, &a), 0);
	/* Grep(./secrets) governs Grep only: it is there for Grep, not for Glob. */
	{
		static const char *const g2[] = { "/p/secrets/**", "/**/*.env", "/etc/**", "/h/.aws/**", "/p/secrets",
						  "/s/cfg" };

		assert_patterns(a, g2, 6);
	}
	json_decref(a);
	assert_int_equal(policy_read_deny_patterns(&p, "Glob", &ctx, &a), 0);
	assert_patterns(a, glob_want, 5);
	json_decref(a);
	assert_int_equal(policy_read_deny_patterns(&p, "Edit", &ctx, &a), 0);
	assert_patterns(a, edit_want, 1);
	json_decref(a);
	assert_int_equal(policy_read_deny_patterns(&p, "WebFetch", &ctx, &a), 0);
	assert_patterns(a, NULL, 0);
	json_decref(a);
	/* No home: `~` rules cannot be anchored and never match, so they are left out. */
	assert_int_equal(policy_read_deny_patterns(&p, "Glob", &nohome, &a), 0);
	{
		static const char *const g3[] = { "/p/secrets/**", "/**/*.env", "/etc/**", "/s/cfg" };

		assert_patterns(a, g3, 4);
	}
	json_decref(a);

	/* A pattern that cannot travel as a JSON string fails: never an empty list. */
	{
		struct policy_ctx bad = { .cwd = "/p\xff", .project_root = "/p\xff", .home = NULL };

		a = NULL;
		assert_int_equal(policy_read_deny_patterns(&p, "Grep", &bad, &a), -CORDON_EINVAL);
		assert_null(a);
	}
	policy_release(&p);
	policy_init(&p);
	assert_int_equal(policy_add_rules(&p, "Read(//a/*)", RULE_DENY, "t", NULL, &d), 0);
	assert_int_equal(policy_add_rules(&p, "Read(//a/b\xc3)", RULE_DENY, "t", NULL, &d), 0);
	assert_int_equal(policy_read_deny_patterns(&p, "Grep", &ctx, &a), -CORDON_EINVAL);
	assert_null(a);
	policy_release(&p);

	/* A pattern too long to anchor fails too: the search is refused, not run without it. */
	{
		char rule[4100], root[300];
		struct policy_ctx deep = { .cwd = root, .project_root = root, .home = NULL };

		memset(root, 'r', sizeof(root) - 1);
		root[0] = '/';
		root[sizeof(root) - 1] = '\0';
		memcpy(rule, "Read(./", 7);
		memset(rule + 7, 'x', 4000);
		memcpy(rule + 4007, ")", 2);
		policy_init(&p);
		assert_int_equal(policy_add_rules(&p, rule, RULE_DENY, "t", NULL, &d), 0);
		assert_int_equal(policy_read_deny_patterns(&p, "Glob", &ctx, &a), 0);
		assert_int_equal(json_array_size(a), 1);
		json_decref(a);
		a = NULL;
		assert_int_equal(policy_read_deny_patterns(&p, "Glob", &deep, &a), -CORDON_ETOOBIG);
		assert_null(a);
		policy_release(&p);
	}

	/* A bare deny of the tool covers every path. */
	policy_init(&p);
	assert_int_equal(policy_add_rules(&p, "Grep", RULE_DENY, "t", NULL, &d), 0);
	assert_int_equal(policy_read_deny_patterns(&p, "Grep", &ctx, &a), 0);
	{
		static const char *const all[] = { "/**" };

		assert_patterns(a, all, 1);
	}
	json_decref(a);
	assert_int_equal(policy_read_deny_patterns(&p, "Glob", &ctx, &a), 0);
	assert_patterns(a, NULL, 0);
	json_decref(a);
	policy_release(&p);
}

/* Filtering a walk with the patterns hides exactly what policy_read_denied() denies. */
static void read_deny_patterns_agree_with_decision(void **state)
{
	static const char *const paths[] = {
		"/p", "/p/secrets", "/p/secrets/key.txt", "/p/secretsx", "/p/a/b/.env", "/p/a/b/.envrc", "/.env",
		"/etc", "/etc/passwd", "/h/.aws", "/h/.aws/credentials", "/h/.awsx", "/p/sub/secrets/k",
		"/p/docs/x.key", "/p/docs/y.key/z", "/s/cfg/inner", "/s/cfgx", "/tmp/z.env", "/p/ok/a.env",
	};
	struct policy_ctx ctx = { .cwd = "/p/sub", .project_root = "/p", .home = "/h" };
	struct policy p;
	struct cordon_diag d;
	json_t *a = NULL, *v;
	size_t i, k;

	(void)state;
	policy_init(&p);
	assert_int_equal(policy_add_rules(&p, "Read(./secrets/**) Read(*.env) Read(//etc/**) Read(~/.aws) "
					  "Read(docs/*.key)",
					  RULE_DENY, "t", NULL, &d), 0);
	assert_int_equal(policy_add_rules(&p, "Read(/cfg/**)", RULE_DENY, "s", "/s", &d), 0);
	assert_int_equal(policy_add_rules(&p, "Read(./ok/**)", RULE_ALLOW, "t", NULL, &d), 0);
	assert_int_equal(policy_read_deny_patterns(&p, "Grep", &ctx, &a), 0);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		bool hit = false;

		json_array_foreach(a, k, v)
			hit |= glob_match_path(json_string_value(v), paths[i], true);
		if (hit != policy_read_denied(&p, "Grep", paths[i], &ctx, NULL))
			fail_msg("'%s': patterns say %d, policy_read_denied says %d", paths[i], hit, !hit);
	}
	/* And the cases the test is about do go both ways. */
	assert_true(policy_read_denied(&p, "Grep", "/p/a/b/.env", &ctx, NULL));
	assert_false(policy_read_denied(&p, "Grep", "/p/secretsx", &ctx, NULL));
	json_decref(a);
	policy_release(&p);
}

static void bad_rules_rejected(void **state)
{
	struct policy p;
	struct cordon_diag d;

	(void)state;
	policy_init(&p);
	diag_clear(&d);
	assert_int_equal(policy_add_rules(&p, "Read bash(x)", RULE_DENY, "t", NULL, &d), -CORDON_EPARSE);
	assert_true(d.msg[0] != '\0');
	assert_int_equal(policy_add_rules(&p, "Bash(x", RULE_DENY, "t", NULL, &d), -CORDON_EPARSE);
	assert_int_equal(policy_add_dir(&p, "relative"), -CORDON_EINVAL);
	policy_release(&p);
}

/* cordon's headless default: declared tools run inside the working directories. */
static void sandbox_mode_decisions(void **state)
{
	static const struct {
		const char *tool, *input;
		enum policy_verdict want;
	} rows[] = {
		{ "Write", "{\"file_path\":\"src/a.c\",\"content\":\"x\"}", POLICY_ALLOW },
		{ "Edit", "{\"file_path\":\"/p/src/a.c\",\"old_string\":\"a\",\"new_string\":\"b\"}", POLICY_ALLOW },
		{ "Write", "{\"file_path\":\"/etc/passwd\",\"content\":\"x\"}", POLICY_DENY },
		{ "Write", "{\"file_path\":\".git/config\",\"content\":\"x\"}", POLICY_DENY },
		{ "Write", "{\"file_path\":\"src/gen/x.c\",\"content\":\"x\"}", POLICY_DENY },
		{ "Bash", "{\"command\":\"make test\"}", POLICY_ALLOW },
		{ "Bash", "{\"command\":\"$CC -o x x.c && ./x\"}", POLICY_ALLOW },
		{ "Bash", "{\"command\":\"echo x > ~/.bashrc\"}", POLICY_DENY },
		{ "Bash", "{\"command\":\"echo x > /tmp/../etc/x\"}", POLICY_DENY },
		{ "Bash", "{\"command\":\"curl x\"}", POLICY_DENY },
		{ "Bash", "{\"command\":\"echo $(curl x)\"}", POLICY_DENY },
		{ "Read", "{\"file_path\":\"/etc/hostname\"}", POLICY_DENY },
		{ "Read", "{\"file_path\":\"src/a.c\"}", POLICY_ALLOW },
		{ "WebFetch", "{\"url\":\"https://docs.example.com/x\",\"prompt\":\"p\"}", POLICY_ALLOW },
		{ "WebFetch", "{\"url\":\"https://evil.com/x\",\"prompt\":\"p\"}", POLICY_DENY },
	};
	struct policy_ctx ctx = { .cwd = "/p", .project_root = "/p", .home = "/home/u" };
	struct policy_decision *dec = malloc(sizeof(*dec));
	struct cordon_diag d;
	struct policy p;
	size_t i;

	(void)state;
	policy_init(&p);
	assert_int_equal(policy_set_mode(&p, PERM_SANDBOX, POLICY_SRC_NONE, "test"), 0);
	assert_int_equal(policy_add_rules(&p, "Bash(curl:*) Edit(./src/gen/**) WebFetch(domain:evil.com)", RULE_DENY,
					  "test", NULL, &d),
			 0);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		json_t *in = json_loads(rows[i].input, 0, NULL);

		assert_non_null(in);
		if (policy_decide(&p, rows[i].tool, in, &ctx, dec) != rows[i].want)
			fail_msg("%s %s: got %s (%s)", rows[i].tool, rows[i].input, policy_verdict_name(dec->verdict),
				 dec->reason);
		json_decref(in);
	}
	/* The same calls in Claude Code's strict mode need approval. */
	assert_int_equal(policy_set_mode(&p, PERM_DEFAULT, POLICY_SRC_CLI, "test"), 0);
	{
		json_t *in = json_loads(rows[0].input, 0, NULL);

		assert_int_equal(policy_decide(&p, "Write", in, &ctx, dec), POLICY_DENY);
		json_decref(in);
	}
	free(dec);
	policy_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tools_enabled),
		cmocka_unit_test(mode_priority),
		cmocka_unit_test(settings_copied),
		cmocka_unit_test(read_denied_for_search_tools),
		cmocka_unit_test(read_deny_patterns_anchored),
		cmocka_unit_test(read_deny_patterns_agree_with_decision),
		cmocka_unit_test(bad_rules_rejected),
		cmocka_unit_test(sandbox_mode_decisions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
