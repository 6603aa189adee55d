/*
 * egress_head.c — the egress proxy's request heads: parse, judge, rewrite
 * (the pure half of egress.h; no syscalls).
 *
 * The head comes from a command, so from the model: every byte of it is
 * hostile. Nothing is guessed: a head that is not one plain request line
 * and well-formed fields is refused with 400, and the host that is judged
 * is the host the proxy dials (rule_url_host(): libcurl's URL parser, as
 * WebFetch's).
 */
#include "runtime/session/egress.h"
#include "common/error.h"
#include "policy/netallow.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

static int bad(char *err, size_t size, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int bad(char *err, size_t size, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
	return code;
}

/* The end of the head: the byte after its blank line, or 0 when it has none yet. */
static size_t head_end(const char *d, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (d[i] != '\n')
			continue;
		if (i + 1 < len && d[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && d[i + 1] == '\r' && d[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/* The length of the line at p (up to end), without its "\r\n" or "\n"; *next: the next line. */
static size_t line_len(const char *p, const char *end, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	size_t n;

	if (!nl) {
		*next = end;
		return (size_t)(end - p);
	}
	*next = nl + 1;
	n = (size_t)(nl - p);
	if (n && p[n - 1] == '\r')
		n--;
	return n;
}

/* A port in decimal, 1..65535; 0 when it is not one. */
static unsigned port_of(const char *p, size_t n)
{
	unsigned v = 0;
	size_t i;

	if (!n || n > 5)
		return 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return 0;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	return v <= 65535 ? v : 0;
}

/*
 * CONNECT's target: an authority "host:port" or "[v6]:port" and nothing
 * else (no userinfo, path or escape that could make the URL parser see
 * another host than the one written).
 */
static int parse_authority(struct egress_req *r, const char *t, size_t n, char *err, size_t size)
{
	char url[RULE_HOST_MAX + 32];
	const char *colon;
	size_t i, hn;

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)t[i]) && !strchr(".-_:[]", t[i]))
			return bad(err, size, -CORDON_EINVAL, "bad CONNECT target: a host:port only");
	colon = NULL;
	for (i = n; i > 0; i--)
		if (t[i - 1] == ':') {
			colon = t + i - 1;
			break;
		} else if (t[i - 1] == ']') {
			break;
		}
	if (!colon || !(r->port = port_of(colon + 1, (size_t)(t + n - colon - 1))))
		return bad(err, size, -CORDON_EINVAL, "bad CONNECT target: it needs a port from 1 to 65535");
	hn = (size_t)(colon - t);
	if (!hn || hn > RULE_HOST_MAX + 2 ||
	    (size_t)snprintf(url, sizeof(url), "https://%.*s/", (int)hn, t) >= sizeof(url))
		return bad(err, size, -CORDON_EINVAL, "bad CONNECT target host");
	if (rule_url_host(url, r->host, sizeof(r->host), NULL) < 0)
		return bad(err, size, -CORDON_EINVAL, "bad CONNECT target host '%.*s'", (int)(hn > 200 ? 200 : hn), t);
	return 0;
}

/* An absolute-form http:// target: host, port and the origin form (path and query) to send on. */
static int parse_absolute(struct egress_req *r, const char *t, size_t n, char *err, size_t size)
{
	char *url = NULL, *norm = NULL, *path = NULL, *query = NULL, *port = NULL;
	CURLU *u = NULL;
	int rc = -CORDON_ENOMEM;

	if (n >= 8 && !strncasecmp(t, "https://", 8))
		return bad(err, size, -CORDON_EINVAL,
			   "an https:// URL goes through CONNECT: use HTTPS_PROXY (the client speaks TLS itself)");
	if (n < 7 || strncasecmp(t, "http://", 7))
		return bad(err, size, -CORDON_EINVAL,
			   "not a proxy request: the target must be an absolute http:// URL (or CONNECT host:port)");
	url = strndup(t, n);
	if (!url)
		goto out;
	if (rule_url_host(url, r->host, sizeof(r->host), &norm) < 0) {
		rc = bad(err, size, -CORDON_EINVAL, "cannot read the host of '%.200s'", url);
		goto out;
	}
	u = curl_url();
	if (!u)
		goto out;
	if (curl_url_set(u, CURLUPART_URL, norm, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    !(r->port = port_of(port, strlen(port))) ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
		rc = bad(err, size, -CORDON_EINVAL, "cannot read the port or path of '%.200s'", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_QUERY, &query, 0) != CURLUE_OK)
		query = NULL;
	if (asprintf(&r->origin, "%s%s%s", path, query ? "?" : "", query ? query : "") < 0) {
		r->origin = NULL;
		goto out;
	}
	rc = 0;
out:
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_url_cleanup(u);
	free(norm);
	free(url);
	return rc;
}

int egress_head_parse(struct egress_req *out, const char *data, size_t len, char *err, size_t size)
{
	const char *end, *p, *sp1, *sp2, *next;
	size_t end_at, n, i;
	int rc;

	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	end_at = head_end(data, len > EGRESS_HEAD_MAX ? EGRESS_HEAD_MAX : len);
	if (!end_at) {
		if (len >= EGRESS_HEAD_MAX)
			return bad(err, size, -CORDON_ETOOBIG, "the request head is larger than %u bytes",
				   EGRESS_HEAD_MAX);
		return 0;
	}
	if (memchr(data, '\0', end_at))
		return bad(err, size, -CORDON_EINVAL, "a NUL byte in the request head");
	end = data + end_at;
	n = line_len(data, end, &next);
	/* METHOD SP TARGET SP HTTP/1.x, single spaces, as RFC 9112 writes it. */
	sp1 = memchr(data, ' ', n);
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(data + n - sp1 - 1)) : NULL;
	if (!sp1 || !sp2 || sp1 == data || sp2 == sp1 + 1 || memchr(sp2 + 1, ' ', (size_t)(data + n - sp2 - 1)))
		return bad(err, size, -CORDON_EINVAL, "not an HTTP request line");
	if ((size_t)(sp1 - data) >= sizeof(out->method))
		return bad(err, size, -CORDON_EINVAL, "unknown method");
	for (p = data; p < sp1; p++)
		if (!isupper((unsigned char)*p))
			return bad(err, size, -CORDON_EINVAL, "unknown method");
	memcpy(out->method, data, (size_t)(sp1 - data));
	if ((size_t)(data + n - sp2 - 1) != 8 || (memcmp(sp2 + 1, "HTTP/1.1", 8) && memcmp(sp2 + 1, "HTTP/1.0", 8)))
		return bad(err, size, -CORDON_EINVAL, "not HTTP/1.0 or HTTP/1.1");
	memcpy(out->version, sp2 + 1, 8);
	for (p = sp1 + 1; p < sp2; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return bad(err, size, -CORDON_EINVAL, "a request target with control or non-ASCII bytes");
	out->fields = (size_t)(next - data);
	out->head_len = end_at;
	if (!strcmp(out->method, "CONNECT")) {
		out->kind = EGRESS_CONNECT;
		rc = parse_authority(out, sp1 + 1, (size_t)(sp2 - sp1 - 1), err, size);
	} else {
		out->kind = EGRESS_HTTP;
		rc = parse_absolute(out, sp1 + 1, (size_t)(sp2 - sp1 - 1), err, size);
	}
	/* Every field line "name: value", a token name, no folding (RFC 9112 5.2: may be refused). */
	for (p = next; rc == 0 && p < end; p = next) {
		n = line_len(p, end, &next);
		if (!n)
			break;
		for (i = 0; i < n && p[i] != ':'; i++)
			if (!isalnum((unsigned char)p[i]) && !strchr("!#$%&'*+-.^_`|~", p[i]))
				break;
		if (!i || i == n || p[i] != ':')
			rc = bad(err, size, -CORDON_EINVAL, "a header line that is not 'name: value'");
	}
	if (rc < 0) {
		egress_req_release(out);
		return rc;
	}
	return 1;
}

void egress_req_release(struct egress_req *r)
{
	if (!r)
		return;
	free(r->origin);
	r->origin = NULL;
}

int egress_judge(const struct egress_req *r, const struct strvec *allowed, char *why, size_t size)
{
	if (netallow_match(allowed, r->host, r->port))
		return 0;
	if (netallow_match(allowed, r->host, 0))
		snprintf(why, size,
			 "blocked by cordon: port %u of %s is not in sandbox.network.allowedDomains (an entry without "
			 "a port allows 80 and 443)",
			 r->port, r->host);
	else
		snprintf(why, size, "blocked by cordon: domain %s is not in sandbox.network.allowedDomains", r->host);
	return -CORDON_EDENIED;
}

/* Whether the field line p[0..n) is one the proxy drops or sets itself. */
static bool dropped_field(const char *p, size_t n)
{
	static const char *const names[] = { "host", "connection", "keep-alive", "upgrade", "te", "trailer", NULL };
	const char *colon = memchr(p, ':', n);
	size_t k = colon ? (size_t)(colon - p) : n, i;

	if (k >= 6 && !strncasecmp(p, "proxy-", 6))
		return true;
	for (i = 0; names[i]; i++)
		if (strlen(names[i]) == k && !strncasecmp(p, names[i], k))
			return true;
	return false;
}

int egress_forward_head(struct buf *out, const struct egress_req *r, const char *data)
{
	const char *p, *next, *end = data + r->head_len;
	int rc;

	if (r->kind != EGRESS_HTTP || !r->origin)
		return -CORDON_EINVAL;
	rc = buf_printf(out, "%s %s %s\r\nHost: %s", r->method, r->origin, r->version, r->host);
	if (rc == 0 && r->port != 80)
		rc = buf_printf(out, ":%u", r->port);
	if (rc == 0)
		rc = buf_puts(out, "\r\n");
	for (p = data + r->fields; rc == 0 && p < end; p = next) {
		size_t n = line_len(p, end, &next);

		if (!n)
			break;
		if (p[0] == ' ' || p[0] == '\t' || !memchr(p, ':', n))
			return -CORDON_EINVAL;
		if (dropped_field(p, n))
			continue;
		rc = buf_append(out, p, n);
		if (rc == 0)
			rc = buf_puts(out, "\r\n");
	}
	if (rc == 0)
		rc = buf_puts(out, "Connection: close\r\n\r\n");
	return rc < 0 ? (rc == -CORDON_ETOOBIG ? -CORDON_EINVAL : rc) : 0;
}

int egress_response(struct buf *out, int status, const char *body)
{
	static const struct {
		int status;
		const char *text;
	} reasons[] = {
		{ 400, "Bad Request" },         { 403, "Forbidden" },           { 431, "Request Header Fields Too Large" },
		{ 502, "Bad Gateway" },         { 503, "Service Unavailable" }, { 504, "Gateway Timeout" },
	};
	const char *reason = "Error";
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			reason = reasons[i].text;
	return buf_printf(out,
			  "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n"
			  "Connection: close\r\n\r\n%s\n",
			  status, reason, strlen(body) + 1, body);
}
