/* toolhost.c — session state and result shaping around toolrun_call(). */
#include "runtime/toolhost.h"
#include "runtime/toolrun.h"
#include "tools/pathres.h"
#include "tools/textfile.h"
#include "tools/tool.h"
#include "common/buf.h"
#include "common/error.h"
#include "common/fileio.h"
#include "common/path.h"
#include "common/utf8.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TOOLHOST_MAX_STATE 4096  /* read-state entries kept per session */
#define PREVIEW_CHARS 2000

struct toolhost {
	struct toolrun *tr;
	char *workspace, *cwd, *output_dir;
	bool own_output_dir;
	json_t *roots;       /* array of strings */
	char **read_roots;   /* NULL-terminated copy; toolrun keeps pointing at it */
	json_t *read_state;  /* abs path -> entry */
	json_t *todos;
	json_t *last_effects;
	toolhost_decide_fn decide;
	toolhost_deny_paths_fn deny_paths;
	void *decide_ctx;
	unsigned long seq;
};

size_t toolhost_result_cap(const char *tool)
{
	if (!strcmp(tool, "Read"))
		return 0;
	if (!strcmp(tool, "Grep"))
		return 20000;
	if (!strcmp(tool, "Bash"))
		return 30000;
	return 50000;
}

int toolhost_open(struct toolhost **out, const struct toolhost_opts *opts)
{
	struct toolrun_opts ro = { 0 };
	struct toolhost *th;
	size_t i;
	int rc = -CORDON_ENOMEM;

	*out = NULL;
	if (!opts->workspace || opts->workspace[0] != '/' || (opts->cwd && opts->cwd[0] != '/'))
		return -CORDON_EINVAL;
	th = calloc(1, sizeof(*th));
	if (!th)
		return -CORDON_ENOMEM;
	th->decide = opts->decide;
	th->decide_ctx = opts->decide_ctx;
	th->deny_paths = opts->deny_paths;
	if (path_normalize_dup(&th->workspace, opts->workspace, NULL) < 0 ||
	    path_normalize_dup(&th->cwd, opts->cwd ? opts->cwd : opts->workspace, NULL) < 0)
		goto fail;
	if (opts->output_dir && !(th->output_dir = strdup(opts->output_dir)))
		goto fail;
	th->roots = json_array();
	th->read_state = json_object();
	th->todos = json_array();
	if (!th->roots || !th->read_state || !th->todos)
		goto fail;
	for (i = 0; i < opts->nroots; i++)
		if (json_array_append_new(th->roots, json_string(opts->roots[i])) < 0)
			goto fail;
	/* The session sandbox grants the extra roots read-only once, for
	 * every call; the requests name the same roots to pathres. */
	th->read_roots = calloc(opts->nroots + 1, sizeof(*th->read_roots));
	if (!th->read_roots)
		goto fail;
	for (i = 0; i < opts->nroots; i++)
		if (!(th->read_roots[i] = strdup(opts->roots[i])))
			goto fail;
	ro.workspace = th->workspace;
	ro.timeout_ms = opts->timeout_ms;
	ro.read_roots = (const char *const *)th->read_roots;
	ro.require = opts->require;
	rc = toolrun_open(&th->tr, &ro);
	if (rc < 0)
		goto fail;
	*out = th;
	return 0;
fail:
	toolhost_close(th);
	return rc;
}

void toolhost_close(struct toolhost *th)
{
	size_t i;

	if (!th)
		return;
	if (th->tr)
		toolrun_close(th->tr);
	free(th->workspace);
	free(th->cwd);
	free(th->output_dir);
	if (th->read_roots) {
		for (i = 0; th->read_roots[i]; i++)
			free(th->read_roots[i]);
		free(th->read_roots);
	}
	json_decref(th->roots);
	json_decref(th->read_state);
	json_decref(th->todos);
	json_decref(th->last_effects);
	free(th);
}

const json_t *toolhost_todos(const struct toolhost *th)
{
	return th->todos;
}

const json_t *toolhost_last_effects(const struct toolhost *th)
{
	return th->last_effects;
}

const char *toolhost_output_dir(const struct toolhost *th)
{
	return th->output_dir;
}

static json_t *text_result(const char *text, bool is_error)
{
	return json_pack("{s:s, s:b}", "content", text, "is_error", is_error);
}

/* The read-state key of a call's file_path, or NULL (not a file tool). */
static char *state_key(const struct toolhost *th, const char *tool, const json_t *input)
{
	const char *p;
	char *key = NULL;

	if (strcmp(tool, "Read") && strcmp(tool, "Write") && strcmp(tool, "Edit"))
		return NULL;
	p = json_string_value(json_object_get(input, "file_path"));
	if (!p || path_normalize_dup(&key, p, th->cwd) < 0)
		return NULL;
	return key;
}

/*
 * Take the effects out of a child's reply. The reply is untrusted: an
 * entry is only recorded for the path this call was about, todos only from
 * TodoWrite and only as an array of objects.
 */
static void apply_effects(struct toolhost *th, const char *tool, const char *key, json_t *res)
{
	json_t *eff = json_object_get(res, "effects"), *rs, *todos, *fc, *kept;

	json_decref(th->last_effects);
	th->last_effects = NULL;
	if (!json_is_object(eff))
		goto out;
	kept = json_object();
	rs = json_object_get(eff, "read_state");
	if (key && json_is_object(rs)) {
		const char *p = json_string_value(json_object_get(rs, "path"));

		if (p && !strcmp(p, key) &&
		    (json_object_get(th->read_state, key) || json_object_size(th->read_state) < TOOLHOST_MAX_STATE)) {
			json_object_set(th->read_state, key, rs);
			if (kept)
				json_object_set(kept, "read_state", rs);
		}
	}
	todos = json_object_get(eff, "todos");
	if (!strcmp(tool, "TodoWrite") && json_is_array(todos)) {
		json_decref(th->todos);
		th->todos = json_incref(todos);
		if (kept)
			json_object_set(kept, "todos", todos);
	}
	fc = json_object_get(eff, "file_changed");
	if (key && (!strcmp(tool, "Write") || !strcmp(tool, "Edit")) && json_is_object(fc) &&
	    !strcmp(json_string_value(json_object_get(fc, "path")) ?: "", key) && kept)
		json_object_set(kept, "file_changed", fc);
	if (kept && json_object_size(kept))
		th->last_effects = kept;
	else
		json_decref(kept);
out:
	json_object_del(res, "effects");
}

static int ensure_output_dir(struct toolhost *th)
{
	const char *tmp = getenv("TMPDIR");
	char *dir;

	if (th->output_dir)
		return mkdir(th->output_dir, 0700) < 0 && errno != EEXIST ? -CORDON_ESYS : 0;
	if (asprintf(&dir, "%s/cordon-tool-XXXXXX", tmp && tmp[0] == '/' ? tmp : "/tmp") < 0)
		return -CORDON_ENOMEM;
	if (!mkdtemp(dir)) {
		free(dir);
		return -CORDON_ESYS;
	}
	th->output_dir = dir;
	th->own_output_dir = true;
	return 0;
}

/* Byte offset of code point number `chars` (or n). */
static size_t cp_offset(const char *s, size_t n, size_t chars)
{
	size_t i = 0, k;

	while (i < n && chars) {
		k = utf8_seqlen((const unsigned char *)s + i, n - i);
		i += k ? k : 1;
		chars--;
	}
	return i;
}

int toolhost_format_persisted(struct buf *out, const char *text, size_t n, const char *path)
{
	size_t cut = cp_offset(text, n, PREVIEW_CHARS), floor = cp_offset(text, n, 1000), i;
	char size_s[32];
	int rc;

	/* The first 2000 characters, cut back to the last newline in them
	 * when that newline is past character 1000 (spec/tools.md §1.4). */
	if (cut < n) {
		for (i = cut; i > floor; i--)
			if (text[i - 1] == '\n')
				break;
		if (i > floor)
			cut = i - 1;
	}
	text_format_size(size_s, sizeof(size_s), n);
	rc = buf_printf(out, "<persisted-output>\nOutput too large (%s). Full output saved to: %s\n\nPreview (first 2KB):\n",
			size_s, path);
	if (rc == 0)
		rc = buf_append(out, text, cut);
	if (rc == 0)
		rc = buf_puts(out, cut < n ? "\n...\n</persisted-output>" : "\n</persisted-output>");
	return rc;
}

/*
 * Save text to OUTPUT_DIR/<id>.<ext> and build the preview. The id comes
 * from the model's side (a tool_use id), so it is reduced to a safe file
 * name; O_EXCL|O_NOFOLLOW keep us from writing through anything planted.
 */
static int persist(struct toolhost *th, const char *id, const char *ext, const char *text, size_t n,
		   struct buf *preview_out)
{
	char name[96], *path = NULL;
	size_t i, k = 0;
	int fd = -1, rc;

	for (i = 0; id[i] && k + 1 < 64; i++)
		if ((id[i] >= 'a' && id[i] <= 'z') || (id[i] >= 'A' && id[i] <= 'Z') ||
		    (id[i] >= '0' && id[i] <= '9') || id[i] == '_' || id[i] == '-')
			name[k++] = id[i];
	name[k] = 0;
	if (!k)
		snprintf(name, sizeof(name), "output-%lu", th->seq);
	rc = ensure_output_dir(th);
	if (rc < 0)
		return rc;
	if (asprintf(&path, "%s/%s.%s", th->output_dir, name, ext) < 0)
		return -CORDON_ENOMEM;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fd_write_all(fd, text, n) < 0) {
		rc = -CORDON_ESYS;
		goto out;
	}
	rc = toolhost_format_persisted(preview_out, text, n, path);
out:
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

/* Empty text and oversized results, as the reference shapes them. */
static int shape(struct toolhost *th, const char *tool, const char *id, json_t *res)
{
	json_t *content = json_object_get(res, "content");
	size_t cap = toolhost_result_cap(tool), n;
	struct buf pv;
	char msg[128];
	int rc = 0;

	if (json_is_string(content)) {
		const char *s = json_string_value(content);

		n = json_string_length(content);
		if (text_is_blank(s, n)) {
			snprintf(msg, sizeof(msg), "(%s completed with no output)", tool);
			return json_object_set_new(res, "content", json_string(msg)) < 0 ? -CORDON_ENOMEM : 0;
		}
		if (!cap || utf8_strlen(s, n) <= cap)
			return 0;
		buf_init(&pv, BUF_NOMAX);
		rc = persist(th, id, "txt", s, n, &pv);
	} else {
		char *dump;

		if (!cap || !json_is_array(content))
			return 0;
		dump = json_dumps(content, JSON_COMPACT);
		if (!dump)
			return -CORDON_ENOMEM;
		n = strlen(dump);
		if (n <= cap) {
			free(dump);
			return 0;
		}
		buf_init(&pv, BUF_NOMAX);
		rc = persist(th, id, "json", dump, n, &pv);
		free(dump);
	}
	if (rc == 0 && json_object_set_new(res, "content", json_stringn(pv.data, pv.len)) < 0)
		rc = -CORDON_ENOMEM;
	buf_release(&pv);
	if (rc < 0) {
		/* Could not save it: say so rather than flood the context. */
		snprintf(msg, sizeof(msg), "the output of %s was too large and could not be saved: %s", tool,
			 cordon_strerror(rc));
		json_object_set_new(res, "content", json_string(msg));
		json_object_set_new(res, "is_error", json_true());
		rc = 0;
	}
	return rc;
}

int toolhost_call(struct toolhost *th, const char *name, const json_t *input, const char *tool_use_id,
		  json_t **out)
{
	const struct tool_spec *spec;
	json_t *req = NULL, *res = NULL, *state = NULL, *entry;
	char *key = NULL, *reason = NULL, idbuf[40], msg[512];
	int rc;

	*out = NULL;
	th->seq++;
	json_decref(th->last_effects);
	th->last_effects = NULL;
	if (!tool_use_id) {
		snprintf(idbuf, sizeof(idbuf), "toolu_cordon_%lu", th->seq);
		tool_use_id = idbuf;
	}
	spec = name ? tool_find(name) : NULL;
	if (!spec) {
		snprintf(msg, sizeof(msg), "<tool_use_error>Error: No such tool available: %.200s</tool_use_error>",
			 name ? name : "");
		*out = text_result(msg, true);
		return *out ? 0 : -CORDON_ENOMEM;
	}
	if (th->decide) {
		rc = th->decide(th->decide_ctx, name, input, &reason);
		if (rc < 0)
			return rc;
		if (rc > 0) {
			*out = text_result(reason ? reason : "Permission to use this tool was denied.", true);
			free(reason);
			return *out ? 0 : -CORDON_ENOMEM;
		}
	}
	key = state_key(th, name, input);
	state = json_object();
	if (!state) {
		rc = -CORDON_ENOMEM;
		goto out;
	}
	entry = key ? json_object_get(th->read_state, key) : NULL;
	if (entry)
		json_object_set(state, "read", entry);
	req = json_pack("{s:s, s:O, s:s, s:s, s:O, s:O}", "tool", name, "input",
			input ? (json_t *)input : json_null(), "cwd", th->cwd, "workspace", th->workspace, "roots",
			th->roots, "state", state);
	if (!req) {
		rc = -CORDON_ENOMEM;
		goto out;
	}
	if (th->output_dir)
		json_object_set_new(req, "output_dir", json_string(th->output_dir));
	/* The decision above judged only the path the model named; a search
	 * walks everything below it. The child drops what the Read deny rules
	 * cover, entry by entry; if the patterns cannot be had, the call is
	 * not run at all. */
	if (th->deny_paths && (!strcmp(name, "Grep") || !strcmp(name, "Glob"))) {
		json_t *deny = NULL;

		rc = th->deny_paths(th->decide_ctx, name, &deny);
		if (rc < 0)
			goto out;
		if (deny && json_array_size(deny) && json_object_set_new(req, "deny_paths", deny) < 0) {
			rc = -CORDON_ENOMEM;
			goto out;
		}
		if (deny && !json_array_size(deny))
			json_decref(deny);
	}
	rc = toolrun_call(th->tr, spec->profile, req, &res);
	if (rc < 0)
		goto out;
	if (!json_is_object(res)) {
		json_decref(res);
		res = text_result("the tool's child process returned no result", true);
	}
	apply_effects(th, name, key, res);
	if (!json_is_boolean(json_object_get(res, "is_error")))
		json_object_set_new(res, "is_error", json_false());
	rc = shape(th, name, tool_use_id, res);
	if (rc < 0)
		goto out;
	*out = res;
	res = NULL;
out:
	json_decref(res);
	json_decref(req);
	json_decref(state);
	free(key);
	return rc;
}
