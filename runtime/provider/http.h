/*
 * http.h — one streamed HTTP POST of a JSON body over libcurl.
 *
 *	struct http_client c;
 *	http_client_init(&c);                      one per provider: keeps the connection
 *	struct http_request rq = { .url = u, .headers = hdrs, .body = b, .body_len = n,
 *				   .on_data = feed, .ctx = sse, ... };
 *	struct http_response rs;
 *	http_response_init(&rs, PROVIDER_MAX_ERROR_BODY);
 *	r = http_post(&c, &rq, &rs);
 *	... rs.status, rs.request_id, rs.body (an error answer) ...
 *	http_response_release(&rs);
 *	http_client_release(&c);
 *
 * The body of a 2xx answer whose content type is text/event-stream (or not
 * given) goes to on_data as it arrives; any other body (an error, or a
 * server that did not stream) is kept in rs.body up to its ceiling, the
 * rest dropped (rs.body_cut). The status is read when the first body byte
 * arrives; the headers a retry needs are collected on the way.
 *
 * Timeouts: connect, idle (no byte for idle_timeout_ms, whole seconds:
 * libcurl's low-speed check) and the whole request. Cancellation: *cancel
 * is polled by libcurl's progress callback (at least once a second, more
 * often while bytes flow). No signals are used (CURLOPT_NOSIGNAL).
 *
 * Secrets: header lines may hold a key. They are copied into a curl list
 * for the transfer and wiped when it ends; nothing here logs a header, a
 * URL or a body, and libcurl's verbose mode is never turned on.
 */
#ifndef CORDON_RUNTIME_PROVIDER_HTTP_H
#define CORDON_RUNTIME_PROVIDER_HTTP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

struct http_client {
	void *curl; /* CURL *, reused so that connections are */
};

/* 0 or -CORDON_ENOMEM. */
int http_client_init(struct http_client *c);
void http_client_release(struct http_client *c);

struct http_request {
	const char *url;
	const char *const *headers; /* "Name: value" lines, NULL-terminated; may hold a key */
	const char *body;
	size_t body_len;
	unsigned connect_timeout_ms;
	unsigned idle_timeout_ms;
	unsigned request_timeout_ms;
	const atomic_bool *cancel; /* may be NULL */
	/* Streamed body bytes; return 0, or a negative CORDON_E* code to abort the transfer. */
	int (*on_data)(void *ctx, const char *p, size_t n);
	void *ctx;
};

/* Why a transfer did not complete. */
enum http_fail {
	HTTP_OK,             /* an answer came (any status); a cut error body is still OK */
	HTTP_FAIL_TRANSPORT, /* no answer, or it broke off: worth retrying (refused, reset, ...) */
	HTTP_FAIL_FATAL,     /* no answer and retrying will not help (bad URL, TLS verification) */
	HTTP_FAIL_TIMEOUT,   /* connect, idle or whole-request timeout */
	HTTP_FAIL_CANCELLED, /* *cancel was set */
	HTTP_FAIL_CALLBACK,  /* on_data returned an error (in rs.cb_error) */
};

#define HTTP_HEADER_VALUE 128

struct http_response {
	long status; /* 0 until a status line came */
	char content_type[HTTP_HEADER_VALUE];
	char request_id[HTTP_HEADER_VALUE]; /* request-id, else x-request-id */
	char retry_after[HTTP_HEADER_VALUE];
	char retry_after_ms[HTTP_HEADER_VALUE];
	char x_should_retry[HTTP_HEADER_VALUE];
	struct buf body; /* a body that was not streamed */
	bool body_cut;   /* ... and was longer than its ceiling */
	bool streamed;   /* the body went to on_data */
	size_t received; /* body bytes received */
	enum http_fail fail;
	int cb_error;       /* HTTP_FAIL_CALLBACK: on_data's code */
	char detail[256];   /* libcurl's words for a failure, one line, no URL */
};

void http_response_init(struct http_response *rs, size_t max_body);
void http_response_release(struct http_response *rs);

/*
 * One POST. 0 when an answer came (rs.status says which; rs.fail is
 * HTTP_OK); otherwise rs.fail says why and the return value is
 * -CORDON_EPROTO (transport), -CORDON_ETIMEOUT, -CORDON_EKILLED, the
 * callback's code, or -CORDON_ENOMEM. rs must be freshly initialised.
 */
int http_post(struct http_client *c, const struct http_request *rq, struct http_response *rs);

/* Whether rs's content type is an event stream (or absent). */
bool http_is_event_stream(const struct http_response *rs);

#endif
