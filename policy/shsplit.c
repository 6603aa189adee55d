#include "policy/shsplit.h"
#include "common/buf.h"
#include "common/error.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HEREDOCS 32

struct heredoc {
	char *delim;
	bool quoted; /* quoted delimiter: the body is literal */
	bool strip;  /* <<- strips leading tabs */
	size_t offset;
};

struct parser {
	const char *s;
	size_t len;
	size_t pos;
	size_t base; /* offset of s in the original command (backquote bodies) */
	unsigned depth;
	struct sh_split *out;
	struct sh_error *err;
	struct heredoc *hd; /* shared by nested parsers */
	size_t *nhd;
	bool dbracket; /* inside [[ ... ]]: operators are words, newlines blanks */
};

enum tok {
	T_EOF,
	T_WORD,
	T_NEWLINE,
	T_SEMI,
	T_AND_IF,
	T_OR_IF,
	T_PIPE,
	T_AMP,
	T_LPAREN,
	T_RPAREN,
	T_REDIR,
};

struct token {
	enum tok t;
	struct sh_word w; /* T_WORD: owned by the token until moved */
	enum sh_redir_op op;
	int fd;
	size_t offset;
};

/* A simple command being assembled. */
struct builder {
	struct sh_cmd c;
	size_t cap_assigns, cap_words, cap_redirs;
};

static int perr(struct parser *p, size_t at, int code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int perr(struct parser *p, size_t at, int code, const char *fmt, ...)
{
	va_list ap;

	if (p->err) {
		va_start(ap, fmt);
		vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
		va_end(ap);
		p->err->offset = p->base + at;
	}
	return code;
}

static void word_release(struct sh_word *w)
{
	free(w->raw);
	free(w->value);
	w->raw = w->value = NULL;
	w->flags = 0;
}

static void cmd_release(struct sh_cmd *c)
{
	size_t i;

	for (i = 0; i < c->nassigns; i++)
		word_release(&c->assigns[i]);
	for (i = 0; i < c->nwords; i++)
		word_release(&c->words[i]);
	for (i = 0; i < c->nredirs; i++)
		word_release(&c->redirs[i].target);
	free(c->assigns);
	free(c->words);
	free(c->redirs);
	free(c->text);
	memset(c, 0, sizeof(*c));
}

void sh_split_release(struct sh_split *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		cmd_release(&s->cmds[i]);
	free(s->cmds);
	memset(s, 0, sizeof(*s));
}

bool sh_is_assignment(const char *raw)
{
	const char *s = raw;

	if (!(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	while (isalnum((unsigned char)*s) || *s == '_')
		s++;
	if (*s == '[') {
		s = strchr(s, ']');
		if (!s)
			return false;
		s++;
	}
	if (*s == '+')
		s++;
	return *s == '=';
}

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 4;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -CORDON_ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static int count_word(struct parser *p, size_t at)
{
	if (++p->out->nwords > SH_MAX_WORDS)
		return perr(p, at, -CORDON_ETOOBIG, "more than %d words", SH_MAX_WORDS);
	return 0;
}

/* ---- lexer ---- */

static bool is_meta(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' ||
	       c == ')' || c == '<' || c == '>';
}

static int parse_list(struct parser *p, bool in_subst);

/* Parse $( ... ) or <( ... ) whose '(' is at p->pos - 1; consumes the ')'. */
static int parse_subst(struct parser *p, size_t at)
{
	bool dbracket = p->dbracket;
	int r;

	if (p->depth + 1 > SH_MAX_DEPTH)
		return perr(p, at, -CORDON_EPARSE, "command substitutions nested deeper than %d", SH_MAX_DEPTH);
	/* Inside $( ) the shell is back to normal, even within [[ ]]. */
	p->dbracket = false;
	p->depth++;
	r = parse_list(p, true);
	p->depth--;
	p->dbracket = dbracket;
	return r;
}

/* `...`: the body is unescaped and split on its own, one level deeper. */
static int parse_backquote(struct parser *p, struct buf *raw, bool in_dq)
{
	size_t start = p->pos, i;
	struct buf inner;
	struct parser sub;
	int r;

	buf_init(&inner, SH_MAX_INPUT);
	for (i = p->pos + 1; i < p->len && p->s[i] != '`'; i++)
		if (p->s[i] == '\\' && i + 1 < p->len)
			i++;
	if (i >= p->len)
		return perr(p, start, -CORDON_EPARSE, "unterminated backquote");
	if (p->depth + 1 > SH_MAX_DEPTH)
		return perr(p, start, -CORDON_EPARSE, "command substitutions nested deeper than %d", SH_MAX_DEPTH);
	for (size_t k = start + 1; k < i; k++) {
		char c = p->s[k];

		if (c == '\\' && k + 1 < i &&
		    (p->s[k + 1] == '\\' || p->s[k + 1] == '`' || p->s[k + 1] == '$' ||
		     (in_dq && p->s[k + 1] == '"')))
			c = p->s[++k];
		r = buf_putc(&inner, c);
		if (r < 0)
			goto out;
	}
	sub = *p;
	sub.s = inner.data;
	sub.len = inner.len;
	sub.pos = 0;
	sub.base = p->base + start + 1;
	sub.depth = p->depth + 1;
	sub.dbracket = false;
	r = parse_list(&sub, false);
	if (r < 0)
		goto out;
	r = buf_append(raw, p->s + start, i + 1 - start);
	p->pos = i + 1;
out:
	buf_release(&inner);
	return r;
}

/* Scan a ${...} or $((...)) body for things that would run commands. */
static int refuse_subst_in(struct parser *p, size_t from, size_t to, const char *what)
{
	size_t i;

	for (i = from; i < to; i++)
		if (p->s[i] == '`' || (p->s[i] == '$' && i + 1 < to && p->s[i + 1] == '('))
			return perr(p, i, -CORDON_EPARSE, "command substitution inside %s", what);
	return 0;
}

/* '$' at p->pos. Appends to raw/value, sets flags. */
static int lex_dollar(struct parser *p, struct buf *raw, struct buf *val, unsigned *flags, bool in_dq)
{
	size_t start = p->pos, i;
	const char *s = p->s;
	int r;

	if (start + 1 >= p->len) {
		p->pos++;
		r = buf_putc(raw, '$');
		return r < 0 ? r : buf_putc(val, '$');
	}
	if (s[start + 1] == '(') {
		if (start + 2 < p->len && s[start + 2] == '(') {
			/* $(( )): arithmetic if the parens close as "))", else $( ( ) ). */
			int depth = 2;

			for (i = start + 3; i < p->len; i++) {
				if (s[i] == '(')
					depth++;
				else if (s[i] == ')') {
					depth--;
					/* The first ')' closing to depth 1 without a second ')'
					 * right after it: this is $( (subshell) ), not arithmetic. */
					if (depth == 1 && !(i + 1 < p->len && s[i + 1] == ')'))
						goto comsub;
					if (depth == 0)
						break;
				}
			}
			if (i >= p->len)
				return perr(p, start, -CORDON_EPARSE, "unterminated arithmetic expansion $((");
			r = refuse_subst_in(p, start + 3, i, "an arithmetic expansion");
			if (r < 0)
				return r;
			*flags |= SHW_EXPANSION;
			p->pos = i + 1;
			r = buf_append(raw, s + start, i + 1 - start);
			return r < 0 ? r : buf_append(val, s + start, i + 1 - start);
		}
comsub:
		p->pos = start + 2;
		r = parse_subst(p, start);
		if (r < 0)
			return r;
		*flags |= SHW_SUBST;
		r = buf_append(raw, s + start, p->pos - start);
		return r < 0 ? r : buf_append(val, s + start, p->pos - start);
	}
	if (s[start + 1] == '{') {
		int depth = 1;

		for (i = start + 2; i < p->len && depth; i++) {
			if (s[i] == '\\' && i + 1 < p->len)
				i++;
			else if (s[i] == '{')
				depth++;
			else if (s[i] == '}')
				depth--;
		}
		if (depth)
			return perr(p, start, -CORDON_EPARSE, "unterminated parameter expansion ${");
		r = refuse_subst_in(p, start + 2, i, "${...}");
		if (r < 0)
			return r;
		*flags |= SHW_EXPANSION;
		p->pos = i;
		r = buf_append(raw, s + start, i - start);
		return r < 0 ? r : buf_append(val, s + start, i - start);
	}
	if (s[start + 1] == '\'' && !in_dq) {
		/* $'...': ANSI-C quoting. Simple escapes are decoded; others
		 * (\x41, \101, \u..., \c.) make the value unknown. */
		r = 0;
		for (i = start + 2; i < p->len && s[i] != '\''; i++) {
			char c = s[i];

			if (c == '\\' && i + 1 < p->len) {
				char e = s[++i];

				switch (e) {
				case 'n': c = '\n'; break;
				case 't': c = '\t'; break;
				case 'r': c = '\r'; break;
				case '\\': case '\'': case '"': case '?': c = e; break;
				default:
					*flags |= SHW_EXPANSION;
					c = e;
				}
			}
			r = buf_putc(val, c);
			if (r < 0)
				return r;
		}
		if (i >= p->len)
			return perr(p, start, -CORDON_EPARSE, "unterminated $'...' quote");
		*flags |= SHW_QUOTED;
		p->pos = i + 1;
		return buf_append(raw, s + start, i + 1 - start);
	}
	if (s[start + 1] == '"' && !in_dq) {
		/* $"...": a translatable string; treat as "...". */
		r = buf_putc(raw, '$');
		p->pos++;
		return r;
	}
	i = start + 1;
	if (isalpha((unsigned char)s[i]) || s[i] == '_') {
		while (i < p->len && (isalnum((unsigned char)s[i]) || s[i] == '_'))
			i++;
	} else if (isdigit((unsigned char)s[i]) || strchr("@*#?-$!", s[i])) {
		i++;
	} else {
		/* A lone '$' is literal. */
		p->pos++;
		r = buf_putc(raw, '$');
		return r < 0 ? r : buf_putc(val, '$');
	}
	*flags |= SHW_EXPANSION;
	p->pos = i;
	r = buf_append(raw, s + start, i - start);
	return r < 0 ? r : buf_append(val, s + start, i - start);
}

static int lex_dquote(struct parser *p, struct buf *raw, struct buf *val, unsigned *flags)
{
	size_t start = p->pos;
	const char *s = p->s;
	int r = 0;

	p->pos++;
	r = buf_putc(raw, '"');
	while (r >= 0) {
		char c;

		if (p->pos >= p->len)
			return perr(p, start, -CORDON_EPARSE, "unterminated double quote");
		c = s[p->pos];
		if (c == '"') {
			p->pos++;
			r = buf_putc(raw, '"');
			break;
		}
		if (c == '\\' && p->pos + 1 < p->len && strchr("$`\"\\\n", s[p->pos + 1])) {
			if (s[p->pos + 1] != '\n')
				r = buf_putc(val, s[p->pos + 1]);
			if (r >= 0)
				r = buf_append(raw, s + p->pos, 2);
			p->pos += 2;
			continue;
		}
		if (c == '$') {
			r = lex_dollar(p, raw, val, flags, true);
			continue;
		}
		if (c == '`') {
			size_t before = raw->len;

			r = parse_backquote(p, raw, true);
			if (r >= 0)
				r = buf_append(val, raw->data + before, raw->len - before);
			*flags |= SHW_SUBST;
			continue;
		}
		r = buf_putc(raw, c);
		if (r >= 0)
			r = buf_putc(val, c);
		p->pos++;
	}
	*flags |= SHW_QUOTED;
	return r;
}

/* A word starting at p->pos (not a metacharacter, or '<(' / '>('). */
static int lex_word(struct parser *p, struct sh_word *w)
{
	struct buf raw, val;
	const char *s = p->s;
	size_t start = p->pos;
	unsigned flags = 0;
	int r = 0;

	buf_init(&raw, SH_MAX_INPUT * 2);
	buf_init(&val, SH_MAX_INPUT * 2);
	while (r >= 0 && p->pos < p->len) {
		char c = s[p->pos];

		if ((c == '<' || c == '>') && p->pos + 1 < p->len && s[p->pos + 1] == '(' && p->pos == start) {
			size_t at = p->pos;

			p->pos += 2;
			r = parse_subst(p, at);
			if (r >= 0)
				r = buf_append(&raw, s + at, p->pos - at);
			if (r >= 0)
				r = buf_append(&val, s + at, p->pos - at);
			flags |= SHW_SUBST;
			continue;
		}
		if (is_meta(c))
			break;
		if (c == '\0') {
			r = perr(p, p->pos, -CORDON_EPARSE, "NUL byte in command");
			break;
		}
		switch (c) {
		case '\\':
			if (p->pos + 1 >= p->len) {
				r = buf_putc(&raw, c);
				if (r >= 0)
					r = buf_putc(&val, c);
				p->pos++;
				break;
			}
			if (s[p->pos + 1] != '\n') {
				r = buf_append(&raw, s + p->pos, 2);
				if (r >= 0)
					r = buf_putc(&val, s[p->pos + 1]);
				flags |= SHW_QUOTED;
			}
			p->pos += 2;
			break;
		case '\'': {
			const char *end = memchr(s + p->pos + 1, '\'', p->len - p->pos - 1);

			if (!end) {
				r = perr(p, p->pos, -CORDON_EPARSE, "unterminated single quote");
				break;
			}
			r = buf_append(&raw, s + p->pos, (size_t)(end - (s + p->pos)) + 1);
			if (r >= 0)
				r = buf_append(&val, s + p->pos + 1, (size_t)(end - (s + p->pos)) - 1);
			flags |= SHW_QUOTED;
			p->pos = (size_t)(end - s) + 1;
			break;
		}
		case '"':
			r = lex_dquote(p, &raw, &val, &flags);
			break;
		case '$':
			if (p->pos + 1 < p->len && s[p->pos + 1] == '"') {
				p->pos++;
				r = buf_putc(&raw, '$');
				if (r >= 0)
					r = lex_dquote(p, &raw, &val, &flags);
				break;
			}
			r = lex_dollar(p, &raw, &val, &flags, false);
			break;
		case '`': {
			size_t before = raw.len;

			r = parse_backquote(p, &raw, false);
			if (r >= 0)
				r = buf_append(&val, raw.data + before, raw.len - before);
			flags |= SHW_SUBST;
			break;
		}
		default:
			if (c == '*' || c == '?')
				flags |= SHW_GLOB;
			/* '[' starts a glob class only when a ']' closes it. */
			if (c == '[') {
				size_t k;

				for (k = p->pos + 1; k < p->len && !is_meta(s[k]); k++)
					if (s[k] == ']') {
						flags |= SHW_GLOB;
						break;
					}
			}
			/* Brace expansion ({a,b}, {1..3}) makes the word unknown. */
			if (c == '{' && p->pos + 1 < p->len && !is_meta(s[p->pos + 1]))
				flags |= SHW_GLOB;
			if (c == '~' && p->pos == start)
				flags |= SHW_TILDE;
			r = buf_putc(&raw, c);
			if (r >= 0)
				r = buf_putc(&val, c);
			p->pos++;
		}
	}
	if (r < 0) {
		if (r == -CORDON_ETOOBIG)
			perr(p, start, r, "word too long");
		buf_release(&raw);
		buf_release(&val);
		return r;
	}
	w->raw = buf_detach(&raw, NULL);
	w->value = buf_detach(&val, NULL);
	w->flags = flags;
	if (!w->raw || !w->value) {
		word_release(w);
		return -CORDON_ENOMEM;
	}
	return 0;
}

/* After a newline: read the bodies of pending here-documents. */
static int read_heredocs(struct parser *p)
{
	size_t k;

	for (k = 0; k < *p->nhd; k++) {
		struct heredoc *h = &p->hd[k];
		size_t dl = strlen(h->delim);
		bool found = false;

		while (p->pos < p->len) {
			const char *line = p->s + p->pos;
			const char *nl = memchr(line, '\n', p->len - p->pos);
			size_t n = nl ? (size_t)(nl - line) : p->len - p->pos;
			const char *t = line;
			size_t tn = n;

			if (h->strip)
				while (tn && *t == '\t')
					t++, tn--;
			p->pos += n + (nl ? 1 : 0);
			if (tn == dl && !memcmp(t, h->delim, dl)) {
				found = true;
				break;
			}
			if (!h->quoted) {
				size_t i;

				/* An unquoted body expands $(..) and `..` when it runs. */
				for (i = 0; i < n; i++)
					if (line[i] == '`' || (line[i] == '$' && i + 1 < n && line[i + 1] == '('))
						return perr(p, (size_t)(line - p->s) + i, -CORDON_EPARSE,
							    "command substitution inside a here-document");
			}
		}
		if (!found)
			return perr(p, h->offset, -CORDON_EPARSE, "here-document delimiter '%s' never appears",
				    h->delim);
	}
	for (k = 0; k < *p->nhd; k++)
		free(p->hd[k].delim);
	*p->nhd = 0;
	return 0;
}

static int lex(struct parser *p, struct token *tk)
{
	const char *s = p->s;
	size_t i;
	int fd = -1;

	memset(tk, 0, sizeof(*tk));
	for (;;) {
		while (p->pos < p->len && (s[p->pos] == ' ' || s[p->pos] == '\t' || (p->dbracket && s[p->pos] == '\n')))
			p->pos++;
		if (p->pos + 1 < p->len && s[p->pos] == '\\' && s[p->pos + 1] == '\n') {
			p->pos += 2;
			continue;
		}
		if (p->pos < p->len && s[p->pos] == '#') {
			while (p->pos < p->len && s[p->pos] != '\n')
				p->pos++;
			continue;
		}
		break;
	}
	tk->offset = p->pos;
	if (p->pos >= p->len) {
		tk->t = T_EOF;
		return 0;
	}
	if (p->dbracket) {
		/* [[ ... ]] is one command: && || < > ( ) ! inside are its words. */
		size_t n = 0;

		if (p->pos + 1 < p->len && s[p->pos] == ']' && s[p->pos + 1] == ']' &&
		    (p->pos + 2 >= p->len || is_meta(s[p->pos + 2])))
			p->dbracket = false;
		else
			while (p->pos + n < p->len && strchr("&|<>()!", s[p->pos + n]) && s[p->pos + n])
				n++;
		if (n) {
			tk->t = T_WORD;
			tk->w.raw = strndup(s + p->pos, n);
			tk->w.value = strndup(s + p->pos, n);
			p->pos += n;
			if (!tk->w.raw || !tk->w.value) {
				word_release(&tk->w);
				return -CORDON_ENOMEM;
			}
			return 0;
		}
		tk->t = T_WORD;
		return lex_word(p, &tk->w);
	}
	switch (s[p->pos]) {
	case '\n':
		p->pos++;
		tk->t = T_NEWLINE;
		return *p->nhd ? read_heredocs(p) : 0;
	case ';':
		if (p->pos + 1 < p->len && s[p->pos + 1] == ';')
			return perr(p, p->pos, -CORDON_EPARSE, "unsupported shell syntax ';;' (case statement)");
		if (p->pos + 1 < p->len && s[p->pos + 1] == '&')
			return perr(p, p->pos, -CORDON_EPARSE, "unsupported shell syntax ';&'");
		p->pos++;
		tk->t = T_SEMI;
		return 0;
	case '&':
		if (p->pos + 1 < p->len && s[p->pos + 1] == '&') {
			p->pos += 2;
			tk->t = T_AND_IF;
			return 0;
		}
		if (p->pos + 1 < p->len && s[p->pos + 1] == '>') {
			p->pos += 2;
			if (p->pos < p->len && s[p->pos] == '>')
				p->pos++;
			tk->t = T_REDIR;
			tk->op = SHR_OUT_ALL;
			tk->fd = -1;
			return 0;
		}
		p->pos++;
		tk->t = T_AMP;
		return 0;
	case '|':
		if (p->pos + 1 < p->len && s[p->pos + 1] == '|') {
			p->pos += 2;
			tk->t = T_OR_IF;
			return 0;
		}
		p->pos += (p->pos + 1 < p->len && s[p->pos + 1] == '&') ? 2 : 1;
		tk->t = T_PIPE;
		return 0;
	case '(':
		p->pos++;
		tk->t = T_LPAREN;
		return 0;
	case ')':
		p->pos++;
		tk->t = T_RPAREN;
		return 0;
	default:
		break;
	}
	/* [n]redirection? */
	i = p->pos;
	while (i < p->len && isdigit((unsigned char)s[i]) && i - p->pos < 4)
		i++;
	if (i < p->len && (s[i] == '<' || s[i] == '>') && !(i + 1 < p->len && s[i + 1] == '(')) {
		if (i > p->pos)
			fd = atoi(s + p->pos);
		tk->t = T_REDIR;
		tk->fd = fd;
		if (s[i] == '<') {
			if (i + 2 < p->len && s[i + 1] == '<' && s[i + 2] == '<') {
				tk->op = SHR_HERESTRING;
				i += 3;
			} else if (i + 1 < p->len && s[i + 1] == '<') {
				tk->op = SHR_HEREDOC;
				i += 2;
				if (i < p->len && s[i] == '-') {
					tk->fd = -2; /* marks <<- */
					i++;
				}
			} else if (i + 1 < p->len && s[i + 1] == '>') {
				tk->op = SHR_INOUT;
				i += 2;
			} else if (i + 1 < p->len && s[i + 1] == '&') {
				tk->op = SHR_DUP_IN;
				i += 2;
			} else {
				tk->op = SHR_IN;
				i += 1;
			}
		} else {
			if (i + 1 < p->len && s[i + 1] == '>') {
				tk->op = SHR_APPEND;
				i += 2;
			} else if (i + 1 < p->len && s[i + 1] == '&') {
				tk->op = SHR_DUP_OUT;
				i += 2;
			} else if (i + 1 < p->len && s[i + 1] == '|') {
				tk->op = SHR_OUT;
				i += 2;
			} else {
				tk->op = SHR_OUT;
				i += 1;
			}
		}
		p->pos = i;
		return 0;
	}
	tk->t = T_WORD;
	return lex_word(p, &tk->w);
}

/* ---- commands ---- */

static int builder_add_word(struct parser *p, struct builder *b, struct sh_word *w, size_t at)
{
	int r = count_word(p, at);

	if (r < 0)
		return r;
	if (b->c.nwords == 0 && sh_is_assignment(w->raw)) {
		r = grow((void **)&b->c.assigns, &b->cap_assigns, b->c.nassigns, sizeof(*w));
		if (r < 0)
			return r;
		b->c.assigns[b->c.nassigns++] = *w;
	} else {
		r = grow((void **)&b->c.words, &b->cap_words, b->c.nwords, sizeof(*w));
		if (r < 0)
			return r;
		b->c.words[b->c.nwords++] = *w;
	}
	memset(w, 0, sizeof(*w));
	return 0;
}

static bool builder_empty(const struct builder *b)
{
	return !b->c.nwords && !b->c.nassigns && !b->c.nredirs;
}

/* Move the assembled command (if any) into the split. */
static int builder_finish(struct parser *p, struct builder *b, size_t at)
{
	struct buf t;
	size_t i;
	int r;

	if (builder_empty(b) && !b->c.header) {
		memset(b, 0, sizeof(*b));
		return 0;
	}
	if (p->out->n >= SH_MAX_CMDS) {
		cmd_release(&b->c);
		memset(b, 0, sizeof(*b));
		return perr(p, at, -CORDON_ETOOBIG, "more than %d commands", SH_MAX_CMDS);
	}
	buf_init(&t, SH_MAX_INPUT * 2);
	r = 0;
	for (i = 0; i < b->c.nwords && r >= 0; i++) {
		if (i)
			r = buf_putc(&t, ' ');
		if (r >= 0)
			r = buf_puts(&t, b->c.words[i].raw);
	}
	if (r >= 0)
		r = grow((void **)&p->out->cmds, &p->out->cap, p->out->n, sizeof(struct sh_cmd));
	if (r < 0) {
		buf_release(&t);
		cmd_release(&b->c);
		memset(b, 0, sizeof(*b));
		return r;
	}
	b->c.text = buf_detach(&t, NULL);
	if (!b->c.text) {
		cmd_release(&b->c);
		memset(b, 0, sizeof(*b));
		return -CORDON_ENOMEM;
	}
	b->c.depth = p->depth;
	p->out->cmds[p->out->n++] = b->c;
	memset(b, 0, sizeof(*b));
	return 0;
}

static const char *const skip_words[] = { "!", "time", "if", "then", "else", "elif", "do", "while", "until", "fi", "done" };
static const char *const refuse_words[] = { "case", "esac", "function", "coproc", "select" };

static int parse_list(struct parser *p, bool in_subst)
{
	struct builder b;
	struct token tk;
	int parens = 0, braces = 0, r = 0;
	bool header = false;

	memset(&b, 0, sizeof(b));
	for (;;) {
		r = lex(p, &tk);
		if (r < 0)
			break;
		switch (tk.t) {
		case T_EOF:
			if (p->dbracket)
				r = perr(p, tk.offset, -CORDON_EPARSE, "unterminated [[ ... ]]");
			else if (in_subst)
				r = perr(p, tk.offset, -CORDON_EPARSE, "unterminated command substitution");
			else if (parens)
				r = perr(p, tk.offset, -CORDON_EPARSE, "unbalanced '(': missing ')'");
			else if (braces)
				r = perr(p, tk.offset, -CORDON_EPARSE, "unbalanced '{': missing '}'");
			else if (*p->nhd)
				r = perr(p, p->hd[0].offset, -CORDON_EPARSE, "here-document '%s' has no body",
					 p->hd[0].delim);
			else
				r = builder_finish(p, &b, tk.offset);
			goto out;
		case T_WORD:
			if (builder_empty(&b) && !header && !(tk.w.flags & (SHW_QUOTED | SHW_DYNAMIC))) {
				size_t i;
				bool skip = false;

				for (i = 0; i < sizeof(skip_words) / sizeof(skip_words[0]); i++)
					if (!strcmp(tk.w.raw, skip_words[i]))
						skip = true;
				if (!strcmp(tk.w.raw, "{")) {
					braces++;
					skip = true;
				} else if (!strcmp(tk.w.raw, "}")) {
					if (!braces) {
						r = perr(p, tk.offset, -CORDON_EPARSE, "unbalanced '}'");
						word_release(&tk.w);
						goto out;
					}
					braces--;
					skip = true;
				}
				for (i = 0; i < sizeof(refuse_words) / sizeof(refuse_words[0]); i++)
					if (!strcmp(tk.w.raw, refuse_words[i])) {
						r = perr(p, tk.offset, -CORDON_EPARSE,
							 "unsupported shell syntax '%s'", tk.w.raw);
						word_release(&tk.w);
						goto out;
					}
				if (!strcmp(tk.w.raw, "[[")) {
					/* The test command itself; its words may hold
					 * substitutions, split like any others. */
					p->dbracket = true;
				}
				if (!strcmp(tk.w.raw, "for")) {
					/* `for NAME in WORDS;`: the words are checked for
					 * substitutions (already split); no command runs. */
					header = true;
					b.c.header = true;
				}
				if (skip || header) {
					word_release(&tk.w);
					continue;
				}
			}
			r = builder_add_word(p, &b, &tk.w, tk.offset);
			if (r < 0) {
				word_release(&tk.w);
				goto out;
			}
			break;
		case T_REDIR: {
			struct token t2;
			struct sh_redir *rd;
			bool strip = tk.fd == -2;

			if (strip)
				tk.fd = -1;
			r = lex(p, &t2);
			if (r < 0)
				goto out;
			if (t2.t != T_WORD) {
				r = perr(p, tk.offset, -CORDON_EPARSE, "redirection without a target");
				goto out;
			}
			r = count_word(p, tk.offset);
			if (r >= 0)
				r = grow((void **)&b.c.redirs, &b.cap_redirs, b.c.nredirs, sizeof(*rd));
			if (r < 0) {
				word_release(&t2.w);
				goto out;
			}
			rd = &b.c.redirs[b.c.nredirs++];
			rd->fd = tk.fd;
			rd->op = tk.op;
			rd->target = t2.w;
			if (rd->op == SHR_DUP_OUT || rd->op == SHR_DUP_IN) {
				const char *v = rd->target.value;
				bool numeric = *v != '\0';

				for (; *v; v++)
					if (!isdigit((unsigned char)*v) && !(v[0] == '-' && !v[1]))
						numeric = false;
				/* `>& file` writes stdout and stderr to a file. */
				if (!numeric && rd->op == SHR_DUP_OUT)
					rd->op = SHR_OUT_ALL;
			}
			if (rd->op == SHR_HEREDOC) {
				if (*p->nhd >= MAX_HEREDOCS) {
					r = perr(p, tk.offset, -CORDON_ETOOBIG, "more than %d here-documents",
						 MAX_HEREDOCS);
					goto out;
				}
				if (rd->target.flags & (SHW_SUBST | SHW_EXPANSION)) {
					r = perr(p, tk.offset, -CORDON_EPARSE,
						 "here-document delimiter with an expansion");
					goto out;
				}
				p->hd[*p->nhd].delim = strdup(rd->target.value);
				if (!p->hd[*p->nhd].delim) {
					r = -CORDON_ENOMEM;
					goto out;
				}
				p->hd[*p->nhd].quoted = rd->target.flags & SHW_QUOTED;
				p->hd[*p->nhd].strip = strip;
				p->hd[*p->nhd].offset = tk.offset;
				(*p->nhd)++;
			}
			break;
		}
		case T_NEWLINE:
		case T_SEMI:
		case T_AND_IF:
		case T_OR_IF:
		case T_PIPE:
		case T_AMP:
			header = false;
			r = builder_finish(p, &b, tk.offset);
			if (r < 0)
				goto out;
			break;
		case T_LPAREN:
			if (!builder_empty(&b) || header) {
				r = perr(p, tk.offset, -CORDON_EPARSE,
					 b.c.nwords == 1 ? "unsupported shell syntax: function definition"
							 : "unexpected '('");
				goto out;
			}
			if (p->pos < p->len && p->s[p->pos] == '(') {
				r = perr(p, tk.offset, -CORDON_EPARSE, "unsupported shell syntax '(( ))'");
				goto out;
			}
			parens++;
			break;
		case T_RPAREN:
			r = builder_finish(p, &b, tk.offset);
			if (r < 0)
				goto out;
			header = false;
			if (parens) {
				parens--;
				break;
			}
			if (in_subst) {
				if (braces)
					r = perr(p, tk.offset, -CORDON_EPARSE, "unbalanced '{': missing '}'");
				goto out;
			}
			r = perr(p, tk.offset, -CORDON_EPARSE, "unbalanced ')'");
			goto out;
		}
	}
out:
	cmd_release(&b.c);
	return r;
}

int sh_split(struct sh_split *out, const char *src, size_t len, struct sh_error *err)
{
	struct heredoc hd[MAX_HEREDOCS];
	size_t nhd = 0, k;
	struct parser p;
	int r;

	memset(out, 0, sizeof(*out));
	if (err) {
		err->msg[0] = '\0';
		err->offset = 0;
	}
	memset(&p, 0, sizeof(p));
	p.s = src;
	p.len = len;
	p.out = out;
	p.err = err;
	p.hd = hd;
	p.nhd = &nhd;
	if (len > SH_MAX_INPUT)
		return perr(&p, 0, -CORDON_ETOOBIG, "command longer than %d bytes", SH_MAX_INPUT);
	if (memchr(src, '\0', len))
		return perr(&p, (size_t)((const char *)memchr(src, '\0', len) - src), -CORDON_EPARSE,
			    "NUL byte in command");
	r = parse_list(&p, false);
	for (k = 0; k < nhd; k++)
		free(hd[k].delim);
	return r;
}
