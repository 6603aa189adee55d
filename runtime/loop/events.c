/* events.c — stdout events, transcript lines and the progress line (see events.h). */
#include "runtime/loop/events.h"
#include "common/buf.h"
#include "common/error.h"
#include "common/utf8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int events_format_from_name(const char *name)
{
	if (!strcmp(name, "text"))
		return EVENTS_TEXT;
	if (!strcmp(name, "json"))
		return EVENTS_JSON;
	if (!strcmp(name, "stream-json"))
		return EVENTS_STREAM_JSON;
	return -1;
}

void events_init(struct events *ev, enum events_format format, const char *session_id, struct transcript *tr)
{
	memset(ev, 0, sizeof(*ev));
	ev->format = format;
	snprintf(ev->session_id, sizeof(ev->session_id), "%s", session_id ? session_id : "");
	ev->tr = tr;
	ev->out = stdout;
	ev->progress = isatty(STDERR_FILENO) ? stderr : NULL;
}

static void clear_progress(struct events *ev)
{
	if (ev->progress && ev->progress_shown) {
		fputs("\r\033[K", ev->progress);
		fflush(ev->progress);
		ev->progress_shown = false;
	}
}

/* One line on stdout, whole, flushed. A reader that went away is noted once, not fatal. */
static void put_line(struct events *ev, const json_t *obj)
{
	char *s;

	if (ev->out_error)
		return;
	/* ASCII-only JSON: no byte of model or tool text reaches a terminal raw. */
	s = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (!s)
		return;
	clear_progress(ev);
	if (fputs(s, ev->out) < 0 || fputc('\n', ev->out) < 0 || fflush(ev->out) != 0)
		ev->out_error = errno ? errno : EIO;
	free(s);
}

static json_t *envelope(struct events *ev, const char *type, json_t *fields)
{
	json_t *o = json_pack("{s:s}", "type", type);
	char uuid[RUN_ID_LEN + 1];

	if (!o) {
		json_decref(fields);
		return NULL;
	}
	if (json_is_object(fields))
		json_object_update(o, fields);
	json_decref(fields);
	json_object_set_new(o, "session_id", json_string(ev->session_id));
	if (run_id_new(uuid) == 0)
		json_object_set_new(o, "uuid", json_string(uuid));
	return o;
}

void events_emit(struct events *ev, const char *type, json_t *fields)
{
	json_t *o = envelope(ev, type, fields);

	if (!o)
		return;
	if (ev->format == EVENTS_STREAM_JSON)
		put_line(ev, o);
	transcript_append(ev->tr, type, json_incref(o));
	json_decref(o);
}

void events_record(struct events *ev, const char *type, json_t *fields)
{
	transcript_append(ev->tr, type, fields);
}

void events_assistant(struct events *ev, const json_t *message)
{
	const json_t *content = json_object_get(message, "content"), *b;
	size_t i;

	transcript_append(ev->tr, "message",
			  json_pack("{s:s, s:O, s:O}", "role", "assistant", "content", content, "response", message));
	if (ev->format != EVENTS_STREAM_JSON)
		return;
	json_array_foreach(content, i, b) {
		json_t *m = json_copy((json_t *)message), *o;

		if (!m)
			return;
		json_object_set_new(m, "content", json_pack("[O]", b));
		o = envelope(ev, "assistant", json_pack("{s:o, s:n}", "message", m, "parent_tool_use_id"));
		if (o)
			put_line(ev, o);
		json_decref(o);
	}
}

/* The structured tool output Claude Code puts beside a result: its text, or "Error: TEXT". */
static json_t *tool_use_result(const json_t *block)
{
	const json_t *c = json_object_get(block, "content");
	bool err = json_is_true(json_object_get(block, "is_error"));
	size_t n;
	char *s;
	json_t *r;

	if (!json_is_string(c))
		return json_incref((json_t *)c);
	if (!err)
		return json_incref((json_t *)c);
	/* Length-carrying: the text may hold NULs. */
	n = json_string_length(c);
	s = malloc(n + 7);
	if (!s)
		return NULL;
	memcpy(s, "Error: ", 7);
	memcpy(s + 7, json_string_value(c), n);
	r = json_stringn(s, n + 7);
	free(s);
	return r;
}

void events_tool_results(struct events *ev, const json_t *message)
{
	const json_t *content = json_object_get(message, "content"), *b;
	size_t i;

	transcript_append(ev->tr, "message", json_pack("{s:s, s:O}", "role", "user", "content", content));
	if (ev->format != EVENTS_STREAM_JSON)
		return;
	json_array_foreach(content, i, b) {
		json_t *o;

		if (strcmp(json_string_value(json_object_get(b, "type")) ?: "", "tool_result"))
			continue;
		o = envelope(ev, "user",
			     json_pack("{s:{s:s, s:[O]}, s:n, s:o*}", "message", "role", "user", "content", b,
				       "parent_tool_use_id", "tool_use_result", tool_use_result(b)));
		if (o)
			put_line(ev, o);
		json_decref(o);
	}
}

void events_user_prompt(struct events *ev, const json_t *message)
{
	transcript_append(ev->tr, "message",
			  json_pack("{s:s, s:O}", "role", "user", "content", json_object_get(message, "content")));
}

void events_result(struct events *ev, const json_t *result)
{
	json_t *o;

	if (ev->result_written)
		return;
	ev->result_written = true;
	clear_progress(ev);
	o = envelope(ev, "result", json_deep_copy(result));
	if (!o)
		return;
	transcript_append(ev->tr, "result", json_incref(o));
	if (ev->format == EVENTS_TEXT) {
		const json_t *rv = json_object_get(o, "result");
		const char *text = json_string_value(rv) ?: "";
		size_t n = json_string_length(rv);
		struct buf b;

		/* Length-carrying: the text may hold NULs. */
		if (isatty(fileno(ev->out))) {
			buf_init(&b, BUF_NOMAX);
			if (utf8_sanitize_tty(&b, text, n) == 0) {
				fwrite(b.data, 1, b.len, ev->out);
				fputc('\n', ev->out);
			}
			buf_release(&b);
		} else {
			fwrite(text, 1, n, ev->out);
			fputc('\n', ev->out);
		}
		fflush(ev->out);
	} else {
		put_line(ev, o);
	}
	json_decref(o);
}

void events_progress(struct events *ev, unsigned turn, const char *tool, long long tokens, double cost)
{
	if (!ev->progress)
		return;
	fprintf(ev->progress, "\r\033[Kcordon: turn %u%s%s · %lld tokens", turn, tool ? " · " : "", tool ? tool : "",
		tokens);
	if (cost >= 0)
		fprintf(ev->progress, " · $%.4f", cost);
	fflush(ev->progress);
	ev->progress_shown = true;
}

void events_release(struct events *ev)
{
	clear_progress(ev);
}
