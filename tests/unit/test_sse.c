/* Unit tests for runtime/provider/sse: the event-stream parser. */
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
#include "runtime/provider/sse.h"

/* Events as "name|data\n" lines (data's newlines shown as \n), for comparing runs. */
static int collect(void *ctx, const char *name, const char *data, size_t len)
{
	struct buf *out = ctx;
	size_t i;

	assert_int_equal(data[len], '\0');
	buf_printf(out, "%s|", name);
	for (i = 0; i < len; i++) {
		if (data[i] == '\n')
			buf_puts(out, "\\n");
		else
			buf_putc(out, data[i]);
	}
	buf_putc(out, '\n');
	return 0;
}

/* Parse in chunks of the given sizes (cycled; 0 = all at once). */
static int parse(struct buf *out, const char *in, size_t n, size_t chunk, size_t max)
{
	struct sse p;
	size_t off = 0;
	int r = 0;

	buf_init(out, BUF_NOMAX);
	sse_init(&p, max, collect, out);
	while (off < n && r == 0) {
		size_t k = chunk && chunk < n - off ? chunk : n - off;

		r = sse_feed(&p, in + off, k);
		off += k;
	}
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

static const char *const fixtures[] = {
	"anthropic_tool_use_stream.sse",
	"anthropic_thinking_tool_use_stream.sse",
	"anthropic_midstream_error.sse",
	"openai_parallel_tool_calls_stream.sse",
};

/* Every split point of every fixture gives the same events as one whole read. */
static void fixtures_split_at_every_byte(void **state)
{
	size_t f, i;

	(void)state;
	for (f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
		struct buf in, whole, part;
		struct sse p;

		read_fixture(&in, fixtures[f]);
		assert_int_equal(parse(&whole, in.data, in.len, 0, 1 << 20), 0);
		assert_true(whole.len > 0);
		for (i = 1; i < in.len; i++) {
			buf_init(&part, BUF_NOMAX);
			sse_init(&p, 1 << 20, collect, &part);
			assert_int_equal(sse_feed(&p, in.data, i), 0);
			assert_int_equal(sse_feed(&p, in.data + i, in.len - i), 0);
			assert_int_equal(sse_finish(&p), 0);
			sse_release(&p);
			assert_string_equal(part.data, whole.data);
			buf_release(&part);
		}
		/* and one byte at a time */
		assert_int_equal(parse(&part, in.data, in.len, 1, 1 << 20), 0);
		assert_string_equal(part.data, whole.data);
		buf_release(&part);
		buf_release(&whole);
		buf_release(&in);
	}
}

static void fixture_events_are_what_the_file_says(void **state)
{
	struct buf in, out;

	(void)state;
	read_fixture(&in, "anthropic_midstream_error.sse");
	assert_int_equal(parse(&out, in.data, in.len, 0, 1 << 20), 0);
	assert_non_null(strstr(out.data, "message_start|{\"type\":\"message_start\""));
	assert_non_null(strstr(out.data, "\nerror|{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\""));
	buf_release(&out);
	buf_release(&in);
	read_fixture(&in, "openai_parallel_tool_calls_stream.sse");
	assert_int_equal(parse(&out, in.data, in.len, 0, 1 << 20), 0);
	assert_non_null(strstr(out.data, "\n|[DONE]\n"));
	assert_int_equal(out.data[0], '|'); /* unnamed */
	buf_release(&out);
	buf_release(&in);
}

/* The same stream with \r\n and with lone \r line ends, split anywhere. */
static void cr_and_crlf_line_ends(void **state)
{
	struct buf in, whole, conv, out;
	size_t i, chunk;
	int mode;

	(void)state;
	read_fixture(&in, "anthropic_tool_use_stream.sse");
	assert_int_equal(parse(&whole, in.data, in.len, 0, 1 << 20), 0);
	for (mode = 0; mode < 2; mode++) {
		buf_init(&conv, BUF_NOMAX);
		for (i = 0; i < in.len; i++) {
			if (in.data[i] == '\n')
				buf_puts(&conv, mode ? "\r" : "\r\n");
			else
				buf_putc(&conv, in.data[i]);
		}
		for (chunk = 0; chunk < 8; chunk++) {
			assert_int_equal(parse(&out, conv.data, conv.len, chunk, 1 << 20), 0);
			assert_string_equal(out.data, whole.data);
			buf_release(&out);
		}
		buf_release(&conv);
	}
	buf_release(&whole);
	buf_release(&in);
}

static void expect(const char *in, const char *want)
{
	struct buf out;
	size_t chunk;

	for (chunk = 0; chunk < 4; chunk++) {
		assert_int_equal(parse(&out, in, strlen(in), chunk, 1 << 20), 0);
		assert_string_equal(out.data, want);
		buf_release(&out);
	}
}

static void field_rules(void **state)
{
	(void)state;
	/* comments, ignored fields, one space dropped (only one), no space needed */
	expect(": keep-alive\nid: 7\nretry: 10\nevent: a\ndata:  two spaces\n\n", "a| two spaces\n");
	expect("data:x\n\n", "|x\n");
	/* several data lines are joined with newlines */
	expect("event: m\ndata: one\ndata: two\ndata:\n\n", "m|one\\ntwo\\n\n");
	/* a field without a colon has an empty value */
	expect("data\ndata\n\n", "|\\n\n");
	/* a named event without data is still dispatched; nothing else is */
	expect("event: ping\n\n\n\n", "ping|\n");
	expect("id: 3\n\n: c\n\n", "");
	/* a colon in the value stays */
	expect("data: {\"a\":\"b:c\"}\n\n", "|{\"a\":\"b:c\"}\n");
	/* the name is reset after each event */
	expect("event: x\ndata: 1\n\ndata: 2\n\n", "x|1\n|2\n");
	/* unknown field names, also long ones and ones that start like known ones */
	expect("datum: 1\nevents: 2\ndataxxxxxxxxxxxxxxxxxxxxx: 3\ndata: 4\n\n", "|4\n");
}

static void bom_is_dropped(void **state)
{
	(void)state;
	expect("\xEF\xBB\xBF" "event: a\ndata: 1\n\n", "a|1\n");
	expect("data: 1\n\xEF\xBB\xBF" "data: 2\n\n", "|1\\n2\n");
	/* a BOM then a comment; a lone BOM line is blank */
	expect("\xEF\xBB\xBF: hi\ndata: 1\n\xEF\xBB\xBF\n", "|1\n");
	/* only one BOM, and only at the start of a line */
	expect("\xEF\xBB\xBF\xEF\xBB\xBF" "data: 1\n\n", "");
	expect("data: \xEF\xBB\xBFx\n\n", "|\xEF\xBB\xBFx\n");
}

static void flush_at_eof(void **state)
{
	(void)state;
	expect("event: a\ndata: 1", "a|1\n");
	expect("event: a\ndata: 1\n", "a|1\n");
	expect("event: a\ndata: 1\r", "a|1\n");
	expect("data: 1\n\ndata: 2", "|1\n|2\n");
	expect("", "");
}

static void ceiling_is_an_error(void **state)
{
	struct buf out;
	char big[64];
	struct sse p;

	(void)state;
	/* exactly at the ceiling is fine, one byte more is not, however it arrives */
	snprintf(big, sizeof(big), "data: %s\n\n", "0123456789");
	assert_int_equal(parse(&out, big, strlen(big), 0, 10), 0);
	buf_release(&out);
	assert_int_equal(parse(&out, big, strlen(big), 0, 9), -CORDON_ETOOBIG);
	buf_release(&out);
	assert_int_equal(parse(&out, big, strlen(big), 1, 9), -CORDON_ETOOBIG);
	buf_release(&out);
	/* joined lines count too */
	assert_int_equal(parse(&out, "data: 12345\ndata: 1234\n\n", 24, 0, 10), 0);
	buf_release(&out);
	assert_int_equal(parse(&out, "data: 12345\ndata: 12345\n\n", 26, 0, 10), -CORDON_ETOOBIG);
	buf_release(&out);
	/* sticky */
	buf_init(&out, BUF_NOMAX);
	sse_init(&p, 4, collect, &out);
	assert_int_equal(sse_feed(&p, "data: 12345\n", 12), -CORDON_ETOOBIG);
	assert_int_equal(sse_feed(&p, "\n", 1), -CORDON_ETOOBIG);
	assert_int_equal(sse_finish(&p), -CORDON_ETOOBIG);
	assert_string_equal(out.data, "");
	sse_release(&p);
	buf_release(&out);
	/* comments and ignored fields do not count */
	assert_int_equal(parse(&out, ": 0123456789012345\nid: 01234567890\ndata: 1\n\n", 43, 3, 4), 0);
	assert_string_equal(out.data, "|1\n");
	buf_release(&out);
}

static void long_name_is_cut(void **state)
{
	struct buf in, out;
	int i;

	(void)state;
	buf_init(&in, BUF_NOMAX);
	buf_puts(&in, "event: ");
	for (i = 0; i < 200; i++)
		buf_putc(&in, 'n');
	buf_puts(&in, "\ndata: 1\n\n");
	assert_int_equal(parse(&out, in.data, in.len, 7, 1 << 20), 0);
	assert_int_equal(strchr(out.data, '|') - out.data, SSE_MAX_NAME);
	buf_release(&out);
	buf_release(&in);
}

static int stop_at_second(void *ctx, const char *name, const char *data, size_t len)
{
	int *n = ctx;

	(void)name, (void)data, (void)len;
	return ++*n == 2 ? -CORDON_EPROTO : 0;
}

static void callback_error_stops(void **state)
{
	struct sse p;
	int n = 0;

	(void)state;
	sse_init(&p, 100, stop_at_second, &n);
	assert_int_equal(sse_feed(&p, "data: 1\n\ndata: 2\n\ndata: 3\n\n", 27), -CORDON_EPROTO);
	assert_int_equal(n, 2);
	assert_int_equal(sse_finish(&p), -CORDON_EPROTO);
	assert_int_equal(n, 2);
	sse_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixtures_split_at_every_byte),
		cmocka_unit_test(fixture_events_are_what_the_file_says),
		cmocka_unit_test(cr_and_crlf_line_ends),
		cmocka_unit_test(field_rules),
		cmocka_unit_test(bom_is_dropped),
		cmocka_unit_test(flush_at_eof),
		cmocka_unit_test(ceiling_is_an_error),
		cmocka_unit_test(long_name_is_cut),
		cmocka_unit_test(callback_error_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
