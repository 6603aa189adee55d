/*
 * toolrun.c — tool calls through the session sandbox (see toolrun.h).
 *
 * The warden is a fork of this binary, so it runs tool_execute() itself in
 * the confined child: the request goes over as JSON bytes, the result comes
 * back as JSON bytes, capped, and is parsed here as untrusted input.
 */
#include "runtime/session/toolrun.h"
#include "common/buf.h"
#include "common/error.h"
#include "runtime/sandbox/sandbox.h"
#include "tools/tool.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOOLRUN_DEFAULT_MAX (16u << 20)
#define TOOLRUN_DEFAULT_TIMEOUT 120000u

struct toolrun {
	struct toolrun_opts opts;
	struct sandbox *sb;
};

/* Runs in the tool child: JSON request in, JSON result out. */
static int tool_fn(const void *in, size_t len, struct buf *out)
{
	json_t *req, *res = NULL;
	char *s;
	int r;

	/* Text inputs may carry NULs (\u0000): Write's content, Edit's strings. */
	req = json_loadb(in, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
	if (!req)
		return -CORDON_EPARSE;
	r = tool_execute(req, &res);
	json_decref(req);
	if (r < 0 || !res)
		return r < 0 ? r : -CORDON_ENOMEM;
	s = json_dumps(res, JSON_COMPACT);
	json_decref(res);
	if (!s)
		return -CORDON_ENOMEM;
	r = buf_puts(out, s);
	free(s);
	return r;
}

static const struct sandbox_fn toolrun_fns[] = {
	{ "tool", tool_fn },
};

int toolrun_open(struct toolrun **out, const struct toolrun_opts *opts, struct cordon_diag *diag)
{
	struct sandbox_opts so;
	struct toolrun *tr;
	int r;

	*out = NULL;
	if (diag)
		diag_clear(diag);
	tr = calloc(1, sizeof(*tr));
	if (!tr)
		return -CORDON_ENOMEM;
	tr->opts = *opts;
	if (!tr->opts.max_result)
		tr->opts.max_result = TOOLRUN_DEFAULT_MAX;
	if (!tr->opts.timeout_ms)
		tr->opts.timeout_ms = TOOLRUN_DEFAULT_TIMEOUT;
	memset(&so, 0, sizeof(so));
	so.workspace = opts->workspace;
	so.read_roots = opts->read_roots;
	so.require = opts->require;
	so.hide = opts->hide;
	so.n_hide = opts->n_hide;
	so.fns = toolrun_fns;
	so.n_fns = sizeof(toolrun_fns) / sizeof(toolrun_fns[0]);
	so.no_namespaces = opts->no_namespaces;
	so.cache_dir = opts->cache_dir;
	so.egress = opts->egress;
	so.egress_fd = opts->egress_fd;
	r = opts->defer_ready ? sandbox_start(&tr->sb, &so, diag) : sandbox_open(&tr->sb, &so, diag);
	if (r < 0) {
		free(tr);
		return r;
	}
	*out = tr;
	return 0;
}

int toolrun_exec(struct toolrun *tr, const struct sandbox_call *call, struct sandbox_result *out)
{
	int r = sandbox_run(tr->sb, call, out);

	/* A bad call is ours to fix; anything else means the warden is gone. */
	if (r < 0 && r != -CORDON_EUNSUPPORTED && r != -CORDON_ENOMEM && r != -CORDON_EINVAL)
		r = -CORDON_EPROTO;
	return r;
}

const char *toolrun_tmp(const struct toolrun *tr)
{
	return sandbox_tmp(tr->sb);
}

unsigned toolrun_layers(const struct toolrun *tr)
{
	return sandbox_layers(tr->sb);
}

unsigned toolrun_egress_port(const struct toolrun *tr)
{
	return sandbox_egress_port(tr->sb);
}

int toolrun_ready(struct toolrun *tr, struct cordon_diag *diag)
{
	return sandbox_ready(tr->sb, diag);
}

void toolrun_close(struct toolrun *tr)
{
	if (!tr)
		return;
	sandbox_close(tr->sb);
	free(tr);
}

/*
 * The child's reply, checked: one object whose "content" is a string or an
 * array. Only content, is_error and effects are kept: any other key (such
 * as "cancelled", which only we set) is the child's invention.
 */
static json_t *parse_reply(const struct buf *b)
{
	json_t *res, *content, *out = NULL;

	/* jansson rejects invalid UTF-8, so text reaching the model is valid;
	 * NULs (\u0000) are kept: a file's text may hold them. */
	res = json_loadb(b->data, b->len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
	if (!res)
		return NULL;
	content = json_is_object(res) ? json_object_get(res, "content") : NULL;
	if (content && (json_is_string(content) || json_is_array(content)))
		out = json_pack("{s:O, s:b}", "content", content, "is_error",
				json_is_true(json_object_get(res, "is_error")));
	if (out && json_object_get(res, "effects") &&
	    json_object_set(out, "effects", json_object_get(res, "effects")) < 0) {
		json_decref(out);
		out = NULL;
	}
	json_decref(res);
	return out;
}

static json_t *failure_result(const struct sandbox_result *sr, const struct toolrun *tr)
{
	char msg[512];

	switch (sr->end) {
	case SANDBOX_SECCOMP:
		snprintf(msg, sizeof(msg),
			 "the tool's sandbox stopped it: system call '%s' is not allowed for this tool",
			 sr->syscall[0] ? sr->syscall : "unknown");
		break;
	case SANDBOX_TIMEOUT:
		snprintf(msg, sizeof(msg), "the tool timed out after %u ms and was stopped",
			 tr->opts.timeout_ms);
		break;
	case SANDBOX_SIGNALED:
		snprintf(msg, sizeof(msg), "the tool's child process was killed by signal %d",
			 sr->signal);
		break;
	case SANDBOX_SETUP:
		snprintf(msg, sizeof(msg), "the tool could not be run in its sandbox: %s",
			 sr->setup_error);
		break;
	case SANDBOX_EXITED:
	default:
		snprintf(msg, sizeof(msg),
			 "the tool's child process failed (exit status %d) or broke the result protocol",
			 sr->exit_code);
		break;
	}
	return tool_result_text(msg, true);
}

/*
 * The session's placeholders (sandbox_placeholders()) re-anchored on the
 * request's own workspace string (the one pathres resolves paths against),
 * or NULL when there are none. The read-only tools treat these exact paths
 * as missing: listing an empty pinned .bashrc or .mcp.json would show the
 * model files that do not exist on the host.
 */
static json_t *placeholders_for(const struct toolrun *tr, const json_t *request)
{
	const char *const *ph = sandbox_placeholders(tr->sb);
	const char *sws = sandbox_workspace(tr->sb);
	const char *rws = json_string_value(json_object_get(request, "workspace"));
	size_t n = strlen(sws);
	json_t *arr;

	if (!ph[0])
		return NULL;
	arr = json_array();
	for (; arr && *ph; ph++) {
		char path[PATH_MAX];

		/* Each is sws + "/" + a protected path name (sandbox.c). */
		if (strncmp(*ph, sws, n) || (*ph)[n] != '/')
			continue;
		if (snprintf(path, sizeof(path), "%s%s", rws && rws[0] == '/' ? rws : sws,
			     *ph + n) >= (int)sizeof(path) ||
		    json_array_append_new(arr, json_string(path)) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

int toolrun_call(struct toolrun *tr, enum sandbox_profile profile, const json_t *request, int pass_fd,
		 int cancel_fd, json_t **out_result)
{
	struct sandbox_call c;
	struct sandbox_result sr;
	char *req = NULL;
	int r;

	*out_result = NULL;
	if (profile == PROFILE_READONLY) {
		json_t *ph = placeholders_for(tr, request), *copy;

		if (ph) {
			/* A shallow copy: the caller's request stays as it was. */
			copy = json_copy((json_t *)request);
			if (!copy) {
				json_decref(ph);
				return -CORDON_ENOMEM;
			}
			/* json_object_set_new() takes ph even when it fails. */
			if (json_object_set_new(copy, "placeholders", ph) < 0) {
				json_decref(copy);
				return -CORDON_ENOMEM;
			}
			req = json_dumps(copy, JSON_COMPACT);
			json_decref(copy);
		} else {
			req = json_dumps(request, JSON_COMPACT);
		}
	} else {
		req = json_dumps(request, JSON_COMPACT);
	}
	if (!req)
		return -CORDON_ENOMEM;
	memset(&c, 0, sizeof(c));
	c.profile = profile;
	c.fn = "tool";
	c.input = req;
	c.input_len = strlen(req);
	c.timeout_ms = tr->opts.timeout_ms;
	c.max_reply = tr->opts.max_result;
	c.max_output = 64u << 10; /* the child's own stderr chatter, for diagnostics only */
	c.pass = pass_fd >= 0;
	c.pass_fd = pass_fd;
	c.cancellable = cancel_fd >= 0;
	c.cancel_fd = cancel_fd;
	r = sandbox_run(tr->sb, &c, &sr);
	free(req);
	/* A required layer is missing: nothing ran, fail closed. Unreachable
	 * while calls require nothing of their own: sandbox_open() refuses a
	 * session without the layers it requires. */
	if (r == -CORDON_EUNSUPPORTED)
		goto out;
	if (r < 0) {
		/* The warden is gone or broke the protocol: the caller decides. */
		r = r == -CORDON_ENOMEM ? r : -CORDON_EPROTO;
		goto out;
	}
	if (sr.end == SANDBOX_CANCELLED) {
		*out_result = json_pack("{s:s, s:b, s:b}", "content", "the call was cancelled: cordon is stopping",
					"is_error", 1, "cancelled", 1);
		r = *out_result ? 0 : -CORDON_ENOMEM;
		goto out;
	}
	if (sr.end == SANDBOX_EXITED && sr.exit_code == 0)
		*out_result = parse_reply(&sr.reply);
	if (!*out_result)
		*out_result = failure_result(&sr, tr);
	r = *out_result ? 0 : -CORDON_ENOMEM;
out:
	sandbox_result_release(&sr);
	return r;
}
