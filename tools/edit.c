/*
 * edit.c — the Edit tool (docs/tools.md, "Edit"), run in a write tool
 * child.
 *
 * Validation in the reference's order (listed there), matching in
 * editapply.c, the write through wtarget_commit(). The file is decoded (BOM, UTF-16LE) and
 * CRLF folded to LF for matching; both are restored on write, and bytes
 * that are not valid UTF-8 pass through untouched.
 */
#include "tools/result.h"
#include "tools/editapply.h"
#include "tools/fsops.h"
#include "tools/input.h"
#include "tools/textfile.h"
#include "tools/tool.h"
#include "tools/wtarget.h"
#include "common/buf.h"
#include "common/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define EDIT_MAX_FILE (1ull << 30) /* the reference's 1GB */
#define EDIT_MAX_STRING CATALOG_MAX_EDIT
#define STATE_NOTE " (file state is current in your context — no need to Read it back)"

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && !strcasecmp(s + n - m, suf);
}

int tool_edit_run(struct tool_call *call, json_t **out)
{
	struct wtarget t = { .dirfd = -1, .fd = -1 };
	struct buf newstr, raw, text, result, lf, enc;
	struct stat nst;
	const json_t *request = call->request, *in = call->input;
	const char *path = call->path, *old, *nw;
	size_t old_len, new_len, count = 0;
	char msg[PATHRES_MAX_PATH + 512], size_s[32];
	enum readstate_verdict v;
	enum text_enc te = TEXT_UTF8;
	bool replace_all, crlf = false;
	int rc;

	*out = NULL;
	buf_init(&newstr, EDIT_MAX_STRING);
	buf_init(&raw, EDIT_MAX_FILE);
	buf_init(&text, EDIT_MAX_FILE * 2);
	buf_init(&result, EDIT_MAX_FILE);
	buf_init(&lf, EDIT_MAX_FILE * 2);
	buf_init(&enc, EDIT_MAX_FILE * 2 + 2);
	old = input_str(in, "old_string");
	old_len = json_string_length(json_object_get(in, "old_string"));
	nw = input_str(in, "new_string");
	new_len = json_string_length(json_object_get(in, "new_string"));
	replace_all = input_bool(in, "replace_all", false);
	if (old_len == new_len && !memcmp(old, nw, old_len)) {
		rc = result_text(out, true, true, "No changes to make: old_string and new_string are exactly the same.");
		goto out;
	}
	rc = (has_suffix(path, ".md") || has_suffix(path, ".mdx")) ? buf_append(&newstr, nw, new_len)
								   : text_strip_trailing_ws(&newstr, nw, new_len);
	if (rc < 0)
		goto out;
	if (wtarget_open(&t, &call->pr, call->abs, path, msg, sizeof(msg)) < 0) {
		rc = result_text(out, true, true, msg);
		goto out;
	}
	if (t.exists && (unsigned long long)t.st.st_size > EDIT_MAX_FILE) {
		text_format_size(size_s, sizeof(size_s), (uint64_t)t.st.st_size);
		rc = result_printf(out, true, true,
				   "File is too large to edit (%s). Maximum editable file size is 1GB.", size_s);
		goto out;
	}
	if (!t.exists) {
		if (old_len) {
			rc = result_printf(out, true, true,
					   "File does not exist. Note: your current working directory is %s.", t.pr->cwd);
			goto out;
		}
		if (wtarget_commit(&t, newstr.data, newstr.len, &nst, msg, sizeof(msg)) < 0) {
			rc = result_text(out, true, false, msg);
			goto out;
		}
		enc = newstr;
		buf_init(&newstr, EDIT_MAX_STRING);
		goto done;
	}
	if (S_ISDIR(t.st.st_mode)) {
		rc = result_printf(out, true, true, "EISDIR: illegal operation on a directory, read '%s'", t.loc.abs);
		goto out;
	}
	/* Sized from fstat up front: no realloc copies of a big file. */
	rc = buf_grow(&raw, (size_t)t.st.st_size + 1);
	if (rc == 0)
		rc = fs_read_all(t.fd, EDIT_MAX_FILE, &raw);
	if (rc < 0) {
		rc = result_printf(out, true, false, "cannot read '%s': %s", path,
				   rc == -CORDON_ESYS ? strerror(errno) : cordon_strerror(rc));
		goto out;
	}
	te = text_detect(raw.data, raw.len);
	if (te == TEXT_UTF8) {
		text = raw; /* no copy of a 100 MB file for nothing */
		buf_init(&raw, EDIT_MAX_FILE);
	} else {
		rc = text_decode(&text, raw.data, raw.len, te);
		if (rc < 0)
			goto out;
		buf_release(&raw);
	}
	crlf = text_is_crlf(text.data, text.len);
	if (text.len)
		buf_truncate(&text, text_crlf_to_lf(text.data, text.len));
	if (!old_len && !text_is_blank(text.data, text.len)) {
		rc = result_text(out, true, true, "Cannot create new file - file already exists.");
		goto out;
	}
	if (has_suffix(path, ".ipynb")) {
		rc = result_text(out, true, true, "File is a Jupyter Notebook. cordon has no NotebookEdit tool: Read the notebook and Write it whole instead.");
		goto out;
	}
	v = readstate_check(json_object_get(json_object_get(request, "state"), "read"), &t.st, t.fd);
	if (v != READSTATE_OK) {
		rc = result_text(out, true, true, v == READSTATE_NOT_READ ? READSTATE_NOT_READ_MSG : READSTATE_MODIFIED_MSG);
		goto out;
	}
	if (!old_len) {
		rc = buf_append(&result, newstr.data, newstr.len);
		count = 1;
	} else {
		struct edit_req req = { old, old_len, newstr.data, newstr.len, replace_all };

		rc = edit_apply(&result, &count, text.data, text.len, &req);
		if (rc == -CORDON_ENOTFOUND) {
			/* The API may have sanitized tokens in what the model
			 * wrote; undo that in both strings and try once more. */
			struct buf dold, dnew;
			bool ch_old, ch_new;

			buf_init(&dold, EDIT_MAX_STRING * 2);
			buf_init(&dnew, EDIT_MAX_STRING * 2);
			if (edit_desanitize(&dold, &ch_old, old, old_len) == 0 && ch_old &&
			    edit_desanitize(&dnew, &ch_new, newstr.data, newstr.len) == 0) {
				struct edit_req dreq = { dold.data, dold.len, dnew.data, dnew.len, replace_all };

				buf_truncate(&result, 0);
				rc = edit_apply(&result, &count, text.data, text.len, &dreq);
			}
			buf_release(&dold);
			buf_release(&dnew);
		}
	}
	if (rc == -CORDON_ENOTFOUND || rc == -CORDON_EINVAL) {
		/* The message quotes old_string whole, NULs included. */
		struct buf m;

		buf_init(&m, BUF_NOMAX);
		rc = rc == -CORDON_ENOTFOUND
			     ? buf_puts(&m, "String to replace not found in file.\nString: ")
			     : buf_printf(&m,
					  "Found %zu matches of the string to replace, but replace_all is false. To "
					  "replace all occurrences, set replace_all to true. To replace only one "
					  "occurrence, please provide more context to uniquely identify the "
					  "instance.\nString: ",
					  count);
		if (rc == 0)
			rc = buf_append(&m, old, old_len);
		if (rc == 0)
			rc = result_textn(out, true, true, m.data, m.len);
		buf_release(&m);
		goto out;
	}
	if (rc == -CORDON_ETOOBIG) {
		rc = result_text(out, true, true, "The edited file would be larger than 1GB, the most Edit writes.");
		goto out;
	}
	if (rc < 0)
		goto out;
	buf_release(&text);
	if (crlf) {
		rc = text_lf_to_crlf(&lf, result.data, result.len);
		if (rc == -CORDON_ETOOBIG) {
			rc = result_text(out, true, true, "The edited file would be too large to write.");
			goto out;
		}
		if (rc < 0)
			goto out;
		buf_release(&result);
		result = lf;
		buf_init(&lf, BUF_NOMAX);
	}
	if (te == TEXT_UTF8) {
		enc = result;
		buf_init(&result, BUF_NOMAX);
	} else {
		rc = text_encode(&enc, result.data, result.len, te);
		if (rc == -CORDON_ETOOBIG) {
			rc = result_text(out, true, true, "The edited file would be too large to write.");
			goto out;
		}
		if (rc < 0)
			goto out;
	}
	if (wtarget_commit(&t, enc.data, enc.len, &nst, msg, sizeof(msg)) < 0) {
		rc = result_text(out, true, false, msg);
		goto out;
	}
done:
	if (replace_all)
		rc = result_printf(out, false, false,
				   "The file %s has been updated. All occurrences were successfully replaced." STATE_NOTE,
				   path);
	else
		rc = result_printf(out, false, false, "The file %s has been updated successfully." STATE_NOTE, path);
	if (rc == 0)
		rc = result_effect(*out, "read_state",
				   readstate_entry(t.loc.abs, &nst, true, text_hash(enc.data, enc.len),
						   -1, -1, false, "write"));
	if (rc == 0)
		rc = result_effect(*out, "file_changed",
				   json_pack("{s:s, s:s, s:I}", "path", t.loc.abs, "kind", t.exists ? "update" : "create",
					     "replacements", (json_int_t)count));
out:
	wtarget_release(&t);
	buf_release(&newstr);
	buf_release(&raw);
	buf_release(&text);
	buf_release(&result);
	buf_release(&lf);
	buf_release(&enc);
	return rc;
}
