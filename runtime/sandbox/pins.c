/*
 * pins.c — the list of paths the mount view pins (see pins.h).
 */
#include "runtime/sandbox/pins.h"
#include "common/error.h"

#include <stdlib.h>
#include <string.h>

void pins_init(struct pins *ps)
{
	memset(ps, 0, sizeof(*ps));
}

bool pins_has(const struct pins *ps, const char *path)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (!strcmp(ps->v[i].path, path))
			return true;
	return false;
}

int pins_add(struct pins *ps, const char *path, enum pin_kind kind)
{
	char *copy;

	if (pins_has(ps, path))
		return 0;
	if (ps->n == PINS_MAX)
		return -CORDON_ETOOBIG;
	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? ps->cap * 2 : 32;
		struct pin *v = realloc(ps->v, cap * sizeof(*v));

		if (!v)
			return -CORDON_ENOMEM;
		ps->v = v;
		ps->cap = cap;
	}
	copy = strdup(path);
	if (!copy)
		return -CORDON_ENOMEM;
	ps->v[ps->n].path = copy;
	ps->v[ps->n++].kind = kind;
	return 0;
}

void pins_release(struct pins *ps)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		free(ps->v[i].path);
	free(ps->v);
	pins_init(ps);
}

const char *pin_kind_name(enum pin_kind k)
{
	static const char *const names[PIN__KINDS] = {
		[PIN_ANCHOR] = "anchor", [PIN_PLACEHOLDER_DIR] = "placeholder-dir",
		[PIN_PLACEHOLDER_FILE] = "placeholder-file", [PIN_RO] = "ro", [PIN_LINK] = "link",
		[PIN_LINK_COVER] = "link-cover", [PIN_HIDE] = "hide", [PIN_ABSENT] = "absent",
	};

	return (unsigned)k < PIN__KINDS ? names[k] : "unknown";
}
