/*
 * Unit tests for Bash's pure parts: the model-facing texts
 * (runtime/session/bashfmt.h), the command as the policy judged it
 * (policy_bash_command), the read-only test the loop runs calls together by
 * (readonly_command), the wrapper's directory report (bash_report_cwd) and
 * the sandbox call it makes (bash_call_init).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/buf.h"
#include "common/error.h"
#include "policy/policy.h"
#include "policy/readonly.h"
#include "runtime/session/bash.h"
#include "runtime/session/bashfmt.h"

/* bashfmt_result() of one run, as a malloc'd string; *err its is_error. */
static char *fmt(const struct bashfmt_run *r, bool *err)
{
	struct buf b;

	buf_init(&b, BUF_NOMAX);
	assert_int_equal(bashfmt_result(&b, err, r), 0);
	assert_int_equal(buf_putc(&b, '\0'), 0);
	return b.data;
}

#define RUN(out, code, cmd) (struct bashfmt_run){ .output = out, .len = strlen(out), .exit_code = code, .command = cmd }

static void result_layout(void **state)
{
	bool err;
	char *s;
	struct bashfmt_run r;

	(void)state;
	s = fmt(&RUN("hello world\n", 0, "echo hello world"), &err);
	assert_string_equal(s, "hello world");
	assert_false(err);
	free(s);
	/* Leading blank lines go, the first line's leading spaces stay; trailing whitespace goes. */
	s = fmt(&RUN("\n\n  padded  \n\n", 0, "printf x"), &err);
	assert_string_equal(s, "  padded");
	free(s);
	s = fmt(&RUN(" \t\n", 0, "true"), &err);
	assert_string_equal(s, "");
	free(s);
	/* A failure: Exit code first, then the merged output. */
	s = fmt(&RUN("out\nerr\n", 3, "echo out; echo err >&2; exit 3"), &err);
	assert_string_equal(s, "Exit code 3\nout\nerr");
	assert_true(err);
	free(s);
	s = fmt(&RUN("", 1, "exit 1"), &err);
	assert_string_equal(s, "Exit code 1");
	free(s);
	/* A timeout: the reference's two lines, then the output. */
	r = RUN("started\n", 143, "echo started; sleep 5");
	r.timed_out = true;
	r.timeout_ms = 1000;
	s = fmt(&r, &err);
	assert_string_equal(s, "Exit code 143\nCommand timed out after 1s\nstarted");
	assert_true(err);
	free(s);
	/* The reset note last; a truncated capture said. */
	r = RUN("/x\n", 0, "cd /tmp && pwd");
	r.cwd_reset = "/ws";
	r.truncated = true;
	r.cap = 8u << 20;
	s = fmt(&r, &err);
	assert_string_equal(s, "/x\n[cordon kept the first 8MB of the output: the command wrote more]\nShell cwd was reset to /ws");
	assert_false(err);
	free(s);
	/* Invalid UTF-8 reaches the model as U+FFFD. */
	s = fmt(&RUN("a\xff" "b", 0, "printf"), &err);
	assert_string_equal(s, "a\xef\xbf\xbd" "b");
	free(s);
	/* The sandbox's notices and refusals: "blocked by cordon". */
	r = RUN("", 0, "touch .envrc");
	r.notices = "set aside .envrc as .envrc.cordon-quarantine: ...\n";
	s = fmt(&r, &err);
	assert_string_equal(s, "blocked by cordon: set aside .envrc as .envrc.cordon-quarantine: ...");
	free(s);
	r = RUN("", 125, "x");
	r.refused = "cannot run '/bin/bash': No such file or directory";
	s = fmt(&r, &err);
	assert_true(err);
	assert_non_null(strstr(s, "blocked by cordon: the command could not be started in the sandbox: cannot run"));
	free(s);
	r = RUN("", 137, "x");
	r.signal_name = "SIGKILL";
	s = fmt(&r, &err);
	assert_true(err);
	assert_non_null(strstr(s, "Exit code 137\ncordon: the shell was ended by SIGKILL"));
	free(s);
}

static void benign_exits(void **state)
{
	(void)state;
	assert_true(bashfmt_benign_exit("grep x f", 1));
	assert_true(bashfmt_benign_exit("cat f | /usr/bin/grep -q x", 1));
	assert_true(bashfmt_benign_exit("cd d && rg x", 1));
	assert_true(bashfmt_benign_exit("diff a b", 1));
	assert_true(bashfmt_benign_exit("find . -name x", 1));
	assert_true(bashfmt_benign_exit("test -f x", 1));
	assert_true(bashfmt_benign_exit("[ -f x ]", 1));
	/* Only 1, only the last command at the top level, only literal names. */
	assert_false(bashfmt_benign_exit("grep x f", 2));
	assert_false(bashfmt_benign_exit("grep x f | wc -l", 1));
	assert_false(bashfmt_benign_exit("false", 1));
	assert_false(bashfmt_benign_exit("$G x f", 1));
	assert_false(bashfmt_benign_exit("echo 'unterminated", 1));
	assert_false(bashfmt_benign_exit(NULL, 1));
}

static void blocked_notes(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, BUF_NOMAX);
	assert_int_equal(bashfmt_blocked_notes(&b, "all fine\n", 9, false), 0);
	assert_int_equal(b.len, 0);
	/* One line per kind, each once, whatever the number of hits. */
	{
		const char *out = "error: could not write config file .git/config: Device or resource busy\n"
				  "touch: cannot touch '/usr/x': Read-only file system\n"
				  "curl: (6) Could not resolve host: example.com\n"
				  "socket: Address family not supported by protocol\n"
				  "touch: cannot touch '/etc/y': Read-only file system\n";

		assert_int_equal(bashfmt_blocked_notes(&b, out, strlen(out), false), 0);
	}
	assert_int_equal(buf_putc(&b, '\0'), 0);
	assert_non_null(strstr(b.data, "blocked by cordon: git configuration is read-only"));
	assert_non_null(strstr(b.data, "blocked by cordon: that path is read-only"));
	assert_non_null(strstr(b.data, "blocked by cordon: commands have no network access"));
	assert_null(strstr(strstr(b.data, "no network access") + 1, "no network access"));
	assert_null(strstr(strstr(b.data, "that path is read-only") + 1, "that path is read-only"));
	buf_release(&b);
	/* With the egress proxy the network note says where the network is. */
	buf_init(&b, BUF_NOMAX);
	assert_int_equal(bashfmt_blocked_notes(&b, "curl: (6) Could not resolve host: x.org\n", 40, true), 0);
	assert_int_equal(buf_putc(&b, '\0'), 0);
	assert_non_null(strstr(b.data, "blocked by cordon: commands reach the network only through cordon's HTTP proxy"));
	assert_null(strstr(b.data, "no network access"));
	buf_release(&b);
}

static void durations(void **state)
{
	char d[48];

	(void)state;
	bashfmt_duration(d, sizeof(d), 1000);
	assert_string_equal(d, "1s");
	bashfmt_duration(d, sizeof(d), 1500);
	assert_string_equal(d, "1.5s");
	bashfmt_duration(d, sizeof(d), 500);
	assert_string_equal(d, "0.5s");
	bashfmt_duration(d, sizeof(d), 120000);
	assert_string_equal(d, "2m 0s");
	bashfmt_duration(d, sizeof(d), 600000);
	assert_string_equal(d, "10m 0s");
	bashfmt_duration(d, sizeof(d), 24u * 3600u * 1000u);
	assert_string_equal(d, "24h 0m 0s");
}

static void background_texts(void **state)
{
	struct buf b, big;
	size_t i;
	json_t *j;

	(void)state;
	buf_init(&b, BUF_NOMAX);
	assert_int_equal(bashfmt_background_started(&b, "b12345678", "/o/tasks/b12345678.output"), 0);
	assert_int_equal(buf_putc(&b, '\0'), 0);
	assert_string_equal(b.data, "Command running in background with ID: b12345678. Output is being written to: "
				    "/o/tasks/b12345678.output. You will be notified when it completes. To check "
				    "interim output, use Read on that file path.");
	buf_truncate(&b, 0);
	assert_int_equal(bashfmt_task_output(&b, "success", "b1", BASHFMT_COMPLETED, true, 0, "\none\ntwo\n\n", 10,
					     "/p"),
			 0);
	assert_int_equal(buf_putc(&b, '\0'), 0);
	assert_string_equal(b.data, "<retrieval_status>success</retrieval_status>\n\n<task_id>b1</task_id>\n\n"
				    "<task_type>local_bash</task_type>\n\n<status>completed</status>\n\n"
				    "<exit_code>0</exit_code>\n\n<output>\n\none\ntwo\n</output>");
	/* (The reference trims only the end of the output.) Running, nothing written: no exit code, no output block. */
	buf_truncate(&b, 0);
	assert_int_equal(bashfmt_task_output(&b, "not_ready", "b1", BASHFMT_RUNNING, false, 0, " \n", 2, "/p"), 0);
	assert_int_equal(buf_putc(&b, '\0'), 0);
	assert_string_equal(b.data, "<retrieval_status>not_ready</retrieval_status>\n\n<task_id>b1</task_id>\n\n"
				    "<task_type>local_bash</task_type>\n\n<status>running</status>");
	/* Long output: its end, behind the reference's header, BASHFMT_TASK_OUTPUT_CHARS in all. */
	buf_init(&big, BUF_NOMAX);
	for (i = 0; i < 40000; i++)
		buf_putc(&big, i == 39999 ? 'Z' : (char)('a' + i % 26));
	buf_truncate(&b, 0);
	assert_int_equal(bashfmt_task_output(&b, "success", "b1", BASHFMT_FAILED, true, 2, big.data, big.len, "/p/b1.output"),
			 0);
	assert_int_equal(buf_putc(&b, '\0'), 0);
	{
		const char *o = strstr(b.data, "<output>\n") + 9, *e = strstr(o, "\n</output>");

		assert_true(!strncmp(o, "[Truncated. Full output: /p/b1.output]\n\n", 40));
		assert_int_equal(e - o, BASHFMT_TASK_OUTPUT_CHARS);
		assert_int_equal(e[-1], 'Z');
	}
	buf_release(&big);
	/* TaskStop: one JSON line, the reference's keys in its order. */
	buf_truncate(&b, 0);
	assert_int_equal(bashfmt_task_stopped(&b, "b1", "sleep 10"), 0);
	assert_int_equal(buf_putc(&b, '\0'), 0);
	assert_string_equal(b.data, "{\"message\":\"Successfully stopped task: b1 (sleep 10)\",\"task_id\":\"b1\","
				    "\"task_type\":\"local_bash\",\"command\":\"sleep 10\"}");
	j = json_loads(b.data, 0, NULL);
	assert_non_null(j);
	json_decref(j);
	/* The notification. */
	buf_truncate(&b, 0);
	assert_int_equal(bashfmt_task_notification(&b, "b1", "toolu_1", "/p", BASHFMT_COMPLETED, 0, "Say hi"), 0);
	assert_int_equal(buf_putc(&b, '\0'), 0);
	assert_string_equal(b.data, "<task-notification>\n<task-id>b1</task-id>\n<tool-use-id>toolu_1</tool-use-id>\n"
				    "<output-file>/p</output-file>\n<status>completed</status>\n<summary>Background "
				    "command \"Say hi\" completed (exit code 0)</summary>\n</task-notification>");
	buf_truncate(&b, 0);
	assert_int_equal(bashfmt_task_notification(&b, "b1", "t", "/p", BASHFMT_FAILED, 3, "x"), 0);
	assert_int_equal(buf_putc(&b, '\0'), 0);
	assert_non_null(strstr(b.data, "failed with exit code 3"));
	buf_release(&b);
}

static void command_as_judged(void **state)
{
	struct policy_ctx ctx = { .cwd = "/ws/./sub", .project_root = "/ws" };
	struct buf b;

	(void)state;
	buf_init(&b, 1 << 20);
	/* A leading `cd <cwd> && ` goes, the cwd as given or normalised. */
	assert_int_equal(policy_bash_command(&ctx, "cd /ws/./sub && make", &b), 0);
	assert_int_equal(buf_putc(&b, '\0'), 0);
	assert_string_equal(b.data, "make");
	buf_truncate(&b, 0);
	assert_int_equal(policy_bash_command(&ctx, "cd /ws/sub && make", &b), 0);
	assert_int_equal(buf_putc(&b, '\0'), 0);
	assert_string_equal(b.data, "make");
	/* Another directory stays; `\\;` collapses. */
	buf_truncate(&b, 0);
	assert_int_equal(policy_bash_command(&ctx, "cd /other && find . -exec rm {} \\\\;", &b), 0);
	assert_int_equal(buf_putc(&b, '\0'), 0);
	assert_string_equal(b.data, "cd /other && find . -exec rm {} \\;");
	buf_release(&b);
	/* The caller's ceiling holds. */
	buf_init(&b, 4);
	assert_int_equal(policy_bash_command(NULL, "echo hello", &b), -CORDON_ETOOBIG);
	buf_release(&b);
}

static void read_only_lines(void **state)
{
	static const char *const yes[] = { "ls -la", "cat a | grep x | wc -l", "git status && git diff",
					   "grep -r x . 2>/dev/null", "echo $(pwd)", "head -n 3 f 2>&1", NULL };
	static const char *const no[] = { "cd sub", "ls > out", "echo x >> f", "make", "ls; rm f",
					  "echo $(rm f)", "sort -o out in", "X=1 ls", "PATH=/x ls", "ls &>log",
					  "echo 'unterminated", "", "git diff --output=f", NULL };
	size_t i;

	(void)state;
	for (i = 0; yes[i]; i++)
		if (!readonly_command(yes[i], strlen(yes[i])))
			fail_msg("'%s' should be read-only", yes[i]);
	for (i = 0; no[i]; i++)
		if (readonly_command(no[i], strlen(no[i])))
			fail_msg("'%s' should not be read-only", no[i]);
}

static void cwd_report(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(bash_report_cwd("\0/ws/sub\0", 9, out, sizeof(out)), 1);
	assert_string_equal(out, "/ws/sub");
	/* Chatter before it is the shell's; only the last record counts. */
	assert_int_equal(bash_report_cwd("warning: x\n\0/a\0\0/ws\0", 20, out, sizeof(out)), 1);
	assert_string_equal(out, "/ws");
	assert_int_equal(bash_report_cwd("", 0, out, sizeof(out)), 0);
	assert_int_equal(bash_report_cwd("no report", 9, out, sizeof(out)), 0);
	assert_int_equal(bash_report_cwd("\0rel\0", 5, out, sizeof(out)), -CORDON_EINVAL);
	assert_int_equal(bash_report_cwd("/no/start\0", 10, out, sizeof(out)), -CORDON_EINVAL);
	assert_int_equal(bash_report_cwd("\0/much/too/long/for/the/buffer\0", 31, out, 8), -CORDON_EINVAL);
}

static void call_shape(void **state)
{
	struct bash_spec fg = { .command = "make", .cwd = "/ws/sub", .tmp = "/tmp", .timeout_ms = 5000,
				.out_fd = -1, .cancel_fd = 9 };
	struct bash_spec bg = { .command = "make", .cwd = "/ws", .tmp = "/tmp", .out_fd = 7, .cancel_fd = -1 };
	struct bash_call bc;
	size_t i;

	(void)state;
	assert_int_equal(bash_call_init(&bc, &fg), 0);
	assert_string_equal(bc.call.argv[0], "/bin/bash");
	assert_string_equal(bc.call.argv[1], "-c");
	assert_string_equal(bc.call.argv[3], "/bin/bash");
	assert_string_equal(bc.call.argv[4], "make");
	assert_null(bc.call.argv[5]);
	assert_non_null(strstr(bc.call.argv[2], "2>&1"));
	assert_null(strchr(bc.call.argv[2], '\n')); /* one line: "line 1" in the shell's messages */
	assert_int_equal(bc.call.profile, PROFILE_BASH);
	assert_string_equal(bc.call.cwd, "/ws/sub");
	assert_int_equal(bc.call.timeout_ms, 5000);
	assert_int_equal(bc.call.max_output, BASH_MAX_CAPTURE);
	assert_false(bc.call.pass);
	assert_true(bc.call.cancellable);
	assert_string_equal(bc.call.env[0], "PWD=/ws/sub");
	for (i = 0; bc.call.env[i]; i++)
		assert_null(strcasestr(bc.call.env[i], "KEY"));
	assert_string_equal(bc.call.env[1], "XDG_CACHE_HOME=/tmp/.cache");
	bash_call_release(&bc);
	assert_int_equal(bash_call_init(&bc, &bg), 0);
	assert_true(bc.call.pass);
	assert_int_equal(bc.call.pass_fd, 7);
	assert_false(bc.call.cancellable);
	assert_non_null(strstr(bc.call.argv[2], ">&5"));
	bash_call_release(&bc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(result_layout),    cmocka_unit_test(benign_exits),
		cmocka_unit_test(blocked_notes),    cmocka_unit_test(durations),
		cmocka_unit_test(background_texts), cmocka_unit_test(command_as_judged),
		cmocka_unit_test(read_only_lines),  cmocka_unit_test(cwd_report),
		cmocka_unit_test(call_shape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
