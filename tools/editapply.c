/* editapply.c — the Edit tool's in-memory replacement (see editapply.h). */
#include "tools/editapply.h"
#include "common/error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LSQ "\xe2\x80\x98" /* ‘ */
#define RSQ "\xe2\x80\x99" /* ’ */
#define LDQ "\xe2\x80\x9c" /* “ */
#define RDQ "\xe2\x80\x9d" /* ” */

/* The straight quote a curly one at s folds to, or 0. */
static char curly_at(const char *s, size_t n)
{
	if (n < 3 || (unsigned char)s[0] != 0xe2 || (unsigned char)s[1] != 0x80)
		return 0;
	switch ((unsigned char)s[2]) {
	case 0x98:
	case 0x99:
		return '\'';
	case 0x9c:
	case 0x9d:
		return '"';
	}
	return 0;
}

static const struct {
	const char *from, *to;
} sanitized[] = {
	{ "<fnr>", "<function_results>" }, { "<n>", "<name>" },     { "</n>", "</name>" },
	{ "<o>", "<output>" },             { "</o>", "</output>" }, { "<e>", "<error>" },
	{ "</e>", "</error>" },            { "<s>", "<system>" },   { "</s>", "</system>" },
	{ "<r>", "<result>" },             { "</r>", "</result>" }, { "\n\nH:", "\n\nHuman:" },
	{ "\n\nA:", "\n\nAssistant:" },
};

int edit_desanitize(struct buf *out, bool *changed, const char *s, size_t n)
{
	size_t i = 0, k, start = 0;
	int rc;

	*changed = false;
	while (i < n) {
		for (k = 0; k < sizeof(sanitized) / sizeof(sanitized[0]); k++) {
			size_t fl = strlen(sanitized[k].from);

			if (fl <= n - i && !memcmp(s + i, sanitized[k].from, fl))
				break;
		}
		if (k == sizeof(sanitized) / sizeof(sanitized[0])) {
			i++;
			continue;
		}
		rc = buf_append(out, s + start, i - start);
		if (rc == 0)
			rc = buf_puts(out, sanitized[k].to);
		if (rc < 0)
			return rc;
		i += strlen(sanitized[k].from);
		start = i;
		*changed = true;
	}
	return buf_append(out, s + start, n - start);
}

int edit_fold_quotes(struct buf *out, const char *s, size_t n)
{
	size_t i = 0, start = 0;
	int rc;

	while (i < n) {
		char q = (unsigned char)s[i] == 0xe2 ? curly_at(s + i, n - i) : 0;

		if (!q) {
			i++;
			continue;
		}
		rc = buf_append(out, s + start, i - start);
		if (rc == 0)
			rc = buf_putc(out, q);
		if (rc < 0)
			return rc;
		i += 3;
		start = i;
	}
	return buf_append(out, s + start, n - start);
}

/* Byte offset in the original text of byte `idx` of its folded form. */
static size_t unfold_index(const char *s, size_t n, size_t idx)
{
	size_t i = 0, f = 0;

	while (i < n && f < idx) {
		i += curly_at(s + i, n - i) ? 3 : 1;
		f++;
	}
	return i;
}

/* Count non-overlapping occurrences; *first gets the first one (or NULL). */
static size_t count_non_overlapping(const char *h, size_t n, const char *needle, size_t m, const char **first)
{
	const char *p = h, *end = h + n, *q;
	size_t c = 0;

	*first = NULL;
	while ((size_t)(end - p) >= m && (q = memmem(p, (size_t)(end - p), needle, m))) {
		if (!c)
			*first = q;
		c++;
		p = q + m;
	}
	return c;
}

static bool is_letter(unsigned char c)
{
	/* ASCII letters, and any byte of a multi-byte character (letters in
	 * most scripts); close enough to the reference's \p{L} test. */
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* Whether a quote after prev (the bytes before it in out) opens. */
static bool opens(const struct buf *b)
{
	const unsigned char *d = (const unsigned char *)b->data;
	size_t n = b->len;

	if (!n)
		return true;
	switch (d[n - 1]) {
	case ' ':
	case '\t':
	case '\n':
	case '\r':
	case '(':
	case '[':
	case '{':
		return true;
	}
	/* em dash E2 80 94, en dash E2 80 93 */
	return n >= 3 && d[n - 3] == 0xe2 && d[n - 2] == 0x80 && (d[n - 1] == 0x94 || d[n - 1] == 0x93);
}

/* new with straight quotes turned curly, for the quote kinds the file uses. */
static int recurl(struct buf *out, const char *s, size_t n, bool dq, bool sq)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		if (s[i] == '"' && dq) {
			rc = buf_puts(out, opens(out) ? LDQ : RDQ);
		} else if (s[i] == '\'' && sq) {
			bool prev_l = out->len && is_letter((unsigned char)out->data[out->len - 1]);
			bool next_l = i + 1 < n && is_letter((unsigned char)s[i + 1]);

			if (prev_l && next_l)
				rc = buf_puts(out, RSQ);
			else
				rc = buf_puts(out, opens(out) ? LSQ : RSQ);
		} else {
			rc = buf_putc(out, s[i]);
		}
	}
	return rc;
}

int edit_apply(struct buf *out, size_t *out_count, const char *text, size_t n, const struct edit_req *req)
{
	struct buf ft, fo, nw;
	const char *old = req->old_s, *nws = req->new_s, *p, *q, *end, *first;
	size_t old_len = req->old_len, nw_len = req->new_len, count;
	char *joined = NULL;
	int rc;

	*out_count = 0;
	buf_init(&ft, BUF_NOMAX);
	buf_init(&fo, BUF_NOMAX);
	buf_init(&nw, BUF_NOMAX);
	if (!old_len)
		return -CORDON_EINVAL;
	count = count_non_overlapping(text, n, old, old_len, &first);
	if (!count) {
		const char *hit;
		size_t a, b;

		rc = edit_fold_quotes(&ft, text, n);
		if (rc == 0)
			rc = edit_fold_quotes(&fo, old, old_len);
		if (rc < 0)
			goto out;
		hit = fo.len ? memmem(ft.data, ft.len, fo.data, fo.len) : NULL;
		if (!hit) {
			rc = -CORDON_ENOTFOUND;
			goto out;
		}
		a = unfold_index(text, n, (size_t)(hit - ft.data));
		b = a + unfold_index(text + a, n - a, fo.len);
		old = text + a;
		old_len = b - a;
		rc = recurl(&nw, nws, nw_len, memmem(old, old_len, LDQ, 3) || memmem(old, old_len, RDQ, 3),
			    memmem(old, old_len, LSQ, 3) || memmem(old, old_len, RSQ, 3));
		if (rc < 0)
			goto out;
		nws = nw.data;
		nw_len = nw.len;
	}
	if (!nw_len && old[old_len - 1] != '\n') {
		joined = malloc(old_len + 1);
		if (!joined) {
			rc = -CORDON_ENOMEM;
			goto out;
		}
		memcpy(joined, old, old_len);
		joined[old_len] = '\n';
		if (memmem(text, n, joined, old_len + 1)) {
			old = joined;
			old_len++;
		}
	}
	/* Recount unless the exact string (first pass) is still the one. */
	if (old != req->old_s || old_len != req->old_len)
		count = count_non_overlapping(text, n, old, old_len, &first);
	*out_count = count;
	if (count > 1 && !req->replace_all) {
		rc = -CORDON_EINVAL;
		goto out;
	}
	rc = buf_grow(out, n - count * old_len + count * nw_len);
	if (rc < 0)
		goto out;
	p = text;
	end = text + n;
	q = first;
	while (rc == 0 && q) {
		rc = buf_append(out, p, (size_t)(q - p));
		if (rc == 0)
			rc = buf_append(out, nws, nw_len);
		p = q + old_len;
		if (!req->replace_all)
			break;
		q = (size_t)(end - p) >= old_len ? memmem(p, (size_t)(end - p), old, old_len) : NULL;
	}
	if (rc == 0)
		rc = buf_append(out, p, (size_t)(end - p));
out:
	free(joined);
	buf_release(&ft);
	buf_release(&fo);
	buf_release(&nw);
	return rc;
}
