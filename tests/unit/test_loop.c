/*
 * Unit tests for runtime/loop: the transcript (written, read back, repaired
 * for a resume), terminal sanitising, trimming old tool results, and the
 * result object with its exit status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/utf8.h"
#include "runtime/loop/events.h"
#include "runtime/loop/loop.h"
#include "runtime/loop/prompt.h"
#include "runtime/loop/transcript.h"

static char dir[64];

static int mkdir_setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/cordon-loop-XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int rmdir_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void run_ids(void **state)
{
	char a[RUN_ID_LEN + 1], b[RUN_ID_LEN + 1];

	(void)state;
	assert_int_equal(run_id_new(a), 0);
	assert_int_equal(run_id_new(b), 0);
	assert_true(run_id_valid(a));
	assert_string_not_equal(a, b);
	assert_int_equal(a[14], '4'); /* version 4 */
	assert_false(run_id_valid("../../etc/passwd"));
	assert_false(run_id_valid("0000000000000000000000000000000000g0"));
	assert_false(run_id_valid("00000000-0000-4000-8000-00000000000"));
	assert_false(run_id_valid(NULL));
}

/* Written line by line, each a JSON object with type, ts and seq; a new run never reuses a transcript. */
static void transcript_lines(void **state)
{
	struct transcript_opts o = { .run_dir = dir };
	struct transcript *t;
	struct cordon_diag d;
	char line[4096];
	FILE *f;
	int n = 0;

	(void)state;
	assert_int_equal(transcript_open(&t, &o, &d), 0);
	assert_true(run_id_valid(transcript_id(t)));
	assert_int_equal(transcript_append(t, "system", json_pack("{s:s}", "subtype", "init")), 0);
	assert_int_equal(transcript_append(t, "message", json_pack("{s:s, s:s}", "role", "user", "content", "hi")),
			 0);
	assert_int_equal(transcript_sync(t), 0);
	assert_int_equal(transcript_sync(t), 0); /* nothing new: nothing to do */
	assert_int_equal(transcript_append(t, "note", NULL), 0);
	assert_int_equal(transcript_sync(NULL), 0);
	transcript_close(t);
	snprintf(line, sizeof(line), "%s/transcript.jsonl", dir);
	f = fopen(line, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		json_t *j = json_loads(line, 0, NULL);

		assert_non_null(j);
		assert_int_equal(json_integer_value(json_object_get(j, "seq")), ++n);
		assert_non_null(json_object_get(j, "ts"));
		json_decref(j);
	}
	fclose(f);
	assert_int_equal(n, 3);
	/* The same directory again, not resuming: refused, the old one kept. */
	assert_int_equal(transcript_open(&t, &o, &d), -CORDON_ESYS);
	assert_non_null(strstr(d.msg, "cannot open the transcript"));
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/*
 * Read back for --resume: the messages, repaired so every tool call is
 * answered in the next user message (results first), the session's state,
 * and a last line cut by a kill skipped.
 */
static void transcript_resume(void **state)
{
	char path[128];
	json_t *msgs, *meta, *last;
	struct cordon_diag d;

	(void)state;
	snprintf(path, sizeof(path), "%s/t.jsonl", dir);
	put(path, "{\"type\":\"system\",\"subtype\":\"init\",\"model\":\"m\"}\n"
		  "{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"go\"}]}\n"
		  "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"a\","
		  "\"name\":\"Read\",\"input\":{}},{\"type\":\"tool_use\",\"id\":\"b\",\"name\":\"Read\",\"input\":{}}]}\n"
		  "{\"type\":\"tool_result\",\"effects\":{\"read_state\":{\"path\":\"/w/x\",\"mtime_ms\":1}}}\n"
		  "{\"type\":\"message\",\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"a\","
		  "\"content\":\"ok\"}]}\n"
		  "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"c\","
		  "\"name\":\"Glob\",\"input\":{}}]}\n"
		  "{\"type\":\"message\",\"role\":\"user\",\"con");
	assert_int_equal(transcript_load(path, &msgs, &meta, &d), 0);
	assert_int_equal(json_array_size(msgs), 5);
	/* b was never answered: its result goes first in the next user message. */
	last = json_object_get(json_array_get(msgs, 2), "content");
	assert_int_equal(json_array_size(last), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(last, 0), "tool_use_id")), "b");
	assert_true(json_is_true(json_object_get(json_array_get(last, 0), "is_error")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(last, 1), "tool_use_id")), "a");
	/* c has no user message after it at all (the cut line was skipped): one is added. */
	last = json_array_get(msgs, 4);
	assert_string_equal(json_string_value(json_object_get(last, "role")), "user");
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(last, "content"), 0),
								 "tool_use_id")),
			    "c");
	assert_string_equal(json_string_value(json_object_get(json_object_get(meta, "init"), "model")), "m");
	assert_non_null(json_object_get(json_object_get(meta, "read_state"), "/w/x"));
	json_decref(msgs);
	json_decref(meta);

	/* A broken line in the middle is an error that names it. */
	put(path, "{\"type\":\"message\",\"role\":\"user\",\"content\":\"x\"}\nnot json\n{\"type\":\"x\"}\n");
	assert_int_equal(transcript_load(path, &msgs, &meta, &d), -CORDON_EPARSE);
	assert_int_equal(d.line, 2);
	snprintf(path, sizeof(path), "%s/none.jsonl", dir);
	assert_int_equal(transcript_load(path, &msgs, &meta, &d), -CORDON_ENOTFOUND);
}

/* Text for a terminal keeps newlines, tabs and characters, not escape sequences. */
static void tty_sanitise(void **state)
{
	static const char in[] = "ok\tline\n\x1b]52;c;ZXZpbA==\x07\x1b[2J\xc2\x9b" "6n caf\xc3\xa9 \xff";
	struct buf b;

	(void)state;
	buf_init(&b, BUF_NOMAX);
	assert_int_equal(utf8_sanitize_tty(&b, in, sizeof(in) - 1), 0);
	assert_null(strchr(b.data, 0x1b));
	assert_null(strchr(b.data, 0x07));
	assert_null(strstr(b.data, "\xc2\x9b"));
	assert_non_null(strstr(b.data, "ok\tline\n"));
	assert_non_null(strstr(b.data, "caf\xc3\xa9"));
	assert_non_null(strstr(b.data, "]52;c;ZXZpbA=="));
	buf_release(&b);
}

/* The oldest tool results go first; pairing, ids and is_error stay. */
static void trim_old_results(void **state)
{
	json_t *m = json_array();
	size_t i;

	(void)state;
	for (i = 0; i < 5; i++) {
		char id[8];

		snprintf(id, sizeof(id), "t%zu", i);
		json_array_append_new(m, json_pack("{s:s, s:[{s:s, s:s, s:s}]}", "role", "assistant", "content", "type",
						   "tool_use", "id", id, "name", "Read"));
		json_array_append_new(m, json_pack("{s:s, s:[{s:s, s:s, s:s, s:b}]}", "role", "user", "content", "type",
						   "tool_result", "tool_use_id", id, "content", "lots of output", "is_error",
						   i == 0));
	}
	assert_int_equal(loop_trim_tool_results(m, 3), 2);
	for (i = 0; i < 5; i++) {
		json_t *r = json_array_get(json_object_get(json_array_get(m, 2 * i + 1), "content"), 0);

		assert_int_equal(strstr(json_string_value(json_object_get(r, "content")), "elided") != NULL, i < 2);
		assert_non_null(json_object_get(r, "tool_use_id"));
	}
	assert_true(json_is_true(json_object_get(json_array_get(json_object_get(json_array_get(m, 1), "content"), 0),
						 "is_error")));
	/* Again: nothing more to elide. */
	assert_int_equal(loop_trim_tool_results(m, 3), 0);
	json_decref(m);
}

/* Every end has its subtype and exit status; never 0 with is_error. */
static void result_and_exit(void **state)
{
	struct loop_result r = { 0 };
	json_t *j;
	int e;

	(void)state;
	r.denials = json_array();
	r.errors = json_pack("[s]", "why");
	r.text = strdup("t");
	for (e = LOOP_SUCCESS; e <= LOOP_INTERRUPTED; e++) {
		r.end = (enum loop_end)e;
		r.signal = SIGTERM;
		j = loop_result_json(&r, 5);
		assert_non_null(j);
		assert_int_equal(json_is_true(json_object_get(j, "is_error")), e != LOOP_SUCCESS);
		assert_int_equal(loop_exit_code(&r) == 0, e == LOOP_SUCCESS);
		assert_int_equal(json_integer_value(json_object_get(j, "exit_code")), loop_exit_code(&r));
		assert_int_equal(json_object_get(j, "errors") != NULL, e != LOOP_SUCCESS);
		json_decref(j);
	}
	r.end = LOOP_MAX_TURNS;
	j = loop_result_json(&r, 5);
	assert_string_equal(json_string_value(json_object_get(j, "subtype")), "error_max_turns");
	assert_int_equal(loop_exit_code(&r), 3);
	json_decref(j);
	r.end = LOOP_INTERRUPTED;
	r.signal = SIGINT;
	assert_int_equal(loop_exit_code(&r), 130);
	r.cost_usd = -1;
	r.end = LOOP_SUCCESS;
	j = loop_result_json(&r, 5);
	assert_true(json_is_null(json_object_get(j, "total_cost_usd")));
	json_decref(j);
	loop_result_release(&r);
}

/* The sandbox note says what the policy gives commands of the network, and nothing that depends on the mode. */
static void system_prompt_network(void **state)
{
	static const char *const domains[] = { "registry.npmjs.org", "*.github.com" };
	struct prompt_opts o = { .agent_prompt = "Agent.", .cwd = "/nonexistent-ws", .date = "2026-12-07" };
	json_t *sys;
	const char *text;

	(void)state;
	sys = prompt_system(&o);
	assert_non_null(sys);
	text = json_string_value(json_object_get(json_array_get(sys, 0), "text"));
	assert_non_null(strstr(text, "there is no network access"));
	assert_null(strstr(text, "HTTP_PROXY"));
	json_decref(sys);
	o.allowed_domains = domains;
	o.n_allowed_domains = 2;
	sys = prompt_system(&o);
	assert_non_null(sys);
	text = json_string_value(json_object_get(json_array_get(sys, 0), "text"));
	assert_null(strstr(text, "no network access"));
	assert_non_null(strstr(text, "only through cordon's HTTP proxy (HTTP_PROXY and HTTPS_PROXY are set) and only "
				     "these domains: registry.npmjs.org, *.github.com;"));
	json_decref(sys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(run_ids),
		cmocka_unit_test_setup_teardown(transcript_lines, mkdir_setup, rmdir_teardown),
		cmocka_unit_test_setup_teardown(transcript_resume, mkdir_setup, rmdir_teardown),
		cmocka_unit_test(tty_sanitise),
		cmocka_unit_test(trim_old_results),
		cmocka_unit_test(result_and_exit),
		cmocka_unit_test(system_prompt_network),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
