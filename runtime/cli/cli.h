/*
 * cli.h — cordon's command line: the subcommand table and dispatch.
 *
 *	cordon -p PROMPT [options]     run an agent headless (same as `cordon run`)
 *	cordon COMMAND [options]       sandbox, tool, doctor, agents, policy, ...
 *
 * Each subcommand lives in runtime/cli/cmd_NAME.c as
 *	int cmd_NAME(int argc, char **argv);
 * where argv[0] is the subcommand's name and the return value is the exit
 * status. Exit statuses: 0 success, 1 the command ran and failed (or a policy
 * said no), 2 usage error (unknown flag or subcommand; one line on stderr).
 *
 * cli_main() is main() minus the process setup, so tests can drive it.
 */
#ifndef CORDON_RUNTIME_CLI_H
#define CORDON_RUNTIME_CLI_H

#include <stdio.h>

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1
#define CLI_EXIT_USAGE 2

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

/* The subcommand named `name`, or NULL. */
const struct cli_command *cli_find(const char *name);

/* Print the top-level help to f. */
void cli_usage(FILE *f);

/* Parse and run; returns the exit status. */
int cli_main(int argc, char **argv);

/*
 * Report a usage error in the one-line form
 *	cordon SUB: MESSAGE (try 'cordon SUB --help')
 * and return CLI_EXIT_USAGE.
 */
int cli_usage_error(const char *sub, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Run the sub-subcommand argv[1] of `cmd` (e.g. `cordon policy check`) from
 * a table of n entries: argv[1] names the entry, which gets argc - 1 and
 * argv + 1. No argv[1] prints usage to stderr (exit 2); -h/--help prints it
 * to stdout (exit 0); an unknown name is a one-line usage error (exit 2).
 */
int cli_dispatch(const char *cmd, const struct cli_command *subs, size_t n, void (*usage)(FILE *f),
		 int argc, char **argv);

/* The subcommands (runtime/cli/cmd_*.c). */
int cmd_run(int argc, char **argv);
int cmd_sandbox(int argc, char **argv);
int cmd_tool(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_agents(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_runs(int argc, char **argv);
int cmd_rewind(int argc, char **argv);

#endif
