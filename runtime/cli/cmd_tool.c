/*
 * cmd_tool.c — `cordon tool`: run tool calls confined, without a model.
 *
 *	cordon tool [options] NAME 'JSON-INPUT'
 *	cordon tool [options] --stdin      JSONL {"name":..,"input":..[,"id":..]} in,
 *	                                   JSONL {"content":..,"is_error":..} out
 *
 * All calls of one invocation are one session (runtime/session/session.h), the same
 * seam the agent loop uses: the read-before-write state and the todo list
 * carry from call to call, and the policy of --agent/--settings decides
 * each call as it would in `cordon -p`.
 */
#include "runtime/cli/cli.h"
#include "runtime/git/gitrun.h"
#include "runtime/session/session.h"
#include "policy/load.h"
#include "policy/policy.h"
#include "policy/profile.h"
#include "common/buf.h"
#include "common/error.h"
#include "common/fileio.h"
#include "common/path.h"
#include "common/utf8.h"

#include <errno.h>
#include <sys/stat.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOOL_MAX_LINE (64u << 20) /* one JSONL request */
#define TOOL_MAX_ROOTS SESSION_MAX_ROOTS
#define TOOL_MAX_SETTINGS 8

static void warn(const struct cordon_diag *w, void *arg)
{
	char m[1024];

	(void)arg;
	fprintf(stderr, "cordon tool: warning: %s\n", diag_format(w, m, sizeof(m)));
}

static void usage(FILE *f)
{
	fputs("usage: cordon tool [options] NAME 'JSON-INPUT'\n"
	      "       cordon tool [options] --stdin\n"
	      "\n"
	      "Run tool calls (Read, Write, Edit, Grep, Glob, Bash, TaskOutput, TaskStop,\n"
	      "WebFetch, TodoWrite) in confined children, as the agent loop would, and print\n"
	      "the results.\n"
	      "With --stdin, read one JSON object per line ({\"name\":..,\"input\":..}) and write\n"
	      "one {\"content\":..,\"is_error\":..} line per call; all calls share one session.\n"
	      "\n"
	      "options:\n"
	      "  --workspace DIR   the writable root (default: the current directory)\n"
	      "  --cwd DIR         the directory relative paths start from (default: workspace)\n"
	      "  --read-root DIR   an extra read-only root (repeatable)\n"
	      "  --output-dir DIR  where results over the size limits are saved\n"
	      "  --agent FILE      apply this agent file's tool policy\n"
	      "  --settings FILE   apply this settings file's permission rules\n"
	      "  --timeout MS      the time limit of each call (default 120000)\n"
	      "  --stdin           read calls as JSONL from standard input\n"
	      "  --no-namespaces   run the sandbox degraded on purpose (Landlock, seccomp, caps, rlimits)\n"
	      "  -h, --help        show this help\n"
	      "\n"
	      "exit status: 0 success, 1 the (last) call returned is_error, 2 usage error\n",
	      f);
}

/* An absolute copy of dir (relative to the process cwd). */
static char *absolute(const char *dir)
{
	char cwd[PATH_MAX], *out = NULL;

	if (!getcwd(cwd, sizeof(cwd)) || path_normalize_dup(&out, dir, cwd) < 0)
		return NULL;
	return out;
}

/*
 * A result as text. Tool output is the sandbox's (a file's bytes, a
 * command's output): to a terminal it goes with its control characters
 * replaced (utf8_write_for_tty()), and JSON as ASCII (no raw C1 byte).
 */
static void print_content(const json_t *c)
{
	bool tty = isatty(STDOUT_FILENO);
	char *s = NULL;

	fflush(stdout);
	if (json_is_string(c)) {
		utf8_write_for_tty(STDOUT_FILENO, json_string_value(c), json_string_length(c));
		fd_write_all(STDOUT_FILENO, "\n", 1);
		return;
	}
	s = json_dumps(c, JSON_INDENT(2) | (tty ? JSON_ENSURE_ASCII : 0));
	if (s) {
		utf8_write_for_tty(STDOUT_FILENO, s, strlen(s));
		fd_write_all(STDOUT_FILENO, "\n", 1);
	}
	free(s);
}

/*
 * Without --agent or --settings no policy applies (every call runs, confined):
 * a settings file the user may expect to apply is named, with the way to apply it.
 */
static void note_unread_settings(const char *ws)
{
	const char *home = getenv("HOME");
	char path[PATH_MAX];
	struct stat st;

	for (int i = 0; i < 3; i++) {
		const char *base = i < 2 ? ws : home;
		const char *name = i == 1 ? ".claude/settings.local.json" : ".claude/settings.json";

		if (!base || snprintf(path, sizeof(path), "%s/%s", base, name) >= (int)sizeof(path) ||
		    stat(path, &st) < 0)
			continue;
		fprintf(stderr,
			"cordon tool: note: no policy applies without --agent or --settings (every call runs, "
			"confined); %s is not read. --settings '{}' applies it with the other settings files.\n",
			path);
		return;
	}
}

/* One call as a JSONL result line: {"content":..,"is_error":..}; NULL on ENOMEM. */
static json_t *call_line(struct session *s, const char *name, const json_t *input, const char *id)
{
	struct session_result r;
	json_t *res;
	char msg[256];
	int rc;

	rc = session_call(s, name, input, id, &r);
	if (rc < 0) {
		snprintf(msg, sizeof(msg), "the call could not be run: %s", cordon_strerror(rc));
		return json_pack("{s:s, s:b}", "content", msg, "is_error", 1);
	}
	res = json_pack("{s:O, s:b}", "content", r.content, "is_error", r.is_error);
	session_result_release(&r);
	return res;
}

static int run_stdin(struct session *sess)
{
	struct buf line;
	int c, rc = 0, last_error = 0;

	buf_init(&line, TOOL_MAX_LINE);
	for (;;) {
		json_t *req = NULL, *res = NULL;
		json_error_t jerr;
		bool eof = false, toolong = false;
		char *s;

		buf_truncate(&line, 0);
		while ((c = getchar()) != EOF && c != '\n')
			if (!toolong && buf_putc(&line, (char)c) < 0)
				toolong = true;
		if (c == EOF) {
			eof = true;
			if (!line.len)
				break;
		}
		if (toolong) {
			res = json_pack("{s:s, s:b}", "content", "the request line is too long", "is_error", 1);
		} else {
			req = json_loadb(line.data, line.len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
			if (!json_is_object(req) || !json_is_string(json_object_get(req, "name"))) {
				char msg[256];

				snprintf(msg, sizeof(msg), "invalid request line: %s",
					 req ? "expected {\"name\": ..., \"input\": {...}}" : jerr.text);
				res = json_pack("{s:s, s:b}", "content", msg, "is_error", 1);
			} else {
				res = call_line(sess, json_string_value(json_object_get(req, "name")),
						json_object_get(req, "input"), json_string_value(json_object_get(req, "id")));
			}
		}
		json_decref(req);
		if (!res) {
			rc = -CORDON_ENOMEM;
			break;
		}
		last_error = json_is_true(json_object_get(res, "is_error"));
		s = json_dumps(res, JSON_COMPACT | JSON_ENSURE_ASCII);
		json_decref(res);
		if (!s) {
			rc = -CORDON_ENOMEM;
			break;
		}
		puts(s);
		fflush(stdout);
		free(s);
		rc = 0;
		if (eof)
			break;
	}
	buf_release(&line);
	if (rc < 0) {
		fprintf(stderr, "cordon tool: %s\n", cordon_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	return last_error ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

int cmd_tool(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "workspace", required_argument, NULL, 'w' }, { "cwd", required_argument, NULL, 'C' },
		{ "output-dir", required_argument, NULL, 'o' }, { "read-root", required_argument, NULL, 'r' },
		{ "agent", required_argument, NULL, 'a' },     { "settings", required_argument, NULL, 's' },
		{ "stdin", no_argument, NULL, 'i' },           { "help", no_argument, NULL, 'h' },
		{ "timeout", required_argument, NULL, 't' },   { "no-namespaces", no_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 },
	};
	struct session_opts opts = { 0 };
	struct session *sess = NULL;
	char *ws = NULL, *cwd = NULL, *outdir = NULL, *roots[TOOL_MAX_ROOTS];
	const char *agent = NULL, *settings[TOOL_MAX_SETTINGS + 1] = { NULL };
	size_t nsettings = 0;
	struct policy p;
	bool have_policy = false;
	size_t nroots = 0, i;
	bool from_stdin = false;
	json_t *input = NULL, *res = NULL;
	json_error_t jerr;
	struct cordon_diag d;
	char m[1024];
	int c, rc, status = CLI_EXIT_FAIL;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'w':
			free(ws);
			ws = absolute(optarg);
			break;
		case 'C':
			free(cwd);
			cwd = absolute(optarg);
			break;
		case 'o':
			free(outdir);
			outdir = absolute(optarg);
			break;
		case 'r':
			if (nroots == TOOL_MAX_ROOTS) {
				status = cli_usage_error("tool", "at most %d --read-root options", TOOL_MAX_ROOTS);
				goto out;
			}
			roots[nroots++] = absolute(optarg);
			break;
		case 'a':
			agent = optarg;
			break;
		case 's':
			if (nsettings == TOOL_MAX_SETTINGS) {
				status = cli_usage_error("tool", "at most %d --settings options", TOOL_MAX_SETTINGS);
				goto out;
			}
			settings[nsettings++] = optarg;
			break;
		case 'i':
			from_stdin = true;
			break;
		case 'N':
			opts.no_namespaces = true;
			break;
		case 't': {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !v || v > 86400000ul || optarg[0] == '-') {
				status = cli_usage_error("tool", "--timeout takes milliseconds (1 to 86400000), not '%s'",
							 optarg);
				goto out;
			}
			opts.timeout_ms = (unsigned)v;
			break;
		}
		case 'h':
			usage(stdout);
			status = CLI_EXIT_OK;
			goto out;
		default:
			status = cli_usage_error("tool", "unknown or incomplete option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	if (from_stdin ? optind != argc : optind + 2 != argc) {
		status = cli_usage_error("tool", from_stdin ? "--stdin takes no NAME or JSON"
							    : "expected NAME and 'JSON-INPUT'");
		goto out;
	}
	if (!ws)
		ws = absolute(".");
	if (!ws) {
		fprintf(stderr, "cordon tool: cannot determine the workspace: %s\n", strerror(errno));
		goto out;
	}
	for (i = 0; i < nroots; i++)
		if (!roots[i]) {
			fprintf(stderr, "cordon tool: cannot determine a --read-root: %s\n", strerror(errno));
			goto out;
		}
	if (!agent && !nsettings)
		note_unread_settings(ws);
	if (agent || nsettings) {
		/* The workspace is the project root the policy's rules and
		 * settings files are relative to, as for `cordon -p`. */
		struct policy_load_opts lo = { .cwd = ws, .home = getenv("HOME"), .agent = agent, .headless = true,
					       .sources = POLICY_SOURCES_ALL, .settings = settings,
					       .warn = warn };

		diag_clear(&d);
		rc = policy_load(&p, &lo, &d);
		if (rc < 0) {
			fprintf(stderr, "cordon tool: %s\n", d.msg[0] ? diag_format(&d, m, sizeof(m)) : cordon_strerror(rc));
			goto out;
		}
		have_policy = true;
		opts.policy = &p;
	}
	opts.workspace = ws;
	opts.git_identity = gitrun_identity; /* for git in Bash: the sandbox has no ~/.gitconfig */
	opts.cwd = cwd;
	opts.home = getenv("HOME");
	opts.output_dir = outdir;
	opts.roots = (const char *const *)roots;
	opts.nroots = nroots;
	rc = session_open(&sess, &opts, &d);
	if (rc < 0) {
		fprintf(stderr, "cordon tool: %s\n", d.msg[0] ? diag_format(&d, m, sizeof(m)) : cordon_strerror(rc));
		goto out;
	}
	if (d.msg[0])
		fprintf(stderr, "cordon: warning: %s\n", d.msg);
	if (from_stdin) {
		status = run_stdin(sess);
		goto out;
	}
	input = json_loads(argv[optind + 1], JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (!json_is_object(input)) {
		status = cli_usage_error("tool", "the input is not a JSON object: %s",
					 input ? "expected {...}" : jerr.text);
		goto out;
	}
	res = call_line(sess, argv[optind], input, NULL);
	if (!res) {
		fprintf(stderr, "cordon tool: %s\n", cordon_strerror(-CORDON_ENOMEM));
		goto out;
	}
	print_content(json_object_get(res, "content"));
	status = json_is_true(json_object_get(res, "is_error")) ? CLI_EXIT_FAIL : CLI_EXIT_OK;
out:
	json_decref(input);
	json_decref(res);
	session_close(sess);
	if (have_policy)
		policy_release(&p);
	for (i = 0; i < nroots; i++)
		free(roots[i]);
	free(ws);
	free(cwd);
	free(outdir);
	return status;
}
