#include "runtime/cli/cli.h"

#include <stdarg.h>
#include <string.h>

static const struct cli_command commands[] = {
	{ "run", cmd_run, "run an agent headless (the same as -p PROMPT)" },
	{ "sandbox", cmd_sandbox, "run a command inside the sandbox" },
	{ "tool", cmd_tool, "run one tool call (or a JSONL stream of them) confined" },
	{ "doctor", cmd_doctor, "report which sandbox layers this machine provides" },
	{ "agents", cmd_agents, "list and validate agent files" },
	{ "policy", cmd_policy, "show an agent's effective policy, check a tool call" },
	{ "runs", cmd_runs, "list the runs recorded in this repository, newest first" },
	{ "rewind", cmd_rewind, "put the working tree back to a run's checkpoint" },
};

const struct cli_command *cli_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

void cli_usage(FILE *f)
{
	size_t i;

	fputs("usage: cordon -p PROMPT [--agent FILE|NAME] [--output-format text|json|stream-json] ...\n"
	      "       cordon COMMAND [options]\n"
	      "\n"
	      "cordon runs a coding agent headless and carries out its tools in confined\n"
	      "child processes, with the agent file's `tools` list as the policy.\n"
	      "\n"
	      "commands:\n",
	      f);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fputs("\n"
	      "options:\n"
	      "  -h, --help     show this help (COMMAND --help for a command's own)\n"
	      "  --version      print the version\n",
	      f);
}

int cli_usage_error(const char *sub, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "cordon%s%s: ", sub ? " " : "", sub ? sub : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try 'cordon%s%s --help')\n", sub ? " " : "", sub ? sub : "");
	return CLI_EXIT_USAGE;
}

int cli_dispatch(const char *cmd, const struct cli_command *subs, size_t n, void (*usage)(FILE *f),
		 int argc, char **argv)
{
	char names[256] = "";
	size_t i, len = 0;

	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	for (i = 0; i < n; i++) {
		if (!strcmp(subs[i].name, argv[1]))
			return subs[i].run(argc - 1, argv + 1);
		if (len < sizeof(names))
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", i ? ", " : "",
						subs[i].name);
	}
	return cli_usage_error(cmd, "unknown subcommand '%s' (%s)", argv[1], names);
}

int cli_main(int argc, char **argv)
{
	const struct cli_command *cmd;
	const char *a;

	if (argc < 2) {
		cli_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	a = argv[1];
	if (!strcmp(a, "-h") || !strcmp(a, "--help") || !strcmp(a, "help")) {
		cli_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
		printf("cordon %s\n", CORDON_VERSION);
		return CLI_EXIT_OK;
	}
	/* Options before any subcommand belong to `run` (claude -p style). */
	if (a[0] == '-')
		return cmd_run(argc, argv);
	cmd = cli_find(a);
	if (!cmd)
		return cli_usage_error(NULL, "unknown command '%s'", a);
	return cmd->run(argc - 1, argv + 1);
}
