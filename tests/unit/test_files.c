/* Unit tests for the file tools: textfile, editapply, input validation, and
 * Read/Write/Edit/TodoWrite driven through tool_execute() on real files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/buf.h"
#include "common/error.h"
#include "tools/editapply.h"
#include "tools/input.h"
#include "tools/textfile.h"
#include "tools/tool.h"

/* --- textfile -------------------------------------------------------- */

static void text_line_endings(void **state)
{
	char s[] = "a\r\nb\r\nc\rd\n";
	struct buf b;
	size_t n;

	(void)state;
	assert_true(text_is_crlf(s, strlen(s)));
	assert_false(text_is_crlf("a\nb\r\nc\n", 8));
	n = text_crlf_to_lf(s, strlen(s));
	assert_int_equal(n, 8);
	assert_memory_equal(s, "a\nb\nc\rd\n", 8);
	buf_init(&b, 64);
	assert_int_equal(text_lf_to_crlf(&b, "x\ny\n", 4), 0);
	assert_string_equal(b.data, "x\r\ny\r\n");
	buf_release(&b);
}

static void text_strip_ws(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 64);
	assert_int_equal(text_strip_trailing_ws(&b, "a  \nb\t\nc", 9), 0);
	assert_string_equal(b.data, "a\nb\nc");
	buf_release(&b);
	assert_true(text_is_blank(" \n\t", 3));
	assert_false(text_is_blank(" x", 2));
}

static void text_sizes(void **state)
{
	char s[32];

	(void)state;
	text_format_size(s, sizeof(s), 512);
	assert_string_equal(s, "512 bytes");
	text_format_size(s, sizeof(s), 262144);
	assert_string_equal(s, "256KB");
	text_format_size(s, sizeof(s), 228864);
	assert_string_equal(s, "223.5KB");
	text_format_size(s, sizeof(s), 1248894);
	assert_string_equal(s, "1.2MB");
	text_format_size(s, sizeof(s), 1u << 30);
	assert_string_equal(s, "1GB");
}

static void text_utf16_roundtrip(void **state)
{
	const char raw[] = "\xff\xfe"
			   "h\0i\0\n\0=\xd8\0\xde"; /* "hi\n" + U+1F600 */
	struct buf u8, back;

	(void)state;
	buf_init(&u8, 64);
	buf_init(&back, 64);
	assert_int_equal(text_detect(raw, sizeof(raw) - 1), TEXT_UTF16LE);
	assert_int_equal(text_decode(&u8, raw, sizeof(raw) - 1, TEXT_UTF16LE), 0);
	assert_string_equal(u8.data, "hi\n\xf0\x9f\x98\x80");
	assert_int_equal(text_encode(&back, u8.data, u8.len, TEXT_UTF16LE), 0);
	assert_int_equal(back.len, sizeof(raw) - 1);
	assert_memory_equal(back.data, raw, back.len);
	buf_release(&u8);
	buf_release(&back);
}

static void text_hash_streams(void **state)
{
	static const char data[] = "0123456789abcdefghijklmnopqrstuvwxyz-the quick brown fox";
	struct text_hasher th;
	size_t n = sizeof(data) - 1, i;

	(void)state;
	for (i = 0; i <= n; i++) {
		text_hasher_init(&th);
		text_hasher_update(&th, data, i);
		text_hasher_update(&th, data + i, n - i);
		assert_true(text_hasher_final(&th) == text_hash(data, n));
	}
	assert_true(text_hash(data, n) != text_hash(data, n - 1));
	assert_true(text_hash("a", 1) != text_hash("a\0", 2));
}

/* --- editapply ------------------------------------------------------- */

static int apply(const char *text, const char *old, const char *nw, bool all, char **out, size_t *count)
{
	struct edit_req r = { old, strlen(old), nw, strlen(nw), all };
	struct buf b;
	int rc;

	buf_init(&b, BUF_NOMAX);
	rc = edit_apply(&b, count, text, strlen(text), &r);
	*out = rc == 0 ? buf_detach(&b, NULL) : NULL;
	buf_release(&b);
	return rc;
}

static void edit_unique_and_counts(void **state)
{
	char *o;
	size_t n;

	(void)state;
	assert_int_equal(apply("a b a", "b", "c", false, &o, &n), 0);
	assert_string_equal(o, "a c a");
	assert_int_equal(n, 1);
	free(o);
	assert_int_equal(apply("a b a", "a", "x", false, &o, &n), -CORDON_EINVAL);
	assert_int_equal(n, 2);
	assert_int_equal(apply("a b a", "a", "x", true, &o, &n), 0);
	assert_string_equal(o, "x b x");
	assert_int_equal(n, 2);
	free(o);
	/* non-overlapping, like the reference's split() count */
	assert_int_equal(apply("aaaa", "aa", "b", true, &o, &n), 0);
	assert_string_equal(o, "bb");
	assert_int_equal(n, 2);
	free(o);
	assert_int_equal(apply("abc", "zzz", "y", false, &o, &n), -CORDON_ENOTFOUND);
	/* literal: no $& patterns */
	assert_int_equal(apply("x=1", "1", "$&$1", false, &o, &n), 0);
	assert_string_equal(o, "x=$&$1");
	free(o);
}

static void edit_curly_quotes(void **state)
{
	char *o;
	size_t n;

	(void)state;
	assert_int_equal(apply("say \xe2\x80\x9chello\xe2\x80\x9d now", "say \"hello\"", "say \"bye\"", false, &o, &n),
			 0);
	assert_string_equal(o, "say \xe2\x80\x9c"
			       "bye\xe2\x80\x9d now");
	free(o);
	/* an apostrophe between letters becomes ’ */
	assert_int_equal(apply("it\xe2\x80\x99s here", "it's", "that's", false, &o, &n), 0);
	assert_string_equal(o, "that\xe2\x80\x99s here");
	free(o);
}

static void edit_delete_line(void **state)
{
	char *o;
	size_t n;

	(void)state;
	assert_int_equal(apply("one\ntwo\nthree\n", "two", "", false, &o, &n), 0);
	assert_string_equal(o, "one\nthree\n");
	free(o);
}

static void edit_desanitizes(void **state)
{
	struct buf b;
	bool ch;

	(void)state;
	buf_init(&b, 256);
	assert_int_equal(edit_desanitize(&b, &ch, "a <fnr> <n>x</n>\n\nH: hi", 23), 0);
	assert_true(ch);
	assert_string_equal(b.data, "a <function_results> <name>x</name>\n\nHuman: hi");
	buf_truncate(&b, 0);
	assert_int_equal(edit_desanitize(&b, &ch, "<nothing>", 9), 0);
	assert_false(ch);
	assert_string_equal(b.data, "<nothing>");
	buf_release(&b);
}

/* --- input ----------------------------------------------------------- */

static const struct input_field fields[] = {
	{ .name = "file_path", .type = INPUT_STRING, .required = true },
	{ .name = "limit", .type = INPUT_INT, .has_min = true, .min = 0, .min_exclusive = true },
	{ .name = "all", .type = INPUT_BOOL },
	{ .name = NULL },
};

static char *validate(const char *json, json_t **norm)
{
	json_t *in = json_loads(json, 0, NULL), *n = NULL;
	char *msg = NULL;
	int rc;

	assert_non_null(in);
	rc = input_validate(&n, &msg, "Read", fields, in);
	json_decref(in);
	if (norm)
		*norm = n;
	else
		json_decref(n);
	assert_true(rc == 0 || rc == -CORDON_EINVAL);
	return msg;
}

static void input_messages(void **state)
{
	char *m;
	json_t *n;

	(void)state;
	m = validate("{\"path\": 1}", NULL);
	assert_string_equal(m, "<tool_use_error>InputValidationError: Read failed due to the following issues:\n"
			       "The required parameter `file_path` is missing\n"
			       "An unexpected parameter `path` was provided</tool_use_error>");
	free(m);
	m = validate("{\"file_path\": 3}", NULL);
	assert_string_equal(m, "<tool_use_error>InputValidationError: Read failed due to the following issue:\n"
			       "The parameter `file_path` type is expected as `string` but provided as `number`"
			       "</tool_use_error>");
	free(m);
	m = validate("{\"file_path\": \"x\", \"limit\": 0}", NULL);
	assert_non_null(strstr(m, "\"code\": \"too_small\""));
	assert_non_null(strstr(m, "Too small: expected number to be >0"));
	free(m);
	/* lenient coercion */
	assert_null(validate("{\"file_path\": \"x\", \"limit\": \"2\", \"all\": \"true\"}", &n));
	assert_int_equal(input_int(n, "limit", -1), 2);
	assert_true(input_bool(n, "all", false));
	json_decref(n);
}

/* --- the tools on real files ------------------------------------------ */

struct ws {
	char dir[64];
	json_t *state; /* read-state entry carried like the supervisor does */
};

static int ws_setup(void **state)
{
	struct ws *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	strcpy(w->dir, "/tmp/cordon-files-XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	*state = w;
	return 0;
}

static int ws_teardown(void **state)
{
	struct ws *w = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->dir);
	assert_int_equal(system(cmd), 0);
	json_decref(w->state);
	free(w);
	return 0;
}

static void put(struct ws *w, const char *name, const char *data, size_t n)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", w->dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, n), (ssize_t)n);
	close(fd);
}

static char *get(struct ws *w, const char *name, size_t *n)
{
	char p[256], *d;
	FILE *f;
	long len;

	snprintf(p, sizeof(p), "%s/%s", w->dir, name);
	f = fopen(p, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	d = calloc(1, (size_t)len + 1);
	assert_int_equal(fread(d, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*n = (size_t)len;
	return d;
}

/* Run a tool; return its text (malloc'd, *len bytes, NULs kept); carry its read_state. */
static char *calln(struct ws *w, const char *tool, const char *input_json, bool *is_error, size_t *len)
{
	json_t *req, *res = NULL, *eff, *c;
	char *text;

	req = json_pack("{s:s, s:o, s:s, s:s, s:{}}", "tool", tool, "input",
			json_loads(input_json, JSON_ALLOW_NUL, NULL), "cwd", w->dir, "workspace", w->dir, "state");
	assert_non_null(req);
	if (w->state)
		json_object_set(json_object_get(req, "state"), "read", w->state);
	assert_int_equal(tool_execute(req, &res), 0);
	*is_error = json_is_true(json_object_get(res, "is_error"));
	c = json_object_get(res, "content");
	if (json_is_string(c)) {
		*len = json_string_length(c);
		text = malloc(*len + 1);
		assert_non_null(text);
		memcpy(text, json_string_value(c), *len + 1);
	} else {
		text = json_dumps(c, 0);
		*len = text ? strlen(text) : 0;
	}
	eff = json_object_get(json_object_get(res, "effects"), "read_state");
	if (eff) {
		json_decref(w->state);
		w->state = json_incref(eff);
	}
	json_decref(res);
	json_decref(req);
	return text;
}

static char *call(struct ws *w, const char *tool, const char *input_json, bool *is_error)
{
	size_t len;

	return calln(w, tool, input_json, is_error, &len);
}

static void read_crlf_bom_invalid_utf8(void **state)
{
	static const char data[] = "\xef\xbb\xbfone\r\ntwo\tx\r\n\xff\xfe end";
	struct ws *w = *state;
	bool err;
	char *t;

	put(w, "a.txt", data, sizeof(data) - 1);
	t = call(w, "Read", "{\"file_path\": \"a.txt\"}", &err);
	assert_false(err);
	assert_string_equal(t, "1\tone\n2\ttwo\tx\n3\t\xef\xbf\xbd\xef\xbf\xbd end");
	free(t);
	t = call(w, "Read", "{\"file_path\": \"a.txt\", \"offset\": 10}", &err);
	assert_false(err);
	assert_string_equal(t, "<system-reminder>Warning: the file exists but is shorter than the provided offset "
			       "(10). The file has 3 lines.</system-reminder>");
	free(t);
}

/*
 * A text-named file holding every byte value: the whole content comes back
 * numbered, NULs and control bytes kept, each bad UTF-8 sequence one
 * U+FFFD (docs/tools.md, "Read"); nothing stops at the first NUL.
 */
static void read_keeps_nul_and_control_bytes(void **state)
{
	struct ws *w = *state;
	struct buf want;
	char data[256], *t;
	size_t n, i;
	bool err;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)i;
	put(w, "all.txt", data, sizeof(data));
	buf_init(&want, BUF_NOMAX);
	assert_int_equal(buf_puts(&want, "1\t"), 0);
	assert_int_equal(buf_append(&want, data, 10), 0); /* 0x00..0x09, then the '\n' */
	assert_int_equal(buf_puts(&want, "\n2\t"), 0);
	assert_int_equal(buf_append(&want, data + 11, 0x80 - 11), 0); /* a lone '\r' inside a line stays */
	for (i = 0x80; i < 0x100; i++)
		assert_int_equal(buf_puts(&want, "\xef\xbf\xbd"), 0);
	t = calln(w, "Read", "{\"file_path\": \"all.txt\"}", &err, &n);
	assert_false(err);
	assert_int_equal(n, want.len);
	assert_memory_equal(t, want.data, n);
	free(t);
	/* A range past the NUL line still numbers the lines after it. */
	t = calln(w, "Read", "{\"file_path\": \"all.txt\", \"offset\": 2}", &err, &n);
	assert_false(err);
	assert_true(n > 3 && !memcmp(t, "2\t\x0b\x0c\r\x0e", 6));
	free(t);
	buf_release(&want);
}

/* Text inputs carry NULs both ways; a path or pattern with one is refused, not cut short. */
static void nul_in_inputs(void **state)
{
	struct ws *w = *state;
	char *t, *d;
	size_t n;
	bool err;

	t = calln(w, "Write", "{\"file_path\": \"n.txt\", \"content\": \"a\\u0000b\\nc\"}", &err, &n);
	assert_false(err);
	free(t);
	d = get(w, "n.txt", &n);
	assert_int_equal(n, 5);
	assert_memory_equal(d, "a\0b\nc", 5);
	free(d);
	t = calln(w, "Edit", "{\"file_path\": \"n.txt\", \"old_string\": \"a\\u0000b\", \"new_string\": \"x\\u0000\\u0000y\"}",
		  &err, &n);
	assert_false(err);
	free(t);
	d = get(w, "n.txt", &n);
	assert_int_equal(n, 6);
	assert_memory_equal(d, "x\0\0y\nc", 6);
	free(d);
	/* The "not found" error quotes the whole old_string. */
	t = calln(w, "Edit", "{\"file_path\": \"n.txt\", \"old_string\": \"x\\u0000zz\", \"new_string\": \"q\"}", &err,
		  &n);
	assert_true(err);
	assert_true(n > 4 && !memcmp(t + n - 4 - strlen("</tool_use_error>"), "x\0zz", 4));
	free(t);
	/* "n.txt\0.png" must not read n.txt. */
	t = calln(w, "Read", "{\"file_path\": \"n.txt\\u0000.png\"}", &err, &n);
	assert_true(err);
	assert_non_null(strstr(t, "must not contain NUL characters"));
	free(t);
	t = calln(w, "Grep", "{\"pattern\": \"x\\u0000\", \"path\": \"n.txt\"}", &err, &n);
	assert_true(err);
	assert_non_null(strstr(t, "must not contain NUL characters"));
	free(t);
	t = calln(w, "Glob", "{\"pattern\": \"n.txt\\u0000*\"}", &err, &n);
	assert_true(err);
	assert_non_null(strstr(t, "must not contain NUL characters"));
	free(t);
}

static void edit_keeps_crlf_and_mode(void **state)
{
	struct ws *w = *state;
	struct stat st;
	char p[256], *d;
	size_t n;
	bool err;

	put(w, "c.txt", "one\r\ntwo\r\nthree\r\n", 17);
	snprintf(p, sizeof(p), "%s/c.txt", w->dir);
	assert_int_equal(chmod(p, 04755), 0);
	free(call(w, "Read", "{\"file_path\": \"c.txt\"}", &err));
	assert_false(err);
	free(call(w, "Edit", "{\"file_path\": \"c.txt\", \"old_string\": \"two\\n\", \"new_string\": \"\"}", &err));
	assert_false(err);
	d = get(w, "c.txt", &n);
	assert_string_equal(d, "one\r\nthree\r\n");
	free(d);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755); /* setuid dropped, rest kept */
}

static void write_refuses_links_and_protected(void **state)
{
	struct ws *w = *state;
	char p[256], q[256];
	bool err;
	char *t;

	put(w, "h.txt", "x\n", 2);
	snprintf(p, sizeof(p), "%s/h.txt", w->dir);
	snprintf(q, sizeof(q), "%s/h2.txt", w->dir);
	assert_int_equal(link(p, q), 0);
	free(call(w, "Read", "{\"file_path\": \"h.txt\"}", &err));
	t = call(w, "Write", "{\"file_path\": \"h.txt\", \"content\": \"y\"}", &err);
	assert_true(err);
	assert_non_null(strstr(t, "hard links"));
	free(t);
	snprintf(q, sizeof(q), "%s/l.txt", w->dir);
	assert_int_equal(symlink("/etc/passwd", q), 0);
	t = call(w, "Write", "{\"file_path\": \"l.txt\", \"content\": \"y\"}", &err);
	assert_true(err);
	assert_non_null(strstr(t, "symbolic link"));
	free(t);
	t = call(w, "Write", "{\"file_path\": \".git/hooks/pre-commit\", \"content\": \"y\"}", &err);
	assert_true(err);
	assert_non_null(strstr(t, "protected"));
	free(t);
	t = call(w, "Write", "{\"file_path\": \"/etc/cron.d/x\", \"content\": \"y\"}", &err);
	assert_true(err);
	assert_non_null(strstr(t, "outside the workspace"));
	free(t);
}

static void write_after_change_is_refused(void **state)
{
	struct ws *w = *state;
	struct timespec ts[2] = { { 0, UTIME_OMIT }, { 4000000000, 0 } };
	char p[256];
	bool err;
	char *t;

	put(w, "m.txt", "v1\n", 3);
	free(call(w, "Read", "{\"file_path\": \"m.txt\", \"limit\": 1}", &err));
	put(w, "m.txt", "v2 longer\n", 10);
	snprintf(p, sizeof(p), "%s/m.txt", w->dir);
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	t = call(w, "Write", "{\"file_path\": \"m.txt\", \"content\": \"v3\"}", &err);
	assert_true(err);
	assert_non_null(strstr(t, "modified since read"));
	free(t);
	/* a full read of an unchanged-content file that was only touched is fine */
	free(call(w, "Read", "{\"file_path\": \"m.txt\"}", &err));
	ts[1].tv_sec = 4000000100;
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
	t = call(w, "Write", "{\"file_path\": \"m.txt\", \"content\": \"v3\\n\"}", &err);
	assert_false(err);
	free(t);
}

static void edit_sanitized_tokens(void **state)
{
	struct ws *w = *state;
	char *d;
	size_t n;
	bool err;

	put(w, "t.xml", "<function_results>old</function_results>\n", 41);
	free(call(w, "Read", "{\"file_path\": \"t.xml\"}", &err));
	free(call(w, "Edit", "{\"file_path\": \"t.xml\", \"old_string\": \"<fnr>old\", \"new_string\": \"<fnr>new\"}",
		  &err));
	assert_false(err);
	d = get(w, "t.xml", &n);
	assert_string_equal(d, "<function_results>new</function_results>\n");
	free(d);
}

static void todowrite_validates(void **state)
{
	struct ws *w = *state;
	bool err;
	char *t;

	t = call(w, "TodoWrite", "{\"todos\": [{\"content\": \"a\", \"status\": \"doing\", \"activeForm\": \"A\"}]}",
		 &err);
	assert_true(err);
	assert_non_null(strstr(t, "Invalid option: expected one of \\\"pending\\\"|\\\"in_progress\\\"|\\\"completed\\\""));
	free(t);
	t = call(w, "TodoWrite", "{\"todos\": [{\"content\": \"a\", \"status\": \"pending\", \"activeForm\": \"A\"}]}",
		 &err);
	assert_false(err);
	assert_non_null(strstr(t, "Todos have been modified successfully"));
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text_line_endings),
		cmocka_unit_test(text_strip_ws),
		cmocka_unit_test(text_sizes),
		cmocka_unit_test(text_utf16_roundtrip),
		cmocka_unit_test(text_hash_streams),
		cmocka_unit_test(edit_unique_and_counts),
		cmocka_unit_test(edit_curly_quotes),
		cmocka_unit_test(edit_delete_line),
		cmocka_unit_test(edit_desanitizes),
		cmocka_unit_test(input_messages),
		cmocka_unit_test_setup_teardown(read_crlf_bom_invalid_utf8, ws_setup, ws_teardown),
		cmocka_unit_test_setup_teardown(read_keeps_nul_and_control_bytes, ws_setup, ws_teardown),
		cmocka_unit_test_setup_teardown(nul_in_inputs, ws_setup, ws_teardown),
		cmocka_unit_test_setup_teardown(edit_keeps_crlf_and_mode, ws_setup, ws_teardown),
		cmocka_unit_test_setup_teardown(write_refuses_links_and_protected, ws_setup, ws_teardown),
		cmocka_unit_test_setup_teardown(write_after_change_is_refused, ws_setup, ws_teardown),
		cmocka_unit_test_setup_teardown(edit_sanitized_tokens, ws_setup, ws_teardown),
		cmocka_unit_test_setup_teardown(todowrite_validates, ws_setup, ws_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
