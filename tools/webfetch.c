/*
 * webfetch.c — WebFetch in its child (see webfetch.h): libcurl on the passed
 * connection, TLS verified, one GET, the body bounded and converted.
 *
 * Nothing here can reach the network on its own: the fetch profile's
 * seccomp filter refuses socket(), connect() and bind(), so libcurl is
 * given fd WEBFETCH_FD (opensocket callback) as already connected
 * (sockopt callback) and the vetted address in its DNS cache (RESOLVE), so
 * it neither resolves nor connects. A page is outside data: its size, its
 * decompressed size, its transfer time and its conversion are bounded.
 */
#include "tools/webfetch.h"
#include "tools/html2md.h"
#include "tools/result.h"
#include "tools/tool.h"
#include "common/base64.h"
#include "common/error.h"
#include "common/utf8.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>

#define CT_MAX 256          /* bytes of Content-Type kept */
#define LOCATION_MAX 8192   /* bytes of a Location header kept */
#define LOW_SPEED_S 30      /* no byte for this long ends the transfer */

/* ---- text ---------------------------------------------------------------- */

/* windows-1252's 0x80..0x9F (0 = undefined: U+FFFD). */
static const unsigned short cp1252[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

/* The charset parameter of a Content-Type, lowercased, into cs ("" when none). */
static void charset_of(const char *ct, char *cs, size_t size)
{
	const char *p = ct ? strcasestr(ct, "charset=") : NULL;
	size_t k = 0;

	cs[0] = '\0';
	if (!p)
		return;
	p += 8;
	if (*p == '"' || *p == '\'')
		p++;
	while (*p && k + 1 < size && (isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.' || *p == ':'))
		cs[k++] = (char)tolower((unsigned char)*p++);
	cs[k] = '\0';
}

int webfetch_decode(struct buf *out, const char *body, size_t n, const char *content_type)
{
	char cs[32];
	bool latin1, w1252;
	size_t i;
	int rc = 0;

	charset_of(content_type, cs, sizeof(cs));
	latin1 = !strcmp(cs, "iso-8859-1") || !strcmp(cs, "latin1") || !strcmp(cs, "iso_8859-1") ||
		 !strcmp(cs, "us-ascii") || !strcmp(cs, "ascii");
	/* As browsers do, ISO-8859-1 labels are read as windows-1252. */
	w1252 = latin1 || !strcmp(cs, "windows-1252") || !strcmp(cs, "cp1252");
	if (!w1252)
		return utf8_sanitize(out, body, n);
	for (i = 0; i < n && rc == 0; i++) {
		unsigned c = (unsigned char)body[i];
		char u[3];

		if (c < 0x80) {
			rc = buf_putc(out, (char)c);
			continue;
		}
		if (c < 0xA0)
			c = cp1252[c - 0x80] ? cp1252[c - 0x80] : 0xFFFD;
		if (c < 0x800) {
			u[0] = (char)(0xC0 | (c >> 6));
			u[1] = (char)(0x80 | (c & 0x3F));
			rc = buf_append(out, u, 2);
		} else {
			u[0] = (char)(0xE0 | (c >> 12));
			u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
			u[2] = (char)(0x80 | (c & 0x3F));
			rc = buf_append(out, u, 3);
		}
	}
	return rc;
}

bool webfetch_is_text(const char *ct, const char *sniff, size_t n, bool *html)
{
	static const char *const text_types[] = {
		"application/json", "application/xml", "application/javascript", "application/ecmascript",
		"application/x-javascript", "application/x-sh", "application/x-httpd-php", "application/rss+xml",
		"application/atom+xml", "application/ld+json", "application/yaml", "application/x-yaml",
		"application/toml", "application/graphql", "application/sql", "image/svg+xml", NULL,
	};
	char mime[CT_MAX];
	size_t k = 0, i;

	*html = false;
	while (ct && *ct && *ct != ';' && k + 1 < sizeof(mime)) {
		if (!isspace((unsigned char)*ct))
			mime[k++] = (char)tolower((unsigned char)*ct);
		ct++;
	}
	mime[k] = '\0';
	if (!k) {
		/* No type: text when it has no NUL and is mostly valid UTF-8; HTML when it says so. */
		size_t look = n < 1024 ? n : 1024;

		if (memchr(sniff, '\0', look) || !utf8_valid(sniff, utf8_cut(sniff, look, look)))
			return false;
		for (i = 0; i < look && isspace((unsigned char)sniff[i]); i++)
			;
		*html = look - i >= 5 && (!strncasecmp(sniff + i, "<!doc", 5) || !strncasecmp(sniff + i, "<html", 5));
		return true;
	}
	if (!strcmp(mime, "text/html") || !strcmp(mime, "application/xhtml+xml")) {
		*html = true;
		return true;
	}
	if (!strncmp(mime, "text/", 5))
		return true;
	for (i = 0; text_types[i]; i++)
		if (!strcmp(mime, text_types[i]))
			return true;
	return k > 5 && (!strcmp(mime + k - 5, "+json") || !strcmp(mime + k - 4, "+xml"));
}

bool webfetch_cut(struct buf *text)
{
	size_t i = 0, chars = 0;

	while (i < text->len && chars < WEBFETCH_MAX_CHARS) {
		size_t k = utf8_seqlen((const unsigned char *)text->data + i, text->len - i);

		i += k ? k : 1;
		chars++;
	}
	if (i >= text->len)
		return false;
	buf_truncate(text, i);
	/* The note fits: the buffer held more than it before the cut. */
	buf_puts(text, WEBFETCH_TRUNCATED_NOTE);
	return true;
}

/* ---- the transfer ---------------------------------------------------------- */

struct xfer {
	CURL *h;
	struct buf body;
	bool too_big;      /* the body passed max_bytes */
	bool not_ok;       /* a status whose body is not wanted: the transfer was ended on purpose */
	bool fd_given;
	char location[LOCATION_MAX];
	char ctype[CT_MAX];
};

/* libcurl asks for a socket: the passed connection, once. Never a new one. */
static curl_socket_t open_passed(void *ctx, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct xfer *x = ctx;

	(void)addr;
	if (purpose != CURLSOCKTYPE_IPCXN || x->fd_given)
		return CURL_SOCKET_BAD;
	x->fd_given = true;
	return WEBFETCH_FD;
}

static int already_connected(void *ctx, curl_socket_t fd, curlsocktype purpose)
{
	(void)ctx;
	(void)fd;
	(void)purpose;
	return CURL_SOCKOPT_ALREADY_CONNECTED;
}

static bool status_ok(long code)
{
	return code >= 200 && code < 300;
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	long code = 0;

	n *= size;
	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
	if (!status_ok(code)) {
		/* A redirect or an error page: its body is not read (the reference does not either). */
		x->not_ok = true;
		return 0;
	}
	/* After decompression: a small gzip bomb stops here, at the ceiling. */
	if (buf_append(&x->body, p, n) < 0) {
		x->too_big = true;
		return 0;
	}
	return n;
}

/* The headers of each response: a new status line starts over (1xx, then the final one). */
static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t len = size * n, k;

	if (len >= 5 && !strncmp(p, "HTTP/", 5)) {
		x->location[0] = '\0';
		x->ctype[0] = '\0';
		return len;
	}
	if (len > 9 && !strncasecmp(p, "location:", 9)) {
		const char *v = p + 9;
		size_t vn = len - 9;

		while (vn && (*v == ' ' || *v == '\t'))
			v++, vn--;
		while (vn && (v[vn - 1] == '\r' || v[vn - 1] == '\n' || v[vn - 1] == ' ' || v[vn - 1] == '\t'))
			vn--;
		k = utf8_cut(v, vn, sizeof(x->location) - 1);
		memcpy(x->location, v, k);
		x->location[k] = '\0';
		/* A NUL inside would cut it short; the supervisor re-parses it anyway. */
	} else if (len > 13 && !strncasecmp(p, "content-type:", 13)) {
		const char *v = p + 13;
		size_t vn = len - 13;

		while (vn && (*v == ' ' || *v == '\t'))
			v++, vn--;
		while (vn && (v[vn - 1] == '\r' || v[vn - 1] == '\n' || v[vn - 1] == ' '))
			vn--;
		k = utf8_cut(v, vn, sizeof(x->ctype) - 1);
		memcpy(x->ctype, v, k);
		x->ctype[k] = '\0';
	}
	return len;
}

/* Strings from a header may hold anything: keep them valid UTF-8 for JSON. */
static json_t *json_text(const char *s)
{
	struct buf b;
	json_t *j;

	buf_init(&b, LOCATION_MAX * 3 + 16);
	if (utf8_sanitize(&b, s, strlen(s)) < 0) {
		buf_release(&b);
		return json_string("");
	}
	j = json_stringn(b.data, b.len);
	buf_release(&b);
	return j;
}

/* The model-facing text of a failed transfer. */
static int transfer_error(json_t **out, CURLcode cc, const struct xfer *x, const char *host, long timeout_ms,
			  const char *errbuf)
{
	const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(cc);

	if (x->too_big)
		return result_printf(out, true, false,
				     "The page at %s is larger than %u MB (after decompression); cordon does not fetch "
				     "pages that large. Try a more specific URL.",
				     host, WEBFETCH_MAX_BODY >> 20);
	switch (cc) {
	case CURLE_OPERATION_TIMEDOUT:
		return result_printf(out, true, false,
				     "The server at %s did not send the whole page within %ld seconds (or stopped "
				     "sending); the fetch was abandoned.",
				     host, (timeout_ms + 999) / 1000);
	case CURLE_FILESIZE_EXCEEDED:
		return result_printf(out, true, false,
				     "The page at %s is larger than %u MB; cordon does not fetch pages that large.",
				     host, WEBFETCH_MAX_BODY >> 20);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
		return result_printf(out, true, false,
				     "Could not establish a verified TLS connection to %s: %s. WebFetch fetches https "
				     "URLs only (http is upgraded), with the certificate checked.",
				     host, detail);
	case CURLE_BAD_CONTENT_ENCODING:
		return result_printf(out, true, false, "The page from %s could not be decompressed: %s", host, detail);
	default:
		return result_printf(out, true, false, "Failed to fetch from %s: %s", host, detail);
	}
}

/* ---- the tool ----------------------------------------------------------------- */

static int page_result(json_t **out, struct xfer *x, const char *url, long code)
{
	struct buf text, md;
	struct html2md_stats st;
	struct html2md_opts o = { .base_url = url };
	json_t *fx;
	bool html, cut = false;
	int rc;

	buf_init(&text, WEBFETCH_MAX_BODY * 3 + 64);
	buf_init(&md, BUF_NOMAX);
	fx = json_pack("{s:i, s:o, s:I}", "status", (int)code, "content_type", json_text(x->ctype), "bytes",
		       (json_int_t)x->body.len);
	if (!fx)
		return -CORDON_ENOMEM;
	if (!webfetch_is_text(x->ctype, x->body.data, x->body.len, &html)) {
		struct buf b64;

		buf_init(&b64, BUF_NOMAX);
		rc = base64_encode(&b64, x->body.data, x->body.len);
		if (rc == 0 && json_object_set_new(fx, "binary", json_stringn(b64.data, b64.len)) < 0)
			rc = -CORDON_ENOMEM;
		buf_release(&b64);
		if (rc == 0)
			rc = result_text(out, false, false, "");
		goto effect;
	}
	rc = webfetch_decode(&text, x->body.data, x->body.len, x->ctype);
	if (rc < 0)
		goto out;
	if (html) {
		/* Converted to a little past the cut, so the note can say it was cut. */
		o.max_out = (size_t)WEBFETCH_MAX_CHARS * 4 + 64;
		rc = html2md(&md, text.data, text.len, &o, &st);
		if (rc == -CORDON_ETOOBIG) {
			rc = result_printf(out, true, false,
					   "The page is too complex to convert (its parse needs more than %u MB); "
					   "try a simpler or more specific URL.",
					   HTML2MD_MAX_MEM >> 20);
			goto out;
		}
		if (rc < 0)
			goto out;
		cut = webfetch_cut(&md);
		if (!cut && st.cut && st.cut_attrs)
			rc = buf_printf(&md, "\n\n[The rest of the page was left out: a tag in it has more than %u "
					     "attributes.]",
					HTML2MD_MAX_ATTRS);
		else if (!cut && (st.cut || st.too_deep))
			rc = buf_printf(&md, "\n\n[Parts of the page were left out: its elements nest more than %u "
					     "levels deep.]",
					st.cut ? HTML2MD_MAX_DEPTH : HTML2MD_MAX_WALK);
		if (rc == 0)
			rc = result_text(out, false, false, md.data);
	} else {
		webfetch_cut(&text);
		rc = result_text(out, false, false, text.data);
	}
effect:
	if (rc == 0) {
		rc = result_effect(*out, "fetch", fx);
		fx = NULL;
	}
out:
	json_decref(fx);
	buf_release(&text);
	buf_release(&md);
	return rc;
}

int tool_webfetch_run(struct tool_call *call, json_t **out)
{
	const json_t *f = json_object_get(call->request, "fetch");
	const char *url = json_string_value(json_object_get(f, "url"));
	const char *host = json_string_value(json_object_get(f, "host"));
	const char *addr = json_string_value(json_object_get(f, "addr"));
	const char *ca = json_string_value(json_object_get(f, "ca_pem"));
	json_int_t port = json_integer_value(json_object_get(f, "port"));
	json_int_t timeout = json_integer_value(json_object_get(f, "timeout_ms"));
	json_int_t max = json_integer_value(json_object_get(f, "max_bytes"));
	char errbuf[CURL_ERROR_SIZE] = "", resolve[600];
	struct curl_slist *hdrs = NULL, *res = NULL;
	struct xfer x;
	CURLcode cc;
	long code = 0;
	int rc;

	*out = NULL;
	if (!url || !host || !addr || port <= 0 || port > 65535)
		return result_text(out, true, false,
				   "WebFetch runs only through cordon's supervisor, which vets the address and connects "
				   "for it; this request came without a connection.");
	if (timeout <= 0 || timeout > WEBFETCH_TIMEOUT_MS)
		timeout = WEBFETCH_TIMEOUT_MS;
	if (max <= 0 || max > WEBFETCH_MAX_BODY)
		max = WEBFETCH_MAX_BODY;
	memset(&x, 0, sizeof(x));
	buf_init(&x.body, (size_t)max);
	x.h = curl_easy_init();
	if (!x.h)
		return -CORDON_ENOMEM;
	hdrs = curl_slist_append(NULL, WEBFETCH_ACCEPT);
	/* The vetted address in curl's DNS cache: it never resolves (IP literals it does not resolve anyway). */
	if (host[0] != '[' && snprintf(resolve, sizeof(resolve), "%s:%d:%s", host, (int)port, addr) < (int)sizeof(resolve))
		res = curl_slist_append(NULL, resolve);
	if (!hdrs) {
		rc = -CORDON_ENOMEM;
		goto out;
	}
	curl_easy_setopt(x.h, CURLOPT_URL, url);
	curl_easy_setopt(x.h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(x.h, CURLOPT_OPENSOCKETFUNCTION, open_passed);
	curl_easy_setopt(x.h, CURLOPT_OPENSOCKETDATA, &x);
	curl_easy_setopt(x.h, CURLOPT_SOCKOPTFUNCTION, already_connected);
	if (res)
		curl_easy_setopt(x.h, CURLOPT_RESOLVE, res);
	/* No proxy from the environment, no cookies, no netrc, no redirect followed here. */
	curl_easy_setopt(x.h, CURLOPT_PROXY, "");
	curl_easy_setopt(x.h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(x.h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(x.h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x.h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(x.h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca) {
		struct curl_blob blob = { .data = (void *)ca, .len = strlen(ca), .flags = CURL_BLOB_COPY };

		curl_easy_setopt(x.h, CURLOPT_CAINFO_BLOB, &blob);
	}
	curl_easy_setopt(x.h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(x.h, CURLOPT_USERAGENT, "cordon/" CORDON_VERSION " (WebFetch)");
	curl_easy_setopt(x.h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(x.h, CURLOPT_TIMEOUT_MS, (long)timeout);
	curl_easy_setopt(x.h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(x.h, CURLOPT_LOW_SPEED_TIME, (long)LOW_SPEED_S);
	curl_easy_setopt(x.h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max);
	curl_easy_setopt(x.h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(x.h, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(x.h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(x.h, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(x.h, CURLOPT_ERRORBUFFER, errbuf);
	cc = curl_easy_perform(x.h);
	curl_easy_getinfo(x.h, CURLINFO_RESPONSE_CODE, &code);
	if (cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && x.not_ok)) {
		rc = transfer_error(out, cc, &x, host, (long)timeout, errbuf);
		goto out;
	}
	if (!status_ok(code)) {
		/* A redirect or an error status: the supervisor words it (and follows same-host redirects). */
		json_t *fx = json_pack("{s:i, s:o}", "status", (int)code, "content_type", json_text(x.ctype));

		if (fx && x.location[0])
			json_object_set_new(fx, "location", json_text(x.location));
		rc = fx ? result_text(out, false, false, "") : -CORDON_ENOMEM;
		if (rc == 0)
			rc = result_effect(*out, "fetch", fx);
		else
			json_decref(fx);
		goto out;
	}
	rc = page_result(out, &x, url, code);
out:
	curl_slist_free_all(hdrs);
	curl_slist_free_all(res);
	curl_easy_cleanup(x.h);
	buf_release(&x.body);
	return rc;
}
