/*
 * gitignore.h — one ignore file (.gitignore, .ignore, .git/info/exclude) or
 * one list of override globs, read the way ripgrep's `ignore` crate does.
 *
 *	struct gitignore gi;
 *	gitignore_init(&gi, 0);
 *	gitignore_parse(&gi, text, len);        one rule per line
 *	switch (gitignore_match(&gi, "src/a.o", 7, false)) { ... }
 *	gitignore_release(&gi);
 *
 * Line syntax (gitignore(5) as the ignore crate implements it):
 *  - "#..." is a comment; blank lines are skipped; trailing whitespace is
 *    dropped unless the line ends in "\ " (an escaped space).
 *  - "!" negates (re-includes: GI_WHITELIST); "\!" and "\#" start a literal.
 *  - a leading "/" anchors the rule to the file's directory; so does any
 *    other "/" inside the rule; a rule without one matches at any depth
 *    (as if "**" and "/" were prepended).
 *  - a trailing "/" makes the rule match directories only.
 *  - a rule ending in "/" and "**" matches everything below, not the dir itself.
 *  - the rest is a glob (globmatch.h, with GLOB_LITERAL_SEP and
 *    GLOB_BACKSLASH_ESCAPE).
 * The last rule that matches decides. A directory that is ignored is not
 * entered, so nothing below it can be re-included: the walker prunes it.
 *
 * Paths given to gitignore_match() are relative to the directory holding
 * the file (no leading "./" or "/"). Rules that fail to compile are skipped
 * (ripgrep warns and goes on) and counted in `bad`.
 *
 * A parsed gitignore is immutable; matching is safe from many threads.
 */
#ifndef CORDON_TOOLS_GITIGNORE_H
#define CORDON_TOOLS_GITIGNORE_H

#include <stdbool.h>
#include <stddef.h>

#include "tools/globmatch.h"

#define GITIGNORE_MAX_RULES 20000     /* rules kept from one file */
#define GITIGNORE_MAX_BYTES (1u << 20) /* bytes of one ignore file read */

enum gi_match {
	GI_NONE = 0,   /* no rule matched */
	GI_IGNORE,     /* the last matching rule ignores the path */
	GI_WHITELIST   /* the last matching rule is a "!" rule */
};

#define GITIGNORE_CASEFOLD 0x1u /* match case-insensitively */

struct gi_rule {
	struct glob *glob;
	bool whitelist; /* "!rule" */
	bool dir_only;  /* "rule/" */
};

struct gitignore {
	struct gi_rule *rules;
	size_t nrules, cap;
	size_t nwhitelist; /* rules with "!" */
	size_t bad;        /* lines whose glob did not compile */
	unsigned flags;
};

void gitignore_init(struct gitignore *gi, unsigned flags);
void gitignore_release(struct gitignore *gi);

/*
 * Add one line (without its newline). Comments and blank lines are no-ops.
 * A rule that does not compile is counted in gi->bad and returns 0; only
 * -CORDON_ENOMEM and -CORDON_ETOOBIG (too many rules) are failures.
 */
int gitignore_add_line(struct gitignore *gi, const char *line, size_t len);

/* Add every line of text[0..len) ("\n" or "\r\n" line ends). */
int gitignore_parse(struct gitignore *gi, const char *text, size_t len);

/* The verdict of the last rule matching path (relative, see above). */
enum gi_match gitignore_match(const struct gitignore *gi, const char *path, size_t len, bool is_dir);

static inline bool gitignore_empty(const struct gitignore *gi)
{
	return gi->nrules == 0;
}

#endif
