/*
 * Unit tests for runtime/provider/openai: chunk streams assembled into an
 * Anthropic-shaped message, and the canonical transcript converted to chat
 * messages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/fileio.h"
#include "runtime/provider/internal.h"
#include "runtime/provider/sse.h"

static int on_sse(void *ctx, const char *name, const char *data, size_t len)
{
	return oai_stream_event(ctx, name, data, len);
}

static int assemble(struct oai_stream *s, const char *text, size_t len, size_t max_message)
{
	struct sse p;
	int r;

	oai_stream_init(s, max_message, "call_t");
	sse_init(&p, 1 << 20, on_sse, &s->base);
	r = sse_feed(&p, text, len);
	if (r == 0)
		r = sse_finish(&p);
	sse_release(&p);
	return r;
}

static int run(struct oai_stream *s, const char *text)
{
	return assemble(s, text, strlen(text), PROVIDER_MAX_MESSAGE);
}

static void read_fixture(struct buf *b, const char *name)
{
	char path[4096];
	const char *root = getenv("ROOT");

	snprintf(path, sizeof(path), "%s/tests/data/llm/%s", root ? root : ".", name);
	buf_init(b, 1 << 20);
	assert_int_equal(file_read_capped(-100, path, 1 << 20, b), 0);
}

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);

	if (!v)
		fail_msg("bad JSON: %s", e.text);
	return v;
}

static void assert_json(const json_t *got, const char *want_text)
{
	json_t *want = parse(want_text);

	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);

		print_error("got:  %s\nwant: %s\n", g ? g : "(null)", want_text);
		free(g);
		json_decref(want);
		fail();
	}
	json_decref(want);
}

static void parallel_tool_calls_fixture(void **state)
{
	struct oai_stream s;
	struct buf in;

	(void)state;
	read_fixture(&in, "openai_parallel_tool_calls_stream.sse");
	assert_int_equal(assemble(&s, in.data, in.len, PROVIDER_MAX_MESSAGE), 0);
	assert_true(s.base.done);
	assert_null(s.base.bad_inputs);
	/* prompt_tokens includes the cached ones: 812 = 44 uncached + 768 read */
	assert_json(s.base.message,
		    "{\"id\":\"chatcmpl-1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"qwen3-coder\","
		    "\"content\":[{\"type\":\"text\",\"text\":\"Running both.\"},"
		    "{\"type\":\"tool_use\",\"id\":\"call_a1\",\"name\":\"bash\",\"input\":{\"command\":\"ls -la\"}},"
		    "{\"type\":\"tool_use\",\"id\":\"call_b2\",\"name\":\"read_file\",\"input\":{\"path\":\"README.md\"}}],"
		    "\"stop_reason\":\"tool_use\",\"stop_sequence\":null,"
		    "\"usage\":{\"input_tokens\":44,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":768,"
		    "\"output_tokens\":41}}");
	oai_stream_release(&s);
	buf_release(&in);
}

#define CHUNK(delta, finish) \
	"data: {\"id\":\"c\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":" delta ",\"finish_reason\":" finish "}]}\n\n"
#define DONE "data: [DONE]\n\n"

static void calls_merge_by_index(void **state)
{
	struct oai_stream s;

	(void)state;
	/* no ids (made up), a repeated name (overwritten), whole calls in one chunk, index order, "stop" with calls */
	assert_int_equal(run(&s, CHUNK("{\"tool_calls\":[{\"index\":1,\"function\":{\"name\":\"grep\",\"arguments\":\"{\\\"p\\\"\"}}]}", "null")
				      CHUNK("{\"tool_calls\":[{\"index\":0,\"id\":\"\",\"function\":{\"name\":\"read\",\"arguments\":\"{}\"}}]}", "null")
				      CHUNK("{\"tool_calls\":[{\"index\":1,\"function\":{\"name\":\"grep\",\"arguments\":\":1}\"}}]}", "null")
				      CHUNK("{\"tool_calls\":[{\"index\":1,\"function\":{\"name\":\"Grep\"}}]}", "null")
				      CHUNK("{}", "\"stop\"") DONE),
			 0);
	assert_true(s.base.done);
	assert_json(json_object_get(s.base.message, "content"),
		    "[{\"type\":\"tool_use\",\"id\":\"call_t_0\",\"name\":\"read\",\"input\":{}},"
		    "{\"type\":\"tool_use\",\"id\":\"call_t_1\",\"name\":\"Grep\",\"input\":{\"p\":1}}]");
	assert_string_equal(json_string_value(json_object_get(s.base.message, "stop_reason")), "tool_use");
	/* no usage chunk: zeros */
	assert_json(json_object_get(s.base.message, "usage"),
		    "{\"input_tokens\":0,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":0}");
	oai_stream_release(&s);

	/* a call without an index: an id starts a new one */
	assert_int_equal(run(&s, CHUNK("{\"tool_calls\":[{\"id\":\"a\",\"function\":{\"name\":\"x\",\"arguments\":\"{\\\"q\\\":\"}}]}", "null")
				      CHUNK("{\"tool_calls\":[{\"function\":{\"arguments\":\"2}\"}}]}", "null")
				      CHUNK("{\"tool_calls\":[{\"id\":\"b\",\"function\":{\"name\":\"y\",\"arguments\":\"\"}}]}", "\"tool_calls\"")
				      DONE),
			 0);
	assert_json(json_object_get(s.base.message, "content"),
		    "[{\"type\":\"tool_use\",\"id\":\"a\",\"name\":\"x\",\"input\":{\"q\":2}},"
		    "{\"type\":\"tool_use\",\"id\":\"b\",\"name\":\"y\",\"input\":{}}]");
	oai_stream_release(&s);
}

static void finish_reasons(void **state)
{
	static const struct {
		const char *finish, *want;
	} cases[] = {
		{ "\"stop\"", "end_turn" },
		{ "\"length\"", "max_tokens" },
		{ "\"content_filter\"", "refusal" },
		{ "\"tool_calls\"", "end_turn" }, /* says calls, has none */
		{ "\"something_new\"", "end_turn" },
	};
	struct oai_stream s;
	char text[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text),
			 "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":%s}]}\n\n" DONE,
			 cases[i].finish);
		assert_int_equal(run(&s, text), 0);
		assert_string_equal(json_string_value(json_object_get(s.base.message, "stop_reason")), cases[i].want);
		assert_json(json_object_get(s.base.message, "content"), "[{\"type\":\"text\",\"text\":\"hi\"}]");
		oai_stream_release(&s);
	}
}

static void reasoning_and_bad_arguments(void **state)
{
	struct oai_stream s;

	(void)state;
	assert_int_equal(run(&s, CHUNK("{\"reasoning_content\":\"think \"}", "null") CHUNK("{\"reasoning_content\":\"more\"}", "null")
				      CHUNK("{\"content\":\"ok\"}", "null")
				      CHUNK("{\"tool_calls\":[{\"index\":0,\"id\":\"k\",\"function\":{\"name\":\"bash\",\"arguments\":\"{\\\"command\\\": \\\"l\"}}]}", "\"length\"")
				      DONE),
			 0);
	assert_json(json_object_get(s.base.message, "content"),
		    "[{\"type\":\"thinking\",\"thinking\":\"think more\"},{\"type\":\"text\",\"text\":\"ok\"},"
		    "{\"type\":\"tool_use\",\"id\":\"k\",\"name\":\"bash\",\"input\":{}}]");
	assert_non_null(strstr(json_string_value(json_object_get(s.base.bad_inputs, "k")), "not valid JSON"));
	oai_stream_release(&s);
}

static void broken_streams(void **state)
{
	struct oai_stream s;

	(void)state;
	/* EOF before [DONE] */
	assert_int_equal(run(&s, CHUNK("{\"content\":\"hi\"}", "\"stop\"")), 0);
	assert_false(s.base.done);
	oai_stream_release(&s);
	/* [DONE] without a finish reason */
	assert_int_equal(run(&s, CHUNK("{\"content\":\"hi\"}", "null") DONE), -CORDON_EPROTO);
	assert_non_null(strstr(s.base.why, "without a finish reason"));
	oai_stream_release(&s);
	/* an error chunk */
	assert_int_equal(run(&s, CHUNK("{\"content\":\"hi\"}", "null")
				      "data: {\"error\":{\"code\":400,\"message\":\"the request exceeds the available context size\","
				      "\"type\":\"exceed_context_size_error\"}}\n\n"),
			 -CORDON_EPROTO);
	assert_true(s.base.error_event);
	assert_true(s.base.err.context_overflow);
	assert_string_equal(s.base.err.type, "exceed_context_size_error");
	oai_stream_release(&s);
	/* garbage */
	assert_int_equal(run(&s, "data: {\"choices\":[\n\n"), -CORDON_EPROTO);
	assert_non_null(strstr(s.base.why, "malformed JSON"));
	oai_stream_release(&s);
	/* the ceiling, and an index past the block limit */
	assert_int_equal(assemble(&s, CHUNK("{\"content\":\"0123456789\"}", "null"),
				  strlen(CHUNK("{\"content\":\"0123456789\"}", "null")), 5),
			 -CORDON_ETOOBIG);
	oai_stream_release(&s);
	assert_int_equal(run(&s, CHUNK("{\"tool_calls\":[{\"index\":99999,\"id\":\"x\"}]}", "null")), -CORDON_ETOOBIG);
	oai_stream_release(&s);
}

/* ---- conversion ------------------------------------------------------------------- */

static void transcript_to_chat_messages(void **state)
{
	json_t *sys = parse("[{\"type\":\"text\",\"text\":\"You are a coding agent.\",\"cache_control\":{\"type\":\"ephemeral\"}},"
			    "{\"type\":\"text\",\"text\":\"Be brief.\"}]");
	json_t *msgs = parse(
		"[{\"role\":\"user\",\"content\":\"fix the test\"},"
		"{\"role\":\"assistant\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"s\"},"
		"{\"type\":\"text\",\"text\":\"Running both.\"},"
		"{\"type\":\"tool_use\",\"id\":\"call_a1\",\"name\":\"bash\",\"input\":{\"command\":\"ls -la\"}},"
		"{\"type\":\"tool_use\",\"id\":\"call_b2\",\"name\":\"read_file\",\"input\":{\"path\":\"README.md\"}}]},"
		"{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"call_a1\",\"content\":\"total 12\"},"
		"{\"type\":\"tool_result\",\"tool_use_id\":\"call_b2\",\"is_error\":true,"
		"\"content\":[{\"type\":\"text\",\"text\":\"no such file\"},{\"type\":\"image\",\"source\":{}}]},"
		"{\"type\":\"text\",\"text\":\"2 turns left\",\"cache_control\":{\"type\":\"ephemeral\"}}]},"
		"{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"c3\",\"name\":\"x\",\"input\":{}}]},"
		"{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"c3\"}]},"
		"{\"role\":\"assistant\",\"content\":\"done\"}]");
	json_t *out;

	(void)state;
	assert_int_equal(oai_messages(&out, sys, msgs), 0);
	assert_json(out,
		    "[{\"role\":\"system\",\"content\":\"You are a coding agent.\\nBe brief.\"},"
		    "{\"role\":\"user\",\"content\":\"fix the test\"},"
		    "{\"role\":\"assistant\",\"content\":\"Running both.\",\"tool_calls\":["
		    "{\"id\":\"call_a1\",\"type\":\"function\",\"function\":{\"name\":\"bash\",\"arguments\":\"{\\\"command\\\":\\\"ls -la\\\"}\"}},"
		    "{\"id\":\"call_b2\",\"type\":\"function\",\"function\":{\"name\":\"read_file\",\"arguments\":\"{\\\"path\\\":\\\"README.md\\\"}\"}}]},"
		    "{\"role\":\"tool\",\"tool_call_id\":\"call_a1\",\"content\":\"total 12\"},"
		    "{\"role\":\"tool\",\"tool_call_id\":\"call_b2\",\"content\":\"ERROR: no such file\\n[image omitted]\"},"
		    "{\"role\":\"user\",\"content\":\"2 turns left\"},"
		    "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":["
		    "{\"id\":\"c3\",\"type\":\"function\",\"function\":{\"name\":\"x\",\"arguments\":\"{}\"}}]},"
		    "{\"role\":\"tool\",\"tool_call_id\":\"c3\",\"content\":\"\"},"
		    "{\"role\":\"assistant\",\"content\":\"done\"}]");
	json_decref(out);
	/* a role it does not know is refused */
	json_decref(msgs);
	msgs = parse("[{\"role\":\"system\",\"content\":\"x\"}]");
	assert_int_equal(oai_messages(&out, NULL, msgs), -CORDON_EINVAL);
	json_decref(msgs);
	json_decref(sys);
}

/* The message the stream gives converts back to what the server sent. */
static void round_trip(void **state)
{
	struct oai_stream s;
	struct buf in;
	json_t *msgs, *out;

	(void)state;
	read_fixture(&in, "openai_parallel_tool_calls_stream.sse");
	assert_int_equal(assemble(&s, in.data, in.len, PROVIDER_MAX_MESSAGE), 0);
	msgs = json_pack("[{s:s,s:O}]", "role", "assistant", "content", json_object_get(s.base.message, "content"));
	assert_int_equal(oai_messages(&out, NULL, msgs), 0);
	assert_json(out, "[{\"role\":\"assistant\",\"content\":\"Running both.\",\"tool_calls\":["
			 "{\"id\":\"call_a1\",\"type\":\"function\",\"function\":{\"name\":\"bash\",\"arguments\":\"{\\\"command\\\":\\\"ls -la\\\"}\"}},"
			 "{\"id\":\"call_b2\",\"type\":\"function\",\"function\":{\"name\":\"read_file\",\"arguments\":\"{\\\"path\\\":\\\"README.md\\\"}\"}}]}]");
	json_decref(out);
	json_decref(msgs);
	oai_stream_release(&s);
	buf_release(&in);
}

static void tools_and_body(void **state)
{
	json_t *tools = parse("[{\"name\":\"bash\",\"description\":\"Run\",\"input_schema\":{\"type\":\"object\","
			      "\"properties\":{\"command\":{\"type\":\"string\"}}}},"
			      "{\"type\":\"web_search_20250305\",\"name\":\"web_search\"},"
			      "{\"name\":\"nodesc\",\"input_schema\":{\"type\":\"object\"}}]");
	json_t *msgs = parse("[{\"role\":\"user\",\"content\":\"hi\"}]");
	struct provider_request rq = { .tools = tools, .messages = msgs, .max_tokens = 99,
				       .thinking = tools /* not passed to these servers */ };
	json_t *body, *t;

	(void)state;
	assert_int_equal(oai_tools(&t, tools), 0);
	assert_json(t, "[{\"type\":\"function\",\"function\":{\"name\":\"bash\",\"parameters\":{\"type\":\"object\","
		       "\"properties\":{\"command\":{\"type\":\"string\"}}},\"description\":\"Run\"}},"
		       "{\"type\":\"function\",\"function\":{\"name\":\"nodesc\",\"parameters\":{\"type\":\"object\"}}}]");
	json_decref(t);
	assert_int_equal(oai_body(&body, "qwen", &rq), 0);
	assert_string_equal(json_string_value(json_object_get(body, "model")), "qwen");
	assert_int_equal(json_integer_value(json_object_get(body, "max_tokens")), 99);
	assert_true(json_is_true(json_object_get(body, "stream")));
	assert_json(json_object_get(body, "stream_options"), "{\"include_usage\":true}");
	assert_int_equal(json_array_size(json_object_get(body, "tools")), 2);
	assert_null(json_object_get(body, "thinking"));
	assert_json(json_object_get(body, "messages"), "[{\"role\":\"user\",\"content\":\"hi\"}]");
	json_decref(body);
	json_decref(tools);
	json_decref(msgs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parallel_tool_calls_fixture),
		cmocka_unit_test(calls_merge_by_index),
		cmocka_unit_test(finish_reasons),
		cmocka_unit_test(reasoning_and_bad_arguments),
		cmocka_unit_test(broken_streams),
		cmocka_unit_test(transcript_to_chat_messages),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(tools_and_body),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
