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
 */
#ifndef CORDON_RUNTIME_TOOLRUN_H
#define CORDON_RUNTIME_TOOLRUN_H

#include <stddef.h>

#include <jansson.h>

#include "policy/profile.h"

struct toolrun;

struct toolrun_opts {
	const char *workspace;   /* absolute; the read-write root */
	unsigned timeout_ms;     /* per call; 0 = default (120 s) */
	size_t max_result;       /* bytes of result JSON; 0 = default (16 MiB) */
};

int toolrun_open(struct toolrun **out, const struct toolrun_opts *opts);
int toolrun_call(struct toolrun *tr, enum sandbox_profile profile, const json_t *request,
		 json_t **out_result);
void toolrun_close(struct toolrun *tr);

#endif
