/*
 * bashfmt.h — what the model reads from Bash and its background commands,
 * in the reference's layout (Claude Code 2.1.x; docs/tools.md, "Bash").
 *
 *	struct bashfmt_run r = { .output = out, .len = n, .exit_code = 3, .command = cmd };
 *	struct buf text; bool is_error;
 *	buf_init(&text, BUF_NOMAX);
 *	bashfmt_result(&text, &is_error, &r);     "Exit code 3\nout\nerr"
 *
 * Pure: strings in, text out, no syscalls, no state. Every function appends
 * to the caller's buf and returns 0 or its error (-CORDON_ENOMEM,
 * -CORDON_ETOOBIG). Output of commands is any bytes: it is made valid UTF-8
 * here (invalid sequences become U+FFFD) before it reaches JSON.
 *
 * Supervisor code (runtime/session/): it reads what a confined command
 * wrote, which is untrusted text, and only ever copies it.
 */
#ifndef CORDON_RUNTIME_BASHFMT_H
#define CORDON_RUNTIME_BASHFMT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

/* TaskOutput keeps at most this many characters of a task's output (the reference's default). */
#define BASHFMT_TASK_OUTPUT_CHARS 32000

/* One foreground command, as it ended. */
struct bashfmt_run {
	const char *output;     /* stdout and stderr, merged in write order (any bytes) */
	size_t len;
	bool truncated;         /* the capture stopped at cap bytes; the command wrote more */
	size_t cap;
	int exit_code;          /* the shell's status: 128 + N when signal N ended it */
	bool timed_out;         /* the time limit ended it (its whole tree was killed) */
	unsigned timeout_ms;
	const char *command;    /* the command line that ran: the benign-exit table reads it */
	const char *cwd_reset;  /* the shell left the working directories: reset to this, or NULL */
	const char *notices;    /* what the sandbox did after the call, one line each, or NULL */
	const char *refused;    /* the sandbox could not start it (why), or NULL */
	const char *signal_name; /* a signal ended the shell itself ("SIGKILL"), or NULL */
	bool egress;            /* the command had the egress proxy (its network note says so) */
};

/*
 * The result text and is_error of a foreground command: the output with its
 * leading blank lines and trailing whitespace removed; "Exit code N" first
 * when the exit is an error (non-zero and not benign: bashfmt_benign_exit());
 * on a timeout "Exit code 143" and "Command timed out after <duration>";
 * then the lines cordon adds: "Shell cwd was reset to DIR", and a
 * "blocked by cordon: ..." line for each refusal the sandbox caused
 * (bashfmt_blocked_notes(), the notices). Parts are joined with "\n"; an
 * empty result stays empty (the session turns it into "(Bash completed with
 * no output)").
 */
int bashfmt_result(struct buf *out, bool *is_error, const struct bashfmt_run *r);

/*
 * Whether exit code `code` of `command` is not an error, as the reference's
 * table has it: 1 from grep, egrep, fgrep, rg, find, diff, test and [ (their
 * "no match" or "false"), keyed on the command name of the last simple
 * command at the top level. A line that does not parse is never benign.
 */
bool bashfmt_benign_exit(const char *command, int code);

/*
 * Offsets of the text the model sees: leading blank lines and trailing
 * whitespace removed, the leading spaces of the first line kept
 * ("\n\n  padded  \n" -> "  padded"). *start + *len <= n.
 */
void bashfmt_trim(const char *s, size_t n, size_t *start, size_t *len);

/* "1s", "1.5s", "2m 0s", "1h 0m 0s": a duration as the timeout line gives it. */
void bashfmt_duration(char *out, size_t size, unsigned ms);

/*
 * One "blocked by cordon: ..." line (each ending in '\n') per kind of
 * refusal the sandbox causes that the output shows: a read-only path, git
 * configuration that cannot be written, no network (egress: the network
 * only through the proxy, for the allowed domains). Says what happened
 * and what to do instead, so that the model does not retry. Appends nothing
 * when there is none.
 */
int bashfmt_blocked_notes(struct buf *out, const char *s, size_t n, bool egress);

/* The reference's answer to run_in_background. */
int bashfmt_background_started(struct buf *out, const char *id, const char *path);

/* A background command's state, as TaskOutput and the notification name it. */
enum bashfmt_task_status { BASHFMT_RUNNING, BASHFMT_COMPLETED, BASHFMT_FAILED, BASHFMT_KILLED };

const char *bashfmt_task_status_name(enum bashfmt_task_status st);

/*
 * TaskOutput's text: <retrieval_status>, <task_id>, <task_type>local_bash,
 * <status>, <exit_code> (when has_exit), <output> (when not blank: cut to
 * its last BASHFMT_TASK_OUTPUT_CHARS characters behind "[Truncated. Full
 * output: PATH]"), joined by blank lines. retrieval: "success", "timeout"
 * (block ran out) or "not_ready" (block false, still running).
 */
int bashfmt_task_output(struct buf *out, const char *retrieval, const char *id,
			enum bashfmt_task_status st, bool has_exit, int exit_code, const char *output,
			size_t len, const char *path);

/* TaskStop's answer: {"message":"Successfully stopped task: ID (COMMAND)","task_id",...} as one JSON line. */
int bashfmt_task_stopped(struct buf *out, const char *id, const char *command);

/*
 * The <task-notification> message the next turn carries once a background
 * command ended (the reference injects it as a user message). what: its
 * description, or its command.
 */
int bashfmt_task_notification(struct buf *out, const char *id, const char *tool_use_id, const char *path,
			      enum bashfmt_task_status st, int exit_code, const char *what);

#endif
