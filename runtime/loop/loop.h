/*
 * loop.h — the agent loop: model turns and tool calls until the agent is done.
 *
 *	struct loop_opts o = { .session = s, .provider = pv, .ev = &ev, .system = sys,
 *	                       .tools = tools, .messages = msgs, .max_turns = 30 };
 *	struct loop_result r;
 *	loop_run(&o, &r);
 *	json_t *res = loop_result_json(&r, &o, duration_ms);   the final "result" object
 *	exit(loop_exit_code(&r));
 *	loop_result_release(&r);
 *
 * One turn: the conversation goes to the provider (which puts the prompt-
 * cache breakpoints: the system prompt and the last block); the
 * assistant's reply is appended exactly as it came; its tool_use blocks are
 * carried out through the session (the policy decides each, a confined
 * child runs it), concurrency-safe calls of one turn at the same time, the
 * rest one by one, and every call is answered, in call order, in one user
 * message: denials and failures as is_error results the model can act on,
 * an unknown tool or a malformed input as an error result, never a crash.
 * A WebFetch call's prompt is answered from the fetched page by a second,
 * tool-less request through the same provider (session_set_fetch_apply();
 * prompt_webfetch() is its message), unless opts.webfetch_raw; its tokens
 * and cost count toward the run's.
 *
 * The loop ends on: end_turn / stop_sequence (success, the last text is the
 * result), the turn limit, the budget, the wall-clock limit, a cancel
 * (SIGINT/SIGTERM: the calls in flight are killed and answered with
 * synthetic results), a refusal, an API error that retries did not cure,
 * or a context overflow that trimming old tool results did not cure.
 * Every end writes its result; see loop_exit_code() for the exit statuses.
 */
#ifndef CORDON_RUNTIME_LOOP_LOOP_H
#define CORDON_RUNTIME_LOOP_LOOP_H

#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>

#include <jansson.h>

#include "runtime/loop/events.h"
#include "runtime/provider/provider.h"
#include "runtime/session/session.h"

/* How a run ended. Each has an exit status and a result subtype (loop.c's table). */
enum loop_end {
	LOOP_SUCCESS,      /* 0   success */
	LOOP_API_ERROR,    /* 1   error_during_execution: the API refused or retries ran out */
	LOOP_INTERNAL,     /* 1   error_during_execution: cordon itself failed (the sandbox, memory) */
	LOOP_MAX_TURNS,    /* 3   error_max_turns */
	LOOP_BUDGET,       /* 4   error_max_budget_usd */
	LOOP_CONTEXT,      /* 5   error_during_execution: the conversation no longer fits */
	LOOP_REFUSAL,      /* 6   error_during_execution: the model refused */
	LOOP_AUTH,         /* 7   error_during_execution: credentials or permission (401/403) */
	LOOP_DENIED,       /* 8   error_during_execution: a call was denied and --fail-on-denial is set */
	LOOP_TIMEOUT,      /* 124 error_during_execution: the wall-clock limit */
	LOOP_INTERRUPTED,  /* 130 SIGINT, 143 SIGTERM: error_during_execution */
};

/* Why cancel was set: the signal that ended the run (SIGINT, SIGTERM, SIGALRM for the wall clock). */
struct loop_cancel {
	atomic_bool flag;
	volatile sig_atomic_t signal;
};

/* A tool call that ran, for loop_opts.after_call (everything borrowed for the call). */
struct loop_call {
	unsigned turn;
	const char *name, *tool_use_id;
	const json_t *input;
	const json_t *effects; /* the checked effects (session.h), or NULL */
	bool is_error, denied, cancelled;
};

/*
 * Called on the loop's thread after each call that ran, before the next
 * one starts (a group of concurrent calls: each, in call order, once the
 * group is done); the place for a checkpoint of what the call changed.
 */
typedef void (*loop_after_call_fn)(void *ctx, const struct loop_call *call);

/*
 * Called once on the loop's thread before the run's first tool call, once
 * the sandbox is ready: what must be in place before anything can change
 * (the base snapshot). Negative: the run ends there (LOOP_INTERNAL, msg).
 */
typedef int (*loop_before_calls_fn)(void *ctx, char *msg, size_t size);

struct loop_opts {
	struct session *session;   /* borrowed: the tools */
	struct provider *provider; /* borrowed: the model */
	struct events *ev;         /* borrowed: where everything is reported */
	const json_t *system;      /* system blocks (prompt.h), borrowed */
	const json_t *tools;       /* the tool definitions offered, borrowed */
	json_t *messages;          /* the conversation so far, ending with a user message; appended to */
	unsigned max_turns;        /* 0 = no limit */
	double max_budget_usd;     /* <= 0 = no limit */
	unsigned max_tokens;       /* per reply; 0 = the provider's default */
	bool fail_on_denial;       /* end with LOOP_DENIED after a turn with a permission denial */
	/*
	 * WebFetch: return the fetched page (Markdown) instead of answering the
	 * call's prompt from it with a second model call through the provider
	 * (the reference's way, and the default here). Set it for the replay
	 * provider, whose script has no turns for those calls, and when the
	 * model should read pages itself (`--webfetch-raw`).
	 */
	bool webfetch_raw;
	struct loop_cancel *cancel; /* set from signal handlers; may be NULL */
	loop_before_calls_fn before_calls; /* may be NULL */
	loop_after_call_fn after_call;     /* may be NULL */
	void *hook_ctx;                    /* for both */
};

struct loop_result {
	enum loop_end end;
	int signal;              /* LOOP_INTERRUPTED: which */
	char *text;              /* the result text (the last assistant text, or the error) */
	char stop_reason[32];    /* of the last reply, or "" */
	unsigned num_turns;
	struct provider_usage usage;
	double cost_usd;         /* < 0 when a model's price is unknown */
	unsigned long long api_ms;
	int api_error_status;    /* the HTTP status of a failed request, else 0 */
	char model[128];
	json_t *denials;         /* [{tool_name, tool_use_id, tool_input}] */
	json_t *errors;          /* [string] */
	char last_denial[600];   /* "TOOL: the reason" of the latest denied call, or "" */
};

/* Run until the agent ends (see above). Returns 0; out is filled in every case but ENOMEM. */
int loop_run(const struct loop_opts *o, struct loop_result *out);

/*
 * The "result" object: type, subtype, is_error, api_error_status,
 * duration_ms, duration_api_ms, num_turns, result, stop_reason,
 * total_cost_usd, usage, modelUsage, permission_denials, terminal_reason,
 * errors (when failed), exit_code. New reference.
 */
json_t *loop_result_json(const struct loop_result *r, unsigned long long duration_ms);

/* The process exit status for a result (never 0 when is_error). */
int loop_exit_code(const struct loop_result *r);

void loop_result_release(struct loop_result *r);

/*
 * Replace the content of all but the newest `keep` tool results with a
 * note that it was elided (pairing and is_error kept), largest first, so
 * an overflowing conversation fits again. Returns how many were elided.
 */
size_t loop_trim_tool_results(json_t *messages, size_t keep);

#endif
