/*
 * bench-webfetch — what a WebFetch of a large page costs (issue 8).
 *
 *	bench-webfetch -u URL [-n CALLS] -w WORKSPACE
 *
 * With the test-only switches in the environment (CORDON_TEST_ALLOW_LOOPBACK_FETCH=1,
 * CORDON_TEST_FETCH_CA_FILE: docs/sandbox.md), URL on a loopback server
 * (tests/httpd.py):
 *   1. time: one tool session (the real sandbox, the page returned raw: no
 *      model), N calls of session_call("WebFetch", {url: URL?n=K, ...}),
 *      request to result (the supervisor's URL checks, DNS, vetting and
 *      connect, the fetch child: TLS, HTTP, HTML to Markdown, the result's
 *      shaping); each URL differs, so the page cache never answers;
 *   2. peak memory of the child: the same requests run by the same child
 *      code (tool_execute() on the passed connection, as the warden's fetch
 *      child runs it) in a forked process of this one, unconfined, whose
 *      ru_maxrss wait4() reports; next to a forked child that does nothing
 *      (the baseline a fork of this process starts from).
 * Output: key=value lines (microseconds, KiB). A benchmark, never a test.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/resource.h>
#include <sys/wait.h>

#include <jansson.h>

#include "tests/helpers/bench.h"
#include "common/buf.h"
#include "common/error.h"
#include "common/fileio.h"
#include "runtime/session/session.h"
#include "tools/tool.h"

#define MAX_CALLS 200

static long peak_kib;     /* the largest child's ru_maxrss so far */
static size_t last_chars; /* characters of the last result */

/*
 * session_opts.runner for part 2: the request in a forked child of ours, as
 * the warden runs it (the passed connection on fd 5, tool_execute(), the
 * reply as JSON on a pipe), and its peak RSS from wait4().
 */
static int measuring_runner(void *ctx, enum sandbox_profile profile, const json_t *request, int pass_fd,
			    int cancel_fd, json_t **out)
{
	struct rusage ru;
	struct buf reply;
	int p[2], st;
	pid_t pid;

	(void)ctx;
	(void)profile;
	(void)cancel_fd;
	*out = NULL;
	if (pipe(p) < 0)
		return -CORDON_ESYS;
	pid = fork();
	if (pid < 0)
		return -CORDON_ESYS;
	if (pid == 0) {
		json_t *res = NULL;
		char *s;

		close(p[0]);
		if (pass_fd >= 0 && dup2(pass_fd, 5) < 0)
			_exit(1);
		if (tool_execute(request, &res) < 0 || !res)
			_exit(1);
		s = json_dumps(res, JSON_COMPACT);
		if (!s || fd_write_all(p[1], s, strlen(s)) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	buf_init(&reply, 64u << 20);
	fd_read_all(p[0], &reply);
	close(p[0]);
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			break;
	if (ru.ru_maxrss > peak_kib)
		peak_kib = ru.ru_maxrss;
	*out = json_loadb(reply.data ? reply.data : "", reply.len, JSON_ALLOW_NUL, NULL);
	buf_release(&reply);
	return *out ? 0 : -CORDON_EPROTO;
}

static int fetch(struct session *s, const char *url, int k)
{
	struct session_result r;
	char u[2048];
	json_t *in;
	int rc;

	snprintf(u, sizeof(u), "%s%sn=%d", url, strchr(url, '?') ? "&" : "?", k);
	in = json_pack("{s:s, s:s}", "url", u, "prompt", "Summarise the page");
	rc = session_call(s, "WebFetch", in, NULL, &r);
	json_decref(in);
	if (rc == 0 && r.is_error) {
		fprintf(stderr, "bench-webfetch: %s: %s\n", u, json_string_value(r.content) ?: "(blocks)");
		rc = -1;
	}
	if (rc == 0)
		last_chars = json_string_length(r.content);
	session_result_release(&r);
	return rc;
}

static long baseline_kib(void)
{
	struct rusage ru;
	int st;
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR)
			return -1;
	return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
	const char *url = NULL, *ws = NULL;
	int n = 9, i;
	struct session_opts o = { 0 };
	struct session *s = NULL;
	struct cordon_diag d;
	static double t[MAX_CALLS];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-u") && i + 1 < argc)
			url = argv[++i];
		else if (!strcmp(argv[i], "-n") && i + 1 < argc)
			n = atoi(argv[++i]);
		else if (!strcmp(argv[i], "-w") && i + 1 < argc)
			ws = argv[++i];
		else {
			fprintf(stderr, "usage: bench-webfetch -u URL [-n CALLS] -w WORKSPACE\n");
			return 2;
		}
	}
	if (!url || !ws || n < 1 || n > MAX_CALLS) {
		fprintf(stderr, "bench-webfetch: -u URL and -w WORKSPACE are needed; 1 <= CALLS <= %d\n", MAX_CALLS);
		return 2;
	}
	o.workspace = ws;
	o.fetch_raw = true;
	if (session_open(&s, &o, &d) < 0) {
		fprintf(stderr, "bench-webfetch: cannot open a session: %s\n", d.msg);
		return 1;
	}
	if (fetch(s, url, -1) < 0)
		return 1;
	for (i = 0; i < n; i++) {
		double t0 = now_us();

		if (fetch(s, url, i) < 0)
			return 1;
		t[i] = now_us() - t0;
	}
	printf("webfetch_us=%.0f\n", median(t, n));
	printf("webfetch_result_chars=%zu\n", last_chars);
	session_close(s);

	o.runner = measuring_runner;
	if (session_open(&s, &o, &d) < 0) {
		fprintf(stderr, "bench-webfetch: cannot open the measuring session: %s\n", d.msg);
		return 1;
	}
	for (i = 0; i < 3; i++)
		if (fetch(s, url, 1000 + i) < 0)
			return 1;
	printf("child_peak_rss_kib=%ld\n", peak_kib);
	printf("forked_noop_rss_kib=%ld\n", baseline_kib());
	session_close(s);
	return 0;
}
