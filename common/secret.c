/* secret.c — the secret latch (see secret.h). */
#include "common/secret.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Process-wide by design: "has this process read a secret yet" has one answer. */
static atomic_bool latched;

void secret_latch(void)
{
	atomic_store(&latched, true);
}

bool secret_latched(void)
{
	return atomic_load(&latched);
}

void secret_wipe(void *p, size_t n)
{
	if (p)
		explicit_bzero(p, n);
}

void secret_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}
