/*
 * netaddr.c — the address table of netaddr.h.
 *
 * One row per range, most specific first: the first row whose prefix
 * matches decides. Sources: IANA IPv4 and IPv6 Special-Purpose Address
 * Registries (RFC 6890, 8190 and the RFCs each row names), and the cloud
 * providers' documented metadata endpoints. A range not listed is public.
 *
 * Why refuse whole classes rather than only loopback: the fetch runs on the
 * user's machine or a CI runner, inside its networks. A URL the model (or a
 * page it read) chose must not reach an admin interface on 10.x, a router
 * on 192.168.x, a Kubernetes service on 100.64.x, or the metadata service
 * that hands out the instance's cloud credentials.
 */
#include "policy/netaddr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

/* How a row treats an address it matches. */
enum row_kind {
	ROW_CLASS,  /* the row's class decides */
	ROW_EMBED4, /* an IPv6 form carrying an IPv4 address at byte `off`: judge that */
};

struct row {
	unsigned char prefix[16];
	unsigned bits;
	enum row_kind kind;
	enum netaddr_class cls;
	unsigned off; /* ROW_EMBED4: where the IPv4 address sits */
	const char *why;
};

#define V4(a, b, c, d) { a, b, c, d }

static const struct row v4_rows[] = {
	/* Metadata services first: they sit inside wider ranges below. */
	{ V4(169, 254, 169, 254), 32, ROW_CLASS, NETADDR_METADATA, 0,
	  "cloud metadata service (169.254.169.254: AWS, GCP, Azure, OpenStack, ...)" },
	{ V4(169, 254, 170, 2), 32, ROW_CLASS, NETADDR_METADATA, 0, "cloud metadata service (169.254.170.2: AWS ECS)" },
	{ V4(100, 100, 100, 200), 32, ROW_CLASS, NETADDR_METADATA, 0,
	  "cloud metadata service (100.100.100.200: Alibaba Cloud)" },
	{ V4(192, 0, 0, 192), 32, ROW_CLASS, NETADDR_METADATA, 0, "cloud metadata service (192.0.0.192: Oracle Cloud)" },
	/* A public address, but Azure's host endpoint (WireServer): never a web page. */
	{ V4(168, 63, 129, 16), 32, ROW_CLASS, NETADDR_METADATA, 0, "cloud host endpoint (168.63.129.16: Azure)" },
	{ V4(0, 0, 0, 0), 8, ROW_CLASS, NETADDR_UNSPECIFIED, 0, "this network (0.0.0.0/8, RFC 791)" },
	{ V4(10, 0, 0, 0), 8, ROW_CLASS, NETADDR_PRIVATE, 0, "private (10.0.0.0/8, RFC 1918)" },
	{ V4(100, 64, 0, 0), 10, ROW_CLASS, NETADDR_SHARED, 0, "carrier-grade NAT (100.64.0.0/10, RFC 6598)" },
	{ V4(127, 0, 0, 0), 8, ROW_CLASS, NETADDR_LOOPBACK, 0, "loopback (127.0.0.0/8)" },
	{ V4(169, 254, 0, 0), 16, ROW_CLASS, NETADDR_LINK_LOCAL, 0, "link-local (169.254.0.0/16, RFC 3927)" },
	{ V4(172, 16, 0, 0), 12, ROW_CLASS, NETADDR_PRIVATE, 0, "private (172.16.0.0/12, RFC 1918)" },
	{ V4(192, 0, 0, 0), 24, ROW_CLASS, NETADDR_RESERVED, 0, "IETF protocol assignments (192.0.0.0/24)" },
	{ V4(192, 0, 2, 0), 24, ROW_CLASS, NETADDR_RESERVED, 0, "documentation (192.0.2.0/24, RFC 5737)" },
	{ V4(192, 31, 196, 0), 24, ROW_CLASS, NETADDR_RESERVED, 0, "AS112 (192.31.196.0/24, RFC 7535)" },
	{ V4(192, 52, 193, 0), 24, ROW_CLASS, NETADDR_RESERVED, 0, "AMT (192.52.193.0/24, RFC 7450)" },
	{ V4(192, 88, 99, 0), 24, ROW_CLASS, NETADDR_RESERVED, 0, "6to4 relay anycast (192.88.99.0/24, RFC 7526)" },
	{ V4(192, 168, 0, 0), 16, ROW_CLASS, NETADDR_PRIVATE, 0, "private (192.168.0.0/16, RFC 1918)" },
	{ V4(192, 175, 48, 0), 24, ROW_CLASS, NETADDR_RESERVED, 0, "AS112 (192.175.48.0/24, RFC 7534)" },
	{ V4(198, 18, 0, 0), 15, ROW_CLASS, NETADDR_RESERVED, 0, "benchmarking (198.18.0.0/15, RFC 2544)" },
	{ V4(198, 51, 100, 0), 24, ROW_CLASS, NETADDR_RESERVED, 0, "documentation (198.51.100.0/24, RFC 5737)" },
	{ V4(203, 0, 113, 0), 24, ROW_CLASS, NETADDR_RESERVED, 0, "documentation (203.0.113.0/24, RFC 5737)" },
	{ V4(224, 0, 0, 0), 4, ROW_CLASS, NETADDR_MULTICAST, 0, "multicast (224.0.0.0/4)" },
	/* Includes the limited broadcast address 255.255.255.255. */
	{ V4(240, 0, 0, 0), 4, ROW_CLASS, NETADDR_RESERVED, 0, "reserved (240.0.0.0/4, broadcast)" },
};

static const struct row v6_rows[] = {
	/* fd00:ec2::254 lies in fc00::/7 anyway; named for the message. */
	{ { 0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54 }, 128, ROW_CLASS, NETADDR_METADATA, 0,
	  "cloud metadata service (fd00:ec2::254: AWS)" },
	{ { 0 }, 128, ROW_CLASS, NETADDR_UNSPECIFIED, 0, "unspecified (::)" },
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 }, 128, ROW_CLASS, NETADDR_LOOPBACK, 0, "loopback (::1)" },
	/* The same endpoint as the IPv4 address inside (the kernel connects there). */
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff }, 96, ROW_EMBED4, NETADDR_PUBLIC, 12,
	  "IPv4-mapped (::ffff:0:0/96)" },
	/* IPv4-translated (RFC 2765), as above. */
	{ { 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0 }, 96, ROW_EMBED4, NETADDR_PUBLIC, 12,
	  "IPv4-translated (::ffff:0:0:0/96)" },
	/* Deprecated IPv4-compatible (RFC 4291 2.5.5.1): nothing legitimate uses it. */
	{ { 0 }, 96, ROW_CLASS, NETADDR_TRANSITION, 0, "IPv4-compatible (::/96, deprecated)" },
	/* NAT64 (RFC 6052): a translator would carry the connection to the IPv4 inside. */
	{ { 0x00, 0x64, 0xff, 0x9b }, 96, ROW_EMBED4, NETADDR_PUBLIC, 12, "NAT64 (64:ff9b::/96)" },
	{ { 0x00, 0x64, 0xff, 0x9b, 0x00, 0x01 }, 48, ROW_CLASS, NETADDR_PRIVATE, 0, "local-use NAT64 (64:ff9b:1::/48)" },
	{ { 0x01, 0x00 }, 64, ROW_CLASS, NETADDR_RESERVED, 0, "discard-only (100::/64, RFC 6666)" },
	/* Teredo hides an obfuscated IPv4 server and client: refused whole. */
	{ { 0x20, 0x01, 0x00, 0x00 }, 32, ROW_CLASS, NETADDR_TRANSITION, 0, "Teredo (2001::/32)" },
	{ { 0x20, 0x01, 0x00, 0x02, 0x00, 0x00 }, 48, ROW_CLASS, NETADDR_RESERVED, 0,
	  "benchmarking (2001:2::/48, RFC 5180)" },
	{ { 0x20, 0x01, 0x00, 0x10 }, 28, ROW_CLASS, NETADDR_RESERVED, 0, "ORCHID (2001:10::/28)" },
	{ { 0x20, 0x01, 0x00, 0x20 }, 28, ROW_CLASS, NETADDR_RESERVED, 0, "ORCHIDv2 (2001:20::/28)" },
	{ { 0x20, 0x01, 0x0d, 0xb8 }, 32, ROW_CLASS, NETADDR_RESERVED, 0, "documentation (2001:db8::/32)" },
	/* 6to4 (RFC 3056): the relay reaches the IPv4 address in bytes 2..5. */
	{ { 0x20, 0x02 }, 16, ROW_EMBED4, NETADDR_PUBLIC, 2, "6to4 (2002::/16)" },
	{ { 0x3f, 0xff, 0x00 }, 20, ROW_CLASS, NETADDR_RESERVED, 0, "documentation (3fff::/20, RFC 9637)" },
	{ { 0x5f, 0x00 }, 16, ROW_CLASS, NETADDR_RESERVED, 0, "segment routing SIDs (5f00::/16, RFC 9602)" },
	{ { 0xfc }, 7, ROW_CLASS, NETADDR_PRIVATE, 0, "unique-local (fc00::/7, RFC 4193)" },
	{ { 0xfe, 0x80 }, 10, ROW_CLASS, NETADDR_LINK_LOCAL, 0, "link-local (fe80::/10)" },
	{ { 0xfe, 0xc0 }, 10, ROW_CLASS, NETADDR_PRIVATE, 0, "site-local (fec0::/10, deprecated)" },
	{ { 0xff }, 8, ROW_CLASS, NETADDR_MULTICAST, 0, "multicast (ff00::/8)" },
};

static bool prefix_match(const unsigned char *addr, const unsigned char *prefix, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(addr, prefix, full))
		return false;
	if (!rest)
		return true;
	return ((addr[full] ^ prefix[full]) & (0xffu << (8 - rest)) & 0xffu) == 0;
}

static enum netaddr_class classify4(const unsigned char *a, const char **why)
{
	size_t i;

	for (i = 0; i < sizeof(v4_rows) / sizeof(v4_rows[0]); i++)
		if (prefix_match(a, v4_rows[i].prefix, v4_rows[i].bits)) {
			*why = v4_rows[i].why;
			return v4_rows[i].cls;
		}
	*why = "public";
	return NETADDR_PUBLIC;
}

enum netaddr_class netaddr_classify(int family, const void *addr, const char **why)
{
	const unsigned char *a = addr;
	const char *dummy;
	size_t i;

	if (!why)
		why = &dummy;
	*why = "not an internet address";
	if (!addr)
		return NETADDR_BAD;
	if (family == AF_INET)
		return classify4(a, why);
	if (family != AF_INET6)
		return NETADDR_BAD;
	for (i = 0; i < sizeof(v6_rows) / sizeof(v6_rows[0]); i++) {
		const struct row *r = &v6_rows[i];
		enum netaddr_class c;

		if (!prefix_match(a, r->prefix, r->bits))
			continue;
		*why = r->why;
		if (r->kind == ROW_CLASS)
			return r->cls;
		/* Judged as the IPv4 address it carries; the message names both. */
		c = classify4(a + r->off, why);
		if (c == NETADDR_PUBLIC)
			*why = "public";
		return c;
	}
	*why = "public";
	return NETADDR_PUBLIC;
}

enum netaddr_class netaddr_classify_text(const char *text, const char **why)
{
	unsigned char a[16];

	if (why)
		*why = "not an internet address";
	if (!text)
		return NETADDR_BAD;
	/* inet_pton() takes dotted quads only: "0x7f.1" is no address here. */
	if (inet_pton(AF_INET, text, a) == 1)
		return netaddr_classify(AF_INET, a, why);
	if (inet_pton(AF_INET6, text, a) == 1)
		return netaddr_classify(AF_INET6, a, why);
	return NETADDR_BAD;
}

const char *netaddr_class_name(enum netaddr_class c)
{
	static const char *const names[] = {
		[NETADDR_PUBLIC] = "public",         [NETADDR_UNSPECIFIED] = "unspecified",
		[NETADDR_LOOPBACK] = "loopback",     [NETADDR_PRIVATE] = "private",
		[NETADDR_SHARED] = "shared (CGNAT)", [NETADDR_LINK_LOCAL] = "link-local",
		[NETADDR_METADATA] = "metadata",     [NETADDR_MULTICAST] = "multicast",
		[NETADDR_RESERVED] = "reserved",     [NETADDR_TRANSITION] = "transition",
		[NETADDR_BAD] = "not an address",
	};

	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : "unknown";
}
