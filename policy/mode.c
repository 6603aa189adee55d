#include "policy/mode.h"

#include <string.h>

static const char *const names[] = {
	[PERM_DEFAULT] = "default",
	[PERM_ACCEPT_EDITS] = "acceptEdits",
	[PERM_PLAN] = "plan",
	[PERM_BYPASS] = "bypassPermissions",
	[PERM_DONT_ASK] = "dontAsk",
	[PERM_AUTO] = "auto",
	[PERM_SANDBOX] = "sandbox",
};

int perm_mode_parse(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -1;
}

const char *perm_mode_name(enum perm_mode m)
{
	if ((unsigned)m < sizeof(names) / sizeof(names[0]))
		return names[m];
	return "?";
}
