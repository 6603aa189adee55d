/*
 * netallow.h — `sandbox.network.allowedDomains`: its entries and what they
 * let through, as pure code.
 *
 *	char norm[NETALLOW_ENTRY_MAX + 1];
 *	const char *why;
 *	if (netallow_parse(norm, sizeof(norm), "API.example.com:443", &why) < 0)
 *		error naming the entry and why
 *	...
 *	if (netallow_match(&policy->allowed_domains, "api.example.com", 443)) ...
 *
 * An entry is a host name ("github.com"), a wildcard for every subdomain
 * ("*.github.com": not the apex), or a dotted-quad IPv4 address, each
 * optionally followed by ":PORT" (1 to 65535). Stored normalized: ASCII
 * lowercase, without a trailing dot, the port in decimal without leading
 * zeros. A name that is not ASCII must be written in punycode (xn--...),
 * as rule_url_host() gives the hosts it is matched against. A bare "*",
 * an empty label ("a..b"), IPv6 literals and anything with a path, scheme
 * or user part are errors, never dropped silently: a list is an allowlist,
 * and a guess would widen it.
 *
 * Ports: the egress proxy (Bash) asks with the port of the connection:
 * an entry with a port allows that port only; one without allows the
 * default ports 80 and 443 only. WebFetch asks with port 0: the host
 * decides (its URL policy has its own port rules), so "a.com:8443" lets
 * WebFetch fetch from a.com.
 */
#ifndef CORDON_POLICY_NETALLOW_H
#define CORDON_POLICY_NETALLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/strvec.h"

/* Longest normalized entry: a 253-byte host name, ':' and five digits. */
#define NETALLOW_ENTRY_MAX 259

/*
 * Normalize one entry into out[size] (size > NETALLOW_ENTRY_MAX is always
 * enough). 0, or -CORDON_EINVAL with *why (static text: "a port must be
 * a number from 1 to 65535") when it is not one.
 */
int netallow_parse(char *out, size_t size, const char *entry, const char **why);

/*
 * Whether host (as rule_url_host() gives it: lowercase, no trailing dot,
 * an IPv6 literal in brackets) on port is allowed by a list of normalized
 * entries. port 0: any entry naming the host, whatever its port.
 */
bool netallow_match(const struct strvec *list, const char *host, unsigned port);

#endif
