/*
 * Fuzz target: tool input validation (tools/input.c) on arbitrary JSON.
 * Checks: no crash or leak; success gives an object, failure a message
 * wrapped in <tool_use_error>; a validated object validates again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/error.h"
#include "tools/input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const status[] = { "pending", "in_progress", "completed", NULL };
static const struct input_field item[] = {
	{ .name = "content", .type = INPUT_STRING, .required = true, .has_min = true, .min = 1, .max_len = 64 },
	{ .name = "status", .type = INPUT_STRING, .required = true, .values = status },
	{ .name = NULL },
};
static const struct input_field fields[] = {
	{ .name = "file_path", .type = INPUT_STRING, .required = true },
	{ .name = "offset", .type = INPUT_INT, .has_min = true, .min = 0 },
	{ .name = "limit", .type = INPUT_INT, .has_min = true, .min = 0, .min_exclusive = true },
	{ .name = "replace_all", .type = INPUT_BOOL },
	{ .name = "todos", .type = INPUT_ARRAY, .items = item, .max_items = 8 },
	{ .name = NULL },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *in, *norm = NULL, *again = NULL;
	char *msg = NULL;
	int rc;

	in = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (!in)
		return 0;
	rc = input_validate(&norm, &msg, "Fuzz", fields, in);
	if (rc == 0) {
		if (!json_is_object(norm) || msg)
			abort();
		free(msg);
		msg = NULL;
		if (input_validate(&again, &msg, "Fuzz", fields, norm) != 0)
			abort();
	} else if (rc == -CORDON_EINVAL) {
		if (!msg || strncmp(msg, "<tool_use_error>InputValidationError: ", 38) || norm)
			abort();
	} else if (rc != -CORDON_ENOMEM) {
		abort();
	}
	json_decref(in);
	json_decref(norm);
	json_decref(again);
	free(msg);
	return 0;
}
