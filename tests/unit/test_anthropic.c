/*
 * Unit tests for runtime/provider/anthropic: the stream assembler on the
 * recorded streams (and on streams made to break it), the request body,
 * the error body.
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
	return anth_stream_event(ctx, name, data, len);
}

/* Run a stream through the SSE parser and the assembler; returns the first error. */
static int assemble(struct anth_stream *s, const char *text, size_t len, size_t max_message)
{
	struct sse p;
	int r;

	anth_stream_init(s, max_message);
	sse_init(&p, 1 << 20, on_sse, &s->base);
	r = sse_feed(&p, text, len);
	if (r == 0)
		r = sse_finish(&p);
	sse_release(&p);
	return r;
}

static void read_fixture(struct buf *b, const char *name)
{
	char path[4096];
	const char *root = getenv("ROOT");

	snprintf(path, sizeof(path), "%s/tests/data/llm/%s", root ? root : ".", name);
	buf_init(b, 1 << 20);
	assert_int_equal(file_read_capped(-100, path, 1 << 20, b), 0);
}

static void assert_json(const json_t *got, const char *want_text)
{
	json_error_t e;
	json_t *want = json_loads(want_text, 0, &e);

	if (!want)
		fail_msg("bad expected JSON: %s", e.text);
	if (!json_equal(got, want)) {
		char *g = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);

		print_error("got:  %s\nwant: %s\n", g ? g : "(null)", want_text);
		free(g);
		json_decref(want);
		fail();
	}
	json_decref(want);
}

static void tool_use_fixture(void **state)
{
	struct anth_stream s;
	struct buf in;

	(void)state;
	read_fixture(&in, "anthropic_tool_use_stream.sse");
	assert_int_equal(assemble(&s, in.data, in.len, PROVIDER_MAX_MESSAGE), 0);
	assert_true(s.base.done);
	assert_null(s.base.bad_inputs);
	assert_json(s.base.message,
		    "{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\",\"type\":\"message\",\"role\":\"assistant\","
		    "\"model\":\"claude-sonnet-5-5\",\"content\":["
		    "{\"type\":\"text\",\"text\":\"I'll run the tests to see what fails.\"},"
		    "{\"type\":\"tool_use\",\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"name\":\"bash\","
		    "\"input\":{\"command\":\"make test 2>&1 | tail -n 50\"}},"
		    "{\"type\":\"tool_use\",\"id\":\"toolu_01Hx9Zk2v3KqYbqGJ8p4WcQe\",\"name\":\"read_file\","
		    "\"input\":{\"path\":\"Makefile\"}}],"
		    "\"stop_reason\":\"tool_use\",\"stop_sequence\":null,"
		    "\"usage\":{\"input_tokens\":12,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":2940,"
		    "\"output_tokens\":96}}");
	anth_stream_release(&s);
	buf_release(&in);
}

static void thinking_kept_verbatim(void **state)
{
	struct anth_stream s;
	struct buf in;
	struct provider_turn t = { 0 };

	(void)state;
	read_fixture(&in, "anthropic_thinking_tool_use_stream.sse");
	assert_int_equal(assemble(&s, in.data, in.len, PROVIDER_MAX_MESSAGE), 0);
	assert_true(s.base.done);
	assert_json(json_object_get(s.base.message, "content"),
		    "[{\"type\":\"thinking\",\"thinking\":\"The test failure points at parse.c; read it first.\","
		    "\"signature\":\"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds...\"},"
		    "{\"type\":\"tool_use\",\"id\":\"toolu_01Abc\",\"name\":\"read_file\","
		    "\"input\":{\"path\":\"src/parse.c\"}}]");
	t.message = s.base.message;
	s.base.message = NULL;
	pv_turn_from_message(&t);
	assert_string_equal(t.stop_reason, "tool_use");
	assert_string_equal(t.model, "claude-sonnet-5-5");
	assert_int_equal(t.usage.input_tokens, 2048);
	assert_int_equal(t.usage.output_tokens, 58);
	provider_turn_release(&t);
	anth_stream_release(&s);
	buf_release(&in);
}

static void midstream_error_breaks_the_turn(void **state)
{
	struct anth_stream s;
	struct buf in;

	(void)state;
	read_fixture(&in, "anthropic_midstream_error.sse");
	assert_int_equal(assemble(&s, in.data, in.len, PROVIDER_MAX_MESSAGE), -CORDON_EPROTO);
	assert_false(s.base.done);
	assert_null(s.base.message);
	assert_true(s.base.error_event);
	assert_string_equal(s.base.err.type, "overloaded_error");
	assert_string_equal(s.base.err.message, "Overloaded");
	assert_string_equal(s.base.err.request_id, "req_011CTest");
	assert_non_null(strstr(s.base.why, "overloaded_error"));
	anth_stream_release(&s);
	buf_release(&in);
}

#define START "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\"," \
	      "\"role\":\"assistant\",\"model\":\"x\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":5," \
	      "\"cache_read_input_tokens\":7,\"output_tokens\":1}}}\n\n"
#define STOP "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
#define BLOCK_START(i, block) \
	"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":" #i ",\"content_block\":" block "}\n\n"
#define DELTA(i, delta) "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":" #i ",\"delta\":" delta "}\n\n"
#define BLOCK_STOP(i) "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":" #i "}\n\n"
#define TOOL(i, id) BLOCK_START(i, "{\"type\":\"tool_use\",\"id\":\"" id "\",\"name\":\"bash\",\"input\":{}}")
#define JSON_DELTA(i, js) DELTA(i, "{\"type\":\"input_json_delta\",\"partial_json\":\"" js "\"}")

static int run(struct anth_stream *s, const char *text)
{
	return assemble(s, text, strlen(text), PROVIDER_MAX_MESSAGE);
}

static void invalid_tool_input_is_marked(void **state)
{
	struct anth_stream s;

	(void)state;
	/* cut off (as by max_tokens), not an object, a duplicate key, fine, no deltas at all */
	assert_int_equal(run(&s, START TOOL(0, "t0") JSON_DELTA(0, "{\\\"command\\\": \\\"ls") BLOCK_STOP(0)
					  TOOL(1, "t1") JSON_DELTA(1, "[1,2]") BLOCK_STOP(1)
					  TOOL(2, "t2") JSON_DELTA(2, "{\\\"a\\\":1,\\\"a\\\":2}") BLOCK_STOP(2)
					  TOOL(3, "t3") JSON_DELTA(3, "{\\\"a\\\"") JSON_DELTA(3, ":1}") BLOCK_STOP(3)
					  TOOL(4, "t4") BLOCK_STOP(4)
					  "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"
					  "{\"stop_reason\":\"max_tokens\"},\"usage\":{\"output_tokens\":9}}\n\n" STOP),
			 0);
	assert_true(s.base.done);
	assert_json(json_object_get(s.base.message, "content"),
		    "[{\"type\":\"tool_use\",\"id\":\"t0\",\"name\":\"bash\",\"input\":{}},"
		    "{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"bash\",\"input\":{}},"
		    "{\"type\":\"tool_use\",\"id\":\"t2\",\"name\":\"bash\",\"input\":{}},"
		    "{\"type\":\"tool_use\",\"id\":\"t3\",\"name\":\"bash\",\"input\":{\"a\":1}},"
		    "{\"type\":\"tool_use\",\"id\":\"t4\",\"name\":\"bash\",\"input\":{}}]");
	assert_non_null(s.base.bad_inputs);
	assert_int_equal(json_object_size(s.base.bad_inputs), 3);
	assert_non_null(strstr(json_string_value(json_object_get(s.base.bad_inputs, "t0")), "not valid JSON"));
	assert_non_null(strstr(json_string_value(json_object_get(s.base.bad_inputs, "t1")), "not a JSON object"));
	assert_non_null(json_object_get(s.base.bad_inputs, "t2"));
	assert_string_equal(json_string_value(json_object_get(s.base.message, "stop_reason")), "max_tokens");
	anth_stream_release(&s);
}

static void usage_is_overwritten_not_added(void **state)
{
	struct anth_stream s;

	(void)state;
	assert_int_equal(run(&s, START "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":"
					"{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":10}}\n\n"
					"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{},\"usage\":"
					"{\"output_tokens\":25,\"input_tokens\":6,\"cache_read_input_tokens\":null,"
					"\"server_tool_use\":{\"web_search_requests\":1}}}\n\n" STOP),
			 0);
	assert_json(json_object_get(s.base.message, "usage"),
		    "{\"input_tokens\":6,\"cache_read_input_tokens\":7,\"output_tokens\":25,"
		    "\"server_tool_use\":{\"web_search_requests\":1}}");
	assert_json(json_object_get(s.base.message, "content"), "[]");
	anth_stream_release(&s);
}

static void unknown_things_are_kept_or_passed_over(void **state)
{
	struct anth_stream s;

	(void)state;
	assert_int_equal(run(&s, START ": keep-alive\n\n"
					"event: ping\ndata: {\"type\":\"ping\"}\n\n"
					"event: brand_new_event\ndata: {\"type\":\"brand_new_event\",\"x\":1}\n\n"
					BLOCK_START(0, "{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgB\"}") BLOCK_STOP(0)
					BLOCK_START(1, "{\"type\":\"future_block\",\"payload\":{\"k\":[1,2]}}")
					DELTA(1, "{\"type\":\"future_delta\",\"bits\":\"x\"}") BLOCK_STOP(1)
					BLOCK_START(2, "{\"type\":\"text\",\"text\":\"\",\"citations\":null}")
					DELTA(2, "{\"type\":\"text_delta\",\"text\":\"see \"}")
					DELTA(2, "{\"type\":\"citations_delta\",\"citation\":{\"type\":\"char_location\",\"cited_text\":\"c\"}}")
					DELTA(2, "{\"type\":\"text_delta\",\"text\":\"here\"}")
					DELTA(2, "{\"type\":\"input_json_delta\",\"partial_json\":\"ignored\"}") BLOCK_STOP(2)
					BLOCK_START(3, "{\"type\":\"server_tool_use\",\"id\":\"srv\",\"name\":\"web_search\",\"input\":{}}")
					JSON_DELTA(3, "{\\\"query\\\":\\\"q\\\"}") BLOCK_STOP(3)
					BLOCK_START(4, "{\"type\":\"web_search_tool_result\",\"tool_use_id\":\"srv\",\"content\":[]}")
					BLOCK_STOP(4) STOP),
			 0);
	assert_true(s.base.done);
	assert_json(json_object_get(s.base.message, "content"),
		    "[{\"type\":\"redacted_thinking\",\"data\":\"EmwKAhgB\"},"
		    "{\"type\":\"future_block\",\"payload\":{\"k\":[1,2]}},"
		    "{\"type\":\"text\",\"text\":\"see here\",\"citations\":[{\"type\":\"char_location\",\"cited_text\":\"c\"}]},"
		    "{\"type\":\"server_tool_use\",\"id\":\"srv\",\"name\":\"web_search\",\"input\":{\"query\":\"q\"}},"
		    "{\"type\":\"web_search_tool_result\",\"tool_use_id\":\"srv\",\"content\":[]}]");
	/* no stop_reason from the server: the turn just ended */
	assert_string_equal(json_string_value(json_object_get(s.base.message, "stop_reason")), "end_turn");
	anth_stream_release(&s);
}

static void broken_streams(void **state)
{
	static const char *const cases[] = {
		/* EOF before message_stop: no error, but not done either */
		START BLOCK_START(0, "{\"type\":\"text\",\"text\":\"\"}") DELTA(0, "{\"type\":\"text_delta\",\"text\":\"hi\"}"),
	};
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ BLOCK_START(0, "{\"type\":\"text\",\"text\":\"\"}"), "before message_start" },
		{ START START, "second message_start" },
		{ START BLOCK_START(1, "{\"type\":\"text\",\"text\":\"\"}"), "out of order" },
		{ START DELTA(0, "{\"type\":\"text_delta\",\"text\":\"x\"}"), "not open" },
		{ START BLOCK_START(0, "{\"type\":\"text\",\"text\":\"\"}") BLOCK_STOP(0) BLOCK_STOP(0), "not open" },
		{ START "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\n\n", "malformed JSON" },
		{ START BLOCK_START(0, "{\"type\":\"text\",\"text\":\"\"}") DELTA(0, "{\"type\":\"text_delta\",\"text\":5}"),
		  "without its text" },
		{ START BLOCK_START(0, "{\"type\":\"tool_use\",\"name\":\"x\",\"input\":{}}"), "without an id or a name" },
		{ START "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"boom\"}}\n\n",
		  "api_error: boom" },
	};
	struct anth_stream s;
	size_t i;

	(void)state;
	assert_int_equal(run(&s, cases[0]), 0);
	assert_false(s.base.done);
	assert_null(s.base.message);
	anth_stream_release(&s);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(run(&s, bad[i].text), -CORDON_EPROTO);
		assert_false(s.base.done);
		if (!strstr(s.base.why, bad[i].why))
			fail_msg("case %zu: why '%s' lacks '%s'", i, s.base.why, bad[i].why);
		anth_stream_release(&s);
	}
	/* events after message_stop change nothing */
	assert_int_equal(run(&s, START STOP START "event: error\ndata: {\"type\":\"error\"}\n\n"), 0);
	assert_true(s.base.done);
	anth_stream_release(&s);
}

static void message_ceiling(void **state)
{
	static const char text[] = START BLOCK_START(0, "{\"type\":\"text\",\"text\":\"\"}")
		DELTA(0, "{\"type\":\"text_delta\",\"text\":\"0123456789\"}")
		DELTA(0, "{\"type\":\"text_delta\",\"text\":\"0123456789\"}") BLOCK_STOP(0) STOP;
	struct anth_stream s;

	(void)state;
	if (assemble(&s, text, strlen(text), 100000))
		fail_msg("%s", s.base.why);
	assert_true(s.base.done);
	anth_stream_release(&s);
	assert_int_equal(assemble(&s, text, strlen(text), 220), -CORDON_ETOOBIG);
	assert_false(s.base.done);
	assert_non_null(strstr(s.base.why, "exceeds 220 bytes"));
	anth_stream_release(&s);
}

static int events_seen;

static void count_event(void *ctx, const json_t *ev)
{
	(void)ctx;
	assert_true(json_is_object(ev));
	events_seen++;
}

static void raw_events_are_reported(void **state)
{
	struct anth_stream s;
	struct buf in;
	struct sse p;

	(void)state;
	read_fixture(&in, "anthropic_tool_use_stream.sse");
	anth_stream_init(&s, PROVIDER_MAX_MESSAGE);
	s.base.on_event = count_event;
	events_seen = 0;
	sse_init(&p, 1 << 20, on_sse, &s.base);
	assert_int_equal(sse_feed(&p, in.data, in.len), 0);
	assert_int_equal(sse_finish(&p), 0);
	assert_int_equal(events_seen, 17);
	sse_release(&p);
	anth_stream_release(&s);
	buf_release(&in);
}

/* ---- the request body ------------------------------------------------------------- */

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);

	if (!v)
		fail_msg("bad JSON: %s", e.text);
	return v;
}

static void body_has_what_the_api_needs(void **state)
{
	json_t *sys = parse("[{\"type\":\"text\",\"text\":\"You are a coding agent.\"}]");
	json_t *tools = parse("[{\"name\":\"bash\",\"description\":\"Run a command\",\"input_schema\":"
			      "{\"type\":\"object\",\"properties\":{\"command\":{\"type\":\"string\"}},\"required\":[\"command\"]}}]");
	json_t *msgs = parse("[{\"role\":\"user\",\"content\":\"fix it\"},"
			     "{\"role\":\"assistant\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"t\",\"signature\":\"s\"},"
			     "{\"type\":\"tool_use\",\"id\":\"tu\",\"name\":\"bash\",\"input\":{\"command\":\"ls\"}}]},"
			     "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"tu\",\"content\":\"a\"},"
			     "{\"type\":\"text\",\"text\":\"note\"}]}]");
	json_t *thinking = parse("{\"type\":\"adaptive\"}");
	struct provider_request rq = { .system = sys, .tools = tools, .messages = msgs, .thinking = thinking };
	char *before_sys = json_dumps(sys, JSON_COMPACT), *before_msgs = json_dumps(msgs, JSON_COMPACT);
	char *tools_text = json_dumps(tools, JSON_COMPACT), *a, *b;
	json_t *body, *body2;

	(void)state;
	assert_int_equal(anth_body(&body, "claude-sonnet-4-5", &rq), 0);
	assert_string_equal(json_string_value(json_object_get(body, "model")), "claude-sonnet-4-5");
	assert_int_equal(json_integer_value(json_object_get(body, "max_tokens")), 16000);
	assert_true(json_is_true(json_object_get(body, "stream")));
	assert_null(json_object_get(body, "temperature"));
	assert_json(json_object_get(body, "thinking"), "{\"type\":\"adaptive\"}");
	/* the breakpoints: last system block, last block of the last message */
	assert_json(json_object_get(body, "system"), "[{\"type\":\"text\",\"text\":\"You are a coding agent.\","
						     "\"cache_control\":{\"type\":\"ephemeral\"}}]");
	assert_json(json_object_get(json_array_get(json_object_get(body, "messages"), 2), "content"),
		    "[{\"type\":\"tool_result\",\"tool_use_id\":\"tu\",\"content\":\"a\"},"
		    "{\"type\":\"text\",\"text\":\"note\",\"cache_control\":{\"type\":\"ephemeral\"}}]");
	/* everything else as given: the assistant turn verbatim, the tools the very object */
	assert_ptr_equal(json_array_get(json_object_get(body, "messages"), 1), json_array_get(msgs, 1));
	assert_ptr_equal(json_object_get(body, "tools"), tools);
	/* the caller's objects are not touched */
	a = json_dumps(sys, JSON_COMPACT);
	b = json_dumps(msgs, JSON_COMPACT);
	assert_string_equal(a, before_sys);
	assert_string_equal(b, before_msgs);
	free(a);
	free(b);
	/* the same request gives the same bytes (the cache depends on it) */
	assert_int_equal(anth_body(&body2, "claude-sonnet-4-5", &rq), 0);
	a = json_dumps(body, JSON_COMPACT);
	b = json_dumps(body2, JSON_COMPACT);
	assert_string_equal(a, b);
	assert_non_null(strstr(a, tools_text));
	free(a);
	free(b);
	json_decref(body);
	json_decref(body2);
	free(before_sys);
	free(before_msgs);
	free(tools_text);
	json_decref(sys);
	json_decref(tools);
	json_decref(msgs);
	json_decref(thinking);
}

static void caller_breakpoints_win(void **state)
{
	json_t *sys = parse("[{\"type\":\"text\",\"text\":\"a\",\"cache_control\":{\"type\":\"ephemeral\"}},"
			    "{\"type\":\"text\",\"text\":\"b\"}]");
	json_t *msgs = parse("[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"x\","
			     "\"cache_control\":{\"type\":\"ephemeral\"}}]},{\"role\":\"assistant\",\"content\":\"ok\"},"
			     "{\"role\":\"user\",\"content\":\"go\"}]");
	json_t *plain = parse("[{\"role\":\"user\",\"content\":\"go\"}]");
	struct provider_request rq = { .system = sys, .messages = msgs, .max_tokens = 100 };
	json_t *body;

	(void)state;
	assert_int_equal(anth_body(&body, "m", &rq), 0);
	assert_ptr_equal(json_object_get(body, "system"), sys);
	assert_ptr_equal(json_object_get(body, "messages"), msgs);
	assert_null(json_object_get(body, "tools"));
	assert_int_equal(json_integer_value(json_object_get(body, "max_tokens")), 100);
	json_decref(body);
	/* a string system prompt and a string message get a block with the marker */
	json_decref(sys);
	sys = json_string("sys");
	rq.system = sys;
	rq.messages = plain;
	assert_int_equal(anth_body(&body, "m", &rq), 0);
	assert_json(json_object_get(body, "system"),
		    "[{\"type\":\"text\",\"text\":\"sys\",\"cache_control\":{\"type\":\"ephemeral\"}}]");
	assert_json(json_object_get(body, "messages"),
		    "[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"go\",\"cache_control\":{\"type\":\"ephemeral\"}}]}]");
	json_decref(body);
	/* bad shapes are refused */
	rq.messages = sys;
	assert_int_equal(anth_body(&body, "m", &rq), -CORDON_EINVAL);
	assert_null(body);
	json_decref(sys);
	json_decref(msgs);
	json_decref(plain);
}

/* ---- error bodies ---------------------------------------------------------------- */

static void error_bodies(void **state)
{
	struct pv_error_info e;
	struct buf in;
	static const char too_long[] = "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\","
				       "\"message\":\"prompt is too long: 219898 tokens > 200000 maximum\"},\"request_id\":\"req_1\"}";
	static const char spend[] = "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"m\","
				    "\"details\":{\"error_code\":\"enforced_spend_limit_reached\"}}}";
	static const char oai[] = "{\"error\":{\"message\":\"too long\",\"type\":\"invalid_request_error\","
				  "\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}";
	static const char llama[] = "{\"error\":{\"code\":400,\"message\":\"the request exceeds the available context size\","
				    "\"type\":\"exceed_context_size_error\",\"n_prompt_tokens\":14429,\"n_ctx\":8192}}";

	(void)state;
	read_fixture(&in, "anthropic_529_body.json");
	assert_true(pv_error_parse(&e, in.data, in.len));
	assert_string_equal(e.type, "overloaded_error");
	assert_string_equal(e.message, "Overloaded");
	assert_string_equal(e.request_id, "req_011CTest");
	assert_false(e.context_overflow);
	buf_release(&in);
	assert_true(pv_error_parse(&e, too_long, strlen(too_long)));
	assert_true(e.context_overflow);
	assert_string_equal(e.request_id, "req_1");
	assert_true(pv_error_parse(&e, spend, strlen(spend)));
	assert_string_equal(e.code, "enforced_spend_limit_reached");
	assert_true(pv_error_parse(&e, oai, strlen(oai)));
	assert_true(e.context_overflow);
	assert_string_equal(e.code, "context_length_exceeded");
	assert_true(pv_error_parse(&e, llama, strlen(llama)));
	assert_true(e.context_overflow);
	assert_string_equal(e.code, "400");
	assert_false(pv_error_parse(&e, "<html>bad gateway</html>", 24));
	assert_false(pv_error_parse(&e, "{\"ok\":1}", 8));
	assert_true(pv_error_parse(&e, "{\"error\":\"line\\none\"}", strlen("{\"error\":\"line\\none\"}")));
	assert_string_equal(e.message, "line one");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tool_use_fixture),
		cmocka_unit_test(thinking_kept_verbatim),
		cmocka_unit_test(midstream_error_breaks_the_turn),
		cmocka_unit_test(invalid_tool_input_is_marked),
		cmocka_unit_test(usage_is_overwritten_not_added),
		cmocka_unit_test(unknown_things_are_kept_or_passed_over),
		cmocka_unit_test(broken_streams),
		cmocka_unit_test(message_ceiling),
		cmocka_unit_test(raw_events_are_reported),
		cmocka_unit_test(body_has_what_the_api_needs),
		cmocka_unit_test(caller_breakpoints_win),
		cmocka_unit_test(error_bodies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
