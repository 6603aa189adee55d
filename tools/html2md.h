/*
 * html2md.h — HTML to Markdown for WebFetch, with gumbo (the HTML5 parser).
 *
 *	struct html2md_opts o = { .base_url = "https://example.com/docs/" };
 *	struct html2md_stats st;
 *	struct buf md;
 *	buf_init(&md, BUF_NOMAX);
 *	rc = html2md(&md, html, len, &o, &st);
 *
 * What comes out, roughly as Turndown (the reference's converter) writes
 * it: ATX headings, paragraphs separated by a blank line, **bold**,
 * *emphasis*, `code`, fenced ``` blocks for <pre>, [links](absolute URLs,
 * resolved against base_url), ![images](src), "- " and "1. " lists nested
 * by indentation, "> " quotes, pipe tables, "---" rules. Scripts, styles,
 * templates, forms' controls, embedded objects and the <head> are dropped;
 * whitespace outside <pre> collapses.
 *
 * The input is outside bytes (a web page), so everything is bounded:
 *   - before parsing, a cheap scan cuts the page where its elements nest
 *     deeper than max_depth or a tag carries more than max_attrs
 *     attributes: gumbo's tree building is quadratic in both (measured:
 *     50000 nested <div> take 5 s, a tag with 50000 attributes 8 s), so
 *     the cut keeps the parse linear in practice; stats.cut says so;
 *   - gumbo's memory comes from a counting allocator with a ceiling
 *     (max_mem): past it the parse is abandoned (longjmp out of the
 *     allocator; every block is on our list and freed, none is touched
 *     again) and html2md() returns -CORDON_ETOOBIG;
 *   - the tree is walked with bounded recursion (deeper subtrees are left
 *     out, stats.too_deep) and the output stops at max_out bytes
 *     (stats.truncated). The tree is freed from our list, not by gumbo's
 *     recursive destroy.
 * The output is valid UTF-8 (gumbo replaces invalid input bytes) and ends
 * without a line break.
 *
 * Pure apart from allocation: no I/O; fuzzed by tests/fuzz/fuzz_html.c.
 */
#ifndef CORDON_TOOLS_HTML2MD_H
#define CORDON_TOOLS_HTML2MD_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

#define HTML2MD_MAX_DEPTH 512         /* elements nested, estimated before parsing */
#define HTML2MD_MAX_ATTRS 256         /* attributes of one tag */
#define HTML2MD_MAX_WALK 200          /* tree levels the converter descends */
#define HTML2MD_MAX_MEM (512u << 20)  /* bytes gumbo may hold at once */
#define HTML2MD_MAX_OUT (1u << 20)    /* bytes of Markdown */

struct html2md_opts {
	const char *base_url; /* links and images are resolved against it; NULL = kept as written */
	unsigned max_depth;   /* 0 = HTML2MD_MAX_DEPTH */
	unsigned max_attrs;   /* 0 = HTML2MD_MAX_ATTRS */
	unsigned max_walk;    /* 0 = HTML2MD_MAX_WALK */
	size_t max_mem;       /* 0 = HTML2MD_MAX_MEM */
	size_t max_out;       /* 0 = HTML2MD_MAX_OUT */
};

struct html2md_stats {
	bool cut;        /* the page was cut before parsing (nesting or attributes) */
	bool cut_attrs;  /* ... at a tag with too many attributes (else: nesting) */
	size_t cut_at;   /* byte offset of the cut */
	bool too_deep;   /* subtrees below max_walk were left out */
	bool truncated;  /* the output reached max_out */
	char title[256]; /* the <title>, whitespace collapsed, cut to fit; "" when none */
};

/*
 * Convert html[0..len) and append the Markdown to out. 0 (with *st filled
 * when st is not NULL); -CORDON_ETOOBIG when the parse needed more than
 * max_mem; -CORDON_ENOMEM. out keeps what was appended before a failure.
 */
int html2md(struct buf *out, const char *html, size_t len, const struct html2md_opts *opts,
	    struct html2md_stats *st);

#endif
