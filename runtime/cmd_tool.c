/* cordon tool — placeholder until its issue lands. */
#include <stdio.h>

#include "runtime/cli.h"

int cmd_tool(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cordon tool: not implemented yet\n");
	return CLI_EXIT_FAIL;
}
