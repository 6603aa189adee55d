/* Unit tests for common/: buf, utf8, error, path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/fileio.h"
#include "common/path.h"
#include "common/utf8.h"

static void buf_append_respects_ceiling(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_puts(&b, "12345"), 0);
	assert_int_equal(buf_puts(&b, "678"), 0);
	assert_int_equal(buf_putc(&b, '9'), -CORDON_ETOOBIG);
	assert_int_equal(b.len, 8);
	assert_string_equal(b.data, "12345678");
	buf_release(&b);
}

static void buf_printf_grows_and_terminates(void **state)
{
	struct buf b;
	int i;

	(void)state;
	buf_init(&b, BUF_NOMAX);
	for (i = 0; i < 1000; i++)
		assert_int_equal(buf_printf(&b, "%d,", i), 0);
	assert_int_equal(strlen(b.data), b.len);
	assert_memory_equal(b.data, "0,1,2,", 6);
	buf_truncate(&b, 2);
	assert_string_equal(b.data, "0,");
	buf_release(&b);
}

static void buf_empty_detach_is_allocated(void **state)
{
	struct buf b;
	size_t n = 99;
	char *p;

	(void)state;
	buf_init(&b, 10);
	assert_string_equal(b.data, "");
	p = buf_detach(&b, &n);
	assert_non_null(p);
	assert_int_equal(n, 0);
	assert_string_equal(p, "");
	free(p);
}

static void utf8_rejects_overlong_and_surrogates(void **state)
{
	(void)state;
	assert_true(utf8_valid("h\xc3\xa9llo \xe2\x86\x92 \xf0\x9f\x98\x80", 15));
	assert_false(utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
	assert_false(utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
	assert_false(utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_false(utf8_valid("\xe2\x86", 2));         /* truncated */
	assert_false(utf8_valid("\xff", 1));
}

/* A bad sequence becomes one U+FFFD per maximal subpart (Unicode's practice, and Node's decoder). */
static void utf8_sanitize_replaces_maximal_subparts(void **state)
{
	static const struct {
		const char *in;
		size_t n;
		const char *out;
		size_t outn;
	} cases[] = {
		{ "a\xff" "b\xe2\x86", 5, "a\xef\xbf\xbd" "b\xef\xbf\xbd", 8 },      /* a truncated sequence is one */
		{ "\xe2\x82" "A", 3, "\xef\xbf\xbd" "A", 4 },
		{ "\xf0\x9f\x98" "B", 4, "\xef\xbf\xbd" "B", 4 },
		{ "\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 9 }, /* surrogate: no valid prefix */
		{ "\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd", 6 },                 /* overlong lead */
		{ "\xf4\x90\x80\x80", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", 12 },
		{ "\xe0\xa0", 2, "\xef\xbf\xbd", 3 },
		{ "\xf1\x80\x80" "\xe1", 4, "\xef\xbf\xbd\xef\xbf\xbd", 6 },
		{ "x\0y\x01", 4, "x\0y\x01", 4 },                                    /* NUL and controls stay */
	};
	struct buf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_init(&b, 100);
		assert_int_equal(utf8_sanitize(&b, cases[i].in, cases[i].n), 0);
		assert_int_equal(b.len, cases[i].outn);
		assert_memory_equal(b.data, cases[i].out, b.len);
		assert_true(utf8_valid(b.data, b.len));
		buf_release(&b);
	}
}

/* Terminal output: every control but newline and tab, and the C1 range, made visible. */
static void utf8_sanitize_tty_leaves_no_control(void **state)
{
	static const char in[] = "a\x1b]52;c;SGk=\x07" "b\x1b[2J\r\x7f" "c\xc2\x9b" "d\xc2\xa0\t\n\xe2\x86\x92";
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b, 200);
	assert_int_equal(utf8_sanitize_tty(&b, in, sizeof(in) - 1), 0);
	assert_true(utf8_valid(b.data, b.len));
	for (i = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)b.data[i];

		assert_false((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f);
		/* No C1 control (U+0080..U+009F as 0xc2 0x80..0x9f). */
		if (c == 0xc2 && i + 1 < b.len)
			assert_true((unsigned char)b.data[i + 1] >= 0xa0);
	}
	assert_string_equal(b.data, "a\xef\xbf\xbd]52;c;SGk=\xef\xbf\xbd" "b\xef\xbf\xbd[2J\xef\xbf\xbd\xef\xbf\xbd"
				    "c\xef\xbf\xbd" "d\xc2\xa0\t\n\xe2\x86\x92");
	buf_release(&b);
}

static void utf8_cut_never_splits_a_character(void **state)
{
	const char *s = "ab\xe2\x86\x92" "c"; /* a b → c */

	(void)state;
	assert_int_equal(utf8_cut(s, 6, 3), 2);
	assert_int_equal(utf8_cut(s, 6, 4), 2);
	assert_int_equal(utf8_cut(s, 6, 5), 5);
	assert_int_equal(utf8_cut(s, 6, 99), 6);
	assert_int_equal(utf8_strlen(s, 6), 4);
}

static void diag_formats_position(void **state)
{
	struct cordon_diag d;
	char out[600];

	(void)state;
	diag_clear(&d);
	assert_int_equal(diag_set(&d, 3, 7, "unexpected '%c'", ':'), -CORDON_EPARSE);
	diag_set_file(&d, "agent.md");
	assert_string_equal(diag_format(&d, out, sizeof(out)), "agent.md:3:7: unexpected ':'");
	assert_string_equal(cordon_strerror(-CORDON_ETOOBIG), "size limit reached");
	assert_string_equal(cordon_strerror(999), "unknown error");
}

static void fd_read_exact_reads_all_or_reports_eof(void **state)
{
	char out[8];
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fd_write_all(p[1], "abcdefgh", 8), 0);
	assert_int_equal(fd_read_exact(p[0], out, 8), 0);
	assert_memory_equal(out, "abcdefgh", 8);
	assert_int_equal(fd_write_all(p[1], "xyz", 3), 0);
	close(p[1]);
	/* Three bytes, then EOF: a short message is a protocol error, not data. */
	assert_int_equal(fd_read_exact(p[0], out, 8), -CORDON_EPROTO);
	close(p[0]);
}

static void path_normalize_folds_dots(void **state)
{
	char o[PATH_NORM_MAX + 1], *d;

	(void)state;
	assert_int_equal(path_normalize(o, sizeof(o), "../y/./z//q/..", "/w/x"), 0);
	assert_string_equal(o, "/w/y/z");
	assert_int_equal(path_normalize(o, sizeof(o), "/../../etc", "/w"), 0);
	assert_string_equal(o, "/etc");
	assert_int_equal(path_normalize(o, sizeof(o), "/", "/w"), 0);
	assert_string_equal(o, "/");
	assert_int_equal(path_normalize(o, sizeof(o), "..", "/"), 0);
	assert_string_equal(o, "/");
	assert_int_equal(path_normalize(o, sizeof(o), "a/", "//w//"), 0);
	assert_string_equal(o, "/w/a");
	assert_int_equal(path_normalize(o, sizeof(o), "", "/w"), -CORDON_EINVAL);
	assert_int_equal(path_normalize(o, sizeof(o), "x", "rel"), -CORDON_EINVAL);
	assert_int_equal(path_normalize(o, sizeof(o), "x", NULL), -CORDON_EINVAL);
	assert_int_equal(path_normalize(o, 4, "/abcd", NULL), -CORDON_ETOOBIG);
	assert_int_equal(path_normalize_dup(&d, "b/../c", "/a"), 0);
	assert_string_equal(d, "/a/c");
	free(d);
}

/* A path longer than the ceiling on the way may still fold to a short one. */
static void path_normalize_bounds(void **state)
{
	char o[PATH_NORM_MAX + 1], in[3 * PATH_NORM_MAX];
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < PATH_NORM_MAX_SEGS + 1; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "/s");
	assert_int_equal(path_normalize(o, sizeof(o), in, NULL), -CORDON_ETOOBIG);
	n = 0;
	for (i = 0; i < 1000; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n, "/x/..");
	assert_int_equal(path_normalize(o, sizeof(o), in, NULL), 0);
	assert_string_equal(o, "/");
	memset(in, 'a', PATH_NORM_MAX + 1);
	in[0] = '/';
	in[PATH_NORM_MAX + 1] = 0;
	assert_int_equal(path_normalize(o, sizeof(o), in, NULL), -CORDON_ETOOBIG);
	in[PATH_NORM_MAX] = 0;
	assert_int_equal(path_normalize(o, sizeof(o), in, NULL), 0);
}

/* The model's `~` means the home directory; everything else the cwd. */
static void path_resolve_expands_home(void **state)
{
	char o[PATH_NORM_MAX + 1];

	(void)state;
	assert_int_equal(path_resolve(o, sizeof(o), "~/../secrets/k", "/ws", "/ws/h1/h2"), 0);
	assert_string_equal(o, "/ws/h1/secrets/k");
	assert_int_equal(path_resolve(o, sizeof(o), "~", "/ws", "/home/u"), 0);
	assert_string_equal(o, "/home/u");
	assert_int_equal(path_resolve(o, sizeof(o), "~/", "/ws", "/home/u"), 0);
	assert_string_equal(o, "/home/u");
	assert_int_equal(path_resolve(o, sizeof(o), "~//etc/x", "/ws", "/home/u"), 0);
	assert_string_equal(o, "/home/u/etc/x");
	/* "~user" and "a/~" are plain names. */
	assert_int_equal(path_resolve(o, sizeof(o), "~root/x", "/ws", "/home/u"), 0);
	assert_string_equal(o, "/ws/~root/x");
	assert_int_equal(path_resolve(o, sizeof(o), "a/~/b", "/ws", "/home/u"), 0);
	assert_string_equal(o, "/ws/a/~/b");
	assert_int_equal(path_resolve(o, sizeof(o), "~/x", "/ws", NULL), -CORDON_EINVAL);
	assert_int_equal(path_resolve(o, sizeof(o), "~/x", "/ws", "rel"), -CORDON_EINVAL);
	assert_int_equal(path_resolve(o, sizeof(o), "x", "/ws", NULL), 0);
	assert_string_equal(o, "/ws/x");
	assert_true(path_within("/ws/a", "/ws"));
	assert_true(path_within("/ws", "/ws"));
	assert_false(path_within("/wsx", "/ws"));
	assert_true(path_within("/x", "/"));
}

/* One UTF-16 decoder for Read and Grep: pairs joined, lone surrogates and odd bytes marked or dropped. */
static void utf16_decodes(void **state)
{
	static const unsigned char le[] = { 'h', 0, 0xe9, 0, 0x3d, 0xd8, 0x00, 0xde, 0x00, 0xd8, 'x', 0, 'z' };
	static const unsigned char be[] = { 0, 'h', 0xd8, 0x3d, 0xde, 0x00 };
	struct buf b;

	(void)state;
	buf_init(&b, BUF_NOMAX);
	assert_int_equal(utf16_to_utf8(&b, le, sizeof(le), false, true), 0);
	assert_string_equal(b.data, "h\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx\xef\xbf\xbd");
	buf_truncate(&b, 0);
	assert_int_equal(utf16_to_utf8(&b, le, sizeof(le), false, false), 0);
	assert_string_equal(b.data, "h\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbdx");
	buf_truncate(&b, 0);
	assert_int_equal(utf16_to_utf8(&b, be, sizeof(be), true, true), 0);
	assert_string_equal(b.data, "h\xf0\x9f\x98\x80");
	buf_truncate(&b, 0);
	assert_int_equal(utf8_put(&b, 0x10ffff), 0);
	assert_true(utf8_valid(b.data, b.len));
	assert_int_equal(b.len, 4);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_append_respects_ceiling),
		cmocka_unit_test(buf_printf_grows_and_terminates),
		cmocka_unit_test(buf_empty_detach_is_allocated),
		cmocka_unit_test(utf8_rejects_overlong_and_surrogates),
		cmocka_unit_test(utf8_sanitize_replaces_maximal_subparts),
		cmocka_unit_test(utf8_sanitize_tty_leaves_no_control),
		cmocka_unit_test(utf8_cut_never_splits_a_character),
		cmocka_unit_test(diag_formats_position),
		cmocka_unit_test(fd_read_exact_reads_all_or_reports_eof),
		cmocka_unit_test(path_normalize_folds_dots),
		cmocka_unit_test(path_normalize_bounds),
		cmocka_unit_test(path_resolve_expands_home),
		cmocka_unit_test(utf16_decodes),
	};
	return cmocka_run_group_tests_name("common", tests, NULL, NULL);
}
