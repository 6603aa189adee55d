/*
 * bench-policy — how long the policy takes, next to what a tool call costs.
 *
 *	bench-policy [-n ITERATIONS]
 *
 * Times, in-process (CLOCK_MONOTONIC, best of 5 batches): policy_decide() on
 * a read-only Bash command, a 10-part compound command, a 64 KiB here-doc
 * command, a Read against 200 path rules; parsing the seed agent file and a
 * settings file; and, as the anchor, fork + execve + waitpid of /bin/true
 * (the least a confined tool call costs). Prints microseconds per operation
 * and each one's share of the anchor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/fileio.h"
#include "policy/agentfile.h"
#include "policy/policy.h"
#include "policy/settings.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct job {
	const char *name;
	void (*fn)(void *arg);
	void *arg;
	int iters;
};

static struct policy pol;
static const struct policy_ctx ctx = { .cwd = "/proj", .project_root = "/proj", .home = "/home/u" };

static void decide(void *arg)
{
	struct policy_decision d;
	json_t **in = arg;

	policy_decide(&pol, json_string_value(json_object_get(in[1], "tool")), in[0], &ctx, &d);
}

static const char *seed_data;
static size_t seed_len;

static void parse_agent(void *arg)
{
	struct agent_file af;

	(void)arg;
	if (agentfile_parse(&af, seed_data, seed_len, "seed.md", NULL) == 0)
		agentfile_release(&af);
}

static const char settings_doc[] =
	"{\"permissions\":{\"allow\":[\"Bash(npm run test:*)\",\"Edit(./src/**)\",\"Bash(make:*)\"],"
	"\"deny\":[\"Read(./.env)\",\"Read(*.pem)\",\"Bash(rm:*)\"],\"defaultMode\":\"acceptEdits\"},"
	"\"sandbox\":{\"require\":[\"landlock\",\"seccomp\"],\"limits\":{\"timeoutSeconds\":60}}}";

static void parse_settings(void *arg)
{
	static const struct settings_origin o = { "s.json", SETTINGS_PROJECT, "/proj", "/home/u" };
	struct settings s;

	(void)arg;
	settings_init(&s);
	settings_parse(&s, settings_doc, sizeof(settings_doc) - 1, &o, NULL);
	settings_release(&s);
}

static void spawn_true(void *arg)
{
	pid_t pid;
	int st;

	(void)arg;
	pid = fork();
	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, &st, 0);
}

static double run(const struct job *j)
{
	double best = 1e30;
	int b, i;

	for (b = 0; b < 5; b++) {
		double t0 = now(), dt;

		for (i = 0; i < j->iters; i++)
			j->fn(j->arg);
		dt = (now() - t0) / j->iters;
		if (dt < best)
			best = dt;
	}
	return best * 1e6;
}

static json_t *bash(const char *cmd)
{
	return json_pack("{s:s}", "command", cmd);
}

int main(int argc, char **argv)
{
	int n = argc > 2 && !strcmp(argv[1], "-n") ? atoi(argv[2]) : 2000;
	const char *root = getenv("ROOT");
	json_t *simple[2], *compound[2], *heredoc[2], *read200[2], *tool_bash, *tool_read;
	char path[4096];
	struct buf seed, big, rules;
	struct job jobs[7];
	double anchor, us;
	int i, k;

	if (n <= 0)
		n = 2000;
	buf_init(&seed, AGENTFILE_MAX_BYTES);
	snprintf(path, sizeof(path), "%s/tests/data/agents/backend-engineer.md", root ? root : ".");
	if (file_read_capped(-100, path, AGENTFILE_MAX_BYTES, &seed) < 0) {
		fprintf(stderr, "bench-policy: cannot read %s\n", path);
		return 1;
	}
	seed_data = seed.data;
	seed_len = seed.len;

	policy_init(&pol);
	policy_add_rules(&pol, "Bash(npm run test:*) Bash(make:*) Bash(git:*) Edit(./src/**)", RULE_ALLOW, "bench", NULL, NULL);
	policy_add_rules(&pol, "Bash(rm:*) Bash(curl:*) Read(./.env) Read(*.pem)", RULE_DENY, "bench", NULL, NULL);
	buf_init(&rules, BUF_NOMAX);
	for (i = 0; i < 200; i++)
		buf_printf(&rules, "Read(./secret%d/**) ", i);
	policy_add_rules(&pol, rules.data, RULE_DENY, "bench", NULL, NULL);

	buf_init(&big, BUF_NOMAX);
	buf_puts(&big, "cat > src/data.txt <<'EOF'\n");
	for (k = 0; big.len < 64 * 1024; k++)
		buf_printf(&big, "line %d of the here-document, with $(words) that stay literal\n", k);
	buf_puts(&big, "EOF");

	tool_bash = json_pack("{s:s}", "tool", "Bash");
	tool_read = json_pack("{s:s}", "tool", "Read");
	simple[0] = bash("git status");
	compound[0] = bash("cd src && make -j2 test 2>&1 | tail -50; git diff --stat && npm run test -- --watch=false "
			   "| grep -v '^ok' | head -20 ; ls -la build");
	heredoc[0] = bash(big.data);
	read200[0] = json_pack("{s:s}", "file_path", "src/deep/dir/file.c");
	simple[1] = compound[1] = heredoc[1] = tool_bash;
	read200[1] = tool_read;

	jobs[0] = (struct job){ "decide Bash 'git status'", decide, simple, n };
	jobs[1] = (struct job){ "decide Bash, 10-part compound", decide, compound, n };
	jobs[2] = (struct job){ "decide Bash, 64 KiB here-document", decide, heredoc, n / 20 + 1 };
	jobs[3] = (struct job){ "decide Read against 208 path rules", decide, read200, n };
	jobs[4] = (struct job){ "parse the seed agent file (7 KB)", parse_agent, NULL, n / 4 + 1 };
	jobs[5] = (struct job){ "parse a settings file", parse_settings, NULL, n };
	jobs[6] = (struct job){ "anchor: fork+exec+wait /bin/true", spawn_true, NULL, n / 10 + 1 };

	anchor = run(&jobs[6]);
	printf("%-40s %12s %10s\n", "operation", "us/op", "of anchor");
	for (i = 0; i < 6; i++) {
		us = run(&jobs[i]);
		printf("%-40s %12.2f %9.1f%%\n", jobs[i].name, us, 100.0 * us / anchor);
	}
	printf("%-40s %12.2f %9.1f%%\n", jobs[6].name, anchor, 100.0);

	json_decref(simple[0]);
	json_decref(compound[0]);
	json_decref(heredoc[0]);
	json_decref(read200[0]);
	json_decref(tool_bash);
	json_decref(tool_read);
	buf_release(&seed);
	buf_release(&big);
	buf_release(&rules);
	policy_release(&pol);
	return 0;
}
