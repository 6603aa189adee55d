/*
 * anthropic.c — the Messages API: the request body, the stream assembler,
 * and opening (key, base URL, model, API version). The send loop around it
 * is provider.c's; the wire rules are in docs/llm.md.
 */
#include "runtime/provider/internal.h"
#include "common/secret.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ANTHROPIC_DEFAULT_BASE "https://api.anthropic.com"
#define ANTHROPIC_DEFAULT_VERSION "2023-06-01"

enum bkind { B_OTHER, B_TEXT, B_THINKING, B_INPUT };

struct anth_block {
	json_t *block;  /* the block being built: content_block_start's object, then the deltas */
	struct buf acc; /* B_TEXT: text; B_THINKING: thinking; B_INPUT: the input JSON as streamed */
	enum bkind kind;
	bool stopped;
};

/* ---- the stream assembler ------------------------------------------------------ */

void anth_stream_init(struct anth_stream *s, size_t max_message)
{
	memset(s, 0, sizeof(*s));
	s->max_bytes = max_message;
}

void anth_stream_release(struct anth_stream *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		json_decref(s->blocks[i].block);
		buf_release(&s->blocks[i].acc);
	}
	free(s->blocks);
	json_decref(s->msg);
	json_decref(s->base.message);
	json_decref(s->base.bad_inputs);
	memset(s, 0, sizeof(*s));
}

static int broken(struct anth_stream *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The stream broke the protocol: say how (base.why) and stop it. */
static int broken(struct anth_stream *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->base.why, sizeof(s->base.why), fmt, ap);
	va_end(ap);
	pv_one_line(s->base.why, sizeof(s->base.why), s->base.why);
	return -CORDON_EPROTO;
}

/* Count n more bytes of the message against its ceiling. */
static int charge(struct anth_stream *s, size_t n)
{
	if (n > s->max_bytes - s->bytes) {
		pv_msg(s->base.why, sizeof(s->base.why), "the assistant message exceeds %zu bytes", s->max_bytes);
		return -CORDON_ETOOBIG;
	}
	s->bytes += n;
	return 0;
}

/* The block an event's "index" names, or NULL. */
static struct anth_block *block_at(struct anth_stream *s, const json_t *ev)
{
	const json_t *ix = json_object_get(ev, "index");
	json_int_t i;

	if (!json_is_integer(ix))
		return NULL;
	i = json_integer_value(ix);
	if (i < 0 || (size_t)i >= s->n)
		return NULL;
	return &s->blocks[i];
}

static int set_string(json_t *obj, const char *key, const struct buf *b)
{
	/* Concatenated pieces of valid UTF-8 strings are valid UTF-8. */
	json_t *v = json_stringn_nocheck(b->data, b->len);

	if (!v || json_object_set_new(obj, key, v) < 0)
		return -CORDON_ENOMEM;
	return 0;
}

/*
 * A block is complete: its text, thinking or input goes into the block.
 * The tool input is parsed strictly, here and only here; a bad one is noted
 * in bad_inputs and left as {} so that the call is answered, never run.
 */
static int finish_block(struct anth_stream *s, struct anth_block *b)
{
	json_error_t e;
	json_t *in;
	const char *why = NULL;
	char msg[256];

	if (b->stopped)
		return 0;
	b->stopped = true;
	switch (b->kind) {
	case B_TEXT:
		return set_string(b->block, "text", &b->acc);
	case B_THINKING:
		return set_string(b->block, "thinking", &b->acc);
	case B_OTHER:
		return 0;
	case B_INPUT:
		break;
	}
	if (!b->acc.len) {
		/* No deltas: a tool without arguments; keep an object the start gave. */
		if (json_is_object(json_object_get(b->block, "input")))
			return 0;
		return json_object_set_new(b->block, "input", json_object()) < 0 ? -CORDON_ENOMEM : 0;
	}
	/* Duplicate keys are refused: which one a tool would see is anybody's guess. */
	in = json_loadb(b->acc.data, b->acc.len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &e);
	if (!in) {
		snprintf(msg, sizeof(msg), "the tool input is not valid JSON (%s at byte %d)", e.text, e.position);
		why = msg;
	} else if (!json_is_object(in)) {
		why = "the tool input is not a JSON object";
		json_decref(in);
	}
	if (why) {
		const char *id = json_string_value(json_object_get(b->block, "id"));

		in = json_object();
		if (!s->base.bad_inputs)
			s->base.bad_inputs = json_object();
		if (!in || !s->base.bad_inputs)
			goto nomem;
		pv_one_line(msg, sizeof(msg), why);
		if (json_object_set_new(s->base.bad_inputs, id ? id : "", json_string(msg)) < 0)
			goto nomem;
	}
	if (json_object_set_new(b->block, "input", in) < 0)
		return -CORDON_ENOMEM;
	return 0;
nomem:
	json_decref(in);
	return -CORDON_ENOMEM;
}

static int on_message_start(struct anth_stream *s, const json_t *ev, size_t len)
{
	const json_t *m = json_object_get(ev, "message");
	int r;

	if (s->started)
		return broken(s, "a second %s event", "message_start");
	if (!json_is_object(m))
		return broken(s, "a %s event without a message", "message_start");
	r = charge(s, len);
	if (r < 0)
		return r;
	s->msg = json_deep_copy(m);
	if (!s->msg)
		return -CORDON_ENOMEM;
	/* The content comes from the blocks; a non-empty array here would be news. */
	json_object_del(s->msg, "content");
	if (!json_is_object(json_object_get(s->msg, "usage")) &&
	    json_object_set_new(s->msg, "usage", json_object()) < 0)
		return -CORDON_ENOMEM;
	s->started = true;
	return 0;
}

static int on_block_start(struct anth_stream *s, const json_t *ev, size_t len)
{
	const json_t *ix = json_object_get(ev, "index"), *cb = json_object_get(ev, "content_block");
	struct anth_block *b;
	const char *type;
	int r;

	if (!json_is_integer(ix) || json_integer_value(ix) != (json_int_t)s->n)
		return broken(s, "a %s event out of order", "content_block_start");
	if (!json_is_object(cb) || !json_is_string(json_object_get(cb, "type")))
		return broken(s, "a %s event without a block", "content_block_start");
	type = json_string_value(json_object_get(cb, "type"));
	/* The loop answers a call by its id and runs it by its name: both must be there. */
	if (!strcmp(type, "tool_use") &&
	    (!json_is_string(json_object_get(cb, "id")) || !json_is_string(json_object_get(cb, "name"))))
		return broken(s, "a %s block without an id or a name", type);
	if (s->n >= PV_MAX_BLOCKS) {
		pv_msg(s->base.why, sizeof(s->base.why), "more than %d content blocks", PV_MAX_BLOCKS);
		return -CORDON_ETOOBIG;
	}
	r = charge(s, len);
	if (r < 0)
		return r;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		struct anth_block *nb = realloc(s->blocks, cap * sizeof(*nb));

		if (!nb)
			return -CORDON_ENOMEM;
		s->blocks = nb;
		s->cap = cap;
	}
	b = &s->blocks[s->n];
	memset(b, 0, sizeof(*b));
	buf_init(&b->acc, BUF_NOMAX); /* charged against the message ceiling instead */
	b->block = json_deep_copy(cb);
	if (!b->block)
		return -CORDON_ENOMEM;
	s->n++;
	if (!strcmp(type, "text"))
		b->kind = B_TEXT;
	else if (!strcmp(type, "thinking"))
		b->kind = B_THINKING;
	else if (!strcmp(type, "tool_use") || json_object_get(cb, "input")) /* also server_tool_use, mcp_tool_use, ... */
		b->kind = B_INPUT;
	/* Text the start already carries is where the deltas continue. */
	if (b->kind == B_TEXT || b->kind == B_THINKING) {
		const json_t *v = json_object_get(cb, b->kind == B_TEXT ? "text" : "thinking");

		if (json_is_string(v) && buf_append(&b->acc, json_string_value(v), json_string_length(v)) < 0)
			return -CORDON_ENOMEM;
	}
	return 0;
}

static int append_delta(struct anth_stream *s, struct anth_block *b, const json_t *v)
{
	size_t n;
	int r;

	if (!json_is_string(v))
		return broken(s, "a %s without its text", "delta");
	n = json_string_length(v);
	r = charge(s, n);
	if (r < 0)
		return r;
	return buf_append(&b->acc, json_string_value(v), n) < 0 ? -CORDON_ENOMEM : 0;
}

static int on_block_delta(struct anth_stream *s, const json_t *ev)
{
	struct anth_block *b = block_at(s, ev);
	const json_t *d = json_object_get(ev, "delta");
	const char *dt = json_string_value(json_object_get(d, "type"));
	int r;

	if (!b || b->stopped)
		return broken(s, "a delta for a block that is not open (%s)", dt ? dt : "?");
	if (!dt)
		return broken(s, "a delta without a %s", "type");
	if (!strcmp(dt, "text_delta") && b->kind == B_TEXT)
		return append_delta(s, b, json_object_get(d, "text"));
	if (!strcmp(dt, "thinking_delta") && b->kind == B_THINKING)
		return append_delta(s, b, json_object_get(d, "thinking"));
	if (!strcmp(dt, "input_json_delta") && b->kind == B_INPUT)
		return append_delta(s, b, json_object_get(d, "partial_json"));
	if (!strcmp(dt, "signature_delta") && b->kind == B_THINKING) {
		const json_t *sig = json_object_get(d, "signature");

		if (!json_is_string(sig))
			return broken(s, "a %s without a signature", dt);
		r = charge(s, json_string_length(sig));
		if (r < 0)
			return r;
		/* Set, not appended: the signature comes whole. */
		return json_object_set(b->block, "signature", (json_t *)sig) < 0 ? -CORDON_ENOMEM : 0;
	}
	if (!strcmp(dt, "citations_delta") && b->kind == B_TEXT) {
		const json_t *c = json_object_get(d, "citation");
		json_t *arr = json_object_get(b->block, "citations");

		if (!c)
			return broken(s, "a %s without a citation", dt);
		r = charge(s, 64); /* a rough price: citations are small objects */
		if (r < 0)
			return r;
		if (!json_is_array(arr)) {
			arr = json_array();
			if (!arr || json_object_set_new(b->block, "citations", arr) < 0)
				return -CORDON_ENOMEM;
		}
		return json_array_append(arr, (json_t *)c) < 0 ? -CORDON_ENOMEM : 0;
	}
	/* A delta type we do not know (or for another kind of block): the SDKs ignore it too. */
	return 0;
}

static int on_message_delta(struct anth_stream *s, const json_t *ev, size_t len)
{
	const json_t *d = json_object_get(ev, "delta"), *u = json_object_get(ev, "usage"), *v;
	json_t *usage = json_object_get(s->msg, "usage");
	const char *k;
	int r;

	/* Its fields are kept: it counts against the ceiling like a block. */
	r = charge(s, len);
	if (r < 0)
		return r;

	/* Top-level changes (stop_reason, stop_sequence, ...), but not the parts we build. */
	if (json_is_object(d))
		json_object_foreach ((json_t *)d, k, v)
			if (strcmp(k, "content") && strcmp(k, "usage") && json_object_set(s->msg, k, (json_t *)v) < 0)
				return -CORDON_ENOMEM;
	/* Cumulative counts: overwrite the fields that are there, never add. */
	if (json_is_object(u))
		json_object_foreach ((json_t *)u, k, v)
			if (!json_is_null(v) && json_object_set(usage, k, (json_t *)v) < 0)
				return -CORDON_ENOMEM;
	return 0;
}

static int on_message_stop(struct anth_stream *s)
{
	json_t *content;
	size_t i;
	int r;

	content = json_array();
	if (!content)
		return -CORDON_ENOMEM;
	for (i = 0; i < s->n; i++) {
		r = finish_block(s, &s->blocks[i]);
		if (r < 0 || json_array_append(content, s->blocks[i].block) < 0) {
			json_decref(content);
			return r < 0 ? r : -CORDON_ENOMEM;
		}
	}
	if (json_object_set_new(s->msg, "content", content) < 0)
		return -CORDON_ENOMEM;
	/* A server that never said why it stopped just stopped. */
	if (!json_is_string(json_object_get(s->msg, "stop_reason")) &&
	    json_object_set_new(s->msg, "stop_reason", json_string("end_turn")) < 0)
		return -CORDON_ENOMEM;
	s->base.message = s->msg;
	s->msg = NULL;
	s->base.done = true;
	return 0;
}

int anth_stream_event(struct pv_stream *base, const char *name, const char *data, size_t len)
{
	struct anth_stream *s = (struct anth_stream *)base;
	json_error_t e;
	json_t *ev;
	const char *type;
	int r = 0;

	if (s->base.done)
		return 0; /* nothing counts after message_stop */
	ev = json_loadb(data, len, JSON_ALLOW_NUL, &e);
	if (!ev || !json_is_object(ev)) {
		json_decref(ev);
		if (!strcmp(name, "ping") || (!name[0] && !len))
			return 0;
		return broken(s, "malformed JSON in a '%s' event", name[0] ? name : "unnamed");
	}
	if (s->base.on_event)
		s->base.on_event(s->base.ev_ctx, ev);
	type = json_string_value(json_object_get(ev, "type"));
	if (!type)
		type = name;
	if (!strcmp(name, "error") || !strcmp(type, "error")) {
		s->base.error_event = true;
		pv_error_from_json(&s->base.err, ev);
		pv_msg(s->base.why, sizeof(s->base.why), "the stream broke: %s: %s",
			 s->base.err.type[0] ? s->base.err.type : "error",
			 s->base.err.message[0] ? s->base.err.message : "(no message)");
		r = -CORDON_EPROTO;
	} else if (!strcmp(type, "ping")) {
		r = 0;
	} else if (!strcmp(type, "message_start")) {
		r = on_message_start(s, ev, len);
	} else if (!strcmp(type, "content_block_start") || !strcmp(type, "content_block_delta") ||
		   !strcmp(type, "content_block_stop") || !strcmp(type, "message_delta") ||
		   !strcmp(type, "message_stop")) {
		if (!s->started)
			r = broken(s, "a '%s' event before message_start", type);
		else if (!strcmp(type, "content_block_start"))
			r = on_block_start(s, ev, len);
		else if (!strcmp(type, "content_block_delta"))
			r = on_block_delta(s, ev);
		else if (!strcmp(type, "content_block_stop")) {
			struct anth_block *b = block_at(s, ev);

			r = b && !b->stopped ? finish_block(s, b)
					     : broken(s, "a %s for a block that is not open", "content_block_stop");
		} else if (!strcmp(type, "message_delta"))
			r = on_message_delta(s, ev, len);
		else
			r = on_message_stop(s);
	}
	/* Unknown events are passed over, as the SDKs do. */
	json_decref(ev);
	pv_one_line(s->base.why, sizeof(s->base.why), s->base.why);
	return r;
}

/* ---- the request body ------------------------------------------------------- */

static bool has_cache_control(const json_t *blocks)
{
	size_t i;
	const json_t *b;

	if (!json_is_array(blocks))
		return false;
	json_array_foreach (blocks, i, b)
		if (json_object_get(b, "cache_control"))
			return true;
	return false;
}

static bool cacheable(const json_t *block)
{
	static const char *const types[] = { "text", "image", "document", "tool_result", "tool_use", "search_result" };
	const char *t = json_string_value(json_object_get(block, "type"));
	size_t i;

	for (i = 0; t && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(t, types[i]))
			return true;
	return false;
}

/*
 * blocks (a string or an array of blocks) with a cache breakpoint on the
 * last block: a new array sharing the other blocks, the last one copied.
 * NULL when the last block cannot carry one, or memory ran out: the blocks
 * are then sent without it (caching is an optimisation, not a must).
 */
static json_t *with_breakpoint(const json_t *blocks)
{
	json_t *out = NULL, *last = NULL;
	size_t i, n = 1;

	if (json_is_string(blocks) && json_string_length(blocks))
		last = json_pack("{s:s,s:O}", "type", "text", "text", blocks);
	else if (json_is_array(blocks) && (n = json_array_size(blocks)) > 0 && cacheable(json_array_get(blocks, n - 1)))
		last = json_copy(json_array_get(blocks, n - 1));
	else
		return NULL;
	out = json_array();
	if (!last || !out || json_object_set_new(last, "cache_control", json_pack("{s:s}", "type", "ephemeral")) < 0)
		goto fail;
	for (i = 0; i + 1 < n; i++)
		if (json_array_append(out, json_array_get(blocks, i)) < 0)
			goto fail;
	if (json_array_append(out, last) < 0)
		goto fail;
	json_decref(last);
	return out;
fail:
	json_decref(last);
	json_decref(out);
	return NULL;
}

/*
 * The rolling breakpoint: the last block of the last message, unless the
 * caller placed breakpoints in the messages itself. *out is a new array
 * sharing all but the last message (NULL: send messages as they are); the
 * caller's objects are not changed.
 */
static int messages_with_breakpoint(json_t **out, const json_t *messages)
{
	size_t i, n = json_array_size(messages);
	const json_t *m;
	json_t *arr = NULL, *lastm = NULL, *content;

	*out = NULL;
	json_array_foreach (messages, i, m)
		if (has_cache_control(json_object_get(m, "content")))
			return 0;
	if (!n || !(content = with_breakpoint(json_object_get(json_array_get(messages, n - 1), "content"))))
		return 0;
	arr = json_array();
	lastm = json_copy(json_array_get(messages, n - 1));
	if (!arr || !lastm || json_object_set(lastm, "content", content) < 0)
		goto nomem;
	for (i = 0; i + 1 < n; i++)
		if (json_array_append(arr, json_array_get(messages, i)) < 0)
			goto nomem;
	if (json_array_append(arr, lastm) < 0)
		goto nomem;
	json_decref(lastm);
	json_decref(content);
	*out = arr;
	return 0;
nomem:
	json_decref(arr);
	json_decref(lastm);
	json_decref(content);
	return -CORDON_ENOMEM;
}

int anth_body(json_t **out, const char *model, const struct provider_request *rq)
{
	json_t *body = NULL, *sys = NULL, *msgs = NULL;
	int r = -CORDON_ENOMEM;

	*out = NULL;
	if (!json_is_array(rq->messages) || (rq->tools && !json_is_array(rq->tools)) ||
	    (rq->system && !json_is_array(rq->system) && !json_is_string(rq->system)))
		return -CORDON_EINVAL;
	body = json_pack("{s:s,s:I}", "model", model, "max_tokens", (json_int_t)(rq->max_tokens ? rq->max_tokens : 16000));
	if (!body)
		goto out;
	if (rq->system && (json_is_string(rq->system) ? json_string_length(rq->system) : json_array_size(rq->system))) {
		/* The static breakpoint: tools and system prompt, cached together. */
		if (!has_cache_control(rq->system))
			sys = with_breakpoint(rq->system);
		if (json_object_set(body, "system", sys ? sys : (json_t *)rq->system) < 0)
			goto out;
	}
	/* Shared, not copied: the same tools serialise to the same bytes every turn. */
	if (rq->tools && json_array_size(rq->tools) && json_object_set(body, "tools", (json_t *)rq->tools) < 0)
		goto out;
	r = messages_with_breakpoint(&msgs, rq->messages);
	if (r < 0)
		goto out;
	r = -CORDON_ENOMEM;
	if (json_object_set(body, "messages", msgs ? msgs : (json_t *)rq->messages) < 0)
		goto out;
	if (rq->thinking && json_object_set(body, "thinking", (json_t *)rq->thinking) < 0)
		goto out;
	if (json_object_set_new(body, "stream", json_true()) < 0)
		goto out;
	*out = body;
	body = NULL;
	r = 0;
out:
	json_decref(sys);
	json_decref(msgs);
	json_decref(body);
	return r;
}

/* ---- opening ------------------------------------------------------------------ */

static int anth_open(struct provider *p, struct cordon_diag *diag)
{
	const char *m, *env_model = getenv("ANTHROPIC_MODEL");
	const char *base = p->cfg.base_url ? p->cfg.base_url : getenv("ANTHROPIC_BASE_URL");
	int r;

	/* From here on this process may hold a key: no warden can be forked (common/secret.h). */
	secret_latch();
	/* Never both headers: the API refuses a request that has both. */
	r = pv_take_key(p, "ANTHROPIC_API_KEY", "x-api-key: ", diag);
	if (r == -CORDON_ENOTFOUND)
		r = pv_take_key(p, "ANTHROPIC_AUTH_TOKEN", "Authorization: Bearer ", diag);
	if (r == -CORDON_ENOTFOUND) {
		diag_set(diag, 0, 0, "no API key: set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN)");
		return -CORDON_EINVAL;
	}
	if (r < 0)
		return r;
	m = provider_model_resolve(p->cfg.model, env_model && *env_model ? env_model : NULL);
	m = provider_model_resolve(m, NULL); /* $ANTHROPIC_MODEL may be an alias too */
	if (!m)
		m = provider_model_resolve("sonnet", NULL);
	p->model = strdup(m);
	p->base_url = strdup(base && *base ? base : ANTHROPIC_DEFAULT_BASE);
	snprintf(p->version_header, sizeof(p->version_header), "anthropic-version: %s",
		 p->cfg.api_version ? p->cfg.api_version : ANTHROPIC_DEFAULT_VERSION);
	return p->model && p->base_url ? 0 : -CORDON_ENOMEM;
}

static void asm_init(union pv_asm *a, size_t max_message, const char *id_prefix)
{
	(void)id_prefix; /* the API names its tool calls itself */
	anth_stream_init(&a->anth, max_message);
}

static void asm_release(union pv_asm *a)
{
	anth_stream_release(&a->anth);
}

const struct provider_ops pv_anthropic_ops = {
	.endpoint = "/v1/messages",
	.open = anth_open,
	.body = anth_body,
	.stream_init = asm_init,
	.stream_event = anth_stream_event,
	.stream_release = asm_release,
};
