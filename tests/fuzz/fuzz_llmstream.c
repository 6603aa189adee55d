/*
 * Fuzz target: the stream assemblers. The input is an event stream; it is
 * parsed once and fed to the Anthropic and the OpenAI assembler. Neither
 * may crash or leak; a turn either completes with a well-formed message
 * (content blocks, a stop reason, tool_use blocks with an id, a name and
 * an object input, every bad input named by a tool_use id with input {})
 * or says why it broke.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/provider/internal.h"
#include "runtime/provider/sse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct both {
	struct anth_stream a;
	struct oai_stream o;
	int ra, ro;
};

static int on_event(void *ctx, const char *name, const char *d, size_t len)
{
	struct both *b = ctx;

	/* Each keeps going until it stops itself: an error must not stop the other. */
	if (!b->ra)
		b->ra = anth_stream_event(&b->a.base, name, d, len);
	if (!b->ro)
		b->ro = oai_stream_event(&b->o.base, name, d, len);
	return 0;
}

static void check(const struct pv_stream *s, int r)
{
	const json_t *content, *blk;
	const char *k;
	json_t *v;
	size_t i;

	if (r && r != -CORDON_EPROTO && r != -CORDON_ETOOBIG)
		abort();
	if (r && (!s->why[0] || s->done))
		abort();
	if (!s->done) {
		if (s->message)
			abort();
		return;
	}
	content = json_object_get(s->message, "content");
	if (!json_is_array(content) || !json_is_string(json_object_get(s->message, "stop_reason")) ||
	    !json_is_object(json_object_get(s->message, "usage")))
		abort();
	json_array_foreach (content, i, blk) {
		const char *t = json_string_value(json_object_get(blk, "type"));

		if (!t)
			abort();
		if (!strcmp(t, "tool_use") &&
		    (!json_is_object(json_object_get(blk, "input")) || !json_is_string(json_object_get(blk, "id")) ||
		     !json_is_string(json_object_get(blk, "name"))))
			abort();
		if (!strcmp(t, "text") && !json_is_string(json_object_get(blk, "text")))
			abort();
	}
	json_object_foreach (s->bad_inputs, k, v) {
		bool found = false;

		json_array_foreach (content, i, blk)
			if (!strcmp(json_string_value(json_object_get(blk, "id")) ?: "", k) &&
			    json_object_size(json_object_get(blk, "input")) == 0)
				found = true;
		if (!found || !json_is_string(v))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct both b;
	struct sse p;

	memset(&b, 0, sizeof(b));
	anth_stream_init(&b.a, 1 << 16);
	oai_stream_init(&b.o, 1 << 16, "call_f");
	sse_init(&p, 1 << 16, on_event, &b);
	if (sse_feed(&p, (const char *)data, size) == 0)
		sse_finish(&p);
	sse_release(&p);
	check(&b.a.base, b.ra);
	check(&b.o.base, b.ro);
	anth_stream_release(&b.a);
	oai_stream_release(&b.o);
	return 0;
}
