/*
 * dial.h — a vetted outgoing TCP connection, made by the supervisor.
 *
 * WebFetch's child has no socket syscalls at all: the supervisor resolves
 * the host once, refuses it unless every address it resolves to is public
 * (policy/netaddr.h), connects to one of them with a timeout, and hands the
 * connected socket to the child (sandbox_call.pass_fd). What the child then
 * talks to is exactly the address vetted here: no second resolution can
 * rebind the name, and the child cannot open another connection.
 *
 *	struct dial_opts o = { .timeout_ms = 10000, .cancel_fd = -1 };
 *	struct dial_conn c;
 *	struct cordon_diag d;
 *	if (dial_connect(&c, "example.com", 443, &o, &d) == 0) { ... c.fd, c.addr ...; close(c.fd); }
 *
 * Loopback: refused like the rest, unless opts.allow_loopback, which only
 * the test switch sets (CORDON_TEST_ALLOW_LOOPBACK_FETCH=1 in the
 * supervisor's environment, read by runtime/session/fetch.c; documented in
 * docs/sandbox.md as test-only). It lets 127.0.0.0/8 and ::1 through and
 * nothing else: private, link-local and metadata addresses stay refused.
 */
#ifndef CORDON_RUNTIME_SESSION_DIAL_H
#define CORDON_RUNTIME_SESSION_DIAL_H

#include <stdbool.h>
#include <stddef.h>

#include <netdb.h>
#include <netinet/in.h>

#include "common/error.h"

#define DIAL_MAX_ADDRS 16 /* addresses of one name vetted and tried; more are ignored */

struct dial_opts {
	bool allow_loopback; /* tests only: see above */
	unsigned timeout_ms; /* per address tried; 0 = 10 s */
	int cancel_fd;       /* readable = give up (-CORDON_EKILLED); -1 = none */
};

struct dial_conn {
	int fd;                        /* connected, blocking, close-on-exec; the caller closes it */
	char addr[INET6_ADDRSTRLEN];   /* the peer's address, numeric */
};

/*
 * Vet a resolved address list (pure, for tests: getaddrinfo()'s result or
 * one built by hand). 0 when every AF_INET/AF_INET6 entry is allowed and
 * there is at least one; -CORDON_EDENIED with diag naming the first refused
 * address and its range; -CORDON_ENOTFOUND when there is no internet
 * address at all.
 */
int dial_vet(const struct addrinfo *list, bool allow_loopback, const char *host, struct cordon_diag *diag);

/*
 * Resolve host (a name, a dotted quad, or an IPv6 literal in brackets, as
 * rule_url_host() gives it), vet all its addresses (dial_vet), and connect
 * to the first that answers, trying each in getaddrinfo()'s order.
 * -CORDON_ENOTFOUND (no such host), -CORDON_EDENIED (an address refused),
 * -CORDON_ETIMEOUT, -CORDON_ESYS (every connect failed: diag says why),
 * -CORDON_EKILLED (cancel_fd fired), -CORDON_ENOMEM. diag is always set on
 * failure with a lowercase line naming the host.
 */
int dial_connect(struct dial_conn *out, const char *host, unsigned port, const struct dial_opts *opts,
		 struct cordon_diag *diag);

#endif
