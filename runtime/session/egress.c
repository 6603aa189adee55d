/*
 * egress.c — Bash's egress proxy: the channel, the connections, the relay
 * (see egress.h; the pure half is egress_head.c).
 */
#include "runtime/session/egress.h"
#include "runtime/session/dial.h"
#include "common/error.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* What the forwarder sends with each connection (runtime/sandbox/warden_egress.h, WEGRESS_MAGIC). */
#define CHANNEL_MAGIC 0x65677231u

/*
 * Shared by the serving thread and every connection's thread, freed by
 * whoever lets go last (egress_close() does not wait for a connection
 * stuck in a name lookup).
 */
struct egress {
	atomic_uint refs;
	struct strvec allowed;
	bool allow_loopback;
	unsigned head_ms, idle_ms, connect_ms;
	int stop_fd; /* an eventfd, readable once closing: every poll here watches it */
	int wake_fd; /* an eventfd: the channel list changed */
	pthread_mutex_t lock;
	int chan[EGRESS_MAX_CHANNELS]; /* the proxy's ends, -1 when free; under lock */
	unsigned nconns;               /* connections being served; under lock */
	pthread_t thread;
	bool started;
};

struct dir {
	char buf[EGRESS_BUF];
	size_t len, off; /* bytes held, bytes of them sent */
	bool eof, shut;
};

static void egress_unref(struct egress *e)
{
	int i;

	if (atomic_fetch_sub(&e->refs, 1) != 1)
		return;
	for (i = 0; i < EGRESS_MAX_CHANNELS; i++)
		if (e->chan[i] >= 0)
			close(e->chan[i]);
	if (e->stop_fd >= 0)
		close(e->stop_fd);
	if (e->wake_fd >= 0)
		close(e->wake_fd);
	strvec_release(&e->allowed);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

int egress_open(struct egress **out, const struct egress_opts *opts)
{
	struct egress *e;
	size_t i;
	int rc = -CORDON_ENOMEM;

	*out = NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -CORDON_ENOMEM;
	atomic_init(&e->refs, 1);
	pthread_mutex_init(&e->lock, NULL);
	for (i = 0; i < EGRESS_MAX_CHANNELS; i++)
		e->chan[i] = -1;
	e->allow_loopback = opts->allow_loopback;
	e->head_ms = opts->head_timeout_ms ? opts->head_timeout_ms : EGRESS_HEAD_TIMEOUT_MS;
	e->idle_ms = opts->idle_timeout_ms ? opts->idle_timeout_ms : EGRESS_IDLE_TIMEOUT_MS;
	e->connect_ms = opts->connect_timeout_ms ? opts->connect_timeout_ms : EGRESS_CONNECT_TIMEOUT_MS;
	e->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (e->stop_fd < 0 || e->wake_fd < 0) {
		rc = -CORDON_ESYS;
		goto fail;
	}
	for (i = 0; opts->allowed && i < opts->allowed->n; i++)
		if ((rc = strvec_push(&e->allowed, opts->allowed->v[i])) < 0)
			goto fail;
	*out = e;
	return 0;
fail:
	egress_unref(e);
	return rc;
}

int egress_channel(struct egress *e, int *warden_fd)
{
	uint64_t one = 1;
	int sv[2], i, rc = -CORDON_ETOOBIG;
	ssize_t n;

	*warden_fd = -1;
	/* SEQPACKET: one message per connection, its descriptor attached to it. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -CORDON_ESYS;
	pthread_mutex_lock(&e->lock);
	for (i = 0; i < EGRESS_MAX_CHANNELS; i++)
		if (e->chan[i] < 0) {
			e->chan[i] = sv[0];
			rc = 0;
			break;
		}
	pthread_mutex_unlock(&e->lock);
	if (rc < 0) {
		close(sv[0]);
		close(sv[1]);
		return rc;
	}
	n = write(e->wake_fd, &one, sizeof(one));
	(void)n; /* a full counter wakes the thread all the same */
	*warden_fd = sv[1];
	return 0;
}

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000ull + (unsigned long long)ts.tv_nsec / 1000000ull;
}

/* Wait for events on fd until deadline_ms or the stop: 1 ready, 0 timeout or stop, -1 error. */
static int wait_fd(const struct egress *e, int fd, short events, unsigned long long deadline_ms)
{
	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = events }, { .fd = e->stop_fd, .events = POLLIN } };
		unsigned long long now = now_ms();
		int r;

		if (now >= deadline_ms)
			return 0;
		r = poll(p, 2, (int)(deadline_ms - now > 60000 ? 60000 : deadline_ms - now));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (p[1].revents)
			return 0;
		if (p[0].revents)
			return 1;
	}
}

/* All of p[0..n) to a non-blocking socket, within timeout_ms. 0 or -1. */
static int send_all(const struct egress *e, int fd, const char *p, size_t n, unsigned timeout_ms)
{
	unsigned long long deadline = now_ms() + timeout_ms;

	while (n) {
		ssize_t k = send(fd, p, n, MSG_NOSIGNAL);

		if (k > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait_fd(e, fd, POLLOUT, deadline) == 1)
			continue;
		return -1;
	}
	return 0;
}

/* An error response to the command, best effort: the connection ends after it anyway. */
static void respond(const struct egress *e, int fd, int status, const char *body)
{
	struct buf b;

	buf_init(&b, 4096);
	if (egress_response(&b, status, body) == 0)
		send_all(e, fd, b.data, b.len, 5000);
	buf_release(&b);
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Read from src into d when it is empty; 0 on progress or nothing to do, -1 when the connection is broken. */
static int pull(struct dir *d, int src)
{
	ssize_t k = recv(src, d->buf, sizeof(d->buf), 0);

	if (k > 0) {
		d->len = (size_t)k;
		d->off = 0;
	} else if (k == 0) {
		d->eof = true;
	} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		return -1;
	}
	return 0;
}

/* Send what d holds to dst; once its source ended and all is sent, end dst's write side. */
static int push(struct dir *d, int dst)
{
	if (d->off < d->len) {
		ssize_t k = send(dst, d->buf + d->off, d->len - d->off, MSG_NOSIGNAL);

		if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		if (k > 0)
			d->off += (size_t)k;
		if (d->off == d->len)
			d->off = d->len = 0;
	}
	if (d->eof && !d->len && !d->shut) {
		shutdown(dst, SHUT_WR);
		d->shut = true;
	}
	return 0;
}

/*
 * Bytes both ways between the command (c) and the server (u), each
 * direction through its own fixed buffer, until both have ended, either
 * breaks, nothing moves for the idle timeout, or the proxy stops.
 */
static void relay(const struct egress *e, int c, int u)
{
	struct dir *up = calloc(1, sizeof(*up)), *down = calloc(1, sizeof(*down));

	if (!up || !down)
		goto out;
	while (!(up->shut && down->shut)) {
		struct pollfd p[3];
		short ce = 0, ue = 0;
		int r;

		if (!up->len && !up->eof)
			ce |= POLLIN;
		if (down->len)
			ce |= POLLOUT;
		if (!down->len && !down->eof)
			ue |= POLLIN;
		if (up->len)
			ue |= POLLOUT;
		/* A side with nothing to wait for is left out, so its hangup cannot spin the loop. */
		p[0] = (struct pollfd){ .fd = ce ? c : -1, .events = ce };
		p[1] = (struct pollfd){ .fd = ue ? u : -1, .events = ue };
		p[2] = (struct pollfd){ .fd = e->stop_fd, .events = POLLIN };
		r = poll(p, 3, (int)e->idle_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || p[2].revents)
			break;
		if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) && (ce & POLLIN) && pull(up, c) < 0)
			break;
		if ((p[1].revents & (POLLIN | POLLHUP | POLLERR)) && (ue & POLLIN) && pull(down, u) < 0)
			break;
		if (push(up, u) < 0 || push(down, c) < 0)
			break;
	}
out:
	free(up);
	free(down);
}

/* The answer to a failed dial: the status and the line the command reads. */
static void dial_failed(const struct egress *e, int fd, int rc, const char *msg)
{
	char body[CORDON_DIAG_MSG + 64];

	if (rc == -CORDON_EKILLED)
		return;
	if (rc == -CORDON_EDENIED) {
		snprintf(body, sizeof(body), "blocked by cordon: %s", msg);
		respond(e, fd, 403, body);
		return;
	}
	snprintf(body, sizeof(body), "cordon's egress proxy: %s", msg);
	respond(e, fd, rc == -CORDON_ETIMEOUT ? 504 : 502, body);
}

/* One connection from the sandbox: its head, the judgement, the dial, the relay. */
static void serve_conn(const struct egress *e, int fd)
{
	struct dial_opts dopts = { .allow_loopback = e->allow_loopback, .timeout_ms = e->connect_ms,
				   .cancel_fd = e->stop_fd };
	unsigned long long deadline = now_ms() + e->head_ms;
	struct egress_req req = { 0 };
	struct dial_conn conn = { .fd = -1 };
	struct cordon_diag diag;
	char err[CORDON_DIAG_MSG];
	struct buf fwd;
	size_t len = 0;
	char *head = malloc(EGRESS_HEAD_MAX);
	int r;

	buf_init(&fwd, 2 * EGRESS_HEAD_MAX);
	if (!head)
		goto out;
	set_nonblock(fd);
	for (;;) {
		ssize_t k;

		r = egress_head_parse(&req, head, len, err, sizeof(err));
		if (r == 1)
			break;
		if (r < 0) {
			respond(e, fd, r == -CORDON_ETOOBIG ? 431 : 400, err);
			goto out;
		}
		if (wait_fd(e, fd, POLLIN, deadline) != 1)
			goto out; /* too slow, or stopping: no answer is owed */
		k = recv(fd, head + len, EGRESS_HEAD_MAX - len, 0);
		if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR))
			goto out;
		if (k > 0)
			len += (size_t)k;
	}
	/* By name first: a name the list does not allow is never looked up (no DNS leak). */
	if (egress_judge(&req, &e->allowed, err, sizeof(err)) < 0) {
		respond(e, fd, 403, err);
		goto out;
	}
	if (req.kind == EGRESS_HTTP && egress_forward_head(&fwd, &req, head) < 0) {
		respond(e, fd, 400, "a header line that is not 'name: value'");
		goto out;
	}
	/* Resolved once and vetted (dial.h): the address connected to is the one judged. */
	r = dial_connect(&conn, req.host, req.port, &dopts, &diag);
	if (r < 0) {
		dial_failed(e, fd, r, diag.msg);
		goto out;
	}
	set_nonblock(conn.fd);
	if (req.kind == EGRESS_CONNECT) {
		static const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";

		if (send_all(e, fd, ok, sizeof(ok) - 1, 5000) < 0)
			goto out;
	} else if (send_all(e, conn.fd, fwd.data, fwd.len, e->idle_ms) < 0) {
		respond(e, fd, 502, "cordon's egress proxy: the server closed the connection");
		goto out;
	}
	/* What the command sent after its head (a TLS hello, a request body) goes on first. */
	if (len > req.head_len && send_all(e, conn.fd, head + req.head_len, len - req.head_len, e->idle_ms) < 0)
		goto out;
	free(head);
	head = NULL;
	relay(e, fd, conn.fd);
out:
	if (conn.fd >= 0)
		close(conn.fd);
	egress_req_release(&req);
	buf_release(&fwd);
	free(head);
}

struct conn_arg {
	struct egress *e;
	int fd;
};

static void *conn_thread(void *arg)
{
	struct conn_arg *a = arg;
	struct egress *e = a->e;

	serve_conn(e, a->fd);
	close(a->fd);
	free(a);
	pthread_mutex_lock(&e->lock);
	e->nconns--;
	pthread_mutex_unlock(&e->lock);
	egress_unref(e);
	return NULL;
}

/*
 * Only a TCP socket is served: the forwarder passes nothing else, and
 * whatever else came would be the sandbox's own descriptor anyway.
 */
static bool tcp_socket(int fd)
{
	int type = 0, domain = 0;
	socklen_t l1 = sizeof(type), l2 = sizeof(domain);

	return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l1) == 0 && type == SOCK_STREAM &&
	       getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &l2) == 0 && (domain == AF_INET || domain == AF_INET6);
}

static void start_conn(struct egress *e, int fd)
{
	struct conn_arg *a = NULL;
	pthread_attr_t attr;
	pthread_t t;
	bool full;

	if (!tcp_socket(fd)) {
		close(fd);
		return;
	}
	pthread_mutex_lock(&e->lock);
	full = e->nconns >= EGRESS_MAX_CONNS;
	if (!full)
		e->nconns++;
	pthread_mutex_unlock(&e->lock);
	if (full) {
		static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
		ssize_t n = send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);

		(void)n;
		close(fd);
		return;
	}
	atomic_fetch_add(&e->refs, 1);
	a = malloc(sizeof(*a));
	if (a && pthread_attr_init(&attr) == 0) {
		a->e = e;
		a->fd = fd;
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 256u << 10);
		if (pthread_create(&t, &attr, conn_thread, a) == 0) {
			pthread_attr_destroy(&attr);
			return;
		}
		pthread_attr_destroy(&attr);
	}
	free(a);
	close(fd);
	pthread_mutex_lock(&e->lock);
	e->nconns--;
	pthread_mutex_unlock(&e->lock);
	egress_unref(e);
}

/* One message of a channel: its descriptor, or -1; *closed when the warden's end is gone. */
static int recv_conn(int chan, bool *closed)
{
	union {
		char buf[CMSG_SPACE(4 * sizeof(int))];
		struct cmsghdr align;
	} u;
	uint32_t magic = 0;
	struct iovec iov = { .iov_base = &magic, .iov_len = sizeof(magic) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *cm;
	int fd = -1;
	ssize_t n;

	*closed = false;
	n = recvmsg(chan, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	if (n < 0) {
		*closed = errno != EAGAIN && errno != EINTR;
		return -1;
	}
	if (n == 0) {
		*closed = true;
		return -1;
	}
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t k, nfd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < nfd; k++) {
			int x;

			memcpy(&x, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
			if (fd < 0)
				fd = x;
			else
				close(x); /* one descriptor per message: the rest are not ours to serve */
		}
	}
	if (fd >= 0 && (n != sizeof(magic) || magic != CHANNEL_MAGIC || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static void *serve_thread(void *arg)
{
	struct egress *e = arg;

	for (;;) {
		struct pollfd p[2 + EGRESS_MAX_CHANNELS];
		int slot[EGRESS_MAX_CHANNELS];
		int n = 2, i, k;
		uint64_t v;

		p[0] = (struct pollfd){ .fd = e->stop_fd, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = e->wake_fd, .events = POLLIN };
		pthread_mutex_lock(&e->lock);
		for (i = 0; i < EGRESS_MAX_CHANNELS; i++)
			if (e->chan[i] >= 0) {
				slot[n - 2] = i;
				p[n++] = (struct pollfd){ .fd = e->chan[i], .events = POLLIN };
			}
		pthread_mutex_unlock(&e->lock);
		if (poll(p, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents)
			break;
		if (p[1].revents && read(e->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			break;
		for (k = 2; k < n; k++) {
			bool closed = false;
			int fd;

			if (!p[k].revents)
				continue;
			fd = recv_conn(p[k].fd, &closed);
			if (fd >= 0)
				start_conn(e, fd);
			if (closed) {
				/* That warden is gone (or never had a route): its channel with it. */
				pthread_mutex_lock(&e->lock);
				close(e->chan[slot[k - 2]]);
				e->chan[slot[k - 2]] = -1;
				pthread_mutex_unlock(&e->lock);
			}
		}
	}
	return NULL;
}

int egress_start(struct egress *e)
{
	if (e->started)
		return 0;
	if (pthread_create(&e->thread, NULL, serve_thread, e) != 0)
		return -CORDON_ESYS;
	e->started = true;
	return 0;
}

void egress_close(struct egress *e)
{
	uint64_t one = 1;
	ssize_t n;

	if (!e)
		return;
	n = write(e->stop_fd, &one, sizeof(one));
	(void)n;
	if (e->started)
		pthread_join(e->thread, NULL);
	egress_unref(e);
}
