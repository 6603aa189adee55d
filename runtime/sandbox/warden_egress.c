/* warden_egress.c — the egress forwarder inside the session (see warden_egress.h). */
#include "runtime/sandbox/warden_egress.h"
#include "runtime/sandbox/sandbox_ipc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* One accepted connection to the supervisor: a 4-byte message with the socket attached. */
static int pass(int chan, int fd)
{
	uint32_t magic = WEGRESS_MAGIC;

	return sbx_send_fd(chan, &magic, sizeof(magic), fd) == 0 ? 0 : -1;
}

static void __attribute__((noreturn)) forward(int lfd, int chan)
{
	int lo = lfd < chan ? lfd : chan, hi = lfd < chan ? chan : lfd;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	prctl(PR_SET_NAME, "cordon-egress", 0, 0, 0);
	/* Nothing of pid 1 stays with us: the listening socket and the channel only. */
	if (lo > 3)
		syscall(SYS_close_range, 3u, (unsigned)lo - 1, 0u);
	if (hi > lo + 1)
		syscall(SYS_close_range, (unsigned)lo + 1, (unsigned)hi - 1, 0u);
	syscall(SYS_close_range, (unsigned)hi + 1, ~0u, 0u);
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				continue;
			_exit(1);
		}
		/*
		 * Blocking: the proxy takes each socket at once (and answers 503
		 * itself past its connection ceiling). The channel broken means
		 * the supervisor is gone: so is the route.
		 */
		if (pass(chan, fd) < 0 && errno != ETOOMANYREFS) {
			close(fd);
			_exit(0);
		}
		close(fd);
	}
}

pid_t wegress_start(int chan, unsigned *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int lfd, saved;
	pid_t pid;

	*port = 0;
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		goto fail;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* Safe because: this is the session's own loopback (its network namespace), never the host's. */
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, WEGRESS_BACKLOG) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &len) < 0)
		goto fail;
	pid = fork();
	if (pid < 0)
		goto fail;
	if (pid == 0)
		forward(lfd, chan);
	*port = ntohs(sa.sin_port);
	close(lfd);
	close(chan);
	return pid;
fail:
	saved = errno;
	if (lfd >= 0)
		close(lfd);
	close(chan);
	errno = saved;
	return -1;
}
