/*
 * bash.h — one Bash command as a call of the session sandbox (supervisor
 * side): the argv, environment and directory it runs with, and what its
 * end says about the shell's directory.
 *
 *	struct bash_call bc;
 *	bash_call_init(&bc, &(struct bash_spec){ .command = cmd, .cwd = cwd, .tmp = tmp,
 *						  .timeout_ms = 120000, .out_fd = -1 });
 *	toolrun_exec(tr, &bc.call, &sr);       sr.out: stdout and stderr, merged
 *	bash_report_cwd(sr.err.data, sr.err.len, dir, sizeof(dir));
 *	bash_call_release(&bc);
 *
 * The command runs as `/bin/bash -c WRAPPER /bin/bash COMMAND`, profile
 * bash, stdin /dev/null, in the call's cwd. The wrapper (bash.c) evaluates
 * COMMAND in the shell itself, as the reference does (`eval`), so its
 * messages read "/bin/bash: line 1: ..." like the reference's. Foreground:
 * stderr is joined to stdout before COMMAND runs (one pipe: the reference's
 * write order), and when COMMAND succeeds the shell's physical directory
 * comes back on the original stderr, framed "\0DIR\0", from a descriptor
 * COMMAND does not inherit. Background (spec.out_fd >= 0): both streams go
 * to the descriptor the supervisor passes in (the child's fd 5), nothing
 * else is reported.
 *
 * COMMAND is exactly the text the policy judged (policy_bash_command()).
 * The environment is the sandbox's (the allowlisted variables, TMPDIR and
 * HOME = the private tmp; runtime/sandbox/sandbox.h) plus PWD and the cache
 * variables pointing below SANDBOX_CACHE_NAME, and with an egress route
 * (spec.proxy_port) the proxy variables: HTTP_PROXY, HTTPS_PROXY,
 * ALL_PROXY (and their lowercase forms) = http://127.0.0.1:PORT, NO_PROXY
 * and no_proxy = localhost,127.0.0.1,::1 (the sandbox's own loopback stays
 * direct), NODE_USE_ENV_PROXY=1 (Node's fetch ignores the others without
 * it); and the user's git identity (spec.git_name, spec.git_email) as
 * GIT_AUTHOR_NAME, GIT_COMMITTER_NAME, GIT_AUTHOR_EMAIL and
 * GIT_COMMITTER_EMAIL, since the sandbox's HOME has no .gitconfig. No
 * secret is ever added here.
 */
#ifndef CORDON_RUNTIME_BASH_H
#define CORDON_RUNTIME_BASH_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/sandbox/sandbox.h"

/* Bytes of a foreground command's output kept (the rest is drained and counted). */
#define BASH_MAX_CAPTURE (8u << 20)
/* A background command's wall-clock ceiling (the reference has none; ours ends with the session anyway). */
#define BASH_BACKGROUND_MAX_MS (24u * 3600u * 1000u)
/* Variables a Bash call adds to the sandbox's environment. */
#define BASH_MAX_ENV 24

struct bash_spec {
	const char *command;   /* what runs: the policy's normalised text */
	const char *cwd;       /* absolute: where the shell starts */
	const char *tmp;       /* the sandbox's tmp as commands see it (sandbox_tmp()) */
	unsigned timeout_ms;
	int out_fd;            /* background: where the output goes (passed as fd 5); -1: captured */
	int cancel_fd;         /* sandbox_call.cancel_fd, or -1 */
	unsigned proxy_port;   /* the egress route on the sandbox's loopback (egress.h), or 0: none */
	/* The user's git identity for GIT_AUTHOR_* and GIT_COMMITTER_* (session_opts.git_identity), or NULL/"" */
	const char *git_name, *git_email;
};

struct bash_call {
	struct sandbox_call call;  /* ready for toolrun_exec() */
	const char *argv[6];
	char *env[BASH_MAX_ENV + 1];
};

/* Fill bc for spec (which must outlive bc). 0 or -CORDON_ENOMEM. */
int bash_call_init(struct bash_call *bc, const struct bash_spec *spec);
void bash_call_release(struct bash_call *bc);

/*
 * The directory the foreground shell reported from its stderr (err[0..n)):
 * 1 with out filled (an absolute path, not yet checked: the command chose
 * it), 0 when it reported none (the command failed, exec'd, or changed
 * nothing it could say), -CORDON_EINVAL for a report that is not one
 * (the caller keeps its directory).
 */
int bash_report_cwd(const char *err, size_t n, char *out, size_t size);

#endif
