#include "policy/profile.h"

#include <string.h>

static const char *const names[PROFILE__COUNT] = {
	[PROFILE_READONLY] = "readonly", [PROFILE_WRITE] = "write", [PROFILE_BASH] = "bash",
	[PROFILE_FETCH] = "fetch",       [PROFILE_COMPUTE] = "compute",
};

const char *profile_name(enum sandbox_profile p)
{
	return (unsigned)p < PROFILE__COUNT ? names[p] : "unknown";
}

int profile_from_name(const char *name)
{
	int i;

	for (i = 0; i < PROFILE__COUNT; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}
