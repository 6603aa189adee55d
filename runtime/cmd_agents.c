/* cordon agents — placeholder until its issue lands. */
#include <stdio.h>

#include "runtime/cli.h"

int cmd_agents(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cordon agents: not implemented yet\n");
	return CLI_EXIT_FAIL;
}
