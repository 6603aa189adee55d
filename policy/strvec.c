#include "policy/strvec.h"
#include "common/error.h"

#include <stdlib.h>
#include <string.h>

void strvec_init(struct strvec *v)
{
	v->v = NULL;
	v->n = 0;
	v->cap = 0;
}

void strvec_release(struct strvec *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	strvec_init(v);
}

int strvec_pushn(struct strvec *v, const char *s, size_t n)
{
	char *copy;

	if (v->n >= STRVEC_MAX)
		return -CORDON_ETOOBIG;
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 8;
		char **p = realloc(v->v, cap * sizeof(*p));

		if (!p)
			return -CORDON_ENOMEM;
		v->v = p;
		v->cap = cap;
	}
	copy = malloc(n + 1);
	if (!copy)
		return -CORDON_ENOMEM;
	memcpy(copy, s, n);
	copy[n] = '\0';
	v->v[v->n++] = copy;
	return 0;
}

int strvec_push(struct strvec *v, const char *s)
{
	return strvec_pushn(v, s, strlen(s));
}

bool strvec_has(const struct strvec *v, const char *s)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], s))
			return true;
	return false;
}

int strvec_push_unique(struct strvec *v, const char *s)
{
	return strvec_has(v, s) ? 0 : strvec_push(v, s);
}
