/* input.c — zod-like input validation with the reference's messages. */
#include "tools/input.h"
#include "common/buf.h"
#include "common/error.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INPUT_MAX_MSG (64u << 10)

struct issues {
	struct buf lines;  /* formattable issues, one per line */
	size_t nlines;
	json_t *list;      /* the other issues, zod-shaped */
	int err;
};

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	case JSON_ARRAY:
		return "array";
	case JSON_OBJECT:
		return "object";
	default:
		return "null";
	}
}

static const char *type_name(enum input_type t)
{
	switch (t) {
	case INPUT_STRING:
		return "string";
	case INPUT_INT:
		return "number";
	case INPUT_BOOL:
		return "boolean";
	default:
		return "array";
	}
}

static void add_line(struct issues *is, const char *line)
{
	if (is->nlines && buf_putc(&is->lines, '\n') < 0)
		is->err = -CORDON_ENOMEM;
	if (buf_puts(&is->lines, line) < 0)
		is->err = -CORDON_ENOMEM;
	is->nlines++;
}

static void add_type(struct issues *is, const char *path, const char *want, const char *got)
{
	char line[700];

	snprintf(line, sizeof(line), "The parameter `%s` type is expected as `%s` but provided as `%s`", path,
		 want, got);
	add_line(is, line);
}

/* Append one zod-shaped issue; `path` is a JSON array (stolen). */
static void add_json(struct issues *is, json_t *issue, json_t *path, const char *message)
{
	if (!issue || !path || json_object_set_new(issue, "path", path) < 0 ||
	    json_object_set_new(issue, "message", json_string(message)) < 0 ||
	    json_array_append_new(is->list, issue) < 0)
		is->err = -CORDON_ENOMEM;
}

/* "todos[1].content" from a JSON path array. */
static void path_str(char *out, size_t size, const json_t *path)
{
	size_t i, n = 0;
	json_t *v;

	out[0] = 0;
	json_array_foreach(path, i, v) {
		int w;

		if (json_is_integer(v))
			w = snprintf(out + n, size - n, "[%lld]", (long long)json_integer_value(v));
		else
			w = snprintf(out + n, size - n, "%s%s", n ? "." : "", json_string_value(v));
		if (w < 0 || (size_t)w >= size - n)
			return;
		n += (size_t)w;
	}
}

static json_t *path_with(const json_t *base, json_t *leaf)
{
	json_t *p = json_deep_copy(base);

	if (!p || json_array_append_new(p, leaf) < 0) {
		json_decref(p);
		return NULL;
	}
	return p;
}

static bool numeric_string(const char *s)
{
	const char *p = s;

	if (*p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	return !*p && strlen(s) < 32;
}

static void check_object(struct issues *is, json_t *obj, const struct input_field *fields,
			 const json_t *path);

/* Check one present value (may be replaced in obj by its coerced form). */
static void check_value(struct issues *is, json_t *obj, const struct input_field *f, json_t *v,
			const json_t *path)
{
	char ps[512], msg[256];
	json_t *p;

	path_str(ps, sizeof(ps), path);
	/* Lenient coercion, as the reference's semantic number/boolean. */
	if (f->type == INPUT_INT && json_is_string(v) && numeric_string(json_string_value(v))) {
		const char *s = json_string_value(v);
		json_t *nv = strchr(s, '.') ? json_real(strtod(s, NULL)) : json_integer(strtoll(s, NULL, 10));

		if (!nv || json_object_set_new(obj, f->name, nv) < 0) {
			is->err = -CORDON_ENOMEM;
			return;
		}
		v = nv;
	}
	if (f->type == INPUT_BOOL && json_is_string(v) &&
	    (!strcmp(json_string_value(v), "true") || !strcmp(json_string_value(v), "false"))) {
		json_t *nv = json_boolean(!strcmp(json_string_value(v), "true"));

		if (json_object_set_new(obj, f->name, nv) < 0) {
			is->err = -CORDON_ENOMEM;
			return;
		}
		v = nv;
	}
	switch (f->type) {
	case INPUT_STRING:
		if (!json_is_string(v))
			goto wrong_type;
		if (f->values) {
			const char *const *e;
			struct buf b;
			json_t *vals = json_array();

			buf_init(&b, 1024);
			for (e = f->values; *e; e++) {
				json_array_append_new(vals, json_string(*e));
				buf_printf(&b, "%s\"%s\"", e == f->values ? "" : "|", *e);
			}
			for (e = f->values; *e; e++)
				if (!strcmp(*e, json_string_value(v)))
					break;
			if (!*e) {
				json_t *issue = json_object();

				snprintf(msg, sizeof(msg), "Invalid option: expected one of %s", b.data);
				if (issue) {
					json_object_set_new(issue, "code", json_string("invalid_value"));
					json_object_set(issue, "values", vals);
				}
				add_json(is, issue, json_deep_copy(path), msg);
			}
			json_decref(vals);
			buf_release(&b);
		}
		if (f->no_nul && memchr(json_string_value(v), 0, json_string_length(v))) {
			/* A C path would silently end at the NUL: refuse instead. */
			add_json(is, json_pack("{s:s}", "code", "custom"), json_deep_copy(path),
				 "Invalid input: this parameter must not contain NUL characters (\\u0000): no file path, "
				 "command or search pattern can hold one");
		}
		if (f->has_min && (long long)json_string_length(v) < f->min) {
			json_t *issue = json_pack("{s:s, s:s, s:I, s:b}", "origin", "string", "code", "too_small",
						  "minimum", (json_int_t)f->min, "inclusive", 1);

			snprintf(msg, sizeof(msg), "Too small: expected string to have >=%lld characters", f->min);
			add_json(is, issue, json_deep_copy(path), msg);
		}
		if (f->max_len && json_string_length(v) > f->max_len) {
			json_t *issue = json_pack("{s:s, s:s, s:I, s:b}", "origin", "string", "code", "too_big",
						  "maximum", (json_int_t)f->max_len, "inclusive", 1);

			snprintf(msg, sizeof(msg), "Too big: expected string to have <=%zu characters", f->max_len);
			add_json(is, issue, json_deep_copy(path), msg);
		}
		return;
	case INPUT_INT: {
		double d;

		if (!json_is_number(v))
			goto wrong_type;
		d = json_number_value(v);
		if (json_is_real(v) && (d != floor(d) || fabs(d) > 9007199254740991.0)) {
			add_type(is, ps, "int",
				 "number");
			return;
		}
		if (json_is_real(v)) {
			json_t *nv = json_integer((json_int_t)d);

			if (!nv || json_object_set_new(obj, f->name, nv) < 0) {
				is->err = -CORDON_ENOMEM;
				return;
			}
			v = nv;
		}
		if (f->has_min && (json_integer_value(v) < f->min ||
				   (f->min_exclusive && json_integer_value(v) == f->min))) {
			json_t *issue = json_pack("{s:s, s:s, s:I, s:b}", "origin", "number", "code", "too_small",
						  "minimum", (json_int_t)f->min, "inclusive", !f->min_exclusive);

			snprintf(msg, sizeof(msg), "Too small: expected number to be %s%lld",
				 f->min_exclusive ? ">" : ">=", f->min);
			add_json(is, issue, json_deep_copy(path), msg);
		}
		return;
	}
	case INPUT_BOOL:
		if (!json_is_boolean(v))
			goto wrong_type;
		return;
	case INPUT_ARRAY: {
		size_t i;
		json_t *el;

		if (!json_is_array(v))
			goto wrong_type;
		if (f->max_items && json_array_size(v) > f->max_items) {
			json_t *issue = json_pack("{s:s, s:s, s:I, s:b}", "origin", "array", "code", "too_big",
						  "maximum", (json_int_t)f->max_items, "inclusive", 1);

			snprintf(msg, sizeof(msg), "Too big: expected array to have <=%zu items", f->max_items);
			add_json(is, issue, json_deep_copy(path), msg);
			return;
		}
		json_array_foreach(v, i, el) {
			p = path_with(path, json_integer((json_int_t)i));
			if (!p) {
				is->err = -CORDON_ENOMEM;
				return;
			}
			if (!json_is_object(el)) {
				path_str(ps, sizeof(ps), p);
				add_type(is, ps,
					 "object", json_kind(el));
			} else {
				check_object(is, el, f->items, p);
			}
			json_decref(p);
		}
		return;
	}
	}
	return;
wrong_type:
	add_type(is, ps, type_name(f->type),
		 json_kind(v));
}

static void check_object(struct issues *is, json_t *obj, const struct input_field *fields,
			 const json_t *path)
{
	const struct input_field *f;
	const char *key;
	json_t *v, *p;
	char ps[512];

	for (f = fields; f->name; f++) {
		p = path_with(path, json_string(f->name));
		if (!p) {
			is->err = -CORDON_ENOMEM;
			return;
		}
		v = json_object_get(obj, f->name);
		if (!v) {
			if (f->required) {
				path_str(ps, sizeof(ps), p);
				{
					char line[600];

					snprintf(line, sizeof(line), "The required parameter `%s` is missing", ps);
					add_line(is, line);
				}
			}
		} else {
			check_value(is, obj, f, v, p);
		}
		json_decref(p);
	}
	json_object_foreach(obj, key, v) {
		for (f = fields; f->name; f++)
			if (!strcmp(f->name, key))
				break;
		if (!f->name) {
			p = path_with(path, json_string(key));
			if (!p) {
				is->err = -CORDON_ENOMEM;
				return;
			}
			path_str(ps, sizeof(ps), p);
			{
				char line[600];

				snprintf(line, sizeof(line), "An unexpected parameter `%s` was provided", ps);
				add_line(is, line);
			}
			json_decref(p);
		}
	}
}

int input_validate(json_t **out, char **out_msg, const char *tool, const struct input_field *fields,
		   const json_t *input)
{
	struct issues is = { .err = 0 };
	json_t *obj = NULL, *root = NULL;
	struct buf msg;
	int rc;

	*out = NULL;
	*out_msg = NULL;
	buf_init(&is.lines, INPUT_MAX_MSG);
	buf_init(&msg, INPUT_MAX_MSG + 4096);
	is.list = json_array();
	root = json_array();
	if (!is.list || !root) {
		rc = -CORDON_ENOMEM;
		goto out;
	}
	if (!json_is_object(input)) {
		add_type(&is, "input", "object",
			 input ? json_kind(input) : "undefined");
	} else {
		obj = json_deep_copy(input);
		if (!obj) {
			rc = -CORDON_ENOMEM;
			goto out;
		}
		check_object(&is, obj, fields, root);
	}
	if (is.err) {
		rc = is.err;
		goto out;
	}
	if (!is.nlines && !json_array_size(is.list)) {
		*out = obj;
		obj = NULL;
		rc = 0;
		goto out;
	}
	if (is.nlines) {
		buf_printf(&msg, "<tool_use_error>InputValidationError: %s failed due to the following issue%s:\n%s"
				 "</tool_use_error>",
			   tool, is.nlines > 1 ? "s" : "", is.lines.data);
	} else {
		char *dump = json_dumps(is.list, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

		if (!dump) {
			rc = -CORDON_ENOMEM;
			goto out;
		}
		buf_printf(&msg, "<tool_use_error>InputValidationError: %s</tool_use_error>", dump);
		free(dump);
	}
	*out_msg = buf_detach(&msg, NULL);
	rc = *out_msg ? -CORDON_EINVAL : -CORDON_ENOMEM;
out:
	json_decref(obj);
	json_decref(root);
	json_decref(is.list);
	buf_release(&is.lines);
	buf_release(&msg);
	return rc;
}

const char *input_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

long long input_int(const json_t *obj, const char *key, long long dflt)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

bool input_bool(const json_t *obj, const char *key, bool dflt)
{
	json_t *v = json_object_get(obj, key);

	return json_is_boolean(v) ? json_is_true(v) : dflt;
}

bool input_has(const json_t *obj, const char *key)
{
	return json_object_get(obj, key) != NULL;
}
