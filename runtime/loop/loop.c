/* loop.c — the agent loop (see loop.h). */
#include "runtime/loop/loop.h"
#include "runtime/loop/prompt.h"
#include "common/buf.h"
#include "common/error.h"
#include "policy/catalog.h"
#include "policy/readonly.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_PAUSE_TURNS 5        /* pause_turn continuations in a row */
#define MAX_PARALLEL 8           /* concurrency-safe calls run at once */
#define TRIM_KEEP 3              /* tool results kept whole when trimming for context */
#define ELIDED_NOTE "[output elided to save context; run the tool again if you need it]"
#define FETCH_MAX_TOKENS 4096    /* the answer of WebFetch's second call */

static const struct {
	const char *subtype;
	const char *terminal;
	int exit_code;
} ends[] = {
	[LOOP_SUCCESS] = { "success", "completed", 0 },
	[LOOP_API_ERROR] = { "error_during_execution", "api_error", 1 },
	[LOOP_INTERNAL] = { "error_during_execution", "internal_error", 1 },
	[LOOP_MAX_TURNS] = { "error_max_turns", "max_turns", 3 },
	[LOOP_BUDGET] = { "error_max_budget_usd", "budget_exhausted", 4 },
	[LOOP_CONTEXT] = { "error_during_execution", "prompt_too_long", 5 },
	[LOOP_REFUSAL] = { "error_during_execution", "refusal", 6 },
	[LOOP_AUTH] = { "error_during_execution", "auth", 7 },
	[LOOP_DENIED] = { "error_during_execution", "permission_denied", 8 },
	[LOOP_TIMEOUT] = { "error_during_execution", "timeout", 124 },
	[LOOP_INTERRUPTED] = { "error_during_execution", "interrupted", 130 },
};

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000ull + (unsigned long long)ts.tv_nsec / 1000000ull;
}

static bool cancelled(const struct loop_opts *o)
{
	return o->cancel && atomic_load(&o->cancel->flag);
}

static void set_text(struct loop_result *r, const char *text)
{
	free(r->text);
	r->text = strdup(text ? text : "");
}

/* The concatenated text blocks of an assistant message (the result of a run). */
static char *message_text(const json_t *msg)
{
	const json_t *b;
	struct buf out;
	size_t i;

	buf_init(&out, PROVIDER_MAX_MESSAGE);
	json_array_foreach(json_object_get(msg, "content"), i, b) {
		const char *t = json_string_value(json_object_get(b, "text"));

		if (strcmp(json_string_value(json_object_get(b, "type")) ?: "", "text") || !t)
			continue;
		if (out.len)
			buf_puts(&out, "\n");
		buf_append(&out, t, json_string_length(json_object_get(b, "text")));
	}
	return buf_detach(&out, NULL);
}

/* End the run: the kind, and the result text for failures. */
static void finish(struct loop_result *r, enum loop_end end, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void finish(struct loop_result *r, enum loop_end end, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	r->end = end;
	if (!fmt)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	set_text(r, msg);
	json_array_append_new(r->errors, json_string(msg));
}

static void end_by_signal(const struct loop_opts *o, struct loop_result *r)
{
	int sig = o->cancel ? o->cancel->signal : 0;

	if (sig == SIGALRM) {
		finish(r, LOOP_TIMEOUT, "the run reached its time limit and was stopped");
	} else {
		r->signal = sig ? sig : SIGINT;
		finish(r, LOOP_INTERRUPTED, "the run was interrupted (%s)", r->signal == SIGTERM ? "SIGTERM" : "SIGINT");
	}
}

/* ---- context ------------------------------------------------------------------- */

size_t loop_trim_tool_results(json_t *messages, size_t keep)
{
	size_t i, k, total = 0, seen = 0, trimmed = 0;
	json_t *m, *b;

	for (i = 0; i < json_array_size(messages); i++)
		json_array_foreach(json_object_get(json_array_get(messages, i), "content"), k, b)
			if (!strcmp(json_string_value(json_object_get(b, "type")) ?: "", "tool_result"))
				total++;
	for (i = 0; i < json_array_size(messages) && total > keep; i++) {
		m = json_array_get(messages, i);
		json_array_foreach(json_object_get(m, "content"), k, b) {
			const json_t *c;

			if (strcmp(json_string_value(json_object_get(b, "type")) ?: "", "tool_result"))
				continue;
			if (++seen > total - keep)
				break;
			c = json_object_get(b, "content");
			if (json_is_string(c) && json_string_length(c) == strlen(ELIDED_NOTE) &&
			    !memcmp(json_string_value(c), ELIDED_NOTE, strlen(ELIDED_NOTE)))
				continue;
			/* Pairing and is_error stay: only the bulk goes. */
			json_object_set_new(b, "content", json_string(ELIDED_NOTE));
			trimmed++;
		}
	}
	return trimmed;
}

/* ---- tool calls ------------------------------------------------------------- */

struct call {
	const json_t *block;    /* the tool_use block (borrowed from the assistant message) */
	const char *id, *name;
	const json_t *input;
	const char *bad_input;  /* why the input did not parse (the provider's bad_inputs), or NULL */
	struct session *s;
	struct session_result r;
	int rc;
	unsigned long long ms;
	bool ran;
};

static void run_call(struct call *c)
{
	unsigned long long t0 = now_ms();

	c->rc = session_call(c->s, c->name, c->input, c->id, &c->r);
	c->ms = now_ms() - t0;
	c->ran = true;
}

static void *call_thread(void *arg)
{
	run_call(arg);
	return NULL;
}

/*
 * Whether a call may run beside others of its turn: the catalog says, and a
 * Bash call whose command line only reads (policy/readonly.h: no write, no
 * cd) is, as in the reference. The policy still judges it as any call.
 */
static bool concurrent(const struct call *c)
{
	const struct tool_entry *t = catalog_find(c->name);
	const json_t *cmd = json_object_get(c->input, "command");

	if (!t || !t->builtin)
		return false;
	if (t->check == CHECK_COMMAND)
		return json_is_string(cmd) && !json_is_true(json_object_get(c->input, "run_in_background")) &&
		       readonly_command(json_string_value(cmd), json_string_length(cmd));
	return t->concurrency_safe;
}

/*
 * Whether a call may change anything outside cordon: not an unknown tool
 * (never run) nor one confined to the read-only profile (Landlock read-only,
 * no network: its child can change nothing).
 */
static bool may_have_effects(const struct call *c)
{
	const struct tool_entry *t = catalog_find(c->name);

	return t && t->builtin && t->profile != PROFILE_READONLY;
}

/* Run calls[from, to) at once (threads), or the one call inline. */
static void run_group(struct call *calls, size_t from, size_t to)
{
	pthread_t th[MAX_PARALLEL];
	bool started[MAX_PARALLEL] = { false };
	size_t i;

	if (to - from == 1) {
		run_call(&calls[from]);
		return;
	}
	for (i = from; i < to; i++)
		started[i - from] = pthread_create(&th[i - from], NULL, call_thread, &calls[i]) == 0;
	for (i = from; i < to; i++) {
		if (started[i - from])
			pthread_join(th[i - from], NULL);
		else
			run_call(&calls[i]); /* no thread to be had: run it here */
	}
}

static json_t *result_block(const struct call *c)
{
	json_t *b = json_pack("{s:s, s:s}", "type", "tool_result", "tool_use_id", c->id);

	if (!b)
		return NULL;
	if (c->ran && c->rc == 0) {
		json_object_set(b, "content", c->r.content);
		if (c->r.is_error)
			json_object_set_new(b, "is_error", json_true());
		else if (!strcmp(c->name, "Bash"))
			json_object_set_new(b, "is_error", json_false()); /* the reference's Bash says it explicitly */
	} else if (c->ran) {
		char msg[256];

		snprintf(msg, sizeof(msg), "cordon could not run this call: %s", cordon_strerror(c->rc));
		json_object_set_new(b, "content", json_string(msg));
		json_object_set_new(b, "is_error", json_true());
	} else if (c->bad_input) {
		char msg[768];

		snprintf(msg, sizeof(msg),
			 "<tool_use_error>The input of this call could not be read (%.300s), so it was not run. If the "
			 "reply was cut off by the output limit, issue the call again with a shorter input."
			 "</tool_use_error>",
			 c->bad_input);
		json_object_set_new(b, "content", json_string(msg));
		json_object_set_new(b, "is_error", json_true());
	} else {
		json_object_set_new(b, "content",
				    json_string("Not executed: the run was interrupted before this call started."));
		json_object_set_new(b, "is_error", json_true());
	}
	return b;
}

/* What the first tool call waits for (loop_opts.before_calls); the run ends when it fails. */
static int before_calls(const struct loop_opts *o, struct loop_result *r)
{
	struct cordon_diag d;
	char msg[1024] = "";

	if (o->session && session_ready(o->session, &d) < 0) {
		finish(r, LOOP_INTERNAL, "cannot start the sandbox: %s", d.msg);
		return -1;
	}
	if (o->before_calls && o->before_calls(o->hook_ctx, msg, sizeof(msg)) < 0) {
		finish(r, LOOP_INTERNAL, "%s", msg[0] ? msg : "cannot prepare the first tool call");
		return -1;
	}
	return 0;
}

/*
 * Carry out a reply's tool calls and build the user message of their
 * results (call order). Returns the message (new reference), or NULL on
 * ENOMEM; *denied counts permission denials.
 */
static json_t *run_tools(const struct loop_opts *o, struct loop_result *r, const json_t *reply,
			 const json_t *bad_inputs, unsigned turn, unsigned *denied)
{
	const json_t *content = json_object_get(reply, "content"), *b;
	struct call *calls;
	json_t *results, *msg = NULL;
	size_t n = 0, i, j;

	*denied = 0;
	calls = calloc(json_array_size(content) + 1, sizeof(*calls));
	results = json_array();
	if (!calls || !results)
		goto out;
	json_array_foreach(content, i, b) {
		if (strcmp(json_string_value(json_object_get(b, "type")) ?: "", "tool_use"))
			continue;
		calls[n].block = b;
		calls[n].id = json_string_value(json_object_get(b, "id")) ?: "";
		calls[n].name = json_string_value(json_object_get(b, "name")) ?: "";
		calls[n].input = json_object_get(b, "input");
		calls[n].bad_input = json_string_value(json_object_get(bad_inputs, calls[n].id));
		calls[n].s = o->session;
		n++;
	}
	for (i = 0; i < n && !cancelled(o); i = j) {
		/* A call whose input did not parse never runs (its result says why). */
		if (calls[i].bad_input) {
			j = i + 1;
			continue;
		}
		/* A run of concurrency-safe calls goes at once; anything else alone. */
		j = i + 1;
		if (concurrent(&calls[i]))
			while (j < n && j - i < MAX_PARALLEL && concurrent(&calls[j]) && !calls[j].bad_input)
				j++;
		for (size_t k = i; k < j; k++) {
			events_record(o->ev, "tool_call",
				      json_pack("{s:I, s:s, s:s, s:O?}", "turn", (json_int_t)turn, "tool_use_id",
						calls[k].id, "name", calls[k].name, "input", calls[k].input));
			events_progress(o->ev, turn, calls[k].name,
					r->usage.input_tokens + r->usage.cache_read_tokens +
						r->usage.cache_creation_tokens + r->usage.output_tokens,
					r->cost_usd);
		}
		/*
		 * The reply and its calls on disk before any effect they may have,
		 * so that a resume after a crash of the machine knows of them.
		 */
		for (size_t k = i; k < j; k++)
			if (may_have_effects(&calls[k])) {
				transcript_sync(o->ev->tr);
				break;
			}
		run_group(calls, i, j);
		for (size_t k = i; k < j && o->after_call; k++) {
			const struct call *c = &calls[k];
			struct loop_call lc = { .turn = turn, .name = c->name, .tool_use_id = c->id, .input = c->input };

			if (!c->ran || c->rc < 0)
				continue;
			lc.effects = c->r.effects;
			lc.is_error = c->r.is_error;
			lc.denied = c->r.denied;
			lc.cancelled = c->r.cancelled;
			o->after_call(o->hook_ctx, &lc);
		}
	}
	for (i = 0; i < n; i++) {
		struct call *c = &calls[i];

		if (c->ran && c->rc == 0 && c->r.denied) {
			(*denied)++;
			snprintf(r->last_denial, sizeof(r->last_denial), "%s: %s", c->name,
				 json_is_string(c->r.content) ? json_string_value(c->r.content) : "denied");
			json_array_append_new(r->denials, json_pack("{s:s, s:s, s:O?}", "tool_name", c->name,
								    "tool_use_id", c->id, "tool_input", c->input));
		}
		events_record(o->ev, "tool_result",
			      json_pack("{s:I, s:s, s:s, s:b, s:b, s:b, s:b, s:I, s:O?}", "turn", (json_int_t)turn,
					"tool_use_id", c->id, "name", c->name, "ran", c->ran, "is_error",
					!c->ran || c->rc < 0 || c->r.is_error, "denied", c->ran && c->r.denied,
					"cancelled", c->ran && c->r.cancelled, "duration_ms", (json_int_t)c->ms, "effects",
					c->ran ? c->r.effects : NULL));
		if (json_array_append_new(results, result_block(c)) < 0)
			goto out;
	}
	/*
	 * Background commands that ended since: their <task-notification> goes
	 * with these results, after them, as the reference injects it (a text
	 * block; a finished run never waits for one).
	 */
	{
		json_t *notes = session_take_notifications(o->session), *note;
		size_t k;

		json_array_foreach(notes, k, note)
			json_array_append_new(results, json_pack("{s:s, s:O}", "type", "text", "text", note));
		json_decref(notes);
	}
	msg = json_pack("{s:s, s:O}", "role", "user", "content", results);
out:
	for (i = 0; calls && i < n; i++)
		if (calls[i].ran && calls[i].rc == 0)
			session_result_release(&calls[i].r);
	free(calls);
	json_decref(results);
	return msg;
}

/* Whether a reply asks for tools (whatever its stop reason says). */
static bool has_tool_use(const json_t *reply)
{
	const json_t *b;
	size_t i;

	json_array_foreach(json_object_get(reply, "content"), i, b)
		if (!strcmp(json_string_value(json_object_get(b, "type")) ?: "", "tool_use"))
			return true;
	return false;
}

/* ---- provider hooks ---------------------------------------------------------- */

static void on_retry(void *ctx, const struct provider_retry *rt)
{
	struct events *ev = ctx;

	events_emit(ev, "system",
		    json_pack("{s:s, s:I, s:I, s:I, s:o, s:s?, s:s?, s:b}", "subtype", "api_retry", "attempt",
			      (json_int_t)rt->attempt, "max_retries", (json_int_t)rt->max_retries, "retry_delay_ms",
			      (json_int_t)rt->delay_ms, "error_status",
			      rt->status ? json_integer(rt->status) : json_null(), "error", rt->error_type,
			      "request_id", rt->request_id && rt->request_id[0] ? rt->request_id : NULL, "stream",
			      rt->stream));
}

static void on_stream_event(void *ctx, const json_t *event)
{
	struct events *ev = ctx;

	if (ev->partial)
		events_emit(ev, "stream_event", json_pack("{s:O, s:n}", "event", event, "parent_tool_use_id"));
}

static void add_usage(struct loop_result *r, const struct provider_turn *t)
{
	double c = provider_cost_usd(t->model, &t->usage);

	r->usage.input_tokens += t->usage.input_tokens;
	r->usage.cache_creation_tokens += t->usage.cache_creation_tokens;
	r->usage.cache_read_tokens += t->usage.cache_read_tokens;
	r->usage.output_tokens += t->usage.output_tokens;
	/* An unknown price makes the total unknown, never silently lower. */
	if (c < 0 || r->cost_usd < 0)
		r->cost_usd = -1;
	else
		r->cost_usd += c;
	r->api_ms += t->api_ms;
	snprintf(r->model, sizeof(r->model), "%s", t->model);
}

/* ---- WebFetch's second call ---------------------------------------------------- */

struct fetch_apply {
	const struct loop_opts *o;
	struct loop_result *r;
	pthread_mutex_t mu; /* the result's usage: calls of one turn answer at once */
	struct provider_usage usage;
	double cost;
	unsigned long long api_ms;
};

/*
 * The session's prompt applier (session_fetch_apply_fn): the page and the
 * prompt go to the provider in a request of their own, no tools, no
 * system prompt; the answer's text is the call's result. Runs in the call's
 * thread; the key never leaves the supervisor.
 */
static int apply_fetch_prompt(void *ctx, const struct session_fetch_page *pg, char **out_text)
{
	struct fetch_apply *fa = ctx;
	struct provider_hooks hooks = { .on_retry = on_retry, .ctx = fa->o->ev };
	struct provider_turn t = { 0 };
	struct provider_error err = { 0 };
	struct provider_request rq = { .max_tokens = FETCH_MAX_TOKENS };
	char *msg = prompt_webfetch(pg->content, pg->content_len, pg->prompt);
	json_t *messages;
	double c;
	int rc;

	*out_text = NULL;
	if (fa->o->cancel)
		hooks.cancel = &fa->o->cancel->flag;
	messages = msg ? json_pack("[{s:s, s:[{s:s, s:s}]}]", "role", "user", "content", "type", "text", "text", msg)
		       : NULL;
	free(msg);
	if (!messages)
		return -CORDON_ENOMEM;
	rq.messages = messages;
	rc = provider_send(fa->o->provider, &rq, &hooks, &t, &err);
	json_decref(messages);
	if (rc < 0) {
		const char *why = err.message[0] ? err.message : cordon_strerror(rc);

		if ((err.status ? asprintf(out_text, "API Error: %d %s", err.status, why)
				: asprintf(out_text, "API Error: %s", why)) < 0)
			*out_text = NULL;
		return rc;
	}
	c = provider_cost_usd(t.model, &t.usage);
	pthread_mutex_lock(&fa->mu);
	fa->usage.input_tokens += t.usage.input_tokens;
	fa->usage.cache_creation_tokens += t.usage.cache_creation_tokens;
	fa->usage.cache_read_tokens += t.usage.cache_read_tokens;
	fa->usage.output_tokens += t.usage.output_tokens;
	fa->cost = c < 0 || fa->cost < 0 ? -1 : fa->cost + c;
	fa->api_ms += t.api_ms;
	pthread_mutex_unlock(&fa->mu);
	*out_text = message_text(t.message);
	provider_turn_release(&t);
	return *out_text ? 0 : -CORDON_ENOMEM;
}

/* The second calls' usage joins the run's (called between turns, no call in flight). */
static void take_fetch_usage(struct fetch_apply *fa, struct loop_result *r)
{
	pthread_mutex_lock(&fa->mu);
	r->usage.input_tokens += fa->usage.input_tokens;
	r->usage.cache_creation_tokens += fa->usage.cache_creation_tokens;
	r->usage.cache_read_tokens += fa->usage.cache_read_tokens;
	r->usage.output_tokens += fa->usage.output_tokens;
	if (fa->cost < 0 || r->cost_usd < 0)
		r->cost_usd = -1;
	else
		r->cost_usd += fa->cost;
	r->api_ms += fa->api_ms;
	memset(&fa->usage, 0, sizeof(fa->usage));
	fa->cost = 0;
	fa->api_ms = 0;
	pthread_mutex_unlock(&fa->mu);
}

/* ---- the loop ---------------------------------------------------------------- */

static int loop_turns(const struct loop_opts *o, struct loop_result *r, struct fetch_apply *fa);

int loop_run(const struct loop_opts *o, struct loop_result *r)
{
	struct fetch_apply fa = { .o = o, .r = r };
	int rc;

	pthread_mutex_init(&fa.mu, NULL);
	if (!o->webfetch_raw)
		session_set_fetch_apply(o->session, apply_fetch_prompt, &fa);
	rc = loop_turns(o, r, &fa);
	if (!o->webfetch_raw)
		session_set_fetch_apply(o->session, NULL, NULL);
	take_fetch_usage(&fa, r);
	pthread_mutex_destroy(&fa.mu);
	return rc;
}

static int loop_turns(const struct loop_opts *o, struct loop_result *r, struct fetch_apply *fa)
{
	struct provider_hooks hooks = { .on_retry = on_retry, .on_stream_event = on_stream_event, .ctx = o->ev };
	unsigned turn = 0, pauses = 0;
	bool trimmed_for = false, calls_ready = false;

	memset(r, 0, sizeof(*r));
	r->denials = json_array();
	r->errors = json_array();
	if (!r->denials || !r->errors)
		return -CORDON_ENOMEM;
	snprintf(r->model, sizeof(r->model), "%s", provider_model(o->provider));
	if (o->cancel)
		hooks.cancel = &o->cancel->flag;
	for (;;) {
		struct provider_request rq = { .system = o->system, .tools = o->tools, .messages = o->messages,
					       .max_tokens = o->max_tokens };
		struct provider_turn t = { 0 };
		struct provider_error err = { 0 };
		json_t *results;
		unsigned denied;
		int rc;

		if (cancelled(o)) {
			end_by_signal(o, r);
			break;
		}
		if (o->max_turns && turn + 1 > o->max_turns) {
			/* The reference counts the turn it refused to start. */
			r->num_turns = turn + 1;
			finish(r, LOOP_MAX_TURNS, "Reached maximum number of turns (%u)", o->max_turns);
			break;
		}
		if (o->max_budget_usd > 0 && r->cost_usd >= o->max_budget_usd) {
			finish(r, LOOP_BUDGET, "Reached the budget of $%.4f (spent $%.4f)", o->max_budget_usd, r->cost_usd);
			break;
		}
		turn++;
		r->num_turns = turn;
		events_record(o->ev, "request", json_pack("{s:I, s:s, s:I}", "turn", (json_int_t)turn, "model",
							   provider_model(o->provider), "messages",
							   (json_int_t)json_array_size(o->messages)));
		events_progress(o->ev, turn, NULL,
				r->usage.input_tokens + r->usage.cache_read_tokens + r->usage.cache_creation_tokens +
					r->usage.output_tokens,
				r->cost_usd);
		rc = provider_send(o->provider, &rq, &hooks, &t, &err);
		if (rc < 0) {
			events_record(o->ev, "error", json_pack("{s:I, s:i, s:s, s:s, s:s}", "turn", (json_int_t)turn, "status",
								err.status, "type", err.type, "message", err.message,
								"request_id", err.request_id));
			if (cancelled(o) || rc == -CORDON_EKILLED) {
				end_by_signal(o, r);
			} else if (err.context_overflow && !trimmed_for && loop_trim_tool_results(o->messages, TRIM_KEEP)) {
				/* Make room once, then ask again; the refused request was no turn. */
				trimmed_for = true;
				turn--;
				events_emit(o->ev, "system", json_pack("{s:s, s:s}", "subtype", "context_trimmed", "note",
									"old tool results were elided to fit the context"));
				continue;
			} else if (err.context_overflow) {
				r->api_error_status = err.status;
				finish(r, LOOP_CONTEXT, "the conversation no longer fits the model's context: %s", err.message);
			} else if (err.auth) {
				r->api_error_status = err.status;
				finish(r, LOOP_AUTH, "API Error: %d %s", err.status, err.message);
			} else if (rc == -CORDON_ENOMEM) {
				finish(r, LOOP_INTERNAL, "out of memory");
			} else {
				r->api_error_status = err.status;
				if (err.status)
					finish(r, LOOP_API_ERROR, "API Error: %d %s", err.status, err.message);
				else
					finish(r, LOOP_API_ERROR, "API Error: %s", err.message[0] ? err.message : cordon_strerror(rc));
			}
			break;
		}
		add_usage(r, &t);
		snprintf(r->stop_reason, sizeof(r->stop_reason), "%s", t.stop_reason ? t.stop_reason : "");
		/* Verbatim: thinking blocks, signatures and unknown blocks go back as they came. */
		if (json_array_append_new(o->messages, json_pack("{s:s, s:O}", "role", "assistant", "content",
								 json_object_get(t.message, "content"))) < 0) {
			provider_turn_release(&t);
			finish(r, LOOP_INTERNAL, "out of memory");
			break;
		}
		events_assistant(o->ev, t.message);
		trimmed_for = false;
		if (has_tool_use(t.message)) {
			pauses = 0;
			/*
			 * The sandbox and the base snapshot were made while the first
			 * request went out: no call before both are there.
			 */
			if (!calls_ready && before_calls(o, r) < 0) {
				provider_turn_release(&t);
				break;
			}
			calls_ready = true;
			results = run_tools(o, r, t.message, t.bad_inputs, turn, &denied);
			provider_turn_release(&t);
			take_fetch_usage(fa, r);
			if (!results) {
				finish(r, LOOP_INTERNAL, "out of memory");
				break;
			}
			json_array_append_new(o->messages, results);
			events_tool_results(o->ev, results);
			if (cancelled(o)) {
				end_by_signal(o, r);
				break;
			}
			if (denied && o->fail_on_denial) {
				finish(r, LOOP_DENIED, "a tool call was denied by the policy (--fail-on-denial): %s",
				       r->last_denial);
				break;
			}
			continue;
		}
		if (!strcmp(r->stop_reason, "pause_turn") && ++pauses <= MAX_PAUSE_TURNS) {
			provider_turn_release(&t);
			continue;
		}
		if (!strcmp(r->stop_reason, "refusal")) {
			provider_turn_release(&t);
			finish(r, LOOP_REFUSAL, "the model refused to continue");
			break;
		}
		if (!strcmp(r->stop_reason, "model_context_window_exceeded")) {
			provider_turn_release(&t);
			finish(r, LOOP_CONTEXT, "the model's context window is full");
			break;
		}
		/* end_turn, stop_sequence, max_tokens on text, the end of a replay script. */
		free(r->text);
		r->text = message_text(t.message);
		provider_turn_release(&t);
		r->end = LOOP_SUCCESS;
		break;
	}
	if (!r->text)
		set_text(r, "");
	return 0;
}

/* ---- the result ---------------------------------------------------------------- */

json_t *loop_result_json(const struct loop_result *r, unsigned long long duration_ms)
{
	const struct model_info *mi = provider_model_info(r->model);
	bool is_error = r->end != LOOP_SUCCESS;
	json_t *o, *usage, *mu;

	usage = json_pack("{s:I, s:I, s:I, s:I, s:{s:i, s:i}, s:s}", "input_tokens", (json_int_t)r->usage.input_tokens,
			  "cache_creation_input_tokens", (json_int_t)r->usage.cache_creation_tokens,
			  "cache_read_input_tokens", (json_int_t)r->usage.cache_read_tokens, "output_tokens",
			  (json_int_t)r->usage.output_tokens, "server_tool_use", "web_search_requests", 0,
			  "web_fetch_requests", 0, "service_tier", "standard");
	mu = json_object();
	if (mu && r->model[0])
		json_object_set_new(mu, r->model,
				    json_pack("{s:I, s:I, s:I, s:I, s:i, s:o, s:I, s:I}", "inputTokens",
					      (json_int_t)r->usage.input_tokens, "outputTokens",
					      (json_int_t)r->usage.output_tokens, "cacheReadInputTokens",
					      (json_int_t)r->usage.cache_read_tokens, "cacheCreationInputTokens",
					      (json_int_t)r->usage.cache_creation_tokens, "webSearchRequests", 0, "costUSD",
					      r->cost_usd < 0 ? json_null() : json_real(r->cost_usd), "contextWindow",
					      (json_int_t)(mi ? mi->context_window : 0), "maxOutputTokens",
					      (json_int_t)(mi ? mi->max_output : 0)));
	o = json_pack("{s:s, s:s, s:b, s:o, s:I, s:I, s:I, s:s, s:o, s:o, s:o, s:o, s:O, s:s, s:i}", "type", "result",
		      "subtype", ends[r->end].subtype, "is_error", is_error, "api_error_status",
		      r->api_error_status ? json_integer(r->api_error_status) : json_null(), "duration_ms",
		      (json_int_t)duration_ms, "duration_api_ms", (json_int_t)r->api_ms, "num_turns",
		      (json_int_t)r->num_turns, "result", r->text ? r->text : "", "stop_reason",
		      r->stop_reason[0] ? json_string(r->stop_reason) : json_null(), "total_cost_usd",
		      r->cost_usd < 0 ? json_null() : json_real(r->cost_usd), "usage", usage, "modelUsage", mu,
		      "permission_denials", r->denials, "terminal_reason", ends[r->end].terminal, "exit_code",
		      loop_exit_code(r));
	if (o && is_error)
		json_object_set(o, "errors", r->errors);
	return o;
}

int loop_exit_code(const struct loop_result *r)
{
	if (r->end == LOOP_INTERRUPTED)
		return r->signal == SIGTERM ? 143 : 130;
	return ends[r->end].exit_code;
}

void loop_result_release(struct loop_result *r)
{
	free(r->text);
	json_decref(r->denials);
	json_decref(r->errors);
	memset(r, 0, sizeof(*r));
}
