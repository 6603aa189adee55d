/*
 * write.c — the Write tool (docs/tools.md, "Write"), run in a write tool
 * child.
 *
 * An existing file must have been read in this session and not changed
 * since (the read state); the write itself is wtarget_commit(): temp file,
 * fsync, rename, never through a link.
 */
#include "tools/result.h"
#include "tools/fsops.h"
#include "tools/input.h"
#include "tools/textfile.h"
#include "tools/tool.h"
#include "tools/wtarget.h"
#include "common/buf.h"
#include "common/error.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define WRITE_MAX_CONTENT CATALOG_MAX_WRITE
#define STATE_NOTE " (file state is current in your context — no need to Read it back)"

/* Markdown keeps trailing spaces (two of them are a line break). */
static bool is_markdown(const char *path)
{
	size_t n = strlen(path);

	return (n >= 3 && !strcasecmp(path + n - 3, ".md")) || (n >= 4 && !strcasecmp(path + n - 4, ".mdx"));
}

int tool_write_run(struct tool_call *call, json_t **out)
{
	struct wtarget t = { .dirfd = -1, .fd = -1 };
	struct buf content, enc;
	struct stat nst;
	const json_t *request = call->request, *in = call->input;
	const char *path = call->path, *raw;
	char msg[PATHRES_MAX_PATH + 512];
	enum readstate_verdict v;
	enum text_enc te = TEXT_UTF8;
	bool existed;
	int rc;

	*out = NULL;
	buf_init(&content, WRITE_MAX_CONTENT);
	buf_init(&enc, WRITE_MAX_CONTENT * 2 + 4);
	raw = input_str(in, "content");
	rc = is_markdown(path) ? buf_append(&content, raw, json_string_length(json_object_get(in, "content")))
			       : text_strip_trailing_ws(&content, raw, json_string_length(json_object_get(in, "content")));
	if (rc < 0)
		goto out;
	if (wtarget_open(&t, &call->pr, call->abs, path, msg, sizeof(msg)) < 0) {
		rc = result_text(out, true, true, msg);
		goto out;
	}
	existed = t.exists;
	if (t.exists) {
		v = S_ISDIR(t.st.st_mode) ? READSTATE_NOT_READ
					  : readstate_check(json_object_get(json_object_get(request, "state"), "read"),
							    &t.st, t.fd);
		if (v != READSTATE_OK) {
			rc = result_text(out, true, true,
					 v == READSTATE_NOT_READ ? READSTATE_NOT_READ_MSG : READSTATE_MODIFIED_MSG);
			goto out;
		}
		/* Keep a UTF-16 or BOM'd file in its encoding. */
		{
			char head[3];
			ssize_t n = pread(t.fd, head, sizeof(head), 0);

			if (n > 0)
				te = text_detect(head, (size_t)n);
		}
	}
	rc = text_encode(&enc, content.data, content.len, te);
	if (rc < 0)
		goto out;
	if (wtarget_commit(&t, enc.data, enc.len, &nst, msg, sizeof(msg)) < 0) {
		rc = result_text(out, true, false, msg);
		goto out;
	}
	if (existed)
		rc = result_printf(out, false, false, "The file %s has been updated successfully." STATE_NOTE, path);
	else
		rc = result_printf(out, false, false, "File created successfully at: %s" STATE_NOTE, path);
	if (rc == 0)
		rc = result_effect(*out, "read_state",
				   readstate_entry(t.loc.abs, &nst, true, text_hash(enc.data, enc.len),
						   -1, -1, false, "write"));
	if (rc == 0)
		rc = result_effect(*out, "file_changed",
				   json_pack("{s:s, s:s}", "path", t.loc.abs, "kind", existed ? "update" : "create"));
out:
	wtarget_release(&t);
	buf_release(&content);
	buf_release(&enc);
	return rc;
}
