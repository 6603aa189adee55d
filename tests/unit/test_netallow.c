/* Unit tests for policy/netallow: allowedDomains entries parsed, and the hosts and ports they let through. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/error.h"
#include "policy/netallow.h"
#include "policy/settings.h"

static void norm_ok(const char *in, const char *want)
{
	char out[NETALLOW_ENTRY_MAX + 1];
	const char *why = NULL;

	if (netallow_parse(out, sizeof(out), in, &why) < 0)
		fail_msg("'%s' refused: %s", in, why);
	assert_string_equal(out, want);
}

static void refused(const char *in, const char *why_part)
{
	char out[NETALLOW_ENTRY_MAX + 1];
	const char *why = NULL;

	if (netallow_parse(out, sizeof(out), in, &why) != -CORDON_EINVAL)
		fail_msg("'%s' accepted as '%s'", in, out);
	assert_non_null(why);
	if (!strstr(why, why_part))
		fail_msg("'%s': why '%s' lacks '%s'", in, why, why_part);
}

static void entries_normalized(void **state)
{
	(void)state;
	norm_ok("github.com", "github.com");
	norm_ok("GitHub.COM.", "github.com");
	norm_ok("*.github.com", "*.github.com");
	norm_ok("api.example.com:443", "api.example.com:443");
	norm_ok("API.example.com:0443", "api.example.com:443");
	norm_ok("*.Example.org:8443", "*.example.org:8443");
	norm_ok("10.1.2.3", "10.1.2.3");
	norm_ok("xn--bcher-kva.example", "xn--bcher-kva.example");
	norm_ok("_dmarc.example.com", "_dmarc.example.com");
}

static void bad_entries_refused(void **state)
{
	char long_label[80], long_host[300];

	(void)state;
	refused("", "empty");
	refused("*", "bare '*'");
	refused("*.", "wildcard");
	refused("*example.com", "wildcard");
	refused("a.*.com", "first label");
	refused("a..com", "empty label");
	refused(".a.com", "empty label");
	refused("a b.com", "cannot have");
	refused("https://github.com", "not a URL");
	refused("github.com/path", "not a URL");
	refused("user@github.com", "not a URL");
	refused("github.com:", "port");
	refused("github.com:0", "port");
	refused("github.com:65536", "port");
	refused("github.com:44x", "port");
	refused("[::1]", "IPv6");
	refused("::1", "IPv6");
	refused("b\xc3\xbc" "cher.example", "punycode");
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	refused(long_label, "63");
	memset(long_host, 'a', sizeof(long_host) - 1);
	for (size_t i = 50; i < sizeof(long_host) - 1; i += 50)
		long_host[i] = '.';
	long_host[sizeof(long_host) - 1] = '\0';
	refused(long_host, "253");
}

static void hosts_and_ports(void **state)
{
	struct strvec v = STRVEC_INIT;

	(void)state;
	assert_int_equal(strvec_push(&v, "github.com"), 0);
	assert_int_equal(strvec_push(&v, "*.githubusercontent.com"), 0);
	assert_int_equal(strvec_push(&v, "api.example.com:8443"), 0);
	/* A bare entry: the default ports only. */
	assert_true(netallow_match(&v, "github.com", 443));
	assert_true(netallow_match(&v, "github.com", 80));
	assert_false(netallow_match(&v, "github.com", 22));
	assert_false(netallow_match(&v, "github.com", 8443));
	/* Exact names: no subdomain, no suffix trick. */
	assert_false(netallow_match(&v, "api.github.com", 443));
	assert_false(netallow_match(&v, "evilgithub.com", 443));
	assert_false(netallow_match(&v, "github.com.evil.net", 443));
	/* A wildcard: subdomains at any depth, not the apex, not a look-alike. */
	assert_true(netallow_match(&v, "raw.githubusercontent.com", 443));
	assert_true(netallow_match(&v, "a.b.githubusercontent.com", 80));
	assert_false(netallow_match(&v, "githubusercontent.com", 443));
	assert_false(netallow_match(&v, "evilgithubusercontent.com", 443));
	/* A port given: that port only. */
	assert_true(netallow_match(&v, "api.example.com", 8443));
	assert_false(netallow_match(&v, "api.example.com", 443));
	/* Port 0 (WebFetch): the host decides. */
	assert_true(netallow_match(&v, "api.example.com", 0));
	assert_true(netallow_match(&v, "github.com", 0));
	assert_false(netallow_match(&v, "example.com", 0));
	/* Numeric forms arrive normalized (rule_url_host): only a listed address matches. */
	assert_false(netallow_match(&v, "127.0.0.1", 80));
	assert_false(netallow_match(&v, "[::1]", 80));
	assert_false(netallow_match(&v, "", 80));
	assert_false(netallow_match(NULL, "github.com", 80));
	strvec_release(&v);
}

static void settings_entries(void **state)
{
	static const struct settings_origin o = { "/p/.claude/settings.json", SETTINGS_PROJECT, "/p", "/home/u" };
	const char *good = "{\"sandbox\":{\"network\":{\"allowedDomains\":[\"GitHub.com\",\"*.github.com\","
			   "\"api.example.com:443\",\"github.com.\"]}}}";
	const char *bad = "{\"sandbox\":{\"network\":{\"allowedDomains\":[\"github.com\",\n  \"http://x.com\"]}}}";
	struct settings s;
	struct cordon_diag d;

	(void)state;
	settings_init(&s);
	assert_int_equal(settings_parse(&s, good, strlen(good), &o, &d), 0);
	assert_true(s.network_set);
	assert_int_equal(s.allowed_domains.n, 3); /* github.com. is github.com */
	assert_string_equal(s.allowed_domains.v[0], "github.com");
	assert_string_equal(s.allowed_domains.v[1], "*.github.com");
	assert_string_equal(s.allowed_domains.v[2], "api.example.com:443");
	settings_release(&s);

	settings_init(&s);
	assert_int_equal(settings_parse(&s, bad, strlen(bad), &o, &d), -CORDON_EPARSE);
	assert_non_null(strstr(d.msg, "sandbox.network.allowedDomains[1]: bad domain 'http://x.com'"));
	assert_non_null(strstr(d.msg, "not a URL"));
	assert_int_equal(d.line, 2);
	assert_int_equal(s.allowed_domains.n, 0);
	settings_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(entries_normalized),
		cmocka_unit_test(bad_entries_refused),
		cmocka_unit_test(hosts_and_ports),
		cmocka_unit_test(settings_entries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
