/*
 * bench-bash — what a Bash tool call costs (issue 8).
 *
 *	bench-bash [-r ROUNDS] [-n CALLS] [-P CALLS] [-w WORKSPACE] [--policy]
 *
 * Opens one tool session (runtime/session/session.h: the sandbox, no
 * policy unless --policy, which judges every call with a default-mode
 * policy that allows `true`) and then, in ROUNDS interleaved rounds, times
 * with CLOCK_MONOTONIC:
 *   tool  N calls session_call("Bash", {"command": "true"}): request to
 *         result, everything the model's call goes through (input checks,
 *         the policy, the wrapper, the sandbox call, the sentinel, the
 *         directory report, the result's text)
 *   fork  N plain fork + execve("/bin/bash", "-c", "true") + waitpid from
 *         this process: the anchor
 * Per-call figure of a round = its total / N; the report gives medians over
 * rounds and the paired ratio (the median of each round's own ratio: slow
 * drifts of a shared machine cancel out). Then P paced calls of each kind
 * (one call after a 3 ms pause, interleaved; median latency), as an agent
 * calls its tools. Output: key=value lines (microseconds), then ratios. A
 * benchmark, never a test: exit 1 only when a call cannot run at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/wait.h>

#include <jansson.h>

#include "tests/helpers/bench.h"
#include "common/error.h"
#include "policy/policy.h"
#include "runtime/session/session.h"

#define MAX_ROUNDS 1000
#define PACE_US 3000

extern char **environ;

static int fork_bash(void)
{
	static char a0[] = "/bin/bash", a1[] = "-c", a2[] = "true";
	char *const argv[] = { a0, a1, a2, NULL };
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", O_RDWR);

		if (fd >= 0) {
			dup2(fd, 0);
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

static int tool_true(struct session *s, const json_t *input)
{
	struct session_result r;
	int rc = session_call(s, "Bash", input, "toolu_bench", &r);

	if (rc == 0 && (r.is_error || strcmp(json_string_value(r.content) ?: "", "(Bash completed with no output)"))) {
		fprintf(stderr, "bench-bash: Bash `true` answered: %s\n", json_string_value(r.content) ?: "(blocks)");
		rc = -1;
	}
	session_result_release(&r);
	return rc;
}

int main(int argc, char **argv)
{
	int rounds = 15, n = 30, paced = 40, i, k;
	const char *ws = NULL;
	bool with_policy = false;
	struct session_opts o = { 0 };
	struct session *s = NULL;
	struct policy p;
	struct cordon_diag d;
	json_t *input = json_pack("{s:s, s:s}", "command", "true", "description", "Do nothing");
	static double tool[MAX_ROUNDS], fork_[MAX_ROUNDS], ratio[MAX_ROUNDS], ptool[MAX_ROUNDS], pfork[MAX_ROUNDS];
	double t0, open_us;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-r") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			n = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-P") && i + 1 < argc)
			paced = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-w") && i + 1 < argc)
			ws = argv[++i];
		else if (!strcmp(argv[i], "--policy"))
			with_policy = true;
		else {
			fprintf(stderr, "usage: bench-bash [-r ROUNDS] [-n CALLS] [-P CALLS] [-w WORKSPACE] [--policy]\n");
			return 2;
		}
	}
	if (rounds < 1 || rounds > MAX_ROUNDS || n < 1 || paced < 0 || paced > MAX_ROUNDS || !ws || !input) {
		fprintf(stderr, "bench-bash: -w WORKSPACE is needed; 1 <= ROUNDS, P <= %d\n", MAX_ROUNDS);
		return 2;
	}
	o.workspace = ws;
	o.home = getenv("HOME");
	if (with_policy) {
		policy_init(&p);
		if (policy_set_mode(&p, PERM_DEFAULT, POLICY_SRC_CLI, "bench") < 0)
			return 1;
		o.policy = &p;
	}
	t0 = now_us();
	if (session_open(&s, &o, &d) < 0) {
		fprintf(stderr, "bench-bash: cannot open a session: %s\n", d.msg);
		return 1;
	}
	open_us = now_us() - t0;
	/* Warm up: the kind's zygote and spare, the page cache of bash. */
	for (i = 0; i < 5; i++)
		if (tool_true(s, input) < 0 || fork_bash() < 0)
			return 1;
	for (k = 0; k < rounds; k++) {
		t0 = now_us();
		for (i = 0; i < n; i++)
			if (tool_true(s, input) < 0)
				return 1;
		tool[k] = (now_us() - t0) / n;
		t0 = now_us();
		for (i = 0; i < n; i++)
			if (fork_bash() < 0)
				return 1;
		fork_[k] = (now_us() - t0) / n;
		ratio[k] = tool[k] / fork_[k];
	}
	for (k = 0; k < paced; k++) {
		usleep(PACE_US);
		t0 = now_us();
		if (tool_true(s, input) < 0)
			return 1;
		ptool[k] = now_us() - t0;
		usleep(PACE_US);
		t0 = now_us();
		if (fork_bash() < 0)
			return 1;
		pfork[k] = now_us() - t0;
	}
	printf("session_open_us=%.0f\n", open_us);
	printf("policy=%s\n", with_policy ? "default mode" : "none");
	printf("tool_bash_true_us=%.0f\n", median(tool, rounds));
	printf("fork_exec_bash_true_us=%.0f\n", median(fork_, rounds));
	printf("paired_tool_vs_fork=%.2f\n", median(ratio, rounds));
	if (paced) {
		double a = median(ptool, paced), b = median(pfork, paced);

		printf("paced_tool_us=%.0f\npaced_fork_us=%.0f\npaced_tool_vs_fork=%.2f\n", a, b, a / b);
	}
	session_close(s);
	if (with_policy)
		policy_release(&p);
	json_decref(input);
	return 0;
}
