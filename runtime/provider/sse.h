/*
 * sse.h — an incremental parser for server-sent events (text/event-stream).
 *
 * Pure: bytes in, events out, no I/O. Feed it whatever chunks the network
 * delivers (a line, an event or a single byte may be split anywhere); each
 * complete event is handed to the callback with its name and its data.
 *
 *	struct sse p;
 *	sse_init(&p, PROVIDER_MAX_EVENT, on_event, ctx);
 *	while (bytes arrive) if ((r = sse_feed(&p, b, n)) < 0) goto out;
 *	r = sse_finish(&p);                        at EOF: the last event
 *	out: sse_release(&p);
 *
 * The rules (the WHATWG event-stream format, as the official SDKs read it):
 * lines end with "\n", "\r\n" or "\r"; a blank line ends an event; "event:"
 * names it, each "data:" line adds to its data (several joined with "\n");
 * one space after the colon is dropped; a line starting with ":" is a
 * comment; other fields (id, retry, anything) are ignored; a field with no
 * colon has an empty value; a UTF-8 BOM at the start of a line is dropped.
 * An event is dispatched when it has data or a name. At EOF, sse_finish()
 * ends a pending line and dispatches what is left.
 *
 * Ceilings: an event's data is at most max_event bytes (exceeding it is
 * -CORDON_ETOOBIG); names longer than SSE_MAX_NAME are cut to that length
 * (no name we act on is that long, so a cut name is just unknown). Errors
 * are sticky: after one, sse_feed() and sse_finish() return it again.
 */
#ifndef CORDON_RUNTIME_PROVIDER_SSE_H
#define CORDON_RUNTIME_PROVIDER_SSE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

#define SSE_MAX_NAME 63

/*
 * One event: name ("" when unnamed; NUL-terminated) and data (len bytes,
 * NUL-terminated, may hold NULs of its own). Both are valid only during the
 * call. Return 0 to go on, or a negative CORDON_E* code to stop the parser
 * (sse_feed() then returns that code).
 */
typedef int (*sse_event_fn)(void *ctx, const char *name, const char *data, size_t len);

struct sse {
	sse_event_fn on_event;
	void *ctx;
	struct buf data;             /* the pending event's data, ceiling max_event */
	char name[SSE_MAX_NAME + 1]; /* the pending event's name */
	size_t name_len;
	char field[8]; /* the current line's field name, as far as we need it */
	size_t field_len;
	bool field_long; /* the field name is longer than field[] */
	bool bom_done;   /* a BOM was already dropped from this line */
	bool have_data, have_name, last_cr;
	int state; /* where in the line we are (sse.c) */
	int kind;  /* which field the current value belongs to (sse.c) */
	int err;   /* sticky error */
	size_t events; /* events dispatched so far */
};

void sse_init(struct sse *p, size_t max_event, sse_event_fn on_event, void *ctx);
void sse_release(struct sse *p);

/* Parse n more bytes. 0, or a negative CORDON_E* code (the ceiling, or the callback's). */
int sse_feed(struct sse *p, const char *b, size_t n);

/* End of stream: end the pending line and dispatch the pending event. 0 or an error as sse_feed(). */
int sse_finish(struct sse *p);

#endif
