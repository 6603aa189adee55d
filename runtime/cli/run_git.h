/*
 * run_git.h — `cordon -p` and the git record of its run (runtime/git/gitrun.h):
 * the base snapshot before the loop, a checkpoint after each call that may
 * have changed files, and at the end the changed files in the result, the
 * patch (--diff) and the commit (--commit).
 *
 *	struct run_git rg;
 *	run_git_init(&rg, &opts, workspace);     before the sandbox: which placeholders it will pin
 *	run_git_begin(&rg, run_id, title, &ev);  after the sandbox, before the key: the base
 *	                                         snapshot starts on a thread of its own
 *	lo.before_calls = run_git_before_calls;  it is waited for before the first tool call
 *	lo.after_call = run_git_after_call; lo.hook_ctx = &rg;
 *	status = run_git_finish(&rg, result, status);   adds to the result, writes the patch, commits
 *	run_git_release(&rg);
 *
 * Kept out of cmd_run.c so the run's steps stay readable there.
 */
#ifndef CORDON_RUNTIME_CLI_RUN_GIT_H
#define CORDON_RUNTIME_CLI_RUN_GIT_H

#include <pthread.h>
#include <stdbool.h>

#include <jansson.h>

#include "runtime/git/gitrun.h"
#include "runtime/loop/events.h"
#include "runtime/loop/loop.h"

#define RUN_GIT_MAX_PLACEHOLDERS 64

struct run_git_opts {
	const char *diff;    /* --diff FILE, or NULL */
	bool commit;         /* --commit */
	const char *branch;  /* --branch NAME, or NULL */
	const char *message; /* --message M, or NULL */
	bool off;            /* --no-snapshot */
	bool resume;         /* --resume: the run's refs exist */
};

struct run_git {
	struct run_git_opts o;
	char workspace[4096];
	char *placeholders[RUN_GIT_MAX_PLACEHOLDERS + 1]; /* absolute, NULL-terminated */
	struct gitrun *g;    /* NULL: no snapshots (see note) */
	char note[600];      /* why there are none, or the last failure */
	bool failed;         /* a checkpoint failed (reported once) */
	struct events *ev;   /* borrowed */
	json_t *reported;    /* without a repository: {path: status} from the file tools' effects */
	/* The base snapshot's thread (run_git_begin()); what it found, once joined. */
	pthread_t th;
	bool started, joined;
	int open_rc;
	char open_msg[1024];
	char run_id[40], title[256];
};

/* Before the sandbox opens: note which protected paths do not exist (it pins them with placeholders). */
void run_git_init(struct run_git *rg, const struct run_git_opts *o, const char *workspace);

/*
 * Record the base snapshot (or pick up a resumed run's) on a thread of its
 * own, while the first model request goes out: nothing in the workspace
 * changes before the first tool call, which waits for it. ev: where the
 * base is reported (from the joining thread).
 */
void run_git_begin(struct run_git *rg, const char *run_id, const char *title, struct events *ev);

/*
 * Wait for the base snapshot (the first call only; later ones return the
 * same) and put it, or why there is none, into the transcript. 0 when the
 * run may go on (also without a repository: a note on stderr); negative
 * when the user asked for a patch or a commit that cannot be had (msg says
 * why). A loop_before_calls_fn.
 */
int run_git_before_calls(void *ctx, char *msg, size_t size);

/* loop_after_call_fn: a checkpoint after a call that may have changed files. */
void run_git_after_call(void *ctx, const struct loop_call *call);

/*
 * The end of the run: a last checkpoint, "changed_files" and "git" in the
 * result object, the patch, and the commit (only when the run succeeded).
 * A patch or commit that was asked for and failed fails the run: the result
 * says so and the exit status becomes 1. Returns the exit status.
 */
int run_git_finish(struct run_git *rg, json_t *result, int status);

void run_git_release(struct run_git *rg);

#endif
