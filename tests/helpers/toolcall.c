/*
 * toolcall.c — call a tool in-process (no child, no sandbox), for tests and
 * benchmarks of the tool code itself.
 *
 *	toolcall [-r N] [-q] WORKSPACE NAME 'JSON-INPUT'
 *
 * Builds the request {"tool":NAME,"input":INPUT,"cwd":WORKSPACE,
 * "workspace":WORKSPACE}, runs tool_execute() N times (default 1) and
 * prints the last result's content (a string) followed by a newline, unless
 * -q. Exit status: 0, 1 when the result is an error, 2 on usage errors.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/tool.h"

int main(int argc, char **argv)
{
	json_t *req, *input, *res = NULL;
	json_error_t jerr;
	long reps = 1, i;
	bool quiet = false, is_error;
	int c, rc;

	while ((c = getopt(argc, argv, "r:q")) != -1) {
		if (c == 'r')
			reps = strtol(optarg, NULL, 10);
		else if (c == 'q')
			quiet = true;
		else
			return 2;
	}
	if (argc - optind != 3 || reps < 1) {
		fprintf(stderr, "usage: toolcall [-r N] [-q] WORKSPACE NAME 'JSON-INPUT'\n");
		return 2;
	}
	input = json_loads(argv[optind + 2], 0, &jerr);
	if (!input) {
		fprintf(stderr, "toolcall: bad input JSON: %s\n", jerr.text);
		return 2;
	}
	req = json_pack("{s:s, s:o, s:s, s:s}", "tool", argv[optind + 1], "input", input, "cwd", argv[optind],
			"workspace", argv[optind]);
	if (!req)
		return 2;
	for (i = 0; i < reps; i++) {
		json_decref(res);
		res = NULL;
		if (tool_execute(req, &res) < 0 || !res) {
			fprintf(stderr, "toolcall: tool_execute failed\n");
			json_decref(req);
			return 2;
		}
	}
	is_error = json_is_true(json_object_get(res, "is_error"));
	if (!quiet) {
		const char *s = json_string_value(json_object_get(res, "content"));

		if (s)
			printf("%s\n", s);
		else
			json_dumpf(json_object_get(res, "content"), stdout, JSON_INDENT(1));
	}
	rc = is_error ? 1 : 0;
	json_decref(res);
	json_decref(req);
	return rc;
}
