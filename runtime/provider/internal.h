/*
 * internal.h — what the files of runtime/provider/ share. Not an interface
 * for the rest of cordon (that is provider.h); the unit tests and fuzz
 * targets use it to reach the pure parts: the stream assemblers, the request
 * builders and converters, the error-body parser, the replay script parser.
 *
 * A stream assembler turns the events of one attempt into one assistant
 * message. It is fed (name, data) pairs from the SSE parser and never
 * touches the network:
 *
 *	struct anth_stream s;
 *	anth_stream_init(&s, PROVIDER_MAX_MESSAGE);
 *	for each event: r = anth_stream_event(&s.base, name, data, len);
 *	    r < 0: stop reading; s.base says why (an error event, a broken
 *	    protocol, a ceiling)
 *	at EOF: if (s.base.done) take s.base.message and s.base.bad_inputs
 *	anth_stream_release(&s);                   frees whatever was not taken
 *
 * A turn is complete only when base.done is set (Anthropic: message_stop;
 * OpenAI: [DONE] after a finish reason). Anything else is a broken stream:
 * the partial turn is thrown away with the assembler.
 */
#ifndef CORDON_RUNTIME_PROVIDER_INTERNAL_H
#define CORDON_RUNTIME_PROVIDER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/buf.h"
#include "common/error.h"
#include "runtime/provider/http.h"
#include "runtime/provider/provider.h"

#define PV_MAX_BLOCKS 4096 /* content blocks (or OpenAI tool calls) in one message */

/* ---- errors, in either API's format ------------------------------------------- */

struct pv_error_info {
	char type[64];        /* error.type, or "" */
	char message[512];    /* error.message, one line, or "" */
	char code[64];        /* error.details.error_code, or OpenAI's error.code, or "" */
	char request_id[128]; /* the body's request_id, or "" */
	bool context_overflow;
};

/*
 * Read an error object: Anthropic's {"type":"error","error":{"type",
 * "message","details":{"error_code"}},"request_id"} or OpenAI's {"error":
 * {"message","type","param","code"}} (also as a mid-stream event). Fields
 * that are missing stay "". Returns whether root had an "error" member.
 */
bool pv_error_from_json(struct pv_error_info *out, const json_t *root);

/* The same from a body of len bytes (not JSON: false, out cleared). */
bool pv_error_parse(struct pv_error_info *out, const char *body, size_t len);

/* Copy src into dst (size bytes) as one line: control characters become spaces. */
void pv_one_line(char *dst, size_t size, const char *src);

/* Format a message into dst (cut to size), as one line. */
void pv_msg(char *dst, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- stream assemblers ------------------------------------------------------- */

struct pv_stream {
	/* Set by the assembler. */
	bool done;          /* a complete turn: message and bad_inputs are set */
	bool error_event;   /* the server sent an error in the stream (err says which) */
	struct pv_error_info err;
	char why[256];      /* why the stream is broken, one line */
	json_t *message;    /* owned until taken */
	json_t *bad_inputs; /* {tool_use id: reason} or NULL; owned until taken */
	/* Set by the caller (optional). */
	void (*on_event)(void *ctx, const json_t *event);
	void *ev_ctx;
};

/* The event function both assemblers have; r < 0 stops the stream. */
typedef int (*pv_stream_event_fn)(struct pv_stream *s, const char *name, const char *data, size_t len);

struct anth_block;

struct anth_stream {
	struct pv_stream base;
	json_t *msg;
	struct anth_block *blocks;
	size_t n, cap;
	size_t bytes, max_bytes; /* appended so far, against the message ceiling */
	bool started;
};

void anth_stream_init(struct anth_stream *s, size_t max_message);
void anth_stream_release(struct anth_stream *s);
/*
 * One event. 0 to go on; -CORDON_EPROTO for an error event or a broken
 * protocol (malformed JSON, a block out of order, ...; base.why says which),
 * -CORDON_ETOOBIG for the message ceiling, -CORDON_ENOMEM.
 */
int anth_stream_event(struct pv_stream *s, const char *name, const char *data, size_t len);

struct oai_call;

struct oai_stream {
	struct pv_stream base;
	char id_prefix[40]; /* made-up tool call ids: <prefix>_<index> */
	char *id, *model;
	struct buf text, reasoning;
	struct oai_call *calls;
	size_t ncalls;
	char finish[32];
	json_t *usage;
	size_t bytes, max_bytes;
};

void oai_stream_init(struct oai_stream *s, size_t max_message, const char *id_prefix);
void oai_stream_release(struct oai_stream *s);
/* One chunk (the name is ignored); returns as anth_stream_event(). */
int oai_stream_event(struct pv_stream *s, const char *name, const char *data, size_t len);

/* Either assembler, for the send loop (provider.c). */
union pv_asm {
	struct pv_stream base;
	struct anth_stream anth;
	struct oai_stream oai;
};

/* ---- request bodies ----------------------------------------------------------- */

/*
 * The Messages API body for rq (model, max_tokens, system, messages, tools,
 * thinking, stream: true), with the prompt-cache breakpoints of provider.h.
 * Shares rq's objects (no deep copy). 0, -CORDON_EINVAL, -CORDON_ENOMEM.
 */
int anth_body(json_t **out, const char *model, const struct provider_request *rq);

/* The chat completions body for rq: the canonical transcript converted (docs/llm.md). */
int oai_body(json_t **out, const char *model, const struct provider_request *rq);

/* Canonical (Anthropic) messages to OpenAI chat messages, system first. */
int oai_messages(json_t **out, const json_t *system, const json_t *messages);

/* {name, description, input_schema} tools to OpenAI function tools. */
int oai_tools(json_t **out, const json_t *tools);

/* ---- replay ------------------------------------------------------------------- */

#define REPLAY_MAX_SCRIPT (256u << 20) /* a whole replay script */

/*
 * Parse a replay script (docs/llm.md, "The replay script"): one assistant
 * message per line; blank lines and lines starting with '#' skipped; missing
 * id, type, role, model, stop_reason, usage and tool_use ids filled in. *out
 * is an array of messages. A bad line is -CORDON_EPARSE with its line number
 * in diag; a line longer than max_line is -CORDON_ETOOBIG (diag too).
 */
int replay_parse(json_t **out, const char *text, size_t len, size_t max_line, const char *model,
		 struct cordon_diag *diag);

/* ---- the provider object ------------------------------------------------------ */

struct provider_ops;

struct provider {
	enum provider_kind kind;
	const struct provider_ops *ops;
	struct provider_config cfg; /* strings below, not the caller's */
	char *model;
	char *base_url;
	char *url;             /* base + endpoint */
	char *auth_header;     /* "x-api-key: ..." or "Authorization: Bearer ...": a secret */
	char *key;             /* the key alone, to scrub it from messages: a secret */
	const char *key_source;
	char version_header[96];
	struct http_client http;
	unsigned long long rng;
	unsigned long long sends;
	/* replay */
	json_t *script;
	size_t next;
};

struct provider_ops {
	const char *endpoint; /* appended to the base URL; NULL: not HTTP */
	int (*open)(struct provider *p, struct cordon_diag *diag);
	/* HTTP kinds */
	int (*body)(json_t **out, const char *model, const struct provider_request *rq);
	void (*stream_init)(union pv_asm *a, size_t max_message, const char *id_prefix);
	pv_stream_event_fn stream_event;
	void (*stream_release)(union pv_asm *a);
	/* Replay: the whole send. */
	int (*send)(struct provider *p, const struct provider_request *rq, const struct provider_hooks *hooks,
		    struct provider_turn *out, struct provider_error *err);
};

extern const struct provider_ops pv_anthropic_ops, pv_openai_ops, pv_replay_ops;

/*
 * Take the key in environment variable var (the caller has set the secret
 * latch): p->key, p->auth_header = prefix + key, p->key_source = var.
 * -CORDON_ENOTFOUND when unset or empty, -CORDON_EINVAL (diag; the key is
 * not quoted) when it cannot go into a header, -CORDON_ENOMEM.
 */
int pv_take_key(struct provider *p, const char *var, const char *prefix, struct cordon_diag *diag);

/* Fill a turn's usage, stop_reason and model from its message (all providers). */
void pv_turn_from_message(struct provider_turn *t);

#endif
