/*
 * provider.h — one interface to the models: Anthropic Messages, OpenAI-
 * compatible chat completions, and a replay script for offline runs.
 *
 * Supervisor code: a provider holds the API key. It is opened after the
 * sandbox (common/secret.h: provider_open() sets the secret latch before it
 * reads a key), and nothing here runs in a child.
 *
 *	struct provider *pv;
 *	struct provider_config cfg = { .kind = PROVIDER_ANTHROPIC, .model = "sonnet" };
 *	struct cordon_diag d;
 *	provider_open(&pv, &cfg, &d);                 reads the key from the environment
 *	struct provider_request rq = { .system = sys, .tools = tools, .messages = msgs, .max_tokens = 16000 };
 *	struct provider_turn t;
 *	rc = provider_send(pv, &rq, &hooks, &t);      retries inside; one complete turn or an error
 *	... t.message (the assistant message, verbatim), t.usage ...
 *	provider_turn_release(&t);
 *	provider_close(pv);
 *
 * The conversation is kept in one canonical form whatever the provider:
 * Anthropic content blocks. messages is the array of {"role", "content"}
 * objects as the Messages API takes them; an assistant turn comes back as
 * the Messages API's message object, with its content array exactly as the
 * model produced it (thinking blocks, signatures and unknown block types
 * included), to be appended to the conversation unchanged. The OpenAI
 * provider converts at the wire, both ways.
 *
 * provider_send() makes one turn happen: it sends the request, streams the
 * reply (SSE), and returns only a complete turn (after message_stop, or the
 * OpenAI stream's [DONE] with a finish reason). A failure that the official
 * SDKs retry (408, 409, 429, 5xx, 529, connection errors, an `x-should-retry:
 * true`) is retried with their backoff (retry-after-ms, then retry-after,
 * else 0.5 s * 2^n up to a cap, with up to 25 % jitter off), up to
 * cfg.max_retries times; a broken stream (mid-stream `error` event, EOF
 * before the end, an idle stream) throws the partial turn away and re-sends
 * the whole request (its own budget, cfg.max_stream_retries). Before each
 * wait, hooks.on_retry is told (for the api_retry event). Every buffer has
 * a ceiling (one SSE event, the assembled message, an error body).
 */
#ifndef CORDON_RUNTIME_PROVIDER_PROVIDER_H
#define CORDON_RUNTIME_PROVIDER_PROVIDER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/error.h"

enum provider_kind {
	PROVIDER_ANTHROPIC, /* default */
	PROVIDER_OPENAI,    /* chat completions: OpenAI, llama.cpp, vLLM, Ollama */
	PROVIDER_REPLAY,    /* a JSONL script of assistant turns: offline, deterministic */
};

/* "anthropic", "openai", "replay"; parse returns -1 for an unknown name. */
const char *provider_kind_name(enum provider_kind k);
int provider_kind_from_name(const char *name);

/* Ceilings (overridable in cfg where it says so). */
#define PROVIDER_MAX_EVENT (16u << 20)   /* one SSE event's data */
#define PROVIDER_MAX_MESSAGE (64u << 20) /* one assembled assistant message */
#define PROVIDER_MAX_ERROR_BODY (1u << 20)
#define PROVIDER_MAX_SCRIPT_LINE (16u << 20)

struct provider_config {
	enum provider_kind kind;
	/*
	 * A model alias of the agent file ("sonnet", "opus", "haiku",
	 * "inherit") or a model id; NULL = $ANTHROPIC_MODEL, else the
	 * provider's default. Mapped by provider_model_resolve().
	 */
	const char *model;
	const char *base_url;         /* NULL: ANTHROPIC_BASE_URL / OPENAI_BASE_URL / the public API */
	const char *replay_script;    /* PROVIDER_REPLAY: the JSONL file */
	const char *api_version;      /* anthropic-version; NULL = "2023-06-01" */
	unsigned max_retries;         /* HTTP-level retries; 0 = default 8 */
	unsigned max_stream_retries;  /* re-sends after a broken stream; 0 = default 5 */
	unsigned connect_timeout_ms;  /* 0 = 10000 */
	unsigned idle_timeout_ms;     /* no byte for this long ends the stream; 0 = 300000 */
	unsigned request_timeout_ms;  /* one whole attempt; 0 = 1800000 */
	unsigned max_delay_ms;        /* cap of one backoff wait; 0 = 30000 */
	/*
	 * Tests only (documented in docs/llm.md as such): retry waits are
	 * scaled by this factor in percent (0 = 100), so fault tests run fast.
	 */
	unsigned delay_scale_pct;
};

/* Borrowed inputs of one request. */
/*
 * Prompt caching (anthropic): unless the caller placed cache_control
 * markers itself, the request carries two breakpoints, on the last system
 * block (tools and system prompt, cached together) and on the last block of
 * the last message (the rolling one: usually the newest tool result). They
 * are added to the body, not to the caller's objects. Markers the caller
 * set in system (or in messages) replace the provider's for that part.
 */
struct provider_request {
	const json_t *system;   /* array of text blocks (may carry cache_control), a string, or NULL */
	const json_t *tools;    /* array of {name, description, input_schema}, or NULL */
	const json_t *messages; /* the conversation (canonical form), ending with a user message */
	unsigned max_tokens;    /* 0 = 16000 */
	const json_t *thinking; /* passed through as the request's "thinking", or NULL */
};

/* Token counts of one turn (or totals), normalised to Anthropic's meaning. */
struct provider_usage {
	long long input_tokens;          /* uncached input */
	long long cache_creation_tokens; /* written to the cache */
	long long cache_read_tokens;
	long long output_tokens;
};

struct provider_turn {
	json_t *message;       /* {"id","type":"message","role":"assistant","model","content":[..],"stop_reason",
				  "stop_sequence","usage":{..}}; owned */
	const char *stop_reason; /* borrowed from message; "end_turn", "tool_use", "max_tokens", ... */
	struct provider_usage usage;
	char model[128];       /* the model that answered */
	char request_id[128];  /* the server's request-id header, or "" */
	unsigned attempts;     /* HTTP requests this turn took (1 = no retry) */
	unsigned long long api_ms; /* time spent waiting on the API, retries included */
	bool script_ended;     /* PROVIDER_REPLAY: the script had no more turns (message is a synthetic end_turn) */
	/*
	 * tool_use blocks whose input did not parse (cut off by max_tokens, a
	 * model's bad JSON): {"<tool_use id>": "why"}; such a block's input is
	 * {} in message. Answer each with an is_error tool_result, never run
	 * it. NULL when every input parsed. Owned.
	 */
	json_t *bad_inputs;
};

/* What a failed turn was (provider_send() < 0). */
struct provider_error {
	int status;            /* HTTP status; 0 for a transport failure or a broken stream */
	/*
	 * error.type ("overloaded_error", ...), or cordon's name: "connection",
	 * "timeout", "stream" (broke without an error event), "cancelled",
	 * "too_big", "invalid_request" (rq was not what this header says),
	 * "not_a_stream", "http_error" (no error body), "no_memory".
	 */
	char type[64];
	char message[512];     /* one line, for the result's errors[] */
	char request_id[128];
	bool auth;             /* 401/403: credentials or permission */
	bool context_overflow; /* "prompt is too long", context_length_exceeded, exceed_context_size_error */
};

/* One retry about to happen: the api_retry event's fields. */
struct provider_retry {
	unsigned attempt;      /* 1 for the first retry */
	unsigned max_retries;
	unsigned delay_ms;
	int status;            /* 0 when there was no HTTP response */
	const char *error_type;
	const char *request_id;
	bool stream;           /* a broken stream (re-send), not an HTTP error */
};

struct provider_hooks {
	void (*on_retry)(void *ctx, const struct provider_retry *r);
	/*
	 * Raw stream events as they arrive (for --include-partial-messages);
	 * may be NULL. An attempt that breaks has reported its events too: the
	 * turn that counts is the one provider_send() returns.
	 */
	void (*on_stream_event)(void *ctx, const json_t *event);
	void *ctx;
	/* Set (by a signal handler) to abandon the request and any wait: -CORDON_EKILLED. */
	const atomic_bool *cancel;
};

struct provider;

/*
 * Open a provider. Reads the credentials (ANTHROPIC_API_KEY, sent as
 * x-api-key, or else ANTHROPIC_AUTH_TOKEN, sent as Authorization: Bearer,
 * never both, for anthropic; OPENAI_API_KEY for openai, optional when
 * the base URL is not OpenAI's own; the replay provider needs none) after
 * setting the secret latch. The model: cfg.model, else $ANTHROPIC_MODEL
 * (anthropic) or $OPENAI_MODEL (openai: required, since Claude aliases
 * mean nothing to other servers), else sonnet. The replay script is read
 * and checked here. Errors: -CORDON_EINVAL (bad config, missing key or
 * model, unreadable or malformed script: diag says which, with the line),
 * -CORDON_ENOMEM.
 */
int provider_open(struct provider **out, const struct provider_config *cfg, struct cordon_diag *diag);

/*
 * One complete assistant turn (see above). 0 with *out filled; negative
 * CORDON_E* with *err filled: -CORDON_EPROTO (the API refused or retries
 * ran out), -CORDON_ETIMEOUT (retries ran out on timeouts), -CORDON_EKILLED
 * (cancelled), -CORDON_ETOOBIG (a ceiling was reached), -CORDON_EINVAL (rq
 * is malformed: no messages array, say), -CORDON_ENOMEM. err->message never
 * holds the key, whatever the server sent.
 */
int provider_send(struct provider *p, const struct provider_request *rq, const struct provider_hooks *hooks,
		  struct provider_turn *out, struct provider_error *err);

void provider_turn_release(struct provider_turn *t);

/* The model id requests use (after alias mapping). Borrowed. */
const char *provider_model(const struct provider *p);

/* The source of the credentials, for the init event: "ANTHROPIC_API_KEY", "none", ... Borrowed. */
const char *provider_key_source(const struct provider *p);

/* Wipes the key and frees. Accepts NULL. */
void provider_close(struct provider *p);

/* ---- models: one table -------------------------------------------------------- */

struct model_info {
	const char *id;
	double in_per_mtok, out_per_mtok; /* USD per million tokens; < 0 = unknown */
	long long context_window;
	long long max_output;
};

/*
 * The model an agent file's `model` means: "sonnet", "opus", "haiku" map to
 * current ids through one table, "inherit" and NULL to fallback (the
 * session's model), anything else is an id used as is. Borrowed string.
 */
const char *provider_model_resolve(const char *alias, const char *fallback);

/* The table row of a model id (prefix match on the dated ids), or NULL when unknown. */
const struct model_info *provider_model_info(const char *id);

/*
 * USD for usage on model id: in × (input + 1.25 × cache_creation + 0.1 ×
 * cache_read) + out × output; negative when the price is unknown.
 */
double provider_cost_usd(const char *id, const struct provider_usage *u);

#endif
