/*
 * Unit tests for WebFetch's child-side text: tools/html2md (HTML to
 * Markdown and its bounds), tools/webfetch's pure helpers (charsets, the
 * 100000-character cut, what counts as text) and common/base64.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/base64.h"
#include "common/error.h"
#include "common/utf8.h"
#include "tools/html2md.h"
#include "tools/webfetch.h"

/* Convert html with base https://ex.com/a/b.html; the Markdown, malloc'd. */
static char *md(const char *html, struct html2md_stats *st)
{
	struct html2md_opts o = { .base_url = "https://ex.com/a/b.html" };
	struct html2md_stats local;
	struct buf b;

	buf_init(&b, BUF_NOMAX);
	assert_int_equal(html2md(&b, html, strlen(html), &o, st ? st : &local), 0);
	assert_true(utf8_valid(b.data, b.len));
	return buf_detach(&b, NULL);
}

static void expect_md(const char *html, const char *want)
{
	char *got = md(html, NULL);

	if (strcmp(got, want))
		fail_msg("for %s\n got: [%s]\nwant: [%s]", html, got, want);
	free(got);
}

static void markdown_forms(void **state)
{
	(void)state;
	expect_md("<h1>Title</h1><p>The answer is <b>42</b>.</p>", "# Title\n\nThe answer is **42**.");
	expect_md("<h3>  spaced   out  </h3>", "### spaced out");
	expect_md("<p>a <i>b</i> <em> c </em>d</p>", "a *b* *c* d");
	expect_md("<p>x<b> </b>y</p><h2></h2>", "x y");
	expect_md("<ul><li>one</li><li>two<ul><li>three</li></ul></li></ul>", "- one\n- two\n  - three");
	expect_md("<ol start=\"3\"><li>c</li><li>d</li></ol>", "3. c\n4. d");
	expect_md("<ol><li><p>p1</p><p>p2</p></li></ol>", "1. p1\n\n   p2");
	expect_md("<blockquote><p>q1</p><p>q2</p></blockquote>", "> q1\n>\n> q2");
	expect_md("<p>a<br>b</p>", "a\nb");
	expect_md("<p>before</p><hr><p>after</p>", "before\n\n---\n\nafter");
	expect_md("<a href=\"/x y\">link</a> <a href=\"#top\">top</a> <a href=\"javascript:alert(1)\">js</a>",
		  "[link](https://ex.com/x%20y) [top](#top) js");
	expect_md("<a href=\"/x\"></a>", "");
	expect_md("<img src=\"p.png\" alt=\"a pic\"> <img src=\"data:image/png;base64,AAAA\" alt=\"inline\">",
		  "![a pic](https://ex.com/a/p.png) inline");
	expect_md("<p>use <code>make check</code></p>", "use `make check`");
	expect_md("<pre><code class=\"language-c\">int x;\n  y();\n</code></pre>", "```c\nint x;\n  y();\n```");
	expect_md("<pre>has ``` inside</pre>", "````\nhas ``` inside\n````");
	expect_md("<table><tr><th>a</th><th>b|c</th></tr><tr><td>1</td><td>2<br>3</td></tr><tr><td>4</td></tr></table>",
		  "| a | b\\|c |\n| --- | --- |\n| 1 | 2 3 |\n| 4 |  |");
	expect_md("<p>kept</p><script>var x = '<p>no</p>';</script><style>p{}</style><noscript>no</noscript>"
		  "<template><p>no</p></template><svg><text>no</text></svg>",
		  "kept");
	expect_md("<html><head><title>T</title><meta charset=utf-8></head><body><p>body</p></body></html>", "body");
	expect_md("caf&eacute; &lt;tag&gt; &amp;", "café <tag> &");
	expect_md("", "");
}

static void title_is_reported(void **state)
{
	struct html2md_stats st;
	char *m = md("<title>  My \n Page </title><p>x</p>", &st);

	(void)state;
	assert_string_equal(st.title, "My Page");
	assert_false(st.cut || st.too_deep || st.truncated);
	free(m);
}

static char *repeat(const char *head, const char *unit, size_t n, const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail), i;
	char *s = malloc(hl + ul * n + tl + 1), *p = s;

	assert_non_null(s);
	memcpy(p, head, hl);
	p += hl;
	for (i = 0; i < n; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, tail, tl + 1);
	return s;
}

/* Hostile pages are cut before gumbo sees them, and the walk stays bounded. */
static void hostile_pages_are_bounded(void **state)
{
	struct html2md_stats st;
	char *html, *m;

	(void)state;
	html = repeat("<p>top</p>", "<div>", 100000, "deep");
	m = md(html, &st);
	assert_true(st.cut);
	assert_false(st.cut_attrs);
	assert_true(st.too_deep); /* the 512 levels kept are deeper than the walk goes */
	assert_string_equal(m, "top");
	free(m);
	free(html);

	/* Nesting the pre-scan does not count (closed by stray end tags) still meets the walk's bound. */
	html = repeat("", "<div></x>", 5000, "deep");
	m = md(html, &st);
	assert_true(st.too_deep);
	free(m);
	free(html);

	html = repeat("<p>before</p><div", " a", 100000, ">x");
	m = md(html, &st);
	assert_true(st.cut && st.cut_attrs);
	assert_string_equal(m, "before");
	free(m);
	free(html);

	/* Unclosed formatting elements: cut, and the marks stay bounded. */
	html = repeat("", "<b>", 300000, "x");
	m = md(html, &st);
	assert_true(st.cut);
	assert_true(strlen(m) < 4096);
	free(m);
	free(html);

	/* Long flat pages stop at max_out. */
	html = repeat("", "<p>hello world</p>", 200000, "");
	{
		struct html2md_opts o = { .max_out = 10000 };
		struct buf b;

		buf_init(&b, BUF_NOMAX);
		assert_int_equal(html2md(&b, html, strlen(html), &o, &st), 0);
		assert_true(st.truncated);
		assert_true(b.len <= 10000);
		buf_release(&b);
	}
	free(html);
}

/* Past its memory ceiling gumbo's parse is abandoned, and everything is freed. */
static void memory_ceiling(void **state)
{
	struct html2md_opts o = { .max_mem = 64 << 10 };
	struct html2md_stats st;
	char *html = repeat("", "<p>a paragraph of text</p>", 20000, "");
	struct buf b;

	(void)state;
	buf_init(&b, BUF_NOMAX);
	assert_int_equal(html2md(&b, html, strlen(html), &o, &st), -CORDON_ETOOBIG);
	buf_release(&b);
	free(html);
}

static void charsets_and_cut(void **state)
{
	struct buf b;
	bool html;
	char *big;

	(void)state;
	buf_init(&b, BUF_NOMAX);
	assert_int_equal(webfetch_decode(&b, "caf\xe9 \x80", 6, "text/plain; charset=ISO-8859-1"), 0);
	assert_string_equal(b.data, "café €");
	buf_truncate(&b, 0);
	assert_int_equal(webfetch_decode(&b, "a\x81z", 3, "text/html; charset=\"windows-1252\""), 0);
	assert_string_equal(b.data, "a\xef\xbf\xbdz");
	buf_truncate(&b, 0);
	assert_int_equal(webfetch_decode(&b, "ok \xff\xfe \xc3(", 8, "text/plain"), 0);
	assert_true(utf8_valid(b.data, b.len));
	assert_non_null(strstr(b.data, "\xef\xbf\xbd"));
	buf_truncate(&b, 0);

	assert_true(webfetch_is_text("text/html; charset=utf-8", "", 0, &html) && html);
	assert_true(webfetch_is_text("application/json", "", 0, &html) && !html);
	assert_true(webfetch_is_text("application/vnd.api+json", "", 0, &html));
	assert_true(webfetch_is_text("TEXT/Markdown", "", 0, &html) && !html);
	assert_false(webfetch_is_text("image/png", "", 0, &html));
	assert_false(webfetch_is_text("application/octet-stream", "", 0, &html));
	assert_true(webfetch_is_text(NULL, "  <!DOCTYPE html><p>x", 21, &html) && html);
	assert_false(webfetch_is_text("", "\x89PNG\r\n\x1a\n\0\0", 10, &html));

	/* 100000 characters kept (three-byte ones here), then the reference's note. */
	big = repeat("", "\xe2\x82\xac", 100001, "");
	buf_puts(&b, big);
	assert_true(webfetch_cut(&b));
	assert_int_equal(utf8_strlen(b.data, b.len), 100000 + strlen(WEBFETCH_TRUNCATED_NOTE));
	assert_non_null(strstr(b.data, "\n\n[Content truncated due to length...]"));
	buf_truncate(&b, 0);
	buf_append(&b, big, 300000);
	assert_false(webfetch_cut(&b));
	assert_int_equal(b.len, 300000);
	free(big);
	buf_release(&b);
}

static void base64_round_trip(void **state)
{
	static const unsigned char bytes[] = { 0, 1, 2, 0xfe, 0xff, 'a' };
	struct buf e, d;
	size_t n;

	(void)state;
	for (n = 0; n <= sizeof(bytes); n++) {
		buf_init(&e, BUF_NOMAX);
		buf_init(&d, BUF_NOMAX);
		assert_int_equal(base64_encode(&e, bytes, n), 0);
		assert_int_equal(e.len % 4, 0);
		assert_int_equal(base64_decode(&d, e.data, e.len), 0);
		assert_int_equal(d.len, n);
		assert_memory_equal(d.data, bytes, n);
		buf_release(&e);
		buf_release(&d);
	}
	buf_init(&d, BUF_NOMAX);
	assert_int_equal(base64_decode(&d, "YWJj", 4), 0);
	assert_string_equal(d.data, "abc");
	assert_int_equal(base64_decode(&d, "YW=j", 4), -CORDON_EINVAL);
	assert_int_equal(base64_decode(&d, "YWJ", 3), -CORDON_EINVAL);
	assert_int_equal(base64_decode(&d, "Y WJ", 4), -CORDON_EINVAL);
	buf_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(markdown_forms),     cmocka_unit_test(title_is_reported),
		cmocka_unit_test(hostile_pages_are_bounded), cmocka_unit_test(memory_ceiling),
		cmocka_unit_test(charsets_and_cut),   cmocka_unit_test(base64_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
