#include "policy/readonly.h"

#include <stdlib.h>
#include <string.h>

struct ro_cmd {
	const char *name;
	const char *bad_short;         /* option letters that write or execute */
	const char *const *bad_long;   /* options (exact, or prefix before '=') */
	int max_operands;              /* -1: any number */
};

static const char *const sort_bad[] = { "--output", "--compress-program", NULL };
static const char *const rg_bad[] = { "--pre", NULL };
static const char *const date_bad[] = { "--set", NULL };
static const char *const host_bad[] = { "--file", "--boot", NULL };
static const char *const find_bad[] = { "-exec", "-execdir", "-ok", "-okdir", "-delete", "-fprint",
					"-fprint0", "-fprintf", "-fls", NULL };
/* file -C compiles a magic file: it writes NAME.mgc. */
static const char *const file_bad[] = { "--compile", NULL };
static const char *const none[] = { NULL };

static const struct ro_cmd table[] = {
	{ "ls", "", none, -1 },         { "pwd", "", none, -1 },        { "cat", "", none, -1 },
	{ "head", "", none, -1 },       { "tail", "", none, -1 },       { "wc", "", none, -1 },
	{ "cut", "", none, -1 },        { "nl", "", none, -1 },         { "tr", "", none, -1 },
	{ "basename", "", none, -1 },   { "dirname", "", none, -1 },    { "realpath", "", none, -1 },
	{ "readlink", "", none, -1 },   { "stat", "", none, -1 },       { "file", "C", file_bad, -1 },
	{ "du", "", none, -1 },         { "df", "", none, -1 },         { "tree", "o", none, -1 },
	{ "cmp", "", none, -1 },        { "comm", "", none, -1 },       { "diff", "", none, -1 },
	{ "md5sum", "", none, -1 },     { "sha1sum", "", none, -1 },    { "sha256sum", "", none, -1 },
	{ "sha512sum", "", none, -1 },  { "od", "", none, -1 },         { "hexdump", "", none, -1 },
	{ "strings", "", none, -1 },    { "column", "", none, -1 },     { "seq", "", none, -1 },
	{ "true", "", none, -1 },       { "false", "", none, -1 },      { ":", "", none, -1 },
	{ "sleep", "", none, -1 },      { "whoami", "", none, 0 },
	{ "id", "", none, -1 },         { "uname", "", none, 0 },       { "which", "", none, -1 },
	{ "type", "", none, -1 },       { "printenv", "", none, -1 },   { "test", "", none, -1 },
	{ "[", "", none, -1 },          { "[[", "", none, -1 },          { "echo", "", none, -1 },       { "printf", "", none, -1 },
	{ "grep", "", none, -1 },       { "egrep", "", none, -1 },      { "fgrep", "", none, -1 },
	{ "jq", "", none, -1 },         { "rg", "", rg_bad, -1 },       { "sort", "o", sort_bad, -1 },
	{ "uniq", "", none, 1 },        { "xxd", "r", none, 1 },        { "date", "s", date_bad, -1 },
	{ "hostname", "Fb", host_bad, 0 }, { "find", "", find_bad, -1 }, { "env", "iu", none, 0 },
};

/* Commands whose operands are not file names (their substitutions are
 * judged as commands of their own). */
static const char *const no_paths[] = { "echo", "printf", "true", "false", ":", "sleep", "seq", "whoami", "id", "uname",
					"date", "printenv", "type", "which", "test", "[", "[[", "hostname", NULL };

static const char *const fs_write[] = { "mkdir", "touch", "cp", "mv", "rmdir", "tee", NULL };

static const char *const safe_vars[] = { "LC_ALL", "LANG", "LANGUAGE", "LC_CTYPE", "LC_COLLATE", "LC_MESSAGES",
					 "LC_NUMERIC", "LC_TIME", "TZ", "NO_COLOR", "TERM", "COLUMNS", "LINES",
					 "FORCE_COLOR", "CLICOLOR", NULL };

bool readonly_dangerous_assignment(const char *raw)
{
	static const char *const exact[] = { "PATH", "BASH_ENV", "ENV", "PS4", "PROMPT_COMMAND", "SHELLOPTS",
					     "BASHOPTS", "IFS", "PAGER", "MANPAGER", "EDITOR", "VISUAL", "BROWSER",
					     "NODE_OPTIONS", "PYTHONSTARTUP", "PYTHONPATH", "PYTHONHOME", "PERL5OPT",
					     "PERL5LIB", "RUBYOPT", "RUBYLIB", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS",
					     "LESSOPEN", "LESSCLOSE", "SSH_ASKPASS", "MAKEFLAGS", "CDPATH", "HOME",
					     "ZDOTDIR", "XDG_CONFIG_HOME", NULL };
	static const char *const prefix[] = { "LD_", "DYLD_", "GIT_", "npm_config_", "NPM_CONFIG_", "BASH_FUNC_", NULL };
	const char *eq = strchr(raw, '=');
	size_t n = eq ? (size_t)(eq - raw) : strlen(raw);
	const char *const *v;

	if (n && raw[n - 1] == '+')
		n--;
	for (v = exact; *v; v++)
		if (strlen(*v) == n && !strncmp(raw, *v, n))
			return true;
	for (v = prefix; *v; v++)
		if (!strncmp(raw, *v, strlen(*v)))
			return true;
	return false;
}

bool readonly_safe_assignment(const char *raw)
{
	const char *eq = strchr(raw, '=');
	const char *const *v;

	if (!eq)
		return false;
	for (v = safe_vars; *v; v++)
		if (strlen(*v) == (size_t)(eq - raw) && !strncmp(raw, *v, (size_t)(eq - raw)))
			return true;
	return false;
}

static bool is_opt(const char *w)
{
	return w[0] == '-' && w[1] != '\0';
}

/* Whether option word w is in the bad list (exact, or prefix up to '='). */
static bool long_bad(const char *w, const char *const *bad)
{
	for (; *bad; bad++) {
		size_t n = strlen(*bad);

		if (!strncmp(w, *bad, n) && (w[n] == '\0' || w[n] == '='))
			return true;
	}
	return false;
}

static bool short_bad(const char *w, const char *letters)
{
	const char *c;

	if (w[0] != '-' || w[1] == '-' || !*letters)
		return false;
	for (c = w + 1; *c; c++)
		if (strchr(letters, *c))
			return true;
	return false;
}

static const char *word(const struct sh_cmd *c, size_t i)
{
	return i < c->nwords ? c->words[i].value : NULL;
}

static bool has_word(const struct sh_cmd *c, size_t from, const char *const *set)
{
	size_t i;
	const char *const *s;

	for (i = from; i < c->nwords; i++)
		for (s = set; *s; s++)
			if (!strcmp(c->words[i].value, *s))
				return true;
	return false;
}

static size_t count_operands(const struct sh_cmd *c, size_t from)
{
	size_t i, n = 0;
	bool ddash = false;

	for (i = from; i < c->nwords; i++) {
		if (!ddash && !strcmp(c->words[i].value, "--")) {
			ddash = true;
			continue;
		}
		if (ddash || !is_opt(c->words[i].value))
			n++;
	}
	return n;
}

/* First operand (non-option word) at or after `from`, or NULL. */
static const char *first_operand_word(const struct sh_cmd *c, size_t from)
{
	size_t i;

	for (i = from; i < c->nwords; i++)
		if (!is_opt(c->words[i].value))
			return c->words[i].value;
	return NULL;
}

static enum ro_class classify_git(const struct sh_cmd *c, size_t *first, const char **why)
{
	static const char *const plain[] = { "status", "log", "diff", "show", "blame", "shortlog", "describe",
					     "rev-parse", "ls-files", "ls-tree", "cat-file", "grep", "rev-list",
					     "merge-base", "show-ref", "count-objects", "whatchanged", "name-rev",
					     "for-each-ref", "cherry", "version", "show-branch", NULL };
	static const char *const bad_any[] = { "--output", "--ext-diff", "-O", "--open-files-in-pager",
					       "--exec", "--upload-pack", "--receive-pack", NULL };
	static const char *const branch_bad[] = { "-d", "-D", "-m", "-M", "-c", "-C", "-f", "-u", "-t",
						  "--delete", "--move", "--copy", "--force", "--set-upstream-to",
						  "--unset-upstream", "--edit-description", "--track", NULL };
	static const char *const tag_bad[] = { "-d", "-a", "-s", "-f", "-m", "-F", "-u", "--delete", "--annotate",
					       "--sign", "--force", "--message", "--file", NULL };
	static const char *const list_opts[] = { "-l", "--list", NULL };
	static const char *const cfg_read[] = { "--get", "--get-all", "--get-regexp", "--list", "-l", NULL };
	static const char *const cfg_bad[] = { "--add", "--unset", "--unset-all", "--replace-all", "--rename-section",
					       "--remove-section", "-e", "--edit", NULL };
	const char *sub, *op;
	size_t i = 1, k;

	/* Global options: only those that cannot run code or move the repository. */
	while (i < c->nwords && is_opt(word(c, i))) {
		const char *w = word(c, i);

		if (!strcmp(w, "--no-pager") || !strcmp(w, "-P") || !strcmp(w, "--no-optional-locks")) {
			i++;
		} else if (!strcmp(w, "-C") && i + 1 < c->nwords) {
			i += 2; /* its directory is checked as an operand by the caller */
		} else {
			*why = "git global options such as -c can run programs";
			return RO_NO;
		}
	}
	sub = word(c, i);
	if (!sub)
		return RO_NO;
	for (k = i + 1; k < c->nwords; k++)
		if (long_bad(word(c, k), bad_any) ||
		    /* -O<pager> with its value attached (`git grep -Ovim`), alone or in a cluster. */
		    (word(c, k)[0] == '-' && word(c, k)[1] != '-' && strchr(word(c, k), 'O'))) {
			*why = "this git option writes files or runs programs";
			return RO_NO;
		}
	*first = 1;
	for (k = 0; plain[k]; k++)
		if (!strcmp(sub, plain[k]))
			return RO_READ;
	if (!strcmp(sub, "branch")) {
		if (has_word(c, i + 1, branch_bad) ||
		    (count_operands(c, i + 1) && !has_word(c, i + 1, list_opts)))
			return RO_NO;
		return RO_READ;
	}
	if (!strcmp(sub, "tag")) {
		if (has_word(c, i + 1, tag_bad) || (count_operands(c, i + 1) && !has_word(c, i + 1, list_opts)))
			return RO_NO;
		return RO_READ;
	}
	if (!strcmp(sub, "remote")) {
		op = first_operand_word(c, i + 1);
		if (!op || !strcmp(op, "show") || !strcmp(op, "get-url"))
			return RO_READ;
		return RO_NO;
	}
	if (!strcmp(sub, "config")) {
		if (has_word(c, i + 1, cfg_read) && !has_word(c, i + 1, cfg_bad))
			return RO_READ;
		return RO_NO;
	}
	if (!strcmp(sub, "stash") || !strcmp(sub, "worktree") || !strcmp(sub, "reflog")) {
		op = first_operand_word(c, i + 1);
		if ((!op && strcmp(sub, "stash")) || (op && (!strcmp(op, "list") || !strcmp(op, "show"))))
			return RO_READ;
		return RO_NO;
	}
	return RO_NO;
}

/*
 * sed prints with line addresses (`sed -n '1,20p' f`, `sed '1d'`): read-only
 * when no -i, no script file, and every script is made only of line
 * numbers, `$`, `,`, `;`, `!`, blanks and the p, d, q, n commands (so no
 * w, W, r, R, e or s///w that would write files or run commands).
 */
static enum ro_class classify_sed(const struct sh_cmd *c, size_t *first, const char **why)
{
	size_t i, nscripts = 0;
	bool explicit_e = false;

	for (i = 1; i < c->nwords; i++) {
		const char *w = c->words[i].value, *k;
		bool script = false;

		if (!strcmp(w, "-e") || !strcmp(w, "--expression")) {
			if (++i >= c->nwords)
				return RO_NO;
			w = c->words[i].value;
			script = explicit_e = true;
		} else if (w[0] == '-' && w[1]) {
			if (strcmp(w, "-n") && strcmp(w, "-E") && strcmp(w, "-r") && strcmp(w, "-s") && strcmp(w, "-u") &&
			    strcmp(w, "-z") && strcmp(w, "--quiet") && strcmp(w, "--silent") && strcmp(w, "-nE") &&
			    strcmp(w, "-En")) {
				*why = "sed options such as -i and -f write files or read scripts";
				return RO_NO;
			}
			continue;
		} else if (!explicit_e && nscripts == 0) {
			script = true;
		}
		if (!script)
			continue;
		nscripts++;
		if (c->words[i].flags & SHW_DYNAMIC)
			return RO_NO;
		for (k = w; *k; k++)
			if (!strchr("0123456789$,;! \tpdqn", *k)) {
				*why = "only line-number sed scripts (such as 1,20p) run without approval";
				return RO_NO;
			}
	}
	if (!nscripts) {
		/* Options only (`sed -n`): no script, so nothing runs but a usage error. */
		*first = c->nwords;
		return RO_READ;
	}
	/* Operands after the script are files; the script itself is skipped
	 * by check_operands only as an option value, so start after it. */
	for (i = 1; i < c->nwords; i++)
		if (c->words[i].value[0] != '-' || !c->words[i].value[1]) {
			if (!explicit_e) {
				*first = i + 1;
				return RO_READ;
			}
			break;
		} else if (!strcmp(c->words[i].value, "-e") || !strcmp(c->words[i].value, "--expression")) {
			i++;
		}
	*first = explicit_e ? i : c->nwords;
	return RO_READ;
}

/*
 * awk for printing fields: read-only when there is no program file and the
 * program has no output redirection or pipe (`>`, `|`), no system(),
 * getline, close or fflush. `>` as a comparison is refused too: the
 * conservative reading.
 */
static enum ro_class classify_awk(const struct sh_cmd *c, size_t *first, const char **why)
{
	static const char *const bad[] = { "system", "getline", "close", "fflush", ">", "|", "@load", "@include", NULL };
	const char *const *b;
	size_t i;

	for (i = 1; i < c->nwords; i++) {
		const char *w = c->words[i].value;

		if (!strcmp(w, "-F") || !strcmp(w, "-v")) {
			i++;
			continue;
		}
		if (!strncmp(w, "-F", 2) || !strncmp(w, "-v", 2))
			continue;
		if (w[0] == '-') {
			*why = "awk -f and other options read program files or change what runs";
			return RO_NO;
		}
		break;
	}
	if (i >= c->nwords) {
		/* No program (`awk -F:`): awk prints its usage and reads nothing. */
		*first = c->nwords;
		return RO_READ;
	}
	if (c->words[i].flags & SHW_DYNAMIC)
		return RO_NO;
	for (b = bad; *b; b++)
		if (strstr(c->words[i].value, *b)) {
			*why = "the awk program writes, pipes or runs commands";
			return RO_NO;
		}
	*first = i + 1;
	return RO_READ;
}

enum ro_class readonly_classify(const struct sh_cmd *c, size_t *first_operand, const char **why)
{
	const char *name;
	size_t i, k;

	*first_operand = 1;
	*why = NULL;
	if (!c->nwords || (c->words[0].flags & (SHW_DYNAMIC | SHW_QUOTED)))
		return RO_NO;
	name = c->words[0].value;
	if (!strcmp(name, "cd"))
		return c->nwords <= 2 ? RO_CD : RO_NO;
	if (!strcmp(name, "git"))
		return classify_git(c, first_operand, why);
	if (!strcmp(name, "sed"))
		return classify_sed(c, first_operand, why);
	if (!strcmp(name, "awk") || !strcmp(name, "gawk") || !strcmp(name, "mawk"))
		return classify_awk(c, first_operand, why);
	if (!strcmp(name, "command")) {
		/* `command -v x` only looks a name up; `command x` runs x. */
		for (i = 1; i < c->nwords && is_opt(word(c, i)); i++)
			if (strcmp(word(c, i), "-v") && strcmp(word(c, i), "-V"))
				return RO_NO;
		return i > 1 ? RO_READ : RO_NO;
	}
	for (k = 0; fs_write[k]; k++)
		if (!strcmp(name, fs_write[k]))
			return RO_FS_WRITE;
	for (k = 0; k < sizeof(table) / sizeof(table[0]); k++) {
		const struct ro_cmd *t = &table[k];
		bool ddash = false;

		if (strcmp(name, t->name))
			continue;
		for (i = 1; i < c->nwords; i++) {
			const char *w = word(c, i);

			if (!ddash && !strcmp(w, "--")) {
				ddash = true;
				continue;
			}
			if (ddash)
				continue;
			if (long_bad(w, t->bad_long) || short_bad(w, t->bad_short)) {
				*why = "an option makes it write files or run programs";
				return RO_NO;
			}
		}
		if (t->max_operands >= 0 && count_operands(c, 1) > (size_t)t->max_operands)
			return RO_NO;
		for (i = 0; no_paths[i]; i++)
			if (!strcmp(name, no_paths[i]))
				*first_operand = c->nwords;
		return RO_READ;
	}
	return RO_NO;
}

/* A redirection that cannot write a file: input, here-documents, fd duplication, /dev/null. */
static bool redir_reads_only(const struct sh_redir *r)
{
	const char *t = r->target.value, *p;

	switch (r->op) {
	case SHR_IN:
	case SHR_DUP_IN:
	case SHR_HEREDOC:
	case SHR_HERESTRING:
		return true;
	case SHR_DUP_OUT:
		/* >&2, 2>&1, >&-; `>& FILE` (bash) writes FILE. */
		if (r->target.flags & SHW_DYNAMIC)
			return false;
		if (!strcmp(t, "-"))
			return true;
		for (p = t; *p >= '0' && *p <= '9'; p++)
			;
		return p != t && (!*p || (p[0] == '-' && !p[1]));
	default:
		return !(r->target.flags & SHW_DYNAMIC) && !strcmp(t, "/dev/null");
	}
}

bool readonly_command(const char *cmd, size_t len)
{
	struct sh_split sp;
	struct sh_error err;
	bool ro;
	size_t i, j, first;
	const char *why;

	if (sh_split(&sp, cmd, len, &err) < 0) {
		sh_split_release(&sp);
		return false;
	}
	ro = sp.n > 0;
	for (i = 0; i < sp.n && ro; i++) {
		const struct sh_cmd *c = &sp.cmds[i];

		for (j = 0; j < c->nredirs && ro; j++)
			ro = redir_reads_only(&c->redirs[j]);
		for (j = 0; j < c->nassigns && ro; j++)
			ro = readonly_safe_assignment(c->assigns[j].raw);
		if (ro && !c->header)
			ro = c->nwords && readonly_classify(c, &first, &why) == RO_READ;
	}
	sh_split_release(&sp);
	return ro;
}
