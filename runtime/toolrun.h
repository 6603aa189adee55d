/*
 * toolrun.h — supervisor side of a tool call: run a request in a child.
 *
 *	struct toolrun *tr;
 *	toolrun_open(&tr, &opts);
 *	toolrun_call(tr, PROFILE_READONLY, request, &result);   (any number)
 *	toolrun_close(tr);
 *
 * toolrun_call() runs tools/tool.h's tool_execute(request) in a child process
 * confined by `profile` and returns the child's result object. The child's
 * reply is untrusted: its size is capped (opts.max_result), it must parse as
 * one JSON object with a string or array "content", and text is valid UTF-8.
 * A child that crashes, times out or breaks the protocol yields an is_error
 * result saying so (return 0); negative CORDON_E* only when nothing could be
 * run, e.g. a layer the policy requires is missing (fail closed).
 *
 * toolrun_open() starts the session sandbox (runtime/sandbox.h): call it
 * before any secret is read. The child of a call is confined by its
 * profile's Landlock rights and seccomp filter; a child killed by the filter
 * gives an is_error result naming the refused syscall.
 */
#ifndef CORDON_RUNTIME_TOOLRUN_H
#define CORDON_RUNTIME_TOOLRUN_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

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
	bool no_namespaces;      /* run degraded on purpose (tests) */
	bool quiet;              /* no degraded-mode warning on stderr */
};

int toolrun_open(struct toolrun **out, const struct toolrun_opts *opts);
int toolrun_call(struct toolrun *tr, enum sandbox_profile profile, const json_t *request,
		 json_t **out_result);
void toolrun_close(struct toolrun *tr);

#endif
