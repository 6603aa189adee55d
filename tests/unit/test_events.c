/*
 * Unit tests for runtime/loop/events.c and transcript.c: tool results are
 * length-carrying strings (a file's text may hold NULs), on stdout's
 * stream-json lines, in the "Error: TEXT" tool_use_result, and through the
 * transcript and back (resume).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/error.h"
#include "runtime/loop/events.h"
#include "runtime/loop/transcript.h"

/* The tool_result text with a NUL in the middle. */
static const char nul_text[] = "a\0b\x01 end";
#define NUL_TEXT_LEN (sizeof(nul_text) - 1)

static json_t *results_message(bool is_error)
{
	return json_pack("{s:s, s:[{s:s, s:s, s:s%, s:b}]}", "role", "user", "content", "type", "tool_result",
			 "tool_use_id", "toolu_1", "content", nul_text, NUL_TEXT_LEN, "is_error", is_error);
}

/* The one stdout line events_tool_results() writes for message, parsed. */
static json_t *stream_line(const json_t *message)
{
	struct events ev;
	char *data = NULL;
	size_t size = 0;
	json_t *line;
	FILE *f;

	f = open_memstream(&data, &size);
	assert_non_null(f);
	events_init(&ev, EVENTS_STREAM_JSON, "11111111-2222-4333-8444-555555555555", NULL);
	ev.out = f;
	ev.progress = NULL;
	events_tool_results(&ev, message);
	events_release(&ev);
	fclose(f);
	assert_non_null(data);
	assert_non_null(strchr(data, '\n'));
	line = json_loadb(data, size, JSON_ALLOW_NUL | JSON_DISABLE_EOF_CHECK, NULL);
	assert_non_null(line);
	free(data);
	return line;
}

static void tool_result_lines_keep_nuls(void **state)
{
	json_t *msg, *line, *block, *tur;

	(void)state;
	msg = results_message(false);
	line = stream_line(msg);
	block = json_array_get(json_object_get(json_object_get(line, "message"), "content"), 0);
	assert_int_equal(json_string_length(json_object_get(block, "content")), NUL_TEXT_LEN);
	assert_memory_equal(json_string_value(json_object_get(block, "content")), nul_text, NUL_TEXT_LEN);
	tur = json_object_get(line, "tool_use_result");
	assert_int_equal(json_string_length(tur), NUL_TEXT_LEN);
	json_decref(line);
	json_decref(msg);

	/* An error's structured output is "Error: " + the whole text. */
	msg = results_message(true);
	line = stream_line(msg);
	tur = json_object_get(line, "tool_use_result");
	assert_int_equal(json_string_length(tur), 7 + NUL_TEXT_LEN);
	assert_memory_equal(json_string_value(tur), "Error: ", 7);
	assert_memory_equal(json_string_value(tur) + 7, nul_text, NUL_TEXT_LEN);
	json_decref(line);
	json_decref(msg);
}

static void transcript_round_trips_nuls(void **state)
{
	struct transcript_opts o = { 0 };
	struct transcript *t = NULL;
	struct cordon_diag d;
	char dir[] = "/tmp/cordon-events-XXXXXX", cmd[128];
	json_t *msgs = NULL, *meta = NULL, *msg, *c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	o.run_dir = dir;
	assert_int_equal(transcript_open(&t, &o, &d), 0);
	msg = results_message(false);
	assert_int_equal(transcript_append(t, "message", json_incref(msg)), 0);
	assert_int_equal(transcript_load(transcript_path(t), &msgs, &meta, &d), 0);
	transcript_close(t);
	assert_int_equal(json_array_size(msgs), 1);
	c = json_object_get(json_array_get(json_object_get(json_array_get(msgs, 0), "content"), 0), "content");
	assert_int_equal(json_string_length(c), NUL_TEXT_LEN);
	assert_memory_equal(json_string_value(c), nul_text, NUL_TEXT_LEN);
	json_decref(msgs);
	json_decref(meta);
	json_decref(msg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tool_result_lines_keep_nuls),
		cmocka_unit_test(transcript_round_trips_nuls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
