/* Unit tests for runtime/provider/replay: the script parser and the replay provider. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/error.h"
#include "common/secret.h"
#include "runtime/provider/internal.h"

static json_t *parse_json(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);

	if (!v)
		fail_msg("bad JSON: %s", e.text);
	return v;
}

static void assert_json(const json_t *got, const char *want_text)
{
	json_t *want = parse_json(want_text);

	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);

		print_error("got:  %s\nwant: %s\n", g ? g : "(null)", want_text);
		free(g);
		json_decref(want);
		fail();
	}
	json_decref(want);
}

static const char script[] =
	"# a scripted session\n"
	"\n"
	"{\"content\":[{\"type\":\"text\",\"text\":\"Reading.\"},{\"type\":\"tool_use\",\"name\":\"Read\",\"input\":{\"file_path\":\"a.c\"}}]}\r\n"
	"   # indented comment\n"
	"{\"id\":\"msg_x\",\"content\":\"Done.\",\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":3,\"output_tokens\":4},\"model\":\"mine\"}\n"
	"{\"content\":[{\"type\":\"tool_use\",\"id\":\"t9\",\"name\":\"Bash\"}],\"stop_reason\":\"max_tokens\"}";

static void script_is_filled_in(void **state)
{
	struct cordon_diag d;
	json_t *turns;

	(void)state;
	assert_int_equal(replay_parse(&turns, script, strlen(script), 1 << 20, "claude-x", &d), 0);
	assert_int_equal(json_array_size(turns), 3);
	assert_json(json_array_get(turns, 0),
		    "{\"content\":[{\"type\":\"text\",\"text\":\"Reading.\"},{\"type\":\"tool_use\",\"name\":\"Read\","
		    "\"input\":{\"file_path\":\"a.c\"},\"id\":\"toolu_replay_3_1\"}],\"id\":\"msg_replay_3\",\"type\":\"message\","
		    "\"role\":\"assistant\",\"model\":\"claude-x\",\"stop_reason\":\"tool_use\",\"stop_sequence\":null,"
		    "\"usage\":{\"input_tokens\":0,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":0}}");
	assert_json(json_array_get(turns, 1),
		    "{\"id\":\"msg_x\",\"content\":[{\"type\":\"text\",\"text\":\"Done.\"}],\"stop_reason\":\"end_turn\","
		    "\"usage\":{\"input_tokens\":3,\"output_tokens\":4},\"model\":\"mine\",\"type\":\"message\","
		    "\"role\":\"assistant\",\"stop_sequence\":null}");
	assert_json(json_object_get(json_array_get(turns, 2), "content"),
		    "[{\"type\":\"tool_use\",\"id\":\"t9\",\"name\":\"Bash\",\"input\":{}}]");
	assert_string_equal(json_string_value(json_object_get(json_array_get(turns, 2), "stop_reason")), "max_tokens");
	json_decref(turns);
	/* empty and comment-only scripts are fine: they just end at once */
	assert_int_equal(replay_parse(&turns, "", 0, 10, "m", &d), 0);
	assert_int_equal(json_array_size(turns), 0);
	json_decref(turns);
	assert_int_equal(replay_parse(&turns, "#x\n\n  \n", 7, 10, "m", &d), 0);
	json_decref(turns);
}

static void bad_lines_say_where(void **state)
{
	static const struct {
		const char *text;
		int line;
		const char *msg;
	} cases[] = {
		{ "\n{\"content\":[]}\n{\"content\":[}\n", 3, "" },
		{ "[1]", 1, "expected an object" },
		{ "{\"stop_reason\":\"end_turn\"}", 1, "\"content\" must be an array" },
		{ "{\"content\":[{\"text\":\"x\"}]}", 1, "string \"type\"" },
		{ "{\"content\":[{\"type\":\"text\"}]}", 1, "a text block needs" },
		{ "{\"content\":[{\"type\":\"tool_use\",\"input\":{}}]}", 1, "needs a string \"name\"" },
		{ "{\"content\":[{\"type\":\"tool_use\",\"name\":\"x\",\"input\":\"ls\"}]}", 1, "must be an object" },
		{ "{\"content\":[{\"type\":\"tool_use\",\"name\":\"x\",\"id\":7}]}", 1, "\"id\" must be a string" },
		{ "#\n{\"content\":[],\"role\":\"user\"}", 2, "\"role\" must be" },
		{ "{\"content\":[],\"stop_reason\":1}", 1, "\"stop_reason\" must be" },
		{ "{\"content\":[],\"usage\":[]}", 1, "\"usage\" must be" },
		{ "{\"content\":[],\"content\":[]}", 1, "duplicate" },
		{ "{\"content\":[]} trailing", 1, "" },
	};
	struct cordon_diag d;
	json_t *turns;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		diag_clear(&d);
		assert_int_equal(replay_parse(&turns, cases[i].text, strlen(cases[i].text), 1 << 20, "m", &d), -CORDON_EPARSE);
		assert_null(turns);
		if (d.line != cases[i].line || !strstr(d.msg, cases[i].msg) || !d.msg[0])
			fail_msg("case %zu: line %d '%s'", i, d.line, d.msg);
	}
	/* a line over the ceiling */
	diag_clear(&d);
	assert_int_equal(replay_parse(&turns, "{\"content\":[]}\n{\"content\":[]}   \n", 35, 16, "m", &d), -CORDON_ETOOBIG);
	assert_int_equal(d.line, 2);
	assert_non_null(strstr(d.msg, "longer than 16 bytes"));
}

static char *write_script(const char *text)
{
	char *path = strdup("/tmp/cordon-replay.XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void provider_plays_the_script(void **state)
{
	char *path = write_script(script);
	struct provider_config cfg = { .kind = PROVIDER_REPLAY, .replay_script = path, .model = "sonnet" };
	json_t *msgs = parse_json("[{\"role\":\"user\",\"content\":\"go\"}]");
	struct provider_request rq = { .messages = msgs };
	struct provider_hooks hooks = { 0 };
	atomic_bool cancel = false;
	struct provider_turn t;
	struct provider_error err;
	struct cordon_diag d;
	struct provider *p;

	(void)state;
	assert_int_equal(provider_open(&p, &cfg, &d), 0);
	assert_false(secret_latched()); /* no key, no latch: the sandbox may still be opened */
	assert_string_equal(provider_model(p), "claude-sonnet-4-5");
	assert_string_equal(provider_key_source(p), "none");
	assert_int_equal(provider_send(p, &rq, NULL, &t, &err), 0);
	assert_string_equal(t.stop_reason, "tool_use");
	assert_int_equal(t.attempts, 1);
	assert_false(t.script_ended);
	assert_string_equal(t.model, "claude-sonnet-4-5");
	provider_turn_release(&t);
	assert_int_equal(provider_send(p, &rq, NULL, &t, &err), 0);
	assert_string_equal(t.stop_reason, "end_turn");
	assert_int_equal(t.usage.output_tokens, 4);
	provider_turn_release(&t);
	hooks.cancel = &cancel;
	atomic_store(&cancel, true);
	assert_int_equal(provider_send(p, &rq, &hooks, &t, &err), -CORDON_EKILLED);
	assert_null(t.message);
	atomic_store(&cancel, false);
	assert_int_equal(provider_send(p, &rq, &hooks, &t, &err), 0);
	assert_string_equal(t.stop_reason, "max_tokens");
	provider_turn_release(&t);
	/* the end: a synthetic end_turn, every time */
	assert_int_equal(provider_send(p, &rq, NULL, &t, &err), 0);
	assert_true(t.script_ended);
	assert_string_equal(t.stop_reason, "end_turn");
	assert_int_equal(json_array_size(json_object_get(t.message, "content")), 1);
	provider_turn_release(&t);
	assert_int_equal(provider_send(p, &rq, NULL, &t, &err), 0);
	assert_true(t.script_ended);
	provider_turn_release(&t);
	provider_close(p);
	unlink(path);
	free(path);
	json_decref(msgs);
}

static void open_errors(void **state)
{
	struct provider_config cfg = { .kind = PROVIDER_REPLAY };
	struct cordon_diag d;
	struct provider *p;
	char *path, buf[1024];

	(void)state;
	assert_int_equal(provider_open(&p, &cfg, &d), -CORDON_EINVAL);
	assert_null(p);
	assert_non_null(strstr(d.msg, "--replay-script"));
	cfg.replay_script = "/nonexistent/script.jsonl";
	assert_int_equal(provider_open(&p, &cfg, &d), -CORDON_EINVAL);
	assert_non_null(strstr(d.msg, "cannot open '/nonexistent/script.jsonl'"));
	path = write_script("{\"content\":[]}\n\n{\"content\":[{\"type\":\"text\",\"text\":1}]}\n");
	cfg.replay_script = path;
	assert_int_equal(provider_open(&p, &cfg, &d), -CORDON_EINVAL);
	diag_format(&d, buf, sizeof(buf));
	assert_int_equal(d.line, 3);
	assert_non_null(strstr(buf, path));
	assert_non_null(strstr(buf, ":3: a text block needs"));
	unlink(path);
	free(path);
	cfg.kind = (enum provider_kind)7;
	assert_int_equal(provider_open(&p, &cfg, &d), -CORDON_EINVAL);
}

static void kind_names(void **state)
{
	(void)state;
	assert_string_equal(provider_kind_name(PROVIDER_ANTHROPIC), "anthropic");
	assert_string_equal(provider_kind_name(PROVIDER_OPENAI), "openai");
	assert_string_equal(provider_kind_name(PROVIDER_REPLAY), "replay");
	assert_int_equal(provider_kind_from_name("openai"), PROVIDER_OPENAI);
	assert_int_equal(provider_kind_from_name("replay"), PROVIDER_REPLAY);
	assert_int_equal(provider_kind_from_name("anthropic"), PROVIDER_ANTHROPIC);
	assert_int_equal(provider_kind_from_name("gemini"), -1);
	assert_int_equal(provider_kind_from_name(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(script_is_filled_in),
		cmocka_unit_test(bad_lines_say_where),
		cmocka_unit_test(provider_plays_the_script),
		cmocka_unit_test(open_errors),
		cmocka_unit_test(kind_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
