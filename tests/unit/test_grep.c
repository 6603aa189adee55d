/*
 * Unit tests for the Grep and Glob tools: exact output text on small
 * fixtures (the conformance cases' tree and a few more), through
 * tool_execute() in-process.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/buf.h"
#include "policy/pathmatch.h"
#include "tools/search.h"
#include "tools/tool.h"

static char ws[256];

static void put(const char *rel, const char *text, size_t len, time_t mtime)
{
	char p[512], *s;
	struct timespec ts[2];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", ws, rel);
	for (s = p + strlen(ws) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	ts[0].tv_sec = ts[1].tv_sec = mtime;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

#define PUT(rel, text, mtime) put(rel, text, sizeof(text) - 1, mtime)

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int setup(void **state)
{
	const time_t t0 = 1704067200; /* 2024-01-01 00:00:00 UTC */

	(void)state;
	snprintf(ws, sizeof(ws), "%s/cordon-grep.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(ws))
		return -1;
	PUT("src/main.c", "#include <stdio.h>\n\nint main(void) {\n    printf(\"hello world\\n\");\n    return 0;\n}\n",
	    t0 + 5);
	PUT("src/util.c", "/* util */\nint helper(int x) {\n    return x * 2; /* TODO: overflow */\n}\n", t0 + 4);
	PUT("src/util.h", "int helper(int x);\n", t0 + 3);
	PUT("app.py", "import os\n\ndef hello():\n    return 'Hello World'\n\n# TODO: more\nprint(hello())\n", t0 + 2);
	PUT("web/app.js", "function hello() {\n  return 'hello';\n}\n// todo: lowercase\nmodule.exports = hello;\n",
	    t0 + 1);
	PUT("README.md", "# Project\n\nSay hello to the world.\n", t0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(ws, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Run a tool; returns the content (malloc'd) and sets *is_error. */
static char *call(const char *tool, const char *input_json, bool *is_error)
{
	json_error_t jerr;
	json_t *input = json_loads(input_json, 0, &jerr), *req, *res = NULL;
	char *out;

	assert_non_null(input);
	req = json_pack("{s:s, s:o, s:s, s:s}", "tool", tool, "input", input, "cwd", ws, "workspace", ws);
	assert_non_null(req);
	assert_int_equal(tool_execute(req, &res), 0);
	assert_non_null(res);
	*is_error = json_is_true(json_object_get(res, "is_error"));
	assert_true(json_is_string(json_object_get(res, "content")));
	out = strdup(json_string_value(json_object_get(res, "content")));
	json_decref(res);
	json_decref(req);
	return out;
}

/* Replace every "{WS}" in want by the workspace path. */
static char *subst(const char *want)
{
	size_t n = strlen(want) + 1, wl = strlen(ws);
	const char *p;
	char *out, *o;

	for (p = want; (p = strstr(p, "{WS}")); p += 4)
		n += wl;
	out = malloc(n);
	assert_non_null(out);
	for (o = out, p = want; *p;) {
		if (!strncmp(p, "{WS}", 4)) {
			memcpy(o, ws, wl);
			o += wl;
			p += 4;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

static void expect_call(const char *tool, const char *input, const char *want, bool want_error)
{
	bool err;
	char *got = call(tool, input, &err), *w = subst(input), *wt = subst(want);

	(void)w;
	if (strcmp(got, wt) || err != want_error)
		fail_msg("%s %s\n--- got (is_error %d):\n%s\n--- want (is_error %d):\n%s", tool, input, err, got,
			 want_error, wt);
	free(got);
	free(w);
	free(wt);
}

/*
 * The files below ws/rel in ripgrep's walk orders, computed here with
 * readdir, so the expectations hold whatever order the file system lists
 * names in: lifo, the parallel walker's (the order the reference's content
 * and count lines come in, tools/grep.c: each directory's entries last
 * readdir entry first, a subdirectory's files before the entries read
 * before it); else the sequential walker's (depth first in readdir order:
 * Glob's order among equal mtimes).
 */
static void walk_files(const char *rel, char (*out)[256], size_t *n, size_t max, bool lifo)
{
	char p[512], names[256][256];
	struct dirent *de;
	struct stat st;
	size_t k = 0;
	DIR *d;

	snprintf(p, sizeof(p), "%s%s%s", ws, *rel ? "/" : "", rel);
	d = opendir(p);
	assert_non_null(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		assert_true(k < 256);
		snprintf(names[k++], sizeof(names[0]), "%s", de->d_name);
	}
	closedir(d);
	for (size_t j = 0; j < k; j++) {
		char child[256];

		snprintf(child, sizeof(child), "%s%s%s", rel, *rel ? "/" : "", names[lifo ? k - 1 - j : j]);
		snprintf(p, sizeof(p), "%s/%s", ws, child);
		assert_int_equal(lstat(p, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			walk_files(child, out, n, max, lifo);
		} else {
			assert_true(*n < max);
			snprintf(out[(*n)++], sizeof(out[0]), "%s", child);
		}
	}
}

/*
 * blocks[2i] is a file (relative to ws), blocks[2i+1] its lines: the
 * lines joined with sep, files in the walk order of lifo_walk(""); then
 * the lines from `offset` on, at most `limit` (0: all). Malloc'd.
 */
static char *in_walk_order(const char *const *blocks, size_t nfiles, const char *sep, size_t offset, size_t limit)
{
	static char order[256][256];
	size_t n = 0, i, k, line = 0, shown = 0;
	struct buf all, out;
	const char *s, *nl;

	walk_files("", order, &n, 256, true);
	buf_init(&all, BUF_NOMAX);
	buf_init(&out, BUF_NOMAX);
	for (i = 0; i < n; i++)
		for (k = 0; k < nfiles; k++)
			if (!strcmp(order[i], blocks[2 * k]))
				assert_int_equal(buf_printf(&all, "%s%s", all.len ? sep : "", blocks[2 * k + 1]), 0);
	for (s = all.data; s && *s; s = nl ? nl + 1 : NULL, line++) {
		nl = strchr(s, '\n');
		if (line < offset || (limit && shown == limit))
			continue;
		assert_int_equal(buf_printf(&out, "%s%.*s", shown ? "\n" : "", nl ? (int)(nl - s) : (int)strlen(s), s), 0);
		shown++;
	}
	buf_release(&all);
	return out.data ? out.data : strdup("");
}

/* Input JSON with {WS} replaced. */
#define EXPECT(tool, input, want, err)                      \
	do {                                                \
		char *in_ = subst(input);                   \
		expect_call(tool, in_, want, err);          \
		free(in_);                                  \
	} while (0)

static void files_with_matches_newest_first(void **state)
{
	(void)state;
	EXPECT("Grep", "{\"pattern\":\"hello\"}", "Found 4 files\nsrc/main.c\napp.py\nweb/app.js\nREADME.md", false);
	EXPECT("Grep", "{\"pattern\":\"return\",\"glob\":\"*.c\"}", "Found 2 files\nsrc/main.c\nsrc/util.c", false);
	EXPECT("Grep", "{\"pattern\":\"zzz_not_there\"}", "No files found", false);
	EXPECT("Grep", "{\"pattern\":\"hello\",\"head_limit\":1,\"offset\":1}", "Found 1 file limit: 1, offset: 1\napp.py",
	       false);
	EXPECT("Grep", "{\"pattern\":\"hello\",\"offset\":3}", "Found 1 file offset: 3\nREADME.md", false);
	EXPECT("Grep", "{\"pattern\":\"hello\",\"head_limit\":\"2\"}", "Found 2 files limit: 2\nsrc/main.c\napp.py", false);
}

/* The "return" lines of the fixture, per file. */
static const char *const return_lines[] = {
	"app.py", "app.py:4:    return 'Hello World'",
	"src/main.c", "src/main.c:5:    return 0;",
	"src/util.c", "src/util.c:3:    return x * 2; /* TODO: overflow */",
	"web/app.js", "web/app.js:2:  return 'hello';",
};

/* EXPECT with a want built by in_walk_order() (+ suffix). */
#define EXPECT_ORDERED(tool, input, blocks, n, sep, offset, limit, suffix, err)                 \
	do {                                                                                     \
		char *w_ = in_walk_order(blocks, n, sep, offset, limit), *ws_;                  \
		assert_true(asprintf(&ws_, "%s%s", w_, suffix) > 0);                             \
		EXPECT(tool, input, ws_, err);                                                   \
		free(w_);                                                                        \
		free(ws_);                                                                       \
	} while (0)

static void content_mode_layout(void **state)
{
	static const char *const plain[] = {
		"app.py", "app.py:    return 'Hello World'",
		"src/main.c", "src/main.c:    return 0;",
		"src/util.c", "src/util.c:    return x * 2; /* TODO: overflow */",
		"web/app.js", "web/app.js:  return 'hello';",
	};
	/* Context lines keep the absolute path: only the part before the first ':' is relativized. */
	static const char *const todo_c1[] = {
		"app.py", "{WS}/app.py-5-\napp.py:6:# TODO: more\n{WS}/app.py-7-print(hello())",
		"src/util.c", "{WS}/src/util.c-2-int helper(int x) {\nsrc/util.c:3:    return x * 2; /* TODO: overflow */\n"
			      "{WS}/src/util.c-4-}",
	};
	static const char *const todo_i[] = {
		"app.py", "app.py:6:# TODO: more",
		"src/util.c", "src/util.c:3:    return x * 2; /* TODO: overflow */",
		"web/app.js", "web/app.js:4:// todo: lowercase",
	};

	(void)state;
	EXPECT_ORDERED("Grep", "{\"pattern\":\"return\",\"output_mode\":\"content\"}", return_lines, 4, "\n", 0, 0,
		       "", false);
	EXPECT_ORDERED("Grep", "{\"pattern\":\"return\",\"output_mode\":\"content\",\"-n\":false}", plain, 4, "\n", 0,
		       0, "", false);
	EXPECT_ORDERED("Grep", "{\"pattern\":\"TODO\",\"output_mode\":\"content\",\"-n\":true,\"-C\":1}", todo_c1, 2,
		       "\n--\n", 0, 0, "", false);
	EXPECT_ORDERED("Grep", "{\"pattern\":\"todo\",\"output_mode\":\"content\",\"-i\":true}", todo_i, 3, "\n", 0, 0,
		       "", false);
	/* -A/-B; context wins over them; adjacent groups merge without "--". */
	EXPECT("Grep", "{\"pattern\":\"^def|^print\",\"output_mode\":\"content\",\"-B\":1,\"path\":\"{WS}/app.py\"}",
	       "2-\n3:def hello():\n--\n6-# TODO: more\n7:print(hello())", false);
	EXPECT("Grep", "{\"pattern\":\"hello\",\"output_mode\":\"content\",\"-A\":5,\"context\":0,\"path\":\"{WS}/app.py\"}",
	       "3:def hello():\n7:print(hello())", false);
	EXPECT("Grep", "{\"pattern\":\"import|return\",\"output_mode\":\"content\",\"-A\":2,\"path\":\"{WS}/app.py\"}",
	       "1:import os\n2-\n3-def hello():\n4:    return 'Hello World'\n5-\n6-# TODO: more", false);
	EXPECT("Grep", "{\"pattern\":\"zzz\",\"output_mode\":\"content\"}", "No matches found", false);
	/* An invalid regex: rg's error is swallowed by the reference. */
	EXPECT("Grep", "{\"pattern\":\"foo(\",\"output_mode\":\"content\"}", "No matches found", false);
	EXPECT("Grep", "{\"pattern\":\"foo(\"}", "No files found", false);
	EXPECT("Grep", "{\"pattern\":\"x\",\"type\":\"nosuchtype\"}", "No files found", false);
}

static void content_pagination(void **state)
{
	(void)state;
	EXPECT_ORDERED("Grep", "{\"pattern\":\"return\",\"output_mode\":\"content\",\"head_limit\":2}", return_lines, 4,
		       "\n", 0, 2, "\n\n[Showing results with pagination = limit: 2]", false);
	EXPECT_ORDERED("Grep", "{\"pattern\":\"return\",\"output_mode\":\"content\",\"head_limit\":2,\"offset\":3}",
		       return_lines, 4, "\n", 3, 2, "\n\n[Showing results with pagination = offset: 3]", false);
	EXPECT("Grep", "{\"pattern\":\"return\",\"output_mode\":\"content\",\"offset\":9}",
	       "No matches found\n\n[Showing results with pagination = offset: 9]", false);
}

static void count_mode(void **state)
{
	static const char *const counts[] = {
		"README.md", "README.md:1", "app.py", "app.py:3", "src/main.c", "src/main.c:1", "web/app.js", "web/app.js:3",
	};
	char *first, *sum;

	(void)state;
	EXPECT_ORDERED("Grep", "{\"pattern\":\"hello\",\"output_mode\":\"count\",\"-i\":true}", counts, 4, "\n", 0, 0,
		       "\n\nFound 8 total occurrences across 4 files.", false);
	/* The summary adds up the lines shown. */
	first = in_walk_order(counts, 4, "\n", 0, 1);
	assert_true(asprintf(&sum, "\n\nFound %s total occurrence%s across 1 file. with pagination = limit: 1",
			     strrchr(first, ':') + 1, strcmp(strrchr(first, ':') + 1, "1") ? "s" : "") > 0);
	EXPECT_ORDERED("Grep", "{\"pattern\":\"hello\",\"output_mode\":\"count\",\"-i\":true,\"head_limit\":1}", counts,
		       4, "\n", 0, 1, sum, false);
	free(first);
	free(sum);
	EXPECT("Grep", "{\"pattern\":\"zzz\",\"output_mode\":\"count\"}",
	       "No matches found\n\nFound 0 total occurrences across 0 files.", false);
	EXPECT("Grep", "{\"pattern\":\"hello\",\"output_mode\":\"count\",\"path\":\"web/app.js\"}",
	       "3\n\nFound 3 total occurrences across 1 file.", false);
}

static void paths_and_errors(void **state)
{
	(void)state;
	EXPECT("Grep", "{\"pattern\":\"hello\",\"path\":\"{WS}/nowhere\"}",
	       "<tool_use_error>Path does not exist: {WS}/nowhere. Note: your current working directory is {WS}.</tool_use_error>",
	       true);
	EXPECT("Grep", "{\"pattern\":\"TODO\",\"path\":\"src\",\"output_mode\":\"content\"}",
	       "src/util.c:3:    return x * 2; /* TODO: overflow */", false);
	EXPECT("Grep", "{\"pattern\":\"TODO\",\"path\":\"{WS}/src/util.c\",\"output_mode\":\"content\"}",
	       "3:    return x * 2; /* TODO: overflow */", false);
	EXPECT("Grep", "{\"pattern\":\"TODO\",\"path\":\"{WS}/src/util.c\"}", "Found 1 file\nsrc/util.c", false);
	EXPECT("Grep", "{\"pattern\":\"x\",\"path\":\"/etc\"}",
	       "<tool_use_error>'/etc' is outside the directories this agent may access (the workspace and its "
	       "allowed read roots), or is a protected path; use a path inside the workspace</tool_use_error>",
	       true);
	EXPECT("Grep", "{\"pattern\":\"x\",\"bogus\":1}",
	       "<tool_use_error>InputValidationError: Grep failed due to the following issue:\n"
	       "An unexpected parameter `bogus` was provided</tool_use_error>",
	       true);
	EXPECT("Grep", "{}",
	       "<tool_use_error>InputValidationError: Grep failed due to the following issue:\n"
	       "The required parameter `pattern` is missing</tool_use_error>",
	       true);
}

static void binary_hidden_long_and_ignored_files(void **state)
{
	static const char *const t_c1[] = {
		"t/.hidden.txt", "t/.hidden.txt:1:needle hidden",
		"t/ignored.txt", "t/ignored.txt:1:needle ignored",
		"t/long.txt", "t/long.txt:1:[Omitted long matching line]\n{WS}/t/long.txt-2-ctx",
	};
	static const char *const t_count[] = { "t/.hidden.txt", "t/.hidden.txt:1", "t/long.txt", "t/long.txt:1" };
	const time_t t = 1704067200 + 100;
	char big[700];

	(void)state;
	put("t/bin.dat", "needle\0x\n", 9, t);
	PUT("t/.hidden.txt", "needle hidden\n", t);
	memset(big, 'y', sizeof(big));
	memcpy(big + 600, " needle\nctx\n", 12);
	put("t/long.txt", big, 612, t);
	PUT("t/.gitignore", "ignored.txt\n", t);
	PUT("t/ignored.txt", "needle ignored\n", t);
	/* Not a repository: .gitignore does not apply (rg --require-git). */
	EXPECT_ORDERED("Grep", "{\"pattern\":\"needle\",\"path\":\"t\",\"output_mode\":\"content\",\"-C\":1}", t_c1, 3,
		       "\n--\n", 0, 0, "", false);
	PUT("t/.git/config", "needle in .git\n", t);
	/* With .git present the ignore file applies; .git itself is never searched. */
	EXPECT_ORDERED("Grep", "{\"pattern\":\"needle\",\"path\":\"t\",\"output_mode\":\"count\"}", t_count, 2, "\n", 0,
		       0, "\n\nFound 2 total occurrences across 2 files.", false);
	/* An explicit glob overrides the ignore file, as in the reference. */
	EXPECT("Grep", "{\"pattern\":\"needle\",\"path\":\"t\",\"glob\":\"*.txt\"}",
	       "Found 3 files\nt/.hidden.txt\nt/ignored.txt\nt/long.txt", false);
	EXPECT("Grep", "{\"pattern\":\"needle\",\"path\":\"t/bin.dat\",\"output_mode\":\"content\"}",
	       "binary file matches (found \"\\0\" byte around offset 6)", false);
	EXPECT("Grep", "{\"pattern\":\"needle\",\"path\":\"t\",\"multiline\":true,\"output_mode\":\"content\","
		       "\"-n\":false,\"glob\":\"long.txt\"}",
	       "t/long.txt:[Omitted long matching line]", false);
}

static void multiline_blocks(void **state)
{
	(void)state;
	PUT("m/m.txt", "start foo\nmiddle\nbar end\nfoo\nbar\n", 1704067200);
	EXPECT("Grep", "{\"pattern\":\"foo.bar\",\"path\":\"m/m.txt\",\"multiline\":true,\"output_mode\":\"content\"}",
	       "4:foo\n5:bar", false);
	EXPECT("Grep", "{\"pattern\":\"start.*?end\",\"path\":\"m\",\"multiline\":true,\"output_mode\":\"content\"}",
	       "m/m.txt:1:start foo\nm/m.txt:2:middle\nm/m.txt:3:bar end", false);
	EXPECT("Grep", "{\"pattern\":\"foo\\\\nmiddle|bar\",\"path\":\"m\",\"multiline\":true,\"output_mode\":\"count\"}",
	       "m/m.txt:3\n\nFound 3 total occurrences across 1 file.", false);
	/* Without multiline a pattern cannot cross a line end. */
	EXPECT("Grep", "{\"pattern\":\"foo\\\\smiddle\",\"path\":\"m\",\"output_mode\":\"count\"}",
	       "No matches found\n\nFound 0 total occurrences across 0 files.", false);
}

static void glob_tool(void **state)
{
	const time_t t = 1704067200;

	(void)state;
	PUT("g/a.c", "int a;\n", t + 10);
	PUT("g/b.c", "int b;\n", t + 2 * 86400);
	PUT("g/c.c", "int c;\n", t + 86400);
	PUT("g/notes.md", "n\n", t + 1);
	PUT("g/docs/guide.md", "g\n", t + 4 * 86400);
	PUT("g/docs/deep/api.md", "a\n", t + 3 * 86400);
	PUT("g/.hid/x.md", "h\n", t + 5 * 86400);
	EXPECT("Glob", "{\"pattern\":\"*.c\",\"path\":\"{WS}/g\"}", "g/a.c\ng/c.c\ng/b.c", false);
	EXPECT("Glob", "{\"pattern\":\"**/*.md\",\"path\":\"g\"}", "g/notes.md\ng/docs/deep/api.md\ng/docs/guide.md\ng/.hid/x.md",
	       false);
	EXPECT("Glob", "{\"pattern\":\"docs/*.md\",\"path\":\"g\"}", "g/docs/guide.md", false);
	EXPECT("Glob", "{\"pattern\":\"{WS}/g/docs/**/*.md\"}", "g/docs/deep/api.md\ng/docs/guide.md", false);
	EXPECT("Glob", "{\"pattern\":\"**/*.rs\",\"path\":\"g\"}", "No files found", false);
	EXPECT("Glob", "{\"pattern\":\"*.c\",\"path\":\"{WS}/nowhere\"}",
	       "<tool_use_error>Directory does not exist: {WS}/nowhere. Note: your current working directory is {WS}.</tool_use_error>",
	       true);
	EXPECT("Glob", "{\"pattern\":\"*.c\",\"path\":\"{WS}/g/a.c\"}",
	       "<tool_use_error>Path is not a directory: {WS}/g/a.c</tool_use_error>", true);
}

struct dated {
	char rel[256];
	time_t mtime;
	size_t walk;
};

static int cmp_dated(const void *a, const void *b)
{
	const struct dated *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime < y->mtime ? -1 : 1;
	return x->walk < y->walk ? -1 : x->walk > y->walk;
}

/*
 * 150 files in two directories, distinct mtimes except twelve that share
 * one around the cut at 100: the reference (rg 14's stable sort by mtime
 * after a sequential walk) keeps the tied ones in walk order, so which of
 * them are shown depends on it.
 */
static void glob_ties_keep_walk_order(void **state)
{
	static char order[256][256];
	static struct dated d[150];
	struct buf want;
	char name[64], p[512];
	struct stat st;
	size_t n = 0, i;

	(void)state;
	for (i = 0; i < 150; i++) {
		size_t k = i * 7 % 150; /* a permutation of 0..149: names and mtimes in different orders */
		time_t t = 1704067200 + (time_t)(k >= 92 && k < 104 ? 92 : k) * 60;

		snprintf(name, sizeof(name), "ties/%s/f%03zu.txt", i % 3 ? "a" : "b", i);
		put(name, "x\n", 2, t);
	}
	walk_files("ties", order, &n, 256, false);
	assert_int_equal(n, 150);
	for (i = 0; i < n; i++) {
		snprintf(d[i].rel, sizeof(d[i].rel), "%s", order[i]);
		snprintf(p, sizeof(p), "%s/%s", ws, order[i]);
		assert_int_equal(stat(p, &st), 0);
		d[i].mtime = st.st_mtime;
		d[i].walk = i;
	}
	qsort(d, n, sizeof(d[0]), cmp_dated);
	buf_init(&want, BUF_NOMAX);
	for (i = 0; i < 100; i++)
		assert_int_equal(buf_printf(&want, "%s\n", d[i].rel), 0);
	assert_int_equal(buf_puts(&want, "(Results are truncated. Consider using a more specific path or pattern.)"), 0);
	EXPECT("Glob", "{\"pattern\":\"**/*.txt\",\"path\":\"ties\"}", want.data, false);
	buf_release(&want);
}

static void glob_caps_at_100_oldest(void **state)
{
	char name[64], want[8192];
	size_t n = 0;
	int i;

	(void)state;
	for (i = 0; i < 150; i++) {
		snprintf(name, sizeof(name), "many/f%03d.txt", i);
		/* mtimes in reverse name order: the oldest are the highest numbers */
		put(name, "x\n", 2, 1704067200 + 1000 - i);
	}
	for (i = 149; i >= 50; i--)
		n += (size_t)snprintf(want + n, sizeof(want) - n, "many/f%03d.txt\n", i);
	snprintf(want + n, sizeof(want) - n, "(Results are truncated. Consider using a more specific path or pattern.)");
	EXPECT("Glob", "{\"pattern\":\"*.txt\",\"path\":\"many\"}", want, false);
}

/* Run a tool with "deny_paths" (a JSON array, {WS} replaced); returns the content, sets *is_error. */
static char *deny_call(const char *tool, const char *input_json, const char *deny_json, bool *is_error)
{
	char *in_s = subst(input_json), *deny_s = subst(deny_json), *out;
	json_error_t jerr;
	json_t *req, *res = NULL;

	req = json_pack("{s:s, s:o, s:s, s:s, s:o}", "tool", tool, "input", json_loads(in_s, 0, &jerr), "cwd", ws,
			"workspace", ws, "deny_paths", json_loads(deny_s, JSON_DECODE_ANY, &jerr));
	assert_non_null(req);
	assert_int_equal(tool_execute(req, &res), 0);
	assert_non_null(res);
	*is_error = json_is_true(json_object_get(res, "is_error"));
	assert_true(json_is_string(json_object_get(res, "content")));
	out = strdup(json_string_value(json_object_get(res, "content")));
	json_decref(res);
	json_decref(req);
	free(in_s);
	free(deny_s);
	return out;
}

static void expect_deny(const char *tool, const char *input, const char *deny, const char *want, bool want_error)
{
	bool err;
	char *got = deny_call(tool, input, deny, &err), *wt = subst(want);

	if (strcmp(got, wt) || err != want_error)
		fail_msg("%s %s deny %s\n--- got (is_error %d):\n%s\n--- want (is_error %d):\n%s", tool, input, deny, err,
			 got, want_error, wt);
	free(got);
	free(wt);
}

/* The policy's anchored Read deny patterns drop entries of the walk, whatever the model's globs say. */
static void deny_paths_drop_entries(void **state)
{
	bool err;
	char *got;

	(void)state;
	/* Without patterns these find the files (so the filter is what hides them below). */
	expect_deny("Grep", "{\"pattern\":\"hello\",\"glob\":\"*.py,*.js,*.md\"}", "[]",
		    "Found 3 files\napp.py\nweb/app.js\nREADME.md", false);
	expect_deny("Grep", "{\"pattern\":\"hello\",\"glob\":\"*.py,*.js,*.md\"}", "[\"{WS}/**/*.py\", \"{WS}/web/**\"]",
		    "Found 1 file\nREADME.md", false);
	expect_deny("Glob", "{\"pattern\":\"app.*\"}", "[]", "web/app.js\napp.py", false);
	expect_deny("Glob", "{\"pattern\":\"app.*\"}", "[\"{WS}/**/*.py\", \"{WS}/web/**\"]", "No files found", false);
	expect_deny("Glob", "{\"pattern\":\"app.*\"}", "[\"{WS}/web\"]", "app.py", false);
	/* A directory pattern drops the directory: content and counts never show it. */
	got = deny_call("Grep", "{\"pattern\":\"hello\",\"output_mode\":\"content\"}", "[\"{WS}/src\"]", &err);
	assert_false(err);
	assert_null(strstr(got, "main.c"));
	assert_non_null(strstr(got, "app.py:3:def hello():"));
	free(got);
	expect_deny("Grep", "{\"pattern\":\"hello\",\"output_mode\":\"count\"}", "[\"{WS}/src/**\", \"/**/*.md\"]",
		    "app.py:2\nweb/app.js:3\n\nFound 5 total occurrences across 2 files.", false);
	/* A pattern anchored above the start directory still applies below it. */
	expect_deny("Grep", "{\"pattern\":\"hello\",\"path\":\"web\"}", "[\"{WS}/**/*.js\"]", "No files found", false);
	expect_deny("Grep", "{\"pattern\":\"hello\",\"path\":\"{WS}/web\"}", "[\"{WS}/src/**\"]",
		    "Found 1 file\nweb/app.js", false);
	/* The start itself: a denied file or directory is refused, not searched. */
	expect_deny("Grep", "{\"pattern\":\"hello\",\"path\":\"app.py\",\"output_mode\":\"content\"}", "[\"/**/*.py\"]",
		    "Permission to read {WS}/app.py has been denied. (a Read deny rule of the policy covers it)", true);
	expect_deny("Glob", "{\"pattern\":\"*\",\"path\":\"web\"}", "[\"{WS}/web\"]",
		    "Permission to read {WS}/web has been denied. (a Read deny rule of the policy covers it)", true);
	expect_deny("Glob", "{\"pattern\":\"{WS}/web/*.js\"}", "[\"{WS}/web/**\"]",
		    "Permission to read {WS}/web has been denied. (a Read deny rule of the policy covers it)", true);
}

/* A malformed deny_paths fails the call rather than search without it. */
static void deny_paths_malformed(void **state)
{
	static const char *const bad[] = { "[\"web/**\"]", "[\"\"]", "[3]", "{\"a\":\"/x\"}", "\"/x\"" };
	struct buf many;
	size_t i;
	bool err;
	char *got;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		got = deny_call("Glob", "{\"pattern\":\"*\"}", bad[i], &err);
		if (!err || !strstr(got, "deny_paths"))
			fail_msg("deny_paths %s: got (is_error %d) %s", bad[i], err, got);
		free(got);
	}
	buf_init(&many, BUF_NOMAX);
	assert_int_equal(buf_putc(&many, '['), 0);
	for (i = 0; i <= SEARCH_MAX_DENY_PATHS; i++)
		assert_int_equal(buf_printf(&many, "%s\"/nothing/%zu\"", i ? "," : "", i), 0);
	assert_int_equal(buf_putc(&many, ']'), 0);
	got = deny_call("Grep", "{\"pattern\":\"hello\"}", many.data, &err);
	assert_true(err);
	assert_non_null(strstr(got, "deny_paths"));
	free(got);
	buf_release(&many);
}

/* A start path through a symlink cannot be judged by path: refused when there are patterns. */
static void deny_paths_symlinked_start(void **state)
{
	char link[512];

	(void)state;
	snprintf(link, sizeof(link), "%s/lnk", ws);
	assert_int_equal(symlink("web", link), 0);
	expect_deny("Grep", "{\"pattern\":\"hello\",\"path\":\"lnk\"}", "[]", "Found 1 file\nlnk/app.js", false);
	expect_deny("Grep", "{\"pattern\":\"hello\",\"path\":\"lnk\"}", "[\"{WS}/web/**\"]",
		    "cannot search {WS}/lnk: it goes through a symbolic link, and the policy's Read deny rules are "
		    "judged by path. Search the link's target instead.",
		    true);
	expect_deny("Glob", "{\"pattern\":\"*\",\"path\":\"lnk/\"}", "[\"/nothing\"]",
		    "cannot search {WS}/lnk: it goes through a symbolic link, and the policy's Read deny rules are "
		    "judged by path. Search the link's target instead.",
		    true);
	assert_int_equal(unlink(link), 0);
}

/* search_deny_match() on its own: anchoring, the root, and what cannot be judged. */
static void deny_match_unit(void **state)
{
	struct search_deny d;
	json_t *req;
	char err[256], deep[PATHMATCH_MAX + 64];
	size_t i;

	(void)state;
	req = json_pack("{s:[s, s]}", "deny_paths", "/w/secrets/**", "/**/*.env");
	assert_int_equal(search_deny_load(&d, req, err, sizeof(err)), 0);
	assert_true(search_deny_match(&d, "a", 1)); /* no start yet: cannot judge, so denied */
	search_deny_release(&d);
	assert_int_equal(search_deny_load(&d, req, err, sizeof(err)), 0);
	assert_int_equal(search_deny_set_start(&d, "/w/./a/.."), 0);
	assert_string_equal(d.start, "/w");
	assert_true(search_deny_match(&d, "secrets", 7));
	assert_true(search_deny_match(&d, "secrets/k.txt", 13));
	assert_false(search_deny_match(&d, "secretsx/k.txt", 14));
	assert_true(search_deny_match(&d, "a/b/.env", 8));
	assert_false(search_deny_match(&d, "a/b/.envrc", 10));
	assert_true(search_deny_match(&d, "a/b/.env/inner", 14)); /* below a denied name */
	assert_false(search_deny_match(&d, "", 0));
	assert_int_equal(search_deny_set_start(&d, "/"), 0);
	assert_true(search_deny_match(&d, "w/secrets", 9));
	assert_false(search_deny_match(&d, "w", 1));
	/* Too long or too deep to judge: denied (fail closed). */
	for (i = 0; i + 2 < sizeof(deep) - 1; i += 2)
		memcpy(deep + i, "a/", 2);
	deep[i] = 'a';
	deep[i + 1] = '\0';
	assert_true(search_deny_match(&d, deep, strlen(deep)));
	assert_true(search_deny_match(&d, deep, 2 * PATHMATCH_MAX_SEGS + 1));
	assert_false(search_deny_match(&d, deep, 2 * 100 + 1));
	search_deny_release(&d);
	json_decref(req);
	/* No patterns: nothing is denied, even without a start. */
	assert_int_equal(search_deny_load(&d, NULL, err, sizeof(err)), 0);
	assert_false(search_deny_match(&d, "x", 1));
	search_deny_release(&d);
}

/* A file bigger than the window is searched window by window with the same result. */
static void big_files_in_windows(void **state)
{
	static const char *const inputs[] = {
		"{\"pattern\":\"needle\",\"path\":\"w\",\"output_mode\":\"content\",\"head_limit\":0}",
		"{\"pattern\":\"needle [0-9]+7$\",\"path\":\"w\",\"output_mode\":\"content\",\"-n\":false}",
		"{\"pattern\":\"NEEDLE\",\"-i\":true,\"path\":\"w\",\"output_mode\":\"count\"}",
		"{\"pattern\":\"needle 1998\",\"path\":\"w\"}",
		"{\"pattern\":\"needle 1998\",\"path\":\"w/big.txt\",\"output_mode\":\"content\"}",
	};
	char line[64];
	struct buf b;
	size_t i;
	int k;

	(void)state;
	buf_init(&b, 1 << 20);
	for (k = 0; k < 2000; k++) {
		int n = k % 3 == 0 ? snprintf(line, sizeof(line), "a needle %d\n", k)
				   : snprintf(line, sizeof(line), "hay %d hay hay\n", k);

		assert_int_equal(buf_append(&b, line, (size_t)n), 0);
	}
	put("w/big.txt", b.data, b.len, 1704067200);
	buf_release(&b);
	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		bool e1, e2;
		char *whole, *windows;

		search_test_set_window(0);
		whole = call("Grep", inputs[i], &e1);
		search_test_set_window(100); /* ~6 lines per window */
		windows = call("Grep", inputs[i], &e2);
		search_test_set_window(0);
		assert_false(e1 || e2);
		assert_string_equal(windows, whole);
		assert_string_not_equal(whole, "No matches found");
		free(whole);
		free(windows);
	}
}

static void shared_helpers(void **state)
{
	size_t s, e;
	bool lim;
	long long l;

	(void)state;
	assert_string_equal(search_relative("/w", "/w/a/b"), "a/b");
	assert_string_equal(search_relative("/w", "/wx/a"), "/wx/a");
	assert_string_equal(search_relative("/", "/a"), "a");
	search_paginate(300, -1, 0, &s, &e, &lim, &l);
	assert_true(s == 0 && e == 250 && lim && l == 250);
	search_paginate(300, 0, 10, &s, &e, &lim, &l);
	assert_true(s == 10 && e == 300 && !lim);
	search_paginate(5, 10, 7, &s, &e, &lim, &l);
	assert_true(s == 5 && e == 5 && !lim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(files_with_matches_newest_first),
		cmocka_unit_test(content_mode_layout),
		cmocka_unit_test(content_pagination),
		cmocka_unit_test(count_mode),
		cmocka_unit_test(paths_and_errors),
		cmocka_unit_test(binary_hidden_long_and_ignored_files),
		cmocka_unit_test(multiline_blocks),
		cmocka_unit_test(glob_tool),
		cmocka_unit_test(glob_caps_at_100_oldest),
		cmocka_unit_test(glob_ties_keep_walk_order),
		cmocka_unit_test(deny_paths_drop_entries),
		cmocka_unit_test(deny_paths_malformed),
		cmocka_unit_test(deny_paths_symlinked_start),
		cmocka_unit_test(deny_match_unit),
		cmocka_unit_test(big_files_in_windows),
		cmocka_unit_test(shared_helpers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
