/* netallow.c — allowedDomains entries: parse and match (see netallow.h). */
#include "policy/netallow.h"
#include "common/error.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define HOST_MAX 253

/* A label character of a host name (underscore: seen in real DNS names, harmless here). */
static bool label_char(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_';
}

/* Parse ":PORT" digits at p (without the colon): 1..65535, or 0 when not a port. */
static unsigned parse_port(const char *p)
{
	unsigned v = 0;

	if (!*p)
		return 0;
	for (; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return 0;
		v = v * 10 + (unsigned)(*p - '0');
		if (v > 65535)
			return 0;
	}
	return v;
}

int netallow_parse(char *out, size_t size, const char *entry, const char **why)
{
	char host[HOST_MAX + 2];
	const char *colon, *p;
	size_t n, i, label = 0;
	unsigned port = 0;
	bool wild = false;

	*why = "not a host name";
	if (!entry || !*entry) {
		*why = "empty";
		return -CORDON_EINVAL;
	}
	if (strstr(entry, "://") || strchr(entry, '/') || strchr(entry, '@')) {
		*why = "a domain, not a URL: write 'example.com' or 'example.com:8443'";
		return -CORDON_EINVAL;
	}
	if (entry[0] == '[' || strchr(entry, ':') != strrchr(entry, ':')) {
		*why = "IPv6 addresses are not supported: name the host";
		return -CORDON_EINVAL;
	}
	colon = strchr(entry, ':');
	n = colon ? (size_t)(colon - entry) : strlen(entry);
	if (colon && !(port = parse_port(colon + 1))) {
		*why = "a port must be a number from 1 to 65535";
		return -CORDON_EINVAL;
	}
	p = entry;
	if (n >= 1 && p[0] == '*') {
		if (n < 3 || p[1] != '.') {
			*why = "a wildcard looks like '*.example.com' (a bare '*' would allow everything)";
			return -CORDON_EINVAL;
		}
		wild = true;
		p += 2;
		n -= 2;
	}
	if (n && p[n - 1] == '.')
		n--; /* "example.com." is example.com */
	if (!n || n > HOST_MAX) {
		*why = n ? "longer than 253 characters" : "empty";
		return -CORDON_EINVAL;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '.') {
			if (!label) {
				*why = "an empty label ('..' or a leading dot)";
				return -CORDON_EINVAL;
			}
			label = 0;
		} else if (label_char(c)) {
			if (++label > 63) {
				*why = "a label longer than 63 characters";
				return -CORDON_EINVAL;
			}
		} else {
			*why = c == '*' ? "'*' only as the first label ('*.example.com')"
			       : c >= 0x80 ? "not ASCII: write the name in punycode (xn--...)"
					   : "a character a host name cannot have";
			return -CORDON_EINVAL;
		}
		host[i] = (char)tolower(c);
	}
	host[n] = '\0';
	if ((size_t)snprintf(out, size, "%s%s", wild ? "*." : "", host) >= size)
		goto toolong;
	if (port) {
		size_t k = strlen(out);

		if ((size_t)snprintf(out + k, size - k, ":%u", port) >= size - k)
			goto toolong;
	}
	return 0;
toolong:
	*why = "too long";
	return -CORDON_EINVAL;
}

/* Whether pattern (an entry without its port: "a.com" or "*.a.com") names host. */
static bool host_matches(const char *pat, size_t pn, const char *host)
{
	size_t hn = strlen(host);

	if (pn >= 2 && pat[0] == '*' && pat[1] == '.') {
		/* ".a.com" at the end, with at least one character before it: not the apex. */
		return hn > pn - 1 && !memcmp(host + hn - (pn - 1), pat + 1, pn - 1);
	}
	return hn == pn && !memcmp(host, pat, pn);
}

bool netallow_match(const struct strvec *list, const char *host, unsigned port)
{
	size_t i;

	if (!list || !host || !*host)
		return false;
	for (i = 0; i < list->n; i++) {
		const char *e = list->v[i], *colon = strchr(e, ':');
		size_t pn = colon ? (size_t)(colon - e) : strlen(e);

		if (!host_matches(e, pn, host))
			continue;
		if (!port)
			return true;
		if (colon ? parse_port(colon + 1) == port : (port == 80 || port == 443))
			return true;
	}
	return false;
}
