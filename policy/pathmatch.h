/*
 * pathmatch.h — lexical path normalization and gitignore-style globbing.
 *
 * Pure string functions (no syscalls): the policy judges the path the model
 * wrote, lexically. `..` and `.` are folded without looking at the file
 * system, so a symlink inside the workspace that points elsewhere is NOT
 * seen here; the sandbox (Landlock, openat2 RESOLVE_BENEATH in the tool
 * child) enforces the real resolution. That split is deliberate: the policy
 * answers "did the model ask for something allowed", the sandbox answers
 * "can this child reach it at all".
 *
 * Patterns are absolute after anchoring (rule.h does the anchoring):
 *   `*`  any run of characters except '/'      `?`  one character except '/'
 *   `[a-z]`, `[!x]`, `[^x]` a class            `\x` the character x
 *   `**` as a whole segment: zero or more segments, so the pattern "/a"
 *   followed by a "**" segment matches /a itself and everything below it.
 */
#ifndef CORDON_POLICY_PATHMATCH_H
#define CORDON_POLICY_PATHMATCH_H

#include <stdbool.h>
#include <stddef.h>

/* Ceiling on path and pattern lengths (bytes, without the NUL). */
#define PATHMATCH_MAX 4096
/* Ceiling on the number of segments of a path or pattern. */
#define PATHMATCH_MAX_SEGS 256

/*
 * Make `path` absolute and lexically normal into out[size]: a relative path
 * is joined to `base` (which must be absolute; NULL refuses relative paths),
 * repeated slashes and `.` segments go, `..` removes the previous segment
 * (and stays at "/" at the top). The result never ends in '/' except "/".
 * Returns 0, -CORDON_EINVAL (empty path, relative path without a usable
 * base) or -CORDON_ETOOBIG (longer than PATHMATCH_MAX or too many segments).
 */
int path_normalize(char *out, size_t size, const char *path, const char *base);

/* Whether normalized absolute `path` is `dir` or lies beneath it. */
bool path_within(const char *path, const char *dir);

/*
 * Whether normalized absolute `path` matches the absolute glob `pattern`.
 * With `dirs_too`, a match of any ancestor directory of path counts as well
 * (gitignore's rule: a pattern naming a directory covers its contents).
 * Over-long inputs never match (callers treat that as "cannot judge").
 */
bool glob_match_path(const char *pattern, const char *path, bool dirs_too);

/* Whether one segment (no '/') matches a segment pattern of `*?[]\`. */
bool glob_match_segment(const char *pat, size_t plen, const char *s, size_t slen);

#endif
