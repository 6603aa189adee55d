/* Unit tests for policy/agentfile: the frontmatter parser and its errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy/agentfile.h"

static int parse(struct agent_file *af, const char *text, struct cordon_diag *d)
{
	return agentfile_parse(af, text, strlen(text), "t.md", d);
}

static void seed_loads_with_eight_tools(void **state)
{
	static const char *const want[] = { "Read", "Write", "Edit", "Grep", "Glob", "WebFetch", "TodoWrite", "Bash" };
	const char *root = getenv("ROOT");
	char path[4096];
	struct agent_file af;
	struct cordon_diag d;
	size_t i;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/data/agents/backend-engineer.md", root ? root : ".");
	assert_int_equal(agentfile_load(&af, path, &d), 0);
	assert_string_equal(af.name, "backend-engineer");
	assert_false(af.tools_all);
	assert_int_equal(af.tools.n, 8);
	for (i = 0; i < 8; i++)
		assert_string_equal(af.tools.v[i], want[i]);
	assert_string_equal(af.model, "sonnet");
	assert_null(af.color); /* "indigo" is not one of Claude Code's colors */
	assert_int_equal(af.nwarnings, 1);
	assert_int_equal(af.warnings[0].line, 6);
	assert_non_null(strstr(af.warnings[0].msg, "indigo"));
	/* The body is kept byte for byte, mis-encoded emoji included. */
	assert_int_equal(af.body_line, 8);
	assert_memory_equal(af.body, "\nYou are a Senior Backend Engineer", 34);
	assert_non_null(strstr(af.body, "[BACKEND-ENGINEER] \xc4\x9f\xc5\xb8\xe2\x80\x9d\xc2\xa7"));
	assert_int_equal(af.body_len, strlen(af.body));
	agentfile_release(&af);
}

static void tools_forms(void **state)
{
	struct agent_file af;
	struct cordon_diag d;

	(void)state;
	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\ntools: Read, Bash(git diff:*) Grep,,\n---\n", &d), 0);
	assert_int_equal(af.tools.n, 3);
	assert_string_equal(af.tools.v[1], "Bash(git diff:*)");
	agentfile_release(&af);

	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\ntools:\n  - Read\n  - \"Bash(npm run test:*)\"\n---\n", &d), 0);
	assert_int_equal(af.tools.n, 2);
	assert_string_equal(af.tools.v[1], "Bash(npm run test:*)");
	agentfile_release(&af);

	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\n---\nbody", &d), 0);
	assert_true(af.tools_all);
	assert_false(af.tools_set);
	agentfile_release(&af);

	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\ntools: Read, *\n---\n", &d), 0);
	assert_true(af.tools_all);
	agentfile_release(&af);

	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\ntools: \"\"\n---\n", &d), 0);
	assert_false(af.tools_all);
	assert_int_equal(af.tools.n, 0);
	agentfile_release(&af);

	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\ntools:\n---\n", &d), 0);
	assert_false(af.tools_all);
	assert_int_equal(af.tools.n, 0);
	agentfile_release(&af);

	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\ndisallowedTools: Write, Bash(rm:*)\n---\n", &d), 0);
	assert_true(af.tools_all);
	assert_int_equal(af.disallowed.n, 2);
	agentfile_release(&af);
}

static void bad_tools_are_errors_with_position(void **state)
{
	struct agent_file af;
	struct cordon_diag d;

	(void)state;
	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\ntools: read\n---\n", &d), -CORDON_EPARSE);
	assert_int_equal(d.line, 4);
	assert_int_equal(d.column, 8);
	assert_non_null(strstr(d.msg, "bad entry in 'tools'"));
	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\ntools: Bash(git\n---\n", &d), -CORDON_EPARSE);
	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\ntools: {a: 1}\n---\n", &d), -CORDON_EPARSE);
	assert_non_null(strstr(d.msg, "not a mapping"));
	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\ntools:\n  - [Read]\n---\n", &d), -CORDON_EPARSE);
	assert_int_equal(d.line, 5);
	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\ntools: WebFetch(example.com)\n---\n", &d), -CORDON_EPARSE);
}

static void model_aliases_and_ids(void **state)
{
	struct agent_file af;
	struct cordon_diag d;

	(void)state;
	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\nmodel: Opus\n---\n", &d), 0);
	assert_string_equal(af.model, "opus");
	agentfile_release(&af);
	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\nmodel: INHERIT\n---\n", &d), 0);
	assert_string_equal(af.model, "inherit");
	agentfile_release(&af);
	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\nmodel: claude-sonnet-4-5-20250929\n---\n", &d), 0);
	assert_string_equal(af.model, "claude-sonnet-4-5-20250929");
	agentfile_release(&af);
	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\nmodel: [x]\n---\n", &d), -CORDON_EPARSE);
	assert_non_null(strstr(d.msg, "'model' must be a string"));
}

static void other_fields(void **state)
{
	struct agent_file af;
	struct cordon_diag d;

	(void)state;
	assert_int_equal(parse(&af,
			       "---\nname: a\ndescription: line one\\nline two\ncolor: purple\npermissionMode: acceptEdits\n"
			       "maxTurns: 12\neffort: high\nbackground: true\nmemory: project\nisolation: worktree\n"
			       "initialPrompt: go\nskills: [x, y]\nhooks:\n  PreToolUse: []\nmcpServers: [github]\n---\n",
			       &d),
			 0);
	assert_string_equal(af.description, "line one\nline two");
	assert_string_equal(af.color, "purple");
	assert_true(af.mode_set);
	assert_int_equal(af.mode, PERM_ACCEPT_EDITS);
	assert_int_equal(af.max_turns, 12);
	assert_string_equal(af.effort, "high");
	assert_int_equal(af.background, 1);
	assert_string_equal(af.memory, "project");
	assert_string_equal(af.isolation, "worktree");
	assert_string_equal(af.initial_prompt, "go");
	assert_int_equal(af.skills.n, 2);
	assert_true(af.has_hooks);
	assert_int_equal(af.mcp_servers.n, 1);
	/* Fields cordon does not implement are accepted with a warning each. */
	assert_true(af.nwarnings >= 4);
	agentfile_release(&af);
}

static void soft_problems_are_warnings(void **state)
{
	struct agent_file af;
	struct cordon_diag d;

	(void)state;
	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\npermissionMode: yolo\ncolor: 3\nfoo: bar\n---\n", &d), 0);
	assert_false(af.mode_set);
	assert_null(af.color);
	assert_int_equal(af.unknown_keys.n, 1);
	assert_string_equal(af.unknown_keys.v[0], "foo");
	assert_int_equal(af.nwarnings, 3);
	assert_int_equal(af.warnings[2].line, 6);
	assert_int_equal(af.warnings[2].column, 1);
	assert_non_null(strstr(af.warnings[2].msg, "unknown key 'foo'"));
	assert_string_equal(af.warnings[2].file, "t.md");
	agentfile_release(&af);
}

static void required_fields(void **state)
{
	struct agent_file af;
	struct cordon_diag d;

	(void)state;
	assert_int_equal(parse(&af, "---\ndescription: d\n---\n", &d), -CORDON_EPARSE);
	assert_non_null(strstr(d.msg, "missing required field 'name'"));
	assert_string_equal(d.file, "t.md");
	assert_int_equal(parse(&af, "---\nname: a\n---\n", &d), -CORDON_EPARSE);
	assert_non_null(strstr(d.msg, "'description'"));
	assert_int_equal(parse(&af, "---\nname: \"\"\ndescription: d\n---\n", &d), -CORDON_EPARSE);
	assert_int_equal(parse(&af, "---\nname: a b\ndescription: d\n---\n", &d), -CORDON_EPARSE);
	assert_int_equal(parse(&af, "---\nname: a\ndescription: ~\n---\n", &d), -CORDON_EPARSE);
	assert_int_equal(parse(&af, "---\n---\nbody\n", &d), -CORDON_EPARSE);
	assert_non_null(strstr(d.msg, "frontmatter is empty"));
}

static void structure_errors(void **state)
{
	struct agent_file af;
	struct cordon_diag d;

	(void)state;
	assert_int_equal(parse(&af, "no frontmatter\n", &d), -CORDON_EPARSE);
	assert_int_equal(d.line, 1);
	assert_non_null(strstr(d.msg, "missing frontmatter"));
	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\n", &d), -CORDON_EPARSE);
	assert_non_null(strstr(d.msg, "not closed"));
	assert_int_equal(parse(&af, "---\n- a\n- b\n---\n", &d), -CORDON_EPARSE);
	assert_non_null(strstr(d.msg, "must be a mapping"));
	assert_int_equal(parse(&af, "---\nname: a\nname: b\ndescription: d\n---\n", &d), -CORDON_EPARSE);
	assert_int_equal(d.line, 3);
	assert_non_null(strstr(d.msg, "duplicate key 'name'"));
	assert_int_equal(parse(&af, "---\nname: a\ndescription: [unclosed\n---\n", &d), -CORDON_EPARSE);
	assert_true(d.line >= 3);
	assert_non_null(strstr(d.msg, "frontmatter:"));
	assert_int_equal(parse(&af, "---\nname: a\n  description: d\n---\n", &d), -CORDON_EPARSE);
	assert_int_equal(d.line, 3);
	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\nmaxTurns: -3\n---\n", &d), -CORDON_EPARSE);
	assert_int_equal(d.line, 4);
	assert_int_equal(d.column, 11);
	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\nmaxTurns: \"7\"\n---\n", &d), -CORDON_EPARSE);
}

static void bytes_nul_utf8_and_size(void **state)
{
	static const char nul[] = "---\nname: a\0b\ndescription: d\n---\n";
	struct agent_file af;
	struct cordon_diag d;
	size_t big = 10u << 20;
	char *p;

	(void)state;
	assert_int_equal(agentfile_parse(&af, nul, sizeof(nul) - 1, "t.md", &d), -CORDON_EPARSE);
	assert_int_equal(d.line, 2);
	assert_int_equal(d.column, 8);
	assert_non_null(strstr(d.msg, "NUL byte"));
	assert_int_equal(parse(&af, "---\nname: a\ndescription: caf\xe9\n---\n", &d), -CORDON_EPARSE);
	assert_int_equal(d.line, 3);
	assert_int_equal(d.column, 17);
	assert_non_null(strstr(d.msg, "invalid UTF-8"));
	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\n---\nbody \xc0\xaf\n", &d), -CORDON_EPARSE);
	assert_int_equal(d.line, 5);

	/* A 10 MB frontmatter is refused before any parsing. */
	p = malloc(big);
	assert_non_null(p);
	memset(p, 'a', big);
	memcpy(p, "---\nname: ", 10);
	assert_int_equal(agentfile_parse(&af, p, big, "big.md", &d), -CORDON_ETOOBIG);
	assert_non_null(strstr(d.msg, "larger than"));
	assert_int_equal(agentfile_parse(&af, p, AGENTFILE_MAX_BYTES + 1, "big.md", &d), -CORDON_ETOOBIG);
	free(p);
}

static void line_endings_and_bom(void **state)
{
	struct agent_file af;
	struct cordon_diag d;

	(void)state;
	assert_int_equal(parse(&af, "\xef\xbb\xbf---\r\nname: a\r\ndescription: d\r\n---\r\nbody\r\n", &d), 0);
	assert_string_equal(af.name, "a");
	assert_string_equal(af.body, "body\r\n");
	agentfile_release(&af);
	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\n---", &d), 0);
	assert_int_equal(af.body_len, 0);
	assert_string_equal(af.body, "");
	agentfile_release(&af);
	/* A '---' inside the body is body text. */
	assert_int_equal(parse(&af, "---\nname: a\ndescription: d\n---\nx\n---\ny\n", &d), 0);
	assert_string_equal(af.body, "x\n---\ny\n");
	agentfile_release(&af);
}

static void load_errors(void **state)
{
	struct agent_file af;
	struct cordon_diag d;

	(void)state;
	assert_int_equal(agentfile_load(&af, "/nonexistent/agent.md", &d), -CORDON_ENOTFOUND);
	assert_non_null(strstr(d.msg, "cannot open"));
	assert_int_equal(agentfile_load(&af, "/", &d), -CORDON_EINVAL);
	assert_non_null(strstr(d.msg, "not a regular file"));
}

static void aliases_do_not_explode(void **state)
{
	struct agent_file af;
	struct cordon_diag d;

	(void)state;
	/* Anchors and aliases are references, never expanded copies. */
	assert_int_equal(parse(&af,
			       "---\nname: a\ndescription: &d d\nx: &a [*d, *d, *d, *d]\ny: &b [*a, *a, *a, *a]\n"
			       "z: [*b, *b, *b, *b]\nskills: *a\n---\n",
			       &d),
			 0);
	assert_int_equal(af.skills.n, 4);
	agentfile_release(&af);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seed_loads_with_eight_tools),
		cmocka_unit_test(tools_forms),
		cmocka_unit_test(bad_tools_are_errors_with_position),
		cmocka_unit_test(model_aliases_and_ids),
		cmocka_unit_test(other_fields),
		cmocka_unit_test(soft_problems_are_warnings),
		cmocka_unit_test(required_fields),
		cmocka_unit_test(structure_errors),
		cmocka_unit_test(bytes_nul_utf8_and_size),
		cmocka_unit_test(line_endings_and_bom),
		cmocka_unit_test(load_errors),
		cmocka_unit_test(aliases_do_not_explode),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
