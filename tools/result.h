/*
 * result.h — building tool result objects (tools/tool.h's result shape).
 *
 * Three kinds of failure text, as the reference sends them (docs/tools.md,
 * "Results, errors and oversized output"):
 * validation errors wrapped in <tool_use_error>, runtime errors bare, and
 * success text. Results longer than RESULT_MAX_ERROR for errors are cut to
 * first 5000 + "... [N characters truncated] ..." + last 5000.
 */
#ifndef CORDON_TOOLS_RESULT_H
#define CORDON_TOOLS_RESULT_H

#include <stdbool.h>

#include <jansson.h>

#define RESULT_MAX_ERROR 10000

/*
 * A result with printf-formatted text. wrap puts it in <tool_use_error>.
 * Returns 0 with *out set, or -CORDON_ENOMEM.
 */
int result_printf(json_t **out, bool is_error, bool wrap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A result with the text taken as is (wrapped when asked). */
int result_text(json_t **out, bool is_error, bool wrap, const char *text);

/*
 * The same for n bytes of text that may hold NULs (file contents, the
 * model's strings): every byte is kept, invalid UTF-8 becomes U+FFFD.
 */
int result_textn(json_t **out, bool is_error, bool wrap, const char *text, size_t n);

/* Add effects.KEY = value (stolen) to a result. -CORDON_ENOMEM. */
int result_effect(json_t *res, const char *key, json_t *value);

/* Tool entry points (registered in tools/registry.c). */
struct tool_call;
int tool_read_run(struct tool_call *call, json_t **out);
int tool_write_run(struct tool_call *call, json_t **out);
int tool_edit_run(struct tool_call *call, json_t **out);
int tool_todowrite_run(struct tool_call *call, json_t **out);

#endif
