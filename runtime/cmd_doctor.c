/* cordon doctor — placeholder until its issue lands. */
#include <stdio.h>

#include "runtime/cli.h"

int cmd_doctor(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "cordon doctor: not implemented yet\n");
	return CLI_EXIT_FAIL;
}
