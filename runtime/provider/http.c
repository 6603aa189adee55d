/* http.c — libcurl POST with a streaming body (see http.h). */
#include "runtime/provider/http.h"
#include "common/error.h"
#include "common/secret.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

struct xfer {
	const struct http_request *rq;
	struct http_response *rs;
	CURL *h;
	curl_off_t last_dl, last_ul;
	unsigned long long last_ms; /* when bytes last moved */
	bool idle;                  /* we ended the transfer: idle_timeout_ms without a byte */
	bool decided;   /* the first body byte was seen: stream or keep */
	bool body_full; /* we stopped the transfer: the error body hit its ceiling */
};

int http_client_init(struct http_client *c)
{
	c->curl = curl_easy_init();
	return c->curl ? 0 : -CORDON_ENOMEM;
}

void http_client_release(struct http_client *c)
{
	if (c->curl)
		curl_easy_cleanup(c->curl);
	c->curl = NULL;
}

void http_response_init(struct http_response *rs, size_t max_body)
{
	memset(rs, 0, sizeof(*rs));
	buf_init(&rs->body, max_body);
}

void http_response_release(struct http_response *rs)
{
	buf_release(&rs->body);
}

bool http_is_event_stream(const struct http_response *rs)
{
	return !rs->content_type[0] || !strncasecmp(rs->content_type, "text/event-stream", 17);
}

static void set_value(char *dst, const char *v, size_t n)
{
	if (n >= HTTP_HEADER_VALUE)
		n = HTTP_HEADER_VALUE - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	struct http_response *rs = x->rs;
	size_t n = size * nmemb, nl;
	const char *colon, *v, *end;
	static const struct {
		const char *name;
		size_t off;
	} keep[] = {
		{ "content-type", offsetof(struct http_response, content_type) },
		{ "request-id", offsetof(struct http_response, request_id) },
		{ "retry-after", offsetof(struct http_response, retry_after) },
		{ "retry-after-ms", offsetof(struct http_response, retry_after_ms) },
		{ "x-should-retry", offsetof(struct http_response, x_should_retry) },
	};
	size_t i;

	if (n >= 5 && !memcmp(p, "HTTP/", 5)) {
		/* A new answer (after a 100 Continue, say): forget the last one's headers. */
		rs->content_type[0] = rs->request_id[0] = rs->retry_after[0] = '\0';
		rs->retry_after_ms[0] = rs->x_should_retry[0] = '\0';
		return n;
	}
	colon = memchr(p, ':', n);
	if (!colon)
		return n;
	nl = (size_t)(colon - p);
	v = colon + 1;
	end = p + n;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && isspace((unsigned char)end[-1]))
		end--;
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		if (strlen(keep[i].name) == nl && !strncasecmp(p, keep[i].name, nl)) {
			set_value((char *)rs + keep[i].off, v, (size_t)(end - v));
			return n;
		}
	}
	/* OpenAI-compatible servers name it x-request-id. */
	if (nl == 12 && !strncasecmp(p, "x-request-id", 12) && !rs->request_id[0])
		set_value(rs->request_id, v, (size_t)(end - v));
	return n;
}

static size_t on_write(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	struct http_response *rs = x->rs;
	size_t n = size * nmemb, room;

	if (!x->decided) {
		long st = 0;

		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &st);
		rs->status = st;
		rs->streamed = st >= 200 && st < 300 && http_is_event_stream(rs) && x->rq->on_data;
		x->decided = true;
	}
	rs->received += n;
	if (rs->streamed) {
		int r = x->rq->on_data(x->rq->ctx, p, n);

		if (r < 0) {
			rs->cb_error = r;
			return 0; /* ends the transfer with CURLE_WRITE_ERROR */
		}
		return n;
	}
	room = rs->body.max - rs->body.len;
	if (n > room) {
		/* Enough to report the error; the rest is not worth waiting for. */
		if (buf_append(&rs->body, p, room) < 0)
			return 0;
		rs->body_cut = true;
		x->body_full = true;
		return 0;
	}
	return buf_append(&rs->body, p, n) < 0 ? 0 : n;
}

static unsigned long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000ULL + (unsigned long long)ts.tv_nsec / 1000000ULL;
}

/*
 * Called while the transfer runs (at least once a second when nothing
 * moves). Cancellation, and the idle timeout: libcurl's own low-speed check
 * averages over several seconds, so a stream that stops dead would run on
 * for seconds past idle_timeout_ms; counting from the last byte here is
 * exact to the callback's period. (The low-speed check stays as a backstop.)
 */
static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct xfer *x = ud;
	unsigned long long now = mono_ms();

	(void)dltotal, (void)ultotal;
	if (x->rq->cancel && atomic_load(x->rq->cancel))
		return 1;
	if (dlnow != x->last_dl || ulnow != x->last_ul) {
		x->last_dl = dlnow;
		x->last_ul = ulnow;
		x->last_ms = now;
	} else if (x->rq->idle_timeout_ms && now - x->last_ms >= x->rq->idle_timeout_ms) {
		x->idle = true;
		return 1;
	}
	return 0;
}

/* The failures worth a retry: the connection, not the request, went wrong. */
static bool transport_retryable(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
		return true;
	default:
		return false;
	}
}

/* Build the curl header list. The lines may hold a key: free_headers() wipes them. */
static struct curl_slist *make_headers(const char *const *lines, int *err)
{
	struct curl_slist *l = NULL, *t;
	size_t i;

	*err = 0;
	for (i = 0; lines && lines[i]; i++) {
		t = curl_slist_append(l, lines[i]);
		if (!t) {
			*err = -CORDON_ENOMEM;
			return l;
		}
		l = t;
	}
	/* No "Expect: 100-continue" round trip for large bodies. */
	t = curl_slist_append(l, "Expect:");
	if (!t)
		*err = -CORDON_ENOMEM;
	else
		l = t;
	return l;
}

static void free_headers(struct curl_slist *l)
{
	struct curl_slist *i;

	for (i = l; i; i = i->next)
		secret_wipe(i->data, strlen(i->data));
	curl_slist_free_all(l);
}

static void one_line(char *dst, size_t size, const char *src)
{
	size_t i;

	snprintf(dst, size, "%s", src);
	for (i = 0; dst[i]; i++)
		if ((unsigned char)dst[i] < 0x20)
			dst[i] = ' ';
}

int http_post(struct http_client *c, const struct http_request *rq, struct http_response *rs)
{
	struct xfer x = { .rq = rq, .rs = rs, .h = c->curl };
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *hdrs = NULL;
	CURLcode cc;
	long idle_s;
	int r;

	if (!c->curl)
		return -CORDON_EINVAL;
	curl_easy_reset(c->curl); /* keeps live connections and the DNS cache */
	hdrs = make_headers(rq->headers, &r);
	if (r < 0)
		goto out;
	errbuf[0] = '\0';
	idle_s = (long)((rq->idle_timeout_ms + 999) / 1000);
	if (idle_s < 1)
		idle_s = 1;

#define SET(opt, val)                                            \
	do {                                                     \
		if (curl_easy_setopt(c->curl, opt, val) != CURLE_OK) { \
			r = -CORDON_EINVAL;                      \
			goto out;                                \
		}                                                \
	} while (0)
	SET(CURLOPT_URL, rq->url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_FAILONERROR, 0L); /* the error body says what went wrong */
	SET(CURLOPT_HTTPHEADER, hdrs);
	SET(CURLOPT_POST, 1L);
	SET(CURLOPT_POSTFIELDS, rq->body);
	SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, &x);
	SET(CURLOPT_WRITEFUNCTION, on_write);
	SET(CURLOPT_WRITEDATA, &x);
	SET(CURLOPT_NOPROGRESS, 0L);
	SET(CURLOPT_XFERINFOFUNCTION, on_progress);
	SET(CURLOPT_XFERINFODATA, &x);
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)rq->connect_timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, (long)rq->request_timeout_ms);
	SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
	SET(CURLOPT_LOW_SPEED_TIME, idle_s);
	SET(CURLOPT_TCP_KEEPALIVE, 1L);
	SET(CURLOPT_TCP_KEEPIDLE, 60L);
	SET(CURLOPT_TCP_KEEPINTVL, 30L);
#undef SET

	x.last_ms = mono_ms();
	cc = curl_easy_perform(c->curl);
	if (!rs->status) {
		long st = 0;

		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &st);
		rs->status = st;
	}
	if (cc == CURLE_OK || (cc == CURLE_WRITE_ERROR && x.body_full)) {
		rs->fail = HTTP_OK;
		r = 0;
		goto out;
	}
	/* errbuf names the host at most, never the path or a header. */
	one_line(rs->detail, sizeof(rs->detail), errbuf[0] ? errbuf : curl_easy_strerror(cc));
	if (cc == CURLE_WRITE_ERROR && rs->cb_error) {
		rs->fail = HTTP_FAIL_CALLBACK;
		r = rs->cb_error;
	} else if (cc == CURLE_ABORTED_BY_CALLBACK && !x.idle) {
		rs->fail = HTTP_FAIL_CANCELLED;
		r = -CORDON_EKILLED;
	} else if (cc == CURLE_OPERATION_TIMEDOUT || cc == CURLE_ABORTED_BY_CALLBACK) {
		if (x.idle)
			snprintf(rs->detail, sizeof(rs->detail), "no data for %u ms", rq->idle_timeout_ms);
		rs->fail = HTTP_FAIL_TIMEOUT;
		r = -CORDON_ETIMEOUT;
	} else if (cc == CURLE_OUT_OF_MEMORY) {
		rs->fail = HTTP_FAIL_FATAL;
		r = -CORDON_ENOMEM;
	} else {
		rs->fail = transport_retryable(cc) ? HTTP_FAIL_TRANSPORT : HTTP_FAIL_FATAL;
		r = -CORDON_EPROTO;
	}
out:
	/* Nothing the handle keeps may point at what dies with this call. */
	if (c->curl) {
		curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, NULL);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, NULL);
	}
	free_headers(hdrs);
	return r;
}
