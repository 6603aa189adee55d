/*
 * Fuzz target: the replay script parser. A script that parses gives whole
 * messages (the fields the loop reads are there and typed); one that does
 * not says where.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/provider/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cordon_diag d;
	json_t *turns, *m, *b;
	size_t i, j;
	int r;

	diag_clear(&d);
	r = replay_parse(&turns, (const char *)data, size, 4096, "m", &d);
	if (r < 0) {
		if (turns || !d.msg[0] || d.line < 1 || (r != -CORDON_EPARSE && r != -CORDON_ETOOBIG))
			abort();
		return 0;
	}
	json_array_foreach (turns, i, m) {
		if (!json_is_array(json_object_get(m, "content")) || !json_is_string(json_object_get(m, "stop_reason")) ||
		    !json_is_object(json_object_get(m, "usage")) || !json_is_string(json_object_get(m, "id")) ||
		    strcmp(json_string_value(json_object_get(m, "role")), "assistant"))
			abort();
		json_array_foreach (json_object_get(m, "content"), j, b) {
			const char *t = json_string_value(json_object_get(b, "type"));

			if (!t)
				abort();
			if (!strcmp(t, "tool_use") &&
			    (!json_is_string(json_object_get(b, "id")) || !json_is_string(json_object_get(b, "name")) ||
			     !json_is_object(json_object_get(b, "input"))))
				abort();
		}
	}
	json_decref(turns);
	return 0;
}
