/*
 * Fuzz target: the Edit tool's in-memory application (tools/editapply.c)
 * and the CRLF/encoding round trips it relies on.
 *
 * Input: FLAGS TEXT \0 OLD \0 NEW  (FLAGS bit 0: replace_all).
 * Checks: no crash or leak; an exact-match result has exactly the length
 * the count implies; a found match's result contains NEW; CRLF folding
 * never grows text; UTF-16 decode/encode of valid UTF-8 round-trips.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/utf8.h"
#include "tools/editapply.h"
#include "tools/textfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data + 1, *end = (const char *)data + size, *z1, *z2;
	struct edit_req req;
	struct buf out, u16, back;
	size_t count, n;
	char *copy;
	int rc;

	if (size < 1)
		return 0;
	z1 = memchr(p, 0, (size_t)(end - p));
	if (!z1)
		return 0;
	z2 = memchr(z1 + 1, 0, (size_t)(end - z1 - 1));
	if (!z2)
		return 0;
	req.old_s = z1 + 1;
	req.old_len = (size_t)(z2 - z1 - 1);
	req.new_s = z2 + 1;
	req.new_len = (size_t)(end - z2 - 1);
	req.replace_all = data[0] & 1;
	n = (size_t)(z1 - p);
	buf_init(&out, 1u << 24);
	rc = edit_apply(&out, &count, p, n, &req);
	if (req.old_len == 0 && rc != -CORDON_EINVAL)
		abort();
	if (rc == 0) {
		if (count == 0)
			abort();
		if (req.new_len && !memmem(out.data, out.len, req.new_s, req.new_len) &&
		    memmem(p, n, req.old_s, req.old_len))
			abort();
		if (memmem(p, n, req.old_s, req.old_len) && req.new_len) {
			size_t k = req.replace_all ? count : 1;

			if (out.len != n - k * req.old_len + k * req.new_len)
				abort();
		}
	}
	buf_release(&out);

	copy = malloc(n + 1);
	if (!copy)
		abort();
	memcpy(copy, p, n);
	if (text_crlf_to_lf(copy, n) > n)
		abort();
	free(copy);

	if (utf8_valid(p, n) && !memchr(p, 0, n)) {
		buf_init(&u16, 1u << 26);
		buf_init(&back, 1u << 26);
		if (text_encode(&u16, p, n, TEXT_UTF16LE) == 0 && text_decode(&back, u16.data, u16.len, TEXT_UTF16LE) == 0 &&
		    (back.len != n || memcmp(back.data, p, n)))
			abort();
		buf_release(&u16);
		buf_release(&back);
	}
	return 0;
}
