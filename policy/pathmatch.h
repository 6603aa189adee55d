/*
 * pathmatch.h — lexical path normalization and gitignore-style globbing.
 *
 * Pure string functions (no syscalls): the policy judges the path the model
 * wrote, lexically, as common/path.h resolves it (the child opens that same
 * resolved path). `..` and `.` are folded without looking at the file
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

#include "common/path.h" /* path_normalize(), path_within(): the one normaliser */

/* Ceiling on path and pattern lengths (bytes, without the NUL). */
#define PATHMATCH_MAX PATH_NORM_MAX
/* Ceiling on the number of segments of a path or pattern. */
#define PATHMATCH_MAX_SEGS PATH_NORM_MAX_SEGS

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
