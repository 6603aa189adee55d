/*
 * Fuzz target: permission rules. The input is split like --allowedTools;
 * every rule that parses is matched against a few commands, paths and
 * hosts, and the first line is also used as a path, a glob pattern and a
 * URL (rule_url_host(): its host is canonical, and the URL rebuilt with it
 * gives the same host again).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/pathmatch.h"
#include "policy/rule.h"

static void url(const char *s)
{
	char host[RULE_HOST_MAX + 1], again[RULE_HOST_MAX + 1], *u = NULL, *u2 = NULL;
	size_t i, n;

	if (rule_url_host(s, host, sizeof(host), &u) < 0) {
		if (host[0] || u)
			abort();
		return;
	}
	n = strlen(host);
	if (!n || n > RULE_HOST_MAX || host[n - 1] == '.' || !u)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)host[i] <= 0x20 || (unsigned char)host[i] >= 0x7f ||
		    (host[i] >= 'A' && host[i] <= 'Z'))
			abort();
	if (rule_url_host(u, again, sizeof(again), &u2) < 0 || strcmp(again, host) || strcmp(u, u2))
		abort();
	free(u);
	free(u2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int one(const char *item, size_t len, void *arg)
{
	static const char *const cmds[] = { "git diff", "npm run test:unit", "rm -rf /", "", "a*b" };
	static const char *const paths[] = { "/p/src/a.c", "/", "/home/u/.ssh/id_rsa", "/tmp/x.env" };
	struct cordon_diag d;
	struct rule r;
	char *s = strndup(item, len);
	size_t i;

	(void)arg;
	if (!s)
		return 0;
	if (rule_parse(&r, s, (len & 1) ? RULE_DENY : RULE_ALLOW, "fuzz", NULL, &d) == 0) {
		struct rule again;

		/* The normalized text parses to the same rule. */
		if (rule_parse(&again, r.text, r.action, NULL, NULL, &d) < 0 || again.form != r.form ||
		    strcmp(again.text, r.text))
			abort();
		rule_release(&again);
		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
			(void)rule_match_command(&r, cmds[i]);
		for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
			(void)rule_match_path(&r, paths[i], "/p", "/home/u");
		(void)rule_match_domain(&r, "example.com");
		rule_release(&r);
	} else if (!d.msg[0]) {
		abort();
	}
	free(s);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[PATHMATCH_MAX + 1];
	char *s = malloc(size + 1);
	char *nl;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)rule_split_list(s, one, NULL);
	nl = strchr(s, '\n');
	if (nl)
		*nl = '\0';
	url(s);
	if (path_normalize(out, sizeof(out), s, "/p") == 0) {
		if (out[0] != '/' || strstr(out, "/../") || strstr(out, "//"))
			abort();
		(void)glob_match_path(s, out, true);
		(void)glob_match_path(out, "/p/a/b", false);
	}
	free(s);
	return 0;
}
