/*
 * greptypes.h — ripgrep's file types for Grep's `type` parameter.
 *
 * The table is ripgrep 13's default type list (`rg --type-list`), generated
 * by scripts/gen-greptypes; each type is a set of globs matched against a
 * file's name (not its directory), as `rg --type NAME` does.
 */
#ifndef CORDON_TOOLS_GREPTYPES_H
#define CORDON_TOOLS_GREPTYPES_H

#include <stddef.h>

struct greptype {
	const char *name;
	const char *const *globs; /* NULL-terminated */
};

/* The type called name (exact, case-sensitive), or NULL. */
const struct greptype *greptype_find(const char *name);

/* Every type, sorted by name. */
const struct greptype *greptype_list(size_t *out_count);

#endif
