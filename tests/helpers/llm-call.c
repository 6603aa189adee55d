/*
 * llm-call — drive provider_send() from a shell test (tests/integration/provider.sh).
 *
 *	llm-call --provider anthropic|openai|replay [--base-url URL] [--model M]
 *		 [--request FILE] [--turns N] [--replay-script FILE]
 *		 [--max-retries N] [--max-stream-retries N] [--connect-ms N]
 *		 [--idle-ms N] [--request-ms N] [--max-delay-ms N] [--scale PCT]
 *		 [--cancel-after-ms N]
 *
 * The request file is {"system", "tools", "messages", "max_tokens",
 * "thinking"} (default: one user message). Each of the N sends prints one
 * JSON line: {"rc", "error": {...}, "message", "stop_reason", "usage",
 * "attempts", "request_id", "bad_inputs", "script_ended", "retries": [...],
 * "elapsed_ms"}. Exits 0 when every line was printed (whatever the sends
 * returned), 2 on a usage or open error.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/error.h"
#include "runtime/provider/provider.h"

static atomic_bool cancel;
static unsigned cancel_after_ms;

static void *canceller(void *arg)
{
	struct timespec ts = { cancel_after_ms / 1000, (long)(cancel_after_ms % 1000) * 1000000L };

	(void)arg;
	nanosleep(&ts, NULL);
	atomic_store(&cancel, true);
	return NULL;
}

static void on_retry(void *ctx, const struct provider_retry *r)
{
	json_t *retries = ctx;

	json_array_append_new(retries, json_pack("{s:I,s:I,s:I,s:i,s:s,s:s,s:b}", "attempt", (json_int_t)r->attempt,
						 "max_retries", (json_int_t)r->max_retries, "delay_ms",
						 (json_int_t)r->delay_ms, "status", r->status, "error_type",
						 r->error_type ? r->error_type : "", "request_id",
						 r->request_id ? r->request_id : "", "stream", r->stream));
}

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000ULL + (unsigned long long)ts.tv_nsec / 1000000ULL;
}

static int usage(void)
{
	fprintf(stderr, "usage: llm-call --provider KIND [--base-url URL] [--model M] [--request FILE] [--turns N] ...\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct provider_config cfg = { .kind = PROVIDER_ANTHROPIC };
	const char *request_file = NULL;
	unsigned turns = 1, i;
	struct cordon_diag d;
	struct provider *p;
	json_t *req;
	pthread_t th;
	int a, r;

	for (a = 1; a < argc; a++) {
		const char *o = argv[a], *v = a + 1 < argc ? argv[a + 1] : NULL;

		if (!v)
			return usage();
		a++;
		if (!strcmp(o, "--provider")) {
			if ((r = provider_kind_from_name(v)) < 0)
				return usage();
			cfg.kind = (enum provider_kind)r;
		} else if (!strcmp(o, "--base-url"))
			cfg.base_url = v;
		else if (!strcmp(o, "--model"))
			cfg.model = v;
		else if (!strcmp(o, "--request"))
			request_file = v;
		else if (!strcmp(o, "--turns"))
			turns = (unsigned)atoi(v);
		else if (!strcmp(o, "--replay-script"))
			cfg.replay_script = v;
		else if (!strcmp(o, "--max-retries"))
			cfg.max_retries = (unsigned)atoi(v);
		else if (!strcmp(o, "--max-stream-retries"))
			cfg.max_stream_retries = (unsigned)atoi(v);
		else if (!strcmp(o, "--connect-ms"))
			cfg.connect_timeout_ms = (unsigned)atoi(v);
		else if (!strcmp(o, "--idle-ms"))
			cfg.idle_timeout_ms = (unsigned)atoi(v);
		else if (!strcmp(o, "--request-ms"))
			cfg.request_timeout_ms = (unsigned)atoi(v);
		else if (!strcmp(o, "--max-delay-ms"))
			cfg.max_delay_ms = (unsigned)atoi(v);
		else if (!strcmp(o, "--scale"))
			cfg.delay_scale_pct = (unsigned)atoi(v);
		else if (!strcmp(o, "--cancel-after-ms"))
			cancel_after_ms = (unsigned)atoi(v);
		else
			return usage();
	}
	if (request_file) {
		json_error_t e;

		req = json_load_file(request_file, 0, &e);
		if (!req) {
			fprintf(stderr, "llm-call: %s: %s\n", request_file, e.text);
			return 2;
		}
	} else {
		req = json_pack("{s:[{s:s,s:s}]}", "messages", "role", "user", "content", "hi");
	}
	r = provider_open(&p, &cfg, &d);
	if (r < 0) {
		char buf[1024];
		json_t *line = json_pack("{s:s,s:s}", "open", cordon_strerror(r), "diag", diag_format(&d, buf, sizeof(buf)));

		json_dumpf(line, stdout, JSON_COMPACT);
		printf("\n");
		json_decref(line);
		json_decref(req);
		return 2;
	}
	if (cancel_after_ms)
		pthread_create(&th, NULL, canceller, NULL);
	for (i = 0; i < turns; i++) {
		struct provider_request rq = {
			.system = json_object_get(req, "system"),
			.tools = json_object_get(req, "tools"),
			.messages = json_object_get(req, "messages"),
			.max_tokens = (unsigned)json_integer_value(json_object_get(req, "max_tokens")),
			.thinking = json_object_get(req, "thinking"),
		};
		json_t *retries = json_array(), *line;
		struct provider_hooks hooks = { .on_retry = on_retry, .ctx = retries, .cancel = &cancel };
		struct provider_turn t;
		struct provider_error err;
		unsigned long long t0 = now_ms();

		r = provider_send(p, &rq, &hooks, &t, &err);
		line = json_pack("{s:s,s:{s:i,s:s,s:s,s:s,s:b,s:b},s:O?,s:s?,s:{s:I,s:I,s:I,s:I},s:I,s:s,s:O?,s:b,s:o,s:I}",
				 "rc", r == 0 ? "ok" : cordon_strerror(r), "error", "status", err.status, "type", err.type,
				 "message", err.message, "request_id", err.request_id, "auth", err.auth,
				 "context_overflow", err.context_overflow, "message", t.message, "stop_reason",
				 r == 0 ? t.stop_reason : NULL, "usage", "input_tokens", (json_int_t)t.usage.input_tokens,
				 "cache_creation_input_tokens", (json_int_t)t.usage.cache_creation_tokens,
				 "cache_read_input_tokens", (json_int_t)t.usage.cache_read_tokens, "output_tokens",
				 (json_int_t)t.usage.output_tokens, "attempts", (json_int_t)t.attempts, "request_id",
				 t.request_id, "bad_inputs", t.bad_inputs, "script_ended", t.script_ended, "retries",
				 retries, "elapsed_ms", (json_int_t)(now_ms() - t0));
		json_dumpf(line, stdout, JSON_COMPACT);
		printf("\n");
		fflush(stdout);
		json_decref(line);
		provider_turn_release(&t);
	}
	if (cancel_after_ms)
		pthread_join(th, NULL);
	provider_close(p);
	json_decref(req);
	return 0;
}
