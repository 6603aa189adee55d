/*
 * fetch.h — WebFetch's supervisor side: the URL, the connection, the hops
 * and the cache.
 *
 *	struct fetch *f;
 *	fetch_open(&f, &opts);                 once per session
 *	struct fetch_call c = { .url = url, .prompt = prompt, .run = ..., .decide = ... };
 *	struct fetch_outcome o;
 *	fetch_run(f, &c, &o);                  any thread, concurrently
 *	... o.kind == FETCH_PAGE: o.page; FETCH_TEXT: o.text, o.is_error ...
 *	fetch_outcome_release(&o);
 *	fetch_free(f);
 *
 * One call, in order (docs/sandbox.md, "WebFetch: the vetted connection"):
 *   1. the URL: parsed by libcurl's URL API through rule_url_host(), the
 *      parser the policy judged it with (same host, same rebuilt URL);
 *      http/https only, http upgraded to https as the reference does, no
 *      user or password, a host name with a dot (or an IP literal), at
 *      most CATALOG_MAX_URL bytes;
 *   2. the cache (FETCH_CACHE_TTL_S, FETCH_CACHE_MAX bytes, least recently
 *      used out first): a page fetched in the last 15 minutes is reused;
 *   3. the host resolved once and every address vetted (dial.h), a
 *      connection made to one of them, and the connected socket passed to
 *      a fetch child (c.run): the child does TLS, HTTP and the conversion,
 *      and cannot open a connection of its own;
 *   4. a redirect the child reports: followed here when it stays on the
 *      same protocol, port and host (a leading "www." ignored) and the
 *      policy allows the new URL (c.decide), up to FETCH_MAX_REDIRECTS,
 *      each hop resolved, vetted and connected anew; any other redirect is
 *      returned to the model as the reference's REDIRECT DETECTED text;
 *   5. a status outside 2xx: the reference's "The server returned HTTP ..."
 *      text (not an error); a 2xx page is cached and returned as a page.
 * The child's reply is untrusted: its fields are checked and bounded here.
 */
#ifndef CORDON_RUNTIME_SESSION_FETCH_H
#define CORDON_RUNTIME_SESSION_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/error.h"

#define FETCH_MAX_REDIRECTS 10           /* same-host hops followed (the reference's) */
#define FETCH_CACHE_TTL_S (15 * 60)      /* the reference's 15 minutes */
#define FETCH_CACHE_MAX (50u << 20)      /* bytes of cached pages (the reference's 50 MB) */
#define FETCH_CONNECT_TIMEOUT_MS 10000u
#define FETCH_DEFAULT_TIMEOUT_MS 120000u /* a whole call, every hop included */

/*
 * The switch that lets tests fetch from their own loopback servers. Read
 * from the supervisor's environment by fetch_opts_from_env() only, never
 * from a request, a setting or an agent file (a model cannot set it), and
 * CORDON_* variables never reach a child. Test-only: see docs/sandbox.md.
 */
#define FETCH_ENV_ALLOW_LOOPBACK "CORDON_TEST_ALLOW_LOOPBACK_FETCH"
/* Test-only too: a PEM file of CAs the fetch child trusts in place of the system bundle. */
#define FETCH_ENV_TEST_CA "CORDON_TEST_FETCH_CA_FILE"

struct fetch_opts {
	bool allow_loopback;   /* 127.0.0.0/8 and ::1 may be fetched (tests only) */
	const char *ca_file;   /* CAs to trust instead of the system bundle (tests only); NULL = none */
	unsigned timeout_ms;   /* a whole call; 0 = FETCH_DEFAULT_TIMEOUT_MS */
	size_t cache_max;      /* 0 = FETCH_CACHE_MAX */
};

/* The test switches from the environment (docs/sandbox.md); everything else zero. */
void fetch_opts_from_env(struct fetch_opts *o);

/*
 * Runs one prepared request in a fetch child with the connected socket fd
 * passed in (sandbox_call.pass_fd). Returns 0 with *out (the child's
 * result object, untrusted) or a negative CORDON_E* (nothing ran;
 * -CORDON_EPROTO: the sandbox itself failed).
 */
typedef int (*fetch_child_fn)(void *ctx, const json_t *request, int fd, json_t **out);

/*
 * Whether the policy allows fetching url (a redirect's target). 0 allowed,
 * 1 refused, negative on failure.
 */
typedef int (*fetch_decide_fn)(void *ctx, const char *url);

struct fetch_call {
	const char *url;          /* the model's input, validated (a string) */
	const char *prompt;
	fetch_child_fn run;
	void *run_ctx;
	fetch_decide_fn decide;   /* NULL: every hop the URL rules allow */
	void *decide_ctx;
	int cancel_fd;            /* readable = give up; -1 = none */
};

enum fetch_kind {
	FETCH_TEXT, /* text is the tool's result (a redirect notice, a status, an error) */
	FETCH_PAGE, /* page holds the content to answer the prompt from */
};

struct fetch_page {
	char *url;            /* the URL the page came from (after same-host redirects) */
	int status;
	char *content_type;
	size_t bytes;         /* body bytes (decompressed) */
	char *content;        /* Markdown or text, cut at 100000 characters with the note */
	size_t content_len;
	unsigned char *binary; /* a body that is not text (content is then ""), or NULL */
	size_t binary_len;
	bool cached;          /* served from the cache */
};

struct fetch_outcome {
	enum fetch_kind kind;
	char *text;           /* FETCH_TEXT */
	bool is_error;
	bool cancelled;
	bool sandbox_failed;  /* the child could not be run (the warden is gone): the session reopens */
	struct fetch_page page; /* FETCH_PAGE */
};

struct fetch;

int fetch_open(struct fetch **out, const struct fetch_opts *opts);

/*
 * One WebFetch call (see above). Returns 0 with *out filled whatever
 * happened to the fetch; -CORDON_ENOMEM only. Reentrant.
 */
int fetch_run(struct fetch *f, const struct fetch_call *c, struct fetch_outcome *out);

void fetch_outcome_release(struct fetch_outcome *o);

/* Accepts NULL. */
void fetch_free(struct fetch *f);

/* ---- pure pieces, for tests --------------------------------------------------- */

struct fetch_url {
	char *url;       /* https://host[:port]/path?query, rebuilt by the URL API (malloc'd) */
	char host[260];  /* as rule_url_host() gives it: lowercase, punycode, IPv6 in brackets */
	unsigned port;
	bool upgraded;   /* it was http:// */
};

/*
 * Check and normalise a WebFetch URL (step 1 above). 0, or -CORDON_EINVAL
 * with a model-facing reason in err ("Invalid URL ..."), or -CORDON_ENOMEM.
 * Release with fetch_url_release().
 */
int fetch_url_parse(struct fetch_url *out, const char *url, char *err, size_t errsize);
void fetch_url_release(struct fetch_url *u);

/*
 * The reference's redirect rule: same protocol, same port, no user or
 * password, same host once a leading "www." is dropped from each.
 */
bool fetch_redirect_permitted(const char *from_url, const char *to_url);

/* A status code's reason phrase ("Not Found"), or "" when it has none. */
const char *fetch_status_text(int status);

#endif
