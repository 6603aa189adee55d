/* fetch.c — WebFetch in the supervisor: URL, connection, hops, cache (see fetch.h). */
#include "runtime/session/fetch.h"
#include "runtime/session/dial.h"
#include "policy/catalog.h"
#include "policy/rule.h"
#include "tools/webfetch.h"
#include "common/base64.h"
#include "common/buf.h"
#include "common/error.h"
#include "common/fileio.h"
#include "common/utf8.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#define CA_FILE_MAX (1u << 20)     /* the test CA file */
#define CHILD_TEXT_MAX (64u << 20) /* a child's content string */
#define FIELD_MAX 8192             /* a child's content type or Location */
#define MIN_CHILD_MS 1000u         /* the least time a hop's child gets */

struct cache_entry {
	struct cache_entry *next;
	char *key;
	struct fetch_page page;
	time_t at;                /* when it was fetched */
	unsigned long long used;  /* a tick of its last use, for LRU */
	size_t size;
};

struct fetch {
	struct fetch_opts opts;
	char *ca_pem;
	pthread_mutex_t lock; /* guards the cache */
	struct cache_entry *cache;
	size_t cache_bytes;
	unsigned long long tick;
};

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000ull + (unsigned long long)ts.tv_nsec / 1000000ull;
}

void fetch_opts_from_env(struct fetch_opts *o)
{
	const char *v = getenv(FETCH_ENV_ALLOW_LOOPBACK);
	const char *ca = getenv(FETCH_ENV_TEST_CA);

	memset(o, 0, sizeof(*o));
	/* Exactly "1": a stray value does not open loopback. */
	o->allow_loopback = v && !strcmp(v, "1");
	o->ca_file = ca && ca[0] == '/' ? ca : NULL;
}

/* ---- the URL ------------------------------------------------------------------- */

void fetch_url_release(struct fetch_url *u)
{
	free(u->url);
	u->url = NULL;
}

int fetch_url_parse(struct fetch_url *out, const char *url, char *err, size_t errsize)
{
	CURLU *u = NULL;
	char *rebuilt = NULL, *user = NULL, *pass = NULL, *scheme = NULL, *port = NULL, *full = NULL;
	int rc = -CORDON_EINVAL;

	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	if (strlen(url) > CATALOG_MAX_URL) {
		snprintf(err, errsize, "Error: Invalid URL \"%.200s...\". The URL is longer than %d characters.", url,
			 CATALOG_MAX_URL);
		return rc;
	}
	/* The policy's parser: the host fetched is the host the rules judged. */
	rc = rule_url_host(url, out->host, sizeof(out->host), &rebuilt);
	if (rc == -CORDON_ENOMEM)
		return rc;
	if (rc < 0) {
		snprintf(err, errsize,
			 "Error: Invalid URL \"%.2000s\". The URL provided could not be parsed (WebFetch takes http:// "
			 "and https:// URLs with a host name).",
			 url);
		return -CORDON_EINVAL;
	}
	rc = -CORDON_ENOMEM;
	u = curl_url();
	if (!u || curl_url_set(u, CURLUPART_URL, rebuilt, 0) != CURLUE_OK)
		goto out;
	rc = -CORDON_EINVAL;
	if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK) {
		snprintf(err, errsize,
			 "Error: Invalid URL \"%.2000s\". URLs with a user name or password cannot be fetched.", url);
		goto out;
	}
	/* The reference's rule against intranet names; IP literals are vetted by address instead. */
	if (!strchr(out->host, '.') && out->host[0] != '[') {
		snprintf(err, errsize,
			 "Error: Invalid URL \"%.2000s\". The host '%s' is not a public domain name (it has no dot).", url,
			 out->host);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
		goto out;
	if (!strcmp(scheme, "http")) {
		/* The reference upgrades http to https; the port stays as written. */
		if (curl_url_set(u, CURLUPART_SCHEME, "https", 0) != CURLUE_OK)
			goto out;
		out->upgraded = true;
	}
	if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &full, 0) != CURLUE_OK)
		goto out;
	out->port = (unsigned)strtoul(port, NULL, 10);
	if (!out->port || out->port > 65535) {
		snprintf(err, errsize, "Error: Invalid URL \"%.2000s\". The port is not valid.", url);
		goto out;
	}
	out->url = strdup(full);
	rc = out->url ? 0 : -CORDON_ENOMEM;
out:
	if (rc < 0 && !err[0] && rc != -CORDON_ENOMEM)
		snprintf(err, errsize, "Error: Invalid URL \"%.2000s\". The URL provided could not be parsed.", url);
	curl_free(user);
	curl_free(pass);
	curl_free(scheme);
	curl_free(port);
	curl_free(full);
	curl_url_cleanup(u);
	free(rebuilt);
	return rc;
}

/* Scheme, numeric port and canonical host of a URL; false when it does not parse. */
static bool url_parts(const char *url, char *scheme, size_t ssize, unsigned *port, char *host, size_t hsize,
		      bool *has_user)
{
	CURLU *u = curl_url();
	char *s = NULL, *p = NULL, *user = NULL, *pass = NULL;
	bool ok = false;

	if (!u)
		return false;
	if (rule_url_host(url, host, hsize, NULL) == 0 && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &s, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) == CURLUE_OK) {
		snprintf(scheme, ssize, "%s", s);
		*port = (unsigned)strtoul(p, NULL, 10);
		*has_user = curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK ||
			    curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK;
		ok = true;
	}
	curl_free(s);
	curl_free(p);
	curl_free(user);
	curl_free(pass);
	curl_url_cleanup(u);
	return ok;
}

bool fetch_redirect_permitted(const char *from_url, const char *to_url)
{
	char s1[16], s2[16], h1[RULE_HOST_MAX + 1], h2[RULE_HOST_MAX + 1];
	unsigned p1, p2;
	bool u1, u2;
	const char *a, *b;

	if (!url_parts(from_url, s1, sizeof(s1), &p1, h1, sizeof(h1), &u1) ||
	    !url_parts(to_url, s2, sizeof(s2), &p2, h2, sizeof(h2), &u2))
		return false;
	if (strcmp(s1, s2) || p1 != p2 || u2)
		return false;
	a = strncmp(h1, "www.", 4) ? h1 : h1 + 4;
	b = strncmp(h2, "www.", 4) ? h2 : h2 + 4;
	return !strcmp(a, b);
}

/* The redirect's target as an absolute URL (malloc'd), resolved against the URL that answered. */
static char *resolve_location(const char *base, const char *location)
{
	CURLU *u = curl_url();
	char *full = NULL, *out = NULL;

	if (!u)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, location, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &full, 0) == CURLUE_OK)
		out = strdup(full);
	curl_free(full);
	curl_url_cleanup(u);
	return out;
}

const char *fetch_status_text(int status)
{
	static const struct {
		int code;
		const char *text;
	} t[] = {
		{ 100, "Continue" }, { 101, "Switching Protocols" }, { 103, "Early Hints" }, { 200, "OK" },
		{ 201, "Created" }, { 202, "Accepted" }, { 203, "Non-Authoritative Information" }, { 204, "No Content" },
		{ 205, "Reset Content" }, { 206, "Partial Content" }, { 300, "Multiple Choices" },
		{ 301, "Moved Permanently" }, { 302, "Found" }, { 303, "See Other" }, { 304, "Not Modified" },
		{ 307, "Temporary Redirect" }, { 308, "Permanent Redirect" }, { 400, "Bad Request" },
		{ 401, "Unauthorized" }, { 402, "Payment Required" }, { 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 406, "Not Acceptable" }, { 407, "Proxy Authentication Required" },
		{ 408, "Request Timeout" }, { 409, "Conflict" }, { 410, "Gone" }, { 411, "Length Required" },
		{ 412, "Precondition Failed" }, { 413, "Payload Too Large" }, { 414, "URI Too Long" },
		{ 415, "Unsupported Media Type" }, { 416, "Range Not Satisfiable" }, { 417, "Expectation Failed" },
		{ 418, "I'm a Teapot" }, { 421, "Misdirected Request" }, { 422, "Unprocessable Entity" },
		{ 423, "Locked" }, { 424, "Failed Dependency" }, { 425, "Too Early" }, { 426, "Upgrade Required" },
		{ 428, "Precondition Required" }, { 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" }, { 451, "Unavailable For Legal Reasons" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" }, { 502, "Bad Gateway" },
		{ 503, "Service Unavailable" }, { 504, "Gateway Timeout" }, { 505, "HTTP Version Not Supported" },
		{ 506, "Variant Also Negotiates" }, { 507, "Insufficient Storage" }, { 508, "Loop Detected" },
		{ 510, "Not Extended" }, { 511, "Network Authentication Required" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].code == status)
			return t[i].text;
	return "";
}

/* ---- open and close ------------------------------------------------------------ */

int fetch_open(struct fetch **out, const struct fetch_opts *opts)
{
	struct fetch *f = calloc(1, sizeof(*f));
	struct buf b;
	int rc;

	*out = NULL;
	if (!f)
		return -CORDON_ENOMEM;
	f->opts = *opts;
	f->opts.ca_file = NULL;
	if (!f->opts.timeout_ms)
		f->opts.timeout_ms = FETCH_DEFAULT_TIMEOUT_MS;
	if (!f->opts.cache_max)
		f->opts.cache_max = FETCH_CACHE_MAX;
	pthread_mutex_init(&f->lock, NULL);
	if (opts->ca_file) {
		/* Read here, in the supervisor, and handed to the child with each request. */
		buf_init(&b, CA_FILE_MAX);
		rc = file_read_capped(AT_FDCWD, opts->ca_file, CA_FILE_MAX, &b);
		if (rc < 0) {
			buf_release(&b);
			fetch_free(f);
			return rc;
		}
		f->ca_pem = buf_detach(&b, NULL);
		if (!f->ca_pem) {
			fetch_free(f);
			return -CORDON_ENOMEM;
		}
	}
	*out = f;
	return 0;
}

static void page_release(struct fetch_page *p)
{
	free(p->url);
	free(p->content_type);
	free(p->content);
	free(p->binary);
	memset(p, 0, sizeof(*p));
}

static int page_copy(struct fetch_page *dst, const struct fetch_page *src)
{
	*dst = *src;
	dst->url = strdup(src->url ? src->url : "");
	dst->content_type = strdup(src->content_type ? src->content_type : "");
	dst->content = malloc(src->content_len + 1);
	dst->binary = NULL;
	if (dst->content) {
		memcpy(dst->content, src->content, src->content_len);
		dst->content[src->content_len] = '\0';
	}
	if (src->binary && (dst->binary = malloc(src->binary_len ? src->binary_len : 1)))
		memcpy(dst->binary, src->binary, src->binary_len);
	if (!dst->url || !dst->content_type || !dst->content || (src->binary && !dst->binary)) {
		page_release(dst);
		return -CORDON_ENOMEM;
	}
	return 0;
}

static void entry_free(struct cache_entry *e)
{
	free(e->key);
	page_release(&e->page);
	free(e);
}

void fetch_free(struct fetch *f)
{
	struct cache_entry *e, *next;

	if (!f)
		return;
	for (e = f->cache; e; e = next) {
		next = e->next;
		entry_free(e);
	}
	free(f->ca_pem);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

void fetch_outcome_release(struct fetch_outcome *o)
{
	free(o->text);
	page_release(&o->page);
	memset(o, 0, sizeof(*o));
}

/* ---- the cache ------------------------------------------------------------------ */

/* Unlink and free expired entries; called with the lock. */
static void cache_expire(struct fetch *f, time_t now)
{
	struct cache_entry **pp = &f->cache, *e;

	while ((e = *pp)) {
		if (now - e->at >= FETCH_CACHE_TTL_S || now < e->at) {
			*pp = e->next;
			f->cache_bytes -= e->size;
			entry_free(e);
		} else {
			pp = &e->next;
		}
	}
}

/* A copy of the cached page for key into *out: 1 when found, 0 when not, negative on failure. */
static int cache_get(struct fetch *f, const char *key, struct fetch_page *out)
{
	struct cache_entry *e;
	int rc = 0;

	pthread_mutex_lock(&f->lock);
	cache_expire(f, time(NULL));
	for (e = f->cache; e; e = e->next)
		if (!strcmp(e->key, key)) {
			e->used = ++f->tick;
			rc = page_copy(out, &e->page);
			if (rc == 0)
				rc = 1;
			break;
		}
	pthread_mutex_unlock(&f->lock);
	return rc;
}

static void cache_put(struct fetch *f, const char *key, const struct fetch_page *p)
{
	struct cache_entry *e, **pp, **lru;
	size_t size = strlen(key) + p->content_len + p->binary_len + (p->url ? strlen(p->url) : 0) + 256;

	if (size > f->opts.cache_max)
		return; /* never cached: it would empty the cache for one page */
	e = calloc(1, sizeof(*e));
	if (!e)
		return;
	e->key = strdup(key);
	if (!e->key || page_copy(&e->page, p) < 0) {
		free(e->key);
		free(e);
		return;
	}
	e->page.cached = true;
	e->size = size;
	e->at = time(NULL);
	pthread_mutex_lock(&f->lock);
	cache_expire(f, e->at);
	/* The same key again (two calls raced): the newer page replaces it. */
	for (pp = &f->cache; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->key, key)) {
			struct cache_entry *old = *pp;

			*pp = old->next;
			f->cache_bytes -= old->size;
			entry_free(old);
			break;
		}
	/* Least recently used out first, until the new page fits under the ceiling. */
	while (f->cache && f->cache_bytes + size > f->opts.cache_max) {
		struct cache_entry *victim;

		lru = &f->cache;
		for (pp = &f->cache; *pp; pp = &(*pp)->next)
			if ((*pp)->used < (*lru)->used)
				lru = pp;
		victim = *lru;
		*lru = victim->next;
		f->cache_bytes -= victim->size;
		entry_free(victim);
	}
	e->used = ++f->tick;
	e->next = f->cache;
	f->cache = e;
	f->cache_bytes += size;
	pthread_mutex_unlock(&f->lock);
}

/* ---- one call ------------------------------------------------------------------ */

static int set_text(struct fetch_outcome *o, bool is_error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int set_text(struct fetch_outcome *o, bool is_error, const char *fmt, ...)
{
	va_list ap;
	int n;

	free(o->text);
	va_start(ap, fmt);
	n = vasprintf(&o->text, fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->text = NULL;
		return -CORDON_ENOMEM;
	}
	o->kind = FETCH_TEXT;
	o->is_error = is_error;
	return 0;
}

/* The request for one hop's child (tools/webfetch.h). */
static json_t *hop_request(const struct fetch *f, const struct fetch_call *c, const struct fetch_url *u,
			   const char *addr, unsigned timeout_ms)
{
	json_t *req, *fx;

	fx = json_pack("{s:s, s:s, s:i, s:s, s:i, s:i}", "url", u->url, "host", u->host, "port", (int)u->port, "addr",
		       addr, "timeout_ms", (int)timeout_ms, "max_bytes", (int)WEBFETCH_MAX_BODY);
	if (!fx)
		return NULL;
	if (f->ca_pem && json_object_set_new(fx, "ca_pem", json_string(f->ca_pem)) < 0) {
		json_decref(fx);
		return NULL;
	}
	req = json_pack("{s:s, s:{s:s, s:s}, s:o}", "tool", "WebFetch", "input", "url", c->url, "prompt", c->prompt,
			"fetch", fx);
	return req;
}

/* A bounded string field of the child's fetch effect, or NULL. */
static const char *field(const json_t *fx, const char *key)
{
	const json_t *v = json_object_get(fx, key);

	return json_is_string(v) && json_string_length(v) <= FIELD_MAX ? json_string_value(v) : NULL;
}

/*
 * Take a page out of a child's reply (untrusted): the status, bounded
 * strings, the base64 body decoded. 0, -CORDON_EPROTO for a reply that
 * breaks the contract, -CORDON_ENOMEM.
 */
static int take_page(struct fetch_page *p, const json_t *res, const json_t *fx, const char *url)
{
	const json_t *content = json_object_get(res, "content");
	const char *ct = field(fx, "content_type"), *bin;
	json_int_t bytes = json_integer_value(json_object_get(fx, "bytes"));
	struct buf b;

	memset(p, 0, sizeof(*p));
	if (!json_is_string(content) || json_string_length(content) > CHILD_TEXT_MAX)
		return -CORDON_EPROTO;
	p->status = (int)json_integer_value(json_object_get(fx, "status"));
	p->bytes = bytes > 0 && bytes <= WEBFETCH_MAX_BODY ? (size_t)bytes : 0;
	p->url = strdup(url);
	p->content_type = strdup(ct ? ct : "");
	p->content_len = json_string_length(content);
	p->content = malloc(p->content_len + 1);
	if (!p->url || !p->content_type || !p->content) {
		page_release(p);
		return -CORDON_ENOMEM;
	}
	memcpy(p->content, json_string_value(content), p->content_len + 1);
	bin = json_string_value(json_object_get(fx, "binary"));
	if (bin) {
		int rc;

		buf_init(&b, WEBFETCH_MAX_BODY);
		rc = base64_decode(&b, bin, strlen(bin));
		if (rc < 0) {
			buf_release(&b);
			page_release(p);
			return rc == -CORDON_ENOMEM ? rc : -CORDON_EPROTO;
		}
		p->binary_len = b.len;
		p->binary = (unsigned char *)buf_detach(&b, NULL);
		if (!p->binary) {
			page_release(p);
			return -CORDON_ENOMEM;
		}
		p->bytes = p->binary_len;
	}
	return 0;
}

static const char redirect_fmt[] =
	"REDIRECT DETECTED: The URL redirects to a different host.\n\n"
	"Original URL: %s\n"
	"Redirect URL: %s\n"
	"Status: %d %s\n\n"
	"To complete your request, I need to fetch content from the redirected URL. Please use WebFetch again with "
	"these parameters:\n"
	"- url: \"%s\"\n"
	"- prompt: \"%s\"";

static bool is_redirect(int status)
{
	return status == 301 || status == 302 || status == 307 || status == 308;
}

/* A connection failure, as the model should read it. */
static int dial_failed(struct fetch_outcome *o, int rc, const struct fetch_url *u, const struct cordon_diag *d)
{
	switch (rc) {
	case -CORDON_EDENIED:
		return set_text(o, true,
				"Cannot fetch %s: %s. WebFetch reaches public internet addresses only; local, private and "
				"cloud-internal services cannot be fetched.",
				u->url, d->msg);
	case -CORDON_ENOTFOUND:
		return set_text(o, true, "Failed to fetch %s: %s. Check the host name.", u->url, d->msg);
	case -CORDON_EKILLED:
		o->cancelled = true;
		return set_text(o, true, "the call was cancelled: cordon is stopping");
	case -CORDON_ENOMEM:
		return rc;
	default:
		return set_text(o, true, "Failed to fetch %s: %s.", u->url, d->msg[0] ? d->msg : cordon_strerror(rc));
	}
}

int fetch_run(struct fetch *f, const struct fetch_call *c, struct fetch_outcome *out)
{
	struct fetch_url cur = { 0 }, next;
	unsigned long long deadline = now_ms() + f->opts.timeout_ms;
	char err[2400];
	char *key = NULL;
	unsigned hops = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = fetch_url_parse(&cur, c->url, err, sizeof(err));
	if (rc == -CORDON_ENOMEM)
		return rc;
	if (rc < 0)
		/* Checked before anything runs: a validation error, as the reference wraps it. */
		return set_text(out, true, "<tool_use_error>%s</tool_use_error>", err);
	key = strdup(cur.url);
	if (!key) {
		rc = -CORDON_ENOMEM;
		goto out;
	}
	rc = cache_get(f, key, &out->page);
	if (rc != 0) {
		if (rc > 0) {
			out->kind = FETCH_PAGE;
			out->page.cached = true;
			rc = 0;
		}
		goto out;
	}
	for (;;) {
		struct dial_opts dopt = { .allow_loopback = f->opts.allow_loopback, .cancel_fd = c->cancel_fd };
		struct dial_conn conn;
		struct cordon_diag d;
		unsigned long long now = now_ms();
		unsigned left = now < deadline ? (unsigned)(deadline - now) : 0;
		json_t *req, *res = NULL, *fx;
		const char *loc;
		char *target;
		int status;

		if (left < MIN_CHILD_MS) {
			rc = set_text(out, true, "Failed to fetch %s: the fetch ran out of time (%u s, redirects included).",
				      cur.url, f->opts.timeout_ms / 1000);
			goto out;
		}
		dopt.timeout_ms = left < FETCH_CONNECT_TIMEOUT_MS ? left : FETCH_CONNECT_TIMEOUT_MS;
		rc = dial_connect(&conn, cur.host, cur.port, &dopt, &d);
		if (rc < 0) {
			rc = dial_failed(out, rc, &cur, &d);
			goto out;
		}
		left = (unsigned)(deadline > now_ms() ? deadline - now_ms() : 0);
		/* Leave the warden's own timeout a margin: the child's message is clearer than a kill. */
		left = left > 2 * MIN_CHILD_MS ? left - MIN_CHILD_MS : MIN_CHILD_MS;
		req = hop_request(f, c, &cur, conn.addr, left < WEBFETCH_TIMEOUT_MS ? left : WEBFETCH_TIMEOUT_MS);
		if (!req) {
			close(conn.fd);
			rc = -CORDON_ENOMEM;
			goto out;
		}
		rc = c->run(c->run_ctx, req, conn.fd, &res);
		/* The child has its own copy now (or none): ours goes. */
		close(conn.fd);
		json_decref(req);
		if (rc < 0) {
			if (rc == -CORDON_ENOMEM)
				goto out;
			out->sandbox_failed = rc == -CORDON_EPROTO;
			rc = set_text(out, true, "the tool's sandbox failed (%s); the fetch did not run", cordon_strerror(rc));
			goto out;
		}
		if (json_is_true(json_object_get(res, "cancelled")))
			out->cancelled = true;
		fx = json_object_get(json_object_get(res, "effects"), "fetch");
		if (json_is_true(json_object_get(res, "is_error")) || !json_is_object(fx)) {
			const char *t = json_string_value(json_object_get(res, "content"));

			rc = set_text(out, true, "%s", t && *t ? t : "the fetch child returned no result");
			json_decref(res);
			goto out;
		}
		status = (int)json_integer_value(json_object_get(fx, "status"));
		if (status < 100 || status > 599) {
			rc = set_text(out, true, "Failed to fetch %s: the server's answer had no valid HTTP status.",
				      cur.url);
			json_decref(res);
			goto out;
		}
		if (status >= 200 && status < 300) {
			rc = take_page(&out->page, res, fx, cur.url);
			json_decref(res);
			if (rc == -CORDON_EPROTO)
				rc = set_text(out, true, "the fetch child broke its result protocol");
			else if (rc == 0) {
				out->kind = FETCH_PAGE;
				out->page.status = status;
				cache_put(f, key, &out->page);
			}
			goto out;
		}
		loc = is_redirect(status) ? field(fx, "location") : NULL;
		if (!loc) {
			const char *st = fetch_status_text(status);

			json_decref(res);
			rc = set_text(out, false,
				      "The server returned HTTP %d%s%s.\n\nThe response body was not retrieved. If this URL "
				      "requires authentication, use an authenticated tool (e.g. `gh` for GitHub, or an "
				      "MCP-provided fetch tool) instead of WebFetch.",
				      status, st[0] ? " " : "", st);
			goto out;
		}
		target = resolve_location(cur.url, loc);
		json_decref(res);
		memset(&next, 0, sizeof(next));
		if (!target) {
			rc = set_text(out, true, "Failed to fetch %s: it redirects to a Location that is not a URL.", cur.url);
			goto out;
		}
		/*
		 * Followed here only when the reference would (same protocol, port
		 * and host but a leading www.) and the policy allows the new URL:
		 * each hop is checked, resolved, vetted and connected anew.
		 */
		if (!fetch_redirect_permitted(cur.url, target) || fetch_url_parse(&next, target, err, sizeof(err)) < 0 ||
		    (c->decide && c->decide(c->decide_ctx, next.url) != 0)) {
			if (next.url)
				fetch_url_release(&next);
			rc = set_text(out, false, redirect_fmt, cur.url, target, status, fetch_status_text(status), target,
				      c->prompt);
			free(target);
			goto out;
		}
		free(target);
		if (++hops > FETCH_MAX_REDIRECTS) {
			fetch_url_release(&next);
			rc = set_text(out, true, "Failed to fetch %s: too many redirects (more than %d).", c->url,
				      FETCH_MAX_REDIRECTS);
			goto out;
		}
		fetch_url_release(&cur);
		cur = next;
	}
out:
	fetch_url_release(&cur);
	free(key);
	if (rc < 0)
		fetch_outcome_release(out);
	return rc;
}
