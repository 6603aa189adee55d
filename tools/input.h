/*
 * input.h — validate a tool's input object the way the reference does.
 *
 * The reference validates with a zod strictObject and reports issues in two
 * forms (docs/tools.md, "Results, errors and oversized output"). We keep a
 * small table per tool and produce the same messages, wrapped in
 * <tool_use_error>. Each tool's table of fields is its row in
 * policy/catalog.h; tool_execute() validates every call with it:
 *
 *	json_t *norm; char *err;
 *	if (input_validate(&norm, &err, "Read", entry->fields, input) < 0) ...
 *
 * Message forms:
 *  - unknown key        An unexpected parameter `K` was provided
 *  - missing required   The required parameter `P` is missing
 *  - wrong JSON type    The parameter `P` type is expected as `T` but provided as `U`
 *    joined under "InputValidationError: TOOL failed due to the following
 *    issue[s]:\n". When there are none of those, the other issues (minimum,
 *    enum, integer) are printed as the reference's JSON issue list.
 *  - lenient coercion: "12" is accepted for an integer, "true"/"false" for
 *    a boolean; the normalised object carries the coerced values.
 * Paths of nested fields are written `todos[1].content`.
 */
#ifndef CORDON_TOOLS_INPUT_H
#define CORDON_TOOLS_INPUT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "policy/catalog.h" /* struct input_field: the tables live in the catalog */

/*
 * Validate `input` against `fields`. On success returns 0 and *out is a new
 * object (deep copy, coerced). On a validation failure returns
 * -CORDON_EINVAL and *out_msg is the malloc'd model-facing message, already
 * wrapped in <tool_use_error>. -CORDON_ENOMEM otherwise.
 */
int input_validate(json_t **out, char **out_msg, const char *tool, const struct input_field *fields,
		   const json_t *input);

/* Borrowed accessors on a validated object (absent = the default). */
const char *input_str(const json_t *obj, const char *key);
long long input_int(const json_t *obj, const char *key, long long dflt);
bool input_bool(const json_t *obj, const char *key, bool dflt);
bool input_has(const json_t *obj, const char *key);

#endif
