/*
 * Unit tests for runtime/session: the result shaping, and the checks on
 * what an untrusted child claims, driven through an injected runner (the
 * sandbox is the runner in production; here a function plays the child).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/secret.h"
#include "policy/catalog.h"
#include "policy/policy.h"
#include "runtime/session/session.h"

/* `seq 1 6500` as Bash returns it: the reference case bash_output_over_limit. */
static void preview_matches_reference(void **state)
{
	struct buf text, out, want;
	const char *cut_at;
	int i;

	(void)state;
	buf_init(&text, BUF_NOMAX);
	buf_init(&out, BUF_NOMAX);
	buf_init(&want, BUF_NOMAX);
	for (i = 1; i <= 6500; i++)
		assert_int_equal(buf_printf(&text, i > 1 ? "\n%d" : "%d", i), 0);
	assert_int_equal(session_format_persisted(&out, text.data, text.len, "/o/id.txt"), 0);
	cut_at = strstr(text.data, "\n528\n");
	assert_non_null(cut_at);
	buf_puts(&want, "<persisted-output>\nOutput too large (30.7KB). Full output saved to: /o/id.txt\n\n"
			"Preview (first 2KB):\n");
	buf_append(&want, text.data, (size_t)(cut_at - text.data));
	buf_puts(&want, "\n...\n</persisted-output>");
	assert_string_equal(out.data, want.data);
	buf_release(&text);
	buf_release(&out);
	buf_release(&want);
}

static void preview_counts_characters(void **state)
{
	struct buf text, out;
	const char *p;
	int i;

	(void)state;
	buf_init(&text, BUF_NOMAX);
	buf_init(&out, BUF_NOMAX);
	/* 3000 two-byte characters, no newline: cut after 2000 of them, whole. */
	for (i = 0; i < 3000; i++)
		buf_puts(&text, "\xc3\xa9");
	assert_int_equal(session_format_persisted(&out, text.data, text.len, "/p"), 0);
	p = strstr(out.data, "Preview (first 2KB):\n");
	assert_non_null(p);
	p += strlen("Preview (first 2KB):\n");
	assert_int_equal(strlen(p), 4000 + strlen("\n...\n</persisted-output>"));
	buf_release(&text);
	buf_release(&out);
}

static void preview_keeps_short_text(void **state)
{
	struct buf out;

	(void)state;
	buf_init(&out, BUF_NOMAX);
	assert_int_equal(session_format_persisted(&out, "short", 5, "/p"), 0);
	assert_string_equal(out.data, "<persisted-output>\nOutput too large (5 bytes). Full output saved to: /p\n\n"
				      "Preview (first 2KB):\nshort\n</persisted-output>");
	buf_release(&out);
}

static void caps_per_tool(void **state)
{
	(void)state;
	assert_int_equal(catalog_find("Read")->result_cap, 0);
	assert_int_equal(catalog_find("Grep")->result_cap, 20000);
	assert_int_equal(catalog_find("Bash")->result_cap, 30000);
	assert_int_equal(catalog_find("Edit")->result_cap, 50000);
	assert_int_equal(catalog_find("TodoWrite")->result_cap, 50000);
}

/* ---- an injected runner ----------------------------------------------------- */

struct fake {
	const char *reply;      /* JSON the "child" returns; NULL: fail with rc */
	int rc;
	json_t *last_request;   /* what the session sent (owned) */
	unsigned calls;
	/* concurrency: block until `want` calls are inside at once */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned inside, want;
	bool wait_cancel;       /* block until the cancel fd fires */
};

static int fake_run(void *ctx, enum sandbox_profile profile, const json_t *request, int pass_fd, int cancel_fd,
		    json_t **out)
{
	struct fake *f = ctx;

	(void)profile;
	(void)pass_fd;
	pthread_mutex_lock(&f->mu);
	f->calls++;
	json_decref(f->last_request);
	f->last_request = json_deep_copy(request);
	if (f->want) {
		f->inside++;
		pthread_cond_broadcast(&f->cv);
		while (f->inside < f->want)
			pthread_cond_wait(&f->cv, &f->mu);
	}
	pthread_mutex_unlock(&f->mu);
	if (f->wait_cancel) {
		struct pollfd pf = { cancel_fd, POLLIN, 0 };

		assert_int_equal(poll(&pf, 1, 10000), 1);
		*out = json_pack("{s:s, s:b, s:b}", "content", "cancelled", "is_error", 1, "cancelled", 1);
		return 0;
	}
	if (!f->reply)
		return f->rc;
	*out = json_loads(f->reply, JSON_ALLOW_NUL, NULL);
	assert_non_null(*out);
	return 0;
}

struct fx {
	char dir[64];
	char ws[128];
	struct fake f;
	struct policy p;
	struct session *s;
};

static int fx_setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	strcpy(fx->dir, "/tmp/cordon-session-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	snprintf(fx->ws, sizeof(fx->ws), "%s/ws", fx->dir);
	assert_int_equal(mkdir(fx->ws, 0755), 0);
	pthread_mutex_init(&fx->f.mu, NULL);
	pthread_cond_init(&fx->f.cv, NULL);
	policy_init(&fx->p);
	*state = fx;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[128];

	session_close(fx->s);
	policy_release(&fx->p);
	json_decref(fx->f.last_request);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

/* Open a session on the fixture's workspace with the fake child (policy optional). */
static void fx_open(struct fx *fx, bool with_policy, const char *home)
{
	struct session_opts o = { 0 };
	struct cordon_diag d;
	char out[200];

	snprintf(out, sizeof(out), "%s/out", fx->dir);
	o.workspace = fx->ws;
	o.home = home;
	o.output_dir = out;
	o.policy = with_policy ? &fx->p : NULL;
	o.runner = fake_run;
	o.runner_ctx = &fx->f;
	assert_int_equal(session_open(&fx->s, &o, &d), 0);
}

static json_t *input_path(const char *key, const char *path)
{
	return json_pack("{s:s}", key, path);
}

/* A child may claim effects only for its own path, and only those its tool has. */
static void effects_are_checked(void **state)
{
	struct fx *fx = *state;
	struct session_result r;
	char reply[1024], own[256];
	json_t *in, *todos;

	fx_open(fx, false, NULL);
	snprintf(own, sizeof(own), "%s/a.txt", fx->ws);
	/* Write: its own read_state and file_changed are recorded; another path's are not. */
	snprintf(reply, sizeof(reply),
		 "{\"content\":\"ok\",\"is_error\":false,\"effects\":{"
		 "\"read_state\":{\"path\":\"%s\",\"mtime_ms\":1},"
		 "\"file_changed\":{\"path\":\"%s\",\"kind\":\"create\"},"
		 "\"todos\":[{\"content\":\"x\",\"status\":\"pending\",\"activeForm\":\"x\"}]}}",
		 own, own);
	fx->f.reply = reply;
	in = input_path("file_path", "a.txt");
	assert_int_equal(session_call(fx->s, "Write", in, "t1", &r), 0);
	assert_false(r.is_error);
	assert_string_equal(json_string_value(r.content), "ok");
	assert_non_null(r.effects);
	assert_string_equal(json_string_value(json_object_get(json_object_get(r.effects, "file_changed"), "path")), own);
	assert_non_null(json_object_get(r.effects, "read_state"));
	/* Write may not set the todo list. */
	assert_null(json_object_get(r.effects, "todos"));
	todos = session_todos(fx->s);
	assert_int_equal(json_array_size(todos), 0);
	json_decref(todos);
	session_result_release(&r);
	/* The next Write of the same path carries the recorded entry to the child. */
	assert_int_equal(session_call(fx->s, "Write", in, "t2", &r), 0);
	assert_int_equal(json_integer_value(json_object_get(
				 json_object_get(json_object_get(fx->f.last_request, "state"), "read"), "mtime_ms")),
			 1);
	session_result_release(&r);
	json_decref(in);

	/* Another path's claims are dropped, and a bad kind too. */
	snprintf(reply, sizeof(reply),
		 "{\"content\":\"ok\",\"effects\":{\"read_state\":{\"path\":\"/etc/passwd\"},"
		 "\"file_changed\":{\"path\":\"%s\",\"kind\":\"delete\"}}}",
		 own);
	in = input_path("file_path", own);
	assert_int_equal(session_call(fx->s, "Edit", in, "t3", &r), 0);
	assert_null(r.effects);
	assert_false(r.is_error);
	session_result_release(&r);
	json_decref(in);

	/* TodoWrite: a well-formed list is kept, a malformed one is not. */
	fx->f.reply = "{\"content\":\"Todos have been modified\",\"effects\":{\"todos\":"
		      "[{\"content\":\"a\",\"status\":\"pending\",\"activeForm\":\"A\"}]}}";
	in = json_pack("{s:[]}", "todos");
	assert_int_equal(session_call(fx->s, "TodoWrite", in, "t4", &r), 0);
	assert_non_null(json_object_get(r.effects, "todos"));
	session_result_release(&r);
	fx->f.reply = "{\"content\":\"x\",\"effects\":{\"todos\":[{\"content\":\"a\",\"evil\":1}]}}";
	assert_int_equal(session_call(fx->s, "TodoWrite", in, "t5", &r), 0);
	assert_null(r.effects);
	session_result_release(&r);
	json_decref(in);
	todos = session_todos(fx->s);
	assert_int_equal(json_array_size(todos), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(todos, 0), "content")), "a");
	json_decref(todos);
}

/* Empty output, oversized output and a planted link in the output directory. */
static void results_are_shaped(void **state)
{
	struct fx *fx = *state;
	struct session_result r;
	struct buf big;
	char out[200], link[256], victim[256], saved[256], *reply;
	json_t *in = json_pack("{s:s}", "pattern", "x");
	struct stat st;
	int i;

	fx_open(fx, false, NULL);
	fx->f.reply = "{\"content\":\"  \\n\",\"is_error\":false}";
	assert_int_equal(session_call(fx->s, "Grep", in, "e1", &r), 0);
	assert_string_equal(json_string_value(r.content), "(Grep completed with no output)");
	session_result_release(&r);

	/* Plant a link where the oversized result would be saved. */
	snprintf(out, sizeof(out), "%s/out", fx->dir);
	/* The session made it when it opened (a read root of the sandbox from the start). */
	assert_true(mkdir(out, 0700) == 0 || errno == EEXIST);
	snprintf(victim, sizeof(victim), "%s/victim", fx->dir);
	snprintf(link, sizeof(link), "%s/big1.txt", out);
	assert_int_equal(symlink(victim, link), 0);
	buf_init(&big, BUF_NOMAX);
	buf_puts(&big, "{\"content\":\"");
	for (i = 0; i < 25000; i++)
		buf_puts(&big, "x\\n");
	buf_puts(&big, "\"}");
	reply = big.data;
	fx->f.reply = reply;
	assert_int_equal(session_call(fx->s, "Grep", in, "big1", &r), 0);
	assert_false(r.is_error);
	snprintf(saved, sizeof(saved), "Full output saved to: %s/big1-1.txt", out);
	assert_non_null(strstr(json_string_value(r.content), saved));
	assert_non_null(strstr(json_string_value(r.content), "<persisted-output>"));
	/* Nothing was written through the link. */
	assert_int_equal(stat(victim, &st), -1);
	session_result_release(&r);
	buf_release(&big);
	json_decref(in);
}

/* Result text is length-carrying: NULs survive the session, its blank check and a saved output. */
static void results_keep_nuls(void **state)
{
	struct fx *fx = *state;
	struct session_result r;
	struct buf big;
	json_t *in = json_pack("{s:s}", "pattern", "x");
	const char *c, *path;
	char *saved;
	size_t n, i;
	FILE *f;

	fx_open(fx, false, NULL);
	fx->f.reply = "{\"content\":\"\\u0000\",\"is_error\":false}";
	assert_int_equal(session_call(fx->s, "Grep", in, "n1", &r), 0);
	assert_int_equal(json_string_length(r.content), 1); /* a NUL is not blank text */
	session_result_release(&r);
	fx->f.reply = "{\"content\":\"a\\u0000b\",\"is_error\":true}";
	assert_int_equal(session_call(fx->s, "Grep", in, "n2", &r), 0);
	assert_true(r.is_error);
	assert_int_equal(json_string_length(r.content), 3);
	assert_memory_equal(json_string_value(r.content), "a\0b", 3);
	session_result_release(&r);

	/* Over Grep's 20000 characters: the saved file holds every byte. */
	buf_init(&big, BUF_NOMAX);
	buf_puts(&big, "{\"content\":\"");
	for (i = 0; i < 25000; i++)
		buf_puts(&big, "x\\u0000");
	buf_puts(&big, "\"}");
	fx->f.reply = big.data;
	assert_int_equal(session_call(fx->s, "Grep", in, "n3", &r), 0);
	c = json_string_value(r.content);
	path = strstr(c, "Full output saved to: ");
	assert_non_null(path);
	path += strlen("Full output saved to: ");
	saved = strndup(path, (size_t)(strchr(path, '\n') - path));
	f = fopen(saved, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = (size_t)ftell(f);
	fclose(f);
	assert_int_equal(n, 50000);
	free(saved);
	session_result_release(&r);
	buf_release(&big);
	json_decref(in);
}

/* The child opens the path the policy judged: "~" is HOME, not a name under the cwd. */
static void child_gets_the_judged_path(void **state)
{
	struct fx *fx = *state;
	struct session_result r;
	struct cordon_diag d;
	char home[256], want[256];
	json_t *in;

	assert_int_equal(policy_add_rules(&fx->p, "Read(./secrets/**)", RULE_DENY, "test", NULL, &d), 0);
	snprintf(home, sizeof(home), "%s/h1/h2", fx->ws);
	fx_open(fx, true, home);
	fx->f.reply = "{\"content\":\"data\"}";
	in = input_path("file_path", "~/../secrets/k");
	assert_int_equal(session_call(fx->s, "Read", in, "r1", &r), 0);
	assert_false(r.denied);
	snprintf(want, sizeof(want), "%s/h1/secrets/k", fx->ws);
	assert_string_equal(json_string_value(json_object_get(fx->f.last_request, "resolved_path")), want);
	/* Read gets the deny patterns, to check the path it really reaches. */
	assert_true(json_array_size(json_object_get(fx->f.last_request, "deny_paths")) >= 1);
	session_result_release(&r);
	json_decref(in);

	/* The real secret path is refused before any child runs. */
	fx->f.calls = 0;
	in = input_path("file_path", "secrets/k");
	assert_int_equal(session_call(fx->s, "Read", in, "r2", &r), 0);
	assert_true(r.denied);
	assert_true(r.is_error);
	assert_int_equal(fx->f.calls, 0);
	session_result_release(&r);
	json_decref(in);

	/* Unknown tools are an error result, never a child. */
	in = json_object();
	assert_int_equal(session_call(fx->s, "Frobnicate", in, "r3", &r), 0);
	assert_true(r.is_error);
	assert_false(r.denied);
	assert_non_null(strstr(json_string_value(r.content), "No such tool available"));
	assert_int_equal(fx->f.calls, 0);
	session_result_release(&r);
	json_decref(in);
}

struct caller {
	struct session *s;
	int rc;
	struct session_result r;
};

static void *call_thread(void *arg)
{
	struct caller *c = arg;
	json_t *in = json_pack("{s:s}", "pattern", "x");

	c->rc = session_call(c->s, "Glob", in, NULL, &c->r);
	json_decref(in);
	return NULL;
}

/* Two calls are inside the runner at once: the session holds no lock across a call. */
static void calls_run_concurrently(void **state)
{
	struct fx *fx = *state;
	struct caller c[2] = { { 0 } };
	pthread_t t[2];
	int i;

	fx_open(fx, false, NULL);
	fx->f.reply = "{\"content\":\"a.txt\"}";
	fx->f.want = 2;
	for (i = 0; i < 2; i++) {
		c[i].s = fx->s;
		assert_int_equal(pthread_create(&t[i], NULL, call_thread, &c[i]), 0);
	}
	for (i = 0; i < 2; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(c[i].rc, 0);
		assert_string_equal(json_string_value(c[i].r.content), "a.txt");
		session_result_release(&c[i].r);
	}
}

static void *cancel_later(void *arg)
{
	usleep(50000);
	session_cancel(arg);
	return NULL;
}

/* Cancel ends the call in flight and every later call, without a child. */
static void cancel_ends_calls(void **state)
{
	struct fx *fx = *state;
	struct caller c = { 0 };
	pthread_t t;

	fx_open(fx, false, NULL);
	fx->f.wait_cancel = true;
	c.s = fx->s;
	assert_int_equal(pthread_create(&t, NULL, cancel_later, fx->s), 0);
	call_thread(&c);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(c.rc, 0);
	assert_true(c.r.cancelled);
	assert_true(c.r.is_error);
	session_result_release(&c.r);
	fx->f.calls = 0;
	call_thread(&c);
	assert_true(c.r.cancelled);
	assert_int_equal(fx->f.calls, 0);
	session_result_release(&c.r);
}

/* A dead warden is reported, calls fail until the session is reopened. */
static void dead_warden_is_reported(void **state)
{
	struct fx *fx = *state;
	struct session_result r;
	struct cordon_diag d;
	json_t *in = json_pack("{s:s}", "pattern", "x");

	fx_open(fx, false, NULL);
	fx->f.reply = NULL;
	fx->f.rc = -CORDON_EPROTO;
	assert_int_equal(session_call(fx->s, "Glob", in, NULL, &r), 0);
	assert_true(r.is_error);
	assert_non_null(strstr(json_string_value(r.content), "warden died"));
	session_result_release(&r);
	assert_false(session_alive(fx->s));
	assert_int_equal(session_warden_deaths(fx->s), 1);
	fx->f.calls = 0;
	fx->f.reply = "{\"content\":\"back\"}";
	assert_int_equal(session_call(fx->s, "Glob", in, NULL, &r), 0);
	assert_true(r.is_error);
	assert_int_equal(fx->f.calls, 0);
	session_result_release(&r);
	assert_int_equal(session_reopen(fx->s, &d), 0);
	assert_true(session_alive(fx->s));
	assert_int_equal(session_call(fx->s, "Glob", in, NULL, &r), 0);
	assert_string_equal(json_string_value(r.content), "back");
	session_result_release(&r);
	json_decref(in);
}

/* Limits are errors, not cuts; an unknown required layer fails the open. */
static void open_refuses_what_it_cannot_honour(void **state)
{
	struct fx *fx = *state;
	struct session_opts o = { 0 };
	struct cordon_diag d;
	const char *roots[SESSION_MAX_ROOTS + 1];
	size_t i;

	for (i = 0; i < SESSION_MAX_ROOTS + 1; i++)
		roots[i] = "/usr";
	o.workspace = fx->ws;
	o.roots = roots;
	o.nroots = SESSION_MAX_ROOTS + 1;
	o.runner = fake_run;
	o.runner_ctx = &fx->f;
	assert_int_equal(session_open(&fx->s, &o, &d), -CORDON_ETOOBIG);
	assert_non_null(strstr(d.msg, "too many read-only roots"));
	o.nroots = 1;
	assert_int_equal(strvec_push(&fx->p.sandbox_require, "telepathy"), 0);
	o.policy = &fx->p;
	assert_int_equal(session_open(&fx->s, &o, &d), -CORDON_EINVAL);
	assert_non_null(strstr(d.msg, "telepathy"));
}

/* Once a secret may be in memory, no sandbox is forked (in a child: the latch is for life). */
static void sandbox_refused_after_a_secret(void **state)
{
	struct fx *fx = *state;
	pid_t pid = fork();
	int st;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct session_opts o = { 0 };
		struct session *s = NULL;
		struct cordon_diag d;
		int rc;

		o.workspace = fx->ws;
		secret_latch();
		rc = session_open(&s, &o, &d);
		_exit(rc == -CORDON_EDENIED && strstr(d.msg, "before any secret") && !s ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(preview_matches_reference),
		cmocka_unit_test(preview_counts_characters),
		cmocka_unit_test(preview_keeps_short_text),
		cmocka_unit_test(caps_per_tool),
		cmocka_unit_test_setup_teardown(effects_are_checked, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(results_are_shaped, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(results_keep_nuls, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(child_gets_the_judged_path, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(calls_run_concurrently, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(cancel_ends_calls, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(dead_warden_is_reported, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(open_refuses_what_it_cannot_honour, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(sandbox_refused_after_a_secret, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
