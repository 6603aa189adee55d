/*
 * cordon sandbox — run any command inside the sandbox (like `srt` or
 * `codex sandbox`).
 *
 *	cordon sandbox [--profile bash|readonly|write] [--workspace DIR] [--net none]
 *	               [--timeout S] [--require LAYERS] [--max-output BYTES]
 *	               [--settings FILE]... [--agent FILE|NAME] [--no-namespaces]
 *	               -- CMD ARGS...
 *
 * With --settings or --agent, the policy they make (with the user's and the
 * project's settings, as `cordon tool` loads it) hides the paths its Read
 * deny rules name literally from the command (policy/readmask.h); a rule
 * with a wildcard before its end cannot be hidden by a mount, and a warning
 * says so.
 *
 * The command's output is printed after it ends; to a terminal, with its
 * control characters replaced (common/utf8.h, utf8_sanitize_tty()).
 *
 * Exit status: the command's; 128+N when a signal killed it (SIGSYS from the
 * seccomp filter included); 124 when the timeout killed it; 125 when cordon
 * refused to run it (a required layer missing, the sandbox could not be
 * applied, bad workspace); 126/127 when the command could not be executed /
 * found inside the sandbox; 2 for usage errors.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/utf8.h"
#include "policy/load.h"
#include "policy/readmask.h"
#include "runtime/cli/cli.h"
#include "runtime/sandbox/sandbox.h"

#define SANDBOX_MAX_SETTINGS 8

static void usage(FILE *f)
{
	fputs("usage: cordon sandbox [options] -- CMD [ARGS...]\n"
	      "\n"
	      "Run CMD confined as a tool call of the given profile would be.\n"
	      "\n"
	      "options:\n"
	      "  --profile P        bash (default), readonly or write; readonly/write get\n"
	      "                     their Landlock rights plus read+execute on system dirs\n"
	      "  --workspace DIR    the read-write root (default: the current directory)\n"
	      "  --net none         no network (the only mode here; egress: cordon tool --settings)\n"
	      "  --timeout S        wall-clock limit in seconds (default 120); exit 124\n"
	      "  --require LAYERS   comma list of layers that must be active, else exit 125:\n"
	      "                     userns,mountns,pidns,netns,landlock,seccomp,cgroup,caps,rlimits;\n"
	      "                     namespaces (the four), all\n"
	      "  --max-output N     bytes kept per stream (default 10 MiB; the rest is dropped)\n"
	      "  --settings FILE    hide the paths this settings file's Read deny rules name\n"
	      "                     (repeatable; the user's and project's settings count too)\n"
	      "  --agent FILE|NAME  the same for an agent's policy\n"
	      "  --no-namespaces    run degraded on purpose (Landlock, seccomp, caps, rlimits)\n"
	      "\n"
	      "exit status: the command's; 128+N on signal N; 124 timeout; 125 refused;\n"
	      "126/127 cannot execute / not found\n",
	      f);
}

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static void warn(const struct cordon_diag *w, void *arg)
{
	char m[1024];

	(void)arg;
	fprintf(stderr, "cordon sandbox: warning: %s\n", diag_format(w, m, sizeof(m)));
}

/*
 * The Read deny paths of the policy of --settings/--agent (and the user's
 * and project's settings), for opts.hide. 0, or -1 with the error printed.
 */
static int load_hide(struct read_mask *mask, const char *ws, const char *agent, const char *const *settings)
{
	struct policy_load_opts lo = { .cwd = ws, .home = getenv("HOME"), .agent = agent,
				       .sources = POLICY_SOURCES_ALL, .settings = settings, .warn = warn };
	struct policy_ctx ctx = { .cwd = ws, .project_root = ws, .home = getenv("HOME") };
	struct cordon_diag d;
	struct policy p;
	char m[1024];
	int r;

	diag_clear(&d);
	r = policy_load(&p, &lo, &d);
	if (r < 0) {
		fprintf(stderr, "cordon sandbox: %s\n", d.msg[0] ? diag_format(&d, m, sizeof(m)) : cordon_strerror(r));
		return -1;
	}
	r = read_mask_build(mask, &p, &ctx, warn, NULL);
	policy_release(&p);
	if (r < 0) {
		fprintf(stderr, "cordon sandbox: cannot list the Read deny paths to hide: %s\n", cordon_strerror(r));
		return -1;
	}
	return 0;
}

int cmd_sandbox(int argc, char **argv)
{
	struct sandbox_opts o;
	struct sandbox_call c;
	struct sandbox_result res;
	struct sandbox *sb = NULL;
	struct cordon_diag diag;
	struct read_mask mask;
	char ws[PATH_MAX], cwd[PATH_MAX], bad[64];
	const char *workspace = NULL, *agent = NULL, *settings[SANDBOX_MAX_SETTINGS + 1] = { NULL };
	unsigned long long v;
	size_t nsettings = 0;
	int i, r, profile = PROFILE_BASH, rc = SANDBOX_EXIT_REFUSED;

	read_mask_init(&mask);
	memset(&res, 0, sizeof(res));
	memset(&o, 0, sizeof(o));
	memset(&c, 0, sizeof(c));
	c.timeout_ms = 120000;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return CLI_EXIT_OK;
		}
		if (a[0] != '-')
			break;
		if (!strcmp(a, "--no-namespaces")) {
			o.no_namespaces = true;
			continue;
		}
		if (i + 1 >= argc)
			return cli_usage_error("sandbox", "option '%s' needs a value", a);
		if (!strcmp(a, "--profile")) {
			profile = profile_from_name(argv[++i]);
			if (profile != PROFILE_BASH && profile != PROFILE_READONLY &&
			    profile != PROFILE_WRITE)
				return cli_usage_error("sandbox", "unknown profile '%s'", argv[i]);
		} else if (!strcmp(a, "--workspace")) {
			workspace = argv[++i];
		} else if (!strcmp(a, "--settings")) {
			if (nsettings == SANDBOX_MAX_SETTINGS)
				return cli_usage_error("sandbox", "at most %d --settings options",
						       SANDBOX_MAX_SETTINGS);
			settings[nsettings++] = argv[++i];
		} else if (!strcmp(a, "--agent")) {
			agent = argv[++i];
		} else if (!strcmp(a, "--net")) {
			if (strcmp(argv[++i], "none"))
				return cli_usage_error("sandbox",
						       "only '--net none' is supported, not '%s'",
						       argv[i]);
		} else if (!strcmp(a, "--timeout")) {
			if (parse_uint(argv[++i], 86400, &v) < 0 || v == 0)
				return cli_usage_error("sandbox", "bad timeout '%s' (seconds, 1-86400)",
						       argv[i]);
			c.timeout_ms = (unsigned)v * 1000u;
		} else if (!strcmp(a, "--require")) {
			if (layer_parse_list(&o.require, argv[++i], bad, sizeof(bad)) < 0)
				return cli_usage_error("sandbox", "unknown sandbox layer '%s'", bad);
		} else if (!strcmp(a, "--max-output")) {
			if (parse_uint(argv[++i], 1ull << 30, &v) < 0 || v == 0)
				return cli_usage_error("sandbox", "bad --max-output '%s'", argv[i]);
			c.max_output = (size_t)v;
		} else {
			return cli_usage_error("sandbox", "unknown option '%s'", a);
		}
	}
	if (i >= argc)
		return cli_usage_error("sandbox", "no command given");
	if (!workspace) {
		if (!getcwd(ws, sizeof(ws))) {
			fprintf(stderr, "cordon sandbox: cannot get the current directory: %s\n",
				strerror(errno));
			return SANDBOX_EXIT_REFUSED;
		}
		workspace = ws;
	}
	if (!realpath(workspace, ws)) {
		fprintf(stderr, "cordon sandbox: cannot use workspace '%s': %s\n", workspace,
			strerror(errno));
		return SANDBOX_EXIT_REFUSED;
	}
	o.workspace = ws;
	/* One command: nothing is made ahead for a next call that never comes. */
	o.one_call = true;
	if (nsettings || agent) {
		if (load_hide(&mask, ws, agent, settings) < 0)
			goto out;
		o.hide = (const char *const *)mask.paths.v;
		o.n_hide = mask.paths.n;
	}
	r = sandbox_open(&sb, &o, &diag);
	if (diag.msg[0])
		fprintf(stderr, "cordon: %s%s\n", r < 0 ? "" : "warning: ", diag.msg);
	if (r < 0) {
		if (r != -CORDON_EUNSUPPORTED)
			fprintf(stderr, "cordon sandbox: cannot start the sandbox: %s%s%s\n",
				cordon_strerror(r), r == -CORDON_ESYS ? ": " : "",
				r == -CORDON_ESYS ? strerror(errno) : "");
		goto out;
	}
	/* Keep the caller's directory when it lies inside the workspace. */
	if (getcwd(cwd, sizeof(cwd)) && !strncmp(cwd, ws, strlen(ws)) &&
	    (cwd[strlen(ws)] == '\0' || cwd[strlen(ws)] == '/'))
		c.cwd = cwd;
	c.profile = (enum sandbox_profile)profile;
	c.argv = (const char *const *)&argv[i];
	r = sandbox_run(sb, &c, &res);
	if (r < 0 && r != -CORDON_EUNSUPPORTED) {
		fprintf(stderr, "cordon sandbox: the sandbox failed: %s\n", cordon_strerror(r));
		goto out;
	}
	fflush(stdout);
	/*
	 * The command's output is the sandbox's, not ours: to a terminal it
	 * goes with its control sequences made visible (OSC 52 would set the
	 * caller's clipboard, others its title, cursor or screen); a pipe or
	 * a file gets the bytes as they are.
	 */
	if (utf8_write_for_tty(1, res.out.data, res.out.len) < 0 && errno != EPIPE)
		rc = 1;
	utf8_write_for_tty(2, res.err.data, res.err.len);
	/* What the sandbox did after the command (paths set aside, index flags): the user's to know. */
	if (res.notices.len) {
		const char *l = res.notices.data, *e;

		for (; (e = memchr(l, '\n', res.notices.data + res.notices.len - l)); l = e + 1)
			fprintf(stderr, "cordon sandbox: %.*s\n", (int)(e - l), l);
	}
	if (res.out_truncated || res.err_truncated)
		fprintf(stderr, "cordon sandbox: output truncated to %zu bytes per stream\n",
			res.out.max);
	switch (res.end) {
	case SANDBOX_EXITED:
		rc = res.exit_code;
		break;
	case SANDBOX_SIGNALED:
		rc = 128 + res.signal;
		break;
	case SANDBOX_SECCOMP:
		rc = 128 + res.signal;
		fprintf(stderr, "cordon sandbox: killed by the seccomp filter%s%s\n",
			res.syscall[0] ? ": " : "", res.syscall);
		break;
	case SANDBOX_TIMEOUT:
		rc = SANDBOX_EXIT_TIMEOUT;
		fprintf(stderr, "cordon sandbox: timed out after %u s; the command's processes were killed\n",
			c.timeout_ms / 1000u);
		break;
	case SANDBOX_SETUP:
	default:
		rc = res.exit_code ? res.exit_code : SANDBOX_EXIT_REFUSED;
		fprintf(stderr, "cordon sandbox: %s\n", res.setup_error);
		break;
	}
out:
	sandbox_result_release(&res);
	sandbox_close(sb);
	read_mask_release(&mask);
	return rc;
}
