/*
 * search.h — the Grep and Glob tools, and what they share.
 *
 * Both tools run in a read-only tool child (PROFILE_READONLY): they resolve
 * the search path beneath an allowed root (tools/pathres.h), walk the tree
 * with tools/walk.h, and build the reference's text (docs/tools.md, "Grep",
 * "Glob").
 * The shared helpers below deal with the reference's path forms and its
 * head_limit/offset pagination.
 */
#ifndef CORDON_TOOLS_SEARCH_H
#define CORDON_TOOLS_SEARCH_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/buf.h"

struct pathres_loc;

/*
 * Request field beyond tool.h's: "deny_paths": ["/abs/glob", ...] are the
 * policy's Read deny rules governing the tool, anchored into absolute
 * patterns by the supervisor (policy_read_deny_patterns(), syntax of
 * policy/pathmatch.h). policy_decide() judges only the path the model
 * named; a walk below it must not show what those rules cover, so each
 * entry the walk meets is dropped (a directory is not entered) when its
 * absolute path (the start directory's + "/" + the walk's relative path)
 * or an ancestor matches a pattern. Absent = none. At most
 * SEARCH_MAX_DENY_PATHS patterns, each absolute and at most PATHMATCH_MAX
 * bytes; anything else fails the call (the supervisor sent it: fail
 * closed rather than search without the rules).
 */
#define SEARCH_MAX_DENY_PATHS 1024

/*
 * Request field "placeholders": ["/abs/path", ...] (pathres.h,
 * pathres_is_placeholder()): empty files or directories the sandbox made so
 * that missing protected paths (.bashrc, .mcp.json, ...) cannot be created.
 * They do not exist for the model: the walk drops an entry whose absolute
 * path is exactly one of them, and a search starting at one reports it as
 * missing. Same caps as deny_paths; malformed fails the call.
 */
struct search_deny {
	char **pat;  /* owned */
	size_t n;
	char **ph;   /* owned: placeholder paths, exact */
	size_t nph;
	char *start; /* owned: the normalized absolute start path */
	size_t start_len;
};

/*
 * Load the request's "deny_paths" and "placeholders" into d (zeroed first; release it even
 * on error). Returns 0, or -CORDON_EINVAL with a line for the model in
 * err[size] when the field is malformed or over its caps; -CORDON_ENOMEM.
 */
int search_deny_load(struct search_deny *d, const json_t *request, char *err, size_t size);

/*
 * Set the absolute start directory (or file) the walk's relative paths
 * hang from. Returns 0, -CORDON_EINVAL/-CORDON_ETOOBIG, -CORDON_ENOMEM.
 */
int search_deny_set_start(struct search_deny *d, const char *start_abs);

/*
 * Whether the entry rel[len] below the start (len 0: the start itself) is
 * denied or a placeholder (either way the walk drops it). A path too long
 * or too deep for the matcher to judge counts as denied (fail closed) when
 * there are deny patterns. Thread-safe: reads d only. False when d has no
 * patterns and no placeholders.
 */
bool search_deny_match(const struct search_deny *d, const char *rel, size_t len);

void search_deny_release(struct search_deny *d);

/*
 * Everything a search does with "deny_paths" before it walks: load them,
 * anchor them at loc->abs, and refuse (a result in *out, return 1) when
 * the field is malformed, when the start path itself is denied ("Permission
 * to read PATH has been denied.", as policy_decide() would say; the
 * supervisor refuses it first, this is the child's own check), or when the
 * start path goes through a symbolic link ("cannot VERB PATH: ..."). Read
 * uses it too, for the one file it opens. Returns 0 to go on (d ready), 1
 * with *out set, or negative CORDON_E*. d must be released either way.
 */
int search_deny_prepare(struct search_deny *d, const json_t *request, const struct pathres_loc *loc,
			const char *verb, json_t **out);

/*
 * With deny patterns, the start path must be reached without a symbolic
 * link: the patterns are lexical, and a link (allowed by pathres for the
 * start path) could name a denied directory by another name. Returns 0
 * when no patterns or no link; 1 when a link is on the way (the caller
 * refuses the search); negative CORDON_E* otherwise (errno for ESYS).
 */
int search_deny_check_start(const struct search_deny *d, const struct pathres_loc *loc);

/*
 * Tests only: make Grep hold at most `bytes` of a file at once (0 = the
 * default window), so the window-by-window path for big files can be tested
 * on small ones. Never called in production.
 */
void search_test_set_window(size_t bytes);

/* Tool entry points (registered in tools/registry.c). */
struct tool_call;
int tool_grep_run(struct tool_call *call, json_t **out);
int tool_glob_run(struct tool_call *call, json_t **out);

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
