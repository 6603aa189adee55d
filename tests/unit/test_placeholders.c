/*
 * Unit tests for the request's "placeholders" (tools/search.h, tools/pathres.h):
 * the sandbox's empty pinned files are dropped from walks by exact path, a
 * malformed list fails the call, and Glob/Grep/Read report them as missing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "common/error.h"
#include "tools/pathres.h"
#include "tools/search.h"
#include "tools/tool.h"

static char ws[256];

static int rm_cb(const char *p, const struct stat *st, int fl, struct FTW *f)
{
	(void)st;
	(void)fl;
	(void)f;
	return remove(p);
}

static int setup(void **state)
{
	char p[512];
	int fd;

	(void)state;
	snprintf(ws, sizeof(ws), "/tmp/cordon-ph-XXXXXX");
	if (!mkdtemp(ws))
		return -1;
	snprintf(p, sizeof(p), "%s/.bashrc", ws); /* empty, like a placeholder */
	fd = open(p, O_CREAT | O_WRONLY, 0444);
	close(fd);
	snprintf(p, sizeof(p), "%s/.claude", ws);
	mkdir(p, 0555);
	snprintf(p, sizeof(p), "%s/a.txt", ws);
	fd = open(p, O_CREAT | O_WRONLY, 0644);
	if (fd < 0 || write(fd, "hello\n", 6) != 6)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	char p[512];

	(void)state;
	snprintf(p, sizeof(p), "%s/.claude", ws);
	chmod(p, 0755);
	return nftw(ws, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

/* {"tool": T, "input": IN, "workspace": ws, "cwd": ws, "placeholders": [ws/.bashrc, ws/.claude]} */
static json_t *request(const char *tool, json_t *in, bool with_ph)
{
	char a[512], b[512];
	json_t *r = json_pack("{s:s, s:o, s:s, s:s}", "tool", tool, "input", in, "workspace", ws,
			      "cwd", ws);

	snprintf(a, sizeof(a), "%s/.bashrc", ws);
	snprintf(b, sizeof(b), "%s/.claude", ws);
	if (with_ph)
		json_object_set_new(r, "placeholders", json_pack("[s, s]", a, b));
	return r;
}

static char *run(json_t *req, bool *is_error)
{
	json_t *res = NULL;
	char *text;

	assert_int_equal(tool_execute(req, &res), 0);
	*is_error = json_is_true(json_object_get(res, "is_error"));
	text = strdup(json_string_value(json_object_get(res, "content")) ?: "");
	json_decref(res);
	json_decref(req);
	return text;
}

static void walk_drops_exact_placeholders(void **state)
{
	struct search_deny d;
	char err[256], a[512];
	json_t *req = request("Glob", json_object(), true);

	(void)state;
	assert_int_equal(search_deny_load(&d, req, err, sizeof(err)), 0);
	assert_int_equal(d.nph, 2);
	assert_int_equal(search_deny_set_start(&d, ws), 0);
	assert_true(search_deny_match(&d, ".bashrc", 7));
	assert_true(search_deny_match(&d, ".claude", 7));
	/* Exact paths only: a neighbour, a prefix or something below is not one. */
	assert_false(search_deny_match(&d, ".bashrc2", 8));
	assert_false(search_deny_match(&d, ".bash", 5));
	assert_false(search_deny_match(&d, "a.txt", 5));
	assert_false(search_deny_match(&d, "", 0));
	/* Anchored at a start below the workspace, ../.bashrc is not reachable. */
	snprintf(a, sizeof(a), "%s/.claude", ws);
	assert_int_equal(search_deny_set_start(&d, a), 0);
	assert_false(search_deny_match(&d, ".bashrc", 7));
	search_deny_release(&d);
	json_decref(req);
}

static void malformed_placeholders_fail(void **state)
{
	static const char *const bad[] = { "\"/x\"", "[1]", "[\"rel/path\"]", "[\"\"]", NULL };
	struct search_deny d;
	char err[256];
	int i;

	(void)state;
	for (i = 0; bad[i]; i++) {
		json_t *req = json_pack("{s:o}", "placeholders", json_loads(bad[i], JSON_DECODE_ANY, NULL));

		assert_int_equal(search_deny_load(&d, req, err, sizeof(err)), -CORDON_EINVAL);
		assert_non_null(strstr(err, "placeholders"));
		search_deny_release(&d);
		json_decref(req);
	}
}

static void tools_report_placeholders_missing(void **state)
{
	bool is_err;
	char *t;

	(void)state;
	/* Without the list, the empty file is an ordinary file (the user's). */
	t = run(request("Glob", json_pack("{s:s}", "pattern", "**/*"), false), &is_err);
	assert_non_null(strstr(t, ".bashrc"));
	free(t);
	t = run(request("Glob", json_pack("{s:s}", "pattern", "**/*"), true), &is_err);
	assert_false(is_err);
	assert_non_null(strstr(t, "a.txt"));
	assert_null(strstr(t, ".bashrc"));
	free(t);
	t = run(request("Read", json_pack("{s:s}", "file_path", ".bashrc"), true), &is_err);
	assert_true(is_err);
	assert_non_null(strstr(t, "File does not exist"));
	free(t);
	t = run(request("Grep", json_pack("{s:s, s:s}", "pattern", "x", "path", ".claude"), true),
		&is_err);
	assert_non_null(strstr(t, "does not exist"));
	free(t);
	t = run(request("Glob", json_pack("{s:s, s:s}", "pattern", "*", "path", ".claude"), true),
		&is_err);
	assert_non_null(strstr(t, "does not exist"));
	free(t);
}

static void pathres_is_placeholder_is_exact(void **state)
{
	json_t *req = json_pack("{s:[s, i]}", "placeholders", "/w/.envrc", 3);

	(void)state;
	assert_true(pathres_is_placeholder(req, "/w/.envrc"));
	assert_false(pathres_is_placeholder(req, "/w/.envrc/"));
	assert_false(pathres_is_placeholder(req, "/w"));
	assert_false(pathres_is_placeholder(req, NULL));
	assert_false(pathres_is_placeholder(json_object_get(req, "none"), "/w/.envrc"));
	json_decref(req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walk_drops_exact_placeholders),
		cmocka_unit_test(malformed_placeholders_fail),
		cmocka_unit_test(tools_report_placeholders_missing),
		cmocka_unit_test(pathres_is_placeholder_is_exact),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
