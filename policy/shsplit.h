/*
 * shsplit.h — split a shell command into the simple commands it would run.
 *
 * The policy judges a Bash call by each simple command in it: `a && b | c`
 * is three commands and all three must be allowed (docs/policy.md, "Bash:
 * every part must be allowed"). This is a
 * real shell-word lexer, not a regex: it knows quotes ('..', "..", $'..'),
 * backslash escapes and line continuations, the operators && || ; | |& &
 * and newlines, subshells ( ), groups { }, [[ ]] tests, the keywords of
 * if/while/until/for loops, redirections (n>, >>, <, <>, >&, &>, <<<, here-documents), and
 * command substitution $(..), `..`, <(..), >(..), whose inner commands are
 * split too and reported with depth > 0.
 *
 * What it cannot judge it refuses (sh_split returns -CORDON_EPARSE with a
 * short reason in err->msg): unterminated quotes, `case`, function
 * definitions, (( )), command substitution inside ${..}, $((..))
 * or an unquoted here-document body, nesting deeper than SH_MAX_DEPTH. The
 * policy turns that into a denial saying so: a command nobody can read is
 * not run.
 *
 * Word flags tell the policy when a word's value is only known at run time
 * (parameter expansion, substitution, globs, brace expansion, ~): the raw
 * text is still there for rule matching, but a command *name* with such a
 * flag cannot be matched safely.
 *
 * Ownership: sh_split fills a struct sh_split that owns everything in it;
 * sh_split_release() frees it (also after a failed split).
 */
#ifndef CORDON_POLICY_SHSPLIT_H
#define CORDON_POLICY_SHSPLIT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

#define SH_MAX_INPUT (256 * 1024) /* bytes of one command string */
#define SH_MAX_CMDS 1024          /* simple commands per split */
#define SH_MAX_WORDS 65536        /* words and redirections per split */
#define SH_MAX_DEPTH 8            /* nested substitutions */

enum {
	SHW_QUOTED = 1 << 0,    /* some part was quoted or escaped */
	SHW_EXPANSION = 1 << 1, /* $var, ${..}, $((..)), $'\x..': value unknown */
	SHW_SUBST = 1 << 2,     /* $(..), `..`, <(..), >(..) */
	SHW_GLOB = 1 << 3,      /* unquoted * ? [ or brace expansion */
	SHW_TILDE = 1 << 4,     /* unquoted leading ~ */
};

#define SHW_DYNAMIC (SHW_EXPANSION | SHW_SUBST | SHW_GLOB | SHW_TILDE)

struct sh_word {
	char *raw;   /* the source text of the word */
	char *value; /* quotes removed, escapes applied, expansions left as written */
	unsigned flags;
};

enum sh_redir_op {
	SHR_IN,         /* <  */
	SHR_OUT,        /* >  (also >|) */
	SHR_APPEND,     /* >> */
	SHR_INOUT,      /* <> */
	SHR_DUP_IN,     /* <& */
	SHR_DUP_OUT,    /* >& */
	SHR_OUT_ALL,    /* &> and &>> */
	SHR_HEREDOC,    /* << and <<- (target: the delimiter) */
	SHR_HERESTRING, /* <<< */
};

struct sh_redir {
	int fd; /* explicit fd number, -1 when none was written */
	enum sh_redir_op op;
	struct sh_word target;
};

struct sh_cmd {
	struct sh_word *assigns; /* leading NAME=value words */
	size_t nassigns;
	struct sh_word *words; /* the command name and its arguments */
	size_t nwords;
	struct sh_redir *redirs;
	size_t nredirs;
	char *text;     /* raw words joined by one space: what rules match */
	unsigned depth; /* 0 = top level; n = inside n substitutions */
	bool header;    /* a `for NAME in WORDS` header: words, no command */
};

struct sh_split {
	struct sh_cmd *cmds;
	size_t n;
	size_t cap;
	size_t nwords; /* running total, for the SH_MAX_WORDS ceiling */
};

struct sh_error {
	char msg[200];
	size_t offset; /* byte offset in the command where it went wrong */
};

/*
 * Split src[0..len) into out (which is initialised here). Returns 0,
 * -CORDON_EPARSE (err filled), -CORDON_ETOOBIG (a ceiling above; err
 * filled) or -CORDON_ENOMEM. NUL bytes in src are a parse error.
 */
int sh_split(struct sh_split *out, const char *src, size_t len, struct sh_error *err);

void sh_split_release(struct sh_split *s);

/* Whether s is a shell NAME=value assignment word (raw text). */
bool sh_is_assignment(const char *raw);

#endif
