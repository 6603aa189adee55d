/*
 * Unit tests for policy/catalog: every tool's row is complete and agrees
 * with the rest of cordon, and the schemas offered to the model are stable,
 * well-formed and describe exactly the inputs the child accepts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy/catalog.h"
#include "policy/policy.h"
#include "tools/input.h"
#include "tools/tool.h"

/* Every builtin row runs somewhere and says what the model needs. */
static void rows_are_complete(void **state)
{
	const struct tool_entry *t;
	size_t n, i, nbuiltin = 0;

	(void)state;
	t = catalog_rows(&n);
	for (i = 0; i < n; i++) {
		assert_ptr_equal(catalog_find(t[i].name), &t[i]);
		assert_non_null(t[i].fields);
		if (t[i].path_param) {
			const struct input_field *f;
			bool found = false;

			for (f = t[i].fields; f->name; f++)
				found |= !strcmp(f->name, t[i].path_param) && f->type == INPUT_STRING;
			assert_true(found);
		}
		if (!t[i].builtin) {
			assert_null(tool_runner(t[i].name));
			continue;
		}
		nbuiltin++;
		/* A child tool has its run function; a command or supervisor tool has none in a child. */
		if (t[i].site != SITE_CHILD)
			assert_null(tool_runner(t[i].name));
		else
			assert_non_null(tool_runner(t[i].name));
		/* A companion names a builtin tool it comes with. */
		if (t[i].companion_of)
			assert_true(catalog_find(t[i].companion_of) && catalog_find(t[i].companion_of)->builtin);
		assert_non_null(t[i].description);
		assert_true(strlen(t[i].description) > 40);
	}
	assert_int_equal(nbuiltin, 10);
	/* The tools that have landed run; the others are rows waiting for theirs. */
	assert_non_null(tool_runner("Read"));
	assert_non_null(tool_runner("Write"));
	assert_non_null(tool_runner("Edit"));
	assert_non_null(tool_runner("Glob"));
	assert_non_null(tool_runner("Grep"));
	assert_non_null(tool_runner("TodoWrite"));
	assert_null(catalog_find("read"));
	assert_null(catalog_find(NULL));
}

/* The rule families of Claude Code: Read rules govern the searches, Edit rules the writers. */
static void rule_families(void **state)
{
	(void)state;
	assert_true(catalog_rule_governs("Read", "Grep"));
	assert_true(catalog_rule_governs("Read", "Glob"));
	assert_false(catalog_rule_governs("Grep", "Read"));
	assert_true(catalog_rule_governs("Edit", "Write"));
	assert_true(catalog_rule_governs("Write", "Edit"));
	assert_true(catalog_rule_governs("Edit", "NotebookEdit"));
	assert_false(catalog_rule_governs("NotebookEdit", "Edit"));
	assert_false(catalog_rule_governs("Read", "Edit"));
	assert_false(catalog_rule_governs("Bash", "Read"));
	assert_true(catalog_rule_governs("Bash", "Bash"));
}

/* Schemas: draft-07 objects, closed, with the required list the validator enforces. */
static void schemas_match_the_validator(void **state)
{
	const struct tool_entry *t;
	size_t n, i;

	(void)state;
	t = catalog_rows(&n);
	for (i = 0; i < n; i++) {
		json_t *j, *schema, *props, *req, *v;
		const struct input_field *f;
		char *a, *b;
		size_t nreq = 0;

		if (!t[i].builtin) {
			assert_null(catalog_tool_json(&t[i]));
			continue;
		}
		j = catalog_tool_json(&t[i]);
		assert_non_null(j);
		assert_string_equal(json_string_value(json_object_get(j, "name")), t[i].name);
		schema = json_object_get(j, "input_schema");
		assert_string_equal(json_string_value(json_object_get(schema, "type")), "object");
		assert_true(json_is_false(json_object_get(schema, "additionalProperties")));
		assert_string_equal(json_string_value(json_object_get(schema, "$schema")),
				    "http://json-schema.org/draft-07/schema#");
		props = json_object_get(schema, "properties");
		req = json_object_get(schema, "required");
		for (f = t[i].fields; f->name; f++) {
			v = json_object_get(props, f->name);
			assert_non_null(v);
			assert_non_null(json_object_get(v, "type"));
			if (f->required) {
				assert_string_equal(json_string_value(json_array_get(req, nreq)), f->name);
				nreq++;
			}
		}
		assert_int_equal(json_object_size(props), (size_t)(f - t[i].fields));
		assert_int_equal(json_array_size(req), nreq);
		/* Byte-stable: the same text every time (prompt caching). */
		a = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		j = catalog_tool_json(&t[i]);
		b = json_dumps(j, JSON_COMPACT);
		assert_string_equal(a, b);
		/* Keys in the fixed order: name, description, input_schema. */
		assert_true(strstr(a, "\"name\"") < strstr(a, "\"description\""));
		assert_true(strstr(a, "\"description\"") < strstr(a, "\"input_schema\""));
		free(a);
		free(b);
		json_decref(j);
	}
}

/* The reference's types where they differ from a plain mapping. */
static void schema_details(void **state)
{
	json_t *j, *p;

	(void)state;
	j = catalog_tool_json(catalog_find("Read"));
	p = json_object_get(json_object_get(j, "input_schema"), "properties");
	assert_string_equal(json_string_value(json_object_get(json_object_get(p, "offset"), "type")), "integer");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(p, "limit"), "exclusiveMinimum")), 0);
	json_decref(j);
	j = catalog_tool_json(catalog_find("Edit"));
	p = json_object_get(json_object_get(j, "input_schema"), "properties");
	assert_true(json_is_false(json_object_get(json_object_get(p, "replace_all"), "default")));
	json_decref(j);
	j = catalog_tool_json(catalog_find("Grep"));
	p = json_object_get(json_object_get(j, "input_schema"), "properties");
	assert_string_equal(json_string_value(json_object_get(json_object_get(p, "head_limit"), "type")), "number");
	assert_int_equal(json_array_size(json_object_get(json_object_get(p, "output_mode"), "enum")), 3);
	json_decref(j);
	j = catalog_tool_json(catalog_find("TodoWrite"));
	p = json_object_get(json_object_get(j, "input_schema"), "properties");
	p = json_object_get(json_object_get(p, "todos"), "items");
	assert_string_equal(json_string_value(json_object_get(p, "type")), "object");
	assert_int_equal(json_array_size(json_object_get(p, "required")), 3);
	assert_null(json_object_get(p, "$schema"));
	json_decref(j);
	j = catalog_tool_json(catalog_find("WebFetch"));
	p = json_object_get(json_object_get(j, "input_schema"), "properties");
	assert_string_equal(json_string_value(json_object_get(json_object_get(p, "url"), "format")), "uri");
	json_decref(j);
}

/* The policy and the catalog agree on which tools exist. */
static void policy_offers_the_catalog(void **state)
{
	struct policy p;
	const struct tool_entry *t;
	size_t n, i;

	(void)state;
	policy_init(&p);
	t = catalog_rows(&n);
	for (i = 0; i < n; i++)
		assert_int_equal(policy_tool_enabled(&p, t[i].name), t[i].builtin);
	assert_false(policy_tool_enabled(&p, "Task"));
	policy_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rows_are_complete),
		cmocka_unit_test(rule_families),
		cmocka_unit_test(schemas_match_the_validator),
		cmocka_unit_test(schema_details),
		cmocka_unit_test(policy_offers_the_catalog),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
