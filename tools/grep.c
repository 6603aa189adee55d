/*
 * grep.c — the Grep tool: ripgrep's search and the reference's output
 * (docs/tools.md, "Grep"), in-process with PCRE2 over a parallel walk.
 *
 * What the reference runs:
 *   rg --hidden --glob !.git --glob !.svn --glob !.hg --glob !.bzr --glob !.jj
 *      --glob !.sl --max-columns 500 [-U --multiline-dotall] [-i] [-l|-c]
 *      [-n] [-C n | -B n -A n] PATTERN [--type T] [--glob G]... ABS_PATH
 * and then reshapes rg's output (paths relative to cwd, mtime order for
 * files, pagination). In content and count modes the reference keeps rg's
 * output order, which is the order rg's parallel walker reaches the files:
 * it pushes each directory's entries on a stack and pops the newest, so
 * files usually come last readdir entry first, a directory's files before
 * its earlier siblings' (walk_order_cmp(), lifo). Threads stealing work
 * make that vary from run to run on big trees; we take that usual order
 * (computed, not raced) so head_limit/offset cut where the reference most
 * often cuts. We do the same search here: the walk honours
 * .gitignore/.ignore like rg, hidden files are searched, a file with a
 * UTF-16 byte order mark is transcoded and a UTF-8 one dropped (rg's
 * --encoding auto), binary files (a NUL byte) are skipped, lines over 500
 * bytes are replaced by rg's "[Omitted long ...]" text.
 *
 * Security: the pattern is the model's; PCRE2 runs it with a match limit
 * (a catastrophic regex gives up on that file instead of spinning), JIT is
 * used when the sandbox allows executable anonymous memory and silently
 * replaced by the interpreter when it does not. File contents are read
 * with a per-file ceiling, collected output has a ceiling, every file is
 * opened through walk_open_file()/pathres (no symlink, no FIFO, regular
 * files only), and all text is made valid UTF-8 before it reaches JSON.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <errno.h>
#include <fcntl.h>
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/error.h"
#include "common/utf8.h"
#include "tools/gitignore.h"
#include "tools/globmatch.h"
#include "tools/greptypes.h"
#include "tools/input.h"
#include "tools/pathres.h"
#include "tools/result.h"
#include "tools/search.h"
#include "tools/tool.h"
#include "tools/walk.h"

#define GREP_MAX_COLUMNS 500              /* rg --max-columns 500 */
#define GREP_BINARY_BLOCK 65536u          /* rg's read buffer: NUL in the first one = binary */
#define GREP_FIRST_CHUNK (256u << 10)     /* -l: searched before reading the rest */
#define GREP_READ_BUFFER (1u << 20)       /* initial read buffer per thread */
#define GREP_WINDOW (32u << 20)           /* bytes of a file held at once; bigger files go in windows */
#define GREP_MAX_COLLECT (64u << 20)      /* bytes of matched lines held */
#define GREP_MAX_OUTPUT (8u << 20)        /* bytes of the final text */
#define GREP_MATCH_LIMIT 10000000u        /* PCRE2 backtracking steps per match call */

enum grep_mode { MODE_FILES, MODE_CONTENT, MODE_COUNT };

struct grep_file {
	char *rel; /* below the start directory ("" in single-file mode) */
	uint32_t *order; /* walk position (walk_entry.order), depth entries */
	size_t depth;
	struct timespec mtime;
	unsigned long long count;
	char *text; /* content mode: lines as ":N:text\n" / "-N-text\n" / "--\n" */
	size_t text_len;
};

struct grep_thread {
	struct buf data; /* the file being searched */
	struct buf dec;  /* a UTF-16 file transcoded to UTF-8 (rg's --encoding auto) */
	struct buf out;  /* its formatted lines */
	const struct walk_entry *cur; /* the walk entry being searched; NULL for a file named as path */
	pcre2_match_data *md;
	struct grep_file *files;
	size_t n, cap;
};

struct grep {
	enum grep_mode mode;
	unsigned before, after;
	bool line_numbers, multiline, context;
	pcre2_code *code;
	pcre2_match_context *mctx;
	const char *lit; /* plain literal pattern: memchr + memcmp instead of PCRE2 */
	size_t litlen;
	size_t rare; /* index of its rarest byte */
	struct gitignore ovr;   /* --glob list (inverted: a plain glob whitelists) */
	size_t ovr_whitelists;  /* plain (not "!") globs */
	const char *ovr_prefix; /* path from cwd down to the start dir, + "/" */
	size_t ovr_prefix_len;
	struct search_deny deny; /* the policy's Read deny patterns (search.h) */
	struct glob **types;
	size_t ntypes;
	struct grep_thread *th;
	unsigned nth;
	size_t collected; /* atomic */
	bool capped;      /* atomic: GREP_MAX_COLLECT reached */
	size_t window;    /* GREP_WINDOW, or a test's smaller one */
	bool windowed;    /* atomic: some file was searched window by window */
};

/* Tests only (search.h): a small window to exercise the big-file path. */
static size_t test_window;

void search_test_set_window(size_t bytes)
{
	test_window = bytes;
}

/* ---- matching ---------------------------------------------------------- */

/*
 * Byte commonness in source text, most common first; a byte not listed is
 * rare. The literal finder scans (memchr, SIMD in libc) for the needle's
 * rarest byte and verifies around it, like ripgrep's rare-byte prefilter.
 */
static const char common_bytes[] = " etaoinsrlcdhu\npm_f.g,b(y);*w=/v\"x\tk-#'{}>[]01<2:&SETRA3N4I5C6O8L7D9PFMU";

static size_t rare_index(const char *lit, size_t n)
{
	size_t i, best = 0, best_rank = SIZE_MAX;

	for (i = 0; i < n; i++) {
		const char *c = memchr(common_bytes, lit[i], sizeof(common_bytes) - 1);
		size_t rank = c ? sizeof(common_bytes) - (size_t)(c - common_bytes) : 0;

		if (rank < best_rank) {
			best_rank = rank;
			best = i;
		}
	}
	return best;
}

static const char *find_literal(const struct grep *g, const char *s, size_t len, size_t pos)
{
	const char *p = s + pos, *end = s + len, *start = p;
	size_t k = g->rare, n = g->litlen, falsep = 0;
	char rb = g->lit[k];

	if (len - pos < n)
		return NULL;
	while ((size_t)(end - p) >= n) {
		const char *hit = memchr(p + k, rb, (size_t)(end - p) - n + 1);

		if (!hit)
			return NULL;
		if (!memcmp(hit - k, g->lit, n))
			return hit - k;
		p = hit - k + 1;
		/* A byte that is not rare here after all: the two-way search is linear. */
		if (++falsep > 64 && falsep * 32 > (size_t)(p - start))
			return memmem(p, (size_t)(end - p), g->lit, n);
	}
	return NULL;
}

/* Next match at or after pos: 1 with [*ms, *me), 0 none, <0 give up on this buffer. */
static int find(const struct grep *g, struct grep_thread *t, const char *s, size_t len, size_t pos,
		size_t *ms, size_t *me)
{
	PCRE2_SIZE *ov;
	int rc;

	if (g->lit) {
		const char *p = find_literal(g, s, len, pos);

		if (!p)
			return 0;
		*ms = (size_t)(p - s);
		*me = *ms + g->litlen;
		return 1;
	}
	rc = pcre2_match(g->code, (PCRE2_SPTR)s, len, pos, 0, t->md, g->mctx);
	if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
		rc = pcre2_match(g->code, (PCRE2_SPTR)s, len, pos, PCRE2_NO_JIT, t->md, g->mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0)
		return -1; /* match limit, bad UTF offset...: stop searching this file */
	ov = pcre2_get_ovector_pointer(t->md);
	*ms = ov[0];
	*me = ov[1];
	return 1;
}

/* Whether line [ls, le) matches on its own (a whole-buffer hit may span lines). */
static bool line_matches(const struct grep *g, struct grep_thread *t, const char *s, size_t ls, size_t le)
{
	size_t a, b;

	return find(g, t, s + ls, le - ls, 0, &a, &b) == 1;
}

static size_t line_start(const char *s, size_t lo, size_t pos)
{
	const char *p = pos > lo ? memrchr(s + lo, '\n', pos - lo) : NULL;

	return p ? (size_t)(p - s) + 1 : lo;
}

static size_t line_end(const char *s, size_t len, size_t pos)
{
	const char *p = memchr(s + pos, '\n', len - pos);

	return p ? (size_t)(p - s) : len;
}

/* Newlines in s[0..n), eight bytes at a time (exact: no carries between bytes). */
static size_t count_nl(const char *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101ULL, lo7 = 0x7f7f7f7f7f7f7f7fULL, nl = ones * '\n';
	size_t c = 0, i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w, x, t;

		memcpy(&w, s + i, 8);
		x = w ^ nl;                     /* zero bytes where s has '\n' */
		t = ((x & lo7) + lo7) | x;      /* high bit set in every non-zero byte */
		c += (size_t)((((~t & ~lo7) >> 7) * ones) >> 56);
	}
	for (; i < n; i++)
		c += s[i] == '\n';
	return c;
}

/* ---- content-mode printer ---------------------------------------------- */

struct printer {
	const struct grep *g;
	struct buf *out;
	const char *s;
	size_t len;
	size_t cur_off;           /* start offset of line cur_no */
	unsigned long long cur_no;
	unsigned long long printed; /* last line number printed (0 none) */
	unsigned long long after_to; /* pending after-context up to this line */
	bool any;
};

/* Move the cursor forward to line `no` (never backwards). */
static void seek_line(struct printer *p, unsigned long long no)
{
	while (p->cur_no < no && p->cur_off < p->len) {
		const char *nl = memchr(p->s + p->cur_off, '\n', p->len - p->cur_off);

		p->cur_off = nl ? (size_t)(nl - p->s) + 1 : p->len;
		p->cur_no++;
	}
}

static int print_line(struct printer *p, unsigned long long no, char sep)
{
	size_t e;
	int r;

	seek_line(p, no);
	if (p->cur_no != no || p->cur_off >= p->len)
		return 0; /* past the last line */
	e = line_end(p->s, p->len, p->cur_off);
	if ((r = buf_putc(p->out, sep)) < 0)
		return r;
	if (p->g->line_numbers && (r = buf_printf(p->out, "%llu%c", no, sep)) < 0)
		return r;
	if (e - p->cur_off > GREP_MAX_COLUMNS)
		r = buf_puts(p->out, sep == ':' ? "[Omitted long matching line]" : "[Omitted long context line]");
	else
		r = utf8_sanitize(p->out, p->s + p->cur_off, e - p->cur_off);
	if (r < 0 || (r = buf_putc(p->out, '\n')) < 0)
		return r;
	p->printed = no;
	return 0;
}

static int flush_after(struct printer *p, unsigned long long limit)
{
	unsigned long long no;
	int r;

	for (no = p->printed + 1; no <= p->after_to && no < limit; no++)
		if ((r = print_line(p, no, '-')) < 0)
			return r;
	p->after_to = 0;
	return 0;
}

/* Print a block of matching lines [a, b] (line a starts at a_off) with its context. */
static int print_block(struct printer *p, unsigned long long a, size_t a_off, unsigned long long b)
{
	unsigned long long from, no;
	int r;

	if (p->after_to && (r = flush_after(p, a)) < 0)
		return r;
	from = a > p->g->before ? a - p->g->before : 1;
	if (from <= p->printed)
		from = p->printed + 1;
	if (from > p->cur_no) {
		/* Jump to line `from` by walking back from line a, not forward from the cursor. */
		size_t off = a_off;

		for (no = a; no > from; no--)
			off = line_start(p->s, 0, off - 1);
		p->cur_no = from;
		p->cur_off = off;
	}
	if (p->g->context && p->any && from > p->printed + 1 && (r = buf_puts(p->out, "--\n")) < 0)
		return r;
	for (no = from; no < a; no++)
		if ((r = print_line(p, no, '-')) < 0)
			return r;
	for (no = a; no <= b; no++)
		if ((r = print_line(p, no, ':')) < 0)
			return r;
	p->after_to = b + p->g->after;
	p->any = true;
	return 0;
}

/* ---- searching one buffer ---------------------------------------------- */

/*
 * Search s[0..len): count matching lines (blocks of lines in multiline
 * mode, as rg -c counts them), and in content mode print them into t->out.
 * In files mode the first match ends the search. base: lines before s
 * (windows of a big file); *any: whether lines were printed before (for
 * the "--" between context groups), updated.
 */
static int search_buf(const struct grep *g, struct grep_thread *t, const char *s, size_t len,
		      unsigned long long base, bool *any, unsigned long long *out_count)
{
	struct printer p = { g, &t->out, s, len, 0, base + 1, base, 0, *any };
	unsigned long long count = 0, lineno = base + 1, blk_a = 0, blk_b = 0;
	size_t pos = 0, counted_to = 0, blk_off = 0, ms, me;
	int rc, r = 0;
	bool need_lines = g->mode == MODE_CONTENT;

	while (pos <= len) {
		size_t ls, le;

		rc = find(g, t, s, len, pos, &ms, &me);
		if (rc <= 0)
			break;
		/* A hit at the very end, after the final newline, is no line. */
		if (ms == len && (len == 0 || s[len - 1] == '\n'))
			break;
		ls = line_start(s, pos, ms);
		le = line_end(s, len, ms);
		if (!g->multiline) {
			if (me > le && !line_matches(g, t, s, ls, le)) {
				pos = le + 1;
				continue;
			}
			count++;
			if (g->mode == MODE_FILES)
				break;
			if (need_lines) {
				lineno += count_nl(s + counted_to, ls - counted_to);
				counted_to = ls;
				if ((r = print_block(&p, lineno, ls, lineno)) < 0)
					return r;
			}
			pos = le + 1;
			continue;
		}
		/* Multiline: the match covers lines from ms's to (me-1)'s. */
		{
			size_t last = me > ms ? me - 1 : ms;
			unsigned long long a, b;

			lineno += count_nl(s + counted_to, ms - counted_to);
			counted_to = ms;
			a = lineno;
			b = a + count_nl(s + ms, last - ms);
			if (g->mode == MODE_FILES) {
				count = 1;
				break;
			}
			if (blk_a && a <= blk_b) {
				if (b > blk_b)
					blk_b = b;
			} else {
				if (blk_a && need_lines && (r = print_block(&p, blk_a, blk_off, blk_b)) < 0)
					return r;
				if (blk_a)
					count++;
				blk_a = a;
				blk_off = ls;
				blk_b = b;
			}
			if (me > ms) {
				pos = me;
			} else {
				/* After an empty match, step over a whole character: never start inside one. */
				size_t k = ms < len ? utf8_seqlen((const unsigned char *)s + ms, len - ms) : 1;

				pos = ms + (k ? k : 1);
			}
		}
	}
	if (g->multiline && blk_a) {
		count++;
		if (need_lines && (r = print_block(&p, blk_a, blk_off, blk_b)) < 0)
			return r;
	}
	if (need_lines && p.after_to && (r = flush_after(&p, ~0ULL)) < 0)
		return r;
	*any = p.any;
	*out_count = count;
	return 0;
}

/* ---- per-file work ----------------------------------------------------- */

/*
 * Append up to `upto` more bytes of fd to b (never past the window).
 * *eof says whether the end was seen; a read that brings the buffer to the
 * size fstat reported counts as the end (saves a read per file; a file
 * growing under us is read as it was, as rg may too).
 */
static int read_more(struct grep *g, int fd, struct buf *b, size_t size, size_t upto, bool *eof)
{
	size_t goal = b->len + upto;
	ssize_t n;
	int r;

	*eof = false;
	if (goal > g->window)
		goal = g->window;
	if (size < goal && size + 1 > b->len && b->cap < size + 2 && (r = buf_grow(b, size + 1 - b->len)) < 0)
		return r;
	for (;;) {
		size_t room;

		if (b->len >= goal)
			break;
		if (b->cap - b->len < 65536 + 1 &&
		    (r = buf_grow(b, goal - b->len < 65536 ? goal - b->len : 65536)) < 0)
			return r;
		room = b->cap - b->len - 1;
		if (room > goal - b->len)
			room = goal - b->len;
		n = read(fd, b->data + b->len, room);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -CORDON_ESYS;
		}
		b->len += (size_t)n;
		if (n == 0 || b->len == size) {
			*eof = true;
			break;
		}
	}
	b->data[b->len] = '\0';
	return 0;
}

static int record(struct grep *g, struct grep_thread *t, const char *rel, const struct stat *st,
		  unsigned long long count)
{
	struct grep_file *f;
	size_t total;

	if (t->n == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		struct grep_file *nf = realloc(t->files, ncap * sizeof(*nf));

		if (!nf)
			return -CORDON_ENOMEM;
		t->files = nf;
		t->cap = ncap;
	}
	total = __atomic_add_fetch(&g->collected, t->out.len + strlen(rel) + 32, __ATOMIC_RELAXED);
	if (total > GREP_MAX_COLLECT) {
		__atomic_store_n(&g->capped, true, __ATOMIC_RELAXED);
		return 1;
	}
	f = &t->files[t->n];
	memset(f, 0, sizeof(*f));
	f->rel = strdup(rel);
	if (!f->rel)
		return -CORDON_ENOMEM;
	if (t->cur) {
		f->depth = t->cur->depth;
		f->order = malloc(f->depth * sizeof(*f->order));
		if (!f->order) {
			free(f->rel);
			return -CORDON_ENOMEM;
		}
		memcpy(f->order, t->cur->order, f->depth * sizeof(*f->order));
	}
	f->mtime = st->st_mtim;
	f->count = count;
	if (t->out.len) {
		f->text_len = t->out.len;
		f->text = buf_detach(&t->out, NULL);
		if (!f->text) {
			free(f->rel);
			free(f->order);
			return -CORDON_ENOMEM;
		}
	}
	t->n++;
	return 0;
}

/*
 * A file bigger than the window: read and search it a window at a time,
 * each window cut at its last line end, line numbers carried on, so memory
 * stays at one window per thread whatever the file size. Limits of this
 * path: context lines and multiline matches do not cross a window edge; a
 * line longer than the window is cut; a NUL byte is treated as in a walk
 * (the file is binary), even for a file named explicitly.
 */
static int search_windows(struct grep *g, struct grep_thread *t, int fd, const struct stat *st, const char *rel)
{
	struct buf *b = &t->data;
	unsigned long long count = 0, base = 0, c;
	size_t consumed = 0, nul_off = 0;
	bool eof = false, any = false, binary = false, first = true;
	int r;

	__atomic_store_n(&g->windowed, true, __ATOMIC_RELAXED);
	buf_truncate(b, 0);
	buf_truncate(&t->out, 0);
	while (!eof) {
		size_t len, cut, upto = g->window - b->len;
		const char *nul;

		/* -l: a first look at the start, as for smaller files. */
		if (first && g->mode == MODE_FILES && upto > GREP_FIRST_CHUNK)
			upto = GREP_FIRST_CHUNK;
		first = false;
		if ((r = read_more(g, fd, b, (size_t)-1, upto, &eof)) < 0)
			return r == -CORDON_ESYS ? 0 : r;
		len = b->len;
		nul = memchr(b->data, '\0', len);
		if (nul) {
			size_t off = consumed + (size_t)(nul - b->data), blk = off - off % GREP_BINARY_BLOCK;

			if (off < GREP_BINARY_BLOCK || g->mode == MODE_COUNT)
				return 0;
			cut = blk > consumed ? line_start(b->data, 0, blk - consumed) : 0;
			binary = true;
			nul_off = off;
		} else if (eof) {
			cut = len;
		} else {
			const char *nl = memrchr(b->data, '\n', len);

			cut = nl ? (size_t)(nl - b->data) + 1 : len;
			if (!nl && len < g->window)
				continue; /* the -l first look ended inside a line: read on */
		}
		if ((r = search_buf(g, t, b->data, cut, base, &any, &c)) < 0)
			return r;
		count += c;
		if (binary || (g->mode == MODE_FILES && count))
			break;
		base += count_nl(b->data, cut);
		consumed += cut;
		memmove(b->data, b->data + cut, len - cut);
		buf_truncate(b, len - cut);
	}
	if (!count)
		return 0;
	if (binary && g->mode == MODE_CONTENT &&
	    (r = buf_printf(&t->out,
			    ": WARNING: stopped searching binary file after match (found \"\\0\" byte around offset %zu)\n",
			    nul_off)) < 0)
		return r;
	return record(g, t, rel, st, count);
}

/*
 * rg's default --encoding auto: a UTF-16 byte order mark makes rg transcode
 * the file to UTF-8 before searching it (encoding_rs: a lone surrogate or
 * an odd last byte is U+FFFD), and a UTF-8 one is dropped. What follows
 * (binary detection, lines, offsets) sees the transcoded text.
 */
enum bom { BOM_NONE, BOM_UTF8, BOM_UTF16LE, BOM_UTF16BE };

static enum bom sniff_bom(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;

	if (n >= 3 && u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf)
		return BOM_UTF8;
	if (n >= 2 && u[0] == 0xff && u[1] == 0xfe)
		return BOM_UTF16LE;
	if (n >= 2 && u[0] == 0xfe && u[1] == 0xff)
		return BOM_UTF16BE;
	return BOM_NONE;
}

/* Search an open file (walk: binary files skipped; explicit: rg's binary message). */
static int search_fd(struct grep *g, struct grep_thread *t, int fd, const struct stat *st, const char *rel,
		     bool explicit_file)
{
	unsigned long long count = 0;
	const char *nul;
	char *s;
	size_t len, nul_off = 0;
	bool cut = false, eof = false, any = false;
	enum bom bom = BOM_NONE;
	int r;

	if ((size_t)st->st_size > g->window)
		return search_windows(g, t, fd, st, rel);

	buf_truncate(&t->data, 0);
	if (g->mode == MODE_FILES && !explicit_file && (size_t)st->st_size > GREP_FIRST_CHUNK) {
		/* -l needs one match: look at the first chunk before reading a big file whole, as rg does. */
		const char *nl;
		size_t skip;

		if ((r = read_more(g, fd, &t->data, (size_t)st->st_size, GREP_FIRST_CHUNK, &eof)) < 0)
			return r == -CORDON_ESYS ? 0 : r;
		bom = sniff_bom(t->data.data, t->data.len);
		skip = bom == BOM_UTF8 ? 3 : 0;
		if (bom == BOM_UTF16LE || bom == BOM_UTF16BE)
			goto whole; /* transcoded whole below */
		if (memchr(t->data.data, '\0', t->data.len < GREP_BINARY_BLOCK ? t->data.len : GREP_BINARY_BLOCK))
			return 0;
		nl = memrchr(t->data.data, '\n', t->data.len);
		if (nl && nl >= t->data.data + skip && !memchr(t->data.data, '\0', t->data.len)) {
			if ((r = search_buf(g, t, t->data.data + skip, (size_t)(nl - t->data.data) + 1 - skip, 0, &any,
					    &count)) < 0)
				return r;
			if (count)
				return record(g, t, rel, st, count);
		}
	}
whole:
	if (!eof && (r = read_more(g, fd, &t->data, (size_t)st->st_size, g->window, &eof)) < 0)
		return r == -CORDON_ESYS ? 0 : r; /* unreadable: skipped, as rg goes on */
	s = t->data.data;
	len = t->data.len;
	bom = sniff_bom(s, len);
	if (bom == BOM_UTF8) {
		s += 3;
		len -= 3;
	} else if (bom == BOM_UTF16LE || bom == BOM_UTF16BE) {
		/* ripgrep's decoder marks an odd last byte with U+FFFD. */
		buf_truncate(&t->dec, 0);
		if ((r = utf16_to_utf8(&t->dec, s + 2, len - 2, bom == BOM_UTF16BE, true)) < 0)
			return r == -CORDON_ETOOBIG ? 0 : r; /* over the ceiling: skipped */
		s = t->dec.data;
		len = t->dec.len;
	}
	buf_truncate(&t->out, 0);
	nul = memchr(s, '\0', len);
	if (nul && !explicit_file) {
		size_t off = (size_t)(nul - s);

		/* rg stops at the read buffer holding the NUL; what came before was searched. */
		if (off < GREP_BINARY_BLOCK || g->mode == MODE_COUNT)
			return 0; /* rg -c drops the count of a binary file */
		len = line_start(s, 0, off - off % GREP_BINARY_BLOCK);
		nul_off = off;
		cut = true;
	}
	if (nul && explicit_file) {
		/* rg searches an explicit binary file with NULs as line ends, and says so instead of printing. */
		size_t i, off = (size_t)(nul - s);

		for (i = 0; i < len; i++)
			if (s[i] == '\0')
				s[i] = '\n';
		if (g->mode == MODE_CONTENT) {
			enum grep_mode m = g->mode;

			g->mode = MODE_COUNT; /* only whether it matches */
			r = search_buf(g, t, s, len, 0, &any, &count);
			g->mode = m;
			if (r < 0)
				return r;
			buf_truncate(&t->out, 0);
			if (count && (r = buf_printf(&t->out, ":binary file matches (found \"\\0\" byte around offset %zu)\n",
						     off)) < 0)
				return r;
			return count ? record(g, t, rel, st, count) : 0;
		}
	}
	if ((r = search_buf(g, t, s, len, 0, &any, &count)) < 0)
		return r;
	if (!count)
		return 0;
	if (cut && g->mode == MODE_CONTENT &&
	    (r = buf_printf(&t->out,
			    ": WARNING: stopped searching binary file after match (found \"\\0\" byte around offset %zu)\n",
			    nul_off)) < 0)
		return r;
	return record(g, t, rel, st, count);
}

static int visit(void *ctx, unsigned tid, const struct walk_entry *e)
{
	struct grep *g = ctx;
	struct grep_thread *t = &g->th[tid];
	struct stat st;
	int fd, r;

	if (walk_open_file(e, &fd, &st) < 0)
		return 0; /* gone, swapped, or not regular: skipped like rg skips it */
	t->cur = e;
	r = search_fd(g, t, fd, &st, e->rel, false);
	t->cur = NULL;
	close(fd);
	return r;
}

/* ---- filters ------------------------------------------------------------ */

static enum gi_match override_cb(void *ctx, const char *rel, size_t len, bool is_dir)
{
	struct grep *g = ctx;
	char tmp[WALK_MAX_PATH * 2];
	enum gi_match m;

	/* Before any other filter, so no --glob or ignore file can bring a
	 * denied entry back; a denied directory is not entered at all. */
	if (search_deny_match(&g->deny, rel, len))
		return GI_IGNORE;
	if (g->ovr_prefix_len + len > sizeof(tmp))
		return GI_NONE;
	memcpy(tmp, g->ovr_prefix, g->ovr_prefix_len);
	memcpy(tmp + g->ovr_prefix_len, rel, len);
	m = gitignore_match(&g->ovr, tmp, g->ovr_prefix_len + len, is_dir);
	/* Overrides read inverted: "glob" keeps, "!glob" drops. */
	if (m == GI_IGNORE)
		return GI_WHITELIST;
	if (m == GI_WHITELIST)
		return GI_IGNORE;
	if (g->ovr_whitelists && !is_dir)
		return GI_IGNORE;
	return GI_NONE;
}

static enum gi_match types_cb(void *ctx, const char *rel, size_t len)
{
	struct grep *g = ctx;
	const char *base = memrchr(rel, '/', len);
	size_t i, n;

	base = base ? base + 1 : rel;
	n = (size_t)(rel + len - base);
	for (i = 0; i < g->ntypes; i++)
		if (glob_match(g->types[i], base, n))
			return GI_WHITELIST;
	return GI_IGNORE;
}

/* The reference splits `glob` on whitespace, and on commas unless braces are used. */
static int add_user_globs(struct grep *g, const char *s)
{
	while (*s) {
		size_t n;
		const char *tok;

		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		tok = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			s++;
		n = (size_t)(s - tok);
		if (!n)
			continue;
		if (memchr(tok, '{', n) && memchr(tok, '}', n)) {
			if (gitignore_add_line(&g->ovr, tok, n) < 0)
				return -CORDON_ENOMEM;
			if (tok[0] != '!')
				g->ovr_whitelists++;
			continue;
		}
		while (n) {
			const char *c = memchr(tok, ',', n);
			size_t k = c ? (size_t)(c - tok) : n;

			if (k) {
				size_t before = g->ovr.nrules;

				if (gitignore_add_line(&g->ovr, tok, k) < 0)
					return -CORDON_ENOMEM;
				if (g->ovr.nrules > before && tok[0] != '!')
					g->ovr_whitelists++;
			}
			tok += k + (c ? 1 : 0);
			n -= k + (c ? 1 : 0);
		}
	}
	return 0;
}

static int setup_types(struct grep *g, const char *name, bool *known)
{
	const struct greptype *ty = greptype_find(name);
	size_t n = 0, i;

	*known = ty != NULL;
	if (!ty)
		return 0;
	while (ty->globs[n])
		n++;
	g->types = calloc(n, sizeof(*g->types));
	if (!g->types)
		return -CORDON_ENOMEM;
	for (i = 0; i < n; i++) {
		int r = glob_compile(&g->types[g->ntypes], ty->globs[i], strlen(ty->globs[i]),
				     GLOB_BACKSLASH_ESCAPE, NULL);

		if (r == -CORDON_ENOMEM)
			return r;
		if (r == 0)
			g->ntypes++;
	}
	return 0;
}

static bool is_plain_literal(const char *p)
{
	if (!*p)
		return false;
	for (; *p; p++)
		if (strchr("\\^$.|?*+()[]{}", *p))
			return false;
	return true;
}

static int compile_pattern(struct grep *g, const char *pattern, bool caseless)
{
	uint32_t opts = PCRE2_MULTILINE | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_UCP | PCRE2_NEVER_BACKSLASH_C;
	PCRE2_SIZE erroff;
	int errcode;

	if (!caseless && !g->multiline && is_plain_literal(pattern)) {
		g->lit = pattern;
		g->litlen = strlen(pattern);
		g->rare = rare_index(pattern, g->litlen);
		return 0;
	}
	if (caseless)
		opts |= PCRE2_CASELESS;
	if (g->multiline)
		opts |= PCRE2_DOTALL;
	g->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts, &errcode, &erroff, NULL);
	if (!g->code)
		return -CORDON_EPARSE;
	g->mctx = pcre2_match_context_create(NULL);
	if (!g->mctx)
		return -CORDON_ENOMEM;
	pcre2_set_match_limit(g->mctx, GREP_MATCH_LIMIT);
	/* JIT needs PROT_EXEC anonymous memory; without it the interpreter does the same work. */
	if (pcre_jit_wanted())
		(void)pcre2_jit_compile(g->code, PCRE2_JIT_COMPLETE);
	return 0;
}

static int threads_init(struct grep *g, unsigned n)
{
	unsigned i;

	g->th = calloc(n, sizeof(*g->th));
	if (!g->th)
		return -CORDON_ENOMEM;
	g->nth = n;
	for (i = 0; i < n; i++) {
		buf_init(&g->th[i].data, g->window + 1);
		buf_init(&g->th[i].dec, g->window / 2 * 3 + 4); /* each UTF-16 unit gives at most 3 bytes */
		buf_init(&g->th[i].out, GREP_MAX_COLLECT);
		/* One large buffer from the start (mmap-backed, never trimmed): no page faults per file. */
		if (buf_grow(&g->th[i].data, g->window < GREP_READ_BUFFER ? g->window : GREP_READ_BUFFER) < 0)
			return -CORDON_ENOMEM;
		g->th[i].md = pcre2_match_data_create(1, NULL);
		if (!g->th[i].md)
			return -CORDON_ENOMEM;
	}
	return 0;
}

static void grep_release(struct grep *g)
{
	unsigned i;
	size_t k;

	for (i = 0; i < g->nth; i++) {
		struct grep_thread *t = &g->th[i];

		for (k = 0; k < t->n; k++) {
			free(t->files[k].rel);
			free(t->files[k].order);
			free(t->files[k].text);
		}
		free(t->files);
		buf_release(&t->data);
		buf_release(&t->dec);
		buf_release(&t->out);
		pcre2_match_data_free(t->md);
	}
	free(g->th);
	for (k = 0; k < g->ntypes; k++)
		glob_free(g->types[k]);
	free(g->types);
	search_deny_release(&g->deny);
	gitignore_release(&g->ovr);
	pcre2_match_context_free(g->mctx);
	pcre2_code_free(g->code);
}

/* ---- output ------------------------------------------------------------- */

/* rg's parallel walk order, as it usually comes out (see the top of this file). */
static int cmp_walk(const void *a, const void *b)
{
	const struct grep_file *x = *(struct grep_file *const *)a, *y = *(struct grep_file *const *)b;
	int c = walk_order_cmp(x->order, x->depth, y->order, y->depth, true);

	return c ? c : strcmp(x->rel, y->rel);
}

/* Newest first; ties by path, case-insensitively first (close to the reference's localeCompare). */
static int cmp_mtime(const void *a, const void *b)
{
	const struct grep_file *x = *(struct grep_file *const *)a, *y = *(struct grep_file *const *)b;
	int c;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? 1 : -1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? 1 : -1;
	c = strcasecmp(x->rel, y->rel);
	return c ? c : strcmp(x->rel, y->rel);
}

/* The path rg would print for a file: start_abs + "/" + rel (or start_abs alone). */
static int put_abs(struct buf *b, const char *start_abs, const char *rel)
{
	int r;

	buf_truncate(b, 0);
	if ((r = buf_puts(b, start_abs)) < 0)
		return r;
	if (!*rel)
		return 0;
	if (!(start_abs[0] == '/' && start_abs[1] == '\0') && (r = buf_putc(b, '/')) < 0)
		return r;
	return buf_puts(b, rel);
}

struct outctx {
	const char *cwd, *start_abs;
	bool single; /* the path was a file: rg prints no file name in content/count */
	long long limit, offset;
};

static int format_files(struct grep_file **v, size_t n, const struct outctx *oc, struct buf *out)
{
	struct buf line, pg;
	size_t s, e, i;
	bool limited;
	long long lim;
	int r;

	buf_init(&line, WALK_MAX_PATH * 2);
	buf_init(&pg, 256);
	qsort(v, n, sizeof(*v), cmp_mtime);
	search_paginate(n, oc->limit, oc->offset, &s, &e, &limited, &lim);
	if (s == e) {
		r = buf_puts(out, "No files found");
		goto out;
	}
	if ((r = search_pagination_text(&pg, limited, lim, oc->offset)) < 0)
		goto out;
	if ((r = buf_printf(out, "Found %zu file%s%s%s", e - s, e - s == 1 ? "" : "s", pg.len ? " " : "",
			    pg.data)) < 0)
		goto out;
	for (i = s; i < e; i++) {
		const char *shown;

		if ((r = put_abs(&line, oc->start_abs, v[i]->rel)) < 0)
			goto out;
		shown = search_relative(oc->cwd, line.data);
		if ((r = buf_putc(out, '\n')) < 0 || (r = utf8_sanitize(out, shown, strlen(shown))) < 0)
			goto out;
	}
out:
	buf_release(&line);
	buf_release(&pg);
	return r;
}

/* Call fn for each output line of content/count mode; counts lines when fn is NULL. */
struct linevis {
	struct buf *out;
	const struct outctx *oc;
	size_t idx, start, end;
	struct buf line;
};

static int emit(struct linevis *lv, const char *path, size_t plen, const char *rest, size_t rlen)
{
	int r;

	if (lv->idx >= lv->start && lv->idx < lv->end) {
		buf_truncate(&lv->line, 0);
		if ((r = buf_append(&lv->line, path, plen)) < 0 || (r = buf_append(&lv->line, rest, rlen)) < 0)
			return r;
		if (lv->out->len && (r = buf_putc(lv->out, '\n')) < 0)
			return r;
		if ((r = search_put_line(lv->out, lv->oc->cwd, lv->line.data, lv->line.len)) < 0)
			return r;
	}
	lv->idx++;
	return 0;
}

static int walk_lines(struct grep_file **v, size_t n, enum grep_mode mode, bool context, struct linevis *lv)
{
	struct buf path;
	size_t i;
	int r = 0;

	buf_init(&path, WALK_MAX_PATH * 2);
	for (i = 0; i < n && r == 0; i++) {
		const char *p = "";
		size_t plen = 0;

		if (!lv->oc->single) {
			if ((r = put_abs(&path, lv->oc->start_abs, v[i]->rel)) < 0)
				break;
			p = path.data;
			plen = path.len;
		}
		if (mode == MODE_COUNT) {
			char num[32];
			int k = snprintf(num, sizeof(num), "%s%llu", lv->oc->single ? "" : ":", v[i]->count);

			r = emit(lv, p, plen, num, (size_t)k);
			continue;
		}
		if (context && i > 0 && (r = emit(lv, "--", 2, "", 0)) < 0)
			break;
		{
			const char *t = v[i]->text, *end = t + v[i]->text_len;

			while (t < end && r == 0) {
				const char *nl = memchr(t, '\n', (size_t)(end - t));
				size_t k = nl ? (size_t)(nl - t) : (size_t)(end - t);

				if (k == 2 && t[0] == '-' && t[1] == '-')
					r = emit(lv, "--", 2, "", 0);
				else if (lv->oc->single)
					r = emit(lv, "", 0, t + 1, k - 1); /* no file name: drop the separator */
				else
					r = emit(lv, p, plen, t, k);
				t += k + 1;
			}
		}
	}
	buf_release(&path);
	return r;
}

static int format_lines(struct grep_file **v, size_t n, enum grep_mode mode, bool context,
			const struct outctx *oc, struct buf *out)
{
	struct linevis lv = { out, oc, 0, 0, 0, { 0 } };
	struct buf pg;
	bool limited;
	long long lim;
	size_t total, i;
	unsigned long long occ = 0;
	int r;

	buf_init(&lv.line, GREP_MAX_COLLECT);
	buf_init(&pg, 256);
	qsort(v, n, sizeof(*v), cmp_walk);
	/* First pass counts the lines, the second prints the page. */
	lv.start = lv.end = 0;
	if ((r = walk_lines(v, n, mode, context, &lv)) < 0)
		goto out;
	total = lv.idx;
	search_paginate(total, oc->limit, oc->offset, &lv.start, &lv.end, &limited, &lim);
	lv.idx = 0;
	if ((r = walk_lines(v, n, mode, context, &lv)) < 0)
		goto out;
	if ((r = search_pagination_text(&pg, limited, lim, oc->offset)) < 0)
		goto out;
	if (mode == MODE_CONTENT) {
		if (!out->len && (r = buf_puts(out, "No matches found")) < 0)
			goto out;
		if (pg.len)
			r = buf_printf(out, "\n\n[Showing results with pagination = %s]", pg.data);
		goto out;
	}
	/* count: the summary adds up the shown lines, as the reference does. */
	for (i = lv.start; i < lv.end && i < n; i++) /* count lines are 1:1 with files */
		occ += v[i]->count;
	if (!out->len && (r = buf_puts(out, "No matches found")) < 0)
		goto out;
	r = buf_printf(out, "\n\nFound %llu total occurrence%s across %zu file%s.%s%s", occ, occ == 1 ? "" : "s",
		       lv.end - lv.start, lv.end - lv.start == 1 ? "" : "s", pg.len ? " with pagination = " : "",
		       pg.data);
out:
	buf_release(&lv.line);
	buf_release(&pg);
	return r;
}

/* ---- the tool ----------------------------------------------------------- */

static long long nonneg(long long v)
{
	return v < 0 ? 0 : v;
}

int tool_grep_run(struct tool_call *call, json_t **out)
{
	struct grep g;
	struct pathres_loc loc = { 0 };
	struct outctx oc;
	struct buf text, prefix;
	struct grep_file **all = NULL;
	const json_t *request = call->request, *in = call->input;
	char errbuf[1024];
	const char *cwd = call->pr.cwd, *path, *mode, *s;
	struct stat st;
	size_t nall = 0, i, k;
	bool regex_ok = true, type_ok = true;
	int r, fd = -1;

	*out = NULL;
	memset(&g, 0, sizeof(g));
	gitignore_init(&g.ovr, 0);
	g.window = test_window ? test_window : GREP_WINDOW;
	buf_init(&text, GREP_MAX_OUTPUT);
	buf_init(&prefix, WALK_MAX_PATH * 2);

	/* The file or directory the policy judged (path, or the cwd), shown as given. */
	path = call->path ? call->path : cwd;
	r = pathres_locate(&call->pr, call->abs, &loc);
	if (r == 0)
		r = pathres_stat(&loc, false, &st);
	/* A sandbox placeholder (an empty pinned .bashrc, ...) does not exist for the model. */
	if (r == 0 && pathres_is_placeholder(request, loc.abs)) {
		errno = ENOENT;
		r = -CORDON_ESYS;
	}
	if (r < 0) {
		if (r == -CORDON_ESYS && (errno == ENOENT || errno == ENOTDIR))
			r = result_printf(out, true, true,
					  "Path does not exist: %s. Note: your current working directory is %s.",
					  loc.abs ? loc.abs : path, cwd);
		else
			r = result_text(out, true, true, pathres_errmsg(errbuf, sizeof(errbuf), r, errno, path));
		goto out;
	}

	mode = input_str(in, "output_mode");
	g.mode = !mode || !strcmp(mode, "files_with_matches") ? MODE_FILES
		 : !strcmp(mode, "content")                    ? MODE_CONTENT
								: MODE_COUNT;
	g.multiline = input_bool(in, "multiline", false);
	if (g.mode == MODE_CONTENT) {
		long long c = -1;

		g.line_numbers = input_bool(in, "-n", true);
		if (input_has(in, "context"))
			c = nonneg(input_int(in, "context", 0));
		else if (input_has(in, "-C"))
			c = nonneg(input_int(in, "-C", 0));
		if (c >= 0) {
			g.before = g.after = (unsigned)(c > 100000 ? 100000 : c);
		} else {
			g.before = (unsigned)nonneg(input_int(in, "-B", 0) > 100000 ? 100000 : input_int(in, "-B", 0));
			g.after = (unsigned)nonneg(input_int(in, "-A", 0) > 100000 ? 100000 : input_int(in, "-A", 0));
		}
		g.context = g.before > 0 || g.after > 0;
	}
	r = compile_pattern(&g, input_str(in, "pattern"), input_bool(in, "-i", false));
	if (r == -CORDON_EPARSE)
		regex_ok = false; /* the reference swallows rg's regex error: no results */
	else if (r < 0)
		goto out;

	/* The reference's --glob list: VCS directories out, then the model's globs. */
	{
		static const char *const vcs[] = { "!.git", "!.svn", "!.hg", "!.bzr", "!.jj", "!.sl" };

		for (i = 0; i < sizeof(vcs) / sizeof(vcs[0]); i++)
			if ((r = gitignore_add_line(&g.ovr, vcs[i], strlen(vcs[i]))) < 0)
				goto out;
	}
	if ((s = input_str(in, "glob")) && (r = add_user_globs(&g, s)) < 0)
		goto out;
	/* The policy's Read deny rules: what policy_decide() judged was the
	 * path the model named; these keep the walk below it (and a single
	 * file named through another form of its path) from showing denied
	 * files. */
	if ((r = search_deny_prepare(&g.deny, request, &loc, "search", out)) != 0) {
		if (r > 0)
			r = 0;
		goto out;
	}
	if ((s = input_str(in, "type")) && *s && (r = setup_types(&g, s, &type_ok)) < 0)
		goto out;

	if ((r = threads_init(&g, S_ISDIR(st.st_mode) ? walk_threads(&(struct walk_opts)WALK_OPTS_INIT) : 1)) < 0)
		goto out;
	memset(&oc, 0, sizeof(oc));
	oc.cwd = cwd;
	oc.start_abs = loc.abs;
	oc.limit = input_has(in, "head_limit") ? input_int(in, "head_limit", 250) : -1;
	if (input_has(in, "head_limit") && oc.limit < 0)
		oc.limit = 0;
	oc.offset = nonneg(input_int(in, "offset", 0));

	if (!regex_ok || !type_ok) {
		/* rg exits with an error and no output; the reference shows an empty result. */
	} else if (S_ISDIR(st.st_mode)) {
		struct walk_opts wo = WALK_OPTS_INIT;
		struct walk_stats ws;
		const char *rel = search_relative(cwd, loc.abs);

		if (rel == loc.abs) {
			r = buf_puts(&prefix, loc.abs);
		} else {
			r = buf_puts(&prefix, rel);
		}
		if (r == 0 && prefix.len && !(prefix.len == 1 && prefix.data[0] == '/'))
			r = buf_putc(&prefix, '/');
		if (r < 0)
			goto out;
		g.ovr_prefix = prefix.data;
		g.ovr_prefix_len = prefix.len;
		wo.hidden = true;
		wo.ignore_files = true;
		wo.override = override_cb;
		wo.types = g.ntypes || (s && *s) ? types_cb : NULL;
		wo.visit = visit;
		wo.ctx = &g;
		wo.nthreads = g.nth;
		r = walk_run(loc.rootfd, loc.rel, &wo, &ws);
		if (r < 0 && r != -CORDON_ESYS)
			goto out;
		if (r == -CORDON_ESYS) {
			r = result_text(out, true, true, pathres_errmsg(errbuf, sizeof(errbuf), r, errno, path));
			goto out;
		}
	} else {
		/* An explicit file is searched whatever the filters say, as rg does. */
		struct stat fst;

		oc.single = true;
		r = pathres_open_file(&loc, &fd, &fst);
		if (r < 0) {
			r = result_text(out, true, true, pathres_errmsg(errbuf, sizeof(errbuf), r, errno, path));
			goto out;
		}
		r = search_fd(&g, &g.th[0], fd, &fst, "", true);
		if (r < 0)
			goto out;
		if (g.mode == MODE_FILES)
			oc.single = false;
	}

	for (i = 0; i < g.nth; i++)
		nall += g.th[i].n;
	all = calloc(nall ? nall : 1, sizeof(*all));
	if (!all) {
		r = -CORDON_ENOMEM;
		goto out;
	}
	for (i = 0, nall = 0; i < g.nth; i++)
		for (k = 0; k < g.th[i].n; k++)
			all[nall++] = &g.th[i].files[k];
	if (g.mode == MODE_FILES)
		r = format_files(all, nall, &oc, &text);
	else
		r = format_lines(all, nall, g.mode, g.context, &oc, &text);
	if (r == -CORDON_ETOOBIG) {
		/* The final text is capped; say so rather than fail. */
		buf_truncate(&text, text.len > 200 ? utf8_cut(text.data, text.len, text.len - 200) : 0);
		r = buf_printf(&text, "\n\n[output cut at %u MB; narrow the search with path, glob or head_limit]",
			       GREP_MAX_OUTPUT >> 20);
	}
	if (r < 0)
		goto out;
	if (__atomic_load_n(&g.capped, __ATOMIC_RELAXED) &&
	    (r = buf_printf(&text, "\n\n[search stopped after %u MB of matches; narrow the search with path, glob or type]",
			    GREP_MAX_COLLECT >> 20)) < 0)
		goto out;
	r = result_textn(out, false, false, text.data, text.len);
out:
	if (fd >= 0)
		close(fd);
	free(all);
	grep_release(&g);
	buf_release(&text);
	buf_release(&prefix);
	pathres_loc_release(&loc);
	return r;
}
