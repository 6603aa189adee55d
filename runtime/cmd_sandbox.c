/* cordon sandbox — placeholder until its issue lands. */
#include <stdio.h>

#include "runtime/cli.h"

int cmd_sandbox(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cordon sandbox: not implemented yet\n");
	return CLI_EXIT_FAIL;
}
