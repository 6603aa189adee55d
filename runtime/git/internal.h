/*
 * internal.h — what the files of runtime/git share (and the unit tests reach).
 *
 * snap.c: the working tree as a sorted list of entries (path, mode, blob id,
 * stat data) kept between scans, so a scan reads only the files whose stat
 * data changed, and builds only the trees whose entries changed.
 * restore.c: writing a tree's files into the working tree, safely.
 * util.c: libgit2 errors as diags, commit messages and their JSON line, a
 * run's claim (who is running it).
 */
#ifndef CORDON_RUNTIME_GIT_INTERNAL_H
#define CORDON_RUNTIME_GIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <git2.h>
#include <git2/sys/commit.h>
#include <jansson.h>

#include "common/error.h"
#include "runtime/git/gitrun.h"

#define SNAP_MAX_DEPTH 256          /* directory levels entered; deeper ones are left out */
#define SNAP_MAX_PATH 4096          /* bytes of a repository-relative path */
#define SNAP_READ_WHOLE (64u << 20) /* files up to this are read in one buffer, larger ones streamed */
#define SNAP_RACY_NS 2000000000LL   /* stat data this recent (before a scan) is not trusted next time */

#define MODE_FILE 0100644u
#define MODE_EXEC 0100755u
#define MODE_LINK 0120000u
#define MODE_GITLINK 0160000u
#define MODE_TREE 0040000u

/* Stat data as git's index keeps it (32-bit fields). */
struct snap_stat {
	uint32_t ctime_s, ctime_ns, mtime_s, mtime_ns, ino, uid, gid, size;
};

struct snap_entry {
	char *path;          /* relative to the working tree, '/'-separated; owned */
	uint32_t mode;       /* MODE_* */
	git_oid oid;
	struct snap_stat st;
	bool trusted;        /* st stands for oid (not racy, not smudged) */
	bool same;           /* this scan: path, mode and oid equal to the previous scan's */
	bool tracked;        /* in the user's index as the run started (never ignored) */
};

struct snap_dir {
	char *path; /* "" (the root) or "a/b/"; owned */
	git_oid oid;
};

/* Ignore verdicts of paths (open addressing), kept while no ignore file changes. */
struct snap_verdicts {
	char **keys;
	unsigned char *ignored;
	size_t cap, n;
};

struct snap {
	git_repository *repo;      /* borrowed */
	git_odb *odb;              /* owned */
	char *workdir;             /* ends in '/' */
	struct snap_entry *e;      /* the last scan (or the seed), sorted by path */
	size_t n;
	struct snap_entry *tracked; /* the user's index (stage 0) as read at the start: never ignored */
	size_t ntracked;
	char **exclude;            /* relative paths, sorted */
	size_t nexclude;
	struct snap_dir *dirs;     /* the trees of the last build, sorted by path */
	size_t ndirs;
	bool have_tree;
	git_oid tree;
	struct snap_verdicts verdicts;
	char global_sig[256];       /* info/exclude and the excludes file, as of the last scan */
	unsigned long long left_out; /* files left out by the last scan (too large, bad names) */
	unsigned long long hashed;   /* files read by the last scan */
};

/*
 * Start a snapshot state for repo: the user's index (a private copy, read
 * only) seeds the stat data unless filters could make its blobs differ
 * from the files' bytes; *out_index is that copy (the caller frees it), or
 * NULL when there is no index libgit2 can read (then HEAD's tree says what
 * is tracked). exclude: absolute paths (see gitrun_opts).
 */
int snap_init(struct snap *s, git_repository *repo, const char *const *exclude, git_index **out_index,
	      struct cordon_diag *d);

/* Scan the working tree; *tree is the snapshot's root tree (written). */
int snap_scan(struct snap *s, git_oid *tree, struct cordon_diag *d);

void snap_release(struct snap *s);

/* Whether a name is one git would take for .git (any case, NTFS and HFS forms). */
bool snap_dotgit_name(const char *name);

/* Whether a relative path is safe to write: no empty, ".", ".." or .git component. */
bool snap_path_ok(const char *path);

/*
 * Make the working tree match `to` where it differs from `from` (both
 * snapshot trees of repo): files written byte for byte (temporary name,
 * then rename; mode 0666/0777 less the umask, symlinks as links), others
 * removed with the directories that became empty. Never follows a symlink
 * to a directory on the way, never writes into .git or a submodule.
 * changed: the paths as gitrun_changes() lists them (may be NULL).
 */
int restore_tree(git_repository *repo, const char *workdir, git_tree *from, git_tree *to, json_t *changed,
		 struct cordon_diag *d);

/* A libgit2 failure as a diag: "WHAT: <libgit2's message>". Returns a negative CORDON_E*. */
int git_fail(struct cordon_diag *d, int rc, const char *what);

/*
 * The tree-to-tree diff of a run (owned by the caller). DIFF_RENAMES: renames
 * found; DIFF_TYPECHANGE: a path that changed type (file, symlink,
 * submodule) is one delta, else a deletion and an addition (as patches
 * and restores want it).
 */
#define DIFF_RENAMES 1u
#define DIFF_TYPECHANGE 2u
int run_diff(git_diff **out, git_repository *repo, git_tree *from, git_tree *to, unsigned how, struct cordon_diag *d);

/* [{path, status, old_path?, old_mode?, new_mode?}] of a diff (new reference). */
json_t *diff_files(git_diff *diff);

/* The JSON line at the end of a commit message (new reference), or NULL. */
json_t *meta_of_message(const char *message);

/* "cordon's" signature for snapshot commits (now). */
int meta_signature(git_signature **out);

/*
 * A run's claim: an flock on <commondir>/cordon/runs/<id>.live, held for as
 * long as the process that runs (or rewinds) the run lives: the kernel drops
 * it when that process dies, kill -9 included. run_claim() refuses a run that
 * another process holds, then removes the ref lock files a killed run left
 * (libgit2 would refuse every later update of its refs). Returns the lock's
 * fd (close-on-exec) or a negative CORDON_E*; run_release() removes the file.
 */
int run_claim(git_repository *repo, const char *id, struct cordon_diag *d);
void run_release(git_repository *repo, const char *id, int fd);

/* Now as "2026-12-07T18:00:00.123Z" into out[32]. */
void iso_now(char *out, size_t size);

#endif
