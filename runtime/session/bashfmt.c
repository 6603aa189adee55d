/* bashfmt.c — Bash's model-facing texts (see bashfmt.h). */
#include "runtime/session/bashfmt.h"
#include "policy/shsplit.h"
#include "common/error.h"
#include "common/utf8.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Refusals are looked for in this much of the output (its end: where a failure is said). */
#define NOTES_SCAN_MAX (1u << 20)

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

void bashfmt_trim(const char *s, size_t n, size_t *start, size_t *len)
{
	size_t i = 0, first = 0, end = n;

	while (i < n && is_space(s[i])) {
		if (s[i] == '\n')
			first = i + 1;
		i++;
	}
	if (i == n) {
		*start = n;
		*len = 0;
		return;
	}
	while (end > first && is_space(s[end - 1]))
		end--;
	*start = first;
	*len = end - first;
}

void bashfmt_duration(char *out, size_t size, unsigned ms)
{
	unsigned s = ms / 1000, h = s / 3600, m = (s / 60) % 60;

	if (ms < 60000 && ms % 1000)
		snprintf(out, size, "%u.%us", s, (ms % 1000) / 100);
	else if (ms < 60000)
		snprintf(out, size, "%us", s);
	else if (h)
		snprintf(out, size, "%uh %um %us", h, m, s % 60);
	else
		snprintf(out, size, "%um %us", m, s % 60);
}

bool bashfmt_benign_exit(const char *command, int code)
{
	static const char *const table[] = { "grep", "egrep", "fgrep", "rg", "find", "diff", "test", "[", NULL };
	struct sh_split sp;
	struct sh_error err;
	const struct sh_cmd *last = NULL;
	const char *name;
	bool benign = false;
	size_t i;

	if (code != 1 || !command)
		return false;
	if (sh_split(&sp, command, strlen(command), &err) == 0) {
		for (i = 0; i < sp.n; i++)
			if (sp.cmds[i].depth == 0 && !sp.cmds[i].header && sp.cmds[i].nwords)
				last = &sp.cmds[i];
		if (last && !(last->words[0].flags & SHW_DYNAMIC)) {
			name = strrchr(last->words[0].value, '/');
			name = name ? name + 1 : last->words[0].value;
			for (i = 0; table[i] && !benign; i++)
				benign = !strcmp(name, table[i]);
		}
	}
	sh_split_release(&sp);
	return benign;
}

/* ---- refusals the sandbox caused ------------------------------------------- */

#define NOTE_READONLY                                                                                          \
	"blocked by cordon: that path is read-only in this sandbox. Commands may write only the workspace and "  \
	"the temp directory, and not the guarded files in the workspace (.git/hooks, .git/config, .envrc, "      \
	".claude/, editor settings, shell start-up files); retrying will not help. Change files in the "         \
	"workspace instead, or leave this step to the user."
#define NOTE_GITCONFIG                                                                                         \
	"blocked by cordon: git configuration is read-only in this sandbox (.git/config, the files it includes " \
	"and the hooks path cannot be changed by a command); retrying will not help. Pass a setting for one "    \
	"command with `git -c key=value ...` instead, or leave the change to the user."
#define NOTE_NETWORK                                                                                           \
	"blocked by cordon: commands have no network access in this sandbox (only its own loopback, "            \
	"127.0.0.1, is reachable: a test server may listen there); retrying will not help. Work with what is "   \
	"in the workspace, or fetch a web page with WebFetch if it is allowed."
#define NOTE_EGRESS                                                                                            \
	"blocked by cordon: commands reach the network only through cordon's HTTP proxy (HTTP_PROXY and "        \
	"HTTPS_PROXY are set) and only for the domains in sandbox.network.allowedDomains; there is no DNS in "    \
	"this sandbox, and a program that ignores the proxy variables has no route. Use a client that honours "  \
	"them (curl, pip, npm, git over https), or leave this step to the user."

static const struct {
	const char *needle;
	const char *note;
} refusals[] = {
	{ "could not lock config file", NOTE_GITCONFIG },
	{ "could not write config file", NOTE_GITCONFIG },
	{ "Read-only file system", NOTE_READONLY },
	{ "Address family not supported by protocol", NOTE_NETWORK },
	{ "Network is unreachable", NOTE_NETWORK },
	{ "Temporary failure in name resolution", NOTE_NETWORK },
	{ "Could not resolve host", NOTE_NETWORK },
	{ "Name or service not known", NOTE_NETWORK },
	{ "No address associated with hostname", NOTE_NETWORK },
	{ "getaddrinfo failed", NOTE_NETWORK },
};

#define NREFUSALS (sizeof(refusals) / sizeof(refusals[0]))

static bool contains(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle)) != NULL;
}

int bashfmt_blocked_notes(struct buf *out, const char *s, size_t n, bool egress)
{
	const char *said[NREFUSALS];
	size_t nsaid = 0, i, j;
	int rc = 0;

	if (n > NOTES_SCAN_MAX) {
		s += n - NOTES_SCAN_MAX;
		n = NOTES_SCAN_MAX;
	}
	for (i = 0; i < NREFUSALS && rc == 0; i++) {
		if (!contains(s, n, refusals[i].needle))
			continue;
		for (j = 0; j < nsaid && said[j] != refusals[i].note; j++)
			;
		if (j < nsaid)
			continue;
		said[nsaid++] = refusals[i].note;
		rc = buf_printf(out, "%s\n", egress && !strcmp(refusals[i].note, NOTE_NETWORK) ? NOTE_EGRESS
									    : refusals[i].note);
	}
	return rc;
}

/* ---- a foreground command ------------------------------------------------------ */

/* Append a part of the result, "\n" before every part but the first. */
static int part(struct buf *out, const char *s, size_t n)
{
	int rc = 0;

	if (!n)
		return 0;
	if (out->len)
		rc = buf_putc(out, '\n');
	return rc ? rc : buf_append(out, s, n);
}

static int part_str(struct buf *out, const char *s)
{
	return s ? part(out, s, strlen(s)) : 0;
}

static void size_text(char *out, size_t size, size_t n)
{
	if (n >= (1u << 20) && n % (1u << 20) == 0)
		snprintf(out, size, "%zuMB", n >> 20);
	else if (n >= 1024)
		snprintf(out, size, "%zuKB", n >> 10);
	else
		snprintf(out, size, "%zu bytes", n);
}

int bashfmt_result(struct buf *out, bool *is_error, const struct bashfmt_run *r)
{
	struct buf text, notes;
	size_t start, len;
	char line[160], dur[48];
	bool error;
	int rc;

	buf_init(&text, BUF_NOMAX);
	buf_init(&notes, BUF_NOMAX);
	rc = utf8_sanitize(&text, r->output ? r->output : "", r->output ? r->len : 0);
	if (rc < 0)
		goto out;
	bashfmt_trim(text.data ? text.data : "", text.len, &start, &len);
	error = r->refused || r->timed_out || (r->exit_code != 0 && !bashfmt_benign_exit(r->command, r->exit_code));
	if (r->refused) {
		rc = buf_printf(&notes, "blocked by cordon: the command could not be started in the sandbox: %s\n",
				r->refused);
	} else if (r->timed_out) {
		bashfmt_duration(dur, sizeof(dur), r->timeout_ms);
		snprintf(line, sizeof(line), "Exit code 143\nCommand timed out after %s", dur);
		rc = part_str(out, line);
	} else if (error) {
		snprintf(line, sizeof(line), "Exit code %d", r->exit_code);
		rc = part_str(out, line);
	}
	if (rc == 0)
		rc = part(out, text.data + start, len);
	if (rc == 0 && r->truncated) {
		char cap[32];

		size_text(cap, sizeof(cap), r->cap);
		snprintf(line, sizeof(line), "[cordon kept the first %s of the output: the command wrote more]", cap);
		rc = part_str(out, line);
	}
	if (rc == 0 && r->cwd_reset) {
		rc = part_str(out, "Shell cwd was reset to ");
		if (rc == 0)
			rc = buf_puts(out, r->cwd_reset);
	}
	if (rc == 0 && r->signal_name && !r->timed_out)
		rc = buf_printf(&notes,
				"cordon: the shell was ended by %s; in this sandbox that usually means a limit was "
				"reached (memory 4 GiB, 512 processes, 4 GiB per file) or a system call was refused\n",
				r->signal_name);
	if (rc == 0 && text.len)
		rc = bashfmt_blocked_notes(&notes, text.data, text.len, r->egress);
	if (rc == 0 && r->notices && *r->notices) {
		const char *p = r->notices, *e;

		for (; *p && rc == 0; p = *e ? e + 1 : e) {
			e = strchr(p, '\n');
			if (!e)
				e = p + strlen(p);
			if (e > p)
				rc = buf_printf(&notes, "blocked by cordon: %.*s\n", (int)(e - p), p);
		}
	}
	if (rc == 0 && notes.len)
		rc = part(out, notes.data, notes.len - 1);
	*is_error = error;
out:
	buf_release(&text);
	buf_release(&notes);
	return rc;
}

/* ---- background commands ----------------------------------------------------- */

int bashfmt_background_started(struct buf *out, const char *id, const char *path)
{
	return buf_printf(out,
			  "Command running in background with ID: %s. Output is being written to: %s. You will be "
			  "notified when it completes. To check interim output, use Read on that file path.",
			  id, path);
}

const char *bashfmt_task_status_name(enum bashfmt_task_status st)
{
	switch (st) {
	case BASHFMT_RUNNING: return "running";
	case BASHFMT_COMPLETED: return "completed";
	case BASHFMT_FAILED: return "failed";
	case BASHFMT_KILLED: return "killed";
	}
	return "unknown";
}

/* Byte offset where the last `chars` code points of s[0..n) start. */
static size_t tail_offset(const char *s, size_t n, size_t chars)
{
	size_t i = n;

	while (i > 0 && chars) {
		i--;
		/* Step over continuation bytes to the start of the character. */
		while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
			i--;
		chars--;
	}
	return i;
}

int bashfmt_task_output(struct buf *out, const char *retrieval, const char *id,
			enum bashfmt_task_status st, bool has_exit, int exit_code, const char *output,
			size_t len, const char *path)
{
	struct buf text, shown;
	size_t start, tlen, nchars;
	int rc;

	buf_init(&text, BUF_NOMAX);
	buf_init(&shown, BUF_NOMAX);
	rc = buf_printf(out,
			"<retrieval_status>%s</retrieval_status>\n\n<task_id>%s</task_id>\n\n<task_type>local_bash"
			"</task_type>\n\n<status>%s</status>",
			retrieval, id, bashfmt_task_status_name(st));
	if (rc == 0 && has_exit)
		rc = buf_printf(out, "\n\n<exit_code>%d</exit_code>", exit_code);
	if (rc == 0)
		rc = utf8_sanitize(&text, output ? output : "", output ? len : 0);
	if (rc < 0)
		goto out;
	bashfmt_trim(text.data ? text.data : "", text.len, &start, &tlen);
	if (tlen) {
		nchars = utf8_strlen(text.data, text.len);
		if (nchars > BASHFMT_TASK_OUTPUT_CHARS) {
			rc = buf_printf(&shown, "[Truncated. Full output: %s]\n\n", path);
			if (rc == 0) {
				size_t hdr = utf8_strlen(shown.data, shown.len);
				size_t keep = hdr < BASHFMT_TASK_OUTPUT_CHARS ? BASHFMT_TASK_OUTPUT_CHARS - hdr : 0;
				size_t off = tail_offset(text.data, text.len, keep);

				rc = buf_append(&shown, text.data + off, text.len - off);
			}
		} else {
			rc = buf_append(&shown, text.data, text.len);
		}
		while (rc == 0 && shown.len && is_space(shown.data[shown.len - 1]))
			shown.len--;
		if (rc == 0)
			rc = buf_puts(out, "\n\n<output>\n");
		if (rc == 0)
			rc = buf_append(out, shown.data, shown.len);
		if (rc == 0)
			rc = buf_puts(out, "\n</output>");
	}
out:
	buf_release(&text);
	buf_release(&shown);
	return rc;
}

int bashfmt_task_stopped(struct buf *out, const char *id, const char *command)
{
	char msg[256];
	json_t *o;
	char *s;
	int rc;

	snprintf(msg, sizeof(msg), "Successfully stopped task: %s (", id);
	o = json_object();
	if (!o)
		return -CORDON_ENOMEM;
	{
		struct buf m;

		buf_init(&m, BUF_NOMAX);
		rc = buf_puts(&m, msg);
		if (rc == 0)
			rc = buf_puts(&m, command);
		if (rc == 0)
			rc = buf_putc(&m, ')');
		if (rc == 0 && (json_object_set_new(o, "message", json_stringn(m.data, m.len)) < 0 ||
				json_object_set_new(o, "task_id", json_string(id)) < 0 ||
				json_object_set_new(o, "task_type", json_string("local_bash")) < 0 ||
				json_object_set_new(o, "command", json_string(command)) < 0))
			rc = -CORDON_ENOMEM;
		buf_release(&m);
	}
	s = rc == 0 ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (rc == 0 && !s)
		rc = -CORDON_ENOMEM;
	if (rc == 0)
		rc = buf_puts(out, s);
	free(s);
	return rc;
}

int bashfmt_task_notification(struct buf *out, const char *id, const char *tool_use_id, const char *path,
			      enum bashfmt_task_status st, int exit_code, const char *what)
{
	int rc = buf_printf(out,
			    "<task-notification>\n<task-id>%s</task-id>\n<tool-use-id>%s</tool-use-id>\n<output-file>%s"
			    "</output-file>\n<status>%s</status>\n<summary>Background command \"%s\" ",
			    id, tool_use_id ? tool_use_id : "", path, bashfmt_task_status_name(st), what);

	if (rc < 0)
		return rc;
	if (st == BASHFMT_COMPLETED)
		rc = buf_printf(out, "completed (exit code %d)", exit_code);
	else if (st == BASHFMT_KILLED)
		rc = buf_puts(out, "was stopped");
	else
		rc = buf_printf(out, "failed with exit code %d", exit_code);
	return rc < 0 ? rc : buf_puts(out, "</summary>\n</task-notification>");
}
