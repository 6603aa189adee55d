/*
 * strvec.h — a small owned vector of C strings, for policy data.
 *
 *	struct strvec v = STRVEC_INIT;
 *	if (strvec_push(&v, "Read") < 0) goto out;
 *	...
 *	out: strvec_release(&v);
 *
 * Invariants: v.v[0..n) are malloc'd NUL-terminated strings owned by the
 * vector; v.v is NULL when n == 0 and nothing was ever pushed. Pushing past
 * STRVEC_MAX entries fails with -CORDON_ETOOBIG (every list of outside data
 * has a ceiling).
 */
#ifndef CORDON_POLICY_STRVEC_H
#define CORDON_POLICY_STRVEC_H

#include <stdbool.h>
#include <stddef.h>

#define STRVEC_MAX 4096

struct strvec {
	char **v;
	size_t n;
	size_t cap;
};

#define STRVEC_INIT { NULL, 0, 0 }

void strvec_init(struct strvec *v);
/* Free every string and the array; the vector is empty and reusable after. */
void strvec_release(struct strvec *v);
/* Append a copy of s. -CORDON_ENOMEM, -CORDON_ETOOBIG. */
int strvec_push(struct strvec *v, const char *s);
/* Append a copy of the n bytes at s (NUL-terminated in the copy). */
int strvec_pushn(struct strvec *v, const char *s, size_t n);
/* Append a copy of s unless an equal string is already there. */
int strvec_push_unique(struct strvec *v, const char *s);
/* Whether an entry equals s. */
bool strvec_has(const struct strvec *v, const char *s);

#endif
