/*
 * placeholder.h — the owner's mark on an empty placeholder (a file or a
 * directory a process makes on the host for a while and removes when it
 * ends), so that one left behind by a process that died (SIGKILL) can be
 * told from the user's own files and removed by a later process.
 *
 *	char mark[PLACEHOLDER_MARK_MAX];
 *	placeholder_mark_self(mark, sizeof(mark));   // the owner, before any fork
 *	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
 *	placeholder_mark_fd(fd, mark);               // best effort
 *	...
 *	placeholder_state(path)         PLACEHOLDER_NONE / _LIVE / _STALE
 *	placeholder_remove_stale(path)  1 removed, 0 left alone
 *
 * The mark is the user extended attribute PLACEHOLDER_XATTR; its value
 * names the owning process: "1 BOOT-ID PIDNS PID START" (the kernel's boot
 * id, the inode of the owner's pid namespace, its pid there and its start
 * time in clock ticks, /proc/PID/stat field 22). The owner is dead when the
 * boot id differs, or, in the same pid namespace, when no process has the
 * pid or the one that has it started at another time. Anything that cannot
 * be judged (another pid namespace, /proc unreadable) counts as alive: left
 * alone.
 *
 * Invariants:
 *  - Only an empty regular file or an empty directory carrying a well-formed
 *    mark is a placeholder. A file with content, a symlink (never followed),
 *    a device, fifo or socket (never opened), an unmarked or garbled entry
 *    is PLACEHOLDER_NONE: the user's.
 *  - The mark is not proof of origin: whoever may write a file's extended
 *    attributes can set one (a confined command on the workspace files it
 *    may write). So the worst a forged mark gets is the removal of an empty
 *    file or directory, and only at the paths a caller asks about.
 *  - On a filesystem without user xattrs nothing is marked
 *    (placeholder_mark_fd() fails with ENOTSUP) and nothing is ever found
 *    stale: placeholders left there stay until removed by hand.
 */
#ifndef CORDON_COMMON_PLACEHOLDER_H
#define CORDON_COMMON_PLACEHOLDER_H

#include <stddef.h>

#define PLACEHOLDER_XATTR "user.cordon.placeholder"
/* A mark value's ceiling, its NUL included (a longer attribute is not a mark). */
#define PLACEHOLDER_MARK_MAX 128

/* The owner a mark names (placeholder_parse()). */
struct placeholder_owner {
	char boot[37];            /* /proc/sys/kernel/random/boot_id, without the newline */
	unsigned long long pidns; /* inode of /proc/PID/ns/pid */
	long pid;                 /* > 0, in that pid namespace */
	unsigned long long start; /* start time, clock ticks after boot */
};

enum placeholder_state {
	PLACEHOLDER_NONE,  /* not a marked empty placeholder (or gone): the user's */
	PLACEHOLDER_LIVE,  /* a placeholder whose owner runs (or cannot be judged) */
	PLACEHOLDER_STALE, /* a placeholder whose owner is dead */
};

/*
 * The calling process's mark into out (size >= PLACEHOLDER_MARK_MAX is
 * enough). 0, or -CORDON_EUNSUPPORTED when /proc cannot tell who we are
 * (then make placeholders unmarked), -CORDON_EINVAL when size is too small.
 */
int placeholder_mark_self(char *out, size_t size);

/*
 * Mark fd (a file or directory the caller has just created, O_EXCL) with
 * mark. 0, or -CORDON_ESYS (errno: ENOTSUP on a filesystem without user
 * xattrs, EROFS, ...).
 */
int placeholder_mark_fd(int fd, const char *mark);

/*
 * Parse a mark's value (len bytes, not NUL-terminated; from outside: any
 * bytes). 0 and *out filled, or -CORDON_EPARSE.
 */
int placeholder_parse(struct placeholder_owner *out, const char *value, size_t len);

/* What path is (its last component never followed; see the invariants). */
enum placeholder_state placeholder_state(const char *path);

/*
 * Remove path when it is a PLACEHOLDER_STALE placeholder: 1 removed, 0 left
 * alone (not one, gone, a live owner, no longer empty, replaced meanwhile),
 * or -CORDON_ESYS when removing it failed (errno). A file is first renamed
 * aside in its directory and removed only if what was moved is the very
 * inode judged, still empty (else it is put back): a path swapped in at
 * the last moment is never removed. A directory is removed with rmdir(),
 * which removes only an empty one.
 */
int placeholder_remove_stale(const char *path);

#endif
