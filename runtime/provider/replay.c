/*
 * replay.c — a provider that plays a script of assistant turns: offline and
 * deterministic, for the demo and the tests. The script format is in
 * docs/llm.md ("The replay script").
 */
#include "runtime/provider/internal.h"
#include "common/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int line_error(struct cordon_diag *d, int line, int col, const char *what)
{
	return diag_set(d, line, col, "%s", what);
}

/* One block of a scripted turn; tool_use blocks get an id and an input when they have none. */
static int check_block(json_t *b, int line, size_t i, struct cordon_diag *d)
{
	const char *t = json_string_value(json_object_get(b, "type"));
	char id[64];

	if (!json_is_object(b) || !t)
		return line_error(d, line, 0, "each content block needs a string \"type\"");
	if (!strcmp(t, "text") && !json_is_string(json_object_get(b, "text")))
		return line_error(d, line, 0, "a text block needs a string \"text\"");
	if (strcmp(t, "tool_use"))
		return 0;
	if (!json_is_string(json_object_get(b, "name")))
		return line_error(d, line, 0, "a tool_use block needs a string \"name\"");
	if (!json_object_get(b, "input") && json_object_set_new(b, "input", json_object()) < 0)
		return -CORDON_ENOMEM;
	if (!json_is_object(json_object_get(b, "input")))
		return line_error(d, line, 0, "a tool_use \"input\" must be an object");
	if (!json_object_get(b, "id")) {
		snprintf(id, sizeof(id), "toolu_replay_%d_%zu", line, i);
		if (json_object_set_new(b, "id", json_string(id)) < 0)
			return -CORDON_ENOMEM;
	}
	if (!json_is_string(json_object_get(b, "id")))
		return line_error(d, line, 0, "a tool_use \"id\" must be a string");
	return 0;
}

static int set_default(json_t *m, const char *key, json_t *v)
{
	if (json_object_get(m, key)) {
		json_decref(v);
		return 0;
	}
	return json_object_set_new(m, key, v) < 0 ? -CORDON_ENOMEM : 0;
}

/* One scripted turn made into a whole Messages API message. */
static int normalise(json_t *m, int line, const char *model, struct cordon_diag *d)
{
	json_t *content = json_object_get(m, "content"), *b;
	const json_t *v;
	bool tool_use = false;
	char id[64];
	size_t i;
	int r;

	if (!json_is_object(m))
		return line_error(d, line, 0, "expected an object (one assistant message)");
	if (json_is_string(content)) {
		json_t *arr = json_pack("[{s:s,s:O}]", "type", "text", "text", content);

		if (!arr || json_object_set_new(m, "content", arr) < 0)
			return -CORDON_ENOMEM;
		content = arr;
	}
	if (!json_is_array(content))
		return line_error(d, line, 0, "\"content\" must be an array of content blocks");
	json_array_foreach (content, i, b) {
		r = check_block(b, line, i, d);
		if (r < 0)
			return r;
		tool_use |= !strcmp(json_string_value(json_object_get(b, "type")), "tool_use");
	}
	v = json_object_get(m, "role");
	if (v && (!json_is_string(v) || strcmp(json_string_value(v), "assistant")))
		return line_error(d, line, 0, "\"role\" must be \"assistant\"");
	v = json_object_get(m, "stop_reason");
	if (v && !json_is_string(v))
		return line_error(d, line, 0, "\"stop_reason\" must be a string");
	v = json_object_get(m, "usage");
	if (v && !json_is_object(v))
		return line_error(d, line, 0, "\"usage\" must be an object");
	snprintf(id, sizeof(id), "msg_replay_%d", line);
	if ((r = set_default(m, "id", json_string(id))) < 0 || (r = set_default(m, "type", json_string("message"))) < 0 ||
	    (r = set_default(m, "role", json_string("assistant"))) < 0 ||
	    (r = set_default(m, "model", json_string(model))) < 0 ||
	    (r = set_default(m, "stop_reason", json_string(tool_use ? "tool_use" : "end_turn"))) < 0 ||
	    (r = set_default(m, "stop_sequence", json_null())) < 0 ||
	    (r = set_default(m, "usage", json_pack("{s:i,s:i,s:i,s:i}", "input_tokens", 0,
						   "cache_creation_input_tokens", 0, "cache_read_input_tokens", 0,
						   "output_tokens", 0))) < 0)
		return r;
	return 0;
}

int replay_parse(json_t **out, const char *text, size_t len, size_t max_line, const char *model,
		 struct cordon_diag *diag)
{
	json_t *arr = json_array(), *m;
	size_t pos = 0;
	int line = 0, r = 0;

	*out = NULL;
	if (!arr)
		return -CORDON_ENOMEM;
	while (pos < len) {
		const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos, k = 0;
		json_error_t e;

		pos += n + (nl ? 1 : 0);
		line++;
		if (n > max_line) {
			diag_set(diag, line, 0, "the line is longer than %zu bytes", max_line);
			r = -CORDON_ETOOBIG;
			goto out;
		}
		if (n && s[n - 1] == '\r')
			n--;
		while (k < n && (s[k] == ' ' || s[k] == '\t'))
			k++;
		if (k == n || s[k] == '#')
			continue;
		m = json_loadb(s, n, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &e);
		if (!m) {
			r = diag_set(diag, line, e.column, "%s", e.text);
			goto out;
		}
		r = normalise(m, line, model, diag);
		if (r < 0) {
			json_decref(m);
			goto out;
		}
		if (json_array_append_new(arr, m) < 0) { /* steals m either way */
			r = -CORDON_ENOMEM;
			goto out;
		}
	}
	*out = arr;
	arr = NULL;
out:
	json_decref(arr);
	return r;
}

static int replay_open(struct provider *p, struct cordon_diag *diag)
{
	const char *path = p->cfg.replay_script;
	const char *m = provider_model_resolve(p->cfg.model, NULL);
	struct buf b;
	int fd, r;

	if (!path || !*path) {
		diag_set(diag, 0, 0, "the replay provider needs a script (--replay-script FILE)");
		return -CORDON_EINVAL;
	}
	p->model = strdup(m ? m : "replay");
	p->key_source = "none";
	if (!p->model)
		return -CORDON_ENOMEM;
	buf_init(&b, REPLAY_MAX_SCRIPT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		diag_set(diag, 0, 0, "cannot open '%s': %s", path, strerror(errno));
		return -CORDON_EINVAL;
	}
	r = fd_read_all(fd, &b);
	close(fd);
	if (r == -CORDON_ETOOBIG)
		diag_set(diag, 0, 0, "'%s' is larger than %u bytes", path, REPLAY_MAX_SCRIPT);
	else if (r < 0)
		diag_set(diag, 0, 0, "cannot read '%s': %s", path, strerror(errno));
	else {
		diag_set_file(diag, path);
		r = replay_parse(&p->script, b.data, b.len, PROVIDER_MAX_SCRIPT_LINE, p->model, diag);
	}
	buf_release(&b);
	/* A script that cannot be played is bad configuration. */
	return r == -CORDON_ENOMEM ? r : r < 0 ? -CORDON_EINVAL : 0;
}

static int replay_send(struct provider *p, const struct provider_request *rq, const struct provider_hooks *hooks,
		       struct provider_turn *out, struct provider_error *err)
{
	json_t *m;

	(void)rq;
	if (hooks && hooks->cancel && atomic_load(hooks->cancel)) {
		snprintf(err->type, sizeof(err->type), "cancelled");
		snprintf(err->message, sizeof(err->message), "cancelled");
		return -CORDON_EKILLED;
	}
	if (p->next < json_array_size(p->script)) {
		m = json_deep_copy(json_array_get(p->script, p->next));
		p->next++;
	} else {
		/* The script is over: the run ends as a model that is done would end it. */
		m = json_pack("{s:s,s:s,s:s,s:s,s:[{s:s,s:s}],s:s,s:n,s:{s:i,s:i,s:i,s:i}}", "id", "msg_replay_end",
			      "type", "message", "role", "assistant", "model", p->model, "content", "type", "text",
			      "text", "(end of replay script)", "stop_reason", "end_turn", "stop_sequence", "usage",
			      "input_tokens", 0, "cache_creation_input_tokens", 0, "cache_read_input_tokens", 0,
			      "output_tokens", 0);
		out->script_ended = true;
	}
	if (!m)
		return -CORDON_ENOMEM;
	out->message = m;
	out->attempts = 1;
	pv_turn_from_message(out);
	return 0;
}

const struct provider_ops pv_replay_ops = {
	.open = replay_open,
	.send = replay_send,
};
