/*
 * input.h — validate a tool's input object the way the reference does.
 *
 * The reference validates with a zod strictObject and reports issues in two
 * forms (spec/tools.md §1.2). We keep a small table per tool and produce the
 * same messages, wrapped in <tool_use_error>:
 *
 *	static const struct input_field read_fields[] = {
 *		{ "file_path", INPUT_STRING, .required = true },
 *		{ "offset", INPUT_INT, .min = 0, .has_min = true },
 *		{ "limit", INPUT_INT, .min = 0, .has_min = true, .min_exclusive = true },
 *		{ 0 }
 *	};
 *	json_t *norm; char *err;
 *	if (input_validate(&norm, &err, "Read", read_fields, input) < 0) ...
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

enum input_type {
	INPUT_STRING,
	INPUT_INT,    /* a JSON integer (a number with no fraction) */
	INPUT_BOOL,
	INPUT_ARRAY,  /* of objects described by .items */
};

struct input_field {
	const char *name; /* NULL ends a table */
	enum input_type type;
	bool required;
	bool has_min;
	bool min_exclusive;
	long long min;                      /* INPUT_INT value, INPUT_STRING length */
	const char *const *values;          /* INPUT_STRING enum, NULL-terminated */
	const struct input_field *items;    /* INPUT_ARRAY element fields */
	size_t max_items;                   /* INPUT_ARRAY cap; 0 = none */
	size_t max_len;                     /* INPUT_STRING byte cap; 0 = none */
	bool no_nul;                        /* INPUT_STRING: refuse embedded NULs (paths) */
};

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
