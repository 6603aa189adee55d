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
	assert_int_equal(json_array_size(json_object_get(j, "tools_enabled")), 7);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tools_enabled),
		cmocka_unit_test(mode_priority),
		cmocka_unit_test(settings_copied),
		cmocka_unit_test(read_denied_for_search_tools),
		cmocka_unit_test(bad_rules_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
