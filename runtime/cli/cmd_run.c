/*
 * cmd_run.c — `cordon -p PROMPT` (or `cordon run PROMPT`): run an agent headless.
 *
 * The order of the steps is part of the security argument:
 *   1. flags, the policy (agent file, settings, CLI rules), the transcript;
 *   2. the session and its sandbox: the warden is forked here, while this
 *      process holds no secret; it builds the sandbox while we go on (and
 *      falls back to degraded mode on its own: we fork no other);
 *   3. the provider, which sets the secret latch and reads the API key;
 *      then we wait for the sandbox (its layers go into the system prompt);
 *   4. the loop; then the result, on stdout and in the transcript, and the
 *      exit status that matches it.
 * SIGINT and SIGTERM end the run cleanly (the loop answers the calls in
 * flight, the result is written); a second one ends the process at once,
 * and the warden dies with it (it is bound to us by PDEATHSIG).
 */
#include "runtime/cli/cli.h"
#include "runtime/git/gitrun.h"
#include "runtime/cli/run_git.h"
#include "runtime/loop/events.h"
#include "runtime/loop/loop.h"
#include "runtime/loop/prompt.h"
#include "runtime/loop/transcript.h"
#include "runtime/provider/provider.h"
#include "runtime/session/session.h"
#include "policy/load.h"
#include "policy/policy.h"
#include "common/buf.h"
#include "common/error.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RUN_MAX_PROMPT (16u << 20) /* a prompt on stdin */
#define RUN_MAX_LIST 64            /* repeatable flags */

/* The run's cancel state and its session: what the signal handlers touch. */
static struct loop_cancel run_cancel;
static struct session *volatile run_session;

static void on_signal(int sig)
{
	struct session *s = run_session;

	/* Async-signal-safe only: atomics, write() inside session_cancel(), signal(). */
	if (!atomic_load(&run_cancel.flag))
		run_cancel.signal = sig;
	atomic_store(&run_cancel.flag, true);
	if (s)
		session_cancel(s);
	/* The next one is not asked twice. */
	if (sig != SIGALRM)
		signal(sig, SIG_DFL);
}

static void usage(FILE *f)
{
	fputs("usage: cordon -p [options] PROMPT\n"
	      "       cordon run [options] PROMPT\n"
	      "       ... | cordon -p [options]            (the prompt on standard input)\n"
	      "\n"
	      "Run an agent headless until it is done: the model's tool calls are decided by\n"
	      "the policy (the agent file's tools line, settings, flags) and carried out in\n"
	      "confined children.\n"
	      "\n"
	      "options:\n"
	      "  --agent FILE|NAME           the agent file (default: a general coding agent)\n"
	      "  --output-format FORMAT      text (default), json or stream-json\n"
	      "  --verbose                   accepted for claude -p compatibility\n"
	      "  --include-partial-messages  stream-json: also the raw stream events\n"
	      "  --provider NAME             anthropic (default), openai or replay\n"
	      "  --model MODEL               a model id or alias (sonnet, opus, haiku)\n"
	      "  --replay-script FILE        the replay provider's script (JSONL)\n"
	      "  --max-turns N               stop after N model turns\n"
	      "  --max-budget-usd X          stop once the run has cost X dollars\n"
	      "  --max-tokens N              the longest reply (default 16000)\n"
	      "  --timeout SECONDS           stop the whole run after this long\n"
	      "  --allowedTools RULES        allow rules (repeatable; \"Bash(git:*) Edit\")\n"
	      "  --disallowedTools RULES     deny rules (repeatable)\n"
	      "  --permission-mode MODE      sandbox (headless default), default, acceptEdits,\n"
	      "                              plan, dontAsk, bypassPermissions\n"
	      "  --settings FILE|JSON        a settings file (repeatable)\n"
	      "  --add-dir DIR               another working directory (repeatable)\n"
	      "  --append-system-prompt TEXT added to the system prompt\n"
	      "  --cwd DIR                   the workspace (default: the current directory)\n"
	      "  --run-dir DIR               where the transcript goes (default: the state dir)\n"
	      "  --resume ID                 continue the run with this id\n"
	      "  --fail-on-denial            a denied call fails the run (exit 8)\n"
	      "  --webfetch-raw              WebFetch returns the page as Markdown instead of a\n"
	      "                              second model call's answer (always so with replay)\n"
	      "  --diff FILE                 write what the run changed as a patch (git apply)\n"
	      "  --commit                    commit what the run changed on a branch\n"
	      "  --branch NAME               the branch for --commit (default cordon/RUN_ID)\n"
	      "  --message TEXT              the message for --commit\n"
	      "  --no-snapshot               record nothing in the repository (no checkpoints)\n"
	      "  -h, --help                  show this help\n"
	      "\n"
	      "exit status: 0 success, 1 error, 2 usage, 3 max turns, 4 budget, 5 context too\n"
	      "long, 6 refusal, 7 authentication, 8 denied (--fail-on-denial), 124 timeout,\n"
	      "130/143 interrupted (docs/cli.md)\n",
	      f);
}

struct run_opts {
	const char *agent, *format, *provider, *model, *replay, *append, *cwd, *run_dir, *resume, *mode;
	const char *allowed[RUN_MAX_LIST + 1], *disallowed[RUN_MAX_LIST + 1], *settings[RUN_MAX_LIST + 1];
	const char *add_dirs[RUN_MAX_LIST + 1];
	size_t nallowed, ndisallowed, nsettings, nadd;
	unsigned max_turns, max_tokens, timeout;
	double budget;
	bool partial, fail_on_denial, webfetch_raw;
	struct run_git_opts git;
	char *prompt; /* owned */
};

static int parse_uint(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > UINT_MAX || s[0] == '-')
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int push(const char **list, size_t *n, const char *v)
{
	if (*n == RUN_MAX_LIST)
		return -1;
	list[(*n)++] = v;
	return 0;
}

/* The prompt: the arguments joined by spaces, then standard input when it is not a terminal. */
static int read_prompt(struct run_opts *o, int argc, char **argv, int first)
{
	struct buf b;
	int i, c;

	buf_init(&b, RUN_MAX_PROMPT);
	for (i = first; i < argc; i++)
		if ((i > first && buf_putc(&b, ' ') < 0) || buf_puts(&b, argv[i]) < 0)
			goto toolong;
	if (!isatty(STDIN_FILENO)) {
		bool had = b.len > 0, any = false;

		while ((c = getchar()) != EOF) {
			if (!any && had && buf_putc(&b, '\n') < 0)
				goto toolong;
			any = true;
			if (buf_putc(&b, (char)c) < 0)
				goto toolong;
		}
	}
	o->prompt = buf_detach(&b, NULL);
	return o->prompt ? 0 : -CORDON_ENOMEM;
toolong:
	buf_release(&b);
	return -CORDON_ETOOBIG;
}

/* Parse the command line; CLI_EXIT_* to stop, -1 to go on. */
static int parse(struct run_opts *o, int argc, char **argv)
{
	enum {
		O_AGENT = 256, O_FORMAT, O_VERBOSE, O_PARTIAL, O_PROVIDER, O_MODEL, O_REPLAY, O_MAXTURNS, O_BUDGET,
		O_MAXTOKENS, O_TIMEOUT, O_ALLOWED, O_DISALLOWED, O_MODE, O_SETTINGS, O_ADDDIR, O_APPEND, O_CWD,
		O_RUNDIR, O_RESUME, O_FAILDENY, O_FETCHRAW, O_DIFF, O_COMMIT, O_BRANCH, O_MESSAGE, O_NOSNAP,
	};
	static const struct option longopts[] = {
		{ "print", no_argument, NULL, 'p' },
		{ "agent", required_argument, NULL, O_AGENT },
		{ "output-format", required_argument, NULL, O_FORMAT },
		{ "verbose", no_argument, NULL, O_VERBOSE },
		{ "include-partial-messages", no_argument, NULL, O_PARTIAL },
		{ "provider", required_argument, NULL, O_PROVIDER },
		{ "model", required_argument, NULL, O_MODEL },
		{ "replay-script", required_argument, NULL, O_REPLAY },
		{ "max-turns", required_argument, NULL, O_MAXTURNS },
		{ "max-budget-usd", required_argument, NULL, O_BUDGET },
		{ "max-tokens", required_argument, NULL, O_MAXTOKENS },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "allowedTools", required_argument, NULL, O_ALLOWED },
		{ "allowed-tools", required_argument, NULL, O_ALLOWED },
		{ "disallowedTools", required_argument, NULL, O_DISALLOWED },
		{ "disallowed-tools", required_argument, NULL, O_DISALLOWED },
		{ "permission-mode", required_argument, NULL, O_MODE },
		{ "settings", required_argument, NULL, O_SETTINGS },
		{ "add-dir", required_argument, NULL, O_ADDDIR },
		{ "append-system-prompt", required_argument, NULL, O_APPEND },
		{ "cwd", required_argument, NULL, O_CWD },
		{ "run-dir", required_argument, NULL, O_RUNDIR },
		{ "resume", required_argument, NULL, O_RESUME },
		{ "fail-on-denial", no_argument, NULL, O_FAILDENY },
		{ "webfetch-raw", no_argument, NULL, O_FETCHRAW },
		{ "diff", required_argument, NULL, O_DIFF },
		{ "commit", no_argument, NULL, O_COMMIT },
		{ "branch", required_argument, NULL, O_BRANCH },
		{ "message", required_argument, NULL, O_MESSAGE },
		{ "no-snapshot", no_argument, NULL, O_NOSNAP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c, rc;

	memset(o, 0, sizeof(*o));
	o->format = "text";
	o->budget = -1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "ph", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
		case O_VERBOSE:
			break;
		case O_AGENT: o->agent = optarg; break;
		case O_FORMAT:
			if (events_format_from_name(optarg) < 0)
				return cli_usage_error("run", "unknown output format '%s' (text, json, stream-json)", optarg);
			o->format = optarg;
			break;
		case O_PARTIAL: o->partial = true; break;
		case O_PROVIDER:
			if (provider_kind_from_name(optarg) < 0)
				return cli_usage_error("run", "unknown provider '%s' (anthropic, openai, replay)", optarg);
			o->provider = optarg;
			break;
		case O_MODEL: o->model = optarg; break;
		case O_REPLAY: o->replay = optarg; break;
		case O_MAXTURNS:
			if (parse_uint(optarg, &o->max_turns) < 0 || !o->max_turns)
				return cli_usage_error("run", "--max-turns takes a positive number, not '%s'", optarg);
			break;
		case O_MAXTOKENS:
			if (parse_uint(optarg, &o->max_tokens) < 0 || !o->max_tokens)
				return cli_usage_error("run", "--max-tokens takes a positive number, not '%s'", optarg);
			break;
		case O_TIMEOUT:
			if (parse_uint(optarg, &o->timeout) < 0 || !o->timeout)
				return cli_usage_error("run", "--timeout takes a positive number of seconds, not '%s'", optarg);
			break;
		case O_BUDGET:
			errno = 0;
			o->budget = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(o->budget > 0))
				return cli_usage_error("run", "--max-budget-usd takes a positive amount, not '%s'", optarg);
			break;
		case O_ALLOWED:
			if (push(o->allowed, &o->nallowed, optarg) < 0)
				return cli_usage_error("run", "too many --allowedTools");
			break;
		case O_DISALLOWED:
			if (push(o->disallowed, &o->ndisallowed, optarg) < 0)
				return cli_usage_error("run", "too many --disallowedTools");
			break;
		case O_SETTINGS:
			if (push(o->settings, &o->nsettings, optarg) < 0)
				return cli_usage_error("run", "too many --settings");
			break;
		case O_ADDDIR:
			if (push(o->add_dirs, &o->nadd, optarg) < 0)
				return cli_usage_error("run", "too many --add-dir");
			break;
		case O_MODE: o->mode = optarg; break;
		case O_APPEND: o->append = optarg; break;
		case O_CWD: o->cwd = optarg; break;
		case O_RUNDIR: o->run_dir = optarg; break;
		case O_RESUME:
			if (!run_id_valid(optarg))
				return cli_usage_error("run", "--resume takes a run id (a UUID), not '%s'", optarg);
			o->resume = optarg;
			break;
		case O_FAILDENY: o->fail_on_denial = true; break;
		case O_FETCHRAW: o->webfetch_raw = true; break;
		case O_DIFF: o->git.diff = optarg; break;
		case O_COMMIT: o->git.commit = true; break;
		case O_BRANCH: o->git.branch = optarg; break;
		case O_MESSAGE: o->git.message = optarg; break;
		case O_NOSNAP: o->git.off = true; break;
		case 'h':
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage_error("run", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (o->replay && (!o->provider || strcmp(o->provider, "replay")))
		return cli_usage_error("run", "--replay-script goes with --provider replay");
	if (o->provider && !strcmp(o->provider, "replay") && !o->replay)
		return cli_usage_error("run", "--provider replay needs --replay-script FILE");
	if ((o->git.branch || o->git.message) && !o->git.commit)
		return cli_usage_error("run", "--branch and --message go with --commit");
	if (o->git.off && (o->git.diff || o->git.commit))
		return cli_usage_error("run", "--no-snapshot leaves nothing for --diff or --commit");
	o->git.resume = o->resume != NULL;
	rc = read_prompt(o, argc, argv, optind);
	if (rc < 0)
		return cli_usage_error("run", "the prompt is longer than %u bytes", RUN_MAX_PROMPT);
	if (!o->prompt[0] && !o->resume)
		return cli_usage_error("run", "no prompt: give it as an argument or on standard input");
	return -1;
}

static void warn(const struct cordon_diag *w, void *arg)
{
	char m[1024];

	(void)arg;
	fprintf(stderr, "cordon: warning: %s\n", diag_format(w, m, sizeof(m)));
}

static unsigned long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000ull + (unsigned long long)ts.tv_nsec / 1000000ull;
}

/*
 * A failure before the loop could start: the message on stderr, and a
 * result object in the json formats, so a CI parser always gets one.
 */
static int early_failure(struct events *ev, const char *msg, unsigned long long t0, int code)
{
	json_t *res;

	fprintf(stderr, "cordon: %s\n", msg);
	if (!ev)
		return code;
	res = json_pack("{s:s, s:s, s:b, s:n, s:I, s:i, s:i, s:s, s:n, s:n, s:[], s:s, s:[s], s:i}", "type", "result",
			"subtype", "error_during_execution", "is_error", 1, "api_error_status", "duration_ms",
			(json_int_t)(mono_ms() - t0), "duration_api_ms", 0, "num_turns", 0, "result", msg,
			"stop_reason", "total_cost_usd", "permission_denials", "terminal_reason", "setup_error",
			"errors", msg, "exit_code", code);
	if (res && ev->format != EVENTS_TEXT)
		events_result(ev, res);
	json_decref(res);
	return code;
}

/* The tool names of the definitions, for the init event. */
static json_t *tool_names(const json_t *defs)
{
	json_t *names = json_array(), *d;
	size_t i;

	json_array_foreach(defs, i, d)
		json_array_append(names, json_object_get(d, "name"));
	return names;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o;
	struct policy p;
	bool have_policy = false;
	struct transcript *tr = NULL;
	struct session *sess = NULL;
	struct provider *pv = NULL;
	struct events ev;
	bool have_events = false;
	struct session_opts so = { 0 };
	struct provider_config pc = { 0 };
	struct transcript_opts to = { 0 };
	struct cordon_diag d;
	struct loop_opts lo = { 0 };
	struct loop_result lr = { 0 };
	struct run_git rg;
	bool have_git = false;
	struct sigaction sa;
	char cwd[PATH_MAX], m[1024], msg[1200];
	json_t *system = NULL, *tools = NULL, *messages = NULL, *meta = NULL, *res = NULL;
	struct prompt_git *git = NULL;
	unsigned long long t0 = mono_ms();
	char outdir[PATH_MAX];
	int status, rc;

	status = parse(&o, argc, argv);
	if (status >= 0)
		goto out;
	status = CLI_EXIT_FAIL;
	if (!realpath(o.cwd ? o.cwd : ".", cwd)) {
		fprintf(stderr, "cordon: cannot use the workspace '%s': %s\n", o.cwd ? o.cwd : ".", strerror(errno));
		goto out;
	}
	{
		struct policy_load_opts pl = { .cwd = cwd, .home = getenv("HOME"), .agent = o.agent,
					       .sources = POLICY_SOURCES_ALL, .settings = o.settings, .allowed = o.allowed,
					       .disallowed = o.disallowed, .add_dirs = o.add_dirs, .mode = o.mode,
					       .headless = true, .warn = warn };

		rc = policy_load(&p, &pl, &d);
		if (rc < 0) {
			fprintf(stderr, "cordon: %s\n", d.msg[0] ? diag_format(&d, m, sizeof(m)) : cordon_strerror(rc));
			status = rc == -CORDON_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
			goto out;
		}
		have_policy = true;
	}
	to.run_dir = o.run_dir;
	to.id = o.resume;
	to.resume = o.resume != NULL;
	rc = transcript_open(&tr, &to, &d);
	if (rc < 0) {
		fprintf(stderr, "cordon: %s\n", d.msg[0] ? diag_format(&d, m, sizeof(m)) : cordon_strerror(rc));
		goto out;
	}
	events_init(&ev, (enum events_format)events_format_from_name(o.format), transcript_id(tr), tr);
	ev.partial = o.partial;
	have_events = true;
	if (o.resume) {
		rc = transcript_load(transcript_path(tr), &messages, &meta, &d);
		if (rc < 0) {
			snprintf(msg, sizeof(msg), "cannot resume run %s: %s", o.resume,
				 d.msg[0] ? diag_format(&d, m, sizeof(m)) : cordon_strerror(rc));
			status = early_failure(&ev, msg, t0, CLI_EXIT_FAIL);
			goto out;
		}
	} else {
		messages = json_array();
	}
	if (!messages)
		goto out;
	if (o.prompt[0]) {
		json_t *um = json_pack("{s:s, s:[{s:s, s:s}]}", "role", "user", "content", "type", "text", "text", o.prompt);

		/* A prompt after tool results joins their user message (roles alternate). */
		json_t *last = json_array_get(messages, json_array_size(messages) - 1);

		if (!um)
			goto out;
		if (last && !strcmp(json_string_value(json_object_get(last, "role")) ?: "", "user") &&
		    json_is_array(json_object_get(last, "content"))) {
			json_array_extend(json_object_get(last, "content"), json_object_get(um, "content"));
			json_decref(um);
		} else {
			json_array_append_new(messages, um);
		}
	} else {
		json_t *last = json_array_get(messages, json_array_size(messages) - 1);

		if (!last || strcmp(json_string_value(json_object_get(last, "role")) ?: "", "user")) {
			status = early_failure(&ev, "nothing to continue: the run ended; give a prompt to go on", t0,
					       CLI_EXIT_USAGE);
			goto out;
		}
	}

	/* The sandbox first: the warden is forked while we hold no secret, and have no other thread. */
	run_git_init(&rg, &o.git, cwd);
	have_git = true;
	so.workspace = cwd;
	so.git_identity = gitrun_identity; /* for git in Bash: the sandbox has no ~/.gitconfig */
	so.home = getenv("HOME");
	/* Oversized results and background output stay with the run's transcript, not in /tmp. */
	if (snprintf(outdir, sizeof(outdir), "%s/outputs", transcript_dir(tr)) < (int)sizeof(outdir))
		so.output_dir = outdir;
	so.policy = &p;
	/* The warden builds the sandbox while we go on; session_ready() below waits for it. */
	so.defer_ready = true;
	rc = session_open(&sess, &so, &d);
	if (rc < 0) {
		snprintf(msg, sizeof(msg), "cannot start the sandbox: %s", d.msg[0] ? d.msg : cordon_strerror(rc));
		status = early_failure(&ev, msg, t0, CLI_EXIT_FAIL);
		goto out;
	}
	/* The repository's facts for the system prompt, gathered meanwhile (a thread: after the fork). */
	git = prompt_git_begin(cwd);
	if (meta && session_seed(sess, json_object_get(meta, "read_state"), json_object_get(meta, "todos")) < 0)
		goto out;
	/* The workspace as it is, before any call (runtime/cli/run_git.h). */
	{
		char title[256];

		snprintf(title, sizeof(title), "%.*s", (int)strcspn(o.prompt, "\n"), o.prompt);
		run_git_begin(&rg, transcript_id(tr), title, &ev);
	}
	/* Then the key. */
	pc.kind = o.provider ? (enum provider_kind)provider_kind_from_name(o.provider) : PROVIDER_ANTHROPIC;
	pc.model = o.model ? o.model : p.model;
	pc.replay_script = o.replay;
	{
		/* Tests only (docs/llm.md): shorten retry waits so fault tests run fast. */
		const char *scale = getenv("CORDON_TEST_RETRY_SCALE_PCT");
		unsigned v;

		if (scale && parse_uint(scale, &v) == 0 && v > 0 && v <= 100)
			pc.delay_scale_pct = v;
	}
	rc = provider_open(&pv, &pc, &d);
	if (rc < 0) {
		if (d.msg[0])
			diag_format(&d, msg, sizeof(msg));
		else
			snprintf(msg, sizeof(msg), "%s", cordon_strerror(rc));
		status = early_failure(&ev, msg, t0, rc == -CORDON_EINVAL ? CLI_EXIT_USAGE : CLI_EXIT_FAIL);
		goto out;
	}

	/*
	 * The warden is still building the sandbox: the first request goes out
	 * meanwhile, and the loop waits for it before the first tool call (a
	 * sandbox that cannot start ends the run there; nothing runs without it).
	 */
	{
		struct prompt_opts po = { .agent_prompt = p.agent_prompt, .append = o.append, .cwd = cwd,
					  .git = git, .allowed_domains = (const char *const *)p.allowed_domains.v,
					  .n_allowed_domains = p.allowed_domains.n };

		system = prompt_system(&po);
	}
	tools = session_tool_definitions(&p);
	if (!system || !tools)
		goto out;
	events_emit(&ev, "system",
		    json_pack("{s:s, s:s, s:o, s:[], s:s, s:s, s:[], s:s, s:s, s:s, s:s, s:o, s:[], s:[], s:{s:s, s:s, s:s}}",
			      "subtype", "init", "cwd", cwd, "tools", tool_names(tools), "mcp_servers", "model",
			      provider_model(pv), "permissionMode", perm_mode_name(policy_mode(&p)), "slash_commands",
			      "apiKeySource", provider_key_source(pv), "cordon_version", CORDON_VERSION, "provider",
			      provider_kind_name(pc.kind), "output_style", "default", "agents",
			      p.agent_name ? json_pack("[s]", p.agent_name) : json_array(), "skills", "plugins", "cordon",
			      "run_dir", transcript_dir(tr), "transcript", transcript_path(tr), "agent_path",
			      p.agent_path ? p.agent_path : ""));
	if (o.prompt[0])
		events_user_prompt(&ev, json_array_get(messages, json_array_size(messages) - 1));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	run_session = sess;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGALRM, &sa, NULL);
	if (o.timeout)
		alarm(o.timeout);

	lo.session = sess;
	lo.provider = pv;
	lo.ev = &ev;
	lo.system = system;
	lo.tools = tools;
	lo.messages = messages;
	lo.max_turns = o.max_turns ? o.max_turns : (unsigned)(p.max_turns > 0 ? p.max_turns : 0);
	lo.max_budget_usd = o.budget;
	lo.max_tokens = o.max_tokens;
	lo.fail_on_denial = o.fail_on_denial;
	/* A replay script has no turns for WebFetch's second call: the page itself is the result. */
	lo.webfetch_raw = o.webfetch_raw || pc.kind == PROVIDER_REPLAY;
	lo.cancel = &run_cancel;
	lo.before_calls = run_git_before_calls;
	lo.after_call = run_git_after_call;
	lo.hook_ctx = &rg;
	if (loop_run(&lo, &lr) < 0) {
		status = early_failure(&ev, "out of memory", t0, CLI_EXIT_FAIL);
		goto out;
	}
	alarm(0);
	/* Known by now (the first request did not wait for the sandbox); said before the result. */
	if (session_ready(sess, &d) == 0) {
		if (!(session_layers(sess) & LAYER_BIT(LAYER_USERNS)))
			fprintf(stderr, "cordon: warning: the sandbox is degraded on this machine (no user namespace); "
					"see `cordon doctor`\n");
		if (session_egress_unrouted(sess))
			fprintf(stderr, "cordon: warning: %s\n", SESSION_EGRESS_UNROUTED);
	}
	res = loop_result_json(&lr, mono_ms() - t0);
	status = run_git_finish(&rg, res, loop_exit_code(&lr));
	if (res)
		events_result(&ev, res);
out:
	run_session = NULL;
	json_decref(res);
	loop_result_release(&lr);
	prompt_git_free(git);
	json_decref(system);
	json_decref(tools);
	json_decref(messages);
	json_decref(meta);
	provider_close(pv);
	session_close(sess);
	if (have_git)
		run_git_release(&rg);
	if (have_events)
		events_release(&ev);
	transcript_close(tr);
	if (have_policy)
		policy_release(&p);
	free(o.prompt);
	return status;
}
