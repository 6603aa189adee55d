/* cordon policy — placeholder until its issue lands. */
#include <stdio.h>

#include "runtime/cli.h"

int cmd_policy(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cordon policy: not implemented yet\n");
	return CLI_EXIT_FAIL;
}
