/*
 * Fuzz target: ignore-file parsing and matching. The input is an ignore
 * file; each of its lines is then also matched as a path, as a file and as
 * a directory.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/gitignore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gitignore gi;
	const char *s = (const char *)data;
	size_t i = 0, lines = 0;

	gitignore_init(&gi, size && (data[0] & 1) ? GITIGNORE_CASEFOLD : 0);
	if (gitignore_parse(&gi, s, size) < 0)
		abort(); /* only ENOMEM can fail, and the fuzzer is not out of memory */
	if (gi.nrules > GITIGNORE_MAX_RULES || gi.nwhitelist > gi.nrules)
		abort();
	while (i < size && lines++ < 64) {
		const char *nl = memchr(s + i, '\n', size - i);
		size_t n = nl ? (size_t)(nl - s) - i : size - i;
		enum gi_match a = gitignore_match(&gi, s + i, n, false);
		enum gi_match b = gitignore_match(&gi, s + i, n, true);

		if (a > GI_WHITELIST || b > GI_WHITELIST)
			abort();
		i += n + 1;
	}
	gitignore_release(&gi);
	return 0;
}
