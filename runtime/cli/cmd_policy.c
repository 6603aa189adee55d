/*
 * cordon policy — show an agent's effective policy, check one tool call.
 *
 *	cordon policy check [options] TOOL 'JSON-INPUT'   exit 0 allow, 1 deny, 2 usage
 *	cordon policy show  [options]
 *
 * Options (as `cordon -p` takes them): --agent FILE|NAME, --settings
 * FILE|JSON (repeatable), --setting-sources user,project,local,
 * --permission-mode MODE, --allowedTools LIST, --disallowedTools LIST,
 * --add-dir DIR, --cwd DIR (default: the current directory), --json.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "common/error.h"
#include "policy/catalog.h"
#include "policy/load.h"
#include "policy/pathmatch.h"
#include "runtime/cli/cli.h"

#define MAX_MULTI 64

struct popts {
	struct policy_load_opts load;
	const char *settings[MAX_MULTI + 1];
	const char *allowed[MAX_MULTI + 1];
	const char *disallowed[MAX_MULTI + 1];
	const char *dirs[MAX_MULTI + 1];
	size_t nsettings, nallowed, ndisallowed, ndirs;
	char cwd[PATHMATCH_MAX + 1];
	bool json;
};

static void usage(FILE *f)
{
	fputs("usage: cordon policy check [options] TOOL 'JSON-INPUT'\n"
	      "       cordon policy show [options]\n"
	      "\n"
	      "check prints the decision (allow, deny or ask) and the reason the model\n"
	      "would see; it exits 0 on allow, 1 otherwise. show prints the effective\n"
	      "policy: enabled tools, rules by kind with their source, mode, sandbox.\n"
	      "\n"
	      "options:\n"
	      "  --agent FILE|NAME          the agent file (a path, or a name to discover)\n"
	      "  --settings FILE|JSON       extra settings (repeatable)\n"
	      "  --setting-sources LIST     which of user,project,local to read (default all)\n"
	      "  --permission-mode MODE     sandbox (headless default), default, acceptEdits, plan,\n"
	      "                             bypassPermissions, dontAsk\n"
	      "  --allowedTools LIST        allow rules, e.g. \"Bash(git diff:*) Edit\"\n"
	      "  --disallowedTools LIST     deny rules; a bare tool name disables the tool\n"
	      "  --add-dir DIR              another working directory\n"
	      "  --cwd DIR                  the project directory (default: current directory)\n"
	      "  --json                     machine-readable output\n",
	      f);
}

static void print_warning(const struct cordon_diag *w, void *arg)
{
	char m[1024];

	(void)arg;
	fprintf(stderr, "cordon policy: warning: %s\n", diag_format(w, m, sizeof(m)));
}

static int push(const char **arr, size_t *n, const char *v)
{
	if (*n >= MAX_MULTI)
		return -1;
	arr[(*n)++] = v;
	arr[*n] = NULL;
	return 0;
}

static int parse_sources(const char *list, unsigned *out)
{
	char buf[128], *tok, *save = NULL;

	if (strlen(list) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", list);
	*out = POLICY_SOURCE_MANAGED;
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (!strcmp(tok, "user"))
			*out |= POLICY_SOURCE_USER;
		else if (!strcmp(tok, "project"))
			*out |= POLICY_SOURCE_PROJECT;
		else if (!strcmp(tok, "local"))
			*out |= POLICY_SOURCE_LOCAL;
		else
			return -1;
	}
	return 0;
}

#define PARSE_GO_ON (-1)

/* Parse the options of `policy check|show`. Returns PARSE_GO_ON with *first
 * the index of the first positional argument, or the exit status to end
 * with: CLI_EXIT_OK once the help is printed, CLI_EXIT_USAGE or
 * CLI_EXIT_FAIL with the error reported. */
static int parse_opts(int argc, char **argv, struct popts *o, const char *sub, int *first)
{
	enum { O_AGENT = 256, O_SETTINGS, O_SOURCES, O_MODE, O_ALLOWED, O_DISALLOWED, O_ADD_DIR, O_CWD, O_JSON,
	       O_HELP };
	static const struct option longopts[] = {
		{ "agent", required_argument, NULL, O_AGENT },
		{ "settings", required_argument, NULL, O_SETTINGS },
		{ "setting-sources", required_argument, NULL, O_SOURCES },
		{ "permission-mode", required_argument, NULL, O_MODE },
		{ "allowedTools", required_argument, NULL, O_ALLOWED },
		{ "allowed-tools", required_argument, NULL, O_ALLOWED },
		{ "disallowedTools", required_argument, NULL, O_DISALLOWED },
		{ "disallowed-tools", required_argument, NULL, O_DISALLOWED },
		{ "add-dir", required_argument, NULL, O_ADD_DIR },
		{ "cwd", required_argument, NULL, O_CWD },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 },
	};
	char here[PATHMATCH_MAX + 1];
	const char *cwd = NULL;
	int c, bad = 0;

	memset(o, 0, sizeof(*o));
	o->load.sources = POLICY_SOURCES_ALL;
	o->load.home = getenv("HOME");
	o->load.headless = true; /* the verdict `cordon -p` would reach */
	o->load.warn = print_warning;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_AGENT:
			o->load.agent = optarg;
			break;
		case O_SETTINGS:
			bad = push(o->settings, &o->nsettings, optarg);
			break;
		case O_SOURCES:
			if (parse_sources(optarg, &o->load.sources) < 0) {
				return cli_usage_error(sub, "bad --setting-sources '%s' (use user,project,local)",
						       optarg);
			}
			break;
		case O_MODE:
			if (perm_mode_parse(optarg) < 0) {
				return cli_usage_error(sub, "unknown permission mode '%s'", optarg);
			}
			o->load.mode = optarg;
			break;
		case O_ALLOWED:
			bad = push(o->allowed, &o->nallowed, optarg);
			break;
		case O_DISALLOWED:
			bad = push(o->disallowed, &o->ndisallowed, optarg);
			break;
		case O_ADD_DIR:
			bad = push(o->dirs, &o->ndirs, optarg);
			break;
		case O_CWD:
			cwd = optarg;
			break;
		case O_JSON:
			o->json = true;
			break;
		case 'h':
		case O_HELP:
			usage(stdout);
			return CLI_EXIT_OK;
		default:
			return cli_usage_error(sub, "unknown option '%s'", argv[optind - 1]);
		}
		if (bad)
			return cli_usage_error(sub, "too many repeated options (at most %d)", MAX_MULTI);
	}
	if (!getcwd(here, sizeof(here))) {
		fprintf(stderr, "cordon %s: cannot get the current directory: %s\n", sub, strerror(errno));
		return CLI_EXIT_FAIL;
	}
	if (path_normalize(o->cwd, sizeof(o->cwd), cwd ? cwd : here, here) < 0)
		return cli_usage_error(sub, "bad --cwd '%s'", cwd ? cwd : here);
	o->load.cwd = o->cwd;
	o->load.settings = o->settings;
	o->load.allowed = o->allowed;
	o->load.disallowed = o->disallowed;
	o->load.add_dirs = o->dirs;
	*first = optind;
	return PARSE_GO_ON;
}

static int load(struct popts *o, struct policy *p, const char *sub)
{
	struct cordon_diag d;
	char m[1024];
	int r;

	r = policy_load(p, &o->load, &d);
	if (r < 0) {
		fprintf(stderr, "cordon %s: %s\n", sub, d.msg[0] ? diag_format(&d, m, sizeof(m)) : cordon_strerror(r));
		return -1;
	}
	return 0;
}

static int do_check(int argc, char **argv)
{
	struct policy_decision dec;
	struct policy_ctx ctx;
	struct popts o;
	struct policy p;
	json_error_t jerr;
	json_t *input;
	int first, r;

	r = parse_opts(argc, argv, &o, "policy check", &first);
	if (r != PARSE_GO_ON)
		return r;
	if (argc - first != 2)
		return cli_usage_error("policy check", "expected TOOL and 'JSON-INPUT'");
	input = json_loads(argv[first + 1], JSON_REJECT_DUPLICATES, &jerr);
	if (!input)
		return cli_usage_error("policy check", "the input is not JSON: %s", jerr.text);
	if (load(&o, &p, "policy check") < 0) {
		json_decref(input);
		return CLI_EXIT_FAIL;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.cwd = o.cwd;
	ctx.project_root = o.cwd;
	ctx.home = o.load.home;
	policy_decide(&p, argv[first], input, &ctx, &dec);
	if (o.json) {
		json_t *out = json_pack("{s:s, s:s, s:s, s:b}", "tool", argv[first], "decision",
					policy_verdict_name(dec.verdict), "reason", dec.reason, "validation_error",
					dec.validation_error);

		if (out && dec.rule) {
			json_object_set_new(out, "rule", json_string(dec.rule->text));
			if (dec.rule->source)
				json_object_set_new(out, "rule_source", json_string(dec.rule->source));
		}
		if (out) {
			char *s = json_dumps(out, JSON_COMPACT);

			if (s)
				puts(s);
			free(s);
			json_decref(out);
		}
	} else {
		printf("%s", policy_verdict_name(dec.verdict));
		if (dec.verdict == POLICY_ALLOW && dec.rule)
			printf(" (%s rule %s from %s)", rule_action_name(dec.rule->action), dec.rule->text,
			       dec.rule->source ? dec.rule->source : "the command line");
		printf("\n");
		if (dec.reason[0])
			printf("%s\n", dec.reason);
	}
	json_decref(input);
	policy_release(&p);
	return dec.verdict == POLICY_ALLOW ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static void print_rules(const struct policy *p, enum rule_action a)
{
	size_t i, n = 0;

	printf("%s rules:\n", rule_action_name(a));
	for (i = 0; i < p->nrules; i++) {
		if (p->rules[i].action != a)
			continue;
		printf("  %-36s %s\n", p->rules[i].text, p->rules[i].source ? p->rules[i].source : "");
		n++;
	}
	if (!n)
		printf("  (none)\n");
}

static void print_list(const char *label, const struct strvec *v, const char *empty)
{
	size_t i;

	printf("%s", label);
	for (i = 0; i < v->n; i++)
		printf("%s%s", i ? ", " : " ", v->v[i]);
	printf("%s\n", v->n ? "" : empty);
}

static void print_limit(const char *name, long long v)
{
	if (v < 0)
		printf(" %s=-", name);
	else
		printf(" %s=%lld", name, v);
}

static int do_show(int argc, char **argv)
{
	const struct tool_entry *t;
	struct popts o;
	struct policy p;
	size_t i, k, nrows;
	int first, n, r;

	r = parse_opts(argc, argv, &o, "policy show", &first);
	if (r != PARSE_GO_ON)
		return r;
	if (argc != first)
		return cli_usage_error("policy show", "unexpected argument '%s'", argv[first]);
	if (load(&o, &p, "policy show") < 0)
		return CLI_EXIT_FAIL;
	if (o.json) {
		json_t *j = policy_to_json(&p);
		char *s = j ? json_dumps(j, JSON_INDENT(2)) : NULL;

		if (s)
			puts(s);
		free(s);
		json_decref(j);
		policy_release(&p);
		return s ? CLI_EXIT_OK : CLI_EXIT_FAIL;
	}
	if (p.agent_name)
		printf("agent: %s (%s)\n", p.agent_name, p.agent_path ? p.agent_path : "?");
	else
		printf("agent: (none)\n");
	printf("model: %s\n", p.model ? p.model : "inherit");
	if (p.max_turns)
		printf("max turns: %d\n", p.max_turns);
	printf("permission mode: %s", perm_mode_name(policy_mode(&p)));
	if (p.mode_origin)
		printf(" (from %s)", p.mode_origin);
	if (p.mode == PERM_BYPASS && p.disable_bypass)
		printf(" [bypassPermissions refused: disableBypassPermissionsMode]");
	printf("\n");
	printf("tools enabled:");
	for (t = catalog_rows(&nrows), k = 0, n = 0; k < nrows; k++)
		if (t[k].builtin && policy_tool_enabled(&p, t[k].name))
			printf("%s%s", n++ ? ", " : " ", t[k].name);
	printf("%s\n", n ? "" : " (none)");
	printf("tools not offered:");
	for (t = catalog_rows(&nrows), k = 0, n = 0; k < nrows; k++)
		if (t[k].builtin && !policy_tool_enabled(&p, t[k].name))
			printf("%s%s", n++ ? ", " : " ", t[k].name);
	printf("%s\n", n ? "" : " (none)");
	if (p.ntool_limits) {
		printf("tool limits (the agent's tools line):\n");
		for (i = 0; i < p.ntool_limits; i++)
			printf("  %s\n", p.tool_limits[i].text);
	}
	print_rules(&p, RULE_DENY);
	print_rules(&p, RULE_ASK);
	print_rules(&p, RULE_ALLOW);
	printf("working directories: %s", o.cwd);
	for (i = 0; i < p.additional_dirs.n; i++)
		printf(", %s", p.additional_dirs.v[i]);
	printf("\n");
	printf("sandbox:\n");
	print_list("  require:", &p.sandbox_require, " (none)");
	if (p.network_set)
		print_list("  network.allowedDomains:", &p.allowed_domains, " (empty: no network)");
	else
		printf("  network.allowedDomains: (not set)\n");
	printf("  limits:");
	print_limit("timeoutSeconds", p.limits.timeout_seconds);
	print_limit("memoryMB", p.limits.memory_mb);
	print_limit("pids", p.limits.pids);
	print_limit("outputBytes", p.limits.output_bytes);
	printf("\n");
	printf("  approvalHook: %s\n", p.approval_hook ? p.approval_hook : "(none: ask means deny)");
	policy_release(&p);
	return CLI_EXIT_OK;
}

static const struct cli_command subcommands[] = {
	{ "check", do_check, "decide one tool call" },
	{ "show", do_show, "print the effective policy" },
};

int cmd_policy(int argc, char **argv)
{
	return cli_dispatch("policy", subcommands, sizeof(subcommands) / sizeof(subcommands[0]), usage, argc,
			    argv);
}
