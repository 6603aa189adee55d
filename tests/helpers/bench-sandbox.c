/*
 * bench-sandbox — per-call cost of cordon's session sandbox (issue 3).
 *
 *	bench-sandbox [-r ROUNDS] [-n CALLS] [-b CALLS] [-P CALLS] [-w WORKSPACE]
 *	              [--no-bwrap] [--no-namespaces] [--only sandbox|fork|fn|bwrap]
 *
 * Opens one session (runtime/sandbox/sandbox.h) and then, in ROUNDS interleaved
 * rounds, times with CLOCK_MONOTONIC:
 *   sandbox  N Bash-profile calls of /bin/true through the open session
 *   fork     N plain fork + execve /bin/true + waitpid from this process
 *   fn       N calls of a registered no-op function in a confined child (no
 *            exec: how a built-in tool such as Read runs)
 *   bwrap    M runs of `bwrap --unshare-all --die-with-parent --ro-bind / /
 *            /bin/true` (Debian's bubblewrap: a fresh sandbox per call)
 * Interleaving puts every kind under the same machine noise; the per-call
 * figure of a round is its total / count, and the report gives the median
 * over rounds. It also times sandbox_open() + sandbox_close() (session setup,
 * median of a few) and reads the warden's VmRSS from /proc. --no-namespaces
 * opens the session degraded on purpose (what namespaces cost per call).
 * --only KIND times one kind alone (to profile it, e.g. under perf).
 *
 * Back to back, a call also pays for the work the previous one left (the
 * warden refilling its spares, the kernel tearing down the last child). An
 * agent calls its tools one at a time, seconds apart: the paced figures
 * time P single calls of each kind (interleaved) with a 3 ms pause before
 * each, and report the median latency (-P 0 skips them).
 *
 * Paired ratios (`paired_*`): the median over rounds of each round's own
 * ratio, both kinds timed a few milliseconds apart: slow drifts of a shared
 * machine cancel out of them, where a ratio of two medians keeps them.
 *
 * Output: `key=value` lines (times in microseconds), then ratios. This is a
 * benchmark, never a test: it asserts nothing about the figures. Exit 1 when
 * the sandbox cannot run a call at all.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "tests/helpers/bench.h"
#include "common/buf.h"
#include "common/error.h"
#include "runtime/sandbox/sandbox.h"

#define MAX_ROUNDS 1000
#define MAX_PACED 1000
#define PACE_US 3000

extern char **environ;

/* The in-process tool stand-in: a reply and nothing else. */
static int bench_noop(const void *in, size_t len, struct buf *out)
{
	(void)in;
	(void)len;
	return buf_puts(out, "{}");
}

static const struct sandbox_fn fns[] = {{"bench-noop", bench_noop}};

/* fork + execve + waitpid; 0 when the program exited 0. */
static int spawn_wait(char *const argv[])
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execve(argv[0], argv, environ);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int run_true(struct sandbox *sb)
{
	static const char *const argv[] = {"/bin/true", NULL};
	struct sandbox_call c = {.profile = PROFILE_BASH, .argv = argv};
	struct sandbox_result r;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = sandbox_run(sb, &c, &r);
	if (rc == 0 && !(r.end == SANDBOX_EXITED && r.exit_code == 0)) {
		fprintf(stderr, "bench-sandbox: /bin/true in the sandbox ended %d (exit %d, signal %d): %s\n",
			(int)r.end, r.exit_code, r.signal, r.setup_error);
		rc = -1;
	}
	sandbox_result_release(&r);
	return rc;
}

static int run_fn(struct sandbox *sb)
{
	struct sandbox_call c = {.profile = PROFILE_COMPUTE, .fn = "bench-noop", .input = "{}", .input_len = 2};
	struct sandbox_result r;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = sandbox_run(sb, &c, &r);
	if (rc == 0 && !(r.end == SANDBOX_EXITED && r.exit_code == 0)) {
		fprintf(stderr, "bench-sandbox: the function call ended %d (exit %d, signal %d): %s\n",
			(int)r.end, r.exit_code, r.signal, r.setup_error);
		rc = -1;
	}
	sandbox_result_release(&r);
	return rc;
}

/* VmRSS (KiB) of our child processes other than `skip`: the warden is the
 * one sandbox_open() forked. -1 when none is found. */
static long child_rss_kib(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	long best = -1;
	pid_t me = getpid();

	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char path[300], line[256];
		FILE *f;
		long ppid = -1, rss = -1;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "PPid:", 5))
				ppid = strtol(line + 5, NULL, 10);
			else if (!strncmp(line, "VmRSS:", 6))
				rss = strtol(line + 6, NULL, 10);
		}
		fclose(f);
		if (ppid == me && rss > best)
			best = rss;
	}
	closedir(d);
	return best;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench-sandbox [-r ROUNDS] [-n CALLS] [-b BWRAP_CALLS] [-P PACED_CALLS]"
			" [-w WORKSPACE] [--no-bwrap] [--no-namespaces] [--only sandbox|fork|fn|bwrap]\n");
}

int main(int argc, char **argv)
{
	static double t_sb[MAX_ROUNDS], t_fork[MAX_ROUNDS], t_fn[MAX_ROUNDS], t_bw[MAX_ROUNDS], t_setup[32];
	char *const true_argv[] = {(char *)"/bin/true", NULL};
	char *const bwrap_argv[] = {(char *)"/usr/bin/bwrap", (char *)"--unshare-all", (char *)"--die-with-parent",
				    (char *)"--ro-bind", (char *)"/", (char *)"/", (char *)"/bin/true", NULL};
	struct sandbox_opts o;
	struct sandbox *sb = NULL;
	char wsbuf[] = "/tmp/cordon-bench.XXXXXX";
	const char *ws = NULL;
	static double p_sb[MAX_PACED], p_fork[MAX_PACED], p_fn[MAX_PACED];
	int rounds = 20, n = 50, nb = 10, nsetup = 5, paced = 40, status = 1;
	bool bwrap = access(bwrap_argv[0], X_OK) == 0, made_ws = false, fn_ok = true, no_ns = false;
	bool do_sb = true, do_fork = true;
	const char *only = NULL;
	char layers[256];
	long rss;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-bwrap")) {
			bwrap = false;
		} else if (!strcmp(argv[i], "--no-namespaces")) {
			no_ns = true;
		} else if (i + 1 < argc && !strcmp(argv[i], "--only")) {
			only = argv[++i];
		} else if (i + 1 < argc && !strcmp(argv[i], "-r")) {
			rounds = atoi(argv[++i]);
		} else if (i + 1 < argc && !strcmp(argv[i], "-n")) {
			n = atoi(argv[++i]);
		} else if (i + 1 < argc && !strcmp(argv[i], "-P")) {
			paced = atoi(argv[++i]);
		} else if (i + 1 < argc && !strcmp(argv[i], "-b")) {
			nb = atoi(argv[++i]);
		} else if (i + 1 < argc && !strcmp(argv[i], "-w")) {
			ws = argv[++i];
		} else {
			usage();
			return 2;
		}
	}
	if (only) {
		do_sb = !strcmp(only, "sandbox");
		do_fork = !strcmp(only, "fork");
		fn_ok = !strcmp(only, "fn");
		bwrap = bwrap && !strcmp(only, "bwrap");
		if (!do_sb && !do_fork && !fn_ok && strcmp(only, "bwrap")) {
			usage();
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || n < 1 || nb < 1 || paced < 0 || paced > MAX_PACED) {
		usage();
		return 2;
	}
	if (!ws) {
		if (!mkdtemp(wsbuf)) {
			perror("bench-sandbox: mkdtemp");
			return 1;
		}
		ws = wsbuf;
		made_ws = true;
	}

	memset(&o, 0, sizeof(o));
	o.workspace = ws;
	o.fns = fns;
	o.n_fns = 1;
	o.no_namespaces = no_ns;

	/* Session setup: open + one call (so the warden is really up) + close. */
	for (int i = 0; i < nsetup; i++) {
		double t0 = now_us();
		struct cordon_diag dg;
		int rc = sandbox_open(&sb, &o, &dg);
		if (rc < 0) {
			fprintf(stderr, "bench-sandbox: sandbox_open: %s%s%s\n", cordon_strerror(rc),
				dg.msg[0] ? ": " : "", dg.msg);
			goto out;
		}
		if (run_true(sb) < 0)
			goto out;
		t_setup[i] = now_us() - t0;
		if (i + 1 < nsetup) {
			sandbox_close(sb);
			sb = NULL;
		}
	}
	rss = child_rss_kib();
	layer_format_list(sandbox_layers(sb), layers, sizeof(layers));
	if (fn_ok && run_fn(sb) < 0) {
		fprintf(stderr, "bench-sandbox: no in-process function figure\n");
		fn_ok = false;
	}

	/* Warm up every path once, then interleaved rounds. */
	if (run_true(sb) < 0 || spawn_wait(true_argv) < 0)
		goto out;
	for (int r = 0; r < rounds; r++) {
		double t0;

		if (do_sb) {
			t0 = now_us();
			for (int i = 0; i < n; i++)
				if (run_true(sb) < 0)
					goto out;
			t_sb[r] = (now_us() - t0) / n;
		}

		if (do_fork) {
			t0 = now_us();
			for (int i = 0; i < n; i++)
				if (spawn_wait(true_argv) < 0)
					goto out;
			t_fork[r] = (now_us() - t0) / n;
		}

		if (fn_ok) {
			t0 = now_us();
			for (int i = 0; i < n; i++)
				if (run_fn(sb) < 0)
					goto out;
			t_fn[r] = (now_us() - t0) / n;
		}

		if (bwrap) {
			t0 = now_us();
			for (int i = 0; i < nb; i++)
				if (spawn_wait(bwrap_argv) < 0) {
					fprintf(stderr, "bench-sandbox: bwrap failed; no bwrap figure\n");
					bwrap = false;
					break;
				}
			t_bw[r] = (now_us() - t0) / nb;
		}
	}

	/* Paced: one call at a time, as an agent makes them. */
	for (int i = 0; i < paced; i++) {
		double t0;

		if (do_sb) {
			usleep(PACE_US);
			t0 = now_us();
			if (run_true(sb) < 0)
				goto out;
			p_sb[i] = now_us() - t0;
		}
		if (do_fork) {
			usleep(PACE_US);
			t0 = now_us();
			if (spawn_wait(true_argv) < 0)
				goto out;
			p_fork[i] = now_us() - t0;
		}
		if (fn_ok) {
			usleep(PACE_US);
			t0 = now_us();
			if (run_fn(sb) < 0)
				goto out;
			p_fn[i] = now_us() - t0;
		}
	}

	{
		/* Paired ratios first: median() sorts its array in place. */
		static double q_sb[MAX_ROUNDS], q_fn[MAX_ROUNDS], q_bw[MAX_ROUNDS];

		for (int r = 0; r < rounds; r++) {
			q_sb[r] = t_fork[r] > 0 ? t_sb[r] / t_fork[r] : 0;
			q_fn[r] = t_fork[r] > 0 ? t_fn[r] / t_fork[r] : 0;
			q_bw[r] = t_sb[r] > 0 ? t_bw[r] / t_sb[r] : 0;
		}
		if (do_sb && do_fork)
			printf("paired_sandbox_vs_forkexec=%.2f\n", median(q_sb, rounds));
		if (fn_ok && do_fork)
			printf("paired_fn_vs_forkexec=%.2f\n", median(q_fn, rounds));
		if (bwrap && do_sb)
			printf("paired_bwrap_vs_sandbox=%.2f\n", median(q_bw, rounds));
	}
	{
		double sbm = median(t_sb, rounds), fm = median(t_fork, rounds);

		printf("rounds=%d calls_per_round=%d bwrap_calls_per_round=%d\n", rounds, n, nb);
		printf("layers=%s\n", layers);
		printf("setup_us=%.0f\n", median(t_setup, nsetup));
		printf("warden_rss_kib=%ld\n", rss);
		if (do_fork)
			printf("forkexec_true_us=%.1f\n", fm);
		if (do_sb)
			printf("sandbox_true_us=%.1f\n", sbm);
		if (do_sb && do_fork)
			printf("ratio_sandbox_vs_forkexec=%.2f\n", sbm / fm);
		if (fn_ok) {
			double fnm = median(t_fn, rounds);
			printf("fn_us=%.1f\n", fnm);
			if (do_fork)
				printf("ratio_fn_vs_forkexec=%.2f\n", fnm / fm);
		}
		if (paced) {
			double ps = median(p_sb, paced), pf = median(p_fork, paced), pn = median(p_fn, paced);

			printf("paced_calls=%d\n", paced);
			if (do_fork)
				printf("paced_forkexec_true_us=%.1f\n", pf);
			if (do_sb)
				printf("paced_sandbox_true_us=%.1f\n", ps);
			if (do_sb && do_fork)
				printf("paced_ratio_sandbox_vs_forkexec=%.2f\n", ps / pf);
			if (fn_ok)
				printf("paced_fn_us=%.1f\n", pn);
			if (fn_ok && do_fork)
				printf("paced_ratio_fn_vs_forkexec=%.2f\n", pn / pf);
		}
		if (bwrap) {
			double bm = median(t_bw, rounds);
			printf("bwrap_true_us=%.1f\n", bm);
			if (do_sb)
				printf("ratio_bwrap_vs_sandbox=%.2f\n", bm / sbm);
		}
	}
	status = 0;
out:
	sandbox_close(sb);
	if (made_ws)
		rmdir(ws);
	return status;
}
