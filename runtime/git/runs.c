/* runs.c — the recorded runs of a repository, and rewinding to a checkpoint (see gitrun.h). */
#include "runtime/git/internal.h"
#include "common/placeholder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_CHAIN 1000000 /* checkpoints followed back from a tip */

static int open_repo(git_repository **out, const char *dir, struct cordon_diag *d)
{
	int rc = git_repository_open_ext(out, dir, 0, NULL);

	if (rc < 0) {
		*out = NULL;
		return diag_set(d, 0, 0, "'%s' is not in a git repository", dir), -CORDON_ENOTFOUND;
	}
	return 0;
}

/* "refs/cordon/runs/ID/base" -> ID into out, or false. */
static bool id_of_ref(const char *name, char *out, size_t size)
{
	size_t plen = strlen(GITRUN_REF_PREFIX);
	const char *end;

	if (strncmp(name, GITRUN_REF_PREFIX, plen))
		return false;
	name += plen;
	end = strchr(name, '/');
	if (!end || strcmp(end, "/base") || (size_t)(end - name) >= size || end == name)
		return false;
	memcpy(out, name, (size_t)(end - name));
	out[end - name] = '\0';
	return true;
}

/* The ids of every recorded run (a new array of strings). */
static int run_ids(git_repository *repo, json_t **out, struct cordon_diag *d)
{
	git_reference_iterator *it = NULL;
	const char *name;
	char id[64];
	int rc;

	*out = json_array();
	if (!*out)
		return -CORDON_ENOMEM;
	if ((rc = git_reference_iterator_glob_new(&it, repo, GITRUN_REF_PREFIX "*")) < 0)
		return git_fail(d, rc, "cannot list the refs");
	while ((rc = git_reference_next_name(&name, it)) == 0)
		if (id_of_ref(name, id, sizeof(id)))
			json_array_append_new(*out, json_string(id));
	git_reference_iterator_free(it);
	return rc == GIT_ITEROVER ? 0 : git_fail(d, rc, "cannot list the refs");
}

/* The full id of `run` (an id or a unique prefix) into out. */
static int resolve(git_repository *repo, const char *run, char *out, size_t size, struct cordon_diag *d)
{
	json_t *ids = NULL, *v;
	size_t i, hits = 0, len = strlen(run);
	int rc;

	if (!len)
		return diag_set(d, 0, 0, "no run named"), -CORDON_EINVAL;
	if ((rc = run_ids(repo, &ids, d)) < 0)
		goto out;
	json_array_foreach(ids, i, v) {
		const char *id = json_string_value(v);

		if (!strcmp(id, run)) {
			snprintf(out, size, "%s", id);
			hits = 1;
			break;
		}
		if (!strncmp(id, run, len) && hits++ == 0)
			snprintf(out, size, "%s", id);
	}
	if (hits == 0)
		rc = (diag_set(d, 0, 0, "no run '%s' in this repository (cordon runs lists them)", run), -CORDON_ENOTFOUND);
	else if (hits > 1)
		rc = (diag_set(d, 0, 0, "'%s' names more than one run: give more of its id", run), -CORDON_EINVAL);
out:
	json_decref(ids);
	return rc;
}

/* A run's chain: [base, checkpoint 1, ..., checkpoint N] as commit ids (malloc'd). */
static int chain(git_repository *repo, const char *id, git_oid **out, size_t *n, struct cordon_diag *d)
{
	char ref[160];
	git_oid base, cur, *v = NULL;
	size_t len = 0, cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	snprintf(ref, sizeof(ref), GITRUN_REF_PREFIX "%s/base", id);
	if ((rc = git_reference_name_to_id(&base, repo, ref)) < 0)
		return git_fail(d, rc, "cannot read the run's base");
	snprintf(ref, sizeof(ref), GITRUN_REF_PREFIX "%s/checkpoints", id);
	if (git_reference_name_to_id(&cur, repo, ref) < 0)
		git_oid_cpy(&cur, &base);
	for (;;) {
		git_commit *c = NULL;

		if (len == cap) {
			git_oid *nv;

			cap = cap ? cap * 2 : 16;
			if (cap > MAX_CHAIN || !(nv = realloc(v, cap * sizeof(*v)))) {
				free(v);
				return cap > MAX_CHAIN ? (diag_set(d, 0, 0, "too many checkpoints"), -CORDON_ETOOBIG)
						       : -CORDON_ENOMEM;
			}
			v = nv;
		}
		git_oid_cpy(&v[len++], &cur);
		if (git_oid_equal(&cur, &base))
			break;
		if ((rc = git_commit_lookup(&c, repo, &cur)) < 0 || git_commit_parentcount(c) < 1) {
			git_commit_free(c);
			free(v);
			return diag_set(d, 0, 0, "the checkpoints of run %s do not lead back to its base", id),
			       -CORDON_EPARSE;
		}
		git_oid_cpy(&cur, git_commit_parent_id(c, 0));
		git_commit_free(c);
	}
	/* Walked tip to base: turn it around. */
	for (size_t i = 0; i < len / 2; i++) {
		git_oid t = v[i];

		v[i] = v[len - 1 - i];
		v[len - 1 - i] = t;
	}
	*out = v;
	*n = len;
	return 0;
}

static json_t *describe(git_repository *repo, const char *id, struct cordon_diag *d)
{
	git_oid *ch = NULL;
	size_t n, i;
	json_t *run = NULL, *cps;
	char hex[GITRUN_OID_HEX], when[32];

	if (chain(repo, id, &ch, &n, d) < 0)
		return NULL;
	cps = json_array();
	for (i = 0; cps && i < n; i++) {
		git_commit *c = NULL;
		json_t *meta, *cp;
		time_t t;
		struct tm tm;

		if (git_commit_lookup(&c, repo, &ch[i]) < 0)
			continue;
		meta = meta_of_message(git_commit_message(c));
		t = (time_t)git_commit_time(c);
		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		git_oid_tostr(hex, sizeof(hex), &ch[i]);
		if (i == 0) {
			run = json_pack("{s:s, s:O?, s:O?, s:O?, s:O?, s:O?, s:s}", "id", id, "started",
					json_object_get(meta, "started"), "title", json_object_get(meta, "title"),
					"workspace", json_object_get(meta, "workspace"), "workdir",
					json_object_get(meta, "workdir"), "head", json_object_get(meta, "head"), "base", hex);
			if (run && !json_object_get(run, "started"))
				json_object_set_new(run, "started", json_string(when));
			cp = json_pack("{s:i, s:s, s:s, s:s}", "n", 0, "commit", hex, "time", when, "label",
				       "the working tree before the run");
		} else {
			cp = json_pack("{s:i, s:s, s:O?, s:O?, s:O?, s:O?}", "n", (int)i, "commit", hex, "time",
				       json_object_get(meta, "time"), "tool", json_object_get(meta, "tool"),
				       "tool_use_id", json_object_get(meta, "tool_use_id"), "label",
				       json_object_get(meta, "label"));
			if (cp && !json_object_get(cp, "time"))
				json_object_set_new(cp, "time", json_string(when));
		}
		json_array_append_new(cps, cp);
		json_decref(meta);
		git_commit_free(c);
	}
	free(ch);
	if (run)
		json_object_set_new(run, "checkpoints", cps);
	else
		json_decref(cps);
	return run;
}

static int newest_first(const void *a, const void *b)
{
	const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
	const char *sx = json_string_value(json_object_get(x, "started")) ?: "";
	const char *sy = json_string_value(json_object_get(y, "started")) ?: "";
	int c = strcmp(sy, sx);

	return c ? c : strcmp(json_string_value(json_object_get(x, "id")), json_string_value(json_object_get(y, "id")));
}

int gitrun_list(json_t **out, const char *dir, const char *run, struct cordon_diag *d)
{
	git_repository *repo = NULL;
	json_t *ids = NULL, *v, **runs = NULL;
	size_t i, n = 0;
	char id[64];
	int rc;

	*out = NULL;
	git_libgit2_init();
	if ((rc = open_repo(&repo, dir, d)) < 0)
		goto out;
	if (run) {
		if ((rc = resolve(repo, run, id, sizeof(id), d)) < 0)
			goto out;
		ids = json_pack("[s]", id);
	} else if ((rc = run_ids(repo, &ids, d)) < 0) {
		goto out;
	}
	runs = calloc(json_array_size(ids) + 1, sizeof(*runs));
	if (!ids || !runs) {
		rc = -CORDON_ENOMEM;
		goto out;
	}
	json_array_foreach(ids, i, v) {
		struct cordon_diag skip;

		/* A run whose refs are broken is left out of a list, reported when asked for by name. */
		runs[n] = describe(repo, json_string_value(v), run ? d : &skip);
		if (runs[n])
			n++;
		else if (run) {
			rc = -CORDON_EPARSE;
			goto out;
		}
	}
	qsort(runs, n, sizeof(*runs), newest_first);
	*out = json_array();
	for (i = 0; *out && i < n; i++)
		json_array_append(*out, runs[i]);
	rc = *out ? 0 : -CORDON_ENOMEM;
out:
	for (i = 0; runs && i < n; i++)
		json_decref(runs[i]);
	free(runs);
	json_decref(ids);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}

/* ---- rewind ------------------------------------------------------------------------ */

static int commit_on(git_repository *repo, const char *id, const git_oid *parent, const git_oid *tree, unsigned n,
		     const char *label, git_oid *out, struct cordon_diag *d)
{
	git_signature *sig = NULL;
	char when[32], subject[256], *js = NULL, *msg = NULL;
	const git_oid *parents[1] = { parent };
	json_t *meta;
	int rc;

	iso_now(when, sizeof(when));
	meta = json_pack("{s:i, s:s, s:s, s:i, s:s, s:s, s:s}", "v", 1, "run", id, "kind", "checkpoint", "n", (int)n,
			 "time", when, "tool", "rewind", "label", label);
	js = meta ? json_dumps(meta, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER) : NULL;
	snprintf(subject, sizeof(subject), "cordon: run %.8s, checkpoint %u: %s", id, n, label);
	if (!js || asprintf(&msg, "%s\n\n" GITRUN_META "%s\n", subject, js) < 0) {
		msg = NULL;
		rc = -CORDON_ENOMEM;
		goto out;
	}
	if ((rc = meta_signature(&sig)) < 0 ||
	    (rc = git_commit_create_from_ids(out, repo, NULL, sig, sig, NULL, msg, tree, 1, parents)) < 0)
		rc = git_fail(d, rc, "cannot write a checkpoint");
out:
	git_signature_free(sig);
	json_decref(meta);
	free(js);
	free(msg);
	return rc;
}

static int advance(git_repository *repo, const char *id, const git_oid *old, bool first, const git_oid *new,
		   struct cordon_diag *d)
{
	char ref[160];
	git_reference *r = NULL;
	int rc;

	snprintf(ref, sizeof(ref), GITRUN_REF_PREFIX "%s/checkpoints", id);
	rc = git_reference_create_matching(&r, repo, ref, new, !first, first ? NULL : old, "cordon: rewind");
	git_reference_free(r);
	return rc < 0 ? git_fail(d, rc, "cannot update the run's checkpoints") : 0;
}

static int tree_id(git_repository *repo, const git_oid *commit, git_oid *out, struct cordon_diag *d)
{
	git_commit *c = NULL;
	int rc = git_commit_lookup(&c, repo, commit);

	if (rc < 0)
		return git_fail(d, rc, "cannot read a checkpoint");
	git_oid_cpy(out, git_commit_tree_id(c));
	git_commit_free(c);
	return 0;
}

static int files_between(git_repository *repo, const git_oid *a, const git_oid *b, json_t **out, struct cordon_diag *d)
{
	git_tree *ta = NULL, *tb = NULL;
	git_diff *diff = NULL;
	int rc;

	if ((rc = git_tree_lookup(&ta, repo, a)) < 0 || (rc = git_tree_lookup(&tb, repo, b)) < 0) {
		rc = git_fail(d, rc, "cannot read a snapshot");
		goto out;
	}
	if ((rc = run_diff(&diff, repo, ta, tb, DIFF_TYPECHANGE, d)) < 0)
		goto out;
	*out = diff_files(diff);
	rc = *out ? 0 : -CORDON_ENOMEM;
out:
	git_diff_free(diff);
	git_tree_free(ta);
	git_tree_free(tb);
	return rc;
}

/*
 * The absolute paths of the placeholder names under the run's workspace
 * that are marked placeholders now (common/placeholder.h: a killed
 * session's, or a running one's), or, unmarked (a filesystem without user
 * xattrs), that its last checkpoint does not have (a NULL-terminated array).
 */
static int leftover_placeholders(git_repository *repo, const git_oid *base, const git_oid *last_tree,
				 const char *const *names, char ***out)
{
	git_commit *c = NULL;
	git_tree *t = NULL;
	json_t *meta = NULL;
	const char *ws, *wd = git_repository_workdir(repo);
	size_t i, n = 0, wdlen = strlen(wd);
	int rc = 0;

	for (i = 0; names && names[i]; i++)
		;
	*out = calloc(i + 1, sizeof(char *));
	if (!*out)
		return -CORDON_ENOMEM;
	if (!names || git_commit_lookup(&c, repo, base) < 0 || git_tree_lookup(&t, repo, last_tree) < 0)
		goto out;
	meta = meta_of_message(git_commit_message(c));
	ws = json_string_value(json_object_get(meta, "workspace"));
	if (!ws)
		goto out;
	for (i = 0; names[i]; i++) {
		git_tree_entry *te = NULL;
		char *abs = NULL;

		if (asprintf(&abs, "%s/%s", ws, names[i]) < 0) {
			rc = -CORDON_ENOMEM;
			goto out;
		}
		/* Relative to the working tree, the way the snapshot names it. */
		if (strncmp(abs, wd, wdlen) ||
		    (placeholder_state(abs) == PLACEHOLDER_NONE && git_tree_entry_bypath(&te, t, abs + wdlen) == 0)) {
			git_tree_entry_free(te);
			free(abs);
			continue;
		}
		(*out)[n++] = abs;
	}
out:
	json_decref(meta);
	git_tree_free(t);
	git_commit_free(c);
	return rc;
}

void gitrun_rewind_result_release(struct gitrun_rewind_result *r)
{
	json_decref(r->changed);
	json_decref(r->conflicts);
	memset(r, 0, sizeof(*r));
}

int gitrun_rewind(const struct gitrun_rewind_opts *o, struct gitrun_rewind_result *out, struct cordon_diag *d)
{
	git_repository *repo = NULL;
	git_index *ix = NULL;
	git_oid *ch = NULL, now, last_tree, target_tree, saved, tip;
	git_tree *t_now = NULL, *t_target = NULL;
	struct snap s;
	bool have_snap = false;
	char **exclude = NULL;
	size_t n = 0;
	unsigned last;
	int rc, claim = -1;

	memset(out, 0, sizeof(*out));
	git_libgit2_init();
	if ((rc = open_repo(&repo, o->dir, d)) < 0)
		goto out;
	if (git_repository_is_bare(repo)) {
		rc = (diag_set(d, 0, 0, "the repository has no working tree"), -CORDON_ENOTFOUND);
		goto out;
	}
	if ((rc = resolve(repo, o->run, out->run, sizeof(out->run), d)) < 0)
		goto out;
	/* A run still going is not rewound under its feet; one that was killed leaves nothing in the way. */
	if ((rc = claim = run_claim(repo, out->run, d)) < 0)
		goto out;
	if ((rc = chain(repo, out->run, &ch, &n, d)) < 0)
		goto out;
	last = (unsigned)(n - 1);
	if (o->to > (int)last) {
		rc = (diag_set(d, 0, 0, "run %s has no checkpoint %d (it has %u)", out->run, o->to, last), -CORDON_ENOTFOUND);
		goto out;
	}
	out->to = o->to < 0 ? last : (unsigned)o->to;
	/* A run made in another worktree (or moved) is not this working tree's to rewind. */
	if (!o->force) {
		git_commit *c = NULL;
		json_t *meta = NULL;
		const char *wd;

		if (git_commit_lookup(&c, repo, &ch[0]) == 0)
			meta = meta_of_message(git_commit_message(c));
		wd = json_string_value(json_object_get(meta, "workdir"));
		if (wd && strcmp(wd, git_repository_workdir(repo))) {
			diag_set(d, 0, 0, "run %s was made in the working tree '%s', not this one (--force rewinds this one)",
				 out->run, wd);
			rc = -CORDON_EDENIED;
		}
		json_decref(meta);
		git_commit_free(c);
		if (rc < 0)
			goto out;
	}
	if ((rc = tree_id(repo, &ch[last], &last_tree, d)) < 0 || (rc = tree_id(repo, &ch[out->to], &target_tree, d)) < 0)
		goto out;
	if ((rc = leftover_placeholders(repo, &ch[0], &last_tree, o->placeholders, &exclude)) < 0)
		goto out;
	if ((rc = snap_init(&s, repo, (const char *const *)exclude, &ix, d)) < 0)
		goto out;
	have_snap = true;
	if ((rc = snap_scan(&s, &now, d)) < 0)
		goto out;
	if (!git_oid_equal(&now, &last_tree)) {
		if ((rc = files_between(repo, &last_tree, &now, &out->conflicts, d)) < 0)
			goto out;
		if (!o->force) {
			diag_set(d, 0, 0, "the working tree changed since the run's last checkpoint (%u)", last);
			rc = -CORDON_EDENIED;
			goto out;
		}
	}
	out->changed = json_array();
	if (!out->changed) {
		rc = -CORDON_ENOMEM;
		goto out;
	}
	if (o->dry_run) {
		json_decref(out->changed);
		rc = files_between(repo, &now, &target_tree, &out->changed, d);
		goto out;
	}
	git_oid_cpy(&tip, &ch[last]);
	if (!git_oid_equal(&now, &last_tree)) {
		/* Nothing is lost: what is there now becomes a checkpoint before it is replaced. */
		if ((rc = commit_on(repo, out->run, &tip, &now, last + 1, "the working tree before a rewind", &saved, d)) < 0 ||
		    (rc = advance(repo, out->run, &tip, last == 0, &saved, d)) < 0)
			goto out;
		out->saved = ++last;
		git_oid_cpy(&tip, &saved);
	}
	if (git_oid_equal(&now, &target_tree))
		goto done;
	if ((rc = git_tree_lookup(&t_now, repo, &now)) < 0 || (rc = git_tree_lookup(&t_target, repo, &target_tree)) < 0) {
		rc = git_fail(d, rc, "cannot read a snapshot");
		goto out;
	}
	if ((rc = restore_tree(repo, git_repository_workdir(repo), t_now, t_target, out->changed, d)) < 0)
		goto out;
	{
		git_oid done_commit;
		char label[64];

		snprintf(label, sizeof(label), "rewound to checkpoint %u", out->to);
		if ((rc = commit_on(repo, out->run, &tip, &target_tree, last + 1, label, &done_commit, d)) < 0 ||
		    (rc = advance(repo, out->run, &tip, last == 0, &done_commit, d)) < 0)
			goto out;
	}
done:
	rc = 0;
out:
	git_tree_free(t_now);
	git_tree_free(t_target);
	if (have_snap)
		snap_release(&s);
	git_index_free(ix);
	free(ch);
	for (size_t i = 0; exclude && exclude[i]; i++)
		free(exclude[i]);
	free(exclude);
	if (repo)
		run_release(repo, out->run, claim);
	git_repository_free(repo);
	git_libgit2_shutdown();
	return rc;
}
