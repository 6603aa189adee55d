// globmatch.h — glob patterns as ripgrep (globset) and gitignore read them.
// (Line comments here because the syntax below is full of slash-stars.)
//
// A glob is compiled once and matched against many paths ('/'-separated,
// no leading "./"):
//
//	struct glob *g;
//	if (glob_compile(&g, "src/**/*.{c,h}", len, GLOB_LITERAL_SEP, &diag) < 0) ...
//	if (glob_match(g, "src/a/b.c", 9)) ...
//	glob_free(g);
//
// Syntax (globset's, with gitignore's reading of '/'):
//   ?        one character (not '/' with GLOB_LITERAL_SEP)
//   *        any run of characters (not '/' with GLOB_LITERAL_SEP)
//   **       as a whole component: "**/x" any leading directories (none
//            included), "x/**" everything below x, "a/**/b" zero or more
//            directories between; "**" alone everything. Elsewhere "**"
//            is the same as "*".
//   [abc] [a-z] [!a] [^a] [[:alpha:]]   a class; "]" first is literal; a
//            negated class never matches '/' under GLOB_LITERAL_SEP
//   {a,b}    alternatives, each a glob; may nest
//   \c       the character c literally (with GLOB_BACKSLASH_ESCAPE)
// Everything else matches itself. Matching is on bytes; a pattern that is
// valid UTF-8 makes ? and classes work per code point, and paths that are
// not valid UTF-8 still match (they are never an error).
//
// Implementation: the glob is translated to an anchored PCRE2 pattern (as
// globset translates to a regex), with fast paths for the common shapes (a
// literal, "**/name", "**/*.ext", "*.ext") that need no regex. A compiled
// glob is immutable; glob_match() is safe from many threads.
#ifndef CORDON_TOOLS_GLOBMATCH_H
#define CORDON_TOOLS_GLOBMATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

#define GLOB_LITERAL_SEP 0x1u      /* '*', '?' and classes do not match '/' */
#define GLOB_BACKSLASH_ESCAPE 0x2u /* '\' escapes the next character */
#define GLOB_CASEFOLD 0x4u         /* match case-insensitively */

#define GLOB_MAX_PATTERN 4096 /* bytes of one glob */
#define GLOB_MAX_NESTING 32   /* depth of nested {...} */

struct glob;

/*
 * Compile pattern[0..len) (may contain NUL bytes, which never match a path).
 * -CORDON_EPARSE with a diag for malformed globs (unclosed '[' or '{', a
 * dangling '\'), -CORDON_ETOOBIG past GLOB_MAX_PATTERN, -CORDON_ENOMEM.
 * diag may be NULL. On success *out belongs to the caller.
 */
int glob_compile(struct glob **out, const char *pattern, size_t len, unsigned flags,
		 struct cordon_diag *diag);

/* Whether path[0..len) matches the whole glob. */
bool glob_match(const struct glob *g, const char *path, size_t len);

/* The regex a glob was translated to (for tests and diagnostics). */
const char *glob_regex(const struct glob *g);

/* Free; accepts NULL. */
void glob_free(struct glob *g);

/*
 * Whether PCRE2 patterns (globs here, Grep's regex) should be JIT-compiled:
 * yes, except under valgrind, where the JIT's wide SIMD reads past the end
 * of a subject are reported as errors and would hide real ones. JIT failure
 * (no executable memory in the sandbox) is handled by callers either way.
 */
bool pcre_jit_wanted(void);

#endif
