/*
 * transcript.h — a run's directory and its JSONL transcript.
 *
 * Every run has an id (a UUID, also the session_id of the events) and a
 * directory, $XDG_STATE_HOME/cordon/runs/ID (~/.local/state/... without
 * XDG_STATE_HOME) or the caller's --run-dir. transcript.jsonl in it holds
 * one JSON object per line for every event of the run, in order: the
 * init, each request sent and response received, each policy decision,
 * tool call and result, errors, retries, the final result. Each line is
 * written whole in one write() as it happens, so a run killed at any point
 * (kill -9 included) leaves every event before it. The lines reach the
 * disk itself (fdatasync) at transcript_sync(), which the loop calls before
 * tool calls that may change something run (not before reads), and at
 * transcript_close(): what a crash of the whole machine can lose is the
 * lines since the last such call, never the record of a call whose
 * effects may have happened.
 *
 *	struct transcript *t;
 *	transcript_open(&t, &opts, &diag);
 *	transcript_append(t, "tool_call", json_pack(...));   steals the fields
 *	transcript_sync(t);                                   before the call runs
 *	transcript_close(t);                                  syncs too
 *
 * Lines: {"type": TYPE, "ts": "2026-12-07T18:00:00.123Z", "seq": N, ...fields}.
 * The conversation itself is in the "message" lines ({"role", "content"}),
 * which is what a resume reads back (transcript_load()).
 */
#ifndef CORDON_RUNTIME_LOOP_TRANSCRIPT_H
#define CORDON_RUNTIME_LOOP_TRANSCRIPT_H

#include <stdbool.h>

#include <jansson.h>

#include "common/error.h"

#define TRANSCRIPT_MAX_LINE (256u << 20) /* one line read back on resume */
#define RUN_ID_LEN 36                    /* a UUID */

struct transcript;

struct transcript_opts {
	const char *run_dir; /* NULL: the state directory's runs/ID */
	const char *id;      /* NULL: a new random UUID; set to continue a run (resume) */
	bool resume;         /* append to an existing transcript */
};

int transcript_open(struct transcript **out, const struct transcript_opts *opts, struct cordon_diag *diag);

/*
 * Append one event. `fields` (an object, may be NULL) is stolen; "type",
 * "ts" and "seq" are added. Returns 0 or negative CORDON_E* (the event is
 * lost, the run goes on: the caller reports it once).
 */
int transcript_append(struct transcript *t, const char *type, json_t *fields);

/*
 * Make the lines appended so far durable (fdatasync; nothing to do when no
 * line came since the last sync). t may be NULL. Returns 0 or -CORDON_ESYS.
 */
int transcript_sync(struct transcript *t);

const char *transcript_id(const struct transcript *t);
const char *transcript_dir(const struct transcript *t);
const char *transcript_path(const struct transcript *t);

/* Sync (transcript_sync()) and close; t may be NULL. */
void transcript_close(struct transcript *t);

/* A new random UUID (version 4) into out[RUN_ID_LEN + 1]. */
int run_id_new(char *out);

/* Whether s is a run id as run_id_new() makes them (so it is safe in a path). */
bool run_id_valid(const char *s);

/*
 * The runs directory: $XDG_STATE_HOME/cordon/runs, else ~/.local/state/cordon/runs.
 * Into out[size]; -CORDON_EINVAL when neither variable gives an absolute path.
 */
int runs_dir(char *out, size_t size);

/*
 * Read a transcript back for --resume: *out_messages is the conversation
 * (a new array of {"role", "content"}), repaired so it can be sent again:
 * an assistant turn whose tool calls have no results gets a user message
 * of is_error results saying the calls were interrupted (their effects may
 * have happened). *out_meta holds what the session had built up:
 * {"init": the last init line or null, "read_state": {path: entry} from
 * the tool results' recorded effects, "todos": the last todo list or null},
 * for session_seed(). -CORDON_ENOTFOUND (no such run),
 * -CORDON_EPARSE (diag: the line that is broken), -CORDON_ETOOBIG.
 */
int transcript_load(const char *path, json_t **out_messages, json_t **out_meta, struct cordon_diag *diag);

#endif
