/*
 * escape-session — attacks between calls of ONE session sandbox (issue 3).
 *
 *	escape-session [--no-namespaces] WORKSPACE PROBE ARGV_MARKER
 *
 * `cordon sandbox` runs one call per session; an agent runs many, some at
 * the same time, in one session (runtime/sandbox/sandbox.h). This driver opens a
 * session on WORKSPACE and plays:
 *   call A (in a thread): /bin/sleep 3 with ESCAPE_MARKER=<random> in its
 *          env (made up here: in no argv, in no environment of ours);
 *   while A runs, calls B1..B4 run PROBE:
 *     SS01 kill-all             signal any other process of the session
 *     SS02 ptrace-all           PTRACE_SEIZE any other process
 *     SS03 proc-grep hex:<random> read A's environment through /proc
 *     SS04 mem-open-all         open any other process's /proc/PID/mem
 *     SS07 proc-grep hex:ARGV_MARKER  find our own command line (what a
 *          caller passed to the supervisor: a key on the command line) in
 *          any /proc/PID/cmdline; the warden is a fork of this process
 *   then, after A ended:
 *     SS05 call C: PROBE daemon 1 WORKSPACE/session-survivor (a detached
 *          grandchild); 2.5 s later the file must not exist, and
 *     SS06 call D: PROBE kill-all finds nothing left to signal.
 * For each it prints one line "ID exit=N|signal=N|end=N OUTPUT" (OUTPUT =
 * the call's stdout, first line), for tests/escape/cases/session.sh to
 * judge; "SS05 survivor=yes|no". Exit 1 when the session cannot run calls.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "runtime/sandbox/sandbox.h"

struct bg_call {
	struct sandbox *sb;
	const char *marker_env;
	struct sandbox_result res;
	int rc;
};

static void *run_a(void *arg)
{
	struct bg_call *a = arg;
	static const char *const argv[] = {"/bin/sleep", "3", NULL};
	const char *env[] = {a->marker_env, NULL};
	struct sandbox_call c = {.profile = PROFILE_BASH, .argv = argv, .env = env, .timeout_ms = 20000};

	a->rc = sandbox_run(a->sb, &c, &a->res);
	return NULL;
}

/* Run PROBE ARGS... as a Bash call and print "ID <status> <first line>". */
static int probe_call(struct sandbox *sb, const char *id, const char *probe, const char *a1, const char *a2,
		      const char *a3)
{
	const char *argv[] = {probe, a1, a2, a3, NULL};
	struct sandbox_call c = {.profile = PROFILE_BASH, .argv = argv, .timeout_ms = 20000};
	struct sandbox_result r;
	char line[512];
	size_t n;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = sandbox_run(sb, &c, &r);
	if (rc < 0) {
		printf("%s error=%s\n", id, cordon_strerror(rc));
		sandbox_result_release(&r);
		return -1;
	}
	n = strcspn(r.out.data, "\n");
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, r.out.data, n);
	line[n] = '\0';
	if (r.end == SANDBOX_EXITED)
		printf("%s exit=%d %s\n", id, r.exit_code, line);
	else if (r.end == SANDBOX_SIGNALED || r.end == SANDBOX_SECCOMP)
		printf("%s signal=%d %s\n", id, r.signal, line);
	else
		printf("%s end=%d %s %s\n", id, (int)r.end, line, r.setup_error);
	fflush(stdout);
	sandbox_result_release(&r);
	return 0;
}

int main(int argc, char **argv)
{
	struct sandbox_opts o;
	struct sandbox *sb = NULL;
	struct bg_call a;
	pthread_t th;
	char marker[64], marker_env[256], hexneedle[600], hexargv[600], survivor[4096];
	const char *ws, *probe, *argv_marker;
	int i = 1, status = 1;
	bool no_ns = false, started = false;

	if (argc > 1 && !strcmp(argv[1], "--no-namespaces")) {
		no_ns = true;
		i++;
	}
	if (argc - i != 3) {
		fprintf(stderr, "usage: escape-session [--no-namespaces] WORKSPACE PROBE ARGV_MARKER\n");
		return 2;
	}
	ws = argv[i];
	probe = argv[i + 1];
	argv_marker = argv[i + 2];
	if (strlen(argv_marker) > 200) {
		fprintf(stderr, "escape-session: marker too long\n");
		return 2;
	}
	srand((unsigned)(getpid() ^ (unsigned)time(NULL)));
	snprintf(marker, sizeof(marker), "envmark-%d-%d", (int)getpid(), rand());
	snprintf(marker_env, sizeof(marker_env), "ESCAPE_MARKER=%s", marker);
	strcpy(hexneedle, "hex:");
	for (size_t k = 0; marker[k]; k++)
		snprintf(hexneedle + 4 + 2 * k, 3, "%02x", (unsigned char)marker[k]);
	strcpy(hexargv, "hex:");
	for (size_t k = 0; argv_marker[k]; k++)
		snprintf(hexargv + 4 + 2 * k, 3, "%02x", (unsigned char)argv_marker[k]);
	snprintf(survivor, sizeof(survivor), "%s/session-survivor", ws);
	unlink(survivor);

	memset(&o, 0, sizeof(o));
	o.workspace = ws;
	o.no_namespaces = no_ns;
	if (sandbox_open(&sb, &o, NULL) < 0) {
		fprintf(stderr, "escape-session: cannot open the session\n");
		return 1;
	}

	memset(&a, 0, sizeof(a));
	a.sb = sb;
	a.marker_env = marker_env;
	if (pthread_create(&th, NULL, run_a, &a) != 0) {
		fprintf(stderr, "escape-session: pthread_create failed\n");
		goto out;
	}
	started = true;
	usleep(500 * 1000); /* let A's sleep start */
	if (probe_call(sb, "SS01", probe, "kill-all", NULL, NULL) < 0 ||
	    probe_call(sb, "SS02", probe, "ptrace-all", NULL, NULL) < 0 ||
	    probe_call(sb, "SS03", probe, "proc-grep", hexneedle, NULL) < 0 ||
	    probe_call(sb, "SS04", probe, "mem-open-all", NULL, NULL) < 0 ||
	    probe_call(sb, "SS07", probe, "proc-grep", hexargv, NULL) < 0)
		goto out;
	pthread_join(th, NULL);
	started = false;
	printf("SSA %s exit=%d\n", a.rc == 0 && a.res.end == SANDBOX_EXITED ? "ran" : "failed", a.res.exit_code);
	sandbox_result_release(&a.res);

	if (probe_call(sb, "SS05", probe, "daemon", "1", survivor) < 0)
		goto out;
	usleep(2500 * 1000);
	printf("SS05 survivor=%s\n", access(survivor, F_OK) == 0 ? "yes" : "no");
	if (probe_call(sb, "SS06", probe, "kill-all", NULL, NULL) < 0)
		goto out;
	status = 0;
out:
	if (started) {
		pthread_join(th, NULL);
		sandbox_result_release(&a.res);
	}
	sandbox_close(sb);
	unlink(survivor);
	return status;
}
