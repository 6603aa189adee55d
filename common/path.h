/*
 * path.h — the one lexical path normaliser, shared by both sides.
 *
 * The policy (policy/decide.c) judges a path and the tool child
 * (tools/pathres.c) opens one; if the two normalised differently, a deny
 * rule could be judged against one file while another is opened. So both
 * sides use this code, and the supervisor resolves a model's path once
 * (path_resolve) and hands the child that absolute result:
 *
 *	char abs[PATH_NORM_MAX + 1];
 *	if (path_resolve(abs, sizeof(abs), model_path, cwd, home) < 0)
 *		-> "cannot check the path"
 *	policy judges abs; the child opens abs beneath its root
 *
 * Pure string work (no syscalls): `.` and `..` are folded without looking
 * at the file system. Symlinks are the sandbox's business (Landlock and
 * RESOLVE_BENEATH in the child), not this file's.
 */
#ifndef CORDON_COMMON_PATH_H
#define CORDON_COMMON_PATH_H

#include <stdbool.h>
#include <stddef.h>

/* Ceiling on a normal path (bytes, without the NUL). */
#define PATH_NORM_MAX 4096
/* Ceiling on the number of segments of a path. */
#define PATH_NORM_MAX_SEGS 256

/*
 * Make `path` absolute and lexically normal into out[size]: a relative path
 * is joined to `base` (which must be absolute; NULL refuses relative paths),
 * repeated slashes and `.` segments go, `..` removes the previous segment
 * (and stays at "/" at the top). The result never ends in '/' except "/".
 * Returns 0, -CORDON_EINVAL (empty path, relative path without a usable
 * base) or -CORDON_ETOOBIG (longer than PATH_NORM_MAX or more than
 * PATH_NORM_MAX_SEGS segments).
 */
int path_normalize(char *out, size_t size, const char *path, const char *base);

/* path_normalize() into a new string (*out, malloc'd). Adds -CORDON_ENOMEM. */
int path_normalize_dup(char **out, const char *path, const char *base);

/*
 * What a model's path means, as Claude Code reads it: "~" and "~/..." are
 * the home directory (home must be absolute, else -CORDON_EINVAL; "~user"
 * is a plain name), an absolute path is itself, anything else is relative
 * to cwd; then path_normalize(). The one place a model path becomes a file
 * name: the policy decides on this result and the child opens it.
 */
int path_resolve(char *out, size_t size, const char *path, const char *cwd, const char *home);

/* Whether normalized absolute `path` is `dir` or lies beneath it. */
bool path_within(const char *path, const char *dir);

#endif
