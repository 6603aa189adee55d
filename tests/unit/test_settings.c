/* Unit tests for policy/settings: parsing, merging, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy/settings.h"

static const struct settings_origin project = { "/p/.claude/settings.json", SETTINGS_PROJECT, "/p", "/home/u" };
static const struct settings_origin user = { "/home/u/.claude/settings.json", SETTINGS_USER, "/home/u/.claude",
					     "/home/u" };
static const struct settings_origin local = { "/p/.claude/settings.local.json", SETTINGS_LOCAL, "/p", "/home/u" };
static const struct settings_origin cli = { "/etc/x/extra.json", SETTINGS_CLI, "/etc/x", "/home/u" };

static int parse(struct settings *s, const char *json, const struct settings_origin *o, struct cordon_diag *d)
{
	return settings_parse(s, json, strlen(json), o, d);
}

static void full_document(void **state)
{
	struct settings s;
	struct cordon_diag d;

	(void)state;
	settings_init(&s);
	assert_int_equal(parse(&s,
			       "{\"permissions\":{\"allow\":[\"Bash(npm run test:*)\",\"Edit(/src/**)\"],"
			       "\"ask\":[\"Bash(git push:*)\"],\"deny\":[\"Read(./.env)\",\"WebFetch\"],"
			       "\"additionalDirectories\":[\"../lib\",\"~/shared\",\"/abs\"],\"defaultMode\":\"acceptEdits\","
			       "\"disableBypassPermissionsMode\":\"disable\"},"
			       "\"sandbox\":{\"require\":[\"namespaces\",\"landlock\",\"seccomp\",\"cgroup\"],"
			       "\"network\":{\"allowedDomains\":[\"Registry.NPMjs.org\",\"*.github.com\"]},"
			       "\"limits\":{\"timeoutSeconds\":600,\"memoryMB\":2048,\"pids\":256,\"outputBytes\":1048576},"
			       "\"approvalHook\":\"/usr/bin/approve\"},"
			       "\"model\":\"opus\",\"env\":{\"X\":\"1\"}}",
			       &project, &d),
			 0);
	assert_int_equal(s.nrules, 5);
	assert_int_equal(s.rules[0].action, RULE_ALLOW);
	assert_int_equal(s.rules[0].form, RULE_BASH_PREFIX);
	assert_string_equal(s.rules[2].text, "Bash(git push:*)");
	assert_int_equal(s.rules[2].action, RULE_ASK);
	assert_int_equal(s.rules[4].action, RULE_DENY);
	assert_string_equal(s.rules[3].source, "project settings /p/.claude/settings.json");
	assert_int_equal(s.additional_dirs.n, 3);
	assert_string_equal(s.additional_dirs.v[0], "/lib");
	assert_string_equal(s.additional_dirs.v[1], "/home/u/shared");
	assert_string_equal(s.additional_dirs.v[2], "/abs");
	assert_int_equal(s.default_mode, PERM_ACCEPT_EDITS);
	assert_true(s.disable_bypass);
	assert_int_equal(s.sandbox_require.n, 4);
	assert_string_equal(s.sandbox_require.v[1], "landlock");
	assert_true(s.network_set);
	assert_string_equal(s.allowed_domains.v[0], "registry.npmjs.org");
	assert_string_equal(s.allowed_domains.v[1], "*.github.com");
	assert_int_equal(s.limits.timeout_seconds, 600);
	assert_int_equal(s.limits.memory_mb, 2048);
	assert_int_equal(s.limits.pids, 256);
	assert_int_equal(s.limits.output_bytes, 1048576);
	assert_string_equal(s.approval_hook, "/usr/bin/approve");
	assert_int_equal(s.nwarnings, 0);
	assert_int_equal(s.files.n, 1);
	settings_release(&s);
}

static void arrays_merge_scalars_follow_priority(void **state)
{
	struct settings s;
	struct cordon_diag d;

	(void)state;
	settings_init(&s);
	/* Project first, then user: user is lower, its scalars must not win. */
	assert_int_equal(parse(&s, "{\"permissions\":{\"allow\":[\"Read\"],\"defaultMode\":\"plan\"},"
				   "\"sandbox\":{\"limits\":{\"pids\":10},\"require\":[\"landlock\"]}}",
			       &project, &d),
			 0);
	assert_int_equal(parse(&s, "{\"permissions\":{\"allow\":[\"Grep\"],\"deny\":[\"Bash\"],\"defaultMode\":\"dontAsk\"},"
				   "\"sandbox\":{\"limits\":{\"pids\":99,\"memoryMB\":5},\"require\":[\"landlock\",\"seccomp\"]}}",
			       &user, &d),
			 0);
	assert_int_equal(s.nrules, 3);
	assert_int_equal(s.default_mode, PERM_PLAN);
	assert_int_equal(s.limits.pids, 10);
	assert_int_equal(s.limits.memory_mb, 5); /* only the user set it */
	assert_int_equal(s.sandbox_require.n, 2);
	/* Local is higher than project. */
	assert_int_equal(parse(&s, "{\"permissions\":{\"defaultMode\":\"acceptEdits\"}}", &local, &d), 0);
	assert_int_equal(s.default_mode, PERM_ACCEPT_EDITS);
	/* --settings is higher still; its '/p' rules anchor at its own directory. */
	assert_int_equal(parse(&s, "{\"permissions\":{\"deny\":[\"Edit(/x/**)\"],\"defaultMode\":\"default\"}}", &cli, &d), 0);
	assert_int_equal(s.default_mode, PERM_DEFAULT);
	assert_string_equal(s.rules[3].root, "/etc/x");
	assert_null(s.rules[0].root);
	assert_int_equal(s.files.n, 4);
	settings_release(&s);
}

static void errors_name_the_path(void **state)
{
	struct settings s;
	struct cordon_diag d;

	(void)state;
	settings_init(&s);
	assert_int_equal(parse(&s, "{\"permissions\":{\"allow\":[\"Read\", 3]}}", &project, &d), -CORDON_EPARSE);
	assert_non_null(strstr(d.msg, "permissions.allow[1] must be a string"));
	assert_string_equal(d.file, project.file);
	assert_int_equal(parse(&s, "{\"permissions\":{\"deny\":\"Read\"}}", &project, &d), -CORDON_EPARSE);
	assert_non_null(strstr(d.msg, "permissions.deny must be an array"));
	assert_int_equal(parse(&s, "{\"permissions\":{\n  \"deny\":[\n    \"bash(rm:*)\"]}}", &project, &d), -CORDON_EPARSE);
	assert_non_null(strstr(d.msg, "permissions.deny[0]"));
	assert_int_equal(d.line, 3);
	assert_int_equal(d.column, 5);
	assert_int_equal(parse(&s, "{\"permissions\":{\"defaultMode\":\"yolo\"}}", &project, &d), -CORDON_EPARSE);
	assert_int_equal(parse(&s, "{\"permissions\":[]}", &project, &d), -CORDON_EPARSE);
	assert_non_null(strstr(d.msg, "permissions must be an object"));
	assert_int_equal(parse(&s, "{\"sandbox\":{\"limits\":{\"pids\":0}}}", &project, &d), -CORDON_EPARSE);
	assert_non_null(strstr(d.msg, "sandbox.limits.pids"));
	assert_int_equal(parse(&s, "{\"sandbox\":{\"limits\":{\"memoryMB\":\"1\"}}}", &project, &d), -CORDON_EPARSE);
	assert_int_equal(parse(&s, "{\"sandbox\":{\"require\":[\"Land Lock\"]}}", &project, &d), -CORDON_EPARSE);
	assert_int_equal(parse(&s, "{\"sandbox\":{\"network\":{\"allowedDomains\":[\"a b\"]}}}", &project, &d),
			 -CORDON_EPARSE);
	assert_int_equal(parse(&s, "{\"sandbox\":{\"approvalHook\":7}}", &project, &d), -CORDON_EPARSE);
	assert_int_equal(parse(&s, "[1,2]", &project, &d), -CORDON_EPARSE);
	assert_non_null(strstr(d.msg, "must be a JSON object"));
	/* Nothing of the failed documents was merged. */
	assert_int_equal(s.nrules, 0);
	assert_int_equal(s.files.n, 0);
	settings_release(&s);
}

static void json_syntax_errors(void **state)
{
	static const char nul[] = "{\"a\":\"x\0y\"}";
	struct settings s;
	struct cordon_diag d;

	(void)state;
	settings_init(&s);
	assert_int_equal(parse(&s, "{\n  \"permissions\": {\n    \"allow\": [\"Read\",]\n  }\n}", &project, &d),
			 -CORDON_EPARSE);
	assert_int_equal(d.line, 3);
	assert_true(d.column > 0);
	assert_int_equal(parse(&s, "{\"a\":1,\"a\":2}", &project, &d), -CORDON_EPARSE);
	assert_non_null(strstr(d.msg, "duplicate"));
	assert_int_equal(settings_parse(&s, nul, sizeof(nul) - 1, &project, &d), -CORDON_EPARSE);
	assert_int_equal(parse(&s, "{\"a\":\"\xff\"}", &project, &d), -CORDON_EPARSE);
	assert_int_equal(parse(&s, "", &project, &d), -CORDON_EPARSE);
	settings_release(&s);
}

static void unknown_keys_warn(void **state)
{
	struct settings s;
	struct cordon_diag d;

	(void)state;
	settings_init(&s);
	assert_int_equal(parse(&s, "{\"permissions\":{\"alow\":[]},\"sandbox\":{\"enabled\":true,\"limits\":{\"cpu\":1}},"
				   "\"hooks\":{}}",
			       &project, &d),
			 0);
	assert_int_equal(s.nwarnings, 3);
	assert_non_null(strstr(s.warnings[0].msg, "permissions.alow"));
	assert_int_equal(s.warnings[0].line, 1);
	settings_release(&s);
}

static void size_cap_and_missing_file(void **state)
{
	struct settings_origin o = project;
	struct settings s;
	struct cordon_diag d;
	char *big, path[] = "/tmp/cordon-settings-XXXXXX";
	size_t n = SETTINGS_MAX_BYTES + 10;
	FILE *f;
	int fd;

	(void)state;
	settings_init(&s);
	big = malloc(n);
	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	assert_int_equal(settings_parse(&s, big, n, &project, &d), -CORDON_ETOOBIG);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(big, 1, n, f), n);
	fclose(f);
	o.file = path;
	assert_int_equal(settings_load(&s, &o, &d), -CORDON_ETOOBIG);
	unlink(path);
	free(big);
	o.file = "/nonexistent/settings.json";
	assert_int_equal(settings_load(&s, &o, &d), -CORDON_ENOTFOUND);
	settings_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_document),
		cmocka_unit_test(arrays_merge_scalars_follow_priority),
		cmocka_unit_test(errors_name_the_path),
		cmocka_unit_test(json_syntax_errors),
		cmocka_unit_test(unknown_keys_warn),
		cmocka_unit_test(size_cap_and_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
