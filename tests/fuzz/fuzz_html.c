/*
 * Fuzz target: HTML to Markdown (tools/html2md) on any bytes, as a web page
 * would send them after charset decoding: the output is valid UTF-8 and
 * stays within its ceiling, tight limits (depth, attributes, memory,
 * output) hold without a crash or a leak, and the pre-scan's cut is inside
 * the input. The first byte picks the limits, the rest is the page.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/utf8.h"
#include "tools/html2md.h"
#include "tools/webfetch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct html2md_opts o = { .base_url = "https://example.com/dir/page.html" };
	struct html2md_stats st;
	struct buf text, md;
	uint8_t mode;
	int rc;

	if (!size)
		return 0;
	mode = data[0];
	data++;
	size--;
	if (mode & 1) {
		o.max_depth = 8;
		o.max_attrs = 4;
		o.max_walk = 6;
	}
	if (mode & 2)
		o.max_out = 256;
	if (mode & 4)
		o.max_mem = 32 << 10;
	if (mode & 8)
		o.base_url = NULL;
	buf_init(&text, size * 3 + 16);
	buf_init(&md, BUF_NOMAX);
	if (webfetch_decode(&text, (const char *)data, size, (mode & 16) ? "text/html; charset=windows-1252" : "text/html") < 0)
		abort();
	rc = html2md(&md, text.data, text.len, &o, &st);
	if (rc < 0 && rc != -CORDON_ETOOBIG)
		abort();
	if (rc == -CORDON_ETOOBIG && !(mode & 4) && text.len < (1u << 20))
		abort(); /* the default ceiling is far above what a fuzz input can need */
	if (!utf8_valid(md.data, md.len))
		abort();
	if (md.len > (o.max_out ? o.max_out : HTML2MD_MAX_OUT))
		abort();
	if (st.cut && st.cut_at > text.len)
		abort();
	if (!utf8_valid(st.title, strlen(st.title)))
		abort();
	webfetch_cut(&md);
	if (!utf8_valid(md.data, md.len))
		abort();
	buf_release(&md);
	buf_release(&text);
	return 0;
}
