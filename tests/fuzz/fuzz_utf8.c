/* Fuzz target: UTF-8 validation and repair agree with each other. */
#include <stdint.h>
#include <stdlib.h>

#include "common/buf.h"
#include "common/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b;
	size_t cut;

	buf_init(&b, size * 3 + 16);
	if (utf8_sanitize(&b, (const char *)data, size) < 0)
		abort();
	if (!utf8_valid(b.data, b.len))
		abort();
	if (utf8_valid((const char *)data, size) && (b.len != size))
		abort();
	cut = utf8_cut(b.data, b.len, size / 2);
	if (!utf8_valid(b.data, cut))
		abort();
	buf_release(&b);
	return 0;
}
