/* cordon's entry point: process-wide setup, then the CLI (runtime/cli/cli.c). */
#include <stdio.h>
#include <sys/prctl.h>

#include "runtime/cli/cli.h"

int main(int argc, char **argv)
{
	/*
	 * Safe because: nothing of ours needs core dumps or ptrace by our own
	 * uid, and a non-dumpable supervisor keeps /proc/PID/{mem,environ}
	 * closed to anything that runs as us (the API key lives here).
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		perror("cordon: prctl(PR_SET_DUMPABLE)");
		return 1;
	}
	return cli_main(argc, argv);
}
