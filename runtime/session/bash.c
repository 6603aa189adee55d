/* bash.c — a Bash command as a sandbox call (see bash.h). */
#include "runtime/session/bash.h"
#include "common/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The foreground wrapper. fd 3 keeps the shell's stderr (the call's err
 * pipe) for the directory report; every stream of COMMAND goes to stdout,
 * so the two arrive in the order they were written. COMMAND runs with fd 3
 * closed (`3>&-` on the eval: bash restores it after), so nothing it starts
 * holds the report channel. The directory is reported only when COMMAND
 * succeeded, as the reference's `eval ... && pwd -P >| FILE` does; `cd -P .`
 * makes $PWD the physical path without a fork. `builtin` everywhere: COMMAND
 * may have defined functions of those names (it only fools its own report,
 * which the supervisor checks like any other).
 */
static const char fg_wrapper[] =
	/* One line: eval reports COMMAND's lines counted from the line it is on ("line 1: ..."). */
	"exec 3>&2 2>&1; __cordon_cmd=$1; builtin set --; builtin eval \"$__cordon_cmd\" 3>&-; "
	"__cordon_status=$?; "
	"if builtin test \"$__cordon_status\" = 0 && builtin cd -P . 2>/dev/null; then "
	"builtin printf '\\0%s\\0' \"$PWD\" >&3; fi; "
	"builtin exit \"$__cordon_status\"";

/* The background wrapper: stdout and stderr to the passed descriptor, which COMMAND's processes hold. */
static const char bg_wrapper[] =
	"exec 1>&5 2>&5 5>&-; __cordon_cmd=$1; builtin set --; builtin eval \"$__cordon_cmd\"";

/* Cache variables below the cache directory (the tmp's SANDBOX_CACHE_NAME), each tool's own name. */
static const char *const cache_vars[][2] = {
	{ "XDG_CACHE_HOME", "" },            /* pip, go-build, yarn, ... */
	{ "npm_config_cache", "/npm" },
	{ "GOPATH", "/go" },                 /* its pkg/mod is Go's module cache */
	{ "CARGO_HOME", "/cargo" },          /* the registry and git caches */
	{ "GRADLE_USER_HOME", "/gradle" },
};

/* With an egress route: every spelling clients read, all naming the one proxy (bash.h). */
static const char *const proxy_vars[] = { "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
					   "http_proxy", "https_proxy", "all_proxy" };
static const char *const proxy_fixed[] = { "NO_PROXY=localhost,127.0.0.1,::1", "no_proxy=localhost,127.0.0.1,::1",
					   "NODE_USE_ENV_PROXY=1" };

/* The user's identity, for git's commits (the sandbox's HOME has no .gitconfig): names, then emails. */
static const char *const git_identity_vars[] = { "GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME", "GIT_AUTHOR_EMAIL",
						 "GIT_COMMITTER_EMAIL" };

int bash_call_init(struct bash_call *bc, const struct bash_spec *spec)
{
	size_t n = 0, i;

	memset(bc, 0, sizeof(*bc));
	bc->argv[0] = "/bin/bash";
	bc->argv[1] = "-c";
	bc->argv[2] = spec->out_fd >= 0 ? bg_wrapper : fg_wrapper;
	bc->argv[3] = "/bin/bash"; /* $0: what the shell's own messages start with */
	bc->argv[4] = spec->command;
	bc->argv[5] = NULL;
	if (asprintf(&bc->env[n], "PWD=%s", spec->cwd) < 0)
		goto fail;
	n++;
	for (i = 0; spec->tmp && i < sizeof(cache_vars) / sizeof(cache_vars[0]); i++) {
		if (asprintf(&bc->env[n], "%s=%s/%s%s", cache_vars[i][0], spec->tmp, SANDBOX_CACHE_NAME,
			     cache_vars[i][1]) < 0)
			goto fail;
		n++;
	}
	for (i = 0; spec->proxy_port && i < sizeof(proxy_vars) / sizeof(proxy_vars[0]); i++) {
		if (asprintf(&bc->env[n], "%s=http://127.0.0.1:%u", proxy_vars[i], spec->proxy_port) < 0)
			goto fail;
		n++;
	}
	for (i = 0; spec->proxy_port && i < sizeof(proxy_fixed) / sizeof(proxy_fixed[0]); i++) {
		if (!(bc->env[n] = strdup(proxy_fixed[i])))
			goto fail;
		n++;
	}
	for (i = 0; i < 4; i++) {
		const char *v = i < 2 ? spec->git_name : spec->git_email;

		if (!v || !*v)
			continue;
		if (asprintf(&bc->env[n], "%s=%s", git_identity_vars[i], v) < 0)
			goto fail;
		n++;
	}
	bc->env[n] = NULL;
	bc->call.profile = PROFILE_BASH;
	bc->call.argv = bc->argv;
	bc->call.env = (const char *const *)bc->env;
	bc->call.cwd = spec->cwd;
	bc->call.timeout_ms = spec->timeout_ms;
	bc->call.max_output = BASH_MAX_CAPTURE;
	if (spec->out_fd >= 0) {
		bc->call.pass = true;
		bc->call.pass_fd = spec->out_fd;
	}
	if (spec->cancel_fd >= 0) {
		bc->call.cancellable = true;
		bc->call.cancel_fd = spec->cancel_fd;
	}
	return 0;
fail:
	bc->env[n] = NULL;
	bash_call_release(bc);
	return -CORDON_ENOMEM;
}

void bash_call_release(struct bash_call *bc)
{
	size_t i;

	for (i = 0; i < BASH_MAX_ENV && bc->env[i]; i++)
		free(bc->env[i]);
	memset(bc, 0, sizeof(*bc));
}

int bash_report_cwd(const char *err, size_t n, char *out, size_t size)
{
	const char *end, *start;
	size_t len;

	/* "\0DIR\0" at the very end: anything before it is the shell's own chatter. */
	if (n < 3 || err[n - 1] != '\0')
		return 0;
	end = err + n - 1;
	for (start = end; start > err && start[-1] != '\0'; start--)
		;
	if (start == err)
		return -CORDON_EINVAL;
	len = (size_t)(end - start);
	if (!len || start[0] != '/' || len >= size)
		return -CORDON_EINVAL;
	memcpy(out, start, len);
	out[len] = '\0';
	return 1;
}
