/* transcript.c — the run directory and its JSONL transcript (see transcript.h). */
#include "runtime/loop/transcript.h"
#include "common/buf.h"
#include "common/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct transcript {
	char id[RUN_ID_LEN + 1];
	char dir[PATH_MAX];
	char path[PATH_MAX];
	int fd;
	unsigned long long seq;
	bool unsynced; /* lines written since the last fdatasync */
};

int run_id_new(char *out)
{
	unsigned char r[16];
	size_t got = 0;

	while (got < sizeof(r)) {
		ssize_t n = getrandom(r + got, sizeof(r) - got, 0);

		if (n < 0 && errno != EINTR)
			return -CORDON_ESYS;
		if (n > 0)
			got += (size_t)n;
	}
	r[6] = (unsigned char)((r[6] & 0x0f) | 0x40); /* version 4 */
	r[8] = (unsigned char)((r[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, RUN_ID_LEN + 1, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1],
		 r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]);
	return 0;
}

bool run_id_valid(const char *s)
{
	size_t i;

	if (!s || strlen(s) != RUN_ID_LEN)
		return false;
	for (i = 0; i < RUN_ID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-' : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

int runs_dir(char *out, size_t size)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	int n;

	if (state && state[0] == '/')
		n = snprintf(out, size, "%s/cordon/runs", state);
	else if (home && home[0] == '/')
		n = snprintf(out, size, "%s/.local/state/cordon/runs", home);
	else
		return -CORDON_EINVAL;
	return n < 0 || (size_t)n >= size ? -CORDON_ETOOBIG : 0;
}

/* mkdir -p with mode 0700 for what we create. */
static int mkdirs(const char *path)
{
	char tmp[PATH_MAX], *p;

	if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
		return -CORDON_ETOOBIG;
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
			return -CORDON_ESYS;
		*p = '/';
	}
	if (mkdir(tmp, 0700) < 0 && errno != EEXIST)
		return -CORDON_ESYS;
	return 0;
}

int transcript_open(struct transcript **out, const struct transcript_opts *opts, struct cordon_diag *diag)
{
	struct transcript *t;
	char base[PATH_MAX];
	int rc, flags;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -CORDON_ENOMEM;
	t->fd = -1;
	if (opts->id) {
		if (!run_id_valid(opts->id)) {
			rc = diag_set(diag, 0, 0, "'%s' is not a run id", opts->id);
			rc = -CORDON_EINVAL;
			goto fail;
		}
		snprintf(t->id, sizeof(t->id), "%s", opts->id);
	} else if ((rc = run_id_new(t->id)) < 0) {
		diag_set(diag, 0, 0, "cannot make a run id: %s", strerror(errno));
		goto fail;
	}
	if (opts->run_dir) {
		if (snprintf(t->dir, sizeof(t->dir), "%s", opts->run_dir) >= (int)sizeof(t->dir)) {
			rc = -CORDON_ETOOBIG;
			goto fail;
		}
	} else {
		rc = runs_dir(base, sizeof(base));
		if (rc < 0) {
			diag_set(diag, 0, 0, "no place for the run directory: set XDG_STATE_HOME or HOME, or pass --run-dir");
			goto fail;
		}
		if (snprintf(t->dir, sizeof(t->dir), "%s/%s", base, t->id) >= (int)sizeof(t->dir)) {
			rc = -CORDON_ETOOBIG;
			goto fail;
		}
	}
	rc = mkdirs(t->dir);
	if (rc < 0) {
		diag_set(diag, 0, 0, "cannot create the run directory '%s': %s", t->dir, strerror(errno));
		goto fail;
	}
	if (snprintf(t->path, sizeof(t->path), "%s/transcript.jsonl", t->dir) >= (int)sizeof(t->path)) {
		rc = -CORDON_ETOOBIG;
		goto fail;
	}
	/* A new run never writes into an old transcript (or through a planted link). */
	flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | (opts->resume ? 0 : O_CREAT | O_EXCL);
	t->fd = open(t->path, flags, 0600);
	if (t->fd < 0) {
		rc = errno == ENOENT ? -CORDON_ENOTFOUND : -CORDON_ESYS;
		diag_set(diag, 0, 0, "cannot open the transcript '%s': %s", t->path, strerror(errno));
		goto fail;
	}
	*out = t;
	return 0;
fail:
	transcript_close(t);
	return rc;
}

static void now_iso(char *out, size_t size)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(ts.tv_nsec / 1000000) % 1000);
}

int transcript_append(struct transcript *t, const char *type, json_t *fields)
{
	json_t *line;
	char ts[64], *s;
	size_t n;
	int rc;

	if (!t) {
		json_decref(fields);
		return 0;
	}
	now_iso(ts, sizeof(ts));
	line = json_pack("{s:s, s:s, s:I}", "type", type, "ts", ts, "seq", (json_int_t)++t->seq);
	if (!line) {
		json_decref(fields);
		return -CORDON_ENOMEM;
	}
	if (json_is_object(fields))
		json_object_update_missing(line, fields);
	json_decref(fields);
	s = json_dumps(line, JSON_COMPACT);
	json_decref(line);
	if (!s)
		return -CORDON_ENOMEM;
	n = strlen(s);
	s[n] = '\n'; /* over the NUL: the line is written in one write() */
	rc = fd_write_all(t->fd, s, n + 1);
	free(s);
	if (rc < 0)
		return rc;
	/*
	 * In the page cache now: a kill -9 loses nothing written. An fdatasync
	 * per line cost 0.1-1 ms each, five a turn, nearly all of a turn's
	 * supervisor time; durability against a machine crash only matters
	 * before a tool's effects, where the loop calls transcript_sync().
	 */
	t->unsynced = true;
	return 0;
}

int transcript_sync(struct transcript *t)
{
	if (!t || t->fd < 0 || !t->unsynced)
		return 0;
	if (fdatasync(t->fd) < 0 && errno != EINVAL)
		return -CORDON_ESYS;
	t->unsynced = false;
	return 0;
}

const char *transcript_id(const struct transcript *t)
{
	return t->id;
}

const char *transcript_dir(const struct transcript *t)
{
	return t->dir;
}

const char *transcript_path(const struct transcript *t)
{
	return t->path;
}

void transcript_close(struct transcript *t)
{
	if (!t)
		return;
	transcript_sync(t);
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

/* ---- resume ------------------------------------------------------------------ */

/* The tool_use ids of an assistant message (new array). */
static json_t *tool_use_ids(const json_t *msg)
{
	json_t *ids = json_array(), *b;
	size_t i;

	json_array_foreach(json_object_get(msg, "content"), i, b)
		if (!strcmp(json_string_value(json_object_get(b, "type")) ?: "", "tool_use"))
			json_array_append(ids, json_object_get(b, "id"));
	return ids;
}

/* Answer every call of assistant message `asst` that `next` (a user message or NULL) leaves unanswered. */
static int repair(json_t *messages, size_t at, const json_t *asst, json_t *next)
{
	json_t *ids = tool_use_ids(asst), *id, *results, *b;
	size_t i, k;
	int rc = 0;

	if (!ids)
		return -CORDON_ENOMEM;
	results = json_array();
	json_array_foreach(ids, i, id) {
		bool answered = false;

		json_array_foreach(next ? json_object_get(next, "content") : NULL, k, b)
			answered |= json_equal(json_object_get(b, "tool_use_id"), id);
		if (!answered &&
		    json_array_append_new(results, json_pack("{s:s, s:O, s:s, s:b}", "type", "tool_result", "tool_use_id", id,
							     "content",
							     "The run was interrupted before this call finished; its "
							     "effects may or may not have happened. Check before "
							     "repeating it.",
							     "is_error", 1)) < 0)
			rc = -CORDON_ENOMEM;
	}
	if (rc == 0 && json_array_size(results)) {
		if (next && json_is_array(json_object_get(next, "content"))) {
			/* Results go first in the user message that follows. */
			json_t *c = json_object_get(next, "content");

			json_array_extend(results, c);
			json_object_set(next, "content", results);
		} else {
			rc = json_array_insert_new(messages, at + 1, json_pack("{s:s, s:O}", "role", "user", "content",
									     results));
		}
	}
	json_decref(results);
	json_decref(ids);
	return rc;
}

int transcript_load(const char *path, json_t **out_messages, json_t **out_meta, struct cordon_diag *diag)
{
	struct buf line;
	json_t *msgs = json_array(), *meta = json_pack("{s:n, s:{}, s:n}", "init", "read_state", "todos");
	FILE *f;
	int c, rc = 0, lineno = 0;
	size_t i;

	*out_messages = NULL;
	*out_meta = NULL;
	diag_clear(diag);
	if (!msgs || !meta) {
		json_decref(msgs);
		json_decref(meta);
		return -CORDON_ENOMEM;
	}
	f = fopen(path, "re");
	if (!f) {
		json_decref(msgs);
		json_decref(meta);
		diag_set(diag, 0, 0, "cannot read the transcript '%s': %s", path, strerror(errno));
		return errno == ENOENT ? -CORDON_ENOTFOUND : -CORDON_ESYS;
	}
	diag_set_file(diag, path);
	buf_init(&line, TRANSCRIPT_MAX_LINE);
	for (;;) {
		json_t *ev;
		json_error_t je;
		const char *type;

		buf_truncate(&line, 0);
		while ((c = getc(f)) != EOF && c != '\n')
			if ((rc = buf_putc(&line, (char)c)) < 0)
				break;
		if (rc < 0) {
			diag_set(diag, lineno + 1, 0, "a line is longer than %u bytes", TRANSCRIPT_MAX_LINE);
			goto out;
		}
		if (c == EOF && !line.len)
			break;
		lineno++;
		/* Tool results may hold NULs (\u0000): a file's text. */
		ev = json_loadb(line.data, line.len, JSON_ALLOW_NUL, &je);
		if (!json_is_object(ev)) {
			json_decref(ev);
			/* A last line cut by a kill is the only damage a crash can do: skip it. */
			if (c == EOF)
				break;
			rc = diag_set(diag, lineno, je.column, "not a JSON object: %s", je.text);
			goto out;
		}
		type = json_string_value(json_object_get(ev, "type")) ?: "";
		if (!strcmp(type, "message")) {
			const char *role = json_string_value(json_object_get(ev, "role"));

			if (!role || (strcmp(role, "user") && strcmp(role, "assistant")) ||
			    !json_object_get(ev, "content")) {
				json_decref(ev);
				rc = diag_set(diag, lineno, 0, "a message line without a role and content");
				goto out;
			}
			json_array_append_new(msgs, json_pack("{s:s, s:O}", "role", role, "content",
							      json_object_get(ev, "content")));
		} else if (!strcmp(type, "system") &&
			   !strcmp(json_string_value(json_object_get(ev, "subtype")) ?: "", "init")) {
			json_object_set(meta, "init", ev);
		} else if (!strcmp(type, "tool_result")) {
			const json_t *eff = json_object_get(ev, "effects"), *rs = json_object_get(eff, "read_state");
			const char *p = json_string_value(json_object_get(rs, "path"));

			if (p)
				json_object_set(json_object_get(meta, "read_state"), p, (json_t *)rs);
			if (json_is_array(json_object_get(eff, "todos")))
				json_object_set(meta, "todos", json_object_get(eff, "todos"));
		}
		json_decref(ev);
		if (c == EOF)
			break;
	}
	/* Every tool call answered in the message right after it. */
	for (i = 0; i < json_array_size(msgs); i++) {
		json_t *m = json_array_get(msgs, i), *next = json_array_get(msgs, i + 1);

		if (strcmp(json_string_value(json_object_get(m, "role")), "assistant"))
			continue;
		if (next && strcmp(json_string_value(json_object_get(next, "role")), "user"))
			next = NULL;
		if ((rc = repair(msgs, i, m, next)) < 0)
			goto out;
	}
	*out_messages = msgs;
	*out_meta = meta;
	msgs = meta = NULL;
out:
	fclose(f);
	buf_release(&line);
	json_decref(msgs);
	json_decref(meta);
	return rc;
}
