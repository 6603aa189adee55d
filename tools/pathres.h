/*
 * pathres.h — resolve the model's paths beneath the allowed roots.
 *
 * Runs in the tool child. Every file a tool touches for the model is opened
 * through here, relative to a directory fd of an allowed root, never by a
 * string path from the model:
 *
 *	struct pathres pr;
 *	struct pathres_loc loc;
 *	int fd;
 *
 *	pathres_init(&pr, workspace, cwd, roots, nroots);   (or _from_request)
 *	pathres_locate(&pr, model_path, &loc);   map to (root, relative path)
 *	pathres_open_file(&pr, &loc, &fd, &st);  a regular file, read-only
 *	...
 *	pathres_loc_release(&loc);
 *	pathres_release(&pr);
 *
 * Invariants (the security argument lives in pathres.c):
 *  - A model path is made absolute against cwd and normalised lexically
 *    (".", "..", "//" folded, as the reference's path.resolve does). It must
 *    then lie under a root (the workspace, index 0, or an extra read root),
 *    else -CORDON_EDENIED: the model gets "outside the allowed directories".
 *  - The part below the root is opened with openat2(RESOLVE_BENEATH |
 *    RESOLVE_NO_MAGICLINKS): a symlink or ".." that leaves the root fails
 *    with EXDEV, /proc magic links with ELOOP. Where openat2 is missing
 *    (ENOSYS, e.g. a seccomp filter that hides it) an equivalent walk one
 *    component at a time is used (O_NOFOLLOW, our own symlink splicing,
 *    absolute links refused, at most PATHRES_MAX_LINKS links).
 *  - Only regular files are ever opened for reading: the target is looked
 *    at with O_PATH first, so FIFOs, devices and sockets are never opened
 *    at all; the real open uses O_NONBLOCK|O_NOCTTY and is checked again
 *    (same dev/ino, S_ISREG) against a swap in between.
 *  - Write targets: the parent directory is resolved with RESOLVE_NO_SYMLINKS
 *    too (no symlink anywhere on the way), only beneath the workspace, and
 *    the final component is never followed. Protected paths (.git/ and below,
 *    shell rc files, agent settings, ...) are refused by name on the
 *    resolved component list.
 *
 * Errors: functions return 0 or a negative CORDON_E*; for -CORDON_ESYS errno
 * tells what happened (ENOENT, ENOTDIR, EXDEV = escapes the root, ELOOP =
 * symlink where none is allowed or a loop, EISDIR, ENXIO/EINVAL = not a
 * regular file). pathres_errmsg() turns a failure into one line for the model.
 */
#ifndef CORDON_TOOLS_PATHRES_H
#define CORDON_TOOLS_PATHRES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include <jansson.h>

#define PATHRES_MAX_ROOTS 16
#define PATHRES_MAX_PATH 4096  /* bytes of a model path after normalising */
#define PATHRES_MAX_LINKS 40   /* symlinks followed in one resolution */
#define PATHRES_MAX_DEPTH 256  /* components in one path */

/* Resolve flags for pathres_openat() (mirror RESOLVE_* of openat2). */
#define PATHRES_NO_SYMLINKS 0x1u /* no symlink anywhere, final included */

struct pathres_root {
	char *path;  /* absolute, normalised, as given (what the model sees) */
	char *real;  /* realpath() of it, to also accept the canonical form */
	int fd;      /* O_PATH|O_DIRECTORY fd of the root */
	bool writable;
};

struct pathres {
	struct pathres_root roots[PATHRES_MAX_ROOTS]; /* [0] is the workspace */
	size_t nroots;
	char *cwd; /* absolute, normalised */
};

/* Where a model path lies: a root and the part below it. */
struct pathres_loc {
	size_t root;    /* index into pr->roots */
	int rootfd;     /* borrowed from the pathres */
	char *rel;      /* owned; "" for the root itself, no "."/".."/"//" */
	char *abs;      /* owned; root path + "/" + rel, the display form */
};

/*
 * Open the roots. workspace must be absolute (it is writable); cwd absolute
 * (NULL = workspace); roots are extra read-only roots (absolute; missing
 * ones are skipped). Fails with -CORDON_ESYS when the workspace cannot be
 * opened, -CORDON_EINVAL for relative paths, -CORDON_ETOOBIG for too many.
 */
int pathres_init(struct pathres *pr, const char *workspace, const char *cwd,
		 const char *const *roots, size_t nroots);

/* pathres_init() from a tool request's "workspace", "cwd" and "roots". */
int pathres_from_request(struct pathres *pr, const json_t *request);

/*
 * Whether abs (a pathres_loc.abs) is one of the request's "placeholders":
 * absolute paths of empty read-only files or directories the sandbox made
 * to pin protected paths that do not exist on the host (runtime/sandbox/sandbox.h).
 * The tools report them as missing. Exact, lexical comparison.
 */
bool pathres_is_placeholder(const json_t *request, const char *abs);

/* Close the root fds and free; accepts a zeroed or released struct. */
void pathres_release(struct pathres *pr);

/*
 * Map a model path to a root. The longest matching root wins. Returns
 * -CORDON_EDENIED when the path lies under no root, -CORDON_EINVAL when it
 * is empty or too long. On success *out must be released.
 */
int pathres_locate(const struct pathres *pr, const char *model_path, struct pathres_loc *out);
void pathres_loc_release(struct pathres_loc *loc);

/*
 * openat2(dirfd, rel, flags, RESOLVE_BENEATH|RESOLVE_NO_MAGICLINKS [|
 * RESOLVE_NO_SYMLINKS]) with the component-walk fallback. rel "" opens
 * dirfd's directory itself ("."). O_CLOEXEC is always added.
 */
int pathres_openat(int dirfd, const char *rel, int flags, unsigned resolve, int *out_fd);

/*
 * Open a located regular file read-only (O_NONBLOCK stays set: it has no
 * effect on regular files). Non-regular targets are never opened:
 * -CORDON_ESYS with errno EISDIR for a directory, ENXIO for a
 * FIFO/device/socket. *st is filled.
 */
int pathres_open_file(const struct pathres_loc *loc, int *out_fd, struct stat *st);

/* Open a located directory (O_RDONLY|O_DIRECTORY) for listing/walking. */
int pathres_open_dir(const struct pathres_loc *loc, int *out_fd);

/*
 * lstat-like look at a located path: the final component is not followed
 * when nofollow is set (resolve goes through an O_PATH open).
 */
int pathres_stat(const struct pathres_loc *loc, bool nofollow, struct stat *st);

/*
 * For writing: resolve loc's parent beneath the workspace with no symlinks
 * at all, creating missing directories (mode 0755) when mkdirs is set.
 * *out_dirfd is an O_RDONLY|O_DIRECTORY fd, *out_name points into loc->rel
 * (the final component). -CORDON_EDENIED when loc is not in the workspace
 * or is a protected path; -CORDON_EINVAL when loc is the root itself.
 */
int pathres_open_parent(const struct pathres_loc *loc, bool mkdirs, int *out_dirfd,
			const char **out_name);

/*
 * Whether a workspace-relative path (normalised, as in loc->rel) is one the
 * file tools must never write: everything policy/profile.h's
 * profile_path_protected() lists, and any path with a component on the
 * policy default list of guarded names (profile_guarded_name(), any case:
 * case-folding filesystems): .git/ and below, .gitmodules, .gitconfig,
 * shell rc files, .envrc, .direnv/, .vscode/, .idea/, .devcontainer/,
 * .claude/, .codex/, .agents/, .gemini/, .cursor/, .husky/, .cargo/,
 * .mcp.json, .npmrc, .yarnrc.yml, .pre-commit-config.yaml,
 * *.code-workspace, ...
 */
bool pathres_is_protected(const char *rel);

/*
 * One line for the model about a failed resolution of `shown` (the path as
 * the model wrote it), from the return code and errno. Writes into buf.
 */
const char *pathres_errmsg(char *buf, size_t size, int err, int errnum, const char *shown);

/* Tests only: force the component-walk fallback (as if openat2 were ENOSYS). */
void pathres_force_fallback(bool on);

#endif
