/*
 * Fuzz target: the event-stream parser. The input is parsed whole and again
 * in chunks whose sizes come from the input itself; both runs must give the
 * same events (or the same error), every event's data must be
 * NUL-terminated and within the ceiling.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/error.h"
#include "runtime/provider/sse.h"

#define MAX_EVENT 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int record(void *ctx, const char *name, const char *d, size_t len)
{
	struct buf *out = ctx;

	if (len > MAX_EVENT || d[len] != '\0' || strlen(name) > SSE_MAX_NAME)
		abort();
	/* Length-prefixed, so that any bytes compare exactly. */
	if (buf_printf(out, "%zu:%s:%zu:", strlen(name), name, len) < 0 || buf_append(out, d, len) < 0)
		return -CORDON_ENOMEM;
	return 0;
}

static int run(struct buf *out, const uint8_t *data, size_t size, unsigned seed)
{
	struct sse p;
	size_t off = 0;
	int r = 0;

	buf_init(out, BUF_NOMAX);
	sse_init(&p, MAX_EVENT, record, out);
	while (off < size && r == 0) {
		size_t k = seed ? 1 + (data[off] + seed) % 7 : size;

		if (k > size - off)
			k = size - off;
		r = sse_feed(&p, (const char *)data + off, k);
		off += k;
	}
	if (r == 0)
		r = sse_finish(&p);
	if (r != 0 && sse_finish(&p) != r)
		abort(); /* errors are sticky */
	sse_release(&p);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a, b;
	int ra, rb;

	ra = run(&a, data, size, 0);
	rb = run(&b, data, size, size ? data[0] | 1u : 1u);
	if (ra != rb)
		abort();
	/* After an error the runs may have stopped at different events; before it they agree. */
	if (ra == 0 && (a.len != b.len || memcmp(a.data, b.data, a.len)))
		abort();
	buf_release(&a);
	buf_release(&b);
	return 0;
}
