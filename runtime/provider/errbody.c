/* errbody.c — reading an API's error object, either format (see internal.h). */
#include "runtime/provider/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void pv_one_line(char *dst, size_t size, const char *src)
{
	size_t i;

	if (!size)
		return;
	if (dst != src)
		snprintf(dst, size, "%s", src ? src : "");
	for (i = 0; dst[i]; i++)
		if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
			dst[i] = ' ';
}

void pv_msg(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	if (!size)
		return;
	va_start(ap, fmt);
	vsnprintf(dst, size, fmt, ap);
	va_end(ap);
	for (i = 0; dst[i]; i++)
		if ((unsigned char)dst[i] < 0x20 || dst[i] == 0x7f)
			dst[i] = ' ';
}

static void copy_str(char *dst, size_t size, const json_t *v)
{
	if (json_is_string(v))
		pv_one_line(dst, size, json_string_value(v));
	else if (json_is_integer(v))
		snprintf(dst, size, "%lld", (long long)json_integer_value(v));
}

/*
 * Context overflow is the one case decided on words: the APIs give it no
 * code of its own (Anthropic's 400 says "prompt is too long"; vLLM's says
 * "maximum context length"; llama.cpp has a type, OpenAI a code).
 */
static bool is_overflow(const struct pv_error_info *e)
{
	return strstr(e->message, "prompt is too long") || strstr(e->message, "maximum context length") ||
	       strstr(e->message, "exceeds the available context size") ||
	       !strcmp(e->code, "context_length_exceeded") || !strcmp(e->type, "exceed_context_size_error") ||
	       !strcmp(e->code, "model_context_window_exceeded");
}

bool pv_error_from_json(struct pv_error_info *out, const json_t *root)
{
	const json_t *e;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(root))
		return false;
	e = json_object_get(root, "error");
	if (!e)
		return false;
	copy_str(out->request_id, sizeof(out->request_id), json_object_get(root, "request_id"));
	if (json_is_string(e)) {
		copy_str(out->message, sizeof(out->message), e);
	} else if (json_is_object(e)) {
		const json_t *details = json_object_get(e, "details");

		copy_str(out->type, sizeof(out->type), json_object_get(e, "type"));
		copy_str(out->message, sizeof(out->message), json_object_get(e, "message"));
		if (json_is_object(details))
			copy_str(out->code, sizeof(out->code), json_object_get(details, "error_code"));
		if (!out->code[0])
			copy_str(out->code, sizeof(out->code), json_object_get(e, "code"));
	}
	out->context_overflow = is_overflow(out);
	return true;
}

bool pv_error_parse(struct pv_error_info *out, const char *body, size_t len)
{
	json_t *root;
	bool r;

	memset(out, 0, sizeof(*out));
	if (!len)
		return false;
	root = json_loadb(body, len, 0, NULL);
	if (!root)
		return false;
	r = pv_error_from_json(out, root);
	json_decref(root);
	return r;
}
