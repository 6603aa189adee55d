/*
 * listener — the host side of the escape battery's network and IPC attacks.
 *
 *	listener [-t SECONDS] tcp  ADDR READYFILE LOG    listen on ADDR:0
 *	listener [-t SECONDS] udp  ADDR READYFILE LOG    bind ADDR:0
 *	listener [-t SECONDS] unix PATH READYFILE LOG    pathname socket (mode 0666)
 *	listener [-t SECONDS] abstract NAME READYFILE LOG
 *	listener [-t SECONDS] shm  READYFILE             a SysV shm segment (mode 0666)
 *
 * It runs outside any sandbox, as the test's "host service". When it is ready
 * it writes READYFILE atomically: the port (tcp, udp), the shm key, or "ready".
 * Every connection accepted or datagram received appends one line to LOG, so
 * the test can tell whether a probe's traffic really arrived (a datagram sent
 * inside an empty network namespace "succeeds" and goes nowhere). The line is
 * written before the connection is closed and before a datagram is echoed
 * back, so a probe that waits for the close or the echo knows it is there.
 * It exits after SECONDS (default 120) or on SIGTERM/SIGINT, removing the
 * socket path or the shm segment; nothing outlives it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int die(const char *what)
{
	fprintf(stderr, "listener: %s: %s\n", what, strerror(errno));
	return 1;
}

/* Write s to path via a temporary and rename, so readers never see half. */
static int publish(const char *path, const char *s)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	f = fopen(tmp, "we");
	if (!f)
		return -1;
	fprintf(f, "%s\n", s);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

static void log_line(const char *log, const char *what)
{
	int fd = open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return;
	if (write(fd, what, strlen(what)) < 0) {
		/* nothing better to do: the test will see no line */
	}
	close(fd);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Serve fd until the deadline: accept (stream) or receive (dgram). */
static void serve(int fd, int stream, const char *log, double deadline)
{
	char buf[512];

	while (!stop) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		double left = deadline - now_s();
		int r;

		if (left <= 0)
			break;
		r = poll(&p, 1, left > 1 ? 1000 : (int)(left * 1000) + 1);
		if (r <= 0)
			continue;
		if (stream) {
			int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
			if (c >= 0) {
				log_line(log, "connect\n");
				close(c);
			}
		} else {
			struct sockaddr_storage from;
			socklen_t flen = sizeof(from);
			ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);
			if (n >= 0) {
				log_line(log, "datagram\n");
				sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen);
			}
		}
	}
}

static int run_inet(int type, const char *addr, const char *ready, const char *log, double deadline)
{
	struct sockaddr_in sin = {.sin_family = AF_INET};
	socklen_t len = sizeof(sin);
	char port[16];
	int fd, one = 1;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "listener: bad IPv4 address '%s'\n", addr);
		return 2;
	}
	fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return die("bind");
	if (type == SOCK_STREAM && listen(fd, 64) < 0)
		return die("listen");
	if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0)
		return die("getsockname");
	snprintf(port, sizeof(port), "%u", (unsigned)ntohs(sin.sin_port));
	if (publish(ready, port) < 0)
		return die("write ready file");
	serve(fd, type == SOCK_STREAM, log, deadline);
	close(fd);
	return 0;
}

static int run_unix(const char *name, int abstract, const char *ready, const char *log, double deadline)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	socklen_t len;
	int fd;

	if (n + 1 >= sizeof(sun.sun_path)) {
		fprintf(stderr, "listener: socket name too long\n");
		return 2;
	}
	if (abstract) {
		memcpy(sun.sun_path + 1, name, n);
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	} else {
		memcpy(sun.sun_path, name, n + 1);
		len = sizeof(sun);
		unlink(name);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return die("socket");
	if (bind(fd, (struct sockaddr *)&sun, len) < 0)
		return die("bind");
	/* Any local user may connect, as with a desktop bus or docker.sock
	 * opened to a group: the sandbox, not DAC, has to stop the probe. */
	if (!abstract && chmod(name, 0666) < 0)
		return die("chmod");
	if (listen(fd, 64) < 0)
		return die("listen");
	if (publish(ready, "ready") < 0)
		return die("write ready file");
	serve(fd, 1, log, deadline);
	close(fd);
	if (!abstract)
		unlink(name);
	return 0;
}

static int run_shm(const char *ready, double deadline)
{
	char keystr[32];
	key_t key;
	int id = -1;

	srand((unsigned)(getpid() ^ (unsigned)time(NULL)));
	for (int tries = 0; tries < 100 && id < 0; tries++) {
		key = (key_t)(0x43000000 | (rand() & 0xffffff));
		id = shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0666);
		if (id < 0 && errno != EEXIST)
			return die("shmget");
	}
	if (id < 0)
		return die("shmget");
	snprintf(keystr, sizeof(keystr), "%d", (int)key);
	if (publish(ready, keystr) < 0) {
		shmctl(id, IPC_RMID, NULL);
		return die("write ready file");
	}
	while (!stop && now_s() < deadline)
		usleep(100 * 1000);
	shmctl(id, IPC_RMID, NULL);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: listener [-t SECONDS] tcp|udp ADDR READY LOG | unix PATH READY LOG |"
			" abstract NAME READY LOG | shm READY\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	double deadline;
	long secs = 120;
	int i = 1;

	if (argc > 2 && strcmp(argv[1], "-t") == 0) {
		char *end;
		secs = strtol(argv[2], &end, 10);
		if (*end || secs < 1 || secs > 3600)
			return usage();
		i = 3;
	}
	if (argc - i < 2)
		return usage();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	deadline = now_s() + (double)secs;

	if (strcmp(argv[i], "shm") == 0)
		return run_shm(argv[i + 1], deadline);
	if (argc - i != 4)
		return usage();
	if (strcmp(argv[i], "tcp") == 0)
		return run_inet(SOCK_STREAM, argv[i + 1], argv[i + 2], argv[i + 3], deadline);
	if (strcmp(argv[i], "udp") == 0)
		return run_inet(SOCK_DGRAM, argv[i + 1], argv[i + 2], argv[i + 3], deadline);
	if (strcmp(argv[i], "unix") == 0)
		return run_unix(argv[i + 1], 0, argv[i + 2], argv[i + 3], deadline);
	if (strcmp(argv[i], "abstract") == 0)
		return run_unix(argv[i + 1], 1, argv[i + 2], argv[i + 3], deadline);
	return usage();
}
