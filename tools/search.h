/*
 * search.h — the Grep and Glob tools, and what they share.
 *
 * Both tools run in a read-only tool child (PROFILE_READONLY): they resolve
 * the search path beneath an allowed root (tools/pathres.h), walk the tree
 * with tools/walk.h, and build the reference's text (spec/tools.md §6, §7).
 * The shared helpers below deal with the reference's path forms and its
 * head_limit/offset pagination.
 */
#ifndef CORDON_TOOLS_SEARCH_H
#define CORDON_TOOLS_SEARCH_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/buf.h"

/*
 * Request fields beyond tool.h's: "deny_globs": ["glob", ...] are the
 * reference's `--glob !<read-deny pattern>` (one per Read deny rule of the
 * policy, already turned into rg globs by the supervisor): matching files
 * and directories are left out of Grep and Glob results. Absent = none.
 */
#define SEARCH_MAX_DENY_GLOBS 256

/* Add "!glob" lines to an override list for the request's "deny_globs". */
struct gitignore;
int search_add_deny_globs(struct gitignore *ovr, const json_t *request);

/*
 * Tests only: make Grep hold at most `bytes` of a file at once (0 = the
 * default window), so the window-by-window path for big files can be tested
 * on small ones. Never called in production.
 */
void search_test_set_window(size_t bytes);

/* Tool entry points (registered in tools/registry.c). */
int tool_grep_run(const json_t *request, json_t **out);
int tool_glob_run(const json_t *request, json_t **out);

/*
 * The reference's display form of an absolute path: relative to cwd when
 * it lies below cwd, else unchanged. Returns a pointer into abs ("." never:
 * abs == cwd gives ""), or abs itself.
 */
const char *search_relative(const char *cwd, const char *abs);

/*
 * Append `s` to out as valid UTF-8 (bad bytes become U+FFFD), relativizing
 * the segment before its first ':' the way the reference post-processes
 * ripgrep's content and count lines (only that segment, so context lines
 * "path-N-text" keep their absolute path unless the text has a ':').
 */
int search_put_line(struct buf *out, const char *cwd, const char *s, size_t n);

/*
 * head_limit/offset as the reference applies them to N items: *out_start and
 * *out_end (exclusive) select the shown items; *out_limited says whether the
 * limit cut something (only then is "limit: L" reported). limit < 0 means
 * the default (250), 0 unlimited.
 */
void search_paginate(size_t n, long long limit, long long offset, size_t *out_start, size_t *out_end,
		     bool *out_limited, long long *out_applied_limit);

/* "limit: L, offset: O" (either part only when it applies) into out; "" when neither. */
int search_pagination_text(struct buf *out, bool limited, long long limit, long long offset);

#endif
