/*
 * html2md.c — HTML to Markdown (see html2md.h).
 *
 * Runs in the WebFetch child on a page from the internet: every loop, every
 * recursion and every buffer here is bounded, and gumbo is fed only what the
 * pre-scan let through.
 */
#include "tools/html2md.h"
#include "common/error.h"
#include "common/utf8.h"

#include <ctype.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <gumbo.h>

#define PREFIX_MAX 256   /* bytes of per-line prefix ("> ", list indentation) */
#define MARKS_MAX 128    /* bytes of inline marks waiting for their first character */
#define CELL_MAX 4096    /* bytes of one table cell */
#define TABLE_COLS 64    /* columns of a table kept */
#define HREF_MAX 2048    /* a link target longer than this is left out */
#define PRE_MAX (256u << 10) /* bytes of one <pre> block */

/* ---- the pre-scan ------------------------------------------------------------ */

/* Tags that do not nest (void elements) or that the parser closes by itself. */
static const char *const flat_tags[] = {
	"area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "image", "img", "input", "keygen",
	"link", "menuitem", "meta", "param", "source", "track", "wbr", "p", "li", "dt", "dd", "option", "optgroup",
	"tr", "td", "th", "thead", "tbody", "tfoot", "colgroup", "caption", "rb", "rt", "rtc", "rp", "html", "head",
	"body", NULL,
};

/* Elements whose content is text up to their end tag. */
static const char *const raw_tags[] = {
	"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript", NULL,
};

static bool in_list(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(name, *list))
			return true;
	return false;
}

static bool is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Read a tag name at s[i..n): lowercase copy (cut to size-1) and FNV-1a hash of the whole name. */
static size_t tag_name(const char *s, size_t i, size_t n, char *name, size_t size, uint32_t *hash)
{
	uint32_t h = 2166136261u;
	size_t k = 0;

	for (; i < n && !is_ws((unsigned char)s[i]) && s[i] != '/' && s[i] != '>'; i++) {
		char c = (char)tolower((unsigned char)s[i]);

		h = (h ^ (unsigned char)c) * 16777619u;
		if (k + 1 < size)
			name[k++] = c;
	}
	name[k] = '\0';
	*hash = h;
	return i;
}

/* Index of the first "</name" (case-insensitive) at or after i, or n. */
static size_t find_end_tag(const char *s, size_t i, size_t n, const char *name)
{
	size_t len = strlen(name);
	const char *p;

	while (i < n && (p = memchr(s + i, '<', n - i))) {
		i = (size_t)(p - s);
		if (i + 2 + len <= n && s[i + 1] == '/' && !strncasecmp(s + i + 2, name, len))
			return i;
		i++;
	}
	return n;
}

/*
 * Where to cut the page before parsing: the offset of the first tag that
 * nests deeper than max_depth or has more than max_attrs attributes, or n.
 * An estimate of the tree, not the tree: tags that do not nest or close by
 * themselves are not counted, an end tag pops to its start tag when that is
 * open and is ignored otherwise (as the parser does for most elements).
 */
static size_t prescan(const char *s, size_t n, unsigned max_depth, unsigned max_attrs, bool *attrs_cut)
{
	uint32_t *stack = calloc((size_t)max_depth + 1, sizeof(*stack));
	size_t i = 0, depth = 0, cut = n;

	if (!stack)
		return n < 4096 ? n : 4096; /* no memory to check: convert only a little */
	while (i < n) {
		const char *p = memchr(s + i, '<', n - i);
		char name[16];
		uint32_t h;
		size_t start;

		if (!p)
			break;
		start = i = (size_t)(p - s);
		if (i + 1 >= n)
			break;
		if (s[i + 1] == '!') {
			const char *e = (i + 4 <= n && !memcmp(s + i, "<!--", 4)) ? memmem(s + i + 4, n - i - 4, "-->", 3)
										   : memchr(s + i, '>', n - i);

			if (!e)
				break;
			i = (size_t)(e - s) + 1;
			continue;
		}
		if (s[i + 1] == '/' && i + 2 < n && isalpha((unsigned char)s[i + 2])) {
			size_t k;

			i = tag_name(s, i + 2, n, name, sizeof(name), &h);
			for (k = depth; k > 0; k--)
				if (stack[k - 1] == h) {
					depth = k - 1;
					break;
				}
			p = memchr(s + i, '>', n - i);
			if (!p)
				break;
			i = (size_t)(p - s) + 1;
			continue;
		}
		if (!isalpha((unsigned char)s[i + 1])) {
			i++;
			continue;
		}
		i = tag_name(s, i + 1, n, name, sizeof(name), &h);
		{
			unsigned attrs = 0;
			bool self_closing = false, closed = false;

			while (i < n) {
				unsigned char c = (unsigned char)s[i];

				if (is_ws(c)) {
					i++;
				} else if (c == '>') {
					closed = true;
					i++;
					break;
				} else if (c == '/') {
					self_closing = i + 1 < n && s[i + 1] == '>';
					i++;
				} else {
					self_closing = false;
					if (++attrs > max_attrs) {
						*attrs_cut = true;
						cut = start;
						goto out;
					}
					while (i < n && !is_ws((unsigned char)s[i]) && s[i] != '>' && s[i] != '=' &&
					       !(s[i] == '/' && i > 0))
						i++;
					while (i < n && is_ws((unsigned char)s[i]))
						i++;
					if (i < n && s[i] == '=') {
						i++;
						while (i < n && is_ws((unsigned char)s[i]))
							i++;
						if (i < n && (s[i] == '"' || s[i] == '\'')) {
							const char *q = memchr(s + i + 1, s[i], n - i - 1);

							if (!q)
								goto out;
							i = (size_t)(q - s) + 1;
						} else {
							while (i < n && !is_ws((unsigned char)s[i]) && s[i] != '>')
								i++;
						}
					}
				}
			}
			if (!closed)
				break;
			if (!strcmp(name, "plaintext"))
				break; /* everything after it is text */
			if (in_list(name, raw_tags)) {
				i = find_end_tag(s, i, n, name);
				continue;
			}
			if (self_closing || in_list(name, flat_tags))
				continue;
			if (depth == max_depth) {
				cut = start;
				goto out;
			}
			stack[depth++] = h;
		}
	}
out:
	free(stack);
	return cut;
}

/* ---- gumbo's memory: counted, capped, freed in one sweep ------------------------ */

union blk {
	struct {
		union blk *prev, *next;
		size_t size;
	} h;
	max_align_t align;
};

struct arena {
	union blk head; /* a ring of every live block */
	size_t live, max;
	jmp_buf jb;
	int failure; /* -CORDON_ETOOBIG or -CORDON_ENOMEM once it jumped */
};

/*
 * gumbo does not check its allocator's result, so a failed allocation
 * must not return: it jumps back to html2md(), which frees every block on
 * the ring and never looks at the half-built tree again. Safe because
 * gumbo holds no other resource (no file, lock or global state) across
 * calls.
 */
static void *arena_alloc(void *ud, size_t size)
{
	struct arena *a = ud;
	union blk *b;

	if (size > a->max - a->live) {
		a->failure = -CORDON_ETOOBIG;
		longjmp(a->jb, 1);
	}
	b = malloc(sizeof(*b) + size);
	if (!b) {
		a->failure = -CORDON_ENOMEM;
		longjmp(a->jb, 1);
	}
	b->h.size = size;
	b->h.next = a->head.h.next;
	b->h.prev = &a->head;
	a->head.h.next->h.prev = b;
	a->head.h.next = b;
	a->live += size;
	return b + 1;
}

static void arena_free(void *ud, void *p)
{
	struct arena *a = ud;
	union blk *b;

	if (!p)
		return;
	b = (union blk *)p - 1;
	b->h.prev->h.next = b->h.next;
	b->h.next->h.prev = b->h.prev;
	a->live -= b->h.size;
	free(b);
}

static void arena_release(struct arena *a)
{
	while (a->head.h.next != &a->head)
		arena_free(a, a->head.h.next + 1);
}

/* ---- the Markdown writer -------------------------------------------------------- */

struct md {
	struct buf *out;
	size_t base;          /* out->len when this writer started */
	size_t max;           /* out->len may not pass this */
	bool full;
	unsigned nl;          /* line breaks wanted before the next content */
	size_t nl_plen;       /* the prefix's length when they were asked for: blank lines use it */
	bool bol;             /* nothing (not even the prefix) written on this line yet */
	bool space;           /* collapsed whitespace waiting */
	bool after_marker;    /* a list marker was just written: the item's first block stays on its line */
	bool inline_only;     /* a table cell: blocks and breaks become spaces */
	char prefix[PREFIX_MAX];
	size_t plen;
	char marks[MARKS_MAX]; /* opening marks not written yet (they wait for content) */
	size_t mlen;
	const char *base_url;
	unsigned max_walk;
	struct html2md_stats *st;
};

static void put(struct md *m, const char *s, size_t n)
{
	size_t room;

	if (m->full || !n)
		return;
	room = m->max > m->out->len ? m->max - m->out->len : 0;
	if (n > room) {
		n = utf8_cut(s, n, room);
		m->full = true;
		m->st->truncated = true;
	}
	if (n && buf_append(m->out, s, n) < 0)
		m->full = true;
}

static void puts_(struct md *m, const char *s)
{
	put(m, s, strlen(s));
}

/* Before visible text: pending line breaks, the line's prefix or a space, then waiting marks. */
static void start_content(struct md *m)
{
	if (m->nl && !m->inline_only) {
		if (m->out->len > m->base) {
			size_t k, p = m->nl_plen < m->plen ? m->nl_plen : m->plen;

			while (p && m->prefix[p - 1] == ' ')
				p--;
			put(m, "\n", 1);
			for (k = 1; k < m->nl; k++) {
				put(m, m->prefix, p);
				put(m, "\n", 1);
			}
		}
		m->nl = 0;
		m->bol = true;
	}
	if (m->bol) {
		put(m, m->prefix, m->plen);
		m->bol = false;
	} else if (m->space && m->out->len > m->base) {
		put(m, " ", 1);
	}
	m->space = false;
	m->after_marker = false;
	put(m, m->marks, m->mlen);
	m->mlen = 0;
}

/* Ask for n line breaks (2: a blank line) before what comes next. */
static void block(struct md *m, unsigned n)
{
	if (m->inline_only) {
		m->space = true;
		return;
	}
	if (m->after_marker)
		return;
	if (!m->nl)
		m->nl_plen = m->plen;
	if (m->nl < n)
		m->nl = n;
}

/* Text outside <pre>: whitespace runs collapse to one space. */
static void text(struct md *m, const char *s, size_t n)
{
	size_t i = 0, j;

	while (i < n && !m->full) {
		if (is_ws((unsigned char)s[i])) {
			m->space = true;
			i++;
			continue;
		}
		for (j = i; j < n && !is_ws((unsigned char)s[j]); j++)
			;
		start_content(m);
		put(m, s + i, j - i);
		i = j;
	}
}

#define NO_MARK ((size_t)-1)

/*
 * Open an inline mark: written with the first character inside, dropped
 * if none comes. Returns the undo point, or NO_MARK when too many are
 * waiting (then the element is written without marks).
 */
static size_t mark_open(struct md *m, const char *mark)
{
	size_t at = m->mlen, n = strlen(mark);

	if (m->mlen + n >= sizeof(m->marks))
		return NO_MARK;
	memcpy(m->marks + m->mlen, mark, n);
	m->mlen += n;
	return at;
}

/* Close it: true when its content was written (the caller writes the closing mark). */
static bool mark_close(struct md *m, size_t at)
{
	if (at == NO_MARK)
		return false;
	if (m->mlen > at) {
		m->mlen = at; /* nothing came: the mark goes too */
		return false;
	}
	return true;
}

static void prefix_push(struct md *m, const char *s, size_t *saved)
{
	size_t n = strlen(s);

	*saved = m->plen;
	if (m->plen + n < sizeof(m->prefix)) {
		memcpy(m->prefix + m->plen, s, n);
		m->plen += n;
	}
}

/* ---- the walk ----------------------------------------------------------------- */

static void walk(struct md *m, const GumboNode *node, unsigned depth);

static void children(struct md *m, const GumboNode *node, unsigned depth)
{
	const GumboVector *v = &node->v.element.children;
	unsigned i;

	for (i = 0; i < v->length && !m->full; i++)
		walk(m, v->data[i], depth + 1);
}

static const char *attr(const GumboNode *node, const char *name)
{
	const GumboAttribute *a = gumbo_get_attribute(&node->v.element.attributes, name);

	return a ? a->value : NULL;
}

/* href resolved against the page (malloc'd), or NULL when it is no link to show. */
static char *link_target(const struct md *m, const char *href)
{
	CURLU *u;
	char *full = NULL, *out = NULL;
	size_t n;

	if (!href)
		return NULL;
	while (is_ws((unsigned char)*href))
		href++;
	n = strlen(href);
	if (!n || n > HREF_MAX || !strncasecmp(href, "javascript:", 11) || !strncasecmp(href, "data:", 5) ||
	    !strncasecmp(href, "vbscript:", 9))
		return NULL;
	if (href[0] == '#' || !m->base_url)
		return strdup(href);
	u = curl_url();
	if (!u)
		return NULL;
	/* The URL API resolves a relative reference against the URL it holds; no I/O. */
	if (curl_url_set(u, CURLUPART_URL, m->base_url, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, href, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK && strlen(full) <= HREF_MAX)
		out = strdup(full);
	else
		out = strdup(href);
	curl_free(full);
	curl_url_cleanup(u);
	return out;
}

/* Write a link target: spaces and parentheses escaped so the Markdown stays one link. */
static void put_target(struct md *m, const char *t)
{
	while (*t && !m->full) {
		/* Runs, not bytes: put() cuts a run only between whole characters. */
		size_t n = strcspn(t, " ()");
		size_t i;

		for (i = 0; i < n; i++)
			if ((unsigned char)t[i] < 0x20)
				break;
		put(m, t, i);
		t += i;
		if (*t == ' ')
			puts_(m, "%20");
		else if (*t == '(')
			puts_(m, "%28");
		else if (*t == ')')
			puts_(m, "%29");
		if (*t)
			t++; /* the escaped character, or a control character dropped */
	}
}

static void do_link(struct md *m, const GumboNode *node, unsigned depth)
{
	char *target = link_target(m, attr(node, "href"));
	size_t at;

	if (!target) {
		children(m, node, depth);
		return;
	}
	at = mark_open(m, "[");
	children(m, node, depth);
	if (mark_close(m, at)) {
		puts_(m, "](");
		put_target(m, target);
		puts_(m, ")");
	}
	free(target);
}

static void do_image(struct md *m, const GumboNode *node)
{
	const char *alt = attr(node, "alt");
	char *src = link_target(m, attr(node, "src"));

	if (src) {
		start_content(m);
		puts_(m, "![");
		if (alt) {
			bool saved = m->inline_only;

			/* Alt text in brackets, on one line. */
			m->inline_only = true;
			text(m, alt, strlen(alt));
			m->inline_only = saved;
		}
		puts_(m, "](");
		put_target(m, src);
		puts_(m, ")");
	} else if (alt && *alt) {
		text(m, alt, strlen(alt));
	}
	free(src);
}

static void do_inline(struct md *m, const GumboNode *node, unsigned depth, const char *mark)
{
	size_t at = mark_open(m, mark);

	children(m, node, depth);
	if (mark_close(m, at))
		puts_(m, mark);
}

/* The text of a subtree as it is (for <pre>), into b. */
static void raw_text(struct buf *b, const GumboNode *node, unsigned depth, unsigned max, bool *deep)
{
	const GumboVector *v;
	unsigned i;

	if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE || node->type == GUMBO_NODE_CDATA) {
		buf_append(b, node->v.text.text, strlen(node->v.text.text));
		return;
	}
	if (node->type != GUMBO_NODE_ELEMENT)
		return;
	if (depth > max) {
		*deep = true;
		return;
	}
	if (node->v.element.tag == GUMBO_TAG_BR) {
		buf_putc(b, '\n');
		return;
	}
	v = &node->v.element.children;
	for (i = 0; i < v->length && b->len < b->max; i++)
		raw_text(b, v->data[i], depth + 1, max, deep);
}

/* "language-c" / "lang-c" in a class list: the fence's info string. */
static void code_lang(const GumboNode *node, char *lang, size_t size)
{
	const char *c = attr(node, "class"), *p;
	size_t k = 0;

	lang[0] = '\0';
	if (!c)
		return;
	p = strstr(c, "language-");
	if (p)
		p += 9;
	else if ((p = strstr(c, "lang-")))
		p += 5;
	else
		return;
	while (*p && k + 1 < size && (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '_' || *p == '#'))
		lang[k++] = *p++;
	lang[k] = '\0';
}

static void do_pre(struct md *m, const GumboNode *node, unsigned depth)
{
	struct buf b;
	char lang[32] = "", fence[16] = "```";
	const GumboVector *v = &node->v.element.children;
	size_t i, run = 0, longest = 0;
	bool deep = false;

	buf_init(&b, PRE_MAX);
	raw_text(&b, node, depth, m->max_walk, &deep);
	if (deep)
		m->st->too_deep = true;
	code_lang(node, lang, sizeof(lang));
	if (!lang[0] && v->length == 1 && ((const GumboNode *)v->data[0])->type == GUMBO_NODE_ELEMENT &&
	    ((const GumboNode *)v->data[0])->v.element.tag == GUMBO_TAG_CODE)
		code_lang(v->data[0], lang, sizeof(lang));
	if (m->inline_only) {
		size_t at = mark_open(m, "`");

		text(m, b.data, b.len);
		if (mark_close(m, at))
			puts_(m, "`");
		buf_release(&b);
		return;
	}
	/* A fence longer than any run of backticks inside. */
	for (i = 0; i < b.len; i++) {
		run = b.data[i] == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	if (longest >= 3)
		for (i = 3; i <= longest && i + 1 < sizeof(fence); i++)
			fence[i] = '`';
	block(m, 2);
	m->after_marker = false;
	start_content(m);
	puts_(m, fence);
	puts_(m, lang);
	for (i = 0; i <= b.len && !m->full; i++) {
		size_t j = i;

		while (j < b.len && b.data[j] != '\n')
			j++;
		put(m, "\n", 1);
		put(m, m->prefix, m->plen);
		put(m, b.data + i, j - i);
		i = j;
	}
	if (b.len && b.data[b.len - 1] == '\n') {
		/* The loop wrote the last line empty: the fence goes on it. */
	} else {
		put(m, "\n", 1);
		put(m, m->prefix, m->plen);
	}
	puts_(m, fence);
	block(m, 2);
	buf_release(&b);
}

static void do_list(struct md *m, const GumboNode *node, unsigned depth, bool ordered)
{
	const GumboVector *v = &node->v.element.children;
	const char *start = attr(node, "start");
	long num = start ? strtol(start, NULL, 10) : 1;
	unsigned i;

	if (m->inline_only) {
		children(m, node, depth);
		return;
	}
	if (num < 0 || num > 1000000000L)
		num = 1;
	block(m, m->plen ? 1 : 2);
	m->after_marker = false;
	for (i = 0; i < v->length && !m->full; i++) {
		const GumboNode *li = v->data[i];
		char marker[24];
		size_t saved;

		if (li->type != GUMBO_NODE_ELEMENT || li->v.element.tag != GUMBO_TAG_LI) {
			walk(m, li, depth + 1);
			continue;
		}
		if (depth + 1 > m->max_walk) {
			m->st->too_deep = true;
			break;
		}
		if (ordered)
			snprintf(marker, sizeof(marker), "%ld. ", num++);
		else
			snprintf(marker, sizeof(marker), "- ");
		block(m, 1);
		m->after_marker = false;
		m->mlen = 0;
		start_content(m);
		puts_(m, marker);
		m->after_marker = true;
		memset(marker, ' ', strlen(marker));
		prefix_push(m, marker, &saved);
		children(m, li, depth + 1);
		m->plen = saved;
		m->after_marker = false;
		block(m, 1);
	}
	block(m, m->plen ? 1 : 2);
}

static void do_blockquote(struct md *m, const GumboNode *node, unsigned depth)
{
	size_t saved;

	if (m->inline_only) {
		children(m, node, depth);
		return;
	}
	block(m, 2);
	m->after_marker = false;
	prefix_push(m, "> ", &saved);
	children(m, node, depth);
	m->plen = saved;
	block(m, 2);
}

/* One cell's content on one line, '|' escaped, into cell. */
static void cell_text(const struct md *m, const GumboNode *td, unsigned depth, struct buf *cell)
{
	struct md sub;
	struct html2md_stats st;
	struct buf raw;
	size_t i;

	buf_init(&raw, CELL_MAX);
	memset(&sub, 0, sizeof(sub));
	sub.out = &raw;
	sub.max = CELL_MAX;
	sub.inline_only = true;
	sub.base_url = m->base_url;
	sub.max_walk = m->max_walk;
	memset(&st, 0, sizeof(st));
	sub.st = &st; /* a cell cut at CELL_MAX is not the page cut */
	children(&sub, td, depth);
	if (st.too_deep)
		m->st->too_deep = true;
	for (i = 0; i < raw.len; i++) {
		if (raw.data[i] == '|')
			buf_putc(cell, '\\');
		buf_putc(cell, raw.data[i] == '\n' ? ' ' : raw.data[i]);
	}
	buf_release(&raw);
}

/* Rows of a table, through thead/tbody/tfoot, in order. */
static void table_rows(const GumboNode *node, const GumboNode **rows, size_t *n, size_t max)
{
	const GumboVector *v = &node->v.element.children;
	unsigned i;

	for (i = 0; i < v->length && *n < max; i++) {
		const GumboNode *c = v->data[i];

		if (c->type != GUMBO_NODE_ELEMENT)
			continue;
		if (c->v.element.tag == GUMBO_TAG_TR)
			rows[(*n)++] = c;
		else if (c->v.element.tag == GUMBO_TAG_THEAD || c->v.element.tag == GUMBO_TAG_TBODY ||
			 c->v.element.tag == GUMBO_TAG_TFOOT)
			table_rows(c, rows, n, max);
	}
}

static void do_table(struct md *m, const GumboNode *node, unsigned depth)
{
	const GumboVector *v = &node->v.element.children;
	const GumboNode **rows;
	size_t nrows = 0, maxrows, r, cols = 0;
	unsigned i;

	if (m->inline_only || depth + 3 > m->max_walk) {
		children(m, node, depth);
		return;
	}
	/* Each row writes at least "|\n": more rows than output bytes cannot show. */
	maxrows = (m->max - (m->out->len < m->max ? m->out->len : m->max)) / 2 + 1;
	if (maxrows > 100000)
		maxrows = 100000;
	rows = calloc(maxrows, sizeof(*rows));
	if (!rows) {
		children(m, node, depth);
		return;
	}
	for (i = 0; i < v->length; i++) {
		const GumboNode *c = v->data[i];

		if (c->type == GUMBO_NODE_ELEMENT && c->v.element.tag == GUMBO_TAG_CAPTION) {
			block(m, 2);
			children(m, c, depth + 1);
		}
	}
	table_rows(node, rows, &nrows, maxrows);
	for (r = 0; r < nrows; r++) {
		const GumboVector *cv = &rows[r]->v.element.children;
		size_t k = 0;

		for (i = 0; i < cv->length; i++) {
			const GumboNode *c = cv->data[i];

			if (c->type == GUMBO_NODE_ELEMENT && (c->v.element.tag == GUMBO_TAG_TD || c->v.element.tag == GUMBO_TAG_TH))
				k++;
		}
		if (k > cols)
			cols = k;
	}
	if (cols > TABLE_COLS)
		cols = TABLE_COLS;
	if (!cols) {
		free(rows);
		return;
	}
	block(m, 2);
	m->after_marker = false;
	for (r = 0; r < nrows && !m->full; r++) {
		const GumboVector *cv = &rows[r]->v.element.children;
		size_t k = 0;

		block(m, 1);
		start_content(m);
		puts_(m, "|");
		for (i = 0; i < cv->length && k < cols; i++) {
			const GumboNode *c = cv->data[i];
			struct buf cell;

			if (c->type != GUMBO_NODE_ELEMENT ||
			    (c->v.element.tag != GUMBO_TAG_TD && c->v.element.tag != GUMBO_TAG_TH))
				continue;
			buf_init(&cell, CELL_MAX * 2);
			cell_text(m, c, depth + 3, &cell);
			puts_(m, " ");
			put(m, cell.data, cell.len);
			puts_(m, " |");
			buf_release(&cell);
			k++;
		}
		for (; k < cols; k++)
			puts_(m, "  |");
		if (r == 0) {
			block(m, 1);
			start_content(m);
			puts_(m, "|");
			for (k = 0; k < cols; k++)
				puts_(m, " --- |");
		}
	}
	block(m, 2);
	free(rows);
}

static void do_heading(struct md *m, const GumboNode *node, unsigned depth, unsigned level)
{
	static const char hashes[] = "###### ";
	size_t at;

	if (m->inline_only) {
		children(m, node, depth);
		return;
	}
	block(m, 2);
	m->after_marker = false;
	at = mark_open(m, hashes + 6 - level);
	children(m, node, depth);
	mark_close(m, at);
	block(m, 2);
}

static void walk(struct md *m, const GumboNode *node, unsigned depth)
{
	const GumboElement *e;

	if (m->full)
		return;
	switch (node->type) {
	case GUMBO_NODE_TEXT:
	case GUMBO_NODE_WHITESPACE:
	case GUMBO_NODE_CDATA:
		text(m, node->v.text.text, strlen(node->v.text.text));
		return;
	case GUMBO_NODE_DOCUMENT:
		children(m, node, depth);
		return;
	case GUMBO_NODE_ELEMENT:
		break;
	default:
		return; /* comments, templates */
	}
	if (depth > m->max_walk) {
		m->st->too_deep = true;
		return;
	}
	e = &node->v.element;
	if (e->tag_namespace != GUMBO_NAMESPACE_HTML)
		return; /* svg, math */
	switch (e->tag) {
	case GUMBO_TAG_HEAD: case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_NOSCRIPT:
	case GUMBO_TAG_TEMPLATE: case GUMBO_TAG_IFRAME: case GUMBO_TAG_OBJECT: case GUMBO_TAG_EMBED:
	case GUMBO_TAG_CANVAS: case GUMBO_TAG_SELECT: case GUMBO_TAG_INPUT: case GUMBO_TAG_TEXTAREA:
	case GUMBO_TAG_AUDIO: case GUMBO_TAG_VIDEO: case GUMBO_TAG_MAP: case GUMBO_TAG_DATALIST:
	case GUMBO_TAG_FRAMESET: case GUMBO_TAG_NOEMBED: case GUMBO_TAG_NOFRAMES: case GUMBO_TAG_BUTTON:
		return;
	case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5:
	case GUMBO_TAG_H6:
		do_heading(m, node, depth, (unsigned)(e->tag - GUMBO_TAG_H1) + 1);
		return;
	case GUMBO_TAG_A:
		do_link(m, node, depth);
		return;
	case GUMBO_TAG_IMG:
		do_image(m, node);
		return;
	case GUMBO_TAG_STRONG: case GUMBO_TAG_B:
		do_inline(m, node, depth, "**");
		return;
	case GUMBO_TAG_EM: case GUMBO_TAG_I: case GUMBO_TAG_CITE: case GUMBO_TAG_DFN:
		do_inline(m, node, depth, "*");
		return;
	case GUMBO_TAG_S: case GUMBO_TAG_STRIKE: case GUMBO_TAG_DEL:
		do_inline(m, node, depth, "~~");
		return;
	case GUMBO_TAG_CODE: case GUMBO_TAG_KBD: case GUMBO_TAG_SAMP: case GUMBO_TAG_TT:
		do_inline(m, node, depth, "`");
		return;
	case GUMBO_TAG_PRE: case GUMBO_TAG_LISTING: case GUMBO_TAG_XMP:
		do_pre(m, node, depth);
		return;
	case GUMBO_TAG_BR:
		if (m->inline_only)
			m->space = true;
		else
			block(m, 1);
		return;
	case GUMBO_TAG_HR:
		if (m->inline_only)
			return;
		block(m, 2);
		m->after_marker = false;
		start_content(m);
		puts_(m, "---");
		block(m, 2);
		return;
	case GUMBO_TAG_UL: case GUMBO_TAG_MENU: case GUMBO_TAG_DIR:
		do_list(m, node, depth, false);
		return;
	case GUMBO_TAG_OL:
		do_list(m, node, depth, true);
		return;
	case GUMBO_TAG_BLOCKQUOTE:
		do_blockquote(m, node, depth);
		return;
	case GUMBO_TAG_TABLE:
		do_table(m, node, depth);
		return;
	case GUMBO_TAG_P: case GUMBO_TAG_DIV: case GUMBO_TAG_SECTION: case GUMBO_TAG_ARTICLE:
	case GUMBO_TAG_HEADER: case GUMBO_TAG_FOOTER: case GUMBO_TAG_MAIN: case GUMBO_TAG_NAV:
	case GUMBO_TAG_ASIDE: case GUMBO_TAG_FIGURE: case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_ADDRESS:
	case GUMBO_TAG_DETAILS: case GUMBO_TAG_SUMMARY: case GUMBO_TAG_FORM: case GUMBO_TAG_FIELDSET:
	case GUMBO_TAG_LEGEND: case GUMBO_TAG_CENTER: case GUMBO_TAG_DL: case GUMBO_TAG_DT: case GUMBO_TAG_DD:
	case GUMBO_TAG_LI: case GUMBO_TAG_TR: case GUMBO_TAG_CAPTION: case GUMBO_TAG_HGROUP:
		block(m, e->tag == GUMBO_TAG_DT || e->tag == GUMBO_TAG_DD || e->tag == GUMBO_TAG_LI ||
				 e->tag == GUMBO_TAG_TR ? 1 : 2);
		children(m, node, depth);
		block(m, e->tag == GUMBO_TAG_DT || e->tag == GUMBO_TAG_DD || e->tag == GUMBO_TAG_LI ||
				 e->tag == GUMBO_TAG_TR ? 1 : 2);
		return;
	case GUMBO_TAG_TD: case GUMBO_TAG_TH:
		m->space = true;
		children(m, node, depth);
		m->space = true;
		return;
	default:
		children(m, node, depth);
		return;
	}
}

/* The <title>'s text, whitespace collapsed, into st->title. */
static void find_title(const GumboNode *root, struct html2md_stats *st)
{
	const GumboVector *v;
	unsigned i, j;

	if (!root || root->type != GUMBO_NODE_ELEMENT)
		return;
	v = &root->v.element.children;
	for (i = 0; i < v->length; i++) {
		const GumboNode *head = v->data[i];

		if (head->type != GUMBO_NODE_ELEMENT || head->v.element.tag != GUMBO_TAG_HEAD)
			continue;
		for (j = 0; j < head->v.element.children.length; j++) {
			const GumboNode *t = head->v.element.children.data[j];
			const GumboNode *tx;
			char tmp[sizeof(st->title) + 8];
			const char *s;
			size_t k = 0;
			bool sp = false;

			if (t->type != GUMBO_NODE_ELEMENT || t->v.element.tag != GUMBO_TAG_TITLE ||
			    t->v.element.children.length < 1)
				continue;
			tx = t->v.element.children.data[0];
			if (tx->type != GUMBO_NODE_TEXT && tx->type != GUMBO_NODE_WHITESPACE)
				continue;
			/* A few bytes past the room, so the cut below sees whole sequences. */
			for (s = tx->v.text.text; *s && k + 2 < sizeof(tmp); s++) {
				if (is_ws((unsigned char)*s)) {
					sp = k > 0;
					continue;
				}
				if (sp)
					tmp[k++] = ' ';
				sp = false;
				tmp[k++] = *s;
			}
			k = utf8_cut(tmp, k, sizeof(st->title) - 1);
			memcpy(st->title, tmp, k);
			st->title[k] = '\0';
			return;
		}
	}
}

/*
 * Parse with gumbo on the arena. The jump target lives only as long as
 * this frame: nothing after it allocates through gumbo (the walk only
 * reads the tree).
 */
static int parse(struct arena *a, const char *html, size_t n, GumboOutput **out)
{
	GumboOptions go = kGumboDefaultOptions;

	go.allocator = arena_alloc;
	go.deallocator = arena_free;
	go.userdata = a;
	go.max_errors = 0; /* parse errors are not kept: a broken page would only fill memory */
	if (setjmp(a->jb))
		return a->failure; /* the allocator gave up: nothing of the parse is used */
	*out = gumbo_parse_with_options(&go, html, n);
	return 0;
}

int html2md(struct buf *out, const char *html, size_t len, const struct html2md_opts *opts,
	    struct html2md_stats *st)
{
	static const struct html2md_opts none;
	struct html2md_stats local;
	struct arena *a;
	GumboOutput *g = NULL;
	struct md m;
	size_t cut;
	int rc;

	if (!opts)
		opts = &none;
	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	cut = prescan(html, len, opts->max_depth ? opts->max_depth : HTML2MD_MAX_DEPTH,
		      opts->max_attrs ? opts->max_attrs : HTML2MD_MAX_ATTRS, &st->cut_attrs);
	if (cut < len) {
		st->cut = true;
		st->cut_at = cut;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return -CORDON_ENOMEM;
	a->head.h.next = a->head.h.prev = &a->head;
	a->max = opts->max_mem ? opts->max_mem : HTML2MD_MAX_MEM;
	rc = parse(a, html, cut, &g);
	if (rc == 0) {
		memset(&m, 0, sizeof(m));
		m.out = out;
		m.base = out->len;
		m.max = out->len + (opts->max_out ? opts->max_out : HTML2MD_MAX_OUT);
		if (m.max > out->max)
			m.max = out->max;
		m.bol = true;
		m.base_url = opts->base_url;
		m.max_walk = opts->max_walk ? opts->max_walk : HTML2MD_MAX_WALK;
		m.st = st;
		find_title(g->root, st);
		walk(&m, g->document, 0);
	}
	/* Never gumbo_destroy_output(): it recurses once per level of the tree. */
	arena_release(a);
	free(a);
	return rc;
}
