/*
 * Fuzz target: the git index flag reader (runtime/sandbox/gitindex.h), a
 * parser of bytes a command in the sandbox may write. It must refuse or
 * parse without reading past the buffer, and hand out only paths that are
 * NUL-terminated strings with the two known bits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/sandbox/gitindex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(void *ctx, const char *path, unsigned bits)
{
	(void)ctx;
	if (!bits || (bits & ~(GITINDEX_ASSUME_UNCHANGED | GITINDEX_SKIP_WORKTREE)) || strlen(path) >= 4096)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes: any read past it is an ASan error. */
	uint8_t *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	gitindex_flags(copy, size, check, NULL);
	free(copy);
	return 0;
}
