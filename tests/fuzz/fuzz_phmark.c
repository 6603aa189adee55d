/*
 * Fuzz target: a placeholder's mark (common/placeholder.h), read back from a
 * user xattr anyone who may write the file can set: refused, or parsed into
 * an owner that prints back to a mark parsing to the same owner.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/placeholder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct placeholder_owner o, back;
	char again[PLACEHOLDER_MARK_MAX + 64];
	int n;

	if (placeholder_parse(&o, (const char *)data, size) < 0)
		return 0;
	if (o.pid <= 0 || strlen(o.boot) != 36)
		abort();
	n = snprintf(again, sizeof(again), "1 %s %llu %ld %llu", o.boot, o.pidns, o.pid, o.start);
	if (n < 0 || placeholder_parse(&back, again, (size_t)n) < 0 || memcmp(&o, &back, sizeof(o)))
		abort();
	return 0;
}
