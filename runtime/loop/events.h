/*
 * events.h — what a run tells the outside world, as it happens.
 *
 * One stream of events feeds three readers:
 *   - stdout, in the format the user chose, shaped like `claude -p` so
 *     existing CI parsers work unchanged:
 *       text         the final result text (nothing else)
 *       json         the final result object (one line)
 *       stream-json  one JSON object per line: system/init first, then an
 *                    "assistant" event per content block of each reply, a
 *                    "user" event per tool result, system events (api_retry,
 *                    ...), and the "result" object last, always;
 *   - the transcript (transcript.h), which gets every event, including
 *     the internal ones stdout never shows (requests, decisions);
 *   - stderr, only when it is a terminal: one progress line (turn, the
 *     tool running, tokens, cost), rewritten in place.
 * Each stdout line is written whole and flushed; stdout carries nothing
 * but these events.
 *
 *	struct events ev;
 *	events_init(&ev, EVENTS_STREAM_JSON, session_id, transcript);
 *	events_emit(&ev, "system", json_pack(...));    stolen
 *	events_result(&ev, result);                    the last thing written
 *	events_release(&ev);
 */
#ifndef CORDON_RUNTIME_LOOP_EVENTS_H
#define CORDON_RUNTIME_LOOP_EVENTS_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "runtime/loop/transcript.h"

enum events_format { EVENTS_TEXT, EVENTS_JSON, EVENTS_STREAM_JSON };

/* "text", "json", "stream-json"; -1 for an unknown name. */
int events_format_from_name(const char *name);

struct events {
	enum events_format format;
	char session_id[RUN_ID_LEN + 1];
	struct transcript *tr; /* borrowed; may be NULL */
	FILE *out;             /* stdout */
	FILE *progress;        /* stderr when it is a terminal, else NULL */
	bool progress_shown;
	bool partial;          /* --include-partial-messages: stream_event lines */
	bool result_written;
	int out_error;         /* errno of a failed stdout write (e.g. EPIPE), once */
};

void events_init(struct events *ev, enum events_format format, const char *session_id, struct transcript *tr);

/*
 * A stdout event of type TYPE (stream-json only; the transcript always):
 * fields is stolen; "type", "session_id" and a "uuid" are added.
 */
void events_emit(struct events *ev, const char *type, json_t *fields);

/* The transcript only (requests, decisions, internal notes). fields stolen. */
void events_record(struct events *ev, const char *type, json_t *fields);

/*
 * An assistant reply: one stream-json "assistant" event per content block
 * (each with the whole message around a one-block content array, as Claude
 * Code prints them), one "message" line in the transcript.
 */
void events_assistant(struct events *ev, const json_t *message);

/*
 * The user message of tool results: one stream-json "user" event per
 * tool_result block (with "tool_use_result": its text, or "Error: TEXT"),
 * one "message" line in the transcript.
 */
void events_tool_results(struct events *ev, const json_t *message);

/* The first user message (the prompt): the transcript's "message" line only. */
void events_user_prompt(struct events *ev, const json_t *message);

/*
 * The final result object (borrowed): stdout in every format (text: its
 * "result" text; json: the object; stream-json: a "result" line), the
 * transcript, and the progress line cleared. Written once; later calls are
 * ignored.
 */
void events_result(struct events *ev, const json_t *result);

/* The progress line (terminal only): "turn N · TOOL · TOKENS tokens · $COST". */
void events_progress(struct events *ev, unsigned turn, const char *tool, long long tokens, double cost);

void events_release(struct events *ev);

#endif
