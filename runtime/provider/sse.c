/* sse.c — incremental event-stream parser (see sse.h). */
#include "runtime/provider/sse.h"
#include "common/error.h"

#include <string.h>

enum state {
	S_FIELD,       /* reading the field name (the line so far) */
	S_VALUE_START, /* just after the colon: one space is dropped */
	S_VALUE,       /* reading the value */
	S_SKIP,        /* a comment, or a value nobody needs: skip to the end of the line */
};

enum kind { K_OTHER, K_DATA, K_EVENT };

static const char bom[3] = { '\xEF', '\xBB', '\xBF' };

void sse_init(struct sse *p, size_t max_event, sse_event_fn on_event, void *ctx)
{
	memset(p, 0, sizeof(*p));
	buf_init(&p->data, max_event);
	p->on_event = on_event;
	p->ctx = ctx;
	p->state = S_FIELD;
}

void sse_release(struct sse *p)
{
	buf_release(&p->data);
}

static int dispatch(struct sse *p)
{
	int r = 0;

	if (p->have_data || p->have_name) {
		p->name[p->name_len] = '\0';
		p->events++;
		r = p->on_event(p->ctx, p->name, p->data.data, p->data.len);
	}
	buf_truncate(&p->data, 0);
	p->name_len = 0;
	p->have_data = p->have_name = false;
	return r;
}

/* A field's value begins: set up where its bytes go. */
static int begin_value(struct sse *p)
{
	p->kind = K_OTHER;
	if (!p->field_long && p->field_len == 4 && !memcmp(p->field, "data", 4))
		p->kind = K_DATA;
	else if (!p->field_long && p->field_len == 5 && !memcmp(p->field, "event", 5))
		p->kind = K_EVENT;
	if (p->kind == K_DATA) {
		if (p->have_data) {
			int r = buf_putc(&p->data, '\n');
			if (r < 0)
				return r;
		}
		p->have_data = true;
	} else if (p->kind == K_EVENT) {
		p->name_len = 0;
		p->have_name = true;
	}
	return 0;
}

static int value_bytes(struct sse *p, const char *b, size_t n)
{
	size_t room;

	if (p->kind == K_DATA)
		return buf_append(&p->data, b, n);
	/* K_EVENT: names past SSE_MAX_NAME are cut (see sse.h). */
	room = SSE_MAX_NAME - p->name_len;
	if (n > room)
		n = room;
	memcpy(p->name + p->name_len, b, n);
	p->name_len += n;
	return 0;
}

static int end_line(struct sse *p)
{
	int r = 0;

	if (p->state == S_FIELD) {
		if (p->field_len == 0 && !p->field_long)
			r = dispatch(p); /* a blank line (a lone BOM counts as blank) */
		else
			r = begin_value(p); /* a field without a colon: empty value */
	}
	p->state = S_FIELD;
	p->field_len = 0;
	p->field_long = false;
	p->bom_done = false;
	return r;
}

static int field_byte(struct sse *p, char c)
{
	if (c == ':') {
		if (p->field_len == 0 && !p->field_long) {
			p->state = S_SKIP; /* a comment */
			return 0;
		}
		p->state = S_VALUE_START;
		return begin_value(p);
	}
	if (p->field_len < sizeof(p->field)) {
		p->field[p->field_len++] = c;
		/* Only the first three bytes of a line can be a BOM. */
		if (!p->bom_done && p->field_len == 3 && !memcmp(p->field, bom, 3)) {
			p->field_len = 0;
			p->bom_done = true;
		}
	} else {
		p->field_long = true;
	}
	return 0;
}

int sse_feed(struct sse *p, const char *b, size_t n)
{
	size_t i = 0;
	int r = 0;

	if (p->err)
		return p->err;
	while (i < n) {
		char c = b[i];

		if (p->last_cr) {
			p->last_cr = false;
			if (c == '\n') { /* the second half of a CRLF */
				i++;
				continue;
			}
		}
		if (c == '\r' || c == '\n') {
			p->last_cr = c == '\r';
			i++;
			r = end_line(p);
			if (r < 0)
				break;
			continue;
		}
		switch (p->state) {
		case S_FIELD:
			r = field_byte(p, c);
			i++;
			break;
		case S_VALUE_START:
			p->state = S_VALUE;
			if (c == ' ') {
				i++;
				break;
			}
			/* fall through */
		case S_VALUE:
		case S_SKIP: {
			/* The rest of the line in one piece: values can be megabytes. */
			size_t j = i;

			while (j < n && b[j] != '\n' && b[j] != '\r')
				j++;
			if (p->state == S_VALUE && p->kind != K_OTHER)
				r = value_bytes(p, b + i, j - i);
			i = j;
			break;
		}
		}
		if (r < 0)
			break;
	}
	if (r < 0)
		p->err = r;
	return r;
}

int sse_finish(struct sse *p)
{
	int r;

	if (p->err)
		return p->err;
	r = 0;
	if (p->state != S_FIELD || p->field_len || p->field_long)
		r = end_line(p);
	if (r == 0)
		r = dispatch(p);
	if (r < 0)
		p->err = r;
	return r;
}
