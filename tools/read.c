/*
 * read.c — the Read tool (docs/tools.md, "Read"), run in a read-only tool
 * child.
 *
 * Text files stream through a line splitter so a limit read of a huge file
 * stops early and every buffer has a ceiling: a whole-file read is capped
 * at READ_MAX_BYTES before anything is read (by fstat), a ranged read keeps
 * at most READ_MAX_OUT bytes of output (past that the token cap is blown
 * anyway and only counting goes on).
 */
#include "tools/result.h"
#include "tools/fsops.h"
#include "tools/input.h"
#include "tools/pathres.h"
#include "tools/search.h"
#include "tools/textfile.h"
#include "tools/tool.h"
#include "common/base64.h"
#include "common/buf.h"
#include "common/error.h"
#include "common/utf8.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define READ_MAX_BYTES 262144u          /* whole-file reads (the reference's 256KB) */
#define READ_MAX_TOKENS 25000           /* estimated tokens of one result */
#define READ_MAX_OUT (8u << 20)         /* output kept for a ranged read */
#define READ_MAX_UTF16 (64u << 20)      /* UTF-16 files are decoded whole */
#define READ_MAX_IMAGE (3750u * 1024u)  /* 5 MB of base64, the API's image limit */
#define READ_MAX_NOTEBOOK 262144u
#define READ_SIMILAR_SCAN 4096          /* directory entries looked at for "did you mean" */

static const char *const binary_exts[] = {
	"png", "jpg", "jpeg", "gif", "bmp", "ico", "webp", "tiff", "tif", "mp4", "mov", "avi", "mkv", "webm",
	"wmv", "flv", "m4v", "mpeg", "mpg", "mp3", "wav", "ogg", "flac", "aac", "m4a", "wma", "aiff", "opus",
	"zip", "tar", "gz", "bz2", "7z", "rar", "xz", "z", "tgz", "iso", "exe", "dll", "so", "dylib", "bin",
	"o", "a", "obj", "lib", "app", "msi", "deb", "rpm", "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx",
	"odt", "ods", "odp", "ttf", "otf", "woff", "woff2", "eot", "pyc", "pyo", "class", "jar", "war", "ear",
	"node", "wasm", "rlib", "sqlite", "sqlite3", "db", "mdb", "idx", "psd", "ai", "eps", "sketch", "fig",
	"xd", "blend", "3ds", "max", "swf", "fla", "lockb", "dat", "data", NULL,
};

static const char *const image_exts[] = { "png", "jpg", "jpeg", "gif", "webp", NULL };

static bool in_list(const char *const *list, const char *s)
{
	for (; *list; list++)
		if (!strcasecmp(*list, s))
			return true;
	return false;
}

/* Lowercase extension of the last path component ("" when none). */
static void path_ext(char *out, size_t size, const char *path)
{
	const char *base = strrchr(path, '/'), *dot;
	size_t i;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	out[0] = 0;
	if (!dot || dot == base)
		return;
	for (i = 0; dot[1 + i] && i + 1 < size; i++)
		out[i] = (char)((dot[1 + i] >= 'A' && dot[1 + i] <= 'Z') ? dot[1 + i] + 32 : dot[1 + i]);
	out[i] = 0;
}

/* " Did you mean X?" for a sibling with the same stem, or "". */
static void did_you_mean(char *out, size_t size, const struct pathres_loc *loc)
{
	const char *slash = strrchr(loc->rel, '/'), *base = slash ? slash + 1 : loc->rel, *dot;
	char *parent = NULL, best[NAME_MAX + 1] = "";
	size_t stem, scanned = 0;
	struct dirent *de;
	DIR *d = NULL;
	int fd = -1;

	out[0] = 0;
	dot = strrchr(base, '.');
	stem = dot && dot != base ? (size_t)(dot - base) : strlen(base);
	parent = strndup(loc->rel, slash ? (size_t)(slash - loc->rel) : 0);
	if (!parent || !*base)
		goto out;
	if (pathres_openat(loc->rootfd, parent, O_RDONLY | O_DIRECTORY, 0, &fd) < 0)
		goto out;
	d = fdopendir(fd);
	if (!d)
		goto out;
	fd = -1;
	while ((de = readdir(d)) && scanned++ < READ_SIMILAR_SCAN) {
		const char *edot = strrchr(de->d_name, '.');
		size_t es = edot && edot != de->d_name ? (size_t)(edot - de->d_name) : strlen(de->d_name);

		if (es == stem && !strncmp(de->d_name, base, stem) && strcmp(de->d_name, base) &&
		    (!best[0] || strcmp(de->d_name, best) < 0))
			snprintf(best, sizeof(best), "%s", de->d_name);
	}
	if (best[0]) {
		const char *aslash = strrchr(loc->abs, '/');

		snprintf(out, size, " Did you mean %.*s/%s?", aslash ? (int)(aslash - loc->abs) : 0, loc->abs,
			 best);
	}
out:
	if (d)
		closedir(d);
	if (fd >= 0)
		close(fd);
	free(parent);
}

/* --- text ------------------------------------------------------------ */

struct lines {
	long long start, end;   /* selected line indexes [start, end) */
	long long base;         /* number shown for line index 0 */
	long long line;         /* index of the line being read */
	size_t line_out;        /* where its text starts in out */
	size_t chars;           /* code points of the selected text, joins included */
	bool overflow;          /* out hit its ceiling; only counting goes on */
	bool bom_checked;
	struct buf out;
};

static void lines_begin(struct lines *l)
{
	if (l->line < l->start || l->line >= l->end || l->overflow)
		return;
	if ((l->line > l->start && buf_putc(&l->out, '\n') < 0) ||
	    buf_printf(&l->out, "%lld\t", l->line + l->base) < 0)
		l->overflow = true;
	if (l->line > l->start)
		l->chars++;
	l->line_out = l->out.len;
}

static size_t count_chars(const char *p, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += ((unsigned char)p[i] & 0xc0) != 0x80;
	return c;
}

static void lines_feed(struct lines *l, const char *p, size_t n)
{
	const char *end = p + n, *nl;

	if (!l->bom_checked) {
		l->bom_checked = true;
		if (n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
			p += 3;
		lines_begin(l);
	}
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		size_t seg = (size_t)((nl ? nl : end) - p);

		if (l->line >= l->start && l->line < l->end) {
			l->chars += count_chars(p, seg);
			if (!l->overflow && buf_append(&l->out, p, seg) < 0)
				l->overflow = true;
		}
		if (!nl)
			break;
		if (l->line >= l->start && l->line < l->end && !l->overflow && l->out.len > l->line_out &&
		    l->out.data[l->out.len - 1] == '\r') {
			buf_truncate(&l->out, l->out.len - 1);
			l->chars--;
		}
		l->line++;
		lines_begin(l);
		p = nl + 1;
	}
}

/* Cut out after `keep` lines (keep >= 1). */
static void lines_keep(struct lines *l, long long keep)
{
	size_t i;

	for (i = 0; i < l->out.len; i++)
		if (l->out.data[i] == '\n' && --keep == 0) {
			buf_truncate(&l->out, i);
			return;
		}
}

static int read_text(json_t **out, const struct pathres_loc *loc, int fd, const struct stat *st,
		     long long offset, long long limit)
{
	struct lines l = { 0 };
	struct buf raw, clean, msg;
	struct text_hasher hash;
	char chunk[65536], size_s[32];
	long long tokens, total = -1;
	bool full = offset <= 1 && limit < 0, partial = false;
	int rc;
	ssize_t n;

	text_hasher_init(&hash);
	buf_init(&raw, READ_MAX_UTF16);
	buf_init(&clean, BUF_NOMAX);
	buf_init(&msg, BUF_NOMAX);
	buf_init(&l.out, READ_MAX_OUT);
	if (limit < 0 && (unsigned long long)st->st_size > READ_MAX_BYTES) {
		text_format_size(size_s, sizeof(size_s), (uint64_t)st->st_size);
		rc = result_printf(out, true, false,
				   "File content (%s) exceeds maximum allowed size (256KB). Use offset and limit "
				   "parameters to read specific portions of the file, or search for specific content "
				   "instead of reading the whole file.",
				   size_s);
		goto done;
	}
	l.start = offset > 0 ? offset - 1 : 0;
	l.end = limit > 0 ? l.start + limit : LLONG_MAX;
	l.base = offset == 0 ? 0 : 1;
	n = pread(fd, chunk, 2, 0);
	if (n == 2 && text_detect(chunk, 2) == TEXT_UTF16LE) {
		struct buf dec;

		rc = fs_read_all(fd, READ_MAX_UTF16, &raw);
		if (rc < 0) {
			rc = result_printf(out, true, false, "cannot read '%s': %s", loc->abs,
					   rc == -CORDON_ETOOBIG ? "UTF-16 file too large" : strerror(errno));
			goto done;
		}
		text_hasher_update(&hash, raw.data, raw.len);
		buf_init(&dec, READ_MAX_UTF16 * 2);
		rc = text_decode(&dec, raw.data, raw.len, TEXT_UTF16LE);
		if (rc == 0)
			lines_feed(&l, dec.data, dec.len);
		buf_release(&dec);
		if (rc < 0)
			goto fail;
		total = l.line + 1;
	} else {
		for (;;) {
			n = read(fd, chunk, sizeof(chunk));
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				rc = result_printf(out, true, false, "cannot read '%s': %s", loc->abs, strerror(errno));
				goto done;
			}
			if (n == 0) {
				if (!l.bom_checked)
					lines_feed(&l, "", 0);
				total = l.line + 1;
				break;
			}
			if (full)
				text_hasher_update(&hash, chunk, (size_t)n);
			lines_feed(&l, chunk, (size_t)n);
			/* Past the range: stop, unless nothing was selected yet
			 * (then the warning needs the real line count). */
			if (l.line >= l.end && l.chars > 0)
				break;
			/* A ranged read whose output already blew its ceiling is
			 * an error whatever follows: do not scan on (a 2 GB line). */
			if (l.overflow && limit > 0)
				break;
		}
	}
	if (l.chars == 0) {
		rc = result_printf(out, false, false,
				   "<system-reminder>Warning: the file exists but is shorter than the provided offset "
				   "(%lld). The file has %lld lines.</system-reminder>",
				   offset >= 0 ? offset : 1, total);
		goto effect;
	}
	tokens = (long long)((l.chars + 3) / 4);
	if (tokens > READ_MAX_TOKENS) {
		long long sel, shown;

		if (limit > 0 || total < 0) {
			rc = result_printf(out, true, false,
					   "File content (%s%lld tokens) exceeds maximum allowed tokens (%d). Use offset "
					   "and limit parameters to read specific portions of the file, or search for "
					   "specific content instead of reading the whole file.",
					   l.overflow ? "more than " : "", tokens, READ_MAX_TOKENS);
			goto done;
		}
		/* A whole-file read over the cap: the first part, as the
		 * reference's PARTIAL view (2.1.145+), sized the same way. */
		sel = total - l.start;
		shown = (long long)((double)sel * READ_MAX_TOKENS / (double)tokens * 0.85);
		if (shown < 1)
			shown = 1;
		lines_keep(&l, shown);
		partial = true;
		rc = buf_printf(&msg,
				"<system-reminder>[Truncated: PARTIAL view — showing lines %lld-%lld of %lld total "
				"(%lld tokens, cap %d). Call Read with offset=%lld limit=%lld for the next page, or "
				"Grep to find a specific section. Do NOT answer from this page alone if the answer "
				"may be further in the file.]</system-reminder>\n\n",
				l.start + 1, l.start + shown, total, tokens, READ_MAX_TOKENS, l.start + shown + 1,
				shown);
		if (rc < 0)
			goto fail;
	}
	/* Files are bytes; the model gets valid UTF-8 (U+FFFD for bad bytes). */
	rc = buf_append(&clean, msg.data, msg.len);
	if (rc == 0)
		rc = utf8_sanitize(&clean, l.out.data, l.out.len);
	if (rc < 0)
		goto fail;
	rc = result_textn(out, false, false, clean.data, clean.len);
effect:
	if (rc == 0)
		rc = result_effect(*out, "read_state",
				   readstate_entry(loc->abs, st, full && !partial, text_hasher_final(&hash), offset, limit, partial,
						   "read"));
	goto done;
fail:
	rc = result_printf(out, true, false, "cannot read '%s': %s", loc->abs, cordon_strerror(rc));
done:
	buf_release(&raw);
	buf_release(&clean);
	buf_release(&msg);
	buf_release(&l.out);
	return rc;
}

/* --- images ---------------------------------------------------------- */

static const char *sniff_image(const unsigned char *p, size_t n, const char *ext)
{
	if (n >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
		return "image/png";
	if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return "image/jpeg";
	if (n >= 6 && (!memcmp(p, "GIF87a", 6) || !memcmp(p, "GIF89a", 6)))
		return "image/gif";
	if (n >= 12 && !memcmp(p, "RIFF", 4) && !memcmp(p + 8, "WEBP", 4))
		return "image/webp";
	if (!strcmp(ext, "jpg") || !strcmp(ext, "jpeg"))
		return "image/jpeg";
	if (!strcmp(ext, "gif"))
		return "image/gif";
	if (!strcmp(ext, "webp"))
		return "image/webp";
	return "image/png";
}

static int read_image(json_t **out, const struct pathres_loc *loc, const char *shown, int fd,
		      const struct stat *st, const char *ext)
{
	struct buf raw, b64;
	char size_s[32];
	int rc;

	buf_init(&raw, READ_MAX_IMAGE);
	buf_init(&b64, READ_MAX_IMAGE * 2);
	if (st->st_size == 0) {
		rc = result_printf(out, true, false, "Image file is empty: %s", shown);
		goto out;
	}
	if ((unsigned long long)st->st_size > READ_MAX_IMAGE) {
		text_format_size(size_s, sizeof(size_s), (uint64_t)st->st_size);
		rc = result_printf(out, true, false,
				   "Image file is too large to read (%s; the limit is 3.7MB). cordon does not resize "
				   "images; make a smaller copy with Bash (for example with ImageMagick) and read that.",
				   size_s);
		goto out;
	}
	rc = fs_read_all(fd, READ_MAX_IMAGE, &raw);
	if (rc == 0)
		rc = base64_encode(&b64, raw.data, raw.len);
	if (rc < 0) {
		rc = result_printf(out, true, false, "cannot read '%s': %s", loc->abs, cordon_strerror(rc));
		goto out;
	}
	*out = json_pack("{s:[{s:s, s:{s:s, s:s%, s:s}}], s:b}", "content", "type", "image", "source", "type",
			 "base64", "data", b64.data, b64.len, "media_type",
			 sniff_image((const unsigned char *)raw.data, raw.len, ext), "is_error", 0);
	rc = *out ? 0 : -CORDON_ENOMEM;
	if (rc == 0)
		rc = result_effect(*out, "read_state",
				   readstate_entry(loc->abs, st, true, text_hash(raw.data, raw.len),
						   -1, -1, false, "read"));
out:
	buf_release(&raw);
	buf_release(&b64);
	return rc;
}

/* --- notebooks ------------------------------------------------------- */

/* A notebook string field: a string or an array of strings, joined. */
static int nb_join(struct buf *b, const json_t *v)
{
	size_t i;
	json_t *s;
	int rc = 0;

	if (json_is_string(v))
		return utf8_sanitize(b, json_string_value(v), json_string_length(v));
	json_array_foreach(v, i, s) {
		if (json_is_string(s))
			rc = utf8_sanitize(b, json_string_value(s), json_string_length(s));
		if (rc < 0)
			return rc;
	}
	return 0;
}

struct blocks {
	json_t *arr;
	struct buf text; /* the text block being built */
	bool open;
};

static int blocks_text(struct blocks *bl, const char *s, size_t n)
{
	int rc = 0;

	if (bl->open)
		rc = buf_putc(&bl->text, '\n');
	bl->open = true;
	return rc < 0 ? rc : buf_append(&bl->text, s, n);
}

static int blocks_flush(struct blocks *bl)
{
	if (!bl->open)
		return 0;
	bl->open = false;
	if (json_array_append_new(bl->arr, json_pack("{s:s%, s:s}", "text", bl->text.data, bl->text.len, "type",
						     "text")) < 0)
		return -CORDON_ENOMEM;
	buf_truncate(&bl->text, 0);
	return 0;
}

static int nb_output(struct blocks *bl, const json_t *o)
{
	const char *type = json_string_value(json_object_get(o, "output_type"));
	json_t *data = json_object_get(o, "data");
	struct buf t;
	int rc = 0;

	buf_init(&t, READ_MAX_NOTEBOOK);
	if (!type)
		goto out;
	if (!strcmp(type, "stream")) {
		rc = nb_join(&t, json_object_get(o, "text"));
	} else if (!strcmp(type, "execute_result") || !strcmp(type, "display_data")) {
		const char *img = json_string_value(json_object_get(data, "image/png"));
		const char *mt = "image/png";

		if (!img) {
			img = json_string_value(json_object_get(data, "image/jpeg"));
			mt = "image/jpeg";
		}
		rc = nb_join(&t, json_object_get(data, "text/plain"));
		if (rc == 0 && img) {
			if (t.len) {
				rc = buf_putc(&t, '\n');
				if (rc == 0)
					rc = blocks_text(bl, t.data, t.len);
				buf_truncate(&t, 0);
			}
			if (rc == 0)
				rc = blocks_flush(bl);
			if (rc == 0 && json_array_append_new(bl->arr, json_pack("{s:s, s:{s:s, s:s, s:s}}", "type",
										"image", "source", "type", "base64",
										"data", img, "media_type", mt)) < 0)
				rc = -CORDON_ENOMEM;
			goto out;
		}
	} else if (!strcmp(type, "error")) {
		json_t *tb = json_object_get(o, "traceback"), *line;
		size_t i;

		rc = buf_printf(&t, "%s: %s", json_string_value(json_object_get(o, "ename")) ?: "Error",
				json_string_value(json_object_get(o, "evalue")) ?: "");
		json_array_foreach(tb, i, line) {
			if (rc == 0 && json_is_string(line))
				rc = buf_printf(&t, "\n%s", json_string_value(line));
		}
	}
	if (rc == 0 && t.len) {
		struct buf w;

		buf_init(&w, READ_MAX_NOTEBOOK + 2);
		rc = buf_putc(&w, '\n');
		if (rc == 0)
			rc = buf_append(&w, t.data, t.len);
		if (rc == 0)
			rc = blocks_text(bl, w.data, w.len);
		buf_release(&w);
	}
out:
	buf_release(&t);
	return rc;
}

static int read_notebook(json_t **out, const struct pathres_loc *loc, int fd, const struct stat *st)
{
	struct blocks bl = { 0 };
	struct buf raw, cell;
	json_error_t jerr;
	json_t *nb = NULL, *cells, *c;
	const char *lang;
	char size_s[32];
	size_t i;
	int rc;

	buf_init(&raw, READ_MAX_NOTEBOOK);
	buf_init(&cell, READ_MAX_NOTEBOOK * 2);
	buf_init(&bl.text, READ_MAX_NOTEBOOK * 4);
	if ((unsigned long long)st->st_size > READ_MAX_NOTEBOOK) {
		text_format_size(size_s, sizeof(size_s), (uint64_t)st->st_size);
		rc = result_printf(out, true, false,
				   "Notebook content (%s) exceeds maximum allowed size (256KB). Use Bash with jq to "
				   "read specific portions:\n  cat \"%s\" | jq '.cells[:20]'",
				   size_s, loc->abs);
		goto out;
	}
	rc = fs_read_all(fd, READ_MAX_NOTEBOOK, &raw);
	if (rc == 0) {
		nb = json_loadb(raw.data, raw.len, 0, &jerr);
		cells = json_object_get(nb, "cells");
		if (!json_is_array(cells)) {
			rc = result_printf(out, true, false, "'%s' is not a valid Jupyter notebook: %s", loc->abs,
					   nb ? "no \"cells\" array" : jerr.text);
			goto out;
		}
	} else {
		rc = result_printf(out, true, false, "cannot read '%s': %s", loc->abs, cordon_strerror(rc));
		goto out;
	}
	bl.arr = json_array();
	if (!bl.arr) {
		rc = -CORDON_ENOMEM;
		goto out;
	}
	lang = json_string_value(
		json_object_get(json_object_get(json_object_get(nb, "metadata"), "language_info"), "name"));
	json_array_foreach(cells, i, c) {
		const char *type = json_string_value(json_object_get(c, "cell_type")) ?: "code";
		const char *id = json_string_value(json_object_get(c, "id"));
		char idbuf[32];
		json_t *outs, *o;
		size_t j;

		if (!id) {
			snprintf(idbuf, sizeof(idbuf), "cell-%zu", i);
			id = idbuf;
		}
		buf_truncate(&cell, 0);
		rc = buf_printf(&cell, "<cell id=\"%s\">", id);
		if (rc == 0 && strcmp(type, "code"))
			rc = buf_printf(&cell, "<cell_type>%s</cell_type>", type);
		if (rc == 0 && !strcmp(type, "code") && lang && strcmp(lang, "python"))
			rc = buf_printf(&cell, "<language>%s</language>", lang);
		if (rc == 0)
			rc = nb_join(&cell, json_object_get(c, "source"));
		if (rc == 0)
			rc = buf_printf(&cell, "</cell id=\"%s\">", id);
		if (rc == 0)
			rc = blocks_text(&bl, cell.data, cell.len);
		outs = json_object_get(c, "outputs");
		json_array_foreach(outs, j, o) {
			if (rc == 0)
				rc = nb_output(&bl, o);
		}
		if (rc < 0)
			break;
	}
	if (rc == 0)
		rc = blocks_flush(&bl);
	if (rc < 0) {
		rc = result_printf(out, true, false, "cannot render notebook '%s': %s", loc->abs,
				   cordon_strerror(rc));
		goto out;
	}
	*out = json_pack("{s:O, s:b}", "content", bl.arr, "is_error", 0);
	rc = *out ? 0 : -CORDON_ENOMEM;
	if (rc == 0)
		rc = result_effect(*out, "read_state",
				   readstate_entry(loc->abs, st, true, text_hash(raw.data, raw.len),
						   -1, -1, false, "read"));
out:
	json_decref(nb);
	json_decref(bl.arr);
	buf_release(&raw);
	buf_release(&cell);
	buf_release(&bl.text);
	return rc;
}

/* --- the tool -------------------------------------------------------- */

static bool same_num(const json_t *v, long long want)
{
	return want < 0 ? (!v || json_is_null(v)) : (json_is_integer(v) && json_integer_value(v) == want);
}

int tool_read_run(struct tool_call *call, json_t **out)
{
	struct pathres_loc loc = { 0 };
	struct search_deny deny = { 0 };
	const json_t *request = call->request, *state;
	struct stat st;
	const char *path = call->path;
	char ext[16], msg[PATHRES_MAX_PATH + 512], hint[PATHRES_MAX_PATH + 64];
	long long offset, limit;
	int rc, fd = -1;

	*out = NULL;
	offset = input_int(call->input, "offset", -1);
	limit = input_int(call->input, "limit", -1);
	path_ext(ext, sizeof(ext), path);
	if (ext[0] && in_list(binary_exts, ext) && !in_list(image_exts, ext)) {
		if (!strcmp(ext, "pdf"))
			rc = result_printf(out, true, true,
					   "This tool cannot read PDF files in cordon yet. Extract the text with Bash "
					   "(for example `pdftotext %s -`) instead.",
					   path);
		else
			rc = result_printf(out, true, true,
					   "This tool cannot read binary files. The file appears to be a binary .%s file. "
					   "Please use appropriate tools for binary file analysis.",
					   ext);
		goto out;
	}
	rc = pathres_locate(&call->pr, call->abs, &loc);
	/* A sandbox placeholder (an empty pinned .bashrc, ...) does not exist for the model. */
	if (rc == 0 && pathres_is_placeholder(request, loc.abs)) {
		errno = ENOENT;
		rc = -CORDON_ESYS;
	} else if (rc == 0) {
		/* The policy judged this path by name; with Read deny rules, the
		 * name must also be the file (no link on the way to another). */
		rc = search_deny_prepare(&deny, request, &loc, "read", out);
		if (rc > 0) {
			rc = 0;
			goto out;
		}
		/* A failed look at the path (ENOENT, ...) is reported below like a failed open. */
		if (rc == 0)
			rc = pathres_open_file(&loc, &fd, &st);
	}
	if (rc == -CORDON_ESYS && errno == ENOENT) {
		did_you_mean(hint, sizeof(hint), &loc);
		rc = result_printf(out, true, false, "File does not exist. Note: your current working directory is %s.%s",
				   call->pr.cwd, hint);
		goto out;
	}
	if (rc == -CORDON_ESYS && errno == EISDIR) {
		rc = result_printf(out, true, false, "EISDIR: illegal operation on a directory, read '%s'", loc.abs);
		goto out;
	}
	if (rc < 0) {
		rc = result_text(out, true, false, pathres_errmsg(msg, sizeof(msg), rc, errno, path));
		goto out;
	}
	/* The reference's re-read dedup: same range, file untouched since. */
	state = json_object_get(json_object_get(request, "state"), "read");
	if (json_is_object(state) && !strcmp(json_string_value(json_object_get(state, "from")) ?: "", "read") &&
	    !json_is_true(json_object_get(state, "partial")) &&
	    same_num(json_object_get(state, "offset"), offset) && same_num(json_object_get(state, "limit"), limit) &&
	    json_integer_value(json_object_get(state, "mtime_ms")) == fs_mtime_ms(&st) &&
	    json_integer_value(json_object_get(state, "size")) == st.st_size &&
	    (unsigned long long)json_integer_value(json_object_get(state, "ino")) == st.st_ino) {
		rc = result_text(out, false, false,
				 "Wasted call — file unchanged since your last Read. Refer to that earlier "
				 "tool_result instead.");
		goto out;
	}
	if (in_list(image_exts, ext))
		rc = read_image(out, &loc, path, fd, &st, ext);
	else if (!strcmp(ext, "ipynb"))
		rc = read_notebook(out, &loc, fd, &st);
	else
		rc = read_text(out, &loc, fd, &st, offset, limit);
out:
	if (fd >= 0)
		close(fd);
	search_deny_release(&deny);
	pathres_loc_release(&loc);
	return rc;
}
