/*
 * toolrun.h — supervisor side of a tool call: run a request in a child.
 *
 *	struct toolrun *tr;
 *	toolrun_open(&tr, &opts, &diag);
 *	toolrun_call(tr, PROFILE_READONLY, request, -1, -1, &result);   (any number, any thread)
 *	toolrun_close(tr);
 *
 * toolrun_call() runs tools/tool.h's tool_execute(request) in a child process
 * confined by `profile` and returns the child's result object. pass_fd
 * (>= 0) is handed to the child as its fd 5 (sandbox_call.pass_fd: the
 * connection WebFetch's supervisor side vetted); our copy stays ours. The child's
 * reply is untrusted: its size is capped (opts.max_result), it must parse as
 * one JSON object with a string or array "content", and text is valid UTF-8.
 * A child that crashes, times out or breaks the protocol yields an is_error
 * result saying so (return 0); negative CORDON_E* only when nothing could be
 * run: -CORDON_EUNSUPPORTED when a layer the policy requires is missing
 * (fail closed), -CORDON_EPROTO when the warden died or broke the protocol
 * (the sandbox is unusable; reopen it). When cancel_fd (>= 0) becomes
 * readable, the call's tree is killed and the result is an is_error result
 * with "cancelled": true.
 *
 * toolrun_open() starts the session sandbox (runtime/sandbox/sandbox.h):
 * call it before any secret is read. Its diag (may be NULL) is
 * sandbox_open()'s: why it failed, or on success a warning (degraded
 * sandbox) for the caller to show; nothing here writes to stderr. The child
 * of a call is confined by its profile's Landlock rights and seccomp
 * filter; a child killed by the filter gives an is_error result naming the
 * refused syscall.
 */
#ifndef CORDON_RUNTIME_TOOLRUN_H
#define CORDON_RUNTIME_TOOLRUN_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/error.h"
#include "policy/profile.h"

struct toolrun;

struct toolrun_opts {
	const char *workspace;   /* absolute; the read-write root */
	unsigned timeout_ms;     /* per call; 0 = default (120 s) */
	size_t max_result;       /* bytes of result JSON; 0 = default (16 MiB) */
	/*
	 * Extra read-only roots (NULL-terminated, may be NULL). The sandbox is
	 * built once per session, so a request's "roots" outside these (and the
	 * workspace) are not readable by the child (EACCES).
	 */
	const char *const *read_roots;
	unsigned require;        /* LAYER_BIT mask the policy requires (policy/profile.h) */
	const char *const *hide; /* paths to hide from every call (sandbox_opts.hide) */
	size_t n_hide;
	bool no_namespaces;      /* run degraded on purpose (tests) */
	const char *cache_dir;   /* sandbox_opts.cache_dir: the per-workspace cache, or NULL */
	/*
	 * Return once the warden is forked (sandbox_start()) instead of once it
	 * is ready: toolrun_ready() waits, as do the first call and
	 * toolrun_layers(). Errors found later come from those.
	 */
	bool defer_ready;
	/* sandbox_opts.egress, egress_fd: the warden's end of the egress channel (egress.h), when on. */
	bool egress;
	int egress_fd;
};

int toolrun_open(struct toolrun **out, const struct toolrun_opts *opts, struct cordon_diag *diag);
int toolrun_call(struct toolrun *tr, enum sandbox_profile profile, const json_t *request, int pass_fd,
		 int cancel_fd, json_t **out_result);

/*
 * Run a command (call->argv) in the session sandbox, as sandbox_run()
 * does, for the tools that exec (Bash, runtime/session/bash.h). Returns 0
 * with *out filled (release it), -CORDON_EUNSUPPORTED (a required layer is
 * missing: nothing ran), -CORDON_EINVAL (a bad call), -CORDON_EPROTO (the
 * warden died or broke the protocol: reopen the sandbox), -CORDON_ENOMEM.
 */
struct sandbox_call;
struct sandbox_result;
int toolrun_exec(struct toolrun *tr, const struct sandbox_call *call, struct sandbox_result *out);

/* The private temp directory as commands see it (sandbox_tmp()). */
const char *toolrun_tmp(const struct toolrun *tr);

/* The layers the session sandbox provides (LAYER_BIT mask); waits for the sandbox. */
unsigned toolrun_layers(const struct toolrun *tr);

/* The egress route's port on the session's loopback, or 0 (sandbox_egress_port()). */
unsigned toolrun_egress_port(const struct toolrun *tr);

/* Wait until the sandbox is ready: sandbox_ready() (0, or why it did not start in diag). */
int toolrun_ready(struct toolrun *tr, struct cordon_diag *diag);
void toolrun_close(struct toolrun *tr);

#endif
