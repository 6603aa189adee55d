#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const err_names[CORDON_E_MAX] = {
	[CORDON_OK] = "success",
	[CORDON_ESYS] = "system error",
	[CORDON_ENOMEM] = "out of memory",
	[CORDON_EINVAL] = "invalid argument",
	[CORDON_EPARSE] = "parse error",
	[CORDON_ETOOBIG] = "size limit reached",
	[CORDON_ENOTFOUND] = "not found",
	[CORDON_EDENIED] = "denied by policy",
	[CORDON_EUNSUPPORTED] = "not supported here",
	[CORDON_ETIMEOUT] = "timed out",
	[CORDON_EPROTO] = "protocol error",
	[CORDON_EKILLED] = "killed",
};

const char *cordon_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= CORDON_E_MAX)
		return "unknown error";
	return err_names[err];
}

void diag_clear(struct cordon_diag *d)
{
	if (d)
		memset(d, 0, sizeof(*d));
}

int diag_set(struct cordon_diag *d, int line, int column, const char *fmt, ...)
{
	va_list ap;

	if (!d)
		return -CORDON_EPARSE;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
	d->line = line;
	d->column = column;
	return -CORDON_EPARSE;
}

void diag_set_file(struct cordon_diag *d, const char *file)
{
	if (d)
		snprintf(d->file, sizeof(d->file), "%s", file ? file : "");
}

const char *diag_format(const struct cordon_diag *d, char *buf, size_t size)
{
	if (!size)
		return buf;
	if (d->file[0] && d->line && d->column)
		snprintf(buf, size, "%s:%d:%d: %s", d->file, d->line, d->column, d->msg);
	else if (d->file[0] && d->line)
		snprintf(buf, size, "%s:%d: %s", d->file, d->line, d->msg);
	else if (d->file[0])
		snprintf(buf, size, "%s: %s", d->file, d->msg);
	else if (d->line)
		snprintf(buf, size, "%d:%d: %s", d->line, d->column, d->msg);
	else
		snprintf(buf, size, "%s", d->msg);
	return buf;
}
