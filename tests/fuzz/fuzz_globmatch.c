/*
 * Fuzz target: glob compilation and matching.
 * Input: one flags byte, then the glob, a NUL, then a path to match.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tools/globmatch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool plain(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strchr("*?[{\\", p[i]) && p[i])
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cordon_diag d;
	struct glob *g = NULL;
	const char *pat, *nul, *path;
	size_t plen, pathlen;
	unsigned flags;
	int r;

	if (size < 1)
		return 0;
	flags = data[0] & (GLOB_LITERAL_SEP | GLOB_BACKSLASH_ESCAPE | GLOB_CASEFOLD);
	pat = (const char *)data + 1;
	nul = memchr(pat, '\0', size - 1);
	plen = nul ? (size_t)(nul - pat) : size - 1;
	path = nul ? nul + 1 : pat;
	pathlen = nul ? size - 1 - plen - 1 : plen;
	r = glob_compile(&g, pat, plen, flags, &d);
	if (r < 0) {
		if (g)
			abort(); /* a failure leaves no glob behind */
		return 0;
	}
	(void)glob_match(g, path, pathlen);
	(void)glob_match(g, pat, plen);
	/* A glob without metacharacters matches exactly itself. */
	if (!(flags & GLOB_CASEFOLD) && plain(pat, plen) && !glob_match(g, pat, plen))
		abort();
	glob_free(g);
	return 0;
}
