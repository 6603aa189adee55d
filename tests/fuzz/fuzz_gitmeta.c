/*
 * Fuzz target: what runtime/git reads back from a repository, which anyone
 * who can write refs could have shaped: the JSON line of a commit message
 * (meta_of_message: an object or nothing), and the paths of a snapshot
 * tree, which cordon rewind refuses unless snap_path_ok() says they stay
 * beneath the working tree and out of .git.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runtime/git/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	json_t *m;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	m = meta_of_message(s);
	if (m && !json_is_object(m))
		abort();
	json_decref(m);
	if (snap_path_ok(s)) {
		/* Accepted: relative, no empty, ".", ".." or .git component. */
		char *copy = strdup(s), *save = NULL, *c;

		if (!copy)
			abort();
		if (s[0] == '/' || strstr(s, "//") || s[strlen(s) - 1] == '/')
			abort();
		for (c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
			if (!strcmp(c, ".") || !strcmp(c, "..") || !strcasecmp(c, ".git") || snap_dotgit_name(c))
				abort();
		free(copy);
	}
	free(s);
	return 0;
}
