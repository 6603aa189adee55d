/* dial.c — resolve once, vet every address, connect with a timeout (see dial.h). */
#include "runtime/session/dial.h"
#include "policy/netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DIAL_DEFAULT_TIMEOUT_MS 10000u

static const void *raw_addr(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return &((const struct sockaddr_in *)sa)->sin_addr;
	return &((const struct sockaddr_in6 *)sa)->sin6_addr;
}

static void addr_text(const struct sockaddr *sa, char *buf, size_t size)
{
	if (!inet_ntop(sa->sa_family, raw_addr(sa), buf, (socklen_t)size))
		snprintf(buf, size, "?");
}

/* Whether host is the address text itself (an IP literal, maybe in brackets). */
static bool literal(const char *host, const char *text)
{
	size_t n = strlen(text);

	return !strcmp(host, text) || (host[0] == '[' && !strncmp(host + 1, text, n) && !strcmp(host + 1 + n, "]"));
}

int dial_vet(const struct addrinfo *list, bool allow_loopback, const char *host, struct cordon_diag *diag)
{
	const struct addrinfo *ai;
	unsigned n = 0;

	for (ai = list; ai && n < DIAL_MAX_ADDRS; ai = ai->ai_next) {
		enum netaddr_class c;
		char text[INET6_ADDRSTRLEN];
		const char *why;

		if (!ai->ai_addr || (ai->ai_family != AF_INET && ai->ai_family != AF_INET6))
			continue;
		n++;
		c = netaddr_classify(ai->ai_family, raw_addr(ai->ai_addr), &why);
		if (c == NETADDR_PUBLIC || (c == NETADDR_LOOPBACK && allow_loopback))
			continue;
		/*
		 * One refused address refuses the name: a name that resolves to a
		 * public and a private address is a rebinding attempt or a
		 * misconfiguration, and either way the fetch must not pick.
		 */
		addr_text(ai->ai_addr, text, sizeof(text));
		if (literal(host, text))
			diag_set(diag, 0, 0, "%s is a %s address: %s", text, netaddr_class_name(c), why);
		else
			diag_set(diag, 0, 0, "'%s' resolves to %s, a %s address: %s", host, text, netaddr_class_name(c),
				 why);
		return -CORDON_EDENIED;
	}
	if (!n) {
		diag_set(diag, 0, 0, "'%s' has no internet address", host);
		return -CORDON_ENOTFOUND;
	}
	return 0;
}

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000ull + (unsigned long long)ts.tv_nsec / 1000000ull;
}

/*
 * Connect fd (non-blocking) to sa, waiting at most timeout_ms or until
 * cancel_fd is readable. 0, -CORDON_ETIMEOUT, -CORDON_EKILLED, or
 * -CORDON_ESYS with errno set.
 */
static int connect_wait(int fd, const struct sockaddr *sa, socklen_t len, unsigned timeout_ms, int cancel_fd)
{
	unsigned long long deadline = now_ms() + timeout_ms;
	int err = 0;
	socklen_t elen = sizeof(err);

	if (connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -CORDON_ESYS;
	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLOUT }, { .fd = cancel_fd, .events = POLLIN } };
		unsigned long long now = now_ms();
		int r;

		if (now >= deadline)
			return -CORDON_ETIMEOUT;
		r = poll(p, cancel_fd >= 0 ? 2 : 1, (int)(deadline - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -CORDON_ESYS;
		if (cancel_fd >= 0 && (p[1].revents & POLLIN))
			return -CORDON_EKILLED;
		if (p[0].revents)
			break;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
		return -CORDON_ESYS;
	if (err) {
		errno = err;
		return -CORDON_ESYS;
	}
	return 0;
}

int dial_connect(struct dial_conn *out, const char *host, unsigned port, const struct dial_opts *opts,
		 struct cordon_diag *diag)
{
	struct addrinfo hints, *list = NULL, *ai;
	char name[260], service[8], text[INET6_ADDRSTRLEN];
	unsigned timeout = opts->timeout_ms ? opts->timeout_ms : DIAL_DEFAULT_TIMEOUT_MS, tried = 0;
	size_t n = strlen(host);
	int r, fd = -1, last = -CORDON_ESYS, last_errno = 0;

	out->fd = -1;
	out->addr[0] = '\0';
	diag_clear(diag);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	/* An IPv6 literal comes in brackets; getaddrinfo() takes it bare, numeric only. */
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		if (n - 2 >= sizeof(name)) {
			diag_set(diag, 0, 0, "the host '%s' is too long", host);
			return -CORDON_EINVAL;
		}
		memcpy(name, host + 1, n - 2);
		name[n - 2] = '\0';
		hints.ai_flags |= AI_NUMERICHOST;
	} else if (n < sizeof(name)) {
		memcpy(name, host, n + 1);
	} else {
		diag_set(diag, 0, 0, "the host '%s' is too long", host);
		return -CORDON_EINVAL;
	}
	if (!port || port > 65535) {
		diag_set(diag, 0, 0, "bad port %u for '%s'", port, host);
		return -CORDON_EINVAL;
	}
	snprintf(service, sizeof(service), "%u", port);
	hints.ai_flags |= AI_NUMERICSERV;
	/* Resolved once, here: the child is handed the connection, never the name to resolve again. */
	r = getaddrinfo(name, service, &hints, &list);
	if (r == EAI_MEMORY)
		return -CORDON_ENOMEM;
	if (r != 0) {
		diag_set(diag, 0, 0, "cannot resolve '%s': %s", host,
			 r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));
		return r == EAI_NONAME || r == EAI_NODATA || r == EAI_FAIL ? -CORDON_ENOTFOUND : -CORDON_ESYS;
	}
	r = dial_vet(list, opts->allow_loopback, host, diag);
	if (r < 0)
		goto out;
	for (ai = list; ai && tried < DIAL_MAX_ADDRS; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		tried++;
		/* Safe because: the address was vetted above as part of the same list. */
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
		if (fd < 0) {
			last = -CORDON_ESYS;
			last_errno = errno;
			continue;
		}
		r = connect_wait(fd, ai->ai_addr, ai->ai_addrlen, timeout, opts->cancel_fd);
		if (r == 0) {
			/* Blocking again: the child's libcurl sets what it wants. */
			int fl = fcntl(fd, F_GETFL);

			if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
				last = -CORDON_ESYS;
				last_errno = errno;
				close(fd);
				fd = -1;
				continue;
			}
			out->fd = fd;
			addr_text(ai->ai_addr, out->addr, sizeof(out->addr));
			r = 0;
			goto out;
		}
		last_errno = errno;
		close(fd);
		fd = -1;
		last = r;
		if (r == -CORDON_EKILLED)
			break;
	}
	r = last;
	if (r == -CORDON_EKILLED)
		diag_set(diag, 0, 0, "the connection to '%s' was cancelled", host);
	else if (r == -CORDON_ETIMEOUT)
		diag_set(diag, 0, 0, "connecting to '%s' (port %u) timed out after %u ms", host, port, timeout);
	else if (list && list->ai_addr) {
		addr_text(list->ai_addr, text, sizeof(text));
		diag_set(diag, 0, 0, "cannot connect to '%s' (%s, port %u): %s", host, text, port,
			 last_errno ? strerror(last_errno) : "no address to try");
	}
out:
	if (list)
		freeaddrinfo(list);
	return r;
}
