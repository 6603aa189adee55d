/*
 * editapply.h — apply one Edit to text in memory (pure; fuzzed).
 *
 * The matching rules of the reference (docs/tools.md, "Edit"):
 *  1. exact byte substring search for old;
 *  2. else search again with curly quotes folded to straight ones in both
 *     the text and old (‘ ’ → ', “ ” → "); the matched span of the text
 *     becomes the real old string and new is re-curled to the file's style
 *     (" → “ after start/space/tab/newline/([{/—/–, else ”; ' between two
 *     letters → ’, else ‘ or ’ by the same rule);
 *  3. new == "" and old not ending in "\n" while old + "\n" occurs: the
 *     newline goes too, so a deleted line leaves no blank line;
 *  4. occurrences are counted without overlap; more than one without
 *     replace_all is an error; replacement is literal.
 * old must not be empty (creating a file is the caller's business).
 */
#ifndef CORDON_TOOLS_EDITAPPLY_H
#define CORDON_TOOLS_EDITAPPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"

struct edit_req {
	const char *old_s;
	size_t old_len;
	const char *new_s;
	size_t new_len;
	bool replace_all;
};

/*
 * Apply req to text[0..n) and append the result to out. *out_count is the
 * number of occurrences found. Returns 0, -CORDON_ENOTFOUND (no match),
 * -CORDON_EINVAL (several matches, replace_all false; *out_count says how
 * many), or out's -CORDON_ETOOBIG/-CORDON_ENOMEM.
 */
int edit_apply(struct buf *out, size_t *out_count, const char *text, size_t n, const struct edit_req *req);

/*
 * Undo the API's sanitizing of special tokens (docs/tools.md, "Edit"): "<fnr>"
 * → "<function_results>", "<n>"/"</n>" → "<name>"/"</name>", likewise
 * o/e/s/r → output/error/system/result, "\n\nH:" → "\n\nHuman:", "\n\nA:" →
 * "\n\nAssistant:". Appends to out; *changed says whether anything was.
 * Edit retries with both strings undone when old is not found as sent.
 */
int edit_desanitize(struct buf *out, bool *changed, const char *s, size_t n);

/* Fold curly quotes to straight ones, appending to out. */
int edit_fold_quotes(struct buf *out, const char *s, size_t n);

#endif
