/*
 * gitrun.c — drive runtime/git directly, for tests and the benchmark.
 *
 *	gitrun open WS ID [TITLE]            record the base snapshot of a new run
 *	gitrun checkpoint WS ID [LABEL]      resume the run, one checkpoint ("made N" / "same N")
 *	gitrun changes WS ID                 the changed files (JSON)
 *	gitrun diff WS ID FILE               the patch
 *	gitrun commit WS ID [BRANCH]         the commit ("commit OID BRANCH" / "nothing")
 *	gitrun stress WS ID                  a new run, then forever: change a file, checkpoint
 *	                                     (for kill -9 tests: prints "ready" after the base)
 *	gitrun bench WS ID N                 a new run, then N rounds of: touch one file,
 *	                                     checkpoint; prints the seconds of the base and of
 *	                                     each checkpoint, one per line
 *
 * Exit status: 0, 1 on a failure (the diag on stderr), 2 on usage errors.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime/git/gitrun.h"

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int fail(int rc, const struct cordon_diag *d)
{
	fprintf(stderr, "gitrun: %s\n", d->msg[0] ? d->msg : cordon_strerror(rc));
	return 1;
}

int main(int argc, char **argv)
{
	struct gitrun_opts o = { 0 };
	struct gitrun *g = NULL;
	struct cordon_diag d = { 0 };
	const char *cmd;
	int rc;

	if (argc < 4) {
		fprintf(stderr, "usage: gitrun open|checkpoint|changes|diff|commit|stress|bench WS ID [ARG]\n");
		return 2;
	}
	cmd = argv[1];
	o.workspace = argv[2];
	o.run_id = argv[3];
	o.title = argc > 4 && !strcmp(cmd, "open") ? argv[4] : "gitrun helper";
	o.resume = strcmp(cmd, "open") && strcmp(cmd, "stress") && strcmp(cmd, "bench");
	if (!strcmp(cmd, "bench")) {
		double t0 = now();
		int n = argc > 4 ? atoi(argv[4]) : 10;
		char path[4200];

		if ((rc = gitrun_open(&g, &o, &d)) < 0)
			return fail(rc, &d);
		printf("base %.4f\n", now() - t0);
		snprintf(path, sizeof(path), "%s/cordon-bench-file.txt", o.workspace);
		for (int i = 0; i < n; i++) {
			struct gitrun_checkpoint cp;
			struct gitrun_why why = { .tool = "Write", .label = "bench" };
			FILE *f = fopen(path, "w");
			double t;

			if (!f)
				return 1;
			fprintf(f, "round %d\n", i);
			fclose(f);
			t = now();
			if ((rc = gitrun_checkpoint(g, &why, &cp, &d)) < 0)
				return fail(rc, &d);
			printf("checkpoint %.4f %s\n", now() - t, cp.made ? "made" : "same");
			json_decref(cp.files);
		}
		gitrun_free(g);
		return 0;
	}
	if ((rc = gitrun_open(&g, &o, &d)) < 0)
		return fail(rc, &d);
	if (!strcmp(cmd, "open")) {
		rc = 0;
	} else if (!strcmp(cmd, "checkpoint")) {
		struct gitrun_checkpoint cp;
		struct gitrun_why why = { .tool = "helper", .label = argc > 4 ? argv[4] : "helper" };

		if ((rc = gitrun_checkpoint(g, &why, &cp, &d)) < 0)
			return fail(rc, &d);
		printf("%s %u\n", cp.made ? "made" : "same", cp.n);
		json_decref(cp.files);
	} else if (!strcmp(cmd, "changes")) {
		json_t *files;
		char *s;

		if ((rc = gitrun_changes(g, &files, &d)) < 0)
			return fail(rc, &d);
		s = json_dumps(files, JSON_COMPACT);
		puts(s);
		free(s);
		json_decref(files);
	} else if (!strcmp(cmd, "diff") && argc > 4) {
		if ((rc = gitrun_diff(g, argv[4], &d)) < 0)
			return fail(rc, &d);
	} else if (!strcmp(cmd, "commit")) {
		struct gitrun_commit_opts co = { .branch = argc > 4 ? argv[4] : NULL };
		struct gitrun_commit_result cr;

		if ((rc = gitrun_commit(g, &co, &cr, &d)) < 0)
			return fail(rc, &d);
		if (cr.made)
			printf("commit %s %s%s\n", cr.commit, cr.branch, cr.checked_out ? " (checked out)" : "");
		else
			printf("nothing\n");
	} else if (!strcmp(cmd, "stress")) {
		char path[4200];

		printf("ready\n");
		fflush(stdout);
		for (unsigned long i = 0;; i++) {
			struct gitrun_checkpoint cp;
			struct gitrun_why why = { .tool = "stress", .label = "stress" };
			FILE *f;

			snprintf(path, sizeof(path), "%s/stress-%lu.txt", o.workspace, i % 50);
			if (!(f = fopen(path, "w")))
				return 1;
			fprintf(f, "round %lu\n", i);
			fclose(f);
			if ((rc = gitrun_checkpoint(g, &why, &cp, &d)) < 0)
				return fail(rc, &d);
			json_decref(cp.files);
		}
	} else {
		fprintf(stderr, "gitrun: unknown command '%s'\n", cmd);
		rc = 2;
	}
	gitrun_free(g);
	return rc;
}
