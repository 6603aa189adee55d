/*
 * provider.c — opening a provider and the send loop: one attempt (an HTTP
 * POST whose SSE stream feeds an assembler), what its outcome means, and
 * the retries around it (see provider.h and retry.h).
 */
#include "runtime/provider/internal.h"
#include "runtime/provider/retry.h"
#include "runtime/provider/sse.h"
#include "common/secret.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static const struct {
	const char *name;
	const struct provider_ops *ops;
} kinds[] = {
	[PROVIDER_ANTHROPIC] = { "anthropic", &pv_anthropic_ops },
	[PROVIDER_OPENAI] = { "openai", &pv_openai_ops },
	[PROVIDER_REPLAY] = { "replay", &pv_replay_ops },
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

const char *provider_kind_name(enum provider_kind k)
{
	return (size_t)k < NKINDS ? kinds[k].name : "unknown";
}

int provider_kind_from_name(const char *name)
{
	size_t i;

	for (i = 0; name && i < NKINDS; i++)
		if (!strcmp(name, kinds[i].name))
			return (int)i;
	return -1;
}

/* A key goes into a header line: printable ASCII without spaces, or it is refused. */
static bool key_ok(const char *k)
{
	for (; *k; k++)
		if (*k <= 0x20 || *k >= 0x7f)
			return false;
	return true;
}

int pv_take_key(struct provider *p, const char *var, const char *prefix, struct cordon_diag *diag)
{
	const char *v = getenv(var);
	size_t n;

	if (!v || !*v)
		return -CORDON_ENOTFOUND;
	if (!key_ok(v)) {
		diag_set(diag, 0, 0, "%s holds characters a header cannot carry", var);
		return -CORDON_EINVAL;
	}
	p->key = strdup(v);
	n = strlen(prefix) + strlen(v) + 1;
	p->auth_header = malloc(n);
	if (!p->key || !p->auth_header)
		return -CORDON_ENOMEM;
	snprintf(p->auth_header, n, "%s%s", prefix, v);
	p->key_source = var;
	return 0;
}

void pv_turn_from_message(struct provider_turn *t)
{
	const json_t *u = json_object_get(t->message, "usage");
	const char *sr = json_string_value(json_object_get(t->message, "stop_reason"));
	const char *model = json_string_value(json_object_get(t->message, "model"));

	t->stop_reason = sr ? sr : "";
	snprintf(t->model, sizeof(t->model), "%s", model ? model : "");
	t->usage.input_tokens = json_integer_value(json_object_get(u, "input_tokens"));
	t->usage.cache_creation_tokens = json_integer_value(json_object_get(u, "cache_creation_input_tokens"));
	t->usage.cache_read_tokens = json_integer_value(json_object_get(u, "cache_read_input_tokens"));
	t->usage.output_tokens = json_integer_value(json_object_get(u, "output_tokens"));
}

void provider_turn_release(struct provider_turn *t)
{
	if (!t)
		return;
	json_decref(t->message);
	json_decref(t->bad_inputs);
	memset(t, 0, sizeof(*t));
}

const char *provider_model(const struct provider *p)
{
	return p->model;
}

const char *provider_key_source(const struct provider *p)
{
	return p->key_source ? p->key_source : "none";
}

void provider_close(struct provider *p)
{
	if (!p)
		return;
	secret_free(p->key);
	secret_free(p->auth_header);
	free(p->model);
	free(p->base_url);
	free(p->url);
	http_client_release(&p->http);
	json_decref(p->script);
	free(p);
}

static unsigned long long next_rand(struct provider *p)
{
	/* xorshift64*: jitter only, nothing secret depends on it. */
	p->rng ^= p->rng >> 12;
	p->rng ^= p->rng << 25;
	p->rng ^= p->rng >> 27;
	return p->rng * 2685821657736338717ULL;
}

static double rand01(struct provider *p)
{
	return (double)(next_rand(p) >> 11) / 9007199254740992.0; /* 2^53 */
}

static unsigned or_default(unsigned v, unsigned def)
{
	return v ? v : def;
}

static int make_url(struct provider *p, struct cordon_diag *diag)
{
	size_t n = strlen(p->base_url);

	if (strncmp(p->base_url, "http://", 7) && strncmp(p->base_url, "https://", 8)) {
		diag_set(diag, 0, 0, "the base URL must start with http:// or https://");
		return -CORDON_EINVAL;
	}
	while (n && p->base_url[n - 1] == '/')
		n--;
	p->url = malloc(n + strlen(p->ops->endpoint) + 1);
	if (!p->url)
		return -CORDON_ENOMEM;
	memcpy(p->url, p->base_url, n);
	strcpy(p->url + n, p->ops->endpoint);
	return 0;
}

int provider_open(struct provider **out, const struct provider_config *cfg, struct cordon_diag *diag)
{
	struct provider *p;
	int r;

	*out = NULL;
	diag_clear(diag);
	if ((size_t)cfg->kind >= NKINDS) {
		diag_set(diag, 0, 0, "unknown provider kind %d", (int)cfg->kind);
		return -CORDON_EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -CORDON_ENOMEM;
	p->kind = cfg->kind;
	p->ops = kinds[cfg->kind].ops;
	p->cfg = *cfg;
	p->cfg.max_retries = or_default(cfg->max_retries, 8);
	p->cfg.max_stream_retries = or_default(cfg->max_stream_retries, 5);
	p->cfg.connect_timeout_ms = or_default(cfg->connect_timeout_ms, 10000);
	p->cfg.idle_timeout_ms = or_default(cfg->idle_timeout_ms, 300000);
	p->cfg.request_timeout_ms = or_default(cfg->request_timeout_ms, 1800000);
	p->cfg.max_delay_ms = or_default(cfg->max_delay_ms, 30000);
	p->cfg.delay_scale_pct = or_default(cfg->delay_scale_pct, 100);
	if (getrandom(&p->rng, sizeof(p->rng), GRND_NONBLOCK) != sizeof(p->rng))
		p->rng = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 32);
	p->rng |= 1;
	r = p->ops->open(p, diag);
	if (r == 0 && p->ops->endpoint) {
		r = make_url(p, diag);
		if (r == 0)
			r = http_client_init(&p->http);
	}
	/* The caller's strings were for opening; nothing keeps pointing at them. */
	p->cfg.model = p->cfg.base_url = p->cfg.replay_script = p->cfg.api_version = NULL;
	if (r < 0) {
		if (r == -CORDON_ENOMEM && diag && !diag->msg[0])
			diag_set(diag, 0, 0, "out of memory");
		provider_close(p);
		return r;
	}
	*out = p;
	return 0;
}

/* ---- one attempt ---------------------------------------------------------------- */

struct attempt {
	struct provider *p;
	union pv_asm as;
	struct sse sse;
};

static int on_sse_event(void *ctx, const char *name, const char *data, size_t len)
{
	struct attempt *a = ctx;

	return a->p->ops->stream_event(&a->as.base, name, data, len);
}

static int on_body(void *ctx, const char *b, size_t n)
{
	struct attempt *a = ctx;

	return sse_feed(&a->sse, b, n);
}

enum verdict {
	V_DONE,         /* a complete turn */
	V_RETRY_HTTP,   /* retry on the HTTP budget */
	V_RETRY_STREAM, /* re-send on the stream budget */
	V_FAIL,         /* give up: rc says how */
};

struct outcome {
	enum verdict v;
	int rc;                  /* V_FAIL: the CORDON_E* code */
	struct retry_answer ans; /* V_RETRY_HTTP: for the delay */
};

static void set_err(struct provider_error *err, int status, const char *type, const char *request_id)
{
	err->status = status;
	pv_msg(err->type, sizeof(err->type), "%s", type);
	if (request_id && request_id[0])
		pv_msg(err->request_id, sizeof(err->request_id), "%s", request_id);
}

/* A stream that broke: an error event, garbage, or a ceiling. */
static void stream_broke(struct attempt *a, int code, struct http_response *rs, struct provider_error *err,
			 struct outcome *o)
{
	const struct pv_stream *st = &a->as.base;

	if (code == -CORDON_ETOOBIG || code == -CORDON_ENOMEM) {
		/* A ceiling is not a glitch: the same request would hit it again. */
		set_err(err, 0, code == -CORDON_ETOOBIG ? "too_big" : "no_memory", rs->request_id);
		if (st->why[0])
			pv_msg(err->message, sizeof(err->message), "%s", st->why);
		else if (code == -CORDON_ETOOBIG)
			pv_msg(err->message, sizeof(err->message), "an event of the stream exceeds %u bytes",
				 PROVIDER_MAX_EVENT);
		else
			pv_msg(err->message, sizeof(err->message), "out of memory reading the stream");
		o->v = V_FAIL;
		o->rc = code;
		return;
	}
	if (st->error_event) {
		set_err(err, 0, st->err.type[0] ? st->err.type : "stream_error",
			st->err.request_id[0] ? st->err.request_id : rs->request_id);
		err->context_overflow = st->err.context_overflow;
		pv_msg(err->message, sizeof(err->message), "%s", st->why);
		o->v = retry_stream_error(st->err.type[0] ? st->err.type : NULL) && !st->err.context_overflow
			       ? V_RETRY_STREAM
			       : V_FAIL;
		o->rc = -CORDON_EPROTO;
		return;
	}
	set_err(err, 0, "stream", rs->request_id);
	pv_msg(err->message, sizeof(err->message), "%s", st->why[0] ? st->why : "the stream broke");
	o->v = V_RETRY_STREAM;
	o->rc = -CORDON_EPROTO;
}

/* An answer that is not a stream: an API error (or a server that would not stream). */
static void http_answer(struct provider *p, struct http_response *rs, struct provider_error *err, struct outcome *o)
{
	struct pv_error_info info;
	bool parsed = pv_error_parse(&info, rs->body.data, rs->body.len);

	(void)p;
	if (rs->status >= 200 && rs->status < 300) {
		/* Some OpenAI-compatible servers answer an error with a 200. */
		if (parsed) {
			set_err(err, 0, info.type[0] ? info.type : "stream_error", rs->request_id);
			err->context_overflow = info.context_overflow;
			pv_msg(err->message, sizeof(err->message), "%s", info.message[0] ? info.message : "error");
			o->v = retry_stream_error(info.type[0] ? info.type : NULL) && !info.context_overflow ? V_RETRY_STREAM
													  : V_FAIL;
		} else {
			set_err(err, (int)rs->status, "not_a_stream", rs->request_id);
			pv_msg(err->message, sizeof(err->message), "the server answered '%s' instead of an event stream",
				 rs->content_type);
			o->v = V_FAIL;
		}
		o->rc = -CORDON_EPROTO;
		return;
	}
	set_err(err, (int)rs->status, info.type[0] ? info.type : "http_error",
		info.request_id[0] ? info.request_id : rs->request_id);
	if (info.message[0])
		pv_msg(err->message, sizeof(err->message), "%ld %s: %s", rs->status, info.type[0] ? info.type : "error",
			 info.message);
	else
		pv_msg(err->message, sizeof(err->message), "the API answered HTTP %ld", rs->status);
	err->auth = rs->status == 401 || rs->status == 403;
	err->context_overflow = info.context_overflow;
	o->ans.status = (int)rs->status;
	o->ans.x_should_retry = rs->x_should_retry[0] ? rs->x_should_retry : NULL;
	o->ans.retry_after_ms = rs->retry_after_ms[0] ? rs->retry_after_ms : NULL;
	o->ans.retry_after = rs->retry_after[0] ? rs->retry_after : NULL;
	o->ans.error_code = info.code[0] ? info.code : NULL;
	/* The loop compacts on an overflow; waiting will not shrink the prompt. */
	o->v = retry_should(&o->ans) && !info.context_overflow ? V_RETRY_HTTP : V_FAIL;
	o->rc = -CORDON_EPROTO;
}

static void attempt_outcome(struct attempt *a, int r, struct http_response *rs, struct provider_error *err,
			    struct outcome *o)
{
	memset(o, 0, sizeof(*o));
	switch (rs->fail) {
	case HTTP_OK:
		/* A 2xx event stream that sent nothing is a stream that ended early, not an answer. */
		if (!rs->streamed && !(rs->status >= 200 && rs->status < 300 && http_is_event_stream(rs))) {
			http_answer(a->p, rs, err, o);
			return;
		}
		r = sse_finish(&a->sse);
		if (r < 0) {
			stream_broke(a, r, rs, err, o);
		} else if (a->as.base.done) {
			o->v = V_DONE;
		} else {
			set_err(err, 0, "stream", rs->request_id);
			pv_msg(err->message, sizeof(err->message), "the stream ended before the turn was complete");
			o->v = V_RETRY_STREAM;
			o->rc = -CORDON_EPROTO;
		}
		return;
	case HTTP_FAIL_CALLBACK:
		stream_broke(a, r, rs, err, o);
		return;
	case HTTP_FAIL_CANCELLED:
		set_err(err, 0, "cancelled", rs->request_id);
		pv_msg(err->message, sizeof(err->message), "cancelled");
		o->v = V_FAIL;
		o->rc = -CORDON_EKILLED;
		return;
	case HTTP_FAIL_TIMEOUT:
	case HTTP_FAIL_TRANSPORT:
	case HTTP_FAIL_FATAL:
		break;
	}
	if (r == -CORDON_ENOMEM) {
		set_err(err, 0, "no_memory", NULL);
		pv_msg(err->message, sizeof(err->message), "out of memory");
		o->v = V_FAIL;
		o->rc = r;
		return;
	}
	set_err(err, 0, rs->fail == HTTP_FAIL_TIMEOUT ? "timeout" : "connection", rs->request_id);
	pv_msg(err->message, sizeof(err->message), "%s: %s",
		 rs->fail == HTTP_FAIL_TIMEOUT ? "the request timed out" : "the connection failed", rs->detail);
	o->rc = rs->fail == HTTP_FAIL_TIMEOUT ? -CORDON_ETIMEOUT : -CORDON_EPROTO;
	if (rs->fail == HTTP_FAIL_FATAL)
		o->v = V_FAIL;
	else if (rs->streamed && rs->received)
		o->v = V_RETRY_STREAM; /* the turn had begun: throw it away and re-send */
	else
		o->v = V_RETRY_HTTP;
	o->ans.status = 0;
	o->ans.transport_retryable = true;
}

/* The key must never appear in what we report, whatever a server echoes. */
static void scrub_one(const struct provider *p, char *s)
{
	char *at;
	size_t kl;

	/* A key this short (a local server's dummy) is no secret, and masking it would garble the text. */
	if (!p->key || (kl = strlen(p->key)) < 8)
		return;
	while ((at = strstr(s, p->key))) {
		static const char red[] = "[redacted]";
		size_t tail = strlen(at + kl);

		if (sizeof(red) - 1 <= kl) {
			memcpy(at, red, sizeof(red) - 1);
			memmove(at + sizeof(red) - 1, at + kl, tail + 1);
		} else {
			memset(at, '*', kl); /* shorter than the marker: masked in place */
		}
	}
}

static void scrub(const struct provider *p, struct provider_error *err)
{
	scrub_one(p, err->message);
	scrub_one(p, err->type);
	scrub_one(p, err->request_id);
}

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000ULL + (unsigned long long)ts.tv_nsec / 1000000ULL;
}

static int send_http(struct provider *p, const struct provider_request *rq, const struct provider_hooks *hooks,
		     struct provider_turn *out, struct provider_error *err)
{
	const atomic_bool *cancel = hooks ? hooks->cancel : NULL;
	unsigned long long t0 = now_ms();
	unsigned http_retries = 0, stream_retries = 0;
	const char *headers[8];
	char ua[64], id_prefix[40];
	struct attempt *a = NULL;
	json_t *body = NULL;
	char *text = NULL;
	size_t nh = 0, text_len;
	int r;

	r = p->ops->body(&body, p->model, rq);
	if (r < 0) {
		set_err(err, 0, "invalid_request", NULL);
		pv_msg(err->message, sizeof(err->message), "cannot build the request: %s", cordon_strerror(r));
		goto out;
	}
	text = json_dumps(body, JSON_COMPACT);
	a = calloc(1, sizeof(*a));
	if (!text || !a) {
		r = -CORDON_ENOMEM;
		set_err(err, 0, "no_memory", NULL);
		pv_msg(err->message, sizeof(err->message), "out of memory");
		goto out;
	}
	text_len = strlen(text);
	snprintf(ua, sizeof(ua), "User-Agent: cordon/%s", CORDON_VERSION);
	if (p->auth_header)
		headers[nh++] = p->auth_header;
	if (p->version_header[0])
		headers[nh++] = p->version_header;
	headers[nh++] = "Content-Type: application/json";
	headers[nh++] = "Accept: application/json";
	headers[nh++] = ua;
	headers[nh] = NULL;
	p->sends++;
	snprintf(id_prefix, sizeof(id_prefix), "call_%08llx_%llu", next_rand(p) & 0xffffffffULL, p->sends);

	for (;;) {
		struct http_request hr = {
			.url = p->url,
			.headers = headers,
			.body = text,
			.body_len = text_len,
			.connect_timeout_ms = p->cfg.connect_timeout_ms,
			.idle_timeout_ms = p->cfg.idle_timeout_ms,
			.request_timeout_ms = p->cfg.request_timeout_ms,
			.cancel = cancel,
			.on_data = on_body,
			.ctx = a,
		};
		struct http_response rs;
		struct provider_retry rt;
		struct outcome o;
		unsigned *used, budget;

		if (cancel && atomic_load(cancel)) {
			set_err(err, 0, "cancelled", NULL);
			pv_msg(err->message, sizeof(err->message), "cancelled");
			r = -CORDON_EKILLED;
			goto out;
		}
		memset(err, 0, sizeof(*err));
		a->p = p;
		p->ops->stream_init(&a->as, PROVIDER_MAX_MESSAGE, id_prefix);
		a->as.base.on_event = hooks ? hooks->on_stream_event : NULL;
		a->as.base.ev_ctx = hooks ? hooks->ctx : NULL;
		sse_init(&a->sse, PROVIDER_MAX_EVENT, on_sse_event, a);
		http_response_init(&rs, PROVIDER_MAX_ERROR_BODY);
		out->attempts++;
		r = http_post(&p->http, &hr, &rs);
		attempt_outcome(a, r, &rs, err, &o);
		if (o.v == V_DONE) {
			out->message = a->as.base.message;
			out->bad_inputs = a->as.base.bad_inputs;
			a->as.base.message = a->as.base.bad_inputs = NULL;
			pv_msg(out->request_id, sizeof(out->request_id), "%s", rs.request_id);
		}
		/* A partial turn goes with its assembler, whatever happens next. */
		p->ops->stream_release(&a->as);
		sse_release(&a->sse);
		http_response_release(&rs);
		if (o.v == V_DONE) {
			pv_turn_from_message(out);
			r = 0;
			goto out;
		}
		r = o.rc;
		if (o.v == V_FAIL)
			goto out;
		used = o.v == V_RETRY_STREAM ? &stream_retries : &http_retries;
		budget = o.v == V_RETRY_STREAM ? p->cfg.max_stream_retries : p->cfg.max_retries;
		if (*used >= budget) {
			char last[sizeof(err->message)];

			snprintf(last, sizeof(last), "%s", err->message);
			pv_msg(err->message, sizeof(err->message), "gave up after %u attempts: %s", out->attempts, last);
			goto out;
		}
		memset(&rt, 0, sizeof(rt));
		rt.delay_ms = retry_delay_ms(o.v == V_RETRY_HTTP ? &o.ans : NULL, *used, p->cfg.max_delay_ms,
					     p->cfg.delay_scale_pct, time(NULL), rand01(p));
		(*used)++;
		rt.attempt = *used;
		rt.max_retries = budget;
		rt.status = err->status;
		rt.error_type = err->type;
		rt.request_id = err->request_id;
		rt.stream = o.v == V_RETRY_STREAM;
		scrub(p, err);
		if (hooks && hooks->on_retry)
			hooks->on_retry(hooks->ctx, &rt);
		if (retry_sleep(rt.delay_ms, cancel) < 0) {
			set_err(err, 0, "cancelled", NULL);
			pv_msg(err->message, sizeof(err->message), "cancelled while waiting to retry");
			r = -CORDON_EKILLED;
			goto out;
		}
	}
out:
	out->api_ms = now_ms() - t0;
	if (r < 0) {
		scrub(p, err);
		json_decref(out->message);
		json_decref(out->bad_inputs);
		out->message = out->bad_inputs = NULL;
	}
	free(a);
	free(text);
	json_decref(body);
	return r;
}

int provider_send(struct provider *p, const struct provider_request *rq, const struct provider_hooks *hooks,
		  struct provider_turn *out, struct provider_error *err)
{
	memset(out, 0, sizeof(*out));
	memset(err, 0, sizeof(*err));
	if (!p->ops->endpoint)
		return p->ops->send(p, rq, hooks, out, err);
	return send_http(p, rq, hooks, out, err);
}
