/*
 * egress.h — Bash's egress proxy: an HTTP proxy in the supervisor that
 * lets commands reach `sandbox.network.allowedDomains` and nothing else.
 *
 *	struct egress *e;
 *	struct egress_opts o = { .allowed = &policy->allowed_domains };
 *	egress_open(&e, &o);
 *	int wfd;
 *	egress_channel(e, &wfd);          before the warden is forked
 *	sandbox_opts.egress = true, .egress_fd = wfd; sandbox_start(...); close(wfd);
 *	egress_start(e);                  the proxy's thread, after the fork
 *	... commands get HTTP_PROXY=http://127.0.0.1:sandbox_egress_port() ...
 *	egress_close(e);
 *
 * The route: inside the session's network namespace the warden's forwarder
 * listens on 127.0.0.1:PORT and passes each accepted connection over the
 * channel, a socketpair (runtime/sandbox/warden_egress.h); nothing else can
 * reach this proxy (no listening socket of ours on the host, no path, no
 * abstract name). Degraded mode (no network namespace) has no route at
 * all: the session leaves the proxy variables out and says so.
 *
 * One request per connection, each in its own thread (at most
 * EGRESS_MAX_CONNS at once; past that, 503):
 *   1. the request head is read (at most EGRESS_HEAD_MAX bytes, within
 *      EGRESS_HEAD_TIMEOUT_MS) and parsed (egress_head_parse()):
 *      `CONNECT host:port` (https and anything else in TLS) or an
 *      absolute-form `http://` request (plain HTTP); anything else is 400;
 *   2. the host, normalized as WebFetch's rules see it (rule_url_host():
 *      numeric IPv4 forms like 2130706433 or 0x7f.1 become dotted quads,
 *      an IPv4-mapped IPv6 address its IPv4 address), and the port are
 *      judged against the allowlist by name (egress_judge(),
 *      policy/netallow.h): refused names are never resolved (403);
 *   3. the name is resolved once and every address vetted
 *      (runtime/session/dial.h: loopback, private, CGNAT, link-local,
 *      multicast, metadata and the rest refused, 403), then the proxy
 *      connects to a vetted address (502 when that fails);
 *   4. CONNECT: "200 Connection established", then bytes both ways.
 *      HTTP: the request is sent in origin form with the judged Host,
 *      without proxy and hop-by-hop headers and with "Connection: close"
 *      (egress_forward_head()), then bytes both ways;
 *   5. a connection idle for EGRESS_IDLE_TIMEOUT_MS ends.
 * A refusal is "403 Forbidden" with a one-line text body:
 * "blocked by cordon: domain X is not in sandbox.network.allowedDomains".
 *
 * No secret is involved: the proxy adds no credential, forwards no proxy
 * authorization, and reads only what the command sent. Its buffers are
 * fixed (the head, EGRESS_BUF per direction).
 *
 * The test switch of WebFetch (CORDON_TEST_ALLOW_LOOPBACK_FETCH=1, read by
 * fetch_opts_from_env() from the supervisor's environment only) sets
 * opts.allow_loopback: an allowed name may then resolve to 127.0.0.0/8 or
 * ::1 (tests' servers on the host); nothing else changes.
 */
#ifndef CORDON_RUNTIME_SESSION_EGRESS_H
#define CORDON_RUNTIME_SESSION_EGRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "policy/rule.h"
#include "policy/strvec.h"

#define EGRESS_HEAD_MAX (64u << 10)      /* a request head, request line included */
#define EGRESS_BUF (16u << 10)           /* per direction of a relayed connection */
#define EGRESS_MAX_CONNS 64              /* connections served at once */
#define EGRESS_MAX_CHANNELS 4            /* wardens a session has had (session_reopen()) */
#define EGRESS_HEAD_TIMEOUT_MS 30000u
#define EGRESS_IDLE_TIMEOUT_MS 300000u
#define EGRESS_CONNECT_TIMEOUT_MS 10000u

struct egress;

struct egress_opts {
	const struct strvec *allowed; /* normalized allowedDomains entries; copied */
	bool allow_loopback;          /* tests only: see above */
	unsigned head_timeout_ms;     /* 0 = EGRESS_HEAD_TIMEOUT_MS */
	unsigned idle_timeout_ms;     /* 0 = EGRESS_IDLE_TIMEOUT_MS */
	unsigned connect_timeout_ms;  /* 0 = EGRESS_CONNECT_TIMEOUT_MS */
};

/* A proxy, not yet serving. 0, -CORDON_ENOMEM, -CORDON_ESYS. */
int egress_open(struct egress **out, const struct egress_opts *opts);

/*
 * A new channel: *warden_fd is the end for the warden (sandbox_opts.egress_fd,
 * close-on-exec; the caller closes it once the sandbox has its copy); the
 * other end is the proxy's. 0, -CORDON_ETOOBIG (EGRESS_MAX_CHANNELS),
 * -CORDON_ESYS.
 */
int egress_channel(struct egress *e, int *warden_fd);

/* Start serving (one thread, more per connection); again is a no-op. 0 or -CORDON_ESYS. */
int egress_start(struct egress *e);

/*
 * Stop: no new connection is served, the connections being served end
 * soon (their threads see the stop and free what is left). Accepts NULL.
 */
void egress_close(struct egress *e);

/* ---- pure pieces, for tests and the fuzz target --------------------------------- */

enum egress_kind { EGRESS_CONNECT, EGRESS_HTTP };

struct egress_req {
	enum egress_kind kind;
	char method[16];
	char host[RULE_HOST_MAX + 3]; /* as rule_url_host() gives it (IPv6 in brackets) */
	unsigned port;
	char version[9];              /* "HTTP/1.1" or "HTTP/1.0" */
	char *origin;                 /* EGRESS_HTTP: "/path?query" (malloc'd) */
	size_t head_len;              /* bytes of the head, its blank line included */
	size_t fields;                /* where the header lines start */
};

/*
 * Parse a request head at data[0..len). 1 with *out filled (release it
 * with egress_req_release()), 0 when the head has not ended yet (read
 * more; len < EGRESS_HEAD_MAX), or -CORDON_EINVAL (400) / -CORDON_ETOOBIG
 * (431: no end within EGRESS_HEAD_MAX) with err[size] saying why, or
 * -CORDON_ENOMEM.
 */
int egress_head_parse(struct egress_req *out, const char *data, size_t len, char *err, size_t size);
void egress_req_release(struct egress_req *r);

/*
 * Whether the allowlist lets r through by name and port: 0, or
 * -CORDON_EDENIED with why[size] the body line of the 403.
 */
int egress_judge(const struct egress_req *r, const struct strvec *allowed, char *why, size_t size);

/*
 * The head an EGRESS_HTTP request goes upstream with, from the client's
 * head (data[0..r->head_len)): origin-form request line, the judged Host,
 * the client's other fields minus Host, Proxy-*, Connection, Keep-Alive
 * and Upgrade, then "Connection: close". 0, -CORDON_EINVAL (a field that
 * is not "name: value", obsolete line folding), -CORDON_ENOMEM.
 */
int egress_forward_head(struct buf *out, const struct egress_req *r, const char *data);

/* The bytes of a complete response with a text body ("403 Forbidden", body + "\n"). */
int egress_response(struct buf *out, int status, const char *body);

#endif
