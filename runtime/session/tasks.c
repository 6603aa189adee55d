/* tasks.c — background commands and their companions (see tasks.h). */
#include "runtime/session/tasks.h"
#include "runtime/session/bash.h"
#include "runtime/session/bashfmt.h"
#include "common/error.h"
#include "common/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TAIL_READ (512u << 10) /* bytes of a task's output read back for TaskOutput (its end) */
#define STOP_WAIT_MS 15000     /* TaskStop waits this long for the tree to be gone */

struct task {
	struct tasks *ts;
	char id[TASKS_ID_LEN + 1];
	char *command, *what, *tool_use_id, *path, *cwd, *tmp;
	unsigned proxy_port;       /* the egress route for its command, or 0 */
	const char *git_name, *git_email; /* borrowed from the session */
	int file_fd;   /* the output file, ours: the pump appends, TaskOutput reads back */
	int pipe_r, pipe_w;
	int stop_fd;   /* an eventfd TaskStop and tasks_close() write */
	int cancel_fd; /* epoll of the session's cancel fd and stop_fd: the call's cancel_fd */
	pthread_t runner, pump;
	bool threads;  /* both started: tasks_close() joins the runner (which joins the pump) */
	/* Below: under ts->lock. */
	enum bashfmt_task_status status;
	bool has_exit;
	int exit_code;
	bool seen_end;  /* a TaskOutput or TaskStop reported its end: no notification */
	/* The pump's, read by the runner after joining it. */
	size_t written;
	bool capped;
};

struct tasks {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a task ended */
	struct tasks_opts opts;
	char *dir;
	struct task *t[TASKS_MAX];
	size_t n;
	json_t *pending;     /* [{"id", "text"}]: notifications not taken yet */
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int tasks_open(struct tasks **out, const struct tasks_opts *opts)
{
	struct tasks *ts = calloc(1, sizeof(*ts));

	*out = NULL;
	if (!ts)
		return -CORDON_ENOMEM;
	ts->opts = *opts;
	ts->dir = strdup(opts->dir);
	ts->pending = json_array();
	if (!ts->dir || !ts->pending) {
		free(ts->dir);
		json_decref(ts->pending);
		free(ts);
		return -CORDON_ENOMEM;
	}
	pthread_mutex_init(&ts->lock, NULL);
	pthread_cond_init(&ts->cond, NULL);
	*out = ts;
	return 0;
}

static void task_free(struct task *t)
{
	if (!t)
		return;
	close_fd(&t->file_fd);
	close_fd(&t->pipe_r);
	close_fd(&t->pipe_w);
	close_fd(&t->stop_fd);
	close_fd(&t->cancel_fd);
	free(t->command);
	free(t->what);
	free(t->tool_use_id);
	free(t->path);
	free(t->cwd);
	free(t->tmp);
	free(t);
}

/* Called with the lock. */
static struct task *find(struct tasks *ts, const char *id)
{
	size_t i;

	for (i = 0; id && i < ts->n; i++)
		if (!strcmp(ts->t[i]->id, id))
			return ts->t[i];
	return NULL;
}

size_t tasks_running(struct tasks *ts)
{
	size_t i, k = 0;

	pthread_mutex_lock(&ts->lock);
	for (i = 0; i < ts->n; i++)
		k += ts->t[i]->status == BASHFMT_RUNNING;
	pthread_mutex_unlock(&ts->lock);
	return k;
}

/* ---- the two threads of a task ---------------------------------------------- */

/*
 * Copies the command's output into the file, up to TASKS_MAX_OUTPUT; past
 * it the pipe is still drained (the command never blocks on it) and the rest
 * dropped. Ends at EOF: every writer gone (the call's tree is killed when it
 * ends, and the runner closes our copy then).
 */
static void *pump_main(void *arg)
{
	struct task *t = arg;
	char buf[65536];
	ssize_t n;

	for (;;) {
		n = read(t->pipe_r, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (t->written < TASKS_MAX_OUTPUT) {
			size_t keep = (size_t)n;

			if (keep > TASKS_MAX_OUTPUT - t->written) {
				keep = TASKS_MAX_OUTPUT - t->written;
				t->capped = true;
			}
			if (fd_write_all(t->file_fd, buf, keep) < 0)
				t->capped = true;
			t->written += keep;
		} else {
			t->capped = true;
		}
	}
	close_fd(&t->pipe_r);
	return NULL;
}

/* What the file gets after the command's own output: how the call ended, when cordon has something to say. */
static void tail_notes(struct task *t, int rc, const struct sandbox_result *sr)
{
	struct buf b;
	char dur[48];

	buf_init(&b, 1u << 20);
	if (t->capped)
		buf_printf(&b, "\n[cordon kept the first %uMB of the output: the command wrote more]\n",
			   (unsigned)(TASKS_MAX_OUTPUT >> 20));
	if (rc < 0) {
		buf_printf(&b, "\ncordon: the sandbox failed (%s); the command did not finish\n", cordon_strerror(rc));
	} else if (sr->end == SANDBOX_SETUP) {
		buf_printf(&b, "\nblocked by cordon: the command could not be started in the sandbox: %s\n",
			   sr->setup_error);
	} else if (sr->end == SANDBOX_TIMEOUT) {
		bashfmt_duration(dur, sizeof(dur), BASH_BACKGROUND_MAX_MS);
		buf_printf(&b, "\nCommand timed out after %s\n", dur);
	}
	if (rc == 0 && sr->notices.len) {
		const char *p = sr->notices.data, *e, *end = sr->notices.data + sr->notices.len;

		for (; p < end; p = e + 1) {
			e = memchr(p, '\n', (size_t)(end - p));
			if (!e)
				e = end;
			if (e > p)
				buf_printf(&b, "blocked by cordon: %.*s\n", (int)(e - p), p);
		}
	}
	if (b.len)
		fd_write_all(t->file_fd, b.data, b.len);
	buf_release(&b);
}

static void queue_notification(struct tasks *ts, struct task *t)
{
	struct buf b;

	buf_init(&b, BUF_NOMAX);
	if (bashfmt_task_notification(&b, t->id, t->tool_use_id, t->path, t->status, t->exit_code, t->what) == 0)
		json_array_append_new(ts->pending, json_pack("{s:s, s:s%}", "id", t->id, "text", b.data, b.len));
	buf_release(&b);
}

static void *runner_main(void *arg)
{
	struct task *t = arg;
	struct tasks *ts = t->ts;
	struct bash_spec spec = { .command = t->command, .cwd = t->cwd, .tmp = t->tmp, .proxy_port = t->proxy_port,
				  .git_name = t->git_name, .git_email = t->git_email,
				  .timeout_ms = BASH_BACKGROUND_MAX_MS, .out_fd = t->pipe_w,
				  .cancel_fd = t->cancel_fd };
	struct sandbox_result sr;
	struct bash_call bc;
	int rc;

	memset(&sr, 0, sizeof(sr));
	rc = bash_call_init(&bc, &spec);
	if (rc == 0) {
		rc = ts->opts.exec(ts->opts.exec_ctx, &bc.call, &sr);
		bash_call_release(&bc);
	}
	/* The call is over and its tree gone: our copy is the last writer. */
	close_fd(&t->pipe_w);
	pthread_join(t->pump, NULL);
	tail_notes(t, rc, &sr);

	pthread_mutex_lock(&ts->lock);
	t->has_exit = true;
	if (rc < 0) {
		t->status = BASHFMT_FAILED;
		t->has_exit = false;
		t->exit_code = 1;
	} else if (sr.end == SANDBOX_CANCELLED) {
		t->status = BASHFMT_KILLED;
		t->has_exit = false;
		t->exit_code = 128 + SIGKILL;
	} else if (sr.end == SANDBOX_EXITED) {
		t->exit_code = sr.exit_code;
		t->status = sr.exit_code ? BASHFMT_FAILED : BASHFMT_COMPLETED;
	} else {
		t->status = BASHFMT_FAILED;
		t->exit_code = sr.end == SANDBOX_TIMEOUT ? 143 : sr.exit_code ? sr.exit_code : 1;
	}
	if (!t->seen_end)
		queue_notification(ts, t);
	pthread_cond_broadcast(&ts->cond);
	pthread_mutex_unlock(&ts->lock);
	sandbox_result_release(&sr);
	return NULL;
}

/* ---- start ------------------------------------------------------------------- */

static int new_id(char *out)
{
	static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	unsigned char r[TASKS_ID_LEN - 1];
	size_t i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -CORDON_ESYS;
	out[0] = 'b';
	for (i = 0; i < sizeof(r); i++)
		out[i + 1] = alphabet[r[i] % 36];
	out[TASKS_ID_LEN] = '\0';
	return 0;
}

/*
 * The task's output file, DIR/tasks/ID.output: made by us, O_EXCL and
 * O_NOFOLLOW beneath a directory opened without following links, so
 * nothing planted (a link, an older file) is written through or over.
 */
static int open_output(struct tasks *ts, struct task *t)
{
	int dfd = -1, fd = -1;
	char name[TASKS_ID_LEN + 16];

	if (asprintf(&t->path, "%s/tasks/%s.output", ts->dir, t->id) < 0) {
		t->path = NULL;
		return -CORDON_ENOMEM;
	}
	{
		char *tdir;

		if (asprintf(&tdir, "%s/tasks", ts->dir) < 0)
			return -CORDON_ENOMEM;
		if (mkdir(tdir, 0700) < 0 && errno != EEXIST) {
			free(tdir);
			return -CORDON_ESYS;
		}
		dfd = open(tdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		free(tdir);
	}
	if (dfd < 0)
		return -CORDON_ESYS;
	snprintf(name, sizeof(name), "%s.output", t->id);
	fd = openat(dfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_APPEND | O_CLOEXEC, 0600);
	close(dfd);
	if (fd < 0)
		return -CORDON_ESYS;
	t->file_fd = fd;
	return 0;
}

/* The call's cancel descriptor: readable when the session is cancelled or the task is stopped. */
static int make_cancel(struct tasks *ts, struct task *t)
{
	struct epoll_event ev = { .events = EPOLLIN };

	t->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	t->cancel_fd = epoll_create1(EPOLL_CLOEXEC);
	if (t->stop_fd < 0 || t->cancel_fd < 0)
		return -CORDON_ESYS;
	if (epoll_ctl(t->cancel_fd, EPOLL_CTL_ADD, t->stop_fd, &ev) < 0)
		return -CORDON_ESYS;
	if (ts->opts.session_cancel_fd >= 0 &&
	    epoll_ctl(t->cancel_fd, EPOLL_CTL_ADD, ts->opts.session_cancel_fd, &ev) < 0)
		return -CORDON_ESYS;
	return 0;
}

static void stop(struct task *t)
{
	uint64_t one = 1;
	ssize_t n = write(t->stop_fd, &one, sizeof(one));

	(void)n; /* a full counter already reads as "stop" */
}

int tasks_start(struct tasks *ts, const struct task_spec *spec, struct buf *text, bool *is_error)
{
	struct task *t = NULL;
	size_t running;
	int rc, p[2];

	*is_error = true;
	pthread_mutex_lock(&ts->lock);
	running = 0;
	for (size_t i = 0; i < ts->n; i++)
		running += ts->t[i]->status == BASHFMT_RUNNING;
	if (ts->n >= TASKS_MAX || running >= TASKS_MAX_RUNNING) {
		pthread_mutex_unlock(&ts->lock);
		return buf_printf(text,
				  "cordon cannot start another background command: %zu are running (at most %d) and "
				  "%zu were started (at most %d). Stop one you no longer need with TaskStop, or run "
				  "this command in the foreground.",
				  running, TASKS_MAX_RUNNING, ts->n, TASKS_MAX);
	}
	pthread_mutex_unlock(&ts->lock);

	t = calloc(1, sizeof(*t));
	if (!t)
		return -CORDON_ENOMEM;
	t->ts = ts;
	t->file_fd = t->pipe_r = t->pipe_w = t->stop_fd = t->cancel_fd = -1;
	t->status = BASHFMT_RUNNING;
	t->command = strdup(spec->command);
	t->what = strdup(spec->description && *spec->description ? spec->description : spec->command);
	t->tool_use_id = strdup(spec->tool_use_id ? spec->tool_use_id : "");
	t->cwd = strdup(spec->cwd);
	t->tmp = spec->tmp ? strdup(spec->tmp) : NULL;
	t->proxy_port = spec->proxy_port;
	t->git_name = spec->git_name;
	t->git_email = spec->git_email;
	if (!t->command || !t->what || !t->tool_use_id || !t->cwd || (spec->tmp && !t->tmp)) {
		task_free(t);
		return -CORDON_ENOMEM;
	}
	rc = new_id(t->id);
	if (rc == 0)
		rc = open_output(ts, t);
	if (rc == 0 && pipe2(p, O_CLOEXEC) < 0)
		rc = -CORDON_ESYS;
	if (rc == 0) {
		t->pipe_r = p[0];
		t->pipe_w = p[1];
		rc = make_cancel(ts, t);
	}
	if (rc == -CORDON_ENOMEM) {
		task_free(t);
		return rc;
	}
	if (rc < 0) {
		rc = buf_printf(text, "cordon could not start the background command: %s (%s)", cordon_strerror(rc),
				strerror(errno));
		task_free(t);
		return rc;
	}
	pthread_mutex_lock(&ts->lock);
	if (pthread_create(&t->pump, NULL, pump_main, t) != 0) {
		pthread_mutex_unlock(&ts->lock);
		task_free(t);
		return buf_puts(text, "cordon could not start the background command: no thread to run it");
	}
	if (pthread_create(&t->runner, NULL, runner_main, t) != 0) {
		/* The pump ends once the pipe has no writer: close ours. */
		close_fd(&t->pipe_w);
		pthread_mutex_unlock(&ts->lock);
		pthread_join(t->pump, NULL);
		task_free(t);
		return buf_puts(text, "cordon could not start the background command: no thread to run it");
	}
	t->threads = true;
	ts->t[ts->n++] = t;
	pthread_mutex_unlock(&ts->lock);
	*is_error = false;
	return bashfmt_background_started(text, t->id, t->path);
}

/* ---- read, stop, notify ------------------------------------------------------------- */

/* The end of the output file, at most TAIL_READ bytes. */
static int read_tail(struct task *t, struct buf *out)
{
	struct stat st;
	off_t from;
	size_t want, got = 0;
	ssize_t n;

	if (fstat(t->file_fd, &st) < 0)
		return -CORDON_ESYS;
	from = st.st_size > (off_t)TAIL_READ ? st.st_size - (off_t)TAIL_READ : 0;
	want = (size_t)(st.st_size - from);
	if (buf_grow(out, want) < 0)
		return -CORDON_ENOMEM;
	while (got < want) {
		n = pread(t->file_fd, out->data + out->len + got, want - got, from + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	/* Cut into the middle of a character: start at the next one. */
	{
		size_t skip = 0;

		while (from > 0 && skip < got && ((unsigned char)out->data[out->len + skip] & 0xc0) == 0x80)
			skip++;
		memmove(out->data + out->len, out->data + out->len + skip, got - skip);
		out->len += got - skip;
	}
	return 0;
}

static bool session_cancelled(const struct tasks *ts)
{
	struct pollfd p = { .fd = ts->opts.session_cancel_fd, .events = POLLIN };

	return ts->opts.session_cancel_fd >= 0 && poll(&p, 1, 0) == 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Wait (lock held) until t ended or wait_ms passed, in steps that notice a cancelled session. */
static void wait_end(struct tasks *ts, struct task *t, unsigned wait_ms)
{
	uint64_t deadline = now_ms() + wait_ms;

	while (t->status == BASHFMT_RUNNING && now_ms() < deadline && !session_cancelled(ts)) {
		struct timespec until;
		uint64_t step = deadline - now_ms();

		if (step > 100)
			step = 100;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)(step % 1000) * 1000000L;
		until.tv_sec += (time_t)(step / 1000) + until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&ts->cond, &ts->lock, &until);
	}
}

/* A task whose end a caller has seen: its notification, if queued, goes. Lock held. */
static void saw_end(struct tasks *ts, struct task *t)
{
	size_t i;

	t->seen_end = true;
	for (i = json_array_size(ts->pending); i-- > 0;)
		if (!strcmp(json_string_value(json_object_get(json_array_get(ts->pending, i), "id")) ?: "", t->id))
			json_array_remove(ts->pending, i);
}

static int no_task(struct buf *text, bool *is_error, const char *id)
{
	*is_error = true;
	return buf_printf(text, "<tool_use_error>No task found with ID: %.64s</tool_use_error>", id ? id : "");
}

int tasks_output(struct tasks *ts, const char *id, bool block, unsigned wait_ms, struct buf *text,
		 bool *is_error)
{
	struct task *t;
	enum bashfmt_task_status st;
	bool has_exit;
	int code, rc;
	struct buf out;

	pthread_mutex_lock(&ts->lock);
	t = find(ts, id);
	if (!t) {
		pthread_mutex_unlock(&ts->lock);
		return no_task(text, is_error, id);
	}
	if (block)
		wait_end(ts, t, wait_ms);
	st = t->status;
	has_exit = st != BASHFMT_RUNNING && t->has_exit;
	code = t->exit_code;
	if (st != BASHFMT_RUNNING)
		saw_end(ts, t);
	pthread_mutex_unlock(&ts->lock);

	*is_error = false;
	buf_init(&out, TAIL_READ + 16);
	rc = read_tail(t, &out);
	if (rc == 0 || rc == -CORDON_ESYS)
		rc = bashfmt_task_output(text, st != BASHFMT_RUNNING ? "success" : block ? "timeout" : "not_ready", t->id,
					 st, has_exit, code, out.data, out.len, t->path);
	buf_release(&out);
	return rc;
}

int tasks_stop(struct tasks *ts, const char *id, struct buf *text, bool *is_error)
{
	struct task *t;

	pthread_mutex_lock(&ts->lock);
	t = find(ts, id);
	if (!t) {
		pthread_mutex_unlock(&ts->lock);
		return no_task(text, is_error, id);
	}
	if (t->status != BASHFMT_RUNNING) {
		pthread_mutex_unlock(&ts->lock);
		*is_error = true;
		return buf_printf(text, "<tool_use_error>Task %s is not running (status: %s)</tool_use_error>", t->id,
				  bashfmt_task_status_name(t->status));
	}
	/* It was stopped on purpose: no notification follows (as the reference marks it notified). */
	t->seen_end = true;
	stop(t);
	wait_end(ts, t, STOP_WAIT_MS);
	saw_end(ts, t);
	pthread_mutex_unlock(&ts->lock);
	*is_error = false;
	return bashfmt_task_stopped(text, t->id, t->command);
}

json_t *tasks_take_notifications(struct tasks *ts)
{
	json_t *out = json_array(), *n;
	size_t i;

	if (!out)
		return NULL;
	pthread_mutex_lock(&ts->lock);
	json_array_foreach(ts->pending, i, n)
		json_array_append(out, json_object_get(n, "text"));
	json_array_clear(ts->pending);
	pthread_mutex_unlock(&ts->lock);
	return out;
}

void tasks_close(struct tasks *ts)
{
	size_t i;

	if (!ts)
		return;
	pthread_mutex_lock(&ts->lock);
	for (i = 0; i < ts->n; i++)
		if (ts->t[i]->status == BASHFMT_RUNNING) {
			ts->t[i]->seen_end = true;
			stop(ts->t[i]);
		}
	pthread_mutex_unlock(&ts->lock);
	/* Each runner ends once the warden killed its tree (cancel), after joining its pump. */
	for (i = 0; i < ts->n; i++)
		if (ts->t[i]->threads)
			pthread_join(ts->t[i]->runner, NULL);
	for (i = 0; i < ts->n; i++)
		task_free(ts->t[i]);
	json_decref(ts->pending);
	pthread_cond_destroy(&ts->cond);
	pthread_mutex_destroy(&ts->lock);
	free(ts->dir);
	free(ts);
}
