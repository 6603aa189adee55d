/*
 * gitrun.h — a run's record in its git repository: the workspace before the
 * run, a checkpoint after every change, what the run changed (a patch, a
 * commit, a list of files); and outside a run, the runs and rewinding the
 * working tree to one of their checkpoints.
 *
 *	struct gitrun *g;
 *	struct gitrun_opts o = { .workspace = ws, .run_id = id, .title = "fix add()" };
 *	gitrun_open(&g, &o, &d);               the base snapshot: refs/cordon/runs/ID/base
 *	gitrun_checkpoint(g, &why, &cp, &d);   after each call that may have changed files
 *	gitrun_changes(g, &files);             base → last checkpoint
 *	gitrun_diff(g, "run.patch", &d);       a patch `git apply` takes on the base
 *	gitrun_commit(g, &co, &cr, &d);        a commit on a branch
 *	gitrun_free(g);
 *
 *	gitrun_list(&runs, dir, NULL, &d);     `cordon runs`
 *	gitrun_rewind(&ro, &rr, &d);           `cordon rewind RUN --to N`
 *
 * What is recorded, and where. Everything goes into the repository's object
 * database and under refs/cordon/runs/ID/ only; the user's index, HEAD,
 * branches, stash and working tree are never written (gitrun_commit() with
 * the checked-out branch is the one exception, and only when asked):
 *   - refs/cordon/runs/ID/base: a commit of the working tree as it was
 *     (tracked and untracked files, not ignored ones), with HEAD as its first
 *     parent (when HEAD has a commit) and a commit of the user's index tree
 *     as the other, as `git stash -u` would keep them;
 *   - refs/cordon/runs/ID/checkpoints: a chain of commits starting on the
 *     base, one per change: checkpoint N is the working tree after the call
 *     that made it. A snapshot equal to the last one makes no commit.
 * Each commit's message ends with one line of JSON (GITRUN_META) that
 * `cordon runs` reads back: the run id, the kind, the number, the tool call.
 *
 * Snapshots are of bytes: file content exactly as it is on disk (no clean
 * filters, no end-of-line conversion), the executable bit, symlinks as links
 * (never followed). Directories named .git (or what git would take for one)
 * are never entered; neither are nested repositories and submodules (a
 * submodule keeps the commit the user's index records for it). Files larger
 * than GITRUN_MAX_FILE, sockets, fifos and devices are left out (and so
 * never rewound). Paths listed in opts.exclude are left out while they are
 * empty regular files: the sandbox's placeholders (runtime/sandbox).
 *
 * No git program runs and libgit2 runs none: no hooks, no filters or
 * textconv drivers, no fsmonitor. Reading the working tree here is the
 * supervisor's own work (the model's I/O goes through the sandbox).
 *
 * Cost: the first snapshot reads the user's index (a private copy, outside
 * .git) for its stat data, so files that match it are not read again; each
 * checkpoint after it stats every file and reads only the ones whose stat
 * data changed (or were changed too recently to trust it: "racy" files),
 * and writes only the trees that changed.
 *
 * Crash safety: objects are written before the ref that names them, and refs
 * are moved with compare-and-swap under git's lock files, so a process killed
 * at any point leaves `git fsck` clean and every ref on a complete commit.
 *
 * Errors: negative CORDON_E* with a diag naming what failed (libgit2's own
 * message included); -CORDON_ENOTFOUND when the workspace is not in a git
 * repository with a working tree, or a run or checkpoint does not exist.
 * Not thread-safe: one thread at a time per struct gitrun.
 */
#ifndef CORDON_RUNTIME_GIT_GITRUN_H
#define CORDON_RUNTIME_GIT_GITRUN_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/error.h"

#define GITRUN_REF_PREFIX "refs/cordon/runs/"
#define GITRUN_MAX_FILE (512ull << 20)   /* larger files are left out of snapshots */
#define GITRUN_MAX_ENTRIES 2000000       /* files in one snapshot */
#define GITRUN_MAX_TITLE 200             /* bytes of the title kept in the base commit */
#define GITRUN_META "cordon-run: "       /* the last line of every commit message: this + JSON */
#define GITRUN_OID_HEX 41                /* a hex object id and its NUL */

struct gitrun;

struct gitrun_opts {
	const char *workspace;      /* absolute: the repository is found from here (upwards) */
	const char *run_id;         /* the run id (a UUID: runtime/loop/transcript.h) */
	const char *title;          /* one line for `cordon runs` (the prompt's start); may be NULL */
	const char *const *exclude; /* absolute paths, NULL-terminated, may be NULL: see above */
	bool resume;                /* continue an existing run's refs (else they must not exist) */
};

/*
 * Find the repository of opts.workspace and record the base snapshot (or,
 * with resume, find the run's refs and go on from its last checkpoint).
 * -CORDON_ENOTFOUND: no repository with a working tree (diag says so; the
 * caller runs without snapshots); -CORDON_EINVAL: a bad run id, or refs
 * that already exist (resume not set) or are missing (resume set).
 */
int gitrun_open(struct gitrun **out, const struct gitrun_opts *opts, struct cordon_diag *diag);

/* What led to a checkpoint (borrowed strings; any may be NULL). */
struct gitrun_why {
	const char *tool;        /* "Write" */
	const char *tool_use_id; /* "toolu_01..." */
	const char *label;       /* one line for people: "Write src/a.c" */
};

struct gitrun_checkpoint {
	bool made;                    /* false: nothing changed since the last one */
	unsigned n;                   /* its number (the last one's when !made) */
	char commit[GITRUN_OID_HEX];  /* its commit */
	json_t *files;                /* made: what it changed, as gitrun_changes() (new ref); else NULL */
};

/*
 * Snapshot the working tree; when it differs from the last checkpoint (or
 * the base), commit checkpoint N+1 and move the checkpoints ref to it.
 * Release out->files with json_decref().
 */
int gitrun_checkpoint(struct gitrun *g, const struct gitrun_why *why, struct gitrun_checkpoint *out,
		      struct cordon_diag *diag);

/* How many checkpoints the run has. */
unsigned gitrun_count(const struct gitrun *g);

/* The repository's working tree (absolute, ending in '/'); borrowed. */
const char *gitrun_workdir(const struct gitrun *g);

/*
 * {"ref": "refs/cordon/runs/ID", "base": OID, "head": OID|null (HEAD at the
 * start), "checkpoints": N, "last": OID (the last checkpoint or the base)}.
 * New reference; NULL on ENOMEM.
 */
json_t *gitrun_info(const struct gitrun *g);

/*
 * What the run changed, base → last checkpoint: [{"path", "status":
 * "added"|"modified"|"deleted"|"renamed"|"typechange", "old_path" (renamed),
 * "old_mode"/"new_mode" (octal strings, when the mode changed)}], in path
 * order, paths relative to the working tree (bad UTF-8 replaced by U+FFFD).
 */
int gitrun_changes(struct gitrun *g, json_t **out, struct cordon_diag *diag);

/*
 * Write what the run changed (base → last checkpoint) to `file` as a patch
 * in git's format: renames, deletions, mode changes, binary files as git
 * binary patches, full object ids; `git apply` on the base reproduces the
 * last checkpoint exactly. Nothing changed: an empty file. The file is
 * written through a temporary name and renamed into place.
 */
int gitrun_diff(struct gitrun *g, const char *file, struct cordon_diag *diag);

struct gitrun_commit_opts {
	const char *branch;  /* NULL: cordon/RUN_ID */
	const char *message; /* NULL: "cordon: TITLE" and the run id */
};

struct gitrun_commit_result {
	bool made;                   /* false: the run changed nothing */
	char commit[GITRUN_OID_HEX];
	char branch[256];            /* the branch's short name */
	bool checked_out;            /* the branch is HEAD's: it moved, and the index with it */
};

/*
 * Commit what the run changed on a branch: the tree is the branch's tip
 * (for a branch that does not exist yet: HEAD as the run started) with each
 * path the run changed set to its state at the last checkpoint (deleted
 * ones removed). The branch is created or moved forward. When it is the
 * branch HEAD names, the user asked for it to move: the index entries of the
 * changed paths are updated to match (so `git status` stays clean for them);
 * nothing else of the index, and never the working tree. A branch checked
 * out in another worktree is refused (-CORDON_EDENIED). Author and committer:
 * GIT_AUTHOR_NAME/EMAIL and GIT_COMMITTER_NAME/EMAIL, else user.name and
 * user.email, else "cordon <cordon@localhost>".
 */
int gitrun_commit(struct gitrun *g, const struct gitrun_commit_opts *opts, struct gitrun_commit_result *out,
		  struct cordon_diag *diag);

void gitrun_free(struct gitrun *g);

/* ---- outside a run -------------------------------------------------------- */

/*
 * The user's git identity as git would take it from the default config
 * files (system, XDG, global, with their includes): user.name and
 * user.email into name and email, "" for one that is not set (or cannot be
 * read). Only reads; no repository is opened, nothing is run.
 */
void gitrun_identity(char *name, size_t nsize, char *email, size_t esize);

/*
 * The runs recorded in the repository of `dir`, newest first: [{"id",
 * "started", "title", "workspace", "head", "base", "checkpoints": [{"n",
 * "commit", "time", "tool", "tool_use_id", "label"}]}] ("n" 0 is the base).
 * `run` (a run id or a unique prefix of one) keeps only that run
 * (-CORDON_ENOTFOUND when there is none, -CORDON_EINVAL when ambiguous).
 */
int gitrun_list(json_t **out, const char *dir, const char *run, struct cordon_diag *diag);

struct gitrun_rewind_opts {
	const char *dir;  /* where to find the repository */
	const char *run;  /* a run id or a unique prefix */
	int to;           /* the checkpoint: 0 = the base (before the run); < 0 = the last */
	bool force;       /* go on although the working tree changed since the last checkpoint */
	bool dry_run;     /* say what would change, change nothing */
	/*
	 * Names relative to the run's workspace (NULL-terminated, may be NULL)
	 * that are left out of the snapshot of now while they are empty files
	 * carrying a placeholder mark (common/placeholder.h), or, unmarked,
	 * that its last checkpoint does not have: placeholders a killed
	 * sandbox left behind (runtime/sandbox), which are not the user's
	 * changes.
	 */
	const char *const *placeholders;
};

struct gitrun_rewind_result {
	char run[40];      /* the run's full id */
	unsigned to;       /* the checkpoint restored */
	unsigned saved;    /* the checkpoint that recorded the working tree before (0: none needed) */
	json_t *changed;   /* the paths written or removed, as gitrun_changes() (new ref) */
	json_t *conflicts; /* refused: the paths changed since the last checkpoint (new ref), else NULL */
};

/*
 * Make the working tree equal to checkpoint `to` of the run: every file of
 * the snapshot byte for byte with its mode, every other non-ignored file
 * removed (ignored files, .git and submodules are left alone). First the
 * working tree is snapshotted; when it differs from the run's last
 * checkpoint (changed after the run, by someone else, or by a call that
 * was killed before its checkpoint), the rewind is refused
 * (-CORDON_EDENIED, out->conflicts lists the paths) unless opts.force. When
 * it goes on, that state is saved as a new checkpoint first (out->saved),
 * and the rewound state as the one after it, so a rewind can be undone by
 * another. The user's index and HEAD are not touched.
 */
int gitrun_rewind(const struct gitrun_rewind_opts *opts, struct gitrun_rewind_result *out, struct cordon_diag *diag);

void gitrun_rewind_result_release(struct gitrun_rewind_result *r);

#endif
