/*
 * Unit tests for WebFetch's supervisor side: policy/netaddr (the address
 * table), runtime/session/dial (vetting resolved addresses, resolution of a
 * name), runtime/session/fetch (URL rules, redirect rule, statuses), the
 * session's WebFetch path with an injected child and prompt applier (hops,
 * redirects, cache, raw mode), and the fetch profile's confinement: a child
 * of that profile has no socket syscalls.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <valgrind/valgrind.h>

#include "common/error.h"
#include "policy/netaddr.h"
#include "runtime/loop/prompt.h"
#include "runtime/sandbox/sandbox.h"
#include "runtime/session/dial.h"
#include "runtime/session/fetch.h"
#include "runtime/session/session.h"

/* ---- the address table ------------------------------------------------------- */

static void address_classes(void **state)
{
	static const struct {
		const char *addr;
		enum netaddr_class c;
	} cases[] = {
		{ "93.184.216.34", NETADDR_PUBLIC },
		{ "8.8.8.8", NETADDR_PUBLIC },
		{ "2606:4700::1111", NETADDR_PUBLIC },
		{ "127.0.0.1", NETADDR_LOOPBACK },
		{ "127.255.255.254", NETADDR_LOOPBACK },
		{ "::1", NETADDR_LOOPBACK },
		{ "0.0.0.0", NETADDR_UNSPECIFIED },
		{ "0.1.2.3", NETADDR_UNSPECIFIED },
		{ "::", NETADDR_UNSPECIFIED },
		{ "10.0.0.1", NETADDR_PRIVATE },
		{ "172.16.0.1", NETADDR_PRIVATE },
		{ "172.31.255.255", NETADDR_PRIVATE },
		{ "172.32.0.1", NETADDR_PUBLIC },
		{ "192.168.1.1", NETADDR_PRIVATE },
		{ "fc00::1", NETADDR_PRIVATE },
		{ "fd12:3456::1", NETADDR_PRIVATE },
		{ "100.64.0.1", NETADDR_SHARED },
		{ "100.127.255.255", NETADDR_SHARED },
		{ "100.128.0.1", NETADDR_PUBLIC },
		{ "169.254.1.1", NETADDR_LINK_LOCAL },
		{ "fe80::1", NETADDR_LINK_LOCAL },
		{ "169.254.169.254", NETADDR_METADATA },
		{ "169.254.170.2", NETADDR_METADATA },
		{ "100.100.100.200", NETADDR_METADATA },
		{ "168.63.129.16", NETADDR_METADATA },
		{ "fd00:ec2::254", NETADDR_METADATA },
		{ "224.0.0.1", NETADDR_MULTICAST },
		{ "239.255.255.250", NETADDR_MULTICAST },
		{ "ff02::1", NETADDR_MULTICAST },
		{ "255.255.255.255", NETADDR_RESERVED },
		{ "240.0.0.1", NETADDR_RESERVED },
		{ "192.0.2.1", NETADDR_RESERVED },
		{ "198.18.0.1", NETADDR_RESERVED },
		{ "2001:db8::1", NETADDR_RESERVED },
		/* IPv4 inside IPv6: judged as the IPv4 address. */
		{ "::ffff:127.0.0.1", NETADDR_LOOPBACK },
		{ "::ffff:169.254.169.254", NETADDR_METADATA },
		{ "::ffff:10.1.2.3", NETADDR_PRIVATE },
		{ "::ffff:93.184.216.34", NETADDR_PUBLIC },
		{ "64:ff9b::7f00:1", NETADDR_LOOPBACK },
		{ "64:ff9b::a9fe:a9fe", NETADDR_METADATA },
		{ "2002:7f00:1::1", NETADDR_LOOPBACK },
		{ "2002:c0a8:101::1", NETADDR_PRIVATE },
		{ "::7f00:1", NETADDR_TRANSITION },
		{ "2001::1", NETADDR_TRANSITION },
		{ "0x7f.1", NETADDR_BAD },
		{ "2130706433", NETADDR_BAD },
		{ "localhost", NETADDR_BAD },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = NULL;
		enum netaddr_class c = netaddr_classify_text(cases[i].addr, &why);

		if (c != cases[i].c)
			fail_msg("%s: class %s, want %s (%s)", cases[i].addr, netaddr_class_name(c),
				 netaddr_class_name(cases[i].c), why);
		assert_non_null(why);
	}
}

/* ---- vetting resolved addresses -------------------------------------------------- */

struct fake_ai {
	struct addrinfo ai[4];
	struct sockaddr_in6 sa[4];
};

/* A hand-built getaddrinfo() result of up to 4 numeric addresses. */
static const struct addrinfo *ai_list(struct fake_ai *f, const char *a, const char *b)
{
	const char *addrs[2] = { a, b };
	size_t i, n = 0;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < 2 && addrs[i]; i++, n++) {
		struct sockaddr_in *v4 = (struct sockaddr_in *)&f->sa[i];

		if (inet_pton(AF_INET, addrs[i], &v4->sin_addr) == 1) {
			v4->sin_family = AF_INET;
			f->ai[i].ai_family = AF_INET;
			f->ai[i].ai_addrlen = sizeof(*v4);
		} else {
			assert_int_equal(inet_pton(AF_INET6, addrs[i], &f->sa[i].sin6_addr), 1);
			f->sa[i].sin6_family = AF_INET6;
			f->ai[i].ai_family = AF_INET6;
			f->ai[i].ai_addrlen = sizeof(f->sa[i]);
		}
		f->ai[i].ai_addr = (struct sockaddr *)&f->sa[i];
		if (i)
			f->ai[i - 1].ai_next = &f->ai[i];
	}
	return n ? f->ai : NULL;
}

static void vetting_resolved_addresses(void **state)
{
	struct fake_ai f;
	struct cordon_diag d;

	(void)state;
	assert_int_equal(dial_vet(ai_list(&f, "93.184.216.34", "2606:2800:220:1::1"), false, "example.com", &d), 0);
	/* One private address among public ones refuses the name (rebinding). */
	assert_int_equal(dial_vet(ai_list(&f, "93.184.216.34", "10.0.0.5"), false, "mixed.example", &d),
			 -CORDON_EDENIED);
	assert_non_null(strstr(d.msg, "10.0.0.5"));
	assert_non_null(strstr(d.msg, "private"));
	/* A name resolving to loopback: refused unless the test switch is on. */
	assert_int_equal(dial_vet(ai_list(&f, "127.0.0.1", NULL), false, "rebind.example", &d), -CORDON_EDENIED);
	assert_non_null(strstr(d.msg, "'rebind.example' resolves to 127.0.0.1"));
	assert_int_equal(dial_vet(ai_list(&f, "127.0.0.1", "::1"), true, "localhost", &d), 0);
	/* The switch opens loopback only: metadata and private stay closed. */
	assert_int_equal(dial_vet(ai_list(&f, "169.254.169.254", NULL), true, "m.example", &d), -CORDON_EDENIED);
	assert_int_equal(dial_vet(ai_list(&f, "::ffff:10.0.0.1", NULL), true, "p.example", &d), -CORDON_EDENIED);
	assert_int_equal(dial_vet(ai_list(&f, "fd00:ec2::254", NULL), true, "m6.example", &d), -CORDON_EDENIED);
	assert_int_equal(dial_vet(NULL, false, "empty.example", &d), -CORDON_ENOTFOUND);
}

/* Resolution through a real name: localhost resolves to loopback and is refused before any connect. */
static void a_name_resolving_to_loopback_is_refused(void **state)
{
	struct dial_opts o = { .timeout_ms = 2000, .cancel_fd = -1 };
	struct dial_conn c;
	struct cordon_diag d;

	(void)state;
	assert_int_equal(dial_connect(&c, "localhost", 9, &o, &d), -CORDON_EDENIED);
	assert_int_equal(c.fd, -1);
	assert_non_null(strstr(d.msg, "loopback"));
	assert_int_equal(dial_connect(&c, "[::ffff:127.0.0.1]", 9, &o, &d), -CORDON_EDENIED);
	assert_int_equal(dial_connect(&c, "169.254.169.254", 80, &o, &d), -CORDON_EDENIED);
	assert_non_null(strstr(d.msg, "metadata"));
}

/* With the switch, a loopback listener is reached, and the fd is connected to it. */
static void loopback_with_the_switch_connects(void **state)
{
	struct dial_opts o = { .allow_loopback = true, .timeout_ms = 2000, .cancel_fd = -1 };
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	struct dial_conn c;
	struct cordon_diag d;
	int l, a;

	(void)state;
	l = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(l >= 0);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	assert_int_equal(bind(l, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(l, 1), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&sa, &len), 0);
	assert_int_equal(dial_connect(&c, "127.0.0.1", ntohs(sa.sin_port), &o, &d), 0);
	assert_string_equal(c.addr, "127.0.0.1");
	a = accept(l, NULL, NULL);
	assert_true(a >= 0);
	assert_int_equal(write(c.fd, "x", 1), 1);
	close(a);
	close(c.fd);
	close(l);
}

/* ---- URLs and redirects -------------------------------------------------------- */

static void url_rules(void **state)
{
	static const struct {
		const char *in, *url, *host;
		unsigned port;
	} ok[] = {
		{ "http://example.com/a?b=c", "https://example.com/a?b=c", "example.com", 443 },
		{ "https://Example.COM", "https://example.com/", "example.com", 443 },
		{ "http://127.0.0.1:8443/x", "https://127.0.0.1:8443/x", "127.0.0.1", 8443 },
		{ "http://2130706433/", "https://127.0.0.1/", "127.0.0.1", 443 },
		{ "http://0x7f.1/", "https://127.0.0.1/", "127.0.0.1", 443 },
		{ "http://[::ffff:127.0.0.1]/", "https://127.0.0.1/", "127.0.0.1", 443 },
		{ "https://[2001:db8::1]:8080/", "https://[2001:db8::1]:8080/", "[2001:db8::1]", 8080 },
	};
	static const char *const bad[] = {
		"not a url", "ftp://example.com/", "file:///etc/passwd", "http://user:pw@example.com/",
		"https://user@example.com/", "http://localhost/", "http://intranet/", "https:///x", "javascript:alert(1)",
	};
	struct fetch_url u;
	char err[512], longurl[2100];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		if (fetch_url_parse(&u, ok[i].in, err, sizeof(err)) != 0)
			fail_msg("%s: %s", ok[i].in, err);
		assert_string_equal(u.url, ok[i].url);
		assert_string_equal(u.host, ok[i].host);
		assert_int_equal(u.port, ok[i].port);
		assert_int_equal(u.upgraded, !strncmp(ok[i].in, "http:", 5));
		fetch_url_release(&u);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (fetch_url_parse(&u, bad[i], err, sizeof(err)) != -CORDON_EINVAL)
			fail_msg("%s: accepted as %s", bad[i], u.url);
		assert_non_null(strstr(err, "Invalid URL"));
		assert_null(u.url);
	}
	memset(longurl, 'a', sizeof(longurl) - 1);
	memcpy(longurl, "https://example.com/", 20);
	longurl[sizeof(longurl) - 1] = '\0';
	assert_int_equal(fetch_url_parse(&u, longurl, err, sizeof(err)), -CORDON_EINVAL);
	assert_non_null(strstr(err, "longer than 2000"));
}

static void redirect_rule(void **state)
{
	(void)state;
	assert_true(fetch_redirect_permitted("https://example.com/a", "https://example.com/b"));
	assert_true(fetch_redirect_permitted("https://example.com/a", "https://www.example.com/b"));
	assert_true(fetch_redirect_permitted("https://www.example.com/a", "https://example.com/b"));
	assert_true(fetch_redirect_permitted("https://example.com/a", "https://EXAMPLE.com:443/b"));
	assert_false(fetch_redirect_permitted("https://example.com/a", "https://evil.com/b"));
	assert_false(fetch_redirect_permitted("https://example.com/a", "https://sub.example.com/b"));
	assert_false(fetch_redirect_permitted("https://example.com/a", "http://example.com/b"));
	assert_false(fetch_redirect_permitted("https://example.com/a", "https://example.com:8443/b"));
	assert_false(fetch_redirect_permitted("https://example.com/a", "https://u:p@example.com/b"));
	assert_false(fetch_redirect_permitted("https://example.com/a", "not a url"));
	assert_string_equal(fetch_status_text(404), "Not Found");
	assert_string_equal(fetch_status_text(308), "Permanent Redirect");
	assert_string_equal(fetch_status_text(599), "");
}

static void second_call_message(void **state)
{
	static const char head[] = "\nWeb page content:\n---\n# Page\n\nbody\n---\n\nWhat is it?\n\n";
	char *m = prompt_webfetch("# Page\n\nbody", 12, "What is it?");

	(void)state;
	assert_non_null(m);
	assert_true(!strncmp(m, head, sizeof(head) - 1));
	assert_non_null(strstr(m, "125-character"));
	assert_int_equal(m[strlen(m) - 1], '\n');
	free(m);
}

/* ---- the session's WebFetch path, with an injected child ---------------------------- */

struct fx {
	pthread_mutex_t mu;
	unsigned calls;
	int listener;
	unsigned short port;
	json_t *urls;           /* the URL of each hop's request */
	int fds_ok;             /* hops that got a connected descriptor */
	const char *mode;       /* what the fake child answers */
	unsigned applies;
	char last_prompt[64];
	pthread_t acceptor;     /* joined by fx_release(), before f goes away */
};

static void *acceptor(void *arg)
{
	int listener = (int)(intptr_t)arg, a;

	while ((a = accept(listener, NULL, NULL)) >= 0)
		close(a);
	return NULL;
}

/* The fake fetch child: answers by mode, as tools/webfetch.c would. */
static int fake_child(void *ctx, enum sandbox_profile profile, const json_t *req, int pass_fd, int cancel_fd,
		      json_t **out)
{
	struct fx *f = ctx;
	const char *url = json_string_value(json_object_get(json_object_get(req, "fetch"), "url"));
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);

	(void)cancel_fd;
	assert_int_equal(profile, PROFILE_FETCH);
	pthread_mutex_lock(&f->mu);
	f->calls++;
	json_array_append_new(f->urls, json_string(url));
	if (pass_fd >= 0 && getpeername(pass_fd, (struct sockaddr *)&peer, &len) == 0 &&
	    ntohs(peer.sin_port) == f->port)
		f->fds_ok++;
	pthread_mutex_unlock(&f->mu);
	if (!strcmp(f->mode, "page"))
		*out = json_pack("{s:s, s:b, s:{s:{s:i, s:s, s:i}}}", "content", "# Page\n\nThe answer is 42.", "is_error",
				 0, "effects", "fetch", "status", 200, "content_type", "text/html", "bytes", 99);
	else if (!strcmp(f->mode, "same-host") && strstr(url, "/start"))
		*out = json_pack("{s:s, s:b, s:{s:{s:i, s:s}}}", "content", "", "is_error", 0, "effects", "fetch",
				 "status", 302, "location", "/final");
	else if (!strcmp(f->mode, "same-host"))
		*out = json_pack("{s:s, s:b, s:{s:{s:i, s:s, s:i}}}", "content", "final page", "is_error", 0, "effects",
				 "fetch", "status", 200, "content_type", "text/plain", "bytes", 10);
	else if (!strcmp(f->mode, "loop"))
		*out = json_pack("{s:s, s:b, s:{s:{s:i, s:s}}}", "content", "", "is_error", 0, "effects", "fetch",
				 "status", 301, "location", "/again");
	else if (!strcmp(f->mode, "cross-host"))
		*out = json_pack("{s:s, s:b, s:{s:{s:i, s:s}}}", "content", "", "is_error", 0, "effects", "fetch",
				 "status", 307, "location", "https://elsewhere.example/x");
	else if (!strcmp(f->mode, "lying"))
		*out = json_pack("{s:s, s:b, s:{s:{s:i}}}", "content", "", "is_error", 0, "effects", "fetch", "status",
				 42);
	else
		*out = json_pack("{s:s, s:b}", "content", "Failed to fetch: boom", "is_error", 1);
	return *out ? 0 : -CORDON_ENOMEM;
}

static int fake_apply(void *ctx, const struct session_fetch_page *pg, char **out_text)
{
	struct fx *f = ctx;

	f->applies++;
	snprintf(f->last_prompt, sizeof(f->last_prompt), "%s", pg->prompt);
	return asprintf(out_text, "answer from %zu bytes of %s", pg->content_len, pg->url) < 0 ? -CORDON_ENOMEM : 0;
}

static char tmpdir[] = "/tmp/cordon-fetch.XXXXXX";

static struct session *open_session(struct fx *f, bool raw)
{
	struct session_opts o = { 0 };
	struct session *s = NULL;
	struct cordon_diag d;

	o.workspace = tmpdir;
	o.output_dir = tmpdir;
	o.runner = fake_child;
	o.runner_ctx = f;
	o.fetch_raw = raw;
	assert_int_equal(session_open(&s, &o, &d), 0);
	return s;
}

static void fx_init(struct fx *f, const char *mode)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);

	memset(f, 0, sizeof(*f));
	pthread_mutex_init(&f->mu, NULL);
	f->mode = mode;
	f->urls = json_array();
	f->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	assert_int_equal(bind(f->listener, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->listener, 16), 0);
	assert_int_equal(getsockname(f->listener, (struct sockaddr *)&sa, &len), 0);
	f->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&f->acceptor, NULL, acceptor, (void *)(intptr_t)f->listener), 0);
}

static void fx_release(struct fx *f)
{
	/* accept() fails once the socket is shut down: the thread ends, then the fd goes. */
	shutdown(f->listener, SHUT_RDWR);
	pthread_join(f->acceptor, NULL);
	close(f->listener);
	json_decref(f->urls);
}

static const char *call(struct session *s, struct fx *f, const char *path, struct session_result *r)
{
	char url[128];
	json_t *in;

	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", f->port, path);
	in = json_pack("{s:s, s:s}", "url", url, "prompt", "What is the answer?");
	assert_int_equal(session_call(s, "WebFetch", in, "toolu_t", r), 0);
	json_decref(in);
	assert_true(json_is_string(r->content));
	return json_string_value(r->content);
}

static void session_fetch_paths(void **state)
{
	struct session_result r;
	struct session *s;
	struct fx f;
	char want[512];

	(void)state;
	setenv(FETCH_ENV_ALLOW_LOOPBACK, "1", 1);

	/* A page: the injected applier answers from it; the second call comes from the cache. */
	fx_init(&f, "page");
	s = open_session(&f, false);
	session_set_fetch_apply(s, fake_apply, &f);
	snprintf(want, sizeof(want), "answer from 25 bytes of https://127.0.0.1:%u/p", f.port);
	assert_string_equal(call(s, &f, "/p", &r), want);
	assert_false(r.is_error);
	session_result_release(&r);
	assert_string_equal(call(s, &f, "/p", &r), want);
	session_result_release(&r);
	assert_int_equal(f.calls, 1);
	assert_int_equal(f.fds_ok, 1);
	assert_int_equal(f.applies, 2);
	assert_string_equal(f.last_prompt, "What is the answer?");
	/* Upgraded: the child was asked for https. */
	snprintf(want, sizeof(want), "https://127.0.0.1:%u/p", f.port);
	assert_string_equal(json_string_value(json_array_get(f.urls, 0)), want);
	/* Without an applier, the page itself. */
	session_set_fetch_apply(s, NULL, NULL);
	assert_string_equal(call(s, &f, "/p", &r), "# Page\n\nThe answer is 42.");
	session_result_release(&r);
	session_close(s);
	fx_release(&f);

	/* Raw mode wins over an applier. */
	fx_init(&f, "page");
	s = open_session(&f, true);
	session_set_fetch_apply(s, fake_apply, &f);
	assert_string_equal(call(s, &f, "/p", &r), "# Page\n\nThe answer is 42.");
	session_result_release(&r);
	assert_int_equal(f.applies, 0);
	session_close(s);
	fx_release(&f);

	/* A same-host redirect is followed: a second hop, connected anew. */
	fx_init(&f, "same-host");
	s = open_session(&f, false);
	assert_string_equal(call(s, &f, "/start", &r), "final page");
	session_result_release(&r);
	assert_int_equal(f.calls, 2);
	assert_int_equal(f.fds_ok, 2);
	snprintf(want, sizeof(want), "https://127.0.0.1:%u/final", f.port);
	assert_string_equal(json_string_value(json_array_get(f.urls, 1)), want);
	session_close(s);
	fx_release(&f);

	/* Endless same-host redirects stop after 10 followed. */
	fx_init(&f, "loop");
	s = open_session(&f, false);
	assert_non_null(strstr(call(s, &f, "/", &r), "too many redirects"));
	assert_true(r.is_error);
	session_result_release(&r);
	assert_int_equal(f.calls, FETCH_MAX_REDIRECTS + 1);
	session_close(s);
	fx_release(&f);

	/* Another host: reported with the reference's text, not followed. */
	fx_init(&f, "cross-host");
	s = open_session(&f, false);
	snprintf(want, sizeof(want),
		 "REDIRECT DETECTED: The URL redirects to a different host.\n\nOriginal URL: https://127.0.0.1:%u/x\n"
		 "Redirect URL: https://elsewhere.example/x\nStatus: 307 Temporary Redirect\n\nTo complete your "
		 "request, I need to fetch content from the redirected URL. Please use WebFetch again with these "
		 "parameters:\n- url: \"https://elsewhere.example/x\"\n- prompt: \"What is the answer?\"",
		 f.port);
	assert_string_equal(call(s, &f, "/x", &r), want);
	assert_false(r.is_error);
	session_result_release(&r);
	assert_int_equal(f.calls, 1);
	session_close(s);
	fx_release(&f);

	/* A child that lies about the status, or fails, is an error result. */
	fx_init(&f, "lying");
	s = open_session(&f, false);
	assert_non_null(strstr(call(s, &f, "/", &r), "no valid HTTP status"));
	assert_true(r.is_error);
	session_result_release(&r);
	session_close(s);
	fx_release(&f);
	fx_init(&f, "error");
	s = open_session(&f, false);
	assert_string_equal(call(s, &f, "/", &r), "Failed to fetch: boom");
	assert_true(r.is_error);
	session_result_release(&r);
	session_close(s);
	fx_release(&f);

	/* Without the switch, the same loopback URL never reaches a child. */
	unsetenv(FETCH_ENV_ALLOW_LOOPBACK);
	fx_init(&f, "page");
	s = open_session(&f, false);
	assert_non_null(strstr(call(s, &f, "/p", &r), "is a loopback address"));
	assert_true(r.is_error);
	session_result_release(&r);
	assert_int_equal(f.calls, 0);
	/* A stray value is no switch either. */
	setenv(FETCH_ENV_ALLOW_LOOPBACK, "yes", 1);
	session_close(s);
	s = open_session(&f, false);
	assert_non_null(strstr(call(s, &f, "/p", &r), "loopback"));
	session_result_release(&r);
	assert_int_equal(f.calls, 0);
	unsetenv(FETCH_ENV_ALLOW_LOOPBACK);
	session_close(s);
	fx_release(&f);
}

/* ---- the fetch profile: no socket of its own ---------------------------------------- */

/* Tries every way to a new connection, reports errno of each ("socket=1 ..."), and uses fd 5. */
static int fn_netprobe(const void *in, size_t len, struct buf *out)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(80) };
	int sv[2], fd;

	(void)in;
	(void)len;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	buf_printf(out, "inet=%d ", fd >= 0 ? 0 : errno);
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	buf_printf(out, "inet6=%d ", fd >= 0 ? 0 : errno);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	buf_printf(out, "unix=%d ", fd >= 0 ? 0 : errno);
	fd = socket(AF_NETLINK, SOCK_RAW, 0);
	buf_printf(out, "netlink=%d ", fd >= 0 ? 0 : errno);
	buf_printf(out, "socketpair=%d ", socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 ? 0 : errno);
	inet_pton(AF_INET, "1.1.1.1", &sa.sin_addr);
	buf_printf(out, "connect3=%d ", connect(3, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 0 : errno);
	buf_printf(out, "bind5=%d ", bind(5, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 0 : errno);
	buf_printf(out, "listen5=%d ", listen(5, 1) == 0 ? 0 : errno);
	buf_printf(out, "write5=%d", write(5, "hi", 2) == 2 ? 0 : errno);
	return 0;
}

static const struct sandbox_fn probe_fns[] = { { "netprobe", fn_netprobe } };

static void fetch_child_has_no_socket_syscalls(void **state)
{
	struct sandbox_opts o = { 0 };
	struct sandbox_call c = { .profile = PROFILE_FETCH, .fn = "netprobe" };
	struct sandbox_result r;
	struct sandbox *sb = NULL;
	char want[256], b[4];
	int sv[2];

	(void)state;
	if (RUNNING_ON_VALGRIND) {
		skip(); /* the filter refuses valgrind's own syscalls */
		return;
	}
	o.workspace = tmpdir;
	o.fns = probe_fns;
	o.n_fns = 1;
	assert_int_equal(sandbox_open(&sb, &o, NULL), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	c.pass = true;
	c.pass_fd = sv[1];
	assert_int_equal(sandbox_run(sb, &c, &r), 0);
	if (r.end != SANDBOX_EXITED || r.exit_code != 0)
		fail_msg("probe ended %d (syscall %s)", r.end, r.syscall);
	/* Every new socket refused; the passed one works. */
	snprintf(want, sizeof(want), "inet=%d inet6=%d unix=%d netlink=%d socketpair=%d connect3=%d bind5=%d listen5=%d write5=0",
		 EPERM, EPERM, EPERM, EPERM, EPERM, EPERM, EPERM, EPERM);
	assert_string_equal(r.reply.data, want);
	assert_int_equal(read(sv[0], b, sizeof(b)), 2);
	sandbox_result_release(&r);
	sandbox_close(sb);
	close(sv[0]);
	close(sv[1]);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(address_classes),
		cmocka_unit_test(vetting_resolved_addresses),
		cmocka_unit_test(a_name_resolving_to_loopback_is_refused),
		cmocka_unit_test(loopback_with_the_switch_connects),
		cmocka_unit_test(url_rules),
		cmocka_unit_test(redirect_rule),
		cmocka_unit_test(second_call_message),
		cmocka_unit_test(session_fetch_paths),
		cmocka_unit_test(fetch_child_has_no_socket_syscalls),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
