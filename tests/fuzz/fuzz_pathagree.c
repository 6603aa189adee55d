/*
 * Fuzz target: the policy and the tool child agree on which file a path
 * names (differential). Each input byte picks a path token ("~", "..", ".",
 * "//", names, links, the workspace's absolute path); the first byte picks
 * the tool (Read, or a Grep search rooted at the path). The path is judged
 * by policy_decide() under a deny rule for Read of ./secrets (all below), then run the way
 * the session runs it (runtime/session/session.c: "resolved_path" = the decision's
 * path, the Read deny patterns), in-process against a real tree with
 * symlinked directories and files. It must hold that:
 *  - an allowed call never returns the secret's content;
 *  - a successful Read returned the file the decision judged: the judged
 *    path has no link on it and the content is that file's;
 *  - a path under secrets/ is never allowed.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/path.h"
#include "policy/policy.h"
#include "tools/tool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "SECRET-MARK-7f3a"
#define MAX_TOKENS 64

static char base[64], ws[128], home[192];
static struct policy pol;
static bool ready;

static void put(const char *dir, const char *rel, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	f = fopen(p, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
}

static void cleanup(void)
{
	char cmd[160];

	policy_release(&pol);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz_pathagree: cannot remove %s\n", base);
}

/*
 * ws/secrets/k   the secret          ws/ln -> secrets     ws/kl -> secrets/k
 * ws/a/b/f       plain a/b/f         ws/a/up -> ..        ws/pub/x plain pub/x
 * ws/h1/h2       HOME                base/out/k           outside the roots
 */
static void setup(void)
{
	char p[1024];
	struct cordon_diag d;

	snprintf(base, sizeof(base), "%s/cordon-pathagree-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(base))
		abort();
	snprintf(ws, sizeof(ws), "%s/ws", base);
	snprintf(home, sizeof(home), "%s/h1/h2", ws);
	snprintf(p, sizeof(p), "mkdir -p '%s/secrets' '%s/a/b' '%s/pub' '%s' '%s/out'", ws, ws, ws, home, base);
	if (system(p) != 0)
		abort();
	put(ws, "secrets/k", SECRET "\n");
	put(ws, "a/b/f", "plain a/b/f\n");
	put(ws, "pub/x", "plain pub/x\n");
	put(base, "out/k", SECRET " outside\n");
	snprintf(p, sizeof(p), "%s/ln", ws);
	if (symlink("secrets", p) < 0)
		abort();
	snprintf(p, sizeof(p), "%s/kl", ws);
	if (symlink("secrets/k", p) < 0)
		abort();
	snprintf(p, sizeof(p), "%s/a/up", ws);
	if (symlink("..", p) < 0)
		abort();
	policy_init(&pol);
	if (policy_add_rules(&pol, "Read(./secrets/**)", RULE_DENY, "fuzz", NULL, &d) < 0)
		abort();
	atexit(cleanup);
	ready = true;
}

/* The content marker of the file at abs, or NULL when it is not one of ours. */
static const char *marker(const char *abs)
{
	size_t n = strlen(ws);

	if (strncmp(abs, ws, n) || abs[n] != '/')
		return NULL;
	abs += n + 1;
	if (!strcmp(abs, "a/b/f"))
		return "plain a/b/f";
	if (!strcmp(abs, "pub/x"))
		return "plain pub/x";
	if (!strcmp(abs, "secrets/k"))
		return SECRET;
	return NULL;
}

static void check(const char *tool, const char *path)
{
	struct policy_ctx ctx = { .cwd = ws, .project_root = ws, .home = home };
	struct policy_decision *dec = malloc(sizeof(*dec));
	json_t *input, *req, *deny = NULL, *res = NULL;
	enum policy_verdict v;
	const char *text;
	char real[PATH_MAX], secrets[256];

	if (!dec)
		return;
	input = !strcmp(tool, "Read") ? json_pack("{s:s}", "file_path", path)
				      : json_pack("{s:s, s:s, s:s}", "pattern", "MARK|plain", "path", path,
						  "output_mode", "content");
	if (!input)
		abort();
	v = policy_decide(&pol, tool, input, &ctx, dec);
	if (v != POLICY_ALLOW && v != POLICY_DENY)
		abort(); /* no approval hook: an ask is a deny */
	snprintf(secrets, sizeof(secrets), "%s/secrets", ws);
	if (v == POLICY_ALLOW && dec->path[0] && path_within(dec->path, secrets))
		abort();
	if (v != POLICY_ALLOW || !dec->path[0])
		goto out;
	if (policy_read_deny_patterns(&pol, tool, &ctx, &deny) < 0)
		abort();
	req = json_pack("{s:s, s:O, s:s, s:s, s:[], s:s, s:s, s:o}", "tool", tool, "input", input, "cwd", ws,
			"workspace", ws, "roots", "resolved_path", dec->path, "home", home, "deny_paths", deny);
	if (!req || tool_execute(req, &res) < 0 || !res)
		abort();
	json_decref(req);
	text = json_string_value(json_object_get(res, "content"));
	if (!text)
		abort();
	if (strstr(text, SECRET))
		abort(); /* allowed, yet the secret came back */
	if (!strcmp(tool, "Read") && !json_is_true(json_object_get(res, "is_error")) &&
	    !strstr(text, "Wasted call")) {
		const char *m = marker(dec->path);

		/* The file read is the file judged: no link on the judged path. */
		if (!realpath(dec->path, real) || strcmp(real, dec->path) || !m || !strstr(text, m))
			abort();
	}
	json_decref(res);
out:
	json_decref(input);
	free(dec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const tok[] = { "/", "//", ".", "..", "~", "secrets", "k", "a", "b", "f", "ln", "kl",
					   "up", "h1", "h2", "pub", "x", NULL /* ws */, "out", "SECRETS", "./", "../" };
	char path[4096];
	size_t i, n = 0;

	if (!ready)
		setup();
	if (size < 2 || size > MAX_TOKENS + 1)
		return 0;
	path[0] = '\0';
	for (i = 1; i < size; i++) {
		const char *t = tok[data[i] % (sizeof(tok) / sizeof(tok[0]))];

		if (!t)
			t = ws;
		n += (size_t)snprintf(path + n, sizeof(path) - n, "%s", t);
		if (n >= sizeof(path))
			return 0;
	}
	check(data[0] & 1 ? "Grep" : "Read", path);
	return 0;
}
