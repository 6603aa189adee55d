/* cordon run — placeholder until its issue lands. */
#include <stdio.h>

#include "runtime/cli/cli.h"

int cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cordon run: not implemented yet\n");
	return CLI_EXIT_FAIL;
}
