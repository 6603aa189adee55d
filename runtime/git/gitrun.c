/* gitrun.c — a run's base, checkpoints, patch and commit (see gitrun.h). */
#include "runtime/git/internal.h"
#include "common/buf.h"
#include "common/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REF_MAX 128

struct gitrun {
	git_repository *repo;
	struct snap snap;
	char id[40];
	char title[GITRUN_MAX_TITLE + 1];
	char ref_base[REF_MAX], ref_cps[REF_MAX];
	git_oid base, base_tree, last, last_tree, head;
	bool head_born;
	unsigned count;
	int claim; /* run_claim()'s lock, or -1 */
};

static bool id_ok(const char *s)
{
	size_t i;

	if (!s || strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

/*
 * One line of text for a commit subject: bad UTF-8 and controls replaced,
 * cut at max bytes; first_line: only what comes before the first newline
 * (a prompt's), else newlines are replaced too (a file name's).
 */
static void one_line(char *out, size_t size, const char *s, size_t max, bool first_line)
{
	struct buf b;
	size_t i, n;

	out[0] = '\0';
	if (!s)
		return;
	buf_init(&b, BUF_NOMAX);
	n = first_line ? strcspn(s, "\n") : strlen(s);
	if (utf8_sanitize(&b, s, n) < 0) {
		buf_release(&b);
		return;
	}
	for (i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20 || b.data[i] == 0x7f)
			b.data[i] = ' ';
	n = utf8_cut(b.data, b.len, max < size - 1 ? max : size - 1);
	memcpy(out, b.data, n);
	out[n] = '\0';
	buf_release(&b);
}

static int tree_of(git_oid *out, git_repository *repo, const git_oid *commit, struct cordon_diag *d)
{
	git_commit *c = NULL;
	int rc = git_commit_lookup(&c, repo, commit);

	if (rc < 0)
		return git_fail(d, rc, "cannot read a snapshot commit");
	git_oid_cpy(out, git_commit_tree_id(c));
	git_commit_free(c);
	return 0;
}

/* A commit of tree with parents; message = subject + "\n\n" + body? + meta line. */
static int make_commit(git_oid *out, git_repository *repo, const git_oid *tree, const git_oid **parents, size_t np,
		       const char *subject, const char *body, json_t *meta, struct cordon_diag *d)
{
	git_signature *sig = NULL;
	struct buf msg;
	char *js = json_dumps(meta, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
	int rc;

	buf_init(&msg, BUF_NOMAX);
	if (!js || buf_printf(&msg, "%s\n\n%s%s%s%s\n", subject, body ? body : "", body && *body ? "\n\n" : "",
			      GITRUN_META, js) < 0) {
		rc = -CORDON_ENOMEM;
		goto out;
	}
	if ((rc = meta_signature(&sig)) < 0) {
		rc = git_fail(d, rc, "cannot make a signature");
		goto out;
	}
	if ((rc = git_commit_create_from_ids(out, repo, NULL, sig, sig, NULL, msg.data, tree, np, parents)) < 0)
		rc = git_fail(d, rc, "cannot write a snapshot commit");
out:
	git_signature_free(sig);
	free(js);
	buf_release(&msg);
	return rc;
}

/*
 * Move a ref from `old` (NULL: it must not exist yet) to `new`: git's lock
 * file and compare-and-swap, so two writers cannot lose each other's work
 * and a crash leaves it on the old commit or the new one.
 */
static int move_ref(git_repository *repo, const char *name, const git_oid *new, const git_oid *old, const char *log,
		    struct cordon_diag *d)
{
	git_reference *ref = NULL;
	int rc = git_reference_create_matching(&ref, repo, name, new, old != NULL, old, log);

	git_reference_free(ref);
	if (rc < 0) {
		char what[256];

		snprintf(what, sizeof(what), "cannot update '%s'", name);
		return git_fail(d, rc, what);
	}
	return 0;
}

static int ref_target(git_oid *out, git_repository *repo, const char *name)
{
	return git_reference_name_to_id(out, repo, name);
}

/* The checkpoint chain's length: commits from tip back to the base. */
static int chain_length(git_repository *repo, const git_oid *tip, const git_oid *base, unsigned *out,
			struct cordon_diag *d)
{
	git_oid cur;
	unsigned n = 0;
	int rc;

	git_oid_cpy(&cur, tip);
	while (!git_oid_equal(&cur, base)) {
		git_commit *c = NULL;

		if ((rc = git_commit_lookup(&c, repo, &cur)) < 0)
			return git_fail(d, rc, "cannot read a checkpoint");
		if (git_commit_parentcount(c) < 1 || n >= 10000000) {
			git_commit_free(c);
			return diag_set(d, 0, 0, "the checkpoints do not lead back to the base"), -CORDON_EPARSE;
		}
		git_oid_cpy(&cur, git_commit_parent_id(c, 0));
		git_commit_free(c);
		n++;
	}
	*out = n;
	return 0;
}

static int record_base(struct gitrun *g, const struct gitrun_opts *o, git_index *ix, struct cordon_diag *d)
{
	git_oid tree, itree, icommit = { { 0 } };
	const git_oid *parents[2];
	size_t np = 0;
	bool have_index = false;
	char started[32], hex[GITRUN_OID_HEX], ihex[GITRUN_OID_HEX], subject[256];
	json_t *meta;
	int rc;

	iso_now(started, sizeof(started));
	if ((rc = snap_scan(&g->snap, &tree, d)) < 0)
		return rc;
	if (git_reference_name_to_id(&g->head, g->repo, "HEAD") == 0) {
		git_commit *c = NULL;

		/* HEAD may name a tag or another object: only a commit is a parent. */
		if (git_commit_lookup(&c, g->repo, &g->head) == 0)
			g->head_born = true;
		git_commit_free(c);
	}
	if (g->head_born)
		parents[np++] = &g->head;
	/* The index as a commit of its tree, the way `git stash` keeps it (unmerged: none). */
	if (ix && git_index_entrycount(ix) && !git_index_has_conflicts(ix) && git_index_write_tree_to(&itree, ix, g->repo) == 0) {
		json_t *im = json_pack("{s:i, s:s, s:s}", "v", 1, "run", g->id, "kind", "index");

		rc = make_commit(&icommit, g->repo, &itree, parents, np, "cordon: the index as the run started", NULL, im, d);
		json_decref(im);
		if (rc < 0)
			return rc;
		have_index = true;
		parents[np++] = &icommit;
	}
	git_oid_tostr(hex, sizeof(hex), &g->head);
	git_oid_tostr(ihex, sizeof(ihex), &icommit);
	meta = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "v", 1, "run", g->id, "kind", "base", "started",
			 started, "title", g->title, "workspace", o->workspace, "workdir", g->snap.workdir, "head",
			 g->head_born ? json_string(hex) : json_null(), "index",
			 have_index ? json_string(ihex) : json_null());
	if (!meta)
		return -CORDON_ENOMEM;
	snprintf(subject, sizeof(subject), "cordon: run %.8s, the working tree before it", g->id);
	rc = make_commit(&g->base, g->repo, &tree, parents, np, subject, g->title, meta, d);
	json_decref(meta);
	if (rc < 0)
		return rc;
	if ((rc = move_ref(g->repo, g->ref_base, &g->base, NULL, "cordon: run base", d)) < 0)
		return rc;
	git_oid_cpy(&g->base_tree, &tree);
	git_oid_cpy(&g->last, &g->base);
	git_oid_cpy(&g->last_tree, &tree);
	return 0;
}

static int pick_up(struct gitrun *g, struct cordon_diag *d)
{
	git_oid tree;
	git_commit *c = NULL;
	json_t *meta;
	int rc;

	if ((rc = tree_of(&g->base_tree, g->repo, &g->base, d)) < 0)
		return rc;
	if ((rc = git_commit_lookup(&c, g->repo, &g->base)) < 0)
		return git_fail(d, rc, "cannot read the run's base");
	meta = meta_of_message(git_commit_message(c));
	if (meta && json_is_string(json_object_get(meta, "head")) &&
	    git_oid_fromstr(&g->head, json_string_value(json_object_get(meta, "head"))) == 0)
		g->head_born = true;
	if (meta && json_is_string(json_object_get(meta, "title")))
		one_line(g->title, sizeof(g->title), json_string_value(json_object_get(meta, "title")), GITRUN_MAX_TITLE, true);
	json_decref(meta);
	git_commit_free(c);
	if (ref_target(&g->last, g->repo, g->ref_cps) == 0) {
		if ((rc = chain_length(g->repo, &g->last, &g->base, &g->count, d)) < 0)
			return rc;
	} else {
		git_oid_cpy(&g->last, &g->base);
	}
	if ((rc = tree_of(&g->last_tree, g->repo, &g->last, d)) < 0)
		return rc;
	/* Prime the stat data; what changed while the run was away shows at the next checkpoint. */
	return snap_scan(&g->snap, &tree, d);
}

int gitrun_open(struct gitrun **out, const struct gitrun_opts *o, struct cordon_diag *d)
{
	struct gitrun *g;
	git_index *ix = NULL;
	git_oid probe;
	int rc;

	*out = NULL;
	if (!id_ok(o->run_id))
		return diag_set(d, 0, 0, "'%s' is not a run id", o->run_id ? o->run_id : ""), -CORDON_EINVAL;
	if (!o->workspace || o->workspace[0] != '/')
		return diag_set(d, 0, 0, "the workspace must be an absolute path"), -CORDON_EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -CORDON_ENOMEM;
	g->claim = -1;
	git_libgit2_init();
	snprintf(g->id, sizeof(g->id), "%s", o->run_id);
	snprintf(g->ref_base, sizeof(g->ref_base), GITRUN_REF_PREFIX "%s/base", g->id);
	snprintf(g->ref_cps, sizeof(g->ref_cps), GITRUN_REF_PREFIX "%s/checkpoints", g->id);
	one_line(g->title, sizeof(g->title), o->title, GITRUN_MAX_TITLE, true);
	/* Discovery stops nowhere special: a workspace below a repository's root belongs to it. */
	rc = git_repository_open_ext(&g->repo, o->workspace, 0, NULL);
	if (rc < 0 || git_repository_is_bare(g->repo)) {
		diag_set(d, 0, 0, "'%s' is not in a git repository with a working tree", o->workspace);
		rc = -CORDON_ENOTFOUND;
		goto fail;
	}
	if ((rc = g->claim = run_claim(g->repo, g->id, d)) < 0)
		goto fail;
	if ((rc = snap_init(&g->snap, g->repo, o->exclude, &ix, d)) < 0)
		goto fail;
	if (ref_target(&probe, g->repo, g->ref_base) == 0) {
		if (!o->resume) {
			diag_set(d, 0, 0, "run %s is already recorded in the repository", g->id);
			rc = -CORDON_EINVAL;
			goto fail;
		}
		git_oid_cpy(&g->base, &probe);
		rc = pick_up(g, d);
	} else {
		/* A resumed run that had no snapshot (or lost its refs) starts one now. */
		rc = record_base(g, o, ix, d);
	}
	if (rc < 0)
		goto fail;
	git_index_free(ix);
	*out = g;
	return 0;
fail:
	git_index_free(ix);
	gitrun_free(g);
	return rc;
}

unsigned gitrun_count(const struct gitrun *g)
{
	return g->count;
}

const char *gitrun_workdir(const struct gitrun *g)
{
	return g->snap.workdir;
}

json_t *gitrun_info(const struct gitrun *g)
{
	char base[GITRUN_OID_HEX], last[GITRUN_OID_HEX], head[GITRUN_OID_HEX], ref[REF_MAX];

	git_oid_tostr(base, sizeof(base), &g->base);
	git_oid_tostr(last, sizeof(last), &g->last);
	git_oid_tostr(head, sizeof(head), &g->head);
	snprintf(ref, sizeof(ref), GITRUN_REF_PREFIX "%s", g->id);
	return json_pack("{s:s, s:s, s:o, s:i, s:s}", "ref", ref, "base", base, "head",
			 g->head_born ? json_string(head) : json_null(), "checkpoints", (int)g->count, "last", last);
}

/* The diff between two trees of the run (by id). */
static int diff_ids(git_diff **out, struct gitrun *g, const git_oid *from, const git_oid *to, unsigned how,
		    struct cordon_diag *d)
{
	git_tree *a = NULL, *b = NULL;
	int rc;

	if ((rc = git_tree_lookup(&a, g->repo, from)) < 0 || (rc = git_tree_lookup(&b, g->repo, to)) < 0) {
		rc = git_fail(d, rc, "cannot read a snapshot");
		goto out;
	}
	rc = run_diff(out, g->repo, a, b, how, d);
out:
	git_tree_free(a);
	git_tree_free(b);
	return rc;
}

int gitrun_checkpoint(struct gitrun *g, const struct gitrun_why *why, struct gitrun_checkpoint *out,
		      struct cordon_diag *d)
{
	git_oid tree, commit;
	const git_oid *parents[1] = { &g->last };
	git_diff *diff = NULL;
	char when[32], subject[320], label[160];
	json_t *meta;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = snap_scan(&g->snap, &tree, d)) < 0)
		return rc;
	out->n = g->count;
	if (git_oid_equal(&tree, &g->last_tree)) {
		git_oid_tostr(out->commit, sizeof(out->commit), &g->last);
		return 0;
	}
	iso_now(when, sizeof(when));
	one_line(label, sizeof(label), why && why->label ? why->label : "a change", 120, false);
	meta = json_pack("{s:i, s:s, s:s, s:i, s:s, s:s?, s:s?, s:s}", "v", 1, "run", g->id, "kind", "checkpoint", "n",
			 (int)(g->count + 1), "time", when, "tool", why ? why->tool : NULL, "tool_use_id",
			 why ? why->tool_use_id : NULL, "label", label);
	if (!meta)
		return -CORDON_ENOMEM;
	snprintf(subject, sizeof(subject), "cordon: run %.8s, checkpoint %u: %s", g->id, g->count + 1, label);
	rc = make_commit(&commit, g->repo, &tree, parents, 1, subject, NULL, meta, d);
	json_decref(meta);
	if (rc < 0)
		return rc;
	/* The commit and its objects are complete before the ref names them. */
	if ((rc = move_ref(g->repo, g->ref_cps, &commit, g->count ? &g->last : NULL, "cordon: checkpoint", d)) < 0)
		return rc;
	if (diff_ids(&diff, g, &g->last_tree, &tree, DIFF_TYPECHANGE, d) == 0)
		out->files = diff_files(diff);
	git_diff_free(diff);
	g->count++;
	git_oid_cpy(&g->last, &commit);
	git_oid_cpy(&g->last_tree, &tree);
	out->made = true;
	out->n = g->count;
	git_oid_tostr(out->commit, sizeof(out->commit), &commit);
	return 0;
}

int gitrun_changes(struct gitrun *g, json_t **out, struct cordon_diag *d)
{
	git_diff *diff = NULL;
	int rc;

	*out = NULL;
	if ((rc = diff_ids(&diff, g, &g->base_tree, &g->last_tree, DIFF_RENAMES | DIFF_TYPECHANGE, d)) < 0)
		return rc;
	*out = diff_files(diff);
	git_diff_free(diff);
	return *out ? 0 : -CORDON_ENOMEM;
}

static int print_line(const git_diff_delta *delta, const git_diff_hunk *hunk, const git_diff_line *line, void *payload)
{
	FILE *f = payload;

	(void)delta;
	(void)hunk;
	/* Content lines come without their origin character; headers carry their own. */
	if (line->origin == GIT_DIFF_LINE_CONTEXT || line->origin == GIT_DIFF_LINE_ADDITION ||
	    line->origin == GIT_DIFF_LINE_DELETION)
		fputc(line->origin, f);
	return fwrite(line->content, 1, line->content_len, f) == line->content_len ? 0 : -1;
}

int gitrun_diff(struct gitrun *g, const char *file, struct cordon_diag *d)
{
	git_diff *diff = NULL;
	char tmp[PATH_MAX];
	FILE *f = NULL;
	int fd = -1, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.cordon-XXXXXX", file) >= (int)sizeof(tmp))
		return diag_set(d, 0, 0, "the path '%s' is too long", file), -CORDON_ETOOBIG;
	if ((rc = diff_ids(&diff, g, &g->base_tree, &g->last_tree, DIFF_RENAMES, d)) < 0)
		return rc;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0 || fchmod(fd, 0644) < 0 || !(f = fdopen(fd, "w"))) {
		diag_set(d, 0, 0, "cannot write '%s': %s", file, strerror(errno));
		rc = -CORDON_ESYS;
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		goto out;
	}
	rc = git_diff_print(diff, GIT_DIFF_FORMAT_PATCH, print_line, f);
	if (rc < 0 || fflush(f) != 0 || fsync(fileno(f)) < 0) {
		if (rc < 0)
			rc = git_fail(d, rc, "cannot write the patch");
		else
			rc = (diag_set(d, 0, 0, "cannot write '%s': %s", file, strerror(errno)), -CORDON_ESYS);
		fclose(f);
		unlink(tmp);
		goto out;
	}
	if (fclose(f) != 0 || rename(tmp, file) < 0) {
		diag_set(d, 0, 0, "cannot write '%s': %s", file, strerror(errno));
		unlink(tmp);
		rc = -CORDON_ESYS;
		goto out;
	}
	rc = 0;
out:
	git_diff_free(diff);
	return rc;
}

/* ---- the commit ------------------------------------------------------------------ */

static int signature_from(git_signature **out, git_repository *repo, const char *name_var, const char *email_var)
{
	const char *name = getenv(name_var), *email = getenv(email_var);
	git_signature *def = NULL;
	int rc;

	if (name && *name && email && *email)
		return git_signature_now(out, name, email);
	if (git_signature_default(&def, repo) == 0) {
		rc = git_signature_now(out, name && *name ? name : def->name, email && *email ? email : def->email);
		git_signature_free(def);
		return rc;
	}
	return git_signature_now(out, name && *name ? name : "cordon", email && *email ? email : "cordon@localhost");
}

/* The changed paths into the index HEAD uses, as `git commit PATHS` leaves it. */
static int update_index(struct gitrun *g, git_diff *diff, struct cordon_diag *d)
{
	git_index *ix = NULL;
	size_t i, n = git_diff_num_deltas(diff);
	int rc;

	if ((rc = git_repository_index(&ix, g->repo)) < 0 || (rc = git_index_read(ix, 1)) < 0) {
		rc = git_fail(d, rc, "cannot read the index");
		goto out;
	}
	for (i = 0; i < n; i++) {
		const git_diff_delta *dl = git_diff_get_delta(diff, i);

		if (dl->status == GIT_DELTA_DELETED) {
			rc = git_index_remove_bypath(ix, dl->old_file.path);
		} else {
			/* No stat data: git compares the content once and refreshes it. */
			git_index_entry e = { .mode = dl->new_file.mode, .path = dl->new_file.path };

			git_oid_cpy(&e.id, &dl->new_file.id);
			rc = git_index_add(ix, &e);
		}
		if (rc < 0) {
			rc = git_fail(d, rc, "cannot update the index");
			goto out;
		}
	}
	if ((rc = git_index_write(ix)) < 0)
		rc = git_fail(d, rc, "cannot write the index");
out:
	git_index_free(ix);
	return rc;
}

int gitrun_commit(struct gitrun *g, const struct gitrun_commit_opts *o, struct gitrun_commit_result *out,
		  struct cordon_diag *d)
{
	git_diff *diff = NULL;
	git_tree_update *up = NULL;
	git_tree *baseline = NULL;
	git_reference *head = NULL;
	git_signature *author = NULL, *committer = NULL;
	git_oid tip, tree, commit;
	const git_oid *parents[1];
	size_t i, n, k = 0;
	char refname[300], msg_default[GITRUN_MAX_TITLE + 128];
	bool have_tip, checked_out;
	int rc, valid = 0;

	memset(out, 0, sizeof(*out));
	snprintf(out->branch, sizeof(out->branch), "%s", o->branch ? o->branch : "");
	if (!o->branch)
		snprintf(out->branch, sizeof(out->branch), "cordon/%s", g->id);
	if (git_branch_name_is_valid(&valid, out->branch) < 0 || !valid)
		return diag_set(d, 0, 0, "'%s' is not a valid branch name", out->branch), -CORDON_EINVAL;
	snprintf(refname, sizeof(refname), "refs/heads/%s", out->branch);
	have_tip = git_reference_name_to_id(&tip, g->repo, refname) == 0;
	checked_out = git_reference_lookup(&head, g->repo, "HEAD") == 0 &&
		      git_reference_type(head) == GIT_REFERENCE_SYMBOLIC &&
		      !strcmp(git_reference_symbolic_target(head), refname);
	if (have_tip && !checked_out) {
		git_reference *br = NULL;

		/* Another worktree's branch would change under its feet. */
		if (git_reference_lookup(&br, g->repo, refname) == 0 && git_branch_is_checked_out(br) == 1) {
			git_reference_free(br);
			diag_set(d, 0, 0, "branch '%s' is checked out in another worktree", out->branch);
			rc = -CORDON_EDENIED;
			goto out;
		}
		git_reference_free(br);
	}
	if (!have_tip && g->head_born) {
		git_oid_cpy(&tip, &g->head);
		have_tip = true;
	}
	if (have_tip) {
		git_commit *c = NULL;

		if ((rc = git_commit_lookup(&c, g->repo, &tip)) < 0) {
			rc = git_fail(d, rc, "cannot read the branch's commit");
			goto out;
		}
		rc = git_commit_tree(&baseline, c);
		git_commit_free(c);
		if (rc < 0) {
			rc = git_fail(d, rc, "cannot read the branch's tree");
			goto out;
		}
	}
	if ((rc = diff_ids(&diff, g, &g->base_tree, &g->last_tree, 0, d)) < 0)
		goto out;
	n = git_diff_num_deltas(diff);
	up = calloc(n ? 2 * n : 1, sizeof(*up));
	if (!up) {
		rc = -CORDON_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		const git_diff_delta *dl = git_diff_get_delta(diff, i);
		git_tree_entry *te = NULL;

		if (dl->status == GIT_DELTA_DELETED || dl->status == GIT_DELTA_TYPECHANGE) {
			/* Only what the baseline has can be removed from it. */
			if (baseline && git_tree_entry_bypath(&te, baseline, dl->old_file.path) == 0)
				up[k++] = (git_tree_update){ .action = GIT_TREE_UPDATE_REMOVE, .path = dl->old_file.path };
			git_tree_entry_free(te);
		}
		if (dl->status != GIT_DELTA_DELETED) {
			up[k] = (git_tree_update){ .action = GIT_TREE_UPDATE_UPSERT, .path = dl->new_file.path,
						   .filemode = (git_filemode_t)dl->new_file.mode };
			git_oid_cpy(&up[k].id, &dl->new_file.id);
			k++;
		}
	}
	if (!k)
		goto nothing;
	if (baseline) {
		rc = git_tree_create_updated(&tree, g->repo, baseline, k, up);
	} else {
		git_treebuilder *tb = NULL;
		git_oid empty;

		rc = git_treebuilder_new(&tb, g->repo, NULL);
		if (rc == 0)
			rc = git_treebuilder_write(&empty, tb);
		git_treebuilder_free(tb);
		if (rc == 0)
			rc = git_tree_lookup(&baseline, g->repo, &empty);
		if (rc == 0)
			rc = git_tree_create_updated(&tree, g->repo, baseline, k, up);
	}
	if (rc < 0) {
		rc = git_fail(d, rc, "cannot build the commit's tree");
		goto out;
	}
	if (baseline && git_oid_equal(&tree, git_tree_id(baseline)))
		goto nothing;
	if ((rc = signature_from(&author, g->repo, "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL")) < 0 ||
	    (rc = signature_from(&committer, g->repo, "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL")) < 0) {
		rc = git_fail(d, rc, "cannot make the commit's author");
		goto out;
	}
	if (!o->message)
		snprintf(msg_default, sizeof(msg_default), "%s%s\n\nCordon-Run: %s\n", g->title[0] ? "cordon: " : "cordon run ",
			 g->title[0] ? g->title : g->id, g->id);
	parents[0] = &tip;
	rc = git_commit_create_from_ids(&commit, g->repo, NULL, author, committer, NULL, o->message ? o->message : msg_default,
					&tree, have_tip ? 1 : 0, parents);
	if (rc < 0) {
		rc = git_fail(d, rc, "cannot write the commit");
		goto out;
	}
	{
		git_oid cur;
		bool exists = git_reference_name_to_id(&cur, g->repo, refname) == 0;

		if ((rc = move_ref(g->repo, refname, &commit, exists ? &cur : NULL, "cordon: commit", d)) < 0)
			goto out;
	}
	if (checked_out && (rc = update_index(g, diff, d)) < 0)
		goto out;
	out->made = true;
	out->checked_out = checked_out;
	git_oid_tostr(out->commit, sizeof(out->commit), &commit);
	rc = 0;
	goto out;
nothing:
	rc = 0;
out:
	git_signature_free(author);
	git_signature_free(committer);
	git_reference_free(head);
	git_tree_free(baseline);
	free(up);
	git_diff_free(diff);
	return rc;
}

void gitrun_free(struct gitrun *g)
{
	if (!g)
		return;
	snap_release(&g->snap);
	if (g->repo)
		run_release(g->repo, g->id, g->claim);
	git_repository_free(g->repo);
	git_libgit2_shutdown();
	free(g);
}

static void config_string(git_config *cfg, const char *key, char *out, size_t size)
{
	git_buf b = { 0 };

	out[0] = '\0';
	if (cfg && git_config_get_string_buf(&b, cfg, key) == 0 && b.ptr)
		snprintf(out, size, "%s", b.ptr);
	git_buf_dispose(&b);
}

void gitrun_identity(char *name, size_t nsize, char *email, size_t esize)
{
	git_config *cfg = NULL;

	git_libgit2_init();
	if (git_config_open_default(&cfg) < 0)
		cfg = NULL;
	config_string(cfg, "user.name", name, nsize);
	config_string(cfg, "user.email", email, esize);
	git_config_free(cfg);
	git_libgit2_shutdown();
}
