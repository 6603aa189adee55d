/*
 * secret.h — the "sandbox before any secret" latch, and wiping secrets.
 *
 * The warden is a fork of the supervisor, so it starts with a copy of the
 * supervisor's memory. The rule that keeps API keys out of every child is
 * an order: the sandbox is opened before any secret is read. Code that
 * reads a secret (a provider taking ANTHROPIC_API_KEY from the environment
 * or a file) calls secret_latch() first; runtime/sandbox/sandbox.c refuses to fork
 * a warden once the latch is set (fail closed: -CORDON_EDENIED), so a
 * change in call order cannot silently copy a key into the sandbox.
 *
 *	secret_latch();                   before getenv("ANTHROPIC_API_KEY")
 *	if (secret_latched()) -> too late to fork a warden
 *	secret_wipe(buf, n); free(buf);   when a secret is dropped
 *
 * The latch is one process-wide flag (atomic); it is never cleared.
 */
#ifndef CORDON_COMMON_SECRET_H
#define CORDON_COMMON_SECRET_H

#include <stdbool.h>
#include <stddef.h>

/* From now on this process may hold a secret. */
void secret_latch(void);

/* Whether secret_latch() was called. */
bool secret_latched(void);

/* explicit_bzero() of n bytes; NULL is fine. */
void secret_wipe(void *p, size_t n);

/* Wipe a NUL-terminated secret string and free it; NULL is fine. */
void secret_free(char *s);

#endif
