/*
 * netaddr.h — which network addresses a fetch may connect to, as pure data.
 *
 * WebFetch (and the Bash egress proxy, runtime/session/egress.h) resolves a host name once in
 * the supervisor and connects only to an address this module calls public.
 * Everything else is refused: a model that can name a URL must not reach
 * the machine itself (loopback), the networks behind it (private, CGNAT,
 * link-local), the cloud's metadata service (169.254.169.254,
 * fd00:ec2::254, ...), multicast, or addresses that mean "this host" to
 * the kernel (0.0.0.0, ::). IPv6 forms that carry an IPv4 address
 * (IPv4-mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) are
 * judged by the IPv4 address inside; Teredo and the deprecated
 * IPv4-compatible form are refused whole.
 *
 *	const char *why;
 *	if (netaddr_classify(AF_INET6, &sin6.sin6_addr, &why) != NETADDR_PUBLIC)
 *		refuse, saying why ("loopback (127.0.0.0/8)")
 *
 * The table is in netaddr.c, one row per range with where it comes from
 * (IANA's special-purpose registries, RFC 6890 and successors, and the
 * cloud providers' metadata addresses). Pure: no syscalls, no state.
 */
#ifndef CORDON_POLICY_NETADDR_H
#define CORDON_POLICY_NETADDR_H

#include <stdbool.h>

enum netaddr_class {
	NETADDR_PUBLIC,        /* globally routable: may be fetched */
	NETADDR_UNSPECIFIED,   /* 0.0.0.0/8, :: — "this host" to connect() */
	NETADDR_LOOPBACK,      /* 127.0.0.0/8, ::1 */
	NETADDR_PRIVATE,       /* RFC 1918, unique-local fc00::/7 */
	NETADDR_SHARED,        /* 100.64.0.0/10 carrier-grade NAT */
	NETADDR_LINK_LOCAL,    /* 169.254.0.0/16, fe80::/10 */
	NETADDR_METADATA,      /* a cloud instance metadata service */
	NETADDR_MULTICAST,     /* 224.0.0.0/4, ff00::/8 */
	NETADDR_RESERVED,      /* documentation, benchmarking, future use, broadcast, ... */
	NETADDR_TRANSITION,    /* IPv6 transition forms refused whole (Teredo, IPv4-compatible) */
	NETADDR_BAD,           /* not an IPv4 or IPv6 address */
};

/*
 * The class of an address: family AF_INET (addr: 4 bytes, network order)
 * or AF_INET6 (16 bytes). *why (when why is not NULL) gets a short static
 * text naming the range, for messages: "loopback (127.0.0.0/8)".
 */
enum netaddr_class netaddr_classify(int family, const void *addr, const char **why);

/* The same for a numeric address in text ("10.0.0.1", "::1"); NETADDR_BAD when it is not one. */
enum netaddr_class netaddr_classify_text(const char *text, const char **why);

/* What a class is called in messages: "loopback", "private", ... */
const char *netaddr_class_name(enum netaddr_class c);

#endif
