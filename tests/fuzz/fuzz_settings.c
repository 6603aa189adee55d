/* Fuzz target: settings documents merge or fail cleanly, never half-merged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct settings_origin o = { "fuzz.json", SETTINGS_PROJECT, "/p", "/home/u" };
	static const char base[] = "{\"permissions\":{\"deny\":[\"Read(./.env)\"]}}";
	struct settings s;
	struct cordon_diag d;
	size_t i;
	int r;

	settings_init(&s);
	if (settings_parse(&s, base, strlen(base), &o, &d) < 0)
		abort();
	r = settings_parse(&s, (const char *)data, size, &o, &d);
	if (r < 0 && (s.nrules != 1 || s.files.n != 1 || !d.msg[0]))
		abort(); /* a failed document must leave the merged state alone */
	for (i = 0; i < s.nrules; i++)
		if (!s.rules[i].text || !s.rules[i].tool)
			abort();
	for (i = 0; i < s.additional_dirs.n; i++)
		if (s.additional_dirs.v[i][0] != '/')
			abort();
	settings_release(&s);
	return 0;
}
