/*
 * cmd_runs.c — `cordon runs` and `cordon rewind`: the runs recorded in a
 * repository (runtime/git/gitrun.h) and putting the working tree back to
 * one of their checkpoints.
 *
 *	cordon runs [--json] [-C DIR] [RUN]      newest first; with RUN: its checkpoints
 *	cordon rewind RUN [--to N] [--force] [--dry-run] [--json] [-C DIR]
 */
#include "runtime/cli/cli.h"
#include "runtime/git/gitrun.h"
#include "common/buf.h"
#include "common/error.h"
#include "policy/profile.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void runs_usage(FILE *f)
{
	fputs("usage: cordon runs [--json] [-C DIR] [RUN]\n"
	      "\n"
	      "List the runs recorded in the repository of DIR (default: the current\n"
	      "directory), newest first, one line each: the run id, when it started, its\n"
	      "checkpoints and its title. With RUN (an id or a unique prefix), list that\n"
	      "run's checkpoints: 0 is the working tree before the run.\n",
	      f);
}

static void rewind_usage(FILE *f)
{
	fputs("usage: cordon rewind RUN [--to N] [--force] [--dry-run] [--json] [-C DIR]\n"
	      "\n"
	      "Put the working tree back to checkpoint N of RUN (default 0: as it was\n"
	      "before the run; --to last: its last checkpoint), byte for byte; files the\n"
	      "checkpoint does not have are removed, ignored files are left alone. When\n"
	      "the working tree changed since the run's last checkpoint, the rewind is\n"
	      "refused unless --force; what is there is saved as a new checkpoint first,\n"
	      "so a rewind can itself be rewound. The index and HEAD are not touched.\n",
	      f);
}

/* Text for a terminal line: controls replaced. */
static void fput_plain(FILE *f, const char *s)
{
	for (; s && *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static void put_plain(const char *s)
{
	fput_plain(stdout, s);
}

static void print_json(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (s)
		puts(s);
	free(s);
}

int cmd_runs(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = ".", *run = NULL;
	bool json = false;
	struct cordon_diag d;
	json_t *runs = NULL, *r, *cp;
	size_t i, k;
	int c, rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+C:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'C': dir = optarg; break;
		case 'h': runs_usage(stdout); return CLI_EXIT_OK;
		default: return cli_usage_error("runs", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		run = argv[optind++];
	if (optind < argc)
		return cli_usage_error("runs", "one run at a time, not '%s'", argv[optind]);
	diag_clear(&d);
	rc = gitrun_list(&runs, dir, run, &d);
	if (rc < 0) {
		fprintf(stderr, "cordon runs: %s\n", d.msg[0] ? d.msg : cordon_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	if (json) {
		print_json(run ? json_array_get(runs, 0) : runs);
	} else if (!run) {
		json_array_foreach(runs, i, r) {
			const char *started = json_string_value(json_object_get(r, "started")) ?: "";
			size_t n = json_array_size(json_object_get(r, "checkpoints"));

			printf("%s  %.10s %.8s  %zu checkpoint%s  ", json_string_value(json_object_get(r, "id")), started,
			       strlen(started) > 11 ? started + 11 : "", n ? n - 1 : 0, n == 2 ? "" : "s");
			put_plain(json_string_value(json_object_get(r, "title")));
			putchar('\n');
		}
	} else {
		r = json_array_get(runs, 0);
		printf("run %s", json_string_value(json_object_get(r, "id")));
		if (json_string_value(json_object_get(r, "title"))) {
			printf(": ");
			put_plain(json_string_value(json_object_get(r, "title")));
		}
		putchar('\n');
		json_array_foreach(json_object_get(r, "checkpoints"), k, cp) {
			printf("%4d  %.12s  %s  ", (int)json_integer_value(json_object_get(cp, "n")),
			       json_string_value(json_object_get(cp, "commit")),
			       json_string_value(json_object_get(cp, "time")) ?: "");
			put_plain(json_string_value(json_object_get(cp, "label")));
			putchar('\n');
		}
	}
	json_decref(runs);
	return CLI_EXIT_OK;
}

/* "  M path" lines (the status's initial). */
static void print_files(FILE *out, const char *head, json_t *files)
{
	json_t *f;
	size_t i;

	json_array_foreach(files, i, f) {
		const char *st = json_string_value(json_object_get(f, "status")) ?: "";

		fprintf(out, "%s%c ", head, st[0] ? (char)(st[0] - 'a' + 'A') : '?');
		fput_plain(out, json_string_value(json_object_get(f, "path")));
		fputc('\n', out);
	}
}

int cmd_rewind(int argc, char **argv)
{
	enum { O_TO = 256, O_FORCE, O_DRY, O_JSON };
	static const struct option longopts[] = {
		{ "to", required_argument, NULL, O_TO },
		{ "force", no_argument, NULL, O_FORCE },
		{ "dry-run", no_argument, NULL, O_DRY },
		{ "json", no_argument, NULL, O_JSON },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct gitrun_rewind_opts o = { .dir = "." };
	struct gitrun_rewind_result r;
	struct cordon_diag d;
	bool json = false;
	char *end;
	long v;
	int c, rc;

	optind = 1;
	opterr = 0;
	/* Options may follow the run id: `cordon rewind ID --to 2`. */
	while ((c = getopt_long(argc, argv, "C:h", longopts, NULL)) != -1) {
		switch (c) {
		case O_TO:
			if (!strcmp(optarg, "last")) {
				o.to = -1;
				break;
			}
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || v < 0 || v > INT_MAX)
				return cli_usage_error("rewind", "--to takes a checkpoint number or 'last', not '%s'", optarg);
			o.to = (int)v;
			break;
		case O_FORCE: o.force = true; break;
		case O_DRY: o.dry_run = true; break;
		case O_JSON: json = true; break;
		case 'C': o.dir = optarg; break;
		case 'h': rewind_usage(stdout); return CLI_EXIT_OK;
		default: return cli_usage_error("rewind", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error("rewind", "which run? (cordon runs lists them)");
	if (optind + 1 < argc)
		return cli_usage_error("rewind", "one run at a time, not '%s'", argv[optind + 1]);
	o.run = argv[optind];
	/* Empty placeholders a killed sandbox left behind are not the user's changes. */
	o.placeholders = profile_protected_paths();
	diag_clear(&d);
	rc = gitrun_rewind(&o, &r, &d);
	if (json) {
		json_t *j = json_pack("{s:b, s:s, s:i, s:o, s:O?, s:O?}", "ok", rc == 0, "run", r.run, "to", (int)r.to,
				      "saved", r.saved ? json_integer(r.saved) : json_null(), "changed", r.changed,
				      "conflicts", r.conflicts);

		if (j && rc < 0)
			json_object_set_new(j, "error", json_string(d.msg[0] ? d.msg : cordon_strerror(rc)));
		print_json(j);
		json_decref(j);
	}
	if (rc < 0) {
		fprintf(stderr, "cordon rewind: %s\n", d.msg[0] ? d.msg : cordon_strerror(rc));
		if (r.conflicts && !json) {
			fprintf(stderr, "changed since then:\n");
			print_files(stderr, "  ", r.conflicts);
			fprintf(stderr, "--force rewinds anyway (what is there now is saved as a checkpoint first)\n");
		}
		gitrun_rewind_result_release(&r);
		return CLI_EXIT_FAIL;
	}
	if (!json) {
		if (o.dry_run)
			printf("run %s: rewinding to checkpoint %u would change %zu file%s\n", r.run, r.to,
			       json_array_size(r.changed), json_array_size(r.changed) == 1 ? "" : "s");
		else
			printf("run %s: the working tree is at checkpoint %u (%zu file%s changed)\n", r.run, r.to,
			       json_array_size(r.changed), json_array_size(r.changed) == 1 ? "" : "s");
		if (r.saved)
			printf("what was there before is checkpoint %u\n", r.saved);
		print_files(stdout, "", r.changed);
	}
	gitrun_rewind_result_release(&r);
	return CLI_EXIT_OK;
}
