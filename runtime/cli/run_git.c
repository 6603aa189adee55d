/* run_git.c — `cordon -p` and the git record of its run (see run_git.h). */
#include "runtime/cli/run_git.h"
#include "common/buf.h"
#include "common/placeholder.h"
#include "common/utf8.h"
#include "policy/catalog.h"
#include "policy/profile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

void run_git_init(struct run_git *rg, const struct run_git_opts *o, const char *workspace)
{
	const char *const *p = profile_protected_paths();
	char path[4096 + 64];
	struct stat st;
	size_t i, n = 0;

	memset(rg, 0, sizeof(*rg));
	rg->o = *o;
	snprintf(rg->workspace, sizeof(rg->workspace), "%s", workspace);
	/*
	 * The sandbox pins protected paths that do not exist yet with empty
	 * placeholders on the host while it runs: they are not the run's work.
	 * Nor is a placeholder another session made (common/placeholder.h):
	 * one a killed session left, which this session's sandbox removes, or
	 * a running one's.
	 */
	for (i = 0; p[i] && n < RUN_GIT_MAX_PLACEHOLDERS; i++)
		if (snprintf(path, sizeof(path), "%s/%s", workspace, p[i]) < (int)sizeof(path) &&
		    ((lstat(path, &st) < 0 && errno == ENOENT) || placeholder_state(path) != PLACEHOLDER_NONE))
			rg->placeholders[n++] = strdup(path);
}

/* The base snapshot, on run_git_begin()'s thread: no stderr or events here (the joining thread says it all). */
static void *open_thread(void *arg)
{
	struct run_git *rg = arg;
	struct gitrun_opts go = { .workspace = rg->workspace, .run_id = rg->run_id, .title = rg->title,
				  .exclude = (const char *const *)rg->placeholders, .resume = rg->o.resume };
	struct cordon_diag d;

	diag_clear(&d);
	rg->open_rc = gitrun_open(&rg->g, &go, &d);
	if (rg->open_rc < 0)
		snprintf(rg->note, sizeof(rg->note), "%s", d.msg[0] ? d.msg : cordon_strerror(rg->open_rc));
	return NULL;
}

void run_git_begin(struct run_git *rg, const char *run_id, const char *title, struct events *ev)
{
	rg->ev = ev;
	rg->reported = json_object();
	snprintf(rg->run_id, sizeof(rg->run_id), "%s", run_id);
	snprintf(rg->title, sizeof(rg->title), "%s", title);
	if (rg->o.off) {
		snprintf(rg->note, sizeof(rg->note), "--no-snapshot");
		return;
	}
	rg->started = pthread_create(&rg->th, NULL, open_thread, rg) == 0;
	if (!rg->started) /* no thread to be had: here and now */
		open_thread(rg);
}

/* Wait for the snapshot; the first time, say what came of it. */
static int open_join(struct run_git *rg, char *msg, size_t size)
{
	if (rg->joined)
		goto out;
	rg->joined = true;
	if (rg->started)
		pthread_join(rg->th, NULL);
	rg->started = false;
	if (rg->open_rc < 0 && (rg->o.diff || rg->o.commit)) {
		snprintf(rg->open_msg, sizeof(rg->open_msg), "%s needs the run's snapshot, which could not be made: %s",
			 rg->o.commit ? "--commit" : "--diff", rg->note);
	} else if (rg->open_rc == -CORDON_ENOTFOUND) {
		/* Not a repository is an ordinary case: said on a terminal, and always
		 * in the transcript and the result's "git"; a failure is a warning. */
		if (isatty(STDERR_FILENO))
			fprintf(stderr, "cordon: note: %s: no snapshots or checkpoints for this run\n", rg->note);
	} else if (rg->open_rc < 0) {
		fprintf(stderr, "cordon: warning: cannot record the run in git (%s): no checkpoints for this run\n",
			rg->note);
	}
	if (rg->g)
		events_record(rg->ev, "git", json_pack("{s:s, s:o}", "subtype", "base", "git", gitrun_info(rg->g)));
	else
		events_record(rg->ev, "git", json_pack("{s:s, s:s}", "subtype", "skipped", "note", rg->note));
out:
	if (rg->open_msg[0] && msg)
		snprintf(msg, size, "%s", rg->open_msg);
	return rg->open_msg[0] ? -CORDON_EINVAL : 0;
}

int run_git_before_calls(void *ctx, char *msg, size_t size)
{
	return open_join(ctx, msg, size);
}

/* "Write src/a.c": the tool and what it named, for people. */
static void label_of(char *out, size_t size, const struct loop_call *c, const char *path, const char *workdir)
{
	const json_t *in = c->input;
	const char *what = path;

	if (what && workdir && !strncmp(what, workdir, strlen(workdir)))
		what += strlen(workdir);
	if (!what)
		what = json_string_value(json_object_get(in, "file_path")) ?: json_string_value(json_object_get(in, "command"));
	snprintf(out, size, "%s%s%.100s", c->name, what ? " " : "", what ? what : "");
}

void run_git_after_call(void *ctx, const struct loop_call *c)
{
	struct run_git *rg = ctx;
	const struct tool_entry *t = catalog_find(c->name);
	const json_t *fc = json_object_get(c->effects, "file_changed");
	const char *path = json_string_value(json_object_get(fc, "path"));
	struct gitrun_checkpoint cp;
	struct gitrun_why why = { .tool = c->name, .tool_use_id = c->tool_use_id };
	struct cordon_diag d;
	char label[160];

	/*
	 * A checked file change (Write, Edit), or a command that may have
	 * changed anything (Bash): the snapshot decides whether it did.
	 */
	if (!path && !(t && t->profile == PROFILE_BASH && !c->denied))
		return;
	if (!rg->g) {
		if (path && rg->reported) {
			const char *kind = json_string_value(json_object_get(fc, "kind"));
			const char *rel = !strncmp(path, rg->workspace, strlen(rg->workspace)) && path[strlen(rg->workspace)] == '/'
						  ? path + strlen(rg->workspace) + 1
						  : path;

			if (!json_object_get(rg->reported, rel))
				json_object_set_new(rg->reported, rel,
						    json_string(kind && !strcmp(kind, "create") ? "added" : "modified"));
		}
		return;
	}
	label_of(label, sizeof(label), c, path, gitrun_workdir(rg->g));
	why.label = label;
	diag_clear(&d);
	if (gitrun_checkpoint(rg->g, &why, &cp, &d) < 0) {
		if (!rg->failed)
			fprintf(stderr, "cordon: warning: a checkpoint failed: %s\n", d.msg);
		rg->failed = true;
		snprintf(rg->note, sizeof(rg->note), "a checkpoint failed: %s", d.msg);
		return;
	}
	if (cp.made)
		events_emit(rg->ev, "system",
			    json_pack("{s:s, s:i, s:s, s:s, s:o}", "subtype", "checkpoint", "checkpoint", (int)cp.n, "commit",
				      cp.commit, "tool_use_id", c->tool_use_id, "files", cp.files ? cp.files : json_array()));
	else
		json_decref(cp.files);
}

/* Turn a successful result into a failure of cordon's own (exit 1). */
static int fail_result(json_t *res, const char *msg)
{
	json_t *errs = json_object_get(res, "errors");

	fprintf(stderr, "cordon: %s\n", msg);
	json_object_set_new(res, "is_error", json_true());
	json_object_set_new(res, "subtype", json_string("error_during_execution"));
	json_object_set_new(res, "terminal_reason", json_string("git_error"));
	json_object_set_new(res, "exit_code", json_integer(1));
	if (!json_is_array(errs)) {
		errs = json_array();
		json_object_set_new(res, "errors", errs);
	}
	json_array_append_new(errs, json_string(msg));
	return 1;
}

int run_git_finish(struct run_git *rg, json_t *res, int status)
{
	struct gitrun_checkpoint cp = { 0 };
	struct gitrun_why why = { .label = "the end of the run" };
	struct cordon_diag d;
	json_t *info, *files = NULL;
	char msg[1024];

	/* A run without tool calls had no reason to wait for the base snapshot before now. */
	if (open_join(rg, msg, sizeof(msg)) < 0 && res && status == 0)
		status = fail_result(res, msg);
	if (!res)
		return status;
	if (!rg->g) {
		json_t *list = json_array();
		const char *k;
		json_t *v;

		/* Without a repository: what the file tools reported (no deletions or renames can be known). */
		json_object_foreach(rg->reported, k, v) {
			struct buf b;

			buf_init(&b, BUF_NOMAX);
			utf8_sanitize(&b, k, strlen(k));
			json_array_append_new(list, json_pack("{s:s%, s:O}", "path", b.data, b.len, "status", v));
			buf_release(&b);
		}
		json_object_set_new(res, "changed_files", list);
		json_object_set_new(res, "git", json_pack("{s:n, s:s}", "ref", "note", rg->note));
		return status;
	}
	diag_clear(&d);
	/* What a call changed without a checkpoint of its own (or after the last one). */
	if (gitrun_checkpoint(rg->g, &why, &cp, &d) < 0)
		snprintf(rg->note, sizeof(rg->note), "the last checkpoint failed: %s", d.msg);
	json_decref(cp.files);
	if (gitrun_changes(rg->g, &files, &d) == 0)
		json_object_set_new(res, "changed_files", files);
	info = gitrun_info(rg->g);
	if (!info)
		return status;
	if (rg->note[0])
		json_object_set_new(info, "note", json_string(rg->note));
	json_object_set_new(res, "git", info);
	if (rg->o.diff) {
		diag_clear(&d);
		if (gitrun_diff(rg->g, rg->o.diff, &d) < 0) {
			snprintf(msg, sizeof(msg), "cannot write the patch: %s", d.msg);
			status = fail_result(res, msg);
		} else {
			json_object_set_new(info, "diff", json_string(rg->o.diff));
		}
	}
	if (rg->o.commit && status == 0) {
		struct gitrun_commit_opts co = { .branch = rg->o.branch, .message = rg->o.message };
		struct gitrun_commit_result cr;

		diag_clear(&d);
		if (gitrun_commit(rg->g, &co, &cr, &d) < 0) {
			snprintf(msg, sizeof(msg), "cannot commit the run's changes: %s", d.msg);
			status = fail_result(res, msg);
		} else {
			json_object_set_new(info, "branch", json_string(cr.branch));
			json_object_set_new(info, "commit", cr.made ? json_string(cr.commit) : json_null());
			json_object_set_new(info, "head_moved", json_boolean(cr.checked_out && cr.made));
			if (!cr.made) {
				if (!json_object_get(info, "note"))
					json_object_set_new(info, "note",
							    json_string("the run changed nothing: no commit was made"));
				fprintf(stderr, "cordon: --commit: the run changed nothing, so no commit was made\n");
			}
		}
	} else if (rg->o.commit) {
		json_object_set_new(info, "commit", json_null());
		json_object_set_new(info, "note", json_string("the run failed: nothing was committed (the checkpoints keep its work)"));
	}
	events_record(rg->ev, "git", json_pack("{s:s, s:O}", "subtype", "end", "git", info));
	return status;
}

void run_git_release(struct run_git *rg)
{
	size_t i;

	if (rg->started)
		pthread_join(rg->th, NULL);
	for (i = 0; rg->placeholders[i]; i++)
		free(rg->placeholders[i]);
	gitrun_free(rg->g);
	json_decref(rg->reported);
	memset(rg, 0, sizeof(*rg));
}
