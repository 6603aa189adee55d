/*
 * openai.c — chat completions (OpenAI, llama.cpp, vLLM, Ollama): the
 * canonical transcript converted to chat messages at the wire, the chunk
 * stream assembled back into an Anthropic-shaped message, and opening.
 */
#include "runtime/provider/internal.h"
#include "common/secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPENAI_DEFAULT_BASE "https://api.openai.com/v1"

struct oai_call {
	struct buf id, name, args;
	bool seen;
};

/* ---- the stream assembler ------------------------------------------------------ */

void oai_stream_init(struct oai_stream *s, size_t max_message, const char *id_prefix)
{
	memset(s, 0, sizeof(*s));
	s->max_bytes = max_message;
	snprintf(s->id_prefix, sizeof(s->id_prefix), "%s", id_prefix ? id_prefix : "call");
	/* Each piece is charged against max_bytes; the buffers need no ceiling of their own. */
	buf_init(&s->text, BUF_NOMAX);
	buf_init(&s->reasoning, BUF_NOMAX);
}

void oai_stream_release(struct oai_stream *s)
{
	size_t i;

	for (i = 0; i < s->ncalls; i++) {
		buf_release(&s->calls[i].id);
		buf_release(&s->calls[i].name);
		buf_release(&s->calls[i].args);
	}
	free(s->calls);
	free(s->id);
	free(s->model);
	buf_release(&s->text);
	buf_release(&s->reasoning);
	json_decref(s->usage);
	json_decref(s->base.message);
	json_decref(s->base.bad_inputs);
	memset(s, 0, sizeof(*s));
}

static int broken(struct oai_stream *s, const char *why)
{
	pv_one_line(s->base.why, sizeof(s->base.why), why);
	return -CORDON_EPROTO;
}

static int put(struct oai_stream *s, struct buf *b, const json_t *v, bool replace)
{
	size_t n;

	if (!json_is_string(v))
		return 0;
	n = json_string_length(v);
	if (n > s->max_bytes - s->bytes) {
		pv_msg(s->base.why, sizeof(s->base.why), "the assistant message exceeds %zu bytes", s->max_bytes);
		return -CORDON_ETOOBIG;
	}
	s->bytes += n;
	if (replace)
		buf_truncate(b, 0);
	return buf_append(b, json_string_value(v), n) < 0 ? -CORDON_ENOMEM : 0;
}

/* The slot of tool call index i, made on first sight. */
static struct oai_call *call_slot(struct oai_stream *s, size_t i)
{
	size_t j;

	if (i >= PV_MAX_BLOCKS)
		return NULL;
	if (i >= s->ncalls) {
		struct oai_call *nc = realloc(s->calls, (i + 1) * sizeof(*nc));

		if (!nc)
			return NULL;
		for (j = s->ncalls; j <= i; j++) {
			memset(&nc[j], 0, sizeof(nc[j]));
			buf_init(&nc[j].id, BUF_NOMAX);
			buf_init(&nc[j].name, BUF_NOMAX);
			buf_init(&nc[j].args, BUF_NOMAX);
		}
		s->calls = nc;
		s->ncalls = i + 1;
	}
	return &s->calls[i];
}

static int on_tool_calls(struct oai_stream *s, const json_t *tcs)
{
	const json_t *tc, *fn, *ix;
	size_t k, i;
	struct oai_call *c;
	int r;

	json_array_foreach (tcs, k, tc) {
		if (!json_is_object(tc))
			continue;
		ix = json_object_get(tc, "index");
		if (json_is_integer(ix)) {
			if (json_integer_value(ix) < 0 || json_integer_value(ix) >= PV_MAX_BLOCKS)
				break;
			i = (size_t)json_integer_value(ix);
		} else {
			/* No index (some servers): an id starts a new call, else it continues the last. */
			const char *id = json_string_value(json_object_get(tc, "id"));

			i = id && *id ? s->ncalls : (s->ncalls ? s->ncalls - 1 : 0);
		}
		c = call_slot(s, i);
		if (!c) {
			if (i >= PV_MAX_BLOCKS)
				break;
			return -CORDON_ENOMEM;
		}
		c->seen = true;
		fn = json_object_get(tc, "function");
		/* id and name are set when present (a repeated name overwrites), arguments appended. */
		if (json_string_length(json_object_get(tc, "id")) && (r = put(s, &c->id, json_object_get(tc, "id"), true)) < 0)
			return r;
		if (json_string_length(json_object_get(fn, "name")) &&
		    (r = put(s, &c->name, json_object_get(fn, "name"), true)) < 0)
			return r;
		if ((r = put(s, &c->args, json_object_get(fn, "arguments"), false)) < 0)
			return r;
	}
	if (k < json_array_size(tcs)) {
		pv_msg(s->base.why, sizeof(s->base.why), "a tool call index beyond %d", PV_MAX_BLOCKS);
		return -CORDON_ETOOBIG;
	}
	return 0;
}

static const char *stop_reason(const struct oai_stream *s, bool calls)
{
	/* Whether calls came decides, not what finish_reason says (local servers say "stop"). */
	if (calls)
		return "tool_use";
	if (!strcmp(s->finish, "length"))
		return "max_tokens";
	if (!strcmp(s->finish, "content_filter"))
		return "refusal";
	return "end_turn";
}

static json_int_t usage_int(const json_t *obj, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(obj, key));

	return v > 0 ? v : 0;
}

static int tool_block(struct oai_stream *s, json_t *content, size_t i)
{
	struct oai_call *c = &s->calls[i];
	json_t *in = NULL, *blk;
	json_error_t e;
	char id[96], why[256];
	const char *p = c->args.data;

	why[0] = '\0';
	if (c->id.len)
		snprintf(id, sizeof(id), "%s", c->id.data);
	else
		snprintf(id, sizeof(id), "%s_%zu", s->id_prefix, i); /* needed for tool_call_id */
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	if (!*p) {
		in = json_object(); /* no arguments */
	} else {
		in = json_loadb(c->args.data, c->args.len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &e);
		if (!in)
			snprintf(why, sizeof(why), "the tool input is not valid JSON (%s at byte %d)", e.text, e.position);
		else if (!json_is_object(in))
			snprintf(why, sizeof(why), "the tool input is not a JSON object");
		if (why[0]) {
			json_decref(in);
			in = json_object();
		}
	}
	blk = json_pack("{s:s,s:s,s:s%,s:o}", "type", "tool_use", "id", id, "name", c->name.data, c->name.len, "input", in);
	if (!blk || json_array_append_new(content, blk) < 0)
		return -CORDON_ENOMEM;
	if (why[0]) {
		if (!s->base.bad_inputs && !(s->base.bad_inputs = json_object()))
			return -CORDON_ENOMEM;
		pv_one_line(why, sizeof(why), why);
		if (json_object_set_new(s->base.bad_inputs, id, json_string(why)) < 0)
			return -CORDON_ENOMEM;
	}
	return 0;
}

/* [DONE] after a finish reason: the Anthropic-shaped message. */
static int finish(struct oai_stream *s)
{
	json_t *msg = NULL, *content = NULL, *blk;
	json_int_t prompt, cached;
	const json_t *details;
	bool calls = false;
	size_t i;
	int r = -CORDON_ENOMEM;

	content = json_array();
	if (!content)
		goto out;
	if (s->reasoning.len) {
		/* Kept for the transcript; never sent back (the conversion drops thinking). */
		blk = json_pack("{s:s,s:s%}", "type", "thinking", "thinking", s->reasoning.data, s->reasoning.len);
		if (!blk || json_array_append_new(content, blk) < 0)
			goto out;
	}
	if (s->text.len) {
		blk = json_pack("{s:s,s:s%}", "type", "text", "text", s->text.data, s->text.len);
		if (!blk || json_array_append_new(content, blk) < 0)
			goto out;
	}
	for (i = 0; i < s->ncalls; i++) {
		if (!s->calls[i].seen)
			continue;
		calls = true;
		r = tool_block(s, content, i);
		if (r < 0)
			goto out;
		r = -CORDON_ENOMEM;
	}
	prompt = usage_int(s->usage, "prompt_tokens");
	details = json_object_get(s->usage, "prompt_tokens_details");
	cached = usage_int(details, "cached_tokens");
	if (cached > prompt)
		cached = prompt;
	/* prompt_tokens includes the cached ones; Anthropic's input_tokens does not. */
	msg = json_pack("{s:s,s:s,s:s,s:s,s:O,s:s,s:n,s:{s:I,s:I,s:I,s:I}}", "id", s->id ? s->id : "chatcmpl",
			"type", "message", "role", "assistant", "model", s->model ? s->model : "", "content", content,
			"stop_reason", stop_reason(s, calls), "stop_sequence", "usage", "input_tokens", prompt - cached,
			"cache_creation_input_tokens", (json_int_t)0, "cache_read_input_tokens", cached, "output_tokens",
			usage_int(s->usage, "completion_tokens"));
	if (!msg)
		goto out;
	s->base.message = msg;
	s->base.done = true;
	r = 0;
out:
	json_decref(content);
	return r;
}

int oai_stream_event(struct pv_stream *base, const char *name, const char *data, size_t len)
{
	struct oai_stream *s = (struct oai_stream *)base;
	const json_t *choices, *ch = NULL, *delta, *fr, *v;
	json_error_t e;
	json_t *ev;
	size_t i;
	int r = 0;

	(void)name;
	if (s->base.done)
		return 0;
	if (len >= 6 && !memcmp(data, "[DONE]", 6)) {
		if (!s->finish[0])
			return broken(s, "the stream ended ([DONE]) without a finish reason");
		return finish(s);
	}
	ev = json_loadb(data, len, JSON_ALLOW_NUL, &e);
	if (!ev || !json_is_object(ev)) {
		json_decref(ev);
		return broken(s, "malformed JSON in a stream chunk");
	}
	if (s->base.on_event)
		s->base.on_event(s->base.ev_ctx, ev);
	if (json_object_get(ev, "error")) {
		s->base.error_event = true;
		pv_error_from_json(&s->base.err, ev);
		pv_msg(s->base.why, sizeof(s->base.why), "the stream broke: %s: %s",
			 s->base.err.type[0] ? s->base.err.type : s->base.err.code[0] ? s->base.err.code : "error",
			 s->base.err.message[0] ? s->base.err.message : "(no message)");
		pv_one_line(s->base.why, sizeof(s->base.why), s->base.why);
		r = -CORDON_EPROTO;
		goto out;
	}
	if (!s->id && json_is_string(v = json_object_get(ev, "id")) && !(s->id = strdup(json_string_value(v))))
		goto nomem;
	if (!s->model && json_is_string(v = json_object_get(ev, "model")) &&
	    !(s->model = strdup(json_string_value(v))))
		goto nomem;
	if (json_is_object(v = json_object_get(ev, "usage"))) {
		json_decref(s->usage);
		s->usage = json_incref((json_t *)v);
	}
	choices = json_object_get(ev, "choices");
	/* One choice is asked for; take index 0 (or the only one). */
	json_array_foreach (choices, i, v)
		if (json_integer_value(json_object_get(v, "index")) == 0 && json_is_object(v)) {
			ch = v;
			break;
		}
	if (!ch)
		goto out;
	delta = json_object_get(ch, "delta");
	if (json_is_object(delta)) {
		if ((r = put(s, &s->text, json_object_get(delta, "content"), false)) < 0)
			goto out;
		v = json_object_get(delta, "reasoning_content");
		if (!v)
			v = json_object_get(delta, "reasoning");
		if ((r = put(s, &s->reasoning, v, false)) < 0)
			goto out;
		if (json_is_array(v = json_object_get(delta, "tool_calls")) && (r = on_tool_calls(s, v)) < 0)
			goto out;
	}
	fr = json_object_get(ch, "finish_reason");
	if (json_is_string(fr) && json_string_length(fr))
		snprintf(s->finish, sizeof(s->finish), "%s", json_string_value(fr));
out:
	json_decref(ev);
	return r;
nomem:
	json_decref(ev);
	return -CORDON_ENOMEM;
}

/* ---- the transcript, converted ------------------------------------------------- */

static const char *type_of(const json_t *block)
{
	const char *t = json_string_value(json_object_get(block, "type"));

	return t ? t : "";
}

/*
 * The text of content (a string, or blocks): text blocks joined with sep,
 * other blocks named ("[image omitted]") since chat messages here carry
 * text only. skip_results leaves tool_result blocks out.
 */
static int text_of(struct buf *out, const json_t *content, const char *sep, bool skip_results)
{
	const json_t *b, *text;
	bool first = true;
	size_t i;
	int r;

	if (json_is_string(content))
		return buf_append(out, json_string_value(content), json_string_length(content));
	json_array_foreach (content, i, b) {
		const char *t = type_of(b);

		if (skip_results && !strcmp(t, "tool_result"))
			continue;
		if (!first && (r = buf_puts(out, sep)) < 0)
			return r;
		first = false;
		text = json_object_get(b, "text");
		if (!strcmp(t, "text") && json_is_string(text))
			r = buf_append(out, json_string_value(text), json_string_length(text));
		else
			r = buf_printf(out, "[%s omitted]", *t ? t : "block");
		if (r < 0)
			return r;
	}
	return 0;
}

static int append_message(json_t *out, const char *role, const struct buf *text)
{
	json_t *m = json_pack("{s:s,s:s%}", "role", role, "content", text->data, text->len);

	return !m || json_array_append_new(out, m) < 0 ? -CORDON_ENOMEM : 0;
}

/* A user message: its tool results first, one role:tool message each, in order; then the rest. */
static int convert_user(json_t *out, const json_t *content)
{
	struct buf text;
	const json_t *b;
	size_t i, others = 0;
	int r = 0;

	buf_init(&text, BUF_NOMAX);
	if (json_is_string(content)) {
		r = text_of(&text, content, "\n", false);
		if (r == 0)
			r = append_message(out, "user", &text);
		goto out;
	}
	json_array_foreach (content, i, b) {
		const char *id = json_string_value(json_object_get(b, "tool_use_id"));
		json_t *m;

		if (strcmp(type_of(b), "tool_result")) {
			others++;
			continue;
		}
		buf_truncate(&text, 0);
		/* Chat messages have no error flag: the text says it. */
		if (json_is_true(json_object_get(b, "is_error")) && (r = buf_puts(&text, "ERROR: ")) < 0)
			goto out;
		if (json_object_get(b, "content") && (r = text_of(&text, json_object_get(b, "content"), "\n", false)) < 0)
			goto out;
		m = json_pack("{s:s,s:s,s:s%}", "role", "tool", "tool_call_id", id ? id : "", "content", text.data,
			      text.len);
		if (!m || json_array_append_new(out, m) < 0) {
			r = -CORDON_ENOMEM;
			goto out;
		}
	}
	if (others) {
		buf_truncate(&text, 0);
		r = text_of(&text, content, "\n", true);
		if (r == 0)
			r = append_message(out, "user", &text);
	}
out:
	buf_release(&text);
	return r;
}

/* An assistant message: its text as content, its tool_use blocks as tool_calls; thinking dropped. */
static int convert_assistant(json_t *out, const json_t *content)
{
	struct buf text;
	json_t *calls = NULL, *m = NULL;
	const json_t *b;
	size_t i;
	int r = -CORDON_ENOMEM;

	buf_init(&text, BUF_NOMAX);
	if (json_is_string(content)) {
		r = text_of(&text, content, "", false);
		if (r == 0)
			r = append_message(out, "assistant", &text);
		goto out;
	}
	calls = json_array();
	if (!calls)
		goto out;
	json_array_foreach (content, i, b) {
		const char *t = type_of(b);

		if (!strcmp(t, "text") && json_is_string(json_object_get(b, "text"))) {
			const json_t *v = json_object_get(b, "text");

			if (buf_append(&text, json_string_value(v), json_string_length(v)) < 0)
				goto out;
		} else if (!strcmp(t, "tool_use")) {
			const json_t *in = json_object_get(b, "input");
			char *args = in ? json_dumps(in, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
			json_t *c;

			if (in && !args)
				goto out;
			c = json_pack("{s:O?,s:s,s:{s:O?,s:s}}", "id", json_object_get(b, "id"), "type", "function",
				      "function", "name", json_object_get(b, "name"), "arguments", args ? args : "{}");
			free(args);
			if (!c || json_array_append_new(calls, c) < 0)
				goto out;
		}
		/* thinking, redacted_thinking and server-side blocks mean nothing to another model */
	}
	m = json_pack("{s:s,s:s%}", "role", "assistant", "content", text.data, text.len);
	if (!m)
		goto out;
	if (json_array_size(calls)) {
		/* With calls and no text, content is null as the API itself sends it. */
		if ((!text.len && json_object_set_new(m, "content", json_null()) < 0) ||
		    json_object_set(m, "tool_calls", calls) < 0)
			goto out;
	}
	if (json_array_append(out, m) < 0)
		goto out;
	r = 0;
out:
	json_decref(m);
	json_decref(calls);
	buf_release(&text);
	return r;
}

int oai_messages(json_t **out, const json_t *system, const json_t *messages)
{
	json_t *arr = json_array();
	const json_t *m;
	struct buf sys;
	size_t i;
	int r = -CORDON_ENOMEM;

	buf_init(&sys, BUF_NOMAX);
	*out = NULL;
	if (!arr)
		goto out;
	if (system) {
		r = text_of(&sys, system, "\n", false);
		if (r < 0 || (sys.len && (r = append_message(arr, "system", &sys)) < 0))
			goto out;
	}
	r = -CORDON_EINVAL;
	if (!json_is_array(messages))
		goto out;
	json_array_foreach (messages, i, m) {
		const char *role = json_string_value(json_object_get(m, "role"));
		const json_t *content = json_object_get(m, "content");

		if (!role || !(json_is_string(content) || json_is_array(content))) {
			r = -CORDON_EINVAL;
			goto out;
		}
		if (!strcmp(role, "assistant"))
			r = convert_assistant(arr, content);
		else if (!strcmp(role, "user"))
			r = convert_user(arr, content);
		else
			r = -CORDON_EINVAL;
		if (r < 0)
			goto out;
	}
	*out = arr;
	arr = NULL;
	r = 0;
out:
	buf_release(&sys);
	json_decref(arr);
	return r;
}

int oai_tools(json_t **out, const json_t *tools)
{
	json_t *arr = json_array(), *t = NULL;
	const json_t *tool;
	size_t i;

	*out = NULL;
	if (!arr)
		return -CORDON_ENOMEM;
	json_array_foreach (tools, i, tool) {
		const json_t *name = json_object_get(tool, "name"), *schema = json_object_get(tool, "input_schema");
		const json_t *desc = json_object_get(tool, "description");

		/* Anthropic-defined and server tools have no schema: nothing to offer here. */
		if (!json_is_string(name) || !json_is_object(schema))
			continue;
		t = json_pack("{s:s,s:{s:O,s:O}}", "type", "function", "function", "name", name, "parameters", schema);
		if (!t || (json_is_string(desc) &&
			   json_object_set(json_object_get(t, "function"), "description", (json_t *)desc) < 0) ||
		    json_array_append_new(arr, t) < 0) {
			json_decref(arr);
			return -CORDON_ENOMEM;
		}
	}
	*out = arr;
	return 0;
}

int oai_body(json_t **out, const char *model, const struct provider_request *rq)
{
	json_t *body = NULL, *msgs = NULL, *tools = NULL;
	int r;

	*out = NULL;
	if ((rq->tools && !json_is_array(rq->tools)) ||
	    (rq->system && !json_is_array(rq->system) && !json_is_string(rq->system)))
		return -CORDON_EINVAL;
	r = oai_messages(&msgs, rq->system, rq->messages);
	if (r < 0)
		return r;
	if (rq->tools && json_array_size(rq->tools) && (r = oai_tools(&tools, rq->tools)) < 0)
		goto out;
	r = -CORDON_ENOMEM;
	body = json_pack("{s:s,s:O,s:I,s:b,s:{s:b}}", "model", model, "messages", msgs, "max_tokens",
			 (json_int_t)(rq->max_tokens ? rq->max_tokens : 16000), "stream", 1, "stream_options",
			 "include_usage", 1);
	if (!body)
		goto out;
	if (json_array_size(tools) && json_object_set(body, "tools", tools) < 0)
		goto out;
	*out = body;
	body = NULL;
	r = 0;
out:
	json_decref(body);
	json_decref(msgs);
	json_decref(tools);
	return r;
}

/* ---- opening ------------------------------------------------------------------ */

static bool is_alias(const char *m)
{
	return m && provider_model_resolve(m, NULL) != m;
}

static int oai_open(struct provider *p, struct cordon_diag *diag)
{
	const char *base = p->cfg.base_url ? p->cfg.base_url : getenv("OPENAI_BASE_URL");
	const char *m = p->cfg.model, *env_model = getenv("OPENAI_MODEL");
	int r;

	if (!base || !*base)
		base = OPENAI_DEFAULT_BASE;
	secret_latch();
	r = pv_take_key(p, "OPENAI_API_KEY", "Authorization: Bearer ", diag);
	if (r == -CORDON_ENOTFOUND) {
		/* Local servers take any key, or none; the public API does not. */
		if (!strncmp(base, OPENAI_DEFAULT_BASE, strlen(OPENAI_DEFAULT_BASE))) {
			diag_set(diag, 0, 0, "no API key: set OPENAI_API_KEY (or OPENAI_BASE_URL for a local server)");
			return -CORDON_EINVAL;
		}
		p->key_source = "none";
		r = 0;
	}
	if (r < 0)
		return r;
	/* Claude aliases (an agent file's "sonnet") mean nothing to these servers. */
	if (!m || !*m || is_alias(m) || !strcmp(m, "inherit"))
		m = env_model && *env_model ? env_model : NULL;
	if (!m) {
		diag_set(diag, 0, 0, "the openai provider needs a model id: pass one with --model or set OPENAI_MODEL");
		return -CORDON_EINVAL;
	}
	p->model = strdup(m);
	p->base_url = strdup(base);
	return p->model && p->base_url ? 0 : -CORDON_ENOMEM;
}

static void asm_init(union pv_asm *a, size_t max_message, const char *id_prefix)
{
	oai_stream_init(&a->oai, max_message, id_prefix);
}

static void asm_release(union pv_asm *a)
{
	oai_stream_release(&a->oai);
}

const struct provider_ops pv_openai_ops = {
	.endpoint = "/chat/completions",
	.open = oai_open,
	.body = oai_body,
	.stream_init = asm_init,
	.stream_event = oai_stream_event,
	.stream_release = asm_release,
};
