/*
 * tasks.h — a session's background commands (Bash run_in_background) and
 * their companions TaskOutput and TaskStop (supervisor side).
 *
 *	struct tasks *ts;
 *	tasks_open(&ts, &(struct tasks_opts){ .dir = outdir, .exec = fn, .exec_ctx = tr,
 *					      .session_cancel_fd = efd });
 *	tasks_start(ts, &spec, &text);             "Command running in background with ID: ..."
 *	tasks_output(ts, id, block, wait_ms, &text, &is_error);   TaskOutput
 *	tasks_stop(ts, id, &text, &is_error);                      TaskStop
 *	json_t *n = tasks_take_notifications(ts);  <task-notification> texts of ended tasks
 *	tasks_close(ts);                           every task's tree killed, threads joined
 *
 * A task is one sandbox call (bash.h, background wrapper) run by a thread of
 * its own; its stdout and stderr go to a pipe whose other end the call gets
 * as fd 5, and a second thread copies the pipe into DIR/tasks/ID.output
 * (created O_EXCL|O_NOFOLLOW, 0600, by us: the command never names a path
 * we open), up to TASKS_MAX_OUTPUT bytes (the rest is drained and dropped,
 * and the file says so). The call's cancel descriptor is an epoll set of the
 * session's cancel eventfd and the task's own: session_cancel() and TaskStop
 * each end the call's whole process tree through the warden. tasks_close()
 * stops every task and waits for its threads, so no background process
 * outlives the session (and the warden kills anything left at
 * sandbox_close()).
 *
 * Thread safety: every function may be called from any thread; one lock
 * guards the table. TaskOutput with block waits on a condition variable,
 * never with the lock held across the wait's end, and gives up early when
 * the session is cancelled.
 */
#ifndef CORDON_RUNTIME_TASKS_H
#define CORDON_RUNTIME_TASKS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/buf.h"
#include "runtime/sandbox/sandbox.h"

#define TASKS_MAX_RUNNING 16         /* background commands at once */
#define TASKS_MAX 256                /* tasks a session keeps (ended ones included) */
#define TASKS_MAX_OUTPUT (256u << 20) /* bytes of a task's output file */
#define TASKS_ID_LEN 9               /* "b" and 8 characters of [0-9a-z] */

/* Runs one sandbox call (toolrun_exec()); the same contract. */
typedef int (*tasks_exec_fn)(void *ctx, const struct sandbox_call *call, struct sandbox_result *out);

struct tasks_opts {
	const char *dir;          /* absolute, existing, ours (0700): the session's output directory */
	tasks_exec_fn exec;
	void *exec_ctx;
	int session_cancel_fd;    /* readable once the session is cancelled */
};

struct task_spec {
	const char *command;      /* the policy's normalised text */
	const char *description;  /* the model's, or NULL */
	const char *cwd;          /* absolute */
	const char *tmp;          /* the sandbox's tmp as commands see it */
	unsigned proxy_port;      /* bash_spec.proxy_port: the egress route, or 0 */
	const char *git_name, *git_email; /* bash_spec's; must outlive the tasks (the session's) */
	const char *tool_use_id;  /* for the notification */
};

struct tasks;

int tasks_open(struct tasks **out, const struct tasks_opts *opts);

/*
 * Start a background command. 0 with the reference's start text in *text
 * (or, *is_error, why it could not start: too many running, the output
 * file), negative CORDON_E* when nothing could be said (ENOMEM).
 */
int tasks_start(struct tasks *ts, const struct task_spec *spec, struct buf *text, bool *is_error);

/*
 * TaskOutput: the task's state and output (bashfmt_task_output()). With
 * block, wait up to wait_ms for it to end. An unknown id is an is_error
 * "<tool_use_error>No task found with ID: ...". Once a caller has seen a
 * task's end here, no notification is sent for it.
 */
int tasks_output(struct tasks *ts, const char *id, bool block, unsigned wait_ms, struct buf *text,
		 bool *is_error);

/* TaskStop: kill the task's tree and wait for its end (bashfmt_task_stopped()); errors as the reference's. */
int tasks_stop(struct tasks *ts, const char *id, struct buf *text, bool *is_error);

/* The notification texts of tasks that ended since the last call (a new array; NULL on ENOMEM). */
json_t *tasks_take_notifications(struct tasks *ts);

/* How many tasks are running now. */
size_t tasks_running(struct tasks *ts);

/* Stop every task, wait for them, free. Accepts NULL. */
void tasks_close(struct tasks *ts);

#endif
