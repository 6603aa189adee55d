#include "policy/load.h"
#include "policy/discover.h"
#include "policy/pathmatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool policy_agent_is_path(const char *agent)
{
	size_t n = strlen(agent);

	return strchr(agent, '/') || (n > 3 && !strcmp(agent + n - 3, ".md"));
}

static void warn_all(const struct policy_load_opts *o, const struct cordon_diag *w, size_t n)
{
	size_t i;

	for (i = 0; o->warn && i < n; i++)
		o->warn(&w[i], o->warn_arg);
}

static int load_agent(struct policy *p, const struct policy_load_opts *o, struct cordon_diag *diag)
{
	struct agent_file af;
	struct agent_set set;
	struct discover_opts d;
	const struct agent_entry *e;
	size_t i, bad;
	int r;

	if (policy_agent_is_path(o->agent)) {
		r = agentfile_load(&af, o->agent, diag);
		if (r < 0)
			return r;
		warn_all(o, af.warnings, af.nwarnings);
		r = policy_apply_agent(p, &af, diag);
		agentfile_release(&af);
		return r;
	}
	memset(&d, 0, sizeof(d));
	d.cwd = o->cwd;
	d.home = o->home;
	d.managed_dir = o->managed_agents;
	r = agents_discover(&set, &d);
	if (r < 0) {
		diag_set(diag, 0, 0, "cannot list agent files: %s", cordon_strerror(r));
		return r;
	}
	e = agents_find(&set, o->agent);
	if (!e) {
		char installed[PATHMATCH_MAX + 1];

		if (agents_installed_dir(installed, sizeof(installed)) < 0)
			snprintf(installed, sizeof(installed), "the installed agents");
		diag_clear(diag);
		diag_set(diag, 0, 0,
			 "no agent named '%s' in .claude/agents/ of %s or its parents, ~/.claude/agents/ or %.300s",
			 o->agent, o->cwd, installed);
		/* An invalid file may be the one meant: say so. */
		for (i = 0, bad = 0; i < set.n; i++)
			bad += !set.v[i].ok;
		if (bad) {
			char m[CORDON_DIAG_MSG];

			snprintf(m, sizeof(m), "%s", diag->msg);
			diag_set(diag, 0, 0, "%.300s (%zu agent file(s) failed to load; 'cordon agents list' shows why)",
				 m, bad);
		}
		agent_set_release(&set);
		return -CORDON_ENOTFOUND;
	}
	warn_all(o, e->af.warnings, e->af.nwarnings);
	r = policy_apply_agent(p, &e->af, diag);
	agent_set_release(&set);
	return r;
}

static int load_settings(const struct policy_load_opts *o, struct settings *s, struct cordon_diag *diag)
{
	char path[PATHMATCH_MAX + 64], root[PATHMATCH_MAX + 64], dir[PATHMATCH_MAX + 1];
	struct settings_origin so;
	size_t i;
	int r;

	memset(&so, 0, sizeof(so));
	so.home = o->home;
	if ((o->sources & POLICY_SOURCE_USER) && o->home) {
		snprintf(path, sizeof(path), "%s/.claude/settings.json", o->home);
		snprintf(root, sizeof(root), "%s/.claude", o->home);
		so.file = path;
		so.scope = SETTINGS_USER;
		so.root = root;
		r = settings_load(s, &so, diag);
		if (r < 0 && r != -CORDON_ENOTFOUND)
			return r;
	}
	so.root = o->cwd;
	if (o->sources & POLICY_SOURCE_PROJECT) {
		snprintf(path, sizeof(path), "%s/.claude/settings.json", o->cwd);
		so.file = path;
		so.scope = SETTINGS_PROJECT;
		r = settings_load(s, &so, diag);
		if (r < 0 && r != -CORDON_ENOTFOUND)
			return r;
	}
	if (o->sources & POLICY_SOURCE_LOCAL) {
		snprintf(path, sizeof(path), "%s/.claude/settings.local.json", o->cwd);
		so.file = path;
		so.scope = SETTINGS_LOCAL;
		r = settings_load(s, &so, diag);
		if (r < 0 && r != -CORDON_ENOTFOUND)
			return r;
	}
	for (i = 0; o->settings && o->settings[i]; i++) {
		const char *v = o->settings[i];

		so.scope = SETTINGS_CLI;
		if (v[0] == '{') {
			so.file = "--settings";
			so.root = o->cwd;
			r = settings_parse(s, v, strlen(v), &so, diag);
		} else {
			char *slash;

			/* `/p` rules of --settings FILE are relative to the file's directory. */
			if (path_normalize(dir, sizeof(dir), v, o->cwd) < 0) {
				diag_set(diag, 0, 0, "bad --settings path '%s'", v);
				return -CORDON_EINVAL;
			}
			slash = strrchr(dir, '/');
			if (slash == dir)
				dir[1] = '\0';
			else if (slash)
				*slash = '\0';
			so.file = v;
			so.root = dir;
			r = settings_load(s, &so, diag);
		}
		if (r < 0)
			return r; /* an explicit --settings must exist */
		so.root = o->cwd;
	}
	if (o->sources & POLICY_SOURCE_MANAGED) {
		so.file = o->managed_settings ? o->managed_settings : POLICY_MANAGED_SETTINGS;
		so.scope = SETTINGS_MANAGED;
		so.root = o->cwd;
		r = settings_load(s, &so, diag);
		if (r < 0 && r != -CORDON_ENOTFOUND)
			return r;
	}
	diag_clear(diag);
	return 0;
}

int policy_load(struct policy *p, const struct policy_load_opts *o, struct cordon_diag *diag)
{
	struct cordon_diag local;
	struct settings s;
	char dir[PATHMATCH_MAX + 1];
	size_t i;
	int r = 0, m;

	if (!diag)
		diag = &local;
	diag_clear(diag);
	policy_init(p);
	settings_init(&s);
	if (!o->cwd || o->cwd[0] != '/') {
		diag_set(diag, 0, 0, "the working directory must be an absolute path");
		return -CORDON_EINVAL;
	}
	if (o->agent && (r = load_agent(p, o, diag)) < 0)
		goto out;
	if ((r = load_settings(o, &s, diag)) < 0)
		goto out;
	warn_all(o, s.warnings, s.nwarnings);
	if ((r = policy_apply_settings(p, &s, diag)) < 0)
		goto out;
	for (i = 0; o->allowed && o->allowed[i]; i++)
		if ((r = policy_add_rules(p, o->allowed[i], RULE_ALLOW, "--allowedTools", NULL, diag)) < 0) {
			if (r == -CORDON_EPARSE)
				diag_set_file(diag, "--allowedTools");
			goto out;
		}
	for (i = 0; o->disallowed && o->disallowed[i]; i++)
		if ((r = policy_add_rules(p, o->disallowed[i], RULE_DENY, "--disallowedTools", NULL, diag)) < 0) {
			if (r == -CORDON_EPARSE)
				diag_set_file(diag, "--disallowedTools");
			goto out;
		}
	for (i = 0; o->add_dirs && o->add_dirs[i]; i++) {
		if (path_normalize(dir, sizeof(dir), o->add_dirs[i], o->cwd) < 0 ||
		    (r = policy_add_dir(p, dir)) < 0) {
			diag_set(diag, 0, 0, "bad --add-dir '%s'", o->add_dirs[i]);
			r = r < 0 ? r : -CORDON_EINVAL;
			goto out;
		}
	}
	if (o->mode) {
		m = perm_mode_parse(o->mode);
		if (m < 0) {
			diag_set(diag, 0, 0, "unknown permission mode '%s' (default, acceptEdits, plan, "
					     "bypassPermissions, dontAsk, auto, sandbox)",
				 o->mode);
			r = -CORDON_EINVAL;
			goto out;
		}
		r = policy_set_mode(p, (enum perm_mode)m, POLICY_SRC_CLI, "--permission-mode");
	} else if (o->headless && p->mode_src == POLICY_SRC_NONE) {
		/* Nothing chose a mode: a headless run's default (mode.h). */
		r = policy_set_mode(p, PERM_SANDBOX, POLICY_SRC_NONE, "cordon's headless default");
	}
out:
	settings_release(&s);
	if (r < 0)
		policy_release(p);
	return r;
}
