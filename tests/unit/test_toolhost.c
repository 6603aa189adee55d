/* Unit tests for runtime/toolhost: the oversized-result preview and caps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"
#include "runtime/toolhost.h"

/* `seq 1 6500` as Bash returns it: the reference case bash_output_over_limit. */
static void preview_matches_reference(void **state)
{
	struct buf text, out, want;
	const char *cut_at;
	int i;

	(void)state;
	buf_init(&text, BUF_NOMAX);
	buf_init(&out, BUF_NOMAX);
	buf_init(&want, BUF_NOMAX);
	for (i = 1; i <= 6500; i++)
		assert_int_equal(buf_printf(&text, i > 1 ? "\n%d" : "%d", i), 0);
	assert_int_equal(toolhost_format_persisted(&out, text.data, text.len, "/o/id.txt"), 0);
	cut_at = strstr(text.data, "\n528\n");
	assert_non_null(cut_at);
	buf_puts(&want, "<persisted-output>\nOutput too large (30.7KB). Full output saved to: /o/id.txt\n\n"
			"Preview (first 2KB):\n");
	buf_append(&want, text.data, (size_t)(cut_at - text.data));
	buf_puts(&want, "\n...\n</persisted-output>");
	assert_string_equal(out.data, want.data);
	buf_release(&text);
	buf_release(&out);
	buf_release(&want);
}

static void preview_counts_characters(void **state)
{
	struct buf text, out;
	const char *p;
	int i;

	(void)state;
	buf_init(&text, BUF_NOMAX);
	buf_init(&out, BUF_NOMAX);
	/* 3000 two-byte characters, no newline: cut after 2000 of them, whole. */
	for (i = 0; i < 3000; i++)
		buf_puts(&text, "\xc3\xa9");
	assert_int_equal(toolhost_format_persisted(&out, text.data, text.len, "/p"), 0);
	p = strstr(out.data, "Preview (first 2KB):\n");
	assert_non_null(p);
	p += strlen("Preview (first 2KB):\n");
	assert_int_equal(strlen(p), 4000 + strlen("\n...\n</persisted-output>"));
	buf_release(&text);
	buf_release(&out);
}

static void preview_keeps_short_text(void **state)
{
	struct buf out;

	(void)state;
	buf_init(&out, BUF_NOMAX);
	assert_int_equal(toolhost_format_persisted(&out, "short", 5, "/p"), 0);
	assert_string_equal(out.data, "<persisted-output>\nOutput too large (5 bytes). Full output saved to: /p\n\n"
				      "Preview (first 2KB):\nshort\n</persisted-output>");
	buf_release(&out);
}

static void caps_per_tool(void **state)
{
	(void)state;
	assert_int_equal(toolhost_result_cap("Read"), 0);
	assert_int_equal(toolhost_result_cap("Grep"), 20000);
	assert_int_equal(toolhost_result_cap("Bash"), 30000);
	assert_int_equal(toolhost_result_cap("Edit"), 50000);
	assert_int_equal(toolhost_result_cap("TodoWrite"), 50000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(preview_matches_reference),
		cmocka_unit_test(preview_counts_characters),
		cmocka_unit_test(preview_keeps_short_text),
		cmocka_unit_test(caps_per_tool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
