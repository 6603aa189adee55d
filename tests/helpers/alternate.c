/*
 * alternate — time whole processes, alternating, for ratios measured in one run.
 *
 *	alternate [-r ROUNDS] [-w WARMUP] [-j FILE] NAME=CMD... [--] [NAME=CMD...]
 *	    each command is one argument, split on spaces (no quoting):
 *	alternate -r 30 true='/bin/true' bwrap='bwrap --unshare-all ... /bin/true'
 *
 * Each round runs every command once (posix_spawn, stdin/stdout/stderr on
 * /dev/null, waitpid), in an order rotated every round so that none always
 * follows the same other; the wall time of each run is CLOCK_MONOTONIC from
 * the spawn to the reap. WARMUP rounds first, not counted. Prints, per
 * command, min / median / max in ms and the median of the per-round ratios
 * to every other command (paired: what drifts with the machine's load within
 * a round cancels out), and with -j the raw times as JSON. A command that
 * exits non-zero fails the whole run (exit 1): a ratio against a failure
 * means nothing. A benchmark tool: never a test.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS 16
#define MAX_ARGS 64
#define MAX_ROUNDS 10000

extern char **environ;

struct cmd {
	char *name;
	char *argv[MAX_ARGS + 1];
	double *ms; /* [rounds] */
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double *s = malloc((size_t)n * sizeof(double)), m;

	if (!s)
		exit(1);
	memcpy(s, v, (size_t)n * sizeof(double));
	qsort(s, (size_t)n, sizeof(double), cmp_double);
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

/* One run of c: its wall time in ms, or -1 when it did not exit 0. */
static double run_once(struct cmd *c)
{
	posix_spawn_file_actions_t fa;
	double t0, t1;
	pid_t pid;
	int st, r;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	t0 = now_ms();
	r = posix_spawnp(&pid, c->argv[0], &fa, NULL, c->argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0) {
		fprintf(stderr, "alternate: cannot run '%s': %s\n", c->argv[0], strerror(r));
		return -1;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	t1 = now_ms();
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "alternate: '%s' failed (status 0x%x)\n", c->name, st);
		return -1;
	}
	return t1 - t0;
}

static void usage(void)
{
	fputs("usage: alternate [-r ROUNDS] [-w WARMUP] [-j FILE] NAME=CMD...\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	struct cmd cmds[MAX_CMDS];
	const char *json = NULL;
	int rounds = 30, warmup = 3, n = 0, opt, i, j, r;
	double *ratio;
	FILE *jf;

	while ((opt = getopt(argc, argv, "r:w:j:")) != -1) {
		if (opt == 'r')
			rounds = atoi(optarg);
		else if (opt == 'w')
			warmup = atoi(optarg);
		else if (opt == 'j')
			json = optarg;
		else
			usage();
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || warmup < 0)
		usage();
	for (i = optind; i < argc; i++) {
		char *eq, *tok, *save = NULL;
		int a = 0;

		if (!strcmp(argv[i], "--"))
			continue;
		eq = strchr(argv[i], '=');
		if (!eq || eq == argv[i] || n == MAX_CMDS)
			usage();
		*eq = '\0';
		cmds[n].name = argv[i];
		for (tok = strtok_r(eq + 1, " ", &save); tok && a < MAX_ARGS; tok = strtok_r(NULL, " ", &save))
			cmds[n].argv[a++] = tok;
		if (a == 0)
			usage();
		cmds[n].argv[a] = NULL;
		cmds[n].ms = calloc((size_t)rounds, sizeof(double));
		if (!cmds[n].ms)
			return 1;
		n++;
	}
	if (n == 0)
		usage();
	for (r = -warmup; r < rounds; r++)
		for (j = 0; j < n; j++) {
			/* Rotate the order every round: no command always runs right after the same one. */
			struct cmd *c = &cmds[(j + (r < 0 ? 0 : r)) % n];
			double t = run_once(c);

			if (t < 0)
				return 1;
			if (r >= 0)
				c->ms[r] = t;
		}
	ratio = calloc((size_t)rounds, sizeof(double));
	if (!ratio)
		return 1;
	printf("%-12s %9s %9s %9s   (ms, %d rounds, alternating)\n", "command", "min", "median", "max", rounds);
	for (i = 0; i < n; i++) {
		double lo = cmds[i].ms[0], hi = cmds[i].ms[0];

		for (r = 0; r < rounds; r++) {
			lo = cmds[i].ms[r] < lo ? cmds[i].ms[r] : lo;
			hi = cmds[i].ms[r] > hi ? cmds[i].ms[r] : hi;
		}
		printf("%-12s %9.2f %9.2f %9.2f\n", cmds[i].name, lo, median(cmds[i].ms, rounds), hi);
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			if (i == j)
				continue;
			for (r = 0; r < rounds; r++)
				ratio[r] = cmds[i].ms[r] / cmds[j].ms[r];
			printf("ratio %s/%s paired=%.2f medians=%.2f\n", cmds[i].name, cmds[j].name,
			       median(ratio, rounds), median(cmds[i].ms, rounds) / median(cmds[j].ms, rounds));
		}
	if (json && (jf = fopen(json, "w"))) {
		fprintf(jf, "{\"rounds\": %d, \"commands\": [", rounds);
		for (i = 0; i < n; i++) {
			fprintf(jf, "%s{\"name\": \"%s\", \"ms\": [", i ? ", " : "", cmds[i].name);
			for (r = 0; r < rounds; r++)
				fprintf(jf, "%s%.3f", r ? ", " : "", cmds[i].ms[r]);
			fprintf(jf, "]}");
		}
		fprintf(jf, "]}\n");
		fclose(jf);
	}
	for (i = 0; i < n; i++)
		free(cmds[i].ms);
	free(ratio);
	return 0;
}
