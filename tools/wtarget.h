/*
 * wtarget.h — the target of a Write or Edit, resolved for writing.
 *
 *	struct wtarget t;
 *	if (wtarget_open(&t, &call->pr, call->abs, call->path, msg, sizeof(msg)) < 0)
 *		-> msg for the model
 *	t.exists, t.st, t.fd (open read-only when the file exists)
 *	wtarget_commit(&t, data, n, &new_st)      atomic replace (creates dirs)
 *	wtarget_release(&t);
 *
 * Refused with a message (never written): paths outside the workspace
 * (extra read roots are read-only), protected paths (pathres_is_protected),
 * any symlink on the way or at the name, non-regular files, and files with
 * more than one hard link (a link planted to a file outside the workspace
 * would otherwise be changed through the workspace name; Landlock cannot
 * tell, sandbox.md FS08).
 */
#ifndef CORDON_TOOLS_WTARGET_H
#define CORDON_TOOLS_WTARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include <jansson.h>

#include "tools/pathres.h"

struct wtarget {
	const struct pathres *pr; /* borrowed: the call's roots */
	struct pathres_loc loc;
	int dirfd;          /* parent directory; -1 when it does not exist yet */
	const char *name;   /* final component, in loc.rel */
	bool exists;
	struct stat st;     /* of the existing file */
	int fd;             /* the existing file, O_RDONLY; -1 otherwise */
};

/*
 * Resolve abs (absolute, normal: the path the policy judged) beneath pr's
 * roots; `path` is the model's spelling, for messages. 0, or -1 with a
 * one-line reason in msg.
 */
int wtarget_open(struct wtarget *t, const struct pathres *pr, const char *abs, const char *path, char *msg,
		 size_t size);

/*
 * Replace (or create) the file with data; the mode of the existing file is
 * kept (minus setuid/setgid/sticky), new files get 0644. Missing parent
 * directories are created. 0, or -1 with a reason in msg.
 */
int wtarget_commit(struct wtarget *t, const void *data, size_t n, struct stat *new_st, char *msg, size_t size);

void wtarget_release(struct wtarget *t);

#endif
