/*
 * Unit tests for Bash's egress proxy (runtime/session/egress.h): the
 * request head parser (CONNECT, absolute http://, numeric and mapped hosts,
 * what is refused), the judgement by name and port, the head sent
 * upstream, and the proxy itself on real sockets: a connection handed over
 * the channel as the warden's forwarder does, against a loopback server of
 * the test (allow_loopback, the tests' switch) and without the switch.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/error.h"
#include "runtime/session/egress.h"

static int parse(struct egress_req *r, const char *head, char *err)
{
	return egress_head_parse(r, head, strlen(head), err, 256);
}

static void parse_connect(void **state)
{
	struct egress_req r;
	char err[256];

	(void)state;
	assert_int_equal(parse(&r, "CONNECT GitHub.com:443 HTTP/1.1\r\nHost: github.com:443\r\n\r\n\x16\x03", err), 1);
	assert_int_equal(r.kind, EGRESS_CONNECT);
	assert_string_equal(r.host, "github.com");
	assert_int_equal(r.port, 443);
	assert_int_equal(r.head_len, strlen("CONNECT GitHub.com:443 HTTP/1.1\r\nHost: github.com:443\r\n\r\n"));
	assert_null(r.origin);
	egress_req_release(&r);
	/* Numeric disguises become the address the kernel would connect to. */
	assert_int_equal(parse(&r, "CONNECT 2130706433:443 HTTP/1.1\r\n\r\n", err), 1);
	assert_string_equal(r.host, "127.0.0.1");
	egress_req_release(&r);
	assert_int_equal(parse(&r, "CONNECT 0x7f.1:443 HTTP/1.1\r\n\r\n", err), 1);
	assert_string_equal(r.host, "127.0.0.1");
	egress_req_release(&r);
	assert_int_equal(parse(&r, "CONNECT [::ffff:127.0.0.1]:443 HTTP/1.1\r\n\r\n", err), 1);
	assert_string_equal(r.host, "127.0.0.1");
	egress_req_release(&r);
	assert_int_equal(parse(&r, "CONNECT [::1]:8443 HTTP/1.0\n\n", err), 1);
	assert_string_equal(r.host, "[::1]");
	assert_int_equal(r.port, 8443);
	egress_req_release(&r);
	/* A target that is not exactly host:port. */
	assert_int_equal(parse(&r, "CONNECT github.com HTTP/1.1\r\n\r\n", err), -CORDON_EINVAL);
	assert_non_null(strstr(err, "port"));
	assert_int_equal(parse(&r, "CONNECT github.com:0 HTTP/1.1\r\n\r\n", err), -CORDON_EINVAL);
	assert_int_equal(parse(&r, "CONNECT github.com:70000 HTTP/1.1\r\n\r\n", err), -CORDON_EINVAL);
	assert_int_equal(parse(&r, "CONNECT evil.com@github.com:443 HTTP/1.1\r\n\r\n", err), -CORDON_EINVAL);
	assert_int_equal(parse(&r, "CONNECT github.com/x:443 HTTP/1.1\r\n\r\n", err), -CORDON_EINVAL);
	assert_int_equal(parse(&r, "CONNECT :443 HTTP/1.1\r\n\r\n", err), -CORDON_EINVAL);
}

static void parse_absolute(void **state)
{
	struct egress_req r;
	char err[256];

	(void)state;
	assert_int_equal(parse(&r, "GET http://Example.COM./a/b?q=1#f HTTP/1.1\r\nHost: evil.com\r\n\r\n", err), 1);
	assert_int_equal(r.kind, EGRESS_HTTP);
	assert_string_equal(r.method, "GET");
	assert_string_equal(r.host, "example.com");
	assert_int_equal(r.port, 80);
	assert_string_equal(r.origin, "/a/b?q=1");
	egress_req_release(&r);
	assert_int_equal(parse(&r, "POST http://example.com:8080 HTTP/1.0\r\n\r\n", err), 1);
	assert_int_equal(r.port, 8080);
	assert_string_equal(r.origin, "/");
	egress_req_release(&r);
	assert_int_equal(parse(&r, "GET http://2130706433/ HTTP/1.1\r\n\r\n", err), 1);
	assert_string_equal(r.host, "127.0.0.1");
	egress_req_release(&r);
	assert_int_equal(parse(&r, "GET http://[::ffff:127.0.0.1]/ HTTP/1.1\r\n\r\n", err), 1);
	assert_string_equal(r.host, "127.0.0.1");
	egress_req_release(&r);
	/* Userinfo is no part of the host judged. */
	assert_int_equal(parse(&r, "GET http://github.com@evil.com/ HTTP/1.1\r\n\r\n", err), 1);
	assert_string_equal(r.host, "evil.com");
	egress_req_release(&r);
	/* Not a proxy request, or not one this proxy speaks. */
	assert_int_equal(parse(&r, "GET / HTTP/1.1\r\nHost: a.com\r\n\r\n", err), -CORDON_EINVAL);
	assert_non_null(strstr(err, "absolute http://"));
	assert_int_equal(parse(&r, "GET https://a.com/ HTTP/1.1\r\n\r\n", err), -CORDON_EINVAL);
	assert_non_null(strstr(err, "CONNECT"));
	assert_int_equal(parse(&r, "GET ftp://a.com/ HTTP/1.1\r\n\r\n", err), -CORDON_EINVAL);
	assert_int_equal(parse(&r, "get http://a.com/ HTTP/1.1\r\n\r\n", err), -CORDON_EINVAL);
	assert_int_equal(parse(&r, "GET http://a.com/ HTTP/2\r\n\r\n", err), -CORDON_EINVAL);
	assert_int_equal(parse(&r, "GET  http://a.com/ HTTP/1.1\r\n\r\n", err), -CORDON_EINVAL);
	assert_int_equal(parse(&r, "GET http://a.com/ HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", err), -CORDON_EINVAL);
	assert_int_equal(parse(&r, "GET http://a.com/ HTTP/1.1\r\nno colon\r\n\r\n", err), -CORDON_EINVAL);
	assert_int_equal(egress_head_parse(&r, "GET http://a.com/\0 HTTP/1.1\r\n\r\n", 31, err, 256), -CORDON_EINVAL);
	/* Not ended yet: read more; no end within the ceiling: 431. */
	assert_int_equal(parse(&r, "GET http://a.com/ HTTP/1.1\r\nX: y\r\n", err), 0);
	{
		char *big = malloc(EGRESS_HEAD_MAX + 1);

		assert_non_null(big);
		memset(big, 'a', EGRESS_HEAD_MAX);
		memcpy(big, "GET http://a.com/ HTTP/1.1\r\nX: ", 31);
		assert_int_equal(egress_head_parse(&r, big, EGRESS_HEAD_MAX, err, 256), -CORDON_ETOOBIG);
		free(big);
	}
}

static void judge_and_forward(void **state)
{
	struct strvec list = STRVEC_INIT;
	struct egress_req r;
	struct buf b;
	char err[256], why[512];
	const char *head = "PUT http://api.example.com:8443/v1?x=y HTTP/1.1\r\nHost: evil.com\r\nProxy-Authorization: "
			   "Basic eA==\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\nKeep-Alive: 5\r\n"
			   "Content-Length: 2\r\nX-Trace: 1\r\n\r\nhi";

	(void)state;
	assert_int_equal(strvec_push(&list, "github.com"), 0);
	assert_int_equal(strvec_push(&list, "api.example.com:8443"), 0);
	assert_int_equal(parse(&r, head, err), 1);
	assert_int_equal(egress_judge(&r, &list, why, sizeof(why)), 0);
	buf_init(&b, 2 * EGRESS_HEAD_MAX);
	assert_int_equal(egress_forward_head(&b, &r, head), 0);
	assert_string_equal(b.data, "PUT /v1?x=y HTTP/1.1\r\nHost: api.example.com:8443\r\nContent-Length: 2\r\n"
				    "X-Trace: 1\r\nConnection: close\r\n\r\n");
	buf_release(&b);
	egress_req_release(&r);

	assert_int_equal(parse(&r, "CONNECT evil.com:443 HTTP/1.1\r\n\r\n", err), 1);
	assert_int_equal(egress_judge(&r, &list, why, sizeof(why)), -CORDON_EDENIED);
	assert_string_equal(why, "blocked by cordon: domain evil.com is not in sandbox.network.allowedDomains");
	egress_req_release(&r);
	assert_int_equal(parse(&r, "CONNECT github.com:22 HTTP/1.1\r\n\r\n", err), 1);
	assert_int_equal(egress_judge(&r, &list, why, sizeof(why)), -CORDON_EDENIED);
	assert_non_null(strstr(why, "port 22 of github.com"));
	egress_req_release(&r);
	assert_int_equal(parse(&r, "GET http://2130706433/ HTTP/1.1\r\n\r\n", err), 1);
	assert_int_equal(egress_judge(&r, &list, why, sizeof(why)), -CORDON_EDENIED);
	assert_non_null(strstr(why, "domain 127.0.0.1 is not"));
	egress_req_release(&r);

	buf_init(&b, 4096);
	assert_int_equal(egress_response(&b, 403, "blocked by cordon: x"), 0);
	assert_string_equal(b.data, "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\n"
				    "Content-Length: 21\r\nConnection: close\r\n\r\nblocked by cordon: x\n");
	buf_release(&b);
	strvec_release(&list);
}

/* ---- the proxy on real sockets ---------------------------------------------------- */

struct upstream {
	int lfd;
	unsigned port;
	char got[4096]; /* what the one connection it takes sent */
	pthread_t t;
};

/* Accept one connection, read its head, answer with a fixed response, close. */
static void *upstream_main(void *arg)
{
	struct upstream *u = arg;
	static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello";
	size_t n = 0;
	int c = accept(u->lfd, NULL, NULL);

	if (c < 0)
		return NULL;
	while (n < sizeof(u->got) - 1 && !strstr(u->got, "\r\n\r\n")) {
		ssize_t k = read(c, u->got + n, sizeof(u->got) - 1 - n);

		if (k <= 0)
			break;
		n += (size_t)k;
		u->got[n] = '\0';
	}
	if (write(c, answer, sizeof(answer) - 1) < 0)
		fail_msg("upstream write");
	close(c);
	return NULL;
}

static int listen_loopback(unsigned *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Hand the server side of a fresh loopback connection to the proxy (as the forwarder does); the client side back. */
static int connect_through(int chan)
{
	unsigned port;
	int lfd = listen_loopback(&port), c, s;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	uint32_t magic = 0x65677231u;
	struct iovec iov = { .iov_base = &magic, .iov_len = sizeof(magic) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;

	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&sa, sizeof(sa)), 0);
	s = accept(lfd, NULL, NULL);
	assert_true(s >= 0);
	close(lfd);
	memset(&u, 0, sizeof(u));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &s, sizeof(int));
	assert_int_equal(sendmsg(chan, &mh, 0), (ssize_t)sizeof(magic));
	close(s);
	return c;
}

/* Send req on a proxied connection and read until the proxy closes it. */
static void exchange(int chan, const char *req, char *out, size_t size)
{
	int c = connect_through(chan);
	size_t n = 0;

	assert_int_equal(write(c, req, strlen(req)), (ssize_t)strlen(req));
	for (;;) {
		struct pollfd p = { .fd = c, .events = POLLIN };
		ssize_t k;

		assert_int_equal(poll(&p, 1, 20000), 1);
		k = read(c, out + n, size - 1 - n);
		if (k <= 0)
			break;
		n += (size_t)k;
		if (n == size - 1)
			break;
	}
	out[n] = '\0';
	close(c);
}

static void proxy_end_to_end(void **state)
{
	struct strvec list = STRVEC_INIT;
	struct egress_opts o = { .allowed = &list, .allow_loopback = true, .connect_timeout_ms = 3000 };
	struct upstream up;
	struct egress *e, *bare;
	char out[8192], req[512], entry[64];
	unsigned dead_port;
	int wfd, wfd2, dead;

	(void)state;
	memset(&up, 0, sizeof(up));
	up.lfd = listen_loopback(&up.port);
	dead = listen_loopback(&dead_port);
	close(dead); /* nothing listens there now */
	snprintf(entry, sizeof(entry), "localhost:%u", up.port);
	assert_int_equal(strvec_push(&list, entry), 0);
	snprintf(entry, sizeof(entry), "localhost:%u", dead_port);
	assert_int_equal(strvec_push(&list, entry), 0);
	assert_int_equal(egress_open(&e, &o), 0);
	assert_int_equal(egress_channel(e, &wfd), 0);
	assert_int_equal(egress_start(e), 0);

	/* Plain HTTP to an allowed name: forwarded in origin form, Host judged, proxy headers gone. */
	assert_int_equal(pthread_create(&up.t, NULL, upstream_main, &up), 0);
	snprintf(req, sizeof(req),
		 "GET http://localhost:%u/page?x=1 HTTP/1.1\r\nHost: evil.com\r\nProxy-Authorization: Basic eA==\r\n\r\n",
		 up.port);
	exchange(wfd, req, out, sizeof(out));
	pthread_join(up.t, NULL);
	assert_non_null(strstr(out, "200 OK"));
	assert_non_null(strstr(out, "hello"));
	assert_non_null(strstr(up.got, "GET /page?x=1 HTTP/1.1\r\n"));
	snprintf(req, sizeof(req), "Host: localhost:%u\r\n", up.port);
	assert_non_null(strstr(up.got, req));
	assert_null(strstr(up.got, "evil.com"));
	assert_null(strstr(up.got, "Proxy-Authorization"));

	/* CONNECT: 200, then the bytes both ways. */
	memset(up.got, 0, sizeof(up.got));
	assert_int_equal(pthread_create(&up.t, NULL, upstream_main, &up), 0);
	snprintf(req, sizeof(req), "CONNECT localhost:%u HTTP/1.1\r\n\r\nGET /tunnel HTTP/1.1\r\n\r\n", up.port);
	exchange(wfd, req, out, sizeof(out));
	pthread_join(up.t, NULL);
	assert_non_null(strstr(out, "HTTP/1.1 200 Connection established\r\n\r\nHTTP/1.1 200 OK"));
	assert_non_null(strstr(up.got, "GET /tunnel HTTP/1.1"));

	/* A name not listed: 403 with the reason, never looked up. */
	exchange(wfd, "CONNECT example.com:443 HTTP/1.1\r\n\r\n", out, sizeof(out));
	assert_non_null(strstr(out, "HTTP/1.1 403 Forbidden"));
	assert_non_null(strstr(out, "blocked by cordon: domain example.com is not in sandbox.network.allowedDomains"));
	/* Numeric loopback is not the name listed. */
	snprintf(req, sizeof(req), "GET http://2130706433:%u/ HTTP/1.1\r\n\r\n", up.port);
	exchange(wfd, req, out, sizeof(out));
	assert_non_null(strstr(out, "domain 127.0.0.1 is not in"));
	/* Allowed, but nothing answers: 502. */
	snprintf(req, sizeof(req), "CONNECT localhost:%u HTTP/1.1\r\n\r\n", dead_port);
	exchange(wfd, req, out, sizeof(out));
	assert_non_null(strstr(out, "HTTP/1.1 502 Bad Gateway"));
	assert_non_null(strstr(out, "cannot connect"));
	/* Not a proxy request: 400. */
	exchange(wfd, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", out, sizeof(out));
	assert_non_null(strstr(out, "HTTP/1.1 400 Bad Request"));

	/* Without the test switch the same allowed name is refused after its one resolution. */
	o.allow_loopback = false;
	assert_int_equal(egress_open(&bare, &o), 0);
	assert_int_equal(egress_channel(bare, &wfd2), 0);
	assert_int_equal(egress_start(bare), 0);
	snprintf(req, sizeof(req), "CONNECT localhost:%u HTTP/1.1\r\n\r\n", up.port);
	exchange(wfd2, req, out, sizeof(out));
	assert_non_null(strstr(out, "HTTP/1.1 403 Forbidden"));
	assert_non_null(strstr(out, "blocked by cordon: 'localhost' resolves to"));
	assert_non_null(strstr(out, "loopback"));

	close(wfd);
	close(wfd2);
	egress_close(e);
	egress_close(bare);
	close(up.lfd);
	strvec_release(&list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_connect),
		cmocka_unit_test(parse_absolute),
		cmocka_unit_test(judge_and_forward),
		cmocka_unit_test(proxy_end_to_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
