/*
 * readonly.h — the built-in read-only command allowlist (docs/policy.md,
 * "The read-only allowlist").
 *
 * Claude Code runs commands like `ls`, `cat`, `grep` and `git status` without
 * asking, in any mode. cordon does the same for the commands listed in
 * readonly.c, judged on the words of one simple command (shsplit.h): the
 * name must be literal, and options that make a reader write or execute
 * (sort -o, find -exec, rg --pre, git -c, git diff --output, ...) take a
 * command off the list. Which *paths* it reads is a separate question the
 * caller answers (decide.c checks every operand against the working
 * directories and the Read deny rules): reading /etc/shadow with `cat` is
 * still a policy matter.
 */
#ifndef CORDON_POLICY_READONLY_H
#define CORDON_POLICY_READONLY_H

#include "policy/shsplit.h"

enum ro_class {
	RO_NO,       /* not a known read-only command (or an option makes it write) */
	RO_READ,     /* only reads: operands are paths to check */
	RO_CD,       /* cd: its operand becomes the cwd */
	RO_FS_WRITE, /* mkdir, touch, cp, mv, rmdir: allowed by acceptEdits inside the working dirs */
};

/*
 * Classify c. Operands the caller must check as paths: words[i] for
 * i >= *first_operand that do not start with '-' (plus `--opt=/path`
 * values). *why names what disqualified a RO_NO command when it is a known
 * reader used with a writing option (NULL otherwise).
 */
enum ro_class readonly_classify(const struct sh_cmd *c, size_t *first_operand, const char **why);

/* Whether `name=value` is an environment assignment that cannot change
 * which program runs or what it executes (LC_ALL, LANG, TZ, NO_COLOR, ...). */
bool readonly_safe_assignment(const char *raw);

/*
 * Whether an assignment can make any program run other code (LD_PRELOAD,
 * PATH, BASH_ENV, GIT_*, NODE_OPTIONS, ...). Allow rules match a command
 * with such a prefix only when the rule spells the assignment out.
 */
bool readonly_dangerous_assignment(const char *raw);

/*
 * Whether a whole command line only reads: it parses, and every simple
 * command in it (substitutions included) is RO_READ, with safe assignments
 * only and no redirection that can write (input, here-documents, fd
 * duplications and /dev/null are fine). `cd` is not: it changes the
 * directory later calls start in. The agent loop runs such a Bash call
 * beside the other concurrency-safe calls of its turn, as Claude Code does.
 */
bool readonly_command(const char *cmd, size_t len);

#endif
