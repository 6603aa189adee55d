/* result.c — tool result objects. */
#include "tools/result.h"
#include "common/buf.h"
#include "common/error.h"
#include "common/utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int result_text(json_t **out, bool is_error, bool wrap, const char *text)
{
	return result_textn(out, is_error, wrap, text, strlen(text));
}

int result_textn(json_t **out, bool is_error, bool wrap, const char *text, size_t n)
{
	struct buf b, clean;
	int rc = 0;

	*out = NULL;
	buf_init(&b, BUF_NOMAX);
	buf_init(&clean, BUF_NOMAX);
	if (is_error && n > RESULT_MAX_ERROR) {
		size_t head = utf8_cut(text, n, 5000), tail = n - 5000;

		while (tail < n && ((unsigned char)text[tail] & 0xc0) == 0x80)
			tail++;
		rc = buf_append(&b, text, head);
		if (rc == 0)
			rc = buf_printf(&b, "\n\n... [%zu characters truncated] ...\n\n", n - head - (n - tail));
		if (rc == 0)
			rc = buf_append(&b, text + tail, n - tail);
		text = b.data;
		n = b.len;
	}
	if (rc == 0 && wrap)
		rc = buf_puts(&clean, "<tool_use_error>");
	if (rc == 0)
		rc = utf8_sanitize(&clean, text, n);
	if (rc == 0 && wrap)
		rc = buf_puts(&clean, "</tool_use_error>");
	if (rc == 0) {
		*out = json_pack("{s:s%, s:b}", "content", clean.data, clean.len, "is_error", is_error);
		if (!*out)
			rc = -CORDON_ENOMEM;
	}
	buf_release(&b);
	buf_release(&clean);
	return rc;
}

int result_printf(json_t **out, bool is_error, bool wrap, const char *fmt, ...)
{
	struct buf b;
	va_list ap;
	int rc;

	buf_init(&b, BUF_NOMAX);
	va_start(ap, fmt);
	rc = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (rc == 0)
		rc = result_text(out, is_error, wrap, b.data);
	buf_release(&b);
	return rc;
}

int result_effect(json_t *res, const char *key, json_t *value)
{
	json_t *eff = json_object_get(res, "effects");

	if (!value)
		return -CORDON_ENOMEM;
	if (!eff) {
		eff = json_object();
		if (!eff || json_object_set_new(res, "effects", eff) < 0) {
			json_decref(value);
			return -CORDON_ENOMEM;
		}
	}
	return json_object_set_new(eff, key, value) < 0 ? -CORDON_ENOMEM : 0;
}
