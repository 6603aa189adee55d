/* Unit tests for policy/profile: layers, Landlock tables, seccomp tables, env, protected paths. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/error.h"
#include "policy/profile.h"

static void layer_names_round_trip(void **state)
{
	int i;

	(void)state;
	for (i = 0; i < LAYER__COUNT; i++)
		assert_int_equal(layer_from_name(layer_name((enum sandbox_layer)i)), i);
	assert_string_equal(layer_name(LAYER_USERNS), "userns");
	assert_string_equal(layer_name(LAYER_RLIMITS), "rlimits");
	assert_int_equal(layer_from_name("landlock"), LAYER_LANDLOCK);
	assert_int_equal(layer_from_name("cgroup"), LAYER_CGROUP);
	assert_int_equal(layer_from_name("Landlock"), -1);
	assert_int_equal(layer_from_name(""), -1);
	assert_int_equal(layer_from_name(NULL), -1);
	assert_string_equal(layer_name((enum sandbox_layer)99), "unknown");
}

static void layer_lists_parse_and_format(void **state)
{
	unsigned m;
	char bad[32], buf[128];

	(void)state;
	assert_int_equal(layer_parse_list(&m, "landlock,seccomp", bad, sizeof(bad)), 0);
	assert_int_equal(m, LAYER_BIT(LAYER_LANDLOCK) | LAYER_BIT(LAYER_SECCOMP));
	assert_string_equal(layer_format_list(m, buf, sizeof(buf)), "landlock,seccomp");
	assert_int_equal(layer_parse_list(&m, "all", bad, sizeof(bad)), 0);
	assert_int_equal(m, LAYER_ALL);
	assert_int_equal(layer_parse_list(&m, "none", bad, sizeof(bad)), 0);
	assert_int_equal(m, 0);
	assert_int_equal(layer_parse_list(&m, "", bad, sizeof(bad)), 0);
	assert_int_equal(m, 0);
	assert_int_equal(layer_parse_list(&m, "namespaces,landlock", bad, sizeof(bad)), 0);
	assert_int_equal(m, LAYER_BIT(LAYER_USERNS) | LAYER_BIT(LAYER_MOUNTNS) | LAYER_BIT(LAYER_PIDNS) |
				    LAYER_BIT(LAYER_NETNS) | LAYER_BIT(LAYER_LANDLOCK));
	assert_int_equal(layer_mask_from_name("namespaces", &m), 0);
	assert_int_equal(m, LAYER_NAMESPACES);
	assert_int_equal(layer_mask_from_name("seccomp", &m), 0);
	assert_int_equal(m, LAYER_BIT(LAYER_SECCOMP));
	assert_int_equal(layer_mask_from_name("namespace", &m), -CORDON_EINVAL);
	assert_int_equal(layer_parse_list(&m, "userns,bogus", bad, sizeof(bad)), -CORDON_EINVAL);
	assert_string_equal(bad, "bogus");
	assert_int_equal(m, 0);
	assert_int_equal(layer_parse_list(&m, "userns,", bad, sizeof(bad)), -CORDON_EINVAL);
	assert_int_equal(layer_parse_list(&m, ",userns", bad, sizeof(bad)), -CORDON_EINVAL);
	assert_string_equal(layer_format_list(0, buf, sizeof(buf)), "");
}

static uint64_t rights_of(enum sandbox_profile p, bool exec, enum fs_kind kind)
{
	const struct fs_rule *r;
	size_t n = profile_fs_rules(p, exec, &r), i;
	uint64_t m = 0;

	for (i = 0; i < n; i++)
		if (r[i].kind == kind)
			m |= r[i].rights;
	return m;
}

static void landlock_tables_match_the_profiles_doc(void **state)
{
	uint64_t w;

	(void)state;
	/* Read/Grep/Glob: read the workspace, nothing else, never execute or write. */
	assert_int_equal(rights_of(PROFILE_READONLY, false, FS_WORKSPACE), LL_FS_READ);
	assert_int_equal(rights_of(PROFILE_READONLY, false, FS_SYSTEM), 0);
	assert_int_equal(rights_of(PROFILE_READONLY, false, FS_TMP), 0);
	/* Write/Edit (docs/sandbox.md, "Profiles"): no REFER, symlinks, devices, fifos, sockets, execute, rmdir. */
	w = rights_of(PROFILE_WRITE, false, FS_WORKSPACE);
	assert_true(w & LL_FS_WRITE_FILE);
	assert_true(w & LL_FS_MAKE_REG);
	assert_true(w & LL_FS_TRUNCATE);
	assert_false(w & (LL_FS_REFER | LL_FS_MAKE_SYM | LL_FS_MAKE_FIFO | LL_FS_MAKE_SOCK |
			  LL_FS_MAKE_CHAR | LL_FS_MAKE_BLOCK | LL_FS_EXECUTE | LL_FS_IOCTL_DEV |
			  LL_FS_REMOVE_DIR));
	/* Bash: everything but devices on workspace and tmp; system dirs read + execute only. */
	w = rights_of(PROFILE_BASH, false, FS_WORKSPACE);
	assert_false(w & (LL_FS_IOCTL_DEV | LL_FS_MAKE_CHAR | LL_FS_MAKE_BLOCK));
	assert_true(w & LL_FS_EXECUTE);
	assert_int_equal(rights_of(PROFILE_BASH, false, FS_SYSTEM), LL_FS_READ | LL_FS_EXECUTE);
	assert_int_equal(rights_of(PROFILE_BASH, false, FS_PROC), LL_FS_READ);
	assert_false(rights_of(PROFILE_BASH, false, FS_DEV) & LL_FS_DIR_ONLY);
	/* readonly with an exec'd command: system dirs executable, workspace still read-only. */
	assert_int_equal(rights_of(PROFILE_READONLY, true, FS_SYSTEM), LL_FS_READ | LL_FS_EXECUTE);
	assert_int_equal(rights_of(PROFILE_READONLY, true, FS_WORKSPACE), LL_FS_READ);
	/* TodoWrite: no file rights at all. */
	assert_int_equal(rights_of(PROFILE_COMPUTE, false, FS_WORKSPACE), 0);
	assert_int_equal(rights_of(PROFILE_FETCH, false, FS_WORKSPACE), 0);
	assert_true(rights_of(PROFILE_FETCH, false, FS_CA) & LL_FS_READ_FILE);
}

static bool has_rule(const struct sc_filter *f, const char *name, enum sc_action act)
{
	const char *const *n;
	size_t i, j;

	for (i = 0; f->parts && f->parts[i]; i++)
		for (j = 0; j < f->counts[i]; j++)
			if (!strcmp(f->parts[i][j].syscall, name) && f->parts[i][j].action == act)
				return true;
	if (act == SC_ALLOW)
		for (n = f->allow_names; n && *n; n++)
			if (!strcmp(*n, name))
				return true;
	return false;
}

static void seccomp_tables_never_allow_the_deny_set(void **state)
{
	const char *const *d;
	int p, net, exec;

	(void)state;
	for (p = 0; p < PROFILE__COUNT; p++)
		for (net = 0; net < 2; net++)
			for (exec = 0; exec < 2; exec++) {
				const struct sc_filter *f = profile_seccomp((enum sandbox_profile)p, net, exec);

				for (d = profile_always_denied(); *d; d++)
					if (has_rule(f, *d, SC_ALLOW))
						fail_msg("profile %s allows '%s'",
							 profile_name((enum sandbox_profile)p), *d);
				/* The exec'd command's chain in degraded mode: the same main filter. */
				f = profile_seccomp_exec((enum sandbox_profile)p, net, exec);
				for (d = profile_always_denied(); *d; d++)
					if (has_rule(f, *d, SC_ALLOW) || has_rule(f, *d, SC_NOTIFY))
						fail_msg("profile %s's exec filter allows '%s'",
							 profile_name((enum sandbox_profile)p), *d);
			}
}

static void seccomp_tables_have_the_expected_shape(void **state)
{
	const struct sc_filter *ro = profile_seccomp(PROFILE_READONLY, false, false);
	const struct sc_filter *wr = profile_seccomp(PROFILE_WRITE, false, false);
	const struct sc_filter *bash = profile_seccomp(PROFILE_BASH, false, false);
	const struct sc_filter *bash_net = profile_seccomp(PROFILE_BASH, true, false);

	(void)state;
	/* cordon's own code: default kill; exec'd programs: default EPERM. */
	assert_int_equal(ro->def, SC_KILL);
	assert_int_equal(wr->def, SC_KILL);
	assert_int_equal(profile_seccomp(PROFILE_COMPUTE, false, false)->def, SC_KILL);
	assert_int_equal(bash->def, SC_ERRNO);
	assert_int_equal(bash->def_err, EPERM);
	/*
	 * Any exec'd command uses the exec filter, whatever its Landlock
	 * profile: the same main program (the session's exec base) and
	 * overlay rules. The read-only profile's chain adds a third program
	 * that refuses every metadata write (EROFS), which Landlock does not
	 * govern and its workspace mount would allow (FS20).
	 */
	assert_ptr_equal(profile_seccomp(PROFILE_WRITE, false, true), bash);
	{
		const struct sc_filter *rox = profile_seccomp(PROFILE_READONLY, false, true);

		assert_ptr_not_equal(rox, bash);
		assert_ptr_equal(rox->parts, bash->parts);
		assert_ptr_equal(rox->allow_names, bash->allow_names);
		assert_ptr_equal(rox->overlay->parts, bash->overlay->parts);
		assert_non_null(rox->overlay->overlay);
		assert_null(rox->overlay->overlay->overlay);
		assert_true(has_rule(rox->overlay->overlay, "chmod", SC_ERRNO));
		assert_true(has_rule(rox->overlay->overlay, "fchownat", SC_ERRNO));
		assert_true(has_rule(rox->overlay->overlay, "utimensat", SC_ERRNO));
		assert_true(has_rule(rox->overlay->overlay, "fsetxattr", SC_ERRNO));
		assert_true(has_rule(rox->overlay->overlay, "ioctl", SC_ERRNO));
		assert_ptr_equal(profile_seccomp_exec(PROFILE_READONLY, false, false)->overlay->overlay,
				 rox->overlay->overlay);
	}
	/* Namespaced Bash: the read-only mounts answer metadata writes (EROFS); no third program. */
	assert_null(bash->overlay->overlay);
	assert_null(bash_net->overlay->overlay);
	/*
	 * Degraded Bash: the metadata syscalls and inotify_add_watch go to the
	 * notifier (its program is the last of the chain: it takes the
	 * listener); the inode-flag ioctls are refused.
	 */
	{
		const struct sc_filter *deg = profile_seccomp_exec_unisolated();
		const char *const meta[] = { "chmod", "fchmod", "fchmodat", "chown", "fchown", "lchown",
					     "fchownat", "utime", "utimes", "futimesat", "utimensat",
					     "setxattr", "lsetxattr", "fsetxattr", "removexattr",
					     "lremovexattr", "fremovexattr", "inotify_add_watch" };
		size_t i;

		assert_ptr_equal(profile_seccomp_exec(PROFILE_BASH, false, false), deg);
		assert_non_null(deg->overlay->overlay);
		assert_null(deg->overlay->overlay->overlay);
		for (i = 0; i < sizeof(meta) / sizeof(meta[0]); i++)
			assert_true(has_rule(deg->overlay->overlay, meta[i], SC_NOTIFY));
		assert_true(has_rule(deg->overlay, "ioctl", SC_ERRNO));
		assert_int_equal(deg->overlay->overlay->def, SC_ALLOW);
	}
	assert_ptr_not_equal(bash, bash_net);
	/* The notifier: default kill; nothing to run, fork, connect or write with. */
	{
		const struct sc_filter *nf = profile_seccomp_notifier();
		const char *const never[] = { "execve", "execveat", "socket", "connect", "clone", "fork",
					      "vfork", "write", "ptrace", "mount", "unshare" };
		size_t i;

		assert_int_equal(nf->def, SC_KILL);
		for (i = 0; i < sizeof(never) / sizeof(never[0]); i++)
			assert_false(has_rule(nf, never[i], SC_ALLOW));
		assert_true(has_rule(nf, "ioctl", SC_ALLOW));
	}
	/* clone3 must be ENOSYS (glibc falls back to clone), never EPERM or allowed. */
	assert_true(has_rule(ro, "clone3", SC_ERRNO));
	assert_true(has_rule(bash, "clone3", SC_ERRNO));
	assert_false(has_rule(bash, "clone3", SC_ALLOW));
	/* Readonly: no execve, no socket, no write-mode open; write profile may write. */
	assert_false(has_rule(ro, "execve", SC_ALLOW));
	assert_false(has_rule(ro, "socket", SC_ALLOW));
	assert_false(has_rule(ro, "renameat2", SC_ALLOW));
	assert_true(has_rule(wr, "renameat2", SC_ALLOW));
	assert_true(has_rule(wr, "linkat", SC_ERRNO));
	/* Bash: the TIOCSTI and socket-family denials live in the overlay. */
	assert_non_null(bash->overlay);
	assert_true(has_rule(bash->overlay, "ioctl", SC_ERRNO));
	assert_true(has_rule(bash->overlay, "socket", SC_ERRNO));
	assert_int_equal(bash->overlay->def, SC_ALLOW);
	assert_true(has_rule(bash, "execve", SC_ALLOW));
	/* chmod and open are argument-checked (no set-id modes), never in the plain allowlist. */
	for (const char *const *n = bash->allow_names; *n; n++) {
		assert_string_not_equal(*n, "chmod");
		assert_string_not_equal(*n, "fchmodat");
		assert_string_not_equal(*n, "openat");
		assert_string_not_equal(*n, "openat2");
	}
	/* openat2 is ENOSYS for Bash through the overlay (the main filter is the session's base). */
	assert_true(has_rule(bash->overlay, "openat2", SC_ERRNO));
	assert_true(has_rule(profile_seccomp(PROFILE_BASH, true, true)->overlay, "openat2", SC_ERRNO));
	assert_true(has_rule(profile_seccomp_exec_unisolated()->overlay, "openat2", SC_ERRNO));
	/* Without namespaces: every socket() and the host's IPC are refused. */
	assert_true(has_rule(profile_seccomp_exec_unisolated()->overlay, "socket", SC_ERRNO));
	assert_true(has_rule(profile_seccomp_exec_unisolated()->overlay, "shmget", SC_ERRNO));
	assert_false(has_rule(bash->overlay, "shmget", SC_ERRNO));
}

static void env_allowlist_refuses_secrets(void **state)
{
	(void)state;
	assert_true(profile_env_allowed("PATH"));
	assert_true(profile_env_allowed("LANG"));
	assert_true(profile_env_allowed("LC_ALL"));
	assert_true(profile_env_allowed("TERM"));
	assert_false(profile_env_allowed("ANTHROPIC_API_KEY"));
	assert_false(profile_env_allowed("CANARY_API_KEY"));
	assert_false(profile_env_allowed("GITHUB_TOKEN"));
	assert_false(profile_env_allowed("my_secret"));
	assert_false(profile_env_allowed("DB_PASSWORD"));
	assert_false(profile_env_allowed("AWS_REGION"));
	assert_false(profile_env_allowed("SSH_AUTH_SOCK"));
	assert_false(profile_env_allowed("XDG_RUNTIME_DIR"));
	assert_false(profile_env_allowed("LD_PRELOAD"));
	assert_false(profile_env_allowed("DISPLAY"));
	assert_false(profile_env_allowed("RANDOM_THING"));
	/* A secret-looking name is refused even with an allowed prefix. */
	assert_false(profile_env_allowed("LC_TOKEN"));
	/* Who commits: named with AUTH, no secret; only these exact names. */
	assert_true(profile_env_allowed("GIT_AUTHOR_NAME"));
	assert_true(profile_env_allowed("GIT_COMMITTER_EMAIL"));
	assert_false(profile_env_allowed("GIT_AUTHOR_TOKEN"));
	assert_false(profile_env_allowed("GIT_ASKPASS"));
	assert_false(profile_env_allowed(""));
	assert_false(profile_env_allowed("PA=TH"));
	assert_false(profile_env_allowed(NULL));
}

static void protected_paths_match_components(void **state)
{
	(void)state;
	assert_true(profile_path_protected(".git/hooks"));
	assert_true(profile_path_protected(".git/hooks/pre-commit"));
	assert_true(profile_path_protected("./.git/config"));
	assert_true(profile_path_protected(".bashrc"));
	assert_true(profile_path_protected(".claude/settings.json"));
	assert_true(profile_path_protected(".mcp.json"));
	assert_false(profile_path_protected(".git/objects/ab"));
	assert_false(profile_path_protected(".git/configx"));
	assert_false(profile_path_protected("src/.bashrc.txt"));
	assert_false(profile_path_protected(".bashrc_not"));
	/* The guarded names: at any depth, any case, dirs and files, suffixes. */
	assert_true(profile_guarded_path("sub/.claude/settings.json"));
	assert_true(profile_guarded_path("a/b/.VSCode/tasks.json"));
	assert_true(profile_guarded_path("pkg/.envrc"));
	assert_true(profile_guarded_path("pkg/.git"));
	assert_true(profile_guarded_path("pkg/.git/config"));
	assert_true(profile_guarded_path("x/.husky/pre-commit"));
	assert_true(profile_guarded_path("x/.cargo/config.toml"));
	assert_true(profile_guarded_path("x/.pre-commit-config.yaml"));
	assert_true(profile_guarded_path("x/.yarnrc.yml"));
	assert_true(profile_guarded_path("x/.bash_aliases"));
	assert_true(profile_guarded_path("proj.code-workspace"));
	assert_true(profile_guarded_path("x/My.Code-Workspace"));
	assert_true(profile_guarded_path(".gemini/settings.json"));
	assert_true(profile_guarded_path(".cursor/rules"));
	assert_true(profile_guarded_path("sub/.mcp.json"));
	assert_false(profile_guarded_path(".code-workspace.bak/x"));
	assert_false(profile_guarded_path("src/main.c"));
	assert_false(profile_guarded_path("docs/vscode/x"));
	assert_false(profile_guarded_path("a/.gitignore"));
	assert_false(profile_guarded_path("a/.github/workflows/ci.yml"));
	assert_false(profile_guarded_path("CLAUDE.md"));
	assert_false(profile_guarded_path("a/.envrc.example"));
	assert_false(profile_guarded_name("", 0));
}

static void limits_are_bounded(void **state)
{
	int p;

	(void)state;
	for (p = 0; p < PROFILE__COUNT; p++) {
		const struct profile_limits *l = profile_default_limits((enum sandbox_profile)p);

		assert_true(l->nproc > 0 && l->nproc <= 4096);
		assert_true(l->nofile > 0 && l->nofile <= 65536);
		assert_true(l->pids > 0);
		assert_true(l->mem_bytes > 0);
		assert_true(l->fsize > 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(layer_names_round_trip),
		cmocka_unit_test(layer_lists_parse_and_format),
		cmocka_unit_test(landlock_tables_match_the_profiles_doc),
		cmocka_unit_test(seccomp_tables_never_allow_the_deny_set),
		cmocka_unit_test(seccomp_tables_have_the_expected_shape),
		cmocka_unit_test(env_allowlist_refuses_secrets),
		cmocka_unit_test(protected_paths_match_components),
		cmocka_unit_test(limits_are_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
