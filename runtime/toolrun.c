/*
 * toolrun.c — PLACEHOLDER: plain fork, no confinement yet. The sandbox work
 * (issue 3) replaces this with the warden and per-profile confinement.
 */
#include "runtime/toolrun.h"
#include "common/buf.h"
#include "common/error.h"
#include "common/fileio.h"
#include "tools/tool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct toolrun {
	struct toolrun_opts opts;
};

int toolrun_open(struct toolrun **out, const struct toolrun_opts *opts)
{
	struct toolrun *tr = calloc(1, sizeof(*tr));

	if (!tr)
		return -CORDON_ENOMEM;
	tr->opts = *opts;
	if (!tr->opts.max_result)
		tr->opts.max_result = 16u << 20;
	*out = tr;
	return 0;
}

void toolrun_close(struct toolrun *tr)
{
	free(tr);
}

int toolrun_call(struct toolrun *tr, enum sandbox_profile profile, const json_t *request,
		 json_t **out_result)
{
	int pfd[2] = { -1, -1 }, status, r;
	struct buf b;
	pid_t pid;

	(void)profile;
	*out_result = NULL;
	buf_init(&b, tr->opts.max_result);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -CORDON_ESYS;
	pid = fork();
	if (pid < 0) {
		r = -CORDON_ESYS;
		goto out;
	}
	if (pid == 0) {
		json_t *res = NULL;
		char *s;

		close(pfd[0]);
		if (tool_execute(request, &res) < 0 || !res)
			_exit(3);
		s = json_dumps(res, JSON_COMPACT);
		_exit(s && fd_write_all(pfd[1], s, strlen(s)) == 0 ? 0 : 4);
	}
	close(pfd[1]);
	pfd[1] = -1;
	r = fd_read_all(pfd[0], &b);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		*out_result = json_loadb(b.data, b.len, 0, NULL);
	if (!*out_result)
		*out_result = tool_result_text("the tool's child process failed", true);
	r = *out_result ? 0 : -CORDON_ENOMEM;
out:
	close_keep_errno(pfd[0]);
	close_keep_errno(pfd[1]);
	buf_release(&b);
	return r;
}
